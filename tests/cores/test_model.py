"""Whole generated models in GHDL against the integer reference, on real Beijing test windows.

The models are calibrated, not trained (resq.qat.experiment.calibrated_intmodel): their scales,
zero points and multipliers are realistic, which is what bit-exactness depends on. CI runs a
few windows per configuration; tests/bench/hw_latency.py runs 200.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from resq.hdlgen.mapping import HdlgenError
from resq.hdlgen.model import design
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


def test_a_config_must_carry_the_bits_the_model_was_trained_with(
    beijing_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESQ_DATA_HOME", str(beijing_home))
    loaded = load_spec(REPO / "specs" / "beijing-o3-uniform4.yaml")
    assert loaded.manifest is not None
    spec = loaded.spec
    data = load_windows(spec.dataset.model_copy(update={"max_windows": 1500}), loaded.manifest)
    bits = BitConfig.from_spec(spec)
    model, arrays = calibrated_intmodel(spec.model, bits, spec.quantization.adaptive_threshold,
                                        data)  # fmt: skip
    assert len(design(model, arrays, bits.with_hardware(4, "lut"))) == len(model.nodes)
    ffn = bits.components["FFN"].model_copy(update={"weights": 6})
    other = bits.model_copy(update={"components": {**bits.components, "FFN": ffn}})
    with pytest.raises(HdlgenError, match=r"bits differ .* in FFN; train with this configuration"):
        design(model, arrays, other)
    stray = bits.with_hardware(nodes={"l3_ffn1": NodeHardware(parallelism=2)})
    with pytest.raises(HdlgenError, match="BitConfig nodes l3_ffn1 are not nodes of the model"):
        design(model, arrays, stray)


@pytest.mark.usefixtures("synthesis_tools", "fusesoc_tools")
def test_the_generated_core_has_estimate_and_synth_targets(
    tmp_path: Path, beijing_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tiny model (window 4, d_model 4): Yosys through the `estimate` target, and the
    Vivado project of the `synth` target (stand-in vivado) with the part, top and XDC clock."""
    monkeypatch.setenv("RESQ_DATA_HOME", str(beijing_home))
    loaded = load_spec(REPO / "specs" / "beijing-o3-uniform4.yaml")
    assert loaded.manifest is not None
    spec = loaded.spec
    dataset = spec.dataset.model_copy(update={"max_windows": 600, "window": 4})
    tiny = spec.model.model_copy(update={"window": 4, "d_model": 4, "ffn_dim": 8})
    data = load_windows(dataset, loaded.manifest)
    bits = BitConfig.from_spec(spec).with_hardware(1, "dsp")  # LUT multipliers: 3x Yosys time
    model, arrays = calibrated_intmodel(tiny, bits, spec.quantization.adaptive_threshold, data)
    q_in = quantize_input(data.test.x[:2], model.tensors[model.input].qparams)
    target = Target(board=loaded.board.name, part=loaded.board.part, clock_mhz=125)
    generated = generate("tiny", model, arrays, bits, q_in, tmp_path / "model", target)
    roots = ["--cores-root", str(REPO / "cores"), "--cores-root", str(generated.folder)]
    estimate = subprocess.run(
        ["fusesoc", *roots, "run", "--build-root", str(tmp_path / "est"), "--target",
         "estimate", generated.vlnv], capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert estimate.returncode == 0, estimate.stdout[-3000:] + estimate.stderr[-3000:]
    report = json.loads(next((tmp_path / "est").rglob("tiny_model.resources.json")).read_text())
    assert report["latches"] == 0 and report["resources"]["lut"] > 0, report

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "vivado").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "vivado").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    synth = subprocess.run(
        ["fusesoc", *roots, "run", "--build-root", str(tmp_path / "syn"), "--target", "synth",
         generated.vlnv], capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert synth.returncode == 0, synth.stdout[-3000:] + synth.stderr[-3000:]
    tcl = next((tmp_path / "syn").rglob("resq_model_tiny_0.1.0.tcl")).read_text()
    assert f"set_property part {loaded.board.part} [current_project]" in tcl
    assert "set_property top tiny_model [current_fileset]" in tcl
    assert "tiny_model.xdc" in tcl and "tiny_model_tb.vhd" not in tcl
    xdc = next((tmp_path / "syn").rglob("tiny_model.xdc")).read_text()
    assert "create_clock -period 8.000 -name clk [get_ports clk]" in xdc
