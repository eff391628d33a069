"""sim.forecast / sim forecast: conditioned on the record up to the origin and on nothing after it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import sim
from sim.evidence.forecast import MIN_EFFECTIVE_WORLDS, conditioning_table, driver_events
from sim.inputs.errors import ScenarioError
from sim.inputs.record import DEFAULT_RECORD, load_record
from sim.inputs.resources import SCENARIOS_DIR
from sim.inputs.scenario import load_scenario
from sim.model.model import BalancingModel

HINDCAST = SCENARIOS_DIR / "hindcast_2015.yaml"
TEXT = DEFAULT_RECORD.read_text(encoding="utf-8")


def _record(tmp_path, *changes):
    text = TEXT
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "record.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _forecast(origin=2017, record=None, **kw):
    kw = {"end_year": 2021, "replicates": 300, "seed": 4, **kw}
    return sim.forecast(origin=origin, scenario=HINDCAST, record=record, **kw)


def test_a_forecast_covers_origin_to_end_and_reports_the_effective_worlds():
    result = _forecast()
    assert result.years == [2017, 2018, 2019, 2020, 2021]
    table = conditioning_table(result)
    assert list(table["year"]) == [2015, 2016, 2017]
    assert (table["effective_worlds"] >= MIN_EFFECTIVE_WORLDS).all() and (table["effective_worlds"] <= 300).all()
    assert table["measurements"].iloc[1] > 0
    # the origin row is the conditioned state: the record's 2017 sanctions level (exact) in every world
    origin = result.timeseries[result.timeseries["year"] == 2017]
    assert (origin["sanctions_level"] == 0).all()
    # the drivers up to the origin are the record's
    assert origin["oil_price"].eq(54.2).all() and origin["russia_growth"].eq(1.8).all()
    assert result.forecast["drivers_imposed"] == ["world.election", "world.oil_price", "world.russia_growth",
                                                  "world.ukraine_war_ongoing"]
    # after the origin the model draws its own oil
    assert result.timeseries[result.timeseries["year"] == 2018]["oil_price"].nunique() > 1


def test_no_figure_after_the_origin_changes_the_forecast(tmp_path):
    """The issue's test: fake observations dated after the origin leave every number unchanged."""
    plain = _forecast(origin=2017)
    faked = _record(tmp_path,
                    ("2018: 3.1, 2019: 1.4", "2018: -9.9, 2019: 9.9"),  # growth after the origin
                    ("2017: 0, 2018: 0, 2019: 0, 2020: 1, 2021: 2", "2017: 0, 2018: 2, 2019: 2, 2020: 0, 2021: 0"),
                    ("{2015: 0.05, 2019: 0.06, 2022: 0.09, 2023: 0.11}",
                     "{2015: 0.05, 2018: 0.40, 2019: 0.06, 2022: 0.09, 2023: 0.11}"),  # a new figure, 2018
                    ("2018: 3, 2019: 2, 2020: 170", "2018: 3000, 2019: 2, 2020: 170"))
    changed = _forecast(origin=2017, record=faked)
    assert plain.timeseries.equals(changed.timeseries)
    assert plain.forecast["conditioning"] == changed.forecast["conditioning"]
    # ... while a figure at the origin does change it (so the test above can fail)
    moved = _forecast(origin=2017, record=_record(tmp_path, ("2016: -2.5, 2017: 2.5", "2016: -2.5, 2017: -1.0")))
    assert not plain.timeseries.equals(moved.timeseries)


def test_a_forecast_from_the_base_year_is_the_plain_run():
    result = _forecast(origin=2015, end_year=2020)
    scenario = load_scenario(HINDCAST)
    model = BalancingModel(scenario, replicates=300, seed=4, end_year=2020, trace_replicates=0).run()
    plain = model.timeseries()
    ours = result.timeseries
    assert list(ours.columns) == list(plain.columns)
    assert np.array_equal(ours.drop(columns=["replicate"]).to_numpy(), plain.drop(columns=["replicate"]).to_numpy())


def test_the_scenario_s_events_apply_after_the_origin_only():
    from sim.inputs.scenario import Event

    record = load_record()
    scenario = load_scenario(SCENARIOS_DIR / "war_2022.yaml")
    scenario = scenario.replace(events=(Event(year=2016, set={"minsk.unrest": 1.0}), *scenario.events))
    result = sim.forecast(origin=2017, scenario=scenario, end_year=2022, replicates=200, seed=1)
    assert [e["year"] for e in result.forecast["scenario_events_dropped"]] == [2016]
    ts = result.timeseries
    assert (ts[ts["year"] == 2022]["ukraine_war"] == 1).all()  # war_2022's own event, after the origin
    assert (ts[ts["year"] == 2021]["ukraine_war"] == 0).all()
    events = driver_events(record, 2015, 2022)
    assert [e.year for e in events] == list(range(2015, 2023))
    assert events[0].set == {"world.ukraine_war_ongoing": 0.0}  # base year: the registry's cited state stays
    assert events[-1].set["world.ukraine_war_ongoing"] == 1.0


def test_a_collapsed_filter_is_refused_in_one_line_with_a_hint(tmp_path):
    impossible = _record(tmp_path, ("2016: 3, 2017: 5, 2018: 3", "2016: 3, 2017: 5000000, 2018: 3"))
    with pytest.raises(ScenarioError) as caught:
        _forecast(origin=2018, record=impossible)
    message = str(caught.value)
    assert "\n" not in message
    assert "the record of 2017 leaves" in message and "political_prisoners_end_of_year = 5e+06" in message
    assert "the median world has" in message and "0.0% of worlds are at or above it" in message  # why: none reach it
    assert "earlier origin" in message


def test_bad_arguments_are_one_line():
    with pytest.raises(ScenarioError, match="origin: 2014 is not allowed; allowed: a year from 2015"):
        _forecast(origin=2014)
    with pytest.raises(ScenarioError, match="origin: 2026 is not allowed"):
        _forecast(origin=2026)
    with pytest.raises(ScenarioError, match="end_year: 2016 is before the origin 2017"):
        _forecast(origin=2017, end_year=2016)
    with pytest.raises(ScenarioError, match="must be a whole number"):
        _forecast(origin="2017")


def test_prior_draws_travel_with_their_worlds():
    result = _forecast(origin=2015, end_year=2016, replicates=1000, parameter_uncertainty="prior")
    draws = result.world_parameters
    assert draws is not None and len(draws) == 1000
    # resampling duplicates worlds: their draws are duplicated with them (a posterior sample)
    assert draws.drop(columns="replicate").duplicated().any()


def test_sim_forecast_writes_a_run_folder(tmp_path):
    out = tmp_path / "f"
    done = subprocess.run([sys.executable, "-m", "sim.cli", "forecast", str(HINDCAST), "--origin", "2016", "--to",
                           "2018", "--replicates", "400", "--seed", "2", "--out", str(out), "--no-plots"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "effective worlds" in done.stdout and "2016:" in done.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["forecast"]["origin"] == 2016 and manifest["years"] == [2016, 2018]
    assert sim.Result.load(out).forecast["conditioning"][-1]["year"] == 2016
    bad = subprocess.run([sys.executable, "-m", "sim.cli", "forecast", "--origin", "1999", "--out",
                          str(tmp_path / "g")], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert not (tmp_path / "g").exists()


def test_rerun_of_a_forecast_folder_is_refused_plainly(tmp_path):
    result = _forecast(origin=2016, end_year=2017, replicates=300)
    folder = result.save(tmp_path / "f", plots=False)
    with pytest.raises(ScenarioError, match="a forecast folder is repeated with its own command"):
        sim.rerun(folder)
