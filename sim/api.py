"""The documented Python surface: load a scenario, run it, rerun a folder, compare runs.

    import sim
    scenario = sim.load_scenario("scenarios/sanctions_lifted.yaml", overrides={"minsk.unrest_threshold": 0.4})
    result = sim.run(scenario, replicates=500, seed=1)
    result.timeseries      # pandas DataFrame, the columns of timeseries.csv
    result.summary         # per year and output: mean, p05 ... p95
    result.save("results/my_run")

Bad input raises :class:`sim.ScenarioError`, whose message is the one line the CLI prints.
The work is done in the layers below (:mod:`sim.runs`, :mod:`sim.inputs`); this module only names it.
"""

from sim.inputs.errors import ScenarioError
from sim.inputs.registry import load_registry
from sim.runs.ensemble import Comparison, Rerun, compare, load_scenario, rerun, run
from sim.sweep.discover import discover
from sim.evidence.forecast import forecast

__all__ = ["load_scenario", "load_registry", "run", "rerun", "compare", "discover", "forecast", "Comparison", "Rerun",
           "ScenarioError"]
