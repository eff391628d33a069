"""Where the points of a sweep run, and how finished points are kept.

Executors run a function over a list of tasks (chunks of points) and hand each
result back to the caller as soon as it is finished, in whatever order:

- :func:`run_in_process`: one after another, here;
- :func:`run_on_processes`: a standard-library ``ProcessPoolExecutor`` of local workers;
- :func:`run_on_dask`: an existing Dask distributed cluster, through a ``distributed.Client``
  from :func:`connect` (``tcp://HOST:PORT``); Dask reschedules the tasks of a worker that is lost.

:func:`run_tasks` picks one. :func:`chunk` cuts point indices into tasks large
enough that scheduling overhead stays small, and small enough that every
worker gets several (load balance, progress, little lost on interruption).

:class:`PartialFolder` keeps the finished chunks of an unfinished sweep in
``<out>.partial/`` (one Parquet file per chunk, each written atomically), with a
``PARTIAL.txt`` that says how to resume; :meth:`PartialFolder.resume` reopens it
after checking that the sweep asked for is the one it holds.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import re
import shutil
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from sim.inputs.errors import ScenarioError
from sim.outputs import claims
from sim.outputs.atomic import atomic_file, check_parent, staged_folder, write_text

TARGET_TASK_WORK = 300_000  # replicate-years per task: about half a second on one core
# A point's fixed cost inside an ensemble of points (its own generator and per-year draws), in replicate-years:
# about 0.3 ms, measured with benchmarks/bench_sweep.py (a) (it was 6,000 when every point built its own model).
POINT_OVERHEAD_WORK = 300
TASKS_PER_WORKER = 4  # at least this many tasks per worker, for balance
MAX_TASKS_PER_WORKER = 100  # at most about this many: a finished task costs the main process a file write
CONNECT_TIMEOUT = 10  # seconds for the Dask scheduler to answer a connection
CONNECT_GRACE = 5  # and a few more for the handshake, after which sim gives up
TCP_TIMEOUT = 30  # seconds of silence on an open Dask connection before it counts as lost
DASK_INSTALL = "pip install 'balancing-act[cluster]' (or: pip install 'dask[distributed]')"


class SweepFailed(RuntimeError):
    """The executor stopped (a worker process died, the cluster failed); finished points were kept."""


# --------------------------------------------------------------------------- chunks


def chunk_size(n_points: int, workers: int, replicates: int, years: int) -> int:
    """Points per task: about ``TARGET_TASK_WORK`` replicate-years, more when that would make over
    ``MAX_TASKS_PER_WORKER`` tasks per worker (each finished task is a file written by the main process), and
    fewer when that would leave a worker under ``TASKS_PER_WORKER`` tasks (balance)."""
    workers = max(workers, 1)
    per_point = replicates * max(years, 1) + POINT_OVERHEAD_WORK
    by_work = max(1, int(TARGET_TASK_WORK // per_point), math.ceil(n_points / (workers * MAX_TASKS_PER_WORKER)))
    by_balance = max(1, math.ceil(n_points / (workers * TASKS_PER_WORKER)))
    return max(1, min(by_work, by_balance))


def chunk(indices: Sequence[int] | np.ndarray, size: int) -> list[np.ndarray]:
    """Consecutive runs of ``size`` indices (the last may be shorter)."""
    indices = np.asarray(indices, dtype=np.int64)
    return [indices[i:i + size] for i in range(0, len(indices), max(int(size), 1))]


# --------------------------------------------------------------------------- executors


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, e.g. under taskset or a container's cpuset)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def usable_workers(workers: int, force: bool = False) -> tuple[int, str | None]:
    """(worker processes to start, a note or None): 0 means one per available CPU; more processes than
    CPUs only slow a sweep down (each is CPU-bound), so they are capped unless ``force``."""
    cpus = available_cpus()
    if workers == 0:
        return cpus, None
    if workers > cpus and not force:
        return cpus, (f"--workers {workers} capped at the {cpus} CPU{'s' * (cpus != 1)} available (more would "
                      "only slow the sweep down; --force-workers to start them anyway)")
    return int(workers), None


OnResult = Callable[[Any, Any], None]


def run_tasks(function: Callable[[Any], Any], tasks: Sequence[Any], on_result: OnResult, *, workers: int = 1,
              client: Any = None, on_salvage: OnResult | None = None) -> None:
    """Run ``function(task)`` for every task; call ``on_result(task, result)`` as each finishes.

    With a Dask ``client`` (see :func:`connect`) the tasks run on its cluster; else
    ``workers > 1`` runs them on local processes; else here. When the run is cut
    short (``on_result`` raises, Ctrl-C, a lost worker), tasks not started are
    cancelled and results already computed are passed to ``on_salvage`` before
    the exception propagates.
    """
    if client is not None:
        run_on_dask(function, tasks, on_result, client, on_salvage=on_salvage)
    elif workers > 1 and len(tasks) > 1:
        run_on_processes(function, tasks, on_result, workers, on_salvage=on_salvage)
    else:
        run_in_process(function, tasks, on_result)


def run_in_process(function: Callable[[Any], Any], tasks: Iterable[Any], on_result: OnResult) -> None:
    for task in tasks:
        on_result(task, function(task))


ORPHAN_POLL_SECONDS = 0.5  # how often a worker checks that the process that started it is alive


def _worker_init(parent: int) -> None:
    """Workers leave Ctrl-C to the main process, which cancels what has not started; and they exit when
    that process is gone (``kill -9`` included), instead of living on as orphans holding memory."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), name="sim-orphan-watchdog", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(ORPHAN_POLL_SECONDS)
        if not claims.pid_alive(parent) or _is_zombie(parent):
            os._exit(3)  # no clean-up to do: results go back through the (dead) parent only


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def run_on_processes(function: Callable[[Any], Any], tasks: Sequence[Any], on_result: OnResult, workers: int,
                     on_salvage: OnResult | None = None) -> None:
    """Local worker processes (``concurrent.futures.ProcessPoolExecutor``), fed one chunk per task."""
    executor = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=_process_context(),
                                   initializer=_worker_init, initargs=(os.getpid(),))
    futures: dict[Future, Any] = {}
    handled: set[Future] = set()
    try:
        futures = {executor.submit(function, task): task for task in tasks}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                handled.add(future)
                try:
                    result = future.result()
                except BrokenProcessPool as err:
                    raise SweepFailed(f"a worker process died ({err or 'process pool broken'})") from None
                on_result(futures[future], result)
    except BaseException:
        for future in futures:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
        _salvage(((futures[f], f) for f in futures if f not in handled), on_salvage)
        raise
    executor.shutdown(wait=True)


