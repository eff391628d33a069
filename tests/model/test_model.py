"""The model as users drive it: ensembles, seeds, jolts, traces, plain Mesa, and invariants."""

from __future__ import annotations

import inspect
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.inputs.errors import ScenarioError
from sim.model.model import BalancingModel
from sim.inputs.registry import load_registry
from sim.inputs.scenario import load_scenario
from sim.common.variables import MOVE_OPTIONS, OUTPUTS, STATE_VARIABLES
from sim.explain.terms import MOVE_COLUMNS
from sim.inputs.runspec import RunSpec

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHARES = ["russia_trade_share", "eu_trade_share", "ukraine_trade_share", "china_trade_share", "other_trade_share"]


def write_scenario(tmp_path: Path, text: str, name: str = "case") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\nbase: {SCENARIOS / 'baseline.yaml'}\n{text}", encoding="utf-8")
    return path


def test_timeseries_has_one_row_per_replicate_and_year_and_every_output():
    model = BalancingModel(replicates=7, seed=3, end_year=2020).run()
    table = model.timeseries()
    assert list(table.columns) == ["replicate", "year", *OUTPUTS]
    assert len(table) == 7 * 6
    assert sorted(table["year"].unique()) == list(range(2015, 2021))
    assert not table.isna().any().any()


def test_same_seed_same_numbers_and_other_seed_other_numbers():
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    first = BalancingModel(scenario, replicates=200, seed=5).run().timeseries()
    again = BalancingModel(scenario, replicates=200, seed=5).run().timeseries()
    other = BalancingModel(scenario, replicates=200, seed=6).run().timeseries()
    assert first.equals(again)
    assert not first.equals(other)


def test_scenario_seed_and_replicates_are_the_defaults():
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    model = BalancingModel(scenario)
    assert model.seed == scenario.seed
    assert model.replicates == scenario.replicates


def test_no_seed_draws_one_and_keeps_it_for_repeating_the_run():
    model = BalancingModel(replicates=20, end_year=2018).run()
    repeat = BalancingModel(replicates=20, end_year=2018, seed=model.seed).run()
    assert model.timeseries().equals(repeat.timeseries())


def test_state_jolt_applies_once_and_parameter_event_from_that_year_on(tmp_path):
    path = write_scenario(tmp_path, """
events:
  - year: 2018
    set: {minsk.unrest: 0.9}
    note: protests
  - year: 2019
    set: {world.ukraine_war_ongoing: 1}
    note: the war switched on from 2019
""")
    model = BalancingModel(load_scenario(path), replicates=300, seed=1).run()
    # Unrest jolted to 0.9 in 2018 is above threshold: nearly every world cracks down that year.
    assert model.history["crackdown"][2018 - 2015].mean() > 0.9
    war = model.history["ukraine_war"]
    assert war[: 2019 - 2015].sum() == 0 and (war[2019 - 2015:] == 1).all()


def test_add_jolt_is_clipped_to_the_state_domain(tmp_path):
    path = write_scenario(tmp_path, """
events:
  - year: 2016
    add: {brussels.sanctions_level: 2}
    note: overshoot
""")
    model = BalancingModel(load_scenario(path), replicates=50, seed=1).run()
    assert model.history["sanctions_level"].max() <= 2


def test_every_state_variable_can_be_jolted(tmp_path):
    lines = "\n".join(f"      {sid}: {spec.low if spec.low > -50 else 0}" for sid, spec in STATE_VARIABLES.items())
    path = write_scenario(tmp_path, f"events:\n  - year: 2017\n    set:\n{lines}\n    note: all at once\n")
    model = BalancingModel(load_scenario(path), replicates=10, seed=1).run()
    for name, values in model.history.items():
        assert np.isfinite(values).all(), name


def test_scenario_starting_later_is_simulated_from_2015_and_recorded_from_its_start(tmp_path):
    path = write_scenario(tmp_path, "start_year: 2020\nend_year: 2024\n")
    model = BalancingModel(load_scenario(path), replicates=30, seed=2).run()
    table = model.timeseries()
    assert table["year"].min() == 2020 and table["year"].max() == 2024
    # The 2020 picture is the model's own, not the 2015 registry values.
    assert not np.allclose(table[table.year == 2020]["alignment"], load_registry()["minsk.alignment_2015"].value)


