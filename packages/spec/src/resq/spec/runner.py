"""The stage runner behind `spec run`: cached, atomic, resumable stages in a run directory.

Layout of a run directory:
    summary.json                 headline figures of every stage that finished
    <stage>/<key>/               a finished artifact; <key> hashes what it depends on
    <stage>/<key>/stage.json     the record of that run (written last, inside the artifact)
    .partial/<stage>-<key>/      the artifact being written (removed if the stage fails)
    .scratch/<stage>-<key>/      a stage's checkpoints, kept across failures until it succeeds
    logs/<stage>.log             the traceback of the last failure of a stage
"""

from __future__ import annotations

import difflib
import errno
import fcntl
import hashlib
import json
import logging
import os
import platform
import shutil
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from resq.spec.atomic import publish_dir, write_json_atomic, write_text_atomic
from resq.spec.errors import ResqError, StageError
from resq.spec.processes import GROUPS_ENV, stop_leftovers
from resq.spec.spec import LoadedSpec
from resq.spec.stage import LATEST, Stage, StageContext, stage_order
from resq.spec.tools import Tool, require

log = logging.getLogger(__name__)

RECORD_FILE = "stage.json"
SUMMARY_FILE = "summary.json"
GROUPS_FILE = ".groups"
"""Tool process groups running for this run directory (resq.spec.processes)."""


class StageRecord(BaseModel):
    """What is known of one finished stage; stored as `stage.json` inside its artifact."""

    model_config = ConfigDict(frozen=True)

    stage: str
    key: str
    inputs: dict[str, str]
    versions: dict[str, str]
    seconds: float
    finished: str
    summary: dict[str, Any]


StageEvent = Callable[[str, str, StageRecord | None], None]

_WRITE_FAILURES = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM}


def _unwritable(error: OSError) -> bool:
    """True for the errors of a file system that takes no more writes (read-only, full,
    over quota, not permitted)."""
    return error.errno in _WRITE_FAILURES


"""Called with (stage, status, record); status is `start`, `cached` or `done`."""


