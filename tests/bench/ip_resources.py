"""Benchmark: Yosys resources of single IP instances at the airu model's shapes.

Each row is one IP of cores/ (ghdl synth → Yosys synth_xilinx, the route of
resq.deploy.yosys) with the generics of resq.hdlgen.ipvectors' case for that shape (24 rows,
d_model 16), at 4 and 8 bit, several PAR and both multiplier styles. It shows what one
instance costs, which is what a generated model pays once per node.

    python tests/bench/ip_resources.py [--quick] [--out DIR] [--resume]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from resq.deploy.yosys import VhdlSource, estimate
from resq.hdlgen.ipvectors import CASES, DEFAULT_SHAPES, Generic
from resq.spec.atomic import write_json_atomic
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]
CORES = REPO / "cores"
BITS = {
    "linear": ("INPUT_BITS", "WEIGHT_BITS", "OUTPUT_BITS"),
    "attention": ("Q_BITS", "K_BITS", "V_BITS", "OUTPUT_BITS"),
    "add": ("A_BITS", "B_BITS", "OUTPUT_BITS"),
    "batchnorm": ("INPUT_BITS", "WEIGHT_BITS", "OUTPUT_BITS"),
    "gap": ("INPUT_BITS", "OUTPUT_BITS"),
}
SHAPES: dict[str, dict[str, Generic]] = {
    "linear": {"ROWS": 24, "IN_FEATURES": 16, "OUT_FEATURES": 16},
    "attention": {"ROWS": 24, "FEATURES": 16, "HEADS": 1},
    "add": {"ROWS": 24, "FEATURES": 16},
    "batchnorm": {"ROWS": 24, "FEATURES": 16},
    "gap": {"ROWS": 24, "FEATURES": 16},
}
RTL = [
    "resq_pkg/rtl/resq_pkg.vhd",
    "resq_pkg/rtl/resq_divider.vhd",
    "buffer/rtl/resq_buffer_memory.vhd",
    "buffer/rtl/resq_buffer.vhd",
    "rom/rtl/resq_rom.vhd",
    "linear/rtl/resq_linear.vhd",
    "add/rtl/resq_add.vhd",
    "batchnorm/rtl/resq_batchnorm.vhd",
    "gap/rtl/resq_gap.vhd",
    "attention/rtl/resq_attention.vhd",
]
"""Every IP's sources in dependency order."""
PARS = {"linear": (1, 4, 16), "attention": (1, 16), "add": (1, 4), "batchnorm": (1, 4),
        "gap": (1, 4)}  # fmt: skip


def _rows(quick: bool) -> list[tuple[str, int, int, str]]:
    if quick:
        return [("linear", 4, 16, "lut"), ("linear", 8, 1, "dsp")]
    return [(ip, bits, par, style) for ip in PARS for bits in (4, 8) for par in PARS[ip]
            for style in ("dsp", "lut")]  # fmt: skip


def _sources(ip: str) -> list[VhdlSource]:
    """The sources up to and including the IP's own file."""
    last = next(i for i, f in enumerate(RTL) if f.endswith(f"/resq_{ip}.vhd"))
    return [VhdlSource(path=CORES / f, library="resq") for f in RTL[: last + 1]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two rows only")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    out = args.out / "ip_resources.json"
    done = json.loads(out.read_text())["rows"] if args.resume and out.exists() else []
    results = []
    for ip, bits, par, style in _rows(args.quick):
        key = {"ip": ip, "bits": bits, "par": par, "mult_style": style}
        kept = [row for row in done if {k: row[k] for k in key} == key]
        if kept:
            results.append(kept[0])
            continue
        shape = {**DEFAULT_SHAPES[ip], **SHAPES[ip], **dict.fromkeys(BITS[ip], bits),
                 "PAR": par, "MULT_STYLE": style}  # fmt: skip
        generics = CASES[ip](shape, 1, 0).generics
        with tempfile.TemporaryDirectory() as work:
            report = estimate(_sources(ip), f"resq_{ip}", generics, Path(work))
        r = report.resources
        results.append({**key, "lut": r.lut, "lutram": r.lutram, "ff": r.ff,
                        "bram36": r.bram36, "dsp": r.dsp, "latches": report.latches,
                        "yosys_s": report.seconds})  # fmt: skip
        write_json_atomic(out, {"rows": results})
    table = Table(title="One IP instance at airu shapes (24 rows, d_model 16): Yosys resources")
    for column in ("IP", "bits", "PAR", "mult", "LUT", "LUTRAM", "FF", "DSP", "latches"):
        table.add_column(column, justify="right")
    for row in results:
        table.add_row(str(row["ip"]), str(row["bits"]), str(row["par"]), str(row["mult_style"]),
                      f"{row['lut']:,.0f}", f"{row['lutram']:,.0f}", f"{row['ff']:,.0f}",
                      f"{row['dsp']:g}", str(row["latches"]))  # fmt: skip
    Console().print(table)
    write_json_atomic(out, {"rows": results})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