def test_overrides_are_validated_like_the_scenario_loader():
    with pytest.raises(ScenarioError, match="did you mean 'minsk.unrest_threshold'"):
        BalancingModel(replicates=2, **{"minsk.unrest_treshold": 0.4})
    with pytest.raises(ScenarioError, match="minsk.unrest_threshold"):
        BalancingModel(replicates=2, parameters={"minsk.unrest_threshold": 1.5})
    model = BalancingModel(replicates=2, **{"minsk.unrest_threshold": 0.31})
    assert model.params["minsk.unrest_threshold"] == 0.31


def test_decision_trace_explains_every_choice_of_the_traced_worlds():
    model = BalancingModel(replicates=40, seed=9, end_year=2021, trace_replicates=5).run()
    trace = model.decision_trace()
    assert set(trace["replicate"]) == set(range(5))
    assert set(trace["agent"]) == {"minsk", "moscow", "brussels"}
    assert set(trace["decision"]) == {"foreign", "domestic", "subsidy", "pressure", "sanctions", "engagement"}
    groups = trace.groupby(["replicate", "year", "decision"])
    assert np.allclose(groups["probability"].sum(), 1.0)
    assert (groups["chosen"].sum() == 1).all()
    # Utility is the sum of its named terms.
    minsk_foreign = trace[trace.decision == "foreign"]
    term_columns = [c for c in minsk_foreign.columns if c.startswith("term.") and minsk_foreign[c].notna().all()]
    assert "term.sovereignty" in term_columns
    assert np.allclose(minsk_foreign[term_columns].sum(axis=1), minsk_foreign["utility"])
    # The chosen foreign option agrees with the recorded move.
    chosen = minsk_foreign[minsk_foreign.chosen == 1].set_index(["replicate", "year"])["option"]
    moves = {"step_east": -1, "stay": 0, "step_west": 1}
    for (replicate, year), option in chosen.items():
        assert model.history["minsk_foreign_move"][year - 2015][replicate] == moves[option]


def test_tracing_chosen_worlds_draws_no_random_numbers():
    """sim.run traces the typical world in a second run of the same worlds: that run must be the first one."""
    spec = RunSpec.resolve(load_scenario(SCENARIOS / "unrest_shock.yaml"), replicates=60, seed=4, end_year=2023,
                           trace_replicates=3)
    plain = BalancingModel(spec).run()
    traced = BalancingModel(spec.replace(trace_worlds=(41, 7))).run()
    ts = plain.timeseries()
    pd.testing.assert_frame_equal(traced.timeseries(), ts)  # every world, every output, every year
    trace = traced.decision_trace()
    assert sorted(trace["replicate"].unique()) == [0, 1, 2, 7, 41]
    first = trace[trace["replicate"] < 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, plain.decision_trace())
    # The chosen world's trace is that world's: its choices are its recorded moves, and it saw its own state.
    world = ts[ts["replicate"] == 41].set_index("year")
    rows = trace[(trace["replicate"] == 41) & (trace["chosen"] == 1)]
    assert len(rows) == 6 * 8  # six decisions a year, 2016-2023
    for r in rows.itertuples(index=False):
        column = MOVE_COLUMNS[r.agent, r.decision]
        assert MOVE_OPTIONS[column].index(r.option) - 1 == world.loc[r.year, column]
        alignment = trace.loc[(trace["replicate"] == 41) & (trace["year"] == r.year), "seen.alignment"].dropna()
        assert np.allclose(alignment, world.loc[r.year - 1, "alignment"])
    with pytest.raises(ScenarioError, match=r"trace_worlds: must be world indices from 0 to 59, got \[60\]"):
        BalancingModel(spec.replace(trace_worlds=(60,)))


def seeds_for_batch_run(parameters: dict, count: int) -> dict:
    """Seeds the way this Mesa's batch_run takes them: ``rng=[...]`` on Mesa 3.5, a ``seed`` parameter on 3.3."""
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        return {"rng": list(range(count))}
    parameters["seed"] = range(count)
    return {"iterations": 1}


