"""Why did an actor do what it did? Plain-language explanations from the decision trace.

    from sim.outputs.results import Result
    from sim.explain.decisions import explain, typical_replicate, turning_points

    result = Result.load("results/unrest_shock/<run id>")
    print(explain(result, 2021, "minsk").text())          # a typical world
    print(explain(result, 2021, "minsk", replicate=7).text())
    turning_points(result, typical_replicate(result))    # [(2020, "minsk", "domestic"), ...]

This module reads the tables of a :class:`~sim.results.Result` and nothing else:
``trace`` (each option's utility terms, probability and whether it was chosen),
``timeseries`` (the state each decision saw), ``scenario`` (events) and
``parameters`` (thresholds). It never imports the model or Mesa. The meanings
of options and terms come from :mod:`sim.terms`.

What an agent saw when it decided in year Y (docs/ODD.md, sections 3 and 4.7):
all six decisions are made at the start of Y, after the world's drivers and
society have been updated for Y and before anyone acts. So the agents see

* this year's drivers (Russia's growth, the war) and this year's unrest and
  legitimacy: the ``Y`` row of ``timeseries.csv``. Unrest there is the
  end-of-year value; in a crackdown year it was cut by the crackdown after the
  decision, so the value seen is recovered as ``unrest / (1 - suppression)``;
* every actor's position (alignment, subsidy, pressure, sanctions, engagement,
  repression, prisoners, last year's releases, crackdown and foreign move) as
  it stood at the end of ``Y - 1``: the ``Y - 1`` row, with any scenario jolt
  of year ``Y`` to that state applied.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from sim.outputs.compare import HEADLINE
from sim.inputs.errors import ScenarioError, did_you_mean
from sim.explain.terms import (AGENT_DECISIONS, AGENT_NAMES, DECISIONS, MOVE_COLUMNS, SANCTIONS_LEVELS, STATE,
                       Decision)
from sim.common.variables import STATE_VARIABLES

MINUS = "\u2212"
# Scenario jolts to agent state that change what the agents see at the start of the year.
JOLTED_OUTPUTS = {
    "minsk.alignment": "alignment",
    "minsk.repression": "repression",
    "minsk.political_prisoners": "political_prisoners",
    "moscow.subsidy_pct_gdp": "subsidy_pct_gdp",
    "moscow.integration_pressure": "integration_pressure",
    "brussels.sanctions_level": "sanctions_level",
    "brussels.eu_engagement": "eu_engagement",
}
DECISION_TITLES = {
    ("minsk", "foreign"): "Abroad",
    ("minsk", "domestic"): "At home",
    ("moscow", "subsidy"): "Subsidy and loans",
    ("moscow", "pressure"): "Pressure for integration",
    ("brussels", "sanctions"): "Sanctions",
    ("brussels", "engagement"): "Engagement",
}
TINY = 0.005  # a term whose values differ by less than this across options is "not at work"


# --------------------------------------------------------------------------- structured explanation


@dataclass
class OptionView:
    """One option of a decision in one world and year."""

    option: str
    label: str          # "leaning East"
    utility: float
    probability: float
    chosen: bool
    feasible: bool = True
    share_all_worlds: float | None = None   # share of all worlds that took it that year
    traced_worlds: list[int] = field(default_factory=list)  # traced worlds that took it that year


@dataclass
class TermView:
    """One utility term: what it means and its value for each option."""

    name: str
    label: str
    meaning: str
    weight: str
    values: dict[str, float]
    group: str          # "for <option>", "against <option>" or "inactive"
    context: str = ""   # the state it reads, e.g. "10.00% of GDP"
    difference: float = 0.0  # value for the chosen option minus value for the runner-up


@dataclass
class StateView:
    """One state value the decision saw."""

    key: str
    label: str
    value: float | None
    text: str           # formatted value with its comparison, e.g. "0.25 (threshold 0.45)"
    when: str           # "previous" (end of last year), "during" (last year) or "this" (this year)

    @property
    def sentence(self) -> str:
        return f"{self.label} {self.text}".strip()


@dataclass
class DecisionExplanation:
    """Why one agent took one decision in one world and year."""

    agent: str
    decision: str
    title: str
    question: str
    year: int
    replicate: int
    options: list[OptionView]
    chosen: str
    runner_up: str
    terms: list[TermView]
    state: list[StateView]
    replicates: int = 0  # size of the ensemble behind ``share_all_worlds``
    missing_state: str = ""  # why the state it saw is not shown, when it is not

    @property
    def spec(self) -> Decision:
        return DECISIONS[self.agent, self.decision]

    def option(self, name: str) -> OptionView:
        return next(o for o in self.options if o.option == name)

    @property
    def chosen_view(self) -> OptionView:
        return self.option(self.chosen)

    @property
    def most_likely(self) -> OptionView:
        return max((o for o in self.options if o.feasible), key=lambda o: o.probability)

    def decisive(self, limit: int = 3) -> tuple[list[TermView], list[TermView]]:
        """Terms that favoured the chosen option over the runner-up, and those against it, largest first."""
        active = [t for t in self.terms if abs(t.difference) >= TINY]
        pro = sorted((t for t in active if t.difference > 0), key=lambda t: -t.difference)[:limit]
        con = sorted((t for t in active if t.difference < 0), key=lambda t: t.difference)[:limit]
        return pro, con

    def headline(self) -> str:
        agent = AGENT_NAMES[self.agent]
        return f"{self.title}: {agent} {self.spec.options[self.chosen].past}."

    def text(self) -> str:
        return "\n".join(_decision_lines(self))


@dataclass
class Explanation:
    """Why one agent did what it did in one year of one world: both of its decisions."""

    run: str
    title: str
    year: int
    agent: str
    replicate: int
    typical: bool
    traced: list[int]
    decisions: list[DecisionExplanation]
    typical_rule: str = "the traced world whose path is closest to the median of all worlds"
    parameter_uncertainty: str = "chance"  # the run's mode: "prior" worlds each drew their ASSUMPTIONs

    def intro(self) -> str:
        world = f"replicate {self.replicate}"
        if self.typical:
            world += f", the most typical of the {len(self.traced)} traced worlds"
        return f"Why did {AGENT_NAMES[self.agent]} act as it did in {self.year}? ({world})"

    def text(self) -> str:
        lines = [self.intro(), ""]
        lines.append(_timing_note(self.agent, self.year))
        if self.parameter_uncertainty == "prior":
            lines.append("This run drew every ASSUMPTION parameter world by world (--parameter-uncertainty prior): "
                         "this world's own values are in parameters.parquet.")
        for decision in self.decisions:
            lines.append("")
            lines += _decision_lines(decision)
        if self.typical:
            lines.append("")
            lines.append(f"The typical world is {self.typical_rule}. Other worlds: --replicate K with K in "
                         f"{_ranges(self.traced)}.")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class TurningPoint(NamedTuple):
    year: int
    agent: str
    decision: str


# --------------------------------------------------------------------------- public functions


def traced_replicates(result) -> list[int]:
    """The replicates whose decisions are in the trace (the first worlds of the ensemble)."""
    trace = result.trace
    if trace is None or trace.empty or "replicate" not in trace.columns:
        return []
    return sorted(int(r) for r in trace["replicate"].unique())


def typical_replicate(result) -> int:
    """The traced replicate whose headline trajectories are closest to the ensemble median.

    The rule: for every headline output (``sim.compare.HEADLINE``: alignment, the Russian
    and EU trade shares, sanctions level, subsidy, unrest, GDP growth, regime security) and
    every recorded year, take the gap between the world's value and the median of all worlds
    that year, divided by the output's standard deviation over all worlds and years (outputs
    that never vary are left out). The typical world has the smallest mean squared gap; a tie
    goes to the lowest replicate number. A summary-only run keeps no per-world time series; there
    the typical world is the traced world whose choices most often match the most common choice
    of the traced worlds (per year and decision).
    """
    traced = traced_replicates(result)
    if not traced:
        raise ScenarioError(result.name, "this run has no decision trace (trace.csv is missing or empty)")
    ts = result.timeseries
    if ts is None:
        return _typical_by_choices(result, traced)
    outputs = [o for o in HEADLINE if o in ts.columns]
    spread = ts[outputs].std(ddof=0)
    outputs = [o for o in outputs if spread[o] > 1e-12]
    if not outputs:
        return traced[0]
    median = ts.groupby("year")[outputs].median()
    best, best_gap = traced[0], math.inf
    for replicate in traced:
        world = ts[ts["replicate"] == replicate].set_index("year")[outputs]
        gap = float(((((world - median.loc[world.index]) / spread[outputs]) ** 2).to_numpy()).mean())
        if gap < best_gap - 1e-15:
            best, best_gap = replicate, gap
    return best


def _typical_by_choices(result, traced: list[int]) -> int:
    chosen = _chosen(result)
    common = chosen.groupby(["year", "agent", "decision"])["option"].agg(lambda s: s.value_counts().index[0])
    merged = chosen.join(common.rename("common"), on=["year", "agent", "decision"])
    agree = (merged["option"] == merged["common"]).groupby(merged["replicate"]).mean()
    best = max(traced, key=lambda r: (round(float(agree.get(r, 0.0)), 12), -r))
    return int(best)


def explain(result, year: int, agent: str = "minsk", replicate: int | None = None,
            decision: str | None = None, label: str | None = None) -> Explanation:
    """Explain ``agent``'s decisions in ``year`` for one traced world (by default the typical one).

    ``decision`` limits the explanation to one of the agent's two decisions (e.g. ``"foreign"``).
    Raises :class:`~sim.errors.ScenarioError` (one line, naming the run by ``label``, default its
    scenario name) for an unknown agent or decision, a year without decisions, or a replicate
    that is not traced.
    """
    label = label or result.name
    agent = _check_agent(label, agent)
    traced = traced_replicates(result)
    if not traced:
        raise ScenarioError(label, "this run has no decision trace (trace.csv is missing or empty)")
    year = _check_year(label, result, year)
    typical = replicate is None
    if replicate is None:
        replicate = typical_replicate(result)
    replicate = _check_replicate(label, replicate, traced)
    names = AGENT_DECISIONS[agent]
    if decision is not None:
        if decision not in names:
            raise ScenarioError(label, f"{AGENT_NAMES[agent]} has no decision '{decision}'; choose {_or(names)}"
                                       f"{did_you_mean(decision, names)}", key="decision")
        names = (decision,)
    seen = seen_state(result, replicate, year)
    views = [_decision_view(result, agent, name, year, replicate, seen) for name in names]
    title = str((result.scenario or {}).get("title") or result.name)
    explanation = Explanation(run=result.name, title=title, year=year, agent=agent, replicate=replicate,
                              typical=typical, traced=traced, decisions=views,
                              parameter_uncertainty=getattr(result, "parameter_uncertainty", "chance"))
    if result.timeseries is None:
        explanation.typical_rule = ("the traced world whose choices most often match the most common choice of "
                                    "the traced worlds (this run kept no per-world time series)")
    return explanation


def turning_points(result, replicate: int) -> list[TurningPoint]:
    """The turning points of one traced world: ``(year, agent, decision)``, in order of year.

    A decision is a turning point when its chosen option is not the middle one (balance,
    hold, keep) and either it is a crackdown, a loosening or a change of sanctions, or it
    differs from the same decision's move the year before (a change of course: the first
    lean East after a balance, a raise after cuts). Repeating last year's move is not a
    turning point.
    """
    replicate = _check_replicate(result.name, replicate, traced_replicates(result))
    chosen = _chosen(result)
    chosen = chosen[chosen["replicate"] == replicate]
    moves = {(int(r.year), r.agent, r.decision): list(DECISIONS[r.agent, r.decision].options).index(r.option) - 1
             for r in chosen.itertuples(index=False) if (r.agent, r.decision) in DECISIONS}
    ts = result.timeseries
    world = ts[ts["replicate"] == replicate].set_index("year") if ts is not None else None
    points = []
    order = {key: i for i, key in enumerate(DECISIONS)}
    for row in sorted(chosen.itertuples(index=False), key=lambda r: (r.year, order[r.agent, r.decision])):
        spec = DECISIONS.get((row.agent, row.decision))
        if spec is None or row.option == spec.middle:
            continue
        move = list(spec.options).index(row.option) - 1
        always = (row.agent, row.decision) in (("minsk", "domestic"), ("brussels", "sanctions"))
        before = moves.get((int(row.year) - 1, row.agent, row.decision))
        if before is None and world is not None:  # the year before the trace: the time series has the move
            before = world[MOVE_COLUMNS[row.agent, row.decision]].get(int(row.year) - 1)
        if always or before is None or int(before) != move:
            points.append(TurningPoint(int(row.year), str(row.agent), str(row.decision)))
    return points


# The decisions that tell the story first: Minsk's moves and the EU's sanctions, then Moscow's money.
PRIORITY = {("minsk", "domestic"): 0, ("brussels", "sanctions"): 0, ("minsk", "foreign"): 0,
            ("moscow", "subsidy"): 1, ("moscow", "pressure"): 2, ("brussels", "engagement"): 2}


def key_turning_points(result, replicate: int, limit: int = 8) -> list[TurningPoint]:
    """At most ``limit`` of a world's turning points, those that tell the story, in order of year.

    Crackdowns, sanctions changes and Minsk's foreign moves come first (up to ``limit - 2`` of
    them), then Moscow's subsidy, then the rest; within each rank, moves that many worlds made the
    same year (the ensemble's story rather than this world's luck) come before rare ones, and
    earlier years before later.
    """
    points = turning_points(result, replicate)
    shares = _move_shares(result)
    chosen = _chosen(result)
    chosen = chosen[chosen["replicate"] == replicate].set_index(["year", "agent", "decision"])["option"]
    order = {key: i for i, key in enumerate(DECISIONS)}

    def rank(p: TurningPoint):
        spec = DECISIONS[p.agent, p.decision]
        move = list(spec.options).index(chosen.loc[(p.year, p.agent, p.decision)]) - 1
        share = shares.get((p.year, p.agent, p.decision, move), 0.0)
        return PRIORITY.get((p.agent, p.decision), 3), -round(share, 6), p.year

    ranked = sorted(points, key=rank)
    # Keep two places for Moscow and the EU's engagement when Minsk and the sanctions would fill them all.
    first = [p for p in ranked if rank(p)[0] == 0][:max(limit - 2, 0)]
    rest = [p for p in ranked if rank(p)[0] > 0] + [p for p in ranked if rank(p)[0] == 0 and p not in first]
    picked = first + rest[:limit - len(first)]
    return sorted(picked, key=lambda p: (p.year, order[p.agent, p.decision]))


def _move_shares(result) -> dict[tuple[int, str, str, int], float]:
    """Share of worlds making each move in each year: all worlds from the time series, else the traced ones."""
    shares: dict[tuple[int, str, str, int], float] = {}
    ts = result.timeseries
    if ts is not None:
        for (agent, decision), column in MOVE_COLUMNS.items():
            if column not in ts.columns:
                continue
            table = ts.groupby("year")[column].value_counts(normalize=True)
            for (year, move), share in table.items():
                shares[int(year), agent, decision, int(move)] = float(share)
        return shares
    chosen = _chosen(result)
    counts = chosen.groupby(["year", "agent", "decision"])["option"].value_counts(normalize=True)
    for (year, agent, decision, option), share in counts.items():
        spec = DECISIONS.get((agent, decision))
        if spec is not None:
            shares[int(year), agent, decision, list(spec.options).index(option) - 1] = float(share)
    return shares


def parameter_value(result, pid: str, year: int, replicate: int | None = None) -> float | None:
    """A parameter's value in ``year``: the run's starting value with any scenario events up to that year.

    A parameter each world drew (prior mode) has world ``replicate``'s value; None without a replicate."""
    entry = (result.parameters or {}).get(pid)
    if entry is None:
        return None
    value = float(entry["value"])
    drawn = getattr(result, "world_parameters", None)
    if drawn is not None and pid in drawn.columns:
        if replicate is None:
            return None
        value = float(drawn.loc[drawn["replicate"] == replicate, pid].iloc[0])
    for change in entry.get("events") or []:
        if int(change["year"]) > year:
            continue
        if "set" in change:
            value = float(change["set"])
        elif "add" in change:
            value = value + float(change["add"])
    return value


