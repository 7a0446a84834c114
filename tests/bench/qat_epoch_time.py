"""Benchmark: seconds per training epoch of QAT against float training, same model and data.

The model and data of specs/beijing-o3.yaml (Dongsi), one thread, batch 64. Both forms start
from the same initial weights and train `--epochs` epochs over the same batch order with
`resq.qat.training.train_step`, the step `fit` runs, taking turns batch by batch: this
machine's speed drifts by ±20% within seconds, and the turns make the drift hit both forms
alike. An epoch's seconds are the sum of its batches plus one validation pass (QAT validates
in the training form, as `resq.qat.experiment.train_qat` does) with the ranges the spec
chooses (`quantization.range`; learned under lsq). The table gives medians over
epochs and the median over epochs of the QAT/float ratio.

    python tests/bench/qat_epoch_time.py [--epochs 5] [--config beijing-o3.yaml] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from resq.qat.experiment import build
from resq.qat.training import calibrate, make_optimizer, predict, train_step
from resq.spec import BitConfig, load_spec
from resq.spec.atomic import write_json_atomic
from resq.spec.data import load_windows
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]
FORMS = ("float", "qat")
KEYS = {"epoch_seconds": "epoch", "train_seconds": "training pass",
        "validation_seconds": "validation pass"}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--config", default="beijing-o3.yaml", help="spec file giving the bits")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench")
    args, _ = parser.parse_known_args()
    loaded = load_spec(REPO / "specs" / "beijing-o3.yaml")
    if loaded.manifest is None:
        raise SystemExit("specs/beijing-o3.yaml names no dataset manifest")
    spec = loaded.spec
    data = load_windows(spec.dataset, loaded.manifest)
    bits = BitConfig.from_spec(load_spec(REPO / "specs" / args.config).spec)
    batch = spec.training.batch_size
    nets = {}
    for form in FORMS:
        net = build(spec.model, bits, spec.quantization.adaptive_threshold, spec.seed, 1)
        if form == "qat":
            net.set_range(spec.quantization.range, spec.quantization.ema_momentum)
            net.set_quantized(True)
            net.set_exact(False)
            calibrate(net, data.train, batch)
            if spec.quantization.range == "lsq":
                net.learn_ranges()
        nets[form] = net
    optimizers = {form: make_optimizer(nets[form], spec.training, spec.training.lr)
                  for form in FORMS}  # fmt: skip
    x_all, y_all = torch.from_numpy(data.train.x), torch.from_numpy(data.train.y)
    generator = torch.Generator().manual_seed(spec.seed)
    seconds: dict[str, dict[str, list[float]]] = {form: {key: [] for key in KEYS} for form in FORMS}
    for _ in range(args.epochs):
        spent = dict.fromkeys(FORMS, 0.0)
        for net in nets.values():
            net.train()
        order = torch.randperm(len(x_all), generator=generator)
        for start in range(0, len(order), batch):
            index = order[start : start + batch]
            x, y = x_all[index], y_all[index]
            for form in FORMS:
                began = time.perf_counter()
                train_step(nets[form], optimizers[form], x, y)
                spent[form] += time.perf_counter() - began
        for form in FORMS:
            began = time.perf_counter()
            predict(nets[form], data.validation.x)
            validation = time.perf_counter() - began
            seconds[form]["train_seconds"].append(spent[form])
            seconds[form]["validation_seconds"].append(validation)
            seconds[form]["epoch_seconds"].append(spent[form] + validation)
    results = {
        form: {key: float(np.median(values)) for key, values in seconds[form].items()}
        for form in FORMS
    }
    pairs = {key: np.array(seconds["qat"][key]) / np.array(seconds["float"][key]) for key in KEYS}
    ratio = {key: float(np.median(values)) for key, values in pairs.items()}
    ratio_range = {key: [float(values.min()), float(values.max())] for key, values in pairs.items()}
    record = {
        "config": bits.describe(), "range": spec.quantization.range, "epochs": args.epochs,
        "train_windows": len(data.train.x), "batch_size": batch, "threads": 1, **results, "ratio": ratio,
        "ratio_range": ratio_range, "seconds": seconds,
    }  # fmt: skip
    write_json_atomic(args.out / "qat_epoch_time.json", record)
    table = Table(title=f"Seconds per epoch, {len(data.train.x)} windows, batch {batch}")
    for column in ("", "float", "QAT", "QAT / float", "min – max"):
        table.add_column(column, justify="right")
    for key, label in KEYS.items():
        low, high = ratio_range[key]
        table.add_row(label, f"{results['float'][key]:.2f}", f"{results['qat'][key]:.2f}",
                      f"{ratio[key]:.2f}×", f"{low:.2f} – {high:.2f}")  # fmt: skip
    console = Console()
    console.print(table)
    console.print(f"JSON: {args.out / 'qat_epoch_time.json'}")


if __name__ == "__main__":
    main()
