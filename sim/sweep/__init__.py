"""Sweeps: outcome specs, SALib designs, chunked execution (in process, a process pool, Dask) and sensitivity indices.

The public names (``sim.sweep.run_sweep``, ``make_design``, ``grid`` ...) are declared in
:mod:`sim.sweep.runner` and re-exported here.
"""

from sim.sweep.runner import *  # noqa: F401,F403
from sim.sweep.runner import __all__  # noqa: F401
