"""Benchmark: test RMSE (µg/m³) of the integer reference on Beijing stations, per bit configuration.

For each station: one float model (seeded), then QAT from that float checkpoint for uniform
8, 6 and 4 bit with symmetric, asymmetric and adaptive schemes, and paper 001's mixed
configuration (everything 4 bit, GAP output and the output linear at 8 bit). Training
settings are those of specs/beijing-o3.yaml. Every row is paired with its own float parent.

    python tests/bench/qat_accuracy.py [--stations Dongsi,Guanyuan] [--seed 0] [--out DIR]
        [--configs uniform4-symmetric,...] [--observers minmax,ema,mse]

Results are kept per station in DIR/<station>.json as they finish, so an interrupted run
resumes, and stations can run in parallel processes; DIR/qat_accuracy.json gathers them all.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from functools import partial
from pathlib import Path
from typing import Any, cast

import torch
from resq.qat.data import load_windows
from resq.qat.evaluation import metrics
from resq.qat.experiment import FloatResult, float_accuracy, train_float, train_qat
from resq.qat.quant.observers import activation_observer
from resq.qat.training import predict
from resq.spec import BitConfig, LoadedSpec, load_spec
from resq.spec.atomic import write_bytes_atomic, write_json_atomic
from resq.spec.quantization import Observer
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]
STATIONS = {
    name: f"PRSA_Data_{name}_20130301-20170228.csv"
    for name in ("Aotizhongxin", "Changping", "Dingling", "Dongsi", "Guanyuan", "Gucheng",
                 "Huairou", "Nongzhanguan", "Shunyi", "Tiantan", "Wanliu", "Wanshouxigong")
}  # fmt: skip
"""The twelve stations of the UCI Beijing multi-site data set, by name."""
SCHEMES = ("symmetric", "asymmetric", "adaptive")


def configurations(loaded: LoadedSpec) -> dict[str, BitConfig]:
    """Label → BitConfig: uniform 8/6/4 × schemes, then the mixed configuration × schemes."""
    spec = loaded.spec
    configs = {}
    for bits in (8, 6, 4):
        for scheme in SCHEMES:
            quant = spec.quantization.model_copy(update={"default_bits": bits, "scheme": scheme})
            configs[f"uniform{bits}-{scheme}"] = BitConfig.from_spec(
                spec.model_copy(update={"quantization": quant})
            )
    mixed = load_spec(REPO / "specs" / "beijing-o3-mixed.yaml").spec
    for scheme in SCHEMES:
        quant = mixed.quantization.model_copy(update={"scheme": scheme})
        configs[f"mixed-{scheme}"] = BitConfig.from_spec(
            mixed.model_copy(update={"quantization": quant})
        )
    return configs


def _float_model(loaded: LoadedSpec, data: Any, seed: int, cache: Path) -> FloatResult:
    spec = loaded.spec
    if cache.is_file():
        return FloatResult(torch.load(cache, weights_only=True), None)
    start = train_float(spec.model, BitConfig.from_spec(spec), data, spec.training, seed)
    buffer = io.BytesIO()
    torch.save(start.state, buffer)
    write_bytes_atomic(cache, buffer.getvalue())
    return start


def run_station(station: str, seed: int, out: Path, console: Console,
                selected: list[str] | None = None,
                observers: tuple[Observer, ...] = ("minmax",)) -> list[dict[str, Any]]:  # fmt: skip
    """Every configuration (or those `selected`) × activation observer on one station;
    finished rows are read back, not recomputed. Rows of observers other than minmax are
    labelled `<configuration>/<observer>`."""
    base = load_spec(REPO / "specs" / "beijing-o3.yaml")
    dataset = base.spec.dataset.model_copy(update={"files": [STATIONS[station]]})
    spec = base.spec.model_copy(update={"dataset": dataset})
    loaded = base.model_copy(update={"spec": spec})
    if loaded.manifest is None:
        raise SystemExit("specs/beijing-o3.yaml names no dataset manifest")
    data = load_windows(spec.dataset, loaded.manifest)
    path = out / f"{station}-s{seed}.json"
    rows: list[dict[str, Any]] = json.loads(path.read_text()) if path.is_file() else []
    done = {row["config"] for row in rows}
    start = _float_model(loaded, data, seed, out / f"float-{station}-s{seed}.pt")
    bits = BitConfig.from_spec(spec)
    parent = float_accuracy(spec.model, bits, data, start)
    if "float32" not in done:
        rows.append({"station": station, "seed": seed, "config": "float32",
                     "rmse": parent.rmse, "mae": parent.mae, "float_rmse": parent.rmse})  # fmt: skip
        write_json_atomic(path, rows)
    runs = [
        (name if kind == "minmax" else f"{name}/{kind}", config, kind)
        for name, config in configurations(loaded).items()
        if selected is None or name in selected
        for kind in observers
    ]
    for label, config, kind in runs:
        if label in done:
            continue
        began = time.perf_counter()
        result = train_qat(
            spec.model,
            config,
            spec.quantization.adaptive_threshold,
            data,
            spec.training,
            seed,
            start,
            observer=partial(activation_observer, kind),
        )
        result.net.set_exact(False)
        approximate = metrics(predict(result.net, data.test.x), data.test.y, data.target)
        integer = result.accuracy["intref"]
        rows.append({
            "station": station, "seed": seed, "config": label, "bits": config.describe(),
            "rmse": integer.rmse, "mae": integer.mae, "float_rmse": parent.rmse,
            "fake_quant_rmse": result.accuracy["fake_quant"].rmse,
            "training_form_rmse": approximate.rmse,
            "qat_epochs": result.phase.epochs_run, "best_epoch": result.phase.best_epoch,
            "seconds": time.perf_counter() - began,
        })  # fmt: skip
        write_json_atomic(path, rows)
        console.log(f"{station} {label}: integer RMSE {integer.rmse:.2f} (float {parent.rmse:.2f})")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", default="Dongsi,Guanyuan")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench" / "qat_accuracy")
    parser.add_argument("--configs", help="comma-separated configuration labels (default all)")
    parser.add_argument("--observers", default="minmax",
                        help="comma-separated activation observers: minmax, ema, mse")  # fmt: skip
    args, _ = parser.parse_known_args()
    console = Console()
    stations = args.stations.split(",")
    selected = args.configs.split(",") if args.configs else None
    observers = tuple(cast(Observer, kind) for kind in args.observers.split(","))
    rows = [row for s in stations
            for row in run_station(s, args.seed, args.out, console, selected, observers)]  # fmt: skip
    write_json_atomic(args.out / "qat_accuracy.json", rows)
    table = Table(title=f"Test RMSE (µg/m³) of the integer reference, seed {args.seed}")
    table.add_column("configuration")
    for station in stations:
        table.add_column(station, justify="right")
        table.add_column("vs float", justify="right")
    for label in dict.fromkeys(row["config"] for row in rows):
        cells = [label]
        for station in stations:
            row = next(r for r in rows if r["station"] == station and r["config"] == label)
            cells += [f"{row['rmse']:.2f}", f"{100 * (row['rmse'] / row['float_rmse'] - 1):+.1f}%"]
        table.add_row(*cells)
    console.print(table)
    console.print(f"JSON: {args.out / 'qat_accuracy.json'}")


if __name__ == "__main__":
    main()
