"""FakeQuantize: quantize → dequantize in the forward pass, straight-through in the backward.

The gradient passes unchanged where the input lies inside the representable range and is
zero where it was clipped (the straight-through estimator with clipping).
"""

from __future__ import annotations

from typing import Literal

import torch
from resq.qat.observers import EMAMinMaxObserver, MinMaxObserver
from resq.qat.qparams import ConcreteScheme, QParams, choose_scheme, qparams_from_range
from torch import nn

Scheme = Literal["symmetric", "asymmetric", "adaptive"]


def fake_quantize(x: torch.Tensor, qparams: QParams) -> torch.Tensor:
    """scale · (clamp(round_half_up(x / scale) + z, qmin, qmax) − z) with a clipping STE."""
    scale, zero = qparams.scale, qparams.zero_point
    scaled = x / scale
    q = torch.floor(scaled + 0.5) + zero
    clamped = torch.clamp(q, qparams.quant_min, qparams.quant_max)
    out = (clamped - zero) * scale
    inside = (q >= qparams.quant_min) & (q <= qparams.quant_max)
    return x * inside + (out - x * inside).detach()


class FakeQuantize(nn.Module):
    """Observe a tensor and fake-quantize it at `bit_width` bits with `scheme`.

    Adaptive: after each training batch, the observed range picks symmetric when
    |max + min| / (max − min) ≤ threshold, else asymmetric; the last choice is kept.
    Disabled, it is the identity (the float model).
    """

    asymmetric: torch.Tensor

    def __init__(
        self, bit_width: int, scheme: Scheme, threshold: float = 0.1, ema: bool = False
    ) -> None:
        super().__init__()
        self.bit_width = bit_width
        self.scheme = scheme
        self.threshold = threshold
        self.enabled = False
        self.observer: MinMaxObserver = EMAMinMaxObserver() if ema else MinMaxObserver()
        self.register_buffer("asymmetric", torch.tensor(scheme == "asymmetric"))

    @property
    def chosen(self) -> ConcreteScheme:
        """The concrete scheme in use (for adaptive: the latest choice, saved in state_dict)."""
        return "asymmetric" if bool(self.asymmetric) else "symmetric"

    def qparams(self) -> QParams:
        """Scale and zero point from the observed range and the current scheme."""
        if not self.observer.initialised:
            raise RuntimeError("FakeQuantize has observed nothing yet")
        low, high = float(self.observer.min_val), float(self.observer.max_val)
        return qparams_from_range(low, high, self.bit_width, self.chosen)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return x
        if self.training or not self.observer.initialised:
            self.observer(x)
            if self.scheme == "adaptive":
                low, high = float(self.observer.min_val), float(self.observer.max_val)
                self.asymmetric.fill_(choose_scheme(low, high, self.threshold) == "asymmetric")
        return fake_quantize(x, self.qparams())
