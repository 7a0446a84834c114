"""The external tools a run needs: found, named with their install command when missing,
installed as root with apt-get (a stand-in apt-get here), and named by `spec tools`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from resq.spec.tools import GHDL, Tool, ToolMissingError, ensure, install_command, missing

STAND_IN_APT = """#!/bin/sh
# A stand-in apt-get: logs each call; `install` puts an executable per package on PATH.
echo "$*" >> "{log}"
if [ "$1" = "install" ]; then
  for package in "$@"; do
    case "$package" in -*|install) ;; *) printf '#!/bin/sh\\n' > "{bin}/$package";
      chmod +x "{bin}/$package";; esac
  done
fi
"""


def _stand_in_apt(tmp_path: Path) -> tuple[Path, Path]:
    bin_dir, log = tmp_path / "bin", tmp_path / "apt.log"
    bin_dir.mkdir()
    apt = bin_dir / "apt-get"
    apt.write_text(STAND_IN_APT.format(log=log, bin=bin_dir))
    apt.chmod(0o755)
    return apt, log


FAKE = [Tool(executable="resq-fake-sim", debian="resq-fake-sim", purpose="simulation"),
        Tool(executable="resq-fake-fast", debian="resq-fake-fast", purpose="speed",
             optional=True)]  # fmt: skip


def test_as_root_the_missing_tools_are_installed_with_one_update_and_one_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apt, log = _stand_in_apt(tmp_path)
    monkeypatch.setenv("PATH", f"{apt.parent}{os.pathsep}{os.environ['PATH']}")
    assert missing(FAKE) == FAKE
    assert ensure(FAKE, install_missing=True, root=True, apt_get=str(apt)) == []
    assert log.read_text().splitlines() == ["update -qq",
                                            "install -y -qq resq-fake-sim resq-fake-fast"]  # fmt: skip
    assert missing(FAKE) == []
    ensure(FAKE, install_missing=True, root=True, apt_get=str(apt))
    assert len(log.read_text().splitlines()) == 2, "nothing missing: apt-get is not called"


def test_not_root_stops_with_the_one_command_that_installs_them_all(tmp_path: Path) -> None:
    apt, log = _stand_in_apt(tmp_path)
    with pytest.raises(ToolMissingError) as raised:
        ensure(FAKE, install_missing=True, root=False, apt_get=str(apt))
    message = str(raised.value)
    assert "resq-fake-sim (simulation)" in message and "resq-fake-fast (speed, optional)" in message
    assert message.endswith("sudo apt-get update && sudo apt-get install -y resq-fake-sim "
                            "resq-fake-fast")  # fmt: skip
    assert not log.exists(), "apt-get is never called without root"


def test_a_missing_optional_tool_alone_does_not_stop_a_run() -> None:
    assert ensure([FAKE[1]], install_missing=False) == [FAKE[1]]
    assert install_command([GHDL], root=True) == "apt-get update && apt-get install -y ghdl"


def _bare_env(tmp_path: Path) -> dict[str, str]:
    """This Python's folder alone on PATH: no GHDL, Yosys, Verilator, make or g++."""
    return {**os.environ, "PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}


def test_spec_tools_names_every_missing_tool_and_exits_1(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from resq.spec.cli import main; main()", "tools",
         "--extra", "resq-fake-sim", "--extra", "resq-fake-tcl=tcl"],
        capture_output=True, text=True, timeout=120, env=_bare_env(tmp_path))  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "apt-get install -y resq-fake-sim tcl" in done.stderr
