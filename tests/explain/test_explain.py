"""sim explain: why an actor chose what it did, from the decision trace, in plain words.

The explanations read only the result tables; these tests check them against the
trace itself (terms add up to the utility, the state shown is the state the terms
were computed from) and check that every term the model writes has a meaning.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.inputs.errors import ScenarioError
from sim.explain.decisions import explain
from sim.explain.record import seen_state, traced_replicates
from sim.explain.views import AGAINST_THE_ODDS
from sim.explain.worlds import key_turning_points, turning_points, typical_of_all, typical_replicate
from sim.common.formats import number, percent
from sim.inputs.registry import Citation, find_quote, load_registry
from sim.outputs.results import Result
from sim.explain.terms import AGENT_DECISIONS, DECISIONS, MOVE_COLUMNS, STATE

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def unrest_folder(tmp_path_factory) -> Path:
    result = sim.run(SCENARIOS / "unrest_shock.yaml", replicates=150, end_year=2024)
    folder = tmp_path_factory.mktemp("explain") / "unrest"
    result.save(folder, plots=False)
    return folder


@pytest.fixture(scope="module")
def unrest(unrest_folder) -> Result:
    return Result.load(unrest_folder)


# --------------------------------------------------------------------------- the typical world


def test_typical_replicate_is_the_world_of_all_closest_to_the_median_and_it_is_traced(unrest):
    traced = traced_replicates(unrest)
    assert traced[:25] == list(range(25)) and len(traced) <= 26  # the first 25 and the typical world
    chosen = typical_replicate(unrest)
    assert chosen in traced

    # The documented rule, computed independently.
    outputs = ["alignment", "russia_trade_share", "eu_trade_share", "sanctions_level", "subsidy_pct_gdp",
               "unrest", "gdp_growth", "regime_security"]
    ts = unrest.timeseries
    spread = ts[outputs].std(ddof=0)
    outputs = [o for o in outputs if spread[o] > 0]
    median = ts.groupby("year")[outputs].median()
    gaps = {}
    for r in range(unrest.replicates):  # all 150 worlds, not only the traced ones
        world = ts[ts["replicate"] == r].set_index("year")[outputs]
        gaps[r] = float((((world - median) / spread[outputs]) ** 2).to_numpy().mean())
    assert gaps[chosen] == pytest.approx(min(gaps.values()))
    assert typical_of_all(unrest)


def test_the_traced_typical_world_is_the_ensembles_world(unrest):
    """sim.run traces the typical world in a second run of the same worlds; its trace must be that world's."""
    typical = typical_replicate(unrest)
    world = unrest.timeseries[unrest.timeseries["replicate"] == typical].set_index("year")
    trace = unrest.trace[unrest.trace["replicate"] == typical]
    chosen = trace[trace["chosen"] == 1]
    assert len(chosen) == 6 * len(world.index[world.index > 2015])
    for r in chosen.itertuples(index=False):
        assert list(DECISIONS[r.agent, r.decision].options).index(r.option) - 1 == world.loc[r.year, MOVE_COLUMNS[
            r.agent, r.decision]]
    foreign = trace[(trace["decision"] == "foreign") & (trace["option"] == "stay")].set_index("year")
    for year, row in foreign.iterrows():
        assert row["seen.alignment"] == pytest.approx(world.loc[year - 1, "alignment"])
        assert row["seen.political_prisoners"] == world.loc[year - 1, "political_prisoners"]


def test_a_run_folder_traced_before_the_typical_world_was_says_of_which_worlds(unrest):
    old = Result(**{**unrest.__dict__})
    old.trace = unrest.trace[unrest.trace["replicate"] < 25]
    text = explain(old, 2021).text()
    if typical_of_all(old):  # the ensemble's typical world happens to be one of the first 25
        assert f"the most typical of all {unrest.replicates} worlds" in text
    else:
        assert "the most typical of the 25 traced worlds" in text


def test_explain_defaults_to_the_typical_world_and_says_so(unrest):
    explanation = explain(unrest, 2021)
    assert explanation.typical and explanation.replicate == typical_replicate(unrest)
    assert explanation.agent == "minsk" and [d.decision for d in explanation.decisions] == ["foreign", "domestic"]
    assert f"the most typical of all {unrest.replicates} worlds" in explanation.text()

    other = explain(unrest, 2021, replicate=3)
    assert not other.typical and other.replicate == 3
    assert "(replicate 3)" in other.text()


