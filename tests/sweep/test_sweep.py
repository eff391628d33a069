"""Sweeps and sensitivity analysis: outcome specs, designs, seeds, executors, resume, CLI and plots."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import sim.sweep.runner as sw
from sim.cli import cli
from sim.inputs.errors import ScenarioError
from sim.model.model import BalancingModel
from sim.sweep.outcomes import parse_outcome, parse_outcomes, statistic_columns
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
UNREST = ROOT / "scenarios" / "unrest_shock.yaml"
SMALL = "minsk.unrest_threshold,minsk.unrest_election_boost,world.eu_growth"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# --------------------------------------------------------------------------- outcome specs


@pytest.mark.parametrize("text, label, years, columns", [
    ("alignment@2025", "alignment", (2025,), ["alignment@2025", "alignment@2025:p05", "alignment@2025:p95"]),
    ("alignment@2016:2018", "alignment", (2016, 2017, 2018), None),
    ("P(sanctions_level>=1)@2022", "P(sanctions_level>=1)", (2022,), ["P(sanctions_level>=1)@2022"]),
    (" P( crackdown = 1 ) @ 2020 ", "P(crackdown==1)", (2020,), ["P(crackdown==1)@2020"]),
    ("P(gdp_growth<-1.5)@2016:2017", "P(gdp_growth<-1.5)", (2016, 2017), None),
    ("unrest", "unrest", (2030,), None),
])
def test_outcome_specs_parse_to_canonical_columns(text, label, years, columns):
    outcome = parse_outcome(text, 2015, 2030)
    assert outcome.label == label and outcome.years == years
    if columns:
        assert outcome.columns() == columns
    assert parse_outcome(outcome.spec, 2015, 2030) == outcome


@pytest.mark.parametrize("text, message", [
    ("alignmnt@2025", "unknown output 'alignmnt'; did you mean 'alignment'?"),
    ("alignment@2035", "year 2035 is outside the scenario's years; allowed: 2015 to 2030"),
    ("alignment@2014", "outside the scenario's years"),
    ("alignment@2030:2020", "runs backwards"),
    ("alignment@25", "years must be YEAR or FIRST:LAST"),
    ("alignment@", "years must be YEAR or FIRST:LAST"),
    ("P(sanctions_level>>1)@2022", "malformed probability"),
    ("P(sanctions_level)@2022", "malformed probability"),
    ("P(sanctions_level>=one)@2022", "malformed probability"),
    ("P(sanktions_level>=1)@2022", "did you mean 'sanctions_level'?"),
    ("mean alignment@2025", "not an outcome"),
])
def test_bad_outcome_specs_raise_one_line_errors(text, message):
    with pytest.raises(ScenarioError) as err:
        parse_outcome(text, 2015, 2030)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith(f"--outcome: '{text}'")


def test_outcomes_measuring_the_same_column_twice_are_refused():
    with pytest.raises(ScenarioError, match="already measured"):
        parse_outcomes(["alignment@2016:2020", "alignment@2020"], 2015, 2030)
    assert len(parse_outcomes(["alignment@2020", "alignment@2020"], 2015, 2030)) == 1


# --------------------------------------------------------------------------- designs


def test_parse_vary_gives_evenly_spaced_or_listed_values(real_registry):
    assert sw.parse_vary("minsk.unrest_threshold=0.3:0.7:5", real_registry) == (
        "minsk.unrest_threshold", [0.3, 0.4, 0.5, 0.6, 0.7])
    assert sw.parse_vary("world.ukraine_war_ongoing=0,1", real_registry) == ("world.ukraine_war_ongoing", [0.0, 1.0])


@pytest.mark.parametrize("text, message", [
    ("minsk.unrest_treshold=0.3:0.7:5", "did you mean 'minsk.unrest_threshold'?"),
    ("minsk.unrest_threshold=0.3:1.7:5", "gives 1.7, which is not allowed; allowed: a number from 0 to 1"),
    ("minsk.unrest_threshold=0.3:0.7", "is not LOW:HIGH:N"),
    ("minsk.unrest_threshold=0.3:0.7:1", "N must be at least 2"),
    ("minsk.unrest_threshold=0.7:0.3:3", "LOW must be below HIGH"),
    ("minsk.unrest_threshold=0.3,abc", "'abc' is not a number"),
    ("minsk.unrest_threshold", "is not ID=LOW:HIGH:N"),
    ("world.election_cycle_years=4:6:4", "which is not allowed; allowed: an integer"),
    ("minsk.political_prisoners_2015=inf", "gives inf (not a whole number), which is not allowed"),  # hypothesis
])
def test_bad_vary_strings_raise_one_line_errors(real_registry, text, message):
    with pytest.raises(ScenarioError) as err:
        sw.parse_vary(text, real_registry)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_parameter_selection_skips_fixed_ranges_and_refuses_them_by_name(real_registry):
    everything = sw.select_parameters(real_registry, "all")
    assert "model.base_year" not in everything and "minsk.unrest_threshold" in everything
    assert all(real_registry[p].low < real_registry[p].high for p in everything)
    assert sw.select_parameters(real_registry, "minsk.unrest_t*,moscow.subsidy_step") == [
        "minsk.unrest_threshold", "moscow.subsidy_step"]
    with pytest.raises(ScenarioError, match="cannot be varied"):
        sw.select_parameters(real_registry, "model.base_year")
    with pytest.raises(ScenarioError, match="did you mean 'minsk.unrest_threshold'"):
        sw.select_parameters(real_registry, "minsk.unrest_treshold")
    with pytest.raises(ScenarioError, match="matches no parameter"):
        sw.select_parameters(real_registry, "nothing.*")


def test_designs_have_the_sizes_salib_expects(real_registry):
    names = SMALL.split(",")
    assert sw.sobol(real_registry, names, 16, seed=1, second_order=True).n_points == 16 * (2 * 3 + 2)
    assert sw.sobol(real_registry, names, 16, seed=1, second_order=False).n_points == 16 * (3 + 2)
    assert sw.morris(real_registry, names, 5, seed=1).n_points == 5 * (3 + 1)
    lhs = sw.latin_hypercube(real_registry, names, 40, seed=1)
    assert lhs.n_points == 40
    for j, name in enumerate(names):
        p = real_registry[name]
        assert (lhs.X[:, j] >= p.low).all() and (lhs.X[:, j] <= p.high).all()
    grid = sw.grid(real_registry, {"minsk.unrest_threshold": [0.3, 0.5], "world.ukraine_war_ongoing": [0, 1, ]})
    assert grid.X.tolist() == [[0.3, 0.0], [0.3, 1.0], [0.5, 0.0], [0.5, 1.0]]
    again = sw.sobol(real_registry, names, 16, seed=1, second_order=True)
    assert np.array_equal(again.X, sw.sobol(real_registry, names, 16, seed=1, second_order=True).X)


def test_integer_parameters_are_rounded_into_their_range(real_registry):
    design = sw.latin_hypercube(real_registry, ["minsk.political_prisoners_2015", "world.ukraine_war_ongoing"], 200,
                                seed=2)
    values = design.values()
    assert np.array_equal(values, np.round(values))
    assert set(values[:, 1]) == {0.0, 1.0}
    assert values[:, 0].min() == 0 and values[:, 0].max() == 6
    counts = np.bincount(values[:, 0].astype(int))
    assert counts.min() > 15  # every whole value about equally likely, the ends included


# --------------------------------------------------------------------------- points and seeds


def test_point_seeds_are_children_of_the_sweep_seed(baseline):
    outcomes = parse_outcomes(["alignment@2016:2020", "P(sanctions_level>=1)@2020"], 2015, 2030)
    a = sw.evaluate_point(baseline, {"minsk.unrest_threshold": 0.4}, 7, outcomes, 30, 11, 2020)
    b = sw.evaluate_point(baseline, {"minsk.unrest_threshold": 0.4}, 7, outcomes, 30, 11, 2020)
    c = sw.evaluate_point(baseline, {"minsk.unrest_threshold": 0.4}, 8, outcomes, 30, 11, 2020)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert len(a) == len(statistic_columns(outcomes))
    child = np.random.SeedSequence(11).spawn(8)[7]
    model = BalancingModel(baseline, replicates=30, seed=child, parameters={"minsk.unrest_threshold": 0.4},
                           trace_replicates=0).run()  # the full horizon: stopping at 2020 changes nothing before
    assert a[0] == pytest.approx(model.history["alignment"][1].mean(), abs=0)


@pytest.fixture(scope="module")
def small_sobol(baseline, real_registry_module):
    design = sw.make_design(real_registry_module, "sobol", params=SMALL, n=8, seed=5)
    result = sw.run_sweep(baseline, design, ["alignment@2016:2018", "P(sanctions_level>=1)@2018"], replicates=12)
    return design, result


@pytest.fixture(scope="module")
def real_registry_module():
    from sim.inputs.registry import load_registry

    return load_registry()


def test_points_table_has_one_row_per_point_with_values_and_statistics(small_sobol):
    design, result = small_sobol
    points = result.points
    assert list(points["point"]) == list(range(design.n_points))
    assert list(points.columns[1:4]) == SMALL.split(",")
    assert "alignment@2017" in points and "alignment@2017:p05" in points and "P(sanctions_level>=1)@2018" in points
    assert (points["alignment@2017:p05"] <= points["alignment@2017"] + 1e-12).all()
    assert points["P(sanctions_level>=1)@2018"].between(0, 1).all()
    indices = result.indices
    assert set(indices["outcome"]) == {"alignment@2016", "alignment@2017", "alignment@2018",
                                       "P(sanctions_level>=1)@2018"}
    assert {"S1", "S1_conf", "ST", "ST_conf", "rank"} <= set(indices.columns)
    assert len(result.second_order) == 4 * 3  # 3 pairs per analysed column


def test_same_points_in_process_and_on_two_workers(baseline, small_sobol):
    design, result = small_sobol
    two = sw.run_sweep(baseline, design, ["alignment@2016:2018", "P(sanctions_level>=1)@2018"], replicates=12,
                       workers=2, chunk_points=7)
    pd.testing.assert_frame_equal(two.points, result.points)
    pd.testing.assert_frame_equal(two.indices, result.indices)


def test_sobol_names_the_unrest_threshold_and_election_boost_for_the_2020_crackdown(real_registry):
    # In unrest_shock, protests spike in the 2020 election year; whether Minsk cracks down depends on the
    # threshold above all, then on how much an election adds to unrest. Trade and growth parameters barely matter.
    scenario = load_scenario(UNREST)
    params = ("minsk.unrest_threshold,minsk.unrest_election_boost,world.china_growth,trade.inertia,"
              "world.eu_growth,energy.diversification_rate")
    design = sw.make_design(real_registry, "sobol", params=params, n=128, seed=1, second_order=False)
    result = sw.run_sweep(scenario, design, ["P(crackdown==1)@2020"], replicates=40)
    top = result.top("P(crackdown==1)@2020", 2)
    assert list(top["parameter"]) == ["minsk.unrest_threshold", "minsk.unrest_election_boost"]
    assert top["ST"].iloc[0] - top["ST_conf"].iloc[0] > 0.2
    others = result.indices[~result.indices["parameter"].isin(set(top["parameter"]))]
    assert (others["ST"] < top["ST"].iloc[1]).all()


# --------------------------------------------------------------------------- folders, interruption and resume


def test_interrupted_sweep_keeps_finished_points_and_resumes_to_the_same_result(baseline, real_registry, tmp_path):
    design = sw.make_design(real_registry, "morris", params="minsk.unrest*", n=4, seed=3)
    outcomes = ["alignment@2016:2020"]
    full = sw.run_sweep(baseline, design, outcomes, replicates=10, chunk_points=5, out=tmp_path / "full",
                        plots=False)
    out = tmp_path / "cut"
    calls = []

    def stop_after_two_chunks(done, total):
        calls.append(done)
        if len(calls) == 3:  # the first call reports the start
            raise KeyboardInterrupt

    with pytest.raises(sw.SweepInterrupted) as err:
        sw.run_sweep(baseline, design, outcomes, replicates=10, chunk_points=5, out=out, progress=stop_after_two_chunks)
    assert err.value.done == 10 and err.value.total == design.n_points
    partial = tmp_path / "cut.partial"
    assert err.value.folder == partial and not out.exists()
    assert {"PARTIAL.txt", "sweep.json", "design.parquet", "chunks"} <= {p.name for p in partial.iterdir()}
    assert len(list((partial / "chunks").glob("*.parquet"))) == 2
    note = (partial / "PARTIAL.txt").read_text()
    assert "UNFINISHED SWEEP" in note and "10 of 44 points" in note and "--resume" in note

    with pytest.raises(ScenarioError, match="unfinished sweep is kept here; continue it with --resume"):
        sw.run_sweep(baseline, design, outcomes, replicates=10, out=out)
    with pytest.raises(ScenarioError, match=r"holds a different sweep \(replicates: 10 -> 11\)"):
        sw.run_sweep(baseline, design, outcomes, replicates=11, out=out, resume=True)

    resumed = sw.run_sweep(baseline, design, outcomes, replicates=10, chunk_points=7, out=out, resume=True,
                           plots=False)
    assert resumed.resumed_points == 10
    assert not partial.exists() and (out / "points.parquet").is_file()
    pd.testing.assert_frame_equal(resumed.points, full.points)
    pd.testing.assert_frame_equal(resumed.indices, full.indices)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "points.parquet"), full.points)
    with pytest.raises(ScenarioError, match="already complete"):
        sw.run_sweep(baseline, design, outcomes, replicates=10, out=out, resume=True)


def test_interrupted_sweep_on_two_workers_resumes_to_the_same_result(baseline, real_registry, tmp_path):
    design = sw.make_design(real_registry, "grid", vary={"minsk.unrest_threshold": [0.3, 0.4, 0.5, 0.6, 0.7],
                                                         "minsk.unrest_election_boost": [0.1, 0.2, 0.3, 0.4, 0.5]})
    full = sw.run_sweep(baseline, design, ["unrest@2020"], replicates=8)
    calls = []

    def stop(done, total):
        calls.append(done)
        if len(calls) == 2:
            raise KeyboardInterrupt

    out = tmp_path / "grid"
    with pytest.raises(KeyboardInterrupt):
        sw.run_sweep(baseline, design, ["unrest@2020"], replicates=8, workers=2, chunk_points=1, out=out,
                     progress=stop)
    kept = sw.executors.PartialFolder(out).finished()
    assert 2 <= len(kept) < design.n_points
    resumed = sw.run_sweep(baseline, design, ["unrest@2020"], replicates=8, workers=2, out=out, resume=True,
                           plots=False)
    pd.testing.assert_frame_equal(resumed.points, full.points)


def test_sweep_folder_holds_points_indices_manifest_and_plots(baseline, real_registry, tmp_path):
    design = sw.make_design(real_registry, "sobol", params=SMALL, n=8, seed=5)
    result = sw.run_sweep(baseline, design, ["alignment@2016:2020"], replicates=8, out=tmp_path / "s")
    folder = tmp_path / "s"
    names = {p.name for p in folder.iterdir()}
    assert {"points.parquet", "design.parquet", "indices.csv", "indices_second_order.csv", "manifest.json",
            "plots"} <= names
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and manifest["design"]["kind"] == "sobol"
    assert manifest["points"] == design.n_points == len(result.points)
    assert manifest["seeding"].startswith("point i runs with numpy.random.SeedSequence")
    assert manifest["outcomes"][0]["columns"][:3] == ["alignment@2016", "alignment@2016:p05", "alignment@2016:p95"]
    indices = pd.read_csv(folder / "indices.csv")
    assert len(indices) == 5 * 3
    plots = {p.name for p in (folder / "plots").glob("*.png")}
    assert plots == {"sobol_alignment_2016-2020.png", "sobol_alignment_over_time.png",
                     "sobol_alignment_over_time_panels.png"}


# --------------------------------------------------------------------------- the command line


def test_cli_grid_1d_writes_the_line_plot(tmp_path):
    out = tmp_path / "g1"
    result = invoke("sweep", BASELINE, "--vary", "minsk.unrest_threshold=0.3:0.7:3", "--outcome", "alignment@2018",
                    "--outcome", "P(sanctions_level>=1)@2018", "--replicates", "10", "--out", out)
    assert result.exit_code == 0, result.output
    assert "alignment@2018: from" in result.stdout and f"sweep folder: {out}" in result.stdout
    assert (out / "plots" / "grid_alignment_2018.png").stat().st_size > 1000
    assert (out / "plots" / "grid_P_sanctions_level_ge_1_2018.png").is_file()
    assert not (out / "indices.csv").exists()
    assert len(pd.read_parquet(out / "points.parquet")) == 3


def test_cli_grid_2d_writes_the_heatmap(tmp_path):
    out = tmp_path / "g2"
    result = invoke("sweep", UNREST, "--vary", "minsk.unrest_threshold=0.3:0.7:3", "--vary",
                    "minsk.unrest_election_boost=0.1,0.5", "--outcome", "P(crackdown==1)@2020", "--replicates", "10",
                    "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "plots" / "heatmap_P_crackdown_eq_1_2020.png").stat().st_size > 1000
    points = pd.read_parquet(out / "points.parquet")
    assert len(points) == 6 and list(points.columns[:3]) == ["point", "minsk.unrest_threshold",
                                                             "minsk.unrest_election_boost"]


def test_cli_morris_over_time_prints_the_screening_and_plots_it(tmp_path):
    out = tmp_path / "m"
    result = invoke("sweep", BASELINE, "--sample", "morris", "--n", "3", "--params", "minsk.unrest*",
                    "--outcome", "unrest@2016:2019", "--replicates", "6", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Morris screening for unrest@2019" in result.stdout
    assert (out / "plots" / "morris_unrest_2016-2019.png").is_file()
    assert (out / "plots" / "morris_unrest_over_time.png").is_file()


def test_cli_lhs_writes_points_and_a_scatter(tmp_path):
    out = tmp_path / "l"
    result = invoke("sweep", BASELINE, "--sample", "lhs", "--n", "12", "--params", SMALL, "--outcome",
                    "alignment@2017", "--replicates", "5", "--workers", "2", "--out", out)
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out / "points.parquet")) == 12
    assert (out / "plots" / "scatter_alignment_2017.png").is_file()


@pytest.mark.parametrize("args, message", [
    (["--vary", "minsk.unrest_treshold=0.3:0.7:3"], "did you mean 'minsk.unrest_threshold'?"),
    (["--vary", "minsk.unrest_threshold=0.3:1.7:3"], "not allowed"),
    (["--vary", "minsk.unrest_threshold=0.3-0.7"], "'0.3-0.7' is not a number; e.g. --vary"),
    (["--vary", "minsk.unrest_threshold=0.3:0.7:3", "--vary", "minsk.unrest_threshold=0.3,0.4"], "given twice"),
    (["--vary", "minsk.unrest_threshold=0.3:0.7:3", "--outcome", "alignment@2040"], "outside the scenario's years"),
    (["--vary", "minsk.unrest_threshold=0.3:0.7:3", "--outcome", "P(unrest>)@2020"], "malformed probability"),
    (["--vary", "minsk.unrest_threshold=0.3:0.7:3", "--n", "5"], "--n: applies to --sample"),
    (["--vary", "minsk.unrest_threshold=0.3:0.7:3", "--sample", "lhs"], "not both"),
    (["--sample", "sobol", "--params", "model.base_year"], "cannot be varied"),
    (["--sample", "morris", "--levels", "3"], "even whole number"),
    (["--sample", "lhs", "--replicates", "0"], "--replicates"),
    ([], "choose a design"),
    (["--sample", "sobol", "--resume"], "no unfinished sweep like this one"),
])
def test_cli_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "nothing"
    result = invoke("sweep", BASELINE, *args, "--out", out) if "--resume" not in args else \
        invoke("sweep", BASELINE, *args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert not out.exists() and not sw.partial_path(out).exists()


def test_scheduler_without_dask_names_what_to_install(baseline, real_registry, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    design = sw.make_design(real_registry, "grid", vary={"minsk.unrest_threshold": [0.3, 0.5]})
    with pytest.raises(ScenarioError) as err:
        sw.run_sweep(baseline, design, ["alignment@2016"], replicates=2, scheduler="tcp://127.0.0.1:8786")
    assert "pip install 'balancing-act[cluster]'" in str(err.value) and "\n" not in str(err.value)


# --------------------------------------------------------------------------- a real Dask cluster


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


def test_cluster_sweep_equals_in_process_sweep_point_for_point(dask_cluster, baseline, real_registry):
    design = sw.make_design(real_registry, "sobol", params="minsk.unrest*", n=8, seed=3)
    outcomes = ["alignment@2016:2020", "P(crackdown==1)@2020"]
    on_cluster = sw.run_sweep(baseline, design, outcomes, replicates=15, scheduler=dask_cluster.scheduler_address,
                              chunk_points=9)
    here = sw.run_sweep(baseline, design, outcomes, replicates=15)
    assert on_cluster.scheduler == dask_cluster.scheduler_address
    pd.testing.assert_frame_equal(on_cluster.points, here.points)
    pd.testing.assert_frame_equal(on_cluster.indices, here.indices)


# --------------------------------------------------------------------------- a lost worker

_real_evaluate = sw.evaluate


def _evaluate_or_die(task):
    """Kills its worker process on the chunk starting at point 12 (a lost worker)."""
    import os

    if int(task.points[0]) == 12:
        os._exit(3)
    return _real_evaluate(task)


def test_a_lost_worker_keeps_finished_points_for_resume(baseline, real_registry, tmp_path, monkeypatch):
    design = sw.make_design(real_registry, "grid", vary={"minsk.unrest_threshold": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
                                                         "minsk.unrest_election_boost": [0.1, 0.2, 0.3, 0.4, 0.5]})
    full = sw.run_sweep(baseline, design, ["unrest@2018"], replicates=6)
    out = tmp_path / "lost"
    monkeypatch.setattr(sw, "evaluate", _evaluate_or_die)
    with pytest.raises(sw.SweepFailed, match="a worker process died.*kept in .*lost.partial; continue with --resume"):
        sw.run_sweep(baseline, design, ["unrest@2018"], replicates=6, workers=2, chunk_points=3, out=out)
    monkeypatch.setattr(sw, "evaluate", _real_evaluate)
    assert not out.exists() and (sw.partial_path(out) / "PARTIAL.txt").is_file()
    resumed = sw.run_sweep(baseline, design, ["unrest@2018"], replicates=6, workers=2, out=out, resume=True,
                           plots=False)
    pd.testing.assert_frame_equal(resumed.points, full.points)


def test_interrupted_while_saving_keeps_every_point_and_resume_only_analyses(baseline, real_registry, tmp_path,
                                                                               monkeypatch):
    design = sw.make_design(real_registry, "grid", vary={"minsk.unrest_threshold": [0.3, 0.5, 0.7]})
    out = tmp_path / "late"

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sw, "analyze", ctrl_c)
    with pytest.raises(sw.SweepInterrupted, match="all 3 points are kept in .*late.partial"):
        sw.run_sweep(baseline, design, ["unrest@2017"], replicates=4, out=out)
    monkeypatch.undo()
    assert "3 of 3 points" in (sw.partial_path(out) / "PARTIAL.txt").read_text()
    calls = []
    result = sw.run_sweep(baseline, design, ["unrest@2017"], replicates=4, out=out, resume=True,
                          progress=lambda done, total: calls.append(done))
    assert calls == [3] and result.resumed_points == 3 and (out / "points.parquet").is_file()


def test_designs_too_large_are_refused_up_front_with_one_line(tmp_path):
    from click.testing import CliRunner

    from sim.cli import cli

    for args in (["--vary", "minsk.unrest_threshold=0.3:0.7:100000000"],
                 ["--vary", "minsk.unrest_threshold=0.3:0.7:2000", "--vary", "minsk.weight_subsidy=0.3:2:2000"],
                 ["--sample", "lhs", "--n", "100000000", "--params", "minsk.unrest_threshold"],
                 ["--sample", "sobol", "--n", "1048576", "--params", "all"]):
        result = CliRunner().invoke(cli, ["sweep", str(ROOT / "scenarios" / "baseline.yaml"), *args,
                                          "--out", str(tmp_path / "big")])
        assert result.exit_code == 2, args
        assert "the limit is" in result.output and len(result.output.strip().splitlines()) == 1
        assert list(tmp_path.iterdir()) == []
