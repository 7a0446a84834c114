"""Whole generated models in GHDL against the integer reference, on real Beijing test windows.

The models are calibrated, not trained (resq.qat.experiment.calibrated_intmodel): their scales,
zero points and multipliers are realistic, which is what bit-exactness depends on. CI runs a
few windows per configuration; tests/bench/hw_latency.py runs 200.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from resq.hdlgen.cycles import model_cycles, node_cycles
from resq.hdlgen.mapping import HdlgenError
from resq.hdlgen.model import design
from resq.hdlgen.project import Target, generate
from resq.hdlgen.simulation import simulate
from resq.qat.experiment import calibrated_intmodel
from resq.spec import BitConfig, LoadedSpec, NodeHardware, load_spec
from resq.spec.components import Multiplier, Storage
from resq.spec.data import load_windows
from resq.spec.integer.intmodel import IntModel
from resq.spec.integer.intref import quantize_input

REPO = Path(__file__).resolve().parents[2]
WINDOWS = 6


class Calibrated(NamedTuple):
    """A calibrated IntModel of a shipped spec, the spec it came from and test windows."""

    loaded: LoadedSpec
    model: IntModel
    arrays: dict[str, np.ndarray]
    q_in: np.ndarray


def _calibrated(spec_file: str, bits: BitConfig | None = None, windows: int = WINDOWS,
                max_windows: int | None = None, window: int | None = None,
                **shape: int) -> Calibrated:  # fmt: skip
    """Calibrate the model of specs/`spec_file` (optionally with `window` time steps and other
    `shape` fields, e.g. d_model) on its data; `bits` defaults to the spec's BitConfig."""
    loaded = load_spec(REPO / "specs" / spec_file)
    assert loaded.manifest is not None
    spec = loaded.spec
    steps = {"window": window} if window else {}
    limit = {"max_windows": max_windows} if max_windows else {}
    data = load_windows(spec.dataset.model_copy(update=steps | limit), loaded.manifest)
    model_spec = spec.model.model_copy(update=shape | steps)
    bits = bits or BitConfig.from_spec(spec)
    model, arrays = calibrated_intmodel(model_spec, bits, spec.quantization.adaptive_threshold,
                                        data)  # fmt: skip
    q_in = quantize_input(data.test.x[:windows], model.tensors[model.input].qparams)
    return Calibrated(loaded, model, arrays, q_in)


def _target(loaded: LoadedSpec, clock_mhz: float | None = None) -> Target:
    return Target(board=loaded.board.name, part=loaded.board.part,
                  clock_mhz=clock_mhz or loaded.clock_mhz)  # fmt: skip


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
    spec = load_spec(REPO / "specs" / spec_file).spec
    bits = BitConfig.from_spec(spec).with_hardware(*hardware)
    c = _calibrated(spec_file, bits)
    generated = generate(spec.name, c.model, c.arrays, bits, c.q_in, tmp_path / "model",
                         _target(c.loaded))  # fmt: skip
    result = simulate(generated, REPO / "cores", tmp_path / "build")
    assert result.passed and result.bit_exact == f"{WINDOWS}/{WINDOWS}", result
    instances = design(c.model, c.arrays, bits)
    assert result.node_cycles == {i.node: node_cycles(i) for i in instances}
    assert result.cycles == model_cycles(instances)


@pytest.mark.usefixtures("simulate")
def test_a_window_over_the_watchdog_fails_naming_the_model(
    tmp_path: Path, beijing_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MAX_CYCLES far below what one window takes stands for a design that never finishes."""
    monkeypatch.setenv("RESQ_DATA_HOME", str(beijing_home))
    c = _calibrated("beijing-o3-uniform4.yaml", windows=2, max_windows=1500)
    bits = c.model.bits.with_hardware(16, "dsp")
    generated = generate(c.loaded.spec.name, c.model, c.arrays, bits, c.q_in,
                         tmp_path / "model", _target(c.loaded))  # fmt: skip
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
    c = _calibrated("beijing-o3-uniform4.yaml", windows=1, max_windows=1500)
    model, arrays, bits = c.model, c.arrays, c.model.bits
    assert len(design(model, arrays, bits.with_hardware(4, "lut"))) == len(model.nodes)
    ffn = bits.components["FFN"].model_copy(update={"weights": 6})
    other = bits.model_copy(update={"components": {**bits.components, "FFN": ffn}})
    with pytest.raises(HdlgenError, match=r"bits differ .* in FFN; train with this configuration"):
        design(model, arrays, other)
    stray = bits.with_hardware(nodes={"l3_ffn1": NodeHardware(parallelism=2)})
    with pytest.raises(HdlgenError, match="BitConfig nodes l3_ffn1 are not nodes of the model"):
        design(model, arrays, stray)
