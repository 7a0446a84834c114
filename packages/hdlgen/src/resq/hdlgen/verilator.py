"""The generated model's netlist simulated by Verilator: every test window, in seconds.

GHDL's RTL simulation runs a few windows per second on the airu model; the netlist GHDL
synthesizes from the same VHDL (`ghdl synth --out=verilog`, repaired by
resq.hdlgen.netlist: the Verilog Yosys synthesizes) compiled by Verilator runs about a
hundred times faster. `netlist_simulation` builds it in the GHDL work folder of an RTL
simulation (resq.hdlgen.simulation.prepare) with the generated C++ testbench
(`<entity>_tb.cpp`, the VHDL testbench's twin) and runs one simulation per core over
consecutive chunks of the test windows. It checks what the synthesis flow reads against the
integer reference, so a flow that misreads the design fails here, not silently in Yosys.
"""

from __future__ import annotations

import os
import shutil

from resq.hdlgen.mapping import HdlgenError
from resq.hdlgen.netlist import netlist_fixes
from resq.hdlgen.project import GeneratedModel
from resq.hdlgen.simulation import SimulationResult, Work, run_chunks
from resq.spec.atomic import write_text_atomic
from resq.spec.processes import run_group
from resq.spec.tools import VERILATOR


def verilator_available() -> bool:
    """True when `verilator` is on PATH."""
    return VERILATOR.found()


def netlist_simulation(generated: GeneratedModel, work: Work, timeout_s: float,
                       jobs: int | None = None) -> SimulationResult:  # fmt: skip
    """Synthesize the model with GHDL in `work`, compile the netlist and its testbench with
    Verilator, and simulate every window of the vector file with `jobs` simulations side by
    side (default: one per CPU). Raises HdlgenError when a step fails."""
    if not verilator_available():
        raise HdlgenError("the netlist simulation needs verilator (apt-get install verilator)")
    testbench = generated.folder / f"{generated.entity}_tb.cpp"
    if not testbench.is_file():
        raise HdlgenError(f"{testbench} is missing: generate the model again")
    folder = work.folder / "verilator"
    folder.mkdir(exist_ok=True)
    synth = run_group(["ghdl", "synth", *work.ghdl_options, "--out=verilog", generated.entity],
                      work.folder, work.env, timeout_s)  # fmt: skip
    if synth.returncode != 0:
        raise HdlgenError(f"ghdl synth of {generated.entity} failed:\n{synth.output[-4000:]}")
    verilog = synth.output[synth.output.find("module ") :]
    write_text_atomic(folder / f"{generated.entity}.v", netlist_fixes(verilog))
    shutil.copyfile(testbench, folder / testbench.name)
    command = ["verilator", "--cc", "--exe", "--build", "-j", str(os.cpu_count() or 1), "-O3",
               "--x-assign", "fast", "--x-initial", "fast", "-Wno-fatal", "-Wno-lint",
               "-Wno-style", "--top-module", generated.entity, f"{generated.entity}.v",
               testbench.name, "-o", "Vtb"]  # fmt: skip
    built = run_group(command, folder, work.env, timeout_s)
    write_text_atomic(folder / "verilator.log", built.output)
    if built.returncode != 0:
        raise HdlgenError(f"verilator could not build {generated.entity}:\n{built.output[-4000:]}")
    program = str(folder / "obj_dir" / "Vtb")
    return run_chunks((work.folder / "vectors.txt").read_text(), jobs, folder,
                      lambda vectors: [program, vectors], work, timeout_s,
                      folder / "simulation.log",
                      f"the netlist simulation of {generated.entity}")  # fmt: skip
