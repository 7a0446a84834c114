"""The `hardware` section: architecture, clock, buffer storage, parallelism and multiplier
style."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from resq.spec.base import SpecModel
from resq.spec.components import ComponentName, Multiplier, Storage
from resq.spec.names import NodeName

StorageChoice = Storage | Literal["search"]
"""A storage style, or `search` to let the optimizer choose."""

MultiplierChoice = Multiplier | Literal["search"]
"""A multiplier style, or `search` to let the optimizer choose."""

Architecture = Literal["dataflow", "engine"]
"""`dataflow`: every node its own IP, run one after another; `engine`: one shared datapath
(docs/engine.md) that runs every node in turn."""

ArchitectureChoice = Literal["dataflow", "engine", "search"]
"""An architecture, or `search` (until the search chooses it, issue [5/7]: `dataflow`)."""


def _parse_parallelism(value: Any) -> Any:
    """Accept a positive whole number of MACs per cycle, or the string `search`."""
    if value == "search":
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected MACs per cycle (1..64) or 'search', got {value!r}")
    if not 1 <= value <= 64:
        raise ValueError(f"parallelism {value} is out of range 1..64")
    return value


Parallelism = Annotated[
    int | Literal["search"],
    BeforeValidator(_parse_parallelism),
    WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 64}, {"const": "search"}]}
    ),
]
"""MACs per cycle of a component (1..64), or `search`."""


class ComponentHardware(SpecModel):
    """Hardware overrides for one component; a field left out takes the section's default."""

    storage: StorageChoice | None = None
    parallelism: Parallelism | None = None
    multiplier: MultiplierChoice | None = None


class HardwareSpec(SpecModel):
    """How components are built: architecture, clock, output-buffer storage, MACs per cycle,
    multipliers. Under `architecture: engine`, `parallelism` is the engine's lanes (a power
    of two), `multiplier` its multiplier style and `storage` its tensor memory's."""

    architecture: ArchitectureChoice = Field(
        "dataflow", description="dataflow (one IP per node), engine (one shared datapath) or search"
    )
    clock_mhz: float | None = Field(
        None, gt=0, le=1000, description="accelerator clock, MHz (default: the board's)"
    )
    storage: StorageChoice = Field(
        "auto", description="output buffers: block, distributed, auto (tool decides) or search"
    )
    parallelism: Parallelism = Field(1, description="MACs per cycle (1..64) or search")
    multiplier: MultiplierChoice = Field("dsp", description="multiplies in dsp or lut, or search")
    components: dict[ComponentName, ComponentHardware] = Field(
        default_factory=dict, description="overrides by component name"
    )
    nodes: dict[NodeName, ComponentHardware] = Field(
        default_factory=dict,
        description="overrides by node name (e.g. l0_mha_attention), over the component's",
    )

    @field_validator("parallelism")
    @classmethod
    def _engine_lanes(cls, lanes: int | str, info: ValidationInfo) -> int | str:
        if info.data.get("architecture") == "engine" and isinstance(lanes, int) \
                and lanes & (lanes - 1):  # fmt: skip
            raise ValueError(
                f"parallelism {lanes}: under architecture engine it is the engine's lanes, a "
                "power of two (1, 2, 4, 8, 16, 32 or 64)"
            )
        return lanes

    @model_validator(mode="after")
    def _engine_is_given(self) -> HardwareSpec:
        """The engine has one hardware choice and the search does not make it yet."""
        if self.architecture != "engine":
            return self
        searched = [
            f for f in ("storage", "parallelism", "multiplier") if getattr(self, f) == "search"
        ]
        if searched:
            raise ValueError(
                f"architecture engine: {', '.join(searched)} cannot be search yet (the search "
                "chooses dataflow hardware only, issue [5/7]); give the engine's lanes "
                "(parallelism), multiplier and storage"
            )
        if self.components or self.nodes:
            raise ValueError(
                "architecture engine: components and nodes overrides do not apply (one "
                "datapath runs every node); set parallelism, multiplier and storage"
            )
        return self

    def searched(self) -> list[str]:
        """The fields (as `hardware.…` paths) set to `search`."""
        places = [("", self)] + [(f"components.{c}.", o) for c, o in self.components.items()]
        places += [(f"nodes.{n}.", o) for n, o in self.nodes.items()]
        return [
            f"hardware.{where}{field}"
            for where, choice in places
            for field in ("storage", "parallelism", "multiplier")
            if getattr(choice, field) == "search"
        ]
