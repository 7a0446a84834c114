"""Benchmark: test RMSE (µg/m³) of the integer reference on Beijing stations, per bit
configuration and QAT method, each paired with its own float parent, beside ridge regression.

For each station and seed: one float model trained with the settings of
specs/beijing-o3.yaml (its best epoch is reported), then QAT from that float checkpoint for
each bit configuration × method. Configurations: uniform 8, 6 and 4 bit and paper 001's mixed
configuration (everything 4 bit, GAP output and the output linear at 8 bit), each with a
scheme. Methods differ only in the `quantization` and `training` options they set (METHODS).
Ridge regression on the flattened 24 × 7 window of the same split, its penalty chosen on the
validation split, is the linear baseline.

    python tests/bench/qat_accuracy.py [--stations Aotizhongxin,Changping] [--seeds 0,1,2]
        [--configs uniform8-symmetric,mixed-symmetric,uniform4-symmetric]
        [--methods minmax,spec] [--out DIR] [--table]

Rows are kept per station and float parent in DIR/<station>-s<seed>-<digest>.json as they
finish (the digest covers the model and the float training options, `parent_tag`), with
the options they were trained with and the commit, so an interrupted run resumes (rerun the
same command) and a row whose method's options changed since is trained again; stations or
seeds can run in parallel processes (never the same station and seed twice at once).
`--table` only prints the table of the current parents' rows in DIR (and writes
DIR/qat_accuracy.json): per station and seed, then the mean over stations × seeds of each
configuration and method as a ratio to the float parent.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from resq.qat.evaluation import metrics
from resq.qat.experiment import FloatResult, float_accuracy, train_float, train_qat
from resq.qat.training import predict
from resq.spec import BitConfig, LoadedSpec, load_spec
from resq.spec.atomic import write_bytes_atomic, write_json_atomic
from resq.spec.data import WindowedData, load_windows
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

OLD_RECIPE = {"range": "minmax", "softmax_bits": "outputs", "qat_schedule": "constant",
              "distillation": 0.0, "bn_reestimate": False, "qat_lr": None}  # fmt: skip
SESSION9 = {"distillation": 0.0, "qat_schedule": None, "qat_lr": None}
"""The QAT recipe of session 9's spec (lsq ranges, the float phase's plateau schedule)."""
KD = {"distillation": 0.5, "qat_lr": None}
METHODS: dict[str, dict[str, Any]] = {
    "spec": {},
    "minmax": OLD_RECIPE,
    "spec-minmax": {**SESSION9, "range": "minmax"},
    "spec-mse": {**SESSION9, "range": "mse"},
    "spec-softmax-out": {**SESSION9, "softmax_bits": "outputs"},
    "spec-kd": {**KD, "qat_schedule": None},
    "spec-kd-cosine": {**KD, "qat_schedule": "cosine"},
    "spec-kd-cosine-avg": {**KD, "qat_schedule": "cosine", "qat_average": 0.999},
    "spec-kd1-cosine": {**KD, "distillation": 1.0, "qat_schedule": "cosine"},
    "spec-long": {"epochs": 100, "patience": 25},
    "spec-highlr": {**KD, "qat_schedule": "cosine", "qat_lr": 3e-3},
    "spec-cosine": {**SESSION9, "qat_schedule": "cosine"},
    "spec-bn": {**SESSION9, "bn_reestimate": True},
    "spec-lowlr": {**SESSION9, "qat_lr": 3e-4},
    "spec-finetune": {"qat_lr": 1e-4, "qat_schedule": "cosine", "distillation": 0.5},
}
"""Method → the options it sets (quantization.range, softmax_bits, training options) over
specs/beijing-o3.yaml. "spec" is what the spec sets (session 10: lsq, distillation 0.5,
cosine QAT, `qat_lr: auto`); "minmax" the recipe before range learning (min/max ranges,
probabilities at MHA's output bits, constant rate); the others set every option they are
named for, so that a row keeps its meaning when the spec's defaults change: SESSION9-based
ones are session 9's spec with one change (softmax_bits "outputs": MHA's output bits),
KD-based ones distill half the target from the float parent at the float phase's rate
("highlr": 3e-3)."""
QUANTIZATION_OPTIONS = {"range", "softmax_bits"}


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


def ridge_rmse(data: WindowedData, penalties: tuple[float, ...] = (1e-3, 1e-2, 0.1, 1, 10, 100)
               ) -> tuple[float, float]:  # fmt: skip
    """Test RMSE (target units) of ridge regression on the flattened windows with an
    intercept, and its penalty, chosen by validation MSE among `penalties`."""

    def design(x: np.ndarray) -> np.ndarray:
        flat = x.reshape(len(x), -1).astype(np.float64)
        return np.hstack([flat, np.ones((len(x), 1))])

    a, y = design(data.train.x), data.train.y.astype(np.float64)
    gram, moment = a.T @ a, a.T @ y
    best: tuple[float, float, np.ndarray] | None = None
    for penalty in penalties:
        ridge = penalty * np.eye(len(gram))
        ridge[-1, -1] = 0.0
        coefficients = np.linalg.solve(gram + ridge, moment)
        error = float(np.mean((design(data.validation.x) @ coefficients - data.validation.y) ** 2))
        if best is None or error < best[0]:
            best = (error, penalty, coefficients)
    assert best is not None
    test = metrics(design(data.test.x) @ best[2], data.test.y, data.target)
    return test.rmse, best[1]


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, text=True, capture_output=True,
                          timeout=10, check=True)  # fmt: skip
    return done.stdout.strip()


def _commit() -> str:
    """The repository's commit (with "+" when the tree has changes), for provenance."""
    try:
        head, dirty = _git("rev-parse", "--short", "HEAD"), _git("status", "--porcelain", "-uno")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+" if dirty else "")


