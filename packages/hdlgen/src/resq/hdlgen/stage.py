"""The `generate` and `simulate` stages of `spec run`.

generate — artifact: `model/` (the VHDL top, its constants package, a self-checking
testbench, `vectors.txt` with `deploy.test_windows` windows of the test split and their
integer-reference outputs, and the core `resq:model:<name>`), `plan.json` (the
HardwarePlan) and `generated.json` (entity, VLNV, files).

simulate — artifact: `simulation.json` (outputs equal to the integer reference, cycles per
inference and per node). The GHDL build goes to the stage's scratch folder. The stage fails
unless every output is identical: a design that is not bit-exact must not be built.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from resq.hdlgen.cores import cores_digest, cores_root
from resq.hdlgen.model import HardwarePlan
from resq.hdlgen.project import GeneratedModel, generate
from resq.hdlgen.simulation import LOG_FILE, simulate
from resq.qat.data import load_windows
from resq.qat.intmodel import load_intmodel
from resq.qat.intref import quantize_input
from resq.spec import StageError
from resq.spec.atomic import write_json_atomic
from resq.spec.stage import Stage, StageContext, distribution_version
from rich.console import Console

MODEL_FOLDER = "model"
GENERATED_FILE = "generated.json"


def _ghdl_version() -> str:
    ghdl = shutil.which("ghdl")
    if ghdl is None:
        return "missing"
    done = subprocess.run([ghdl, "--version"], capture_output=True, text=True)
    return done.stdout.splitlines()[0] if done.stdout else "unknown"


class GenerateStage(Stage):
    """IntModel + the spec's hardware section → a simulatable FuseSoC model project."""

    name = "generate"
    inputs = ("train",)
    sections = ("name", "dataset", "manifest", "hardware", "deploy")

    def versions(self) -> dict[str, str]:
        return {
            "resq-hdlgen": distribution_version("resq-hdlgen"),
            "cores": cores_digest(cores_root()),
        }

    def run(self, context: StageContext) -> dict[str, Any]:
        loaded = context.loaded
        spec = loaded.spec
        if loaded.manifest is None:
            raise StageError("the generate stage needs a dataset manifest for its test windows")
        model, arrays = load_intmodel(context.inputs["train"])
        plan = HardwarePlan.from_spec(spec.hardware, model)
        test = load_windows(spec.dataset, loaded.manifest).test
        windows = min(spec.deploy.test_windows, len(test.x))
        q_in = quantize_input(test.x[:windows], model.tensors[model.input].qparams)
        generated = generate(spec.name, model, arrays, plan, q_in, context.out_dir / MODEL_FOLDER)
        write_json_atomic(context.out_dir / "plan.json", plan.model_dump(mode="json"))
        relative = generated.model_copy(update={"folder": Path(MODEL_FOLDER)})
        write_json_atomic(context.out_dir / GENERATED_FILE, relative.model_dump(mode="json"))
        return {
            "vlnv": generated.vlnv,
            "entity": generated.entity,
            "test_windows": windows,
            "parallelism": plan.par,
            "multiplier": plan.mult_style,
            "storage": plan.ram_style,
        }


def load_generated(artifact: Path) -> GeneratedModel:
    """The GeneratedModel of a finished generate artifact, with its folder where it is now."""
    stored = GeneratedModel.model_validate_json((artifact / GENERATED_FILE).read_bytes())
    return stored.model_copy(update={"folder": artifact / stored.folder})


class SimulateStage(Stage):
    """GHDL simulation of the generated model on the test windows: the bit-exact gate."""

    name = "simulate"
    inputs = ("generate",)

    def versions(self) -> dict[str, str]:
        return {
            "resq-hdlgen": distribution_version("resq-hdlgen"),
            "cores": cores_digest(cores_root()),
            "fusesoc": distribution_version("fusesoc"),
            "ghdl": _ghdl_version(),
        }

    def run(self, context: StageContext) -> dict[str, Any]:
        generated = load_generated(context.inputs["generate"])
        console = Console(stderr=True)
        build = context.scratch_dir / "build"
        with console.status(f"GHDL: {generated.samples} windows of {generated.vlnv}"):
            result = simulate(generated, cores_root(), build)
        if not result.passed or result.matches != result.total:
            raise StageError(
                f"the generated model is not bit-exact: {result.bit_exact} outputs equal the "
                f"integer reference; each mismatch is named in {build / LOG_FILE}"
            )
        write_json_atomic(context.out_dir / "simulation.json", result.model_dump(mode="json"))
        return {
            "bit_exact": result.bit_exact,
            "cycles": result.cycles,
            "latency_us": round(result.cycles / context.loaded.clock_mhz, 3),
        }
