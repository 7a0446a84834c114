"""Whole generated models in GHDL against the integer reference, on real Beijing test windows.

The models are calibrated, not trained (resq.qat.experiment.calibrated_intmodel): their scales,
zero points and multipliers are realistic, which is what bit-exactness depends on. CI runs a
few windows per configuration; tests/bench/hw_latency.py runs 200.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from resq.hdlgen.model import HardwarePlan
from resq.hdlgen.project import generate
from resq.hdlgen.simulation import simulate
from resq.qat.data import load_windows
from resq.qat.experiment import calibrated_intmodel
from resq.qat.intref import quantize_input
from resq.spec import BitConfig, load_spec

REPO = Path(__file__).resolve().parents[2]
WINDOWS = 6


@pytest.mark.usefixtures("simulate")
@pytest.mark.parametrize(
    ("spec_file", "plan"),
    [
        ("beijing-o3-uniform8.yaml", HardwarePlan(par=16, mult_style="dsp")),
        ("beijing-o3-uniform4.yaml", HardwarePlan(par=4, mult_style="lut")),
        ("beijing-o3-mixed.yaml", HardwarePlan(par=1, mult_style="lut", ram_style="distributed",
                                               nodes={"l0_ffn1": (8, "dsp")})),
    ],
    ids=["uniform8-par16-dsp", "uniform4-par4-lut", "mixed-par1-lut"],
)  # fmt: skip
def test_generated_model_equals_the_integer_reference(
    tmp_path: Path, spec_file: str, plan: HardwarePlan, beijing_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("RESQ_DATA_HOME", str(beijing_home))
    loaded = load_spec(REPO / "specs" / spec_file)
    spec = loaded.spec
    data = load_windows(spec.dataset, loaded.manifest)
    bits = BitConfig.from_spec(spec)
    model, arrays = calibrated_intmodel(spec.model, bits, spec.quantization.adaptive_threshold,
                                        data)  # fmt: skip
    q_in = quantize_input(data.test.x[:WINDOWS], model.tensors[model.input].qparams)
    generated = generate(spec.name, model, arrays, plan, q_in, tmp_path / "model")
    result = simulate(generated, REPO / "cores", tmp_path / "build")
    assert result.passed and result.bit_exact == f"{WINDOWS}/{WINDOWS}", result
    assert sum(result.node_cycles.values()) <= result.cycles
    assert set(result.node_cycles) == {node.name for node in model.nodes}
