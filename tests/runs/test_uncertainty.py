"""Parameter uncertainty in runs (issue 12): --parameter-uncertainty prior draws every ASSUMPTION world by world."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.inputs.errors import ScenarioError
from sim.inputs.registry import load_registry
from sim.inputs.scenario import load_scenario
from sim.outputs.results import Result, uncertainty_split
from sim.runs.ensemble import rerun, run

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(SCENARIOS / "baseline.yaml", overrides={"minsk.unrest_threshold": 0.45})


@pytest.fixture(scope="module")
def prior_run(baseline):
    return run(baseline, replicates=120, seed=8, end_year=2024, parameter_uncertainty="prior")


def test_chance_only_stays_the_default(baseline):
    result = run(baseline, replicates=5, seed=8, end_year=2017)
    assert result.parameter_uncertainty == "chance" and result.world_parameters is None
    assert uncertainty_split(result, ["alignment"]).empty


def test_every_world_draws_each_assumption_and_nothing_else(prior_run, baseline):
    registry = load_registry()
    table = prior_run.world_parameters
    drawn = [c for c in table.columns if c != "replicate"]
    assert list(table["replicate"]) == list(range(120))
    assert len(drawn) > 100
    for pid in drawn:
        p = registry[pid]
        assert p.assumption and p.role in ("uncertain", "initial")
        values = table[pid].to_numpy()
        assert ((values >= p.low) & (values <= p.high)).all()
        assert values.std() > 0
        if p.integer:
            assert np.array_equal(values, np.round(values))
        assert prior_run.parameters[pid]["source"] == "prior"
    cited = [pid for pid, p in registry.items() if not p.assumption]
    assert cited and not set(cited) & set(drawn)  # cited values stay fixed
    assert "minsk.unrest_threshold" not in drawn  # the scenario's own value stays fixed
    assert not {"world.ukraine_war_ongoing", "world.election_cycle_years"} & set(drawn)  # switches, calendar


def test_a_worlds_draws_do_not_depend_on_the_ensemble_size(prior_run, baseline):
    small = run(baseline, replicates=30, seed=8, end_year=2017, parameter_uncertainty="prior")
    pd.testing.assert_frame_equal(small.world_parameters, prior_run.world_parameters.iloc[:30])


def test_the_chance_only_band_is_the_same_worlds_without_the_draws(prior_run, baseline):
    alone = run(baseline, replicates=120, seed=8, end_year=2024)
    pd.testing.assert_frame_equal(prior_run.chance_summary.reset_index(drop=True), alone.summary.reset_index(drop=True))
    split = uncertainty_split(prior_run, ["alignment", "russia_trade_share", "gdp_growth"])
    assert list(split["year"].unique()) == [2024]
    assert (split["from_assumptions"].between(0, 1)).all()
    # Assumed trade sensitivities widen the trade band well beyond chance.
    trade = split.set_index("output").loc["russia_trade_share"]
    assert trade.p95 - trade.p05 > trade.chance_p95 - trade.chance_p05


def test_the_run_folder_keeps_the_draws_and_rerun_honours_the_mode(prior_run, tmp_path):
    folder = prior_run.save(tmp_path / "prior", plots=False)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["parameter_uncertainty"] == "prior" and "parameters.parquet" in manifest["files"]
    loaded = Result.load(folder)
    assert loaded.parameter_uncertainty == "prior"
    pd.testing.assert_frame_equal(loaded.world_parameters, prior_run.world_parameters)
    assert loaded.chance_summary is not None
    again = rerun(folder)
    assert again.matches, again.text()
    assert again.repeated.parameter_uncertainty == "prior"


def test_priors_declared_in_the_registry():
    registry = load_registry()
    p = next(p for p in registry.values() if p.drawn and not p.integer and p.low < p.value < p.high)
    u = np.random.default_rng(0).random(200_000)
    triangular = p.prior_quantile(u)
    assert triangular.mean() == pytest.approx((p.low + p.value + p.high) / 3, abs=0.01 * (p.high - p.low))
    assert np.median(np.abs(triangular - p.value)) < np.median(np.abs(u * (p.high - p.low) + p.low - p.value))
    uniform = dataclasses.replace(p, prior="uniform").prior_quantile(u)
    assert uniform.mean() == pytest.approx((p.low + p.high) / 2, abs=0.01 * (p.high - p.low))
    assert not dataclasses.replace(p, prior="fixed").drawn


def test_bad_mode_is_refused(baseline):
    with pytest.raises(ScenarioError, match="unknown mode 'posterior'; allowed: chance, prior"):
        sim.run(baseline, replicates=2, parameter_uncertainty="posterior")


def test_cli_prior_run_says_its_mode_everywhere(run_cli, tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", str(SCENARIOS / "baseline.yaml"), "--replicates", "40", "--end-year", "2018",
                     "--parameter-uncertainty", "prior", "--report", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "chance and assumptions" in result.output
    assert (out / "parameters.parquet").is_file() and (out / "plots").is_dir()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "spread: chance and assumptions" in html and "Where the spread comes from" in html
    explained = run_cli("explain", str(out), "--year", "2017")
    assert explained.exit_code == 0 and "--parameter-uncertainty prior" in explained.output
    bad = run_cli("run", str(SCENARIOS / "baseline.yaml"), "--parameter-uncertainty", "maybe")
    assert bad.exit_code == 2
