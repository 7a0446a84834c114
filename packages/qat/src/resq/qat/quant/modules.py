"""Quantization-aware modules. Each takes and returns `QTensor`s and fake-quantizes its output.

With their `FakeQuantize`s disabled they compute the float model from the same parameters,
so one definition serves float pre-training, QAT and export. Every forward pass in
quantized mode computes exactly what the integer reference computes, up to the m/2^n
approximation of requantization multipliers (relative error ≤ 2^−15).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from resq.qat.quant.fake_quant import FakeQuantize, Scheme, fake_requantize
from resq.qat.quant.observers import TensorMinMaxObserver
from resq.spec.integer.intops import bias_bound
from resq.spec.integer.qparams import QParams, quantize_multiplier, quantize_multiplier_pair
from resq.spec.integer.softmax import logit_multiplier, softmax_int
from torch import nn
from torch.nn import functional


@dataclass(frozen=True)
class QTensor:
    """A tensor and, in quantized mode, its quantization (value = scale · (q − zero_point))."""

    value: torch.Tensor
    qparams: QParams | None

    def offsets(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        """The integers q − zero_point, exactly, as floats of `dtype` (quantized mode only)."""
        if self.qparams is None:
            raise RuntimeError("offsets() of a float tensor")
        return torch.round(self.value.detach().to(dtype) / self.qparams.scale)


def _emit(
    quantizer: FakeQuantize, value: torch.Tensor, accumulator_scale: float | None = None
) -> QTensor:
    """The module output: fake-quantized, or requantized from an integer accumulator whose
    unit is `accumulator_scale` (then bit-exact with the integer reference)."""
    out = (
        quantizer(value)
        if accumulator_scale is None
        else quantizer.requantize(value, accumulator_scale)
    )
    return QTensor(out, quantizer.qparams() if quantizer.enabled else None)


def _input_qparams(x: QTensor, quantizer: FakeQuantize) -> QParams | None:
    """x's qparams in quantized mode (checked consistent with `quantizer`), else None."""
    if quantizer.enabled and x.qparams is None:
        raise RuntimeError("a quantized module received a float tensor")
    return x.qparams if quantizer.enabled else None


class QInput(nn.Module):
    """Quantizes the model input (the MinMax-scaled features) at the Linput `inputs` bits."""

    def __init__(self, bit_width: int, scheme: Scheme, threshold: float) -> None:
        super().__init__()
        self.output_fq = FakeQuantize(bit_width, scheme, threshold)

    def forward(self, x: torch.Tensor) -> QTensor:
        return _emit(self.output_fq, x)


class QLinear(nn.Module):
    """y = x·Wᵀ + b over the last axis, optional ReLU, output fake-quantized.

    Weights per tensor at `weight_bits`; the bias at scale s_x·s_w, zero point 0, clamped to
    `bias_bound(b_x, b_w, in_features)` so the accumulator width holds.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        weight_bits: int,
        output_bits: int,
        scheme: Scheme,
        threshold: float,
        relu: bool = False,
    ) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.relu = relu
        self.weight_fq = FakeQuantize(weight_bits, scheme, threshold, TensorMinMaxObserver())
        self.output_fq = FakeQuantize(output_bits, scheme, threshold)

    def forward(self, x: QTensor) -> QTensor:
        weight: torch.Tensor = self.linear.weight
        bias: torch.Tensor = self.linear.bias
        x_qp = _input_qparams(x, self.weight_fq)
        accumulator_scale = None
        if x_qp is not None:
            weight = self.weight_fq(weight)
            w_qp = self.weight_fq.qparams()
            accumulator_scale = x_qp.scale * w_qp.scale
            bound = bias_bound(x_qp.bit_width, w_qp.bit_width, self.linear.in_features)
            bias = self.weight_fq.fake_quantize_bias(bias, accumulator_scale, bound)
        y = functional.linear(x.value, weight, bias)
        if self.relu:
            y = torch.relu(y)
        return _emit(self.output_fq, y, accumulator_scale)


class QAdd(nn.Module):
    """y = a + b (residual or table addition), output fake-quantized."""

    def __init__(self, output_bits: int, scheme: Scheme, threshold: float) -> None:
        super().__init__()
        self.output_fq = FakeQuantize(output_bits, scheme, threshold)

    def forward(self, a: QTensor, b: QTensor) -> QTensor:
        y = a.value + b.value
        fq = self.output_fq
        if not fq.enabled or not fq.exact_now or a.qparams is None or b.qparams is None:
            return _emit(fq, y)
        fq.observe(y)
        out = fq.qparams()
        m_a, m_b, n = quantize_multiplier_pair(
            a.qparams.scale / out.scale, b.qparams.scale / out.scale
        )
        product = a.offsets().long() * m_a + b.offsets().long() * m_b
        return QTensor(fake_requantize(y, product, n, out), out)


class QBatchNorm(nn.Module):
    """BatchNorm1d over the channel (last) axis, as the affine y = a·x + c.

    Float training uses batch statistics and updates the running ones. In quantized mode the
    running statistics are frozen (the folded form the hardware computes):
    a = γ / √(var + ε) fake-quantized per tensor at `weight_bits`, c = β − a·mean as a bias at
    scale s_x·s_a.
    """

    running_mean: torch.Tensor
    running_var: torch.Tensor

    def __init__(
        self,
        channels: int,
        weight_bits: int,
        output_bits: int,
        scheme: Scheme,
        threshold: float,
        eps: float = 1e-5,
        momentum: float = 0.1,
    ) -> None:
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))
        self.weight_fq = FakeQuantize(weight_bits, scheme, threshold, TensorMinMaxObserver())
        self.output_fq = FakeQuantize(output_bits, scheme, threshold)

    def folded(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(a, c) of the inference form from the running statistics."""
        a = self.weight / torch.sqrt(self.running_var + self.eps)
        return a, self.bias - a * self.running_mean

    def forward(self, x: QTensor) -> QTensor:
        x_qp = _input_qparams(x, self.weight_fq)
        if x_qp is None and self.training:
            flat = x.value.reshape(-1, x.value.shape[-1])
            mean, var = flat.mean(dim=0), flat.var(dim=0, unbiased=False)
            with torch.no_grad():
                unbiased = var * flat.shape[0] / max(flat.shape[0] - 1, 1)
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(unbiased, self.momentum)
            a = self.weight / torch.sqrt(var + self.eps)
            c = self.bias - a * mean
        else:
            a, c = self.folded()
        accumulator_scale = None
        if x_qp is not None:
            a = self.weight_fq(a)
            a_qp = self.weight_fq.qparams()
            accumulator_scale = x_qp.scale * a_qp.scale
            bound = bias_bound(x_qp.bit_width, a_qp.bit_width, 1)
            c = self.weight_fq.fake_quantize_bias(c, accumulator_scale, bound)
        return _emit(self.output_fq, x.value * a + c, accumulator_scale)


