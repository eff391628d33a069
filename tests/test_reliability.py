"""Nothing lost, nothing surprising: reruns, interruption by signal, and fuzzed bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import cli
from sim.inputs.errors import ScenarioError
from sim.inputs.registry import load_registry
from sim.inputs.scenario import load_scenario, parse_set

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def test_rerun_reproduces_a_run_from_its_manifest(tmp_path):
    folder = tmp_path / "run"
    runner = CliRunner()
    assert runner.invoke(cli, ["run", str(SCENARIOS / "unrest_shock.yaml"), "--replicates", "40", "--end-year",
                               "2022", "--set", "minsk.unrest_threshold=0.4", "--no-plots",
                               "--out", str(folder)]).exit_code == 0
    result = runner.invoke(cli, ["rerun", str(folder)])
    assert result.exit_code == 0, result.output
    assert "reproduced: all" in result.output


def test_rerun_says_plainly_when_numbers_differ(tmp_path):
    folder = tmp_path / "run"
    runner = CliRunner()
    assert runner.invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--replicates", "20", "--end-year", "2018",
                               "--no-plots", "--out", str(folder)]).exit_code == 0
    (folder / "timeseries.parquet").unlink()  # readers take either file: here the CSV, edited by hand
    table = (folder / "timeseries.csv").read_text().splitlines()
    header, first = table[0], table[1].split(",")
    column = header.split(",").index("alignment")
    first[column] = "0.999"
    (folder / "timeseries.csv").write_text("\n".join([header, ",".join(first), *table[2:]]) + "\n")
    result = runner.invoke(cli, ["rerun", str(folder)])
    assert result.exit_code == 1
    assert "NOT reproduced" in result.output and "alignment (1)" in result.output


def test_rerun_of_a_folder_that_is_not_a_run_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["rerun", str(tmp_path)])
    assert result.exit_code == 2 and "not a run folder" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_run_exits_cleanly_and_leaves_no_folder(tmp_path, signum):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-c", "from sim.cli import main; main()", "run", str(SCENARIOS / "baseline.yaml"),
         "--replicates", "100000", "--end-year", "2100", "--out", str(out)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, (stdout, stderr)
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- fuzzed scenario files

BASELINE = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text())
REGISTRY_IDS = sorted(load_registry())

yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
              st.text(max_size=20), st.sampled_from(REGISTRY_IDS)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=12), children, max_size=4)),
    max_leaves=20)


@st.composite
def mutated_scenarios(draw) -> bytes:
    data = dict(BASELINE)
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.one_of(st.sampled_from(sorted(data) + ["parameters", "events", "base"]), st.text(max_size=10)))
        data[key] = draw(yaml_values)
    if draw(st.booleans()):
        data["parameters"] = {draw(st.sampled_from(REGISTRY_IDS)): draw(yaml_values)}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    mode = draw(st.sampled_from(["as_is", "truncate", "bytes", "deep"]))
    raw = text.encode("utf-8")
    if mode == "truncate":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif mode == "bytes":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    elif mode == "deep":
        depth = draw(st.integers(10, 400))
        raw += ("questions: " + "[" * depth + "]" * depth + "\n").encode()
    return raw


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(raw=mutated_scenarios())
def test_fuzzed_scenario_files_load_or_fail_with_the_documented_error(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("fuzz") / "case.yaml"
    path.write_bytes(raw)
    try:
        scenario = load_scenario(path)
    except ScenarioError as err:
        assert "\n" not in str(err) and str(err).startswith(str(path))
    else:
        assert scenario.start_year <= scenario.end_year


def test_billion_laughs_is_refused_quickly(tmp_path):
    lines = ['name: bomb', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("questions: *a9")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError) as err:
            load_scenario(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20  # refused before expanding: an expanded bomb takes gigabytes (memory, not wall-clock)
    assert "\n" not in str(err.value)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_fuzzed_set_strings_parse_or_fail_with_the_documented_error(text):
    try:
        pid, value = parse_set(text)
    except ScenarioError as err:
        assert "\n" not in str(err)
    else:
        assert pid in load_registry() and load_registry()[pid].check(value) is None


def test_manifest_records_schema_version_and_newer_versions_are_refused_plainly(tmp_path):
    folder = tmp_path / "run"
    assert CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--replicates", "5", "--end-year",
                                    "2016", "--no-plots", "--out", str(folder)]).exit_code == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["schema_version"] == 1
    manifest["schema_version"] = 99
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = CliRunner().invoke(cli, ["rerun", str(folder)])
    assert result.exit_code == 2 and "schema version 99" in result.output


def test_yaml_is_never_loaded_unsafely(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ScenarioError):
        load_scenario(path)
    assert os.path.exists(path)


# ---------------------------------------------------------------- resource limits


def test_a_run_too_big_for_memory_is_refused_up_front_with_an_estimate_and_a_hint(tmp_path, monkeypatch):
    import sim.runs.ensemble

    monkeypatch.setattr(sim.runs.ensemble, "available_memory", lambda: 50 * 2**20)  # 50 MiB free
    result = CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--replicates", "100000",
                                      "--out", str(tmp_path / "big")])
    assert result.exit_code == 2
    assert "GiB of memory" in result.output and "--summary-only" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "big").exists()


def test_summary_only_keeps_the_same_summary_without_the_time_series(tmp_path):
    import pandas as pd

    import sim

    full = sim.run(SCENARIOS / "unrest_shock.yaml", replicates=200, end_year=2023)
    lean = sim.run(SCENARIOS / "unrest_shock.yaml", replicates=200, end_year=2023, summary_only=True)
    pd.testing.assert_frame_equal(full.summary, lean.summary)
    pd.testing.assert_frame_equal(full.events, lean.events)
    folder = lean.save(tmp_path / "lean", plots=False)
    assert not (folder / "timeseries.csv").exists()
    reloaded = sim.Result.load(folder)
    assert reloaded.summary_only and reloaded.years == list(range(2015, 2024))
    pd.testing.assert_frame_equal(reloaded.summary, full.summary, check_dtype=False, rtol=1e-5)


def test_memory_estimate_grows_with_replicates_and_horizon():
    import sim
    from sim.runs.ensemble import estimate_memory

    scenario = sim.load_scenario(SCENARIOS / "baseline.yaml")
    small = estimate_memory(scenario)
    assert estimate_memory(scenario.replace(replicates=scenario.replicates * 10)) == 10 * small
    assert estimate_memory(scenario.replace(end_year=2045)) > small
    assert estimate_memory(scenario, summary_only=True) < small


def test_base_cannot_point_at_arbitrary_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password: hunter2\n")
    path = tmp_path / "crafted.yaml"
    path.write_text(f"name: crafted\nbase: {secret}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "must be a scenario file ending in .yaml" in str(err.value)
    assert "hunter2" not in str(err.value)


@pytest.mark.slow
def test_signal_during_sweep_keeps_finished_points_and_resume_gives_the_same_points(tmp_path):
    import pandas as pd

    args = ["sweep", str(SCENARIOS / "baseline.yaml"), "--sample", "sobol", "--n", "128",
            "--params", "minsk.unrest_threshold,minsk.weight_subsidy,moscow.subsidy_step",
            "--outcome", "alignment@2020", "--replicates", "60", "--no-plots"]
    out = tmp_path / "interrupted"
    process = subprocess.Popen([sys.executable, "-c", "from sim.cli import main; main()", *args, "--out", str(out)],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    chunks = out.with_name(out.name + ".partial") / "chunks"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (chunks.is_dir() and any(chunks.glob("*.parquet"))):
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr and "--resume" in stderr + stdout
    assert not out.exists() and chunks.is_dir()

    resumed = CliRunner().invoke(cli, [*args, "--out", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert not chunks.parent.exists()
    straight = tmp_path / "straight"
    assert CliRunner().invoke(cli, [*args, "--out", str(straight)]).exit_code == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "points.parquet"), pd.read_parquet(straight / "points.parquet"))


@pytest.mark.parametrize("args, expected", [
    (["run", str(SCENARIOS / "baseline.yaml"), "--replicates", "abc"], "'abc' is not a valid integer"),
    (["run"], "Missing argument"),
    (["frobnicate"], "No such command"),
    (["run", "no-such-file.yaml"], "file not found"),
    (["explain", str(SCENARIOS)], "Missing option '--year'"),
])
def test_the_sim_command_answers_bad_usage_with_one_line_and_exit_2(args, expected):
    process = subprocess.run([sys.executable, "-c", "from sim.cli import main; main()", *args],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert process.returncode == 2
    assert expected in process.stderr
    assert len(process.stderr.strip().splitlines()) == 1, process.stderr
    assert process.stderr.startswith("error: ") and process.stdout == ""


vary_texts = st.one_of(
    st.text(max_size=60),
    st.builds(lambda pid, a, b, n: f"{pid}={a}:{b}:{n}", st.sampled_from(REGISTRY_IDS),
              st.one_of(st.floats(allow_nan=True), st.text(max_size=5)), st.floats(allow_nan=True),
              st.one_of(st.integers(-5, 10**7), st.text(max_size=4))),
    st.builds(lambda pid, values: f"{pid}=" + ",".join(values), st.sampled_from(REGISTRY_IDS),
              st.lists(st.one_of(st.floats().map(str), st.text(max_size=4)), max_size=6)),
)


@settings(max_examples=300, deadline=None)
@given(text=vary_texts)
def test_fuzzed_vary_strings_parse_or_fail_with_the_documented_error(text):
    from sim.sweep.designs import parse_vary

    registry = load_registry()
    try:
        pid, values = parse_vary(text, registry)
    except ScenarioError as err:
        assert "\n" not in str(err)
    else:
        assert pid in registry and values
        assert all(registry[pid].check(v) is None for v in values)


# ---------------------------------------------------------------- found in review


def test_dollar_signs_in_scenario_text_are_prose_not_math(tmp_path):
    path = tmp_path / "dollars.yaml"
    path.write_text(f"name: dollars\nbase: {SCENARIOS / 'china_pivot.yaml'}\nevents:\n  - year: 2017\n"
                    "    add: {brussels.eu_engagement: 0.1}\n    note: The IMF offers a $3bn loan and the EU $2bn.\n")
    result = CliRunner().invoke(cli, ["run", str(path), "--replicates", "20", "--end-year", "2019",
                                      "--out", str(tmp_path / "run"), "--report"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "plots" / "overview.png").is_file() and (tmp_path / "run" / "report.html").is_file()


def test_compare_of_runs_with_no_common_year_is_one_line_and_writes_nothing(tmp_path):
    runner = CliRunner()
    late = tmp_path / "late.yaml"
    late.write_text(f"name: late\nbase: {SCENARIOS / 'baseline.yaml'}\nstart_year: 2019\n"
                                 "end_year: 2021\n")
    assert runner.invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--replicates", "10", "--end-year", "2016",
                               "--no-plots", "--out", str(tmp_path / "a")]).exit_code == 0
    result = runner.invoke(cli, ["compare", str(tmp_path / "a"), str(late), "--replicates", "10",
                                 "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and "share no year" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "c").exists()


def test_setting_chinese_investment_as_a_parameter_moves_trade():
    from sim.model.model import BalancingModel

    default = BalancingModel(replicates=500, seed=1, end_year=2025).run()
    more = BalancingModel(replicates=500, seed=1, end_year=2025, **{"world.china_investment_pct_gdp": 2.5}).run()
    assert more.history["china_trade_share"][-1].mean() > 1.3 * default.history["china_trade_share"][-1].mean()


def test_rerun_of_a_summary_only_run_says_plainly_it_cannot(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--replicates", "10", "--end-year", "2016",
                               "--no-plots", "--summary-only", "--out", str(tmp_path / "s")]).exit_code == 0
    result = runner.invoke(cli, ["rerun", str(tmp_path / "s")])
    assert result.exit_code == 2 and "--summary-only" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unwritable_outputs_are_refused_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--out", str(blocker / "run")])
    assert result.exit_code == 2 and "cannot create" in result.output
    assert len(result.output.strip().splitlines()) == 1
    runner = CliRunner()
    assert runner.invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--replicates", "5", "--end-year", "2016",
                               "--no-plots", "--out", str(tmp_path / "r")]).exit_code == 0
    manifest = (tmp_path / "r" / "manifest.json").read_bytes()
    result = runner.invoke(cli, ["report", str(tmp_path / "r"), "--out", str(tmp_path / "r" / "manifest.json")])
    assert result.exit_code == 2 and "not an HTML report" in result.output
    assert (tmp_path / "r" / "manifest.json").read_bytes() == manifest
