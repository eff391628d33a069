"""The parameter registry: loading, validation errors, quote verification and context."""

from __future__ import annotations

import dataclasses
import math

import pytest

from conftest import CARNEGIE_QUOTE, TINY_REGISTRY, write
from sim.inputs.errors import ScenarioError
from sim.inputs.registry import (
    Citation,
    find_quote,
    fold,
    load_registry,
    load_sources,
    quote_context,
    verify_quotes,
)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line of ``text`` containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


# --------------------------------------------------------------------------- the real registry


def test_real_registry_loads(real_registry):
    assert "model.base_year" in real_registry
    assert real_registry.base_year() == 2015
    for p in real_registry.values():
        assert p.low <= p.value <= p.high, p.id
        assert p.citations or p.assumption, p.id


def test_real_registry_every_quote_occurs_in_its_document(real_registry):
    problems = verify_quotes(real_registry)
    assert not problems, "misquoted:\n" + "\n".join(problems)


def test_real_registry_cited_quotes_have_a_sentence(real_registry):
    for p in real_registry.values():
        for citation, sentence in quote_context(p):
            assert sentence is not None, (p.id, citation.doc)
            assert fold(citation.quote) in sentence


# --------------------------------------------------------------------------- quotes


def test_tiny_registry_quotes_verify(registry):
    assert verify_quotes(registry) == []


def test_misquote_is_reported_with_parameter_id_and_document(tmp_path):
    text = TINY_REGISTRY.replace("has abandoned all talk", "has dropped all talk")
    registry = load_registry(write(tmp_path / "bad.yaml", text))
    problems = verify_quotes(registry)
    assert len(problems) == 1
    assert "minsk.unrest_threshold" in problems[0]
    assert "001_f8f6fde0ab2d2db7.txt" in problems[0]


def test_missing_document_is_reported(registry, tmp_path):
    problems = verify_quotes(registry, seeds_dir=tmp_path)
    assert problems and "minsk.unrest_threshold" in problems[0] and "001_f8f6fde0ab2d2db7.txt" in problems[0]


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("Moscow\u2019s \u2018ally\u2019", "Moscow's 'ally'"),
        ("\u201cquoted\u201d", '"quoted"'),
        ("2015\u20132016 \u2014 then\u2011now \u2212 1", "2015-2016 - then-now - 1"),
        ("  many\n\n spaces\tand\u00a0tabs ", "many spaces and tabs"),
        ("Case Matters", "Case Matters"),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


def test_quote_matching_is_case_sensitive(registry):
    assert find_quote(Citation("001_f8f6fde0ab2d2db7.txt", CARNEGIE_QUOTE)) is not None
    assert find_quote(Citation("001_f8f6fde0ab2d2db7.txt", CARNEGIE_QUOTE.upper())) is None


def test_quote_context_is_the_whole_sentence(registry):
    [(citation, sentence)] = quote_context(registry["minsk.unrest_threshold"])
    assert citation.doc == "001_f8f6fde0ab2d2db7.txt"
    assert sentence == CARNEGIE_QUOTE + "."


def test_quote_context_spans_sentences_and_stops_at_paragraphs(registry, tmp_path):
    write(tmp_path / "doc.txt", "A Heading\nFirst one. Second starts  here. It ends here! Third?\nNext paragraph")
    param = dataclasses.replace(registry["minsk.unrest_threshold"], citations=(
        Citation("doc.txt", "here. It ends"), Citation("doc.txt", "First"), Citation("doc.txt", "Next"),
        Citation("doc.txt", "not there")))
    assert [sentence for _, sentence in quote_context(param, seeds_dir=tmp_path)] == [
        "Second starts here. It ends here!", "First one.", "Next paragraph", None]


# --------------------------------------------------------------------------- API


def test_registry_api(registry):
    assert list(registry) == ["model.base_year", "minsk.unrest_threshold", "brussels.sanctions_level_2015",
                              "minsk.prisoners_2015"]
    assert registry.defaults()["minsk.unrest_threshold"] == 0.5
    assert registry.suggest("minsk.unrest_treshold") == "minsk.unrest_threshold"
    assert registry.suggest("nothing.like.it") is None
    assert registry.base_year() == 2015


def test_parameter_check_and_texts(registry):
    share, level, count = (registry[i] for i in ("minsk.unrest_threshold", "brussels.sanctions_level_2015",
                                                 "minsk.prisoners_2015"))
    assert share.check(0.9) is None
    assert share.check(1.5) == "a number from 0 to 1"
    assert share.check(math.nan) == "a number from 0 to 1"
    assert share.check(True) is not None
    assert level.check(1.5) == "an integer from 0 to 2"
    assert count.check(-1) == "an integer from 0 to 1000000"
    assert count.check(10**6) is None
    assert count.check(10**6 + 1) == "an integer from 0 to 1000000"


