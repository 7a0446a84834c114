"""Tools run as process groups: results in order, and nothing survives a timeout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
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


def test_a_tool_dies_with_a_caller_killed_outright(tmp_path: Path) -> None:
    groups, pid_file = tmp_path / ".groups", tmp_path / "tool.pid"
    tool = f"['sh', '-c', 'echo $$ > {pid_file}; exec sleep 60']"
    caller = subprocess.Popen(
        [sys.executable, "-c", "from pathlib import Path; from resq.spec.processes import "
         f"run_group; run_group({tool}, Path('.'), None, 120)"],
        cwd=tmp_path, env={**os.environ, GROUPS_ENV: str(groups)})  # fmt: skip
    _until(lambda: pid_file.is_file() and pid_file.read_text().strip() != "", "the tool")
    pid = int(pid_file.read_text())
    assert _running(pid)
    caller.kill()  # SIGKILL: the caller itself can stop nothing
    caller.wait()
    _until(lambda: not _running(pid), "the tool to die with its caller", 10)
    assert stop_leftovers(groups) == 0, "nothing was left to stop"


def test_groups_a_killed_run_left_behind_are_stopped_by_the_next(tmp_path: Path) -> None:
    groups = tmp_path / ".groups"
    survivor = subprocess.Popen(["sleep", "60"], start_new_session=True)  # as if a guard missed
    stat = Path(f"/proc/{survivor.pid}/stat").read_text().rsplit(")", 1)[1].split()
    groups.write_text(f"{survivor.pid} {stat[19]}\n99999999 1\n")  # and one long gone
    assert stop_leftovers(groups) == 1
    survivor.wait(timeout=10)
    assert groups.read_text() == "" and stop_leftovers(groups) == 0


def _until(condition: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_ctrl_c_stops_the_tool_before_the_caller_exits(tmp_path: Path) -> None:
    """The caller gets Python's Ctrl-C handler as in a terminal: a test run started as a
    background job of a non-interactive shell (`… &`) has SIGINT ignored, and a Python
    started that way keeps ignoring it."""
    pid_file = tmp_path / "tool.pid"
    tool = f"['sh', '-c', 'echo $$ > {pid_file}; exec sleep 60']"
    caller = subprocess.Popen(
        [sys.executable, "-c", "import signal; signal.signal(signal.SIGINT, "
         "signal.default_int_handler); from pathlib import Path; from resq.spec.processes "
         f"import run_group; run_group({tool}, Path('.'), None, 120)"],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True)  # fmt: skip
    _until(lambda: pid_file.is_file() and pid_file.read_text().strip() != "", "the tool")
    pid = int(pid_file.read_text())
    try:
        caller.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert "KeyboardInterrupt" in caller.communicate(timeout=30)[1]
        assert not _running(pid), "the tool was stopped before the caller exited"
    finally:
        caller.kill()
        if _running(pid):
            os.kill(pid, signal.SIGKILL)
