"""Calibration by ABC-SMC (pyabc) to the record up to an origin, and runs that draw from its posterior.

Every fit here is tiny (10 particles, 2 generations, 20 worlds per simulation: a few seconds); the numbers
it finds are not asserted, only what a user relies on: the posterior's form, its reproducibility, that no
figure after the origin is read, where pyabc's database goes, and the one-line errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.evidence import abc
from sim.inputs.errors import ScenarioError
from sim.inputs.posterior import load_posterior
from sim.inputs.record import DEFAULT_RECORD, load_record
from sim.inputs.registry import load_registry
from sim.inputs.resources import SCENARIOS_DIR
from sim.inputs.runspec import RunSpec
from sim.inputs.scenario import load_scenario

IDS = ["trade.sanctions_sensitivity", "minsk.weight_subsidy"]
TINY = {"worlds": 20, "population": 10, "generations": 2, "seed": 3}
TEXT = DEFAULT_RECORD.read_text(encoding="utf-8")


def _record(tmp_path, *changes) -> Path:
    text = TEXT
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / f"record-{abs(hash(changes))}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _fit(tmp_path, origin=2017, record=None, **kw):
    workdir = tmp_path / f"work-{len(list(tmp_path.glob('work-*')))}"
    workdir.mkdir()
    fit, db = abc.fit(origin, IDS, record=record, workdir=workdir, **{**TINY, **kw})
    return fit, db


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("abc")
    return _fit(tmp)


def test_the_posterior_is_a_table_of_draws_with_weights_within_the_prior(tiny):
    fit, db = tiny
    table = fit.posterior
    assert list(table.columns) == [*IDS, "weight"]
    assert len(table) == TINY["population"]
    assert table["weight"].sum() == pytest.approx(1.0) and (table["weight"] >= 0).all()
    registry = load_registry()
    for pid in IDS:
        assert table[pid].between(registry[pid].low, registry[pid].high).all()
    assert db.is_file() and db.name == "abc.db"  # pyabc's history, where we told it
    assert len(fit.generations) == TINY["generations"]
    assert fit.statistics == len(abc.targets(load_record(), 2017, 2015))
    assert "In-sample" in fit.text()


def test_same_seed_same_posterior_and_another_seed_another(tmp_path, tiny):
    again, _ = _fit(tmp_path)
    pd.testing.assert_frame_equal(again.posterior, tiny[0].posterior)
    other, _ = _fit(tmp_path, seed=4)
    assert not other.posterior.equals(tiny[0].posterior)


def test_no_figure_after_the_origin_changes_the_posterior(tmp_path, tiny):
    """As the forecast's test: fake figures dated after the origin leave the posterior unchanged."""
    faked = _record(tmp_path,
                    ("2018: 3.1, 2019: 1.4", "2018: -9.9, 2019: 9.9"),  # growth after the origin
                    ("2017: 0, 2018: 0, 2019: 0, 2020: 1, 2021: 2", "2017: 0, 2018: 2, 2019: 2, 2020: 0, 2021: 0"),
                    ("{2015: 0.05, 2019: 0.06, 2022: 0.09, 2023: 0.11}",
                     "{2015: 0.05, 2018: 0.40, 2019: 0.06, 2022: 0.09, 2023: 0.11}"))  # a new figure, 2018
    changed, _ = _fit(tmp_path, record=faked)
    pd.testing.assert_frame_equal(changed.posterior, tiny[0].posterior)
    # ... while a figure at the origin does change it (so the test above can fail)
    moved, _ = _fit(tmp_path, record=_record(tmp_path, ("2016: -2.5, 2017: 2.5", "2016: -2.5, 2017: -9.0")))
    assert not moved.posterior.equals(tiny[0].posterior)


def test_the_statistics_are_zero_where_the_ensemble_meets_the_record():
    record = load_record()
    chosen = abc.targets(record, 2016, 2015)
    assert {m.year for m in chosen} == {2016}
    rows = []
    for replicate in range(4):
        row = {"replicate": replicate, "year": 2016}
        for m in chosen:
            row[m.output] = m.value
        rows.append(row)
    stats = abc.statistics(pd.DataFrame(rows), chosen)
    assert set(stats) == {m.id for m in chosen}
    assert all(v == pytest.approx(0.0) for v in stats.values())
    sd_scaled = [m for m in chosen if m.model.scale == "linear"][0]
    shifted = pd.DataFrame(rows)
    shifted[sd_scaled.output] += sd_scaled.model.sd(sd_scaled.uncertain)  # one error sd off
    assert abc.statistics(shifted, chosen)[sd_scaled.id] == pytest.approx(1.0)


