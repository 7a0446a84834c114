"""The one mapping from a node of the integer model to the IP instance that computes it.

`ip_instance` takes a node, the tensors and arrays around it and the hardware it is built
with (a `NodeChoice` of the BitConfig) and returns the VLNV, entity, generics, constant
vectors, ROM images and data ports of its instance. The generated top, the IP test vectors
(resq.hdlgen.ipvectors) and the estimator's profiler all call it, so what is tested, what
is built and what is estimated are the same instance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from resq.spec import NodeChoice, ResqError
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
from resq.spec.integer.qparams import QParams

IP_VERSION = "0.1.0"
"""The version of every resq IP core (resq:ip:<name>:<version>)."""

Generic = int | str | bool
"""The value of one VHDL generic: integer, string or boolean."""


class HdlgenError(ResqError):
    """A model or configuration that cannot become VHDL (names, shapes, parallelism)."""


class RomImage(BaseModel):
    """A `resq_rom` that feeds one port pair of an instance: DEPTH words of WIDTH bits."""

    model_config = ConfigDict(frozen=True)

    port: str = Field(description="port prefix on the instance, e.g. `w` for w_addr/w_data")
    depth: int = Field(ge=1)
    width: int = Field(ge=1)
    bits: str = Field(description="INIT digits: word 0 in the low (rightmost) bits")


class Read(BaseModel):
    """A read port pair `<port>_addr`/`<port>_data` of an instance and the tensor it reads."""

    model_config = ConfigDict(frozen=True)

    port: str
    tensor: str


class IpInstance(BaseModel):
    """Everything needed to instantiate, test or estimate the IP of one node."""

    model_config = ConfigDict(frozen=True)

    node: str
    ip: str = Field(description="core name in cores/, e.g. `linear`")
    entity: str = Field(description="VHDL entity in library resq")
    generics: dict[str, Generic] = Field(description="scalar generics (int, string, boolean)")
    vectors: dict[str, str] = Field(
        default_factory=dict, description="std_logic_vector generics: their digits"
    )
    roms: list[RomImage] = Field(default_factory=list)
    reads: list[Read]
    output: str
    addressed_output: bool = Field(True, description="the instance drives y_addr")
    choice: NodeChoice = Field(description="the hardware after clamping to what the IP accepts")

    @property
    def vlnv(self) -> str:
        """The VLNV of the IP core, resq:ip:<ip>:<version>."""
        return f"resq:ip:{self.ip}:{IP_VERSION}"

    def all_generics(self) -> dict[str, Generic]:
        """Scalar and vector generics together, in the order of the entity's declaration."""
        return {**self.generics, **self.vectors}


def binary(value: int, bits: int) -> str:
    """`value` as `bits` binary digits of two's complement."""
    return format(value & ((1 << bits) - 1), f"0{bits}b")


def packed(values: np.ndarray, bits: int) -> str:
    """A VHDL std_logic_vector literal's digits: `bits`-bit two's complement elements,
    element 0 in the low (rightmost) bits."""
    return "".join(binary(int(v), bits) for v in reversed(np.asarray(values).ravel()))


