"""The words of an explanation: numbers and chances for a reader, a decision's lines of text,
and the sentences on the state it saw.

Reads the structured explanation of :mod:`sim.explain.views` (by its fields, without importing
it, so that the views can use these lines) and the meanings of :mod:`sim.explain.terms`.
"""

from __future__ import annotations

import math

from sim.common.formats import number as num  # noqa: F401  (the explanations' numbers: the shared formatter)
from sim.common.formats import percent  # noqa: F401
from sim.common.variables import SANCTIONS_LEVELS
from sim.explain.terms import AGENT_NAMES, DECISIONS, Decision

TINY = 0.005  # a term whose values differ by less than this across options is "not at work"


def state_text(key: str, value: float | None, seen: dict, parameter, agent: str) -> str:
    """A state value in words, with what it is compared with (a threshold, the EU's tolerance ...);
    ``parameter(id)`` is a parameter's value in that world and year (``Result.parameter_value``)."""
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
        tolerance = parameter("brussels.prisoner_tolerance")
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
        threshold = parameter("minsk.unrest_threshold")
        return f"{num(value)}" + (f" (threshold {num(threshold)})" if threshold is not None else "")
    if key == "repression":
        line = parameter("moscow.liberalization_tolerance")
        text = num(value)
        if line is not None and agent == "moscow":
            text += f" (Moscow's Dubček line: {num(line)})"
        return text
    if key == "russia_growth":
        normal = seen.get("russia_normal_growth")
        return f"{num(value)}% a year" + (f" (normal: {num(normal)}%)" if normal is not None else "")
    return num(value)


def term_context(shows, seen, parameter) -> str:
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
            threshold = parameter("minsk.unrest_threshold")
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
            normal = seen.get("russia_normal_growth")
            parts.append(f"growth {num(value)}%" + (f" vs normal {num(normal)}%" if normal is not None else ""))
        elif key == "minsk_foreign_move":
            parts.append(state_text(key, value, seen, parameter, "minsk").replace("Minsk ", "it "))
        elif key == "alignment":
            parts.append(f"alignment {num(value, sign=True)}")
        elif key == "repression":
            line = parameter("moscow.liberalization_tolerance")
            parts.append(f"repression {num(value)}" + (f" vs line {num(line)}" if line is not None else ""))
        else:
            parts.append(num(value))
    return ", ".join(parts)


def _values_text(term: TermView, spec: Decision, feasible: set[str]) -> str:
    parts = [f"{num(v, sign=True)} for {spec.options[o].gerund}" for o, v in term.values.items()
             if abs(v) >= TINY and o in feasible]
    return ", ".join(parts) if parts else "0.00"


def timing_note(agent: str, year: int) -> str:
    sees = {
        "minsk": f"the other actors' positions as they stood at the end of {year - 1}, and this year's street "
                 f"unrest, Russian growth and war",
        "moscow": f"Minsk's alignment and repression and the EU's sanctions as they stood at the end of "
                  f"{year - 1}, and this year's Russian growth and war",
        "brussels": f"Minsk's record in {year - 1} (prisoners held, releases, its foreign move), judged a year "
                    f"late, and two things of {year} itself: a crackdown, which Brussels answers within the year, "
                    f"and the war",
    }[agent]
    return (f"{AGENT_NAMES[agent]} decides at the start of {year} on what it sees then: {sees}. Every reason "
            f"below gives each option points; the more points, the likelier the option. The choice itself is a "
            f"draw, so a less likely option is sometimes taken.")


def decision_lines(d: DecisionExplanation) -> list[str]:
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
        lines.append(f"  It had a {chance} chance of doing so; {and_list(rest)}.")
    else:
        lines.append(f"  Its chance of doing so was {chance}; {and_list(rest)}.")
    odds = odds_sentence(d)
    if odds:
        lines.append("  " + odds)
    shares = [o for o in d.options if o.share_all_worlds is not None]
    if shares and d.replicates > 1:
        across = and_list([f"{spec.options[o.option].past} in {percent(o.share_all_worlds)}" for o in shares])
        lines.append(f"  Across all {d.replicates:,} worlds in {d.year}, {name} {across}.")
    elsewhere = [f"{spec.options[o.option].past} in {ranges(o.traced_worlds)}" for o in d.options
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
        lines.append("  Not at work this year: " + and_list([
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
    """``"for step_east"`` -> ``"What pulled it East"``; ``"against step_west"`` -> ``"What counted against taking a step West"``."""
    kind, option = group.split(" ", 1)
    if kind == "for":
        return spec.options[option].pull
    return f"What counted against {spec.options[option].gerund}"


def against_the_odds(probability: float) -> str:
    """The plain words for a chance draw against the odds: ``"The dice went against the odds here: 13% likely."``"""
    return f"The dice went against the odds here: {percent(probability)} likely."


def odds_sentence(d: DecisionExplanation) -> str:
    """How the option taken stood against the odds: a chance draw against them (the dice, not the reasons,
    decided), a close call that fell on the less likely option, or nothing when it was the likely choice."""
    likely = d.most_likely
    if d.against_the_odds:
        return (f"{against_the_odds(d.chosen_view.probability)} This was chance, not a reasoned choice: "
                f"{likely.label} was the likely move ({percent(likely.probability)}), and the reasons below "
                f"argued against the one taken.")
    if likely.option != d.chosen:
        return (f"This was not its most likely move ({likely.label} was, at {percent(likely.probability)}): "
                f"a close call, and the draw fell on the less likely option.")
    return ""


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
    elif d.against_the_odds:
        lines = [f"What decided it: the dice. The reasons put {chosen.label} {num(-gap)} points behind "
                 f"{runner.label}, yet the draw fell on it."]
    else:
        lines = [f"What decided it: {chosen.label} scored {num(-gap)} points less than {runner.label}, "
                 f"yet the draw fell on it."]
    if pro:
        lines.append(f"  In favour of {chosen.label}: "
                     + and_list([f"{t.label} ({num(t.difference, sign=True)})" for t in pro]) + ".")
    if con:
        lines.append(f"  Against it: " + and_list([f"{t.label} ({num(t.difference, sign=True)})" for t in con]) + ".")
    return lines


def state_periods(d: DecisionExplanation) -> list[tuple[str, list[StateView]]]:
    """The state a decision saw, grouped by when it was produced: end of last year, during it, this year."""
    periods = {f"At the end of {d.year - 1}": [], f"During {d.year - 1}": [], f"In {d.year} itself": []}
    for view in d.state:
        key = {"previous": f"At the end of {d.year - 1}", "during": f"During {d.year - 1}",
               "this": f"In {d.year} itself"}[view.when]
        periods[key].append(view)
    return [(period, views) for period, views in periods.items() if views]


def and_list(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def ranges(numbers: list[int]) -> str:
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


def or_list(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