def test_bad_fits_are_refused_in_one_line(tmp_path):
    for kwargs, words in (({"origin": 2015}, "--origin: 2015 is not allowed"),
                          ({"origin": 2040}, "--origin: 2040 is not allowed"),
                          ({"population": 1}, "--population: 1 is not allowed"),
                          ({"worlds": 0}, "--replicates: 0 is not allowed")):
        with pytest.raises(ScenarioError) as caught:
            abc.fit(**{"origin": 2017, "parameters": IDS, **TINY, **kwargs, "workdir": tmp_path})
        assert words in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(ScenarioError, match="cited"):
        abc.fit(2017, ["trade.russia_share_2015"], **TINY, workdir=tmp_path)  # cited: stays at its value


def test_the_default_parameters_are_fittable_assumptions():
    from sim.evidence.calibrate import check_parameters

    registry = load_registry()
    assert len(abc.DEFAULT_PARAMETERS) == 5
    assert check_parameters(registry, list(abc.DEFAULT_PARAMETERS)) == list(abc.DEFAULT_PARAMETERS)
    assert all(registry[pid].role == "uncertain" for pid in abc.DEFAULT_PARAMETERS)


# --------------------------------------------------------------------------- the CLI and posterior runs


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """``sim calibrate --method abc`` run from an empty working directory."""
    from click.testing import CliRunner

    from sim.cli import cli

    cwd = tmp_path_factory.mktemp("cwd")
    out = cwd / "fit"
    import os

    before = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, ["calibrate", "--method", "abc", "--origin", "2017", "--params", ",".join(IDS),
                                          "--population", "10", "--generations", "2", "--replicates", "20",
                                          "--seed", "3", "--out", str(out)])
    finally:
        os.chdir(before)
    assert result.exit_code == 0, result.output
    return cwd, out, result.stdout


def test_cli_writes_the_posterior_report_diff_and_database_in_the_folder_only(calibrated):
    cwd, out, stdout = calibrated
    assert sorted(p.name for p in out.iterdir()) == ["abc.db", "abc.json", "posterior.csv", "registry.diff",
                                                     "report.txt"]
    assert sorted(p.name for p in cwd.iterdir()) == ["fit"]  # nothing in the working directory
    table = pd.read_csv(out / "posterior.csv")
    assert list(table.columns) == [*IDS, "weight"]
    report = json.loads((out / "abc.json").read_text())
    assert report["origin"] == 2017 and [p["id"] for p in report["parameters"]] == IDS
    assert "posterior:" in stdout and "NOT applied" in stdout
    diff = (out / "registry.diff").read_text()
    changed = [p["id"] for p in report["parameters"] if p["changed"]]
    assert bool(diff) == bool(changed)
    if changed:
        assert diff.startswith("--- a/") and "\n+    value: " in diff
    assert load_registry()[IDS[0]].value == report["parameters"][0]["registry"]  # the registry is not edited


