"""Throughput of the vectorized ensemble against one-world-at-a-time through mesa.batch_run.

Prints replicate-years per second for (a) one BalancingModel holding N worlds
and (b) the same scenario run one replicate at a time through ``mesa.batch_run``,
and their ratio. Targets (issue 3): ratio >= 100x, and 10,000 replicates over
15 years in under one second of simulation time on one core.

    python benchmarks/bench_ensemble.py [--replicates 10000] [--batch-runs 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import inspect
import os
import time
from pathlib import Path

# One core: keep numpy's BLAS threads out of the measurement.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import mesa  # noqa: E402

from sim.model.model import BalancingModel  # noqa: E402
from sim.inputs.scenario import load_scenario  # noqa: E402

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


def time_ensemble(scenario, replicates: int, repeat: int) -> float:
    """Best of ``repeat`` wall-clock times to build and run one ensemble model."""
    best = float("inf")
    for seed in range(repeat):
        start = time.perf_counter()
        BalancingModel(scenario, replicates=replicates, seed=seed).run()
        best = min(best, time.perf_counter() - start)
    return best


def time_batch_run(scenario, runs: int) -> float:
    parameters = {"scenario": [scenario], "replicates": 1, "trace_replicates": 0}
    if "rng" in inspect.signature(mesa.batch_run).parameters:  # Mesa 3.5 takes seeds as rng=[...]
        seeds = {"rng": list(range(runs))}
    else:  # Mesa 3.3: a seed parameter
        parameters["seed"] = range(runs)
        seeds = {"iterations": 1}
    start = time.perf_counter()
    mesa.batch_run(BalancingModel, parameters=parameters, max_steps=scenario.end_year - scenario.start_year,
                   number_processes=1, display_progress=False, **seeds)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--batch-runs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    scenario = load_scenario(BASELINE)
    years = scenario.end_year - scenario.start_year
    time_ensemble(scenario, 100, 1)  # warm caches (registry, imports)

    ensemble_seconds = time_ensemble(scenario, args.replicates, args.repeat)
    batch_seconds = time_batch_run(scenario, args.batch_runs)
    ensemble_rate = args.replicates * years / ensemble_seconds
    batch_rate = args.batch_runs * years / batch_seconds

    print(f"scenario: {scenario.name}, {years} simulated years per world")
    print(f"(a) ensemble   : {args.replicates:>6} replicates in {ensemble_seconds:7.3f} s "
          f"-> {ensemble_rate:12,.0f} replicate-years/s  (target: < 1 s for 10,000 x 15)")
    print(f"(b) batch_run  : {args.batch_runs:>6} replicates in {batch_seconds:7.3f} s "
          f"-> {batch_rate:12,.0f} replicate-years/s")
    print(f"ratio (a)/(b)  : {ensemble_rate / batch_rate:,.0f}x  (target: >= 100x)")


if __name__ == "__main__":
    main()
