"""`spec run` checks every external tool its stages need before the first stage starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _bare_env(tmp_path: Path) -> dict[str, str]:
    """This Python's folder alone on PATH: no GHDL, Yosys, Verilator, make or g++."""
    return {**os.environ, "PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}


REPO = Path(__file__).resolve().parents[1]


def test_spec_run_without_the_tools_stops_before_training_naming_each(tmp_path: Path) -> None:
    """ghdl, yosys and verilator absent: one clean message, no traceback, nothing run."""
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-c", "from resq.spec.cli import main; main()", "run",
         str(REPO / "specs" / "beijing-o3-uniform4.yaml"), "--stages",
         "train,generate,simulate,synthesize", "--run-dir", str(run_dir)],
        capture_output=True, text=True, timeout=120, env=_bare_env(tmp_path))  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error spec run of train, generate, simulate")
    for tool in ("ghdl (", "verilator (", "yosys ("):
        assert tool in lines[0]
    assert "apt-get install -y ghdl ghdl-llvm verilator make g++ yosys" in lines[0]
    assert not (run_dir / "train").exists(), "no stage ran"


def test_fusesoc_runs_without_the_environments_bin_folder_on_path(tmp_path: Path) -> None:
    """FuseSoC comes with resq-hdlgen: a `spec` started by its full path, its environment
    not activated, still runs it (it used to stop with FileNotFoundError: 'fusesoc')."""
    from resq.hdlgen.cores import fusesoc_command

    env = {**os.environ, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([*fusesoc_command(), "--version"], capture_output=True, text=True,
                          timeout=60, env=env)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "2.4.7", done.stderr
