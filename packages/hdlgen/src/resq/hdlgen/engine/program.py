"""The engine's program: an IntModel compiled to the ops one shared datapath runs in turn
(docs/engine.md), with every activation tensor placed in the P-bank tensor memory.

A linear node is one `MacOp`. The Add and BatchNorm nodes that take only its output (and a
stored tensor or a constant table) are fused into its output chain. An attention node is, per
head, a `MacOp` for the scores (B read by rows of K, the result raw into the softmax), a
`SoftmaxOp`, and a `MacOp` for the context (B read by columns of V). A mean node is a
`MeanOp`. Nothing here computes: `resq.hdlgen.engine.interpret` runs a program with the
integer reference's operations, and the RTL runs the same program.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from resq.hdlgen.mapping import HdlgenError
from resq.spec.integer.intmodel import (
    AddNode,
    AttentionNode,
    BatchNormNode,
    IntModel,
    LinearNode,
    MeanNode,
)

ModelNode = LinearNode | AddNode | AttentionNode | BatchNormNode | MeanNode


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Placed(_Frozen):
    """A tensor in the tensor memory: element (r, c) in bank (r + c) mod P, at word
    base + r · 2^row_log + c // P of that bank, 2^row_log the power of two ≥ ⌈cols / P⌉
    (docs/engine.md, the skewed layout; a power of two so the RTL shifts)."""

    name: str
    rows: int = Field(ge=1)
    cols: int = Field(ge=1)
    base: int = Field(ge=0, description="first word, in every bank")
    row_log: int = Field(0, ge=0, le=15, description="log2 of the words per row")
    words: int = Field(ge=1, description="words per bank: rows · 2^row_log")


class Operand(_Frozen):
    """What a `MacOp` reads as A[m, k] or B[n, k]: a stored tensor at a column offset (a head),
    read as T[m, offset + k] (`rows`) or T[k, offset + n] (`cols`, V of A·V), or a weight
    matrix of the ROM, W[n, k] (`weights`)."""

    source: Literal["tensor", "weights"]
    name: str = Field(description="the tensor, or the array `<node>.weight`")
    access: Literal["rows", "cols"] = "rows"
    offset: int = Field(0, ge=0, description="first column (a head's)")
    zero_point: int


class AddStep(_Frozen):
    """The fused residual (or table) add: (x − z_x)·m_x + (r − z_r)·m_r, requantized; `side`
    says whether the chain's value is the add's first input (`a`) or its second (`b`)."""

    node: str
    other: str = Field(description="the stored tensor or constant table added")
    other_zero_point: int
    constant: bool = Field(description="`other` is a constant table of the ROM")
    side: Literal["a", "b"]
    multipliers: tuple[int, int]
    shift: int
    accumulator_bits: int


class AffineStep(_Frozen):
    """The fused folded batch norm: (x − z_x)(a_c − z_a) + c_c, requantized."""

    node: str
    weight_zero_point: int
    multiplier: int
    shift: int
    accumulator_bits: int


class Requant(_Frozen):
    """One requantization to a tensor's parameters."""

    multiplier: int
    shift: int
    zero_point: int
    quant_min: int
    quant_max: int


class MacOp(_Frozen):
    """out[m, n] = chain(Σ_k (A[m, k] − z_a)(B[n, k] − z_b) + bias[n]) for m < M, n < N, k < K."""

    op: Literal["mac"] = "mac"
    node: str
    a: Operand
    b: Operand
    m: int
    n: int
    k: int
    bias: str | None = Field(None, description="the array `<node>.bias`, or none")
    accumulator_bits: int
    requant: Requant | None = Field(None, description="None: the raw sums go to the softmax")
    relu: bool = False
    add: AddStep | None = None
    add_requant: Requant | None = None
    affine: AffineStep | None = None
    affine_requant: Requant | None = None
    out: str = Field(description="the tensor written (the scores' softmax op for raw sums)")
    out_offset: int = Field(0, ge=0, description="first column written (a head's)")


class SoftmaxOp(_Frozen):
    """The probabilities of one head's score rows (`softmax_int`) into tensor `out`."""

    op: Literal["softmax"] = "softmax"
    node: str
    rows: int
    length: int
    multiplier: int
    shift: int
    prob_bits: int
    out: str


class MeanOp(_Frozen):
    """The column sums of tensor `input` (rows × cols), requantized into `out`."""

    op: Literal["mean"] = "mean"
    node: str
    input: str
    zero_point: int
    rows: int
    cols: int
    accumulator_bits: int
    requant: Requant
    out: str