def seen_state(result, replicate: int, year: int) -> dict[str, float | None]:
    """The state values (keys of :data:`sim.terms.STATE`) the agents saw when deciding in ``year``."""
    ts = result.timeseries
    if ts is None:  # a summary-only run: no per-world state was kept
        return {key: None for key in STATE}
    world = ts[ts["replicate"] == replicate].set_index("year")
    this = world.loc[year] if year in world.index else None
    before = world.loc[year - 1] if year - 1 in world.index else None
    seen: dict[str, float | None] = {}
    for key, spec in STATE.items():
        row = this if spec.when == "this" else before
        seen[key] = None if row is None or spec.output not in row.index else float(row[spec.output])
    # Scenario jolts of this year to agent state are applied before the decisions.
    for event in (result.scenario or {}).get("events") or []:
        if int(event.get("year", -1)) != year:
            continue
        for operation in ("set", "add"):
            for sid, value in (event.get(operation) or {}).items():
                output = JOLTED_OUTPUTS.get(sid)
                if output is None or seen.get(output) is None and operation == "add":
                    continue
                new = float(value) if operation == "set" else seen[output] + float(value)
                spec = STATE_VARIABLES[sid]
                new = min(max(new, spec.low), spec.high)
                seen[output] = float(round(new)) if spec.integer else new
    # Unrest is recorded at year end, after any crackdown cut it; the agents saw it before.
    if this is not None and seen.get("unrest") is not None and float(this.get("crackdown", 0)) == 1:
        suppression = parameter_value(result, "minsk.crackdown_unrest_suppression", year, replicate)
        if suppression is not None and suppression < 1:
            seen["unrest"] = seen["unrest"] / (1 - suppression)
    return seen


