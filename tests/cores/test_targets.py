"""The `lint` and `synth` targets of every IP core. No Vivado exists here: `synth` runs against
a stand-in `vivado` on PATH that records how it was called, and the test reads the project
Tcl that Edalize wrote (part, top, generics) and checks that the flow stops after synthesis."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

CORES = Path(__file__).resolve().parents[2] / "cores"

IPS = sorted(p.parent.name for p in CORES.glob("*/resq_*.core")
             if "lint:" in p.read_text() and p.parent.name != "gen_model")  # fmt: skip
PART = "xc7s15ftgb196-2"


def _core(ip: str) -> dict[str, dict[str, dict[str, object]]]:
    loaded: dict[str, dict[str, dict[str, object]]] = YAML(typ="safe").load(
        (CORES / ip / f"resq_{ip}.core").read_text()
    )
    return loaded


def _fusesoc(target: str, ip: str, build_root: Path, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    command = ["fusesoc", "--cores-root", str(CORES), "run", "--build-root", str(build_root),
               "--target", target, f"resq:ip:{ip}"]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


def test_every_ip_core_is_listed() -> None:
    assert {"linear", "attention", "add", "batchnorm", "gap"} <= set(IPS)


@pytest.mark.usefixtures("fusesoc_tools")
@pytest.mark.parametrize("ip", IPS)
def test_the_lint_target_elaborates_the_ip(tmp_path: Path, ip: str) -> None:
    done = _fusesoc("lint", ip, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(rf"ghdl -r .* resq_{ip} ", done.stdout), done.stdout[-2000:]


@pytest.mark.usefixtures("fusesoc_tools")
@pytest.mark.parametrize("ip", IPS)
def test_the_synth_target_is_a_vivado_synthesis_for_the_board(tmp_path: Path, ip: str) -> None:
    bin_dir, calls = tmp_path / "bin", tmp_path / "vivado-calls.txt"
    bin_dir.mkdir()
    stand_in = bin_dir / "vivado"
    stand_in.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    stand_in.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = _fusesoc("synth", ip, tmp_path / "build", env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    work = next((tmp_path / "build").glob("*/synth-vivado"))
    project = (work / f"resq_ip_{ip}_0.1.0.tcl").read_text()
    assert f"set_property part {PART} [current_project]" in project
    assert f"set_property top resq_{ip} [current_fileset]" in project
    generics = re.search(r"set_property generic \{(.*?)\}", project)
    assert generics is not None
    given = dict(item.split("=", 1) for item in generics.group(1).split())
    parameters = _core(ip)["parameters"]
    for entry in _core(ip)["targets"]["synth"]["parameters"]:  # type: ignore[attr-defined]
        name, _, value = str(entry).partition("=")  # NAME=value: the target's own value
        default = YAML(typ="safe").load(value) if value else parameters[name]["default"]
        expected = str(default).lower() if isinstance(default, bool) else str(default)
        assert given[name] == expected, name
    # after the generics: vectors as sized literals, then out-of-context synthesis
    assert project.index("set_property generic") < project.index("vectors.tcl")
    assert re.search(r"source .*ooc\.tcl", project), "IPs synthesize out of context"
    sources = calls.read_text().splitlines()
    assert any(f"resq_ip_{ip}_0.1.0_synth.tcl" in line for line in sources), sources
    assert not any("_run.tcl" in line for line in sources), "implementation must not run"


@pytest.mark.usefixtures("tcl_shell")
def test_vector_generics_reach_vivado_as_sized_literals() -> None:
    """vectors.tcl, run in Tcl with Vivado's commands stubbed: the vector generics become
    sized literals, every other generic (a WIDTH of 10 included) stays as it was."""
    script = f"""
proc get_filesets {{name}} {{ return $name }}
proc get_property {{property object}} {{ return $::generic }}
proc set_property {{property value object}} {{ set ::generic $value }}
set ::generic {{DEPTH=12 WIDTH=10 INIT=0110 WEIGHTS=101 MULT_STYLE=lut RELU=false PAR=1}}
source {CORES / "vivado" / "vectors.tcl"}
puts $::generic
"""
    done = subprocess.run(["tclsh"], input=script, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["DEPTH=12", "WIDTH=10", "INIT=4'b0110", "WEIGHTS=3'b101",
                                   "MULT_STYLE=lut", "RELU=false", "PAR=1"]  # fmt: skip


@pytest.mark.usefixtures("tcl_shell")
def test_synthesis_ends_with_the_timing_and_power_reports(tmp_path: Path) -> None:
    """reports.tcl, sourced into the project, sets post_synth.tcl (beside it) as synth_1's
    post-synthesis hook; the hook writes the two reports resq-deploy reads. Vivado's commands
    are stubbed: each records how it was called."""
    script = f"""
proc get_runs {{name}} {{ return $name }}
proc set_property {{property value object}} {{ puts "set_property $property $value $object" }}
proc report_timing_summary {{args}} {{ puts "report_timing_summary $args" }}
proc report_power {{args}} {{ puts "report_power $args" }}
source {CORES / "vivado" / "reports.tcl"}
source {CORES / "vivado" / "post_synth.tcl"}
"""
    done = subprocess.run(["tclsh"], input=script, capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    hook = f"{(CORES / 'vivado' / 'post_synth.tcl').resolve()}"
    assert done.stdout.splitlines() == [
        f"set_property STEPS.SYNTH_DESIGN.TCL.POST {hook} synth_1",
        "report_timing_summary -file resq_timing_synth.rpt",
        "report_power -file resq_power_synth.rpt",
    ]
