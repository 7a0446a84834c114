"""The engine's program (docs/engine.md): compiled from real calibrated IntModels, run
through the P-bank tensor memory with no bank conflict, it equals the integer reference
bit for bit, on the airu shape at uniform 8, uniform 4 and mixed widths and on two other
shapes, at several lane counts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from resq.hdlgen.engine.cycles import node_cycles, program_cycles
from resq.hdlgen.engine.interpret import BankConflictError, Interpreter, TensorMemory
from resq.hdlgen.engine.lower import lower
from resq.hdlgen.engine.program import MacOp, Program, SoftmaxOp, compile_program
from resq.spec.integer import intref
from resq.spec.integer.intmodel import IntModel

Calibrate = Callable[[str], tuple[IntModel, dict[str, np.ndarray], np.ndarray]]
"""The `calibrated` fixture (conftest.py)."""


@pytest.mark.usefixtures("beijing_home")
@pytest.mark.parametrize(("case", "lanes"), [("uniform8", 16), ("uniform4", 16), ("mixed", 16),
                                             ("uniform8", 5), ("uniform8", 1), ("wide", 16),
                                             ("deep", 16), ("deep", 3)])  # fmt: skip
def test_the_program_equals_the_integer_reference(
    calibrated: Calibrate, case: str, lanes: int
) -> None:
    model, arrays, q_in = calibrated(case)
    program = compile_program(model, lanes)
    got = Interpreter(program, model, arrays).run(q_in)
    expected = intref.run(model, arrays, q_in)[model.output]
    np.testing.assert_array_equal(got, expected.reshape(got.shape))
    fused = {n.name for n in model.nodes if n.op in ("add", "batchnorm")}
    assert fused and not fused & {op.node for op in program.ops}, "every add and norm is fused"
    heads = model.model.n_heads * model.model.n_layers
    assert sum(isinstance(op, SoftmaxOp) for op in program.ops) == heads
    assert sum(isinstance(op, MacOp) for op in program.ops) == heads * 2 + sum(
        n.op == "linear" for n in model.nodes
    )


@pytest.mark.usefixtures("beijing_home")
def test_cycles_of_the_airu_shape_on_16_lanes(calibrated: Calibrate) -> None:
    """94,864 multiply-accumulates: at least 5,929 cycles on 16 lanes; the row loads, passes,
    pipeline tails and softmax rows add the rest, under the issue's 8,000."""
    model, arrays, _ = calibrated("uniform8")
    lowered = lower(compile_program(model, 16), model, arrays)
    assert 94_864 / 16 < sum(program_cycles(lowered, 16)) < 8_000
    ffn1 = node_cycles(lowered, model, 16)["l0_ffn1"]
    assert ffn1 == 2 + 24 * (1 + 4 * 16) + 20 + 16  # a row load, 4 passes of K = 16, the tail


def test_the_skewed_layout_reads_rows_and_columns_in_one_cycle_and_refuses_a_conflict() -> None:
    program = Program(
        lanes=4, ops=[], depth=12, output="t",
        tensors={"t": {"name": "t", "rows": 6, "cols": 5, "base": 0, "row_log": 1,
                          "words": 12}})  # fmt: skip
    memory = TensorMemory(program, batch=1)
    for r in range(6):
        for c in range(5):
            memory.write("t", r, c, np.array([10 * r + c]))
    assert memory.read_lanes("t", [(r, 2) for r in range(1, 5)]).ravel().tolist() == [
        12,
        22,
        32,
        42,
    ]
    assert memory.read_lanes("t", [(3, c) for c in range(1, 5)]).ravel().tolist() == [
        31,
        32,
        33,
        34,
    ]
    with pytest.raises(BankConflictError, match=r"lanes read banks \[0, 0\]"):
        memory.read_lanes("t", [(0, 0), (1, 3)])