# --------------------------------------------------------------------------- building the views


def _chosen(result) -> pd.DataFrame:
    trace = result.trace
    return trace[trace["chosen"] == 1][["replicate", "year", "agent", "decision", "option"]]


def _decision_view(result, agent, name, year, replicate, seen) -> DecisionExplanation:
    spec = DECISIONS[agent, name]
    trace = result.trace
    rows = trace[(trace["replicate"] == replicate) & (trace["year"] == year) & (trace["agent"] == agent)
                 & (trace["decision"] == name)]
    if rows.empty:
        raise ScenarioError(result.name, f"the trace has no {agent} {name} decision for replicate {replicate} "
                                         f"in {year}", key="year")
    rows = rows.set_index("option").reindex([o for o in spec.options if o in set(rows["option"])])
    term_names = [c[len("term."):] for c in rows.columns
                  if c.startswith("term.") and rows[c].notna().all()]

    # Share of all worlds, and which traced worlds, took each option that year.
    move_column = MOVE_COLUMNS[agent, name]
    ts = result.timeseries
    moves = ts.loc[ts["year"] == year, move_column] if ts is not None else pd.Series(dtype=float)
    chosen_all = _chosen(result)
    chosen_all = chosen_all[(chosen_all["year"] == year) & (chosen_all["agent"] == agent)
                            & (chosen_all["decision"] == name)]

    options = []
    for i, option in enumerate(rows.index):
        feasible = True
        if (agent, name) == ("brussels", "sanctions"):
            level = seen.get("sanctions_level")
            feasible = not ((option == "ease" and level == 0) or (option == "tighten" and level == 2))
        options.append(OptionView(
            option=option,
            label=spec.options[option].gerund,
            utility=float(rows.loc[option, "utility"]),
            probability=float(rows.loc[option, "probability"]),
            chosen=bool(rows.loc[option, "chosen"] == 1),
            feasible=feasible,
            share_all_worlds=float((moves == i - 1).mean()) if len(moves) else None,
            traced_worlds=sorted(int(r) for r in chosen_all.loc[chosen_all["option"] == option, "replicate"]),
        ))
    chosen = next(o.option for o in options if o.chosen)
    others = [o for o in options if not o.chosen and o.feasible]
    runner_up = max(others, key=lambda o: o.probability).option if others else chosen
    feasible_options = [o.option for o in options if o.feasible]

    terms = []
    for term_name in term_names:
        meaning = spec.terms.get(term_name)
        values = {o: float(rows.loc[o, f"term.{term_name}"]) for o in rows.index}
        terms.append(TermView(
            name=term_name,
            label=meaning.label if meaning else term_name.replace("_", " "),
            meaning=meaning.meaning if meaning else "",
            weight=meaning.weight if meaning else "",
            values=values,
            group=_group(values, feasible_options, spec),
            context=_term_context(meaning.shows if meaning else (), seen, result, year),
            difference=values[chosen] - values[runner_up],
        ))
    state = [_state_view(key, seen.get(key), result, year, agent) for key in spec.inputs]
    return DecisionExplanation(agent=agent, decision=name, title=DECISION_TITLES[agent, name],
                               question=spec.question, year=year, replicate=replicate, options=options,
                               chosen=chosen, runner_up=runner_up, terms=terms, state=state,
                               replicates=int(result.replicates), missing_state=_missing_state(result, year))


