"""Splitting the test windows across simulations, and joining what they report."""

from __future__ import annotations

import pytest
from resq.hdlgen.simulation import SimulationResult, ghdl_backend, merge_results, split_vectors


def _vectors(windows: int, rows: int) -> str:
    lines = [str(windows)]
    for w in range(windows):
        lines += [f"{w} {r}" for r in range(rows)] + [f"out {w}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("windows", "parts", "sizes"), [(7, 2, [4, 3]), (7, 3, [2, 3, 2]),
                                                         (2, 4, [1, 1]), (5, 1, [5])])  # fmt: skip
def test_windows_are_split_in_order_into_whole_windows(windows: int, parts: int,
                                                       sizes: list[int]) -> None:  # fmt: skip
    text = _vectors(windows, rows=3)
    chunks = split_vectors(text, parts)
    assert [int(c.splitlines()[0]) for c in chunks] == sizes
    body = [line for c in chunks for line in c.splitlines()[1:]]
    assert body == text.splitlines()[1:]
    assert all(len(c.splitlines()) == 1 + 4 * int(c.splitlines()[0]) for c in chunks)


def test_the_first_windows_can_be_taken_alone() -> None:
    text = _vectors(7, rows=3)
    (first,) = split_vectors(text, 1, first=2)
    assert first.splitlines() == ["2", *text.splitlines()[1:9]]
    assert split_vectors(text, 1, first=50) == [text]


def test_results_of_chunks_add_up_and_keep_the_last_window() -> None:
    first = SimulationResult(matches=4, total=4, cycles=100, node_cycles={"a": 1}, passed=True)
    last = SimulationResult(matches=2, total=3, cycles=100, node_cycles={"a": 2}, passed=False)
    merged = merge_results([first, last])
    assert (merged.bit_exact, merged.cycles, merged.node_cycles, merged.passed) == (
        "6/7", 100, {"a": 2}, False)  # fmt: skip


def test_the_backend_is_chosen_by_the_environment_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESQ_GHDL_BACKEND", "mcode")
    assert ghdl_backend() == "mcode"
    monkeypatch.setenv("RESQ_GHDL_BACKEND", "fast")
    with pytest.raises(Exception, match="expected mcode, llvm or gcc"):
        ghdl_backend()
