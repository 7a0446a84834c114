"""Observers: they watch a tensor during training and keep the range it is quantized to."""

from __future__ import annotations

import math

import torch
from torch import nn


class MinMaxObserver(nn.Module):
    """Running global minimum and maximum over every batch seen."""

    min_val: torch.Tensor
    max_val: torch.Tensor
    tracks_latest = False
    """True when the range follows the latest tensor, also in eval mode (weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("min_val", torch.tensor(float("inf"), dtype=torch.float64))
        self.register_buffer("max_val", torch.tensor(float("-inf"), dtype=torch.float64))

    @property
    def initialised(self) -> bool:
        return math.isfinite(float(self.min_val))

    def forward(self, x: torch.Tensor) -> None:
        low, high = torch.aminmax(x.detach())
        self.min_val.copy_(torch.minimum(self.min_val, low.double()))
        self.max_val.copy_(torch.maximum(self.max_val, high.double()))


class TensorMinMaxObserver(MinMaxObserver):
    """Minimum and maximum of the latest tensor only: for weights, which change every step."""

    tracks_latest = True

    def forward(self, x: torch.Tensor) -> None:
        low, high = torch.aminmax(x.detach())
        self.min_val.copy_(low)
        self.max_val.copy_(high)


class EMAMinMaxObserver(MinMaxObserver):
    """Exponential moving average of each batch's minimum and maximum (`momentum` per batch)."""

    def __init__(self, momentum: float = 0.01) -> None:
        super().__init__()
        self.momentum = momentum

    def forward(self, x: torch.Tensor) -> None:
        low, high = (v.double() for v in torch.aminmax(x.detach()))
        if not self.initialised:
            self.min_val.copy_(low)
            self.max_val.copy_(high)
            return
        self.min_val.mul_(1 - self.momentum).add_(self.momentum * low)
        self.max_val.mul_(1 - self.momentum).add_(self.momentum * high)