def station_spec(station: str) -> LoadedSpec:
    """specs/beijing-o3.yaml with `station`'s file as its data set."""
    base = load_spec(REPO / "specs" / "beijing-o3.yaml")
    dataset = base.spec.dataset.model_copy(update={"files": [STATIONS[station]]})
    return base.model_copy(update={"spec": base.spec.model_copy(update={"dataset": dataset})})


PARENT_FIELDS = {"float_epochs", "lr", "schedule", "patience", "batch_size", "optimizer",
                 "weight_decay", "threads"}  # fmt: skip
"""The training options the float parent depends on (the others are QAT's)."""


def parent_tag(loaded: LoadedSpec, seed: int) -> str:
    """`s<seed>-<digest>`: the seed and a digest of the model and the float training options,
    so that results of another float parent are never mixed with these."""
    spec = loaded.spec
    text = json.dumps({"model": spec.model.model_dump(mode="json"),
                       "training": spec.training.model_dump(include=PARENT_FIELDS)},
                      sort_keys=True)  # fmt: skip
    return f"s{seed}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def float_model(loaded: LoadedSpec, data: WindowedData, seed: int, out: Path) -> FloatResult:
    """The float parent of `seed` for the station of `loaded`: trained once, then read back
    from DIR/float-<station>-<parent_tag>.pt."""
    spec = loaded.spec
    cache = out / f"float-{Path(spec.dataset.files[0]).stem}-{parent_tag(loaded, seed)}.pt"
    if cache.is_file():
        saved = torch.load(cache, weights_only=False)
        return FloatResult(saved["state"], saved["phase"])
    start = train_float(spec.model, BitConfig.from_spec(spec), data, spec.training, seed)
    buffer = io.BytesIO()
    torch.save({"state": start.state, "phase": start.phase}, buffer)
    write_bytes_atomic(cache, buffer.getvalue())
    return start


def run_station(station: str, seed: int, out: Path, console: Console, configs: list[str],
                methods: list[str]) -> list[dict[str, Any]]:  # fmt: skip
    """Every configuration × method on one station and seed; rows already in the station's
    JSON are read back, not recomputed. Rows are labelled `<configuration>/<method>`."""
    loaded = station_spec(station)
    spec = loaded.spec
    if loaded.manifest is None:
        raise SystemExit("specs/beijing-o3.yaml names no dataset manifest")
    data = load_windows(spec.dataset, loaded.manifest)
    path = out / f"{station}-{parent_tag(loaded, seed)}.json"
    rows: list[dict[str, Any]] = json.loads(path.read_text()) if path.is_file() else []
    done = {row["config"] for row in rows}
    if "ridge" not in done:
        rmse, penalty = ridge_rmse(data)
        rows.append({"station": station, "seed": seed, "config": "ridge", "rmse": rmse,
                     "penalty": penalty})  # fmt: skip
        write_json_atomic(path, rows)
    began = time.perf_counter()
    start = float_model(loaded, data, seed, out)
    parent = float_accuracy(spec.model, BitConfig.from_spec(spec), data, start)
    if "float32" not in done:
        phase = start.phase
        rows.append({
            "station": station, "seed": seed, "config": "float32", "rmse": parent.rmse,
            "mae": parent.mae, "float_rmse": parent.rmse, "seconds": time.perf_counter() - began,
            "epochs": None if phase is None else phase.epochs_run,
            "best_epoch": None if phase is None else phase.best_epoch,
            "seconds_per_epoch": None if phase is None else float(np.mean(phase.epoch_seconds)),
        })  # fmt: skip
        write_json_atomic(path, rows)
    every = configurations(loaded)
    for name in configs:
        for method in methods:
            label = f"{name}/{method}"
            options = METHODS[method]
            quantization = spec.quantization.model_copy(
                update={k: v for k, v in options.items() if k == "range"}
            )
            training = spec.training.model_copy(
                update={k: v for k, v in options.items() if k not in QUANTIZATION_OPTIONS}
            )
            config = every[name]
            if "softmax_bits" in options:
                softmax = options["softmax_bits"]
                if softmax == "outputs":
                    softmax = config.components["MHA"].outputs
                config = config.model_copy(update={"softmax_bits": softmax})
            settings = {"range": quantization.range, "softmax_bits": config.softmax_bits,
                        **training.model_dump()}  # fmt: skip
            kept = next((row for row in rows if row["config"] == label), None)
            if kept is not None and kept.get("options") == settings:
                continue
            rows = [row for row in rows if row is not kept]
            began = time.perf_counter()
            result = train_qat(spec.model, config, quantization, data, training, seed, start)
            result.net.set_exact(False)
            approximate = metrics(predict(result.net, data.test.x), data.test.y, data.target)
            integer = result.accuracy["intref"]
            rows.append({
                "station": station, "seed": seed, "config": label, "bits": config.describe(),
                "rmse": integer.rmse, "mae": integer.mae, "float_rmse": parent.rmse,
                "fake_quant_rmse": result.accuracy["fake_quant"].rmse,
                "training_form_rmse": approximate.rmse,
                "qat_epochs": result.phase.epochs_run, "best_epoch": result.phase.best_epoch,
                "seconds_per_epoch": float(np.mean(result.phase.epoch_seconds)),
                "seconds": time.perf_counter() - began,
                "options": settings, "commit": _commit(),
            })  # fmt: skip
            write_json_atomic(path, rows)
            console.log(f"{station} s{seed} {label}: integer RMSE {integer.rmse:.2f} "
                        f"(float {parent.rmse:.2f}, ×{integer.rmse / parent.rmse:.3f})")  # fmt: skip
    return rows


