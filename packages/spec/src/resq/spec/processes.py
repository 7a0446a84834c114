"""Tools run as process groups: every child of a tool (make, ghdl, yosys, …) is stopped with
it when it times out, when the caller is interrupted (Ctrl-C, SIGTERM) or fails, so no
simulator or synthesis outlives the run that started it.

A caller killed outright (SIGKILL) cannot stop its groups, so each group's leader is a small
guard (`GUARD`, Linux): the kernel sends it SIGTERM when the caller dies (PR_SET_PDEATHSIG),
and on SIGTERM it kills its whole group. Should a guard miss that too, `GROUPS_ENV` names a
file (`spec run` sets it to `.groups` in its run directory) listing each running group (its
id and its leader's start time), and `stop_leftovers` stops the groups a killed run left
behind before the next run in that directory starts.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from resq.spec.errors import ResqError

GRACE_S = 5.0
"""How long a stopped group gets between SIGTERM and SIGKILL, in seconds."""


GROUPS_ENV = "RESQ_PROCESS_GROUPS"

GUARD = """
import ctypes, os, signal, subprocess, sys
def stop(*_):
    os.killpg(0, signal.SIGKILL)
signal.signal(signal.SIGTERM, stop)
ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: SIGTERM when the caller dies
if os.getppid() != int(sys.argv[1]):
    stop()
code = subprocess.Popen(sys.argv[2:]).wait()
sys.exit(code if code >= 0 else 128 - code)
"""
"""The leader of every tool's process group: runs the tool (argv[2:]) and forwards its exit
status (128 + n for a signal n); kills the group when it gets SIGTERM, which the kernel
sends when the caller (pid argv[1]) dies, SIGKILL included."""


def guarded(command: Sequence[str]) -> list[str]:
    """`command` run under GUARD in an isolated Python that imports nothing else."""
    return [sys.executable, "-I", "-S", "-c", GUARD, str(os.getpid()), *command]


def _start_time(pid: int) -> str | None:
    """The start time of process `pid` (clock ticks since boot), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _listed(change: Callable[[list[str]], list[str]]) -> None:
    """Apply `change` to the lines of the group list named by GROUPS_ENV, under its lock."""
    name = os.environ.get(GROUPS_ENV)
    if not name:
        return
    with open(name, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        lines = change([line for line in handle.read().splitlines() if line.strip()])
        handle.seek(0)
        handle.truncate()
        handle.write("".join(f"{line}\n" for line in lines))


def _append(entry: str, lines: list[str]) -> list[str]:
    return [*lines, entry]


def stop_leftovers(groups: Path) -> int:
    """SIGKILL every group listed in the file `groups` whose leader is the one listed (same
    start time) and that still has a running member (not only zombies), then empty the
    list; how many were stopped."""
    if not groups.is_file():
        return 0
    stopped = 0
    for line in groups.read_text(encoding="utf-8").splitlines():
        pgid, _, started = line.partition(" ")
        if pgid.isdigit() and _start_time(int(pgid)) == started and _live_members(int(pgid)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(int(pgid), signal.SIGKILL)
                stopped += 1
    groups.write_text("", encoding="utf-8")
    return stopped


class ToolTimeoutError(ResqError):
    """A tool that did not finish in its time."""


@dataclass(frozen=True)
class Finished:
    """A tool's exit status and what it printed (stdout, then stderr)."""

    returncode: int
    output: str


def _live_members(pgid: int) -> bool:
    """True while a process of group `pgid` runs (zombies, which only wait to be reaped by
    their parent, do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the process group, SIGKILL to what still runs GRACE_S later; returns once
    the leader is reaped and no member runs."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + GRACE_S
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=GRACE_S)
        while _live_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is not None and not _live_members(process.pid):
            break


def run_groups(commands: Sequence[Sequence[str]], cwd: Path, env: Mapping[str, str] | None,
               timeout_s: float) -> list[Finished]:  # fmt: skip
    """Run `commands` side by side in `cwd`, each in a process group of its own; their
    results in order. Raises ToolTimeoutError when they are not all done in `timeout_s`
    seconds; on that or any interruption every group is stopped before this returns."""
    with contextlib.ExitStack() as files:
        logs = [files.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
                for _ in commands]  # fmt: skip
        return _run(commands, logs, [None] * len(commands), cwd, env, timeout_s)


def _run(commands: Sequence[Sequence[str]], logs: Sequence[IO[str]],
         outs: Sequence[IO[str] | None], cwd: Path, env: Mapping[str, str] | None,
         timeout_s: float) -> list[Finished]:  # fmt: skip
    """Each command's stdout to its `outs` file (None: to its log) and stderr to its log."""
    processes: list[subprocess.Popen[str]] = []
    try:
        for command, log, out in zip(commands, logs, outs, strict=True):
            process = subprocess.Popen(
                guarded(command), cwd=cwd, env=None if env is None else dict(env),
                stdout=log if out is None else out,
                stderr=subprocess.STDOUT if out is None else log, text=True,
                start_new_session=True)  # fmt: skip
            processes.append(process)
            _listed(partial(_append, f"{process.pid} {_start_time(process.pid)}"))
        deadline = time.monotonic() + timeout_s
        for process in processes:
            left = deadline - time.monotonic()
            try:
                process.wait(timeout=max(0.0, left))
            except subprocess.TimeoutExpired as e:
                raise ToolTimeoutError(
                    f"{' '.join(commands[processes.index(process)])} did not finish in "
                    f"{timeout_s:g} s"
                ) from e
        results = []
        for process, log in zip(processes, logs, strict=True):
            log.seek(0)
            results.append(Finished(process.returncode, log.read()))
        return results
    finally:
        for process in processes:
            _stop(process)
        gone = {str(p.pid) for p in processes}
        _listed(lambda lines: [line for line in lines if line.split(" ")[0] not in gone])


def run_group(command: Sequence[str], cwd: Path, env: Mapping[str, str] | None,
              timeout_s: float, stdout: Path | None = None) -> Finished:  # fmt: skip
    """`run_groups` of one command; with `stdout`, what it prints there goes to that file
    and `output` holds only its standard error."""
    if stdout is None:
        return run_groups([command], cwd, env, timeout_s)[0]
    with (tempfile.TemporaryFile("w+", encoding="utf-8") as log,
          open(stdout, "w", encoding="utf-8") as out):  # fmt: skip
        return _run([command], [log], [out], cwd, env, timeout_s)[0]
