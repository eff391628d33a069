"""One self-contained HTML report of one run, or of several runs side by side, for a class.

    from sim.outputs.results import Result
    from sim.report.document import write_report
    write_report([Result.load("results/unrest_shock/<run id>")], "unrest_shock.html")

The file opens in any browser without a network: figures are embedded as
base64 PNG, styles are inline, and there is no script, web font or external
link. It holds the scenario's title, description and discussion questions;
headline outcomes with their uncertainty; the fan charts; the scenario's events
with the passages of the source documents they rest on; the parameters that
differ from the registry, each with its quote; the story of a typical world
with the explanation of its turning points (:mod:`sim.explain`); and, for more
than one run, the comparison table and overlay plots (:mod:`sim.outputs.compare`,
:func:`sim.figures.runs.plot_compare`). All text is escaped with ``html.escape``.

This module lays out the page and the sections about events, parameters, the typical
world, the comparison and provenance; the scenario, outcome and figure sections are in
:mod:`sim.report.sections`, the HTML primitives in :mod:`sim.report.html`, the style sheet
is package data (``sim/report/report.css``, coloured by :mod:`sim.common.palette`) and the
typical world's figure is drawn by :mod:`sim.figures.typical`. It reads result tables only
(``Result.load`` or ``sim.run``); it never imports the model or Mesa.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from sim.outputs.compare import default_years, difference_table, unique_names
from sim.outputs.compare import notes as compare_notes
from sim.inputs.errors import ScenarioError
from sim.outputs.atomic import write_text
from sim.report.html import e, figure_tag, heading_tag, output_label, run_title
from sim.report.sections import (OBSERVED_NOTE, RUN_FIGURES, RUN_FIGURES_IN_COMPARISON, figures_section,
                                 observed_text, outcomes_section, run_figures, scenario_section)
from sim.figures.evidence import record_tables
from sim.common import palette
from sim.common.formats import decimals_for
from sim.explain.decisions import explain
from sim.explain.record import choice_odds, traced_replicates
from sim.explain.views import AGAINST_THE_ODDS, DecisionExplanation
from sim.explain.wording import against_the_odds, decided_lines, num, odds_sentence, percent, state_periods
from sim.explain.worlds import key_turning_points, typical_of_all, typical_replicate
from sim.inputs.registry import format_number, split_at_quote
from sim.explain.terms import AGENT_NAMES, DECISION_TITLES, DECISIONS
from sim.common.variables import OUTPUTS, STATE_VARIABLES

SHORT_MOVES = {"step_east": "East", "step_west": "West", "loosen": "loosen", "crack_down": "crackdown",
               "cut": "cut", "raise": "raise", "ease": "ease", "press": "press", "tighten": "tighten",
               "reduce": "reduce", "expand": "expand"}
MAX_TURNING_POINTS = 8
COMPARE_OUTPUTS = ["alignment", "russia_trade_share", "eu_trade_share", "subsidy_pct_gdp", "eu_engagement",
                   "unrest", "political_prisoners", "gdp_growth"]


# --------------------------------------------------------------------------- public functions


def write_report(results: Sequence[Any], out: str | Path, folders: Sequence[str | Path | None] | None = None) -> Path:
    """Write the report of ``results`` (one or more) to ``out``, atomically; return the path.

    ``folders`` are the runs' folders, if known: they are named in the report, and figures
    already drawn in their ``plots/`` are reused instead of drawn again.
    """
    out = Path(out)
    if out.exists() and (out.is_dir() or out.suffix.lower() not in (".html", ".htm")):
        raise ScenarioError(str(out), "exists and is not an HTML report; choose another --out", key="--out")
    return write_text(out, build_report(results, folders))


def build_report(results: Sequence[Any], folders: Sequence[str | Path | None] | None = None) -> str:
    """The report's HTML text."""
    results = list(results)
    if not results:
        raise ScenarioError("sim report", "give at least one run folder")
    folders = list(folders) if folders is not None else [None] * len(results)
    if len(folders) != len(results):
        raise ValueError("folders must match results one to one")
    with tempfile.TemporaryDirectory(prefix="sim-report-") as scratch:
        scratch = Path(scratch)
        if len(results) == 1:
            body, toc, title = _single(results[0], folders[0], scratch)
        else:
            body, toc, title = _several(results, folders, scratch)
    return _page(title, toc, body)


