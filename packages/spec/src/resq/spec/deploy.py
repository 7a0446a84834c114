"""The `deploy` section: what to build and check."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from resq.spec.base import SpecModel

Target = Literal["sim", "yosys", "vivado"]


def _default_targets() -> list[Target]:
    return ["sim", "yosys"]


class VivadoOptions(SpecModel):
    """Options of the Vivado project and build (run only where `vivado` is on PATH)."""

    part: str | None = Field(
        None,
        pattern=r"^x[ca]7[a-z][0-9]+t?[a-z]*[0-9]+-[0-9][A-Za-z]*$",
        description="part override (default: the board's)",
    )
    stop_after: Literal["synth", "impl", "bitstream"] = Field(
        "synth", description="last Vivado step to run"
    )
    jobs: int = Field(2, ge=1, le=64, description="parallel Vivado jobs")


class DeploySpec(SpecModel):
    """Targets to build, and how many test windows the bit-exact check simulates."""

    targets: list[Target] = Field(
        default_factory=_default_targets, description="sim, yosys and/or vivado"
    )
    test_windows: int = Field(
        200, ge=1, le=100_000, description="test windows compared bit for bit in simulation"
    )
    vivado: VivadoOptions = Field(default_factory=VivadoOptions)

    @field_validator("targets")
    @classmethod
    def _distinct(cls, value: list[Target]) -> list[Target]:
        if len(set(value)) != len(value):
            raise ValueError(f"targets {value} repeats a value")
        return value
