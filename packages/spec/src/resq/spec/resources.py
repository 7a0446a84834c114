"""`Resources`: the one resource vocabulary of resq (estimates, Yosys and Vivado results, budgets)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

RESOURCE_KINDS: tuple[str, ...] = ("lut", "lutram", "ff", "bram36", "dsp")
"""The area resources; `cycles` is latency and is compared separately."""


class Resources(BaseModel):
    """FPGA resources of a design, or capacities of a part, or limits of a budget.

    `lut` counts logic LUTs only (LUT1..LUT6); `lutram` counts LUTs used as memory or
    shift registers; `bram36` counts RAMB36 blocks with a RAMB18 as 0.5; `cycles` is the
    latency of one inference in clock cycles (None when unknown or not applicable).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    lut: float = Field(0, ge=0, description="logic LUTs (LUT1..LUT6)")
    lutram: float = Field(0, ge=0, description="LUTs used as distributed RAM or SRL")
    ff: float = Field(0, ge=0, description="flip-flops")
    bram36: float = Field(0, ge=0, description="RAMB36 blocks; a RAMB18 counts 0.5")
    dsp: float = Field(0, ge=0, description="DSP48 slices")
    cycles: int | None = Field(None, ge=0, description="clock cycles per inference")
    fmax_mhz: float | None = Field(None, gt=0, description="maximum clock frequency, MHz")

    def __add__(self, other: Resources) -> Resources:
        """Resources of two blocks placed side by side; cycles add (they run one after another)."""
        cycles = None if self.cycles is None or other.cycles is None else self.cycles + other.cycles
        fmax = [f for f in (self.fmax_mhz, other.fmax_mhz) if f is not None]
        return Resources(
            **{kind: getattr(self, kind) + getattr(other, kind) for kind in RESOURCE_KINDS},
            cycles=cycles,
            fmax_mhz=min(fmax) if fmax else None,
        )

    def exceeded(self, limits: Resources) -> list[str]:
        """Names of the area resources (and `cycles`, when both are known) above `limits`."""
        over = [kind for kind in RESOURCE_KINDS if getattr(self, kind) > getattr(limits, kind)]
        if self.cycles is not None and limits.cycles is not None and self.cycles > limits.cycles:
            over.append("cycles")
        return over

    def fits(self, limits: Resources) -> bool:
        """True when no resource exceeds `limits`."""
        return not self.exceeded(limits)
