"""Synthesis routes: one protocol for an external tool route that turns a FuseSoC core into the
one resource vocabulary (Yosys; Vivado; a third party's), one class per route, registered
under the entry-point group `resq.synthesis_routes`.

A route declares as data what the rest of resq needs to know about it: its tools (each with
its version probe and install hint, resq.spec.tools.Tool), whether a run needs it or uses it
only where it is installed (`required`), the spec options it reads (`options`), and the
version of what resq does around the tool (`flow_version`). The synthesize stage, the report
and the knowledge base's profiling call routes by the names the spec gives; none of them
branches on a tool's name.
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field
from resq.deploy.vivado_report import Power, Timing
from resq.spec import Resources, ResqError
from resq.spec.spec import LoadedSpec
from resq.spec.tools import Tool, missing, missing_message

ROUTE_GROUP = "resq.synthesis_routes"

Generic = int | str | bool


class ToolError(ResqError):
    """A synthesis tool is missing or failed; the message names the tool and its log."""


class Synthesis(BaseModel):
    """What one route measured of one design."""

    model_config = ConfigDict(frozen=True)

    resources: Resources
    timing: Timing | None = Field(None, description="at the design's clock, where the route times")
    power: Power | None = Field(None, description="on-chip power, where the route estimates it")
    seconds: float = Field(description="wall time of the route")


class SynthesisRoute(ABC):
    """An external synthesis tool route."""

    name: ClassVar[str]
    """The name a spec's `deploy.targets` and `spec kdb --route` use."""
    title: ClassVar[str]
    """How the report names its results, e.g. "Yosys synth_xilinx"."""
    tools: ClassVar[tuple[Tool, ...]]
    required: ClassVar[bool] = True
    """True: a run that names the route needs its tools (checked before it starts). False:
    it runs where its tools are installed; elsewhere it writes its project only."""
    options: ClassVar[type[BaseModel] | None] = None
    """The spec options the route's project takes (a section of `deploy`), if any."""
    flow_version: ClassVar[str | None] = None
    """Version of what resq does around the tools (part of `versions`)."""

    def versions(self) -> dict[str, str]:
        """Each tool's version (its probe) and `flow_version`: what a measurement depends
        on. ToolError when a tool is missing or its version cannot be read."""
        found = {} if self.flow_version is None else {"resq-flow": self.flow_version}
        try:
            return found | {tool.executable: tool.version() for tool in self.tools}
        except ResqError as e:  # missing, or an unreadable version
            raise ToolError(str(e)) from e

    def versions_or_missing(self) -> dict[str, str]:
        """`versions`, with `missing` for each tool that is not installed."""
        found = {} if self.flow_version is None else {"resq-flow": self.flow_version}
        return found | {tool.executable: tool.version_or_missing() for tool in self.tools}

    def unavailable(self) -> str | None:
        """Why the route cannot run here (its missing tools and how to install them), or None."""
        absent = missing(self.tools)
        return missing_message(absent, f"the {self.name} route") if absent else None

    @abstractmethod
    def synthesize(self, vlnv: str, roots: Sequence[Path], generics: Mapping[str, Generic],
                   timeout_s: float) -> Synthesis:  # fmt: skip
        """Synthesize core `vlnv` (core libraries `roots`) with `generics`; ToolError when a
        tool is missing or fails, or the run takes longer than `timeout_s` seconds."""

    def write_project(self, vlnv: str, roots: Sequence[Path], out: Path) -> Path | None:
        """Write the route's project for `vlnv` into `out` (for a machine that has the tool)
        and return it; None for a route without one."""
        return None


def synthesis_routes() -> dict[str, SynthesisRoute]:
    """Every installed route, by name. ToolError for an entry point that is not a route or
    is named differently from its route."""
    found: dict[str, SynthesisRoute] = {}
    for point in entry_points(group=ROUTE_GROUP):
        loaded = point.load()
        if not (isinstance(loaded, type) and issubclass(loaded, SynthesisRoute)):
            raise ToolError(f"entry point {point.name!r} of {ROUTE_GROUP} is not a SynthesisRoute")
        if loaded.name != point.name:
            raise ToolError(f"entry point {point.name!r} of {ROUTE_GROUP} names route "
                            f"{loaded.name!r}")  # fmt: skip
        found[point.name] = loaded()
    return dict(sorted(found.items()))


def synthesis_route(name: str) -> SynthesisRoute:
    """The installed route `name`; ToolError naming the installed ones."""
    routes = synthesis_routes()
    if name not in routes:
        raise ToolError(f"no synthesis route {name!r} is installed (installed: "
                        f"{', '.join(routes) or 'none'}; entry-point group {ROUTE_GROUP})")  # fmt: skip
    return routes[name]


SIMULATION = "sim"
"""The one target of `deploy.targets` that is not a synthesis route (the bit-exact gate)."""


def target_checks(loaded: LoadedSpec) -> tuple[list[str], list[str]]:
    """`spec validate`'s check of `deploy.targets` (entry point group resq.checks): each is
    `sim` or an installed synthesis route."""
    routes = [point.name for point in entry_points(group=ROUTE_GROUP)]
    errors = []
    for name in loaded.spec.deploy.targets:
        if name == SIMULATION or name in routes:
            continue
        near = difflib.get_close_matches(name, [SIMULATION, *routes], n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        errors.append(
            f"{loaded.path}: deploy.targets: {name!r} is neither {SIMULATION} nor an "
            f"installed synthesis route (installed: {', '.join(sorted(routes))}){hint}"
        )
    return errors, []
