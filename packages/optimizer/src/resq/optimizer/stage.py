"""The `sensitivity`, `search` and `candidates` stages of `spec run`.

sensitivity — artifact: `sensitivity.json` (per method, the cost of every width source at
every candidate width; the method the search uses, `search.sensitivity`; the Spearman rank
correlation between the methods over the sources' costs at the narrowest candidate width)
and `sensitivity.png`. Both methods run on the train stage's QAT network (`qat.pt`;
resq.optimizer.sensitivity.analyse).

search — artifact: `search.json` (the method, the problem's space, the margin, the limits
it searched within, every solution found best first with its totals, slack and binding
resources, the seconds the method took) and `configs/rank-<n>.json`, the BitConfig of each
solution: a file `spec run --config` and `generate` build as they are. Nothing that fits
fails the stage with one message naming the binding resource and the least use reached.

candidates — artifact: `candidates.json` (each solution trained: validation and test RMSE
of its integer reference beside the float parent's, estimated totals), `chosen/` (the
most accurate on validation: its BitConfig `config.json` and IntModel, which generate
builds) and `pareto.json` (the Pareto fronts of test RMSE against total LUTs and against
cycles, as ranks; the report draws them).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from resq.deploy.yosys import synth_family
from resq.estimator.estimate import Estimator
from resq.estimator.executor import Executor
from resq.estimator.kdb import find_kdb, kdb_digest, kdb_home, read_kdb
from resq.estimator.tables import Tables
from resq.hdlgen.cores import cores_digest, cores_root
from resq.optimizer.candidates import (
    CandidateResult,
    CandidateTask,
    finished,
    pareto_front,
    train_candidate,
)
from resq.optimizer.formulation import exhaustive_refusal, formulate, problem, solve
from resq.optimizer.plots import sensitivity_plot
from resq.optimizer.problem import NothingFitsError, Solution
from resq.optimizer.sensitivity import Sensitivity, analyse
from resq.qat.experiment import restore_qat
from resq.qat.stage import FLOAT_FILE, QAT_FILE
from resq.spec import BitConfig, StageError
from resq.spec.atomic import write_json_atomic
from resq.spec.data import load_windows
from resq.spec.spec import LoadedSpec
from resq.spec.stage import CHOSEN, Stage, StageContext, distribution_version

SENSITIVITY_FILE = "sensitivity.json"
SEARCH_FILE = "search.json"
CONFIGS = "configs"


def _optimizer_version() -> dict[str, str]:
    return {"resq-optimizer": distribution_version("resq-optimizer")}


def _manifest_or_fail(context: StageContext, stage: str) -> None:
    if context.loaded.manifest is None:
        raise StageError(f"the {stage} stage needs a dataset manifest (dataset.manifest)")


class _Searching(Stage):
    """A stage of the search: it applies when the spec leaves hardware to the search."""

    def applies(self, loaded: LoadedSpec) -> str | None:
        return loaded.search_skipped()

    def versions(self) -> dict[str, str]:
        return {**_optimizer_version(), "torch": torch.__version__}


class SensitivityStage(_Searching):
    """How much the trained network loses when each width source gets fewer bits."""

    name = "sensitivity"
    inputs = ("train",)
    after = ("baselines",)
    sections = ("dataset", "manifest", "model", "quantization", "bits", "seed", "search")

    def run(self, context: StageContext) -> dict[str, Any]:
        _manifest_or_fail(context, self.name)
        loaded = context.loaded
        spec = loaded.spec
        assert loaded.manifest is not None
        data = load_windows(spec.dataset, loaded.manifest)
        state = torch.load(context.inputs["train"] / QAT_FILE, weights_only=True)
        net = restore_qat(spec.model, loaded.bit_config(), spec.quantization, state)
        started = time.perf_counter()
        result = analyse(net, data.validation, spec.quantization.candidate_bits, spec.seed)
        out = context.out_dir
        write_json_atomic(out / SENSITIVITY_FILE, {
            "used": spec.search.sensitivity, **result.model_dump(mode="json"),
            "seconds": time.perf_counter() - started})  # fmt: skip
        scores = {method: result.scores(method) for method in result.costs}
        sensitivity_plot(scores, min(result.candidates), out / "sensitivity.png")
        ranked = sorted(scores["ablation"], key=lambda s: -scores["ablation"][s])
        correlation = result.rank_correlation
        return {"most_sensitive": ranked[:3], "rank_correlation": round(correlation, 3)}


def search_costs(sensitivity: Path, method: str) -> dict[str, dict[int, float]]:
    """The costs of `method` (ablation, mask_kl; none: no costs) in a sensitivity artifact."""
    if method == "none":
        return {}
    text = (sensitivity / SENSITIVITY_FILE).read_text(encoding="utf-8")
    return Sensitivity.model_validate_json(text).costs[method]


class SearchStage(_Searching):
    """The best configurations within the budget, by the spec's method."""

    name = "search"
    inputs = ("sensitivity",)
    sections = ("model", "quantization", "hardware", "board", "budget", "search")

    def versions(self) -> dict[str, str]:
        return {**_optimizer_version(), "kdb": kdb_digest(), "cores": cores_digest(cores_root())}

    def preflight(self, loaded: LoadedSpec) -> str | None:
        return exhaustive_refusal(loaded)

    def run(self, context: StageContext) -> dict[str, Any]:
        loaded = context.loaded
        spec = loaded.spec
        path = find_kdb(kdb_home(), synth_family(loaded.board.family))
        estimator = Estimator(read_kdb(path), cores_root())
        formulation = formulate(loaded, estimator)
        started = time.perf_counter()
        tables = Tables.build(estimator, loaded, formulation.space)
        built = time.perf_counter() - started
        costs = search_costs(context.inputs["sensitivity"], spec.search.sensitivity)
        searched = problem(loaded, formulation, tables, costs)
        started = time.perf_counter()
        try:
            solutions = solve(spec.search.method, searched, spec.search.top_k)
        except NothingFitsError as e:
            raise StageError(f"{e} (budget less the estimator's margin: "
                             f"{_margin_text(formulation.margin)})") from e  # fmt: skip
        seconds = time.perf_counter() - started
        out = context.out_dir
        for rank, solution in enumerate(solutions, 1):
            config = solution.bit_config(spec)
            write_json_atomic(out / CONFIGS / f"rank-{rank}.json", config.model_dump(mode="json"))
        write_json_atomic(out / SEARCH_FILE, {
            "method": spec.search.method, "kdb": path.name,
            "space": formulation.space.model_dump(mode="json"),
            "fixed": formulation.fixed, "margin_percent": formulation.margin,
            "limits": formulation.limits.model_dump(mode="json"),
            "sources": searched.sources, "tables_seconds": built, "solve_seconds": seconds,
            "solutions": [s.model_dump(mode="json") for s in solutions],
        })  # fmt: skip
        best = solutions[0]
        return {"method": spec.search.method, "solutions": len(solutions),
                "best_lut": best.totals["lut"] + best.totals["lutram"],
                "best_cycles": best.totals["cycles"], "binding": best.binding,
                "solve_seconds": round(seconds, 3)}  # fmt: skip


