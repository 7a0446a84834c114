"""Progress: libraries log events (resq.spec.progress); the CLI's handler renders them as
plain lines when output is not a terminal and as transient bars on one (resq.spec.console)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from resq.spec import console as console_module
from resq.spec.console import configure_logging
from resq.spec.progress import CountedStep, status
from rich.console import Console


@pytest.fixture()
def shown() -> Iterator[tuple[io.StringIO, Console]]:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    saved = logging.getLogger().handlers[:], logging.getLogger().level
    configure_logging(console, verbose=False)
    yield out, console
    logging.getLogger().handlers[:], _ = saved[0], logging.getLogger().setLevel(saved[1])
    progress = logging.getLogger("resq.progress")
    progress.handlers[:], progress.propagate = [], True


def test_a_step_off_a_terminal_prints_its_start_and_its_end(shown) -> None:
    out, _ = shown
    with status("GHDL: analysing [model]"):
        pass
    assert out.getvalue().splitlines() == ["GHDL: analysing [model] …",
                                           "GHDL: analysing [model]: done in 0 s"]  # fmt: skip


def test_a_failing_step_says_so_and_the_error_goes_on(shown) -> None:
    out, _ = shown
    with pytest.raises(RuntimeError), status("Yosys"):
        raise RuntimeError("boom")
    assert out.getvalue().splitlines()[-1] == "Yosys: failed after 0 s"


def test_counted_steps_print_at_most_every_few_seconds_and_the_last(
    shown, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _ = shown
    clock = iter([100.0, 101.0, 200.0, 201.0])  # the times of the four counts
    monkeypatch.setattr(console_module, "_now", lambda: next(clock))
    with CountedStep("QAT epochs", 4) as step:
        for epoch in range(1, 5):
            step.update(epoch, f"(loss {epoch})")
    assert out.getvalue().splitlines() == ["QAT epochs: 1/4 (loss 1)", "QAT epochs: 3/4 (loss 3)",
                                           "QAT epochs: 4/4 (loss 4)"]  # fmt: skip


def test_on_a_terminal_a_bar_shows_and_leaves_no_line() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    handler = console_module.ProgressHandler(console, logging.NullHandler())
    logger = logging.getLogger("resq.progress")
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.DEBUG
    try:
        with CountedStep("QAT epochs", 4) as step:
            step.update(4)
            assert handler.bars is not None and len(handler.tasks) == 1
        assert handler.bars is None and not handler.tasks, "the bar is gone when the step ends"
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert "QAT epochs: 4/4" not in out.getvalue()


def test_without_the_cli_progress_is_ordinary_logging(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="resq.progress")
    with CountedStep("float epochs", 2) as step:
        step.update(1, "(MSE 0.1)")
    assert [r.getMessage() for r in caplog.records][:2] == ["float epochs …",
                                                            "float epochs: 1/2 (MSE 0.1)"]  # fmt: skip
