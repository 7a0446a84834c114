"""Vivado synthesis of a resq core's `synth` target, where `vivado` is on PATH.

The target writes a Vivado project for the board's part (generics as the core's Tcl of
`resq:tool:vivado` makes them: vectors as sized literals, out-of-context synthesis) and runs
synthesis only (`pnr: none`). Vivado then leaves the utilization report of the synthesized
design, `<top>_utilization_synth.rpt`, in the run folder; it is parsed into the one resource
vocabulary (resq.deploy.vivado_report). No Vivado exists on resq's build machines: tests use
a stand-in `vivado` on PATH that writes real report text.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from resq.deploy.fusesoc import Generic, run_target
from resq.deploy.vivado_report import parse_utilization
from resq.deploy.yosys import ToolError
from resq.spec import Resources

REPORT_GLOB = "*_utilization_synth.rpt"
"""The report Vivado writes after `synth_design` in a project run."""


class VivadoReport(BaseModel):
    """What Vivado synthesis of one core used, and how long it took."""

    model_config = ConfigDict(frozen=True)

    vlnv: str
    resources: Resources
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
        resources = parse_utilization(reports[0].read_text(encoding="utf-8", errors="replace"),
                                      str(reports[0].name))  # fmt: skip
    return VivadoReport(vlnv=vlnv, resources=resources, seconds=time.perf_counter() - began)
