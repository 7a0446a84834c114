"""Benchmark: seconds per training epoch of QAT against float training, same model and data.

The model and data of specs/beijing-o3.yaml (Dongsi), one thread, batch 64. Both forms start
from the same initial weights and train `--epochs` epochs, alternating one float epoch and
one QAT epoch so that a change in machine load hits both; the table gives the median seconds
of the training pass and of the validation pass per epoch, and the QAT/float ratio as the
median over epochs of each QAT epoch over the float epoch run just before it (this machine's
speed drifts by ±20% within seconds, which the pairing cancels). QAT validates in the
training form, as `resq.qat.experiment.train_qat` does.

    python tests/bench/qat_epoch_time.py [--epochs 7] [--config beijing-o3.yaml] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from resq.qat.data import load_windows
from resq.qat.experiment import build
from resq.qat.training import calibrate, fit, predict
from resq.spec import BitConfig, load_spec
from resq.spec.atomic import write_json_atomic
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]
FORMS = ("float", "qat")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=7)
    parser.add_argument("--config", default="beijing-o3.yaml", help="spec file giving the bits")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench")
    args, _ = parser.parse_known_args()
    loaded = load_spec(REPO / "specs" / "beijing-o3.yaml")
    if loaded.manifest is None:
        raise SystemExit("specs/beijing-o3.yaml names no dataset manifest")
    spec = loaded.spec
    data = load_windows(spec.dataset, loaded.manifest)
    bits = BitConfig.from_spec(load_spec(REPO / "specs" / args.config).spec)
    training = spec.training.model_copy(update={"patience": 2})
    nets = {}
    for form in FORMS:
        net = build(spec.model, bits, spec.quantization.adaptive_threshold, spec.seed, 1)
        if form == "qat":
            net.set_quantized(True)
            net.set_exact(False)
            calibrate(net, data.train, training.batch_size)
        nets[form] = net
    seconds: dict[str, dict[str, list[float]]] = {
        form: {"epoch_seconds": [], "train_seconds": [], "validation_seconds": []} for form in FORMS
    }
    for epoch in range(args.epochs):
        for form in FORMS:
            phase = fit(nets[form], data.train, data.validation, training, 1, epoch, form)
            began = time.perf_counter()
            predict(nets[form], data.validation.x)
            validation_s = time.perf_counter() - began
            seconds[form]["epoch_seconds"].append(phase.epoch_seconds[0])
            seconds[form]["train_seconds"].append(phase.epoch_seconds[0] - validation_s)
            seconds[form]["validation_seconds"].append(validation_s)
    results = {
        form: {key: float(np.median(values)) for key, values in seconds[form].items()}
        for form in FORMS
    }
    pairs = {
        key: np.array(seconds["qat"][key]) / np.array(seconds["float"][key])
        for key in seconds["float"]
    }
    ratio = {key: float(np.median(values)) for key, values in pairs.items()}
    ratio_range = {key: [float(values.min()), float(values.max())] for key, values in pairs.items()}
    record = {
        "config": bits.describe(), "epochs": args.epochs, "train_windows": len(data.train.x),
        "batch_size": training.batch_size, "threads": 1, **results, "ratio": ratio,
        "ratio_range": ratio_range, "seconds": seconds,
    }  # fmt: skip
    write_json_atomic(args.out / "qat_epoch_time.json", record)
    table = Table(
        title=f"Seconds per epoch, {len(data.train.x)} windows, batch {training.batch_size}"
    )
    for column in ("", "float", "QAT", "QAT / float", "min – max"):
        table.add_column(column, justify="right")
    for key, label in (("epoch_seconds", "epoch"), ("train_seconds", "training pass"),
                       ("validation_seconds", "validation pass")):  # fmt: skip
        low, high = ratio_range[key]
        table.add_row(label, f"{results['float'][key]:.2f}", f"{results['qat'][key]:.2f}",
                      f"{ratio[key]:.2f}×", f"{low:.2f} – {high:.2f}")  # fmt: skip
    console = Console()
    console.print(table)
    console.print(f"JSON: {args.out / 'qat_epoch_time.json'}")


if __name__ == "__main__":
    main()
