"""The report's sections about one run's scenario, headline outcomes and figures: one function per section.

Each ``*_section`` function takes a result (and what it needs) and returns its HTML; the page that
holds them is :mod:`sim.report.document`.
"""

from __future__ import annotations

from pathlib import Path

from sim.common.formats import decimals_for, number, percent
from sim.common.variables import HEADLINE, OUTPUTS
from sim.figures.evidence import record_tables
from sim.inputs.runspec import UNCERTAINTY_LABELS, uncertainty_kind
from sim.outputs.results import uncertainty_split
from sim.report.html import e, figure_tag, heading_tag, output_label, run_title

RUN_FIGURES = ["overview", "fan_alignment", "fan_russia_trade_share", "fan_eu_trade_share", "fan_subsidy_pct_gdp",
               "fan_eu_engagement", "fan_integration_pressure", "fan_repression", "fan_political_prisoners",
               "fan_unrest", "fan_unrest_faced",
               "fan_gdp_growth", "fan_regime_security", "trade_shares", "event_probabilities"]
# With several runs, each run shows these; the fan charts are replaced by the overlays.
RUN_FIGURES_IN_COMPARISON = ["overview", "trade_shares", "event_probabilities"]
FIGURE_CAPTIONS = {
    "overview": "Six key outcomes at a glance. The line is the median world; the dark band holds half of "
                "all worlds and the light band 90% of them. Grey columns are election years; dashed lines "
                "mark the scenario's events; black diamonds are observed, the public record.",
    "trade_shares": "Who Belarus trades with: the mean share of each partner across all worlds.",
    "event_probabilities": "How likely each event is, year by year: the share of worlds in which it happens.",
}
OBSERVED_NOTE = ("<strong>observed</strong>: the public record's figure that year (<code>seeds/record.yaml</code>), "
                 "with the range of its error where the record flags it uncertain; it is history, not a model "
                 "result")
EVENT_ROWS = ["crackdown", "sanctions_tightened", "sanctions_eased", "sanctions_any", "sanctions_broad",
              "prisoner_release", "step_east", "step_west", "subsidy_raised", "subsidy_cut"]


# --------------------------------------------------------------------------- the record beside the model


def observed_text(tables, output: str, year: int, decimals: int) -> str | None:
    """The record's figure of ``output`` in ``year`` as text (with its error range where uncertain), or None."""
    table = tables.get(output)
    if table is None:
        return None
    rows = table[table["year"] == year]
    if rows.empty:
        return None
    row = rows.iloc[0]
    text = number(row["value"], decimals)
    if bool(row["uncertain"]) and row["high"] > row["low"]:
        text += f" ({number(row['low'], decimals)} to {number(row['high'], decimals)})"
    return text


def observed_span(tables, output: str, year: int, decimals: int) -> str:
    """An ``observed ...`` line for a table cell, marked as the record's; empty when the record has no figure."""
    text = observed_text(tables, output, year, decimals)
    return f'<span class="observed">observed {e(text)}</span>' if text is not None else ""


# --------------------------------------------------------------------------- scenario, outcomes


def scenario_section(result, anchor: str, level: int = 2, name: str | None = None) -> str:
    scenario = result.scenario or {}
    heading = "The scenario" if name is None else f"{name}: {run_title(result)}"
    description = " ".join(str(scenario.get("description") or "").split())
    years = result.years
    out = [f'<section>{heading_tag(level, anchor, heading)}']
    if description:
        out.append(f'<p class="lead">{e(description)}</p>')
    out.append(f'<p class="meta">Scenario <code>{e(result.name)}</code> &middot; {years[0]}&ndash;{years[-1]} '
               f'&middot; {result.replicates:,} worlds &middot; seed {e(result.seed)} &middot; '
               f'{e(UNCERTAINTY_LABELS.get(uncertainty_kind(getattr(result, "parameter_uncertainty", "chance")), ""))}</p>')
    out.append(forecast_note(result))
    leaves_out = [" ".join(str(item).split()) for item in scenario.get("leaves_out") or []]
    if leaves_out:  # said before the questions, so that a class does not read an absence as a model result
        out.append("<h4>What this scenario leaves out</h4>" if level > 2 else "<h3>What this scenario leaves out</h3>")
        out.append('<ul class="leaves-out">' + "".join(f"<li>{e(item)}</li>" for item in leaves_out) + "</ul>")
    questions = [str(q) for q in scenario.get("questions") or []]
    if questions:
        out.append("<h4>Questions for discussion</h4>" if level > 2 else "<h3>Questions for discussion</h3>")
        out.append('<ol class="questions">' + "".join(f"<li>{e(q)}</li>" for q in questions) + "</ol>")
    out.append("</section>")
    return "\n".join(out)


