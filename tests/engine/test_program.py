"""The engine's program (docs/engine.md): compiled from real calibrated IntModels, run
through the P-bank tensor memory with no bank conflict, it equals the integer reference
bit for bit, on the airu shape at uniform 8, uniform 4 and mixed widths and on two other
shapes, at several lane counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from resq.hdlgen.engine.interpret import BankConflictError, Interpreter, TensorMemory, work_cycles
from resq.hdlgen.engine.program import MacOp, Program, SoftmaxOp, compile_program
from resq.qat.experiment import calibrated_intmodel
from resq.spec import BitConfig, load_spec
from resq.spec.data import load_windows
from resq.spec.integer import intref

REPO = Path(__file__).resolve().parents[2]

CASES = {
    "uniform8": ("beijing-o3-uniform8.yaml", {}),
    "uniform4": ("beijing-o3-uniform4.yaml", {}),
    "mixed": ("beijing-o3-mixed.yaml", {}),
    "wide": ("beijing-o3-uniform8.yaml", {"d_model": 32, "ffn_dim": 128}),
    "deep": ("beijing-o3-uniform8.yaml", {"n_layers": 2, "n_heads": 2}),
}


def _model(case: str):  # type: ignore[no-untyped-def]
    spec_file, shape = CASES[case]
    loaded = load_spec(REPO / "specs" / spec_file)
    assert loaded.manifest is not None
    spec = loaded.spec
    data = load_windows(spec.dataset.model_copy(update={"max_windows": 600}), loaded.manifest)
    model, arrays = calibrated_intmodel(spec.model.model_copy(update=shape),
                                        BitConfig.from_spec(spec), 0.1, data)  # fmt: skip
    return model, arrays, intref.quantize_input(data.test.x[:6], model.tensors[model.input].qparams)


@pytest.mark.usefixtures("beijing_home")
@pytest.mark.parametrize(("case", "lanes"), [("uniform8", 16), ("uniform4", 16), ("mixed", 16),
                                             ("uniform8", 5), ("uniform8", 1), ("wide", 16),
                                             ("deep", 16), ("deep", 3)])  # fmt: skip
def test_the_program_equals_the_integer_reference(case: str, lanes: int) -> None:
    model, arrays, q_in = _model(case)
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
def test_work_cycles_of_the_airu_shape_on_16_lanes() -> None:
    """94,864 multiply-accumulates: at least 5,929 cycles on 16 lanes; the passes, row loads
    and softmax rows of the contract add the rest."""
    model, _, _ = _model("uniform8")
    cycles = work_cycles(compile_program(model, 16))
    assert 94_864 / 16 < sum(cycles.values()) < 8_000
    assert cycles["8:l0_ffn1"] == 24 * (1 + 4 * 16)  # ⌈16/16⌉ row load, 4 passes of K = 16


def test_the_skewed_layout_reads_rows_and_columns_in_one_cycle_and_refuses_a_conflict() -> None:
    program = Program(
        lanes=4, ops=[], depth=12, output="t",
        tensors={"t": {"name": "t", "rows": 6, "cols": 5, "base": 0, "words": 12}})  # fmt: skip
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