def _missing_state(result, year: int) -> str:
    """Why the state seen in ``year`` may be unknown: a summary-only run, or a year before the first recorded."""
    if result.timeseries is None:
        return "this run kept no per-world time series (--summary-only)"
    if year - 1 < result.years[0]:
        return (f"the end of {year - 1} is before this run's first recorded year ({result.years[0]}); "
                "the actors' positions then are not in the run folder")
    return ""


def _group(values: dict[str, float], feasible: list[str], spec: Decision) -> str:
    """Which option a term favours: ``for X`` (X alone scores highest), ``against X`` or ``inactive``."""
    shown = {o: v for o, v in values.items() if o in feasible}
    if not shown or max(shown.values()) - min(shown.values()) < TINY:
        return "inactive"
    top = max(shown.values())
    best = [o for o, v in shown.items() if v >= top - 1e-9]
    if len(best) == 1:
        return f"for {best[0]}"
    worst = min(shown, key=shown.get)
    return f"against {worst}"


# --------------------------------------------------------------------------- formatting


def num(value: float, decimals: int = 2, sign: bool = False) -> str:
    """A number with a true minus sign; ``sign`` adds ``+`` to positive values; -0.00 prints as 0.00."""
    text = f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"
    if text.lstrip("+-") == f"{0:.{decimals}f}":
        return f"{0:.{decimals}f}"
    return text.replace("-", MINUS)


