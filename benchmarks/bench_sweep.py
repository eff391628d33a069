"""Sweep throughput: points as one vectorized ensemble against one model per point, and a full Sobol analysis.

(a) ``--points`` points of a Latin hypercube over every sweepable parameter, 100 worlds each, baseline to
    2025, evaluated as the sweep does (chunks of points as one ensemble, each point on its own random stream)
    against one ``BalancingModel(scenario, replicates=100, seed=i).run()`` per point with the point's values;
    prints points/s of both (wall clock and CPU time of this process) and the ratio (target: >= 4x).
(b) Sobol N=256 over every sweepable parameter (N(D+2) points), 100 worlds to 2025, with a sweep folder
    (chunks written as they come, the analysis, the final folder; no plots), in this process and on 2 worker
    processes; prints wall seconds, CPU seconds of this process and of the workers, peak memory, the load
    average, and whether every worker count gives the in-process points and indices (target: under 60 s on
    2 workers). ``--skip-sobol`` leaves it out.

The machine may be shared: wall times then measure the neighbours too. CPU seconds and the ratios are the
stable figures; the load average says how shared the machine was.

    python benchmarks/bench_sweep.py [--points 512] [--n 256] [--replicates 100] [--workers 1,2] [--skip-sobol]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.inputs.registry import load_registry  # noqa: E402
from sim.inputs.scenario import load_scenario  # noqa: E402
from sim.model.model import BalancingModel  # noqa: E402
from sim.sweep import runner as sweep  # noqa: E402
from sim.sweep.outcomes import parse_outcomes  # noqa: E402

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"
OUTCOME = "alignment@2025"
SAMPLE_SECONDS = 0.2  # how often the worker processes' CPU time and memory are read


class Descendants:
    """CPU seconds and peak memory of this process's descendants (the fork server and its workers), read from
    Linux's /proc while they live: a forkserver's workers are not our children, so ``RUSAGE_CHILDREN`` misses
    them. Elsewhere both stay None."""

    def __init__(self):
        self.cpu: dict[int, float] = {}
        self.peak: dict[int, int] = {}  # kB
        self.available = Path("/proc/self/stat").exists()
        self._stop = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK") if self.available else 100
        self._before = self._read()[0] if self.available else {}

    def _read(self) -> tuple[dict[int, float], dict[int, int]]:
        parent: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        mine, frontier = set(), {os.getpid()}
        while frontier:
            frontier = {pid for pid, ppid in parent.items() if ppid in frontier and pid not in mine}
            mine |= frontier
        cpu, peak = {}, {}
        for pid in mine:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu[pid] = (int(fields[11]) + int(fields[12])) / self._tick
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak[pid] = int(line.split()[1])
            except (OSError, IndexError, ValueError):
                continue
        return cpu, peak

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            cpu, peak = self._read()
            self.cpu.update(cpu)
            self.peak.update(peak)

    def __enter__(self) -> "Descendants":
        if self.available:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.available:
            self._stop.set()
            self._thread.join()
            cpu, peak = self._read()
            self.cpu.update(cpu)
            self.peak.update(peak)

    def cpu_seconds(self) -> float | None:
        """CPU seconds the descendants spent while sampled (a worker's last fraction of a second may be missed)."""
        if not self.available:
            return None
        return sum(seconds - self._before.get(pid, 0.0) for pid, seconds in self.cpu.items())

    def peak_mib(self) -> float | None:
        return max(self.peak.values(), default=0) / 1024 if self.available else None


def one_by_one(scenario, design, values, replicates: int, end_year: int) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    for i, row in enumerate(values):
        BalancingModel(scenario, replicates=replicates, seed=i, end_year=end_year,
                       parameters=dict(zip(design.names, (float(v) for v in row)))).run().release()
    return time.perf_counter() - start, time.process_time() - cpu


def ensembles(scenario, design, values, replicates: int, end_year: int, size: int | None) -> tuple[float, float]:
    outcomes = parse_outcomes([OUTCOME], scenario.start_year, scenario.end_year)
    start, cpu = time.perf_counter(), time.process_time()
    sweep.evaluate_points(scenario, design.names, values, np.arange(len(values)), outcomes, replicates, 1,
                          end_year, ensemble_points=size)
    return time.perf_counter() - start, time.process_time() - cpu


def reset_peak() -> bool:
    """Start this process's peak-memory count afresh (Linux: ``clear_refs`` 5), so each run reports its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_mib() -> float:
    """This process's peak resident memory since :func:`reset_peak` (else since it started), MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=512)
    parser.add_argument("--n", type=int, default=256, help="Sobol base samples N")
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--workers", default="1,2", help="worker counts for the Sobol run, comma-separated")
    parser.add_argument("--sizes", default="16,64,128,256", help="points per ensemble to try in (a)")
    parser.add_argument("--skip-sobol", action="store_true")
    args = parser.parse_args()

    registry = load_registry()
    scenario = load_scenario(BASELINE, registry=registry)
    end_year = int(OUTCOME.rsplit("@", 1)[1])
    print(f"{os.cpu_count()} CPUs; load average (1/5/15 min) {load()} at start")
    lhs = sweep.make_design(registry, "lhs", params="*", n=args.points, seed=1)
    values = lhs.values()
    ensembles(scenario, lhs, values[:8], args.replicates, end_year, None)  # warm caches

    quarter = max(1, args.points // 4)
    wall, cpu = one_by_one(scenario, lhs, values[:quarter], args.replicates, end_year)
    alone_wall, alone_cpu = args.points / (wall / quarter * args.points), quarter / cpu
    print(f"(a) {len(lhs.names)} parameters, {args.points} points x {args.replicates} worlds to {end_year}; "
          "points/s by wall clock, and by CPU time of this process")
    print(f"    one model per point : {alone_wall:7.1f} wall {alone_cpu:7.1f} cpu  (timed on {quarter} points)")
    for size in (int(s) for s in args.sizes.split(",")):
        wall, cpu = ensembles(scenario, lhs, values, args.replicates, end_year, size)
        print(f"    ensembles of {size:>4}   : {args.points / wall:7.1f} wall {args.points / cpu:7.1f} cpu  "
              f"({args.points / wall / alone_wall:4.1f}x / {args.points / cpu / alone_cpu:4.1f}x one by one)")
    default = sweep.ENSEMBLE_WORLDS // args.replicates
    print(f"    (the sweep's default: {default} points per ensemble, sweep.ENSEMBLE_WORLDS = "
          f"{sweep.ENSEMBLE_WORLDS:,}); load average {load()}")

    if args.skip_sobol:
        return
    start = time.perf_counter()
    design = sweep.make_design(registry, "sobol", params="*", n=args.n, seed=1)
    print(f"(b) {design.describe()}; {args.replicates} worlds to {end_year} (sampling the design: "
          f"{time.perf_counter() - start:.1f} s, not counted below)")
    results: dict[int, sweep.SweepResult] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        before, fresh = load(), reset_peak()
        with tempfile.TemporaryDirectory() as tmp, Descendants() as others:
            start, cpu = time.perf_counter(), time.process_time()
            result = sweep.run_sweep(scenario, design, [OUTCOME], replicates=args.replicates, workers=workers,
                                     out=Path(tmp) / "sweep", plots=False)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        results[workers] = result
        label = "in process" if workers == 1 else f"{workers} workers"
        own_peak = peak_mib()
        worker_cpu, worker_peak = others.cpu_seconds(), others.peak_mib()
        workers_text = ("" if workers == 1 or worker_cpu is None else
                        f" + workers {worker_cpu:.1f} s, peak {worker_peak:.0f} MiB per worker")
        print(f"    {label:<10}: {seconds:6.1f} s wall  {design.n_points / seconds:6.1f} points/s  (tasks of "
              f"{result.chunk_size} points; load average {before} before, {load()} after)")
        print(f"    {'':<10}  CPU: this process {cpu:.1f} s{workers_text}; peak memory of this process "
              f"{own_peak:.0f} MiB{'' if fresh else ' (since it started)'}")
    first = next(iter(results.values()))
    same = all(r.points.equals(first.points) and r.indices.equals(first.indices) for r in results.values())
    print(f"    identical points and indices for every worker count: {same}")
    print(f"    top parameters for {OUTCOME}:")
    print(first.top(k=4)[["parameter", "ST", "ST_conf", "S1", "S1_conf"]].to_string(index=False))


if __name__ == "__main__":
    main()
