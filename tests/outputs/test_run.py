"""`sim run` and the Python API: run folders, atomic writes, --set, and the terminal summary."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import sim
from sim.cli import cli
from sim.outputs.results import SUMMARY_COLUMNS, Result
from sim.common.variables import OUTPUTS

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("runs") / "sanctions"
    result = invoke("run", str(SCENARIOS / "sanctions_lifted.yaml"), "--replicates", "60", "--end-year", "2022",
                    "--svg", "--out", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def test_run_folder_holds_manifest_tables_and_plots(run_folder):
    names = {p.name for p in run_folder.iterdir()}
    assert {"manifest.json", "timeseries.csv", "summary.csv", "events.csv", "trace.csv", "plots"} <= names
    timeseries = pd.read_csv(run_folder / "timeseries.csv")
    assert list(timeseries.columns) == ["replicate", "year", *OUTPUTS]
    assert len(timeseries) == 60 * (2022 - 2015 + 1)
    summary = pd.read_csv(run_folder / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert set(summary["output"]) == set(OUTPUTS)
    assert (summary["p05"] <= summary["p50"] + 1e-9).all() and (summary["p50"] <= summary["p95"] + 1e-9).all()
    events = pd.read_csv(run_folder / "events.csv")
    assert {"crackdown", "sanctions_eased", "sanctions_any"} <= set(events["event"])
    assert events["probability"].between(0, 1).all()
    pngs = list((run_folder / "plots").glob("*.png"))
    svgs = list((run_folder / "plots").glob("*.svg"))
    assert pngs and len(pngs) == len(svgs)
    assert all(p.stat().st_size > 1000 for p in pngs)


def test_manifest_records_what_is_needed_to_reproduce_the_run(run_folder):
    manifest = json.loads((run_folder / "manifest.json").read_text())
    assert manifest["scenario"]["name"] == "sanctions_lifted"
    assert manifest["scenario"]["events"][0]["year"] == 2016
    assert manifest["replicates"] == 60 and manifest["seed"] == manifest["scenario"]["seed"]
    assert manifest["years"] == [2015, 2022]
    threshold = manifest["parameters"]["minsk.unrest_threshold"]
    assert threshold["source"] == "registry" and "value" in threshold and threshold["evidence"]
    assert {"mesa", "numpy", "python"} <= set(manifest["versions"])
    assert manifest["started"] <= manifest["finished"]
    assert manifest["schema_version"] == 1


def test_api_result_matches_the_files_it_saves(tmp_path):
    scenario = sim.load_scenario(SCENARIOS / "unrest_shock.yaml", overrides={"minsk.unrest_threshold": 0.4})
    result = sim.run(scenario, replicates=40, seed=3)
    folder = result.save(tmp_path / "run", plots=False)
    on_disk = pd.read_csv(folder / "timeseries.csv")
    assert list(on_disk.columns) == list(result.timeseries.columns)
    pd.testing.assert_frame_equal(on_disk, result.timeseries, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_csv(folder / "summary.csv"), result.summary, check_dtype=False, rtol=1e-5)
    reloaded = Result.load(folder)
    assert reloaded.seed == 3 and reloaded.replicates == 40
    assert json.loads((folder / "manifest.json").read_text())["parameters"]["minsk.unrest_threshold"] == {
        **reloaded.parameters["minsk.unrest_threshold"]}
    assert reloaded.parameters["minsk.unrest_threshold"]["value"] == 0.4
    assert reloaded.parameters["minsk.unrest_threshold"]["source"] == "scenario"


def test_same_seed_gives_byte_identical_timeseries(tmp_path):
    for name in ("a", "b"):
        assert invoke("run", str(SCENARIOS / "baseline.yaml"), "--replicates", "30", "--end-year", "2020",
                      "--seed", "9", "--no-plots", "--out", str(tmp_path / name)).exit_code == 0
    assert (tmp_path / "a" / "timeseries.csv").read_bytes() == (tmp_path / "b" / "timeseries.csv").read_bytes()


def test_set_overrides_a_parameter_and_is_validated_like_the_loader(tmp_path):
    result = invoke("run", str(SCENARIOS / "baseline.yaml"), "--replicates", "20", "--end-year", "2017",
                    "--no-plots", "--set", "minsk.unrest_threshold=0.35", "--out", str(tmp_path / "ok"))
    assert result.exit_code == 0
    manifest = json.loads((tmp_path / "ok" / "manifest.json").read_text())
    assert manifest["parameters"]["minsk.unrest_threshold"]["value"] == 0.35

    for bad, expected in [("minsk.unrest_treshold=0.4", "did you mean 'minsk.unrest_threshold'"),
                          ("minsk.unrest_threshold=1.5", "from 0 to 1"),
                          ("minsk.unrest_threshold=high", "minsk.unrest_threshold"),
                          ("no_equals_sign", "ID=VALUE")]:
        runner = CliRunner()
        out = tmp_path / "bad"
        result = runner.invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--set", bad, "--out", str(out)])
        assert result.exit_code == 2, bad
        assert expected in result.output, (bad, result.output)
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert not out.exists()


def test_bad_run_options_exit_2_with_one_line(tmp_path):
    for args in (["--replicates", "0"], ["--end-year", "2010"], ["--seed", "-1"]):
        result = CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), *args,
                                          "--out", str(tmp_path / "x")])
        assert result.exit_code == 2, args
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert not (tmp_path / "x").exists()


def test_existing_output_folder_is_refused(tmp_path):
    (tmp_path / "taken").mkdir()
    result = CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--out", str(tmp_path / "taken")])
    assert result.exit_code == 2 and "already exists" in result.output


def test_interrupted_save_leaves_no_folder_and_says_so(tmp_path, monkeypatch):
    def interrupted_write(self, target, plots):
        (target / "timeseries.csv").write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Result, "_write", interrupted_write)
    result = CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--replicates", "10",
                                      "--end-year", "2016", "--out", str(tmp_path / "run")])
    assert result.exit_code == 130
    assert "interrupted" in result.output and "no run folder" in result.output
    assert list(tmp_path.iterdir()) == []


def test_default_folder_is_results_name_run_id(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", str(SCENARIOS / "baseline.yaml"), "--replicates", "5", "--end-year", "2016", "--no-plots")
    assert result.exit_code == 0
    runs = list((tmp_path / "results" / "baseline").iterdir())
    assert len(runs) == 1 and runs[0].name.endswith("-seed20151011")
    assert f"run folder: {Path('results') / 'baseline' / runs[0].name}" in result.output


def test_terminal_summary_shows_headline_outputs_with_bands(run_folder, tmp_path):
    result = invoke("run", str(SCENARIOS / "baseline.yaml"), "--replicates", "30", "--end-year", "2021",
                    "--no-plots", "--out", str(tmp_path / "r"))
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("output"))
    assert "2015" in header and "2018" in header and "2021" in header
    assert any(line.startswith("alignment") and "[" in line for line in lines)
    assert any(line.startswith("sanctions_level") for line in lines)


def test_every_library_scenario_validates_and_runs():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = sim.load_scenario(path)
        assert scenario.title and scenario.description and len(scenario.questions) >= 2, path.name
        if scenario.name != "baseline":
            assert scenario.events and all(event.citations for event in scenario.events), path.name
        result = sim.run(scenario, replicates=20)
        assert result.timeseries["year"].max() == scenario.end_year
