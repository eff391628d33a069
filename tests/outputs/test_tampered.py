"""Every reader distrusts what it reads: tampered or damaged run folders end in one line, exit 2.

``Result.load`` checks the manifest against a schema and every table for its columns and numeric
content; compare, report, explain and rerun all read through it. Fuzzed with hypothesis over
manifest mutations and table corruption; the crafted names of the tester's report are checked
end to end, including that nothing is written outside the working folder.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import cli
from sim.common.variables import OUTPUTS
from sim.inputs.errors import ScenarioError
from sim.inputs.scenario import NAME_PATTERN
from sim.outputs.results import Result

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tampered") / "run"
    result = CliRunner().invoke(cli, ["run", str(ROOT / "scenarios" / "unrest_shock.yaml"), "--replicates", "4",
                                      "--end-year", "2021", "--no-plots", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _copy(run_folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / f"copy{len(list(tmp_path.iterdir()))}"
    shutil.copytree(run_folder, target)
    return target


def _paths(value, prefix=()):
    """Every key path in a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


JUNK = st.sampled_from([None, "", "/tmp/x", "../../x", "a" * 300, -1, 0, 2**70, 1e308, 1.5, True, [], {},
                        [1, 2, 3], "2015", "\x1b[31mred", "name with space"])


def _assert_sane(result: Result) -> None:
    assert NAME_PATTERN.fullmatch(result.name) and len(result.name) <= 64
    assert isinstance(result.seed, int) and isinstance(result.replicates, int)
    table = result.timeseries
    assert table is not None and list(table.columns[:2]) == ["replicate", "year"]
    assert np.isfinite(table[list(OUTPUTS)].to_numpy(dtype=float)).all()
    assert not result.summary.empty  # derived tables build


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_manifest_loads_sanely_or_is_one_line(run_folder, tmp_path, data):
    folder = _copy(run_folder, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    mutated = copy.deepcopy(manifest)
    paths = [p for p in _paths(mutated) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = mutated
        try:
            for part in path[:-1]:
                parent = parent[part]
            if data.draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = data.draw(JUNK)
        except (KeyError, IndexError, TypeError):
            continue
    (folder / "manifest.json").write_text(json.dumps(mutated), encoding="utf-8")
    try:
        result = Result.load(folder)
    except ScenarioError as err:
        assert "\n" not in str(err)
        return
    _assert_sane(result)


CORRUPTIONS = st.sampled_from(["cell", "drop_column", "truncate", "binary", "empty", "extra_rows", "nan"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.sampled_from(["timeseries.csv", "trace.csv"]), CORRUPTIONS, st.integers(0, 10**6),
       st.sampled_from(["abc", "", "1e999", "nan", "inf", "-", "0x10", "１"]))
def test_a_corrupted_table_loads_sanely_or_is_one_line(run_folder, tmp_path, name, how, where, junk):
    folder = _copy(run_folder, tmp_path)
    (folder / "timeseries.parquet").unlink(missing_ok=True)  # so the CSV is the table read (as in older folders)
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row, column = 1 + where % (len(lines) - 1), where % len(header)
    if how == "cell":
        cells = lines[row].split(",")
        cells[column] = junk
        lines[row] = ",".join(cells)
    elif how == "drop_column":
        lines = [",".join(c for i, c in enumerate(line.split(",")) if i != column) for line in lines]
    elif how == "truncate":
        lines = lines[:row]
    elif how == "extra_rows":
        lines = lines + lines[1:3]
    elif how == "nan":
        cells = lines[row].split(",")
        cells[column] = "NaN"
        lines[row] = ",".join(cells)
    if how == "binary":
        path.write_bytes(bytes(range(256)) * 3)
    elif how == "empty":
        path.write_bytes(b"")
    else:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        result = Result.load(folder)
    except ScenarioError as err:
        assert "\n" not in str(err)
        return
    _assert_sane(result)


# --------------------------------------------------------------------------- the commands, end to end


def _tamper(folder: Path, how: str) -> None:
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if how in ("/tmp/x", "../../x"):
        manifest["scenario"]["name"] = how
    elif how == "seed text":
        manifest["seed"] = "7"
    elif how == "years reversed":
        manifest["years"] = [2030, 2015]
    elif how == "parameters list":
        manifest["parameters"] = []
    elif how == "binary manifest":
        manifest_path.write_bytes(b"\xff\xfe\x00garbage")
        return
    elif how == "garbage parquet":
        (folder / "timeseries.parquet").write_bytes(b"PAR1 not really")
        return
    elif how == "text in a number column":
        (folder / "timeseries.parquet").unlink(missing_ok=True)
        table = folder / "timeseries.csv"
        lines = table.read_text(encoding="utf-8").splitlines()
        lines[3] = lines[3].replace(",", ",oops,", 1).replace(",oops,", ",", 0)
        cells = lines[3].split(",")
        cells[4] = "oops"
        lines[3] = ",".join(cells)
        table.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return
    elif how == "missing column":
        (folder / "timeseries.parquet").unlink(missing_ok=True)
        table = folder / "timeseries.csv"
        lines = table.read_text(encoding="utf-8").splitlines()
        table.write_text("\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n", encoding="utf-8")
        return
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


TAMPERINGS = ["/tmp/x", "../../x", "seed text", "years reversed", "parameters list", "binary manifest",
              "text in a number column", "missing column", "garbage parquet"]


@pytest.mark.parametrize("how", TAMPERINGS)
def test_every_reader_refuses_a_tampered_folder_in_one_line(run_folder, tmp_path, monkeypatch, how):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    good = _copy(run_folder, tmp_path)
    bad = _copy(run_folder, tmp_path)
    _tamper(bad, how)
    before = set(tmp_path.parent.iterdir())
    runner = CliRunner()
    for args in (["compare", str(good), str(bad)], ["report", str(bad)], ["explain", str(bad), "--year", "2020"],
                 ["rerun", str(bad)]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, (args, result.output)
        assert "Traceback" not in result.output
    assert set(tmp_path.parent.iterdir()) == before  # nothing next to the test folder ...
    assert not (work / "results").exists() or not list((work / "results").rglob("*.html"))
    assert not Path("/tmp/x-vs-unrest_shock").exists() and not (bad / "report.html").exists()
