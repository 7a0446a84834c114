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
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field
from resq.deploy.fusesoc import Generic, run_target
from resq.deploy.vivado_report import Power, Timing, parse_power, parse_timing, parse_utilization
from resq.deploy.yosys import ToolError
from resq.spec import Resources

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


def vivado_version() -> str:
    """The version word of `vivado -version` (e.g. `v2023.2`); ToolError without Vivado."""
    found = shutil.which("vivado")
    if found is None:
        raise ToolError("vivado is not on PATH: the Vivado route needs an installed Vivado")
    done = subprocess.run([found, "-version"], capture_output=True, text=True, timeout=120)
    words = done.stdout.split()
    version = next((w for w in words if w.startswith("v20")), None)
    if done.returncode != 0 or version is None:
        raise ToolError(f"cannot read the version of vivado from {done.stdout[:200]!r}")
    return version


def synthesize_core(vlnv: str, roots: Sequence[Path], generics: Mapping[str, Generic],
                    timeout_s: float = 7200) -> VivadoReport:  # fmt: skip
    """Vivado synthesis of the `synth` target of `vlnv` with `generics`; ToolError when
    Vivado is missing or fails, or leaves no utilization report."""
    vivado_version()
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
