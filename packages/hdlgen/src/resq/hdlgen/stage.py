"""The `generate` and `simulate` stages of `spec run`.

generate — artifact: `model/` (the VHDL top, its constants package, a self-checking
testbench, `vectors.txt` with `deploy.test_windows` windows of the test split and their
integer-reference outputs, an XDC with the clock, and the core `resq:model:<name>`),
`config.json` (the BitConfig it was built from: the spec's, `spec run --config FILE`, or,
when the spec leaves hardware to the search, the candidates stage's chosen one, with its
IntModel)
and `generated.json` (entity, VLNV, files, each node's hardware).

simulate — artifact: `simulation.json`: per simulation (`rtl`: GHDL on the VHDL; `netlist`:
Verilator on GHDL's netlist of it, the Verilog Yosys synthesizes) the outputs equal to the
integer reference and the cycles per inference and per node. The netlist runs every test
window and the RTL the first `deploy.rtl_windows`, each one simulation per core. The builds go to the stage's
scratch folder. The stage fails unless every output is identical and both take the same
cycles: a design that is not bit-exact must not be built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from resq.hdlgen.cores import cores_digest, cores_root
from resq.hdlgen.mapping import HdlgenError
from resq.hdlgen.project import GeneratedModel, Target, generate
from resq.hdlgen.simulation import (
    LOG_FILE,
    SimulationResult,
    ghdl_backend,
    prepare,
    rtl_simulation,
)
from resq.hdlgen.verilator import netlist_simulation
from resq.spec import BitConfig, StageError
from resq.spec.atomic import write_json_atomic
from resq.spec.data import load_windows
from resq.spec.integer.intmodel import load_intmodel
from resq.spec.integer.intref import quantize_input
from resq.spec.progress import status
from resq.spec.spec import LoadedSpec
from resq.spec.stage import CHOSEN, Stage, StageContext, distribution_version
from resq.spec.tools import CXX, GHDL, GHDL_LLVM, MAKE, VERILATOR

MODEL_FOLDER = "model"
SIMULATION_FILE = "simulation.json"
TIMEOUT_S = 6 * 3600.0
"""Longest one simulation step may take, in seconds."""
GENERATED_FILE = "generated.json"
CONFIG_FILE = "config.json"


class GenerateStage(Stage):
    """IntModel + the spec's hardware section → a simulatable FuseSoC model project."""

    name = "generate"
    inputs = ("train",)
    after = ("candidates",)
    sections = ("name", "dataset", "manifest", "hardware", "config", "board", "deploy")

    def versions(self) -> dict[str, str]:
        return {
            "resq-hdlgen": distribution_version("resq-hdlgen"),
            "cores": cores_digest(cores_root()),
        }

    def upstream(self, loaded: LoadedSpec) -> tuple[str, ...]:
        """The chosen candidate's, when the spec leaves hardware to the search."""
        if loaded.search_skipped() is None:
            return ("train", "candidates")
        return ("train",)

    def run(self, context: StageContext) -> dict[str, Any]:
        loaded = context.loaded
        spec = loaded.spec
        if loaded.manifest is None:
            raise StageError("the generate stage needs a dataset manifest for its test windows")
        if "candidates" in context.inputs:  # the search's most accurate configuration
            chosen = context.inputs["candidates"] / CHOSEN
            config = BitConfig.model_validate_json((chosen / CONFIG_FILE).read_bytes())
            model, arrays = load_intmodel(chosen)
        else:
            config = loaded.bit_config()
            model, arrays = load_intmodel(context.inputs["train"])
        test = load_windows(spec.dataset, loaded.manifest).test
        windows = spec.deploy.windows(len(test.x))
        q_in = quantize_input(test.x[:windows], model.tensors[model.input].qparams)
        target = Target.of(loaded)
        try:
            generated = generate(spec.name, model, arrays, config, q_in,
                                 context.out_dir / MODEL_FOLDER, target)  # fmt: skip
        except HdlgenError as e:
            raise StageError(str(e)) from e
        write_json_atomic(context.out_dir / CONFIG_FILE, config.model_dump(mode="json"))
        relative = generated.model_copy(update={"folder": Path(MODEL_FOLDER)})
        write_json_atomic(context.out_dir / GENERATED_FILE, relative.model_dump(mode="json"))
        return {
            "vlnv": generated.vlnv,
            "entity": generated.entity,
            "test_windows": windows,
            "architecture": generated.architecture,
            "nodes": {n: c.model_dump(mode="json") for n, c in generated.nodes.items()},
        }


def load_generated(artifact: Path) -> GeneratedModel:
    """The GeneratedModel of a finished generate artifact, with its folder where it is now."""
    stored = GeneratedModel.model_validate_json((artifact / GENERATED_FILE).read_bytes())
    return stored.model_copy(update={"folder": artifact / stored.folder})


class SimulateStage(Stage):
    """GHDL and Verilator simulations of the generated model on the test windows: the
    bit-exact gate."""

    name = "simulate"
    inputs = ("generate",)
    tools = (GHDL, GHDL_LLVM, VERILATOR, MAKE, CXX)

    def versions(self) -> dict[str, str]:
        return {
            "resq-hdlgen": distribution_version("resq-hdlgen"),
            "cores": cores_digest(cores_root()),
            "fusesoc": distribution_version("fusesoc"),
            "ghdl": GHDL.version_or_missing(),
            "verilator": VERILATOR.version_or_missing(),
            "artifact": "2",  # 2: rtl and netlist results
        }

    def run(self, context: StageContext) -> dict[str, Any]:
        generated = load_generated(context.inputs["generate"])
        deploy = context.loaded.spec.deploy
        build = context.scratch_dir / "build"
        rtl_windows = min(deploy.rtl_windows, generated.samples)
        try:
            with status(f"GHDL: analysing {generated.vlnv}"):
                work = prepare(generated, cores_root(), build, TIMEOUT_S)
            with status(f"GHDL: RTL simulation of {rtl_windows} windows "
                                 f"({ghdl_backend()}, one per core)"):  # fmt: skip
                rtl = rtl_simulation(generated, work, rtl_windows, TIMEOUT_S)
            _bit_exact(rtl, "RTL (GHDL)", build / LOG_FILE)
            with status(f"Verilator: netlist simulation of {generated.samples} "
                                 "windows"):  # fmt: skip
                checked = netlist_simulation(generated, work, TIMEOUT_S)
            _bit_exact(checked, "netlist (Verilator)", work.folder / "verilator")
            if checked.cycles != rtl.cycles:
                raise StageError(f"the netlist takes {checked.cycles} cycles per window, "
                                 f"the RTL {rtl.cycles}")  # fmt: skip
        except HdlgenError as e:
            raise StageError(str(e)) from e
        result = {"rtl": rtl.model_dump(mode="json"), "netlist": checked.model_dump(mode="json")}
        write_json_atomic(context.out_dir / SIMULATION_FILE, result)
        return {
            "bit_exact": checked.bit_exact,
            "rtl_bit_exact": rtl.bit_exact,
            "netlist_bit_exact": checked.bit_exact,
            "cycles": checked.cycles,
            "latency_us": round(checked.cycles / context.loaded.clock_mhz, 3),
        }


def _bit_exact(result: SimulationResult, what: str, logs: Path) -> None:
    if not result.passed or result.matches != result.total:
        raise StageError(
            f"the generated model is not bit-exact in the {what} simulation: {result.bit_exact} "
            f"outputs equal the integer reference; each mismatch is named in {logs}"
        )