def percent(p: float) -> str:
    """A probability for a reader: ``61%``, ``0.4%``, ``less than 0.1%``, ``more than 99.9%``."""
    if p <= 0:
        return "0%"
    if p >= 1:
        return "100%"
    if p < 0.001:
        return "less than 0.1%"
    if p > 0.999:
        return "more than 99.9%"
    if p < 0.01 or p > 0.99:
        return f"{p:.1%}"
    return f"{p:.0%}"


def _state_text(key: str, value: float | None, result, year: int, agent: str) -> str:
    if value is None:
        return "not recorded"
    if key == "alignment":
        lean = "East-leaning" if value < -0.05 else "West-leaning" if value > 0.05 else "balanced"
        return f"{num(value, sign=True)} ({lean})"
    if key == "subsidy_pct_gdp":
        return f"{num(value)}% of GDP"
    if key == "russia_trade_share":
        return f"{value:.0%}"
    if key == "sanctions_level":
        return f"{SANCTIONS_LEVELS.get(int(round(value)), '?')} ({int(round(value))})"
    if key in ("political_prisoners", "prisoners_released"):
        text = f"{int(round(value))}"
        tolerance = parameter_value(result, "brussels.prisoner_tolerance", year)
        if key == "political_prisoners" and agent == "brussels" and tolerance is not None:
            text += f" (the EU tolerates {tolerance:g})"
        return text
    if key == "crackdown":
        return "a crackdown" if value >= 0.5 else "no crackdown"
    if key == "ukraine_war":
        return "a full-scale war in Ukraine" if value >= 0.5 else "no full-scale war in Ukraine"
    if key == "minsk_foreign_move":
        options = list(DECISIONS["minsk", "foreign"].options.values())
        return "Minsk " + options[int(round(value)) + 1].past
    if key == "unrest":
        threshold = parameter_value(result, "minsk.unrest_threshold", year)
        return f"{num(value)}" + (f" (threshold {num(threshold)})" if threshold is not None else "")
    if key == "repression":
        line = parameter_value(result, "moscow.liberalization_tolerance", year)
        text = num(value)
        if line is not None and agent == "moscow":
            text += f" (Moscow's Dubček line: {num(line)})"
        return text
    if key == "russia_growth":
        normal = _normal_growth(result, year)
        return f"{num(value)}% a year" + (f" (normal: {num(normal)}%)" if normal is not None else "")
    return num(value)


