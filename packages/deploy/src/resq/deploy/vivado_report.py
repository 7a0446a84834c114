"""Vivado's `report_utilization` text → `Resources` (the one resource vocabulary).

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
"""

from __future__ import annotations

import re

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
