"""Progress of long steps, as log records: libraries log, only the CLI prints.

A stage or library marks a step with `status` (started, ended) or counts one with `CountedStep`
(done of total, with a detail such as the latest losses). Each emits records on the logger
`resq.progress` carrying a `Progress` event in the record's `progress` attribute. Without any
set-up they are ordinary log records (start and end at INFO, counts at DEBUG); the `spec`
command line renders them (resq.spec.console): bars and spinners on a terminal, plain lines
in a file or CI log.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger("resq.progress")

EVENT = "progress"
"""The attribute of a log record that holds its `Progress` event."""

_ids = itertools.count(1)


@dataclass(frozen=True)
class Progress:
    """One event of a step: `start` (with its total when counted), `update` (done so far),
    or `end` (`seconds` after its start; `failed` when it raised)."""

    kind: Literal["start", "update", "end"]
    step: int
    what: str
    total: int | None = None
    done: int = 0
    detail: str = ""
    seconds: float = 0.0
    failed: bool = False


def _emit(level: int, message: str, event: Progress) -> None:
    log.log(level, "%s", message, extra={EVENT: event})


@contextmanager
def status(what: str) -> Iterator[None]:
    """A step `what` (e.g. "GHDL: analysing resq:model:x"): a record when it starts and one
    with its duration in seconds when it ends (or fails)."""
    step, began = next(_ids), time.monotonic()
    _emit(logging.INFO, f"{what} …", Progress("start", step, what))
    try:
        yield
    except BaseException:
        seconds = time.monotonic() - began
        _emit(logging.INFO, f"{what}: failed after {seconds:.0f} s",
              Progress("end", step, what, seconds=seconds, failed=True))  # fmt: skip
        raise
    seconds = time.monotonic() - began
    _emit(logging.INFO, f"{what}: done in {seconds:.0f} s",
          Progress("end", step, what, seconds=seconds))  # fmt: skip


class CountedStep:
    """A counted step: `what` done of `total` (None: unknown), as a context manager."""

    def __init__(self, what: str, total: int | None) -> None:
        self.what, self.total = what, total
        self.step = next(_ids)
        self.began = time.monotonic()
        _emit(logging.INFO, f"{what} …", Progress("start", self.step, what, total=total))

    def update(self, done: int, detail: str = "") -> None:
        """`done` (0 … total) of the step so far, with `detail` (e.g. the latest losses)."""
        of = f"/{self.total}" if self.total is not None else ""
        _emit(logging.DEBUG, f"{self.what}: {done}{of} {detail}".rstrip(),
              Progress("update", self.step, self.what, self.total, done, detail))  # fmt: skip

    def close(self, failed: bool = False) -> None:
        """End the step (`failed` when it raised)."""
        seconds = time.monotonic() - self.began
        said = "failed after" if failed else "done in"
        _emit(
            logging.INFO,
            f"{self.what}: {said} {seconds:.0f} s",
            Progress("end", self.step, self.what, self.total, seconds=seconds, failed=failed),
        )

    def __enter__(self) -> CountedStep:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(failed=kind is not None)
