"""Benchmark: configurations estimated per second by the score tables (resq.estimator.tables).

Builds the per-node option tables of specs/airu.yaml's model over the default Space from a
knowledge base (`--kdb DIR`, default the shipped one), draws `--configs` random index
configurations, and times `Tables.score` on them (best of `--repeat`), beside the time to
build the tables and to estimate one configuration with `Estimator.estimate`. Prints a
table and writes JSON.

    python tests/bench/estimator_speed.py [--kdb DIR] [--configs 1000000] [--repeat 5]
        [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from resq.deploy.yosys import synth_family
from resq.estimator.cli import DATA
from resq.estimator.estimate import Estimator
from resq.estimator.kdb import find_kdb, read_kdb
from resq.estimator.space import Space
from resq.estimator.tables import Batch, Tables
from resq.hdlgen.cores import cores_root
from resq.spec import ResqError, load_spec
from resq.spec.atomic import write_json_atomic
from resq.spec.components import COMPONENTS
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[2]


def random_batch(tables: Tables, count: int, seed: int) -> Batch:
    """`count` configurations of random indices into the tables' space."""
    rng = np.random.default_rng(seed)
    space, nodes = tables.space, len(tables.blocks)
    return Batch(
        widths=rng.integers(0, len(space.bits), (count, len(COMPONENTS), 3)),
        softmax=rng.integers(0, len(space.bits), count),
        parallelism=rng.integers(0, len(space.parallelism), (count, nodes)),
        multiplier=rng.integers(0, len(space.multipliers), (count, nodes)),
        storage=rng.integers(0, len(space.storages), (count, nodes)),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kdb", type=Path, default=DATA)
    parser.add_argument("--configs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench")
    args = parser.parse_args()
    loaded = load_spec(REPO / "specs" / "airu.yaml")
    began = time.perf_counter()
    try:
        database = read_kdb(find_kdb(args.kdb, synth_family(loaded.board.family)))
    except ResqError as e:
        raise SystemExit(f"estimator_speed: {e}") from e
    estimator = Estimator(database, cores_root())
    loaded_s = time.perf_counter() - began
    began = time.perf_counter()
    estimator.estimate(loaded, loaded.bit_config())
    one_s = time.perf_counter() - began
    began = time.perf_counter()
    tables = Tables.build(estimator, loaded, Space())
    build_s = time.perf_counter() - began
    batch = random_batch(tables, args.configs, seed=0)
    best = float("inf")
    for _ in range(args.repeat):
        began = time.perf_counter()
        tables.score(batch)
        best = min(best, time.perf_counter() - began)
    rate = args.configs / best
    result = {"configs": args.configs, "score_s": best, "configs_per_s": rate,
              "tables_build_s": build_s, "kdb_load_s": loaded_s, "one_estimate_s": one_s}  # fmt: skip
    table = Table(title="resq.estimator scoring speed (airu model, default Space)")
    for column in ("configs", "score s (best)", "configs / s", "tables build s",
                   "kdb load s", "one estimate s"):  # fmt: skip
        table.add_column(column, justify="right")
    table.add_row(f"{args.configs:,}", f"{best:.3f}", f"{rate:,.0f}", f"{build_s:.1f}",
                  f"{loaded_s:.2f}", f"{one_s:.3f}")  # fmt: skip
    Console().print(table)
    write_json_atomic(args.out / "estimator_speed.json", result)


if __name__ == "__main__":
    main()