# --------------------------------------------------------------------------- agreement with the trace


@pytest.mark.parametrize("agent", ["minsk", "moscow", "brussels"])
def test_options_terms_and_choice_agree_with_trace_and_timeseries(unrest, agent):
    ts = unrest.timeseries.set_index(["replicate", "year"])
    for replicate in (0, 7, 24):
        for year in (2016, 2020, 2021, 2024):
            for d in explain(unrest, year, agent, replicate=replicate).decisions:
                probabilities = [o.probability for o in d.options]
                assert sum(probabilities) == pytest.approx(1, abs=1e-4)
                assert sum(o.chosen for o in d.options) == 1
                for o in d.options:
                    total = sum(t.values[o.option] for t in d.terms)
                    assert total == pytest.approx(o.utility, abs=1e-4)
                # The chosen option is the move recorded in timeseries.csv.
                move = int(ts.loc[(replicate, year), MOVE_COLUMNS[agent, d.decision]])
                assert d.chosen == list(DECISIONS[agent, d.decision].options)[move + 1]
                # The runner-up is the likeliest of the other possible options.
                others = [o for o in d.options if not o.chosen and o.feasible]
                assert d.runner_up == max(others, key=lambda o: o.probability).option
                for t in d.terms:
                    assert t.difference == pytest.approx(t.values[d.chosen] - t.values[d.runner_up])


def test_state_shown_is_the_state_the_terms_were_computed_from(unrest):
    """Recompute terms from the state the explanation says the agents saw (ODD 7.4-7.10)."""
    trace = unrest.trace
    p = {pid: unrest.parameter_value(pid, 2020) for pid in unrest.parameters}
    checked = 0
    for replicate in range(0, 25, 4):
        for year in range(2016, 2025):
            seen = seen_state(unrest, replicate, year)
            rows = trace[(trace["replicate"] == replicate) & (trace["year"] == year)]

            def value(agent, decision, option, term):
                row = rows[(rows["agent"] == agent) & (rows["decision"] == decision) & (rows["option"] == option)]
                return float(row[f"term.{term}"].iloc[0])

            assert value("minsk", "foreign", "step_west", "subsidy_ties") == pytest.approx(
                -p["minsk.weight_subsidy"] * seen["subsidy_pct_gdp"] / 10, abs=1e-4)
            assert value("minsk", "foreign", "step_west", "trade_dependence") == pytest.approx(
                -p["minsk.weight_trade_dependence"] * seen["russia_trade_share"], abs=1e-4)
            assert value("minsk", "foreign", "step_west", "sovereignty") == pytest.approx(
                p["minsk.weight_sovereignty"] * seen["integration_pressure"], abs=1e-4)
            assert value("minsk", "foreign", "step_west", "sanctions_relief") == pytest.approx(
                p["minsk.weight_sanctions_relief"] * seen["sanctions_level"] * (1 - seen["regime_threat"]), abs=1e-4)
            assert value("minsk", "foreign", "step_west", "isolation") == pytest.approx(
                -p["minsk.weight_isolation"] * seen["sanctions_level"] * seen["regime_threat"], abs=1e-4)
            assert value("minsk", "foreign", "step_west", "eu_offer") == pytest.approx(
                p["minsk.weight_eu_engagement"] * seen["eu_engagement"], abs=1e-4)
            # Unrest is this year's, before any crackdown (the 2020 jolt included).
            assert value("minsk", "foreign", "step_west", "domestic_threat") == pytest.approx(
                -p["minsk.weight_domestic_threat"] * seen["unrest"], abs=1e-4)
            assert value("minsk", "domestic", "crack_down", "survival") == pytest.approx(
                p["minsk.weight_survival"] * (seen["unrest"] - p["minsk.unrest_threshold"]), abs=1e-4)
            assert value("minsk", "foreign", "step_west", "release_cost") == pytest.approx(
                -p["minsk.weight_release_cost"] * math.tanh(seen["political_prisoners"]
                                                            / p["minsk.release_cost_scale"]), abs=1e-4)
            assert value("moscow", "subsidy", "raise", "loyalty") == pytest.approx(
                -p["moscow.weight_alignment"] * min(seen["alignment"], 0.0), abs=1e-4)
            assert value("moscow", "subsidy", "raise", "prop_up_ally") == pytest.approx(
                p["moscow.weight_prop_up_ally"] * seen["regime_threat"], abs=1e-4)
            assert value("brussels", "sanctions", "tighten", "war_complicity") == pytest.approx(
                p["brussels.weight_war_complicity"] * seen["territory_access"], abs=1e-4)
            assert value("brussels", "sanctions", "tighten", "crackdown") == pytest.approx(
                p["brussels.weight_crackdown"] * seen["crackdown"], abs=1e-4)
            assert value("brussels", "engagement", "expand", "minsk_moves") == pytest.approx(
                p["brussels.weight_engagement_moves"] * seen["minsk_foreign_move"], abs=1e-4)
            checked += 1
    assert checked > 40


