"""DSP slices counted from the multiplies each IP builds, against every synthesized IP."""

from __future__ import annotations

import pytest
from resq.estimator.dsp import block_dsp, dsp48_slices
from resq.estimator.kdb import find_kdb, kdb_home, read_kdb
from resq.hdlgen.multipliers import ip_products


def test_the_count_equals_yosys_on_every_point_of_the_shipped_database() -> None:
    database = read_kdb(find_kdb(kdb_home(), "xc7"))
    assert len(database.entries) >= 700
    wrong = [(e.point.block, e.point.generics.get("PAR"), e.resources.dsp)
             for e in database.entries.values()
             if block_dsp(e.point.block, e.point.generics) != e.resources.dsp]  # fmt: skip
    assert wrong == []
    assert {e.resources.dsp for e in database.entries.values()} > {0, 1, 2, 17, 33, 49}


@pytest.mark.parametrize(("a", "b", "slices"), [
    (4, 4, 0),    # an 8-bit product stays in LUTs
    (4, 5, 1), (5, 4, 1), (1, 16, 0), (25, 18, 1), (18, 25, 1),
    (26, 16, 2),  # an 18 × 16 partial slice and the 9 × 16 rest
    (24, 19, 2),  # A × 18, then A × 2
    (60, 16, 4), (30, 30, 4), (3, 6, 1), (2, 16, 1),
])  # fmt: skip
def test_a_multiply_takes_slices_as_yosys_tiles_it(a: int, b: int, slices: int) -> None:
    # each case was checked on a registered signed multiply in Yosys 0.23 synth_xilinx
    assert dsp48_slices(a, b) == slices


def test_lut_multipliers_and_power_of_two_requantizers_take_no_slice() -> None:
    linear = {"PAR": 4, "INPUT_BITS": 8, "INPUT_ZERO": 0, "WEIGHT_BITS": 8, "WEIGHT_ZERO": 0,
              "ACC_BITS": 22, "MULTIPLIER": 20000, "MULT_STYLE": "dsp"}  # fmt: skip
    assert block_dsp("linear", linear) == 5
    assert block_dsp("linear", {**linear, "MULT_STYLE": "lut"}) == 0
    assert block_dsp("linear", {**linear, "MULTIPLIER": 16384}) == 4
    assert block_dsp("linear", {**linear, "INPUT_BITS": 4, "WEIGHT_BITS": 4}) == 1
    # a zero point widens the difference by one bit: 5 × 4 reaches the 9-bit product
    assert block_dsp("linear", {**linear, "INPUT_BITS": 4, "WEIGHT_BITS": 4,
                                "INPUT_ZERO": 3}) == 5  # fmt: skip
    assert block_dsp("rom", {"DEPTH": 4, "WIDTH": 8}) == 0
    assert ip_products("gap", {"PAR": 2, "ACC_BITS": 12, "MULTIPLIER": 20000}) != []