def _process_context():
    """Worker processes start from a fork server that has already imported the model (Linux; POSIX).

    Forking the main process itself is unsafe once it has threads (Parquet writing, progress bars), and
    spawning re-imports Mesa in every worker; a fork server does neither. Spawn where there is no fork
    server (Windows). (Importing Mesa sets the global start method to spawn, hence an explicit context.)
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.sweep.runner", "sim.model.model"])
        return context
    return multiprocessing.get_context("spawn")


def _salvage(items: Iterable[tuple[Any, Any]], on_salvage: OnResult | None) -> None:
    """Pass results that finished while the run was being stopped to ``on_salvage``."""
    if on_salvage is None:
        return
    for task, future in items:
        try:
            if future.done() and not future.cancelled() and future.exception() is None:
                on_salvage(task, future.result())
        except (CancelledError, Exception):
            continue


def connect(scheduler: str):
    """A ``distributed.Client`` for ``scheduler``; a one-line ScenarioError if Dask is missing or unreachable."""
    try:
        from distributed import Client
    except ImportError:
        raise ScenarioError("--scheduler", f"running on a Dask cluster needs Dask's distributed scheduler; "
                                           f"install it with {DASK_INSTALL}") from None
    try:
        from distributed.comm import parse_address, parse_host_port

        from distributed.comm.registry import backends

        protocol, location = parse_address(scheduler)
        parse_host_port(location)
        if protocol not in backends:
            raise ValueError(f"unknown scheme '{protocol}'; known: {', '.join(sorted(backends))}")
    except (ValueError, TypeError) as err:  # before building a Client, whose clean-up would hang on a bad address
        raise ScenarioError("--scheduler", f"'{scheduler}' is not a scheduler address like tcp://HOST:PORT "
                                           f"({' '.join(str(err).split())})") from None
    import dask

    # Every connection bounded: a peer that accepts and then says nothing must not hang the sweep.
    dask.config.set({"distributed.comm.timeouts.connect": f"{CONNECT_TIMEOUT}s",
                     "distributed.comm.timeouts.tcp": f"{TCP_TIMEOUT}s"})
    box: dict[str, Any] = {}

    def make_client() -> None:
        try:
            box["client"] = Client(scheduler, timeout=f"{CONNECT_TIMEOUT}s", set_as_default=False)
        except BaseException as err:  # handed to the caller below
            box["error"] = err

    # The Client's own timeout does not cover a silent handshake; a thread with a deadline does.
    thread = threading.Thread(target=make_client, name="sim-dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT + CONNECT_GRACE)
    hint = "(start one with `dask scheduler` and workers with `dask worker ADDRESS`)"
    if thread.is_alive():
        raise ScenarioError("--scheduler", f"no answer from the Dask scheduler at {scheduler} within "
                                           f"{CONNECT_TIMEOUT + CONNECT_GRACE} s; is it a Dask scheduler? {hint}")
    err = box.get("error")
    if isinstance(err, (OSError, TimeoutError, ValueError)):
        raise ScenarioError("--scheduler", f"cannot connect to the Dask scheduler at {scheduler}: "
                                           f"{' '.join(str(err).split()) or type(err).__name__} {hint}") from None
    if err is not None:
        raise err
    return box["client"]


def cluster_threads(client) -> int:
    """Threads across the cluster's workers (at least 1), for chunk sizing."""
    return max(1, sum(client.nthreads().values()))


