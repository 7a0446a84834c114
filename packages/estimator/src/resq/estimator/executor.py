"""Run many independent tasks (syntheses, trainings) on this machine or on a Dask cluster.

One small abstraction for the knowledge-database sweep and the optimizer's candidates:

    executor = Executor("local", workers=2)            # a process pool (the default)
    executor = Executor("dask")                        # a LocalCluster of `workers` processes
    executor = Executor("dask", scheduler="tcp://h:8786")   # a running Dask cluster
    failures = executor.map(task, items, on_result)

`task` must be a module-level function of an importable module (workers load it by name;
`map` refuses one they could not import). `on_result(item,
result)` runs in the calling process as each result lands, in completion order, so the caller
writes each result atomically as it arrives and a killed sweep keeps every finished one. A
task that raises does not stop the others: it comes back as a `Failure`. Ctrl-C cancels the
tasks not yet started and shuts the workers down before it propagates; local workers and
the tools they run die with the process that started them, however it ends (`_worker_start`).
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import functools
import importlib.util
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from resq.spec import ResqError
from resq.spec.progress import CountedStep

ExecutorKind = Literal["local", "dask"]
Item = TypeVar("Item")
Result = TypeVar("Result")


class ExecutorError(ResqError):
    """The executor cannot start: Dask is not installed or the scheduler is unreachable."""


class Failure(BaseModel):
    """A task that raised: its position in the items and the error's type and message."""

    model_config = ConfigDict(frozen=True)

    index: int
    error: str


def _check_importable(task: Callable[..., Any]) -> None:
    """Refuse a task that worker processes could not import by name: they would fail to
    load it (a Dask worker then never reports back)."""
    while isinstance(task, functools.partial):
        task = task.func
    module = getattr(task, "__module__", None) or ""
    top = module.split(".")[0]
    if not top or top == "__main__":
        return
    if importlib.util.find_spec(top) is None:
        raise ExecutorError(
            f"task {getattr(task, '__qualname__', task)!r} of module {module!r} cannot be "
            "imported by worker processes; use a function of an installed module"
        )


def _worker_start() -> None:
    """In each local worker: a process group of its own, which it takes down with it.

    The worker starts a new session, so the tools it runs (FuseSoC, GHDL, Yosys) are in its
    group. On SIGTERM it kills that group, tools included; and it gets SIGTERM when the
    process that started it dies (Linux `PR_SET_PDEATHSIG`), however that died. So killing
    a sweep, even with SIGKILL, leaves no worker and no tool running.
    """
    os.setsid()
    signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os.killpg(0, signal.SIGKILL)


_PR_SET_PDEATHSIG = 1


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


class Executor:
    """Runs a module-level function over items in worker processes (`local`) or on Dask
    workers (`dask`); `workers` defaults to the CPU count (local) or the cluster's size."""

    def __init__(
        self,
        kind: ExecutorKind = "local",
        workers: int | None = None,
        scheduler: str | None = None,
    ) -> None:
        if kind not in ("local", "dask"):
            raise ExecutorError(f"executor {kind!r}: expected local or dask")
        if workers is not None and workers < 1:
            raise ExecutorError(f"workers {workers}: expected 1 or more")
        if scheduler is not None and kind != "dask":
            raise ExecutorError("a scheduler address needs the dask executor")
        self.kind, self.workers, self.scheduler = kind, workers, scheduler

    def map(
        self,
        task: Callable[[Item], Result],
        items: Sequence[Item],
        on_result: Callable[[Item, Result], None],
        description: str = "tasks",
    ) -> list[Failure]:
        """Run `task` on every item; `on_result` receives each result as it lands. Returns
        the tasks that raised, in item order."""
        if not items:
            return []
        _check_importable(task)
        failures: list[Failure] = []
        with CountedStep(description, len(items)) as step:
            runner = self._dask if self.kind == "dask" else self._local
            for done, (index, outcome) in enumerate(runner(task, items), 1):
                if isinstance(outcome, BaseException):
                    failures.append(Failure(index=index, error=_describe(outcome)))
                else:
                    on_result(items[index], outcome)
                step.update(done, f"({len(failures)} failed)" if failures else "")
        return sorted(failures, key=lambda failure: failure.index)

    def _local(
        self, task: Callable[[Item], Result], items: Sequence[Item]
    ) -> Iterator[tuple[int, Any]]:
        workers = min(self.workers or os.cpu_count() or 1, len(items))
        context = multiprocessing.get_context("spawn")
        pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=context,
                                                      initializer=_worker_start)  # fmt: skip
        try:
            futures = {pool.submit(task, item): index for index, item in enumerate(items)}
            for future in concurrent.futures.as_completed(futures):
                error = future.exception()
                yield futures[future], error if error is not None else future.result()
        except BaseException:
            # interrupted (Ctrl-C, an error in on_result): stop the running tasks too
            pool.shutdown(wait=False, cancel_futures=True)
            for worker in multiprocessing.active_children():
                worker.terminate()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _dask(
        self, task: Callable[[Item], Result], items: Sequence[Item]
    ) -> Iterator[tuple[int, Any]]:
        with _dask_client(self.scheduler, self.workers) as client:
            from distributed import as_completed

            futures = client.map(task, list(items), pure=False)
            index = {future.key: i for i, future in enumerate(futures)}
            try:
                for future in as_completed(futures):  # type: ignore[no-untyped-call]
                    if future.status == "error":
                        yield index[future.key], future.exception()
                    else:
                        yield index[future.key], future.result()
            finally:
                client.cancel(futures)


@contextmanager
def _dask_client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A Dask client of the cluster at `scheduler`, or of a LocalCluster of `workers`
    single-threaded processes that is closed on exit."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        raise ExecutorError(
            "the dask executor needs Dask distributed: pip install 'dask[distributed]'"
        ) from e
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as e:
            raise ExecutorError(f"cannot reach the Dask scheduler {scheduler}: {e}") from e
        try:
            yield client
        finally:
            client.close()  # type: ignore[no-untyped-call]
        return
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
        dashboard_address=None,
    )  # fmt: skip
    try:
        with Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client
    finally:
        cluster.close()
