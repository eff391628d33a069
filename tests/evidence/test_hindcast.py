"""The hindcast machinery: observed outcomes, scores, the hindcast scenario, calibration and the report."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.evidence import calibrate as cal
from sim.inputs.errors import ScenarioError
from sim.evidence.hindcast import (DEFAULT_OBSERVED, DEFAULT_SCENARIO, Observation, brier_score, crps, hindcast_table,
                          load_observations, percentile_of, scores)
from sim.inputs.registry import Citation, find_quote, fold, load_registry
from sim.outputs.results import EVENT_DEFINITIONS
from sim.inputs.scenario import load_scenario
from sim.common.variables import OUTPUTS

AGENT_PREFIXES = ("minsk.", "moscow.", "brussels.", "trade.", "economy.", "energy.")
ALLOWED_WORLD_EVENTS = {"world.ukraine_war_ongoing", "world.election_reference_year", "world.election_cycle_years"}


def raw_observations() -> list[dict]:
    return yaml.safe_load(DEFAULT_OBSERVED.read_text(encoding="utf-8"))["observations"]


# --------------------------------------------------------------------------- seeds/observed.yaml


def test_observed_quotes_are_verbatim():
    entries = raw_observations()
    assert entries
    for entry in entries:
        assert entry["citations"], entry["id"]
        for c in entry["citations"]:
            found = find_quote(Citation(c["doc"], c["quote"]))
            assert found is not None, f"{entry['id']}: quote not in {c['doc']}: {c['quote']!r}"
            text, start, end = found
            assert text.replace("\n", " ")[start:end] == fold(c["quote"])


def test_observed_names_exist_and_file_loads():
    for entry in raw_observations():
        if entry["kind"] == "event":
            assert entry["output"] in EVENT_DEFINITIONS, entry["id"]
            assert entry["value"] in (0, 1), entry["id"]
        else:
            assert entry["kind"] == "quantity", entry["id"]
            assert entry["output"] in OUTPUTS, entry["id"]
    observations = load_observations()
    assert len({o.id for o in observations}) == len(observations)
    # What the issue names: the releases, the EU lifting sanctions, the 2016 projection (marked), the war, 2024.
    by_id = {o.id: o for o in observations}
    assert by_id["eu_lifts_sanctions_2016"].output == "sanctions_eased"
    assert by_id["gdp_growth_2016"].evidence == "projection"
    assert by_id["war_2024"].role(2015) == "input"
    assert by_id["releases_2015"].role(2015) == "initial"
    assert not any(o.year == 2020 for o in observations)  # the seeds report nothing that happened in 2020


def test_bad_observed_file_is_one_line(tmp_path, run_cli):
    bad = tmp_path / "observed.yaml"
    bad.write_text("observations:\n  - id: x\n    year: 2016\n    kind: event\n    output: sanctions_lifted\n"
                   "    value: 1\n    meaning: m\n    citations:\n      - {doc: 002_636ac68210ef8ba6.txt, "
                   "quote: \"On February 15\"}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"observed.yaml:5: observations\[0\]\.output: x: unknown event "
                                            r"'sanctions_lifted'; did you mean"):
        load_observations(bad)
    result = run_cli("hindcast", "--replicates", "5", "--observed", bad)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")


def test_made_up_quote_is_refused(tmp_path):
    bad = tmp_path / "observed.yaml"
    bad.write_text("observations:\n  - id: x\n    year: 2016\n    kind: event\n    output: sanctions_eased\n"
                   "    value: 1\n    meaning: m\n    citations:\n      - {doc: 002_636ac68210ef8ba6.txt, "
                   "quote: \"the EU lifted every sanction\"}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="quote not found"):
        load_observations(bad)


# --------------------------------------------------------------------------- the hindcast scenario


def test_hindcast_scenario_imposes_only_exogenous_inputs():
    scenario = load_scenario(DEFAULT_SCENARIO)
    assert (scenario.start_year, scenario.end_year) == (2015, 2025)
    assert scenario.parameters == {}
    assert scenario.events, "the war is imposed as a marked event"
    for event in scenario.events:
        for op in ("set", "add"):
            for vid in getattr(event, op):
                assert not vid.startswith(AGENT_PREFIXES), f"{event.year}: {vid} is decided by the agents"
                assert vid in ALLOWED_WORLD_EVENTS, f"{event.year}: {vid}"
        assert "EXTERNAL SHOCK" in event.note
    war = [e for e in scenario.events if "world.ukraine_war_ongoing" in e.set]
    assert [(e.year, e.set["world.ukraine_war_ongoing"]) for e in war] == [(2022, 1.0)]
    assert "Imposed" in scenario.description and "left to the agents" in scenario.description


# --------------------------------------------------------------------------- scores, by hand


def _obs(id, output, year, value=1.0, kind="event", since=None, evidence="reported", low=None, high=None):
    return Observation(id=id, year=year, kind=kind, output=output, value=value, meaning="m",
                       citations=(Citation("x", "y"),), evidence=evidence, since=since, low=low, high=high)


def _table(replicates: int, years=(2015, 2016, 2017)) -> pd.DataFrame:
    rows = [{"replicate": r, "year": y} for r in range(replicates) for y in years]
    table = pd.DataFrame(rows)
    for name in OUTPUTS:
        table[name] = 0.0
    return table


def test_brier_score_arithmetic():
    assert brier_score([0.9, 0.2, 0.5], [1, 0, 1]) == pytest.approx((0.01 + 0.04 + 0.25) / 3)
    assert brier_score([1, 0], [1, 0]) == 0
    assert brier_score([0, 1], [1, 0]) == 1
    assert np.isnan(brier_score([], []))


def test_scores_against_naive_and_base_rate_by_hand():
    t = _table(4)
    at = lambda r, y: (t["replicate"] == r) & (t["year"] == y)  # noqa: E731
    # 2015 (base year): sanctions in force everywhere, Minsk takes a step West everywhere, nobody eases.
    t.loc[t["year"] == 2015, "sanctions_level"] = 1
    t.loc[t["year"] == 2015, "minsk_foreign_move"] = 1
    # The EU eases in 2016 in 3 of 4 worlds; sanctions stay in force in 2017 in 1 of 4.
    for r in (0, 1, 2):
        t.loc[at(r, 2016), "brussels_sanctions_move"] = -1
    t.loc[at(3, 2016) | at(3, 2017), "sanctions_level"] = 1
    # Minsk takes a step East at least once in 2016-2017 in 2 of 4 worlds.
    t.loc[at(0, 2016) | at(1, 2017), "minsk_foreign_move"] = -1
    observations = [
        _obs("eased", "sanctions_eased", 2016, 1),              # model 0.75, base 0
        _obs("in_force", "sanctions_any", 2017, 0),             # model 0.25, base 1; did NOT happen
        _obs("east", "step_east", 2017, 1, since=2016),         # model 0.5, base 0
        _obs("initial", "sanctions_any", 2015, 1),              # base year: not scored
        _obs("war", "ukraine_war", 2017, 0),                    # input: not scored
        _obs("proj", "sanctions_eased", 2016, 1, evidence="projection"),  # projection: not scored
    ]
    table = hindcast_table(t, observations).set_index("id")
    assert table.loc["eased", "model"] == 0.75 and table.loc["eased", "base_rate"] == 0
    assert table.loc["in_force", "model"] == 0.25 and table.loc["in_force", "base_rate"] == 1
    assert table.loc["east", "model"] == 0.5 and table.loc["east", "base_rate"] == 0
    assert list(table["role"]) == ["outcome", "outcome", "outcome", "initial", "input", "outcome"]
    assert list(table["scored"]) == [True, True, True, False, False, False]
    assert table.loc["in_force", "verdict"] == "agrees" and table.loc["east", "verdict"] == "agrees"
    s = scores(table.reset_index())
    assert s["events"] == 3
    assert s["brier_model"] == pytest.approx((0.25 ** 2 + 0.25 ** 2 + 0.5 ** 2) / 3)
    assert s["brier_naive"] == pytest.approx(0.25)
    assert s["brier_base_rate"] == pytest.approx((1 + 1 + 1) / 3)
    assert s["skill_vs_naive"] == pytest.approx(1 - s["brier_model"] / 0.25)
    assert s["skill_vs_base_rate"] == pytest.approx(1 - s["brier_model"] / 1.0)


def test_percentile_placement_on_a_hand_made_ensemble():
    values = [1.0, 2.0, 3.0, 4.0]
    assert percentile_of(values, 2.5) == 50
    assert percentile_of(values, 2.0) == pytest.approx(100 * 1.5 / 4)
    assert percentile_of(values, 0.0) == 0 and percentile_of(values, 9.0) == 100
    assert percentile_of([5.0] * 10, 5.0) == 50

    t = _table(20)
    t.loc[t["year"] == 2016, "gdp_growth"] = np.arange(20, dtype=float)  # 0..19
    table = hindcast_table(t, [_obs("g", "gdp_growth", 2016, 4.0, kind="quantity"),
                               _obs("far", "gdp_growth", 2016, 40.0, kind="quantity"),
                               _obs("range", "gdp_growth", 2016, 40.0, kind="quantity", low=15, high=50)]
                           ).set_index("id")
    assert table.loc["g", "percentile"] == pytest.approx(100 * 4.5 / 20)
    assert table.loc["g", "model"] == pytest.approx(9.5)
    assert table.loc["g", "verdict"] == "inside"
    assert table.loc["far", "percentile"] == 100 and table.loc["far", "verdict"] == "outside"
    assert table.loc["range", "verdict"] == "inside"  # the observed range overlaps the 5-95% band


def test_crps_matches_its_definition():
    rng = np.random.default_rng(1)
    x = rng.normal(size=50)
    direct = np.mean(np.abs(x - 0.3)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))
    assert crps(x, 0.3) == pytest.approx(direct)


# --------------------------------------------------------------------------- sim hindcast


def test_sim_hindcast_prints_table_and_three_scores(run_cli):
    result = run_cli("hindcast", "--replicates", "50", "--seed", "3")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for obs in load_observations():
        assert obs.id in out
    for line in ("model ensemble", "naive 50% forecast", "base rate (2015 persists)"):
        assert re.search(rf"{re.escape(line)}\s+\d\.\d{{3}}", out), line
    assert "50 replicates, seed 3" in out


def test_validation_report_is_generated(tmp_path):
    from sim.evidence.hindcast import run_hindcast
    from sim.evidence.validation_report import write_report

    hindcast = run_hindcast(replicates=60, seed=2)
    path = write_report(hindcast, tmp_path / "validation.md", calibration=None, pattern_replicates=150,
                        command="sim hindcast --report")
    text = path.read_text(encoding="utf-8")
    for heading in ("## 1 Hindcast", "## 2 Patterns", "## 3 Calibration", "## 4 Most influential", "## 5 Known"):
        assert heading in text
    assert "naive 50%" in text and "nothing changes" in text
    assert "reproduced" in text
    assert "| `eu_lifts_sanctions_2016` |" in text


def test_report_reads_a_sensitivity_table(tmp_path):
    from sim.evidence.validation_report import load_sensitivity

    csv = tmp_path / "indices.csv"
    pd.DataFrame({"parameter": ["a.x", "a.x", "b.y"], "output": ["o1", "o2", "o1"], "ST": [0.1, 0.5, 0.3]}
                 ).to_csv(csv, index=False)
    table, where = load_sensitivity(csv)
    assert list(table["parameter"]) == ["a.x", "b.y"] and list(table["index"]) == [0.5, 0.3]
    assert "indices.csv" in where


def _abc_fit(folder: Path) -> Path:
    """An ABC fit folder as sim calibrate --method abc writes it (abc.json's keys and posterior.csv)."""
    import json

    folder.mkdir(parents=True)
    pd.DataFrame({"minsk.weight_subsidy": [1.2, 1.5], "weight": [0.5, 0.5]}).to_csv(folder / "posterior.csv",
                                                                                   index=False)
    fit = {"origin": 2019, "statistics": 31, "distance_registry": 9.037, "distance_posterior": 7.193,
           "population": 100, "worlds": 100, "seed": 20240901, "check_seed": 20240902, "simulations": 933,
           "generations": [{"t": 0, "epsilon": 12.6, "samples": 204}, {"t": 1, "epsilon": 9.3, "samples": 250}],
           "record_path": "seeds/record.yaml", "created": "2026-12-01T20:00:00",
           "parameters": [{"id": "minsk.weight_subsidy", "registry": 0.9, "low": 0.3, "high": 2.0, "p05": 0.95,
                           "p50": 1.39, "p95": 1.83, "proposed": 1.39, "changed": True}]}
    (folder / "abc.json").write_text(json.dumps(fit), encoding="utf-8")
    return folder / "posterior.csv"


def test_validation_report_describes_an_abc_fit(tmp_path):
    """The ABC fit writes abc.json, not report.json: the report reads it (In short, section 3, and how to
    write it again), instead of saying no calibration was run."""
    from sim.evidence.hindcast import run_hindcast
    from sim.evidence.validation_report import build_report, load_abc

    posterior = _abc_fit(tmp_path / "results" / "calibration" / "abc-2019")
    fit = load_abc(posterior)
    assert fit[0]["origin"] == 2019 and fit[1].endswith("abc-2019/abc.json")
    assert load_abc(posterior.parent)[0] == fit[0]
    hindcast = run_hindcast(replicates=40, seed=2)
    text = build_report(hindcast, [], (None, "no calibration report found"), (None, "none"), "sim hindcast --report",
                        1, 1, abc=fit, summary=["- **Forecast made at 2019** (a line from section 6)."])
    short = text.split("## In short")[1].split("## 1 ")[0]
    assert "none run yet" not in text
    assert "**Calibration by ABC-SMC** (`sim calibrate --method abc --origin 2019`, 1 parameters" in short
    assert "9.04 at the registry values, 7.19 at the posterior medians" in short
    assert "- **Forecast made at 2019** (a line from section 6)." in short
    section3 = text.split("## 3 Calibration")[1].split("## 4 ")[0]
    assert "| `minsk.weight_subsidy` | 0.9 | 0.3 to 2 | 1.39 | 0.95 to 1.83 | 1.39 | proposed, not accepted |" \
        in section3
    assert "No fit of the other methods" in section3
    assert ("sim calibrate --method abc --origin 2019 --seed 20240901 --population 100 --generations 2 "
            "--replicates 100 --out") in text  # how to write the fit again


def test_a_broken_abc_fit_is_one_line(tmp_path, run_cli):
    from sim.evidence.validation_report import load_abc

    posterior = _abc_fit(tmp_path / "abc-2019")
    (posterior.parent / "abc.json").write_text('{"origin": 2019}', encoding="utf-8")
    with pytest.raises(ScenarioError, match="not the abc.json of `sim calibrate --method abc` \\(missing parameters"):
        load_abc(posterior)
    result = run_cli("hindcast", "--report", "--report-path", str(tmp_path / "v.md"), "--posterior", str(posterior))
    assert result.exit_code == 2 and "abc.json" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "v.md").exists()


