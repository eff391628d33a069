"""Resource limits and operating-system faults: one line, exit 2, nothing half-written, checked early.

Disk full and read-only file systems are simulated by monkeypatching the writes (the tests run as
root, which ignores chmod); the memory guard's cgroup parsing reads fake cgroup files; a silent
Dask peer is a local socket that accepts and says nothing; orphaned workers are real processes.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.inputs.errors import MAX_BYTES, ScenarioError
from sim.inputs.scenario import load_scenario, parse_set
from sim.outputs import claims, csv_tables

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL_RUN = ["run", str(BASELINE), "--replicates", "5", "--end-year", "2017", "--no-plots"]


def _one_line_exit_2(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
    return result.output


def _left_over(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(".")] if folder.exists() else []


# --------------------------------------------------------------------------- disk full, read-only, long names


def test_disk_full_while_writing_a_run_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    monkeypatch.setattr(csv_tables, "write_csv", full)  # run folders' CSVs (pandas's bytes, without pandas)
    out = tmp_path / "run"
    text = _one_line_exit_2(CliRunner().invoke(cli, [*SMALL_RUN, "--out", str(out)]))
    assert "No space left on device" in text and "nothing was written" in text
    assert not out.exists() and not _left_over(tmp_path)


def test_disk_full_while_writing_a_comparison_is_one_line(tmp_path, monkeypatch):
    runner = CliRunner()
    for name in ("a", "b"):
        assert runner.invoke(cli, [*SMALL_RUN, "--out", str(tmp_path / name)]).exit_code == 0
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *a, **k: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    out = tmp_path / "cmp"
    _one_line_exit_2(runner.invoke(cli, ["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)]))
    assert not out.exists() and not _left_over(tmp_path)


def test_disk_full_while_a_sweep_writes_a_chunk_keeps_what_was_done(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    real = pq.write_table  # every Parquet file goes through it: pandas' design table and the chunks alike
    calls = []

    def fill_up(table, where, *args, **kwargs):
        calls.append(where)
        if len(calls) > 2:  # the design, then one chunk, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", fill_up)
    out = tmp_path / "sw"
    result = CliRunner().invoke(cli, ["sweep", str(BASELINE), "--vary", "minsk.unrest_threshold=0.3:0.7:6",
                                      "--replicates", "5", "--no-plots", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "cannot write a finished chunk" in result.output and "Traceback" not in result.output
    assert not out.exists() and not [p for p in (tmp_path / "sw.partial" / "chunks").iterdir()
                                     if p.name.startswith(".")]


@pytest.mark.parametrize("command", [
    lambda out: [*SMALL_RUN, "--out", str(out / "run")],
    lambda out: ["sweep", str(BASELINE), "--vary", "minsk.unrest_threshold=0.3:0.7:3", "--replicates", "5",
                 "--no-plots", "--out", str(out / "sweep")],
], ids=["run", "sweep"])
def test_a_read_only_place_is_refused_before_any_work(tmp_path, monkeypatch, command):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(claims.tempfile, "mkstemp", read_only)  # the write check made before the work
    ran = []
    import sim.runs.ensemble as ensemble

    monkeypatch.setattr(ensemble, "BalancingModel", lambda *a, **k: ran.append(1))
    text = _one_line_exit_2(CliRunner().invoke(cli, command(tmp_path)))
    assert "Read-only file system" in text and not ran


def test_report_and_hindcast_targets_are_checked_before_the_work(tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(cli, [*SMALL_RUN, "--out", str(tmp_path / "run")]).exit_code == 0
    import sim.report.document as document

    monkeypatch.setattr(document, "build_report", lambda *a, **k: pytest.fail("the work started"))
    monkeypatch.setattr(claims.tempfile, "mkstemp", lambda *a, **k: (_ for _ in ()).throw(
        OSError(errno.EROFS, "Read-only file system")))
    text = _one_line_exit_2(runner.invoke(cli, ["report", str(tmp_path / "run"), "--out",
                                                str(tmp_path / "ro" / "r.html")]))
    assert "Read-only file system" in text
    monkeypatch.undo()
    import sim.evidence.hindcast as hindcast

    monkeypatch.setattr(hindcast, "run_hindcast", lambda *a, **k: pytest.fail("the work started"))
    text = _one_line_exit_2(runner.invoke(cli, ["hindcast", "--report", "--report-path", str(tmp_path)]))
    assert "is a folder; give the path of the file to write" in text


def test_names_too_long_are_refused_at_validation(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(f"name: {'a' * 250}\ntitle: t\ndescription: d\nbase: {BASELINE}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="is too long; allowed: at most 64 characters"):
        load_scenario(path)
    path.write_text(f"name: s\ntitle: t\ndescription: d\nbase: {BASELINE}\nseed: {'7' * 230}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"\(230 digits\) is not allowed; allowed: an integer from 0 to 2\*\*128"):
        load_scenario(path)
    text = _one_line_exit_2(CliRunner().invoke(cli, [*SMALL_RUN, "--seed", "9" * 230]))
    assert "230 digits" in text
    text = _one_line_exit_2(CliRunner().invoke(cli, [*SMALL_RUN, "--out", str(tmp_path / ("x" * 240))]))
    assert "the name is too long" in text


def test_an_out_that_is_a_file_is_not_called_a_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    text = _one_line_exit_2(CliRunner().invoke(cli, [*SMALL_RUN, "--out", str(tmp_path / "f")]))
    assert "a file of that name exists" in text


# --------------------------------------------------------------------------- memory guard and cgroups


def _cgroup(tmp_path: Path, proc: str, files: dict[str, str]) -> dict[str, Path]:
    (tmp_path / "proc").write_text(proc, encoding="ascii")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="ascii")
    return {"proc_cgroup": tmp_path / "proc", "v2_root": tmp_path / "v2", "v1_root": tmp_path / "v1"}


def test_cgroup_v2_limit_less_usage_and_the_tightest_ancestor(tmp_path):
    from sim.runs.ensemble import cgroup_free_memory

    paths = _cgroup(tmp_path, "0::/job/step\n", {
        "v2/job/memory.max": "1000000000\n", "v2/job/memory.current": "100000000\n",
        "v2/job/step/memory.max": "max\n", "v2/job/step/memory.current": "50000000\n",
        "v2/job/step/memory.stat": "anon 40000000\ninactive_file 10000000\n"})
    assert cgroup_free_memory(**paths) == 900_000_000
    (tmp_path / "v2/job/step/memory.max").write_text("800000000\n")
    assert cgroup_free_memory(**paths) == 800_000_000 - 40_000_000  # inactive file cache is reclaimable


def test_cgroup_v1_limit_and_the_unlimited_value(tmp_path):
    from sim.runs.ensemble import cgroup_free_memory

    paths = _cgroup(tmp_path, "4:memory:/docker/abc\n3:cpu:/\n", {
        "v1/memory.limit_in_bytes": "838860800\n", "v1/memory.usage_in_bytes": "104857600\n"})
    assert cgroup_free_memory(**paths) == 838860800 - 104857600  # the group's path is not mounted: its root
    (tmp_path / "v1/memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert cgroup_free_memory(**paths) is None
    assert cgroup_free_memory(proc_cgroup=tmp_path / "missing") is None


def test_the_memory_guard_uses_the_cgroup_limit(monkeypatch):
    import sim.runs.ensemble as ensemble

    monkeypatch.setattr(ensemble, "cgroup_free_memory", lambda: 800 * 2**20)
    assert ensemble.available_memory() <= 800 * 2**20
    with pytest.raises(ScenarioError, match=r"needs about .* GiB of memory but only 0.8 GiB is free"):
        ensemble.check_memory(load_scenario(BASELINE).replace(replicates=100_000))


# --------------------------------------------------------------------------- YAML size limits


def _events_file(tmp_path: Path, count: int) -> Path:
    lines = ["name: many", "title: t", "description: d", f"base: {BASELINE}", "end_year: 2100", "events:"]
    lines += [f"  - year: {2016 + i % 85}\n    add: {{minsk.unrest: 0.01}}\n    note: protest {i}"
              for i in range(count)]
    path = tmp_path / f"events{count}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_1500_legitimate_events_load(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # uncited events warn
        assert len(load_scenario(_events_file(tmp_path, 1500)).events) == 1500


def test_too_many_events_and_too_many_bytes_are_refused_with_the_limit(tmp_path):
    with pytest.raises(ScenarioError, match="6,000 events; allowed: at most 5,000 in one file"):
        load_scenario(_events_file(tmp_path, 6000))
    big = tmp_path / "big.yaml"
    big.write_text("name: x\n" + "# padding\n" * (MAX_BYTES // 10 + 10), encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf"file too large \([\d,]+ bytes\); allowed: at most {MAX_BYTES:,} bytes"):
        load_scenario(big)


def test_a_long_base_chain_is_named_as_such(tmp_path):
    (tmp_path / "s0.yaml").write_text(f"base: {BASELINE}\n", encoding="utf-8")
    for i in range(1, 30):
        (tmp_path / f"s{i}.yaml").write_text(f"base: s{i - 1}.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="the base: chain is too long"):
        load_scenario(tmp_path / "s29.yaml")


# --------------------------------------------------------------------------- a silent Dask peer


def test_a_silent_scheduler_is_given_up_on_after_the_stated_timeout(monkeypatch):
    pytest.importorskip("distributed")
    from sim.sweep import executors

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept_and_say_nothing():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1)
    monkeypatch.setattr(executors, "CONNECT_GRACE", 1)
    try:
        with pytest.raises(ScenarioError, match=r"no answer from the Dask scheduler at tcp://127\.0\.0\.1:\d+ "
                                                r"within 2 s"):
            executors.connect(f"tcp://127.0.0.1:{server.getsockname()[1]}")
        assert accepted  # it did connect: the peer just said nothing
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


# --------------------------------------------------------------------------- workers


def test_workers_are_capped_at_the_cpus_available(monkeypatch, tmp_path):
    from sim.sweep import executors

    monkeypatch.setattr(executors, "available_cpus", lambda: 2)
    assert executors.usable_workers(64) == (2, executors.usable_workers(64)[1])
    assert "capped at the 2 CPUs available" in executors.usable_workers(64)[1]
    assert executors.usable_workers(64, force=True) == (64, None)
    assert executors.usable_workers(0) == (2, None)
    monkeypatch.setattr(executors, "available_cpus", lambda: 1)
    result = CliRunner().invoke(cli, ["sweep", str(BASELINE), "--vary", "minsk.unrest_threshold=0.3:0.7:2",
                                      "--replicates", "5", "--no-plots", "--workers", "100000",
                                      "--out", str(tmp_path / "sw")])
    assert result.exit_code == 0, result.output
    assert "note: --workers 100000 capped at the 1 CPU available" in result.output
    assert "; 1 worker\n" in result.output and "100000 workers" not in result.output  # the header: the real count


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the workers")
def test_workers_of_a_killed_sweep_exit_instead_of_living_on(tmp_path):
    sweep = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(BASELINE), "--vary",
                              "minsk.unrest_threshold=0.3:0.7:400", "--replicates", "300", "--no-plots",
                              "--workers", "2", "--force-workers", "--out", str(tmp_path / "sw")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        workers: set[int] = set()
        while time.monotonic() < deadline and not (tmp_path / "sw.partial" / "chunks").is_dir() \
                or len(workers) < 3:  # a fork server and two workers
            assert sweep.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
            workers = _descendants(sweep.pid)
    finally:
        sweep.send_signal(signal.SIGKILL)
        sweep.wait()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)], "orphaned worker processes live on"


# --------------------------------------------------------------------------- stale staging and a second Ctrl-C


def test_stale_staging_of_dead_processes_is_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".run.partial-{dead.pid}"
    (stale / "plots").mkdir(parents=True)
    (stale / "plots" / "x.png").write_bytes(b"x" * 1000)
    live = tmp_path / f".other.partial-{os.getppid()}"
    live.mkdir()
    assert claims.remove_stale_staging(tmp_path) == [stale]
    assert not stale.exists() and live.exists()
    assert claims.remove_stale_staging(tmp_path) == []  # idempotent
    final = claims.claim(tmp_path / "next")  # claiming a name in the folder cleans it too
    claims.release(final)


def test_a_second_interrupt_during_clean_up_gives_no_traceback(tmp_path):
    # As the `sim` console script starts it (sim.cli:main).
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from sim.cli import main; main(sys.argv[1:])", "sweep", str(BASELINE), "--vary",
                             "minsk.unrest_threshold=0.3:0.7:200", "--replicates", "200", "--no-plots",
                             "--out", str(tmp_path / "sw")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 90
    while not (tmp_path / "sw.partial" / "chunks").is_dir():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGINT):
        time.sleep(0.02)
        if proc.poll() is None:
            proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert not [p for p in tmp_path.rglob(".*") if ".partial-" in p.name]


# --------------------------------------------------------------------------- the web app's address


def test_ui_on_a_network_address_needs_allow_remote_and_warns(monkeypatch):
    pytest.importorskip("solara")
    import sim.ui as web

    assert web.is_local("127.0.0.1") and web.is_local("localhost") and not web.is_local("0.0.0.0")
    served = []
    monkeypatch.setattr(web, "serve", lambda *a, **k: served.append(k))
    text = _one_line_exit_2(CliRunner().invoke(cli, ["ui", "--host", "0.0.0.0"]))
    assert "--allow-remote" in text and not served
    result = CliRunner().invoke(cli, ["ui", "--host", "0.0.0.0", "--allow-remote"])
    assert result.exit_code == 0, result.output
    assert "warning: sim ui on 0.0.0.0 is reachable from the network without any login" in result.output
    assert served and served[0]["host"] == "0.0.0.0"


# --------------------------------------------------------------------------- small things a user meets


def test_control_sequences_in_a_title_are_shown_escaped(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(f'name: s\ntitle: "\\e]0;owned\\a\\e[31mred"\ndescription: d\nbase: {BASELINE}\n',
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path), "--replicates", "3", "--end-year", "2016", "--no-plots",
                                      "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[31mred" in result.output


@pytest.mark.parametrize("text", ["minsk.unrest_threshold=1_0", "minsk.unrest_threshold=０.5",
                                  "minsk.unrest_threshold=٠.٥", "minsk.unrest_threshold=0x1"])
def test_set_takes_only_plain_decimal_numbers(text):
    with pytest.raises(ScenarioError, match=r"must be a number, got '"):
        parse_set(text)
    assert parse_set("minsk.unrest_threshold=.5")[1] == 0.5 and parse_set("minsk.unrest_threshold=5e-1")[1] == 0.5


def test_vary_with_ends_too_close_for_n_values_is_refused():
    from sim.inputs.registry import load_registry
    from sim.sweep.designs import parse_vary

    with pytest.raises(ScenarioError, match="are too close for 3 different values"):
        parse_vary("minsk.unrest_threshold=0.5:0.5000000000001:3", load_registry())


def test_one_parameter_is_not_parameters():
    from sim.inputs.registry import load_registry
    from sim.sweep.designs import make_design

    design = make_design(load_registry(), "lhs", params="minsk.unrest_threshold", n=4, seed=1)
    assert design.describe().endswith("over 1 parameter")


def test_a_single_year_run_draws_its_figures_without_warnings(tmp_path):
    import warnings

    import sim

    result = sim.run(sim.load_scenario(BASELINE), replicates=3, end_year=2015)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result.save(tmp_path / "one")


def test_numpy_integer_seeds_are_whole_numbers():
    import sim

    scenario = sim.load_scenario(BASELINE)
    a = sim.run(scenario, replicates=3, end_year=2016, seed=np.int64(3))
    b = sim.run(scenario, replicates=3, end_year=2016, seed=3)
    assert a.seed == 3 and type(a.seed) is int and a.timeseries.equals(b.timeseries)


def test_rerun_names_the_manifest_it_read(tmp_path):
    import json

    runner = CliRunner()
    assert runner.invoke(cli, [*SMALL_RUN, "--out", str(tmp_path / "run")]).exit_code == 0
    manifest = tmp_path / "run" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["parameters"]["minsk.unrest_threshold"]["value"] = 5  # outside its domain [0, 1]
    manifest.write_text(json.dumps(data))
    text = _one_line_exit_2(runner.invoke(cli, ["rerun", str(tmp_path / "run")]))
    assert text.startswith(f"error: {manifest}")
