"""sim report: one self-contained HTML file per run (or comparison) that a teacher can email.

The file must open without a network (figures embedded, no external links,
scripts, styles or fonts), escape every text, and hold what a class needs: the
scenario with its questions, outcomes with uncertainty, fan charts, events with
their sources, changed parameters with their quotes, and the explained turning
points of a typical world. The browser test is tests/test_report_browser.py.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import matplotlib.image
import pytest

import sim
from sim.common.formats import percent
from sim.explain.terms import DECISIONS
from sim.explain.views import AGAINST_THE_ODDS
from sim.explain.worlds import key_turning_points, typical_replicate
from sim.inputs.registry import load_sources
from sim.common.formats import decimals_for, number
from sim.report.sections import outcome_years
from sim.report.document import COMPARE_OUTPUTS, RUN_FIGURES, RUN_FIGURES_IN_COMPARISON, build_report, write_report
from sim.outputs.results import Result

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
IMG = re.compile(r'<img\b[^>]*\bsrc="([^"]*)"')


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("report")
    runs = {
        "unrest": sim.run(SCENARIOS / "unrest_shock.yaml", replicates=80, end_year=2024),
        "west": sim.run(sim.load_scenario(SCENARIOS / "west_tilt.yaml", {"minsk.unrest_threshold": 0.4}),
                        replicates=60, end_year=2024),
    }
    out = {}
    for name, result in runs.items():
        out[name] = base / name
        result.save(out[name])  # reports reuse the run folder's figures; a summary-only run's report draws them
    return out


@pytest.fixture(scope="module")
def unrest(folders) -> Result:
    return Result.load(folders["unrest"])


@pytest.fixture(scope="module")
def single(unrest, folders) -> str:
    path = write_report([unrest], folders["unrest"] / "report.html", [folders["unrest"]])
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def several(folders, tmp_path_factory) -> str:
    """``sim report A B --out FILE``, as a teacher would type it."""
    from click.testing import CliRunner

    from sim.cli import cli

    out = tmp_path_factory.mktemp("several") / "class" / "compare.html"
    result = CliRunner().invoke(cli, ["report", str(folders["unrest"]), str(folders["west"]), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"report: {out}"
    assert not list(out.parent.glob(".*partial"))
    return out.read_text(encoding="utf-8")


def _images(text: str) -> list[bytes]:
    sources = IMG.findall(text)
    assert sources
    images = []
    for src in sources:
        assert src.startswith("data:image/png;base64,"), src[:60]
        images.append(base64.b64decode(src[len("data:image/png;base64,"):], validate=True))
    return images


def _assert_self_contained(text: str) -> None:
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text
    lowered = text.lower()
    for forbidden in ("<script", "<link", "@import", "url(", "<iframe", "<object", "<embed"):
        assert forbidden not in lowered, forbidden
    # Nothing is fetched: every src is a data URI and every link an anchor in the page.
    for attribute in re.findall(r'\b(?:src|href)="([^"]*)"', text):
        assert attribute.startswith(("data:", "#")), attribute[:80]
    anchors = set(re.findall(r'\bid="([^"]+)"', text))
    for target in re.findall(r'\bhref="#([^"]*)"', text):
        assert target in anchors, target


# --------------------------------------------------------------------------- one run


def test_report_is_self_contained_with_every_figure_embedded(single):
    _assert_self_contained(single)
    images = _images(single)
    assert len(images) == len(RUN_FIGURES) + 1  # the run's figures and the typical world
    for data in images:
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        picture = matplotlib.image.imread(io.BytesIO(data), format="png")
        assert picture.shape[0] > 300 and picture.shape[1] > 300
    assert len(single) < 3_000_000, "small enough to email"


def test_report_holds_the_scenario_its_questions_and_outcomes(single, unrest):
    scenario = unrest.scenario
    assert f"<title>{html.escape(scenario['title'])}</title>" in single
    assert html.escape(" ".join(scenario["description"].split())) in single
    for question in scenario["questions"]:
        assert f"<li>{html.escape(question)}</li>" in single
    assert scenario["leaves_out"] and "What this scenario leaves out" in single
    for item in scenario["leaves_out"]:
        assert f"<li>{html.escape(' '.join(item.split()))}</li>" in single
    assert "Headline outcomes" in single and "range that holds 90% of the worlds" in single
    # Median and band of alignment in the last year, as in the summary, with the decimals every table uses
    # (sim.common.formats: the same median prints the same in sim compare and in the report).
    years = outcome_years(unrest)
    values = unrest.summary.query("output == 'alignment' and year in @years")[["p05", "p50", "p95"]].to_numpy()
    decimals = decimals_for(values.ravel())
    row = unrest.summary.query("output == 'alignment' and year == 2024").iloc[0]
    shown = f"{number(row.p50, decimals)}<span class=\"band\">{number(row.p05, decimals)} to {number(row.p95, decimals)}"
    assert shown in single
    assert "Minsk cracks down" in single


def test_report_lists_events_with_their_citations_and_sources(single, unrest):
    event = unrest.scenario["events"][0]
    assert html.escape(event["note"]) in single
    assert html.escape(event["citations"][0]["quote"]) in single
    source = load_sources()[event["citations"][0]["doc"]]
    assert html.escape(source.outlet) in single and html.escape(source.title) in single
    assert "adds +0.40 to" in single and "minsk.unrest" in single
    assert "What followed in the model" in single


def test_report_explains_the_turning_points_of_the_typical_world(single, unrest):
    replicate = typical_replicate(unrest)
    assert f"<strong>world {replicate}</strong> is the most typical" in single
    points = key_turning_points(unrest, replicate)
    assert points
    assert single.count('<div class="card">') == len(points)
    assert single.count("What decided it") == len(points)
    for year, agent, *_ in points:
        assert f"<h4>{year} &middot; {agent.capitalize()}" in single
    assert "sim explain RUN_FOLDER --year Y" in single


def test_report_says_where_the_dice_went_against_the_odds(single, unrest):
    replicate = typical_replicate(unrest)
    points = key_turning_points(unrest, replicate)
    cards = single.split('<div class="card">')[1:]
    assert len(cards) == len(points)
    for point, card in zip(points, cards):  # both in order of year and decision
        assert f"<h4>{point.year} &middot; {point.agent.capitalize()}" in card
        dice = f"The dice went against the odds here: {percent(point.probability)} likely."
        assert (dice in card) == point.against_the_odds
    # The story table marks every move of the world that was a draw against the odds, and only those.
    trace = unrest.trace
    taken = trace[(trace["replicate"] == replicate) & (trace["chosen"] == 1)
                  & (trace["probability"] < AGAINST_THE_ODDS)]
    table = single.split('<table class="story">')[1].split("</table>")[0]
    marked = re.findall(r'<td class="[^"]*\bdice\b[^"]*" title="The dice went against the odds here: ([^"]+) likely.">',
                        table)
    middles = {(a, d): spec.middle for (a, d), spec in DECISIONS.items()}
    expected = [r for r in taken.itertuples() if r.option != middles[r.agent, r.decision]]
    assert len(marked) == len(expected)


def test_story_table_shows_the_unrest_the_regime_faced_and_its_threshold(single, unrest):
    replicate = typical_replicate(unrest)
    world = unrest.timeseries[unrest.timeseries["replicate"] == replicate].set_index("year")
    table = single.split('<table class="story">')[1].split("</table>")[0]
    assert "<th>unrest faced</th>" in table
    for year, row in world.iterrows():
        assert (f"<td>{year}</td><td>{number(row['alignment'], sign=True)}</td>"
                f"<td>{number(row['unrest_faced'])}</td>") in table
    threshold = unrest.parameter_value("minsk.unrest_threshold", unrest.years[-1])
    assert f"before any crackdown cut it; its crackdown threshold was {number(threshold)}." in single


def test_unchanged_parameters_are_said_to_be_unchanged(single):
    assert "None: this run uses every parameter at its value in the cited registry" in single


def test_all_text_is_escaped(unrest, folders):
    hostile = Result(**{**unrest.__dict__})
    hostile.scenario = {**unrest.scenario, "title": "<script>alert('x')</script> & co",
                        "questions": ["Is 1 < 2 & \"quoted\"?"]}
    text = build_report([hostile], [folders["unrest"]])
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in text
    assert "Is 1 &lt; 2 &amp; &quot;quoted&quot;?" in text
    _assert_self_contained(text)


# --------------------------------------------------------------------------- parameters and several runs


def test_changed_parameters_come_with_their_quotes_and_documents(several):
    # --set minsk.unrest_threshold=0.4: the registry's quote for it, marked in its sentence.
    assert "<code>minsk.unrest_threshold</code>" in several
    assert "Registry value <strong>0.45</strong>" in several and "0.4 for the whole run" in several
    assert "<mark>In 2010, as soon as several thousand protesters took to the streets" in several
    assert "Carnegie Endowment for International Peace" in several
    # An event changes brussels.engagement_cap_autocracy from 2016: the event's own citation too.
    assert "<code>brussels.engagement_cap_autocracy</code>" in several
    assert "set to 0.45 from 2016" in several and "The change in 2016 rests on:" in several


def test_several_runs_get_a_comparison_with_overlays(several):
    _assert_self_contained(several)
    assert "<title>Comparing scenarios: unrest_shock, west_tilt</title>" in several
    assert "west_tilt &minus; unrest_shock" in several
    assert "Note: replicate counts differ" in several
    images = _images(several)
    assert len(images) == len(COMPARE_OUTPUTS) + 2 * (len(RUN_FIGURES_IN_COMPARISON) + 1)
    assert several.count('id="run-0"') == 1 and several.count('id="run-1"') == 1


def test_summary_only_run_still_gets_a_report(tmp_path):
    result = sim.run(SCENARIOS / "unrest_shock.yaml", replicates=50, end_year=2022, summary_only=True)
    text = build_report([result])
    _assert_self_contained(text)
    assert "kept no per-world time series" in text
    assert len(_images(text)) == len(RUN_FIGURES)  # no single world's path to draw


def test_report_describes_the_run_as_recorded_not_as_todays_registry_says(folders, tmp_path, monkeypatch):
    """Meanings, quotes with their sentences and sources come from the run's manifest: a report of an
    old run says what that run used, and no loader of the registry or the seeds is called."""
    import json
    import shutil

    import sim.inputs.registry as registry

    old = tmp_path / "old"
    shutil.copytree(folders["west"], old)
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["parameters"]["minsk.unrest_threshold"]
    assert entry["quotes"] and entry["quotes"][0]["sentence"] and entry["meaning"]
    entry["meaning"] = "the threshold as this old run understood it"
    quote = entry["quotes"][0]
    quote["sentence"] = f"An older edition of the seed said: {quote['quote']}, and more."
    manifest["sources"][quote["doc"]]["short"] = "Recorded-Source-2016"
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    def refuse(*args, **kwargs):
        raise AssertionError("the report reloaded the registry or the seeds")

    for name in ("load_registry", "load_sources", "quote_context", "find_quote"):
        monkeypatch.setattr(registry, name, refuse)
    text = build_report([Result.load(old)])
    assert "the threshold as this old run understood it" in text
    assert "An older edition of the seed said: <mark>" in text
    assert "<strong>Recorded-Source-2016</strong>" in text


def test_a_manifest_without_recorded_quotes_still_gets_a_report(folders, tmp_path):
    """Run folders written before quotes and sources were recorded: the values are shown, nothing invented."""
    import json
    import shutil

    old = tmp_path / "older"
    shutil.copytree(folders["west"], old)
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["parameters"].values():
        for key in ("meaning", "quotes", "assumption", "domain", "integer"):
            entry.pop(key, None)
    manifest.pop("sources")
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    text = build_report([Result.load(old)])
    assert "<code>minsk.unrest_threshold</code>" in text and "Registry value <strong>0.45</strong>" in text
    assert "several thousand protesters" not in text  # today's registry quote is not filled in
    assert "The registry value rests on:" in text


# --------------------------------------------------------------------------- command line


def test_cli_report_writes_into_the_run_folder(run_cli, folders):
    target = folders["west"] / "report.html"
    target.unlink(missing_ok=True)
    result = run_cli("report", folders["west"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"report: {target}"
    _assert_self_contained(target.read_text(encoding="utf-8"))


def test_cli_report_refuses_a_folder_that_is_not_a_run(run_cli, tmp_path):
    result = run_cli("report", tmp_path)
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path}: not a run folder (no manifest.json)\n"


def test_sim_run_report_flag_writes_the_report(run_cli, tmp_path):
    folder = tmp_path / "run"
    result = run_cli("run", SCENARIOS / "unrest_shock.yaml", "--replicates", "40", "--end-year", "2022",
                     "--out", folder, "--report")
    assert result.exit_code == 0, result.stderr
    assert f"report: {folder / 'report.html'}" in result.stdout
    text = (folder / "report.html").read_text(encoding="utf-8")
    _assert_self_contained(text)
    assert "Unrest shock" in text and "Why it happened" in text


# --------------------------------------------------------------------------- the record beside the model

OBSERVED = re.compile(r'<span class="observed">(?:observed )?([^<]+)</span>')


def _record_values(outputs) -> dict[tuple[str, int], float]:
    """The shipped record's figures of ``outputs`` by (output, year), read straight from seeds/record.yaml."""
    from sim.inputs.record import load_record

    found = {}
    for series in load_record().annual.values():
        if series.observation is not None and series.observation.output in outputs:
            found.update({(series.observation.output, year): float(v) for year, v in series.values.items()})
    return found