def test_plain_mesa_batch_run_works_with_one_replicate():
    """Users drive the model the way Mesa users expect; each reported Step matches the model's own record.

    (Mesa 3.3's batch_run leaves out the final step, mesa#2514, fixed upstream in mesa#3109; comparing
    step by step keeps this test true on both Mesa lines.)"""
    parameters = {"replicates": 1, "end_year": 2019, "minsk.unrest_threshold": [0.35, 0.6]}
    results = mesa.batch_run(BalancingModel, parameters=parameters, max_steps=10, number_processes=1,
                             data_collection_period=1, display_progress=False, **seeds_for_batch_run(parameters, 3))
    runs = {(row["seed"], row["minsk.unrest_threshold"]) for row in results}
    assert len(runs) == 3 * 2
    for row in results:
        assert isinstance(row["alignment"], float)
        direct = BalancingModel(replicates=1, seed=row["seed"], end_year=2019,
                                **{"minsk.unrest_threshold": row["minsk.unrest_threshold"]}).run()
        for output in ("alignment", "sanctions_level", "subsidy_pct_gdp"):
            assert row[output] == direct.history[output][int(row["Step"]), 0]
    assert max(row["Step"] for row in results) >= 3


def test_ensemble_equals_the_same_worlds_run_with_the_datacollector_mean():
    model = BalancingModel(replicates=25, seed=4, end_year=2019).run()
    means = model.datacollector.get_model_vars_dataframe()
    assert np.allclose(means["alignment"].to_numpy(), model.history["alignment"].mean(axis=1))


registry = load_registry()
SWEEPABLE = [pid for pid, p in registry.items() if p.low < p.high]


@st.composite
def parameter_draws(draw):
    chosen = draw(st.lists(st.sampled_from(SWEEPABLE), min_size=1, max_size=12, unique=True))
    values = {}
    for pid in chosen:
        p = registry[pid]
        value = draw(st.floats(min_value=p.low, max_value=p.high, allow_nan=False))
        values[pid] = float(round(value)) if p.integer else value
    return values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parameters=parameter_draws(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_for_any_parameters_within_their_ranges(parameters, seed):
    model = BalancingModel(replicates=40, seed=seed, end_year=2030, parameters=parameters).run()
    h = model.history
    for name, values in h.items():
        assert np.isfinite(values).all(), name
    shares = np.stack([h[s] for s in SHARES])
    assert (shares >= 0).all() and (shares <= 1).all()
    assert np.allclose(shares.sum(axis=0), 1.0)
    assert (h["russia_trade_share"] + h["eu_trade_share"] + h["china_trade_share"] <= 1 + 1e-9).all()
    for name in ("alignment",):
        assert (h[name] >= -1).all() and (h[name] <= 1).all()
    for name in ("eu_engagement", "integration_pressure", "repression", "unrest", "legitimacy",
                 "regime_security", "energy_dependence", "maidan_effect"):
        assert (h[name] >= 0).all() and (h[name] <= 1).all(), name
    assert set(np.unique(h["sanctions_level"])) <= {0, 1, 2}
    assert set(np.unique(h["crackdown"])) <= {0, 1}
    assert (h["political_prisoners"] >= 0).all()
    assert (h["subsidy_pct_gdp"] >= 0).all()
    assert (h["subsidy_pct_gdp"] <= model.params["moscow.subsidy_max"] + 1e-9).all()


def test_release_drops_the_per_world_arrays_and_the_caches_of_them():
    """A sweep releases each model (memory stays flat): the float conversions and the agents' memos hold
    per-world arrays during a run and are dropped with the state."""
    model = BalancingModel(replicates=50, seed=2).run()
    agents = (model.minsk, model.moscow, model.brussels)
    assert model._floats and all(agent._memos for agent in (model.moscow, model.brussels))
    model.release()
    assert model._floats == {} and all(agent._memos == {} for agent in agents)
    for holder in (*agents, model.world, model.economy):
        assert not [name for name, value in vars(holder).items() if isinstance(value, np.ndarray)]
