"""Benchmark: cycles per inference (GHDL) and Yosys resources of the generated airu-size model.

The model of specs/beijing-o3*.yaml (7 features, window 24, d_model 16, one layer, FFN 64;
the AirU file cannot ship, the Beijing model has the same shape), calibrated on Beijing
data (resq.qat.experiment.calibrated_intmodel). For each row (bit widths × PAR × multiplier
style, PAR by node op where it differs): `--windows` real test windows (`--par1-windows` at
PAR 1, whose simulation is 16 times longer) simulated in GHDL through FuseSoC and compared with the integer reference
(bit_exact), cycles of the last window, the roofline (94,864 MACs ÷ PAR) and Yosys (ghdl
synth → synth_xilinx) resources of the whole model; GHDL and Yosys run side by side, one per
core. Fit by the fit rule of resq.spec.Resources (logic + LUT-RAM ≤ the part's LUTs, LUT-RAM,
FF, BRAM36, DSP ≤ theirs) against the XC7S15 and against the specs' budget (90 % of its
LUTs, the routing margin) at ≤ 20,000 cycles; `!` marks a resource above 80 % of the part.
The JSON is rewritten after every row; `--resume` keeps the rows it already holds.

    python tests/bench/hw_latency.py [--windows 200] [--par1-windows 20] [--rows all|quick]
        [--out DIR] [--resume] [--table]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from resq.deploy.yosys import VhdlSource, estimate
from resq.hdlgen.project import Target, generate
from resq.hdlgen.simulation import simulate
from resq.qat.experiment import calibrated_intmodel
from resq.spec import BitConfig, NodeHardware, Resources, load_spec
from resq.spec.atomic import write_json_atomic
from resq.spec.data import load_windows
from resq.spec.integer.intref import quantize_input
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]
CORES = REPO / "cores"
MACS = 94_864
IP_FILES = [
    "resq_pkg/rtl/resq_pkg.vhd", "resq_pkg/rtl/resq_divider.vhd",
    "buffer/rtl/resq_buffer_memory.vhd", "buffer/rtl/resq_buffer.vhd",
    "rom/rtl/resq_rom.vhd", "linear/rtl/resq_linear.vhd", "add/rtl/resq_add.vhd",
    "batchnorm/rtl/resq_batchnorm.vhd", "gap/rtl/resq_gap.vhd",
    "attention/rtl/resq_attention.vhd",
]  # fmt: skip
SMALL = {"add": (1, "lut"), "batchnorm": (1, "lut"), "mean": (1, "lut")}
"""Element-wise nodes at PAR 1 in LUTs: each lane costs two multiplies by a constant, and
these nodes take few cycles."""

BY_OP = {**SMALL, "attention": (4, "dsp")}
"""The fitting choice of session 5: element-wise nodes as SMALL, attention at PAR 4 in DSPs."""

ROWS: dict[str, list[tuple[str, int, str, dict[str, tuple[int, str]], str]]] = {
    "quick": [("beijing-o3-uniform4.yaml", 16, "lut", {}, "auto")],
    "all": [
        ("beijing-o3-uniform4.yaml", 16, "dsp", BY_OP, "auto"),
        ("beijing-o3-uniform4.yaml", 8, "dsp", BY_OP, "auto"),
        ("beijing-o3-uniform4.yaml", 16, "dsp", BY_OP, "block"),
        ("beijing-o3-uniform4.yaml", 8, "dsp", BY_OP, "block"),
        ("beijing-o3-mixed.yaml", 8, "dsp", BY_OP, "auto"),
        ("beijing-o3-uniform8.yaml", 4, "dsp", BY_OP, "auto"),
        ("beijing-o3-uniform4.yaml", 16, "dsp", {}, "auto"),
        ("beijing-o3-uniform8.yaml", 1, "dsp", {}, "auto"),
        ("beijing-o3-uniform4.yaml", 1, "lut", {}, "auto"),
        ("beijing-o3-uniform8.yaml", 1, "lut", {}, "auto"),
        ("beijing-o3-uniform4.yaml", 16, "lut", {}, "auto"),
        ("beijing-o3-uniform8.yaml", 16, "dsp", {}, "auto"),
    ],
}  # fmt: skip
"""Rows: spec, PAR, multiplier style, (PAR, style) by node op, buffer storage."""


CYCLES = 20_000
"""The latency limit of the rows' verdict (specs/airu.yaml), cycles per inference."""


