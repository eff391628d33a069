"""The one atomic writer: an output appears complete or not at all; OS errors are one line."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from sim.inputs.errors import ScenarioError
from sim.outputs import paths
from sim.outputs.atomic import atomic_file, atomic_folder, write_text


def test_a_folder_appears_only_when_complete(tmp_path):
    target = tmp_path / "deep" / "run"
    with atomic_folder(target) as staging:
        (staging / "a.txt").write_text("a")
        assert not target.exists() and staging.name.startswith(".run.partial")
    assert (target / "a.txt").read_text() == "a"
    assert [p.name for p in target.parent.iterdir()] == ["run"]


def test_an_interrupted_folder_leaves_nothing(tmp_path):
    target = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        with atomic_folder(target) as staging:
            (staging / "a.txt").write_text("a")
            raise KeyboardInterrupt
    assert not any(tmp_path.iterdir())


def test_an_existing_folder_is_refused_before_any_work(tmp_path):
    (tmp_path / "run").mkdir()
    with pytest.raises(ScenarioError, match="output folder already exists"):
        with atomic_folder(tmp_path / "run"):
            raise AssertionError("not reached")


def test_a_file_is_replaced_whole_and_keeps_normal_permissions(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old")
    write_text(target, "new")
    assert target.read_text() == "new"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(RuntimeError):
        with atomic_file(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_place_is_one_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ScenarioError, match="permission denied|cannot write"):
            write_text(locked / "x.html", "x")
    finally:
        locked.chmod(0o700)


def test_a_parent_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ScenarioError, match="cannot create its parent folder") as err:
        write_text(tmp_path / "file" / "report.html", "x")
    assert "\n" not in str(err.value)


def test_default_paths_are_relative_to_the_working_folder():
    when = datetime(2026, 1, 2, 3, 4, 5)
    assert paths.run_folder("baseline", "20260102-030405-seed1") == Path("results/baseline/20260102-030405-seed1")
    assert paths.compare_folder(["a", "b"], when) == Path("results/compare/a-vs-b-20260102-030405")
    assert paths.report_file(["a"], [Path("runs/a")], when) == Path("runs/a/report.html")
    assert paths.report_file(["a", "b"], [Path("x"), Path("y")], when) == Path("results/reports/a-vs-b-20260102-030405.html")
    assert paths.sweep_folder("baseline", "sobol", when) == Path("results/baseline/sweep-sobol-20260102-030405")
    assert paths.discovery_folder(Path("s"), when) == Path("s/discovery-20260102-030405")
    assert paths.calibration_folder(when) == Path("results/calibration/20260102-030405")
    assert paths.VALIDATION_REPORT == Path("docs/validation.md")
    for path in (paths.RESULTS, paths.CALIBRATIONS, paths.SENSITIVITY, paths.VALIDATION_REPORT):
        assert not path.is_absolute()