def run_on_dask(function: Callable[[Any], Any], tasks: Sequence[Any], on_result: OnResult, client,
                on_salvage: OnResult | None = None) -> None:
    """An existing Dask distributed cluster, through ``client``. Workers need this package installed.

    Dask reruns the tasks of a lost worker elsewhere (``retries`` for tasks that fail).
    """
    from distributed import as_completed

    futures: list = []
    handled: set[str] = set()
    task_of: dict[str, Any] = {}
    try:
        futures = client.map(function, list(tasks), pure=False, retries=2)
        task_of = {future.key: task for future, task in zip(futures, tasks)}
        for future in as_completed(futures, loop=client.loop):
            handled.add(future.key)
            try:
                result = future.result()
            except Exception as err:
                raise SweepFailed(f"the Dask cluster failed a task: {type(err).__name__}: "
                                  f"{' '.join(str(err).split())[:300]}") from None
            on_result(task_of[future.key], result)
    except BaseException:
        rest = [f for f in futures if f.key not in handled]
        if on_salvage is not None:
            for future in rest:
                try:
                    if future.status == "finished":
                        on_salvage(task_of[future.key], future.result(timeout=5))
                except Exception:
                    continue
        try:
            client.cancel(rest)
        except Exception:
            pass
        raise


# --------------------------------------------------------------------------- partial folders


PARTIAL_SUFFIX = ".partial"
SPEC_FILE = "sweep.json"
NOTE_FILE = "PARTIAL.txt"
DESIGN_FILE = "design.parquet"
CHUNKS = "chunks"


def partial_path(final: str | Path) -> Path:
    final = Path(final)
    return final.with_name(final.name + PARTIAL_SUFFIX)


