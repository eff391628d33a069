"""``sim params`` and ``sim cite``."""

from __future__ import annotations

import json

from conftest import CARNEGIE_QUOTE

JSON_KEYS = {"id", "value", "unit", "low", "high", "domain", "integer", "meaning", "citations", "assumption", "note"}


def test_params_table(run_cli, registry_file):
    result = run_cli("--registry", registry_file, "params")
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["id", "value", "unit", "range", "source"]
    by_id = {row.split()[0]: row for row in rows}
    assert list(by_id) == ["model.base_year", "minsk.unrest_threshold", "brussels.sanctions_level_2015",
                           "minsk.prisoners_2015"]
    assert by_id["minsk.unrest_threshold"].split() == ["minsk.unrest_threshold", "0.5", "index", "0-1", "0.3-0.7",
                                                       "Carnegie-2015"]
    assert by_id["model.base_year"].split()[-1] == "ASSUMPTION"
    assert by_id["minsk.prisoners_2015"].split()[1] == "10"


def test_params_json_schema(run_cli, registry_file):
    result = run_cli("--registry", registry_file, "params", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["id"] for p in data][:2] == ["model.base_year", "minsk.unrest_threshold"]
    for p in data:
        assert set(p) == JSON_KEYS
        assert isinstance(p["domain"], list) and len(p["domain"]) == 2
        assert all(set(c) == {"doc", "quote"} for c in p["citations"])
    prisoners = next(p for p in data if p["id"] == "minsk.prisoners_2015")
    assert prisoners["domain"] == [0, 1000000] and prisoners["integer"] is True


def test_params_real_registry(run_cli, real_registry):
    result = run_cli("params")
    assert result.exit_code == 0, result.output
    ids = [row.split()[0] for row in result.stdout.splitlines()[1:]]
    assert ids == list(real_registry)
    data = json.loads(run_cli("params", "--format", "json").stdout)
    assert [p["id"] for p in data] == list(real_registry)
    assert all(set(p) == JSON_KEYS for p in data)


def test_cite_shows_the_sentence(run_cli, registry_file):
    result = run_cli("--registry", registry_file, "cite", "minsk.unrest_threshold")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "minsk.unrest_threshold = 0.5 index 0-1" in out
    assert "range:   0.3-0.7 (allowed: a number from 0 to 1)" in out
    assert "meaning: unrest that triggers a crackdown" in out
    assert "note:    a test entry" in out
    assert "Carnegie-2015 (Carnegie Endowment for International Peace" in out
    assert f'"**{CARNEGIE_QUOTE}**."' in out


def test_cite_assumption(run_cli, registry_file):
    result = run_cli("--registry", registry_file, "cite", "model.base_year")
    assert result.exit_code == 0, result.output
    assert "ASSUMPTION: the seed documents describe the end of 2015" in result.stdout


def test_cite_real_registry(run_cli, real_registry):
    p = next(p for p in real_registry.values() if p.citations)
    result = run_cli("cite", p.id)
    assert result.exit_code == 0, result.output
    assert "QUOTE NOT FOUND" not in result.stdout
    assert result.stdout.count("**") == 2 * len(p.citations)


def test_cite_unknown_id(run_cli, registry_file):
    result = run_cli("--registry", registry_file, "cite", "minsk.unrest_treshold")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ("error: sim cite: minsk.unrest_treshold: unknown parameter id; "
                             "did you mean 'minsk.unrest_threshold'?\n")


def test_bad_registry_is_one_line(run_cli, tmp_path):
    bad = tmp_path / "parameters.yaml"
    bad.write_text("parameters:\n  - id: x\n", encoding="utf-8")
    result = run_cli("--registry", bad, "params")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {bad}:2: parameters[0]")
    assert "Traceback" not in result.output


def test_usage_error_exit_2(run_cli):
    result = run_cli("params", "--format", "xml")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
