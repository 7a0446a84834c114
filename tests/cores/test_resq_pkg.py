"""cores/resq_pkg in GHDL against resq.qat.intops.requantize, including a corrupted vector."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from resq.qat.intops import requantize

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "cores" / "resq_pkg"
ACC_BITS = 48


def _ghdl() -> str:
    found = shutil.which("ghdl")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("ghdl must be installed in CI (.ci/run installs it)")
        pytest.skip("ghdl is not installed (outside CI)")
    return found


EDGES = [
    (1, 1 << 14, 15, 0, -127, 127),  # +0.5 rounds up to 1
    (-1, 1 << 14, 15, 0, -127, 127),  # -0.5 rounds up to 0
    (-3, 1 << 14, 15, 0, -127, 127),  # -1.5 rounds up to -1
    ((1 << 47) - 1, (1 << 15) - 1, 1, 3, -8, 7),  # saturates high
    (-(1 << 47), (1 << 15) - 1, 1, -3, -8, 7),  # saturates low
    (0, 1 << 14, 62, -128, -128, 127),  # zero point at the range end
]


def _line(acc: int, multiplier: int, shift: int, zero_point: int, low: int, high: int) -> str:
    y = int(requantize(np.array(acc), multiplier, shift, zero_point, low, high))
    bits = format(acc & ((1 << ACC_BITS) - 1), f"0{ACC_BITS}b")
    return f"{bits} {multiplier} {shift} {zero_point} {low} {high} {y}"


def _vectors(rng: np.random.Generator, count: int) -> list[str]:
    """The edge cases, then random accumulators, multipliers, shifts and output ranges."""
    lines = [_line(*edge) for edge in EDGES]
    while len(lines) < count:
        half = 1 << int(rng.integers(1, 16))
        low, high = int(rng.choice([-half, -half + 1])), half - 1
        acc_bits = int(rng.integers(2, ACC_BITS + 1))
        acc = int(rng.integers(-(1 << (acc_bits - 1)), 1 << (acc_bits - 1)))
        multiplier = int(rng.integers(1 << 14, 1 << 15))
        shift = int(rng.integers(1, 60))
        lines.append(_line(acc, multiplier, shift, int(rng.integers(low, high + 1)), low, high))
    return lines


def _simulate(ghdl: str, work: Path, vectors: Path) -> subprocess.CompletedProcess[str]:
    flags = ["--std=08", f"--workdir={work}", f"-P{work}"]
    for source, library in (
        (CORE / "rtl" / "resq_pkg.vhd", "resq"),
        (CORE / "tb" / "resq_pkg_tb.vhd", "resq"),
    ):
        subprocess.run([ghdl, "-a", *flags, f"--work={library}", str(source)], check=True, cwd=work)
    subprocess.run([ghdl, "-e", *flags, "--work=resq", "resq_pkg_tb"], check=True, cwd=work)
    return subprocess.run(
        [ghdl, "-r", *flags, "--work=resq", "resq_pkg_tb", f"-gVECTORS_g={vectors}"],
        capture_output=True, text=True, cwd=work, timeout=300,
    )  # fmt: skip


def test_requantize_in_vhdl_equals_the_integer_reference(tmp_path: Path) -> None:
    ghdl = _ghdl()
    vectors = tmp_path / "vectors.txt"
    lines = _vectors(np.random.default_rng(2026), 2000)
    vectors.write_text("\n".join(lines) + "\n")
    done = _simulate(ghdl, tmp_path, vectors)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2000 vectors passed" in done.stdout + done.stderr

    expected = int(lines[17].rsplit(" ", 1)[1])
    lines[17] = lines[17].rsplit(" ", 1)[0] + f" {expected + 1}"
    vectors.write_text("\n".join(lines) + "\n")
    corrupted = _simulate(ghdl, tmp_path, vectors)
    assert corrupted.returncode != 0
    assert "vector 17: got" in corrupted.stdout + corrupted.stderr
