"""Synthesis routes as plug-ins: each route declares its tools (version probe, install hint)
as data, registers by entry point, and a spec naming a route that is not installed is refused
at validation with the file, the field and the nearest name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from resq.deploy.route import SynthesisRoute, ToolError, synthesis_route, synthesis_routes
from resq.spec import ResqError
from resq.spec.tools import Tool, ToolMissingError, install_command

REPO = Path(__file__).resolve().parents[1]


def test_the_installed_routes_declare_their_tools_as_data() -> None:
    routes = synthesis_routes()
    assert set(routes) >= {"yosys", "vivado"}
    for name, route in routes.items():
        assert isinstance(route, SynthesisRoute) and route.name == name and route.title
        for tool in route.tools:
            assert tool.debian or tool.install_hint, f"{name}: how to install {tool.executable}"
            assert tool.version_args
    assert routes["yosys"].required and not routes["vivado"].required
    assert routes["vivado"].options is not None, "Vivado's project options (deploy.vivado)"
    with pytest.raises(ToolError, match=r"no synthesis route 'quartus' is installed \(installed: "):
        synthesis_route("quartus")


def test_a_version_probe_reads_the_first_version_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "faketool"
    fake.write_text('#!/bin/sh\necho "FakeTool build 7 (release 3.14.1, 2026)" >&2\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    tool = Tool(executable="faketool", install_hint="from the vendor", purpose="test",
                version_args=("-V",), version_pattern=r"\d+\.\d+\.\d+")  # fmt: skip
    assert tool.version() == "3.14.1" and tool.version_or_missing() == "3.14.1"
    silent = Tool(executable="faketool", debian="faketool", purpose="test",
                  version_pattern=r"v20\d\d")  # fmt: skip
    with pytest.raises(ResqError, match="cannot read the version of faketool"):
        silent.version()
    absent = Tool(executable="no-such-tool-here", debian="nope", purpose="test")
    assert absent.version_or_missing() == "missing"
    with pytest.raises(ToolMissingError, match="apt-get install -y nope"):
        absent.version()
    assert install_command([absent, tool], root=True) == (
        "apt-get update && apt-get install -y nope; faketool: from the vendor"
    )
    with pytest.raises(ValueError, match="give a Debian package or an install hint"):
        Tool(executable="x", purpose="test")


def test_a_spec_naming_an_uninstalled_route_is_refused_at_validation(tmp_path: Path) -> None:
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    spec = tmp_path / "specs" / "typo.yaml"
    spec.write_text("extends: beijing-o3.yaml\ndeploy: {targets: [sim, yosis]}\n")
    done = subprocess.run([sys.executable, "-c", "from resq.spec.cli import main; main()",
                           "validate", str(spec)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "300"})  # fmt: skip
    said = " ".join(done.stderr.split())
    assert done.returncode == 2 and "Traceback" not in said
    assert (
        f"{spec}: deploy.targets: 'yosis' is neither sim nor an installed synthesis route "
        "(installed: vivado, yosys); did you mean 'yosys'?"
    ) in said
