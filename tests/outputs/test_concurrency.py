"""Concurrent commands never collide: each output name is claimed by one process (sim.outputs.claims).

Real processes, started together behind a barrier file so that they pick their names in the same
second; small ensembles so the whole module stays within seconds of CPU.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sim.inputs.errors import ScenarioError
from sim.outputs import claims

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.yaml"

# Import first (the slow part), then wait for the go file, then run the command: the processes
# reach the naming step within milliseconds of each other.
DRIVER = textwrap.dedent("""
    import os, sys, time
    from sim.cli import cli
    go = sys.argv[1]
    open(go + f".ready-{os.getpid()}", "w").close()
    while not os.path.exists(go):
        time.sleep(0.005)
    cli(sys.argv[2:], prog_name="sim")
""")


def _start_together(tmp_path: Path, commands: list[list[str]]) -> list[subprocess.CompletedProcess]:
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", DRIVER, str(go), *command], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for command in commands]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go.ready-*"))) < len(procs) and time.monotonic() < deadline:
        time.sleep(0.02)
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


RUN = ["run", str(BASELINE), "--replicates", "10", "--end-year", "2017", "--seed", "4", "--no-plots"]
LONGER_RUN = ["run", str(BASELINE), "--replicates", "3000", "--seed", "4", "--no-plots"]  # about a second


def test_runs_of_the_same_scenario_and_seed_started_at_once_each_get_a_folder(tmp_path):
    results = _start_together(tmp_path, [RUN] * 4)
    for r in results:
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr
    folders = sorted(p for p in (tmp_path / "results" / "baseline").iterdir())
    assert len(folders) == 4, folders
    assert all((f / "manifest.json").is_file() for f in folders)
    printed = sorted(next(line for line in r.stdout.splitlines() if line.startswith("run folder: "))
                     for r in results)
    assert len(set(printed)) == 4  # each process names the folder it wrote
    assert not [p for p in (tmp_path / "results" / "baseline").iterdir() if p.name.startswith(".")]


def test_two_runs_with_the_same_out_one_wins_the_other_is_refused_before_work(tmp_path):
    results = _start_together(tmp_path, [LONGER_RUN + ["--out", "mine"]] * 2)
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 2], [r.stderr for r in results]
    loser = next(r for r in results if r.returncode == 2)
    assert loser.stderr.count("\n") == 1 and "Traceback" not in loser.stderr
    # Refused when it claims the name, before its run (the winner is still running then), not after it:
    assert "mine" in loser.stderr and "is writing this folder now" in loser.stderr
    assert (tmp_path / "mine" / "manifest.json").is_file()


def test_two_compares_with_default_names_both_land(tmp_path):
    from click.testing import CliRunner
    from sim.cli import cli

    first = tmp_path / "a"
    second = tmp_path / "b"
    for folder in (first, second):
        assert CliRunner().invoke(cli, [*RUN, "--out", str(folder)]).exit_code == 0
    results = _start_together(tmp_path, [["compare", str(first), str(second)]] * 2)
    for r in results:
        assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "results" / "compare").iterdir())) == 2


SWEEP = ["sweep", str(BASELINE), "--vary", "minsk.unrest_threshold=0.3:0.7:120", "--replicates", "200",
         "--no-plots", "--seed", "2"]


def test_a_resume_while_the_sweep_runs_is_refused_in_one_line(tmp_path):
    out = tmp_path / "sw"
    runner = subprocess.Popen([sys.executable, "-m", "sim.cli", *SWEEP, "--out", str(out)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out.with_name("sw.partial") / "sweep.json").exists():
            assert time.monotonic() < deadline and runner.poll() is None, runner.stderr.read()
            time.sleep(0.05)
        resume = subprocess.run([sys.executable, "-m", "sim.cli", *SWEEP, "--out", str(out), "--resume"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert resume.returncode == 2, resume.stderr
        assert resume.stderr.count("\n") == 1 and "Traceback" not in resume.stderr
        # The usual case: the sweep still runs and holds its folder. Should it have finished first (a fast
        # machine), the resume finds the complete folder instead; both are a refusal before any work.
        assert (f"another sim command (pid {runner.pid}) is writing this folder now" in resume.stderr
                or ("already complete" in resume.stderr and (out / "points.parquet").is_file())), resume.stderr
    finally:
        out_text, err_text = runner.communicate(timeout=180)
    assert runner.returncode == 0, err_text
    assert (out / "points.parquet").is_file() and not out.with_name("sw.partial").exists()


def test_two_sweeps_with_the_default_out_both_land(tmp_path):
    small = ["sweep", str(BASELINE), "--vary", "minsk.unrest_threshold=0.3:0.7:3", "--replicates", "10",
             "--no-plots"]
    results = _start_together(tmp_path, [small] * 2)
    for r in results:
        assert r.returncode == 0, r.stderr
    folders = [p for p in (tmp_path / "results" / "baseline").iterdir() if not p.name.startswith(".")]
    assert len(folders) == 2 and all((f / "points.parquet").is_file() for f in folders), folders


# --------------------------------------------------------------------------- the claim rules, in-process


def test_a_taken_default_name_moves_on_and_a_named_one_is_refused(tmp_path):
    (tmp_path / "run").mkdir()
    assert claims.claim(tmp_path / "run", next_free=True) == tmp_path / "run-2"
    try:
        with pytest.raises(ScenarioError, match="output folder already exists"):
            claims.claim(tmp_path / "run")
        assert claims.claim(tmp_path / "run", next_free=True) == tmp_path / "run-3"
        claims.release(tmp_path / "run-3")
    finally:
        claims.release(tmp_path / "run-2")
    assert not list(tmp_path.glob(".*.claim"))


def test_a_name_claimed_by_another_living_process_is_taken_and_freed_when_it_dies(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from sim.outputs import claims
        claims.claim({str(tmp_path / 'x')!r})
        print('held', flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ScenarioError, match=rf"another sim command \(pid {holder.pid}\) is writing"):
            claims.claim(tmp_path / "x")
        assert claims.claimed_elsewhere(tmp_path / "x")
        assert claims.claim(tmp_path / "x", next_free=True) == tmp_path / "x-2"
        claims.release(tmp_path / "x-2")
    finally:
        holder.kill()
        holder.wait()
    assert claims.claim(tmp_path / "x") == tmp_path / "x"  # kill -9 leaves no claim behind
    claims.release(tmp_path / "x")


@pytest.mark.parametrize("empty", [True, False])
def test_the_final_move_never_overwrites(tmp_path, empty):
    source, target = tmp_path / "src", tmp_path / "dst"
    source.mkdir()
    (source / "a").write_text("new")
    target.mkdir()
    if not empty:
        (target / "b").write_text("old")
    with pytest.raises(FileExistsError):
        claims.rename_no_replace(source, target)
    assert (source / "a").read_text() == "new" and sorted(os.listdir(target)) == ([] if empty else ["b"])


def test_a_folder_that_appears_during_the_write_is_not_overwritten(tmp_path):
    from sim.outputs.results import atomic_folder

    final = tmp_path / "out"
    with pytest.raises(ScenarioError, match="appeared meanwhile"):
        with atomic_folder(final) as staging:
            (staging / "x").write_text("mine")
            final.mkdir()  # another program, not claiming, writes the same name
    assert list(final.iterdir()) == [] and not claims.staging_path(final).exists()
