"""Vivado synthesis of a core's `synth` target, against a stand-in `vivado` on PATH that
answers `-version` and leaves real report text where Vivado leaves its utilization report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from resq.deploy.route import ToolError, synthesis_route
from resq.deploy.vivado import VIVADO, synthesize_core
from resq.deploy.vivado_report import parse_power, parse_timing, parse_utilization
from resq.estimator.executor import Executor
from resq.estimator.kdb import ProfilePoint, Toolchain, find_kdb, kdb_name
from resq.estimator.sweep import sweep
from resq.estimator.validate import measure
from resq.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "packages" / "deploy" / "tests" / "data"
REPORT = DATA / "utilization_2023_xc7s15.rpt"


def _stand_in(folder: Path, calls: Path) -> None:
    folder.mkdir()
    vivado = folder / "vivado"
    vivado.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-version" ]; then echo "Vivado v2023.2 (64-bit)"; exit 0; fi\n'
        f'echo "$*" >> {calls}\n'
        f'cp {REPORT} "$PWD/resq_rom_utilization_synth.rpt"\n'
        f'cp {DATA / "timing_2023_xc7s15.rpt"} "$PWD/resq_timing_synth.rpt"\n'
        f'cp {DATA / "power_2023_xc7s15.rpt"} "$PWD/resq_power_synth.rpt"\n'
    )
    vivado.chmod(0o755)


@pytest.mark.usefixtures("fusesoc_tools")
def test_vivado_synthesis_of_an_ip_reads_its_utilization_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "calls.txt"
    _stand_in(tmp_path / "bin", calls)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    assert VIVADO.version() == "v2023.2"
    assert synthesis_route("vivado").versions() == {"vivado": "v2023.2"}
    report = synthesize_core("resq:ip:rom", [REPO / "cores"], {"DEPTH": 4, "WIDTH": 2,
                                                                "INIT": "01101100"}, 300)  # fmt: skip
    assert report.resources == parse_utilization(REPORT.read_text())
    assert report.timing == parse_timing((DATA / "timing_2023_xc7s15.rpt").read_text())
    assert report.power == parse_power((DATA / "power_2023_xc7s15.rpt").read_text())
    invocations = calls.read_text().splitlines()
    assert any("-mode batch" in line and "_synth.tcl" in line for line in invocations)


def test_without_vivado_the_route_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError, match="vivado is not on PATH"):
        synthesize_core("resq:ip:rom", [REPO / "cores"], {}, 60)


@pytest.mark.usefixtures("fusesoc_tools")
def test_the_vivado_route_profiles_points_and_whole_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, beijing_home: Path
) -> None:
    """`spec kdb build/validate --route vivado`: the same sweep and validation, measured by
    Vivado into a knowledge base of its own."""
    _stand_in(tmp_path / "bin", tmp_path / "calls.txt")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    vivado = Toolchain(route="vivado", versions=synthesis_route("vivado").versions())
    points = [ProfilePoint(block="rom", generics={"DEPTH": d, "WIDTH": 2, "INIT": "01" * d})
              for d in (2, 3)]  # fmt: skip
    path = tmp_path / kdb_name("xc7", vivado)
    database, result = sweep(path, "xc7", vivado, points, REPO / "cores", Executor("local", 1))
    assert (result.measured, result.failures) == (2, [])
    expected = parse_utilization(REPORT.read_text())
    assert all(e.resources == expected for e in database.entries.values())
    assert find_kdb(tmp_path, "xc7", "vivado") == path
    loaded = load_spec(REPO / "specs" / "beijing-o3.yaml")
    assert measure(loaded, loaded.bit_config(), REPO / "cores", "vivado") == expected
