"""Benchmark: the configuration each search method chooses for the XC7S15, whether it fits,
and its accuracy beside uniform configurations and the float parent.

specs/beijing-o3.yaml (airu's model, board and budget: 90 % of the LUTs, 20,000 cycles) is
searched with the knowledge base `--kdb` (default: the shipped one). Configurations:
- `uniform4`, `uniform6`, `uniform8`: every width b (the softmax as the spec fixes it),
  with the hardware the ILP finds smallest for those widths (within the budget when it
  can be; one that does not fit is still trained and synthesized, to show by how much);
- `ilp-ablation`, `ilp-mask_kl`: the ILP with each sensitivity method's costs (the spec's
  objective); `filter`: paper 000 (widest sum of widths that fits), with the hardware of the
  widest uniform configuration that fits (paper 000 does not search hardware);
  `paper001`: paper 001's mixed widths (specs/beijing-o3-mixed.yaml), hardware by the ILP.
The methods that depend on sensitivity choose per station and seed: their costs come from
the QAT network at uniform 8 bit trained from that seed's float parent.

Per station × seed, each distinct set of widths is trained with QAT from the float parent
(the spec's recipe; float parents as in qat_accuracy.py, `--parents DIR` reuses its files)
and its integer reference's test RMSE is paired with the parent's. With `--yosys`, every
distinct configuration is synthesized whole by Yosys (journaled in DIR/yosys.jsonl,
resumable; weights calibrated, not trained, as `spec kdb validate` does) and judged by the
true fit rule against the budget itself, not the lowered one the search used.

    python tests/bench/search.py [--stations Aotizhongxin,Changping] [--seeds 0,1,2]
        [--kdb DIR] [--parents DIR] [--out DIR] [--yosys] [--workers 2]

Results are kept in DIR/<station>-<parent tag>.json as they finish (rerun to resume); the
table (and DIR/search.json) gives per configuration the estimate, the verdicts and the mean
RMSE ratio to the float parent over stations × seeds. The journal measured so far (float
parents, trained results, whole-model Yosys) is kept in tests/bench/results/search: pass
`--out tests/bench/results/search` to resume it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from resq.deploy.yosys import synth_family
from resq.estimator.estimate import Estimator
from resq.estimator.executor import Executor
from resq.estimator.kdb import find_kdb, kdb_home, read_kdb
from resq.estimator.tables import Tables
from resq.estimator.validate import Validation, config_digest
from resq.hdlgen.cores import cores_root
from resq.optimizer.formulation import Formulation, formulate, problem, solve
from resq.optimizer.problem import NothingFitsError, Solution, sources
from resq.optimizer.sensitivity import Sensitivity, analyse
from resq.qat.experiment import FloatResult, float_accuracy, train_qat
from resq.spec import RESOURCE_KINDS, BitConfig, LoadedSpec, Resources, load_spec
from resq.spec.atomic import write_json_atomic
from resq.spec.data import WindowedData, load_windows
from resq.spec.search import ObjectiveWeights
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from qat_accuracy import float_model, parent_tag, station_spec

REPO = Path(__file__).resolve().parents[2]
UNIFORM = (4, 6, 8)
SMALLEST = ObjectiveWeights(sensitivity=0.0, area=1.0)
"""The objective of a uniform configuration's hardware: the smallest footprint."""
OVER_BUDGET = 100.0
"""A design that does not fit is the smallest within this many times the budget (the
latency limit kept), by the same objective: the largest fraction of the budget it uses."""


