"""The `deploy` section: what to build and check."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PlainValidator, StringConstraints, field_validator
from resq.spec.base import SpecModel, distinct
from resq.spec.board import PartName

Target = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
"""`sim` (simulation, the bit-exact gate) or the name of a synthesis route (yosys, vivado, or a
plug-in's: resq.deploy.route); `spec validate` checks that the route is installed."""


def _default_targets() -> list[Target]:
    return ["sim", "yosys"]


MAX_TEST_WINDOWS = 1_000_000


def _test_windows(value: object) -> int | Literal["all"]:
    if value == "all":
        return "all"
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_TEST_WINDOWS:
        return value
    raise ValueError(f"expected a whole number of windows from 1 to {MAX_TEST_WINDOWS:,}, or all")


TestWindows = Annotated[int | Literal["all"],
                        PlainValidator(_test_windows, json_schema_input_type=int | Literal["all"])]  # fmt: skip
"""A number of test windows, or `all` of the test split."""


class VivadoOptions(SpecModel):
    """Options of the Vivado project and build (run only where `vivado` is on PATH)."""

    part: PartName | None = Field(None, description="part override (default: the board's)")
    stop_after: Literal["synth", "impl", "bitstream"] = Field(
        "synth",
        description="last Vivado step to run; synth (out of context) until boards give pins",
    )
    jobs: int = Field(2, ge=1, le=64, description="parallel Vivado jobs")

    @field_validator("stop_after")
    @classmethod
    def _synthesis_only(cls, step: str) -> str:
        if step != "synth":
            raise ValueError(
                f"{step} needs the board's pin constraints, which no board file gives yet; "
                "the Vivado project synthesizes the model out of context: use synth"
            )
        return step


class DeploySpec(SpecModel):
    """Targets to build, and how many test windows the bit-exact check simulates."""

    targets: list[Target] = Field(
        default_factory=_default_targets,
        min_length=1,
        description="sim and the synthesis routes (yosys, vivado)",
    )
    test_windows: TestWindows = Field(
        200,
        description="test windows compared bit for bit in simulation (the first N of "
        "the test split, or all of it)",
    )

    def windows(self, available: int) -> int:
        """How many of `available` test windows to simulate."""
        return available if self.test_windows == "all" else min(self.test_windows, available)

    rtl_windows: int = Field(
        64,
        ge=1,
        le=MAX_TEST_WINDOWS,
        description="of the test windows, how many the RTL "
        "(GHDL) simulates when Verilator simulates the netlist on all of them",
    )
    vivado: VivadoOptions = Field(default_factory=VivadoOptions)

    @field_validator("targets")
    @classmethod
    def _distinct(cls, value: list[Target]) -> list[Target]:
        return distinct(value)
