"""Wall time of `sim run` at 1,000 and 100,000 worlds, split into its parts, with peak memory.

Each size runs in a fresh subprocess (so peak memory is that run's own): simulate (model and tables),
write the run folder's tables (Parquet always; CSV up to 10,000 worlds), and draw the figures (PNG; and
with --svg, SVG too). Targets (issue 12): 1,000 worlds with figures under 5 s; 100,000 worlds under 30 s.
CPU time counts the processes that draw the figures too (``sim.figures.parallel``: two when a second CPU is
free, by the load average; ``--workers`` fixes it), and peak memory is the run's and its largest drawing
worker's resident set.

    python benchmarks/bench_run.py [--sizes 1000,100000] [--svg] [--clock cpu|wall] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"

CHILD = r"""
import json, os, resource, sys, tempfile, time
from pathlib import Path
def cpu():
    t = os.times()  # this process and the drawing workers it waited for
    return t.user + t.system + t.children_user + t.children_system
clock = cpu if sys.argv[4] == "cpu" else time.perf_counter
start = clock()
import sim
from sim.figures.runs import plot_run
imported = clock()
replicates, svg = int(sys.argv[1]), sys.argv[2] == "1"
result = sim.run(sys.argv[3], replicates=replicates, seed=1)
result.summary, result.events
simulated = clock()
out = Path(tempfile.mkdtemp()) / "run"
result.save(out, plots=False)
written = clock()
from sim.figures.parallel import drawing_workers
workers = drawing_workers() if sys.argv[5] == "auto" else int(sys.argv[5])
plot_run(result, out / "plots", svg=svg, workers=workers)
drawn = clock()
print(json.dumps({"import": imported - start, "simulate": simulated - imported, "tables": written - simulated,
                  "figures": drawn - written, "total": drawn - start,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "workers": workers, "csv": (out / "timeseries.csv").exists()}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--svg", action="store_true", help="draw SVG as well as PNG")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="cpu: the run's CPU time (default; robust on a shared machine); wall: elapsed")
    parser.add_argument("--workers", default="auto",
                        help="processes drawing the figures (default auto: as sim run chooses)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start; baseline 2015-2030; "
          f"{args.clock} time")
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, "-c", CHILD, str(size), "1" if args.svg else "0", str(BASELINE),
                              args.clock, args.workers],
                             check=True, capture_output=True, text=True)
        t = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{size:>7} worlds: {t['total']:6.1f} s = import {t['import']:.1f} + simulate {t['simulate']:.1f} "
              f"+ tables {t['tables']:.1f} ({'Parquet and CSV' if t['csv'] else 'Parquet only'}) "
              f"+ figures {t['figures']:.1f} ({'PNG and SVG' if args.svg else 'PNG'}, {t['workers']} "
              f"{'process' if t['workers'] == 1 else 'processes'}); peak {t['peak_mib']:,.0f} MiB"
              + (f" (drawing workers {t['worker_peak_mib']:,.0f} MiB)" if t["workers"] > 1 else ""))
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
