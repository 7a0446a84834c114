"""The engine RTL (cores/engine) running whole calibrated models: GHDL on the generated
model project bit-exact with the integer reference on real Beijing test windows, on the
airu shape at uniform 8, uniform 4 (packed DSP lanes) and mixed widths and on two other
shapes, at several lane counts; its cycles per inference and per node equal
resq.hdlgen.engine.cycles exactly; the GHDL netlist in Verilator agrees. tests/bench/
engine.py runs 200 windows and synthesizes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from resq.hdlgen.engine.cycles import inference_cycles, node_cycles
from resq.hdlgen.engine.lower import lower
from resq.hdlgen.engine.program import compile_program
from resq.hdlgen.engine.top import lane_style
from resq.hdlgen.mapping import HdlgenError
from resq.hdlgen.project import Target, generate
from resq.hdlgen.simulation import prepare, rtl_simulation
from resq.hdlgen.verilator import netlist_simulation
from resq.spec import EngineChoice
from resq.spec.components import Multiplier
from resq.spec.integer.intmodel import IntModel

Calibrate = Callable[[str], tuple[IntModel, dict[str, np.ndarray], np.ndarray]]
"""The `calibrated` fixture (conftest.py)."""

REPO = Path(__file__).resolve().parents[2]
TARGET = Target(board="elasticnode-v5", part="xc7s15ftgb196-2", clock_mhz=100.0)


@pytest.mark.usefixtures("beijing_home", "simulate")
@pytest.mark.parametrize(("case", "lanes", "multiplier", "style"), [
    ("uniform8", 16, "dsp", "dsp"), ("uniform4", 16, "dsp", "packed"),
    ("mixed", 8, "lut", "lut"), ("deep", 16, "dsp", "dsp"), ("wide", 4, "dsp", "dsp"),
])  # fmt: skip
def test_the_engine_equals_the_integer_reference_in_its_cycles(
    tmp_path: Path,
    calibrated: Calibrate,
    case: str,
    lanes: int,
    multiplier: Multiplier,
    style: str,
) -> None:
    model, arrays, q_in = calibrated(case)
    engine = EngineChoice(lanes=lanes, multiplier=multiplier, storage="auto")
    config = model.bits.model_copy(update={"architecture": "engine", "engine": engine})
    generated = generate("eng", model, arrays, config, q_in, tmp_path / "model", TARGET)
    assert generated.architecture == "engine" and generated.engine_ops
    lowered = lower(compile_program(model, lanes), model, arrays)
    assert lane_style(lowered, multiplier) == style
    work = prepare(generated, REPO / "cores", tmp_path / "build")
    result = rtl_simulation(generated, work)
    assert result.passed and result.bit_exact == f"{len(q_in)}/{len(q_in)}", result
    assert result.cycles == inference_cycles(lowered, lanes)
    assert result.node_cycles == node_cycles(lowered, model, lanes)
    if case in ("uniform8", "uniform4"):
        netlist = netlist_simulation(generated, work, 1800.0)
        assert netlist.bit_exact == result.bit_exact and netlist.cycles == result.cycles


@pytest.mark.usefixtures("beijing_home")
def test_a_name_that_cannot_become_vhdl_is_refused(tmp_path: Path, calibrated: Calibrate) -> None:
    """Node names reach the engine's package (its op labels): a hostile one stops generate."""
    model, arrays, q_in = calibrated("uniform8")
    hostile = model.nodes[0].model_copy(update={"name": "linput\nend package"})
    model = model.model_copy(update={"nodes": [hostile, *model.nodes[1:]]})
    engine = EngineChoice(lanes=16, multiplier="dsp", storage="auto")
    config = model.bits.model_copy(update={"architecture": "engine", "engine": engine})
    with pytest.raises(HdlgenError, match="cannot become a VHDL identifier"):
        generate("eng", model, arrays, config, q_in, tmp_path / "model", TARGET)
    assert not (tmp_path / "model").exists()
