"""Progress of long steps that shows also when output is not a terminal.

On a terminal rich draws a spinner or a bar that updates in place; written to a file or a
CI log it would show nothing until the end. `status` and `Lines` print plain lines there
instead: when a step starts and ends, and at most one update every `EVERY_S` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape

EVERY_S = 30.0
"""Seconds between two progress lines when output is not a terminal."""


@contextmanager
def status(console: Console, text: str) -> Iterator[None]:
    """A spinner with `text` on a terminal; elsewhere a line when the step starts and one
    with its duration when it ends."""
    if console.is_terminal:
        with console.status(escape(text)):
            yield
        return
    began = time.monotonic()
    console.print(f"{escape(text)} …", highlight=False)
    yield
    console.print(f"{escape(text)}: done in {time.monotonic() - began:.0f} s", highlight=False)


class Lines:
    """Plain progress lines of one counted step (`what` done of `total`) when output is not a
    terminal, at most one per EVERY_S seconds and the last one always; nothing on a
    terminal, where a rich bar shows it."""

    def __init__(self, console: Console, what: str, total: int | None) -> None:
        self.console, self.what, self.total = console, what, total
        self.last = 0.0

    def update(self, done: int, detail: str = "") -> None:
        """Report `done` of the total, with `detail` (e.g. the latest losses)."""
        if self.console.is_terminal:
            return
        now = time.monotonic()
        if now - self.last < EVERY_S and done != self.total:
            return
        self.last = now
        of = f"/{self.total}" if self.total is not None else ""
        self.console.print(f"{escape(self.what)}: {done}{of} {escape(detail)}".rstrip(),
                           highlight=False)  # fmt: skip