def _normal_growth(result, year: int) -> float | None:
    trend = parameter_value(result, "world.russia_trend_growth", year)
    drag = parameter_value(result, "world.russia_sanctions_drag", year)
    return None if trend is None or drag is None else trend - drag


def _state_view(key, value, result, year, agent) -> StateView:
    spec = STATE[key]
    when = spec.when
    if key in ("prisoners_released", "crackdown", "minsk_foreign_move"):
        when = "during"
    label = "" if key in ("crackdown", "ukraine_war", "minsk_foreign_move") else spec.label
    text = _state_text(key, value, result, year, agent)
    if key == "unrest" and value is not None:
        text += ", before any crackdown"
    if value is not None and key in _jolted_outputs(result, year):
        text += f" (after the scenario's {year} event)"
    return StateView(key=key, label=label, value=value, text=text, when=when)


def _jolted_outputs(result, year: int) -> set[str]:
    """Outputs whose value the scenario's events of ``year`` jolted before the decisions."""
    jolted = set()
    for event in (result.scenario or {}).get("events") or []:
        if int(event.get("year", -1)) == year:
            for operation in ("set", "add"):
                jolted |= {JOLTED_OUTPUTS[sid] for sid in (event.get(operation) or {}) if sid in JOLTED_OUTPUTS}
    return jolted


