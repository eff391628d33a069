"""sim.inputs.timeline: a parameter's value in a year, the one rule of the model and of the readers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.inputs.registry import load_registry
from sim.inputs.timeline import Domain, parameter_changes, value_in_year
from sim.model.model import BalancingModel

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
UNIT = Domain(0.0, 1.0)


def test_changes_apply_from_their_year_on_in_order():
    changes = [{"year": 2018, "add": 0.1}, {"year": 2016, "set": 0.5}, {"year": 2018, "add": 0.05}]
    assert value_in_year(0.3, changes, 2015, UNIT) == 0.3
    assert value_in_year(0.3, changes, 2017, UNIT) == 0.5
    assert value_in_year(0.3, changes, 2018, UNIT) == pytest.approx(0.65)
    assert value_in_year(0.3, changes, 2030, UNIT) == pytest.approx(0.65)


def test_adds_stay_inside_the_domain_and_integers_stay_whole():
    assert value_in_year(0.9, [{"year": 2016, "add": 0.5}], 2016, UNIT) == 1.0
    assert value_in_year(0.9, [{"year": 2016, "add": 0.5}, {"year": 2017, "add": -0.3}], 2017, UNIT) == 0.7
    assert value_in_year(0.1, [{"year": 2016, "add": -0.5}], 2016, UNIT) == 0.0
    assert value_in_year(3.0, [{"year": 2016, "add": 1.6}], 2016, Domain(0, 10, integer=True)) == 5.0
    assert value_in_year(0.9, [{"year": 2016, "add": 0.5}], 2016) == pytest.approx(1.4)  # no domain: unbounded


def test_arrays_over_worlds_are_kept_in_the_domain_world_by_world():
    start = np.array([0.2, 0.7, 0.95])
    np.testing.assert_allclose(value_in_year(start, [{"year": 2016, "add": 0.2}], 2016, UNIT), [0.4, 0.9, 1.0])
    assert value_in_year(start, [{"year": 2016, "set": 0.5}], 2016, UNIT) == 0.5  # every world the same


def test_the_manifest_domain_round_trips_and_an_old_entry_is_unbounded():
    registry = load_registry()
    for pid in ("minsk.unrest_threshold", "brussels.sanctions_level_2015", "world.russia_trend_growth"):
        domain = Domain.of(registry[pid])
        assert Domain.from_record(domain.to_record()) == domain
    assert Domain.from_record({"value": 1.0}) == Domain()


def test_changes_are_listed_by_year_and_leave_state_jolts_out():
    scenario = sim.load_scenario(SCENARIOS / "return_to_balance.yaml")
    changes = parameter_changes(scenario.events, load_registry())
    assert "moscow.subsidy_pct_gdp" not in changes and "minsk.unrest" not in changes  # state jolts
    assert changes["minsk.balance_preference"] == [{"year": 2024, "set": 9.0}]


def test_the_model_and_the_run_record_agree_on_every_parameter_every_year(tmp_path):
    """A run's recorded parameters, read back through the rule, are what the model used, year by year
    (keeping a sum inside the domain, world by world, is in test_explain: a drawn value plus an event)."""
    path = tmp_path / "events.yaml"
    path.write_text(f"name: events\nbase: {SCENARIOS / 'baseline.yaml'}\nend_year: 2021\n"
                    "events:\n"
                    "  - year: 2016\n    add: {minsk.unrest_threshold: 0.3, brussels.sanctions_level_2015: 1}\n"
                    "  - year: 2018\n    set: {minsk.crackdown_unrest_suppression: 0.9}\n"
                    "    add: {minsk.unrest_threshold: 0.2}\n"
                    "  - year: 2020\n    add: {minsk.unrest_threshold: -0.5}\n")
    scenario = sim.load_scenario(path)
    result = sim.run(scenario, replicates=5, seed=1)
    result.save(tmp_path / "run", plots=False)
    recorded = sim.Result.load(tmp_path / "run")
    model = BalancingModel(scenario, replicates=5, seed=1)
    while True:
        for pid in ("minsk.unrest_threshold", "brussels.sanctions_level_2015", "minsk.crackdown_unrest_suppression"):
            assert recorded.parameter_value(pid, model.year) == model.params[pid], (pid, model.year)
        if not model.running:
            break
        model.step()
    assert recorded.parameter_value("minsk.unrest_threshold", 2019) == pytest.approx(0.95)  # 0.45 + 0.3 + 0.2
    assert recorded.parameter_value("minsk.unrest_threshold", 2020) == pytest.approx(0.45)
    assert recorded.parameter_value("minsk.crackdown_unrest_suppression", 2017) != 0.9
    assert recorded.parameter_value("minsk.crackdown_unrest_suppression", 2018) == 0.9
    assert recorded.parameter_value("no.such_parameter", 2020) is None
