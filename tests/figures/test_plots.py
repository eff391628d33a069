"""Figures: every file is written, PNGs are real images, event lines and captions are there."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

import sim
from sim.common.variables import OUTPUTS, SANCTIONS_LEVELS
from sim.inputs.scenario import ScenarioWarning
from sim.figures.runs import KEY_OUTPUTS, THRESHOLD_LABEL, level_shares, plot_compare, plot_run, unrest_threshold

RUN_STEMS = [f"fan_{o}" for o in KEY_OUTPUTS if o in OUTPUTS] + ["trade_shares", "event_probabilities", "overview"]
UNREST_STEMS = [f"fan_{o}" for o in ("unrest", "unrest_faced") if o in OUTPUTS] + ["overview"]


@pytest.fixture(scope="module")
def unrest():
    return sim.run("scenarios/unrest_shock.yaml", replicates=40, end_year=2023)


@pytest.fixture(scope="module")
def baseline():
    return sim.run("scenarios/baseline.yaml", replicates=50, end_year=2022)


@pytest.fixture(scope="module")
def run_plots(unrest, tmp_path_factory):
    import matplotlib.pyplot as plt

    open_before = plt.get_fignums()
    folder = tmp_path_factory.mktemp("plots") / "run"
    written = plot_run(unrest, folder)
    return folder, written, open_before, plt.get_fignums()


def _check_png(path: Path) -> None:
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 300
    assert float(np.std(image)) > 0, f"{path.name} is blank"


def test_plot_run_writes_every_png_and_svg(run_plots):
    folder, written, _, _ = run_plots
    expected = {folder / f"{stem}.{ext}" for stem in RUN_STEMS for ext in ("png", "svg")}
    assert set(written) == expected
    assert len(written) == len(expected)
    for path in expected:
        assert path.is_file() and path.stat().st_size > 1000, path.name
    for stem in RUN_STEMS:
        _check_png(folder / f"{stem}.png")


def test_alignment_fan_marks_the_scenario_event_and_has_caption(run_plots, unrest):
    folder, *_ = run_plots
    svg = (folder / "fan_alignment.svg").read_text(encoding="utf-8")
    note = unrest.scenario["events"][0]["note"]
    first_words = " ".join(note.split()[:3])  # "Mass protests around"
    assert first_words in svg
    assert "2020" in svg
    assert f"seed {unrest.seed}" in svg and f"{unrest.replicates} replicates" in svg
    assert "Russia" in svg and "West" in svg  # direction hints on the alignment axis
    assert "election year" in svg  # elections shaded and named in the legend


def test_overview_lists_events_and_event_chart_has_probabilities(run_plots):
    folder, *_ = run_plots
    overview = (folder / "overview.svg").read_text(encoding="utf-8")
    assert "Mass protests around" in overview
    events = (folder / "event_probabilities.svg").read_text(encoding="utf-8")
    for label in ("Minsk cracks down", "EU eases sanctions", "broad EU sanctions"):
        assert label in events


def test_overview_shows_the_unrest_the_regime_faced(run_plots):
    folder, *_ = run_plots
    overview = (folder / "overview.svg").read_text(encoding="utf-8")
    assert OUTPUTS["unrest_faced"].title in overview  # what a crackdown answered, not what was left after it
    assert f">{OUTPUTS['unrest'].title}<" not in overview and OUTPUTS["unrest"].title not in overview


def test_overview_shows_sanctions_as_shares_of_worlds_at_each_level(run_plots):
    folder, *_ = run_plots
    overview = (folder / "overview.svg").read_text(encoding="utf-8")
    assert "EU sanctions: share of worlds at each level" in overview
    for name in SANCTIONS_LEVELS.values():
        assert f"sanctions {name}" in overview
    assert "(mean)" not in overview and "sanctions: mean" not in overview


def test_level_shares_are_the_worlds_at_each_level(unrest):
    shares = level_shares(unrest.events)
    table = unrest.timeseries
    assert list(shares.columns) == list(SANCTIONS_LEVELS)
    assert shares.index.tolist() == sorted(table["year"].unique().tolist())
    assert np.allclose(shares.sum(axis=1), 1)
    for year, row in shares.iterrows():
        levels = table.loc[table["year"] == year, "sanctions_level"].round()
        for level in SANCTIONS_LEVELS:
            assert row[level] == pytest.approx((levels == level).mean())


def test_unrest_charts_draw_the_crackdown_threshold_the_run_had(run_plots, unrest):
    folder, *_ = run_plots
    threshold = unrest_threshold(unrest)
    assert list(threshold.index) == unrest.years
    for year, value in threshold.items():
        assert value == unrest.parameter_value("minsk.unrest_threshold", year)
    label = f"{THRESHOLD_LABEL} ({threshold.iloc[0]:g})"
    for stem in UNREST_STEMS:
        assert label in (folder / f"{stem}.svg").read_text(encoding="utf-8"), stem
    assert THRESHOLD_LABEL not in (folder / "fan_alignment.svg").read_text(encoding="utf-8")


def test_the_threshold_follows_the_scenarios_changes_to_it(tmp_path):
    path = tmp_path / "threshold.yaml"
    path.write_text(f"name: threshold\nbase: {Path('scenarios/unrest_shock.yaml').resolve()}\n"
                    "parameters:\n  minsk.unrest_threshold: 0.31\n"
                    "events:\n  - year: 2019\n    set:\n      minsk.unrest_threshold: 0.62\n"
                    "    note: a harder regime\n", encoding="utf-8")
    with pytest.warns(ScenarioWarning, match="cites no source"):
        scenario = sim.load_scenario(path)
    result = sim.run(scenario, replicates=20, end_year=2022)
    threshold = unrest_threshold(result)
    assert (threshold.loc[:2018] == 0.31).all() and (threshold.loc[2019:] == 0.62).all()
    written = plot_run(result, tmp_path / "plots", svg=True)
    svg = next(p for p in written if p.name == "fan_unrest.svg").read_text(encoding="utf-8")
    assert f"{THRESHOLD_LABEL} (0.31 to 0.62)" in svg


def test_plot_run_leaves_no_open_figures(run_plots):
    _, _, open_before, open_after = run_plots
    assert open_after == open_before


def test_plot_compare_overlays_scenarios_with_different_horizons(baseline, tmp_path):
    short = sim.run("scenarios/unrest_shock.yaml", replicates=30, end_year=2020)
    folder = tmp_path / "compare"
    written = plot_compare([baseline, short], folder, outputs=["alignment", "unrest", "sanctions_level"])
    expected = {folder / f"compare_{o}.{ext}" for o in ("alignment", "unrest", "sanctions_level")
                for ext in ("png", "svg")}
    assert set(written) == expected
    for path in expected:
        assert path.stat().st_size > 1000
    _check_png(folder / "compare_alignment.png")
    svg = (folder / "compare_unrest.svg").read_text(encoding="utf-8")
    assert "baseline" in svg and "unrest_shock" in svg
    assert f"seed {baseline.seed}, 50 replicates" in svg and f"seed {short.seed}, 30 replicates" in svg
    assert "2022" in svg  # the x axis spans the union of years


def test_plot_compare_disambiguates_repeated_names(baseline, tmp_path):
    written = plot_compare([baseline, baseline], tmp_path, outputs=["unrest"])
    svg = next(p for p in written if p.suffix == ".svg").read_text(encoding="utf-8")
    assert "baseline#2" in svg


def test_result_save_draws_plots(unrest, tmp_path):
    folder = unrest.save(tmp_path / "run", svg=True)
    assert (folder / "plots" / "overview.png").is_file()
    assert (folder / "plots" / "fan_alignment.svg").is_file()
    lean = unrest.save(tmp_path / "png-only")  # PNG only unless asked: SVG doubles the drawing
    assert (lean / "plots" / "fan_alignment.png").is_file() and not list((lean / "plots").glob("*.svg"))


def test_readers_do_not_import_the_model():
    import subprocess
    import sys

    code = "import sys, sim.figures.runs, sim.outputs.compare; assert 'sim.model.model' not in sys.modules, 'model imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_figures_drawn_in_parallel_are_the_files_drawn_one_by_one(unrest, tmp_path):
    one = plot_run(unrest, tmp_path / "one", svg=False, workers=1)
    two = plot_run(unrest, tmp_path / "two", svg=False, workers=2)
    assert [p.name for p in one] == [p.name for p in two] == [f"{stem}.png" for stem in RUN_STEMS]
    for a, b in zip(one, two):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_a_figure_that_cannot_be_written_is_an_error_in_parallel_too(unrest, tmp_path):
    folder = tmp_path / "plots"
    folder.mkdir()
    (folder / "overview.png").mkdir()  # a folder where the overview's file should go
    with pytest.raises(OSError):
        plot_run(unrest, folder, svg=False, workers=2)
