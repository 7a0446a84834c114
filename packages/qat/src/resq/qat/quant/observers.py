"""Observers: they watch a tensor during training and keep the range it is quantized to."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from resq.spec.integer.qparams import ConcreteScheme, qparams_from_range
from resq.spec.quantization import Range
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


class MSEObserver(MinMaxObserver):
    """The range whose quantization has the least squared error over every value seen.

    A histogram of `BINS` bins holds every observed value (it widens, re-binning its counts,
    when a value falls outside it). Candidate ranges are [a·min, b·max] for a, b in
    1/16 … 16/16 (symmetric: [−c, c], c = a·max|x|); each is turned into its scale and zero
    point by `qparams_from_range` at `bit_width` and `scheme`, exactly as the quantizer will,
    and costs Σ count · (x − dequantize(quantize(x)))² over the bin centres. The range is the
    cheapest candidate, recomputed on the first update and every `every` updates after.
    """

    BINS = 2048
    FRACTIONS = np.arange(1, 17) / 16

    histogram: torch.Tensor
    edges: torch.Tensor

    def __init__(self, bit_width: int, scheme: ConcreteScheme = "asymmetric",
                 every: int = 16) -> None:  # fmt: skip
        super().__init__()
        if not 2 <= bit_width <= 16 or every < 1:
            raise ValueError(f"MSEObserver needs bit_width in 2..16 and every ≥ 1, got "
                             f"{bit_width}, {every}")  # fmt: skip
        self.bit_width, self.scheme, self.every = bit_width, scheme, every
        self.register_buffer("histogram", torch.zeros(self.BINS, dtype=torch.float64))
        self.register_buffer("edges", torch.zeros(2, dtype=torch.float64))
        self._updates = 0

    def _widen(self, low: float, high: float) -> None:
        """Make the histogram cover [low, high], moving the old counts to the new bins."""
        old_low, old_high = (float(e) for e in self.edges)
        empty = not bool(self.histogram.any())
        new_low = low if empty else min(low, old_low)
        new_high = high if empty else max(high, old_high)
        if new_high <= new_low:
            new_high = new_low + 1e-12
        if not empty and (new_low, new_high) != (old_low, old_high):
            index = ((self._centres() - new_low) / (new_high - new_low) * self.BINS).astype(int)
            moved = np.zeros(self.BINS)
            np.add.at(moved, np.clip(index, 0, self.BINS - 1), self.histogram.numpy())
            self.histogram.copy_(torch.from_numpy(moved))
        self.edges.copy_(torch.tensor([new_low, new_high], dtype=torch.float64))

    def _centres(self) -> np.ndarray:
        low, high = (float(e) for e in self.edges)
        return low + (high - low) / self.BINS * (np.arange(self.BINS) + 0.5)

    def _candidates(self) -> list[tuple[float, float]]:
        low, high = min(float(self.edges[0]), 0.0), max(float(self.edges[1]), 0.0)
        if self.scheme == "symmetric":
            reach = max(-low, high)
            return [(-float(f) * reach, float(f) * reach) for f in self.FRACTIONS]
        return [(float(a) * low, float(b) * high) for a in self.FRACTIONS for b in self.FRACTIONS]

    def best_range(self) -> tuple[float, float]:
        """The candidate range whose quantization has the least error over the histogram."""
        candidates = self._candidates()
        qps = [qparams_from_range(lo, hi, self.bit_width, self.scheme) for lo, hi in candidates]
        scale = np.array([qp.scale for qp in qps])[:, None]
        zero = np.array([qp.zero_point for qp in qps])[:, None]
        q_min, q_max = qps[0].quant_min, qps[0].quant_max
        centres = self._centres()[None, :]
        q = np.clip(np.floor(centres / scale + 0.5) + zero, q_min, q_max)
        error = ((centres - (q - zero) * scale) ** 2) @ self.histogram.numpy()
        return candidates[int(np.argmin(error))]

    def update(self, x: torch.Tensor) -> bool:
        low, high = _extremes(x)
        self._widen(low, high)
        self.histogram.add_(torch.histc(x.detach().double(), self.BINS, *self.edges.tolist()))
        self._updates += 1
        if self.initialised and (self._updates - 1) % self.every:
            return False
        return self._set(*self.best_range())


class TensorMSEObserver(MSEObserver):
    """The least-error range (as `MSEObserver`) of the latest tensor only: for weights.
    A tensor equal to the previous one is not searched again."""

    tracks_latest = True

    def __init__(self, bit_width: int, scheme: ConcreteScheme = "asymmetric") -> None:
        super().__init__(bit_width, scheme, every=1)
        self._latest: torch.Tensor | None = None

    def update(self, x: torch.Tensor) -> bool:
        x = x.detach()
        if self._latest is not None and torch.equal(self._latest, x):
            return False
        self._latest = x.clone()
        self.histogram.zero_()
        return super().update(x)


def activation_observer(
    kind: Range,
    bit_width: int = 8,
    scheme: ConcreteScheme = "asymmetric",
    momentum: float = 0.01,
) -> MinMaxObserver:
    """A fresh observer for activations quantized at `bit_width` bits with `scheme`:
    "minmax" (running), "ema" with `momentum` in (0, 1], or "mse" (`MSEObserver`); "lsq"
    starts from the "mse" range and learns it in QAT."""
    if kind == "minmax":
        return MinMaxObserver()
    if kind == "ema":
        return EMAMinMaxObserver(momentum)
    if kind in ("mse", "lsq"):
        return MSEObserver(bit_width, scheme)
    raise ValueError(f"range {kind!r} is not one of minmax, ema, mse, lsq")


def weight_observer(kind: Range, bit_width: int = 8, scheme: ConcreteScheme = "asymmetric"
                    ) -> MinMaxObserver:  # fmt: skip
    """A fresh observer for weights (latest tensor): its min and max, or for "lsq" the
    least-error range (`TensorMSEObserver`) that the learned range starts from."""
    if kind == "lsq":
        return TensorMSEObserver(bit_width, scheme)
    return TensorMinMaxObserver()
