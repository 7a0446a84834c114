"""A knowledge-database sweep: profile every point not yet measured on the current sources.

Results land in the journal one by one (resq.estimator.kdb), so an interrupted sweep keeps
what finished and the next one profiles only the rest; entries measured on older sources
of a block are profiled again.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from resq.estimator.executor import Executor, Failure
from resq.estimator.fit import FittedModel
from resq.estimator.kdb import (
    KdbEntry,
    KnowledgeBase,
    ProfilePoint,
    Toolchain,
    append_journal,
    load_kdb,
    save_kdb,
)
from resq.estimator.profile import profile_point
from resq.hdlgen.cores import ip_digest


class SweepResult(BaseModel):
    """How many points a sweep found measured, measured now, and which failed."""

    model_config = ConfigDict(frozen=True)

    cached: int
    measured: int
    failures: list[tuple[ProfilePoint, str]]


def sweep(path: Path, part_family: str, toolchain: Toolchain, points: list[ProfilePoint],
          cores: Path, executor: Executor) -> tuple[KnowledgeBase, SweepResult]:  # fmt: skip
    """Profile the points of `points` that the knowledge base at `path` lacks, with
    `executor`, and save it with the leave-one-out error of the model fitted on it.
    Returns the knowledge base and what the sweep did."""
    kdb = load_kdb(path, part_family, toolchain)
    digests = {block: ip_digest(cores, block) for block in {p.block for p in points}}
    todo = kdb.missing(points, digests)

    def landed(point: ProfilePoint, entry: KdbEntry) -> None:
        append_journal(path, entry)
        kdb.add(entry)

    failures: list[Failure] = executor.map(
        partial(profile_point, cores=cores, route=toolchain.route),
        todo,
        landed,
        f"profiling {len(todo)} points with {toolchain.route}",
    )
    kdb.fit_error = FittedModel(kdb.entries.values()).leave_one_out()
    save_kdb(path, kdb)
    distinct = len({p.key() for p in points})
    return kdb, SweepResult(
        cached=distinct - len(todo), measured=len(todo) - len(failures),
        failures=[(todo[f.index], f.error) for f in failures],
    )  # fmt: skip
