"""Shared fixtures of the cross-package tests: tools (skip outside CI, fail in CI), the
`sim` target of cores/ through FuseSoC, the real data home."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORES = REPO / "cores"


def require_tools(*tools: str) -> None:
    """Skip (outside CI) or fail (in CI) when a tool is not on PATH."""
    for tool in tools:
        if shutil.which(tool) is None:
            if os.environ.get("CI"):
                pytest.fail(f"{tool} must be installed in CI (.ci/run installs it)")
            pytest.skip(f"{tool} is not installed (outside CI)")


def _simulate(vlnv: str, args: list[str], build_root: Path) -> subprocess.CompletedProcess[str]:
    command = ["fusesoc", "--cores-root", str(CORES), "run", "--build-root", str(build_root),
               "--target", "sim", vlnv, *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


@pytest.fixture
def simulate() -> Callable[[str, list[str], Path], subprocess.CompletedProcess[str]]:
    """`fusesoc --cores-root cores run --target sim VLNV ARGS` in a given build root."""
    require_tools("ghdl", "fusesoc")
    return _simulate


@pytest.fixture
def fusesoc_tools() -> None:
    """ghdl and fusesoc on PATH (skip outside CI, fail in CI)."""
    require_tools("ghdl", "fusesoc")


@pytest.fixture
def synthesis_tools() -> None:
    """ghdl and yosys on PATH (skip outside CI, fail in CI)."""
    require_tools("ghdl", "yosys")


@pytest.fixture
def beijing_home() -> Path:
    """$RESQ_DATA_HOME with beijing-air/ (skip outside CI when absent, fail in CI)."""
    home = os.environ.get("RESQ_DATA_HOME")
    if not home or not (Path(home) / "beijing-air").is_dir():
        if os.environ.get("CI"):
            pytest.fail("RESQ_DATA_HOME must point at the shared datasets in CI")
        pytest.skip("RESQ_DATA_HOME with beijing-air/ is not set (outside CI)")
    return Path(home).resolve()
