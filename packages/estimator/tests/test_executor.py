"""The executor: every result delivered once, failures kept apart, Dask equal to local."""

from __future__ import annotations

import math
import types

import pytest
from resq.estimator.executor import Executor, ExecutorError

ITEMS = [0.0, 1.0, 4.0, -1.0, 9.0, 16.0]
"""math.sqrt of each, -1 fails: a task every worker process can import by name."""


def _run(executor: Executor) -> tuple[dict[float, float], list[tuple[int, str]]]:
    landed: dict[float, float] = {}

    def on_result(item: float, result: float) -> None:
        assert item not in landed
        landed[item] = result

    failures = executor.map(math.sqrt, ITEMS, on_result, "roots")
    return landed, [(f.index, f.error) for f in failures]


def test_local_results_land_once_and_a_failing_task_does_not_stop_the_others() -> None:
    landed, failures = _run(Executor("local", workers=2))
    assert landed == {0.0: 0.0, 1.0: 1.0, 4.0: 2.0, 9.0: 3.0, 16.0: 4.0}
    assert failures == [(3, "ValueError: math domain error")]


def test_a_dask_local_cluster_gives_what_the_local_pool_gives() -> None:
    assert _run(Executor("dask", workers=2)) == _run(Executor("local", workers=2))


def test_a_task_workers_cannot_import_is_refused_before_any_starts() -> None:
    module = types.ModuleType("resq_nowhere_to_be_found")
    exec("def task(x):\n    return x\n", module.__dict__)
    for kind in ("local", "dask"):
        with pytest.raises(ExecutorError, match="cannot be imported by worker processes"):
            Executor(kind, workers=1).map(module.task, [1], print)  # type: ignore[arg-type]


def test_nothing_to_do_starts_no_workers_and_bad_settings_are_refused() -> None:
    assert Executor("dask", scheduler="tcp://192.0.2.1:1").map(math.sqrt, [], print) == []
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
        executor.map(math.sqrt, [1.0], print)