class QMean(nn.Module):
    """Global average pooling over the time axis (axis 1), output fake-quantized."""

    def __init__(self, output_bits: int, scheme: Scheme, threshold: float) -> None:
        super().__init__()
        self.output_fq = FakeQuantize(output_bits, scheme, threshold)

    def forward(self, x: QTensor) -> QTensor:
        length = x.value.shape[1]
        accumulator_scale = None if x.qparams is None else x.qparams.scale / length
        return _emit(self.output_fq, x.value.mean(dim=1), accumulator_scale)


def sinusoid_table(length: int, width: int) -> torch.Tensor:
    """PE[t, 2i] = sin(t / 10000^(2i/width)), PE[t, 2i+1] = cos(same angle); shape (length, width)."""
    position = torch.arange(length, dtype=torch.float64)[:, None]
    even = torch.arange(0, width, 2, dtype=torch.float64)
    angle = position / torch.pow(10000.0, even / width)
    table = torch.zeros(length, width, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angle)
    table[:, 1::2] = torch.cos(angle[:, : width // 2])
    return table.float()


class PositionalTable(nn.Module):
    """The fixed sinusoidal positional-encoding table, quantized at `bit_width` (AddPE weights)."""

    table: torch.Tensor

    def __init__(
        self, length: int, width: int, bit_width: int, scheme: Scheme, threshold: float
    ) -> None:
        super().__init__()
        self.register_buffer("table", sinusoid_table(length, width))
        self.table_fq = FakeQuantize(bit_width, scheme, threshold, TensorMinMaxObserver())

    def forward(self) -> QTensor:
        return _emit(self.table_fq, self.table)


class QAttention(nn.Module):
    """Multi-head self-attention: Q, K, V linears, scores Q·Kᵀ/√d_head, softmax, ·V, output linear.

    In quantized mode the softmax forward value is `resq_softmax` of the integer score
    accumulators (unsigned probabilities of `prob_bits`), its gradient that of the float
    softmax; the context P·V is fake-quantized at the output bits.
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        weight_bits: int,
        output_bits: int,
        prob_bits: int,
        scheme: Scheme,
        threshold: float,
    ) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.d_head = d_model // n_heads
        self.prob_bits = prob_bits
        self.query, self.key, self.value, self.output = (
            QLinear(d_model, d_model, weight_bits, output_bits, scheme, threshold) for _ in range(4)
        )
        self.context_fq = FakeQuantize(output_bits, scheme, threshold)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape
        return x.reshape(batch, length, self.n_heads, self.d_head).transpose(1, 2)

    def _probabilities(self, q: QTensor, k: QTensor) -> torch.Tensor:
        """Float softmax (gradient) carrying the integer softmax's value in quantized mode.

        The score accumulators satisfy |acc| < d_head · 2^(b_q + b_k); below 2^24 float32
        holds every product and partial sum exactly, else float64 does.
        """
        q_h, k_h = self._heads(q.value), self._heads(k.value)
        scores = q_h @ k_h.transpose(-1, -2) / math.sqrt(self.d_head)
        soft = torch.softmax(scores, dim=-1)
        if q.qparams is None or k.qparams is None:
            return soft
        bound = self.d_head << (q.qparams.bit_width + k.qparams.bit_width)
        exact_in = torch.float32 if bound < 2**24 else torch.float64
        q_i, k_i = self._heads(q.offsets(exact_in)), self._heads(k.offsets(exact_in))
        acc = (q_i @ k_i.transpose(-1, -2)).numpy().astype(np.int64)
        m, n = quantize_multiplier(logit_multiplier(q.qparams.scale, k.qparams.scale, self.d_head))
        p = softmax_int(acc, m, n, self.prob_bits)
        exact = torch.from_numpy(p).to(soft.dtype).mul_(1.0 / (1 << self.prob_bits))
        return soft + (exact - soft).detach()

    def forward(self, x: QTensor) -> QTensor:
        q, k, v = self.query(x), self.key(x), self.value(x)
        context = self._probabilities(q, k) @ self._heads(v.value)
        batch, _, length, _ = context.shape
        merged = context.transpose(1, 2).reshape(batch, length, self.n_heads * self.d_head)
        scale = None if v.qparams is None else v.qparams.scale / (1 << self.prob_bits)
        out: QTensor = self.output(_emit(self.context_fq, merged, scale))
        return out
