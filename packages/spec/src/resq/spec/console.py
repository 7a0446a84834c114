"""How the `spec` command line shows the libraries' log: messages through rich, and the
progress events of resq.spec.progress as bars and spinners on a terminal or as plain lines
elsewhere (a file, a CI log), at most one update per `EVERY_S` seconds and each end."""

from __future__ import annotations

import logging
import time

from resq.spec.progress import EVENT, Progress
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as Bars

EVERY_S = 30.0
"""Seconds between two progress lines of one step when output is not a terminal."""


def _now() -> float:
    """Seconds on a monotonic clock (patched in tests)."""
    return time.monotonic()


class ProgressHandler(logging.Handler):
    """Renders `Progress` events on `console`; a record without one goes to `fallback`."""

    def __init__(self, console: Console, fallback: logging.Handler) -> None:
        super().__init__(logging.DEBUG)
        self.console, self.fallback = console, fallback
        self.bars: Bars | None = None
        self.tasks: dict[int, TaskID] = {}
        self.last: dict[int, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, EVENT, None)
        if not isinstance(event, Progress):
            if record.levelno >= self.fallback.level:
                self.fallback.handle(record)
            return
        if self.console.is_terminal:
            self._draw(event)
        else:
            self._line(event)

    def _draw(self, event: Progress) -> None:
        if event.kind == "start":
            if self.bars is None:
                self.bars = Bars(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("{task.fields[detail]}"),
                                 TimeElapsedColumn(), console=self.console, transient=True)  # fmt: skip
                self.bars.start()
            self.tasks[event.step] = self.bars.add_task(escape(event.what), total=event.total,
                                                        detail="")  # fmt: skip
            return
        if self.bars is None or event.step not in self.tasks:
            return
        if event.kind == "update":
            self.bars.update(self.tasks[event.step], completed=event.done,
                             detail=escape(event.detail))  # fmt: skip
            return
        self.bars.remove_task(self.tasks.pop(event.step))
        if event.failed:
            self.console.print(f"{escape(event.what)}: failed after {event.seconds:.0f} s",
                               highlight=False)  # fmt: skip
        if not self.tasks:
            self.bars.stop()
            self.bars = None

    def _line(self, event: Progress) -> None:
        what = escape(event.what)
        if event.kind == "start":
            self.last[event.step] = -EVERY_S  # its first count shows at once
            if event.total is None:  # a counted step shows with its first count
                self.console.print(f"{what} …", highlight=False)
            return
        if event.kind == "update":
            now = _now()
            if now - self.last.get(event.step, -EVERY_S) < EVERY_S and event.done != event.total:
                return
            self.last[event.step] = now
            of = f"/{event.total}" if event.total is not None else ""
            self.console.print(f"{what}: {event.done}{of} {escape(event.detail)}".rstrip(),
                               highlight=False)  # fmt: skip
            return
        self.last.pop(event.step, None)
        said = "failed after" if event.failed else "done in"
        if event.total is None or event.failed:
            self.console.print(f"{what}: {said} {event.seconds:.0f} s", highlight=False)


def configure_logging(console: Console, verbose: bool) -> None:
    """Log through `console`: DEBUG and up when `verbose`, else INFO and up; progress events
    always rendered."""
    messages = RichHandler(console=console, show_path=False, markup=False,
                           level=logging.DEBUG if verbose else logging.INFO)  # fmt: skip
    root = logging.getLogger()
    root.handlers[:] = [messages]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    progress = logging.getLogger("resq.progress")
    progress.handlers[:] = [ProgressHandler(console, messages)]
    progress.setLevel(logging.DEBUG)
    progress.propagate = False
    logging.getLogger("matplotlib").setLevel(logging.WARNING)  # not its font-cache notes
