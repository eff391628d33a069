"""Balancing Act: an agent-based scenario simulator of Belarus between Moscow and Brussels.

The public API::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml")
    result = sim.run(scenario, replicates=1000, seed=1)
    result.timeseries, result.summary, result.events
    result.save("results/baseline/my-run")
"""

from sim.api import load_scenario, run
from sim.errors import ScenarioError
from sim.model import BalancingModel
from sim.results import Result
from sim.scenario import Scenario

__all__ = ["load_scenario", "run", "ScenarioError", "BalancingModel", "Result", "Scenario"]
