"""Scenario files: every bad input gives one clear line naming file, line and key."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from conftest import CARNEGIE_QUOTE, VALID_SCENARIO, write
from sim.inputs.errors import ScenarioError
from sim.inputs.scenario import Event, Scenario, load_scenario, parse_set

REPO = Path(__file__).resolve().parents[2]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def assert_cli_reports(run_cli, registry_file: Path, path: Path, message: str) -> None:
    """``sim validate`` prints exactly ``error: message`` on stderr and exits 2."""
    result = run_cli("--registry", registry_file, "validate", path)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_valid_scenario(registry, tmp_path, run_cli, registry_file):
    path = write(tmp_path / "s.yaml", VALID_SCENARIO)
    s = load_scenario(path, registry=registry)
    assert (s.name, s.start_year, s.end_year, s.replicates, s.seed) == ("test", 2015, 2020, 10, 1)
    assert s.parameters == {"minsk.unrest_threshold": 0.6}
    assert [e.year for e in s.events] == [2016, 2017]
    assert s.events[1] == Event(2017, {"minsk.unrest": 0.8}, {}, "a jolt", ())
    assert s.questions == ("what happens?",)
    assert s.path == path and s.bases == ()
    assert s.parameter_values(registry)["minsk.unrest_threshold"] == 0.6
    assert s.parameter_values(registry)["brussels.sanctions_level_2015"] == 1
    json.dumps(s.to_dict())
    result = run_cli("--registry", registry_file, "validate", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok  {path} (test: 10 replicates, 2015-2020, 2 events)\n"


# --------------------------------------------------------------------------- one test per bad input

# case: (text replaced in VALID_SCENARIO, replacement, line needle (None: no line), key, words in the message)
BAD_INPUTS = {
    "yaml syntax error": ("title: A test scenario\n", "  title: A test scenario\n", "title:", None,
                          "YAML syntax error"),
    "unknown top-level key": ("title:", "titel:", "titel:", "titel", "unknown key; did you mean 'title'?"),
    "unknown parameter id": ("minsk.unrest_threshold:", "minsk.unrest_treshold:", "unrest_treshold",
                             "parameters.minsk.unrest_treshold",
                             "unknown parameter id; did you mean 'minsk.unrest_threshold'?"),
    "state variable as parameter": ("minsk.unrest_threshold:", "minsk.unrest:", "  minsk.unrest:",
                                    "parameters.minsk.unrest", "is a state variable, not a parameter"),
    "unknown event id": ("minsk.unrest: 0.8", "minsk.unrst: 0.8", "minsk.unrst", "events[0].set.minsk.unrst",
                         "did you mean 'minsk.unrest'?"),
    "unknown event key": ("    note: a jolt", "    nite: a jolt", "nite:", "events[0].nite",
                          "unknown key; did you mean 'note'?"),
    "event without set or add": ("    set:\n      minsk.unrest: 0.8\n", "", "- year: 2017", "events[0]",
                                 "needs a non-empty 'set' or 'add'"),
    "boolean is not a number": ("threshold: 0.6", "threshold: true", "threshold: true",
                                "parameters.minsk.unrest_threshold", "must be a number, got true (a boolean)"),
    "quoted number is not a number": ("threshold: 0.6", "threshold: '0.6'", "threshold: '0.6'",
                                      "parameters.minsk.unrest_threshold",
                                      "must be a number, got the text '0.6'; write it without quotes"),
    "nan": ("threshold: 0.6", "threshold: .nan", "threshold: .nan", "parameters.minsk.unrest_threshold",
            "must be a finite number"),
    "inf in add": ("sanctions_level_2015: 1", "sanctions_level_2015: .inf", "sanctions_level_2015",
                   "events[1].add.brussels.sanctions_level_2015", "must be a finite number"),
    "share above 1": ("threshold: 0.6", "threshold: 1.5", "threshold: 1.5", "parameters.minsk.unrest_threshold",
                      "1.5 is not allowed; allowed: a number from 0 to 1"),
    "negative count parameter": ("  minsk.unrest_threshold: 0.6", "  minsk.prisoners_2015: -1", "prisoners_2015",
                                 "parameters.minsk.prisoners_2015", "-1 is not allowed; allowed: an integer from 0 to 1000000"),
    "negative count event": ("minsk.unrest: 0.8", "minsk.political_prisoners: -5", "political_prisoners",
                             "events[0].set.minsk.political_prisoners",
                             "-5 is not allowed; allowed: an integer from 0 to 10000000"),
    "fractional level event": ("minsk.unrest: 0.8", "brussels.sanctions_level: 1.5", "sanctions_level:",
                               "events[0].set.brussels.sanctions_level",
                               "1.5 is not allowed; allowed: an integer from 0 to 2"),
    "start before base year": ("start_year: 2015", "start_year: 2010", "start_year", "start_year",
                               "2010 is not allowed; allowed: a year from 2015 (the model's base year) to 2100"),
    "end before start": ("end_year: 2020", "end_year: 2014", "end_year", "end_year",
                         "2014 is not allowed; allowed: a year from 2015 to 2100"),
    "end after 2100": ("end_year: 2020", "end_year: 2101", "end_year", "end_year",
                       "2101 is not allowed; allowed: a year from 2015 to 2100"),
    "year is text": ("- year: 2016", "- year: '2016'", "- year: '2016'", "events[1].year",
                     "must be a whole number (integer), got the text '2016'"),
    "event after end year": ("- year: 2017", "- year: 2021", "- year: 2021", "events[0].year",
                             "2021 is outside the scenario's years; allowed: a year from 2015 to 2020"),
    "event before start year": ("- year: 2016", "- year: 2015", None, None, None),  # valid: the first year
    "replicates zero": ("replicates: 10", "replicates: 0", "replicates", "replicates",
                        "0 is not allowed; allowed: an integer from 1 to 100000"),
    "replicates too many": ("replicates: 10", "replicates: 1000000", "replicates", "replicates",
                            "allowed: an integer from 1 to 100000 (use a sweep or fewer replicates)"),
    "seed negative": ("seed: 1", "seed: -1", "seed", "seed", "-1 is not allowed; allowed: an integer >= 0"),
    "seed not integer": ("seed: 1", "seed: 1.5", "seed", "seed", "must be a whole number (integer), got 1.5"),
    "seed boolean": ("seed: 1", "seed: yes", "seed", "seed", "must be a whole number (integer), got true"),
    "bad name": ("name: test", "name: Test Scenario", "name:", "name",
                 "'Test Scenario' is not allowed; allowed: lowercase letters, digits, '_' and '-'"),
    "parameters not a mapping": ("  minsk.unrest_threshold: 0.6", "  - 0.6", "parameters:", "parameters",
                                 "must be a mapping of key: value, got a list"),
    "duplicate key": ("  - what happens?\n", "  - what happens?\nparameters: {}\n", "parameters: {}", "parameters",
                      "duplicate key (first given on line 8); give each key once"),
    "duplicate parameter id": ("  minsk.unrest_threshold: 0.6\n",
                               "  minsk.unrest_threshold: 0.6\n  minsk.unrest_threshold: 0.7\n", "0.7",
                               "parameters.minsk.unrest_threshold", "duplicate key (first given on line 9)"),
    "missing required key": ("seed: 1\n", "", None, "seed", "required key is missing (give it in this file)"),
    "misquoted event citation": ("    note: a jolt\n",
                                 f"    note: a jolt\n    citations:\n      - doc: 001_f8f6fde0ab2d2db7.txt\n"
                                 f"        quote: \"{CARNEGIE_QUOTE} and Belarus\"\n",
                                 "quote:", "events[0].citations[0].quote",
                                 "quote not found in 001_f8f6fde0ab2d2db7.txt"),
    "unknown citation document": ("    note: a jolt\n",
                                  f"    note: a jolt\n    citations:\n      - doc: 001.txt\n"
                                  f"        quote: \"{CARNEGIE_QUOTE}\"\n",
                                  "doc: 001.txt", "events[0].citations[0].doc", "unknown document '001.txt'"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input(case, registry, registry_file, tmp_path, run_cli):
    old, new, needle, key, words = BAD_INPUTS[case]
    assert old in VALID_SCENARIO
    text = VALID_SCENARIO.replace(old, new, 1)
    path = write(tmp_path / "bad.yaml", text)
    if words is None:
        load_scenario(path, registry=registry)
        return
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, registry=registry)
    err = caught.value
    expected_line = None if needle is None else line_of(text, needle)
    assert (err.file, err.line, err.key) == (str(path), expected_line, key), str(err)
    assert words in err.what
    where = f"{path}:{expected_line}" if expected_line else f"{path}"
    assert str(err) == (f"{where}: {key}: {err.what}" if key else f"{where}: {err.what}")
    assert_cli_reports(run_cli, registry_file, path, str(err))


def test_empty_file(registry, registry_file, tmp_path, run_cli):
    for text in ("", "# only a comment\n"):
        path = write(tmp_path / "empty.yaml", text)
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path, registry=registry)
        assert str(caught.value) == f"{path}: the file is empty; expected a YAML mapping of key: value"
        assert_cli_reports(run_cli, registry_file, path, str(caught.value))


def test_top_level_not_a_mapping(registry, registry_file, tmp_path, run_cli):
    path = write(tmp_path / "list.yaml", "- name: x\n- title: y\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, registry=registry)
    assert str(caught.value) == f"{path}:1: the top level must be a mapping of key: value, got a list"
    assert_cli_reports(run_cli, registry_file, path, str(caught.value))


def test_file_not_found(registry, registry_file, tmp_path, run_cli):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, registry=registry)
    assert str(caught.value) == f"{path}: file not found"
    assert_cli_reports(run_cli, registry_file, path, str(caught.value))


def test_not_utf8(registry, registry_file, tmp_path, run_cli):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(VALID_SCENARIO.replace("A test scenario", "Sc\u00e9nario").encode("latin-1"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, registry=registry)
    assert (caught.value.line, caught.value.key) == (2, None)
    assert "not UTF-8" in str(caught.value)
    assert_cli_reports(run_cli, registry_file, path, str(caught.value))


def test_validate_checks_every_file(registry_file, tmp_path, run_cli):
    good = write(tmp_path / "good.yaml", VALID_SCENARIO)
    bad = write(tmp_path / "bad.yaml", VALID_SCENARIO.replace("seed: 1", "seed: -1"))
    result = run_cli("--registry", registry_file, "validate", bad, good)
    assert result.exit_code == 2
    assert result.stdout.startswith(f"ok  {good}")
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]  # good's uncited events
    assert len(errors) == 1 and errors[0].startswith(f"error: {bad}:7: seed:")


def test_console_script_prints_one_line_without_traceback(registry_file, tmp_path):
    bad = write(tmp_path / "bad.yaml", VALID_SCENARIO.replace("threshold: 0.6", "threshold: 1.5"))
    proc = subprocess.run([sys.executable, "-c", "from sim.cli import main; main()",
                           "--registry", str(registry_file), "validate", str(bad)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (f"error: {bad}:9: parameters.minsk.unrest_threshold: 1.5 is not allowed; "
                           "allowed: a number from 0 to 1\n")


# --------------------------------------------------------------------------- base: inheritance

BASE = """\
name: base
title: Base
description: The base.
start_year: 2015
end_year: 2025
replicates: 100
seed: 7
parameters:
  minsk.unrest_threshold: 0.4
  brussels.sanctions_level_2015: 2
