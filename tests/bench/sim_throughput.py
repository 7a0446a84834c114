"""Benchmark: test windows simulated per second by the simulate stage, before and after.

The model of specs/beijing-o3.yaml (the airu shape) calibrated on Beijing data without
training (resq.qat.experiment.calibrated_intmodel), built with `--par` and `--multiplier` on
every node. Each row is one way of simulating it: the RTL in GHDL (backend mcode, Debian's
default, or llvm, compiled) or GHDL's netlist of it in Verilator (resq.hdlgen.verilator),
one simulation or one per core. GHDL rows run the first `--rtl-windows` real test windows,
Verilator rows `--windows` (default: the whole test split of the station). "before" is how
the stage ran until session 12 (GHDL mcode, one simulation); every row must be bit-exact on
every window. Wall seconds include FuseSoC's set-up, GHDL's analysis and, for Verilator,
`ghdl synth` and the C++ build. The JSON is rewritten after every row; `--resume` keeps
rows.

    python tests/bench/sim_throughput.py [--rtl-windows 48] [--windows N] [--par 16]
        [--multiplier dsp] [--out DIR] [--resume]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from resq.hdlgen.project import Target, generate
from resq.hdlgen.simulation import prepare, rtl_simulation
from resq.hdlgen.verilator import netlist_simulation
from resq.qat.experiment import calibrated_intmodel
from resq.spec import load_spec
from resq.spec.atomic import write_json_atomic
from resq.spec.data import load_windows
from resq.spec.integer.intref import quantize_input
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]
ROWS = [("before: GHDL mcode", "rtl", "mcode", 1), ("GHDL mcode, one per core", "rtl", "mcode", 0),
        ("GHDL llvm, one per core", "rtl", "llvm", 0),
        ("after: Verilator netlist, one per core", "netlist", "llvm", 0)]  # fmt: skip
"""(label, what is simulated, GHDL backend, simulations side by side; 0: one per core)."""


def _measure(folder: Path, windows: int, par: int, multiplier: str, kind: str, backend: str,
             jobs: int) -> dict[str, Any]:  # fmt: skip
    loaded = load_spec(REPO / "specs" / "beijing-o3.yaml")
    assert loaded.manifest is not None
    spec = loaded.spec
    data = load_windows(spec.dataset, loaded.manifest)
    bits = loaded.bit_config().with_hardware(par, multiplier, "auto")
    model, arrays = calibrated_intmodel(spec.model, bits, 0.1, data)
    windows = windows or len(data.test.x)
    q_in = quantize_input(data.test.x[:windows], model.tensors[model.input].qparams)
    target = Target(board=loaded.board.name, part=loaded.board.part, clock_mhz=loaded.clock_mhz)
    generated = generate("bench", model, arrays, bits, q_in, folder / "model", target)
    os.environ["RESQ_GHDL_BACKEND"] = backend
    began = time.perf_counter()
    work = prepare(generated, REPO / "cores", folder / "build", 6 * 3600.0)
    if kind == "rtl":
        result = rtl_simulation(generated, work, None, 6 * 3600.0, jobs or None)
    else:
        result = netlist_simulation(generated, work, 6 * 3600.0, jobs or None)
    seconds = time.perf_counter() - began
    return {"simulated": kind, "backend": backend, "jobs": jobs or os.cpu_count(), "windows": windows,
            "bit_exact": result.bit_exact, "cycles": result.cycles, "seconds": round(seconds, 1),
            "windows_per_s": round(windows / seconds, 3)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtl-windows", type=int, default=48)
    parser.add_argument("--windows", type=int, default=0, help="0: the whole test split")
    parser.add_argument("--par", type=int, default=16)
    parser.add_argument("--multiplier", default="dsp", choices=["dsp", "lut"])
    parser.add_argument("--out", type=Path, default=REPO / "bench-results")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    path = args.out / "sim_throughput.json"
    rows: dict[str, Any] = {}
    if args.resume and path.is_file():
        rows = json.loads(path.read_text())["rows"]
    for label, kind, backend, jobs in ROWS:
        if label in rows:
            continue
        with tempfile.TemporaryDirectory(prefix="resq-sim-") as folder:
            windows = args.rtl_windows if kind == "rtl" else args.windows
            rows[label] = _measure(Path(folder), windows, args.par, args.multiplier, kind,
                                   backend, jobs)  # fmt: skip
        write_json_atomic(path, {"par": args.par, "multiplier": args.multiplier, "rows": rows})
    table = Table(title=f"simulated windows per second, beijing-o3 model at PAR {args.par} "
                        f"({args.multiplier})")  # fmt: skip
    for column in ("way", "simulated", "backend", "jobs", "bit-exact (windows)", "cycles", "seconds", "windows/s",
                   "× before"):  # fmt: skip
        table.add_column(column)
    base = rows[ROWS[0][0]]["windows_per_s"]
    for label, row in rows.items():
        table.add_row(label, row["simulated"], row["backend"], str(row["jobs"]), row["bit_exact"],
                      str(row["cycles"]), str(row["seconds"]), str(row["windows_per_s"]),
                      f"{row['windows_per_s'] / base:.1f}")  # fmt: skip
    Console().print(table)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
