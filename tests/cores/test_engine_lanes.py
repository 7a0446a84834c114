"""resq_engine_lanes in GHDL through FuseSoC against intref.matmul_int: every multiplier style
at 4 and 8 bit, odd lane counts (a packed pair short), one-product passes, passes back to
back; a corrupted sum fails; Yosys puts two packed 4-bit lanes in one DSP48E1."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from resq.deploy.yosys import VhdlSource, estimate
from resq.hdlgen.ipvectors import Generic, engine_lanes_case

Simulate = Callable[[str, list[str], Path], subprocess.CompletedProcess[str]]
CORES = Path(__file__).resolve().parents[2] / "cores"

SETTINGS: list[dict[str, Generic]] = [
    {"LANES": 16, "A_WIDTH": 5, "B_WIDTH": 5, "TERMS": 16, "MULT_STYLE": "packed"},
    {"LANES": 5, "A_WIDTH": 5, "B_WIDTH": 4, "TERMS": 1, "MULT_STYLE": "packed"},
    {"LANES": 3, "A_WIDTH": 9, "B_WIDTH": 9, "TERMS": 24, "MULT_STYLE": "dsp"},
    {"LANES": 4, "A_WIDTH": 9, "B_WIDTH": 5, "TERMS": 7, "MULT_STYLE": "lut"},
    {"LANES": 1, "A_WIDTH": 5, "B_WIDTH": 5, "TERMS": 2, "MULT_STYLE": "packed"},
]


def _run(shape: dict[str, Generic], tmp_path: Path, simulate: Simulate, corrupt: bool = False,
         passes: int = 5) -> subprocess.CompletedProcess[str]:  # fmt: skip
    case = engine_lanes_case(shape, passes, 7)
    lines = list(case.lines)
    if corrupt:
        values = lines[-1].split()
        values[-1] = str(int(values[-1]) ^ 1)
        lines[-1] = " ".join(values)
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("\n".join(lines) + "\n")
    return simulate("resq:ip:engine_lanes", [f"--VECTORS={vectors}", *case.fusesoc_args()],
                    tmp_path)  # fmt: skip


@pytest.mark.parametrize("shape", SETTINGS,
                         ids=lambda s: f"{s['MULT_STYLE']}-l{s['LANES']}-a{s['A_WIDTH']}-k{s['TERMS']}")  # fmt: skip
def test_the_lanes_equal_the_integer_reference(shape: dict[str, Generic], tmp_path: Path,
                                               simulate: Simulate) -> None:  # fmt: skip
    done = _run(shape, tmp_path, simulate)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "mismatches=0" in done.stdout and "PASSED" in done.stdout
    assert f"MULT_STYLE={shape['MULT_STYLE']} " in done.stdout
    cycles = int(re.findall(r"cycles=(\d+)", done.stdout)[-1])
    assert cycles == 5 * int(shape["TERMS"]) + 3, "one product per cycle, sums 3 cycles later"


def test_one_corrupted_sum_fails_the_run(tmp_path: Path, simulate: Simulate) -> None:
    done = _run(SETTINGS[0], tmp_path, simulate, corrupt=True)
    assert done.returncode != 0
    assert "MISMATCH sample 4 row 0" in done.stdout and "mismatches=1" in done.stdout


@pytest.mark.usefixtures("synthesis_tools")
def test_packed_lanes_take_one_dsp_per_pair(tmp_path: Path) -> None:
    sources = [VhdlSource(path=CORES / "resq_pkg" / "rtl" / "resq_pkg.vhd", library="resq"),
               VhdlSource(path=CORES / "engine_lanes" / "rtl" / "resq_engine_lanes.vhd",
                          library="resq")]  # fmt: skip
    shape: dict[str, Generic] = {"LANES": 5, "A_WIDTH": 5, "B_WIDTH": 5, "TERMS": 16,
                                 "MULT_STYLE": "packed"}  # fmt: skip
    generics = {k: v for k, v in engine_lanes_case(shape, 1, 0).generics.items() if k != "TERMS"}
    packed = estimate(sources, "resq_engine_lanes", generics, tmp_path / "packed")
    assert packed.resources.dsp == 3 and packed.latches == 0  # two pairs and the odd lane
    single = estimate(sources, "resq_engine_lanes", {**generics, "MULT_STYLE": "dsp"},
                      tmp_path / "dsp")  # fmt: skip
    assert single.resources.dsp == 5
