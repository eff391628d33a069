"""The scenario library as a teaching surface: every scenario says what it leaves out, and invites an experiment."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

import sim
from sim.inputs.scenario import parse_set, scenario_from_dict

LIBRARY = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
COMMAND = re.compile(r"sim run (\S+\.yaml)((?: --set \S+)+)")


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_shipped_scenario_says_what_it_leaves_out(path):
    scenario = sim.load_scenario(path)
    assert scenario.leaves_out, f"{path.name}: no leaves_out: say what the scenario does not impose"
    assert all(len(item.split()) >= 6 for item in scenario.leaves_out), "each item a sentence, not a keyword"
    assert scenario.to_dict()["leaves_out"] == list(scenario.leaves_out)


def test_war_2022_says_it_has_no_2020_crackdown():
    scenario = sim.load_scenario(LIBRARY[0].parent / "war_2022.yaml")
    assert any("2020" in item and "crackdown" in item for item in scenario.leaves_out)


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_shipped_scenario_invites_a_set_experiment_that_runs(path):
    """At least one question names a `sim run ... --set ID=VALUE` a student can paste, valid against the registry,
    and sets it beside what happened (the record)."""
    scenario = sim.load_scenario(path)
    registry = sim.load_registry()
    experiments = [(q, m) for q in scenario.questions for m in COMMAND.finditer(q)]
    assert experiments, f"{path.name}: no question invites a --set experiment"
    for question, match in experiments:
        assert (path.parent.parent / match.group(1)).is_file(), match.group(1)
        for text in shlex.split(match.group(2))[1::2]:
            parse_set(text.rstrip(",.:;"), registry)  # raises ScenarioError, one line, if the id or value is wrong
    assert any("record" in q for q in scenario.questions), f"{path.name}: no question compares with the record"


def test_leaves_out_is_inherited_like_questions_and_survives_the_manifest(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"name: child\nbase: {LIBRARY[0].parent / 'war_2022.yaml'}\n", encoding="utf-8")
    scenario = sim.load_scenario(child)
    war = sim.load_scenario(LIBRARY[0].parent / "war_2022.yaml")
    assert scenario.leaves_out == war.leaves_out
    assert scenario_from_dict(scenario.to_dict()).leaves_out == war.leaves_out
    own = tmp_path / "own.yaml"
    own.write_text(f"name: own\nbase: {child}\nleaves_out: [\"nothing at all is left out here, by design\"]\n",
                   encoding="utf-8")
    assert sim.load_scenario(own).leaves_out == ("nothing at all is left out here, by design",)
