"""Progress shows as plain lines when output is not a terminal."""

from __future__ import annotations

import io

import pytest
from resq.spec import progress
from resq.spec.progress import Lines, status
from rich.console import Console


def test_a_step_off_a_terminal_prints_its_start_and_its_end() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    with status(console, "GHDL: analysing [model]"):
        pass
    assert out.getvalue().splitlines() == ["GHDL: analysing [model] …",
                                           "GHDL: analysing [model]: done in 0 s"]  # fmt: skip


def test_counted_steps_print_at_most_every_few_seconds_and_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    clock = iter([100.0, 101.0, 200.0, 201.0])
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    lines = Lines(Console(file=out, force_terminal=False, width=200), "QAT epochs", 4)
    for epoch in range(1, 5):
        lines.update(epoch, f"(loss {epoch})")
    assert out.getvalue().splitlines() == ["QAT epochs: 1/4 (loss 1)", "QAT epochs: 3/4 (loss 3)",
                                           "QAT epochs: 4/4 (loss 4)"]  # fmt: skip
    terminal = io.StringIO()
    Lines(Console(file=terminal, force_terminal=True), "QAT epochs", 4).update(4)
    assert terminal.getvalue() == "", "on a terminal the rich bar shows it"