def widths_key(config: BitConfig) -> str:
    """A digest of what training depends on (widths and schemes, not the hardware)."""
    text = json.dumps(config.bits_only(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Searcher:
    """The score tables of the spec's model, built once, and the searches over them."""

    def __init__(self, loaded: LoadedSpec, kdb: Path) -> None:
        self.loaded = loaded
        database = read_kdb(find_kdb(kdb, synth_family(loaded.board.family)))
        self.estimator = Estimator(database, cores_root())
        self.formulation: Formulation = formulate(loaded, self.estimator)
        began = time.perf_counter()
        self.tables = Tables.build(self.estimator, loaded, self.formulation.space)
        self.tables_seconds = time.perf_counter() - began

    def best(self, costs: dict[str, dict[int, float]], fixed: dict[str, int] | None = None,
             weights: ObjectiveWeights | None = None,
             hardware: dict[str, tuple[int | None, str | None, str | None]] | None = None,
             method: str = "ilp", bounded: bool = True) -> tuple[Solution | None, float]:  # fmt: skip
        """The best solution (None when nothing fits) and the seconds the method took;
        `bounded=False`: within `OVER_BUDGET` times the budget instead."""
        formulation = self.formulation.model_copy(update={
            "fixed": {**self.formulation.fixed, **(fixed or {})},
            "fixed_nodes": hardware or self.formulation.fixed_nodes,
            "limits": self.formulation.limits if bounded else self.unbounded()})  # fmt: skip
        search = problem(self.loaded, formulation, self.tables, costs)
        if weights is not None:
            search.weights = weights
        began = time.perf_counter()
        try:
            found = solve(method, search, 1)[0]
        except NothingFitsError:
            return None, time.perf_counter() - began
        return found, time.perf_counter() - began

    def unbounded(self) -> Resources:
        """The formulation's limits, each resource's times `OVER_BUDGET`."""
        limits = self.formulation.limits
        return limits.model_copy(update={kind: float(getattr(limits, kind)) * OVER_BUDGET
                                         for kind in RESOURCE_KINDS})  # fmt: skip

    def uniform(self, bits: int, bounded: bool = True) -> tuple[Solution | None, float]:
        """Every width `bits` with the smallest hardware: within the budget (None when
        nothing fits), or `bounded=False` the smallest design whatever it uses."""
        widths = sources(self.tables)
        fixed = {s: bits for s in widths if s not in self.formulation.fixed}
        return self.best({}, fixed, SMALLEST, bounded=bounded)

    def paper001(self) -> tuple[Solution | None, float]:
        mixed = load_spec(REPO / "specs" / "beijing-o3-mixed.yaml").bit_config()
        widths = sources(self.tables)
        fixed = {}
        for source in widths:
            if source in self.formulation.fixed:
                continue
            component, role = source.split(".")
            fixed[source] = getattr(mixed.components[component], role)  # type: ignore[index]
        return self.best({}, fixed, SMALLEST)


def choices(searcher: Searcher, sensitivity: Sensitivity) -> dict[str, dict[str, Any]]:
    """Label → the chosen solution (or None), its BitConfig and the method's seconds."""
    spec = searcher.loaded.spec
    found: dict[str, tuple[Solution | None, float]] = {
        f"uniform{b}": searcher.uniform(b) for b in UNIFORM}  # fmt: skip
    for method in ("ablation", "mask_kl"):
        found[f"ilp-{method}"] = searcher.best(sensitivity.costs[method])
    widest = next((found[f"uniform{b}"][0] for b in sorted(UNIFORM, reverse=True)
                   if found[f"uniform{b}"][0] is not None), None)  # fmt: skip
    if widest is not None:
        hardware: dict[str, tuple[int | None, str | None, str | None]] = {
            node: (c.parallelism, c.multiplier, c.storage) for node, c in widest.nodes.items()}  # fmt: skip
        found["filter"] = searcher.best({}, hardware=hardware, method="filter")
    else:
        found["filter"] = (None, 0.0)
    found["paper001"] = searcher.paper001()
    for b in UNIFORM:  # what does not fit is still estimated, trained and synthesized
        if found[f"uniform{b}"][0] is None:
            found[f"uniform{b}"] = searcher.uniform(b, bounded=False)
    return {label: {"solution": s, "seconds": t,
                    "config": None if s is None else s.bit_config(spec)}
            for label, (s, t) in found.items()}  # fmt: skip


def smoke(loaded: LoadedSpec) -> LoadedSpec:
    """`loaded` with 1,500 windows, 2 float epochs and 1 QAT epoch."""
    spec = loaded.spec
    spec = spec.model_copy(update={
        "dataset": spec.dataset.model_copy(update={"max_windows": 1500}),
        "training": spec.training.model_copy(update={"float_epochs": 2, "epochs": 1})})  # fmt: skip
    return loaded.model_copy(update={"spec": spec})


def run_station(station: str, seed: int, searcher: Searcher, parents: Path, out: Path,
                console: Console, quick: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """Every configuration's choice and accuracy on one station and seed (rows kept in
    DIR/<station>-<tag>.json; finished ones are read back). `quick`: `smoke`."""
    loaded = smoke(station_spec(station)) if quick else station_spec(station)
    spec = loaded.spec
    assert loaded.manifest is not None
    data = load_windows(spec.dataset, loaded.manifest)
    path = out / f"{station}-{parent_tag(loaded, seed)}.json"
    saved: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    start = float_model(loaded, data, seed, parents)
    trained: dict[str, dict[str, Any]] = saved.get("trained", {})

    def train(config: BitConfig) -> dict[str, Any]:
        key = widths_key(config)
        if key not in trained:
            began = time.perf_counter()
            result = train_qat(spec.model, config, spec.quantization, data, spec.training, seed,
                               start)  # fmt: skip
            trained[key] = {"rmse": result.accuracy["intref"].rmse, "bits": config.describe(),
                            "seconds": time.perf_counter() - began}  # fmt: skip
            saved["trained"] = trained
            write_json_atomic(path, saved)
            console.log(f"{station} s{seed} {config.describe()}: RMSE {trained[key]['rmse']:.2f}")
        return trained[key]

    if "sensitivity" not in saved:
        eight = BitConfig.from_spec(spec)
        result = train_qat(spec.model, eight, spec.quantization, data, spec.training, seed, start)
        trained.setdefault(widths_key(eight), {"rmse": result.accuracy["intref"].rmse,
                                               "bits": eight.describe()})  # fmt: skip
        saved["trained"] = trained
        sensitivity = analyse(result.net, data.validation, spec.quantization.candidate_bits,
                              seed)  # fmt: skip
        saved["sensitivity"] = sensitivity.model_dump(mode="json")
        write_json_atomic(path, saved)
    sensitivity = Sensitivity.model_validate(saved["sensitivity"])
    parent_rmse = _float_rmse(loaded, data, start)
    rows = []
    for label, chosen in choices(searcher, sensitivity).items():
        row: dict[str, Any] = {"station": station, "seed": seed, "label": label,
                               "float_rmse": parent_rmse, "search_seconds": chosen["seconds"]}  # fmt: skip
        config = chosen["config"]
        if config is not None:
            row |= {"rmse": train(config)["rmse"], "config": config.model_dump(mode="json"),
                    "digest": config_digest(config), "widths": chosen["solution"].widths}  # fmt: skip
            row["ratio"] = row["rmse"] / parent_rmse
        rows.append(row)
    saved["rows"] = rows
    write_json_atomic(path, saved)
    return rows


def _float_rmse(loaded: LoadedSpec, data: WindowedData, start: FloatResult) -> float:
    return float_accuracy(loaded.spec.model, BitConfig.from_spec(loaded.spec), data, start).rmse


def check_yosys(searcher: Searcher, configs: dict[str, BitConfig], out: Path, workers: int
                ) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Digest → measured resources and the true fit verdict of each configuration."""
    validation = Validation(out / "yosys.jsonl")
    samples = validation.run(searcher.loaded, list(configs.values()), cores_root(),
                             Executor("local", workers))  # fmt: skip
    limits = searcher.loaded.limits()
    return {config_digest(s.config): {"resources": s.measured.model_dump(mode="json"),
                                      "fits": s.measured.fits(limits),
                                      "exceeded": s.measured.exceeded(limits),
                                      "seconds": s.seconds}
            for s in samples}  # fmt: skip


def widths_text(widths: dict[str, int]) -> str:
    """How many width sources take each width, e.g. `4b×14 8b×7`."""
    counts = {b: sum(1 for w in widths.values() if w == b) for b in sorted(set(widths.values()))}
    return " ".join(f"{b}b×{n}" for b, n in counts.items())


def table(rows: list[dict[str, Any]], searcher: Searcher, yosys: dict[str, dict[str, Any]],
          console: Console) -> list[dict[str, Any]]:  # fmt: skip
    """Per configuration label: estimate, verdicts, mean ratio to the float parent."""
    summary = []
    labels = list(dict.fromkeys(r["label"] for r in rows))
    out = Table(title="search on the XC7S15 budget (estimate; Yosys; test RMSE / float parent)")
    for column in ("configuration", "widths", "LUT est", "DSP", "BRAM36", "cycles", "fits est",
                   "LUT Yosys", "fits Yosys", "× float (mean)", "runs", "search s (max)"):  # fmt: skip
        out.add_column(column, justify="left" if column in ("configuration", "widths") else "right")
    for label in labels:
        mine = [r for r in rows if r["label"] == label]
        with_config = [r for r in mine if "config" in r]
        if not with_config:
            out.add_row(label, "nothing fits", *[""] * 10)
            summary.append({"label": label, "fits": False})
            continue
        digests = sorted({r["digest"] for r in with_config})
        first = BitConfig.model_validate(with_config[0]["config"])
        estimate = searcher.estimator.estimate(searcher.loaded, first)
        measured = yosys.get(with_config[0]["digest"])
        ratios = [r["ratio"] for r in with_config]
        mean = sum(ratios) / len(ratios)
        total = estimate.total
        out.add_row(
            label, widths_text(with_config[0]["widths"])
            + ("" if len(digests) == 1 else f" (+{len(digests) - 1} other)"),
            f"{total.total_lut:.0f}", f"{total.dsp:.0f}", f"{total.bram36:.1f}",
            f"{total.cycles}", "yes" if estimate.fits else "no",
            "" if measured is None else f"{measured['resources']['lut'] + measured['resources']['lutram']:.0f}",
            "" if measured is None else ("yes" if measured["fits"] else "no"),
            f"{mean:.3f}", str(len(ratios)), f"{max(r['search_seconds'] for r in mine):.2f}",
        )  # fmt: skip
        summary.append({"label": label, "configs": digests, "estimate": total.model_dump(),
                        "fits_estimate": estimate.fits, "yosys": measured,
                        "ratio_mean": mean, "runs": len(ratios),
                        "search_seconds_max": max(r["search_seconds"] for r in mine)})  # fmt: skip
    console.print(out)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", default="Aotizhongxin,Changping")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--kdb", type=Path, default=kdb_home())
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench" / "search")
    parser.add_argument("--parents", type=Path, help="float parents' folder (default: --out)")
    parser.add_argument("--yosys", action="store_true", help="synthesize every configuration")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="1,500 windows and 1–2 epochs: checks the script, proves nothing",
    )
    args = parser.parse_args()
    console = Console(width=200)
    loaded = load_spec(REPO / "specs" / "beijing-o3.yaml")
    searcher = Searcher(loaded, args.kdb)
    console.log(f"score tables in {searcher.tables_seconds:.1f} s; margin "
                f"{searcher.formulation.margin or 'none (shape not validated)'}")  # fmt: skip
    rows = []
    for station in args.stations.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            rows += run_station(station, seed, searcher, args.parents or args.out, args.out,
                                console, args.smoke)  # fmt: skip
    configs = {r["digest"]: BitConfig.model_validate(r["config"]) for r in rows if "config" in r}
    yosys = check_yosys(searcher, configs, args.out, args.workers) if args.yosys else {}
    summary = table(rows, searcher, yosys, console)
    write_json_atomic(args.out / "search.json", {"rows": rows, "summary": summary,
                                                 "tables_seconds": searcher.tables_seconds})  # fmt: skip


if __name__ == "__main__":
    main()
