"""Students' own sources: a scenario's `documents:`, citations verified against them, uncited events warned of."""

from __future__ import annotations

import json
import textwrap
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

import sim
from sim.cli import cli
from sim.inputs.errors import ScenarioError
from sim.inputs.scenario import MAX_DOCUMENT_BYTES, ScenarioWarning, load_scenario

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
ARTICLE = ("Belarus and the EU: a student's reading.\n\n"
           "In 2024 the regime began to pardon political prisoners in small rounds. "
           "Observers in Vilnius read it as an offer to Brussels.\n")


def write_scenario(folder: Path, documents: str = "  article: sources/article.txt\n",
                   quote: str = "began to pardon political prisoners in small rounds", doc: str = "article",
                   extra_event: str = "") -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / "sources" / "article.txt").write_text(ARTICLE, encoding="utf-8")
    text = ("name: student_thaw\n"
            "title: \"A student's thaw\"\n"
            "description: My own scenario.\n"
            f"base: {BASELINE}\n"
            "documents:\n" + documents +
            "events:\n"
            "  - year: 2024\n"
            "    add: {minsk.political_prisoners: -50}\n"
            "    note: pardons\n"
            "    citations:\n"
            f"      - {{doc: {doc}, quote: \"{quote}\"}}\n" + extra_event)
    path = folder / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scenario_citing_its_own_document_validates(tmp_path):
    path = write_scenario(tmp_path)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    scenario = load_scenario(path)
    assert scenario.documents == {"article": (tmp_path / "sources" / "article.txt").resolve()}
    cited = scenario.to_dict()["events"][0]["citations"][0]
    assert cited["sentence"] == "In 2024 the regime began to pardon political prisoners in small rounds."
    assert cited["document"].endswith("article.txt")


def test_a_misquote_of_ones_own_document_is_one_line_naming_it(tmp_path):
    path = write_scenario(tmp_path, quote="began to pardon political prisoners in large rounds")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "events[0].citations[0].quote: quote not found in article (article.txt)" in result.stderr


def test_an_unknown_document_name_suggests_the_declared_one(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(write_scenario(tmp_path, doc="articel"))])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "unknown document 'articel'; did you mean 'article'?" in result.stderr
    assert "or the scenario's documents (article)" in result.stderr


@pytest.mark.parametrize("entry, message", [
    ("  article: sources/missing.txt\n", "'sources/missing.txt' not found"),
    ("  article: /etc/hostname.txt\n", "is an absolute path"),
    ("  Article: sources/article.txt\n", "not allowed as a document name"),
    ("  article: mine.yaml\n", "not a text file; allowed: files ending in .txt or .md"),
    ("  001_f8f6fde0ab2d2db7.txt: sources/article.txt\n", "not allowed as a document name"),
    ("  article: [1, 2]\n", "documents.article"),
])
def test_bad_document_entries_are_one_line(tmp_path, entry, message):
    result = CliRunner().invoke(cli, ["validate", str(write_scenario(tmp_path, documents=entry))])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe not utf-8", "is not UTF-8 text"),
    (b"text with a \x00 NUL", "holds NUL bytes"),
    (b"x" * (MAX_DOCUMENT_BYTES + 1), f"allowed: at most {MAX_DOCUMENT_BYTES:,}"),
])
def test_documents_that_are_not_small_utf8_text_are_refused(tmp_path, content, message):
    path = write_scenario(tmp_path, documents="  article: sources/other.txt\n")
    (tmp_path / "sources" / "other.txt").write_bytes(content)
    with pytest.raises(ScenarioError, match="documents.article") as err:
        load_scenario(path)
    assert message in str(err.value)


def test_a_seed_short_name_cannot_be_taken(tmp_path, monkeypatch):
    from sim.inputs import scenario as module

    monkeypatch.setattr(module, "load_sources", lambda: {"article": object()})
    with pytest.raises(ScenarioError, match="is the name of a seed document"):
        load_scenario(write_scenario(tmp_path))


def test_documents_of_a_base_file_are_relative_to_it_and_usable_below(tmp_path):
    base = write_scenario(tmp_path / "course")
    child = tmp_path / "class" / "child.yaml"
    child.parent.mkdir()
    child.write_text(textwrap.dedent(f"""\
        name: child
        base: {base}
        events:
          - year: 2025
            add: {{minsk.political_prisoners: -10}}
            citations:
              - {{doc: article, quote: "Observers in Vilnius read it as an offer to Brussels"}}
        """), encoding="utf-8")
    scenario = load_scenario(child)
    assert scenario.documents["article"] == (tmp_path / "course" / "sources" / "article.txt").resolve()
    assert [len(e.citations) for e in scenario.events] == [1, 1]


def test_an_uncited_event_is_accepted_with_a_one_line_warning(tmp_path):
    path = write_scenario(tmp_path, extra_event="  - {year: 2025, add: {minsk.unrest: 0.1}, note: no source}\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1 and result.stderr.count("\n") == 1
    assert f"{path}:" in lines[0] and "events[1]: cites no source" in lines[0] and "uncited" in lines[0]
    with pytest.warns(ScenarioWarning, match="events\\[1\\]: cites no source"):
        sim.load_scenario(path)


def test_the_shipped_scenarios_cite_every_event():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)
        for path in sorted(BASELINE.parent.glob("*.yaml")):
            sim.load_scenario(path)


def test_the_report_shows_the_documents_sentence_and_marks_uncited_events(tmp_path):
    path = write_scenario(tmp_path, extra_event="  - {year: 2025, add: {minsk.unrest: 0.1}, note: no source}\n")
    result = CliRunner().invoke(cli, ["run", str(path), "--replicates", "20", "--no-plots", "--report",
                                      "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["scenario"]["documents"]["article"].endswith("article.txt")
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert ("In 2024 the regime <mark>began to pardon political prisoners in small rounds</mark>." in page)
    assert "the scenario's own document" in page
    assert '<p class="uncited"><strong>uncited</strong>' in page
    assert page.count('<p class="uncited">') == 1
