"""Benchmark: the engine's multiply-accumulate lanes (cores/engine_lanes) at 16 lanes,
4 and 8 bit, every multiplier style: Yosys resources, and the cost per lane. It answers
issue [4/7]'s question of whether two 4-bit products packed into one DSP48E1 are cheaper
per MAC than LUT multipliers.

Operands are offset-corrected (bits + 1 wide, signed); the sums are as wide as 64 products
need (the airu shape's longest pass, FFN2).

    python tests/bench/engine_lanes.py [--out DIR] [--resume]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from resq.deploy.yosys import VhdlSource, estimate
from resq.hdlgen.ipvectors import engine_lanes_case
from resq.spec.atomic import write_json_atomic
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]
CORES = REPO / "cores"
SOURCES = [VhdlSource(path=CORES / "resq_pkg" / "rtl" / "resq_pkg.vhd", library="resq"),
           VhdlSource(path=CORES / "engine_lanes" / "rtl" / "resq_engine_lanes.vhd",
                      library="resq")]  # fmt: skip
LANES = 16
ROWS = [(4, "packed"), (4, "dsp"), (4, "lut"), (8, "dsp"), (8, "lut")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    out = args.out / "engine_lanes.json"
    done = json.loads(out.read_text())["rows"] if args.resume and out.exists() else []
    results = []
    for bits, style in ROWS:
        key = {"lanes": LANES, "bits": bits, "mult_style": style}
        kept = [row for row in done if {k: row[k] for k in key} == key]
        if kept:
            results.append(kept[0])
            continue
        shape = {"LANES": LANES, "A_WIDTH": bits + 1, "B_WIDTH": bits + 1, "TERMS": 64,
                 "MULT_STYLE": style}  # fmt: skip
        generics = {k: v for k, v in engine_lanes_case(shape, 1, 0).generics.items()
                    if k != "TERMS"}  # fmt: skip
        with tempfile.TemporaryDirectory() as work:
            report = estimate(SOURCES, "resq_engine_lanes", generics, Path(work))
        r = report.resources
        results.append({**key, "acc_bits": generics["ACC_BITS"], "lut": r.lut,
                        "lutram": r.lutram, "ff": r.ff, "dsp": r.dsp,
                        "latches": report.latches, "yosys_s": report.seconds})  # fmt: skip
        write_json_atomic(out, {"rows": results})
    table = Table(title=f"Engine lanes ({LANES}), Yosys synth_xilinx: resources and per lane")
    for column in ("bits", "mult", "sum bits", "LUT", "FF", "DSP", "LUT/lane", "DSP/lane"):
        table.add_column(column, justify="right")
    for row in results:
        table.add_row(str(row["bits"]), str(row["mult_style"]), str(row["acc_bits"]),
                      f"{row['lut']:,.0f}", f"{row['ff']:,.0f}", f"{row['dsp']:g}",
                      f"{row['lut'] / LANES:.1f}", f"{row['dsp'] / LANES:.2f}")  # fmt: skip
    Console().print(table)
    write_json_atomic(out, {"rows": results})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