def tables(rows: list[dict[str, Any]], console: Console) -> None:
    """Per station and seed, then the mean ratio to the float parent over stations × seeds."""
    runs = sorted({(r["station"], r["seed"]) for r in rows})
    labels = list(dict.fromkeys(r["config"] for r in rows))
    detail = Table(title="Test RMSE (µg/m³) of the integer reference; × its own float parent")
    detail.add_column("configuration/method", no_wrap=True)
    for station, seed in runs:
        detail.add_column(f"{station} s{seed}", justify="right")
    for label in labels:
        cells = [label]
        for station, seed in runs:
            row = next((r for r in rows if (r["station"], r["seed"], r["config"])
                        == (station, seed, label)), None)  # fmt: skip
            if row is None:
                cells.append("")
            elif "float_rmse" in row and label != "float32":
                cells.append(f"{row['rmse']:.2f} ×{row['rmse'] / row['float_rmse']:.3f}")
            else:
                extra = f" (best ep {row['best_epoch']})" if row.get("best_epoch") else ""
                cells.append(f"{row['rmse']:.2f}{extra}")
        detail.add_row(*cells)
    console.print(detail)
    summary = Table(title="Mean over stations × seeds (integer reference)")
    for column in ("configuration/method", "runs", "RMSE", "× float", "worst ×", "below ridge",
                   "s/epoch"):  # fmt: skip
        if column.startswith("config"):
            summary.add_column(column, no_wrap=True, min_width=32)
        else:
            summary.add_column(column, justify="right")
    ridge = {(r["station"], r["seed"]): r["rmse"] for r in rows if r["config"] == "ridge"}
    for label in labels:
        group = [r for r in rows if r["config"] == label]
        ratios = [r["rmse"] / r["float_rmse"] for r in group if "float_rmse" in r]
        below = sum(r["rmse"] < ridge.get((r["station"], r["seed"]), np.inf) for r in group)
        speed = [r["seconds_per_epoch"] for r in group if r.get("seconds_per_epoch")]
        summary.add_row(
            label, str(len(group)), f"{np.mean([r['rmse'] for r in group]):.2f}",
            f"{np.mean(ratios):.3f}" if ratios else "", f"{max(ratios):.3f}" if ratios else "",
            f"{below}/{len(group)}" if label != "ridge" else "",
            f"{np.mean(speed):.2f}" if speed else "",
        )  # fmt: skip
    console.print(summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", default="Aotizhongxin,Changping")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench" / "qat_accuracy")
    parser.add_argument("--configs", default="uniform8-asymmetric,mixed-asymmetric,"
                        "uniform4-asymmetric", help="comma-separated configuration labels")  # fmt: skip
    parser.add_argument("--methods", default="minmax,spec",
                        help=f"comma-separated methods: {', '.join(METHODS)}")  # fmt: skip
    parser.add_argument("--table", action="store_true", help="only print what DIR holds")
    args, _ = parser.parse_known_args()
    console = Console()
    configs, methods = args.configs.split(","), args.methods.split(",")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SystemExit(f"unknown methods {unknown}; known: {', '.join(METHODS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.table:
        for station in args.stations.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                run_station(station, seed, args.out, console, configs, methods)
    loaded = station_spec(args.stations.split(",")[0])
    tags = {parent_tag(loaded, int(seed)) for seed in args.seeds.split(",")}
    rows = [row for path in sorted(args.out.glob("*-s*-*.json"))
            if any(path.stem.endswith(tag) for tag in tags)
            for row in json.loads(path.read_text())]  # fmt: skip
    write_json_atomic(args.out / "qat_accuracy.json", rows)
    tables(rows, console)
    console.print(f"JSON: {args.out / 'qat_accuracy.json'}")


if __name__ == "__main__":
    main()