def _section(text: str, anchor: str) -> str:
    start = text.index(f'id="{anchor}"')
    return text[start:text.index("</section>", start)]


def test_headline_table_gives_the_record_beside_the_model_marked_observed(single, unrest):
    from sim.common.variables import HEADLINE

    section = _section(single, "outcomes")
    shown = OBSERVED.findall(section)
    record = _record_values(set(HEADLINE))
    expected = [(o, y) for o in HEADLINE for y in outcome_years(unrest) if (o, y) in record]
    assert expected, "the unrest run's outcome years include recorded years"
    assert len(shown) == len(expected)  # one line per recorded (outcome, year), none where there is no record
    for text, key in zip(shown, expected):
        value = float(text.split(" (")[0].replace(",", "").replace("\u2212", "-"))
        assert value == pytest.approx(record[key], abs=0.05 + 0.005 * abs(record[key])), (key, text)
    assert "public record" in section and "not a model result" in section


def test_comparison_table_has_an_observed_column_from_the_record(several):
    section = _section(several, "comparison")
    assert '<th class="num">observed</th>' in section
    from sim.common.variables import OUTPUTS

    record = _record_values(set(OUTPUTS))
    shown = [float(t.split(" (")[0].replace(",", "").replace("\u2212", "-")) for t in OBSERVED.findall(section)]
    assert shown
    for value in shown:  # each is a figure of the record (rounded as its row is)
        assert any(abs(value - r) <= 0.05 + 0.005 * abs(r) for r in record.values()), value
    assert "observed</em> gives" in section