def test_source_short_and_json(registry):
    sources = load_sources()
    assert registry["minsk.unrest_threshold"].source_short(sources) == "Carnegie-2015"
    assert registry["model.base_year"].source_short(sources) == "ASSUMPTION"
    data = registry["minsk.prisoners_2015"].to_json_dict()
    assert data == {
        "id": "minsk.prisoners_2015", "value": 10, "unit": "people", "low": 0, "high": 100,
        "domain": [0, 1000000], "integer": True, "meaning": "political prisoners at the end of 2015",
        "citations": [], "assumption": "a test entry", "note": None,
    }


# --------------------------------------------------------------------------- validation errors


def _entry(text: str, id: str) -> int:
    return line_of(text, f"id: {id}")


REGISTRY_ERRORS = {
    # case: (old, new, (needle for the expected line, nth), expected key, expected words)
    "bad id": ("id: minsk.unrest_threshold", "id: Minsk-Unrest", ("Minsk-Unrest", 1), "parameters[1].id",
               "bad id 'Minsk-Unrest'"),
    "missing field": ("    unit: index 0-1\n", "", ("id: minsk.unrest_threshold", 1), "parameters[1].unit",
                      "required key is missing"),
    "unknown field": ("    meaning: unrest", "    meanin: unrest", ("meanin:", 1), "parameters[1].meanin",
                      "did you mean 'meaning'?"),
    "value not a number": ("value: 0.5", "value: '0.5'", ("value: '0.5'", 1), "parameters[1].value",
                           "must be a number"),
    "value outside range": ("value: 0.5", "value: 0.9", ("value: 0.9", 1), "parameters[1].value",
                            "value 0.9 of 'minsk.unrest_threshold' lies outside its range [low, high] = [0.3, 0.7]"),
    "range outside domain": ("low: 0.3", "low: -0.1", ("low: -0.1", 1), "parameters[1].low",
                             "low -0.1 of 'minsk.unrest_threshold' lies outside its domain [0, 1]"),
    "integer violated": ("    value: 1\n", "    value: 1.5\n", ("value: 1.5", 1),
                         "parameters[2].value", "must be a whole number because integer: true"),
    "neither citations nor assumption": ("    assumption: a test entry\n", "",
                                         ("id: brussels.sanctions_level_2015", 1), "parameters[2]",
                                         "neither citations nor an assumption"),
    "unknown citation doc": ("doc: 001_f8f6fde0ab2d2db7.txt", "doc: 001_f8f6fde0ab2d2db7.text",
                             ("doc: 001_f8f6fde0ab2d2db7.text", 1), "parameters[1].citations[0].doc",
                             "did you mean '001_f8f6fde0ab2d2db7.txt'?"),
    "YAML syntax": ("    domain: [0, 1]\n", "    domain: [0, 1\n", ("meaning: unrest", 1), None,
                    "YAML syntax error"),
}


@pytest.mark.parametrize("case", list(REGISTRY_ERRORS))
def test_registry_validation_error(tmp_path, case):
    old, new, (needle, nth), key, words = REGISTRY_ERRORS[case]
    assert old in TINY_REGISTRY
    text = TINY_REGISTRY.replace(old, new, 1)
    path = write(tmp_path / "parameters.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        load_registry(path)
    err = caught.value
    assert (err.file, err.line, err.key) == (str(path.resolve()), line_of(text, needle, nth), key), str(err)
    assert words in str(err)
    assert "\n" not in str(err)


def test_registry_duplicate_id(tmp_path):
    first = TINY_REGISTRY.index("  - id: minsk.unrest_threshold")
    second = TINY_REGISTRY.index("  - id: brussels.sanctions_level_2015")
    text = TINY_REGISTRY + TINY_REGISTRY[first:second]
    path = write(tmp_path / "parameters.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        load_registry(path)
    err = caught.value
    assert err.line == line_of(text, "id: minsk.unrest_threshold", 2)
    assert err.key == "parameters[4].id"
    assert f"duplicate id 'minsk.unrest_threshold' (first defined on line {line_of(text, 'id: minsk.unrest')})" \
        in str(err)


def test_registry_file_not_found(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_registry(tmp_path / "nope.yaml")


def test_registry_top_level_must_be_mapping(tmp_path):
    with pytest.raises(ScenarioError, match="must be a mapping"):
        load_registry(write(tmp_path / "p.yaml", "- 1\n"))