def missing_stage_message(name: str, installed: Sequence[str]) -> str:
    """Why stage `name` cannot run: no installed package registers it (with the nearest
    installed name, for a typing error)."""
    near = difflib.get_close_matches(name, installed, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return (f"stage {name!r} is not installed{hint}: no installed package registers it under "
            f"the entry-point group resq.stages (installed: {', '.join(installed) or 'none'}; "
            "the resq packages: pip install -e packages/<name>)")  # fmt: skip


class Runner:
    """Runs stages of one loaded spec in `run_dir`, skipping those whose artifact exists."""

    def __init__(
        self,
        loaded: LoadedSpec,
        stages: Mapping[str, Stage],
        run_dir: Path,
    ) -> None:
        self.loaded = loaded
        self.stages = stages
        self.run_dir = run_dir
        self.order = tuple(stage_order(stages))
        """The installed stages in the order a run takes them (`stage_order`)."""
        self._keys: dict[str, str] = {}

    def stage(self, name: str) -> Stage:
        """The installed stage `name`; `StageError` naming the package when it is missing."""
        if name not in self.stages:
            raise StageError(missing_stage_message(name, self.order))
        return self.stages[name]

    def upstream(self, name: str) -> tuple[str, ...]:
        """The stages whose artifacts stage `name` reads in this run: its `upstream` and
        those of its `optional_inputs` that are installed and apply to the spec."""
        stage = self.stage(name)
        optional = tuple(o for o in stage.optional_inputs if o in self.stages
                         and self.stages[o].applies(self.loaded) is None)  # fmt: skip
        return (*stage.upstream(self.loaded), *optional)

    def key(self, name: str) -> str:
        """Cache key of stage `name`: a hash of its spec sections, upstream keys and versions."""
        if name not in self._keys:
            stage = self.stage(name)
            material = {
                "stage": name,
                "sections": {s: self.loaded.section(s) for s in stage.sections},
                "inputs": {i: self.key(i) for i in self.upstream(name)},
                "versions": stage.versions(),
                "python": platform.python_version(),
            }
            text = json.dumps(material, sort_keys=True, default=str)
            self._keys[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
        return self._keys[name]

    def artifact(self, name: str) -> Path:
        """Where the artifact of stage `name` lives once finished."""
        return self.run_dir / name / self.key(name)

    def is_cached(self, name: str) -> bool:
        """True when stage `name` has a finished artifact for the current key."""
        return (self.artifact(name) / RECORD_FILE).is_file()

    def plan(self, selected: Sequence[str], named: bool = True) -> list[str]:
        """Check that the selected stages can run; return them in the order of a run.

        Every selected stage must be installed, none may know it cannot run
        (`Stage.preflight`), and each input outside the selection must already have its
        artifact in the run directory. A stage that does not apply to the
        spec (`Stage.applies`) is an error when `named`, else left out.
        """
        ordered = self.selection(selected, named)
        self.check_tools(ordered)
        stopped = [f"stage {s!r} cannot run: {why}" for s in ordered if not self.is_cached(s)
                   and (why := self.stage(s).preflight(self.loaded))]  # fmt: skip
        if stopped:
            raise StageError("\n".join(stopped))
        for name in ordered:
            for upstream in self.upstream(name):
                if upstream not in ordered and not self.is_cached(upstream):
                    raise StageError(
                        f"stage {name!r} needs the artifact of {upstream!r}, which is not in "
                        f"{self.run_dir}: run it first (--stages {upstream})"
                    )
        return ordered

    def selection(self, selected: Sequence[str], named: bool = True) -> list[str]:
        """The selected stages that run, in the order of a run: StageError for an unknown or
        uninstalled one; one that does not apply (`Stage.applies`) is an error when `named`,
        else left out."""
        absent = [s for s in selected if s not in self.stages]
        if absent:
            raise StageError("\n".join(missing_stage_message(s, self.order) for s in absent))
        ordered = [s for s in self.order if s in selected]
        reasons = {s: why for s in ordered
                   if s in self.stages and (why := self.stages[s].applies(self.loaded))}  # fmt: skip
        if reasons and named:
            raise StageError("\n".join(f"stage {s!r} does not apply: {why}"
                                        for s, why in reasons.items()))  # fmt: skip
        return [s for s in ordered if s not in reasons]

    def closure(self, selected: Sequence[str]) -> list[str]:
        """`selected` and every installed stage upstream of them, in the order of a run."""
        found: set[str] = set()
        todo = list(selected)
        while todo:
            name = todo.pop()
            if name in found or name not in self.stages:
                continue
            found.add(name)
            todo += self.upstream(name)
        return [s for s in self.order if s in found]

    def tools(self, selected: Sequence[str]) -> list[Tool]:
        """The external tools a run of `selected` needs: those of each selected stage and of
        every stage upstream of it (their versions are part of the cache keys)."""
        return [tool for name in self.closure(selected)
                for tool in self.stages[name].required_tools(self.loaded)]  # fmt: skip

    def check_tools(self, selected: Sequence[str]) -> None:
        """ToolMissingError naming every required tool of a run of `selected` that is not on
        PATH, with the command that installs them all; before any stage starts."""
        require(self.tools(selected), f"spec run of {', '.join(selected)}")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with open(self.run_dir / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                raise StageError(f"run directory {self.run_dir} is in use by another run") from e
            groups = self.run_dir / GROUPS_FILE
            stopped = stop_leftovers(groups)  # of a run killed outright: no second simulator
            if stopped:
                log.warning("stopped %d tool process group(s) a killed run left behind", stopped)
            previous = os.environ.get(GROUPS_ENV)
            os.environ[GROUPS_ENV] = str(groups)
            try:
                yield
            finally:
                if previous is None:
                    os.environ.pop(GROUPS_ENV, None)
                else:
                    os.environ[GROUPS_ENV] = previous

    def run(self, selected: Sequence[str], on_event: StageEvent | None = None,
            named: bool = True) -> dict[str, Any]:  # fmt: skip
        """Run (or take from the cache) each selected stage in order; return the summary.
        `named`: the user named these stages (see `plan`)."""
        ordered = self.plan(selected, named)
        notify = on_event or (lambda stage, status, record: None)
        try:
            return self._run(ordered, notify)
        except OSError as e:
            if not _unwritable(e):
                raise
            where = f": {e.filename}" if e.filename else ""
            raise StageError(
                f"cannot write the run directory {self.run_dir} "
                f"({e.strerror or e}{where}); what finished is kept"
            ) from e

    def _run(self, ordered: list[str], notify: StageEvent) -> dict[str, Any]:
        with self._locked():
            for name in ordered:
                if self.is_cached(name):
                    record = StageRecord.model_validate_json(
                        (self.artifact(name) / RECORD_FILE).read_text(encoding="utf-8")
                    )
                    self._summarise(record, cached=True)
                    notify(name, "cached", record)
                    continue
                notify(name, "start", None)
                record = self._execute(name)
                self._summarise(record, cached=False)
                notify(name, "done", record)
        return self.summary()

    def _execute(self, name: str) -> StageRecord:
        stage, key = self.stage(name), self.key(name)
        partial = self.run_dir / ".partial" / f"{name}-{key}"
        scratch = self.run_dir / ".scratch" / f"{name}-{key}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        scratch.mkdir(parents=True, exist_ok=True)
        context = StageContext(
            loaded=self.loaded,
            run_dir=self.run_dir,
            out_dir=partial,
            scratch_dir=scratch,
            inputs={i: self.artifact(i) for i in self.upstream(name)},
        )
        started = time.perf_counter()
        try:
            summary = stage.run(context)
        except BaseException as e:
            shutil.rmtree(partial, ignore_errors=True)
            log_file = self.run_dir / "logs" / f"{name}.log"
            try:
                write_text_atomic(log_file, traceback.format_exc())
            except OSError:  # the run directory itself failed: the message says enough
                log_file = Path("(no log: the run directory cannot be written)")
            if isinstance(e, OSError) and _unwritable(e):
                raise  # run() names the run directory
            if isinstance(e, ResqError):
                raise StageError(f"stage {name!r} failed: {e}") from e
            if isinstance(e, Exception):
                raise StageError(
                    f"stage {name!r} failed: {type(e).__name__}: {e} (traceback in {log_file})"
                ) from e
            raise
        record = StageRecord(
            stage=name,
            key=key,
            inputs={i: self.key(i) for i in self.upstream(name)},
            versions=stage.versions(),
            seconds=round(time.perf_counter() - started, 3),
            finished=datetime.now(UTC).isoformat(timespec="seconds"),
            summary=summary,
        )
        write_json_atomic(partial / RECORD_FILE, record.model_dump(mode="json"))
        publish_dir(partial, self.artifact(name))
        shutil.rmtree(scratch, ignore_errors=True)
        return record

    def summary(self) -> dict[str, Any]:
        """The content of summary.json (empty stages when nothing ran yet)."""
        path = self.run_dir / SUMMARY_FILE
        if path.is_file():
            loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return loaded
        return {"spec": self.loaded.spec.name, "spec_file": str(self.loaded.path), "stages": {}}

    def _link_latest(self, record: StageRecord) -> None:
        """Link each file the stage names under LATEST into the run directory (replacing
        the link of an earlier run atomically), relative, so the run directory can move."""
        for name in record.summary.get(LATEST, []):
            target = self.artifact(record.stage) / name
            link = self.run_dir / Path(name).name
            if not target.is_file() or (link.exists() and not link.is_symlink()):
                continue
            temporary = link.with_name(f".{link.name}.link")
            temporary.unlink(missing_ok=True)
            temporary.symlink_to(target.relative_to(self.run_dir))
            temporary.replace(link)

    def _summarise(self, record: StageRecord, cached: bool) -> None:
        self._link_latest(record)
        summary = self.summary()
        summary["stages"][record.stage] = {
            "key": record.key,
            "cached": cached,
            "seconds": record.seconds,
            "artifact": str(self.artifact(record.stage).relative_to(self.run_dir)),
            **record.summary,
        }
        write_json_atomic(self.run_dir / SUMMARY_FILE, summary)
