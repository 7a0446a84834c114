"""Fixtures: a throw-away project tree with the repository's boards and dataset manifests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project directory holding copies of boards/, datasets/ and specs/."""
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def _run_spec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from resq.spec.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture()
def run_spec() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the `spec` command line in a subprocess, as a user would."""
    return _run_spec


@pytest.fixture()
def repo() -> Path:
    """The repository checkout."""
    return REPO