# --------------------------------------------------------------------------- page layout


def _page(title: str, toc: list[tuple[str, str]], body: str) -> str:
    made = datetime.now(timezone.utc).strftime("%d %B %Y, %H:%M UTC")
    nav = "".join(f'<li><a href="#{e(anchor)}">{e(label)}</a></li>' for anchor, label in toc)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Balancing Act (sim report)">
<title>{e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header class="top">
<p class="kicker">Balancing Act &middot; Belarus between Moscow and Brussels &middot; scenario report</p>
<h1>{e(title)}</h1>
<p class="made">Made {e(made)} by <code>sim report</code>. This file is complete in itself: it needs no
network and can be emailed or printed.</p>
</header>
<nav class="toc"><strong>Contents</strong><ol>{nav}</ol></nav>
<main>
{HOW_TO_READ}
{body}
</main>
<footer><p>Balancing Act is a scenario tool, not a forecast. Most of its weights are modelling assumptions
(see <code>sim params</code>); read its numbers as "what follows if these mechanisms work as assumed".</p></footer>
</body>
</html>
"""


HOW_TO_READ = """<section class="box" id="how-to-read">
<h2>How to read this report</h2>
<ul>
<li>The simulator plays out many <em>worlds</em> from the end of 2015. Each year, in every world, Minsk,
Moscow and Brussels each make two choices. Oil prices, Russia's growth, street unrest and the choices
themselves are partly random, so the worlds drift apart.</li>
<li><strong>Median</strong>: the middle world (half of the worlds lie above, half below).
<strong>90% range</strong>: the band that holds 90% of the worlds, from the 5th to the 95th percentile.</li>
<li><strong>Alignment</strong> runs from &minus;1 (full integration with Russia) through 0 (balance) to
+1 (full Western alignment). <strong>Sanctions</strong>: 0 none, 1 targeted, 2 broad.
Unrest, pressure, engagement and repression are indices from 0 to 1.</li>
<li>Each choice weighs named reasons (&ldquo;points&rdquo;) for and against each option; the more points,
the likelier the option. The section on a typical world shows those reasons for its turning points.</li>
</ul>
</section>"""


# The style sheet is package data (sim/report/report.css); the colours are the palette's.
CSS = palette.css_variables() + "\n" + resources.files("sim.report").joinpath("report.css").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- one run


def _single(result, folder, scratch: Path) -> tuple[str, list[tuple[str, str]], str]:
    title = run_title(result)
    figures = run_figures(result, folder, scratch / "run", RUN_FIGURES)
    toc = [("scenario", "The scenario"), ("outcomes", "Headline outcomes"), ("figures", "Figures"),
           ("events", "Events and their sources"), ("parameters", "Parameters changed"),
           ("typical-world", "A typical world and its turning points"), ("about-run", "About this run")]
    parts = [
        scenario_section(result, "scenario", level=2),
        outcomes_section(result, "outcomes"),
        figures_section(result, figures, "figures"),
        _events_section(result, "events"),
        _parameters_section(result, "parameters"),
        _typical_section(result, "typical-world", scratch / "typical"),
        _about_section([result], [folder], "about-run"),
    ]
    return "\n".join(parts), toc, title


def _several(results, folders, scratch: Path) -> tuple[str, list[tuple[str, str]], str]:
    names = unique_names(results)
    title = "Comparing scenarios: " + ", ".join(names)
    toc = [("scenarios", "The scenarios"), ("comparison", "Comparison")]
    parts = ['<section id="scenarios"><h2>The scenarios</h2>']
    for i, (name, result) in enumerate(zip(names, results)):
        parts.append(scenario_section(result, f"scenario-{i}", level=3, name=name))
    parts.append("</section>")
    parts.append(_comparison_section(results, names, "comparison", scratch / "compare"))
    for i, (name, result, folder) in enumerate(zip(names, results, folders)):
        anchor = f"run-{i}"
        toc.append((anchor, f"{name} in detail"))
        figures = run_figures(result, folder, scratch / f"run{i}", RUN_FIGURES_IN_COMPARISON)
        parts.append(f'<section id="{anchor}"><h2>{e(name)} in detail: {e(run_title(result))}</h2>')
        parts.append(outcomes_section(result, f"{anchor}-outcomes", level=3))
        parts.append(figures_section(result, figures, f"{anchor}-figures", level=3))
        parts.append(_events_section(result, f"{anchor}-events", level=3))
        parts.append(_parameters_section(result, f"{anchor}-parameters", level=3))
        parts.append(_typical_section(result, f"{anchor}-typical", scratch / f"typical{i}", level=3))
        parts.append("</section>")
    toc.append(("about-run", "About these runs"))
    parts.append(_about_section(results, folders, "about-run"))
    return "\n".join(parts), toc, title


# --------------------------------------------------------------------------- events and parameters


def _event_citation(citation: dict[str, Any], sources: dict[str, dict[str, str]], documents: dict[str, str]) -> str:
    """A scenario event's citation: the sentence it stands in (recorded in the manifest) with the quote marked,
    and its source, a seed or one of the scenario's own documents."""
    doc, quote = str(citation.get("doc", "")), str(citation.get("quote", ""))
    sentence = citation.get("sentence")
    text = _marked(sentence, quote) if isinstance(sentence, str) and sentence else e(quote)
    if doc in documents:
        source = (f"<strong>{e(doc)}</strong>, the scenario's own document "
                  f'<span class="unit">({e(Path(str(documents[doc])).name)})</span>')
    else:
        source = _source_line(doc, sources)
    return f'<blockquote>&ldquo;{text}&rdquo;</blockquote><p class="cite">{source}</p>'


def _source_line(doc: str, sources: dict[str, dict[str, str]]) -> str:
    """A cited seed document as the run recorded it (``Result.sources``); its file name alone if not recorded."""
    source = sources.get(doc)
    if not source or not source.get("short"):
        return e(doc)
    bits = [f"<strong>{e(source['short'])}</strong>"]
    for key in ("author", "outlet"):
        if source.get(key):
            bits.append(e(source[key]))
    if source.get("title"):
        bits.append(f"&ldquo;{e(source['title'])}&rdquo;")
    if source.get("vantage_date"):
        bits.append(e(source["vantage_date"]))
    return ", ".join(bits) + f' <span class="unit">(seeds/{e(doc)})</span>'


def _change_text(pid: str, operation: str, value: float, year: int, parameters: dict[str, dict[str, Any]]) -> str:
    if pid in STATE_VARIABLES:
        spec = STATE_VARIABLES[pid]
        if operation == "add":
            what = f"adds {num(value, sign=True)} to"
        else:
            what = f"sets to {num(value)}"
        return (f"{what} <em>{e(spec.meaning)}</em> (<code>{e(pid)}</code>), once, in {year}; the model's "
                f"own dynamics carry it on from there")
    entry = parameters.get(pid) or {}  # as the run recorded it, not as today's registry has it
    meaning = entry.get("meaning") or pid
    base = format_number(entry["registry_value"]) if "registry_value" in entry else "?"
    if operation == "add":
        what = f"adds {num(value, sign=True)} to"
    else:
        what = f"sets to {value:g}"
    return (f"{what} <em>{e(meaning)}</em> (<code>{e(pid)}</code>, registry value {e(base)}) from {year} on")


def _after_text(result, year: int) -> str:
    """What happened in the model that year and the next: the likely discrete events, as an HTML list."""
    events = result.events
    items = []
    for y in (year, year + 1):
        rows = events[(events["year"] == y) & events["event"].isin(
            ["crackdown", "sanctions_tightened", "sanctions_eased", "prisoner_release", "step_east", "step_west",
             "subsidy_raised", "subsidy_cut"])]
        rows = rows[rows["probability"] >= 0.1].sort_values("probability", ascending=False)
        if not rows.empty:
            listed = "; ".join(f"{r.meaning} in {percent(r.probability)}" for r in rows.itertuples())
            items.append(f"<li><strong>{y}:</strong> {e(listed)} of worlds.</li>")
    if not items:
        return ""
    return f'<div class="after">What followed in the model:<ul>{"".join(items)}</ul></div>'


def _events_section(result, anchor: str, level: int = 2) -> str:
    events = sorted((result.scenario or {}).get("events") or [], key=lambda ev: int(ev.get("year", 0)))
    out = [f"<section>{heading_tag(level, anchor, 'Events and their sources')}"]
    if not events:
        out.append("<p>This scenario imposes no events: every move comes from the agents' own choices, with oil "
                   "prices, Russia's growth and unrest drawn at random in each world.</p></section>")
        return "\n".join(out)
    out.append("<p>What the scenario imposes, year by year, with the passages of the source documents it rests "
               "on. Everything else comes from the agents' own choices.</p>")
    parameters, sources = result.parameters or {}, result.sources or {}  # as recorded with the run
    documents = (result.scenario or {}).get("documents") or {}
    for event in events:
        year = int(event.get("year", 0))
        note = str(event.get("note") or "scenario event")
        changes = []
        for operation in ("set", "add"):
            for pid, value in (event.get(operation) or {}).items():
                changes.append(f"<li>{_change_text(pid, operation, float(value), year, parameters)}</li>")
        cites = [_event_citation(citation, sources, documents) for citation in event.get("citations") or []]
        if not cites:
            cites.append('<p class="uncited"><strong>uncited</strong>: the scenario gives no source for this event; '
                         'read it as the scenario author\'s own assumption.</p>')
        after = _after_text(result, year)
        out.append(f'<div class="event"><span class="year">{year}</span> &middot; {e(note)}'
                   f'<ul class="changes">{"".join(changes)}</ul>{"".join(cites)}'
                   + after + "</div>")
    out.append("</section>")
    return "\n".join(out)


def changed_parameters(result) -> list[dict[str, Any]]:
    """Parameters whose value differs from the registry at some point of the run, in registry order."""
    changed = []
    for pid, entry in (result.parameters or {}).items():
        differs = entry.get("source") == "scenario" and entry.get("value") != entry.get("registry_value")
        if differs or entry.get("events"):
            changed.append({"id": pid, **entry})
    return changed


def _marked(sentence: str, quote: str) -> str:
    parts = split_at_quote(sentence, quote)
    return e(sentence) if parts is None else f"{e(parts[0])}<mark>{e(parts[1])}</mark>{e(parts[2])}"


def _parameters_section(result, anchor: str, level: int = 2) -> str:
    changed = changed_parameters(result)
    out = [f"<section>{heading_tag(level, anchor, 'Parameters changed from the registry')}"]
    if not changed:
        out.append("<p>None: this run uses every parameter at its value in the cited registry "
                   "(<code>seeds/parameters.yaml</code>; <code>sim params</code> lists them). Any one-off jolts to "
                   "the state are listed under the events.</p></section>")
        return "\n".join(out)
    out.append("<p>Every number of the model comes from the registry, each with the passage it rests on or an "
               "explicit assumption. This run changes these:</p>")
    sources = result.sources or {}
    for entry in changed:
        pid = entry["id"]
        meaning = entry.get("meaning") or ""
        registry_value = entry.get("registry_value")
        steps = []
        if entry.get("source") == "scenario":
            steps.append(f"{entry['value']:g} for the whole run")
        for change in entry.get("events") or []:
            if "set" in change:
                steps.append(f"set to {float(change['set']):g} from {change['year']}")
            elif "add" in change:
                steps.append(f"{float(change['add']):+g} from {change['year']}")
        evidence = []
        for event in (result.scenario or {}).get("events") or []:
            if pid not in (event.get("set") or {}) and pid not in (event.get("add") or {}):
                continue
            for citation in event.get("citations") or []:
                evidence.append(_event_citation(citation, sources, (result.scenario or {}).get("documents") or {}))
        if evidence:
            evidence.insert(0, f'<p class="note">The change in {int(min(c["year"] for c in entry["events"]))} '
                               f'rests on:</p>')
        if entry.get("source") == "scenario":
            evidence.insert(0, '<p class="note">Set for the whole run by the scenario file\'s '
                               '<code>parameters:</code> or by <code>--set</code>; it carries no citation of its '
                               'own.</p>')
        evidence.append('<p class="note">The registry value rests on:</p>')
        for quote in entry.get("quotes") or []:  # recorded with the run, with the sentence around each
            sentence, passage = quote.get("sentence"), str(quote.get("quote", ""))
            text = _marked(sentence, passage) if sentence else e(passage)
            evidence.append(f"<blockquote>&ldquo;{text}&rdquo;</blockquote>"
                            f'<p class="cite">{_source_line(str(quote.get("doc", "")), sources)}</p>')
        if entry.get("assumption"):
            evidence.append(f'<p class="cite"><strong>Assumption:</strong> {e(entry["assumption"])}</p>')
        out.append(f'<div class="event"><code>{e(pid)}</code> &middot; {e(meaning)}'
                   f'<p class="changes">Registry value <strong>{e(f"{float(registry_value):g}")}</strong> '
                   f'({e(entry.get("unit", ""))}); in this run: <strong>{e("; ".join(steps))}</strong>.</p>'
                   f'{"".join(evidence)}</div>')
    out.append("</section>")
    return "\n".join(out)


# --------------------------------------------------------------------------- the typical world


def _typical_section(result, anchor: str, scratch: Path, level: int = 2) -> str:
    out = [f"<section>{heading_tag(level, anchor, 'A typical world and its turning points')}"]
    traced = traced_replicates(result)
    if not traced:
        out.append("<p>This run kept no decision trace, so its choices cannot be explained.</p></section>")
        return "\n".join(out)
    replicate = typical_replicate(result)
    points = key_turning_points(result, replicate, MAX_TURNING_POINTS)
    why = (f"its path is closest to the median of all {result.replicates:,} worlds"
           if result.timeseries is not None else
           "its choices most often match those of the other traced worlds (this run kept no per-world time "
           "series; the state each actor saw comes from the decision trace)")
    first = next((i for i, r in enumerate(traced) if r != i), len(traced))
    if typical_of_all(result):
        kept = (f"<p>Of all {result.replicates:,} worlds, <strong>world {replicate}</strong> is the most typical: "
                f"{e(why)}. The simulator keeps the full reasoning of the first {first} worlds and of this one.")
    else:
        kept = (f"<p>The simulator keeps the full reasoning of the first {len(traced)} worlds. Of these, "
                f"<strong>world {replicate}</strong> is the most typical: {e(why)}.")
    out.append(f"{kept} Here is its story, and why each actor did what it did at its turning points. (Any other "
               f"world and year: <code>sim explain RUN_FOLDER --year Y --agent minsk --replicate K</code>.)</p>")
    figure = _typical_figure(result, replicate, points, scratch)
    if figure is not None:
        out.append(figure_tag(figure, f"World {replicate} against all worlds",
                           f"World {replicate} (orange) against the median and 90% range of all worlds (blue). "
                           f"Dotted lines mark its key turning points."))
    out.append(_story_table(result, replicate, points))
    if points:
        out.append(f"<h{level + 1}>Why it happened: the turning points</h{level + 1}>")
        out.append("<p>A turning point is a decision that changed this world's course (a crackdown, a change "
                   "of sanctions, or a move that breaks with the year before) and that its reasons made the likely "
                   "choice. Every choice is a draw, though: where the option taken had less than "
                   f"{e(percent(AGAINST_THE_ODDS))} chance, the dice went against the odds, and the card says so "
                   "instead of presenting it as a reasoned choice (such draws are shown only where places are "
                   "left). Each card shows the options' chances, the reasons (points) behind them, and what the "
                   "actor saw when it chose.</p>")
        for point in points:
            explanation = explain(result, point.year, point.agent, replicate=replicate, decision=point.decision)
            out.append(_card(explanation.decisions[0]))
    out.append("</section>")
    return "\n".join(out)


def _story_table(result, replicate: int, points) -> str:
    ts = result.timeseries
    world = ts[ts["replicate"] == replicate].set_index("year").sort_index() if ts is not None else None
    trace = result.trace
    chosen = trace[(trace["chosen"] == 1) & (trace["replicate"] == replicate)]
    moves = {(int(r.year), r.agent, r.decision): r.option for r in chosen.itertuples(index=False)}
    years = sorted(set(world.index.astype(int)) if world is not None else {y for y, _, _ in moves})
    key = {(p.year, p.agent, p.decision) for p in points}
    odds = choice_odds(result, replicate)
    # Unrest as the regime faced it when it chose whether to crack down (before a crackdown's suppression).
    unrest = "unrest_faced" if world is not None and "unrest_faced" in world.columns else "unrest"
    unrest_head = "unrest faced" if unrest == "unrest_faced" else "unrest"
    state_head = (f"<th>alignment</th><th>{unrest_head}</th><th>sanctions</th><th>subsidy</th>" if world is not None
                  else "")
    head = (f"<tr><th>year</th>{state_head}"
            + "".join(f"<th>{e(AGENT_NAMES[a])}: {e(DECISION_TITLES[a, d].lower())}</th>" for a, d in DECISIONS)
            + "</tr>")
    rows = []
    for year in years:
        cells = [f"<td>{year}</td>"]
        if world is not None:
            row = world.loc[year]
            cells += [f"<td>{e(num(row['alignment'], sign=True))}</td>", f"<td>{e(num(row[unrest]))}</td>",
                      f"<td>{int(row['sanctions_level'])}</td>", f"<td>{e(num(row['subsidy_pct_gdp'], 1))}</td>"]
        for agent, decision in DECISIONS:
            option = moves.get((year, agent, decision))
            if option is None:
                cells.append('<td class="hold">&ndash;</td>')
                continue
            if option == DECISIONS[agent, decision].middle:
                cells.append('<td class="hold">&middot;</td>')
                continue
            classes = []
            if (year, agent, decision) in key:
                classes.append("key")
            title = ""
            if odds.get((year, agent, decision), (1.0, 1.0))[0] < AGAINST_THE_ODDS:
                classes.append("dice")
                title = f' title="{e(against_the_odds(odds[year, agent, decision][0]))}"'
            if option == "step_east":
                classes.append("east")
            if option == "step_west":
                classes.append("west")
            cells.append(f'<td class="{" ".join(classes)}"{title}>{e(SHORT_MOVES.get(option, option))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    what = "the state at the end of each year, then each actor's move" if world is not None else "each actor's move"
    faced = ""
    if unrest == "unrest_faced":
        values = sorted({result.parameter_value("minsk.unrest_threshold", year, replicate) for year in years} - {None})
        threshold = "" if not values else (f"; its crackdown threshold was {num(values[0])}" if len(values) == 1
                                           else f"; its crackdown threshold was between {num(values[0])} "
                                                f"and {num(values[-1])} over these years")
        faced = (" Unrest is the street unrest Minsk faced when it chose whether to crack down, before any "
                 f"crackdown cut it{threshold}.")
    return (f'<p class="note">Year by year in world {replicate}: {what} that year (&middot; means it held its '
            f'course; &ndash; no decision; highlighted: the turning points explained below; in italics with a '
            f'dotted underline: a chance draw against the odds, under {e(percent(AGAINST_THE_ODDS))} likely).'
            f'{e(faced)}</p>'
            f'<div style="overflow-x:auto"><table class="story"><thead>{head}</thead><tbody>'
            f'{"".join(rows)}</tbody></table></div>')


def _card(d: DecisionExplanation) -> str:
    spec = d.spec
    name = AGENT_NAMES[d.agent]
    chosen = d.chosen_view
    share = ""
    if chosen.share_all_worlds is not None and d.replicates > 1:
        share = (f'<p class="note">Across all {d.replicates:,} worlds, {e(name)} '
                 f'{e(spec.options[d.chosen].past)} in {e(percent(chosen.share_all_worlds))} that year.</p>')
    bars = []
    for o in d.options:
        width = max(0.0, min(100.0, 100 * o.probability))
        chance = percent(o.probability) if o.feasible else "not possible"
        bars.append(f'<div class="bar{" chosen" if o.chosen else ""}"><span>{e(o.label)}</span>'
                    f'<span class="track"><span class="fill" style="display:block;width:{width:.1f}%"></span></span>'
                    f'<span class="num">{e(chance)}</span></div>')
    feasible = [o for o in d.options if o.feasible]
    head = "".join(f'<th class="num">{e(o.label)}</th>' for o in feasible)
    rows = []
    active = [t for t in d.terms if t.group != "inactive"]
    active.sort(key=lambda t: -(max(t.values.values()) - min(t.values.values())))
    for term in active:
        context = f" ({term.context})" if term.context else ""
        cells = "".join(_value_cell(term.values[o.option]) for o in feasible)
        rows.append(f'<tr><td><span class="termname">{e(term.label)}{e(context)}</span>'
                    f'<span class="meaning">{e(term.meaning)}</span></td>{cells}</tr>')
    totals = "".join(f'<td class="num">{e(num(o.utility, sign=True))}</td>' for o in feasible)
    rows.append(f'<tr class="total"><td>total points</td>{totals}</tr>')
    inactive = [t for t in d.terms if t.group == "inactive"]
    idle = ""
    if inactive:
        idle = ('<p class="note">Not at work this year: '
                + e(", ".join(t.label + (f" ({t.context})" if t.context else "") for t in inactive)) + ".</p>")
    decided = "<br>".join(e(line.strip()) for line in decided_lines(d))
    if all(s.value is None for s in d.state):
        faced = f"<li>not recorded: {e(d.missing_state or 'this run kept no per-world values for it')}.</li>"
    else:
        faced = "".join(f"<li><strong>{e(period)}:</strong> {e('; '.join(s.sentence for s in views))}.</li>"
                        for period, views in state_periods(d))
    odds = odds_sentence(d)
    not_likely = f'<p class="{"dice" if d.against_the_odds else "note"}">{e(odds)}</p>' if odds else ""
    return f"""<div class="card">
<h4>{d.year} &middot; {e(name)} {e(spec.options[d.chosen].past)}</h4>
<div class="when">{e(d.title)}. {e(spec.question)}</div>
<div class="bars">{"".join(bars)}</div>
{share}{not_likely}
<div class="decided">{decided}</div>
<table><thead><tr><th>reason</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
{idle}
<div class="faced"><strong>What {e(name)} faced when it decided:</strong><ul>{faced}</ul></div>
</div>"""


def _value_cell(value: float) -> str:
    kind = "zero" if abs(value) < 0.005 else "pos" if value > 0 else "neg"
    return f'<td class="num {kind}">{e(num(value, sign=True))}</td>'


def _typical_figure(result, replicate: int, points, scratch: Path) -> Path | None:
    """The typical world's path against the ensemble (drawn by sim.figures.typical); None without a time series."""
    from sim.figures.runs import unrest_threshold
    from sim.figures.typical import plot_typical_world

    ts = result.timeseries
    if ts is None:  # a summary-only run keeps no single world's path
        return None
    world = ts[ts["replicate"] == replicate].set_index("year").sort_index()
    if world.empty:
        return None
    return plot_typical_world(result.summary, world, replicate, sorted({p.year for p in points}),
                              scratch / "typical_world.png", threshold=unrest_threshold(result))


# --------------------------------------------------------------------------- several runs


def _comparison_section(results, names, anchor: str, scratch: Path) -> str:
    from sim.figures.runs import plot_compare

    years = default_years(results)
    out = [f'<section>{heading_tag(2, anchor, "Comparison")}']
    for note in compare_notes(results):
        out.append(f'<p class="note">Note: {e(note)}.</p>')
    if years:
        table = difference_table(results, years=years)
        record = record_tables(list(dict.fromkeys(table["output"])))
        shown = any(observed_text(record, o, int(y), 2) is not None
                    for o, y in zip(table["output"], table["year"]))
        head = "".join(f'<th class="num">{e(n)}</th>' for n in names)
        head += '<th class="num">observed</th>' if shown else ""
        head += "".join(f'<th class="num">{e(n)} &minus; {e(names[0])}</th>' for n in names[1:])
        rows = []
        for output, group in table.groupby("output", sort=False):
            numbers = [v for n in names for s in ("p50", "p05", "p95") for v in group[f"{n}:{s}"].tolist()]
            decimals = 0 if output == "sanctions_level" else decimals_for(numbers)
            first = True
            for _, row in group.iterrows():
                label = (f'<span class="termname">{e(output_label(output))}</span>'
                         f'<span class="unit"> {e(OUTPUTS[output].unit)}</span>') if first else ""
                first = False
                cells = "".join(
                    f'<td class="num">{e(num(row[f"{n}:p50"], decimals))}<span class="band">'
                    f'{e(num(row[f"{n}:p05"], decimals))} to {e(num(row[f"{n}:p95"], decimals))}</span></td>'
                    if np.isfinite(row[f"{n}:p50"]) else '<td class="num">&ndash;</td>' for n in names)
                if shown:
                    seen = observed_text(record, output, int(row["year"]), decimals)
                    cells += (f'<td class="num"><span class="observed">{e(seen)}</span></td>' if seen is not None
                              else '<td class="num">&ndash;</td>')
                diffs = "".join(
                    f'<td class="num">{e(num(row[f"diff:{n}-{names[0]}"], decimals, sign=True))}</td>'
                    if np.isfinite(row[f"diff:{n}-{names[0]}"]) else '<td class="num">&ndash;</td>'
                    for n in names[1:])
                rows.append(f"<tr><td>{label}</td><td>{int(row['year'])}</td>{cells}{diffs}</tr>")
        out.append("<p>Each cell: the median world and, below it, the range holding 90% of the worlds. The last "
                   f"columns give each scenario's median minus that of {e(names[0])}."
                   + (f" The column <em>observed</em> gives {OBSERVED_NOTE}." if shown else "") + "</p>")
        out.append(f'<div style="overflow-x:auto"><table><thead><tr><th>outcome</th><th>year</th>{head}</tr>'
                   f'</thead><tbody>{"".join(rows)}</tbody></table></div>')
    written = plot_compare(results, scratch, COMPARE_OUTPUTS)
    pngs = [p for p in written if p.suffix == ".png"]
    if pngs:
        out.append('<p class="note">Overlays: each scenario\'s median line and the band holding half of its '
                   'worlds.</p><div class="grid">')
        for path in pngs:
            output = path.stem[len("compare_"):]
            out.append(figure_tag(path, f"Comparison: {output_label(output)}", f"{output_label(output)}, by scenario."))
        out.append("</div>")
    out.append("</section>")
    return "\n".join(out)


# --------------------------------------------------------------------------- provenance


def _about_section(results, folders, anchor: str) -> str:
    rows = []
    for result, folder in zip(results, folders):
        scenario = result.scenario or {}
        versions = result.versions or {}
        software = ", ".join(f"{k} {v}" for k, v in versions.items() if k in ("python", "mesa", "balancing-act"))
        rows.append(f"<tr><td><code>{e(result.name)}</code></td><td>{e(folder) if folder else '&ndash;'}</td>"
                    f"<td>{e(scenario.get('path', ''))}</td><td>{e(result.seed)}</td>"
                    f"<td>{result.replicates:,}</td><td>{e(result.started)}</td><td>{e(software)}</td></tr>")
    return f"""<section>{heading_tag(2, anchor, "About this run" if len(results) == 1 else "About these runs")}
<p class="note">To reproduce a run exactly (scenario, overrides, horizon, seed and number of worlds, all from its
manifest): <code>sim rerun RUN_FOLDER</code>, which also says whether every number matches. The run folder holds
every table behind this report.</p>
<table><thead><tr><th>scenario</th><th>run folder</th><th>scenario file</th><th>seed</th><th>worlds</th>
<th>started</th><th>software</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
</section>"""
