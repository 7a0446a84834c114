"""Observers: they watch a tensor during training and keep the range it is quantized to."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn


class MinMaxObserver(nn.Module):
    """Running global minimum and maximum over every batch seen.

    The range lives in the `min_val`/`max_val` buffers (saved in state_dict) and, for the
    per-batch bookkeeping of `FakeQuantize`, as Python floats (`range`), so that a batch that
    does not move the range costs one reduction and no tensor writes.
    """

    min_val: torch.Tensor
    max_val: torch.Tensor
    tracks_latest = False
    """True when the range follows the latest tensor, also in eval mode (weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("min_val", torch.tensor(float("inf"), dtype=torch.float64))
        self.register_buffer("max_val", torch.tensor(float("-inf"), dtype=torch.float64))
        self._range: tuple[float, float] | None = None

    def _load_from_state_dict(self, *args: Any, **kwargs: Any) -> None:
        self._range = None
        super()._load_from_state_dict(*args, **kwargs)

    @property
    def range(self) -> tuple[float, float]:
        """(minimum, maximum) observed so far; (inf, −inf) before the first tensor."""
        if self._range is None:
            self._range = (float(self.min_val), float(self.max_val))
        return self._range

    @property
    def initialised(self) -> bool:
        return math.isfinite(self.range[0])

    def _set(self, low: float, high: float) -> bool:
        """Store the range; True when it changed."""
        if (low, high) == self.range:
            return False
        self._range = (low, high)
        self.min_val.fill_(low)
        self.max_val.fill_(high)
        return True

    def forward(self, x: torch.Tensor) -> bool:
        """Observe x; True when the range changed."""
        low, high = (float(v) for v in torch.aminmax(x.detach()))
        old_low, old_high = self.range
        return self._set(min(old_low, low), max(old_high, high))


class TensorMinMaxObserver(MinMaxObserver):
    """Minimum and maximum of the latest tensor only: for weights, which change every step."""

    tracks_latest = True

    def forward(self, x: torch.Tensor) -> bool:
        low, high = (float(v) for v in torch.aminmax(x.detach()))
        return self._set(low, high)


class EMAMinMaxObserver(MinMaxObserver):
    """Exponential moving average of each batch's minimum and maximum (`momentum` per batch)."""

    def __init__(self, momentum: float = 0.01) -> None:
        super().__init__()
        self.momentum = momentum

    def forward(self, x: torch.Tensor) -> bool:
        low, high = (float(v) for v in torch.aminmax(x.detach()))
        if not self.initialised:
            return self._set(low, high)
        old_low, old_high = self.range
        keep = 1 - self.momentum
        return self._set(
            keep * old_low + self.momentum * low, keep * old_high + self.momentum * high
        )
