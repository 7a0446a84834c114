"""GHDL simulation of a generated model through FuseSoC, and what its testbench reported."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict
from resq.hdlgen.mapping import HdlgenError
from resq.hdlgen.project import GeneratedModel
from resq.spec.atomic import write_text_atomic

_NODE = re.compile(r"node (\w+)\s+cycles=(\d+)")
_EXACT = re.compile(r"bit_exact=(\d+)/(\d+)")
_CYCLES = re.compile(r": cycles=(\d+) samples=")

LOG_FILE = "simulation.log"
"""What FuseSoC and the testbench printed, kept in the build root."""


class SimulationResult(BaseModel):
    """Outputs equal to the integer reference, cycles per inference and per node (last window)."""

    model_config = ConfigDict(frozen=True)

    format_version: Literal[1] = 1
    matches: int
    total: int
    cycles: int
    node_cycles: dict[str, int]
    passed: bool

    @property
    def bit_exact(self) -> str:
        """`matches/total`, as summary.json reports it."""
        return f"{self.matches}/{self.total}"


def parse_report(output: str, passed: bool) -> SimulationResult:
    """Read the testbench's report lines (`node … cycles=`, `bit_exact=`, `cycles=`)."""
    exact, cycles = _EXACT.search(output), _CYCLES.search(output)
    if exact is None or cycles is None:
        raise HdlgenError(f"the model testbench did not report its results:\n{output[-3000:]}")
    return SimulationResult(
        matches=int(exact.group(1)), total=int(exact.group(2)), cycles=int(cycles.group(1)),
        node_cycles={name: int(n) for name, n in _NODE.findall(output)}, passed=passed,
    )  # fmt: skip


def simulate(generated: GeneratedModel, cores: Path, build_root: Path,
             timeout_s: float = 3600.0) -> SimulationResult:  # fmt: skip
    """`fusesoc run --target sim` of the generated core with the IP library at `cores`; the
    output goes to `build_root/simulation.log`."""
    fusesoc = shutil.which("fusesoc")
    if fusesoc is None or shutil.which("ghdl") is None:
        raise HdlgenError("simulation needs fusesoc and ghdl on PATH (pip install fusesoc; "
                          "apt-get install ghdl)")  # fmt: skip
    command = [fusesoc, "--cores-root", str(cores), "--cores-root", str(generated.folder), "run",
               "--build-root", str(build_root), "--target", "sim", generated.vlnv]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    output = done.stdout + done.stderr
    write_text_atomic(build_root / LOG_FILE, output)
    if "bit_exact=" not in output:
        raise HdlgenError(f"simulation of {generated.vlnv} failed:\n{output[-4000:]}")
    return parse_report(output, passed=done.returncode == 0)
