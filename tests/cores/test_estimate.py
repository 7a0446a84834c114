"""Yosys estimates of cores/: RAM_STYLE honoured, multiplier style honoured, no latches."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

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
    """One DSP48E1 per 8-bit MAC and one for the requantization (GHDL's signed multiplies
    reach Yosys as `$signed`); Yosys maps 4-bit products to LUTs itself. The LUT count proves
    the 4-bit datapath survived: it once did not, when GHDL wrote an arithmetic shift right
    as Verilog's logical `>>`."""
    shape: dict[str, int | str | bool] = {
        "ROWS": 24, "IN_FEATURES": 16, "OUT_FEATURES": 16, "INPUT_BITS": bits,
        "WEIGHT_BITS": bits, "OUTPUT_BITS": bits, "PAR": 4, "MULT_STYLE": style, "RELU": False,
    }  # fmt: skip
    report = _estimate(LINEAR, "resq_linear", linear_case(shape).generics, tmp_path)
    if style == "lut":
        assert report.resources.dsp == 0 and report.resources.lut > 4 * 64, report.cells
    elif bits == 8:
        assert report.resources.dsp == 4 + 1, report.cells
    else:
        assert report.resources.dsp == 1 and report.resources.lut > 200, report.cells


@pytest.mark.usefixtures("synthesis_tools")
def test_a_one_row_linear_synthesizes(tmp_path: Path) -> None:
    """A one-row tensor (the model's output) has one-value address ports, which GHDL writes as
    an empty Verilog constant."""
    shape = {**DEFAULT_SHAPES["linear"], "ROWS": 1, "IN_FEATURES": 16, "OUT_FEATURES": 1}
    report = _estimate(LINEAR, "resq_linear", linear_case(shape).generics, tmp_path)
    assert report.resources.dsp >= 1, report.cells


def _estimate_target(vlnv: str, args: list[str], build_root: Path) -> dict[str, Any]:
    command = ["fusesoc", "--cores-root", str(CORES), "run", "--build-root", str(build_root),
               "--target", "estimate", vlnv, *args]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = list(build_root.rglob("*.resources.json"))
    assert len(found) == 1, found
    report: dict[str, Any] = json.loads(found[0].read_text())
    assert report["latches"] == 0, report["cells"]
    return report


@pytest.mark.usefixtures("synthesis_tools")
@pytest.mark.parametrize(
    "ip",
    ["linear", "add", "batchnorm", "gap", "attention", "relu", "buffer", "rom"],
)  # fmt: skip
def test_every_ip_has_an_estimate_target(tmp_path: Path, ip: str) -> None:
    report = _estimate_target(f"resq:ip:{ip}", [], tmp_path)
    r = report["resources"]
    assert report["top"] == f"resq_{ip}" and r["lut"] + r["lutram"] + r["ff"] > 0, report


@pytest.mark.usefixtures("synthesis_tools")
def test_the_estimate_target_takes_generics_from_the_command_line(tmp_path: Path) -> None:
    report = _estimate_target("resq:ip:linear", ["--PAR=2", "--MULT_STYLE=lut"], tmp_path)
    assert report["generics"]["PAR"] == 2 and report["generics"]["MULT_STYLE"] == "lut"
    assert report["resources"]["dsp"] == 0, report["cells"]
