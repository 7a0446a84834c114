"""The ILP on the real problem: specs/beijing-o3.yaml (the airu shape) over the score tables
of the shipped knowledge base, as the search stage builds it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
"""beijing-o3-sensitivity.json: the sensitivity artifact of `spec run specs/beijing-o3.yaml`
(seed 0), whose ablation costs are the objective here."""

SOLVE = """
import json, sys
from resq.deploy.yosys import synth_family
from resq.estimator.estimate import Estimator
from resq.estimator.kdb import find_kdb, kdb_home, read_kdb
from resq.estimator.tables import Tables
from resq.hdlgen.cores import cores_root
from resq.optimizer.formulation import formulate, problem, solve
from resq.optimizer.sensitivity import Sensitivity
from resq.spec import load_spec

loaded = load_spec(sys.argv[1])
estimator = Estimator(read_kdb(find_kdb(kdb_home(), synth_family(loaded.board.family))),
                      cores_root())
formulation = formulate(loaded, estimator)
tables = Tables.build(estimator, loaded, formulation.space)
with open(sys.argv[2], encoding="utf-8") as file:
    costs = Sensitivity.model_validate_json(file.read()).costs["ablation"]
searched = problem(loaded, formulation, tables, costs)
found = solve("ilp", searched, 3)
print(json.dumps({"limits": formulation.limits.model_dump(mode="json"),
                  "solutions": [s.model_dump(mode="json") for s in found]}))
"""


def test_the_k_best_of_the_airu_problem_differ_in_widths_and_fit() -> None:
    """Three solutions with distinct widths, best first, each within the lowered budget. With
    these costs CBC's preprocessing aborted or hung on the second solve: a child process, so
    that a crash or a hang fails the test instead of the test run."""
    spec, costs = REPO / "specs" / "beijing-o3.yaml", DATA / "beijing-o3-sensitivity.json"
    done = subprocess.run([sys.executable, "-c", SOLVE, str(spec), str(costs)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    solutions, limits = result["solutions"], result["limits"]
    assert len(solutions) == 3
    assert len({json.dumps(s["widths"], sort_keys=True) for s in solutions}) == 3
    objectives = [s["objective"] for s in solutions]
    assert objectives == sorted(objectives)
    for solution in solutions:
        totals = solution["totals"]
        assert totals["lut"] + totals["lutram"] <= limits["lut"] + 1e-6
        assert totals["dsp"] <= limits["dsp"] and totals["bram36"] <= limits["bram36"]
        assert totals["cycles"] <= limits["cycles"]
