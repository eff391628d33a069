"""`sim ui`: the web app's pure helpers (settings, reruns, A/B, the record overlay), its model class and the command."""

from __future__ import annotations

import inspect
import socket
from pathlib import Path

import numpy as np
import pytest

from sim.cli import cli
from sim.common.formats import percent
from sim.explain.views import AGAINST_THE_ODDS
from sim.inputs.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
INSTALL_LINE = "error: sim ui needs the ui extra: python3 -m pip install -e '.[ui]'"


# --------------------------------------------------------------------------- the command (no solara needed)


def test_without_the_ui_extra_sim_ui_says_what_to_install(run_cli, monkeypatch):
    import sim.ui

    monkeypatch.setattr(sim.ui, "missing_dependency", lambda: "solara")
    result = run_cli("ui")
    assert result.exit_code == 2
    assert result.stderr.strip() == INSTALL_LINE
    assert result.stdout == ""


def test_a_bad_scenario_file_is_one_line_and_exit_2(run_cli, tmp_path):
    pytest.importorskip("solara", reason="the ui extra is not installed")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    result = run_cli("ui", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_a_port_in_use_is_one_line_and_exit_2(run_cli):
    pytest.importorskip("solara", reason="the ui extra is not installed")
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = taken.getsockname()[1]
        result = run_cli("ui", "--port", port)
    finally:
        taken.close()
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert f"127.0.0.1:{port}" in result.stderr


def test_bind_defaults_to_the_loopback_address():
    import sim.ui

    sock = sim.ui.bind(sim.ui.DEFAULT_HOST, 0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


def test_sim_ui_is_listed_in_help(run_cli):
    result = run_cli("--help")
    assert "ui" in result.stdout.split("Commands:")[1]


# --------------------------------------------------------------------------- the page module


@pytest.fixture(scope="module")
def app():
    pytest.importorskip("solara", reason="the ui extra is not installed: python3 -m pip install -e '.[ui]'")
    import sim.ui.app as app

    return app


def test_the_page_offers_the_project_scenarios_baseline_first(app):
    files = app.scenario_files()
    assert list(files)[0] == "baseline"
    assert set(files) == {p.stem for p in (ROOT / "scenarios").glob("*.yaml")}
    assert list(app.SCENARIOS)[0] == "baseline"


def test_a_scenario_given_on_the_command_line_is_the_only_choice(app, tmp_path):
    given = tmp_path / "mine.yaml"
    assert app.scenario_files(given) == {"mine": given}


def test_the_browser_cannot_name_a_file(app):
    for name in ("../seeds/parameters", "/etc/passwd", "scenarios/baseline.yaml", "nonexistent"):
        with pytest.raises(ScenarioError, match="unknown scenario"):
            app.BalancingAct(scenario_name=name)
        with pytest.raises(ScenarioError, match="unknown scenario"):
            app.Setting.of(name, {})
        with pytest.raises(ScenarioError, match="unknown scenario"):
            app.run_setting(app.Setting(name))


def test_excerpt_cuts_at_a_word_with_an_ellipsis(app):
    assert app.excerpt("short  text\n", 20) == "short text"
    cut = app.excerpt("the seeds show a low threshold of several thousand protesters", 30)
    assert cut.endswith("…") and len(cut) <= 30 and "thres…" not in cut


def test_captions_name_the_source_or_say_assumption(app):
    registry, sources = app.REGISTRY, app.SOURCES
    assumed = app.caption(registry["minsk.unrest_threshold"], sources)
    assert assumed.startswith("ASSUMPTION: the seeds show")
    cited = app.caption(registry["moscow.subsidy_max"], sources)
    assert cited == "HuffPost-2016: “Russia provided subsidies worth 20% of Belarus's GDP”"


@pytest.mark.parametrize("low, high, value, integer", [
    (0.3, 0.7, 0.45, False), (2, 10, 6, False), (0.45, 0.5, 0.48, False), (35, 110, 65, False),
    (0.2, 2.5, 0.75, False), (0, 20, 10, False), (0, 6, 3, True), (40, 600, 120, True), (16, 25, 20, False),
])
def test_slider_steps_are_round_and_hit_the_value_and_both_ends(app, low, high, value, integer):
    step = app.slider_step(low, high, value, integer)
    assert (high - low) / step >= 20 - 1e-9 or integer
    for distance in (value - low, high - low):
        assert abs(distance / step - round(distance / step)) < 1e-6
    mantissa = step / 10 ** np.floor(np.log10(step))
    assert round(mantissa, 6) in (1, 2, 5)
    if integer:
        assert step >= 1 and step == int(step)


def test_every_slider_is_a_registry_parameter_with_its_range_and_evidence(app):
    sliders = app.make_sliders(app.REGISTRY, app.SOURCES, app.STARTS)
    assert 8 <= len(sliders) <= 12
    for pid, slider in sliders.items():
        p = app.REGISTRY[pid]
        assert (slider.min, slider.max) == (p.low, p.high)
        assert slider.min <= slider.value <= slider.max
        assert slider.value == app.STARTS[pid]
        assert ("ASSUMPTION: " in slider.label) == bool(p.assumption)
        if not p.assumption:
            assert p.source_short(app.SOURCES).split(",")[0] in slider.label


def test_a_slider_left_alone_keeps_the_scenarios_value(app):
    starts = {"minsk.unrest_threshold": 0.45, "brussels.prisoner_tolerance": 10.0}
    assert app.slider_overrides({"minsk.unrest_threshold": 0.45}, app.REGISTRY, starts) == {}
    moved = app.slider_overrides({"minsk.unrest_threshold": 0.7, "brussels.prisoner_tolerance": 99},
                                 app.REGISTRY, starts)
    assert moved == {"minsk.unrest_threshold": 0.7, "brussels.prisoner_tolerance": 20.0}  # kept within range
    with pytest.raises(ScenarioError):
        app.slider_overrides({"minsk.rationality": 1.0}, app.REGISTRY, starts)
    with pytest.raises(ScenarioError):
        app.slider_overrides({"minsk.unrest_threshold": "0.5"}, app.REGISTRY, starts)


def test_a_setting_holds_only_the_sliders_moved_from_the_scenarios_values(app):
    assert app.Setting.of("baseline", app.STARTS) == app.Setting("baseline", ())
    moved = app.Setting.of("baseline", {**app.STARTS, "minsk.unrest_threshold": 0.7, "brussels.prisoner_tolerance": 99})
    assert dict(moved.moved) == {"minsk.unrest_threshold": 0.7, "brussels.prisoner_tolerance": 20.0}
    assert moved.values() == {**app.STARTS, "minsk.unrest_threshold": 0.7, "brussels.prisoner_tolerance": 20.0}
    assert hash(moved) == hash(app.Setting.of("baseline", moved.values()))  # a cache key


def test_a_rerun_runs_every_world_to_the_end_year_and_is_kept(app):
    setting = app.Setting.of("unrest_shock", {"minsk.unrest_threshold": 0.7})
    model, seconds = app.run_setting(setting)
    assert model.year == model.end_year == app.SCENARIOS["unrest_shock"].end_year
    assert model.replicates == app.UI_REPLICATES
    assert model.params["minsk.unrest_threshold"] == 0.7 and model.ui_overrides == {"minsk.unrest_threshold": 0.7}
    assert seconds > 0
    again, kept_seconds = app.run_setting(setting)
    assert again is model and kept_seconds == 0.0
    # The scenario's seed: the same settings give the same worlds, so A and B differ only by their settings.
    fresh = app.BalancingAct("unrest_shock", **dict(setting.moved)).run()
    assert np.array_equal(fresh.history["alignment"], model.history["alignment"])


def test_the_differences_between_a_and_b_name_the_sliders(app):
    a = app.Setting("baseline")
    b = app.Setting.of("baseline", {"minsk.unrest_threshold": 0.7})
    assert app.differences(a, a) == []
    assert "same settings" in app.differences_text(a, a)
    start = app.format_number(app.STARTS["minsk.unrest_threshold"])
    assert app.differences(a, b) == [f"Unrest that makes Minsk crack down: {start} → 0.7"]
    c = app.Setting("war_2022")
    assert app.differences(a, c)[0] == "scenario baseline → war_2022"
    assert app.differences_text(a, b).startswith("A → B: Unrest that makes Minsk crack down")


def test_compute_draws_one_setting_and_a_b_side_by_side(app):
    a = app.Setting("baseline")
    b = app.Setting.of("baseline", {"minsk.unrest_threshold": 0.7})
    one = app.compute(b)
    assert not one.error and one.kept is None and one.differences == ""
    assert one.year == app.SCENARIOS["baseline"].end_year
    assert set(one.charts) == set(app.live.FIGURES) and all(png.startswith(b"\x89PNG") for png in one.charts.values())
    assert "median (A)" not in one.headline and "now <b>0.7</b>" in one.sources
    both = app.compute(b, a, year=2020)
    assert both.year == 2020 and "Year 2020" in both.headline and "median (A)" in both.headline
    assert both.differences.startswith("A → B: ")
    assert all(both.charts[name] != one.charts[name] for name in app.live.FIGURES)
    cancelled = __import__("threading").Event()
    cancelled.set()
    assert app.compute(b, a, cancel=cancelled) is None


def test_the_year_shown_stays_within_the_years_run(app):
    model, _ = app.run_setting(app.Setting("baseline"))
    assert app.year_shown(model) == model.end_year
    assert app.year_shown(model, 1990) == model.start_year and app.year_shown(model, 2100) == model.end_year
    assert app.headline(model, 2020)["year"] == 2020
    assert {d["decision"] for d in app.minsk_decisions(model, 2020)} == {"foreign", "domestic"}


def test_a_step_moves_the_year(app):
    model = app.BalancingAct()
    model.step()
    assert model.year == model.base_year + 1
    assert app.shown_years(model).tolist() == [2015, 2016]


@pytest.fixture(scope="module")
def stepped(app):
    model = app.BalancingAct(scenario_name="unrest_shock")
    for _ in range(6):  # to 2021, after the 2020 protests
        model.step()
    return model


def test_fan_percentiles_are_ordered(app, stepped):
    table = app.fan(stepped, "alignment")
    assert table.year.tolist() == list(range(2015, 2022))
    assert (table.p05 <= table.p25).all() and (table.p25 <= table.p50).all()
    assert (table.p50 <= table.p75).all() and (table.p75 <= table.p95).all()


def test_sanctions_level_shares_add_up_to_one(app, stepped):
    table = app.level_shares(stepped)
    assert np.allclose(table[[0, 1, 2]].sum(axis=1), 1)


def test_headline_gives_medians_inside_their_bands(app, stepped):
    h = app.headline(stepped)
    assert h["year"] == 2021 and h["worlds"] == app.UI_REPLICATES
    for key in ("alignment", "russia_trade_share", "eu_trade_share", "unrest"):
        median, low, high = h[key]
        assert low <= median <= high
    assert sum(h["sanctions"].values()) == pytest.approx(1)
    assert 0 <= h["crackdown"] <= 1


def test_minsk_decision_trace_of_this_year(app, stepped):
    decisions = app.minsk_decisions(stepped)
    assert [d["decision"] for d in decisions] == ["foreign", "domestic"]
    for d in decisions:
        table = d["table"]
        assert list(table.columns) == d["options"]
        assert table.loc["probability"].sum() == pytest.approx(1)
        terms = table.drop(index=["total utility", "probability"])
        assert np.allclose(terms.sum(), table.loc["total utility"])
        assert d["chosen"] in d["options"]
        assert sum(d["shares"].values()) == pytest.approx(1)


def test_a_choice_against_the_odds_is_said_to_be_the_dice(app, stepped):
    for year in range(stepped.start_year + 1, stepped.year + 1):
        text = app.decisions_html(stepped, year)
        for d in app.minsk_decisions(stepped, year):
            taken = float(d["table"].loc["probability", d["chosen"]])
            dice = f"The dice went against the odds here: {percent(taken)} likely."
            assert (dice in text) == (taken < AGAINST_THE_ODDS), (year, d["decision"])


def test_no_decisions_before_the_first_step(app):
    model = app.BalancingAct()
    assert app.minsk_decisions(model) == []
    assert "No decisions in 2015" in app.decisions_html(model)


def test_panels_show_the_numbers_and_escape_text(app, stepped):
    text = app.headline_html(stepped)
    assert "Year 2021" in text and "data-output=\"alignment\"" in text
    assert "Sliders moved for this run: none" in text
    assert "<script" not in app._e("<script>") and app._e("a & b") == "a &amp; b"
    trace = app.decisions_html(stepped)
    assert "Minsk's choices in 2021" in trace and "probability" in trace and "✔" in trace
    sources = app.sources_html()
    for pid in app.SLIDERS:
        assert f"<code>{pid}</code>" in sources
    assert "ASSUMPTION:" in sources and "HuffPost-2016" in sources
    scenario = app.scenario_html(stepped)
    assert "2020" in scenario and "Questions" in scenario


def test_the_scenario_text_says_what_it_leaves_out_and_asks_its_questions(app):
    war = app.SCENARIOS["war_2022"]
    text = app.scenario_html(war)
    assert war.leaves_out and "What this scenario leaves out" in text
    for item in war.leaves_out:
        assert app._e(item) in text
    for question in war.questions:
        assert app._e(question) in text
    assert "observed 2015-2025" in text


def test_the_charts_show_the_record_as_points_marked_observed(app):
    model, _ = app.run_setting(app.Setting("baseline"))
    view = app.live_view(model)
    assert set(view.observed) == set(app.OBSERVED_OUTPUTS) - {"other_trade_share"}  # no record of the rest
    trade = app.live.trade_figure(view)
    labels = [t.get_text() for legend in trade.legends for t in legend.get_texts()]
    assert "observed" in labels
    ax = trade.axes[0]
    russia = app.RECORD.annual["russia_trade_share"]
    points = [c for c in ax.containers if hasattr(c, "lines") and c.lines[0] is not None]
    drawn = {round(float(x), 6) for c in points for x in c.lines[0].get_ydata()}
    assert {round(v, 6) for v in russia.values.values()} <= drawn
    sanctions = app.live.sanctions_figure(view)
    assert "observed level" in [t.get_text() for legend in sanctions.legends for t in legend.get_texts()]
    unrest = app.live.unrest_figure(view)
    assert "crackdown observed" in [t.get_text() for legend in unrest.legends for t in legend.get_texts()]
    assert app.live.caption("trade", view).startswith("observed 2015–2024 (seeds/record.yaml)")
    assert "error bars where the record is uncertain" in app.live.caption("trade", view)
    assert app.live.caption("alignment", view).startswith("nothing observed")
    a, b = app.live_view(model, label="A"), app.live_view(model, label="B")
    assert app.live.caption("unrest", b, a).endswith("; A black dashed, B in colour.")
    assert app.live.caption("sanctions", b, a).endswith("; A left, B right.")


def test_the_charts_draw(app, stepped):
    for figure_of in app.live.FIGURES.values():
        png = app._png(figure_of(app.live_view(stepped)))
        assert png.startswith(b"\x89PNG")


def test_term_names_read_as_words(app):
    assert app.term_text("eu_offer") == "EU offer"
    assert app.term_text("russia_slump") == "Russia slump"