Op = Annotated[MacOp | SoftmaxOp | MeanOp, Field(discriminator="op")]


class Program(_Frozen):
    """The ops of one inference in order, the tensor memory's layout and the lane count."""

    lanes: int = Field(ge=1, le=64)
    ops: list[Op]
    tensors: dict[str, Placed]
    depth: int = Field(description="words per bank of the tensor memory")
    output: str


def _requant(multiplier: int, shift: int, model: IntModel, tensor: str) -> Requant:
    qp = model.tensors[tensor].qparams
    return Requant(multiplier=multiplier, shift=shift, zero_point=qp.zero_point,
                   quant_min=qp.quant_min, quant_max=qp.quant_max)  # fmt: skip


def _consumers(model: IntModel) -> dict[str, list[str]]:
    """Tensor → the nodes that read it (the model output counts as a reader)."""
    readers: dict[str, list[str]] = {model.output: ["<output>"]}
    for node in model.nodes:
        if isinstance(node, AddNode):
            inputs: tuple[str, ...] = node.inputs
        elif isinstance(node, AttentionNode):
            inputs = (node.query, node.key, node.value)
        else:
            inputs = (node.input,)
        for name in inputs:
            readers.setdefault(name, []).append(node.name)
    return readers


def compile_program(model: IntModel, lanes: int) -> Program:
    """The engine program of `model` on `lanes` lanes (1..64)."""
    if not 1 <= lanes <= 64:
        raise HdlgenError(f"engine lanes {lanes}: expected 1 to 64")
    readers = _consumers(model)
    nodes = list(model.nodes)
    ops: list[MacOp | SoftmaxOp | MeanOp] = []
    fused: set[str] = set()
    for index, node in enumerate(nodes):
        if node.name in fused:
            continue
        if isinstance(node, LinearNode):
            ops.append(_linear(model, node, nodes[index + 1 :], readers, fused))
        elif isinstance(node, AttentionNode):
            ops += _attention(model, node)
        elif isinstance(node, MeanNode):
            qp = model.tensors[node.input]
            ops.append(MeanOp(node=node.name, input=node.input, zero_point=qp.qparams.zero_point,
                              rows=node.length, cols=qp.shape[-1],
                              accumulator_bits=node.accumulator_bits,
                              requant=_requant(node.multiplier, node.shift, model, node.output),
                              out=node.output))  # fmt: skip
        else:
            raise HdlgenError(f"node {node.name} ({node.op}) has no linear to fuse into: the "
                              "engine fuses adds and batch norms into the linear before them")  # fmt: skip
    stored = [model.input, *(op.out for op in ops)]
    shapes = {op.out: (op.rows, op.length) for op in ops if isinstance(op, SoftmaxOp)}
    return _placed(model, ops, stored, shapes, lanes)


def _linear(model: IntModel, node: LinearNode, after: Sequence[ModelNode], readers: dict[str, list[str]],
            fused: set[str]) -> MacOp:  # fmt: skip
    """The MacOp of `node`, with the add and batch norm that read only its result fused in."""
    x = model.tensors[node.input]
    rows = x.shape[0] if len(x.shape) == 2 else 1
    fields: dict[str, Any] = {}
    out = node.output
    nxt = after[0] if after else None
    if isinstance(nxt, AddNode) and readers.get(out) == [nxt.name] and out in nxt.inputs:
        side = "a" if nxt.inputs[0] == out else "b"
        other = nxt.inputs[1] if side == "a" else nxt.inputs[0]
        fields["add"] = AddStep(node=nxt.name, other=other, side=side,
                                constant=model.tensors[other].constant,
                                other_zero_point=model.tensors[other].qparams.zero_point,
                                multipliers=nxt.multipliers, shift=nxt.shift,
                                accumulator_bits=nxt.accumulator_bits)  # fmt: skip
        fields["add_requant"] = _requant(1, nxt.shift, model, nxt.output)
        fused.add(nxt.name)
        out = nxt.output
        nxt = after[1] if len(after) > 1 else None
        if isinstance(nxt, BatchNormNode) and readers.get(out) == [nxt.name]:
            fields["affine"] = AffineStep(node=nxt.name, weight_zero_point=nxt.weight.zero_point,
                                          multiplier=nxt.multiplier, shift=nxt.shift,
                                          accumulator_bits=nxt.accumulator_bits)  # fmt: skip
            fields["affine_requant"] = _requant(nxt.multiplier, nxt.shift, model, nxt.output)
            fused.add(nxt.name)
            out = nxt.output
    return MacOp(node=node.name,
                 a=Operand(source="tensor", name=node.input, zero_point=x.qparams.zero_point),
                 b=Operand(source="weights", name=f"{node.name}.weight",
                           zero_point=node.weight.zero_point),
                 m=rows, n=node.out_features, k=node.in_features, bias=f"{node.name}.bias",
                 accumulator_bits=node.accumulator_bits,
                 requant=_requant(node.multiplier, node.shift, model, node.output),
                 relu=node.relu, out=out, **fields)  # fmt: skip


