"""Observers: they watch a tensor during training and keep the range it is quantized to."""

from __future__ import annotations

import math
from typing import Any

import torch
from resq.spec.quantization import Observer
from torch import nn


class MinMaxObserver(nn.Module):
    """Running global minimum and maximum over every tensor seen by `update`.

    The range lives as Python floats (`range`), so that a batch which does not move it costs
    one reduction and no tensor writes; the `min_val`/`max_val` buffers carry it in
    state_dict and are written only when it is saved.
    """

    min_val: torch.Tensor
    max_val: torch.Tensor
    tracks_latest = False
    """True when the range follows the latest tensor, also in eval mode (weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("min_val", torch.tensor(float("inf"), dtype=torch.float64))
        self.register_buffer("max_val", torch.tensor(float("-inf"), dtype=torch.float64))
        self._bounds = [math.inf, -math.inf]

    def _save_to_state_dict(self, *args: Any, **kwargs: Any) -> None:
        self.min_val.fill_(self._bounds[0])
        self.max_val.fill_(self._bounds[1])
        super()._save_to_state_dict(*args, **kwargs)

    def _load_from_state_dict(self, *args: Any, **kwargs: Any) -> None:
        super()._load_from_state_dict(*args, **kwargs)
        self._bounds[:] = float(self.min_val), float(self.max_val)

    @property
    def range(self) -> tuple[float, float]:
        """(minimum, maximum) observed so far; (inf, −inf) before the first tensor."""
        return self._bounds[0], self._bounds[1]

    @property
    def initialised(self) -> bool:
        return math.isfinite(self._bounds[0])

    def _set(self, low: float, high: float) -> bool:
        """Store the range; True when it changed."""
        if low == self._bounds[0] and high == self._bounds[1]:
            return False
        self._bounds[:] = low, high
        return True

    def update(self, x: torch.Tensor) -> bool:
        """Observe x; True when the range changed."""
        low, high = _extremes(x)
        return self._set(min(self._bounds[0], low), max(self._bounds[1], high))


def _extremes(x: torch.Tensor) -> tuple[float, float]:
    low, high = torch.aminmax(x.detach())
    return low.item(), high.item()


class TensorMinMaxObserver(MinMaxObserver):
    """Minimum and maximum of the latest tensor only: for weights, which change every step."""

    tracks_latest = True

    def update(self, x: torch.Tensor) -> bool:
        return self._set(*_extremes(x))


class EMAMinMaxObserver(MinMaxObserver):
    """Exponential moving average of each batch's minimum and maximum (`momentum` per batch)."""

    def __init__(self, momentum: float = 0.01) -> None:
        super().__init__()
        self.momentum = momentum

    def update(self, x: torch.Tensor) -> bool:
        low, high = _extremes(x)
        if not self.initialised:
            return self._set(low, high)
        old_low, old_high = self._bounds
        keep = 1 - self.momentum
        return self._set(
            keep * old_low + self.momentum * low, keep * old_high + self.momentum * high
        )


def activation_observer(kind: Observer, momentum: float = 0.01) -> MinMaxObserver:
    """A fresh observer for activations: "minmax" (running) or "ema" with `momentum` in (0, 1]."""
    if kind == "minmax":
        return MinMaxObserver()
    if kind == "ema":
        return EMAMinMaxObserver(momentum)
    raise ValueError(f"observer {kind!r} is not one of minmax, ema")