def test_unrest_seen_in_a_crackdown_year_is_before_the_crackdown(unrest):
    ts = unrest.timeseries
    cracked = ts[(ts["crackdown"] == 1) & (ts["replicate"] < 25)].iloc[0]
    seen = seen_state(unrest, int(cracked["replicate"]), int(cracked["year"]))
    suppression = unrest.parameter_value("minsk.crackdown_unrest_suppression", int(cracked["year"]))
    assert seen["unrest"] == pytest.approx(cracked["unrest"] / (1 - suppression))  # suppressed afterwards
    assert seen["unrest"] > cracked["unrest"]
    # What the explanation shows as the reason for the crackdown is the output the charts show: unrest_faced.
    assert seen["unrest"] == pytest.approx(cracked["unrest_faced"])
    crackdown = explain(unrest, int(cracked["year"]), "minsk", replicate=int(cracked["replicate"]),
                        decision="domestic").text()
    assert f"street unrest {number(cracked['unrest_faced'])} (threshold" in crackdown


# --------------------------------------------------------------------------- plain words


def test_2021_explanation_reads_in_plain_words(unrest):
    text = explain(unrest, 2021, "minsk").text()
    assert text.startswith("Why did Minsk act as it did in 2021?")
    assert re.search(r"Abroad: Minsk (took a step East|stayed where it was|took a step West)\.", text)
    assert re.search(r"At home: Minsk (loosened its grip|held its course|cracked down)\.", text)
    assert re.search(r"It had an? [\d.]+% chance of doing so|Its chance of doing so was", text)
    assert "Across all 150 worlds in 2021" in text
    assert "What pulled it East:" in text and "What decided it:" in text
    assert "Russian subsidies and loans" in text and "% of GDP" in text
    assert "threshold 0.45" in text
    assert "At the end of 2020:" in text and "In 2021 itself:" in text
    assert "EU sanctions" in text
    # Numbers with two decimals and a true minus sign; no internal term names.
    assert re.search(r"[+\u2212]\d+\.\d\d for taking a step East", text)
    for name in ("subsidy_ties", "balance_preference", "term.", "step_east", "crack_down"):
        assert name not in text


def test_every_agent_and_decision_can_be_explained(unrest):
    for agent, names in AGENT_DECISIONS.items():
        explanation = explain(unrest, 2022, agent.upper())  # case does not matter
        assert [d.decision for d in explanation.decisions] == list(names)
        for d in explanation.decisions:
            assert d.state, (agent, d.decision)
            assert all(s.text and s.text != "not recorded" for s in d.state)
    only = explain(unrest, 2022, "brussels", decision="sanctions")
    assert [d.decision for d in only.decisions] == ["sanctions"]


def test_sanctions_that_cannot_move_further_are_not_possible(unrest):
    ts = unrest.timeseries
    broad = ts[(ts["sanctions_level"] == 2) & (ts["replicate"] < 25) & (ts["year"] < 2024)].iloc[0]
    d = explain(unrest, int(broad["year"]) + 1, "brussels", replicate=int(broad["replicate"]),
                decision="sanctions").decisions[0]
    assert not d.option("tighten").feasible and d.option("tighten").probability == 0
    assert "tightening sanctions was not possible" in d.text()


# --------------------------------------------------------------------------- turning points