def test_a_run_draws_posterior_rows_by_weight_same_seed_same_draws(calibrated, tmp_path):
    _, out, _ = calibrated
    path = out / "posterior.csv"
    table = pd.read_csv(path)
    scenario = load_scenario(SCENARIOS_DIR / "baseline.yaml")
    spec = RunSpec.resolve(scenario, replicates=400, seed=9).with_uncertainty(f"posterior:{path}")
    assert spec.drawn == tuple(IDS)
    drawn = spec.world_parameters()
    rows = {tuple(r) for r in table[IDS].to_numpy()}
    assert all(tuple(r) in rows for r in drawn[IDS].to_numpy())  # every world holds one whole row
    # by weight: the heaviest row is drawn about as often as its weight says
    heaviest = table.loc[table["weight"].idxmax()]
    share = float(np.mean(np.isclose(drawn[IDS[0]], heaviest[IDS[0]]) & np.isclose(drawn[IDS[1]], heaviest[IDS[1]])))
    assert abs(share - heaviest["weight"]) < 4 * np.sqrt(heaviest["weight"] * (1 - heaviest["weight"]) / 400) + 0.01
    again = RunSpec.resolve(scenario, replicates=100, seed=9).with_uncertainty(f"posterior:{path}")
    pd.testing.assert_frame_equal(again.world_parameters(), drawn.iloc[:100])  # world i's row: i alone
    other = RunSpec.resolve(scenario, replicates=100, seed=10).with_uncertainty(f"posterior:{path}")
    assert not other.world_parameters().equals(drawn.iloc[:100])
    # a value the scenario sets stays fixed
    fixed = RunSpec.resolve(scenario, replicates=50, seed=9, parameters={IDS[0]: 0.5}).with_uncertainty(
        f"posterior:{path}")
    assert fixed.drawn == (IDS[1],) and fixed.params[IDS[0]] == 0.5


