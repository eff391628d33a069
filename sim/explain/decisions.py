"""Why did an actor do what it did? Plain-language explanations from the recorded decision trace.

    from sim.outputs.results import Result
    from sim.explain.decisions import explain
    from sim.explain.worlds import typical_replicate, turning_points

    result = Result.load("results/unrest_shock/<run id>")
    print(explain(result, 2021, "minsk").text())          # a typical world
    print(explain(result, 2021, "minsk", replicate=7).text())
    turning_points(result, typical_replicate(result))    # [(2020, "minsk", "domestic"), ...]

An explanation reads what the model recorded and nothing else (:mod:`sim.explain.record`):
each option's utility terms, probability, whether it was chosen and whether it could be
(``trace.csv``), what the decision saw when it was taken (``seen.*``: positions from the
end of last year with any jolt of this year, this year's drivers and unrest before any
crackdown; docs/ODD.md, sections 3 and 4.7), which of that a scenario jolt set
(``jolted``), and the parameters' values in that year by the model's own rule
(``Result.parameter_value``). The time series adds only how many of all worlds made each
move. It never imports the model or Mesa; the meanings of options and terms come from
:mod:`sim.explain.terms`, the words from :mod:`sim.explain.wording`.
"""

from __future__ import annotations

import pandas as pd

from sim.explain.record import (NOT_RECORDED, check_agent, check_replicate, check_year, chosen_rows, decision_rows,
                                feasible_options, jolted_inputs, records_what_was_seen, seen_values, term_names,
                                traced_replicates)
from sim.explain.terms import AGENT_DECISIONS, AGENT_NAMES, DECISION_TITLES, DECISIONS, MOVE_COLUMNS, STATE, Decision
from sim.explain.views import DecisionExplanation, Explanation, OptionView, StateView, TermView
from sim.explain.wording import TINY, or_list, state_text, term_context
from sim.explain.worlds import typical_of_all, typical_replicate
from sim.inputs.errors import ScenarioError, did_you_mean

# State a decision saw that happened during last year rather than at its end.
DURING_LAST_YEAR = ("prisoners_released", "minsk_foreign_move")
# State whose words carry no label ("a crackdown", "no full-scale war in Ukraine").
UNLABELLED = ("crackdown", "ukraine_war", "minsk_foreign_move")


def explain(result, year: int, agent: str = "minsk", replicate: int | None = None,
            decision: str | None = None, label: str | None = None) -> Explanation:
    """Explain ``agent``'s decisions in ``year`` for one traced world (by default the typical one).

    ``decision`` limits the explanation to one of the agent's two decisions (e.g. ``"foreign"``).
    Raises :class:`~sim.inputs.errors.ScenarioError` (one line, naming the run by ``label``, default
    its scenario name) for an unknown agent or decision, a year without decisions, or a replicate
    that is not traced.
    """
    label = label or result.name
    agent = check_agent(label, agent)
    traced = traced_replicates(result)
    if not traced:
        raise ScenarioError(label, "this run has no decision trace (trace.csv is missing or empty)")
    year = check_year(label, result, year)
    typical = replicate is None
    if replicate is None:
        replicate = typical_replicate(result)
    replicate = check_replicate(label, replicate, traced)
    names = AGENT_DECISIONS[agent]
    if decision is not None:
        if decision not in names:
            raise ScenarioError(label, f"{AGENT_NAMES[agent]} has no decision '{decision}'; choose "
                                       f"{or_list(names)}{did_you_mean(decision, names)}", key="decision")
        names = (decision,)
    views = [_decision_view(result, agent, name, year, replicate) for name in names]
    title = str((result.scenario or {}).get("title") or result.name)
    explanation = Explanation(run=result.name, title=title, year=year, agent=agent, replicate=replicate,
                              typical=typical, traced=traced, decisions=views,
                              parameter_uncertainty=getattr(result, "parameter_uncertainty", "chance"))
    if result.timeseries is None:
        explanation.typical_rule = ("the traced world whose choices most often match the most common choice of "
                                    "the traced worlds (this run kept no per-world time series)")
    elif typical:
        of_all = typical_of_all(result)
        explanation.typical_of = int(result.replicates) if of_all else len(traced)
        if of_all:
            explanation.typical_rule = ("the world whose path is closest to the median of all worlds (the run "
                                        "traces it besides the first worlds)")
    return explanation


