"""IP vector cases: generics complete and consistent, outputs from the integer reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from resq.hdlgen.ipvectors import DEFAULT_SHAPES, linear_case, main
from resq.spec.integer.intops import requantize


def test_linear_case_rows_are_the_requantized_dot_products() -> None:
    shape = {**DEFAULT_SHAPES["linear"], "RELU": True, "OUTPUT_BITS": 4}
    case = linear_case(shape, samples=2, seed=3)
    g = case.generics
    n_in, n_out, rows = int(g["IN_FEATURES"]), int(g["OUT_FEATURES"]), int(g["ROWS"])
    weights = np.array([line.split() for line in case.lines[1 : 1 + n_out]], dtype=np.int64)
    biases = [int(b, 2) for b in case.lines[1 + n_out : 1 + 2 * n_out]]
    acc_bits = int(g["ACC_BITS"])
    biases = [b - (1 << acc_bits) if b >> (acc_bits - 1) else b for b in biases]
    first = 1 + 2 * n_out
    x = np.array(case.lines[first].split(), dtype=np.int64)
    y = np.array(case.lines[first + rows].split(), dtype=np.int64)
    acc = (x - int(g["INPUT_ZERO"])) @ (weights - int(g["WEIGHT_ZERO"])).T + biases
    expected = requantize(acc, int(g["MULTIPLIER"]), int(g["SHIFT"]), int(g["OUTPUT_ZERO"]),
                          int(g["OUTPUT_MIN"]), int(g["OUTPUT_MAX"]))  # fmt: skip
    assert np.array_equal(y, np.maximum(expected, int(g["OUTPUT_ZERO"])))
    assert len(case.lines) == 1 + 2 * n_out + 2 * 2 * rows
    assert n_in == weights.shape[1]


def test_outputs_spread_over_the_range_and_some_saturate() -> None:
    shape = {**DEFAULT_SHAPES["linear"], "ROWS": 24, "IN_FEATURES": 16, "OUT_FEATURES": 16}
    case = linear_case(shape, samples=4, seed=0)
    rows, n_out = 24, 16
    first = 1 + 2 * n_out
    ys = [
        int(v)
        for s in range(4)
        for line in case.lines[first + s * 2 * rows + rows : first + (s + 1) * 2 * rows]
        for v in line.split()
    ]
    assert len(set(ys)) > 64
    assert min(ys) == case.generics["OUTPUT_MIN"] or max(ys) == case.generics["OUTPUT_MAX"]


def test_cli_writes_the_file_and_rejects_unknown_generics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "v.txt"
    main(["linear", "--set", "PAR=2", "--out", str(out)])
    assert "--PAR=2" in capsys.readouterr().out
    assert out.read_text().startswith("4\n")
    with pytest.raises(SystemExit):
        main(["linear", "--set", "WIDTH=2", "--out", str(out)])
    assert "expected NAME=VALUE with NAME one of" in capsys.readouterr().err


def test_a_single_output_linear_keeps_two_weight_words() -> None:
    shape = {**DEFAULT_SHAPES["linear"], "IN_FEATURES": 16, "PAR": 16}
    assert linear_case({**shape, "OUT_FEATURES": 1}).generics["PAR"] == 8
    assert linear_case({**shape, "OUT_FEATURES": 4}).generics["PAR"] == 16
    assert linear_case({**shape, "IN_FEATURES": 1, "OUT_FEATURES": 1}).generics["PAR"] == 1
