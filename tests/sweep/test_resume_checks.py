"""--resume distrusts the chunks it finds: each is checked against the design before its points count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.sweep.runner as sw
from sim.inputs.registry import load_registry
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
OUTCOMES = ["alignment@2016:2019", "P(sanctions_level>=1)@2019"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    registry = load_registry()
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml", registry=registry)
    design = sw.make_design(registry, "grid", vary={"minsk.unrest_threshold": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
                                                    "world.election_cycle_years": [4, 5]})
    full = sw.run_sweep(scenario, design, OUTCOMES, replicates=6, chunk_points=4,
                        out=tmp_path_factory.mktemp("full") / "sw", plots=False)
    return scenario, design, full


def _cut(setup, tmp_path) -> Path:
    scenario, design, _ = setup
    calls = []

    def stop_after_two_chunks(done, total):
        calls.append(done)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(sw.SweepInterrupted):
        sw.run_sweep(scenario, design, OUTCOMES, replicates=6, chunk_points=4, out=tmp_path / "sw",
                     progress=stop_after_two_chunks)
    chunks = sorted((tmp_path / "sw.partial" / "chunks").glob("points-*.parquet"))
    assert len(chunks) == 2
    return chunks[0]


def _negative_point(t):
    t.loc[0, "point"] = -1
    return t


def _drop_column(t):
    return t.drop(columns=[t.columns[-1]])


def _other_value(t):
    t.loc[1, "minsk.unrest_threshold"] = 0.55
    return t


def _nan(t):
    t.iloc[2, -1] = np.nan
    return t


def _repeated_point(t):
    t.loc[1, "point"] = t.loc[0, "point"]
    return t


@pytest.mark.parametrize("tamper, words", [
    (_negative_point, "point ids outside the design"), (_drop_column, "columns differ"),
    (_other_value, "values of minsk.unrest_threshold differ"), (_nan, "not a finite number"),
    (_repeated_point, "repeated"), ("garbage", "unreadable"),
], ids=["point -1", "missing column", "tampered parameter", "NaN", "repeated point", "garbage"])
def test_a_tampered_chunk_is_run_again_and_the_result_is_the_uninterrupted_one(setup, tmp_path, tamper, words):
    scenario, design, full = setup
    chunk = _cut(setup, tmp_path)
    if tamper == "garbage":
        chunk.write_bytes(b"not parquet at all")
    else:
        tamper(pd.read_parquet(chunk)).to_parquet(chunk, index=False)
    resumed = sw.run_sweep(scenario, design, OUTCOMES, replicates=6, chunk_points=4, out=tmp_path / "sw",
                           resume=True, plots=False)
    assert resumed.resumed_points == 4  # only the untouched chunk was trusted
    assert any("did not match the design" in note and words in note for note in resumed.notes), resumed.notes
    pd.testing.assert_frame_equal(resumed.points, full.points)
    assert list(resumed.points["point"]) == list(range(design.n_points))
