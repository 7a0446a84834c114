"""Benchmark: what the integer softmax alone costs, per probability width.

The float parents of tests/bench/qat_accuracy.py (same stations, seeds and cache), evaluated
with every quantizer at 16 bit (calibrated, min/max; the 16-bit row without narrower
probabilities shows this costs nothing measurable) and the softmax's probabilities at P bits.
Test RMSE (µg/m³) of the bit-exact path, beside the float model's own.

    python tests/bench/softmax_budget.py [--stations Aotizhongxin,Changping] [--seeds 0,1,2]
        [--widths 3,4,5,6,7,8,10,12,16] [--out DIR]

Float parents missing from DIR are trained (and kept there); the table goes to
DIR/softmax_budget.json.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from qat_accuracy import REPO, float_model, station_spec
from resq.qat.evaluation import metrics
from resq.qat.experiment import build, float_accuracy
from resq.qat.quant.modules import QAttention
from resq.qat.training import calibrate, predict
from resq.spec import BitConfig
from resq.spec.atomic import write_json_atomic
from resq.spec.data import load_windows
from rich.console import Console
from rich.table import Table


def budget(station: str, seed: int, widths: list[int], out: Path) -> dict[str, Any]:
    """Float RMSE and, per probability width, the RMSE of the otherwise 16-bit model."""
    loaded = station_spec(station)
    spec = loaded.spec
    if loaded.manifest is None:
        raise SystemExit("specs/beijing-o3.yaml names no dataset manifest")
    data = load_windows(spec.dataset, loaded.manifest)
    start = float_model(loaded, data, seed, out)
    parent = float_accuracy(spec.model, BitConfig.from_spec(spec), data, start)
    wide = spec.quantization.model_copy(update={"default_bits": 16, "softmax_bits": 16})
    net = build(spec.model, BitConfig.from_spec(spec.model_copy(update={"quantization": wide})),
                0.1, seed, spec.training.threads)  # fmt: skip
    net.load_float_state(start.state)
    net.set_quantized(True)
    calibrate(net, data.train, 256)
    net.set_exact(True)
    rmse = {}
    for width in widths:
        for module in net.modules():
            if isinstance(module, QAttention):
                module.prob_bits = width
        rmse[width] = metrics(predict(net, data.test.x), data.test.y, data.target).rmse
    return {"station": station, "seed": seed, "float_rmse": parent.rmse, "rmse": rmse}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", default="Aotizhongxin,Changping")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--widths", default="3,4,5,6,7,8,10,12,16")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench" / "qat_accuracy")
    args, _ = parser.parse_known_args()
    widths = [int(w) for w in args.widths.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = [budget(station, int(seed), widths, args.out)
            for station in args.stations.split(",") for seed in args.seeds.split(",")]  # fmt: skip
    write_json_atomic(args.out / "softmax_budget.json", rows)
    table = Table(title="Test RMSE (µg/m³): 16-bit model, softmax probabilities at P bits")
    table.add_column("P (bits)")
    for row in rows:
        table.add_column(f"{row['station']} s{row['seed']}", justify="right")
    table.add_column("mean × float", justify="right")
    table.add_row("float", *(f"{r['float_rmse']:.2f}" for r in rows), "1.000")
    for width in widths:
        ratios = [r["rmse"][width] / r["float_rmse"] for r in rows]
        table.add_row(str(width), *(f"{r['rmse'][width]:.2f}" for r in rows),
                      f"{np.mean(ratios):.3f}")  # fmt: skip
    Console().print(table)
    Console().print(f"JSON: {args.out / 'softmax_budget.json'}")


if __name__ == "__main__":
    main()
