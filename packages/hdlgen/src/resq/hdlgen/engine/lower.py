"""An engine program lowered to what the RTL of cores/engine runs: one `EngineOp` per
entry of the program ROM (the fields of `resq_engine_op_t`, resq_engine_pkg), the images of
the weight, channel and table ROMs, and the generics of `resq_engine` (docs/engine.md).

A scores `MacOp` and the `SoftmaxOp` after it become one entry: the chain's logits stream
into the softmax unit, which writes the probabilities. A `MeanOp` becomes a mac over the
input's columns with A = 1. The weight ROM holds W[n0 + p, k] − z_w in lane p of word
b_base + (n0 / P) · K + k; the channel ROM per output channel its bias, its batch-norm
weight minus that weight's zero point, and its batch-norm bias; the table ROM a constant
table laid out like a tensor row (element (m, n) in lane n mod P of word base + m · 2^wl +
n / P).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from resq.hdlgen.engine.program import MeanOp, Program, Requant, SoftmaxOp, row_words_log
from resq.hdlgen.mapping import HdlgenError, packed
from resq.spec.integer.intmodel import IntModel
from resq.spec.integer.qparams import QParams

A_TENSOR, A_INPUT, A_ONE = 0, 1, 2
B_WEIGHTS, B_ROWS, B_COLS = 0, 1, 2

MULTIPLIER_LIMIT = 2**15
"""Requantization multipliers are below 2^15 (MULTIPLIER_BITS_c = 16, signed)."""


class EngineOp(BaseModel):
    """One entry of the program ROM: the fields of `resq_engine_op_t`, by name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    node: int = Field(ge=0, description="the IntModel node index (the `stage` output)")
    a_src: int = A_TENSOR
    a_base: int = 0
    a_wl: int = 0
    a_off: int = 0
    a_zp: int = 0
    a_loads: int = 0
    b_src: int = B_WEIGHTS
    b_base: int = 0
    b_wl: int = 0
    b_off: int = 0
    b_zp: int = 0
    m: int = Field(ge=1)
    n: int = Field(ge=1)
    k: int = Field(ge=1)
    bias: bool = False
    ch_base: int = 0
    mult: int = Field(1, ge=0, lt=MULTIPLIER_LIMIT)
    shift: int = Field(1, ge=1, le=64)
    zp: int = 0
    qmin: int = 0
    qmax: int = 0
    relu: bool = False
    scores: bool = False
    p_base: int = 0
    p_wl: int = 0
    add: bool = False
    add_const: bool = False
    add_base: int = 0
    add_wl: int = 0
    add_zo: int = 0
    add_mm: int = Field(0, ge=0, lt=MULTIPLIER_LIMIT)
    add_mo: int = Field(0, ge=0, lt=MULTIPLIER_LIMIT)
    add_shift: int = Field(1, ge=1, le=64)
    add_zp: int = 0
    add_qmin: int = 0
    add_qmax: int = 0
    bn: bool = False
    bn_za: int = 0
    bn_mult: int = Field(0, ge=0, lt=MULTIPLIER_LIMIT)
    bn_shift: int = Field(1, ge=1, le=64)
    bn_zp: int = 0
    bn_qmin: int = 0
    bn_qmax: int = 0
    out_base: int = 0
    out_wl: int = 0
    out_off: int = 0
    out_y: bool = False


class Lowered(BaseModel):
    """The program ROM, the three ROM images (`packed` digits) and the generics of
    `resq_engine` (the ROM images excepted)."""

    model_config = ConfigDict(frozen=True)

    ops: list[EngineOp]
    generics: dict[str, int | bool | str]
    weights: str
    channels: str
    tables: str
    exp2: str


def signed_bits(low: int, high: int) -> int:
    """The two's complement width that holds every integer of [low, high]."""
    return 1 + max((-low - 1).bit_length() if low < 0 else 0, max(high, 0).bit_length())


def _span(qp: QParams) -> tuple[int, int]:
    """The range of a value minus its zero point."""
    return qp.quant_min - qp.zero_point, qp.quant_max - qp.zero_point


def pass_cycles(k: int, used: int) -> int:
    """The cycles the RTL issues for one pass: max(K, used lanes, 3)."""
    return max(k, used, 3)