def test_turning_points_are_departures_from_the_usual_course(unrest):
    for replicate in (0, typical_replicate(unrest)):
        points = turning_points(unrest, replicate)
        assert points == sorted(points, key=lambda p: p.year)
        keys = [p.key for p in points]
        world = unrest.timeseries[unrest.timeseries["replicate"] == replicate].set_index("year")
        for year, agent, decision, *_ in points:
            move = int(world.loc[year, MOVE_COLUMNS[agent, decision]])
            assert move != 0
            if (agent, decision) not in (("minsk", "domestic"), ("brussels", "sanctions")):
                assert int(world.loc[year - 1, MOVE_COLUMNS[agent, decision]]) != move
        # Every crackdown and every sanctions change is a turning point.
        for year in world.index[world.index > 2015]:
            if world.loc[year, "crackdown"] == 1:
                assert (year, "minsk", "domestic") in keys
            if world.loc[year, "brussels_sanctions_move"] != 0:
                assert (year, "brussels", "sanctions") in keys
        key = key_turning_points(unrest, replicate, limit=5)
        assert len(key) <= 5 and set(key) <= set(points)


def _taken(trace):
    """The chosen row of every traced decision, with the probability of its likeliest possible option."""
    possible = trace[trace["feasible"] == 1]
    keys = ["replicate", "year", "agent", "decision"]
    likeliest = possible.groupby(keys)["probability"].max().rename("likeliest")
    return trace[trace["chosen"] == 1].join(likeliest, on=keys)


def test_turning_points_carry_the_odds_the_trace_gave_them(unrest):
    taken = _taken(unrest.trace).set_index(["replicate", "year", "agent", "decision"])
    dice_seen = 0
    for replicate in traced_replicates(unrest):
        points = turning_points(unrest, replicate)
        for point in points:
            row = taken.loc[(replicate, *point.key)]
            assert point.probability == pytest.approx(row["probability"])
            assert point.likeliest == pytest.approx(row["likeliest"])
            assert point.against_the_odds == (row["probability"] < AGAINST_THE_ODDS)
            dice_seen += point.against_the_odds
        # The decisions that mattered come first: a draw against the odds is a key moment only when
        # every likely turning point of the world already is one.
        for limit in (3, 8):
            key = key_turning_points(unrest, replicate, limit=limit)
            likely = [p for p in points if not p.against_the_odds]
            if any(p.against_the_odds for p in key):
                assert set(likely) <= set(key)
            else:
                assert len(key) == min(limit, len(likely))
    assert dice_seen  # 25 traced worlds over nine years: some changes of course are draws against the odds


def test_a_draw_against_the_odds_is_said_to_be_the_dice_and_a_likely_choice_is_not(unrest):
    taken = _taken(unrest.trace)
    unlikely = taken[taken["probability"] < AGAINST_THE_ODDS].iloc[0]
    d = explain(unrest, int(unlikely["year"]), unlikely["agent"], replicate=int(unlikely["replicate"]),
                decision=unlikely["decision"]).decisions[0]
    assert d.chosen == unlikely["option"] and d.against_the_odds
    text = d.text()
    assert f"The dice went against the odds here: {percent(unlikely['probability'])} likely." in text
    assert "This was chance, not a reasoned choice" in text and "What decided it: the dice." in text

    likely = taken[(taken["probability"] >= taken["likeliest"]) & (taken["probability"] < 0.9)].iloc[0]
    d = explain(unrest, int(likely["year"]), likely["agent"], replicate=int(likely["replicate"]),
                decision=likely["decision"]).decisions[0]
    assert d.chosen == likely["option"] and not d.against_the_odds
    text = d.text()
    assert "dice" not in text and "chance, not a reasoned choice" not in text and "close call" not in text


# --------------------------------------------------------------------------- errors


def test_bad_requests_raise_one_line_errors(unrest):
    with pytest.raises(ScenarioError, match=r"year: 2040 is outside this run \(2015-2024\); decisions are traced "
                                            r"for 2016-2024"):
        explain(unrest, 2040)
    with pytest.raises(ScenarioError, match="2015 is the starting picture"):
        explain(unrest, 2015)
    with pytest.raises(ScenarioError, match=r"replicate: 30 is not traced; the traced replicates are 0-24"):
        explain(unrest, 2021, replicate=30)
    with pytest.raises(ScenarioError, match=r"unknown agent 'moskow'; choose minsk, moscow or brussels; "
                                            r"did you mean 'moscow'\?"):
        explain(unrest, 2021, "moskow")
    with pytest.raises(ScenarioError, match="has no decision"):
        explain(unrest, 2021, "minsk", decision="sanctions")