events:
  - year: 2020
    set: {minsk.unrest: 0.5}
    note: from base
  - year: 2018
    add: {minsk.unrest: 0.1}
questions:
  - base question
"""

CHILD = """\
base: ../common/base.yaml
name: child
replicates: 5
parameters:
  minsk.unrest_threshold: 0.6
events:
  - year: 2020
    set: {minsk.unrest: 0.9}
    note: from child
"""


def test_base_inheritance(registry, tmp_path):
    base = write(tmp_path / "common" / "base.yaml", BASE)
    child = write(tmp_path / "scenarios" / "child.yaml", CHILD)
    s = load_scenario(child, registry=registry)
    assert (s.name, s.title, s.replicates, s.seed, s.end_year) == ("child", "Base", 5, 7, 2025)
    assert s.parameters == {"minsk.unrest_threshold": 0.6, "brussels.sanctions_level_2015": 2.0}
    assert [(e.year, e.note) for e in s.events] == [(2018, ""), (2020, "from base"), (2020, "from child")]
    assert s.questions == ("base question",)
    assert [p.resolve() for p in s.bases] == [base.resolve()]

    grandchild = write(tmp_path / "scenarios" / "grandchild.yaml",
                       "base: child.yaml\nname: grandchild\nquestions: [mine]\n")
    g = load_scenario(grandchild, registry=registry)
    assert g.questions == ("mine",)
    assert [p.name for p in g.bases] == ["child.yaml", "base.yaml"]
    assert g.replicates == 5 and len(g.events) == 3


def test_error_in_base_names_the_base_file(registry, tmp_path):
    write(tmp_path / "common" / "base.yaml", BASE.replace("seed: 7", "seed: -7"))
    child = write(tmp_path / "scenarios" / "child.yaml", CHILD)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child, registry=registry)
    assert str(caught.value) == (f"{tmp_path}/common/base.yaml:7: seed: -7 is not allowed; "
                                 "allowed: an integer >= 0")


def test_child_event_outside_inherited_horizon(registry, tmp_path):
    write(tmp_path / "common" / "base.yaml", BASE)
    child = write(tmp_path / "scenarios" / "child.yaml", CHILD.replace("- year: 2020", "- year: 2030"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child, registry=registry)
    assert str(caught.value) == (f"{child}:7: events[0].year: 2030 is outside the scenario's years; "
                                 "allowed: a year from 2015 to 2025")


def test_missing_key_after_merge(registry, tmp_path):
    write(tmp_path / "common" / "base.yaml", BASE.replace("seed: 7\n", ""))
    child = write(tmp_path / "scenarios" / "child.yaml", CHILD)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child, registry=registry)
    assert str(caught.value) == f"{child}: seed: required key is missing (give it in this file or its base files)"


def test_missing_base_file(registry, registry_file, tmp_path, run_cli):
    child = write(tmp_path / "scenarios" / "child.yaml", CHILD)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child, registry=registry)
    assert str(caught.value) == (f"{child}:1: base: base file '../common/base.yaml' not found "
                                 f"(looked for {tmp_path}/common/base.yaml)")
    assert_cli_reports(run_cli, registry_file, child, str(caught.value))


def test_a_base_may_name_a_shipped_scenario(tmp_path):
    """A student's scenario in a folder of its own builds on the library by name; a file of that name next
    to it wins; a name that is neither is one line with a suggestion."""
    from sim.inputs.resources import shipped_scenarios

    mine = write(tmp_path / "mine.yaml", "base: war_2022\nname: mine\n")
    s = load_scenario(mine)
    assert [p.resolve() for p in s.bases][0] == shipped_scenarios()["war_2022"].resolve()
    assert any(e.set.get("world.ukraine_war_ongoing") == 1 for e in s.events)
    write(tmp_path / "war_2022", "not a scenario")  # a file of that exact name: a path, refused as one
    with pytest.raises(ScenarioError, match="must be a scenario file ending in .yaml or .yml"):
        load_scenario(mine)
    typo = write(tmp_path / "typo.yaml", "base: basline\nname: typo\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(typo)
    assert str(caught.value).startswith(f"{typo}:1: base: 'basline' is no scenario file next to this one and no "
                                        "shipped scenario; did you mean 'baseline'? (shipped: baseline, ")


def test_base_cycle(registry, registry_file, tmp_path, run_cli):
    a = write(tmp_path / "a.yaml", "base: b.yaml\nname: a\n")
    write(tmp_path / "b.yaml", "name: b\nbase: c.yaml\n")
    write(tmp_path / "c.yaml", "base: a.yaml\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(a, registry=registry)
    assert str(caught.value) == f"{tmp_path}/c.yaml:1: base: base files form a cycle: a.yaml -> b.yaml -> c.yaml -> a.yaml"
    assert_cli_reports(run_cli, registry_file, a, str(caught.value))
    selfish = write(tmp_path / "self.yaml", "base: self.yaml\n")
    with pytest.raises(ScenarioError, match="cycle: self.yaml -> self.yaml"):
        load_scenario(selfish, registry=registry)


# --------------------------------------------------------------------------- hostile YAML


def billion_laughs(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    names = "abcdefghijklmnopqrstuvwxyz"
    for prev, name in zip(names, names[1:levels]):
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    return text


def alias_tower(floors: int = 6) -> str:
    text = "a0: &a0 " + "[" * 10 + "1" + "]" * 10 + "\n"
    for i in range(1, floors):
        text += f"a{i}: &a{i} " + "[" * 10 + f"*a{i - 1}" + "]" * 10 + "\n"
    return text


@pytest.mark.parametrize("text, words", [
    pytest.param(billion_laughs(), "YAML document too large", id="billion-laughs"),
    pytest.param(VALID_SCENARIO + "extra: &q [*q]\n", "refers to itself", id="recursive-alias"),
    pytest.param("a: " + "[" * 60 + "]" * 60 + "\n", "nested too deeply", id="deep-60"),
    pytest.param("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply", id="deep-5000"),
    pytest.param(alias_tower(), "nested too deeply", id="deep-through-aliases"),
])
def test_hostile_yaml_fails_fast(registry, tmp_path, text, words):
    path = write(tmp_path / "bomb.yaml", text)
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError, match=words):
            load_scenario(path, registry=registry)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB: refused only after expanding"  # memory, not wall-clock


def test_aliases_within_limits_are_fine(registry, tmp_path):
    text = VALID_SCENARIO.replace("questions:\n  - what happens?\n", "questions: &q [one, two]\n")
    text = text.replace("    note: a jolt", "    note: &n shared")
    path = write(tmp_path / "alias.yaml", text)
    assert load_scenario(path, registry=registry).questions == ("one", "two")


# --------------------------------------------------------------------------- overrides and --set


def test_overrides(registry, tmp_path):
    path = write(tmp_path / "s.yaml", VALID_SCENARIO)
    s = load_scenario(path, overrides={"minsk.unrest_threshold": 0.3, "minsk.prisoners_2015": 3}, registry=registry)
    assert s.parameters == {"minsk.unrest_threshold": 0.3, "minsk.prisoners_2015": 3.0}
    cases = {
        "minsk.unrest_treshold": (0.3, "overrides: minsk.unrest_treshold: unknown parameter id; "
                                       "did you mean 'minsk.unrest_threshold'?"),
        "minsk.unrest_threshold": (1.2, "overrides: minsk.unrest_threshold: 1.2 is not allowed; "
                                        "allowed: a number from 0 to 1"),
        "minsk.prisoners_2015": (True, "overrides: minsk.prisoners_2015: must be a number, got true (a boolean)"),
    }
    for pid, (value, message) in cases.items():
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path, overrides={pid: value}, registry=registry)
        assert str(caught.value) == message


@pytest.mark.parametrize("text, message", [
    ("minsk.unrest_treshold=0.5",
     "--set: minsk.unrest_treshold: unknown parameter id; did you mean 'minsk.unrest_threshold'?"),
    ("minsk.unrest_threshold=1.5", "--set: minsk.unrest_threshold: 1.5 is not allowed; allowed: a number from 0 to 1"),
    ("minsk.prisoners_2015=2.5", "--set: minsk.prisoners_2015: 2.5 is not allowed; allowed: an integer from 0 to 1000000"),
    ("minsk.unrest_threshold=abc", "--set: minsk.unrest_threshold: must be a number, got 'abc'"),
    ("minsk.unrest_threshold=nan", "--set: minsk.unrest_threshold: must be a finite number, got nan"),
    ("minsk.unrest_threshold", "--set: 'minsk.unrest_threshold' is not ID=VALUE; "
                               "e.g. --set minsk.unrest_threshold=0.6"),
])
def test_parse_set_errors(registry, text, message):
    with pytest.raises(ScenarioError) as caught:
        parse_set(text, registry)
    assert str(caught.value) == message


def test_parse_set_and_cli_set(registry, registry_file, tmp_path, run_cli):
    assert parse_set(" minsk.unrest_threshold = 0.45 ", registry) == ("minsk.unrest_threshold", 0.45)
    path = write(tmp_path / "s.yaml", VALID_SCENARIO)
    result = run_cli("--registry", registry_file, "validate", "--set", "minsk.unrest_threshold=0.3", path)
    assert result.exit_code == 0, result.output
    result = run_cli("--registry", registry_file, "validate", "--set", "minsk.unrest_threshold=3", path)
    assert result.exit_code == 2
    assert result.stderr == ("error: --set: minsk.unrest_threshold: 3 is not allowed; "
                             "allowed: a number from 0 to 1\n")


# --------------------------------------------------------------------------- Scenario.replace


def test_replace(registry_file, registry, tmp_path):
    s = load_scenario(write(tmp_path / "s.yaml", VALID_SCENARIO), registry=registry)
    assert s.replace(replicates=3, seed=9).replicates == 3
    assert s.replace(end_year=2017).end_year == 2017
    assert isinstance(s.replace(), Scenario)
    bad = {
        "replicates": (0, "replicates: 0 is not allowed"),
        "seed": (-2, "seed: -2 is not allowed"),
        "end_year": (2016, "events[1].year: 2017 is outside the scenario's years; allowed: a year from 2015 to 2016"),
        "parameters": ({"minsk.unrest_threshold": 2.0}, "parameters.minsk.unrest_threshold: 2 is not allowed"),
        "colour": ("red", "colour: cannot replace 'colour'"),
    }
    for key, (value, message) in bad.items():
        with pytest.raises(ScenarioError) as caught:
            s.replace(**{key: value})
        assert str(caught.value).startswith(f"{s.path}: {message}")
    with pytest.raises(ScenarioError, match="whole number"):
        s.replace(replicates=True)


# --------------------------------------------------------------------------- the real registry


def test_scenario_against_real_registry(real_registry, tmp_path):
    pid, p = next((pid, p) for pid, p in real_registry.items() if pid != "model.base_year" and p.low < p.high)
    text = VALID_SCENARIO.replace("minsk.unrest_threshold: 0.6", f"{pid}: {p.low!r}").replace(
        "    add:\n      brussels.sanctions_level_2015: 1\n", "    add:\n      minsk.unrest: 0.1\n")
    s = load_scenario(write(tmp_path / "s.yaml", text))
    assert s.parameter_values()[pid] == p.low
    assert s.start_year == real_registry.base_year() == 2015
