"""`spec run` killed outright (SIGKILL) during training and during simulation, then run again:
finished stages are skipped, training resumes from its checkpoint, and the simulators die
with the killed run (their groups' guards), so no second simulator runs in one folder."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SPEC = """extends: beijing-o3.yaml
name: killed
dataset: {max_windows: 3000, window: 6}
model: {d_model: 4, ffn_dim: 4, window: 6}
training: {epochs: 2, float_epochs: 40, patience: 100}
hardware: {parallelism: 1, multiplier: dsp, storage: block}
deploy: {targets: [sim], test_windows: 600, rtl_windows: 600}
"""
SIMULATORS = ("ghdl", "Vtb", "make")


def _tools_in(folder: Path, running: str = "") -> list[int]:
    """Live processes of a simulator (ghdl, make, Verilator's Vtb) working in `folder`
    (whose command line holds `running`)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if (cwd.startswith(str(folder)) and state != "Z" and running in command
                and any(t in command for t in SIMULATORS)):  # fmt: skip
            found.append(int(proc.name))
    return found


def _wait(condition: Callable[[], bool], what: str, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.usefixtures("fusesoc_tools")
def test_a_run_killed_in_training_and_in_simulation_resumes_without_a_second_simulator(
    tmp_path: Path, beijing_home: Path
) -> None:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    (tmp_path / "specs" / "killed.yaml").write_text(SPEC)
    run_dir = tmp_path / "runs" / "killed"
    command = ["spec", "run", "specs/killed.yaml", "--run-dir", str(run_dir)]
    env = {**os.environ, "RESQ_DATA_HOME": str(beijing_home)}

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(command, cwd=tmp_path, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip

    # 1. killed during float training, after an epoch was checkpointed
    first = start()
    _wait(lambda: any(run_dir.glob(".scratch/train-*/float.ckpt")) or first.poll() is not None,
          "a training checkpoint")  # fmt: skip
    assert first.poll() is None, first.communicate()[0]
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert not (run_dir / "summary.json").is_file() or "train" not in json.loads(
        (run_dir / "summary.json").read_text())["stages"]  # fmt: skip

    # 2. run again: training resumes; killed once the simulators run
    second = start()
    scratch = run_dir / ".scratch"
    simulating = "-gVECTORS=vectors-"  # the RTL simulation, past the analysis
    _wait(lambda: bool(_tools_in(scratch, simulating)) or second.poll() is not None,
          "a simulator", 600)  # fmt: skip
    assert second.poll() is None, second.communicate()[0]
    second.send_signal(signal.SIGKILL)
    said = " ".join(second.communicate()[0].split())
    assert "float: resuming after epoch" in said, said
    _wait(lambda: not _tools_in(scratch), "the simulators to die with the killed run", 30)
    stages = json.loads((run_dir / "summary.json").read_text())["stages"]
    assert set(stages) == {"train", "baselines", "generate", "estimate"}

    # 3. run again: finished stages skipped, no simulator of the killed run left to stop
    third = subprocess.run(command, cwd=tmp_path, env=env, text=True, capture_output=True,
                           timeout=900)  # fmt: skip
    assert third.returncode == 0, third.stderr
    assert "a killed run left behind" not in third.stderr
    stages = json.loads((run_dir / "summary.json").read_text())["stages"]
    assert stages["train"]["cached"] and stages["generate"]["cached"]
    assert not stages["simulate"]["cached"] and stages["simulate"]["bit_exact"] == "600/600"
    assert not _tools_in(run_dir)

    # 4. the same spec uninterrupted in another folder: the same artifacts, byte for byte
    whole = tmp_path / "runs" / "whole"
    fourth = subprocess.run([*command[:-1], str(whole)], cwd=tmp_path, env=env, text=True,
                            capture_output=True, timeout=900)  # fmt: skip
    assert fourth.returncode == 0, fourth.stderr
    assert _artifacts(whole) == _artifacts(run_dir)


def _artifacts(run_dir: Path) -> dict[str, str]:
    """SHA-256 of what training and generation produce, by path below the run directory
    (the stage keys included); records with timings and absolute paths are left out."""
    kept = {}
    for stage in ("train", "generate"):
        for path in sorted((run_dir / stage).rglob("*")):
            if path.is_file() and path.name not in ("stage.json", "history.json",
                                                    "generated.json"):  # fmt: skip
                kept[str(path.relative_to(run_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(kept) > 5, kept
    return kept
