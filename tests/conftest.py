"""Shared fixtures: a tiny registry in tmp_path, scenario writers and a CLI runner."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.inputs.registry import DEFAULT_REGISTRY, Registry, load_registry

# A quote that occurs in seeds/001_f8f6fde0ab2d2db7.txt (written there with a curly apostrophe).
CARNEGIE_QUOTE = "Lukashenko, once Moscow's closest ally, has abandoned all talk of integration with Russia"

TINY_REGISTRY = f"""\
parameters:
  - id: model.base_year
    value: 2015
    unit: year
    low: 2015
    high: 2015
    domain: [2015, 2015]
    integer: true
    meaning: first simulated year
    assumption: the seed documents describe the end of 2015
  - id: minsk.unrest_threshold
    value: 0.5
    unit: index 0-1
    low: 0.3
    high: 0.7
    domain: [0, 1]
    meaning: unrest that triggers a crackdown
    citations:
      - doc: 001_f8f6fde0ab2d2db7.txt
        quote: "{CARNEGIE_QUOTE}"
    note: a test entry
  - id: brussels.sanctions_level_2015
    value: 1
    unit: level
    low: 0
    high: 2
    domain: [0, 2]
    integer: true
    meaning: EU sanctions level in 2015
    assumption: a test entry
  - id: minsk.prisoners_2015
    value: 10
    unit: people
    low: 0
    high: 100
    domain: [0, 1000000]
    integer: true
    meaning: political prisoners at the end of 2015
    assumption: a test entry
"""

VALID_SCENARIO = """\
name: test
title: A test scenario
description: Used by the tests.
start_year: 2015
end_year: 2020
replicates: 10
seed: 1
parameters:
  minsk.unrest_threshold: 0.6
events:
  - year: 2017
    set:
      minsk.unrest: 0.8
    note: a jolt
  - year: 2016
    add:
      brussels.sanctions_level_2015: 1
questions:
  - what happens?
"""


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def registry_file(tmp_path: Path) -> Path:
    return write(tmp_path / "registry" / "parameters.yaml", TINY_REGISTRY)


@pytest.fixture
def registry(registry_file: Path) -> Registry:
    return load_registry(registry_file)


@pytest.fixture
def real_registry() -> Registry:
    if not DEFAULT_REGISTRY.exists():
        pytest.skip("seeds/parameters.yaml does not exist yet")
    return load_registry()


@pytest.fixture
def run_cli():
    """Invoke the ``sim`` group; returns click's Result with separate stdout and stderr."""

    def run(*args: str):
        return CliRunner().invoke(cli, [str(a) for a in args])

    return run
