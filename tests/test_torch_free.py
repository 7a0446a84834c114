"""The hardware side runs without torch and pandas: generate, estimate, simulate, synthesize
and the `spec kdb` / `spec estimate` commands, in a `spec` process where importing either
raises ImportError (as where they are not installed). The stages that need torch (the
search's) are then reported unavailable, not a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

BLOCKED = """
import sys
from importlib.abc import MetaPathFinder

class Blocked(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "pandas"):
            raise ImportError(f"No module named {name!r} (blocked by the test)")
        return None

sys.meta_path.insert(0, Blocked())
from resq.spec.cli import main
try:
    main()
finally:
    loaded = sorted(m for m in ("torch", "pandas") if m in sys.modules)
    print("imported:", " ".join(loaded) or "neither", file=sys.stderr)
"""


def _spec(project: Path, *args: str, blocked: bool) -> subprocess.CompletedProcess[str]:
    code = BLOCKED if blocked else "from resq.spec.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=1800, cwd=project, env={**os.environ, "COLUMNS": "200"})  # fmt: skip


@pytest.mark.usefixtures("beijing_home", "synthesis_tools", "fusesoc_tools", "verilator")
def test_generate_estimate_simulate_synthesize_without_torch_or_pandas(
    tmp_path: Path, tiny_synthesis: Callable[[str], str]
) -> None:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    deploy = "{targets: [yosys], test_windows: 4, rtl_windows: 2}"
    (tmp_path / "specs" / "tiny.yaml").write_text(tiny_synthesis(deploy))
    run = ["run", "specs/tiny.yaml", "--run-dir", str(tmp_path / "runs" / "tiny")]
    trained = _spec(tmp_path, *run, "--stages", "train", blocked=False)
    assert trained.returncode == 0, trained.stderr[-3000:]

    built = _spec(tmp_path, *run, "--stages", "generate,estimate,simulate,synthesize",
                  blocked=True)  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    assert built.stderr.rstrip().endswith("imported: neither"), built.stderr[-2000:]
    stages = json.loads((tmp_path / "runs" / "tiny" / "summary.json").read_text())["stages"]
    assert stages["simulate"]["bit_exact"] == "4/4"
    assert stages["synthesize"]["yosys_total_lut"] > 0
    assert "estimated" in stages["estimate"]

    for command in (["kdb", "show", "specs/beijing-o3.yaml"],
                    ["estimate", "specs/beijing-o3-uniform4.yaml"]):  # fmt: skip
        done = _spec(tmp_path, *command, blocked=True)
        assert done.returncode in (0, 1), done.stderr[-3000:]  # 1: uniform 4 bit does not fit
        assert done.stdout.strip(), "its table"
        assert done.stderr.rstrip().endswith("imported: neither"), done.stderr[-2000:]
        assert "Traceback" not in done.stderr

    searched = _spec(tmp_path, "run", "specs/beijing-o3.yaml", "--run-dir",
                     str(tmp_path / "runs" / "o3"), blocked=True)  # fmt: skip
    said = " ".join(searched.stderr.split())
    assert searched.returncode == 1 and "Traceback" not in said
    assert "stage 'sensitivity' of resq-optimizer" in said and "cannot be loaded" in said
    assert "torch" in said