def lower(program: Program, model: IntModel, arrays: dict[str, np.ndarray]) -> Lowered:
    """The program ROM, ROM images and generics of `program` (compiled from `model`)."""
    lanes = program.lanes
    if lanes & (lanes - 1):
        raise HdlgenError(
            f"engine lanes {lanes}: the RTL needs a power of two (1, 2, 4, 8, 16, 32, 64)"
        )
    tensors, placed = model.tensors, program.tensors
    index = {node.name: i for i, node in enumerate(model.nodes)}
    ops: list[EngineOp] = []
    weight_words: list[np.ndarray] = []
    channel_rows: list[tuple[int, int, int]] = []
    table_words: list[np.ndarray] = []
    table_base: dict[str, int] = {}
    a_spans: list[tuple[int, int]] = []
    b_spans: list[tuple[int, int]] = []
    acc_bits, add_bits, bn_bits, bna_bits, t_bits = [2], [2], [2], [2], [8]
    prob_bits: set[int] = set()
    lengths = [1]
    x_info = tensors[model.input]
    for position, op in enumerate(program.ops):
        if isinstance(op, SoftmaxOp):
            continue
        fields: dict[str, int | bool] = {"node": index[op.node]}
        if isinstance(op, MeanOp):
            src = placed[op.input]
            qp = tensors[op.input].qparams
            fields |= {"a_src": A_ONE, "b_src": B_COLS, "b_base": src.base, "b_wl": src.row_log,
                       "b_zp": op.zero_point, "m": 1, "n": op.cols, "k": op.rows}  # fmt: skip
            a_spans.append((1, 1))
            b_spans.append(_span(qp))
            acc_bits.append(op.accumulator_bits)
            fields |= _requant_fields(op.requant)
            fields |= _out_fields(op.out, 0, program, model)
            ops.append(EngineOp(**fields))
            continue
        fields |= {"m": op.m, "n": op.n, "k": op.k}
        if op.a.name == model.input:
            if op.a.offset or op.k != x_info.shape[-1]:
                raise HdlgenError(f"{op.node}: the engine reads the model input whole, as the "
                                  "A rows of one linear")  # fmt: skip
            fields |= {"a_src": A_INPUT, "a_loads": 1}
        else:
            src = placed[op.a.name]
            fields |= {"a_src": A_TENSOR, "a_base": src.base, "a_wl": src.row_log,
                       "a_off": op.a.offset, "a_loads": math.ceil(op.k / lanes)}  # fmt: skip
        fields["a_zp"] = op.a.zero_point
        if op.a.name in tensors:
            a_spans.append(_span(tensors[op.a.name].qparams))
        else:  # the probabilities: unsigned, zero point 0
            a_spans.append((0, (1 << max(prob_bits)) - 1))
        if op.b.source == "weights":
            node = model.nodes[index[op.node]]
            weight = arrays[op.b.name]
            zero = op.b.zero_point
            fields |= {"b_src": B_WEIGHTS, "b_base": sum(len(w) for w in weight_words)}
            weight_words.append(_weight_words(weight, zero, lanes))
            b_spans.append(_span(node.weight))  # type: ignore[union-attr]
        else:
            src = placed[op.b.name]
            fields |= {"b_src": B_ROWS if op.b.access == "rows" else B_COLS, "b_base": src.base,
                       "b_wl": src.row_log, "b_off": op.b.offset, "b_zp": op.b.zero_point}  # fmt: skip
            b_spans.append(_span(tensors[op.b.name].qparams))
        acc_bits.append(op.accumulator_bits)
        if op.requant is None:
            softmax = program.ops[position + 1]
            if not isinstance(softmax, SoftmaxOp) or softmax.rows != op.m or softmax.length != op.n:
                raise HdlgenError(f"{op.node}: the scores must be followed by their softmax")
            out = placed[softmax.out]
            prob_bits.add(softmax.prob_bits)
            lengths.append(softmax.length)
            fields |= {"scores": True, "mult": softmax.multiplier, "shift": softmax.shift,
                       "p_base": out.base, "p_wl": out.row_log}  # fmt: skip
            t_bits.append(op.accumulator_bits + 16 - softmax.shift + 1)
        else:
            fields |= _requant_fields(op.requant)
            fields["relu"] = op.relu
            fields |= _out_fields(op.out, op.out_offset, program, model)
        if op.bias is not None or op.affine is not None:
            fields["ch_base"] = len(channel_rows)
            bias = arrays[op.bias] if op.bias is not None else np.zeros(op.n, dtype=np.int64)
            fields["bias"] = op.bias is not None
            acc_bits.append(signed_bits(int(bias.min()), int(bias.max())))
            if op.affine is not None:
                a = (
                    arrays[f"{op.affine.node}.weight"].astype(np.int64)
                    - op.affine.weight_zero_point
                )
                c = arrays[f"{op.affine.node}.bias"].astype(np.int64)
            else:
                a = c = np.zeros(op.n, dtype=np.int64)
            channel_rows += [(int(bias[i]), int(a[i]), int(c[i])) for i in range(op.n)]
            bna_bits.append(signed_bits(int(a.min()), int(a.max())))
            bn_bits.append(signed_bits(int(c.min()), int(c.max())))
        if op.add is not None and op.add_requant is not None:
            add = op.add
            mine, other = add.multipliers if add.side == "a" else add.multipliers[::-1]
            fields |= {"add": True, "add_const": add.constant, "add_zo": add.other_zero_point,
                       "add_mm": mine, "add_mo": other, "add_shift": op.add_requant.shift,
                       "add_zp": op.add_requant.zero_point,
                       "add_qmin": op.add_requant.quant_min,
                       "add_qmax": op.add_requant.quant_max}  # fmt: skip
            add_bits.append(add.accumulator_bits)
            if add.constant:
                if add.other not in table_base:
                    table_base[add.other] = sum(len(t) for t in table_words)
                    table_words.append(_table_words(arrays[add.other], lanes))
                fields |= {"add_base": table_base[add.other],
                           "add_wl": row_words_log(op.n, lanes)}  # fmt: skip
            else:
                other_placed = placed[add.other]
                fields |= {"add_base": other_placed.base, "add_wl": other_placed.row_log}
        if op.affine is not None and op.affine_requant is not None:
            r = op.affine_requant
            fields |= {"bn": True, "bn_mult": r.multiplier, "bn_shift": r.shift,
                       "bn_zp": r.zero_point, "bn_qmin": r.quant_min, "bn_qmax": r.quant_max}  # fmt: skip
            bn_bits.append(op.affine.accumulator_bits)
        ops.append(EngineOp(**fields))
    if len(prob_bits) > 1:
        raise HdlgenError(f"the engine's one softmax unit needs one probability width, the "
                          f"model has {sorted(prob_bits)}")  # fmt: skip
    stored = [model.input, *placed]
    data_bits = max(signed_bits(tensors[t].qparams.quant_min, tensors[t].qparams.quant_max)
                    for t in stored if t in tensors)  # fmt: skip
    prob = max(prob_bits, default=1)
    data_bits = max(data_bits, prob + 1)
    a_width = max(signed_bits(lo, hi) for lo, hi in a_spans)
    b_width = max(signed_bits(lo, hi) for lo, hi in b_spans)
    y_info = tensors[model.output]
    generics: dict[str, int | bool | str] = {
        "LANES": lanes, "A_WIDTH": a_width, "B_WIDTH": b_width, "ACC_BITS": max(acc_bits),
        "DATA_BITS": data_bits, "T_BITS": max(t_bits), "ADD_BITS": max(add_bits),
        "BN_BITS": max(bn_bits), "BNA_BITS": max(bna_bits),
        "IDX_BITS": max(1, max(max(o.m, o.n) - 1 for o in ops).bit_length()),
        "MAX_K": max(*(o.k for o in ops), x_info.shape[-1]), "MAX_LEN": max(lengths),
        "PROB_BITS": prob, "FRAC_BITS": model.softmax.frac_bits,
        "EXP_BITS": model.softmax.exp_bits,
        "DEPTH": tensor_depth(program.depth), "STAGES": len(model.nodes),
        "WEIGHT_DEPTH": power_of_two(sum(len(w) for w in weight_words)),
        "CHANNEL_DEPTH": power_of_two(len(channel_rows)),
        "TABLE_DEPTH": power_of_two(sum(len(t) for t in table_words)),
        "X_ROWS": x_info.shape[0] if len(x_info.shape) == 2 else 1,
        "X_FEATURES": x_info.shape[-1], "X_BITS": x_info.qparams.bit_width,
        "X_SIGNED": x_info.qparams.quant_min < 0,
        "Y_COUNT": int(np.prod(y_info.shape)), "Y_BITS": y_info.qparams.bit_width,
        **_shift_range("SHIFT", [o.shift for o in ops]),
        **_shift_range("ADD_SHIFT", [o.add_shift for o in ops if o.add]),
        **_shift_range("BN_SHIFT", [o.bn_shift for o in ops if o.bn]),
    }  # fmt: skip
    acc = int(generics["ACC_BITS"])
    words = _padded(weight_words, int(generics["WEIGHT_DEPTH"]), lanes)
    tables = _padded(table_words, int(generics["TABLE_DEPTH"]), lanes)
    rows = channel_rows + [(0, 0, 0)] * (int(generics["CHANNEL_DEPTH"]) - len(channel_rows))
    channels = "".join(
        packed(np.array([c]), int(generics["BN_BITS"])) + packed(np.array([a]), int(generics["BNA_BITS"]))
        + packed(np.array([b]), acc)
        for b, a, c in reversed(rows)
    )  # fmt: skip
    exp2 = packed(np.array(model.softmax.exp2), model.softmax.exp_bits + 1)
    return Lowered(ops=ops, generics=generics, weights=packed(words, b_width),
                   channels=channels, tables=packed(tables, data_bits), exp2=exp2)  # fmt: skip