def test_cli_explain_prints_plain_words(run_cli, unrest_folder):
    result = run_cli("explain", unrest_folder, "--year", "2021")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Why did Minsk act as it did in 2021?")
    assert "What decided it" in result.stdout
    result = run_cli("explain", unrest_folder, "--year", "2021", "--agent", "brussels", "--replicate", "4")
    assert result.exit_code == 0, result.stderr
    assert "Why did Brussels act as it did in 2021? (replicate 4)" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--year", "2031"], "year: 2031 is outside this run"),
    (["--year", "2021", "--replicate", "99"], "replicate: 99 is not traced; the traced replicates are 0-24"),
    (["--year", "2021", "--agent", "kyiv"], "agent: unknown agent 'kyiv'"),
])
def test_cli_explain_errors_exit_2_with_one_line(run_cli, unrest_folder, args, message):
    result = run_cli("explain", unrest_folder, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {unrest_folder}: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_explain_refuses_a_folder_that_is_not_a_run(run_cli, tmp_path):
    result = run_cli("explain", tmp_path, "--year", "2021")
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path}: not a run folder (no manifest.json)\n"


def test_summary_only_run_is_explained_with_the_state_its_decisions_saw():
    """The trace records what each decision saw, so a run without per-world time series explains it too."""
    full = sim.run(SCENARIOS / "unrest_shock.yaml", replicates=60, end_year=2022, seed=5)
    summary = sim.run(SCENARIOS / "unrest_shock.yaml", replicates=60, end_year=2022, seed=5, summary_only=True)
    replicate = typical_replicate(summary)
    assert replicate in traced_replicates(summary)
    assert turning_points(summary, replicate) is not None
    text = explain(summary, 2021, replicate=3).text()
    assert "not recorded" not in text and "What Minsk faced when it decided:" in text and "threshold 0.45" in text
    assert seen_state(summary, 3, 2021) == seen_state(full, 3, 2021)
    assert seen_state(summary, 3, 2021)["unrest"] is not None


def test_a_trace_that_does_not_record_what_was_seen_says_so(unrest_folder, tmp_path):
    """A run folder written before the trace recorded the decisions' inputs: the state is not guessed."""
    import shutil

    import pandas as pd

    old = tmp_path / "old"
    shutil.copytree(unrest_folder, old)
    trace = pd.read_csv(old / "trace.csv")
    trace.drop(columns=[c for c in trace.columns if c.startswith("seen.")] + ["jolted"]).to_csv(
        old / "trace.csv", index=False)
    text = explain(Result.load(old), 2021, "minsk", replicate=2).text()
    assert "not recorded: this run's trace.csv does not record what the decisions saw" in text
    assert "threshold" not in text.split("What Minsk faced")[1]


# --------------------------------------------------------------------------- a rule of the model changes


def _domestic_threat_unrest(result, replicate, year):
    """The unrest Minsk's foreign decision was computed from, read back from its domestic_threat term."""
    trace = result.trace
    row = trace[(trace["replicate"] == replicate) & (trace["year"] == year) & (trace["decision"] == "foreign")
                & (trace["option"] == "step_west")]
    return -float(row["term.domestic_threat"].iloc[0]) / result.parameter_value("minsk.weight_domestic_threat", year)


def test_unrest_seen_before_a_crackdown_follows_the_model_when_the_suppression_rule_changes(monkeypatch):
    """A crackdown that crushes protest to almost nothing (not the registry's halving): explain still shows
    the unrest the decision saw, not the year-end value scaled back by the old rule."""
    from sim.model.agents import Minsk

    act = Minsk.act

    def crushing_act(self):
        act(self)
        self.unrest = np.where(self.crackdown == 1, 0.01, self.unrest)

    monkeypatch.setattr(Minsk, "act", crushing_act)
    result = sim.run(SCENARIOS / "unrest_shock.yaml", replicates=40, end_year=2022, seed=3)
    ts = result.timeseries
    cracked = ts[(ts["crackdown"] == 1) & (ts["replicate"] < 25)].iloc[0]
    replicate, year = int(cracked["replicate"]), int(cracked["year"])
    assert cracked["unrest"] == pytest.approx(0.01)
    seen = seen_state(result, replicate, year)["unrest"]
    assert seen == pytest.approx(_domestic_threat_unrest(result, replicate, year), abs=1e-5)
    assert seen > 0.3  # the old reconstruction would have said 0.01 / (1 - 0.5) = 0.02
    d = explain(result, year, "minsk", replicate=replicate, decision="domestic").decisions[0]
    unrest = next(s for s in d.state if s.key == "unrest")
    assert unrest.value == pytest.approx(seen) and unrest.text.startswith(f"{seen:.2f}")


