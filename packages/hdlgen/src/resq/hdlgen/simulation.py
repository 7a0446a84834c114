"""GHDL simulation of a generated model through FuseSoC, and what its testbench reported."""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

import numpy as np
from pydantic import BaseModel, ConfigDict
from resq.hdlgen.cores import fusesoc_command
from resq.hdlgen.mapping import HdlgenError
from resq.hdlgen.project import GeneratedModel
from resq.spec.atomic import write_text_atomic
from resq.spec.processes import run_group, run_groups
from resq.spec.tools import GHDL, MAKE, ToolMissingError, require

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


Backend = Literal["mcode", "llvm", "gcc"]


def ghdl_backend() -> Backend:
    """The GHDL code generator to simulate with: `RESQ_GHDL_BACKEND` when set, else LLVM or
    GCC when installed beside GHDL (compiled, several times faster than mcode on long runs),
    else mcode."""
    chosen = os.environ.get("RESQ_GHDL_BACKEND")
    if chosen is not None:
        if chosen not in ("mcode", "llvm", "gcc"):
            raise HdlgenError(f"RESQ_GHDL_BACKEND={chosen!r}: expected mcode, llvm or gcc")
        return cast(Backend, chosen)
    ghdl = shutil.which("ghdl")
    folder = Path(ghdl).parent if ghdl else None
    compiled: tuple[Backend, ...] = ("llvm", "gcc")
    for backend in compiled:
        if folder is not None and (folder / f"ghdl-{backend}").is_file():
            return backend
    return "mcode"


def split_vectors(text: str, parts: int, first: int | None = None) -> list[str]:
    """The testbench's vector file `text` (vectors_text), or its `first` windows, as at
    most `parts` files of consecutive windows, in order, each with its own count."""
    lines = text.splitlines()
    total = int(lines[0])
    if total == 0:
        return [text]
    per_window = (len(lines) - 1) // total
    count = total if first is None else min(first, total)
    chunks = []
    bounds = np.linspace(0, count, min(parts, count) + 1).round().astype(int)
    for begin, end in itertools.pairwise(bounds):
        body = lines[1 + begin * per_window : 1 + end * per_window]
        chunks.append("\n".join([str(end - begin), *body]) + "\n")
    return chunks


def merge_results(parts: list[SimulationResult]) -> SimulationResult:
    """One result of consecutive chunks of windows: matches and windows summed, cycles of
    the last window."""
    last = parts[-1]
    return SimulationResult(
        matches=sum(p.matches for p in parts), total=sum(p.total for p in parts),
        cycles=last.cycles, node_cycles=last.node_cycles, passed=all(p.passed for p in parts),
    )  # fmt: skip


@dataclass(frozen=True)
class Work:
    """A GHDL work folder of a generated model's `sim` target, analysed and elaborated."""

    build_root: Path
    folder: Path
    env: dict[str, str]
    toplevel: str
    ghdl_options: list[str]
    log: str


def prepare(generated: GeneratedModel, cores: Path, build_root: Path,
            timeout_s: float = 3600.0) -> Work:  # fmt: skip
    """Set up the generated core's `sim` target with the IP library at `cores` in
    `build_root` (FuseSoC) and analyse it once (GHDL backend `ghdl_backend()`)."""
    try:
        require([GHDL, MAKE], "the RTL simulation")
    except ToolMissingError as e:
        raise HdlgenError(str(e)) from e
    env = {**os.environ, "GHDL_BACKEND": ghdl_backend()}
    command = [*fusesoc_command(), "--cores-root", str(cores), "--cores-root", str(generated.folder), "run",
               "--build-root", str(build_root), "--target", "sim", "--setup", "--build",
               generated.vlnv]  # fmt: skip
    build_root.mkdir(parents=True, exist_ok=True)
    built = run_group(command, build_root, env, timeout_s)
    if built.returncode != 0:
        write_text_atomic(build_root / LOG_FILE, built.output)
        raise HdlgenError(f"elaboration of {generated.vlnv} failed:\n{built.output[-4000:]}")
    folder = _work_dir(build_root)
    makefile = folder / "Makefile"
    toplevel = _make_variable(makefile, "TOPLEVEL")
    made = run_group(["make", "-s", toplevel], folder, env, timeout_s)  # ghdl -m: analyse once
    if made.returncode != 0:
        write_text_atomic(build_root / LOG_FILE, built.output + made.output)
        raise HdlgenError(f"elaboration of {generated.vlnv} failed:\n{made.output[-4000:]}")
    options = " ".join(_make_variable(makefile, name)
                       for name in ("STD", "ANALYZE_OPTIONS", "TOPLEVEL_LIBS")).split()  # fmt: skip
    return Work(build_root, folder, env, toplevel, options, built.output + made.output)


def rtl_simulation(generated: GeneratedModel, work: Work, windows: int | None = None,
                   timeout_s: float = 3600.0, jobs: int | None = None) -> SimulationResult:  # fmt: skip
    """GHDL simulations of the first `windows` test windows (default: all), `jobs` side by
    side (default: one per CPU) over consecutive chunks. Every simulator is stopped when
    this one is interrupted or times out."""
    text = (work.folder / "vectors.txt").read_text()
    if windows is not None:
        text = split_vectors(text, 1, windows)[0]
    return run_chunks(
        text, jobs, work.folder, lambda vectors: ["make", "-s", "-o", work.toplevel, "run",
                                                  f"EXTRA_OPTIONS=-gVECTORS={vectors}"],
        work, timeout_s, work.build_root / LOG_FILE, f"simulation of {generated.vlnv}",
    )  # fmt: skip


def run_chunks(text: str, jobs: int | None, folder: Path, command: Callable[[str], list[str]],
               work: Work, timeout_s: float, log: Path, what: str) -> SimulationResult:  # fmt: skip
    """Split the vector file `text` into `jobs` files in `folder` (default: one per CPU),
    run `command(file name)` for each side by side, write what they printed to `log` and
    return their merged report; HdlgenError when one reported nothing."""
    chunks = split_vectors(text, jobs or os.cpu_count() or 1)
    for k, chunk in enumerate(chunks):
        write_text_atomic(folder / f"vectors-{k}.txt", chunk)
    outputs = run_groups([command(f"vectors-{k}.txt") for k in range(len(chunks))], folder,
                         work.env, timeout_s)  # fmt: skip
    write_text_atomic(log, work.log + "".join(o.output for o in outputs))
    for done in outputs:
        if "bit_exact=" not in done.output:
            raise HdlgenError(f"{what} failed:\n{done.output[-4000:]}")
    return merge_results([parse_report(o.output, passed=o.returncode == 0) for o in outputs])


def simulate(generated: GeneratedModel, cores: Path, build_root: Path,
             timeout_s: float = 3600.0, jobs: int | None = None) -> SimulationResult:  # fmt: skip
    """`prepare`, then `rtl_simulation` of every test window; what the simulators printed
    goes to `build_root/simulation.log`."""
    work = prepare(generated, cores, build_root, timeout_s)
    return rtl_simulation(generated, work, None, timeout_s, jobs)


def _work_dir(build_root: Path) -> Path:
    found = [p.parent for p in build_root.glob("*/sim-ghdl/Makefile")]
    if len(found) != 1:
        raise HdlgenError(f"expected one GHDL work folder in {build_root}, found {len(found)}")
    return found[0]


def _make_variable(makefile: Path, name: str) -> str:
    for line in makefile.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == name:
            return value.strip()
    raise HdlgenError(f"{makefile} sets no {name}")
