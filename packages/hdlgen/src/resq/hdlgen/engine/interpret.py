"""Run an engine program as the datapath runs it: every operand read from the P-bank tensor
memory by its skewed address (each cycle's P lane reads must hit P different banks), the
lanes' sums, the requantizer chain, the softmax and mean units. The arithmetic is the
integer reference's own (`intops`, `softmax_int`, `check_width`), so the result must equal
`intref.run`; what this checks is the program (the fusion, the heads, the layout). The
RTL's cycles are `resq.hdlgen.engine.cycles`.
"""

from __future__ import annotations

import numpy as np
from resq.hdlgen.engine.program import MacOp, MeanOp, Operand, Program, Requant, SoftmaxOp
from resq.hdlgen.mapping import HdlgenError
from resq.spec.integer.intmodel import IntModel
from resq.spec.integer.intops import Int, requantize
from resq.spec.integer.intref import check_width
from resq.spec.integer.softmax import softmax_int


class BankConflictError(HdlgenError):
    """One cycle's lane reads fall into the same bank twice: the layout cannot feed the lanes."""


class TensorMemory:
    """The P banks of the tensor memory, each `depth` words of one value per window."""

    def __init__(self, program: Program, batch: int) -> None:
        self.program = program
        self.lanes = program.lanes
        self.banks = np.zeros((program.lanes, max(program.depth, 1), batch), dtype=Int)

    def address(self, name: str, row: int, col: int) -> tuple[int, int]:
        """(bank, word) of element (row, col) of tensor `name`."""
        placed = self.program.tensors[name]
        if not (0 <= row < placed.rows and 0 <= col < placed.cols):
            raise HdlgenError(f"{name}[{row}, {col}] is outside its {placed.rows}×{placed.cols}")
        return ((row + col) % self.lanes,
                placed.base + (row << placed.row_log) + col // self.lanes)  # fmt: skip

    def write(self, name: str, row: int, col: int, value: np.ndarray) -> None:
        bank, word = self.address(name, row, col)
        self.banks[bank, word] = value

    def read(self, name: str, row: int, col: int) -> np.ndarray:
        bank, word = self.address(name, row, col)
        value: np.ndarray = self.banks[bank, word]
        return value

    def read_lanes(self, name: str, places: list[tuple[int, int]]) -> np.ndarray:
        """One cycle's reads, one per lane: BankConflictError when two share a bank."""
        addresses = [self.address(name, row, col) for row, col in places]
        banks = [bank for bank, _ in addresses]
        if len(set(banks)) != len(banks):
            raise BankConflictError(f"{name}: lanes read banks {banks} in one cycle")
        return np.stack([self.banks[bank, word] for bank, word in addresses])


def _requantized(acc: np.ndarray, step: Requant) -> np.ndarray:
    return requantize(acc, step.multiplier, step.shift, step.zero_point, step.quant_min,
                      step.quant_max)  # fmt: skip


class Interpreter:
    """Runs `program` of `model` (with its `arrays`) on a batch of integer inputs."""

    def __init__(self, program: Program, model: IntModel, arrays: dict[str, np.ndarray]) -> None:
        self.program, self.model, self.arrays = program, model, arrays

    def run(self, q_in: np.ndarray) -> np.ndarray:
        """The model's output tensor for inputs (batch, window, n_features): (batch, n_out)."""
        batch = q_in.shape[0]
        memory = TensorMemory(self.program, batch)
        rows = q_in.reshape(batch, -1, q_in.shape[-1])
        for r in range(rows.shape[1]):
            for c in range(rows.shape[2]):
                memory.write(self.model.input, r, c, rows[:, r, c])
        scores: np.ndarray | None = None
        for op in self.program.ops:
            if isinstance(op, MacOp):
                result = self._mac(op, memory)
                if op.requant is None:
                    scores = result
            elif isinstance(op, SoftmaxOp):
                if scores is None:
                    raise HdlgenError(f"{op.node}: softmax without scores before it")
                p = softmax_int(scores, op.multiplier, op.shift, op.prob_bits)
                for r in range(op.rows):
                    for c in range(op.length):
                        memory.write(op.out, r, c, p[:, r, c])
                scores = None
            else:
                self._mean(op, memory)
        out = self.program.tensors[self.program.output]
        return np.stack([memory.read(out.name, 0, c) for c in range(out.cols)], axis=1)

    def _b(self, op: MacOp, memory: TensorMemory, n0: int, used: int, k: int) -> np.ndarray:
        """The lanes' B operands of one cycle, (used, batch)."""
        b: Operand = op.b
        if b.source == "weights":
            weight = self.arrays[b.name][n0 : n0 + used, k]
            return np.broadcast_to(weight[:, None], (used, memory.banks.shape[2]))
        if b.access == "rows":
            return memory.read_lanes(b.name, [(n0 + p, b.offset + k) for p in range(used)])
        return memory.read_lanes(b.name, [(k, b.offset + n0 + p) for p in range(used)])

    def _mac(self, op: MacOp, memory: TensorMemory) -> np.ndarray:
        """Run a MacOp; the raw sums (batch, m, n) when it feeds the softmax."""
        lanes = self.program.lanes
        batch = memory.banks.shape[2]
        raw = np.zeros((batch, op.m, op.n), dtype=Int)
        bias = self.arrays[op.bias] if op.bias is not None else None
        for m in range(op.m):
            row = [
                memory.read(op.a.name, m, op.a.offset + k) - op.a.zero_point for k in range(op.k)
            ]  # fmt: skip  (the row buffer, loaded once per row)
            for n0 in range(0, op.n, lanes):
                used = min(lanes, op.n - n0)
                acc = np.zeros((used, batch), dtype=Int)
                for k in range(op.k):
                    acc += row[k][None, :] * (self._b(op, memory, n0, used, k) - op.b.zero_point)
                if bias is not None:
                    acc += bias[n0 : n0 + used, None]
                check_width(acc, op.accumulator_bits, op.node)
                for p in range(used):
                    if op.requant is None:
                        raw[:, m, n0 + p] = acc[p]
                    else:
                        value = self._chain(op, m, n0 + p, acc[p], memory)
                        memory.write(op.out, m, op.out_offset + n0 + p, value)
        return raw

    def _chain(
        self, op: MacOp, m: int, n: int, acc: np.ndarray, memory: TensorMemory
    ) -> np.ndarray:
        """The requantizer's output path for one element: requantize, ReLU, the fused add and
        the fused batch norm."""
        assert op.requant is not None
        y = _requantized(acc, op.requant)
        if op.relu:
            y = np.maximum(y, op.requant.zero_point)
        if op.add is not None and op.add_requant is not None:
            add = op.add
            other = (self.arrays[add.other][m, n] if add.constant
                     else memory.read(add.other, m, n))  # fmt: skip
            mine, theirs = y - op.requant.zero_point, other - add.other_zero_point
            first, second = (mine, theirs) if add.side == "a" else (theirs, mine)
            summed = first * Int(add.multipliers[0]) + second * Int(add.multipliers[1])
            check_width(summed, add.accumulator_bits, add.node)
            y = _requantized(summed, op.add_requant)
            zero = op.add_requant.zero_point
            if op.affine is not None and op.affine_requant is not None:
                affine = op.affine
                a = self.arrays[f"{affine.node}.weight"][n] - affine.weight_zero_point
                c = self.arrays[f"{affine.node}.bias"][n]
                scaled = (y - zero) * a + c
                check_width(scaled, affine.accumulator_bits, affine.node)
                y = _requantized(scaled, op.affine_requant)
        return y

    def _mean(self, op: MeanOp, memory: TensorMemory) -> None:
        for c in range(op.cols):
            acc = sum(memory.read(op.input, r, c) - op.zero_point for r in range(op.rows))
            total = check_width(np.asarray(acc, dtype=Int), op.accumulator_bits, op.node)
            memory.write(op.out, 0, c, _requantized(total, op.requant))
