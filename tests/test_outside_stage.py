"""An outside stage plugin: a distribution no resq package knows registers a stage under
`resq.stages` and says where it runs; `spec` lists it in order and runs it, with no edit to
resq-spec (which keeps no list of stage names)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLUGIN = REPO / "tests" / "outsidestage"


def _spec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(PLUGIN), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "COLUMNS": "200",
    }
    return subprocess.run([sys.executable, "-c", "from resq.spec.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=300, env=env, cwd=cwd)  # fmt: skip


def test_an_outside_stage_is_ordered_by_its_after_and_runs(tmp_path: Path) -> None:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    listed = _spec("stages", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    order = [line.split("│")[1].strip() for line in listed.stdout.splitlines()
             if line.startswith("│")]  # fmt: skip
    assert order.index("train") < order.index("audit") < order.index("generate")
    assert "resq-outsidestage 0.1.0" in listed.stdout

    run_dir = tmp_path / "runs" / "audited"
    spec = str(tmp_path / "specs" / "beijing-o3.yaml")
    ran = _spec("run", spec, "--stages", "audit", "--run-dir", str(run_dir), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["stages"]["audit"]["audited"] == "beijing-o3"
    (artifact,) = (run_dir / "audit").iterdir()
    assert json.loads((artifact / "audit.json").read_text()) == {"name": "beijing-o3", "reads": []}

    again = _spec("run", spec, "--stages", "audit", "--run-dir", str(run_dir), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads((run_dir / "summary.json").read_text())["stages"]["audit"]["cached"]
