"""FakeQuantize: quantize → dequantize in the forward pass, straight-through in the backward.

The gradient passes unchanged where the input lies inside the representable range and is
zero where it was clipped (the straight-through estimator with clipping).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import torch
from resq.qat.quant.observers import MinMaxObserver
from resq.spec.integer import intops
from resq.spec.integer.qparams import (
    ConcreteScheme,
    QParams,
    choose_scheme,
    qparams_from_range,
    quant_range,
    quantize_multiplier,
)
from torch import nn

Scheme = Literal["symmetric", "asymmetric", "adaptive"]


FUSED_MAX_ELEMENTS = 8192
"""In training mode, tensors up to this size (weights, biases) use PyTorch's fused
fake-quantization kernel: one operation, where the exact form takes several small ones.
Above it the exact form is faster (the fused CPU kernel is slower per element)."""


def _rounded(x: torch.Tensor, scale: float, zero_point: int) -> torch.Tensor:
    rounded = x.detach().div(scale).add_(0.5).floor_()
    return rounded.add_(zero_point) if zero_point else rounded


def quantize(x: torch.Tensor, qparams: QParams) -> torch.Tensor:
    """The integers clamp(floor(x / scale + 0.5) + z, quant_min, quant_max), in x's dtype."""
    rounded = _rounded(x, qparams.scale, qparams.zero_point)
    return torch.clamp(rounded, qparams.quant_min, qparams.quant_max)


class _StraightThrough(torch.autograd.Function):
    """Forward: `value`. Backward: the incoming gradient where `inside` (a 0/1 mask), else
    zero. One autograd node, and the mask is the only tensor kept for the backward pass."""

    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, value: torch.Tensor, inside: torch.Tensor
    ) -> torch.Tensor:
        ctx.save_for_backward(inside)
        return value

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (inside,) = ctx.saved_tensors
        return grad * inside, None, None


def _straight_through(x: torch.Tensor, value: torch.Tensor, inside: torch.Tensor) -> torch.Tensor:
    result: torch.Tensor = _StraightThrough.apply(x, value, inside)  # type: ignore[no-untyped-call]
    return result


def _fake_quantize(
    x: torch.Tensor, scale: float, zero_point: int, quant_min: int, quant_max: int
) -> torch.Tensor:
    """scale · (clamp(floor(x / scale + 0.5) + z, q_min, q_max) − z), computed as
    scale · clamp(floor(x / scale + 0.5), q_min − z, q_max − z) (equal on integers)."""
    with torch.no_grad():
        rounded = _rounded(x, scale, 0)
        value = rounded.clamp(quant_min - zero_point, quant_max - zero_point)
        inside = rounded.eq_(value)
        value.mul_(scale)
    return _straight_through(x, value, inside)


def fake_quantize(x: torch.Tensor, qparams: QParams) -> torch.Tensor:
    """scale · (quantize(x) − z) with a clipping STE."""
    return _fake_quantize(
        x, qparams.scale, qparams.zero_point, qparams.quant_min, qparams.quant_max
    )


def quantize_bias(bias: torch.Tensor, scale: float, bound: int) -> torch.Tensor:
    """The integers clamp(floor(bias / scale + 0.5), −bound, bound), in bias's dtype."""
    return torch.clamp(_rounded(bias, scale, 0), -bound, bound)


def fake_quantize_bias(bias: torch.Tensor, scale: float, bound: int) -> torch.Tensor:
    """scale · quantize_bias(bias): a bias at the accumulator's scale s_x·s_w, zero point 0,
    clamped to `bound` (see `intops.bias_bound`); clipping STE."""
    return _fake_quantize(bias, scale, 0, -bound, bound)


