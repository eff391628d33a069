"""Run folders: timeseries.parquet always, timeseries.csv up to 10,000 worlds or with --csv; readers take either."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim.outputs.results as results
from sim.outputs.results import Result

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASELINE = str(SCENARIOS / "baseline.yaml")


def test_small_runs_write_both_files_with_the_same_numbers(run_cli, tmp_path):
    out = tmp_path / "run"
    assert run_cli("run", BASELINE, "--replicates", "12", "--end-year", "2018", "--no-plots",
                   "--out", str(out)).exit_code == 0
    parquet, csv = pd.read_parquet(out / "timeseries.parquet"), pd.read_csv(out / "timeseries.csv")
    pd.testing.assert_frame_equal(parquet, csv, check_exact=False, rtol=0, atol=0)


@pytest.mark.slow
def test_large_runs_write_parquet_only_unless_asked_and_every_reader_takes_it(run_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(results, "CSV_MAX_WORLDS", 10)
    big, asked = tmp_path / "big", tmp_path / "asked"
    assert run_cli("run", BASELINE, "--replicates", "11", "--end-year", "2018", "--no-plots",
                   "--out", str(big)).exit_code == 0
    assert (big / "timeseries.parquet").is_file() and not (big / "timeseries.csv").exists()
    assert "timeseries.csv" not in Result.load(big).manifest()["files"]
    assert run_cli("run", BASELINE, "--replicates", "11", "--end-year", "2018", "--no-plots", "--csv",
                   "--out", str(asked)).exit_code == 0
    assert (asked / "timeseries.csv").is_file()
    loaded = Result.load(big)
    assert loaded.timeseries.shape == (11 * 4, loaded.timeseries.shape[1])
    rerun = run_cli("rerun", str(big))
    assert rerun.exit_code == 0 and "reproduced" in rerun.output
    assert run_cli("compare", str(big), str(asked), "--years", "2018", "--out", str(tmp_path / "cmp")).exit_code == 0
    assert run_cli("explain", str(big), "--year", "2017").exit_code == 0
    assert run_cli("report", str(big), "--out", str(tmp_path / "r.html")).exit_code == 0


def test_folders_with_only_the_csv_still_load(run_cli, tmp_path):
    out = tmp_path / "old"
    assert run_cli("run", BASELINE, "--replicates", "5", "--end-year", "2017", "--no-plots",
                   "--out", str(out)).exit_code == 0
    expected = Result.load(out).timeseries
    (out / "timeseries.parquet").unlink()  # as folders written before the Parquet file
    pd.testing.assert_frame_equal(Result.load(out).timeseries, expected)


def test_a_damaged_parquet_file_is_a_one_line_error(run_cli, tmp_path):
    out = tmp_path / "run"
    assert run_cli("run", BASELINE, "--replicates", "5", "--end-year", "2017", "--no-plots",
                   "--out", str(out)).exit_code == 0
    (out / "timeseries.parquet").write_bytes(b"not parquet")
    result = run_cli("explain", str(out), "--year", "2017")
    assert result.exit_code == 2 and "cannot read the run tables" in result.output
