"""resq-spec installs and works on its own, in a fresh virtual environment."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_spec_package_alone_gives_a_working_validate(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-e", str(REPO / "packages" / "spec")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    listed = subprocess.run([str(python), "-m", "pip", "list"], capture_output=True, text=True)
    assert "resq-qat" not in listed.stdout and "torch" not in listed.stdout
    specs = sorted(str(p) for p in (REPO / "specs").glob("*.yaml"))
    result = subprocess.run(
        [str(env_dir / "bin" / "spec"), "validate", *specs], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
