"""The `train` stage through `spec run`, as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _spec_run(project: Path, spec: str, data_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RESQ_DATA_HOME": str(data_home)}
    return subprocess.run(
        [sys.executable, "-c", "from resq.spec.cli import main; main()", "run", spec,
         "--stages", "train", "--run-dir", str(project / "runs" / "x")],
        capture_output=True, text=True, timeout=600, env=env, cwd=project,
    )  # fmt: skip


def _project(tmp_path: Path) -> Path:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def test_train_stage_trains_exports_and_reports(tmp_path: Path, beijing_home: Path) -> None:
    project = _project(tmp_path)
    (project / "specs" / "tiny.yaml").write_text(
        "extends: beijing-o3.yaml\nname: tiny\ndataset: {max_windows: 1500}\n"
        "training: {epochs: 2, float_epochs: 2}\n"
        "quantization: {range: ema, ema_momentum: 0.05}\n"
    )
    done = _spec_run(project, "specs/tiny.yaml", beijing_home)
    assert done.returncode == 0, done.stderr
    summary = json.loads((project / "runs" / "x" / "summary.json").read_text())
    train = summary["stages"]["train"]
    assert train["intref_rmse"] == train["fake_quant_rmse"]
    assert 5 < train["float_rmse"] < 200 and train["unit"] == "µg/m³"
    artifact = project / "runs" / "x" / train["artifact"]
    for name in (
        "intmodel.json",
        "intmodel.npz",
        "float.pt",
        "qat.pt",
        "metrics.json",
        "history.json",
    ):
        assert (artifact / name).is_file(), name
    intmodel = json.loads((artifact / "intmodel.json").read_text())
    # MinMax-scaled inputs reach 1.0 somewhere in training; the EMA of batch maxima stays below
    assert intmodel["tensors"]["input"]["qparams"]["scale"] < 1 / 127
    again = _spec_run(project, "specs/tiny.yaml", beijing_home)
    assert again.returncode == 0 and "cached" in again.stdout + again.stderr


def test_missing_airu_file_is_a_clear_error_without_traceback(tmp_path: Path) -> None:
    project = _project(tmp_path)
    empty = tmp_path / "data"
    empty.mkdir()
    done = _spec_run(project, "specs/airu.yaml", empty)
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "airu.csv" in output and str(empty / "airu") in output and "IEEE DataPort" in output
    assert "Traceback" not in output
