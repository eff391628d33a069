"""Throughput of a Sobol sweep in-process and on local worker processes.

A Sobol analysis of 8 parameters at N=256 with second-order indices
(N(2D+2) = 4,608 points), 100 replicates per point, 15 simulated years
(baseline, alignment in 2030), run once in this process and once on 2 worker
processes. Prints seconds, points per second and the speed-up, and checks that
both give the same points. Targets (issue): under a minute on a 2-core
machine, and at least 1.6x speed-up from 2 workers.

    python benchmarks/bench_sweep.py [--n 256] [--replicates 100] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pandas as pd  # noqa: E402

from sim.sweep import runner as sweep  # noqa: E402
from sim.inputs.registry import load_registry  # noqa: E402
from sim.inputs.scenario import load_scenario  # noqa: E402

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"
PARAMETERS = [
    "minsk.unrest_threshold", "minsk.unrest_election_boost", "minsk.weight_subsidy", "minsk.balance_preference",
    "moscow.subsidy_step", "brussels.weight_crackdown", "world.oil_price_long_run", "trade.inertia",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="Sobol base samples N")
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated")
    parser.add_argument("--outcome", default="alignment@2030")
    args = parser.parse_args()

    scenario = load_scenario(BASELINE)
    design = sweep.make_design(load_registry(), "sobol", params=",".join(PARAMETERS), n=args.n, seed=1,
                               second_order=True)
    years = int(args.outcome.rsplit("@", 1)[1]) - scenario.start_year
    print(f"{design.describe()}; {args.replicates} replicates, {years} years; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.2f} at start")
    sweep.run_sweep(scenario, sweep.make_design(load_registry(), "sobol", params=",".join(PARAMETERS), n=2, seed=1),
                    [args.outcome], replicates=args.replicates)  # warm caches (imports, registry)

    timings: dict[int, float] = {}
    points: dict[int, pd.DataFrame] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            result = sweep.run_sweep(scenario, design, [args.outcome], replicates=args.replicates, workers=workers,
                                     out=Path(tmp) / "sweep", plots=False)
            seconds = time.perf_counter() - start
        timings[workers], points[workers] = seconds, result.points
        label = "in-process" if workers == 1 else f"{workers} workers"
        print(f"{label:<11}: {seconds:6.1f} s  {design.n_points / seconds:7.1f} points/s  "
              f"(chunks of {result.chunk_size} points; includes writing chunks and the Sobol analysis)")
    if 1 in timings:
        for workers, seconds in timings.items():
            if workers != 1:
                same = points[workers].equals(points[1])
                print(f"speed-up with {workers} workers: {timings[1] / seconds:.2f}x "
                      f"(target >= 1.6x for 2); identical points: {same}")
    print(f"top parameters for {args.outcome}:")
    print(result.top(k=4)[["parameter", "ST", "ST_conf", "S1", "S1_conf"]].to_string(index=False))


if __name__ == "__main__":
    main()