def _decision_view(result, agent, name, year, replicate) -> DecisionExplanation:
    spec = DECISIONS[agent, name]
    rows = decision_rows(result, replicate, year, agent, name)
    if rows.empty:
        raise ScenarioError(result.name, f"the trace has no {agent} {name} decision for replicate {replicate} "
                                         f"in {year}", key="year")
    seen = seen_values(rows)
    feasible = feasible_options(rows)

    def parameter(pid: str) -> float | None:  # in this world and year, by the model's rule
        return result.parameter_value(pid, year, replicate)

    # Share of all worlds, and which traced worlds, took each option that year.
    move_column = MOVE_COLUMNS[agent, name]
    ts = result.timeseries
    moves = ts.loc[ts["year"] == year, move_column] if ts is not None else pd.Series(dtype=float)
    chosen_all = chosen_rows(result)
    chosen_all = chosen_all[(chosen_all["year"] == year) & (chosen_all["agent"] == agent)
                            & (chosen_all["decision"] == name)]

    options = []
    for option in rows.index:
        move = list(spec.options).index(option) - 1
        options.append(OptionView(
            option=option,
            label=spec.options[option].gerund,
            utility=float(rows.loc[option, "utility"]),
            probability=float(rows.loc[option, "probability"]),
            chosen=bool(rows.loc[option, "chosen"] == 1),
            feasible=feasible[option],
            share_all_worlds=float((moves == move).mean()) if len(moves) else None,
            traced_worlds=sorted(int(r) for r in chosen_all.loc[chosen_all["option"] == option, "replicate"]),
        ))
    chosen = next(o.option for o in options if o.chosen)
    others = [o for o in options if not o.chosen and o.feasible]
    runner_up = max(others, key=lambda o: o.probability).option if others else chosen
    feasible_names = [o.option for o in options if o.feasible]

    terms = []
    for term_name in term_names(rows):
        meaning = spec.terms.get(term_name)
        values = {o: float(rows.loc[o, f"term.{term_name}"]) for o in rows.index}
        terms.append(TermView(
            name=term_name,
            label=meaning.label if meaning else term_name.replace("_", " "),
            meaning=meaning.meaning if meaning else "",
            weight=meaning.weight if meaning else "",
            values=values,
            group=_group(values, feasible_names, spec),
            context=term_context(meaning.shows if meaning else (), seen, parameter),
            difference=values[chosen] - values[runner_up],
        ))
    jolted = jolted_inputs(rows)
    shown = [key for key, value in STATE.items() if value.shown and key in seen]
    state = [_state_view(key, seen, jolted, parameter, year, agent) for key in shown]
    missing = ""
    if not state:
        missing = NOT_RECORDED if not records_what_was_seen(result) else "the trace holds nothing this decision saw"
        state = [StateView(key=key, label=STATE[key].label, value=None, text="not recorded", when=STATE[key].when)
                 for key in STATE if STATE[key].shown]
    return DecisionExplanation(agent=agent, decision=name, title=DECISION_TITLES[agent, name],
                               question=spec.question, year=year, replicate=replicate, options=options,
                               chosen=chosen, runner_up=runner_up, terms=terms, state=state,
                               replicates=int(result.replicates), missing_state=missing)


def _state_view(key: str, seen: dict[str, float], jolted: set[str], parameter, year: int, agent: str) -> StateView:
    spec = STATE[key]
    value = seen[key]
    when = "during" if key in DURING_LAST_YEAR else spec.when
    label = "" if key in UNLABELLED else spec.label
    text = state_text(key, value, seen, parameter, agent)
    if key == "unrest":
        text += ", before any crackdown"
    if key in jolted:
        text += f" (after the scenario's {year} event)"
    return StateView(key=key, label=label, value=value, text=text, when=when, jolted=key in jolted)


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
