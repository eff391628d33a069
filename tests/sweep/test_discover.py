"""Scenario discovery (`sim discover`, `sim.discover`): PRIM finds a known box; CART agrees; bad input is one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import sim
from sim.cli import cli
from sim.inputs.errors import ScenarioError
from sim.sweep.designs import select_parameters
from sim.sweep.discover import discover, load_sweep, parse_target

PARAMS = ["p.a", "p.b", "p.c", "p.d"]


def fake_sweep(folder: Path, n: int = 1000, noise: float = 0.05, seed: int = 3) -> Path:
    """A sweep folder whose outcome is high exactly where p.a < 0.4 and p.b > 0.6 (plus label noise)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, 4))
    inside = (x[:, 0] < 0.4) & (x[:, 1] > 0.6)
    flip = rng.uniform(size=n) < noise
    outcome = np.where(inside ^ flip, 0.5, -0.5) + rng.normal(0, 0.05, n)
    folder.mkdir(parents=True)
    table = pd.DataFrame(x, columns=PARAMS)
    table.insert(0, "point", np.arange(n))
    table["alignment@2030"] = outcome
    table["alignment@2030:p05"] = outcome - 0.2
    table["alignment@2030:p95"] = outcome + 0.2
    table.to_parquet(folder / "points.parquet", index=False)
    manifest = {"scenario": {"name": "synthetic"},
                "design": {"kind": "lhs", "parameters": PARAMS, "ranges": {p: [0, 1] for p in PARAMS}}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_prim_finds_the_known_box_and_cart_agrees(tmp_path):
    found = discover(fake_sweep(tmp_path / "s"), "alignment@2030 > 0")
    box = found.chosen
    assert sorted(box.restricted) == ["p.a", "p.b"], box.restricted  # the noise dimensions are not restricted
    assert abs(box.limits["p.a"][1] - 0.4) < 0.07 and abs(box.limits["p.b"][0] - 0.6) < 0.07
    assert box.density > 0.8 and box.coverage > 0.6
    assert sorted(found.tree_box.restricted) == ["p.a", "p.b"]
    assert abs(found.tree_box.limits["p.a"][1] - 0.4) < 0.07 and abs(found.tree_box.limits["p.b"][0] - 0.6) < 0.07
    words = found.text()
    assert "p.a <= 0.4" in words or "p.a <= 0.3" in words
    assert "(density)" in words and "(coverage)" in words and "Both methods restrict: p.a, p.b" in words


def test_a_box_never_as_dense_as_the_threshold_still_gives_the_trajectory(tmp_path):
    """With a quarter of the labels flipped no box reaches density 0.8: the whole peeling trajectory is kept (the
    EMA Workbench 2.x would otherwise return a 'dump box' of all points) and the densest box with at least half
    the hits is chosen."""
    found = discover(fake_sweep(tmp_path / "s", noise=0.25, seed=4), "alignment@2030 > 0")
    assert found.boxes["density"].max() < 0.8
    assert len(found.boxes) > 5 and found.boxes["mass"].iloc[-1] < 0.5
    box = found.chosen
    assert box.coverage >= 0.5 and box.density > 1.3 * found.base_rate
    assert sorted(box.restricted) == ["p.a", "p.b"]


def test_box_statistics_are_the_shares_they_claim(tmp_path):
    found = discover(fake_sweep(tmp_path / "s"), "alignment@2030 > 0")
    points, box = found.sweep.points, found.chosen
    hits = points["alignment@2030"].to_numpy() > 0
    inside = np.ones(len(points), bool)
    for name, (low, high) in box.limits.items():
        inside &= (points[name] >= low).to_numpy() & (points[name] <= high).to_numpy()
    assert box.mass == pytest.approx(inside.mean())
    assert box.density == pytest.approx(hits[inside].mean())
    assert box.coverage == pytest.approx((hits & inside).sum() / hits.sum())
    trajectory = found.boxes
    assert trajectory.loc[0, "coverage"] == 1.0 and trajectory.loc[0, "mass"] == 1.0  # box 0: all points
    assert trajectory["mass"].iloc[-1] < 0.5  # peeled (pasting may then grow it a little)


def test_save_writes_boxes_tree_plots_and_the_cli_prints_the_box(tmp_path):
    sweep = fake_sweep(tmp_path / "s")
    out = tmp_path / "found"
    result = CliRunner().invoke(cli, ["discover", str(sweep), "--target", "alignment@2030 > 0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "density" in result.output and "coverage" in result.output and "p.a" in result.output
    boxes = pd.read_csv(out / "boxes.csv")
    assert {"box", "coverage", "density", "mass", "points", "restricted", "p.a:low", "p.a:high"} <= set(boxes.columns)
    assert len(boxes) > 5
    assert (out / "tree.txt").read_text().startswith("|---")
    summary = json.loads((out / "discovery.json").read_text())
    assert set(summary["prim"]["restrictions"]) == {"p.a", "p.b"}
    for stem in ("tradeoff", "box"):
        assert (out / "plots" / f"{stem}.png").stat().st_size > 1000


def test_choosing_a_box_by_index_and_the_api_name(tmp_path):
    sweep = fake_sweep(tmp_path / "s")
    found = sim.discover(sweep, "alignment@2030 > 0", box=3)
    assert found.chosen_index == 3
    with pytest.raises(ScenarioError, match="not a box of the trajectory"):
        sim.discover(sweep, "alignment@2030 > 0", box=10_000)


@pytest.mark.parametrize("target, message", [
    ("alignmnt@2030 > 0", "did you mean 'alignment@2030'"),
    ("alignment@2030 >> 0", "is not OUTCOME OP VALUE"),
    ("alignment@2030 > nan", "not a finite number"),
    ("alignment@2030 > 1e400", "not a finite number"),
    ("alignment@2030 > 5", "holds at no point"),
    ("alignment@2030 > -5", "holds at every point"),
    ("p.a > 0.5", "not an outcome of this sweep"),
])
def test_bad_targets_are_one_line(tmp_path, target, message):
    sweep = fake_sweep(tmp_path / "s", n=100)
    result = CliRunner().invoke(cli, ["discover", str(sweep), "--target", target])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert not list(sweep.glob("discovery-*")), "nothing written"


def test_broken_sweep_folders_are_one_line(tmp_path):
    cases = {}
    cases["not a folder"] = tmp_path / "nothing"
    no_points = fake_sweep(tmp_path / "no_points", n=50)
    (no_points / "points.parquet").unlink()
    cases["points.parquet"] = no_points
    bad_json = fake_sweep(tmp_path / "bad_json", n=50)
    (bad_json / "manifest.json").write_text("{not json")
    cases["unreadable manifest"] = bad_json
    no_design = fake_sweep(tmp_path / "no_design", n=50)
    (no_design / "manifest.json").write_text(json.dumps({"design": {"parameters": []}}))
    cases["design parameters"] = no_design
    garbage = fake_sweep(tmp_path / "garbage", n=50)
    (garbage / "points.parquet").write_bytes(b"PAR1 not really")
    cases["unreadable table"] = garbage
    nan = fake_sweep(tmp_path / "nan", n=50)
    table = pd.read_parquet(nan / "points.parquet")
    table.loc[3, "p.c"] = np.nan
    table.to_parquet(nan / "points.parquet")
    cases["not finite"] = nan
    text = fake_sweep(tmp_path / "text", n=50)
    table = pd.read_parquet(text / "points.parquet")
    table["alignment@2030"] = table["alignment@2030"].astype(str)
    table.loc[0, "alignment@2030"] = "oops"
    table.to_parquet(text / "points.parquet")
    cases["not finite numbers"] = text
    lost = fake_sweep(tmp_path / "lost_column", n=50)
    pd.read_parquet(lost / "points.parquet").drop(columns=["p.b"]).to_parquet(lost / "points.parquet")
    cases["no column for the design parameter"] = lost
    few = fake_sweep(tmp_path / "few", n=10)
    cases["too few"] = few
    for message, folder in cases.items():
        result = CliRunner().invoke(cli, ["discover", str(folder), "--target", "alignment@2030 > 0"])
        assert result.exit_code == 2, (message, result.output)
        assert message in result.output and len(result.output.strip().splitlines()) == 1, (message, result.output)


@pytest.mark.parametrize("option, value", [("--min-coverage", "1.5"), ("--threshold", "-1"), ("--peel-alpha", "0.9")])
def test_bad_settings_are_one_line(tmp_path, option, value):
    sweep = fake_sweep(tmp_path / "s", n=100)
    result = CliRunner().invoke(cli, ["discover", str(sweep), "--target", "alignment@2030 > 0", option, value])
    assert result.exit_code == 2 and "allowed" in result.output and len(result.output.strip().splitlines()) == 1


def test_parse_target_reads_probability_outcomes():
    target = parse_target("P(sanctions_level>=1)@2025 >= 0.5", ["P(sanctions_level>=1)@2025"])
    assert (target.column, target.op, target.value) == ("P(sanctions_level>=1)@2025", ">=", 0.5)


def test_params_all_samples_only_uncertainties_unless_asked():
    registry = sim.load_registry()
    chosen = select_parameters(registry, "all")
    left_out = {pid for pid, p in registry.items() if p.low < p.high and not p.uncertain}
    assert {"minsk.alignment_2015", "trade.russia_share_2015", "world.ukraine_war_ongoing"} <= left_out
    assert not left_out & set(chosen)
    assert left_out <= set(select_parameters(registry, "all", include_fixed=True))
    assert "minsk.alignment_2015" in select_parameters(registry, "minsk.alignment_2015")  # by name: allowed


def test_a_real_sweep_is_discoverable(tmp_path):
    """End to end on the model: an LHS sweep of four parameters, then discovery of its high-alignment points."""
    from sim import sweep as sw

    scenario = sim.load_scenario("scenarios/baseline.yaml")
    params = "minsk.campaign_balance_preference,minsk.weight_subsidy,moscow.subsidy_step,world.oil_price_long_run"
    design = sw.make_design(sim.load_registry(), "lhs", params=params, n=200, seed=5)
    sw.run_sweep(scenario, design, ["alignment@2030"], replicates=20, out=tmp_path / "lhs", plots=False)
    sweep = load_sweep(tmp_path / "lhs")
    cut = float(np.quantile(sweep.points["alignment@2030"], 0.8))
    found = discover(sweep, f"alignment@2030 > {cut}")
    assert found.chosen.density > 2 * found.base_rate
    assert found.chosen.restricted
