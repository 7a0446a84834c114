"""cores/resq_pkg in GHDL against resq.spec.integer.intops.requantize, including a corrupted vector."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from resq.spec.integer.intops import requantize

Simulate = Callable[[str, list[str], Path], subprocess.CompletedProcess[str]]

ACC_BITS = 48


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


@pytest.mark.parametrize("style", ["dsp", "lut"])
def test_requantize_in_vhdl_equals_the_integer_reference(
    tmp_path: Path, style: str, simulate: Simulate
) -> None:
    vectors = tmp_path / "vectors.txt"
    lines = _vectors(np.random.default_rng(2026), 2000)
    vectors.write_text("\n".join(lines) + "\n")
    args = [f"--VECTORS={vectors}", f"--MULT_STYLE={style}"]
    done = simulate("resq:ip:pkg", args, tmp_path / "pass")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"MULT_STYLE={style} " in done.stdout
    assert "2000 vectors passed" in done.stdout

    expected = int(lines[17].rsplit(" ", 1)[1])
    lines[17] = lines[17].rsplit(" ", 1)[0] + f" {expected + 1}"
    vectors.write_text("\n".join(lines) + "\n")
    corrupted = simulate("resq:ip:pkg", args, tmp_path / "fail")
    assert corrupted.returncode != 0
    assert "vector 17: got" in corrupted.stdout + corrupted.stderr
