"""Test vectors for the IP of cores/, computed by the integer reference (`resq.spec.integer.intref`).

A case is a complete set of generics for one IP plus the lines of its vector file (the
format each testbench documents in its header). The IP of a model node (linear, add,
batchnorm, gap, attention) gets its generics from the one mapping of the generated top,
`resq.hdlgen.mapping.ip_instance`, for a drawn node. Shapes and bit widths are chosen by the
caller; zero points, weights, biases and the requantization multiplier are drawn from a
seeded generator, with the multiplier chosen so that outputs spread over the output range
and some saturate. Run `resq-ipvectors IP --set NAME=VALUE ... --out FILE` to write one.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import cast

import numpy as np
from pydantic import BaseModel, ConfigDict
from resq.hdlgen.mapping import Generic, binary, ip_instance, packed
from resq.spec import NodeChoice
from resq.spec.atomic import write_text_atomic
from resq.spec.components import Multiplier
from resq.spec.integer.intmodel import (
    AddNode,
    AttentionNode,
    BatchNormNode,
    LinearNode,
    MeanNode,
    Node,
    SoftmaxParams,
    TensorInfo,
)
from resq.spec.integer.intops import accumulator_bits, bias_bound
from resq.spec.integer.intref import (
    add_int,
    attention_int,
    batchnorm_int,
    linear_int,
    matmul_int,
    mean_int,
    relu_int,
)
from resq.spec.integer.qparams import (
    ConcreteScheme,
    QParams,
    quant_range,
    quantize_multiplier,
    quantize_multiplier_pair,
)
from resq.spec.integer.softmax import EXP2, EXP_BITS, FRAC_BITS


class IpCase(BaseModel):
    """Generics of one IP instance and the vector file its testbench checks it against."""

    model_config = ConfigDict(frozen=True)

    ip: str
    generics: dict[str, Generic]
    samples: int
    lines: list[str]

    def text(self) -> str:
        """The vector file's content."""
        return "\n".join(self.lines) + "\n"

    def fusesoc_args(self) -> list[str]:
        """The generics as FuseSoC parameter options (`--NAME=value`)."""
        return [f"--{name}={_image(value)}" for name, value in self.generics.items()]