def _term_context(shows, seen, result, year) -> str:
    """A few words on the state a term reads: "10.00% of GDP", "unrest 0.25 vs threshold 0.45"."""
    parts = []
    for key in shows:
        value = seen.get(key)
        if value is None:
            continue
        if key == "subsidy_pct_gdp":
            parts.append(f"{num(value)}% of GDP")
        elif key == "russia_trade_share":
            parts.append(f"{value:.0%} of trade")
        elif key == "sanctions_level":
            parts.append(f"sanctions {SANCTIONS_LEVELS.get(int(round(value)), '?')}")
        elif key == "unrest":
            threshold = parameter_value(result, "minsk.unrest_threshold", year)
            parts.append(f"unrest {num(value)}" + (f" vs threshold {num(threshold)}" if threshold is not None
                                                   else ""))
        elif key == "political_prisoners":
            parts.append(f"{int(round(value))} held")
        elif key == "prisoners_released":
            parts.append(f"{int(round(value))} released")
        elif key == "crackdown":
            parts.append("there was one" if value >= 0.5 else "none")
        elif key == "ukraine_war":
            parts.append("war" if value >= 0.5 else "no war")
        elif key == "russia_growth":
            normal = _normal_growth(result, year)
            parts.append(f"growth {num(value)}%" + (f" vs normal {num(normal)}%" if normal is not None else ""))
        elif key == "minsk_foreign_move":
            parts.append(_state_text(key, value, result, year, "minsk").replace("Minsk ", "it "))
        elif key == "alignment":
            parts.append(f"alignment {num(value, sign=True)}")
        elif key == "repression":
            line = parameter_value(result, "moscow.liberalization_tolerance", year)
            parts.append(f"repression {num(value)}" + (f" vs line {num(line)}" if line is not None else ""))
        else:
            parts.append(num(value))
    return ", ".join(parts)


def _values_text(term: TermView, spec: Decision, feasible: set[str]) -> str:
    parts = [f"{num(v, sign=True)} for {spec.options[o].gerund}" for o, v in term.values.items()
             if abs(v) >= TINY and o in feasible]
    return ", ".join(parts) if parts else "0.00"


def _timing_note(agent: str, year: int) -> str:
    sees = {
        "minsk": f"the other actors' positions as they stood at the end of {year - 1}, and this year's street "
                 f"unrest, Russian growth and war",
        "moscow": f"Minsk's alignment and repression and the EU's sanctions as they stood at the end of "
                  f"{year - 1}, and this year's Russian growth and war",
        "brussels": f"Minsk's record in {year - 1} (prisoners held, releases, any crackdown, its foreign move), "
                    f"judged a year late, and this year's war",
    }[agent]
    return (f"{AGENT_NAMES[agent]} decides at the start of {year} on what it sees then: {sees}. Every reason "
            f"below gives each option points; the more points, the likelier the option. The choice itself is a "
            f"draw, so a less likely option is sometimes taken.")


def _decision_lines(d: DecisionExplanation) -> list[str]:
    spec = d.spec
    name = AGENT_NAMES[d.agent]
    chosen = d.chosen_view
    feasible = {o.option for o in d.options if o.feasible}
    lines = [d.headline()]

    others = sorted((o for o in d.options if not o.chosen), key=lambda o: -o.probability)
    rest = [f"{o.label} had {percent(o.probability)}" if o.feasible else f"{o.label} was not possible"
            for o in others]
    chance = percent(chosen.probability)
    if chance[0].isdigit():
        lines.append(f"  It had a {chance} chance of doing so; {_and(rest)}.")
    else:
        lines.append(f"  Its chance of doing so was {chance}; {_and(rest)}.")
    if d.most_likely.option != d.chosen:
        lines.append(f"  This was not its most likely move ({d.most_likely.label} was): the choice is a draw, "
                     f"and this time it fell on a less likely option.")
    shares = [o for o in d.options if o.share_all_worlds is not None]
    if shares and d.replicates > 1:
        across = _and([f"{spec.options[o.option].past} in {percent(o.share_all_worlds)}" for o in shares])
        lines.append(f"  Across all {d.replicates:,} worlds in {d.year}, {name} {across}.")
    elsewhere = [f"{spec.options[o.option].past} in {_ranges(o.traced_worlds)}" for o in d.options
                 if not o.chosen and o.traced_worlds]
    if elsewhere:
        lines.append(f"  Among the traced worlds, {name} " + "; ".join(elsewhere) + " (see --replicate).")

    lines.append("")
    groups: dict[str, list[TermView]] = {}
    for term in d.terms:
        groups.setdefault(term.group, []).append(term)
    for group in [f"for {o}" for o in spec.options] + [f"against {o}" for o in spec.options]:
        members = groups.get(group)
        if not members:
            continue
        lines.append(f"  {group_title(group, spec)}:")
        members.sort(key=lambda t: -(max(t.values.values()) - min(t.values.values())))
        for term in members:
            context = f" ({term.context})" if term.context else ""
            lines.append(f"    - {term.label}{context}: {_values_text(term, spec, feasible)}")
    inactive = groups.get("inactive")
    if inactive:
        lines.append("  Not at work this year: " + _and([
            t.label + (f" ({t.context})" if t.context else "") for t in inactive]) + ".")
    totals = ", ".join(f"{o.label} {num(o.utility, sign=True)}" for o in d.options if o.feasible)
    lines.append(f"  Total points: {totals}.")

    lines.append("")
    lines += ["  " + line for line in decided_lines(d)]

    lines.append("")
    lines.append(f"  What {name} faced when it decided:")
    if all(s.value is None for s in d.state):
        lines.append(f"    not recorded: {d.missing_state or 'this run kept no per-world values for it'}.")
    for period, views in ([] if all(s.value is None for s in d.state) else state_periods(d)):
        lines.append(f"    {period}: " + "; ".join(s.sentence for s in views) + ".")
    if d.missing_state and any(s.value is None for s in d.state) and not all(s.value is None for s in d.state):
        lines.append(f"    (not recorded: {d.missing_state})")
    return lines