class PartialFolder:
    """``<out>.partial/``: the spec of an unfinished sweep and its finished chunks.

    Layout: ``PARTIAL.txt`` (what this is, how to resume), ``sweep.json`` (the sweep's
    spec, checked on resume), ``design.parquet`` (the sampled design), ``chunks/*.parquet``
    (finished points, one file per chunk).
    """

    def __init__(self, final: str | Path):
        self.final = Path(final)
        self.path = partial_path(self.final)

    # -- opening
    @classmethod
    def create(cls, final: str | Path, spec: dict[str, Any], design: pd.DataFrame, total: int,
               resume_command: str | None = None) -> "PartialFolder":
        folder = cls(final)
        if folder.final.exists():
            raise ScenarioError(str(folder.final), "output folder already exists; choose another --out or remove it",
                                key="--out")
        if folder.path.exists():
            raise ScenarioError(str(folder.path), "an unfinished sweep is kept here; continue it with --resume, or "
                                                  "remove it (or choose another --out) to start over", key="--out")
        check_parent(folder.path)
        with staged_folder(folder.path) as staging:
            (staging / CHUNKS).mkdir(parents=True)
            (staging / SPEC_FILE).write_text(json.dumps({"spec": spec, "points": total,
                                                         "resume_command": resume_command}, indent=2),
                                             encoding="utf-8")
            design.to_parquet(staging / DESIGN_FILE, index=False)
        folder.write_note(0, total, resume_command)
        return folder

    @classmethod
    def resume(cls, final: str | Path, spec: dict[str, Any], design: pd.DataFrame) -> "PartialFolder":
        """Reopen ``<final>.partial/``; the sweep asked for must be the one it holds."""
        folder = cls(final)
        if folder.final.exists() and not folder.path.exists():
            raise ScenarioError(str(folder.final), "this sweep is already complete; nothing to resume", key="--out")
        if not (folder.path / SPEC_FILE).is_file():
            raise ScenarioError(str(folder.path), "no unfinished sweep to resume here (no sweep.json); "
                                                  "drop --resume to start one", key="--out")
        if folder.final.exists():
            raise ScenarioError(str(folder.final), "output folder already exists next to the partial one; "
                                                   "remove one of them", key="--out")
        stored = folder.stored_spec()
        difference = first_difference(stored, _json_round_trip(spec))
        if difference:
            raise ScenarioError(str(folder.path), f"holds a different sweep ({difference}); resume with the same "
                                                  "scenario and options, or drop --resume and choose another --out",
                                key="--resume")
        try:
            kept = pd.read_parquet(folder.path / DESIGN_FILE)
        except Exception:
            kept = None
        if kept is None or kept.shape != design.shape or not np.array_equal(kept.to_numpy(), design.to_numpy()):
            raise ScenarioError(str(folder.path), "its sampled design differs from the one drawn now (a different "
                                                  "SALib or SciPy version?); start over with another --out",
                                key="--resume")
        return folder

    def stored_spec(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / SPEC_FILE).read_text(encoding="utf-8"))["spec"]
        except (OSError, ValueError, KeyError) as err:
            raise ScenarioError(str(self.path / SPEC_FILE), f"cannot read the sweep spec: {err}") from None

    # -- chunks
    def write_chunk(self, table: pd.DataFrame | Mapping[str, np.ndarray]) -> Path:
        """Write one finished chunk (a table, or its columns by name) atomically (a temporary file renamed
        into place).

        Written by pyarrow from the columns, without pandas' metadata, dictionaries or statistics: a chunk
        of a sweep over every parameter has some 150 columns, and pandas' ``to_parquet`` spent three times
        as long on them (benchmarks/bench_sweep.py); ``pandas.read_parquet`` reads the same table back."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow = (pa.Table.from_pandas(table, preserve_index=False) if isinstance(table, pd.DataFrame)
                 else pa.table(dict(table)))
        point = arrow.column("point")
        first, last = int(point[0].as_py()), int(point[-1].as_py())
        target = self.path / CHUNKS / f"points-{first:08d}-{last:08d}.parquet"
        try:
            with atomic_file(target) as temporary:
                pq.write_table(arrow, temporary, use_dictionary=False, write_statistics=False)
        except ScenarioError as err:  # disk full, read-only ...: the chunks already written stay
            raise SweepFailed(f"cannot write a finished chunk to {self.path}: {err.what}") from None
        return target

    def finished(self, check: Callable[[pd.DataFrame], str | None] | None = None) -> pd.DataFrame | None:
        """Every point finished so far (one row each, by point), or None when none is.

        A chunk file that cannot be read, or that ``check`` (the sweep's comparison with its design:
        point ids, parameter values, columns, finite numbers) finds wrong, is removed: its points run
        again. ``self.rejected`` lists what was wrong with each.
        """
        tables = []
        self.rejected: list[str] = []
        for file in sorted((self.path / CHUNKS).glob("points-*.parquet")):
            try:
                table = pd.read_parquet(file)
                problem = check(table) if check is not None else None
            except Exception as err:  # an unreadable file (pyarrow has its own error types)
                problem = f"unreadable ({type(err).__name__})"
            if problem is None:
                match = re.fullmatch(r"points-(\d+)-(\d+)\.parquet", file.name)
                if match is None or len(table) == 0 or (int(table["point"].iloc[0]), int(table["point"].iloc[-1])) \
                        != (int(match[1]), int(match[2])):
                    problem = "its points do not match its name"
            if problem is not None:
                self.rejected.append(f"{file.name}: {problem}")
                claims.remove_tree(file)
                continue
            tables.append(table)
        if not tables:
            return None
        table = pd.concat(tables, ignore_index=True)
        return table.drop_duplicates("point").sort_values("point", kind="stable").reset_index(drop=True)

    def write_note(self, done: int, total: int, resume_command: str | None = None) -> None:
        if resume_command is None:
            if not hasattr(self, "_resume_command"):
                try:
                    stored = json.loads((self.path / SPEC_FILE).read_text(encoding="utf-8"))
                    self._resume_command = stored.get("resume_command")
                except (OSError, ValueError):
                    self._resume_command = None
            resume_command = self._resume_command
        how = (f"    {resume_command}\n" if resume_command else
               "    the same command (or sim.sweep.run_sweep call) with --resume (resume=True)\n")
        write_text(
            self.path / NOTE_FILE,
            "UNFINISHED SWEEP - not a result folder.\n\n"
            f"{done:,} of {total:,} points were finished when this was last written; they are kept in\n"
            f"{CHUNKS}/ (one Parquet file per chunk). Continue the sweep with:\n\n{how}\n"
            f"When every point is done, the complete folder {self.final.name}/ appears (atomically) next to\n"
            "this one and this folder is removed. The scenario and options must be the ones the sweep was\n"
            f"started with ({SPEC_FILE} holds them; --resume checks).\n")

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def find_partial(parent: str | Path, pattern: str, spec: dict[str, Any]) -> Path | None:
    """The newest unfinished sweep under ``parent`` (names matching ``pattern``) holding ``spec``; its final path."""
    parent = Path(parent)
    if not parent.is_dir():
        return None
    wanted = _json_round_trip(spec)
    candidates = sorted(parent.glob(pattern + PARTIAL_SUFFIX), key=lambda p: p.stat().st_mtime, reverse=True)
    for candidate in candidates:
        try:
            stored = json.loads((candidate / SPEC_FILE).read_text(encoding="utf-8"))["spec"]
        except (OSError, ValueError, KeyError):
            continue
        if not first_difference(stored, wanted):
            return candidate.with_name(candidate.name[: -len(PARTIAL_SUFFIX)])
    return None


def _json_round_trip(value: Any) -> Any:
    return json.loads(json.dumps(value))


def first_difference(old: Any, new: Any, path: str = "") -> str | None:
    """Where two JSON-like values first differ, as ``"key: old -> new"``, or None."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if key not in old or key not in new:
                return f"{path + '.' if path else ''}{key}: {'missing' if key not in old else old[key]!r} -> " \
                       f"{'missing' if key not in new else new[key]!r}"
            found = first_difference(old[key], new[key], f"{path + '.' if path else ''}{key}")
            if found:
                return found
        return None
    if old != new:
        short = lambda v: (repr(v)[:60] + "...") if len(repr(v)) > 60 else repr(v)  # noqa: E731
        return f"{path or 'spec'}: {short(old)} -> {short(new)}"
    return None
