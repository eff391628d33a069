"""Throughput of the vectorized ensemble against one-world-at-a-time through mesa.batch_run and a numpy floor.

Prints replicate-years per second for (a) one BalancingModel holding N worlds,
(b) the same scenario run one replicate at a time through ``mesa.batch_run``, and
(c) a pure-numpy stand-in doing, per simulated year, as many array operations over
N worlds as the model does (counted from the equations of docs/ODD.md, section 7:
``STANDIN_OPS``), with the same random draws (the physical limit of this layout);
and the ratios. Targets (issue 12): >= 1,000,000 replicate-years/s at 10,000 worlds,
within 1.5x of the stand-in.

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

# CPU time of this process by default: on a shared machine wall time measures the neighbours (--clock wall).
CLOCK = time.process_time
BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


def time_ensemble(scenario, replicates: int, repeat: int, release: bool = False) -> float:
    """Best of ``repeat`` times to build and run one ensemble model.

    ``release``: call ``model.release()`` after the run (inside the timing), as a sweep does once it has
    taken a point's tables. A Mesa model refers to itself, so without it the model's arrays (the history
    alone is 48 MB at 10,000 worlds) are freed only at the next garbage collection, and every run fills
    memory fresh from the operating system: about 15,000 page faults, 20-40 ms of system time here."""
    best = float("inf")
    for seed in range(repeat):
        start = CLOCK()
        model = BalancingModel(scenario, replicates=replicates, seed=seed).run()
        if release:
            model.release()
        best = min(best, CLOCK() - start)
        del model
    return best


# Array operations per simulated year, counted from the equations (docs/ODD.md, section 7): 48 utility terms
# (a pull, then one product per option: 4 ops each), their sums per option (144), the six logit choices
# (about 25 each: scale, max, shift, exp, total, divide, cumulate, compare), the agents' acts (about 80, with
# the crackdown's costs at home, the purge and the release batch), world, society and economy (about 130,
# including 10 transcendental functions: war demand and years, mobilization, threat, territory access, the
# output gap, cut-off inertia and renormalized shares), recording 38 outputs. Recounted for issue 13's
# mechanisms (it was 40 terms, 60 act and 100 other operations, 31 outputs).
STANDIN_OPS = {"arithmetic": 192 + 144 + 6 * 22 + 80 + 120, "transcendental": 6 * 3 + 10, "copies": 38}
STANDIN_DRAWS = {"standard_normal": 4, "random": 6}  # plus one binomial and one Poisson over worlds


def time_standin(replicates: int, years: int, repeat: int) -> float:
    """Best of ``repeat`` times for the stand-in: the same count of (worlds,) operations and draws."""
    import numpy as np

    best = float("inf")
    for seed in range(repeat):
        rng = np.random.default_rng(seed)
        a, b = rng.random(replicates), rng.random(replicates)
        history = np.empty((years + 1, STANDIN_OPS["copies"], replicates))
        start = CLOCK()
        for year in range(years):
            for _ in range(STANDIN_DRAWS["standard_normal"]):
                b = rng.standard_normal(replicates)
            for _ in range(STANDIN_DRAWS["random"]):
                b = rng.random(replicates)
            rng.binomial(np.full(replicates, 50), 0.2)
            rng.poisson(a * 10)
            for _ in range(STANDIN_OPS["arithmetic"] // 2):
                c = a * b
                a = c + 0.5
            for _ in range(STANDIN_OPS["transcendental"]):
                c = np.exp(-a)
            for k in range(STANDIN_OPS["copies"]):
                history[year + 1, k] = c
        best = min(best, CLOCK() - start)
    return best


def time_batch_run(scenario, runs: int) -> float:
    parameters = {"scenario": [scenario], "replicates": 1, "trace_replicates": 0}
    if "rng" in inspect.signature(mesa.batch_run).parameters:  # Mesa 3.5 takes seeds as rng=[...]
        seeds = {"rng": list(range(runs))}
    else:  # Mesa 3.3: a seed parameter
        parameters["seed"] = range(runs)
        seeds = {"iterations": 1}
    start = CLOCK()
    mesa.batch_run(BalancingModel, parameters=parameters, max_steps=scenario.end_year - scenario.start_year,
                   number_processes=1, display_progress=False, **seeds)
    return CLOCK() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--batch-runs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="cpu: this process's CPU time (default; robust on a shared machine); wall: elapsed")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter

    scenario = load_scenario(BASELINE)
    years = scenario.end_year - scenario.start_year
    time_ensemble(scenario, 100, 1)  # warm caches (registry, imports)

    fresh_seconds = time_ensemble(scenario, args.replicates, args.repeat)
    ensemble_seconds = time_ensemble(scenario, args.replicates, args.repeat + 1, release=True)
    batch_seconds = time_batch_run(scenario, args.batch_runs)
    fresh_rate = args.replicates * years / fresh_seconds
    ensemble_rate = args.replicates * years / ensemble_seconds
    batch_rate = args.batch_runs * years / batch_seconds

    print(f"scenario: {scenario.name}, {years} simulated years per world; {args.clock} time; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"(a) ensemble   : {args.replicates:>6} replicates in {ensemble_seconds:7.3f} s "
          f"-> {ensemble_rate:12,.0f} replicate-years/s  (memory recycled: model.release() after each run)")
    print(f"    fresh      : {args.replicates:>6} replicates in {fresh_seconds:7.3f} s "
          f"-> {fresh_rate:12,.0f} replicate-years/s  (each run's memory new from the system: page faults)")
    print(f"(b) batch_run  : {args.batch_runs:>6} replicates in {batch_seconds:7.3f} s "
          f"-> {batch_rate:12,.0f} replicate-years/s")
    print(f"ratio (a)/(b)  : {ensemble_rate / batch_rate:,.0f}x")
    standin_seconds = time_standin(args.replicates, years, args.repeat)
    standin_rate = args.replicates * years / standin_seconds
    print(f"(c) stand-in   : {args.replicates:>6} replicates in {standin_seconds:7.3f} s "
          f"-> {standin_rate:12,.0f} replicate-years/s  (same operation count, pure numpy)")
    print(f"ratio (c)/(a)  : {standin_rate / ensemble_rate:.2f}x  (target: <= 1.5x; (a) target >= 1,000,000/s; "
          f"fresh: {standin_rate / fresh_rate:.2f}x)")


if __name__ == "__main__":
    main()
