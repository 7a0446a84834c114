"""Yosys estimates of cores/: RAM_STYLE honoured, multiplier style honoured, no latches."""

from __future__ import annotations

from pathlib import Path

import pytest
from resq.deploy.yosys import VhdlSource, YosysReport, estimate
from resq.hdlgen.ipvectors import DEFAULT_SHAPES, linear_case

CORES = Path(__file__).resolve().parents[2] / "cores"
PKG = VhdlSource(path=CORES / "resq_pkg" / "rtl" / "resq_pkg.vhd", library="resq")
BUFFER = [
    VhdlSource(path=CORES / "buffer" / "rtl" / name, library="resq")
    for name in ("resq_buffer_memory.vhd", "resq_buffer.vhd")
]
LINEAR = [PKG, VhdlSource(path=CORES / "linear" / "rtl" / "resq_linear.vhd", library="resq")]


def _estimate(sources: list[VhdlSource], top: str, generics: dict[str, int | str | bool],
              work: Path) -> YosysReport:  # fmt: skip
    report = estimate(sources, top, generics, work)
    assert report.latches == 0, report.cells
    return report


@pytest.mark.usefixtures("synthesis_tools")
@pytest.mark.parametrize("style", ["block", "distributed"])
def test_buffer_ram_style_is_honoured(tmp_path: Path, style: str) -> None:
    report = _estimate(BUFFER, "resq_buffer", {"DEPTH": 64, "WIDTH": 128, "RAM_STYLE": style},
                       tmp_path)  # fmt: skip
    if style == "block":
        assert report.resources.bram36 >= 1 and report.resources.lutram == 0, report.cells
    else:
        assert report.resources.bram36 == 0 and report.resources.lutram > 0, report.cells


@pytest.mark.usefixtures("synthesis_tools")
@pytest.mark.parametrize(("bits", "style"), [(8, "dsp"), (8, "lut"), (4, "dsp")])
def test_linear_multiplier_style_is_honoured_without_latches(
    tmp_path: Path, bits: int, style: str
) -> None:
    """The DSP count proves the datapath survived synthesis: at 4 bit it once did not, when
    GHDL wrote an arithmetic shift right as Verilog's logical `>>`."""
    shape: dict[str, int | str | bool] = {
        "ROWS": 24, "IN_FEATURES": 16, "OUT_FEATURES": 16, "INPUT_BITS": bits,
        "WEIGHT_BITS": bits, "OUTPUT_BITS": bits, "PAR": 4, "MULT_STYLE": style, "RELU": False,
    }  # fmt: skip
    report = _estimate(LINEAR, "resq_linear", linear_case(shape).generics, tmp_path)
    if style == "dsp":
        assert report.resources.dsp >= 4, report.cells
    else:
        assert report.resources.dsp == 0 and report.resources.lut > 4 * 64, report.cells


@pytest.mark.usefixtures("synthesis_tools")
def test_a_one_row_linear_synthesizes(tmp_path: Path) -> None:
    """A one-row tensor (the model's output) has one-value address ports, which GHDL writes as
    an empty Verilog constant."""
    shape = {**DEFAULT_SHAPES["linear"], "ROWS": 1, "IN_FEATURES": 16, "OUT_FEATURES": 1}
    report = _estimate(LINEAR, "resq_linear", linear_case(shape).generics, tmp_path)
    assert report.resources.dsp >= 1, report.cells