# --------------------------------------------------------------------------- calibration


def test_cited_range_rule(real_registry):
    assert cal.cited_range(real_registry["economy.gdp_growth_2015"])  # "contract by 3.5-4 percent"
    assert not cal.cited_range(real_registry["trade.russia_share_2015"])  # "nearly half": 0.45 is not cited
    assert cal.check_parameters(real_registry, ["economy.gdp_growth_2015", "minsk.move_cost"]) == \
        ["economy.gdp_growth_2015", "minsk.move_cost"]


def test_registry_diff_touches_only_value_lines(real_registry):
    proposal = {"minsk.move_cost": real_registry["minsk.move_cost"].value + 0.05,
                "economy.potential_growth": real_registry["economy.potential_growth"].value + 0.5}
    diff = cal.registry_diff(real_registry.path, proposal)
    changed = [l for l in diff.splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---"))]
    assert len(changed) == 4 and all(re.fullmatch(r"[+-]    value: -?[\d.]+", l) for l in changed)
    assert _diff_changes(diff) == {pid: (real_registry[pid].value, pytest.approx(value))
                                   for pid, value in proposal.items()}
    assert cal.registry_diff(real_registry.path, {}) == ""


def _diff_changes(diff: str) -> dict[str, tuple[float, float]]:
    """{id: (old, new)} from a registry diff; fails on any changed line that is not a value line."""
    out: dict[str, tuple[float, float]] = {}
    lines = diff.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(("+++", "---", "@@")) or line[:1] not in "+-":
            continue
        assert re.fullmatch(r"[+-]    value: -?\d+(\.\d+)?", line), line
        if line.startswith("-"):
            context = lines[i - 1]
            pid = re.fullmatch(r"   - id: (\S+)", context).group(1)
            new = lines[i + 1]
            assert new.startswith("+    value:")
            out[pid] = (float(line.split(":")[1]), float(new.split(":")[1]))
    return out


def test_calibrate_small_budget_proposes_a_diff_within_ranges(tmp_path, run_cli, real_registry):
    before = Path(real_registry.path).read_text(encoding="utf-8")
    params = ["economy.potential_growth", "moscow.weight_war_ally_support"]
    out = tmp_path / "cal"
    result = run_cli("calibrate", "--params", ",".join(params), "--replicates", "40", "--budget", "12",
                     "--seed", "5", "--out", out)
    assert result.exit_code == 0, result.output
    assert "NOT applied" in result.stdout and "loss" in result.stdout
    assert Path(real_registry.path).read_text(encoding="utf-8") == before, "calibration must not touch the registry"
    diff = (out / "registry.diff").read_text(encoding="utf-8")
    assert (out / "report.txt").is_file() and (out / "report.json").is_file()
    changes = _diff_changes(diff)
    assert changes, "the fit should move at least one of two parameters"
    assert set(changes) <= set(params)
    for pid, (old, new) in changes.items():
        p = real_registry[pid]
        assert old == p.value
        assert p.low <= new <= p.high


@pytest.mark.parametrize("param, message", [
    ("minsk.unrest_treshold", "error: --params: minsk.unrest_treshold: unknown parameter id; "
                              "did you mean 'minsk.unrest_threshold'?"),
    ("trade.russia_share_2015", "error: --params: trade.russia_share_2015: is cited"),
    ("energy.dependence_2015", "error: --params: energy.dependence_2015: is cited"),
    ("model.base_year", "error: --params: model.base_year: has no range to search"),
])
def test_calibrate_bad_parameters_are_one_line_errors(run_cli, param, message):
    result = run_cli("calibrate", "--params", f"minsk.move_cost,{param}", "--budget", "1")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines


def test_calibrate_refuses_a_cited_parameter_in_the_api(real_registry):
    with pytest.raises(ScenarioError, match="cited parameters stay at their cited values"):
        cal.check_parameters(load_registry(), ["moscow.subsidy_max"])
