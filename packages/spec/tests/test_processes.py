"""Tools run as process groups: results in order, and nothing survives a timeout."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from resq.spec.processes import (
    GROUPS_ENV,
    ToolTimeoutError,
    run_group,
    run_groups,
    stop_leftovers,
)


def test_commands_run_side_by_side_and_report_in_order(tmp_path: Path) -> None:
    began = time.monotonic()
    done = run_groups([["sh", "-c", "sleep 1; echo one"], ["sh", "-c", "sleep 1; echo two >&2; exit 3"]],
                      tmp_path, None, 30)  # fmt: skip
    assert time.monotonic() - began < 1.9, "side by side, not one after the other"
    assert [(d.returncode, d.output.strip()) for d in done] == [(0, "one"), (3, "two")]


def test_a_timeout_stops_the_whole_group_children_included(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"sleep 60 & echo $! >> {pids}; sh -c 'sleep 60' & echo $! >> {pids}; wait"
    with pytest.raises(ToolTimeoutError, match="did not finish in 1 s"):
        run_group(["sh", "-c", script], tmp_path, None, 1)
    children = [int(p) for p in pids.read_text().split()]
    assert len(children) == 2
    assert not [pid for pid in children if _running(pid)], "no child is left running"


def _running(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its parent to reap it has stopped)."""
    status = Path(f"/proc/{pid}/status")
    try:
        state = next(line for line in status.read_text().splitlines() if line.startswith("State:"))
    except (FileNotFoundError, StopIteration):
        return False
    return "Z" not in state.split()[1]


def test_groups_a_killed_caller_left_behind_are_stopped_by_the_next(tmp_path: Path) -> None:
    groups = tmp_path / ".groups"
    caller = subprocess.Popen(
        [sys.executable, "-c", "from pathlib import Path; from resq.spec.processes import "
         "run_group; run_group(['sleep', '60'], Path('.'), None, 120)"],
        cwd=tmp_path, env={**os.environ, GROUPS_ENV: str(groups)})  # fmt: skip
    deadline = time.monotonic() + 30
    while not (groups.is_file() and groups.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    caller.kill()  # SIGKILL: the caller cannot stop its group
    caller.wait()
    pgid = int(groups.read_text().split()[0])
    assert _running(pgid), "the tool outlived its caller"
    assert stop_leftovers(groups) == 1
    time.sleep(0.2)
    assert not _running(pgid) and groups.read_text() == ""
    assert stop_leftovers(groups) == 0
