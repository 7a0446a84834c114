"""`spec run` through train, generate and simulate, as a user runs it: the bit-exact gate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = """extends: beijing-o3.yaml
name: tiny
dataset: {max_windows: 1500}
training: {epochs: 2, float_epochs: 2}
quantization: {default_bits: 4}
deploy: {test_windows: 8}
"""


def _spec_run(project: Path, spec: str, stages: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from resq.spec.cli import main; main()", "run", spec,
         "--stages", stages, "--run-dir", str(project / "runs" / "x")],
        capture_output=True, text=True, timeout=900, env=dict(os.environ), cwd=project,
    )  # fmt: skip


@pytest.mark.usefixtures("beijing_home", "simulate")
def test_generate_and_simulate_stages_report_bit_exact_and_cycles(tmp_path: Path) -> None:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    (tmp_path / "specs" / "tiny.yaml").write_text(
        TINY + "hardware:\n  parallelism: 16\n  multiplier: lut\n  storage: distributed\n"
        "  components: {FFN: {parallelism: 8, multiplier: dsp, storage: block}}\n"
    )
    done = _spec_run(tmp_path, "specs/tiny.yaml", "train,generate,simulate")
    assert done.returncode == 0, done.stderr
    run = tmp_path / "runs" / "x"
    stages = json.loads((run / "summary.json").read_text())["stages"]
    assert stages["simulate"]["bit_exact"] == "8/8"
    assert 1000 < stages["simulate"]["cycles"] < 20_000
    assert stages["generate"]["vlnv"] == "resq:model:tiny:0.1.0"
    plan = json.loads((run / stages["generate"]["artifact"] / "plan.json").read_text())
    assert plan["par"] == 16 and plan["ram_style"] == "distributed"
    assert plan["nodes"] == {"l0_ffn1": [8, "dsp"], "l0_ffn2": [8, "dsp"]}
    assert sorted(plan["buffers"].values()) == ["block", "block"]
    top = (run / stages["generate"]["artifact"] / "model" / "tiny_model.vhd").read_text()
    assert top.count('RAM_STYLE => "block"') == 2
    simulation = json.loads((run / stages["simulate"]["artifact"] / "simulation.json").read_text())
    assert sum(simulation["node_cycles"].values()) <= simulation["cycles"]

    (tmp_path / "specs" / "searched.yaml").write_text(
        TINY.replace("name: tiny", "name: searched")
        + "hardware: {parallelism: search, multiplier: lut, storage: auto}\n"
    )
    refused = _spec_run(tmp_path, "specs/searched.yaml", "train,generate")
    assert refused.returncode == 1
    output = " ".join((refused.stdout + refused.stderr).split())
    assert "hardware.parallelism is 'search'" in output and "Traceback" not in output