class _LearnedStep(torch.autograd.Function):
    """Fake quantization at a learned scale exp(log_scale) and zero point, with the LSQ
    gradients. Forward: s · clamp(floor(x / s + 0.5), q_min − z, q_max − z), as
    `fake_quantize`. Backward: the clipping STE for x; for the log scale
    s · factor · Σ g · (round(x/s) − x/s inside the range, the clamped offset outside); for
    the zero point −s · factor · Σ g outside the range. Only two tensors are kept."""

    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, log_scale: torch.Tensor, zero_point: torch.Tensor,
        quant_min: int, quant_max: int, factor: float,
    ) -> torch.Tensor:  # fmt: skip
        scale = math.exp(float(log_scale))
        zero = min(quant_max, max(quant_min, round(float(zero_point))))
        steps = x.detach().mul(1.0 / scale)
        rounded = steps.add(0.5).floor_()
        offset = rounded.clamp(quant_min - zero, quant_max - zero)
        inside = rounded.eq_(offset)
        slope = torch.addcmul(offset, steps, inside, value=-1.0)
        ctx.save_for_backward(slope, inside)
        ctx.scale, ctx.factor = scale, factor
        return offset.mul_(scale)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        slope, inside = ctx.saved_tensors
        grad_x = grad * inside
        unit = ctx.scale * ctx.factor
        grad_log = torch.dot(grad.reshape(-1), slope.reshape(-1)) * unit
        grad_zero = (grad_x.sum() - grad.sum()) * unit if ctx.needs_input_grad[2] else None
        return (grad_x, grad_log.reshape(1),
                None if grad_zero is None else grad_zero.reshape(1), None, None, None)  # fmt: skip


def learnable_fake_quantize(
    x: torch.Tensor, log_scale: torch.Tensor, zero_point: torch.Tensor, quant_min: int,
    quant_max: int,
) -> torch.Tensor:  # fmt: skip
    """Fake quantization at scale exp(log_scale) with the LSQ gradient for the log scale and
    the zero point (scaled by 1 / √(numel · quant_max)) and the clipping STE for x; the
    forward value is `fake_quantize`'s."""
    factor = 1.0 / math.sqrt(max(x.numel(), 1) * quant_max)
    result: torch.Tensor = _LearnedStep.apply(  # type: ignore[no-untyped-call]
        x, log_scale, zero_point, quant_min, quant_max, factor
    )
    return result


def fused_fake_quantize(
    x: torch.Tensor, scale: float, zero_point: int, quant_min: int, quant_max: int
) -> torch.Tensor:
    """PyTorch's fused kernel where it is the cheaper one (training-mode tensors of at most
    `FUSED_MAX_ELEMENTS`, integers within 32 bits), else the exact form. The fused kernel
    rounds x · (1/scale) half to even, so the two differ only on a rounding boundary."""
    if x.numel() <= FUSED_MAX_ELEMENTS and quant_min >= -(2**31) and quant_max < 2**31:
        return torch.fake_quantize_per_tensor_affine(x, scale, zero_point, quant_min, quant_max)
    return _fake_quantize(x, scale, zero_point, quant_min, quant_max)