def test_sim_run_and_forecast_take_a_posterior(calibrated, run_cli, tmp_path, monkeypatch):
    _, out, _ = calibrated
    mode = f"posterior:{out / 'posterior.csv'}"
    result = run_cli("run", "baseline", "--replicates", "40", "--seed", "5", "--end-year", "2018", "--no-plots",
                     "--parameter-uncertainty", mode, "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    saved = sim.Result.load(tmp_path / "run")
    assert saved.parameter_uncertainty == mode
    assert list(saved.world_parameters.columns) == ["replicate", *IDS]
    assert saved.parameters[IDS[0]]["source"] == "posterior"
    assert "fitted assumptions" in result.stdout
    repeated = run_cli("rerun", tmp_path / "run")
    assert repeated.exit_code == 0, repeated.output
    # Given relative to the working directory, the table is recorded by its absolute path: a rerun from
    # another folder finds it.
    monkeypatch.chdir(out)
    relative = run_cli("run", "baseline", "--replicates", "20", "--seed", "5", "--end-year", "2017", "--no-plots",
                       "--parameter-uncertainty", "posterior:posterior.csv", "--out", tmp_path / "relative")
    assert relative.exit_code == 0, relative.output
    assert sim.Result.load(tmp_path / "relative").parameter_uncertainty == f"posterior:{out / 'posterior.csv'}"
    monkeypatch.chdir(tmp_path)
    assert run_cli("rerun", tmp_path / "relative").exit_code == 0
    forecast = run_cli("forecast", "--origin", "2017", "--to", "2019", "--replicates", "200", "--seed", "2",
                       "--no-plots", "--parameter-uncertainty", mode, "--out", tmp_path / "forecast")
    assert forecast.exit_code == 0, forecast.output
    kept = sim.Result.load(tmp_path / "forecast")
    assert kept.parameter_uncertainty == mode and kept.world_parameters is not None


def test_the_manifest_records_the_posterior_s_checksum_and_rerun_refuses_a_changed_table(calibrated, run_cli,
                                                                                           tmp_path):
    import hashlib
    import shutil

    _, out, _ = calibrated
    table = tmp_path / "posterior.csv"
    shutil.copy(out / "posterior.csv", table)
    sha = hashlib.sha256(table.read_bytes()).hexdigest()
    mode = f"posterior:{table}"
    assert run_cli("run", "baseline", "--replicates", "20", "--seed", "5", "--end-year", "2017", "--no-plots",
                   "--parameter-uncertainty", mode, "--out", tmp_path / "run").exit_code == 0
    assert run_cli("forecast", "--origin", "2017", "--to", "2018", "--replicates", "200", "--seed", "2", "--no-plots",
                   "--parameter-uncertainty", mode, "--out", tmp_path / "forecast").exit_code == 0
    for folder in ("run", "forecast"):
        parameters = json.loads((tmp_path / folder / "manifest.json").read_text())["parameters"]
        assert all(parameters[pid]["posterior"] == {"path": str(table), "sha256": sha} for pid in IDS), folder
        assert not any("posterior" in e for pid, e in parameters.items() if pid not in IDS)
    assert run_cli("rerun", tmp_path / "run").exit_code == 0  # unchanged: repeated and compared
    frame = pd.read_csv(table)
    frame.loc[0, "weight"] *= 2  # an edit that keeps the table valid
    frame.to_csv(table, index=False)
    changed = run_cli("rerun", tmp_path / "run")
    assert changed.exit_code == 2, changed.output
    assert "has changed since the run (sha256 " + sha[:12] in changed.output
    assert len(changed.output.strip().splitlines()) == 1 and "Traceback" not in changed.output
    table.unlink()
    gone = run_cli("rerun", tmp_path / "run")
    assert gone.exit_code == 2 and "cannot be read (no such file)" in gone.output
    assert len(gone.output.strip().splitlines()) == 1


@pytest.mark.parametrize("content, words", [
    (None, "no such posterior table"),
    ("a,b\n1,2\n", "no 'weight' column"),
    ("weight\n1\n", "no parameter column"),
    ("minsk.weight_subsidyy,weight\n1,1\n", "unknown parameter id; did you mean 'minsk.weight_subsidy'?"),
    ("minsk.weight_subsidy,weight\n1,-1\n", "row 1: -1 is not allowed; allowed: a weight >= 0"),
    ("minsk.weight_subsidy,weight\n1,0\n", "the weights sum to zero"),
    ("minsk.weight_subsidy,weight\nabc,1\n", "row 1: 'abc' is not a finite number"),
    ("minsk.weight_subsidy,weight\n1,1\n-5,1\n", "row 2: -5 is not allowed; allowed:"),
    ("", "cannot read the posterior table"),
])
def test_a_bad_posterior_table_is_one_line(tmp_path, content, words):
    path = tmp_path / "posterior.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_posterior(path, load_registry())
    message = str(caught.value)
    assert words in message and "\n" not in message and str(path) in message


def test_cli_refuses_a_bad_posterior_in_one_line_with_status_2_before_any_work(tmp_path):
    import subprocess
    import sys

    for mode, words in ((f"posterior:{tmp_path / 'missing.csv'}", "no such posterior table"),
                        (f"posterior:{tmp_path}", "must be a .csv or .parquet file"),
                        ("posterior", "'posterior' is not allowed; allowed: chance, prior, posterior:PATH")):
        for command in (["run", "baseline", "--out", str(tmp_path / "r")],
                        ["forecast", "--origin", "2017", "--out", str(tmp_path / "f")]):
            done = subprocess.run([sys.executable, "-m", "sim.cli", *command, "--parameter-uncertainty", mode],
                                  capture_output=True, text=True, cwd=tmp_path)
            assert done.returncode == 2, done.stderr
            assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1 and words in done.stderr
            assert not (tmp_path / "r").exists() and not (tmp_path / "f").exists()


def test_cli_calibrate_abc_options_are_checked_in_one_line(run_cli, tmp_path):
    for args, words in ((["--method", "abc"], "--origin: --method abc needs --origin YEAR"),
                        (["--method", "abc", "--origin", "2017", "--budget", "10"], "--budget: does not apply"),
                        (["--origin", "2017"], "--origin: belongs to --method abc"),
                        (["--method", "abc", "--origin", "2017", "--params", "minsk.nope"], "unknown parameter id")):
        result = run_cli("calibrate", *args, "--out", tmp_path / "x")
        assert result.exit_code == 2, result.output
        assert words in result.stderr and result.stderr.count("\n") == 1
        assert not (tmp_path / "x").exists()


def test_the_screen_ranks_parameters_by_how_far_their_range_moves_the_distance():
    table = abc.screen(2016, worlds=30, seed=2, candidates=["trade.sanctions_sensitivity", "minsk.move_cost"])
    assert list(table.columns) == ["id", "low", "high", "registry", "spread"]
    assert sorted(table["id"]) == ["minsk.move_cost", "trade.sanctions_sensitivity"]
    assert list(table["spread"]) == sorted(table["spread"], reverse=True)
    for row in table.itertuples():  # the spread is that of the three distances, all on the same random numbers
        assert row.spread == pytest.approx(max(row.low, row.high, row.registry) - min(row.low, row.high, row.registry))
    assert table["registry"].nunique() == 1