def test_feasibility_is_the_mask_the_model_used_when_the_rule_changes(monkeypatch):
    """A Brussels that may never tighten: explain says so from the recorded mask, at any sanctions level."""
    from sim.model.agents import Brussels

    def decide_without_tightening(self):
        self.decisions = []
        feasible = np.ones((self.replicates, 3), dtype=bool)
        feasible[:, 0] = self.sanctions_level > 0
        feasible[:, 2] = False
        self.sanctions = self._choose("sanctions", self.SANCTIONS_OPTIONS, self.sanctions_terms(), feasible)
        self.engagement = self._choose("engagement", self.ENGAGEMENT_OPTIONS, self.engagement_terms())

    monkeypatch.setattr(Brussels, "decide", decide_without_tightening)
    result = sim.run(SCENARIOS / "baseline.yaml", replicates=30, end_year=2018, seed=2)
    d = explain(result, 2016, "brussels", replicate=0, decision="sanctions").decisions[0]
    level = seen_state(result, 0, 2016)["sanctions_level"]
    assert level == 1  # sanctions were targeted: the old rule (level < 2) would have called tightening possible
    assert not d.option("tighten").feasible and d.option("tighten").probability == 0
    assert d.option("ease").feasible and d.option("keep").feasible
    assert "tightening sanctions was not possible" in d.text()


def test_a_parameter_pushed_past_its_domain_is_explained_at_the_value_the_model_used(tmp_path):
    """An event adds 0.5 to the unrest threshold in 2018: within the domain at the scenario's value (0.95), but
    a world that drew 0.6 (--parameter-uncertainty prior) would reach 1.1; the model keeps it at 1, the domain's
    top, and so does the explanation (re-applying the event without the domain would say 1.10)."""
    path = tmp_path / "threshold.yaml"
    path.write_text(f"name: threshold\nbase: {SCENARIOS / 'baseline.yaml'}\nend_year: 2020\n"
                    "events:\n  - year: 2018\n    add: {minsk.unrest_threshold: 0.5}\n")
    result = sim.run(sim.load_scenario(path), replicates=30, seed=4, parameter_uncertainty="prior")
    drawn = result.world_parameters.set_index("replicate")["minsk.unrest_threshold"]
    replicate = next(r for r in traced_replicates(result) if drawn[r] > 0.5)
    assert result.parameter_value("minsk.unrest_threshold", 2017, replicate) == drawn[replicate]
    assert result.parameter_value("minsk.unrest_threshold", 2019, replicate) == 1.0
    trace = result.trace
    row = trace[(trace["replicate"] == replicate) & (trace["year"] == 2019) & (trace["decision"] == "domestic")
                & (trace["option"] == "crack_down")]
    weight = result.parameter_value("minsk.weight_survival", 2019, replicate)
    assert float(row["term.survival"].iloc[0]) == pytest.approx(
        weight * (seen_state(result, replicate, 2019)["unrest"] - 1.0), abs=1e-5)
    text = explain(result, 2019, "minsk", replicate=replicate, decision="domestic").text()
    assert "threshold 1.00" in text


# --------------------------------------------------------------------------- every term has a meaning


@pytest.fixture(scope="module")
def traces():
    """Traces of scenarios that between them switch every term on (war, sanctions, crackdowns)."""
    return [sim.run(SCENARIOS / name, replicates=30, end_year=2026).trace
            for name in ("unrest_shock.yaml", "war_2022.yaml", "return_to_balance.yaml")]


def test_every_term_and_option_in_a_real_trace_has_a_meaning(traces):
    seen: dict[tuple[str, str], set[str]] = {}
    for trace in traces:
        terms = [c for c in trace.columns if c.startswith("term.")]
        for (agent, decision), rows in trace.groupby(["agent", "decision"]):
            spec = DECISIONS.get((agent, decision))
            assert spec is not None, f"no meaning for the decision {agent} {decision} in sim/explain/terms.py"
            assert set(rows["option"]) == set(spec.options), (agent, decision)
            used = {c[len("term."):] for c in terms if rows[c].notna().all()}
            missing = used - set(spec.terms)
            assert not missing, f"{agent} {decision}: terms without a meaning in sim/explain/terms.py: {sorted(missing)}"
            seen.setdefault((agent, decision), set()).update(used)
    # ... and sim/explain/terms.py describes no term the model does not have.
    for key, spec in DECISIONS.items():
        assert set(spec.terms) == seen[key], key


