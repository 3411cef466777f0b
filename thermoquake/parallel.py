"""Run independent jobs in this process or on dask: the one place that starts a local
cluster or connects to a scheduler (``--workers N`` / ``--scheduler ADDR``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from thermoquake.errors import ThermoquakeError

J = TypeVar("J")
R = TypeVar("R")
Runner = Callable[..., list]

WORKER_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024)}
"""distributed's nanny sets MALLOC_TRIM_THRESHOLD_, which also pins glibc's mmap threshold
low, so every tile-sized array was mmapped and page-faulted afresh (a job ran ~30 % slower
in a worker than in-process, benchmarks/bench_batch.py). A 32 MiB threshold undoes that."""


def run_jobs(function: Callable[[J], R], jobs: Sequence[J], workers: int = 0, scheduler: str | None = None,
             on_result: Callable[[R], None] = lambda r: None) -> list[R]:
    """``function(job)`` for every job: on the dask cluster at ``scheduler``, on a local
    cluster of ``workers`` single-threaded processes, or (``workers == 0`` and no scheduler) in
    this process, in order. Results in the order they finish; ``on_result`` is called with each
    as it arrives (progress bars). ``function`` and the jobs must pickle for dask.

    Raises:
        ThermoquakeError: the scheduler cannot be reached.
    """
    if not jobs:
        return []
    with job_runner(workers, scheduler) as run:
        return run(function, jobs, on_result)


@contextmanager
def job_runner(workers: int = 0, scheduler: str | None = None) -> Iterator[Runner]:
    """A ``run(function, jobs, on_result)`` like :func:`run_jobs` that keeps one cluster (or
    client) for several successive phases of jobs; the cluster starts at the first job.

    Raises:
        ThermoquakeError: the scheduler cannot be reached.
    """
    state: dict = {}

    def run(function: Callable[[J], R], jobs: Sequence[J], on_result: Callable[[R], None] = lambda r: None) -> list[R]:
        results: list[R] = []
        if not jobs:
            return results
        if scheduler is None and workers == 0:
            for job in jobs:
                results.append(function(job))
                on_result(results[-1])
            return results
        from distributed import as_completed

        if "client" not in state:
            state.update(_connect(workers, scheduler))
        futures = [state["client"].submit(function, job, pure=False) for job in jobs]
        for future in as_completed(futures):
            results.append(future.result())
            on_result(results[-1])
        return results

    try:
        yield run
    finally:
        if "client" in state:
            state["client"].close()
            if state["cluster"] is not None:
                state["cluster"].close()


def _connect(workers: int, scheduler: str | None) -> dict:
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=50, env=WORKER_ENV)
        return {"cluster": cluster, "client": Client(cluster)}
    try:
        return {"cluster": None, "client": Client(scheduler, timeout=30)}
    except OSError as err:
        raise ThermoquakeError(f"cannot connect to the dask scheduler: {err}", scheduler) from None
