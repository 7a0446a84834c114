"""The integer reference: inference of an IntModel in numpy int64 with integer operations only.

This is the single truth the hardware reproduces bit for bit. Each function `<op>_int` is the
reference of one VHDL IP (named in its docstring) and makes that IP's test vectors; `run`
executes the whole graph and returns every tensor. Arrays carry a leading batch axis.
Every accumulator is checked against its declared width (`AccumulatorOverflowError`).
"""

from __future__ import annotations

import numpy as np
from resq.spec.integer.intmodel import (
    AddNode,
    AttentionNode,
    BatchNormNode,
    IntModel,
    LinearNode,
    MeanNode,
)
from resq.spec.integer.intops import Int, requantize, round_shift, saturate
from resq.spec.integer.qparams import QParams
from resq.spec.integer.softmax import softmax_int


class AccumulatorOverflowError(ArithmeticError):
    """An accumulator left the signed width the model declared for it."""


def check_width(acc: np.ndarray, bits: int, where: str) -> np.ndarray:
    """Return `acc` if every value fits a signed `bits`-bit integer, else raise."""
    limit = 1 << (bits - 1)
    if acc.size and (acc.min() < -limit or acc.max() >= limit):
        raise AccumulatorOverflowError(
            f"{where}: accumulator range [{acc.min()}, {acc.max()}] exceeds {bits} signed bits"
        )
    return acc


def _requantize_to(acc: np.ndarray, multiplier: int, shift: int, out: QParams) -> np.ndarray:
    return requantize(acc, multiplier, shift, out.zero_point, out.quant_min, out.quant_max)


def linear_int(
    x: np.ndarray,
    x_qp: QParams,
    weight: np.ndarray,
    w_qp: QParams,
    bias: np.ndarray,
    node: LinearNode,
    out: QParams,
) -> np.ndarray:
    """resq_linear: acc = Σ_k (x − z_x)(w − z_w) + bias over the last axis, requantized to `out`;
    ReLU as max(y, z_y). x (..., in) int, weight (out, in), bias (out,) → (..., out) int."""
    acc = (x - x_qp.zero_point) @ (weight - w_qp.zero_point).T + bias
    y = _requantize_to(
        check_width(acc, node.accumulator_bits, node.name), node.multiplier, node.shift, out
    )
    return relu_int(y, out) if node.relu else y


def relu_int(q: np.ndarray, qp: QParams) -> np.ndarray:
    """resq_relu: max(q, z), ReLU in the integer domain (the zero point is real 0)."""
    relu: np.ndarray = np.maximum(q, qp.zero_point)
    return relu


def add_int(
    a: np.ndarray, a_qp: QParams, b: np.ndarray, b_qp: QParams, node: AddNode, out: QParams
) -> np.ndarray:
    """resq_add: sat(round_shift((a − z_a)·m_a + (b − z_b)·m_b, n) + z_y); b broadcasts."""
    m_a, m_b = node.multipliers
    acc = (a - a_qp.zero_point) * Int(m_a) + (b - b_qp.zero_point) * Int(m_b)
    check_width(acc, node.accumulator_bits, node.name)
    return saturate(round_shift(acc, node.shift) + out.zero_point, out.quant_min, out.quant_max)


def matmul_int(
    a: np.ndarray, a_zero: int, b: np.ndarray, b_zero: int, accumulator_bits: int, where: str
) -> np.ndarray:
    """The accumulators of resq_attention's two products (Q·Kᵀ and A·V):
    Σ_k (a[…, i, k] − a_zero)(b[…, k, j] − b_zero), checked to fit `accumulator_bits`
    (signed). For Q·Kᵀ pass K transposed."""
    return check_width((a - a_zero) @ (b - b_zero), accumulator_bits, where)