def _fit(row: dict[str, Any], part: Resources, budget: Resources) -> dict[str, Any]:
    """The fit rule's verdicts for one row: what exceeds the part and the budget, the LUT
    fraction of the part, resources above 80 %, and LUTs left under the budget."""
    design = Resources(lut=row["lut"], lutram=row["lutram"], ff=row["ff"],
                       bram36=row["bram36"], dsp=row["dsp"], cycles=row["cycles"])  # fmt: skip
    return {
        "over_part": design.model_copy(update={"cycles": None}).exceeded(part),
        "over_budget": design.exceeded(budget),
        "lut_fraction": design.utilisation(part)["lut"],
        "crowded": design.crowded(part),
        "lut_margin": design.slack(budget)["lut"],
    }


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
    out = args.out / "hw_latency.json"
    done = (
        json.loads(out.read_text())["rows"] if (args.resume or args.table) and out.exists() else []
    )
    results = []
    for spec_file, par, style, by_op, storage in [] if args.table else ROWS[args.rows]:
        windows = args.par1_windows if par == 1 else args.windows
        key = {"spec": spec_file, "par": par, "mult_style": style,
               "par_by_op": {op: list(choice) for op, choice in by_op.items()},
               "windows": windows, "storage": storage}  # fmt: skip
        kept = [row for row in done
                if {k: row.get(k, "auto" if k == "storage" else None) for k in key} == key]  # fmt: skip
        if kept:
            results.append({**kept[0], "storage": storage})
            continue
        loaded = load_spec(REPO / "specs" / spec_file)
        spec = loaded.spec
        if loaded.manifest is None:
            raise SystemExit(f"specs/{spec_file} names no dataset manifest")
        data = load_windows(spec.dataset, loaded.manifest)
        model, arrays = calibrated_intmodel(
            spec.model, BitConfig.from_spec(spec), spec.quantization.adaptive_threshold, data
        )
        q_in = quantize_input(data.test.x[:windows], model.tensors[model.input].qparams)
        nodes = {n.name: NodeHardware(parallelism=by_op[n.op][0], multiplier=by_op[n.op][1])
                 for n in model.nodes if n.op in by_op}  # fmt: skip
        config = model.bits.with_hardware(par, style, storage, nodes)
        target = Target(board=loaded.board.name, part=loaded.board.part,
                        clock_mhz=loaded.clock_mhz)  # fmt: skip
        with tempfile.TemporaryDirectory() as work, ThreadPoolExecutor(2) as pool:
            generated = generate(spec.name, model, arrays, config, q_in, Path(work) / "model",
                                 target)  # fmt: skip
            sources = [VhdlSource(path=CORES / f, library="resq") for f in IP_FILES]
            sources += [VhdlSource(path=generated.folder / f"{generated.entity}{suffix}",
                                   library="resq") for suffix in ("_pkg.vhd", ".vhd")]  # fmt: skip
            simulating = pool.submit(simulate, generated, CORES, Path(work) / "build")
            estimating = pool.submit(estimate, sources, generated.entity, {}, Path(work) / "yosys")
            sim, report = simulating.result(), estimating.result()
        r = report.resources
        results.append({
            **key, "bit_exact": sim.bit_exact,
            "cycles": sim.cycles, "roofline": -(-MACS // par), "node_cycles": sim.node_cycles,
            "lut": r.lut, "lutram": r.lutram, "ff": r.ff, "bram36": r.bram36, "dsp": r.dsp,
            "latches": report.latches, "yosys_s": round(report.seconds, 1),
        })  # fmt: skip
        write_json_atomic(out, {"rows": results})
    results = done if args.table else results
    board = load_spec(REPO / "specs" / "beijing-o3.yaml")
    part, budget = board.board.capacity, board.limits().model_copy(update={"cycles": CYCLES})
    for row in results:
        row.update(_fit(row, part, budget))
    table = Table(title="airu-size model: GHDL cycles and Yosys resources (fit rule)")
    for column in ("config", "PAR", "by op", "mult", "storage", "bit_exact", "cycles", "roofline", "LUT",
                   "LUTRAM", "LUT total", "% LUTs", "FF", "BRAM36", "DSP", "latches",
                   "fits part", "fits budget", "LUT margin"):  # fmt: skip
        table.add_column(column, justify="right")
    for row in results:
        crowded = {kind: "!" if kind in row["crowded"] else "" for kind in ("lut", "dsp")}
        by_op = " ".join(f"{k[:4]} {p}/{m}" for k, (p, m) in row.get("par_by_op", {}).items())
        table.add_row(
            str(row["spec"]).removeprefix("beijing-o3-").removesuffix(".yaml"), str(row["par"]),
            by_op or "-", str(row["mult_style"]), str(row.get("storage", "auto")),
            str(row["bit_exact"]), f"{row['cycles']:,}", f"{row['roofline']:,}",
            f"{row['lut']:,.0f}", f"{row['lutram']:,.0f}", f"{row['lut'] + row['lutram']:,.0f}",
            f"{100 * row['lut_fraction']:.1f}{crowded['lut']}", f"{row['ff']:,.0f}",
            f"{row['bram36']:g}", f"{row['dsp']:g}{crowded['dsp']}", str(row["latches"]),
            _verdict(row["over_part"]), _verdict(row["over_budget"]), f"{row['lut_margin']:,.0f}",
        )  # fmt: skip
    Console().print(table)
    write_json_atomic(out, {"rows": results})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
