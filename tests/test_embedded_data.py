"""The main job's station ships with resq: a copy of the project with no shared data, no
RESQ_DATA_HOME, an empty HOME and no network trains on it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DONGSI = "PRSA_Data_Dongsi_20130301-20170228.csv"


def _elsewhere(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the project's specs, boards and datasets outside the checkout, and an
    environment with RESQ_DATA_HOME unset, an empty HOME and no proxy to download through."""
    project = tmp_path / "project"
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, project / name)
    (tmp_path / "home").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "RESQ_DATA_HOME"}
    env |= {"HOME": str(tmp_path / "home"), "https_proxy": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9"}  # fmt: skip
    return project, env


def test_the_embedded_station_is_small_and_checked_by_its_sha256() -> None:
    manifest = (REPO / "datasets" / "beijing-air.yaml").read_text()
    assert f"embedded: {DONGSI}.xz" in manifest
    assert (REPO / "datasets" / "beijing-air" / f"{DONGSI}.xz").stat().st_size <= 1_000_000


def test_the_loader_reads_the_embedded_station_from_a_copy_outside_the_checkout(
    tmp_path: Path,
) -> None:
    project, env = _elsewhere(tmp_path)
    code = (
        "import json, sys\n"
        "from resq.spec import load_spec\n"
        "from resq.spec.data import file_digests, find_file, load_windows\n"
        "loaded = load_spec(sys.argv[1])\n"
        "data = load_windows(loaded.spec.dataset, loaded.manifest)\n"
        f"path = find_file(loaded.manifest, {DONGSI!r})\n"
        "print(json.dumps({'path': str(path), 'test': len(data.test.x),\n"
        "                  'sha': file_digests(loaded.spec.dataset, loaded.manifest)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(project / "specs" / "beijing-o3.yaml")],
                          capture_output=True, text=True, timeout=300, env=env,
                          cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["path"] == str(project / "datasets" / "beijing-air" / f"{DONGSI}.xz")
    assert found["test"] == 4281, "the same windows as the original file gives"
    assert found["sha"] == {
        DONGSI: "9c0020214425e5ee2a64d42f97a1f632e1d8f6b53ad50edd85a686cc7999f27e"
    }


def test_spec_run_trains_on_the_embedded_station(tmp_path: Path) -> None:
    project, env = _elsewhere(tmp_path)
    (project / "specs" / "tiny.yaml").write_text(
        "extends: beijing-o3.yaml\nname: tiny\ndataset: {max_windows: 600}\n"
        "model: {d_model: 4, ffn_dim: 4}\ntraining: {epochs: 1, float_epochs: 1}\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", "from resq.spec.cli import main; main()", "run",
         "specs/tiny.yaml", "--stages", "train", "--run-dir", str(project / "runs" / "x")],
        capture_output=True, text=True, timeout=600, env=env, cwd=project)  # fmt: skip
    assert done.returncode == 0, done.stderr
    train = json.loads((project / "runs" / "x" / "summary.json").read_text())["stages"]["train"]
    assert train["test_windows"] == 4281 and train["intref_rmse"] > 0
    assert not (tmp_path / "home" / ".cache" / "resq").exists(), "nothing was downloaded"
