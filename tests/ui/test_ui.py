"""`sim ui`: the web app's pure helpers, its model class as Mesa's SolaraViz rebuilds it, and the command."""

from __future__ import annotations

import inspect
import socket
from pathlib import Path

import numpy as np
import pytest

from sim.cli import cli
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


def test_model_params_hold_the_scenario_list_the_ensemble_size_and_the_sliders(app):
    params = app.model_params()
    assert params["scenario_name"]["type"] == "Select"
    assert params["scenario_name"]["values"] == list(app.SCENARIOS)
    assert params["replicates"] == app.UI_REPLICATES <= 500
    assert set(params) - {"scenario_name", "replicates"} == set(app.SLIDERS)


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


def _mesa_reset_kwargs(model, parameters):
    """The keyword arguments Mesa's Reset button passes to the model class (Mesa 3.3: the parameters as
    they are; Mesa 3.5: also its own experimental Scenario)."""
    from mesa.visualization import solara_viz

    build = getattr(solara_viz, "_build_model_init_kwargs", None)
    if build is None:
        return dict(parameters)
    return build(model, parameters, add_scenario_when_empty=True, require_model_accepts_scenario=True)


def test_mesa_accepts_the_parameters_and_reset_rebuilds_the_model(app):
    from mesa.visualization import solara_viz

    params = app.model_params()
    model = app.BalancingAct()
    check = solara_viz._check_model_params
    first = next(iter(inspect.signature(check).parameters))
    check(model if first == "model_or_func" else type(model).__init__, params)  # Mesa 3.5 / 3.3

    chosen = {"scenario_name": "unrest_shock", "replicates": params["replicates"],
              **{pid: slider.value for pid, slider in params.items() if pid in app.SLIDERS}}
    chosen["minsk.unrest_threshold"] = 0.7
    rebuilt = type(model)(**_mesa_reset_kwargs(model, chosen))
    assert rebuilt.ui_scenario_name == "unrest_shock"
    assert rebuilt.ui_overrides == {"minsk.unrest_threshold": 0.7}
    assert rebuilt.params["minsk.unrest_threshold"] == 0.7
    assert rebuilt.replicates == app.UI_REPLICATES


def test_a_step_is_quick_and_moves_the_year(app):
    import time

    model = app.BalancingAct()
    start = time.perf_counter()
    model.step()
    assert time.perf_counter() - start < 0.5
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


def test_no_decisions_before_the_first_step(app):
    model = app.BalancingAct()
    assert app.minsk_decisions(model) == []
    assert "Press <b>STEP</b>" in app.decisions_html(model)


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


def test_the_charts_draw(app, stepped):
    for figure_of in (app.alignment_figure, app.trade_figure, app.sanctions_figure, app.unrest_figure):
        png = app._png(figure_of(stepped))
        assert png.startswith(b"\x89PNG")


def test_term_names_read_as_words(app):
    assert app.term_text("eu_offer") == "EU offer"
    assert app.term_text("russia_slump") == "Russia slump"