def test_fan_and_overview_figures_carry_the_record(monkeypatch, unrest, tmp_path):
    """The report's figures are drawn with the record on them: every fan chart and overview panel of an output
    the record measures gets its observed points."""
    import sim.figures.runs as runs

    calls = []
    real = runs.overlay_record

    def spy(ax, output, span):
        calls.append(output)
        return real(ax, output, span)

    monkeypatch.setattr(runs, "overlay_record", spy)
    monkeypatch.setattr(runs, "drawing_workers", lambda: 1)  # drawn here, where the spy sees them
    text = build_report([unrest])  # no folder: the figures are drawn afresh
    measured = {o for o, _ in _record_values(set(calls))}
    assert {"russia_trade_share", "political_prisoners", "gdp_growth"} <= measured
    from sim.common.variables import OVERVIEW

    fans = [o for o in OVERVIEW if o != "sanctions_level"]
    assert calls.count("russia_trade_share") >= 2  # its fan chart and its overview panel
    assert set(fans) <= set(calls)
    assert "are <strong>observed</strong>" in text


def test_a_forecast_s_report_says_what_it_was_conditioned_on(run_cli, tmp_path):
    result = run_cli("forecast", "--origin", "2016", "--to", "2019", "--replicates", "150", "--seed", "3",
                     "--report", "--out", tmp_path / "f")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "f" / "report.html").read_text(encoding="utf-8")
    assert "A forecast made at 2016." in text and "no figure of the record after 2016 was used" in text
    assert "effective worlds after each year: 2015: 150, 2016:" in text
    section = _section(text, "outcomes")
    assert len(OBSERVED.findall(section)) > 0  # the record beside the forecast, where it exists
