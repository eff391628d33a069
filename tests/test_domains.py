"""Every value that validates runs: the registry's domains are a box the model stays finite on.

The shipped registry gives every parameter a finite domain (seeds/parameters.yaml, header). These
tests run the model over that whole box, its corners first, with random jolts of the state, and
check that every recorded value is finite and inside its declared range; they also check the
refusals at the edge of the box (``add:`` sums, state deltas) and that the model refuses
non-finite state in one line instead of writing NaN.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.common.variables import OUTPUTS, STATE_VARIABLES
from sim.inputs.errors import ScenarioError
from sim.inputs.registry import DEFAULT_REGISTRY, load_registry
from sim.inputs.scenario import Event, load_scenario, parse_set
from sim.model.model import BalancingModel
from sim.model.economy import TRADE_PARTNERS

REGISTRY = load_registry()
HORIZON = 2100  # scenario.MAX_YEAR: the longest run a scenario may ask for
BOUNDED = {"alignment": (-1, 1), "unrest": (0, 1), "legitimacy": (0, 1), "repression": (0, 1),
           "regime_security": (0, 1), "energy_dependence": (0, 1), "integration_pressure": (0, 1),
           "eu_engagement": (0, 1), "sanctions_level": (0, 2), "maidan_effect": (0, 1),
           "subsidy_pct_gdp": (0, 100), "political_prisoners": (0, math.inf),
           "prisoners_released": (0, math.inf), **{f"{p}_trade_share": (0, 1) for p in TRADE_PARTNERS}}


def test_every_parameter_has_a_finite_domain_holding_its_range():
    for p in REGISTRY.values():
        assert math.isfinite(p.domain_low) and math.isfinite(p.domain_high), p.id
        assert p.domain_low <= p.low <= p.value <= p.high <= p.domain_high, p.id
    for v in STATE_VARIABLES.values():
        assert math.isfinite(v.low) and math.isfinite(v.high), v.id


def test_a_registry_file_with_an_open_domain_is_refused(tmp_path):
    text = DEFAULT_REGISTRY.read_text(encoding="utf-8").replace("domain: [0, 20]", "domain: [0, null]", 1)
    path = tmp_path / "parameters.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"domain\[1\]: must be a number, got null"):
        load_registry(path)


def _value(parameter, corner: str, u: float) -> float:
    lo, hi = parameter.domain_low, parameter.domain_high
    x = {"low": lo, "high": hi, "value": parameter.value}.get(corner, lo + u * (hi - lo))
    return float(round(x)) if parameter.integer else float(min(max(x, lo), hi))


PARAMETERS = [p for p in REGISTRY.values() if p.domain_low < p.domain_high]
corners = st.lists(st.tuples(st.sampled_from(["low", "high", "value", "inside"]),
                             st.floats(0, 1, allow_nan=False)),
                   min_size=len(PARAMETERS), max_size=len(PARAMETERS))
jolts = st.lists(st.tuples(st.integers(2016, HORIZON), st.sampled_from(sorted(STATE_VARIABLES)),
                           st.sampled_from(["set", "add"]), st.sampled_from(["low", "high", "inside"]),
                           st.floats(0, 1, allow_nan=False)), max_size=4)


def _jolt_event(year, sid, op, corner, u) -> Event:
    v = STATE_VARIABLES[sid]
    width = v.high - v.low
    if op == "set":
        x = {"low": v.low, "high": v.high}.get(corner, v.low + u * width)
    else:
        x = {"low": -width, "high": width}.get(corner, (2 * u - 1) * width)
    return Event(year, **{op: {sid: float(round(x)) if v.integer else float(x)}})


def _check_finite_and_bounded(model: BalancingModel) -> None:
    for name, values in model.history.items():
        assert np.isfinite(values).all(), name
        if name in BOUNDED:
            lo, hi = BOUNDED[name]
            assert values.min() >= lo - 1e-12 and values.max() <= hi + 1e-12, (name, values.min(), values.max())
    shares = sum(model.history[f"{p}_trade_share"] for p in TRADE_PARTNERS)
    assert np.allclose(shares, 1.0), "trade shares must sum to 1"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corners, jolts, st.integers(0, 2**32))
def test_the_model_stays_finite_over_the_whole_domain_box(choice, jolt_list, seed):
    """Any point of the domain box, jolted anywhere in the state's domain, runs to 2100 without NaN.

    Here one value for all 40 worlds of a run (the worlds differ in their draws); the next test varies
    the parameters world by world.
    """
    params = {p.id: _value(p, corner, u) for p, (corner, u) in zip(PARAMETERS, choice)}
    scenario = load_scenario(_baseline(), overrides=params).replace(
        end_year=HORIZON, events=tuple(_jolt_event(*j) for j in jolt_list))
    model = BalancingModel(scenario, replicates=40, seed=seed, trace_replicates=0).run()
    _check_finite_and_bounded(model)


@pytest.mark.parametrize("corner", ["low", "high"])
def test_the_model_stays_finite_at_each_all_low_and_all_high_corner(corner):
    params = {p.id: _value(p, corner, 0.0) for p in PARAMETERS}
    scenario = load_scenario(_baseline(), overrides=params).replace(end_year=HORIZON)
    _check_finite_and_bounded(BalancingModel(scenario, replicates=200, seed=3, trace_replicates=0).run())


def test_the_most_extreme_trade_and_oil_corner_stays_finite():
    """The corner the seeds/parameters.yaml header reasons about: a drifting oil price far from its
    reference, the steepest elasticity and every trade sensitivity at its bound."""
    params = {p.id: p.domain_high for p in PARAMETERS if p.id.startswith("trade.") and "share" not in p.id}
    params.update({"world.oil_price_reversion": 0.0, "world.oil_price_volatility": 1.0,
                   "world.oil_price_reference": 500.0, "world.russia_oil_elasticity": 20.0,
                   "world.russia_growth_volatility": 20.0, "world.china_investment_pct_gdp": 100.0,
                   "world.china_investment_2015": 0.0, "trade.russia_share_2015": 1.0,
                   "trade.eu_share_2015": 0.0, "trade.ukraine_share_2015": 0.0, "trade.china_share_2015": 0.0})
    scenario = load_scenario(_baseline(), overrides=params).replace(end_year=HORIZON)
    _check_finite_and_bounded(BalancingModel(scenario, replicates=2000, seed=5, trace_replicates=0).run())


def _baseline():
    from sim.inputs.resources import SCENARIOS_DIR
    return SCENARIOS_DIR / "baseline.yaml"


# ------------------------------------------------------------------ refusals at the edge of the box


@pytest.mark.parametrize("setting", ["trade.alignment_sensitivity=1e6", "minsk.crackdown_arrests=1e300"])
def test_set_beyond_the_domain_is_refused(setting):
    with pytest.raises(ScenarioError, match="is not allowed; allowed: a number from 0 to"):
        parse_set(setting)


def _scenario_with(tmp_path, events: str, extra: str = ""):
    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\ntitle: t\ndescription: d\nbase: {_baseline()}\n{extra}events:\n{events}",
                    encoding="utf-8")
    return path


def test_an_add_that_leaves_the_parameter_domain_is_refused_with_its_line(tmp_path):
    path = _scenario_with(tmp_path, "  - year: 2020\n    add: {minsk.unrest_threshold: 5}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == (f"{path}:7: events[0].add.minsk.unrest_threshold: adding 5 to 0.45 in 2020 "
                                 "gives 5.45, which is not allowed; allowed: a number from 0 to 1 (the sum of the "
                                 "scenario's value and every change until then)")


def test_the_sum_of_adds_is_checked_along_the_years_and_after_set(tmp_path):
    events = ("  - year: 2020\n    add: {minsk.unrest_threshold: 0.3}\n"
              "  - year: 2022\n    add: {minsk.unrest_threshold: 0.3}\n")
    path = _scenario_with(tmp_path, events)
    with pytest.raises(ScenarioError, match=r":9: events\[1\]\.add\.minsk\.unrest_threshold: adding 0.3 to 0.75 "
                                            r"in 2022 gives 1.05"):
        load_scenario(path)
    assert load_scenario(path, overrides={"minsk.unrest_threshold": 0.3}).events[1].add  # 0.3+0.6 fits
    with pytest.raises(ScenarioError, match="adding 0.3 to 0.9"):  # --set moves where the adds start
        load_scenario(_scenario_with(tmp_path, "  - year: 2020\n    add: {minsk.unrest_threshold: 0.3}\n"),
                      overrides={"minsk.unrest_threshold": 0.9})
    later_set = ("  - year: 2020\n    set: {minsk.unrest_threshold: 0.9}\n"
                 "  - year: 2021\n    add: {minsk.unrest_threshold: 0.2}\n")
    with pytest.raises(ScenarioError, match="adding 0.2 to 0.9 in 2021"):
        load_scenario(_scenario_with(tmp_path, later_set))


def test_an_add_to_an_integer_parameter_must_be_whole(tmp_path):
    path = _scenario_with(tmp_path, "  - year: 2020\n    add: {minsk.political_prisoners_2015: 0.5}\n")
    with pytest.raises(ScenarioError, match="gives 0.5, which is not allowed; allowed: an integer from 0"):
        load_scenario(path)


@pytest.mark.parametrize("delta, words", [
    ("1.0e+300", "adding 1e+300 is not allowed; allowed: a whole number from -10000000 to 10000000"),
    ("2.5", "adding 2.5 is not allowed; allowed: a whole number from -10000000 to 10000000"),
])
def test_a_state_delta_wider_than_its_domain_or_fractional_is_refused(tmp_path, delta, words):
    path = _scenario_with(tmp_path, f"  - year: 2020\n    add: {{minsk.political_prisoners: {delta}}}\n")
    with pytest.raises(ScenarioError, match=re.escape(words)):
        load_scenario(path)


def test_manifests_and_replace_check_the_sums_too(tmp_path):
    from sim.inputs.scenario import scenario_from_dict
    scenario = load_scenario(_baseline())
    with pytest.raises(ScenarioError, match=r"events\[0\]\.add\.minsk\.unrest_threshold: adding 5"):
        scenario.replace(events=(Event(2020, add={"minsk.unrest_threshold": 5.0}),))
    data = scenario.to_dict()
    data["events"] = [{"year": 2020, "add": {"minsk.unrest_threshold": 5}}]
    with pytest.raises(ScenarioError, match="adding 5 to 0.45"):
        scenario_from_dict(data)


def test_non_finite_state_is_refused_in_one_line_not_written(tmp_path):
    """With a registry whose domains go beyond the proven box the model may overflow: it says so."""
    text = DEFAULT_REGISTRY.read_text(encoding="utf-8")
    start = text.index("  - id: trade.alignment_sensitivity")
    end = text.index("domain: [0, 20]", start)
    text = text[:end] + "domain: [0, 1.0e+9]" + text[end + len("domain: [0, 20]"):]
    registry_path = tmp_path / "parameters.yaml"
    registry_path.write_text(text, encoding="utf-8")
    registry = load_registry(registry_path)
    scenario = load_scenario(_baseline(), overrides={"trade.alignment_sensitivity": 1e6}, registry=registry)
    model = BalancingModel(scenario, replicates=20, seed=1)
    with pytest.raises(ScenarioError) as caught:
        model.run()
    assert "\n" not in str(caught.value)
    assert "the model cannot go on in 2016" in str(caught.value)
    assert "is not a finite number" in str(caught.value)
    assert np.isfinite(model.history["unrest"][:1]).all()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32))
def test_the_model_stays_finite_with_parameters_varying_world_by_world(seed):
    """Per-world parameters (sweep points as one ensemble): 48 points, each its own corner of the box."""
    from sim.inputs.runspec import STRUCTURAL, RunSpec

    rng = np.random.default_rng(seed)
    names = [p.id for p in PARAMETERS if p.id not in STRUCTURAL]
    points = 48
    corner = rng.integers(0, 4, size=(points, len(names)))
    values = np.empty((points, len(names)))
    for j, pid in enumerate(names):
        p = REGISTRY[pid]
        inside = p.domain_low + rng.random(points) * (p.domain_high - p.domain_low)
        column = np.choose(corner[:, j], [np.full(points, p.domain_low), np.full(points, p.domain_high),
                                          np.full(points, p.value), inside])
        values[:, j] = np.round(column) if p.integer else column
    scenario = load_scenario(_baseline()).replace(end_year=HORIZON)
    seeds = [np.random.SeedSequence(seed, spawn_key=(i,)) for i in range(points)]
    model = BalancingModel(RunSpec.for_points(scenario, REGISTRY, names, values, seeds, 3, HORIZON)).run()
    _check_finite_and_bounded(model)
