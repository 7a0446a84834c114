"""resq:ip:linear in GHDL through FuseSoC against resq.spec.integer.intref.linear_int."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from resq.hdlgen.cycles import ip_cycles
from resq.hdlgen.ipvectors import Generic, linear_case

Simulate = Callable[[str, list[str], Path], subprocess.CompletedProcess[str]]

AIRU = {"ROWS": 24, "IN_FEATURES": 16, "OUT_FEATURES": 16, "RELU": False}

SETTINGS = [
    {**AIRU, "INPUT_BITS": 8, "WEIGHT_BITS": 8, "OUTPUT_BITS": 8, "PAR": 1, "MULT_STYLE": "dsp"},
    {**AIRU, "INPUT_BITS": 8, "WEIGHT_BITS": 8, "OUTPUT_BITS": 8, "PAR": 16, "MULT_STYLE": "lut"},
    {**AIRU, "INPUT_BITS": 6, "WEIGHT_BITS": 6, "OUTPUT_BITS": 6, "PAR": 5, "MULT_STYLE": "dsp"},
    {**AIRU, "INPUT_BITS": 4, "WEIGHT_BITS": 4, "OUTPUT_BITS": 4, "PAR": 4, "MULT_STYLE": "lut"},
    {**AIRU, "IN_FEATURES": 7, "INPUT_BITS": 8, "WEIGHT_BITS": 4, "OUTPUT_BITS": 6, "PAR": 7,
     "MULT_STYLE": "lut"},
    {**AIRU, "OUT_FEATURES": 64, "RELU": True, "INPUT_BITS": 4, "WEIGHT_BITS": 4,
     "OUTPUT_BITS": 4, "PAR": 8, "MULT_STYLE": "dsp"},
]  # fmt: skip


def _cycles(output: str) -> int:
    found = re.search(r"cycles=(\d+)", output)
    assert found is not None, output
    return int(found.group(1))


@pytest.mark.parametrize("shape", SETTINGS, ids=lambda s: "b{INPUT_BITS}-par{PAR}-{MULT_STYLE}"
                         "-in{IN_FEATURES}-out{OUT_FEATURES}".format(**s))  # fmt: skip
def test_linear_equals_the_integer_reference(
    tmp_path: Path, shape: dict[str, Generic], simulate: Simulate
) -> None:
    case = linear_case(shape, samples=3, seed=7)
    vectors = tmp_path / "vectors.txt"
    vectors.write_text(case.text())
    done = simulate("resq:ip:linear", [f"--VECTORS={vectors}", *case.fusesoc_args()], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mismatches=0" in done.stdout and "PASSED" in done.stdout
    assert f"PAR={shape['PAR']} " in done.stdout
    assert f"MULT_STYLE={shape['MULT_STYLE']} " in done.stdout
    assert _cycles(done.stdout) == ip_cycles("linear", case.generics)


def test_one_corrupted_vector_fails_the_run(tmp_path: Path, simulate: Simulate) -> None:
    case = linear_case(SETTINGS[3], samples=2, seed=7)
    lines = case.lines
    rows, n_out = int(SETTINGS[3]["ROWS"]), int(SETTINGS[3]["OUT_FEATURES"])
    last_y = len(lines) - 1
    values = lines[last_y].split()
    values[n_out // 2] = str(int(values[n_out // 2]) ^ 1)
    lines = [*lines[:last_y], " ".join(values)]
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("\n".join(lines) + "\n")
    done = simulate("resq:ip:linear", [f"--VECTORS={vectors}", *case.fusesoc_args()], tmp_path)
    assert done.returncode != 0
    assert f"MISMATCH sample 1 row {rows - 1}: got" in done.stdout
    assert "mismatches=1" in done.stdout
