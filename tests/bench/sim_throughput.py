"""Benchmark: test windows simulated per second by the simulate stage, before and after.

The model of specs/beijing-o3.yaml (the airu shape) calibrated on Beijing data without
training (resq.qat.experiment.calibrated_intmodel), built with `--par` and `--multiplier` on
every node, `--windows` real test windows. Each row is one way of running resq.hdlgen's
`simulate`: GHDL backend (mcode, Debian's default; llvm, compiled) × simulations side by
side (1; one per core). "before" is how the stage ran until session 12 (mcode, one
simulation); every row must be bit-exact on every window. Wall seconds include FuseSoC's
analysis and elaboration. The JSON is rewritten after every row; `--resume` keeps rows.

    python tests/bench/sim_throughput.py [--windows 48] [--par 16] [--multiplier dsp]
        [--out DIR] [--resume]
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
from resq.hdlgen.simulation import simulate
from resq.qat.data import load_windows
from resq.qat.experiment import calibrated_intmodel
from resq.spec import load_spec
from resq.spec.atomic import write_json_atomic
from resq.spec.integer.intref import quantize_input
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]
ROWS = [("before", "mcode", 1), ("mcode, one per core", "mcode", 0), ("llvm", "llvm", 1),
        ("after: llvm, one per core", "llvm", 0)]  # fmt: skip
"""(label, GHDL backend, simulations side by side; 0: one per core)."""


def _measure(folder: Path, windows: int, par: int, multiplier: str, backend: str,
             jobs: int) -> dict[str, Any]:  # fmt: skip
    loaded = load_spec(REPO / "specs" / "beijing-o3.yaml")
    assert loaded.manifest is not None
    spec = loaded.spec
    data = load_windows(spec.dataset, loaded.manifest)
    bits = loaded.bit_config().with_hardware(par, multiplier, "auto")
    model, arrays = calibrated_intmodel(spec.model, bits, 0.1, data)
    q_in = quantize_input(data.test.x[:windows], model.tensors[model.input].qparams)
    target = Target(board=loaded.board.name, part=loaded.board.part, clock_mhz=loaded.clock_mhz)
    generated = generate("bench", model, arrays, bits, q_in, folder / "model", target)
    os.environ["RESQ_GHDL_BACKEND"] = backend
    began = time.perf_counter()
    result = simulate(generated, REPO / "cores", folder / "build", 6 * 3600.0, jobs or None)
    seconds = time.perf_counter() - began
    return {"backend": backend, "jobs": jobs or os.cpu_count(), "windows": windows,
            "bit_exact": result.bit_exact, "cycles": result.cycles, "seconds": round(seconds, 1),
            "windows_per_s": round(windows / seconds, 3)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=48)
    parser.add_argument("--par", type=int, default=16)
    parser.add_argument("--multiplier", default="dsp", choices=["dsp", "lut"])
    parser.add_argument("--out", type=Path, default=REPO / "bench-results")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    path = args.out / "sim_throughput.json"
    rows: dict[str, Any] = {}
    if args.resume and path.is_file():
        rows = json.loads(path.read_text())["rows"]
    for label, backend, jobs in ROWS:
        if label in rows:
            continue
        with tempfile.TemporaryDirectory(prefix="resq-sim-") as folder:
            rows[label] = _measure(Path(folder), args.windows, args.par, args.multiplier,
                                   backend, jobs)  # fmt: skip
        write_json_atomic(path, {"par": args.par, "multiplier": args.multiplier, "rows": rows})
    table = Table(title=f"simulated windows per second, beijing-o3 model at PAR {args.par} "
                        f"({args.multiplier}), {args.windows} windows")  # fmt: skip
    for column in ("way", "backend", "jobs", "bit-exact", "cycles", "seconds", "windows/s",
                   "× before"):  # fmt: skip
        table.add_column(column)
    base = rows["before"]["windows_per_s"]
    for label, row in rows.items():
        table.add_row(label, row["backend"], str(row["jobs"]), row["bit_exact"],
                      str(row["cycles"]), str(row["seconds"]), str(row["windows_per_s"]),
                      f"{row['windows_per_s'] / base:.1f}")  # fmt: skip
    Console().print(table)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
