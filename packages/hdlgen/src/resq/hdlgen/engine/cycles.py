"""Cycles of the engine RTL (cores/engine/rtl/resq_engine.vhd), exactly as GHDL counts them:
per program entry from its START cycle to the cycle it hands over, and per IntModel node
and per inference as the model testbench reports them.

An op's rows issue one after another: a row loads A (`a_loads` cycles) and runs its passes
(max(K, used, 3) cycles each). The last pass's sums leave the lanes 7 cycles after its last
product, drain one element per cycle through the 11 stages of the chain, and the op ends
20 + used cycles after that last product. Score rows feed the softmax unit: its
exponential unit takes a row (len + 2 cycles) once the row is collected and one of its two
buffers is free, its division unit feeds the divider a row of exponentials (len cycles) once
the divider is empty; score row m ≥ 2 waits until the exponential unit has taken row m − 2,
and the op ends when the divider is empty.
"""

from __future__ import annotations

from resq.hdlgen.engine.lower import EngineOp, Lowered, pass_cycles
from resq.spec.integer.intmodel import IntModel

OP_START = 2
"""The START and OP cycles before an op's first row."""
FIRST_OUTPUT = 20
"""Cycles from a pass's last product issue to the chain's output of its first element
(3 to the operands, 4 through the lanes, 2 into the drain, 11 through the chain); the
chain is empty `used` cycles later."""
INFERENCE_EXTRA = 2
"""Cycles the model testbench counts beside the ops: the start pulse and done."""


def _passes(op: EngineOp, lanes: int) -> list[tuple[int, int]]:
    """(used lanes, cycles) of each pass of one row."""
    return [(min(lanes, op.n - n0), pass_cycles(op.k, min(lanes, op.n - n0)))
            for n0 in range(0, op.n, lanes)]  # fmt: skip


def op_cycles(op: EngineOp, lanes: int, prob_bits: int) -> int:
    """Cycles of one program entry, from its START cycle (0) to the cycle it hands over,
    both counted."""
    passes = _passes(op, lanes)
    row = op.a_loads + sum(cycles for _, cycles in passes)
    used, last = passes[-1]
    bubbles = last - op.k  # issue cycles after the last pass's last product
    start = OP_START  # the first cycle of row m
    taken: list[int] = []  # the cycle the exponential unit takes each score row
    divided: list[int] = []  # the last division cycle of each score row
    latency = prob_bits + 2  # resq_divider: QUOTIENT_BITS + 1 stages
    length = op.n
    for m in range(op.m):
        if op.scores and m >= 2 and taken[m - 2] + 1 > start - 1:
            start = taken[m - 2] + 2  # WAIT_ROW until rows_taken >= m - 1
        end = start + row - 1  # the row's last issue cycle
        if op.scores:
            last_logit = end - bubbles + FIRST_OUTPUT + used - 1
            take = max(last_logit + 1, taken[m - 1] + length + 2 if m else 0,
                       divided[m - 2] + 1 if m >= 2 else 0)  # fmt: skip
            taken.append(take)
            begin = max(take + length + 2, divided[m - 1] + latency + 1 if m else 0)
            divided.append(begin + length)
        start = end + 1
    handover = end - bubbles + FIRST_OUTPUT + used
    if op.scores:
        handover = max(handover, divided[-1] + latency + 1)
    return handover + 1


def program_cycles(lowered: Lowered, lanes: int) -> list[int]:
    """Cycles of every program entry, in order."""
    prob = int(lowered.generics["PROB_BITS"])
    return [op_cycles(op, lanes, prob) for op in lowered.ops]


def node_cycles(lowered: Lowered, model: IntModel, lanes: int) -> dict[str, int]:
    """Cycles per IntModel node as the testbench counts them (the `stage` output): the sum
    of its program entries; a fused add or batch norm 0."""
    counts = {node.name: 0 for node in model.nodes}
    for op, cycles in zip(lowered.ops, program_cycles(lowered, lanes), strict=True):
        counts[model.nodes[op.node].name] += cycles
    return counts


def inference_cycles(lowered: Lowered, lanes: int) -> int:
    """Cycles of one inference as the testbench reports them."""
    return sum(program_cycles(lowered, lanes)) + INFERENCE_EXTRA