def linear_weight_words(weight: np.ndarray, zero_point: int, par: int) -> np.ndarray:
    """resq_linear's weight memory as (out, chunks · par) elements, chunks = ⌈in / par⌉,
    padded with the weight zero point: word o · chunks + c holds elements c·par .. c·par+par−1
    of row o, so `packed` of it is the memory's INIT."""
    n_out, n_in = weight.shape
    chunks = -(-n_in // par)
    words = np.full((n_out, chunks * par), zero_point, dtype=np.int64)
    words[:, :n_in] = weight
    return words


def rows_features(shape: Sequence[int]) -> tuple[int, int]:
    """(rows, features) of a per-sample tensor shape: a vector is one row."""
    return (1, shape[0]) if len(shape) == 1 else (shape[0], shape[1])


def _divisor_at_most(value: int, limit: int) -> int:
    return max(d for d in range(1, min(value, limit) + 1) if value % d == 0)


def range_generics(prefix: str, qp: QParams) -> dict[str, Generic]:
    """<prefix>_BITS, _ZERO, _MIN and _MAX of a quantized tensor."""
    return {f"{prefix}_BITS": qp.bit_width, f"{prefix}_ZERO": qp.zero_point,
            f"{prefix}_MIN": qp.quant_min, f"{prefix}_MAX": qp.quant_max}  # fmt: skip


def linear_parallelism_limit(in_features: int, out_features: int) -> int:
    """The largest PAR a linear node is built with: its in_features, but at most half of them
    (rounded up) for a single output, so its weight ROM keeps two words. A one-word ROM would
    be constants that synthesis folds into the multiplies, making their DSP slices depend on
    the trained values (resq.estimator.dsp could not count them) to save one cycle."""
    if out_features == 1 and in_features > 1:
        return -(-in_features // 2)
    return in_features


def _clamped(choice: NodeChoice, par: int) -> NodeChoice:
    return choice.model_copy(update={"parallelism": par})


def _linear(node: LinearNode, t: Mapping[str, TensorInfo], arrays: Mapping[str, np.ndarray],
            choice: NodeChoice) -> IpInstance:  # fmt: skip
    par = min(choice.parallelism, linear_parallelism_limit(node.in_features, node.out_features))
    chunks = -(-node.in_features // par)
    wb, acc = node.weight.bit_width, node.accumulator_bits
    words = linear_weight_words(arrays[f"{node.name}.weight"], node.weight.zero_point, par)
    x_qp = t[node.input].qparams
    generics: dict[str, Generic] = {
        "ROWS": rows_features(t[node.input].shape)[0], "IN_FEATURES": node.in_features,
        "OUT_FEATURES": node.out_features, "INPUT_BITS": x_qp.bit_width, "WEIGHT_BITS": wb,
        "ACC_BITS": acc, "INPUT_ZERO": x_qp.zero_point, "WEIGHT_ZERO": node.weight.zero_point,
        **range_generics("OUTPUT", t[node.output].qparams), "MULTIPLIER": node.multiplier,
        "SHIFT": node.shift, "RELU": node.relu, "PAR": par, "MULT_STYLE": choice.multiplier,
    }  # fmt: skip
    roms = [
        RomImage(port="w", depth=node.out_features * chunks, width=par * wb,
                 bits=packed(words, wb)),
        RomImage(port="b", depth=node.out_features, width=acc,
                 bits=packed(arrays[f"{node.name}.bias"], acc)),
    ]  # fmt: skip
    return IpInstance(node=node.name, ip="linear", entity="resq_linear", generics=generics,
                      roms=roms, reads=[Read(port="x", tensor=node.input)], output=node.output,
                      choice=_clamped(choice, par))  # fmt: skip


def _add(node: AddNode, t: Mapping[str, TensorInfo], choice: NodeChoice) -> IpInstance:
    a, b = node.inputs
    rows, features = rows_features(t[node.output].shape)
    par = min(choice.parallelism, features)
    a_qp, b_qp = t[a].qparams, t[b].qparams
    generics: dict[str, Generic] = {
        "ROWS": rows, "FEATURES": features, "A_BITS": a_qp.bit_width, "B_BITS": b_qp.bit_width,
        "ACC_BITS": node.accumulator_bits, "A_ZERO": a_qp.zero_point, "B_ZERO": b_qp.zero_point,
        **range_generics("OUTPUT", t[node.output].qparams), "A_MULTIPLIER": node.multipliers[0],
        "B_MULTIPLIER": node.multipliers[1], "SHIFT": node.shift, "PAR": par,
        "MULT_STYLE": choice.multiplier,
    }  # fmt: skip
    return IpInstance(node=node.name, ip="add", entity="resq_add", generics=generics,
                      reads=[Read(port="a", tensor=a), Read(port="b", tensor=b)],
                      output=node.output, choice=_clamped(choice, par))  # fmt: skip


def _batchnorm(node: BatchNormNode, t: Mapping[str, TensorInfo],
               arrays: Mapping[str, np.ndarray], choice: NodeChoice) -> IpInstance:  # fmt: skip
    rows, features = rows_features(t[node.output].shape)
    par = min(choice.parallelism, features)
    x_qp, wb, acc = t[node.input].qparams, node.weight.bit_width, node.accumulator_bits
    generics: dict[str, Generic] = {
        "ROWS": rows, "FEATURES": features, "INPUT_BITS": x_qp.bit_width, "WEIGHT_BITS": wb,
        "ACC_BITS": acc, "INPUT_ZERO": x_qp.zero_point, "WEIGHT_ZERO": node.weight.zero_point,
        **range_generics("OUTPUT", t[node.output].qparams), "MULTIPLIER": node.multiplier,
        "SHIFT": node.shift, "PAR": par, "MULT_STYLE": choice.multiplier,
    }  # fmt: skip
    vectors = {"WEIGHTS": packed(arrays[f"{node.name}.weight"], wb),
               "BIASES": packed(arrays[f"{node.name}.bias"], acc)}  # fmt: skip
    return IpInstance(node=node.name, ip="batchnorm", entity="resq_batchnorm",
                      generics=generics, vectors=vectors,
                      reads=[Read(port="x", tensor=node.input)], output=node.output,
                      choice=_clamped(choice, par))  # fmt: skip


def _gap(node: MeanNode, t: Mapping[str, TensorInfo], choice: NodeChoice) -> IpInstance:
    rows, features = rows_features(t[node.input].shape)
    par = min(choice.parallelism, features)
    x_qp = t[node.input].qparams
    generics: dict[str, Generic] = {
        "ROWS": rows, "FEATURES": features, "INPUT_BITS": x_qp.bit_width,
        "ACC_BITS": node.accumulator_bits, "INPUT_ZERO": x_qp.zero_point,
        **range_generics("OUTPUT", t[node.output].qparams), "MULTIPLIER": node.multiplier,
        "SHIFT": node.shift, "PAR": par, "MULT_STYLE": choice.multiplier,
    }  # fmt: skip
    return IpInstance(node=node.name, ip="gap", entity="resq_gap", generics=generics,
                      reads=[Read(port="x", tensor=node.input)], output=node.output,
                      addressed_output=False, choice=_clamped(choice, par))  # fmt: skip


def _attention(node: AttentionNode, t: Mapping[str, TensorInfo], softmax: SoftmaxParams,
               choice: NodeChoice) -> IpInstance:  # fmt: skip
    rows, features = rows_features(t[node.output].shape)
    par = _divisor_at_most(features // node.n_heads, choice.parallelism)
    q, k, v = (t[name].qparams for name in (node.query, node.key, node.value))
    generics: dict[str, Generic] = {
        "ROWS": rows, "FEATURES": features, "HEADS": node.n_heads,
        "Q_BITS": q.bit_width, "K_BITS": k.bit_width, "V_BITS": v.bit_width,
        "Q_ZERO": q.zero_point, "K_ZERO": k.zero_point, "V_ZERO": v.zero_point,
        **range_generics("OUTPUT", t[node.output].qparams), "SCORE_ACC_BITS": node.score_accumulator_bits,
        "SCORE_MULTIPLIER": node.score_multiplier, "SCORE_SHIFT": node.score_shift,
        "PROB_BITS": node.prob_bits, "FRAC_BITS": softmax.frac_bits,
        "EXP_BITS": softmax.exp_bits, "ACC_BITS": node.accumulator_bits,
        "MULTIPLIER": node.multiplier, "SHIFT": node.shift, "PAR": par,
        "MULT_STYLE": choice.multiplier,
    }  # fmt: skip
    vectors = {"EXP2_TABLE": packed(np.array(softmax.exp2), softmax.exp_bits + 1)}
    reads = [Read(port=p, tensor=n) for p, n in (("q", node.query), ("k", node.key),
                                                  ("v", node.value))]  # fmt: skip
    return IpInstance(node=node.name, ip="attention", entity="resq_attention",
                      generics=generics, vectors=vectors, reads=reads, output=node.output,
                      choice=_clamped(choice, par))  # fmt: skip


def ip_instance(
    node: Node,
    tensors: Mapping[str, TensorInfo],
    arrays: Mapping[str, np.ndarray],
    softmax: SoftmaxParams,
    choice: NodeChoice,
) -> IpInstance:
    """The IP instance of `node`: `tensors` describes its inputs and output, `arrays` holds
    `<node>.weight` and `<node>.bias` where it has them, `softmax` the exp2 table (attention)
    and `choice` the hardware it is built with. PAR is clamped to what the IP accepts: at
    most the features it multiplies over (`linear_parallelism_limit` for linear), a divisor
    of d_head in attention."""
    if isinstance(node, LinearNode):
        return _linear(node, tensors, arrays, choice)
    if isinstance(node, AddNode):
        return _add(node, tensors, choice)
    if isinstance(node, BatchNormNode):
        return _batchnorm(node, tensors, arrays, choice)
    if isinstance(node, MeanNode):
        return _gap(node, tensors, choice)
    return _attention(node, tensors, softmax, choice)