class FakeQuantize(nn.Module):
    """Observe a tensor and fake-quantize it at `bit_width` bits with `scheme`.

    Adaptive: after each training batch, the observed range picks symmetric when
    |max + min| / (max − min) ≤ threshold, else asymmetric; the last choice is kept.
    Disabled, it is the identity (the float model). In eval mode the forward value is
    `fake_quantize` (round half up, as the integer reference), and `requantize` is bit-exact
    with the integer reference when `exact` is set (the default). In training mode both are
    `fused_fake_quantize`: PyTorch's fused kernel for small tensors, which differs from the
    eval form only where x lies on a rounding boundary. A range learned by gradient descent
    is `LearnableFakeQuantize`'s.
    """

    asymmetric: torch.Tensor

    def __init__(
        self,
        bit_width: int,
        scheme: Scheme,
        threshold: float = 0.1,
        observer: MinMaxObserver | None = None,
    ) -> None:
        super().__init__()
        self.bit_width = bit_width
        self.scheme = scheme
        self.threshold = threshold
        self.enabled = False
        self.exact = True
        self.observer = observer if observer is not None else MinMaxObserver()
        self.register_buffer("asymmetric", torch.tensor(scheme == "asymmetric"))
        self._cache: dict[str, QParams] = {}

    def _load_from_state_dict(self, *args: Any, **kwargs: Any) -> None:
        self._cache.clear()
        super()._load_from_state_dict(*args, **kwargs)

    def set_bit_width(self, bit_width: int) -> None:
        """Quantize at `bit_width` (2..16) from now on over the same real range (the observer
        keeps it)."""
        self.bit_width = bit_width
        self._cache.clear()

    @property
    def chosen(self) -> ConcreteScheme:
        """The concrete scheme in use (for adaptive: the latest choice, saved in state_dict)."""
        return "asymmetric" if bool(self.asymmetric) else "symmetric"

    @property
    def exact_now(self) -> bool:
        """Whether `requantize` computes the integer result exactly in the current mode."""
        return self.exact and not self.training

    def qparams(self) -> QParams:
        """Scale and zero point from the observed range and the current scheme."""
        cached = self._cache.get("qparams")
        if cached is None:
            if not self.observer.initialised:
                raise RuntimeError("FakeQuantize has observed nothing yet")
            low, high = self.observer.range
            cached = self._cache["qparams"] = qparams_from_range(
                low, high, self.bit_width, self.chosen
            )
        return cached

    def observe(self, x: torch.Tensor) -> None:
        """Update the range (training, weights, or first use) and, if adaptive, the scheme.
        The cached qparams are dropped only when the range moved."""
        observer = self.observer
        if self.training or observer.tracks_latest or not observer.initialised:
            if not observer.update(x):
                return
            self._cache.clear()
            if self.scheme == "adaptive":
                low, high = observer.range
                self.asymmetric.fill_(choose_scheme(low, high, self.threshold) == "asymmetric")

    def _fake_quantize(self, x: torch.Tensor, qparams: QParams) -> torch.Tensor:
        if self.training:
            return fused_fake_quantize(
                x, qparams.scale, qparams.zero_point, qparams.quant_min, qparams.quant_max
            )
        return fake_quantize(x, qparams)

    def fake_quantize_bias(self, bias: torch.Tensor, scale: float, bound: int) -> torch.Tensor:
        """`fake_quantize_bias` (eval mode) or its fused training form (see `_fake_quantize`)."""
        if self.training:
            return fused_fake_quantize(bias, scale, 0, -bound, bound)
        return fake_quantize_bias(bias, scale, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return x
        self.observe(x)
        return self._fake_quantize(x, self.qparams())

    def requantize(self, y: torch.Tensor, accumulator_scale: float) -> torch.Tensor:
        """Fake-quantize y = accumulator_scale · acc exactly as integer requantization does.

        acc = round(y / accumulator_scale) is the integer accumulator (exact when y is
        computed in float64), M = accumulator_scale / scale becomes m / 2^n, and the forward
        value is scale · (sat(round_shift(acc · m, n) + z) − z).
        """
        if not self.enabled:
            return y
        self.observe(y)
        qparams = self.qparams()
        if not self.exact_now:
            return self._fake_quantize(y, qparams)
        m, n = quantize_multiplier(accumulator_scale / qparams.scale)
        acc = torch.round(y.detach().double() / accumulator_scale).long()
        return fake_requantize(y, acc * m, n, qparams)


class LearnableFakeQuantize(FakeQuantize):
    """Fake quantization at a learned range (LSQ), as torch.ao keeps its learnable variant
    apart from FakeQuantize: the scale (as log scale) and, for asymmetric, the zero point are
    trainable parameters with the LSQ gradient (`learnable_fake_quantize`); the observer no
    longer moves them. Their current values give `qparams`, so eval mode, `requantize` and
    the export are exactly those of an observed range. Made from an observed quantizer with
    `from_observed`, which starts it from the range observed so far."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """As FakeQuantize's; the scale and zero point start at 1 and 0 (`from_observed`
        starts them from an observed range)."""
        super().__init__(*args, **kwargs)
        self.log_scale = nn.Parameter(torch.zeros(1))
        self.zero_point = nn.Parameter(torch.zeros(1))
        self._learned_version = (-1, -1)
        self._set_trainable()

    @classmethod
    def from_observed(cls, observed: FakeQuantize, start: bool = True) -> LearnableFakeQuantize:
        """A learnable quantizer in `observed`'s place (its widths, scheme choice, mode and
        observer); `start`: from its current range (else the state to be loaded sets it)."""
        learned = cls(observed.bit_width, observed.scheme, observed.threshold, observed.observer)
        learned.enabled, learned.exact = observed.enabled, observed.exact
        learned.to(observed.asymmetric.device)
        with torch.no_grad():
            learned.asymmetric.copy_(observed.asymmetric)
            if start:
                qparams = observed.qparams()
                learned.log_scale.fill_(math.log(qparams.scale))
                learned.zero_point.fill_(float(qparams.zero_point))
        learned.train(observed.training)
        learned._set_trainable()
        return learned

    def _load_from_state_dict(self, *args: Any, **kwargs: Any) -> None:
        super()._load_from_state_dict(*args, **kwargs)
        self._set_trainable()

    def _set_trainable(self) -> None:
        self.log_scale.requires_grad_(True)
        self.zero_point.requires_grad_(self.chosen == "asymmetric")

    def set_bit_width(self, bit_width: int) -> None:
        """Quantize at `bit_width` (2..16) from now on over the same real range: the learned
        range keeps its ends, its scale and zero point are recomputed."""
        qp = self.qparams()
        low, high = (
            qp.scale * (qp.quant_min - qp.zero_point),
            qp.scale * (qp.quant_max - qp.zero_point),
        )
        moved = qparams_from_range(low, high, bit_width, self.chosen)
        with torch.no_grad():
            self.log_scale.fill_(math.log(moved.scale))
            self.zero_point.fill_(float(moved.zero_point))
        super().set_bit_width(bit_width)
        self._learned_version = (-1, -1)

    def qparams(self) -> QParams:
        """Scale and zero point from the learned parameters and the current scheme."""
        version = (self.log_scale._version, self.zero_point._version)
        cached = self._cache.get("qparams")
        if cached is None or version != self._learned_version:
            q_min, q_max = quant_range(self.bit_width, self.chosen)
            zero_point = min(q_max, max(q_min, round(float(self.zero_point.detach()))))
            cached = self._cache["qparams"] = QParams(
                scale=max(math.exp(float(self.log_scale.detach())), 1e-12),
                zero_point=zero_point if self.chosen == "asymmetric" else 0,
                bit_width=self.bit_width,
                scheme=self.chosen,
            )
            self._learned_version = version
        return cached

    def observe(self, x: torch.Tensor) -> None:
        """Nothing: a learned range does not follow the observer."""

    def _fake_quantize(self, x: torch.Tensor, qparams: QParams) -> torch.Tensor:
        if self.training:
            return learnable_fake_quantize(
                x, self.log_scale, self.zero_point, qparams.quant_min, qparams.quant_max
            )
        return fake_quantize(x, qparams)


def fake_requantize(
    y: torch.Tensor, product: torch.Tensor, shift: int, qparams: QParams
) -> torch.Tensor:
    """Forward: scale · (sat(round_shift(product, shift) + z) − z), product = acc · m (int64),
    the integers computed by the integer reference's own `intops.requantize` (one copy of
    the arithmetic). Backward: the clipping STE of `fake_quantize` on the real value y."""
    with torch.no_grad():
        q = intops.requantize(product.cpu().numpy(), 1, shift, qparams.zero_point,
                              qparams.quant_min, qparams.quant_max)  # fmt: skip
        clamped = torch.from_numpy(q).to(product.device)
        value = ((clamped - qparams.zero_point).double() * qparams.scale).to(y.dtype)
        real = _rounded(y, qparams.scale, qparams.zero_point)
        inside = (real >= qparams.quant_min) & (real <= qparams.quant_max)
    return _straight_through(y, value, inside)
