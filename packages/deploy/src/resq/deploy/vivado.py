"""Vivado synthesis of a resq core's `synth` target, where `vivado` is on PATH.

The target writes a Vivado project for the board's part (generics as the core's Tcl of
`resq:tool:vivado` makes them: vectors as sized literals, out-of-context synthesis) and runs
synthesis only (`pnr: none`). Vivado then leaves the utilization report of the synthesized
design, `<top>_utilization_synth.rpt`, in the run folder; it is parsed into the one resource
vocabulary (resq.deploy.vivado_report), and so are the timing summary and power report that
the post-synthesis hook of `resq:tool:vivado` writes there (`resq_timing_synth.rpt`,
`resq_power_synth.rpt`). No Vivado exists on resq's build machines: tests use
a stand-in `vivado` on PATH that writes real report text.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field
from resq.deploy.fusesoc import run_target
from resq.deploy.route import Generic, Synthesis, SynthesisRoute, ToolError
from resq.deploy.vivado_report import Power, Timing, parse_power, parse_timing, parse_utilization
from resq.spec import Resources
from resq.spec.deploy import VivadoOptions
from resq.spec.tools import Tool

T = TypeVar("T")
REPORT_GLOB = "*_utilization_synth.rpt"
"""The report Vivado writes after `synth_design` in a project run."""
TIMING_REPORT = "resq_timing_synth.rpt"
POWER_REPORT = "resq_power_synth.rpt"
"""The reports cores/vivado/post_synth.tcl writes at the end of synth_1."""


class VivadoReport(BaseModel):
    """What Vivado synthesis of one core used, and how long it took."""

    model_config = ConfigDict(frozen=True)

    vlnv: str
    resources: Resources
    timing: Timing | None = Field(None, description="post-synthesis, at the XDC clock")
    power: Power | None = Field(None, description="post-synthesis, vectorless")
    seconds: float


VIVADO = Tool(
    executable="vivado",
    optional=True,
    purpose="Vivado synthesis, where installed",
    install_hint="install AMD Vivado (the free ML Standard edition covers the Spartan-7) and "
    "put its bin folder on PATH",
    version_args=("-version",),
    version_pattern=r"v20\d\d\.\d+",
)
"""Vivado: no Debian package has it; `vivado -version` prints e.g. `Vivado v2023.2 (64-bit)`."""

PROJECT_TIMEOUT_S = 600.0
"""Longest FuseSoC may take to write a Vivado project, in seconds."""


def synthesize_core(vlnv: str, roots: Sequence[Path], generics: Mapping[str, Generic],
                    timeout_s: float = 7200) -> VivadoReport:  # fmt: skip
    """Vivado synthesis of the `synth` target of `vlnv` with `generics`; ToolError when
    Vivado is missing or fails, or leaves no utilization report."""
    if not VIVADO.found():
        raise ToolError(f"vivado is not on PATH: {VIVADO.install_hint}")
    began = time.perf_counter()
    with run_target("synth", vlnv, roots, generics, timeout_s) as build:
        reports = sorted(build.rglob(REPORT_GLOB))
        if len(reports) != 1:
            raise ToolError(f"{vlnv}: Vivado synthesis left {len(reports)} utilization "
                            f"reports ({REPORT_GLOB}), expected one")  # fmt: skip
        resources = parse_utilization(_text(reports[0]), reports[0].name)
        timing = _parsed(build, TIMING_REPORT, parse_timing)
        power = _parsed(build, POWER_REPORT, parse_power)
    return VivadoReport(vlnv=vlnv, resources=resources, timing=timing, power=power,
                        seconds=time.perf_counter() - began)  # fmt: skip


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _parsed(build: Path, name: str, parse: Callable[[str, str], T]) -> T | None:
    """The report `name` under `build` parsed, None when the run wrote none (a project
    from before the hook); ToolError when it wrote several."""
    found = sorted(build.rglob(name))
    if len(found) > 1:
        raise ToolError(f"Vivado synthesis left {len(found)} files {name}, expected one")
    return parse(_text(found[0]), name) if found else None


class VivadoRoute(SynthesisRoute):
    """Vivado synthesis out of context through FuseSoC's `synth` target, where `vivado` is on
    PATH; its project is written everywhere, for a machine that has Vivado."""

    name = "vivado"
    title = "Vivado synthesis"
    tools = (VIVADO,)
    required = False
    options = VivadoOptions

    def synthesize(self, vlnv: str, roots: Sequence[Path], generics: Mapping[str, Generic],
                   timeout_s: float) -> Synthesis:  # fmt: skip
        done = synthesize_core(vlnv, roots, generics, timeout_s)
        return Synthesis(resources=done.resources, timing=done.timing, power=done.power,
                         seconds=done.seconds)  # fmt: skip

    def write_project(self, vlnv: str, roots: Sequence[Path], out: Path) -> Path | None:
        with run_target("synth", vlnv, roots, {}, PROJECT_TIMEOUT_S, setup_only=True) as build:
            projects = list(build.glob("*/synth-vivado"))
            if len(projects) != 1:
                raise ToolError(f"FuseSoC wrote {len(projects)} Vivado projects")
            shutil.copytree(projects[0], out)
        return out
