"""Benchmark: cycles per inference (GHDL) and Yosys resources of the generated airu-size model.

The model of specs/beijing-o3*.yaml (7 features, window 24, d_model 16, one layer, FFN 64;
the AirU file cannot ship, the Beijing model has the same shape), calibrated on Beijing
data (resq.qat.experiment.calibrated_intmodel). For each row (bit widths × PAR × multiplier
style, PAR by node op where it differs): `--windows` real test windows (`--par1-windows` at
PAR 1, whose simulation is 16 times longer) simulated in GHDL through FuseSoC and compared with the integer reference
(bit_exact), cycles of the last window, the roofline (94,864 MACs ÷ PAR) and Yosys (ghdl
synth → synth_xilinx) resources of the whole model; GHDL and Yosys run side by side, one per
core. fits = within the XC7S15 (8,000 LUT, 20 DSP, 10 BRAM36) at ≤ 20,000 cycles.
The JSON is rewritten after every row; `--resume` keeps the rows it already holds.

    python tests/bench/hw_latency.py [--windows 200] [--par1-windows 20] [--rows all|quick]
        [--out DIR] [--resume]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from resq.deploy.yosys import VhdlSource, estimate
from resq.hdlgen.model import HardwarePlan
from resq.hdlgen.project import generate
from resq.hdlgen.simulation import simulate
from resq.qat.data import load_windows
from resq.qat.experiment import calibrated_intmodel
from resq.spec.integer.intref import quantize_input
from resq.spec import BitConfig, load_spec
from resq.spec.atomic import write_json_atomic
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

ROWS: dict[str, list[tuple[str, int, str, dict[str, tuple[int, str]]]]] = {
    "quick": [("beijing-o3-uniform4.yaml", 16, "lut", {})],
    "all": [
        ("beijing-o3-uniform4.yaml", 16, "dsp", {}),
        ("beijing-o3-uniform4.yaml", 8, "dsp", {**SMALL, "attention": (4, "dsp")}),
        ("beijing-o3-uniform4.yaml", 16, "dsp", {**SMALL, "attention": (4, "dsp")}),
        ("beijing-o3-mixed.yaml", 8, "dsp", {**SMALL, "attention": (4, "dsp")}),
        ("beijing-o3-uniform8.yaml", 1, "dsp", {}),
        ("beijing-o3-uniform4.yaml", 1, "lut", {}),
        ("beijing-o3-uniform8.yaml", 1, "lut", {}),
        ("beijing-o3-uniform4.yaml", 16, "lut", {}),
        ("beijing-o3-uniform8.yaml", 4, "dsp", {**SMALL, "attention": (4, "dsp")}),
        ("beijing-o3-uniform8.yaml", 16, "dsp", {}),
    ],
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=200)
    parser.add_argument("--par1-windows", type=int, default=20)
    parser.add_argument("--rows", choices=sorted(ROWS), default="all")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    out = args.out / "hw_latency.json"
    done = json.loads(out.read_text())["rows"] if args.resume and out.exists() else []
    results = []
    for spec_file, par, style, by_op in ROWS[args.rows]:
        windows = args.par1_windows if par == 1 else args.windows
        key = {"spec": spec_file, "par": par, "mult_style": style,
               "par_by_op": {op: list(choice) for op, choice in by_op.items()},
               "windows": windows}  # fmt: skip
        kept = [row for row in done if {k: row.get(k) for k in key} == key]
        if kept:
            results.append(kept[0])
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
        nodes = {n.name: by_op[n.op] for n in model.nodes if n.op in by_op}
        plan = HardwarePlan(par=par, mult_style=style, nodes=nodes)
        with tempfile.TemporaryDirectory() as work, ThreadPoolExecutor(2) as pool:
            generated = generate(spec.name, model, arrays, plan, q_in, Path(work) / "model")
            sources = [VhdlSource(path=CORES / f, library="resq") for f in IP_FILES]
            sources += [VhdlSource(path=generated.folder / f"{generated.entity}{suffix}",
                                   library="resq") for suffix in ("_pkg.vhd", ".vhd")]  # fmt: skip
            simulating = pool.submit(simulate, generated, CORES, Path(work) / "build")
            estimating = pool.submit(estimate, sources, generated.entity, {}, Path(work) / "yosys")
            sim, report = simulating.result(), estimating.result()
        r = report.resources
        fits = r.lut <= 8000 and r.dsp <= 20 and r.bram36 <= 10 and sim.cycles <= 20_000
        results.append({
            **key, "bit_exact": sim.bit_exact,
            "cycles": sim.cycles, "roofline": -(-MACS // par), "node_cycles": sim.node_cycles,
            "lut": r.lut, "lutram": r.lutram, "ff": r.ff, "bram36": r.bram36, "dsp": r.dsp,
            "latches": report.latches, "yosys_s": round(report.seconds, 1), "fits": fits,
        })  # fmt: skip
        write_json_atomic(out, {"rows": results})
    table = Table(title="airu-size model: GHDL cycles and Yosys resources")
    for column in ("config", "PAR", "by op", "mult", "bit_exact", "cycles", "roofline", "LUT", "LUTRAM",
                   "FF", "BRAM36", "DSP", "latches", "fits XC7S15"):  # fmt: skip
        table.add_column(column, justify="right")
    for row in results:
        table.add_row(str(row["spec"]).removeprefix("beijing-o3-").removesuffix(".yaml"),
                      str(row["par"]),
                      " ".join(f"{k}={p}/{m}" for k, (p, m) in row.get("par_by_op", {}).items())
                      or "-",
                      str(row["mult_style"]), str(row["bit_exact"]),
                      f"{row['cycles']:,}", f"{row['roofline']:,}", f"{row['lut']:,.0f}",
                      f"{row['lutram']:,.0f}", f"{row['ff']:,.0f}", f"{row['bram36']:g}",
                      f"{row['dsp']:g}", str(row["latches"]), "yes" if row["fits"] else "no")  # fmt: skip
    Console().print(table)
    write_json_atomic(out, {"rows": results})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
