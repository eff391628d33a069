"""Run folders' CSV tables: the bytes pandas's ``to_csv`` writes, from the faster writer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.outputs import csv_tables
from sim.outputs.csv_tables import write_csv


@pytest.fixture(scope="module")
def run():
    return sim.run("scenarios/unrest_shock.yaml", replicates=30, end_year=2022, seed=5)


def _same_as_pandas(table: pd.DataFrame, folder, float_format=None) -> None:
    write_csv(table, folder / "fast.csv", float_format)
    table.to_csv(folder / "pandas.csv", index=False, float_format=float_format)
    assert (folder / "fast.csv").read_bytes() == (folder / "pandas.csv").read_bytes()


@pytest.mark.parametrize("name, float_format", [("timeseries", None), ("summary", "%.6g"), ("events", "%.6g"),
                                                ("trace", "%.6g")])
def test_a_runs_tables_are_written_as_pandas_writes_them(run, tmp_path, name, float_format):
    _same_as_pandas(getattr(run, name), tmp_path, float_format)


@pytest.mark.parametrize("float_format", [None, "%.6g"])
def test_awkward_numbers_and_missing_values(tmp_path, float_format):
    floats = [0.1 + 0.2, 1e16, 1e-5, -0.0, 123456789012345.0, 1e22, 5e-324, np.nan, np.inf, -np.inf, 2.5, -7.0]
    table = pd.DataFrame({"replicate": np.arange(len(floats)), "value": floats,
                          "flag": [True, False] * (len(floats) // 2),
                          "name": pd.array(["a", None, "b c", "", "d", "e", "f", "g", "h", "i", "j", "k"],
                                           dtype="string"),
                          "small": np.arange(len(floats), dtype=np.int8)})
    _same_as_pandas(table, tmp_path, float_format)


def test_text_that_needs_quotes_is_left_to_pandas(tmp_path):
    table = pd.DataFrame({"year": [2020, 2021, 2022], "note": ['plain', 'a, b', 'say "no"'],
                          "line": ["x", "y\nz", "w"]})
    _same_as_pandas(table, tmp_path)


def test_tables_longer_than_a_chunk_and_empty_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_tables, "CHUNK_CELLS", 14)  # 7 rows of 2 columns
    rng = np.random.default_rng(3)
    _same_as_pandas(pd.DataFrame({"i": np.arange(50), "x": rng.normal(size=50)}), tmp_path)
    _same_as_pandas(pd.DataFrame({"i": np.arange(50), "x": rng.normal(size=50)}), tmp_path, "%.6g")
    table = pd.DataFrame({"i": np.arange(50), "note": ["fine"] * 40 + ["a, b"] * 10})  # quotes after a chunk
    _same_as_pandas(table, tmp_path)
    _same_as_pandas(pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=int)}), tmp_path)
    _same_as_pandas(pd.DataFrame(), tmp_path)
