"""The executor: every result delivered once, failures kept apart, Dask equal to local."""

from __future__ import annotations

import pytest
from resq.estimator.executor import Executor, ExecutorError


def square_or_fail(value: int) -> int:
    """Module level, so that worker processes can import it."""
    if value == 3:
        raise ValueError("three is refused")
    return value * value


def _run(executor: Executor) -> tuple[dict[int, int], list[tuple[int, str]]]:
    landed: dict[int, int] = {}

    def on_result(item: int, result: int) -> None:
        assert item not in landed
        landed[item] = result

    failures = executor.map(square_or_fail, list(range(6)), on_result, "squares")
    return landed, [(f.index, f.error) for f in failures]


def test_local_results_land_once_and_a_failing_task_does_not_stop_the_others() -> None:
    landed, failures = _run(Executor("local", workers=2))
    assert landed == {0: 0, 1: 1, 2: 4, 4: 16, 5: 25}
    assert failures == [(3, "ValueError: three is refused")]


def test_a_dask_local_cluster_gives_what_the_local_pool_gives() -> None:
    assert _run(Executor("dask", workers=2)) == _run(Executor("local", workers=2))


def test_nothing_to_do_starts_no_workers_and_bad_settings_are_refused() -> None:
    assert Executor("dask", scheduler="tcp://192.0.2.1:1").map(square_or_fail, [], print) == []
    with pytest.raises(ExecutorError, match="expected local or dask"):
        Executor("slurm")  # type: ignore[arg-type]
    with pytest.raises(ExecutorError, match="needs the dask executor"):
        Executor("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ExecutorError, match="workers 0"):
        Executor("local", workers=0)


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    executor = Executor("dask", scheduler="tcp://127.0.0.1:9")
    with pytest.raises(
        ExecutorError, match=r"cannot reach the Dask scheduler tcp://127\.0\.0\.1:9"
    ):
        executor.map(square_or_fail, [1], print)