def test_term_meanings_are_complete_and_their_quotes_are_in_the_seeds():
    registry = load_registry()
    for (agent, decision), spec in DECISIONS.items():
        assert len(spec.options) == 3 and spec.question.endswith("?")
        for option in spec.options.values():
            assert option.label and option.gerund and option.past and option.meaning and option.pull
        for name, term in spec.terms.items():
            assert term.label and term.meaning.endswith("."), (agent, decision, name)
            assert term.weight in registry, f"{agent} {decision} {name}: weight {term.weight} not in the registry"
            assert set(term.shows) <= set(STATE)
            if term.quote:
                assert find_quote(Citation(term.doc, term.quote)) is not None, (name, term.quote)


def test_explain_imports_neither_the_model_nor_mesa():
    source = "".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "sim" / "explain").glob("*.py")))
    assert not re.search(r"^\s*(import|from)\s+(mesa|sim\.model|sim\.agents)\b", source, re.MULTILINE)


def test_a_scenario_jolt_at_the_start_of_the_year_is_part_of_what_the_agents_saw():
    """sanctions_lifted sets the sanctions level to 0 in 2016, before anyone decides."""
    result = sim.run(SCENARIOS / "sanctions_lifted.yaml", replicates=30, end_year=2017)
    weight = result.parameter_value("minsk.weight_sanctions_relief", 2016)
    trace = result.trace
    for replicate in (0, 5):
        seen = seen_state(result, replicate, 2016)
        assert seen["sanctions_level"] == 0
        row = trace[(trace["replicate"] == replicate) & (trace["year"] == 2016) & (trace["option"] == "step_west")
                    & (trace["decision"] == "foreign")]
        assert float(row["term.sanctions_relief"].iloc[0]) == pytest.approx(weight * seen["sanctions_level"])
    text = explain(result, 2016, "brussels", replicate=0, decision="sanctions").text()
    assert "easing sanctions was not possible" in text and "EU sanctions none (0)" in text


def test_the_first_year_of_a_late_start_is_explained_with_what_the_decisions_saw(tmp_path):
    """The run records from 2017, so the end of 2016 is not in the time series; the trace has what was seen."""
    path = tmp_path / "late.yaml"
    path.write_text(f"name: late\nbase: {SCENARIOS / 'baseline.yaml'}\nstart_year: 2017\nend_year: 2019\n")
    result = sim.run(sim.load_scenario(path), replicates=20)
    text = explain(result, 2017, "brussels").text()
    assert "not recorded" not in text
    assert "At the end of 2016:" in text and "political prisoners held" in text


def test_with_drawn_parameters_each_world_is_explained_at_its_own_values():
    """--parameter-uncertainty prior: the threshold and the survival term are those of the world explained."""
    result = sim.run(SCENARIOS / "unrest_shock.yaml", replicates=30, end_year=2021, seed=6,
                     parameter_uncertainty="prior")
    drawn = result.world_parameters.set_index("replicate")
    assert "minsk.unrest_threshold" in drawn.columns
    assert result.parameter_value("minsk.unrest_threshold", 2020) is None  # which world's?
    trace = result.trace
    for replicate in (0, 9):
        threshold = result.parameter_value("minsk.unrest_threshold", 2020, replicate)
        assert threshold == drawn.loc[replicate, "minsk.unrest_threshold"]
        row = trace[(trace["replicate"] == replicate) & (trace["year"] == 2020) & (trace["decision"] == "domestic")
                    & (trace["option"] == "crack_down")]
        weight = result.parameter_value("minsk.weight_survival", 2020, replicate)
        assert float(row["term.survival"].iloc[0]) == pytest.approx(
            weight * (seen_state(result, replicate, 2020)["unrest"] - threshold), abs=1e-5)
        text = explain(result, 2020, "minsk", replicate=replicate, decision="domestic").text()
        assert f"threshold {threshold:.2f}" in text
