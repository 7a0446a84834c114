"""Benchmark: the estimate against whole-model Yosys synthesis on random mixed configurations.

Draws `--samples` random configurations of the airu-shaped model of specs/beijing-o3.yaml
(bit widths per component and softmax, PAR, multiplier and storage per node; calibrated on
Beijing data, no training), synthesizes each whole generated model with Yosys (journaled in
`--out`, per toolchain, beside the shipped knowledge base: rerun to resume; the samples are
measured before the knowledge base is needed) and compares each with its estimate from the knowledge base
(`--kdb`, default the shipped one), the glue of the other samples included: mean, largest
and mean signed error per resource in %, the share estimated exactly, and whether the fit
verdict agrees. The glue and its error band are written into the knowledge base, as
`spec kdb validate` does. Prints the table and writes JSON.

    python tests/bench/estimator_accuracy.py [--samples 20] [--seed 0] [--kdb DIR]
        [--out DIR] [--workers 2]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from resq.deploy.route import synthesis_route
from resq.deploy.yosys import synth_family
from resq.estimator.cli import DATA, comparison_table
from resq.estimator.estimate import Estimator
from resq.estimator.executor import Executor
from resq.estimator.kdb import Toolchain, find_kdb, read_kdb, save_kdb, shape_key
from resq.estimator.validate import Validation, compare, draw
from resq.hdlgen.cores import cores_root
from resq.spec import ResqError, load_spec
from resq.spec.atomic import write_json_atomic
from rich.console import Console

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kdb", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=DATA / "validation")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    loaded = load_spec(REPO / "specs" / "beijing-o3.yaml")
    try:
        configs = draw(loaded, args.samples, args.seed)
        tag = Toolchain(route="yosys", versions=synthesis_route("yosys").versions()).tag()
        journal = args.out / f"samples-{tag}-s{args.seed}.jsonl"
        samples = Validation(journal).run(loaded, configs, cores_root(),
                                          Executor("local", args.workers))  # fmt: skip
        path = find_kdb(args.kdb, synth_family(loaded.board.family))
        database = read_kdb(path)
        comparison = compare(Estimator(database, cores_root()), loaded, samples)
    except ResqError as e:
        raise SystemExit(f"estimator_accuracy: {e}") from e
    database.glue[shape_key(loaded.spec.model)] = comparison.glue
    save_kdb(path, database)
    Console().print(comparison_table(comparison))
    write_json_atomic(args.out / "estimator_accuracy.json", comparison.model_dump(mode="json"))


if __name__ == "__main__":
    main()
