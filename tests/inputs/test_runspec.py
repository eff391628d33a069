"""A run is resolved once (issue 11, item 2): one RunSpec, one registry, values checked before the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim.inputs.registry as registry_module
import sim.inputs.runspec as runspec_module
import sim.inputs.scenario as scenario_module
import sim.runs.ensemble as ensemble_module
from sim import sweep as sw
from sim.inputs.errors import ScenarioError
from sim.inputs.registry import load_registry
from sim.inputs.runspec import RunSpec
from sim.inputs.scenario import load_scenario
from sim.model.model import BalancingModel
from sim.sweep.outcomes import parse_outcomes

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture
def baseline():
    return load_scenario(SCENARIOS / "baseline.yaml")


def test_one_run_loads_the_registry_once(baseline, monkeypatch):
    calls = []
    real = registry_module.load_registry

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    for module in (ensemble_module, runspec_module, scenario_module, registry_module):
        monkeypatch.setattr(module, "load_registry", counting)
    result = ensemble_module.run(baseline, replicates=4, seed=2, end_year=2018)
    assert len(calls) == 1
    assert result.parameters["minsk.unrest_threshold"]["source"] in ("registry", "scenario")


def test_the_spec_fixes_seed_counts_and_provenance(baseline):
    spec = RunSpec.resolve(baseline, replicates=9, end_year=2020, parameters={"minsk.unrest_threshold": 0.4})
    assert (spec.replicates, spec.end_year, spec.start_year, spec.seed) == (9, 2020, baseline.start_year, baseline.seed)
    assert spec.years == 2020 - spec.base_year + 1
    table = spec.provenance()
    assert table["minsk.unrest_threshold"]["value"] == 0.4
    assert table["minsk.unrest_threshold"]["source"] == "parameters"
    cited = next(pid for pid, p in spec.registry.items() if p.citations)
    assert table[cited]["quotes"] and table[cited]["quotes"][0]["quote"] == spec.registry[cited].citations[0].quote
    # The manifest keeps the texts (and the sentence around each quote): a report of an old run reads them there.
    recorded = spec.parameter_table()[cited]["quotes"][0]
    assert recorded["quote"] in recorded["sentence"] or recorded["sentence"] is None
    assert spec.parameter_table()[cited]["meaning"] == spec.registry[cited].meaning
    fresh = RunSpec.resolve(None)
    assert isinstance(fresh.seed, int) and fresh.seed >= 0  # entropy drawn once, so the run can be repeated


def test_the_model_built_from_a_spec_matches_the_wrapper(baseline):
    spec = RunSpec.resolve(baseline, replicates=12, seed=5, end_year=2019)
    a = BalancingModel(spec).run().timeseries()
    b = BalancingModel(baseline, replicates=12, seed=5, end_year=2019).run().timeseries()
    assert a.equals(b)
    with pytest.raises(ScenarioError, match="RunSpec is complete"):
        BalancingModel(spec, replicates=3)


def test_sweep_points_are_not_checked_again_in_the_model(baseline, monkeypatch):
    outcomes = parse_outcomes(["alignment@2016:2018"], 2015, 2030)
    expected = sw.evaluate_point(baseline, {"minsk.unrest_threshold": 0.4}, 3, outcomes, 10, 1, 2018)

    def refuse(*args, **kwargs):
        raise AssertionError("checked again")

    monkeypatch.setattr(runspec_module, "parameter_problem", refuse)
    again = sw.evaluate_point(baseline, {"minsk.unrest_threshold": 0.4}, 3, outcomes, 10, 1, 2018)
    assert np.array_equal(expected, again)


@pytest.mark.parametrize("field,value,message", [
    ("replicates", 0, "replicates"), ("seed", -1, "seed"), ("end_year", 2010, "before start_year"),
    ("trace_replicates", 1.5, "trace_replicates"),
])
def test_bad_arguments_are_refused_in_one_line(baseline, field, value, message):
    with pytest.raises(ScenarioError, match=message):
        RunSpec.resolve(baseline, **{field: value})