def forecast_note(result) -> str:
    """For a forecast (sim forecast): what it was conditioned on, as its manifest records it; empty otherwise."""
    info = getattr(result, "forecast", None)
    if not info:
        return ""
    origin = int(info["origin"])
    kept = ", ".join(f"{c['year']}: {float(c['effective_worlds']):.0f}" for c in info.get("conditioning") or [])
    return (f'<p class="note"><strong>A forecast made at {origin}.</strong> Every world was simulated from 2015 '
            f"with the record's exogenous drivers (oil, Russia's growth, the war, elections) up to {origin} and "
            f"kept or dropped, year by year, by how well it matched the public record up to {origin} "
            f"(<code>{e(Path(str(info.get('record', ''))).name)}</code>; effective worlds after each year: "
            f"{e(kept)}). From {origin} on the worlds run on their own, with the scenario's events after {origin} "
            f"only. The first year shown is the conditioned state; no figure of the record after {origin} was "
            f"used.</p>")


def outcome_years(result) -> list[int]:
    years = result.years
    chosen = {years[0], years[len(years) // 2], years[-1]}
    for event in (result.scenario or {}).get("events") or []:
        y = int(event.get("year", years[0]))
        for candidate in (y, y + 1):
            if years[0] <= candidate <= years[-1]:
                chosen.add(candidate)
    chosen = sorted(chosen)
    while len(chosen) > 7:  # keep first, last and the event years; drop the middle year first
        middle = years[len(years) // 2]
        if middle in chosen and middle not in (years[0], years[-1]):
            chosen.remove(middle)
        else:
            chosen.pop(len(chosen) // 2)
    return chosen


STATE_EVENTS = {"sanctions_any", "sanctions_broad", "election", "ukraine_war"}  # states, not moves


def outcomes_section(result, anchor: str, level: int = 2) -> str:
    years = outcome_years(result)
    summary = result.summary.set_index(["output", "year"])
    summary = summary[~summary.index.duplicated()]
    first = result.years[0]
    base_year = int(result.parameters.get("model.base_year", {}).get("value", first))
    head = "".join(f'<th class="num">{y}{" (start)" if y == first else ""}</th>' for y in years)
    rows = []
    record = record_tables([o for o in HEADLINE if o in OUTPUTS])
    for output in HEADLINE:
        if output not in OUTPUTS or (output, years[0]) not in summary.index:
            continue
        meta = OUTPUTS[output]
        values = [summary.loc[(output, y)] for y in years if (output, y) in summary.index]
        decimals = 0 if output == "sanctions_level" else decimals_for([v[s] for v in values for s in ("p05", "p50", "p95")])
        cells = []
        for y in years:
            if (output, y) not in summary.index:
                cells.append('<td class="num">&ndash;</td>')
                continue
            row = summary.loc[(output, y)]
            cells.append(f'<td class="num">{e(number(row.p50, decimals))}'
                         f'<span class="band">{e(number(row.p05, decimals))} to {e(number(row.p95, decimals))}</span>'
                         f'{observed_span(record, output, y, decimals)}</td>')
        rows.append(f'<tr><td><span class="termname">{e(output_label(output))}</span>'
                    f'<span class="unit"> {e(meta.unit)}</span></td>{"".join(cells)}</tr>')
    events = result.events
    event_rows = []
    for event in EVENT_ROWS:
        table = events[events["event"] == event].set_index("year")
        if table.empty:
            continue
        meaning = str(table["meaning"].iloc[0]).replace(">=", "≥")
        # The base year's moves are the initial picture (e.g. the 2015 releases), not choices of the model.
        given = first == base_year and event not in STATE_EVENTS
        cells = "".join(f'<td class="num">{e(percent(float(table.loc[y, "probability"])))}</td>'
                        if y in table.index and not (given and y == first) else '<td class="num">&ndash;</td>'
                        for y in years)
        event_rows.append(f"<tr><td>{e(meaning)}</td>{cells}</tr>")
    return f"""<section>{heading_tag(level, anchor, "Headline outcomes")}
<p>Each cell: the <strong>median</strong> world, and below it the range that holds 90% of the worlds.
The years shown are the first and last, the middle year, and the years of the scenario's events and the year after.
{"Where the record measures an outcome, the cell also gives " + OBSERVED_NOTE + "." if any(
    observed_text(record, o, y, 2) is not None for o in record for y in years) else ""}</p>
<table><thead><tr><th>outcome</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
<p>How often things happen: the share of worlds in which each event occurs that year. In the base year
(2015) the moves are the initial picture from the sources, not the model's choices, and are left out (&ndash;).</p>
<table><thead><tr><th>event</th>{head}</tr></thead><tbody>{"".join(event_rows)}</tbody></table>
{uncertainty_split_html(result)}
</section>"""


def uncertainty_split_html(result) -> str:
    """Prior mode: each headline band in the last year, with and without the assumptions' draws."""
    split = uncertainty_split(result, [o for o in HEADLINE if o in OUTPUTS])
    if split.empty:
        return ("<p>The ranges show <strong>chance only</strong>: every world shares one set of parameter values. "
                "Run with <code>--parameter-uncertainty prior</code> to let every world draw each assumed value "
                "too.</p>")
    rows = []
    for row in split.itertuples():
        d = 0 if row.output == "sanctions_level" else decimals_for([row.p05, row.p95, row.chance_p05, row.chance_p95])
        rows.append(f'<tr><td><span class="termname">{e(output_label(row.output))}</span></td>'
                    f'<td class="num">{e(number(row.p05, d))} to {e(number(row.p95, d))}</td>'
                    f'<td class="num">{e(number(row.chance_p05, d))} to {e(number(row.chance_p95, d))}</td>'
                    f'<td class="num">{e(percent(row.from_assumptions))}</td></tr>')
    year = int(split["year"].iloc[0])
    mode = str(getattr(result, "parameter_uncertainty", "prior"))
    drew = ("each assumed (ASSUMPTION) parameter from its prior" if mode == "prior" else
            "the fitted assumed (ASSUMPTION) parameters from a calibration's posterior")
    return f"""<p>Where the spread comes from: in this run every world also drew {drew}
(<code>--parameter-uncertainty {e(mode)}</code>). The 90% range in {year} with those draws,
the range of the same worlds with chance alone, and the share of the band the assumptions add
(1 &minus; (chance width / width)&sup2;).</p>
<table><thead><tr><th>outcome</th><th class="num">chance and assumptions</th><th class="num">chance only</th>
<th class="num">from assumptions</th></tr></thead><tbody>{"".join(rows)}</tbody></table>"""


# --------------------------------------------------------------------------- figures


def run_figures(result, folder, scratch: Path, stems: list[str]) -> dict[str, Path]:
    """PNG files of the run's figures: the run folder's own when all are there, else drawn afresh."""
    if folder is not None:
        existing = {stem: Path(folder) / "plots" / f"{stem}.png" for stem in stems}
        if all(p.is_file() for p in existing.values()):
            return existing
    from sim.figures.runs import plot_run

    plot_run(result, scratch)
    return {stem: scratch / f"{stem}.png" for stem in stems if (scratch / f"{stem}.png").is_file()}


def figure_text(stem: str) -> tuple[str, str]:
    if stem in FIGURE_CAPTIONS:
        return stem.replace("_", " "), FIGURE_CAPTIONS[stem]
    output = stem[len("fan_"):] if stem.startswith("fan_") else stem
    meta = OUTPUTS.get(output)
    what = output_label(output)
    unit = f" ({meta.unit})" if meta else ""
    return f"Fan chart: {what}", f"{what}{unit}."


def figures_section(result, figures: dict[str, Path], anchor: str, level: int = 2) -> str:
    out = [f"<section>{heading_tag(level, anchor, 'Figures')}"]
    if "overview" in figures:
        alt, caption = figure_text("overview")
        out.append(figure_tag(figures["overview"], f"Overview of {run_title(result)}", caption))
    fans = [stem for stem in figures if stem.startswith("fan_")]
    if fans:
        out.append('<p class="note">Fan charts: the line is the median world, the dark band half of all worlds, '
                   'the light band 90% of them. Black diamonds, where there are any, are <strong>observed</strong>: '
                   'the public record (<code>seeds/record.yaml</code>), with a bar for the error of a figure the '
                   'record flags uncertain.</p><div class="grid">')
        for stem in fans:
            alt, caption = figure_text(stem)
            out.append(figure_tag(figures[stem], alt, caption))
        out.append("</div>")
    for stem in ("trade_shares", "event_probabilities"):
        if stem in figures:
            alt, caption = figure_text(stem)
            out.append(figure_tag(figures[stem], alt, caption))
    out.append("</section>")
    return "\n".join(out)
