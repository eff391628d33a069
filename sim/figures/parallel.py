"""Independent figures drawn by forked processes side by side (README, Speed).

A run's 15 figures are independent and drawing them is pure CPU, so two cores halve the wall time. A fork
shares the run's tables with the workers without copying or pickling them; each figure is drawn by the same
code as one by one, so the files are the same (tests/figures/test_plots.py). Never imports the model.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")

# More workers gain little over 15 figures, and each is a fork of the running process.
DRAWING_WORKERS = 2


def drawing_workers() -> int:
    """Two workers when this process may use two CPUs and at least half of one is idle (load average of the
    last minute at most the CPUs less one half), else one: on a busy machine a second process only adds its
    start-up (a tenth to a fifth more CPU time, measured) without a free core to use."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    try:
        idle = cpus - os.getloadavg()[0] >= 0.5
    except OSError:  # no load average on this system
        idle = True
    return max(1, min(DRAWING_WORKERS, cpus)) if idle else 1


def draw_all(jobs: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Run each job (a function of no arguments that draws and writes one figure) and return the results in
    the jobs' order: in ``workers`` forked processes when there are more than one and the system can fork,
    else here, one after another."""
    if workers > 1 and len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
        return _in_parallel(list(jobs), workers)
    return [job() for job in jobs]


_JOBS: list[Callable] = []  # the jobs of the drawing in progress, which the forked workers inherit


def _run_job(index: int):
    return _JOBS[index]()


def _quiet_worker() -> None:
    """A worker leaves Ctrl-C to its parent, which stops the pool; SIGTERM simply ends it (the parent's
    handler, inherited with the fork, would raise in the worker instead)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _in_parallel(jobs: list[Callable[[], T]], workers: int) -> list[T]:
    """An error in a figure (a full disk) is raised here; a worker that dies (killed) is an OSError rather
    than a wait for ever. On Ctrl-C the workers finish the figure they are drawing (under a second) and
    start no other before the caller cleans up, so nothing writes into a folder after it is removed."""
    global _JOBS
    _JOBS = jobs
    executor = ProcessPoolExecutor(min(workers, len(jobs)), mp_context=multiprocessing.get_context("fork"),
                                   initializer=_quiet_worker)
    try:
        futures = [executor.submit(_run_job, index) for index in range(len(jobs))]
        return [future.result() for future in futures]
    except BrokenProcessPool as err:
        raise OSError(f"a process drawing the figures died ({err})") from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _JOBS = []