def _attention(model: IntModel, node: AttentionNode) -> list[MacOp | SoftmaxOp | MeanOp]:
    """Per head: the scores into the softmax, its probabilities, the context."""
    length, width = model.tensors[node.query].shape
    d_head = width // node.n_heads
    probabilities = f"{node.name}.p"
    q, k, v = (model.tensors[t].qparams.zero_point for t in (node.query, node.key, node.value))
    ops: list[MacOp | SoftmaxOp | MeanOp] = []
    for head in range(node.n_heads):
        offset = head * d_head
        ops.append(MacOp(node=node.name,
                         a=Operand(source="tensor", name=node.query, offset=offset, zero_point=q),
                         b=Operand(source="tensor", name=node.key, offset=offset, zero_point=k),
                         m=length, n=length, k=d_head,
                         accumulator_bits=node.score_accumulator_bits,
                         out=probabilities))  # fmt: skip
        ops.append(SoftmaxOp(node=node.name, rows=length, length=length,
                             multiplier=node.score_multiplier, shift=node.score_shift,
                             prob_bits=node.prob_bits, out=probabilities))  # fmt: skip
        ops.append(MacOp(node=node.name,
                         a=Operand(source="tensor", name=probabilities, zero_point=0),
                         b=Operand(source="tensor", name=node.value, access="cols",
                                   offset=offset, zero_point=v),
                         m=length, n=d_head, k=length, accumulator_bits=node.accumulator_bits,
                         requant=_requant(node.multiplier, node.shift, model, node.output),
                         out=node.output, out_offset=offset))  # fmt: skip
    return ops


def row_words_log(cols: int, lanes: int) -> int:
    """log2 of the words one row of `cols` elements takes in each of `lanes` banks: the
    power of two ≥ ⌈cols / lanes⌉."""
    return max(math.ceil(cols / lanes) - 1, 0).bit_length()


def _shape(model: IntModel, name: str) -> tuple[int, int]:
    """(rows, cols) of a model tensor; a vector is one row."""
    shape = model.tensors[name].shape
    return (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0])


def _placed(model: IntModel, ops: list[MacOp | SoftmaxOp | MeanOp], stored: list[str],
            shapes: dict[str, tuple[int, int]], lanes: int) -> Program:  # fmt: skip
    """Give every stored tensor words in the tensor memory: first fit over the words freed by
    tensors no later op reads."""
    last_read: dict[str, int] = {model.output: len(ops)}
    for index, op in enumerate(ops):
        if isinstance(op, MacOp):
            for operand in (op.a, op.b):
                if operand.source == "tensor":
                    last_read[operand.name] = index
            if op.add is not None and not op.add.constant:
                last_read[op.add.other] = index
        elif isinstance(op, MeanOp):
            last_read[op.input] = index
    written_at = {model.input: -1}
    for index, op in enumerate(ops):
        written_at.setdefault(op.out, index)
    placed: dict[str, Placed] = {}
    busy: list[tuple[int, int, str]] = []  # (base, words, tensor)
    depth = 0
    for name in dict.fromkeys(stored):
        if name not in written_at or name in placed:
            continue
        start = written_at[name]
        busy = [(b, w, t) for b, w, t in busy if last_read.get(t, -2) >= start]
        rows, cols = shapes[name] if name in shapes else _shape(model, name)
        row_log = row_words_log(cols, lanes)
        words = rows << row_log
        base = 0
        for b, w, _ in sorted(busy):
            if base + words <= b:
                break
            base = max(base, b + w)
        busy.append((base, words, name))
        placed[name] = Placed(
            name=name, rows=rows, cols=cols, base=base, row_log=row_log, words=words
        )
        depth = max(depth, base + words)
    return Program(lanes=lanes, ops=ops, tensors=placed, depth=depth, output=model.output)
