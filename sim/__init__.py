"""Balancing Act: an agent-based scenario simulator of Belarus between Moscow and Brussels.

The public API::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml")
    result = sim.run(scenario, replicates=1000, seed=1)
    result.timeseries, result.summary, result.events
    result.save("results/baseline/my-run")

Names are imported on first use, so that ``sim params`` and ``sim validate``
start without loading Mesa and pandas.
"""

from importlib import import_module

_EXPORTS = {
    "load_scenario": "sim.api",
    "load_registry": "sim.api",
    "run": "sim.api",
    "rerun": "sim.api",
    "compare": "sim.api",
    "discover": "sim.api",
    "forecast": "sim.api",
    "ScenarioError": "sim.inputs.errors",
    "BalancingModel": "sim.model.model",
    "Result": "sim.outputs.results",
    "Scenario": "sim.inputs.scenario",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
