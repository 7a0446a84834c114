"""`Resources`: the one resource vocabulary of resq (estimates, Yosys and Vivado results, budgets).

The fit rule (architecture contract 2): distributed RAM and shift registers occupy LUTs of
SLICEM slices, so a design fits a part when

    lut + lutram ≤ capacity.lut,  lutram ≤ capacity.lutram,  ff, bram36, dsp ≤ capacity's

where a design's `lut` counts logic LUTs only and a capacity's (or a budget's) `lut` counts
every LUT of the part, as the datasheet and Vivado's "Slice LUTs" do.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

RESOURCE_KINDS: tuple[str, ...] = ("lut", "lutram", "ff", "bram36", "dsp")
"""The area resources; `cycles` is latency and is compared separately."""

CROWDED = 0.80
"""Utilisation (0..1) above which place-and-route and timing closure get unlikely: reports
flag every resource above it."""


class Resources(BaseModel):
    """FPGA resources of a design, or capacities of a part, or limits of a budget.

    In a design, `lut` counts logic LUTs only (LUT1..LUT6) and `lutram` the LUTs used as
    memory or shift registers; in a capacity or a limit, `lut` counts all LUTs (logic and
    memory) and `lutram` how many of them may be memory. `bram36` counts RAMB36 blocks with a
    RAMB18 as 0.5; `cycles` is the latency of one inference in clock cycles (None when
    unknown or not applicable).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    lut: float = Field(0, ge=0, description="logic LUTs (LUT1..LUT6); of a part: all LUTs")
    lutram: float = Field(0, ge=0, description="LUTs used as distributed RAM or SRL")
    ff: float = Field(0, ge=0, description="flip-flops")
    bram36: float = Field(0, ge=0, description="RAMB36 blocks; a RAMB18 counts 0.5")
    dsp: float = Field(0, ge=0, description="DSP48 slices")
    cycles: int | None = Field(None, ge=0, description="clock cycles per inference")
    fmax_mhz: float | None = Field(None, gt=0, description="maximum clock frequency, MHz")

    @property
    def total_lut(self) -> float:
        """All LUTs a design occupies: logic plus memory (Vivado's "Slice LUTs")."""
        return self.lut + self.lutram

    def __add__(self, other: Resources) -> Resources:
        """Resources of two blocks placed side by side; cycles add (they run one after another)."""
        cycles = None if self.cycles is None or other.cycles is None else self.cycles + other.cycles
        fmax = [f for f in (self.fmax_mhz, other.fmax_mhz) if f is not None]
        return Resources(
            **{kind: getattr(self, kind) + getattr(other, kind) for kind in RESOURCE_KINDS},
            cycles=cycles,
            fmax_mhz=min(fmax) if fmax else None,
        )

    def usage(self) -> dict[str, float]:
        """What this design takes of each budgeted resource: `lut` is logic + LUT-RAM."""
        used = {kind: float(getattr(self, kind)) for kind in RESOURCE_KINDS}
        used["lut"] = self.total_lut
        return used

    def utilisation(self, capacity: Resources) -> dict[str, float]:
        """Fraction (0..) of `capacity` used per area resource, by the fit rule; a resource
        the part lacks counts 0 when unused and infinite when used."""
        fractions = {}
        for kind, used in self.usage().items():
            offered = float(getattr(capacity, kind))
            fractions[kind] = used / offered if offered else (float("inf") if used else 0.0)
        return fractions

    def slack(self, limits: Resources) -> dict[str, float]:
        """Limit minus usage per area resource (negative: over), and `cycles` when both are
        known."""
        slack = {kind: float(getattr(limits, kind)) - used for kind, used in self.usage().items()}
        if self.cycles is not None and limits.cycles is not None:
            slack["cycles"] = float(limits.cycles - self.cycles)
        return slack

    def exceeded(self, limits: Resources) -> list[str]:
        """Names of the resources above `limits` by the fit rule (`lut` when logic + LUT-RAM
        exceed the LUT limit), and `cycles` when both are known."""
        return [kind for kind, left in self.slack(limits).items() if left < 0]

    def fits(self, limits: Resources) -> bool:
        """True when nothing exceeds `limits` by the fit rule."""
        return not self.exceeded(limits)

    def crowded(self, capacity: Resources, threshold: float = CROWDED) -> list[str]:
        """Area resources above `threshold` (0..1) of `capacity`: likely to fail
        place-and-route or timing even when they fit."""
        return [kind for kind, used in self.utilisation(capacity).items() if used > threshold]


NODE_ESTIMATES_FILE = "node_estimates.json"
"""The file of the `estimate` stage's artifact that the report reads (`NodeEstimates`)."""


class NodeEstimates(BaseModel):
    """Each node's resources as estimated for the deployed design, or why there are none:
    what the `estimate` stage hands to the report."""

    model_config = ConfigDict(frozen=True)

    source: str = Field(description="what estimated them (knowledge base) or why none")
    nodes: dict[str, Resources] = Field(default_factory=dict)
