"""resq_engine (cores/engine) in GHDL through FuseSoC, its own testbench and vectors: a small
calibrated model (tests/engine/make_core_vectors.py) equals the integer reference on every
window; a corrupted expected output fails the run naming its window; a watchdog too short
for one window stops it. Whole models on the engine: tests/engine/test_rtl.py."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

Simulate = Callable[[str, list[str], Path], subprocess.CompletedProcess[str]]
TB = Path(__file__).resolve().parents[2] / "cores" / "engine" / "tb"


def _vectors(tmp_path: Path, corrupt: bool) -> Path:
    lines = (TB / "vectors.txt").read_text().splitlines()
    if corrupt:
        rows = (len(lines) - 1) // int(lines[0]) - 1  # input rows per window
        last = 1 + 3 * (rows + 1) + rows  # the expected output of window 3
        lines[last] = str(int(lines[last]) ^ 1)
    path = tmp_path / "vectors.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_engine_core_equals_the_integer_reference(tmp_path: Path, simulate: Simulate) -> None:
    done = simulate("resq:ip:engine", [f"--VECTORS={_vectors(tmp_path, False)}"], tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "bit_exact=8/8" in done.stdout and "PASSED" in done.stdout
    assert "LANES=4" in done.stdout


def test_a_corrupted_output_fails_naming_its_window(tmp_path: Path, simulate: Simulate) -> None:
    done = simulate("resq:ip:engine", [f"--VECTORS={_vectors(tmp_path, True)}"], tmp_path)
    assert done.returncode != 0
    assert "MISMATCH sample 3 row 0" in done.stdout and "mismatches=1" in done.stdout


def test_the_watchdog_stops_a_window_that_runs_too_long(tmp_path: Path, simulate: Simulate) -> None:
    done = simulate("resq:ip:engine", [f"--VECTORS={_vectors(tmp_path, False)}",
                                       "--MAX_CYCLES=500"], tmp_path)  # fmt: skip
    assert done.returncode != 0
    assert "watchdog: window 0 did not finish within MAX_CYCLES=500" in done.stdout + done.stderr
    assert re.search(r"node \d+ running", done.stdout + done.stderr)
