"""Shipped data and names: the wheel holds seeds/ and scenarios/, and a bare name runs a shipped scenario."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import sim
from sim.cli import cli
from sim.inputs.resources import SCENARIOS_DIR, scenario_path, shipped_scenarios

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _shipped_files(package: str) -> list[Path]:
    """The files of ``package`` that pyproject.toml's package-data puts into the wheel."""
    folder = ROOT / SETUPTOOLS.get("package-dir", {}).get(package, package.replace(".", "/"))
    patterns = SETUPTOOLS["package-data"][package]
    return [p for p in folder.iterdir() if p.is_file() and any(fnmatch.fnmatch(p.name, g) for g in patterns)]


def test_every_package_folder_is_listed_for_the_wheel():
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    assert folders <= set(SETUPTOOLS["packages"]), f"not in pyproject packages: {folders - set(SETUPTOOLS['packages'])}"


@pytest.mark.parametrize("package, folder", [("sim.data.seeds", "seeds"), ("sim.data.scenarios", "scenarios")])
def test_the_wheel_config_ships_every_seed_and_scenario_file(package, folder):
    assert SETUPTOOLS["package-dir"][package] == folder
    tracked = {p.name for p in (ROOT / folder).iterdir() if p.is_file() and not p.name.startswith(".")}
    shipped = {p.name for p in _shipped_files(package)}
    assert "parameters.yaml" in shipped or "baseline.yaml" in shipped
    assert tracked <= shipped, f"{folder}/ files left out of the wheel: {sorted(tracked - shipped)}"


def test_the_wheel_config_ships_the_report_styles():
    styles = {p.name for p in (ROOT / "sim" / "report").glob("*.css")}
    assert styles <= {p.name for p in _shipped_files("sim.report")}


@pytest.mark.slow
def test_a_built_wheel_holds_the_seeds_and_scenarios(tmp_path):
    # A copy of the sources, so that no stale build/ folder of the checkout leaks into the wheel.
    source = tmp_path / "source"
    for name in ("sim", "seeds", "scenarios"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w",
                            str(tmp_path / "dist")], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    [wheel] = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "sim/data/seeds/parameters.yaml" in names and "sim/data/seeds/observed.yaml" in names
    assert {f"sim/data/scenarios/{name}.yaml" for name in shipped_scenarios()} <= names
    assert {f"sim/report/{p.name}" for p in (ROOT / "sim" / "report").glob("*.css")} <= names


def test_sim_scenarios_lists_every_shipped_scenario_with_its_title():
    result = invoke("scenarios")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == list(shipped_scenarios())
    assert lines[0].split()[0] == "baseline"
    assert any("War in Ukraine from 2022" in line and line.startswith("war_2022 ") for line in lines)


def test_a_bare_name_is_the_shipped_scenario_and_a_path_is_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert scenario_path("war_2022") == SCENARIOS_DIR / "war_2022.yaml"
    assert sim.load_scenario("war_2022").name == "war_2022"
    assert scenario_path("war_2022.yaml") == Path("war_2022.yaml")  # a path, even if the file is missing
    (tmp_path / "war_2022").write_text((SCENARIOS_DIR / "baseline.yaml").read_text(encoding="utf-8"))
    assert sim.load_scenario("war_2022").name == "baseline"  # a file in the working folder wins


def test_sim_run_takes_a_bare_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "sanctions_lifted", "--replicates", "8", "--end-year", "2017", "--no-plots", "--out", "x")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x" / "timeseries.csv").is_file()


@pytest.mark.parametrize("command", [["run"], ["validate"], ["sweep", "--vary", "minsk.unrest_threshold=0.4:0.5:2"],
                                     ["compare", "baseline"]])
def test_an_unknown_bare_name_is_one_line_with_a_suggestion(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [*command[:1], "sanctions_liftd", *command[1:]]
    result = subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: sanctions_liftd: no such scenario file")
    assert "did you mean 'sanctions_lifted'?" in result.stderr
    assert not any(tmp_path.iterdir())
