"""The `hardware` section: clock, buffer storage, parallelism and multiplier style."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema
from resq.spec.base import SpecModel
from resq.spec.components import ComponentName, Multiplier, Storage
from resq.spec.names import NodeName

StorageChoice = Storage | Literal["search"]
"""A storage style, or `search` to let the optimizer choose."""

MultiplierChoice = Multiplier | Literal["search"]
"""A multiplier style, or `search` to let the optimizer choose."""


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
    """How components are built: clock, output-buffer storage, MACs per cycle, multipliers."""

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
