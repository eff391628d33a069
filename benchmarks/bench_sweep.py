"""Sweep throughput: points as one vectorized ensemble against one model per point, and a full Sobol analysis.

(a) ``--points`` points of a Latin hypercube over every sweepable parameter, 100 worlds each, baseline to
    2025, evaluated as the sweep does (chunks of points as one ensemble, each point on its own random stream)
    against one ``BalancingModel(scenario, replicates=100, seed=i).run()`` per point with the point's values;
    prints points/s of both and the ratio (target: >= 4x).
(b) Sobol N=256 over every sweepable parameter (N(D+2) points), 100 worlds to 2025, in this process and on
    2 worker processes; prints seconds and whether both give identical points (target: under 60 s on 2
    workers). ``--skip-sobol`` leaves it out.

    python benchmarks/bench_sweep.py [--points 512] [--n 256] [--replicates 100] [--workers 1,2] [--skip-sobol]
"""

from __future__ import annotations

import argparse
import os
import tempfile
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


def one_by_one(scenario, design, values, replicates: int, end_year: int) -> float:
    start = time.perf_counter()
    for i, row in enumerate(values):
        BalancingModel(scenario, replicates=replicates, seed=i, end_year=end_year,
                       parameters=dict(zip(design.names, (float(v) for v in row)))).run().release()
    return time.perf_counter() - start


def ensembles(scenario, design, values, replicates: int, end_year: int, size: int | None) -> float:
    outcomes = parse_outcomes([OUTCOME], scenario.start_year, scenario.end_year)
    start = time.perf_counter()
    sweep.evaluate_points(scenario, design.names, values, np.arange(len(values)), outcomes, replicates, 1,
                          end_year, ensemble_points=size)
    return time.perf_counter() - start


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
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start")
    lhs = sweep.make_design(registry, "lhs", params="*", n=args.points, seed=1)
    values = lhs.values()
    ensembles(scenario, lhs, values[:8], args.replicates, end_year, None)  # warm caches

    alone = one_by_one(scenario, lhs, values[: args.points // 4], args.replicates, end_year) * 4
    print(f"(a) {len(lhs.names)} parameters, {args.points} points x {args.replicates} worlds to {end_year}")
    print(f"    one model per point : {args.points / alone:8.1f} points/s (timed on a quarter of the points)")
    best = 0.0
    for size in (int(s) for s in args.sizes.split(",")):
        seconds = ensembles(scenario, lhs, values, args.replicates, end_year, size)
        rate = args.points / seconds
        best = max(best, rate)
        print(f"    ensembles of {size:>4} : {rate:8.1f} points/s  ({rate * alone / args.points:4.1f}x one by one)")
    default = sweep.ENSEMBLE_WORLDS // args.replicates
    print(f"    (the sweep's default: {default} points per ensemble, sweep.ENSEMBLE_WORLDS = {sweep.ENSEMBLE_WORLDS:,})")

    if args.skip_sobol:
        return
    design = sweep.make_design(registry, "sobol", params="*", n=args.n, seed=1)
    print(f"(b) {design.describe()}; {args.replicates} worlds to {end_year}")
    points: dict[int, pd.DataFrame] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            result = sweep.run_sweep(scenario, design, [OUTCOME], replicates=args.replicates, workers=workers,
                                     out=Path(tmp) / "sweep", plots=False)
            seconds = time.perf_counter() - start
        points[workers] = result.points
        label = "in-process" if workers == 1 else f"{workers} workers"
        print(f"    {label:<11}: {seconds:6.1f} s  {design.n_points / seconds:7.1f} points/s  "
              f"(tasks of {result.chunk_size} points; includes writing chunks and the Sobol analysis)")
    first = next(iter(points.values()))
    print(f"    identical points for every worker count: {all(p.equals(first) for p in points.values())}")
    print(f"    top parameters for {OUTCOME}:")
    print(result.top(k=4)[["parameter", "ST", "ST_conf", "S1", "S1_conf"]].to_string(index=False))


if __name__ == "__main__":
    main()
