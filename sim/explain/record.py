"""Reading the decision trace the model recorded: which worlds are traced, each decision's rows,
what it saw, which options it could take and which of its inputs a scenario jolt set.

The model writes, for every traced world, year and decision, one row per option of
``trace.csv`` (``sim.model.model.BalancingModel.decision_trace``): the utility terms
(``term.<name>``), utility, probability, ``chosen``, ``feasible``, the state the decision
read (``seen.<output>``, declared by the agent's ``SEES`` and recorded before anyone acts)
and ``jolted`` (those of its inputs a scenario event set that year). This module only
reads those columns; it re-derives no rule of the model. The value of a parameter in a
year comes from the run's manifest through ``Result.parameter_value``.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.explain.terms import AGENT_NAMES, DECISIONS, STATE
from sim.explain.wording import or_list, ranges
from sim.inputs.errors import ScenarioError, did_you_mean

SEEN = "seen."
TERM = "term."
NOT_RECORDED = ("this run's trace.csv does not record what the decisions saw (it was written by an earlier "
                "version of the simulator); run the scenario again to see it")


def traced_replicates(result) -> list[int]:
    """The replicates whose decisions are in the trace (the first worlds of the ensemble and, in a run
    that kept its time series, its typical world)."""
    trace = result.trace
    if trace is None or trace.empty or "replicate" not in trace.columns:
        return []
    return sorted(int(r) for r in trace["replicate"].unique())


def records_what_was_seen(result) -> bool:
    """Whether the trace holds the state each decision saw (``seen.*`` columns)."""
    return any(str(c).startswith(SEEN) for c in result.trace.columns)


def chosen_rows(result) -> pd.DataFrame:
    """The chosen option of every traced decision: replicate, year, agent, decision, option."""
    trace = result.trace
    return trace[trace["chosen"] == 1][["replicate", "year", "agent", "decision", "option"]]


def choice_odds(result, replicate: int) -> dict[tuple[int, str, str], tuple[float, float]]:
    """Per ``(year, agent, decision)`` of one traced world: the probability of the option taken and of
    the most likely option it could take, as the trace recorded them (``probability``, ``chosen``,
    ``feasible``)."""
    trace = result.trace
    rows = trace[trace["replicate"] == replicate]
    if "feasible" in rows.columns:
        possible = rows[rows["feasible"] == 1]
    else:
        possible = rows
    keys = ["year", "agent", "decision"]
    likeliest = possible.groupby(keys)["probability"].max()
    taken = rows[rows["chosen"] == 1].set_index(keys)["probability"]
    return {(int(y), str(a), str(d)): (float(p), float(likeliest.get((y, a, d), p)))
            for (y, a, d), p in taken.items()}


def decision_rows(result, replicate: int, year: int, agent: str, decision: str) -> pd.DataFrame:
    """The trace rows of one decision in one world and year, indexed by option in the order of
    :data:`sim.explain.terms.DECISIONS` (an empty frame when the trace has none)."""
    trace = result.trace
    rows = trace[(trace["replicate"] == replicate) & (trace["year"] == year) & (trace["agent"] == agent)
                 & (trace["decision"] == decision)]
    if rows.empty:
        return rows
    present = set(rows["option"])
    return rows.set_index("option").reindex([o for o in DECISIONS[agent, decision].options if o in present])


def term_names(rows: pd.DataFrame) -> list[str]:
    """The utility terms of a decision: the ``term.*`` columns filled on its rows."""
    return [c[len(TERM):] for c in rows.columns if str(c).startswith(TERM) and rows[c].notna().all()]


def seen_values(rows: pd.DataFrame) -> dict[str, float]:
    """What one decision saw, by output name: the ``seen.*`` columns filled on its rows."""
    first = rows.iloc[0]
    return {c[len(SEEN):]: float(first[c]) for c in rows.columns
            if str(c).startswith(SEEN) and not _missing(first[c])}


def feasible_options(rows: pd.DataFrame) -> dict[str, bool]:
    """Which options the decision could take, as the model masked them (all, in a trace without the column)."""
    if "feasible" not in rows.columns:
        return {option: True for option in rows.index}
    return {option: bool(int(rows.loc[option, "feasible"]) == 1) for option in rows.index}


def jolted_inputs(rows: pd.DataFrame) -> set[str]:
    """The inputs of a decision that a scenario event set in its year, before it was taken."""
    if "jolted" not in rows.columns:
        return set()
    value = rows["jolted"].iloc[0]
    return set() if _missing(value) else set(str(value).split())


def seen_state(result, replicate: int, year: int) -> dict[str, float | None]:
    """What the agents of one world saw when deciding in ``year``, by state key (keys of
    :data:`sim.explain.terms.STATE`, None where no decision recorded it). All six decisions
    of a year are taken on the same picture, so the decisions' records are merged."""
    trace = result.trace
    seen: dict[str, float | None] = {key: None for key in STATE}
    if not records_what_was_seen(result):
        return seen
    rows = trace[(trace["replicate"] == replicate) & (trace["year"] == year)]
    for column in (c for c in rows.columns if str(c).startswith(SEEN)):
        filled = rows[column].dropna()
        if not filled.empty:
            seen[column[len(SEEN):]] = float(filled.iloc[0])
    return seen


# --------------------------------------------------------------------------- checks of a request against the trace


def check_agent(label: str, agent: str) -> str:
    key = str(agent).strip().lower()
    if key not in AGENT_NAMES:
        raise ScenarioError(label, f"unknown agent '{agent}'; choose {or_list(list(AGENT_NAMES))}"
                                   f"{did_you_mean(key, AGENT_NAMES)}", key="agent")
    return key


def check_year(label: str, result, year: int) -> int:
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


def check_replicate(label: str, replicate: int, traced: list[int]) -> int:
    replicate = int(replicate)
    if replicate not in traced:
        first = next((i for i, r in enumerate(traced) if r != i), len(traced))  # worlds 0 .. first-1
        which = f"the first {first} worlds" + (" and the typical one" if first < len(traced) else "")
        raise ScenarioError(label, f"{replicate} is not traced; the traced replicates are {ranges(traced)} "
                                   f"({which})", key="replicate")
    return replicate


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""
