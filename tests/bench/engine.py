"""Benchmark: the shared engine (architecture `engine`, docs/engine.md) beside the dataflow
architecture, whole models on the XC7S15: cycles per inference, Yosys resources, fit and
bit-exactness.

Each row is a model shape and widths (calibrated on Beijing data, resq.qat.experiment.
calibrated_intmodel), an architecture, lanes (engine) or PAR (dataflow), a multiplier style
and a storage. `--windows` real test windows (dataflow at PAR 1: `--par1-windows`) run in GHDL
through FuseSoC against the integer reference (bit_exact); the engine's cycles are also
computed by resq.hdlgen.engine.cycles (`model` column, equal to GHDL or the row fails); Yosys
(the generated core's `estimate` target: ghdl synth → synth_xilinx) counts the whole model.
Fit by the fit rule (logic + LUT-RAM ≤ the part's LUTs, LUT-RAM, FF, BRAM36, DSP) against
the XC7S15 and against the specs' budget (90 % of its LUTs, the routing margin) at the
row's cycle limit; `target` is the issue's row this one answers, `met` whether it holds.
The JSON is rewritten after every row; `--resume` keeps the rows it holds.

    python tests/bench/engine.py [--windows 200] [--par1-windows 20] [--rows all|quick]
        [--out DIR] [--resume] [--table]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple, cast

from resq.deploy.yosys import estimate_core
from resq.hdlgen.engine.cycles import inference_cycles
from resq.hdlgen.engine.lower import lower
from resq.hdlgen.engine.program import compile_program
from resq.hdlgen.engine.top import lane_style
from resq.hdlgen.project import Target, generate
from resq.hdlgen.simulation import simulate
from resq.qat.experiment import calibrated_intmodel
from resq.spec import BitConfig, EngineChoice, NodeHardware, Resources, load_spec
from resq.spec.atomic import write_json_atomic
from resq.spec.components import Multiplier, Storage
from resq.spec.data import load_windows
from resq.spec.integer.intmodel import IntModel
from resq.spec.integer.intref import quantize_input
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]
CORES = REPO / "cores"
AIRU: dict[str, int] = {}
WIDE = {"d_model": 32, "ffn_dim": 128, "n_layers": 2}
DEEP = {"n_layers": 2, "n_heads": 2}
SMALL = {"add": (1, "lut"), "batchnorm": (1, "lut"), "mean": (1, "lut")}
BY_OP = {**SMALL, "attention": (4, "dsp")}
"""The dataflow rows' element-wise nodes at PAR 1 in LUTs, attention at PAR 4 in DSPs (the
fitting choice of tests/bench/hw_latency.py)."""


class Goal(NamedTuple):
    """An issue target: cycles at most, total LUTs at most (None: the budget's 90 %)."""

    name: str
    cycles: int
    lut_total: int | None


FIRST = Goal("uniform 8, 16 DSP lanes", 8_000, 4_800)
PACKED = Goal("uniform 4, packed", 5_000, 4_800)
LARGE = Goal("d_model 32, ffn 128, 2 layers, 8 bit", 45_000, None)


class Row(NamedTuple):
    """One benchmark row."""

    spec: str
    shape: dict[str, int]
    architecture: str
    lanes: int
    multiplier: str
    storage: str
    target: Goal | None = None


ROWS: dict[str, list[Row]] = {
    "quick": [Row("beijing-o3-uniform8.yaml", AIRU, "engine", 16, "dsp", "auto", FIRST)],
    "all": [
        Row("beijing-o3-uniform8.yaml", AIRU, "engine", 16, "dsp", "auto", FIRST),
        Row("beijing-o3-uniform4.yaml", AIRU, "engine", 16, "dsp", "auto", PACKED),
        Row("beijing-o3-uniform4.yaml", AIRU, "engine", 16, "lut", "auto"),
        Row("beijing-o3-mixed.yaml", AIRU, "engine", 16, "dsp", "auto"),
        Row("beijing-o3-uniform8.yaml", AIRU, "engine", 8, "dsp", "auto"),
        Row("beijing-o3-uniform8.yaml", WIDE, "engine", 16, "dsp", "distributed", LARGE),
        Row("beijing-o3-uniform8.yaml", DEEP, "engine", 16, "dsp", "auto"),
        Row("beijing-o3-uniform8.yaml", AIRU, "dataflow", 1, "dsp", "auto"),
        Row("beijing-o3-uniform4.yaml", AIRU, "dataflow", 16, "dsp", "auto"),
        Row("beijing-o3-uniform8.yaml", WIDE, "dataflow", 1, "dsp", "auto"),
    ],
}
CYCLES = 20_000
"""The latency limit of a row without a target (specs/airu.yaml), cycles per inference."""


def _config(row: Row, model: IntModel) -> BitConfig:
    """The BitConfig a row builds: the model's bits with the row's hardware."""
    multiplier = cast(Multiplier, row.multiplier)
    storage = cast(Storage, row.storage)
    if row.architecture == "engine":
        engine = EngineChoice(lanes=row.lanes, multiplier=multiplier, storage=storage)
        return model.bits.model_copy(update={"architecture": "engine", "engine": engine})
    nodes = {n.name: NodeHardware(parallelism=BY_OP[n.op][0],
                                  multiplier=cast(Multiplier, BY_OP[n.op][1]))
             for n in model.nodes if n.op in BY_OP}  # fmt: skip
    return model.bits.with_hardware(row.lanes, multiplier, storage, nodes)


def run_row(row: Row, windows: int) -> dict[str, Any]:
    """Calibrate, generate, simulate and synthesize one row."""
    loaded = load_spec(REPO / "specs" / row.spec)
    spec = loaded.spec
    if loaded.manifest is None:
        raise SystemExit(f"specs/{row.spec} names no dataset manifest")
    data = load_windows(spec.dataset, loaded.manifest)
    model, arrays = calibrated_intmodel(spec.model.model_copy(update=row.shape),
                                        BitConfig.from_spec(spec),
                                        spec.quantization.adaptive_threshold, data)  # fmt: skip
    q_in = quantize_input(data.test.x[:windows], model.tensors[model.input].qparams)
    config = _config(row, model)
    target = Target(board=loaded.board.name, part=loaded.board.part, clock_mhz=loaded.clock_mhz)
    extra: dict[str, Any] = {}
    if row.architecture == "engine":
        lowered = lower(compile_program(model, row.lanes), model, arrays)
        extra = {"model_cycles": inference_cycles(lowered, row.lanes),
                 "lane_style": lane_style(lowered, row.multiplier)}  # fmt: skip
    with tempfile.TemporaryDirectory() as work, ThreadPoolExecutor(2) as pool:
        generated = generate("bench", model, arrays, config, q_in, Path(work) / "model", target)
        simulating = pool.submit(simulate, generated, CORES, Path(work) / "build")
        estimating = pool.submit(estimate_core, generated.vlnv, [CORES, generated.folder], {},
                                 4 * 3600)  # fmt: skip
        sim, report = simulating.result(), estimating.result()
    r = report.resources
    return {"bit_exact": sim.bit_exact, "cycles": sim.cycles, "node_cycles": sim.node_cycles,
            "lut": r.lut, "lutram": r.lutram, "ff": r.ff, "bram36": r.bram36, "dsp": r.dsp,
            "latches": report.latches, "yosys_s": round(report.seconds, 1), **extra}  # fmt: skip


def _verdicts(row: dict[str, Any], part: Resources, budget: Resources) -> dict[str, Any]:
    """Fit against the part and the budget (at the row's cycle limit) and its target."""
    design = Resources(lut=row["lut"], lutram=row["lutram"], ff=row["ff"],
                       bram36=row["bram36"], dsp=row["dsp"], cycles=row["cycles"])  # fmt: skip
    limit = budget.model_copy(update={"cycles": row["target"]["cycles"] if row["target"]
                                      else CYCLES})  # fmt: skip
    over = design.exceeded(limit)
    met = None
    if row["target"]:
        lut_limit = row["target"]["lut_total"]
        met = not over and (lut_limit is None or row["lut"] + row["lutram"] <= lut_limit)
    return {"over_part": design.model_copy(update={"cycles": None}).exceeded(part),
            "over_budget": over, "lut_fraction": design.utilisation(part)["lut"], "met": met}  # fmt: skip


def _verdict(over: list[str]) -> str:
    return "yes" if not over else f"no ({', '.join(over)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=200)
    parser.add_argument("--par1-windows", type=int, default=20)
    parser.add_argument("--rows", choices=sorted(ROWS), default="all")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--table", action="store_true",
                        help="only print the table of the rows already in the JSON")  # fmt: skip
    args = parser.parse_args()
    out = args.out / "engine.json"
    done = (json.loads(out.read_text())["rows"]
            if (args.resume or args.table) and out.exists() else [])  # fmt: skip
    results: list[dict[str, Any]] = []
    for row in [] if args.table else ROWS[args.rows]:
        windows = args.par1_windows if row.architecture == "dataflow" and row.lanes == 1 \
            else args.windows  # fmt: skip
        key = {"spec": row.spec, "shape": row.shape, "architecture": row.architecture,
               "lanes": row.lanes, "multiplier": row.multiplier, "storage": row.storage,
               "windows": windows,
               "target": row.target._asdict() if row.target else None}  # fmt: skip
        kept = [r for r in done if {k: r.get(k) for k in key} == key]
        if kept:
            results.append(kept[0])
            continue
        measured = run_row(row, windows)
        if "model_cycles" in measured and measured["model_cycles"] != measured["cycles"]:
            raise SystemExit(f"{key}: GHDL took {measured['cycles']} cycles, the cycle model "
                             f"says {measured['model_cycles']}")  # fmt: skip
        results.append({**key, **measured})
        write_json_atomic(out, {"rows": results})
    results = done if args.table else results
    board = load_spec(REPO / "specs" / "beijing-o3.yaml")
    part, budget = board.board.capacity, board.limits()
    for result in results:
        result.update(_verdicts(result, part, budget))
    table = Table(title="Whole models on the XC7S15: GHDL cycles, Yosys resources, fit rule")
    for column in ("shape", "widths", "arch", "lanes/PAR", "mult", "storage", "bit_exact",
                   "cycles", "LUT", "LUTRAM", "LUT total", "% LUTs", "FF", "BRAM36", "DSP",
                   "fits part", "fits budget", "target", "met"):  # fmt: skip
        table.add_column(column, justify="right")
    for r in results:
        shape = ",".join(f"{k}={v}" for k, v in r["shape"].items()) or "airu"
        mult = r.get("lane_style", r["multiplier"])
        table.add_row(
            shape, r["spec"].removeprefix("beijing-o3-").removesuffix(".yaml"), r["architecture"],
            str(r["lanes"]), mult, r["storage"], r["bit_exact"], f"{r['cycles']:,}",
            f"{r['lut']:,.0f}", f"{r['lutram']:,.0f}", f"{r['lut'] + r['lutram']:,.0f}",
            f"{100 * r['lut_fraction']:.1f}", f"{r['ff']:,.0f}", f"{r['bram36']:g}",
            f"{r['dsp']:g}", _verdict(r["over_part"]), _verdict(r["over_budget"]),
            r["target"]["name"] if r["target"] else "-",
            "-" if r["met"] is None else ("yes" if r["met"] else "NO"),
        )  # fmt: skip
    Console().print(table)
    write_json_atomic(out, {"rows": results})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
