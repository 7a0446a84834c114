"""Vivado's report text → resq's vocabulary: `report_utilization` → `Resources`,
`report_timing_summary` → `Timing`, `report_power` → `Power`.

The report is a set of titled ASCII tables whose first column is "Site Type" and second
"Used"; Vivado 2019.2 and later add a "Prohibited" column, UltraScale parts say "CLB"
where 7-series parts say "Slice", and a trailing `*` marks a footnote. Rows read:

    Slice LUTs / CLB LUTs              all LUTs (logic + memory)
      LUT as Logic                     → Resources.lut
      LUT as Memory                    → Resources.lutram (distributed RAM + shift registers)
    Slice Registers / CLB Registers    → Resources.ff
    Block RAM Tile                     → Resources.bram36 (a RAMB18 counts 0.5, as Vivado does)
    DSPs                               → Resources.dsp

A report without one of these rows, or whose numbers do not add up (Slice LUTs ≠ logic +
memory), is refused with a `ReportError` that says which row.

Timing: the first row of numbers under "Design Timing Summary" (WNS, TNS, …, in ns) and the
first clock of "Clock Summary" (period in ns); the achievable clock is 1000 / (period − WNS)
MHz. Power: the "Summary" table's Total On-Chip, Dynamic and Device Static power (W) and its
Confidence Level.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, computed_field
from resq.spec import Resources, ResqError

ROWS: dict[str, tuple[str, ...]] = {
    "total_lut": ("Slice LUTs", "CLB LUTs"),
    "lut": ("LUT as Logic",),
    "lutram": ("LUT as Memory",),
    "ff": ("Slice Registers", "CLB Registers"),
    "bram36": ("Block RAM Tile",),
    "dsp": ("DSPs",),
}
"""Field → the Site Type names that report it (7-series first, then UltraScale)."""

_ROW = re.compile(r"^\|\s*(?P<site>[^|]*?)\s*\|\s*(?P<used>[^|]*?)\s*\|")


class ReportError(ResqError):
    """A utilization report that lacks a row resq needs or contradicts itself."""


def _used(text: str) -> dict[str, float]:
    """Site Type (footnote `*` removed) → Used, for the first occurrence of each site in
    tables whose header is "Site Type | Used"."""
    used: dict[str, float] = {}
    in_table = False
    for line in text.splitlines():
        match = _ROW.match(line.strip())
        if match is None:
            if not line.strip().startswith("+"):
                in_table = False
            continue
        site, value = match["site"].rstrip("*").strip(), match["used"]
        if site == "Site Type":
            in_table = value == "Used"
            continue
        if in_table and site not in used:
            try:
                used[site] = float(value)
            except ValueError:
                continue
    return used


def parse_utilization(text: str, source: str = "report") -> Resources:
    """Resources of the design in a `report_utilization` text; `source` names it in errors."""
    used = _used(text)
    values: dict[str, float] = {}
    for field, names in ROWS.items():
        found = [used[name] for name in names if name in used]
        if not found:
            raise ReportError(
                f"{source}: no '{names[0]}' row in a 'Site Type | Used' table; "
                "is this the text of report_utilization?"
            )
        values[field] = found[0]
    if abs(values["total_lut"] - values["lut"] - values["lutram"]) > 0.5:
        raise ReportError(
            f"{source}: {values['total_lut']:g} LUTs in all, but {values['lut']:g} as logic + "
            f"{values['lutram']:g} as memory"
        )
    return Resources(lut=values["lut"], lutram=values["lutram"], ff=values["ff"],
                     bram36=values["bram36"], dsp=values["dsp"])  # fmt: skip


class Timing(BaseModel):
    """Setup timing of a design against its clock, from report_timing_summary."""

    model_config = ConfigDict(frozen=True)

    wns_ns: float = Field(description="worst negative slack, ns (< 0: the clock is not met)")
    tns_ns: float = Field(description="total negative slack, ns (≤ 0)")
    whs_ns: float = Field(description="worst hold slack, ns")
    clock: str = Field(description="the first clock of the Clock Summary")
    period_ns: float = Field(gt=0, description="its period, ns")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def met(self) -> bool:
        """Setup and hold met at the constrained clock."""
        return self.wns_ns >= 0 and self.whs_ns >= 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fmax_mhz(self) -> float:
        """The fastest clock the worst path allows: 1000 / (period − WNS), MHz."""
        return 1000.0 / (self.period_ns - self.wns_ns)


class Power(BaseModel):
    """On-chip power of a design, from report_power (an estimate; see `confidence`)."""

    model_config = ConfigDict(frozen=True)

    total_w: float = Field(ge=0, description="total on-chip power, W")
    dynamic_w: float = Field(ge=0, description="dynamic power, W")
    static_w: float = Field(ge=0, description="device static power, W")
    confidence: str = Field(description="Vivado's confidence level: Low, Medium or High")


_NUMBER = r"-?\d+(?:\.\d+)?"
_SUMMARY_ROW = re.compile(rf"^\s*({_NUMBER})\s+({_NUMBER})\s+\d+\s+\d+\s+({_NUMBER})\s")
_CLOCK_ROW = re.compile(rf"^(\S+)\s+\{{[^}}]*\}}\s+({_NUMBER})\s+({_NUMBER})")


def _section(text: str, title: str, source: str, command: str) -> list[str]:
    """The lines after the `| <title>` banner of a report."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == f"| {title}"]
    if not starts:
        raise ReportError(f"{source}: no '{title}' section; is this the text of {command}?")
    return lines[starts[0] + 1 :]


def parse_timing(text: str, source: str = "report") -> Timing:
    """Timing of the design in a `report_timing_summary` text; `source` names it in errors."""
    command = "report_timing_summary"
    summary = next((m for line in _section(text, "Design Timing Summary", source, command)
                    if (m := _SUMMARY_ROW.match(line))), None)  # fmt: skip
    if summary is None:
        raise ReportError(f"{source}: the Design Timing Summary has no row of numbers (is a "
                          "clock constrained? Vivado writes NA without one)")  # fmt: skip
    clock = next((m for line in _section(text, "Clock Summary", source, command)
                  if (m := _CLOCK_ROW.match(line.strip()))), None)  # fmt: skip
    if clock is None:
        raise ReportError(f"{source}: the Clock Summary names no clock; the XDC defines none")
    return Timing(wns_ns=float(summary[1]), tns_ns=float(summary[2]), whs_ns=float(summary[3]),
                  clock=clock[1], period_ns=float(clock[2]))  # fmt: skip


_POWER_ROWS = {"total_w": "Total On-Chip Power (W)", "dynamic_w": "Dynamic (W)",
               "static_w": "Device Static (W)", "confidence": "Confidence Level"}  # fmt: skip


def parse_power(text: str, source: str = "report") -> Power:
    """On-chip power in a `report_power` text; `source` names it in errors."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2:
            continue
        for field, name in _POWER_ROWS.items():
            if cells[0] == name and field not in values:
                values[field] = cells[1]
    missing = [name for field, name in _POWER_ROWS.items() if field not in values]
    if missing:
        raise ReportError(f"{source}: no '{missing[0]}' row; is this the text of report_power?")
    try:  # a number, sometimes followed by a remark such as "(Junction temp exceeded!)"
        watts = {
            f: float(values[f].split()[0].lstrip("<")) for f in _POWER_ROWS if f != "confidence"
        }
    except (ValueError, IndexError) as e:
        raise ReportError(f"{source}: a power row is not a number: {values}") from e
    return Power(**watts, confidence=values["confidence"])