def group_title(group: str, spec: Decision) -> str:
    """``"for lean_east"`` -> ``"What pulled it East"``; ``"against tilt_west"`` -> ``"What counted against tilting West"``."""
    kind, option = group.split(" ", 1)
    if kind == "for":
        return spec.options[option].pull
    return f"What counted against {spec.options[option].gerund}"


def decided_lines(d: DecisionExplanation) -> list[str]:
    """Which terms decided it: the largest differences between the chosen option and the runner-up."""
    chosen = d.chosen_view
    if d.runner_up == d.chosen:
        return ["What decided it: no other option was possible."]
    runner = d.option(d.runner_up)
    gap = chosen.utility - runner.utility
    pro, con = d.decisive()
    if gap >= 0:
        ratio = chosen.probability / runner.probability if runner.probability > 0 else math.inf
        times = ("far more" if ratio > 1000 else f"{ratio:.0f} times as" if ratio >= 10
                 else f"{ratio:.1f} times as")
        lines = [f"What decided it: {chosen.label} beat {runner.label}, the runner-up, by {num(gap)} points, "
                 f"which made it {times} likely."]
    else:
        lines = [f"What decided it: {chosen.label} scored {num(-gap)} points less than {runner.label}, "
                 f"yet the draw fell on it."]
    if pro:
        lines.append(f"  In favour of {chosen.label}: "
                     + _and([f"{t.label} ({num(t.difference, sign=True)})" for t in pro]) + ".")
    if con:
        lines.append(f"  Against it: " + _and([f"{t.label} ({num(t.difference, sign=True)})" for t in con]) + ".")
    return lines


def state_periods(d: DecisionExplanation) -> list[tuple[str, list[StateView]]]:
    """The state a decision saw, grouped by when it was produced: end of last year, during it, this year."""
    periods = {f"At the end of {d.year - 1}": [], f"During {d.year - 1}": [], f"In {d.year} itself": []}
    for view in d.state:
        key = {"previous": f"At the end of {d.year - 1}", "during": f"During {d.year - 1}",
               "this": f"In {d.year} itself"}[view.when]
        periods[key].append(view)
    return [(period, views) for period, views in periods.items() if views]


def _and(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _ranges(numbers: list[int]) -> str:
    """``[0, 1, 2, 3, 7, 9, 10]`` -> ``"0-3, 7, 9-10"``."""
    numbers = sorted(set(int(n) for n in numbers))
    parts: list[str] = []
    start = previous = None
    for n in numbers + [None]:
        if start is None:
            start = previous = n
            continue
        if n is not None and n == previous + 1:
            previous = n
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = n
    return ", ".join(parts)


def _or(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


# --------------------------------------------------------------------------- checks


def _check_agent(label: str, agent: str) -> str:
    key = str(agent).strip().lower()
    if key not in AGENT_NAMES:
        raise ScenarioError(label, f"unknown agent '{agent}'; choose {_or(list(AGENT_NAMES))}"
                                   f"{did_you_mean(key, AGENT_NAMES)}", key="agent")
    return key


def _check_year(label: str, result, year: int) -> int:
    traced_years = sorted(int(y) for y in result.trace["year"].unique())
    year = int(year)
    if year in traced_years:
        return year
    span = f"{traced_years[0]}-{traced_years[-1]}"
    if year in result.years:
        what = f"{year} is the starting picture, before any decision; decisions are traced for {span}"
    else:
        what = f"{year} is outside this run ({result.years[0]}-{result.years[-1]}); decisions are traced for {span}"
    raise ScenarioError(label, what, key="year")


def _check_replicate(label: str, replicate: int, traced: list[int]) -> int:
    replicate = int(replicate)
    if replicate not in traced:
        raise ScenarioError(label, f"{replicate} is not traced; the traced replicates are {_ranges(traced)} "
                                   f"(the first {len(traced)} worlds)", key="replicate")
    return replicate
