"""Whole generated models in GHDL against the integer reference, on real Beijing test windows.

The models are calibrated, not trained (resq.qat.experiment.calibrated_intmodel): their scales,
zero points and multipliers are realistic, which is what bit-exactness depends on. CI runs a
few windows per configuration; tests/bench/hw_latency.py runs 200.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from resq.hdlgen.project import Target, generate
from resq.hdlgen.simulation import simulate
from resq.qat.data import load_windows
from resq.qat.experiment import calibrated_intmodel
from resq.spec import BitConfig, NodeHardware, load_spec
from resq.spec.components import Multiplier, Storage
from resq.spec.integer.intref import quantize_input

REPO = Path(__file__).resolve().parents[2]
WINDOWS = 6


@pytest.mark.usefixtures("simulate")
@pytest.mark.parametrize(
    ("spec_file", "hardware"),
    [
        ("beijing-o3-uniform8.yaml", (16, "dsp", "auto", {})),
        ("beijing-o3-uniform4.yaml", (4, "lut", "auto", {})),
        ("beijing-o3-mixed.yaml", (1, "lut", "distributed",
                                   {"l0_ffn1": NodeHardware(parallelism=8, multiplier="dsp")})),
    ],
    ids=["uniform8-par16-dsp", "uniform4-par4-lut", "mixed-par1-lut"],
)  # fmt: skip
def test_generated_model_equals_the_integer_reference(
    tmp_path: Path, spec_file: str, hardware: tuple[int, Multiplier, Storage, dict[str, NodeHardware]],
    beijing_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("RESQ_DATA_HOME", str(beijing_home))
    loaded = load_spec(REPO / "specs" / spec_file)
    spec = loaded.spec
    data = load_windows(spec.dataset, loaded.manifest)
    bits = BitConfig.from_spec(spec).with_hardware(*hardware)
    model, arrays = calibrated_intmodel(spec.model, bits, spec.quantization.adaptive_threshold,
                                        data)  # fmt: skip
    q_in = quantize_input(data.test.x[:WINDOWS], model.tensors[model.input].qparams)
    target = Target(board=loaded.board.name, part=loaded.board.part, clock_mhz=loaded.clock_mhz)
    generated = generate(spec.name, model, arrays, bits, q_in, tmp_path / "model", target)
    result = simulate(generated, REPO / "cores", tmp_path / "build")
    assert result.passed and result.bit_exact == f"{WINDOWS}/{WINDOWS}", result
    assert sum(result.node_cycles.values()) <= result.cycles
    assert set(result.node_cycles) == {node.name for node in model.nodes}


@pytest.mark.usefixtures("simulate")
def test_a_window_over_the_watchdog_fails_naming_the_model(
    tmp_path: Path, beijing_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MAX_CYCLES far below what one window takes stands for a design that never finishes."""
    monkeypatch.setenv("RESQ_DATA_HOME", str(beijing_home))
    loaded = load_spec(REPO / "specs" / "beijing-o3-uniform4.yaml")
    spec = loaded.spec
    assert loaded.manifest is not None
    data = load_windows(spec.dataset.model_copy(update={"max_windows": 1500}), loaded.manifest)
    bits = BitConfig.from_spec(spec).with_hardware(16, "dsp")
    model, arrays = calibrated_intmodel(spec.model, bits, spec.quantization.adaptive_threshold,
                                        data)  # fmt: skip
    q_in = quantize_input(data.test.x[:2], model.tensors[model.input].qparams)
    target = Target(board=loaded.board.name, part=loaded.board.part, clock_mhz=loaded.clock_mhz)
    generated = generate(spec.name, model, arrays, bits, q_in, tmp_path / "model", target)
    command = ["fusesoc", "--cores-root", str(REPO / "cores"), "--cores-root",
               str(generated.folder), "run", "--build-root", str(tmp_path / "build"), "--target",
               "sim", generated.vlnv, "--MAX_CYCLES=300"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-3000:]
    assert "beijing_o3_uniform4_model_tb: watchdog: beijing_o3_uniform4_model did not finish " \
        "window 0 within MAX_CYCLES=300" in output, output[-3000:]  # fmt: skip
    assert "bit_exact=" not in output
