"""Observers: they watch a tensor during training and keep the range it is quantized to."""

from __future__ import annotations

import torch
from torch import nn


class MinMaxObserver(nn.Module):
    """Running global minimum and maximum over every batch seen."""

    min_val: torch.Tensor
    max_val: torch.Tensor

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("min_val", torch.tensor(float("inf"), dtype=torch.float64))
        self.register_buffer("max_val", torch.tensor(float("-inf"), dtype=torch.float64))

    @property
    def initialised(self) -> bool:
        return bool(torch.isfinite(self.min_val))

    def forward(self, x: torch.Tensor) -> None:
        low, high = x.detach().min().double(), x.detach().max().double()
        self.min_val.copy_(torch.minimum(self.min_val, low))
        self.max_val.copy_(torch.maximum(self.max_val, high))


class EMAMinMaxObserver(MinMaxObserver):
    """Exponential moving average of each batch's minimum and maximum (`momentum` per batch)."""

    def __init__(self, momentum: float = 0.01) -> None:
        super().__init__()
        self.momentum = momentum

    def forward(self, x: torch.Tensor) -> None:
        low, high = x.detach().min().double(), x.detach().max().double()
        if not self.initialised:
            self.min_val.copy_(low)
            self.max_val.copy_(high)
            return
        self.min_val.mul_(1 - self.momentum).add_(self.momentum * low)
        self.max_val.mul_(1 - self.momentum).add_(self.momentum * high)
