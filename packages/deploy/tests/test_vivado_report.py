"""Vivado report text → resq: utilization (two Vivado generations), timing summary, power."""

from __future__ import annotations

from pathlib import Path

import pytest
from resq.deploy.vivado_report import (
    ReportError,
    parse_power,
    parse_timing,
    parse_utilization,
)
from resq.spec import Resources

DATA = Path(__file__).parent / "data"

ULTRASCALE = """
+----------------------------+-------+-------+------------+-----------+-------+
|          Site Type         |  Used | Fixed | Prohibited | Available | Util% |
+----------------------------+-------+-------+------------+-----------+-------+
| CLB LUTs                   | 63886 |     0 |          0 |   1182240 |  5.40 |
|   LUT as Logic             | 41242 |     0 |          0 |   1182240 |  3.49 |
|   LUT as Memory            | 22644 |     0 |          0 |    591840 |  3.83 |
| CLB Registers              | 44099 |     0 |          0 |   2364480 |  1.87 |
+----------------------------+-------+-------+------------+-----------+-------+
+-------------------+------+-------+------------+-----------+-------+
|     Site Type     | Used | Fixed | Prohibited | Available | Util% |
+-------------------+------+-------+------------+-----------+-------+
| Block RAM Tile    | 12.5 |     0 |          0 |      2160 |  0.58 |
+-------------------+------+-------+------------+-----------+-------+
+-----------+------+-------+------------+-----------+-------+
| Site Type | Used | Fixed | Prohibited | Available | Util% |
+-----------+------+-------+------------+-----------+-------+
| DSPs      |    3 |     0 |          0 |      6840 |  0.04 |
+-----------+------+-------+------------+-----------+-------+
"""


def test_a_2023_report_with_lut_ram_and_a_prohibited_column() -> None:
    text = (DATA / "utilization_2023_xc7s15.rpt").read_text()
    resources = parse_utilization(text)
    assert resources == Resources(lut=6151, lutram=761, ff=3650, bram36=2.5, dsp=17)
    assert resources.total_lut == 6912
    assert resources.fits(Resources(lut=8000, lutram=2400, ff=16000, bram36=10, dsp=20))
    assert not resources.fits(Resources(lut=0.85 * 8000, lutram=2400, ff=16000, bram36=10,
                                        dsp=20))  # fmt: skip


def test_a_2018_report_with_one_ramb18_counts_half_a_bram36() -> None:
    text = (DATA / "utilization_2018_xc7s15.rpt").read_text()
    assert parse_utilization(text) == Resources(lut=287, lutram=0, ff=201, bram36=0.5, dsp=4)


def test_ultrascale_names_clb_rows() -> None:
    assert parse_utilization(ULTRASCALE) == Resources(
        lut=41242, lutram=22644, ff=44099, bram36=12.5, dsp=3
    )


def test_a_missing_row_is_named() -> None:
    text = (DATA / "utilization_2023_xc7s15.rpt").read_text()
    cut = text[: text.rindex("3. DSP")]
    with pytest.raises(ReportError, match=r"top.rpt: no 'DSPs' row"):
        parse_utilization(cut, source="top.rpt")
    with pytest.raises(ReportError, match="report_utilization"):
        parse_utilization("Timing summary\nWNS 0.1\n")


def test_luts_that_do_not_add_up_are_refused() -> None:
    text = (DATA / "utilization_2023_xc7s15.rpt").read_text()
    broken = text.replace(
        "| Slice LUTs*                | 6912 |", "| Slice LUTs*                | 6999 |"
    )
    with pytest.raises(ReportError, match="6999 LUTs in all, but 6151 as logic"):
        parse_utilization(broken)


def test_the_timing_summary_gives_slack_clock_and_the_achievable_clock() -> None:
    timing = parse_timing((DATA / "timing_2023_xc7s15.rpt").read_text())
    assert (timing.wns_ns, timing.tns_ns, timing.whs_ns) == (1.873, 0.0, 0.112)
    assert (timing.clock, timing.period_ns, timing.met) == ("clk", 10.0, True)
    assert timing.fmax_mhz == pytest.approx(1000 / (10.0 - 1.873))


def test_a_failing_clock_has_a_negative_slack_and_a_slower_achievable_clock() -> None:
    text = (DATA / "timing_2023_xc7s15.rpt").read_text()
    failing = text.replace("      1.873        0.000                      0",
                           "     -2.514     -312.808                    187")  # fmt: skip
    timing = parse_timing(failing)
    assert (timing.wns_ns, timing.tns_ns, timing.met) == (-2.514, -312.808, False)
    assert timing.fmax_mhz == pytest.approx(1000 / 12.514)


def test_a_timing_report_without_a_clock_or_numbers_is_refused() -> None:
    text = (DATA / "timing_2023_xc7s15.rpt").read_text()
    with pytest.raises(ReportError, match=r"t\.rpt: no 'Design Timing Summary' section"):
        parse_timing((DATA / "power_2023_xc7s15.rpt").read_text(), "t.rpt")
    unconstrained = text.replace("      1.873        0.000                      0                 9853",
                                 "         NA           NA                     NA                   NA")  # fmt: skip
    with pytest.raises(ReportError, match=r"no row of numbers .*is a clock constrained"):
        parse_timing(unconstrained)
    no_clock = text.replace("clk    {0.000 5.000}        10.000          100.000", "")
    with pytest.raises(ReportError, match="Clock Summary names no clock"):
        parse_timing(no_clock)


def test_the_power_summary_gives_total_dynamic_static_and_confidence() -> None:
    power = parse_power((DATA / "power_2023_xc7s15.rpt").read_text())
    assert (power.total_w, power.dynamic_w, power.static_w) == (0.087, 0.029, 0.058)
    assert power.confidence == "Low"
    with pytest.raises(ReportError, match=r"p\.rpt: no 'Total On-Chip Power \(W\)' row"):
        parse_power((DATA / "timing_2023_xc7s15.rpt").read_text(), "p.rpt")
