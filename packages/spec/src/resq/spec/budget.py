"""The `budget` section: resource limits as absolute counts or percentages of the board."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema, model_serializer, model_validator
from resq.spec.base import SpecModel
from resq.spec.board import Board
from resq.spec.resources import RESOURCE_KINDS, Resources

_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")


class Limit(SpecModel):
    """A limit on one resource: `value` units, or `value` percent of the board when `percent`."""

    value: float = Field(ge=0, allow_inf_nan=False)
    percent: bool = False

    @model_validator(mode="after")
    def _within_the_board(self) -> Limit:
        if self.percent and self.value > 100:
            raise ValueError(f"{self.value:g}% is over 100% of the board (allowed: 0%..100%)")
        return self

    @model_serializer
    def _as_written(self) -> float | str:
        return f"{self.value:g}%" if self.percent else self.value

    def resolve(self, capacity: float) -> float:
        """The limit in units, given the board's capacity of that resource."""
        return capacity * self.value / 100 if self.percent else self.value


def _parse_limit(value: Any) -> Any:
    """Accept `6000`, `6000.0` or `"75%"` (at most 100%)."""
    if isinstance(value, Limit | dict):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected a number or a percentage such as '80%', got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value}")
        if value < 0:
            raise ValueError(f"limit {value} is negative")
        return Limit(value=value)
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match is None:
            raise ValueError(f"expected a number or a percentage such as '80%', got {value!r}")
        percent = float(match.group(1))
        if percent > 100:
            raise ValueError(f"{value!r} is over 100% of the board (allowed: 0%..100%)")
        return Limit(value=percent, percent=True)
    raise ValueError(f"expected a number or a percentage such as '80%', got {value!r}")


LimitValue = Annotated[
    Limit,
    BeforeValidator(_parse_limit),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^\s*(100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?)\s*%\s*$"},
            ]
        }
    ),
]

_FULL = Limit(value=100, percent=True)
ROUTABLE_LUT = Limit(value=90, percent=True)
"""The default LUT budget: 90 % of the part's LUTs (logic + LUT-RAM). Designs much above that
rarely place and route on a small part; `Resources.crowded` flags anything above 80 %."""


class BudgetSpec(SpecModel):
    """Resource and latency limits the chosen configuration must meet; default: the whole board."""

    lut: LimitValue = Field(
        ROUTABLE_LUT,
        description="all LUTs, logic + LUT-RAM (the fit rule): count or % of the board; "
        "default 90% as a routing margin",
    )
    lutram: LimitValue = Field(_FULL, description="LUTs as memory: count or % of the board")
    ff: LimitValue = Field(_FULL, description="flip-flops: count or % of the board")
    bram36: LimitValue = Field(_FULL, description="RAMB36 (RAMB18 = 0.5): count or % of the board")
    dsp: LimitValue = Field(_FULL, description="DSP48 slices: count or % of the board")
    latency_cycles: int | None = Field(
        None, ge=1, le=10**12, description="max clock cycles per inference"
    )
    latency_us: float | None = Field(None, gt=0, le=1e9, description="max time per inference, µs")

    @model_validator(mode="after")
    def _one_latency(self) -> BudgetSpec:
        if self.latency_cycles is not None and self.latency_us is not None:
            raise ValueError("give latency_cycles or latency_us, not both")
        return self

    def over_capacity(self, board: Board) -> list[tuple[str, str]]:
        """(field, message) for each absolute limit above what `board` offers."""
        problems = []
        for kind in RESOURCE_KINDS:
            limit: Limit = getattr(self, kind)
            capacity = getattr(board.capacity, kind)
            if not limit.percent and limit.value > capacity:
                problems.append(
                    (kind, f"{limit.value:g} is over the {capacity:g} of board {board.name!r}")
                )
        return problems

    def limits(self, board: Board, clock_mhz: float) -> Resources:
        """The limits in units for `board`; latency_us is converted at `clock_mhz` MHz."""
        cycles = self.latency_cycles
        if self.latency_us is not None:
            cycles = int(self.latency_us * clock_mhz)
        return Resources(
            **{
                kind: getattr(self, kind).resolve(getattr(board.capacity, kind))
                for kind in RESOURCE_KINDS
            },
            cycles=cycles,
        )