def _shift_range(prefix: str, shifts: list[int]) -> dict[str, int]:
    """`<prefix>_MIN` and `<prefix>_BITS` of a requantizer: its smallest shift and the bits of
    the largest minus the smallest (the stages of its run-time shifter)."""
    low = min(shifts, default=1)
    return {f"{prefix}_MIN": low, f"{prefix}_BITS": (max(shifts, default=1) - low).bit_length()}


TENSOR_DEPTH_STEP = 64
"""The tensor memory's depth is a multiple of this: a LUT-RAM primitive's depth (RAM64M)."""


def tensor_depth(words: int) -> int:
    """The tensor memory's words per bank for a program of `words`: the next multiple of
    TENSOR_DEPTH_STEP."""
    return max(-(-words // TENSOR_DEPTH_STEP), 1) * TENSOR_DEPTH_STEP


def power_of_two(words: int) -> int:
    """The depth of a memory of `words` words: the power of two ≥ max(words, 2) (the RTL
    takes addresses modulo the depth by their low bits)."""
    return 1 << max(words - 1, 1).bit_length()


def _padded(parts: list[np.ndarray], depth: int, lanes: int) -> np.ndarray:
    """The words of `parts` one after another, zeros up to `depth` words."""
    words = np.zeros((depth, lanes), dtype=np.int64)
    if parts:
        joined = np.concatenate(parts)
        words[: len(joined)] = joined
    return words


def _requant_fields(r: Requant) -> dict[str, int | bool]:
    return {"mult": r.multiplier, "shift": r.shift, "zp": r.zero_point, "qmin": r.quant_min,
            "qmax": r.quant_max}  # fmt: skip


def _out_fields(name: str, offset: int, program: Program, model: IntModel) -> dict[str, int | bool]:
    if name == model.output:
        return {"out_y": True}
    out = program.tensors[name]
    return {"out_base": out.base, "out_wl": out.row_log, "out_off": offset}


def _weight_words(weight: np.ndarray, zero: int, lanes: int) -> np.ndarray:
    """Word (n0 / P) · K + k holds W[n0 + p, k] − z_w in lane p (0 past the last row)."""
    n, k = weight.shape
    passes = math.ceil(n / lanes)
    padded = np.zeros((passes * lanes, k), dtype=np.int64)
    padded[:n] = weight.astype(np.int64) - zero
    return padded.reshape(passes, lanes, k).transpose(0, 2, 1).reshape(passes * k, lanes)


def _table_words(table: np.ndarray, lanes: int) -> np.ndarray:
    """A constant table's words: element (m, n) in lane n mod P of word m · 2^wl + n / P."""
    table = np.asarray(table, dtype=np.int64).reshape(-1, table.shape[-1])
    rows, cols = table.shape
    per_row = 1 << row_words_log(cols, lanes)
    words = np.zeros((rows, per_row * lanes), dtype=np.int64)
    words[:, :cols] = table
    return words.reshape(rows * per_row, lanes)