def _margin_text(margin: dict[str, float]) -> str:
    if not margin:
        return "none, the model shape was never validated"
    return ", ".join(f"{k} {v:.1f} %" for k, v in margin.items() if v) or "0 %"


class CandidatesStage(_Searching):
    """Trains the search's solutions and keeps the most accurate."""

    name = "candidates"
    inputs = ("train", "search")
    sections = ("dataset", "manifest", "model", "training", "quantization", "seed")

    def run(self, context: StageContext) -> dict[str, Any]:
        _manifest_or_fail(context, self.name)
        search = json.loads((context.inputs["search"] / SEARCH_FILE).read_text(encoding="utf-8"))
        solutions = [Solution.model_validate(s) for s in search["solutions"]]
        configs = [BitConfig.model_validate_json(
            (context.inputs["search"] / CONFIGS / f"rank-{r}.json").read_text(encoding="utf-8"))
            for r in range(1, len(solutions) + 1)]  # fmt: skip
        # results land in the scratch folder, which survives an interrupted attempt
        tasks = [CandidateTask(rank=r, loaded=context.loaded, config=config,
                               float_state=context.inputs["train"] / FLOAT_FILE,
                               out=context.scratch_dir / f"rank-{r}",
                               scratch=context.scratch_dir / f"rank-{r}-qat")
                 for r, config in enumerate(configs, 1)]  # fmt: skip
        results: dict[int, CandidateResult] = {}
        for task in tasks:
            done = finished(task.out)
            if done is not None:
                results[task.rank] = done
        todo = [t for t in tasks if t.rank not in results]
        failures = Executor("local").map(
            train_candidate, todo, lambda task, result: results.__setitem__(task.rank, result),
            f"training {len(todo)} candidates")  # fmt: skip
        if failures:
            raise StageError("; ".join(f"candidate {todo[f.index].rank}: {f.error}"
                                       for f in failures))  # fmt: skip
        return self._choose(context, solutions, configs, results)

    @staticmethod
    def _choose(context: StageContext, solutions: list[Solution], configs: list[BitConfig],
                results: dict[int, CandidateResult]) -> dict[str, Any]:  # fmt: skip
        float_metrics = json.loads((context.inputs["train"] / "metrics.json").read_text(
            encoding="utf-8")).get("float")  # fmt: skip
        rows: list[dict[str, Any]] = []
        for rank, solution in enumerate(solutions, 1):
            result = results[rank]
            rows.append({"rank": rank, "objective": solution.objective,
                         "validation_rmse": result.validation.rmse, "rmse": result.test.rmse,
                         "mae": result.test.mae, "fake_quant_rmse": result.fake_quant_test.rmse,
                         "fake_quant_mae": result.fake_quant_test.mae,
                         "lut": solution.totals["lut"] + solution.totals["lutram"],
                         "cycles": solution.totals["cycles"], "totals": solution.totals,
                         "widths": solution.widths})  # fmt: skip
        chosen = min(rows, key=lambda r: (r["validation_rmse"], r["rank"]))
        out = context.out_dir
        source = context.scratch_dir / f"rank-{chosen['rank']}"
        (out / CHOSEN).mkdir()
        for name in ("intmodel.json", "intmodel.npz", "config.json"):
            (out / CHOSEN / name).write_bytes((source / name).read_bytes())
        fronts = {axis: pareto_front(np.array([r[axis] for r in rows]),
                                     np.array([r["rmse"] for r in rows]))
                  for axis in ("lut", "cycles")}  # fmt: skip
        manifest = context.loaded.manifest
        unit = manifest.units.get(context.loaded.spec.dataset.target, "") if manifest else ""
        write_json_atomic(out / "candidates.json", {"float": float_metrics, "unit": unit,
                                                     "chosen": chosen["rank"], "rows": rows})  # fmt: skip
        write_json_atomic(out / "pareto.json", {axis: [rows[i]["rank"] for i in front]
                                                for axis, front in fronts.items()})  # fmt: skip
        summary = {"chosen_rank": chosen["rank"], "chosen_rmse": chosen["rmse"],
                   "chosen_lut": chosen["lut"], "candidates": len(rows)}  # fmt: skip
        if float_metrics:
            summary["float_rmse"] = float_metrics["rmse"]
        return summary
