"""How long `sim ui` takes to answer a slider: rerun the ensemble, then draw the page.

Times, for each shipped scenario, (a) the rerun of UI_REPLICATES worlds to the scenario's end year and (b) the
whole answer the page waits for (rerun, tables, the four charts as PNG, the HTML panels), for one setting and
for A and B side by side (A already kept). Prints the median of --repeat answers; nothing is asserted.

    python benchmarks/bench_ui.py [--repeat 3] [--scenarios baseline war_2022]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import sim.ui.app as app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenarios", nargs="*", default=["baseline", "unrest_shock", "war_2022"])
    args = parser.parse_args()
    print(f"{app.UI_REPLICATES} worlds per setting; median of {args.repeat}")
    print(f"{'scenario':<16} {'rerun s':>8} {'answer s':>9} {'A/B answer s':>13}")
    for name in args.scenarios:
        runs, answers, pairs = [], [], []
        kept = app.Setting(name)
        app.run_setting(kept)
        for i in range(args.repeat):
            # A value not run before, so that nothing comes from the page's cache.
            spec = app.make_sliders(app.REGISTRY, app.SOURCES, app.start_values(app.SCENARIOS[name], app.REGISTRY))
            s = spec["world.oil_price_long_run"]
            value = s.min + (i + 1) * s.step
            setting = app.Setting.of(name, {"world.oil_price_long_run": value})
            start = time.perf_counter()
            shown = app.compute(setting)
            answers.append(time.perf_counter() - start)
            runs.append(shown.seconds)
            start = time.perf_counter()
            app.compute(setting, kept)
            pairs.append(time.perf_counter() - start)
        print(f"{name:<16} {statistics.median(runs):>8.3f} {statistics.median(answers):>9.3f} "
              f"{statistics.median(pairs):>13.3f}")


if __name__ == "__main__":
    main()