def _image(value: Generic) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _tensor(rng: np.random.Generator, bits: int) -> QParams:
    """QParams of a random scheme; asymmetric ones get a zero point away from the middle."""
    scheme: ConcreteScheme = "symmetric" if rng.random() < 0.5 else "asymmetric"
    low, high = quant_range(bits, scheme)
    zero = 0 if scheme == "symmetric" else int(rng.integers(low // 2, high // 2 + 1))
    return QParams(scale=1.0, zero_point=zero, bit_width=bits, scheme=scheme)


def _uniform(rng: np.random.Generator, qp: QParams, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(qp.quant_min, qp.quant_max + 1, size=shape, dtype=np.int64)


def _spread_multiplier(acc: np.ndarray, output_bits: int) -> tuple[int, int]:
    """m, n so that 2.5 standard deviations of `acc` reach the end of the output range."""
    spread = max(float(np.std(acc)), 1.0)
    return quantize_multiplier((1 << (output_bits - 1)) / (2.5 * spread))


def _row(values: np.ndarray) -> str:
    return " ".join(str(int(v)) for v in values)


SOFTMAX = SoftmaxParams(frac_bits=FRAC_BITS, exp_bits=EXP_BITS, exp2=EXP2.tolist())


def _node_generics(node: Node, tensors: Mapping[str, tuple[tuple[int, ...], QParams]],
                   arrays: dict[str, np.ndarray], shape: Mapping[str, Generic]) -> dict[str, Generic]:  # fmt: skip
    """The generics of `node`'s IP by the one mapping (resq.hdlgen.mapping.ip_instance), for
    per-sample tensor shapes and QParams `tensors` and the PAR and MULT_STYLE of `shape`."""
    infos = {name: TensorInfo(shape=list(dims), qparams=qp) for name, (dims, qp) in tensors.items()}
    choice = NodeChoice(storage="auto", parallelism=int(shape["PAR"]),
                        multiplier=cast(Multiplier, str(shape["MULT_STYLE"])))  # fmt: skip
    return ip_instance(node, infos, arrays, SOFTMAX, choice).all_generics()


def _rows_lines(*tensors: np.ndarray) -> list[str]:
    """Per sample, the rows of every tensor in turn (each tensor (samples, rows, n))."""
    return [_row(r) for sample in zip(*tensors, strict=True) for t in sample for r in t]


class _Layer(BaseModel):
    """A drawn resq_linear layer: its node, integer weight and bias, and its outputs."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    node: LinearNode
    weight: np.ndarray
    bias: np.ndarray
    y: np.ndarray


class _Norm(BaseModel):
    """A drawn resq_batchnorm layer: its node, per-channel weights and biases, its outputs."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    node: BatchNormNode
    weight: np.ndarray
    bias: np.ndarray
    y: np.ndarray


def _linear_layer(rng: np.random.Generator, x: np.ndarray, x_qp: QParams, n_out: int,
                  w_qp: QParams, y_qp: QParams, relu: bool) -> _Layer:  # fmt: skip
    """Weights, a bias (one at its bound) and a spreading multiplier for inputs x (…, in)."""
    n_in = x.shape[-1]
    acc_bits = accumulator_bits(x_qp.bit_width, w_qp.bit_width, n_in)
    bound = bias_bound(x_qp.bit_width, w_qp.bit_width, n_in)
    weight = _uniform(rng, w_qp, (n_out, n_in))
    bias = rng.integers(-bound // 8, bound // 8 + 1, size=n_out, dtype=np.int64)
    bias[0] = bound
    probe = (x - x_qp.zero_point) @ (weight - w_qp.zero_point).T
    multiplier, shift = _spread_multiplier(probe, y_qp.bit_width)
    node = LinearNode(
        name="linear", component="Linput", output="y", accumulator_bits=acc_bits,
        input="x", in_features=n_in, out_features=n_out, weight=w_qp,
        multiplier=multiplier, shift=shift, relu=relu,
    )  # fmt: skip
    y = linear_int(x, x_qp, weight, w_qp, bias, node, y_qp)
    return _Layer(node=node, weight=weight, bias=bias, y=y)


def linear_case(shape: Mapping[str, Generic], samples: int = 4, seed: int = 0) -> IpCase:
    """A resq_linear case. `shape` sets ROWS, IN_FEATURES, OUT_FEATURES, INPUT_BITS,
    WEIGHT_BITS, OUTPUT_BITS (2..16), PAR, MULT_STYLE and RELU; the rest is drawn."""
    rng = np.random.default_rng(seed)
    rows, n_in, n_out = (int(shape[k]) for k in ("ROWS", "IN_FEATURES", "OUT_FEATURES"))
    x_qp, w_qp, y_qp = (
        _tensor(rng, int(shape[k])) for k in ("INPUT_BITS", "WEIGHT_BITS", "OUTPUT_BITS")
    )
    x = _uniform(rng, x_qp, (samples, rows, n_in))
    layer = _linear_layer(rng, x, x_qp, n_out, w_qp, y_qp, bool(shape["RELU"]))
    node = layer.node
    generics = _node_generics(
        node, {"x": ((rows, n_in), x_qp), "y": ((rows, n_out), y_qp)},
        {"linear.weight": layer.weight, "linear.bias": layer.bias}, shape,
    )  # fmt: skip
    lines = [str(samples)]
    lines += [_row(w) for w in layer.weight]
    lines += [binary(int(b), node.accumulator_bits) for b in layer.bias]
    for sample in range(samples):
        lines += [_row(r) for r in x[sample]]
        lines += [_row(r) for r in layer.y[sample]]
    return IpCase(ip="linear", generics=generics, samples=samples, lines=lines)


def _add_node(rng: np.random.Generator, a_qp: QParams, b_qp: QParams, y_qp: QParams) -> AddNode:
    """An add node whose two multipliers (0.3..0.9 of a unit step each) spread the sum."""
    real_a, real_b = (
        float(rng.uniform(0.3, 0.9)) * 2.0 ** (y_qp.bit_width - qp.bit_width) for qp in (a_qp, b_qp)
    )
    m_a, m_b, shift = quantize_multiplier_pair(real_a, real_b)
    acc_bits = accumulator_bits(max(a_qp.bit_width, b_qp.bit_width), 15, 2)
    return AddNode(name="add", component="AddPE", output="y", accumulator_bits=acc_bits,
                   inputs=("a", "b"), multipliers=(m_a, m_b), shift=shift)  # fmt: skip


def add_case(shape: Mapping[str, Generic], samples: int = 4, seed: int = 0) -> IpCase:
    """A resq_add case. `shape` sets ROWS, FEATURES, A_BITS, B_BITS, OUTPUT_BITS, PAR and
    MULT_STYLE; the rest is drawn so that the sum spreads over the output range."""
    rng = np.random.default_rng(seed)
    rows, width = int(shape["ROWS"]), int(shape["FEATURES"])
    a_qp, b_qp, y_qp = (_tensor(rng, int(shape[k])) for k in ("A_BITS", "B_BITS", "OUTPUT_BITS"))
    node = _add_node(rng, a_qp, b_qp, y_qp)
    a = _uniform(rng, a_qp, (samples, rows, width))
    b = _uniform(rng, b_qp, (samples, rows, width))
    y = add_int(a, a_qp, b, b_qp, node, y_qp)
    tensors = {name: ((rows, width), qp) for name, qp in (("a", a_qp), ("b", b_qp), ("y", y_qp))}
    generics = _node_generics(node, tensors, {}, shape)
    return IpCase(ip="add", generics=generics, samples=samples,
                  lines=[str(samples), *_rows_lines(a, b, y)])  # fmt: skip


def _batchnorm_layer(rng: np.random.Generator, x: np.ndarray, x_qp: QParams, w_qp: QParams,
                     y_qp: QParams) -> _Norm:  # fmt: skip
    """Per-channel weights, biases (the last at the bias bound) and a spreading multiplier."""
    width = int(x.shape[-1])
    acc_bits = accumulator_bits(x_qp.bit_width, w_qp.bit_width, 1)
    bound = bias_bound(x_qp.bit_width, w_qp.bit_width, 1)
    weight = _uniform(rng, w_qp, (width,))
    bias = rng.integers(-bound // 4, bound // 4 + 1, size=width, dtype=np.int64)
    bias[-1] = -bound
    probe = (x - x_qp.zero_point) * (weight - w_qp.zero_point) + bias
    multiplier, shift = _spread_multiplier(probe, y_qp.bit_width)
    node = BatchNormNode(name="bn", component="BNMHA", output="y", accumulator_bits=acc_bits,
                         input="x", weight=w_qp, multiplier=multiplier, shift=shift)  # fmt: skip
    y = batchnorm_int(x, x_qp, weight, w_qp, bias, node, y_qp)
    return _Norm(node=node, weight=weight, bias=bias, y=y)


def batchnorm_case(shape: Mapping[str, Generic], samples: int = 4, seed: int = 0) -> IpCase:
    """A resq_batchnorm case. `shape` sets ROWS, FEATURES, INPUT_BITS, WEIGHT_BITS,
    OUTPUT_BITS, PAR and MULT_STYLE; per-channel weights and biases (one at the bias bound)
    are drawn and passed as the WEIGHTS and BIASES generics."""
    rng = np.random.default_rng(seed)
    rows, width = int(shape["ROWS"]), int(shape["FEATURES"])
    x_qp, w_qp, y_qp = (
        _tensor(rng, int(shape[k])) for k in ("INPUT_BITS", "WEIGHT_BITS", "OUTPUT_BITS")
    )
    x = _uniform(rng, x_qp, (samples, rows, width))
    norm = _batchnorm_layer(rng, x, x_qp, w_qp, y_qp)
    generics = _node_generics(
        norm.node, {"x": ((rows, width), x_qp), "y": ((rows, width), y_qp)},
        {"bn.weight": norm.weight, "bn.bias": norm.bias}, shape,
    )  # fmt: skip
    return IpCase(ip="batchnorm", generics=generics, samples=samples,
                  lines=[str(samples), *_rows_lines(x, norm.y)])  # fmt: skip


def gap_case(shape: Mapping[str, Generic], samples: int = 4, seed: int = 0) -> IpCase:
    """A resq_gap case. `shape` sets ROWS, FEATURES, INPUT_BITS, OUTPUT_BITS, PAR and
    MULT_STYLE. Vectors: per sample ROWS input lines and one output line."""
    rng = np.random.default_rng(seed)
    rows, width = int(shape["ROWS"]), int(shape["FEATURES"])
    x_qp, y_qp = (_tensor(rng, int(shape[k])) for k in ("INPUT_BITS", "OUTPUT_BITS"))
    acc_bits = accumulator_bits(x_qp.bit_width, 0, rows)
    x = _uniform(rng, x_qp, (samples, rows, width))
    multiplier, shift = _spread_multiplier((x - x_qp.zero_point).sum(axis=1), y_qp.bit_width)
    node = MeanNode(name="gap", component="GAP", output="y", accumulator_bits=acc_bits,
                    input="x", length=rows, multiplier=multiplier, shift=shift)  # fmt: skip
    y = mean_int(x, x_qp, node, y_qp)
    generics = _node_generics(node, {"x": ((rows, width), x_qp), "y": ((width,), y_qp)}, {},
                              shape)  # fmt: skip
    return IpCase(ip="gap", generics=generics, samples=samples,
                  lines=[str(samples), *_rows_lines(x, y[:, None, :])])  # fmt: skip


def relu_case(shape: Mapping[str, Generic], samples: int = 4, seed: int = 0) -> IpCase:
    """A resq_relu case. `shape` sets ROWS, FEATURES and BITS. Vectors: per sample ROWS
    input lines and ROWS output lines."""
    rng = np.random.default_rng(seed)
    rows, width = int(shape["ROWS"]), int(shape["FEATURES"])
    qp = _tensor(rng, int(shape["BITS"]))
    x = _uniform(rng, qp, (samples, rows, width))
    generics: dict[str, Generic] = {
        "ROWS": rows, "FEATURES": width, "BITS": qp.bit_width, "ZERO": qp.zero_point,
    }  # fmt: skip
    return IpCase(ip="relu", generics=generics, samples=samples,
                  lines=[str(samples), *_rows_lines(x, relu_int(x, qp))])  # fmt: skip


def _attention(q: np.ndarray, q_qp: QParams, k: np.ndarray, k_qp: QParams, v: np.ndarray,
               v_qp: QParams, y_qp: QParams, heads: int, prob_bits: int,
               ) -> tuple[AttentionNode, np.ndarray]:  # fmt: skip
    """An attention node for these q, k, v and its outputs. The logit multiplier spreads the
    scores over a few powers of two, so that the exponential's shift also reaches its limit."""
    rows, width = q.shape[-2:]
    d_head = width // heads
    probe = (q[..., :d_head] - q_qp.zero_point) @ np.swapaxes(k[..., :d_head] - k_qp.zero_point,
                                                               -1, -2)  # fmt: skip
    score_m, score_n = quantize_multiplier(6.0 * (1 << FRAC_BITS) / max(float(np.std(probe)), 1.0))
    spread = (1 << prob_bits) * max(float(np.std(v - v_qp.zero_point)), 1.0) / 3.0
    m, n = quantize_multiplier((1 << (y_qp.bit_width - 1)) / (2.5 * spread))
    node = AttentionNode(
        name="attention", component="MHA", output="y",
        accumulator_bits=accumulator_bits(prob_bits, v_qp.bit_width, rows),
        query="q", key="k", value="v", n_heads=heads, prob_bits=prob_bits,
        score_accumulator_bits=accumulator_bits(q_qp.bit_width, k_qp.bit_width, d_head),
        score_multiplier=score_m, score_shift=score_n, multiplier=m, shift=n,
    )  # fmt: skip
    return node, attention_int(q, q_qp, k, k_qp, v, v_qp, node, y_qp)


def attention_case(shape: Mapping[str, Generic], samples: int = 4, seed: int = 0) -> IpCase:
    """A resq_attention case. `shape` sets ROWS, FEATURES, HEADS, Q_BITS, K_BITS, V_BITS,
    OUTPUT_BITS, PROB_BITS, PAR and MULT_STYLE."""
    rng = np.random.default_rng(seed)
    rows, width, heads = int(shape["ROWS"]), int(shape["FEATURES"]), int(shape["HEADS"])
    q_qp, k_qp, v_qp, y_qp = (
        _tensor(rng, int(shape[k])) for k in ("Q_BITS", "K_BITS", "V_BITS", "OUTPUT_BITS")
    )
    q = _uniform(rng, q_qp, (samples, rows, width))
    k = _uniform(rng, k_qp, (samples, rows, width))
    v = _uniform(rng, v_qp, (samples, rows, width))
    node, y = _attention(q, q_qp, k, k_qp, v, v_qp, y_qp, heads, int(shape["PROB_BITS"]))
    tensors = {name: ((rows, width), qp)
               for name, qp in (("q", q_qp), ("k", k_qp), ("v", v_qp), ("y", y_qp))}  # fmt: skip
    generics = _node_generics(node, tensors, {}, shape)
    return IpCase(ip="attention", generics=generics, samples=samples,
                  lines=[str(samples), *_rows_lines(q, k, v, y)])  # fmt: skip


def rom_case(shape: Mapping[str, Generic], samples: int = 1, seed: int = 0) -> IpCase:
    """A resq_rom case. `shape` sets DEPTH and WIDTH; random words are the INIT generic and,
    one binary word per line, the expected reads (`samples` is always 1)."""
    rng = np.random.default_rng(seed)
    depth, width = int(shape["DEPTH"]), int(shape["WIDTH"])
    words = rng.integers(0, 1 << width, size=depth, dtype=np.int64)
    generics: dict[str, Generic] = {"DEPTH": depth, "WIDTH": width, "INIT": packed(words, width)}
    return IpCase(ip="rom", generics=generics, samples=1,
                  lines=["1", *(binary(int(w), width) for w in words)])  # fmt: skip


def engine_lanes_case(shape: Mapping[str, Generic], samples: int = 4, seed: int = 0) -> IpCase:
    """A resq_engine_lanes case: `samples` passes of TERMS products each. `shape` sets LANES,
    A_WIDTH, B_WIDTH (signed offset-corrected operands, both ends of their ranges drawn),
    TERMS and MULT_STYLE; ACC_BITS is the width the sums need. Vectors: the pass count, then
    per pass TERMS lines `a b_0 … b_(LANES−1)` and one line of the LANES sums
    (intref.matmul_int)."""
    rng = np.random.default_rng(seed)
    lanes, terms = int(shape["LANES"]), int(shape["TERMS"])
    a_width, b_width = int(shape["A_WIDTH"]), int(shape["B_WIDTH"])
    a_low, b_low = -(1 << (a_width - 1)), -(1 << (b_width - 1))
    a = rng.integers(a_low, -a_low, size=(samples, 1, terms), dtype=np.int64)
    b = rng.integers(b_low, -b_low, size=(samples, terms, lanes), dtype=np.int64)
    a[0], b[0] = a_low, b_low  # the largest sum: every product at its extreme
    acc_bits = a_width + b_width + max(terms - 1, 0).bit_length()
    sums = matmul_int(a, 0, b, 0, acc_bits, "resq_engine_lanes")
    lines = [str(samples)]
    for sample in range(samples):
        lines += [
            _row(np.concatenate([a[sample, 0, k : k + 1], b[sample, k]])) for k in range(terms)
        ]
        lines.append(_row(sums[sample, 0]))
    generics: dict[str, Generic] = {"LANES": lanes, "A_WIDTH": a_width, "B_WIDTH": b_width,
                                    "ACC_BITS": acc_bits, "TERMS": terms,
                                    "MULT_STYLE": str(shape["MULT_STYLE"])}  # fmt: skip
    return IpCase(ip="engine_lanes", generics=generics, samples=samples, lines=lines)


CASES: dict[str, Callable[[Mapping[str, Generic], int, int], IpCase]] = {
    "linear": linear_case,
    "add": add_case,
    "batchnorm": batchnorm_case,
    "gap": gap_case,
    "attention": attention_case,
    "rom": rom_case,
    "relu": relu_case,
    "engine_lanes": engine_lanes_case,
}
"""Case builders by IP name."""

DEFAULT_SHAPES: dict[str, dict[str, Generic]] = {
    "linear": dict(
        ROWS=4,
        IN_FEATURES=7,
        OUT_FEATURES=5,
        INPUT_BITS=8,
        WEIGHT_BITS=8,
        OUTPUT_BITS=8,
        PAR=3,
        MULT_STYLE="dsp",
        RELU=False,
    ),
    "add": dict(ROWS=4, FEATURES=6, A_BITS=8, B_BITS=6, OUTPUT_BITS=8, PAR=4, MULT_STYLE="dsp"),
    "batchnorm": dict(
        ROWS=4, FEATURES=6, INPUT_BITS=8, WEIGHT_BITS=8, OUTPUT_BITS=8, PAR=4, MULT_STYLE="dsp"
    ),
    "gap": dict(ROWS=5, FEATURES=6, INPUT_BITS=8, OUTPUT_BITS=8, PAR=4, MULT_STYLE="dsp"),
    "attention": dict(
        ROWS=5,
        FEATURES=4,
        HEADS=2,
        Q_BITS=8,
        K_BITS=8,
        V_BITS=8,
        OUTPUT_BITS=8,
        PROB_BITS=8,
        PAR=1,
        MULT_STYLE="dsp",
    ),
    "rom": dict(DEPTH=12, WIDTH=10),
    "relu": dict(ROWS=4, FEATURES=6, BITS=8),
    "engine_lanes": dict(LANES=5, A_WIDTH=5, B_WIDTH=5, TERMS=7, MULT_STYLE="packed"),
}
"""The shapes of the vectors shipped with each core (its `sim` target's defaults)."""


def _parse_value(text: str) -> Generic:
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return text


def main(argv: list[str] | None = None) -> None:
    """CLI: write the vector file of one IP case and print its FuseSoC parameter options."""
    parser = argparse.ArgumentParser(description="Write test vectors for an IP of cores/.")
    parser.add_argument("ip", choices=sorted(CASES))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a shape generic of the default case")  # fmt: skip
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    shape = dict(DEFAULT_SHAPES[args.ip])
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or name not in shape:
            parser.error(f"--set {item!r}: expected NAME=VALUE with NAME one of {sorted(shape)}")
        shape[name] = _parse_value(value)
    case = CASES[args.ip](shape, args.samples, args.seed)
    write_text_atomic(args.out, case.text())
    print(" ".join(case.fusesoc_args()))
