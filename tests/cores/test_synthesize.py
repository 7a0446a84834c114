"""The `synthesize` stage through `spec run`: a tiny model (window 4, d_model 4) through
Yosys, and its Vivado project, written without Vivado and run by a stand-in `vivado`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from resq.deploy.vivado_report import parse_utilization

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "packages" / "deploy" / "tests" / "data"
REPORT = DATA / "utilization_2023_xc7s15.rpt"
DEPLOY = "{targets: [TARGETS], test_windows: 2, vivado: VIVADO}"


def _run(project: Path, spec: str, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from resq.spec.cli import main; main()", "run", spec,
         "--stages", "train,generate,synthesize", "--run-dir", str(project / "runs" / spec)],
        capture_output=True, text=True, timeout=1800, cwd=project,
        env={**os.environ, "PATH": path},
    )  # fmt: skip


def _artifact(project: Path, spec: str) -> Path:
    summary = json.loads((project / "runs" / spec / "summary.json").read_text())
    return project / "runs" / spec / summary["stages"]["synthesize"]["artifact"]


@pytest.mark.usefixtures("synthesis_tools", "fusesoc_tools")
def test_synthesis_gives_yosys_resources_and_a_vivado_project(
    tmp_path: Path, beijing_home: Path, tiny_synthesis: Callable[[str], str]
) -> None:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    both = tiny_synthesis(DEPLOY).replace("TARGETS", "yosys, vivado").replace("VIVADO", "{jobs: 3}")
    (tmp_path / "specs" / "both.yaml").write_text(both)
    env_path = os.environ["PATH"]
    assert shutil.which("vivado", path=env_path) is None
    done = _run(tmp_path, "specs/both.yaml", env_path)
    assert done.returncode == 0, done.stderr[-3000:]
    artifact = _artifact(tmp_path, "specs/both.yaml")
    synthesis = json.loads((artifact / "synthesis.json").read_text())
    yosys = synthesis["yosys"]
    assert yosys["resources"]["lut"] > 0 and yosys["fits"] and yosys["exceeded"] == []
    assert 0 < yosys["utilisation"]["lut"] < 0.5
    vivado = synthesis["vivado"]
    assert vivado["title"] == "Vivado synthesis" and vivado["ran"] is False
    assert vivado["why"].startswith("the vivado route needs tools that are not installed: vivado")
    assert "install AMD Vivado" in vivado["why"]
    assert vivado["why"].endswith("; the project is in vivado/ (make there)")
    tcl = (artifact / "vivado" / "resq_model_tiny_0.1.0.tcl").read_text()
    assert "set_property part xc7s15ftgb196-2 [current_project]" in tcl
    assert "set_property top tiny_model [current_fileset]" in tcl
    assert "tiny_model.xdc" in tcl and "tiny_model_tb.vhd" not in tcl
    assert "ooc.tcl" in tcl  # out of context: the board file gives no pins
    synth = (artifact / "vivado" / "resq_model_tiny_0.1.0_synth.tcl").read_text()
    assert "launch_runs synth_1 -jobs 3" in synth  # deploy.vivado.jobs
    xdc = next((artifact / "vivado").rglob("tiny_model.xdc")).read_text()
    assert "create_clock -period 10.000 -name clk [get_ports clk]" in xdc  # 100 MHz

    stand_in = tmp_path / "bin"
    stand_in.mkdir()
    (stand_in / "vivado").write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-version" ]; then echo "Vivado v2023.2 (64-bit)"; exit 0; fi\n'
        f'cp {REPORT} "$PWD/tiny_model_utilization_synth.rpt"\n'
        f'cp {DATA / "timing_2023_xc7s15.rpt"} "$PWD/resq_timing_synth.rpt"\n'
        f'cp {DATA / "power_2023_xc7s15.rpt"} "$PWD/resq_power_synth.rpt"\n'
    )
    (stand_in / "vivado").chmod(0o755)
    part = "{part: xc7s25csga225-1}"  # deploy.vivado.part overrides the board's
    (tmp_path / "specs" / "vivado.yaml").write_text(
        tiny_synthesis(DEPLOY).replace("TARGETS", "vivado").replace("VIVADO", part)
    )
    done = _run(tmp_path, "specs/vivado.yaml", f"{stand_in}{os.pathsep}{env_path}")
    assert done.returncode == 0, done.stderr[-3000:]
    vivado = json.loads((_artifact(tmp_path, "specs/vivado.yaml") / "synthesis.json").read_text())
    assert vivado["vivado"]["ran"] and "yosys" not in vivado
    expected = parse_utilization(REPORT.read_text())
    assert vivado["vivado"]["resources"] == expected.model_dump(mode="json")
    assert vivado["vivado"]["timing"]["wns_ns"] == 1.873 and vivado["vivado"]["timing"]["met"]
    assert vivado["vivado"]["power"]["total_w"] == 0.087
    project = _artifact(tmp_path, "specs/vivado.yaml") / "vivado" / "resq_model_tiny_0.1.0.tcl"
    assert "set_property part xc7s25csga225-1 [current_project]" in project.read_text()
    assert re.search(r"source .*reports\.tcl", project.read_text()), "the timing and power hook"
