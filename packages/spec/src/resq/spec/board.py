"""`Board`: an FPGA board file from boards/ (part, capacities, clock)."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator
from resq.spec.base import SpecModel
from resq.spec.names import Name
from resq.spec.resources import Resources

PartName = Annotated[
    str, StringConstraints(pattern=r"^x[ca]7[a-z][0-9]+t?[a-z]*[0-9]+-[0-9][A-Za-z]*$")
]
"""A Xilinx 7-series part name as Vivado expects it, e.g. xc7s15ftgb196-2."""


class Board(SpecModel):
    """A board and the FPGA part it carries; capacities come from the vendor datasheet."""

    name: Name = Field(description="board identifier, equal to the file name without .yaml")
    title: str = Field(description="human-readable board name")
    vendor: str = Field(description="board maker")
    part: PartName = Field(
        description="full Xilinx part name as Vivado expects it, e.g. xc7s15ftgb196-2"
    )
    family: str = Field(pattern=r"^[a-z0-9]+$", description="device family, e.g. spartan7")
    clock_mhz: float = Field(gt=0, le=1000, description="default accelerator clock, MHz")
    capacity: Resources = Field(description="what the part offers (cycles unused)")
    source: str = Field(description="where the figures come from (datasheet and table)")

    @field_validator("capacity")
    @classmethod
    def _a_real_part(cls, capacity: Resources) -> Resources:
        for kind in ("lut", "lutram", "ff", "bram36", "dsp"):
            value = float(getattr(capacity, kind))
            if not math.isfinite(value) or (kind in ("lut", "ff") and value <= 0):
                raise ValueError(f"{kind} is {value:g}: a part has a finite number of each "
                                 "resource, and some LUTs and flip-flops")  # fmt: skip
        return capacity
