"""The `sensitivity`, `search` and `candidates` stages through `spec run`, as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from resq.estimator.kdb import KnowledgeBase, save_kdb
from resq.spec import BitConfig, load_spec

MadeUpKdb = Callable[..., KnowledgeBase]
REPO = Path(__file__).resolve().parents[2]

TINY = """extends: beijing-o3.yaml
name: tiny
dataset: {max_windows: 1500}
training: {epochs: 2, float_epochs: 3}
quantization: {candidate_bits: [4, 8]}
hardware: {parallelism: 1, multiplier: dsp, storage: search}
search: {method: ilp, top_k: 2}
budget: {latency_cycles: 200000}
"""


def _kdb(made_up_kdb: MadeUpKdb, folder: Path) -> None:
    """A knowledge base whose 4-bit points cost half the LUTs of the 8-bit ones, for PAR 1,
    DSP multipliers and both storages (the fitted model answers mixed widths)."""
    spec = load_spec(REPO / "specs" / "airu.yaml")
    kdb: KnowledgeBase | None = None
    for bits in (4, 8):
        for storage in ("block", "distributed"):
            spec_copy = spec.spec.model_copy(update={"quantization": spec.spec.quantization.
                                                     model_copy(update={"default_bits": bits})})  # fmt: skip
            config = BitConfig.from_spec(spec_copy).with_hardware(1, "dsp", storage)
            made = made_up_kdb(config, lut=10.0 * bits)
            if kdb is None:
                kdb = made
            else:
                kdb.entries.update(made.entries)
    assert kdb is not None
    save_kdb(folder / "xc7-yosys-test.json", kdb)


def _project(tmp_path: Path, spec: str) -> Path:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    (tmp_path / "specs" / "tiny.yaml").write_text(spec)
    return tmp_path


def _run(project: Path, data_home: Path, stages: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RESQ_DATA_HOME": str(data_home),
           "RESQ_KDB_HOME": str(project / "kdb")}  # fmt: skip
    return subprocess.run(["spec", "run", "specs/tiny.yaml", "--stages", stages, "--run-dir",
                           str(project / "runs" / "x")], capture_output=True, text=True,
                          timeout=900, env=env, cwd=project)  # fmt: skip


def _artifact(project: Path, stage: str) -> Path:
    summary = json.loads((project / "runs" / "x" / "summary.json").read_text())
    return project / "runs" / "x" / summary["stages"][stage]["artifact"]


def test_sensitivity_search_and_candidates_choose_a_configuration_that_fits(
    tmp_path: Path, beijing_home: Path, made_up_kdb: MadeUpKdb
) -> None:
    project = _project(tmp_path, TINY)
    (project / "kdb").mkdir()
    _kdb(made_up_kdb, project / "kdb")
    done = _run(project, beijing_home, "train,sensitivity,search,candidates")
    assert done.returncode == 0, done.stderr

    sensitivity = json.loads((_artifact(project, "sensitivity") / "sensitivity.json").read_text())
    costs = sensitivity["costs"]
    assert set(costs) == {"ablation", "mask_kl"}
    assert "softmax" in costs["ablation"] and "FFN.weights" in costs["mask_kl"]
    assert all(c["8"] == 0.0 for method in costs.values() for c in method.values())
    assert any(c["4"] > 0 for c in costs["ablation"].values())
    assert -1 <= sensitivity["rank_correlation"] <= 1 and sensitivity["used"] == "ablation"
    assert (_artifact(project, "sensitivity") / "sensitivity.png").stat().st_size > 1000

    search_dir = _artifact(project, "search")
    search = json.loads((search_dir / "search.json").read_text())
    assert search["method"] == "ilp" and len(search["solutions"]) == 2
    assert search["space"]["storages"] == ["block", "distributed"]
    assert search["space"]["parallelism"] == [1] and search["fixed"] == {"softmax": 8}
    best = search["solutions"][0]
    assert best["objective"] <= search["solutions"][1]["objective"]
    limit = search["limits"]["lut"]
    assert best["totals"]["lut"] + best["totals"]["lutram"] <= limit
    config = BitConfig.model_validate_json((search_dir / "configs" / "rank-1.json").read_text())
    assert config.softmax_bits == 8
    assert {c.parallelism for c in config.components.values()} == {1}

    candidates_dir = _artifact(project, "candidates")
    candidates = json.loads((candidates_dir / "candidates.json").read_text())
    assert len(candidates["rows"]) == 2 and candidates["float"]["rmse"] > 0
    chosen = min(candidates["rows"], key=lambda r: r["validation_rmse"])
    assert candidates["chosen"] == chosen["rank"]
    kept = BitConfig.model_validate_json((candidates_dir / "chosen" / "config.json").read_text())
    assert kept == BitConfig.model_validate_json(
        (search_dir / "configs" / f"rank-{chosen['rank']}.json").read_text())  # fmt: skip
    assert (candidates_dir / "chosen" / "intmodel.npz").is_file()
    assert set(json.loads((candidates_dir / "pareto.json").read_text())) == {"lut", "cycles"}

    built = _run(project, beijing_home, "generate")  # builds the chosen candidate as it is
    assert built.returncode == 0, built.stderr
    generated = _artifact(project, "generate")
    assert BitConfig.model_validate_json((generated / "config.json").read_text()) == kept


@pytest.mark.parametrize("method", ["ilp", "filter"])
def test_an_impossible_budget_names_the_binding_resource_without_a_traceback(
    tmp_path: Path, beijing_home: Path, made_up_kdb: MadeUpKdb, method: str
) -> None:
    project = _project(tmp_path, TINY.replace("method: ilp", f"method: {method}")
                       .replace("{latency_cycles: 200000}", "{latency_cycles: 200000, lut: 1%}"))  # fmt: skip
    (project / "kdb").mkdir()
    _kdb(made_up_kdb, project / "kdb")
    done = _run(project, beijing_home, "train,sensitivity,search")
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert (
        "no configuration fits the budget. lut: no configuration needs fewer than" in output
        and "raise budget.lut to ≥" in output
    ), output
    assert ("the filter searches widths only" in output) == (method == "filter"), output