def attention_int(
    q: np.ndarray,
    q_qp: QParams,
    k: np.ndarray,
    k_qp: QParams,
    v: np.ndarray,
    v_qp: QParams,
    node: AttentionNode,
    out: QParams,
) -> np.ndarray:
    """resq_attention: per head, scores Σ_d (q − z_q)(k − z_k), the integer softmax to P-bit p,
    context Σ_j p_j (v_j − z_v) requantized to `out`. q, k, v (batch, L, d) → (batch, L, d)."""
    batch, length, width = q.shape
    d_head = width // node.n_heads

    def heads(t: np.ndarray) -> np.ndarray:
        return t.reshape(batch, length, node.n_heads, d_head).transpose(0, 2, 1, 3)

    scores = matmul_int(heads(q), q_qp.zero_point, heads(k).transpose(0, 1, 3, 2),
                        k_qp.zero_point, node.score_accumulator_bits, f"{node.name} scores")  # fmt: skip
    p = softmax_int(scores, node.score_multiplier, node.score_shift, node.prob_bits)
    context = matmul_int(p, 0, heads(v), v_qp.zero_point, node.accumulator_bits, node.name)
    merged = context.transpose(0, 2, 1, 3).reshape(batch, length, width)
    return _requantize_to(merged, node.multiplier, node.shift, out)


def batchnorm_int(
    x: np.ndarray,
    x_qp: QParams,
    weight: np.ndarray,
    w_qp: QParams,
    bias: np.ndarray,
    node: BatchNormNode,
    out: QParams,
) -> np.ndarray:
    """resq_batchnorm: per channel (last axis) acc = (x − z_x)(a − z_a) + c, requantized."""
    acc = (x - x_qp.zero_point) * (weight - w_qp.zero_point) + bias
    check_width(acc, node.accumulator_bits, node.name)
    return _requantize_to(acc, node.multiplier, node.shift, out)


def mean_int(x: np.ndarray, x_qp: QParams, node: MeanNode, out: QParams) -> np.ndarray:
    """resq_gap: Σ_t (x_t − z_x) over axis 1 (time), rescaled by s_x / (L · s_y)."""
    acc = check_width((x - x_qp.zero_point).sum(axis=1), node.accumulator_bits, node.name)
    return _requantize_to(acc, node.multiplier, node.shift, out)


def quantize_input(x: np.ndarray, qp: QParams) -> np.ndarray:
    """The host-side step into integers: clamp(floor(x / scale + 0.5) + z, q_min, q_max)."""
    q = np.floor(np.asarray(x, dtype=np.float64) / qp.scale + 0.5).astype(Int) + qp.zero_point
    return saturate(q, qp.quant_min, qp.quant_max)


def dequantize(q: np.ndarray, qp: QParams) -> np.ndarray:
    """The host-side step out of integers: scale · (q − z) as float64."""
    return qp.scale * (np.asarray(q, dtype=Int) - qp.zero_point).astype(np.float64)


def run(model: IntModel, arrays: dict[str, np.ndarray], q_in: np.ndarray) -> dict[str, np.ndarray]:
    """Execute the graph on integer inputs (batch, window, n_features); every tensor by name."""
    info = model.tensors
    values: dict[str, np.ndarray] = {model.input: np.asarray(q_in, dtype=Int)}
    values.update({name: arrays[name] for name, t in info.items() if t.constant})
    for node in model.nodes:
        out = info[node.output].qparams
        if isinstance(node, LinearNode):
            values[node.output] = linear_int(
                values[node.input], info[node.input].qparams,
                arrays[f"{node.name}.weight"], node.weight, arrays[f"{node.name}.bias"], node, out,
            )  # fmt: skip
        elif isinstance(node, AddNode):
            a, b = node.inputs
            values[node.output] = add_int(
                values[a], info[a].qparams, values[b], info[b].qparams, node, out
            )
        elif isinstance(node, AttentionNode):
            values[node.output] = attention_int(
                values[node.query], info[node.query].qparams,
                values[node.key], info[node.key].qparams,
                values[node.value], info[node.value].qparams, node, out,
            )  # fmt: skip
        elif isinstance(node, BatchNormNode):
            values[node.output] = batchnorm_int(
                values[node.input], info[node.input].qparams,
                arrays[f"{node.name}.weight"], node.weight, arrays[f"{node.name}.bias"], node, out,
            )  # fmt: skip
        else:
            values[node.output] = mean_int(values[node.input], info[node.input].qparams, node, out)
    return values


def predict(model: IntModel, arrays: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Scaled real inputs (batch, window, n_features) → dequantized outputs (batch, n_outputs)."""
    q_in = quantize_input(x, model.tensors[model.input].qparams)
    q_out = run(model, arrays, q_in)[model.output]
    return dequantize(q_out, model.tensors[model.output].qparams)
