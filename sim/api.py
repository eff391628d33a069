"""The public Python API: load a scenario, run it, get tables back.

    import sim
    scenario = sim.load_scenario("scenarios/sanctions_lifted.yaml", overrides={"minsk.unrest_threshold": 0.4})
    result = sim.run(scenario, replicates=500, seed=1)
    result.timeseries      # pandas DataFrame, the columns of timeseries.csv
    result.summary         # per year and output: mean, p05 ... p95
    result.save("results/my_run")

Bad input raises :class:`sim.ScenarioError`, whose message is the one line the CLI prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from sim.errors import ScenarioError
from sim.model import BalancingModel
from sim.registry import load_registry, load_sources
from sim.results import Result, now
from sim.scenario import Scenario
from sim.scenario import load_scenario as _load_scenario


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario file, resolving its ``base:`` chain.

    ``overrides`` maps dotted registry ids to values, validated exactly like the
    file's own ``parameters:`` (and like ``sim run --set``).
    """
    return _load_scenario(path, overrides=overrides)


def run(
    scenario: Scenario | str | Path,
    replicates: int | None = None,
    seed: int | None = None,
    end_year: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Simulate the scenario's ensemble and return its :class:`~sim.results.Result`.

    ``replicates``, ``seed`` and ``end_year`` default to the scenario's own.
    ``progress(done_years, total_years)`` is called after every simulated year.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    changes = {key: value for key, value in
               (("replicates", replicates), ("seed", seed), ("end_year", end_year)) if value is not None}
    if changes:
        scenario = scenario.replace(**changes)

    started = now()
    model = BalancingModel(scenario)
    total = model.end_year - model.year
    while model.running:
        model.step()
        if progress is not None:
            progress(total - (model.end_year - model.year), total)
    return Result(
        scenario=scenario.to_dict(),
        seed=model.seed,
        replicates=model.replicates,
        timeseries=model.timeseries(),
        trace=model.decision_trace(),
        parameters=parameter_sources(scenario),
        started=started,
        finished=now(),
    )


def parameter_sources(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Every parameter's value at the start of the run, where it came from, and any later changes by events."""
    registry = load_registry(scenario.registry_path)
    sources = load_sources()
    used = scenario.parameter_values(registry)
    table: dict[str, dict[str, Any]] = {}
    for pid, parameter in registry.items():
        from_scenario = pid in scenario.parameters
        table[pid] = {
            "value": used[pid],
            "unit": parameter.unit,
            "source": "scenario" if from_scenario else "registry",
            "registry_value": parameter.value,
            "evidence": parameter.source_short(sources),
        }
    for event in scenario.events:
        for operation in ("set", "add"):
            for pid, value in getattr(event, operation).items():
                if pid in table:
                    table[pid].setdefault("events", []).append({"year": event.year, operation: value})
    return table


__all__ = ["load_scenario", "run", "Result", "Scenario", "ScenarioError", "BalancingModel"]
