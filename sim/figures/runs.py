"""Figures of a run and of a comparison, drawn from the result tables only.

    from sim.figures.runs import plot_run, plot_compare
    plot_run(result, Path("results/my_run/plots"))          # fan charts, trade shares, events, overview
    plot_compare([baseline, war], Path("results/compare"))  # one overlay figure per key output

Every figure is written as PNG (100 dpi) and, when asked, SVG (text kept as text, so it can
be searched and edited). This module reads ``result.summary``,
``result.events``, ``result.scenario`` (title and events), ``result.seed``,
``result.replicates`` and the recorded parameters (for the crackdown threshold drawn on the unrest
charts) and nothing else; it never imports the model. Figures are
built on Matplotlib's Agg canvas without pyplot, so nothing is left open and the
caller's backend is untouched.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies); lines also differ in style and markers so that figures survive a
greyscale printer. Fonts are 10 pt or larger for a projector.
"""

from __future__ import annotations

import functools
import math
import textwrap
from pathlib import Path
from typing import Any, Iterable, Sequence

import matplotlib
import matplotlib.markers
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MultipleLocator

from sim.common.names import unique_names
from sim.figures.evidence import overlay_record
from sim.figures.layout import lay_out, lay_out_grid
from sim.figures.parallel import draw_all, drawing_workers
from sim.common import palette
from sim.common.variables import OUTPUTS, OVERVIEW, SANCTIONS_LEVELS, TRADE_PARTNER_NAMES
from sim.inputs.runspec import UNCERTAINTY_LABELS, uncertainty_kind
from sim.inputs.timeline import Domain, value_in_year

# Outputs that get a fan chart of their own, in this order.
KEY_OUTPUTS = ["alignment", "russia_trade_share", "eu_trade_share", "subsidy_pct_gdp", "eu_engagement",
               "integration_pressure", "repression", "political_prisoners", "unrest", "unrest_faced", "gdp_growth",
               "regime_security"]
# Unrest as the regime faced it when it chose whether to crack down (before a crackdown's suppression), and the
# registry id of the threshold it compared it with: drawn on the unrest charts at the run's own value.
UNREST_FACED = "unrest_faced"
UNREST_THRESHOLD = "minsk.unrest_threshold"
THRESHOLD_LABEL = "Minsk's crackdown threshold"
THRESHOLD_STYLE = "-."  # dash-dot: not the dashed line of a scenario event
# The 2x3 overview panel; sanctions_level is drawn as the share of worlds at each level (a 0/1/2 level has a
# jumpy median and a mean no world is at).
OVERVIEW_OUTPUTS = OVERVIEW

FAN_COLOUR = palette.FAN
EVENT_COLOUR = palette.EVENT
ELECTION_COLOUR = palette.ELECTION
SCENARIO_STYLES = palette.SCENARIO_STYLES

TRADE_PARTNERS = [  # bottom to top of the stack: output, name, colour
    (output, name, palette.PARTNER_COLOURS[output]) for output, name in TRADE_PARTNER_NAMES.items()]
EVENT_SERIES = [  # (event id in events table, colour, line style, marker)
    ("sanctions_any", palette.BLUE, "-", "o"),
    ("sanctions_broad", palette.SKY, "--", "s"),
    ("crackdown", palette.VERMILLION, "-", "^"),
    ("prisoner_release", palette.GREEN, "-.", "D"),
    ("sanctions_eased", palette.ORANGE, ":", "v"),
]
EVENT_LABELS = {
    "sanctions_any": "EU sanctions in force (level ≥ 1)",
    "sanctions_broad": "broad EU sanctions (level 2)",
    "crackdown": "Minsk cracks down",
    "prisoner_release": "Minsk releases political prisoners",
    "sanctions_eased": "EU eases sanctions",
}

STYLE = {
    "text.parse_math": False,  # scenario text such as "$3bn ... $2bn" is prose, not LaTeX
    "font.family": "DejaVu Sans",
    "font.size": 12,
    "axes.titlesize": 14,
    "axes.titleweight": "bold",
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "figure.titlesize": 16,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "savefig.dpi": 150,
    "savefig.facecolor": "white",
    "svg.fonttype": "none",         # keep text as text in SVG: searchable, editable
    "svg.hashsalt": "balancing-act",  # reproducible SVG ids
}
# Run and comparison figures: titles at the top of the chart (y = 1), which spares Matplotlib a search of the
# x axes for decorations above the chart (there are none) at every drawing.
RUN_STYLE = {**STYLE, "axes.titley": 1.0}
EVENT_LABEL_SIZE = 10
# 100 dpi (a 10-inch figure 1,000 px wide): plenty on screen and in the report, and less than half the pixels
# of 150 dpi to draw and compress (README, Speed); --svg gives vector figures for print.
DPI = 100
PNG_COMPRESSION = 1


# --------------------------------------------------------------------------- public functions


def _year_limits(ax, first: float, last: float) -> None:
    """The x axis from the first to the last year; half a year either side when they are one year."""
    ax.set_xlim(first - 0.5, last + 0.5) if first == last else ax.set_xlim(first, last)


def plot_run(result: Any, folder: Path, svg: bool = True, workers: int | None = None) -> list[Path]:
    """Draw every figure of one run into ``folder`` (created) as PNG and, if ``svg``, SVG; return the files.

    Files: ``fan_<output>`` for each of :data:`KEY_OUTPUTS` present in the summary,
    ``trade_shares``, ``event_probabilities`` and ``overview``, each ``.png`` (and ``.svg``).
    Run folders draw PNG only unless asked (``sim run --svg``): SVG costs a second drawing of every figure.
    ``workers`` processes draw the figures side by side (default:
    :func:`sim.figures.parallel.drawing_workers`, two when a second CPU is free; 1 draws them here, one after
    another). Each figure is drawn by the same code
    either way, so the files are the same.
    """
    global _FORMATS
    _FORMATS = ("png", "svg") if svg else ("png",)
    try:
        return _plot_run(result, Path(folder), drawing_workers() if workers is None else int(workers))
    finally:
        _FORMATS = ("png", "svg")


def _in_style(job: functools.partial) -> list[Path]:
    with matplotlib.rc_context(RUN_STYLE):
        return job()


def _plot_run(result: Any, folder: Path, workers: int) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary = result.summary
    events = _scenario_events(result)
    elections = _election_years(result.events)
    caption = _caption(result)
    threshold = unrest_threshold(result)
    # Each figure a job: a function and its arguments, all of them small tables and strings. The overview
    # first: it is the largest, and the others even out the workers behind it.
    jobs: list[functools.partial] = [functools.partial(_overview_figure, result, summary, events, elections,
                                                       caption, folder)]
    for output in KEY_OUTPUTS:
        if output not in set(summary["output"]):
            continue
        jobs.append(functools.partial(_fan_figure, summary, output, events, elections, caption, folder,
                                      threshold if output in ("unrest", UNREST_FACED) else None))
    if all(o in set(summary["output"]) for o, _, _ in TRADE_PARTNERS):
        jobs.append(functools.partial(_trade_figure, summary, events,
                                      _caption(result, "mean shares, normalized to 100%"), folder))
    jobs.append(functools.partial(_event_figure, result.events, events, elections,
                                  _caption(result, "yearly probabilities"), folder))
    drawn = draw_all([functools.partial(_in_style, job) for job in jobs], workers)
    # Listed as before: fan charts, trade shares, event probabilities, overview.
    return [path for paths in drawn[1:] + drawn[:1] for path in paths]


def plot_compare(results: Sequence[Any], folder: Path, outputs: Iterable[str] | None = None) -> list[Path]:
    """Overlay the scenarios: one figure per output (``compare_<output>.png`` and ``.svg``) in ``folder``.

    Each scenario is its median line and 50% band in its own colour and line style, on shared
    axes over the union of the scenarios' years; the caption lists each scenario's seed and
    replicate count. ``outputs`` defaults to :data:`KEY_OUTPUTS`.
    """
    results = list(results)
    if not results:
        raise ValueError("plot_compare needs at least one result")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    outputs = list(KEY_OUTPUTS if outputs is None else outputs)
    names = unique_names(results)
    styles = [SCENARIO_STYLES[i % len(SCENARIO_STYLES)] for i in range(len(results))]
    elections = sorted(set().union(*(_election_years(r.events) for r in results)))
    caption = _wrap(" · ".join(f"{n}: seed {r.seed}, {r.replicates} replicates" for n, r in zip(names, results))
                    + " · median line and 50% band")
    # The same event in several scenarios (same year and note) is drawn once, in grey.
    drawn: dict[tuple[int, str], list[int]] = {}
    for i, result in enumerate(results):
        for year, note in _scenario_events(result):
            drawn.setdefault((year, note), []).append(i)
    first_year = min(min(_years(r.summary)) for r in results)
    last_year = max(max(_years(r.summary)) for r in results)

    written: list[Path] = []
    with matplotlib.rc_context(RUN_STYLE):
        for output in outputs:
            tables = [_table(r.summary, output) for r in results]
            if all(t.empty for t in tables):
                continue
            fig, ax = _run_figure((10, 6.2))
            _shade_elections(ax, elections)
            handles = []
            for name, table, (colour, style) in zip(names, tables, styles):
                if table.empty:
                    continue
                _fan(ax, table, colour, bands=("50",), linestyle=style)
                handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=2.4, label=name))
            for (year, note), members in drawn.items():
                colour = styles[members[0]][0] if len(members) == 1 else EVENT_COLOUR
                _mark_event(ax, year, note, colour, (first_year, last_year))
            observed = overlay_record(ax, output, (first_year, last_year))
            handles += [observed] if observed is not None else []
            _year_limits(ax, first_year, last_year)
            _format_axis(ax, output)
            ax.set_title(_title(output))
            handles += _context_handles(elections, bool(drawn))
            lay_out(fig, ax, handles, caption)
            written += _save(fig, folder, f"compare_{output}", caption)
    return written


# --------------------------------------------------------------------------- figures of one run


def _fan_figure(summary, output, events, elections, caption, folder, threshold=None) -> list[Path]:
    table = _table(summary, output)
    fig, ax = _run_figure((10, 6.2))
    _shade_elections(ax, elections)
    _fan(ax, table, FAN_COLOUR)
    span = (table.index.min(), table.index.max())
    drawn_threshold = draw_threshold(ax, threshold)
    for year, note in events:
        _mark_event(ax, year, note, EVENT_COLOUR, span)
    observed = overlay_record(ax, output, span)
    _year_limits(ax, *span)
    _format_axis(ax, output)
    ax.set_title(_title(output))
    handles = [Line2D([], [], color=FAN_COLOUR, linewidth=2.4, label="median"),
               Patch(facecolor=FAN_COLOUR, alpha=0.45, label="50% of worlds"),
               Patch(facecolor=FAN_COLOUR, alpha=0.18, label="90% of worlds")]
    handles += [observed] if observed is not None else []
    handles += [drawn_threshold] if drawn_threshold is not None else []
    handles += _context_handles(elections, _any_in(events, span))
    lay_out(fig, ax, handles, caption)
    return _save(fig, folder, f"fan_{output}", caption)


def _trade_figure(summary, events, caption, folder) -> list[Path]:
    means = pd.DataFrame({label: _table(summary, output)["mean"] for output, label, _ in TRADE_PARTNERS})
    shares = means.div(means.sum(axis=1), axis=0)
    years = shares.index.to_numpy()
    fig, ax = _run_figure((10, 6.2))
    ax.stackplot(years, *(shares[label].to_numpy() for _, label, _ in TRADE_PARTNERS),
                 labels=[label for _, label, _ in TRADE_PARTNERS],
                 colors=[colour for _, _, colour in TRADE_PARTNERS], edgecolor="white", linewidth=0.6)
    span = (years.min(), years.max())
    # Name each band at its right end, where it is wide enough.
    last = shares.iloc[-1]
    bottom = 0.0
    for _, label, colour in TRADE_PARTNERS:
        height = float(last[label])
        if height >= 0.06:
            ax.text(span[1] - 0.15, bottom + height / 2, f"{label} {height:.0%}", ha="right", va="center",
                    fontsize=11, color="white" if colour in (palette.VERMILLION, palette.BLUE, palette.PURPLE) else "black",
                    fontweight="bold")
        bottom += height
    for year, note in events:
        _mark_event(ax, year, note, "black", span, label_box=True)
    _year_limits(ax, *span)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of Belarus's foreign trade")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    _year_ticks(ax, span)
    ax.grid(False)
    ax.set_title("Who Belarus trades with (mean share of total trade, all worlds)")
    handles = [Patch(facecolor=colour, label=label) for _, label, colour in TRADE_PARTNERS]
    if _any_in(events, span):
        handles.append(Line2D([], [], color="black", linestyle="--", linewidth=1.4, label="scenario event"))
    lay_out(fig, ax, handles, caption)
    return _save(fig, folder, "trade_shares", caption)


def _event_figure(event_table, events, elections, caption, folder) -> list[Path]:
    fig, ax = _run_figure((10, 6.2))
    _shade_elections(ax, elections)
    handles = []
    years = _years(event_table)
    for event, colour, style, marker in EVENT_SERIES:
        rows = event_table[event_table["event"] == event].sort_values("year")
        if rows.empty:
            continue
        (line,) = ax.plot(rows["year"], rows["probability"], color=colour, linestyle=style, marker=marker,
                          markersize=6, linewidth=2.2, label=EVENT_LABELS.get(event, str(rows["meaning"].iloc[0])))
        handles.append(line)
    span = (min(years), max(years)) if years else (0, 1)
    for year, note in events:
        _mark_event(ax, year, note, EVENT_COLOUR, span)
    _year_limits(ax, *span)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    _year_ticks(ax, span)
    ax.set_ylabel("share of worlds in which it happens")
    ax.set_xlabel("year")
    ax.set_title("How likely is each event, year by year?")
    handles += _context_handles(elections, _any_in(events, span))
    lay_out(fig, ax, handles, caption, ncol=2)
    return _save(fig, folder, "event_probabilities", caption)


def _overview_figure(result, summary, events, elections, caption, folder) -> list[Path]:
    fig = Figure(figsize=(15, 8.6))
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 3, sharex=True)
    present = set(summary["output"])
    span = None
    observed = None  # the record's legend entry, once any panel shows it
    threshold, drawn_threshold = unrest_threshold(result), None
    for ax, output in zip(axes.flat, OVERVIEW_OUTPUTS):
        if output == "unrest" and UNREST_FACED in present:
            output = UNREST_FACED  # the unrest a crackdown answered, not what was left after it
        if output not in present:
            ax.set_visible(False)
            continue
        table = _table(summary, output)
        span = (table.index.min(), table.index.max())
        _shade_elections(ax, elections)
        shares = level_shares(result.events) if output == "sanctions_level" else None
        if shares is not None and not shares.empty:
            ax.stackplot(shares.index, *(shares[level] for level in SANCTIONS_LEVELS),
                         labels=[f"sanctions: {name}" for name in SANCTIONS_LEVELS.values()],
                         colors=[palette.SANCTIONS_COLOURS[level] for level in SANCTIONS_LEVELS],
                         edgecolor="white", linewidth=0.4)
        else:
            _fan(ax, table, FAN_COLOUR)
            observed = overlay_record(ax, output, span) or observed
        if output in ("unrest", UNREST_FACED):
            drawn_threshold = draw_threshold(ax, threshold) or drawn_threshold
        for year, note in events:
            _mark_event(ax, year, None, EVENT_COLOUR, span)
        _year_limits(ax, *span)
        if shares is not None and not shares.empty:
            ax.set_ylim(0, 1)
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
            ax.set_ylabel("share of worlds")
            ax.grid(False)
            ax.set_title("EU sanctions: share of worlds at each level", fontsize=13)
        else:
            _format_axis(ax, output, compact=True)
            ax.set_title(OUTPUTS[output].title if output in OUTPUTS else _humanize(output), fontsize=13)
        _year_ticks(ax, span, compact=True)
    for ax in axes[-1]:
        ax.set_xlabel("year")
    title = str((result.scenario or {}).get("title") or result.name)
    handles = [Line2D([], [], color=FAN_COLOUR, linewidth=2.4, label="median"),
               Patch(facecolor=FAN_COLOUR, alpha=0.45, label="50% of worlds"),
               Patch(facecolor=FAN_COLOUR, alpha=0.18, label="90% of worlds")]
    if "sanctions_level" in present and not level_shares(result.events).empty:
        handles += [Patch(facecolor=palette.SANCTIONS_COLOURS[level], label=f"sanctions {name}")
                    for level, name in SANCTIONS_LEVELS.items()]
    handles += [observed] if observed is not None else []
    handles += [drawn_threshold] if drawn_threshold is not None else []
    handles += _context_handles(elections, span is not None and _any_in(events, span))
    # The scenario title heads the legend at the top (one block of text above the charts).
    ncol = len(handles) if len(handles) <= 6 else -(-len(handles) // 2)  # two rows rather than off the page
    lines = [caption]
    shown = [f"{year} {note.rstrip('.')}" for year, note in events if span and span[0] <= year <= span[1]]
    if shown:
        lines.append(_wrap("dashed lines: " + "; ".join(shown), 170))
    legend = lay_out_grid(fig, axes, handles, ncol, _wrap(title, 110), "\n".join(lines))
    legend.get_title().set_fontweight("bold")
    return _save(fig, folder, "overview", caption)


# --------------------------------------------------------------------------- drawing helpers


def unrest_threshold(result: Any) -> pd.Series | None:
    """Minsk's crackdown threshold (``minsk.unrest_threshold``) year by year, as this run had it: its recorded
    value with the scenario's changes (the model's rule, ``sim.inputs.timeline.value_in_year``); in a run whose
    worlds drew it, the median over the worlds. None when the run recorded no such parameter."""
    entry = (getattr(result, "parameters", None) or {}).get(UNREST_THRESHOLD)
    if entry is None:
        return None
    start: Any = float(entry["value"])
    drawn = getattr(result, "world_parameters", None)
    if drawn is not None and UNREST_THRESHOLD in drawn.columns:
        start = drawn[UNREST_THRESHOLD].to_numpy(dtype=float)
    domain, changes = Domain.from_record(entry), entry.get("events") or []
    years = _years(result.summary)
    return pd.Series([float(np.median(value_in_year(start, changes, year, domain))) for year in years],
                     index=years, dtype=float)


def draw_threshold(ax, threshold: pd.Series | None):
    """The crackdown threshold as a black step line (it can change in a scenario's year); its legend handle."""
    if threshold is None or threshold.empty:
        return None
    ax.step(threshold.index, threshold.to_numpy(), where="mid", color=palette.BLACK, linestyle=THRESHOLD_STYLE,
            linewidth=1.8, zorder=4)
    values = sorted(set(round(float(v), 6) for v in threshold))
    what = f"{values[0]:g}" if len(values) == 1 else f"{values[0]:g} to {values[-1]:g}"
    return Line2D([], [], color=palette.BLACK, linestyle=THRESHOLD_STYLE, linewidth=1.8,
                  label=f"{THRESHOLD_LABEL} ({what})")



def _fan(ax, table: pd.DataFrame, colour: str, bands: Sequence[str] = ("90", "50"),
         linestyle: str = "-") -> None:
    """The fan: 90% band (p05-p95), 50% band (p25-p75) and the median line of one output."""
    years = table.index.to_numpy()
    if "90" in bands:
        ax.fill_between(years, table["p05"], table["p95"], color=colour, alpha=0.18, linewidth=0)
    if "50" in bands:
        ax.fill_between(years, table["p25"], table["p75"], color=colour,
                        alpha=0.45 if "90" in bands else 0.22, linewidth=0)
    ax.plot(years, table["p50"], color=colour, linewidth=2.4, linestyle=linestyle)


def _mark_event(ax, year: int, note: str | None, colour: str, span: tuple[int, int],
                label_box: bool = False) -> None:
    """A dashed vertical line at a scenario event, labelled (rotated, at the top) with its year and note."""
    if not (span[0] <= year <= span[1]):
        return
    ax.axvline(year, color=colour, linestyle="--", linewidth=1.4, alpha=0.9, zorder=3)
    if note is None:
        return
    # Near the left edge the label goes right of the line, elsewhere left of it.
    right = (year - span[0]) < 0.06 * max(span[1] - span[0], 1)
    ax.text(year, 0.98, f"{year}: {_short(note)}", transform=ax.get_xaxis_transform(),
            rotation=90, ha="left" if right else "right", va="top", fontsize=EVENT_LABEL_SIZE,
            color=colour if colour != "black" else "black", zorder=4,
            bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none",
                      alpha=0.9 if label_box else 0.75))


def _shade_elections(ax, years: Iterable[int]) -> None:
    """Each election year a grey band the height of the chart: one collection of rectangles (what ``axvspan``
    per year drew, without a patch and a data-limit update each)."""
    bands = [[(year - 0.5, 0), (year - 0.5, 1), (year + 0.5, 1), (year + 0.5, 0)] for year in years]
    if bands:
        ax.add_collection(PolyCollection(bands, facecolors=ELECTION_COLOUR, alpha=0.18, linewidths=0, zorder=0,
                                         transform=ax.get_xaxis_transform()), autolim=False)


def _context_handles(elections, has_events: bool) -> list:
    handles = []
    if elections:
        handles.append(Patch(facecolor=ELECTION_COLOUR, alpha=0.35, label="election year"))
    if has_events:
        handles.append(Line2D([], [], color=EVENT_COLOUR, linestyle="--", linewidth=1.4,
                              label="scenario event"))
    return handles


def _format_axis(ax, output: str, compact: bool = False) -> None:
    """Unit on the y axis, fixed ranges for bounded outputs, integer years on the x axis."""
    meta = OUTPUTS.get(output)
    unit = meta.unit if meta else ""
    _year_ticks(ax, ax.get_xlim(), compact)
    if not compact:
        ax.set_xlabel("year")
    if output == "alignment":
        ax.set_ylim(-1.05, 1.05)
        ax.set_yticks([-1, -0.5, 0, 0.5, 1])
        ax.set_yticklabels(["−1", "−0.5", "0", "+0.5", "+1"])
        ax.axhline(0, color="#666666", linewidth=1.0, zorder=1)
        ax.set_ylabel("← Russia     alignment     West →" if compact else
                      "← Russia        alignment index (−1 to +1)        West →")
        return
    if output == "sanctions_level":
        ax.set_ylim(-0.05, 2.05)
        ax.set_yticks([0, 1, 2])
        ax.set_yticklabels([f"{level} {name}" for level, name in SANCTIONS_LEVELS.items()])
        ax.set_ylabel("level (mean of worlds)")
        return
    if unit.startswith("share") or unit == "index 0-1":
        ax.set_ylim(0, 1)
    elif output == "political_prisoners":
        ax.set_ylim(bottom=0)
    if output == "gdp_growth":
        ax.axhline(0, color="#666666", linewidth=1.0, zorder=1)
    ax.set_ylabel(unit)


def _year_ticks(ax, span, compact: bool = False) -> None:
    """Whole years as ticks: every year on short runs, else every 2 (every 5 in small panels), on round years."""
    length = span[1] - span[0]
    step = 1 if length <= 8 else (5 if compact and length > 10 else 2)
    if not compact and length > 20:
        step = 5
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%d"))
    # The other years' small tick marks are one line of tick-shaped markers under the axis rather than
    # Matplotlib minor ticks: each of those is five artists built anew for every figure (README, Speed).
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    previous = getattr(ax, "_year_marks", None)
    if previous is not None:
        previous.remove()
    low, high = ax.get_xlim()
    years = [year for year in range(math.ceil(low), math.floor(high) + 1) if year % step]
    rc = matplotlib.rcParams
    (ax._year_marks,) = ax.plot(years, [0] * len(years), transform=ax.get_xaxis_transform(), linestyle="none",
                                marker=matplotlib.markers.TICKDOWN, markersize=rc["xtick.minor.size"],
                                markeredgewidth=rc["xtick.minor.width"], color=rc["xtick.color"],
                                clip_on=False, zorder=0.6)


def _title(output: str) -> str:
    meta = OUTPUTS.get(output)
    if meta is None:
        return _humanize(output)
    meaning = meta.meaning
    if not meaning[:1].isalpha():  # e.g. alignment's "-1 full integration with Russia, ..."
        meaning = f"{_humanize(output)}: {meaning}"
    meaning = meaning[:1].upper() + meaning[1:]
    if len(meaning) <= 70:
        return meaning
    # Long titles go on two lines of about equal length, broken after a comma where there is one.
    commas = [i for i in range(len(meaning)) if meaning.startswith(", ", i)]
    if commas:
        i = min(commas, key=lambda c: abs(c - len(meaning) / 2))
        if abs(i - len(meaning) / 2) < len(meaning) / 4:
            return meaning[: i + 1] + "\n" + meaning[i + 2:]
    return "\n".join(textwrap.wrap(meaning, len(meaning) // 2 + 10))


# --------------------------------------------------------------------------- table helpers


def level_shares(event_table: pd.DataFrame) -> pd.DataFrame:
    """Per year (index): the share of worlds at each EU sanctions level (columns: the keys of
    :data:`SANCTIONS_LEVELS`), from the event table's ``sanctions_any`` (level >= 1) and
    ``sanctions_broad`` (level 2) probabilities; empty if the table has neither."""
    wide = event_table[event_table["event"].isin(["sanctions_any", "sanctions_broad"])].pivot_table(
        index="year", columns="event", values="probability", aggfunc="first")
    if not {"sanctions_any", "sanctions_broad"} <= set(wide.columns):
        return pd.DataFrame(columns=list(SANCTIONS_LEVELS))
    at_least_one, broad = wide["sanctions_any"], wide["sanctions_broad"]
    shares = pd.DataFrame({0: 1 - at_least_one, 1: at_least_one - broad, 2: broad}).clip(lower=0)
    shares.index = shares.index.astype(int)
    return shares.sort_index()


def _table(summary: pd.DataFrame, output: str) -> pd.DataFrame:
    """One output's rows of the summary, indexed by year."""
    rows = summary[summary["output"] == output]
    return rows.drop(columns="output").drop_duplicates("year").set_index("year").sort_index()


def _years(table: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in table["year"].unique())


def _election_years(event_table: pd.DataFrame) -> list[int]:
    rows = event_table[(event_table["event"] == "election") & (event_table["probability"] >= 1 - 1e-9)]
    return sorted(int(y) for y in rows["year"])


def _scenario_events(result) -> list[tuple[int, str]]:
    out = []
    for event in (result.scenario or {}).get("events") or []:
        if isinstance(event, dict) and "year" in event:
            out.append((int(event["year"]), str(event.get("note") or "scenario event")))
    return out


def _any_in(events, span) -> bool:
    return any(span[0] <= year <= span[1] for year, _ in events)


def _caption(result, shows: str = "median, 50% and 90% bands") -> str:
    """``<scenario title> · seed <seed> · <replicates> replicates · <what the figure shows>``."""
    title = str((result.scenario or {}).get("title") or result.name)
    spread = UNCERTAINTY_LABELS.get(uncertainty_kind(getattr(result, "parameter_uncertainty", "chance")), "")
    return _wrap(f"{title} · seed {result.seed} · {result.replicates} replicates · {shows} · {spread}")


def _short(note: str, limit: int = 34) -> str:
    """The first words of a note, at most ``limit`` characters."""
    note = " ".join(note.split())
    if len(note) <= limit:
        return note
    cut = note[: limit - 1].rsplit(" ", 1)[0]
    if cut.count("(") > cut.count(")"):  # do not leave a parenthesis open
        cut = cut[: cut.rindex("(")]
    return cut.rstrip(" ,;:.-") + "…"


def _humanize(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _wrap(text: str, width: int = 125) -> str:
    """Wrap to ``width`` characters, breaking at " · " separators where possible."""
    lines: list[str] = []
    for part in text.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines += textwrap.wrap(part, width) or [part]
    return "\n".join(lines)


# --------------------------------------------------------------------------- figure lifecycle


def _run_figure(size: tuple[float, float]):
    """A pyplot-free figure on the Agg canvas, laid out by hand (:func:`_lay_out`)."""
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _figure(size: tuple[float, float]):
    """A pyplot-free figure on the Agg canvas, with constrained layout."""
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


_FORMATS = ("png", "svg")  # what _save writes; plot_run narrows it for one call


def _save(fig: Figure, folder: Path, stem: str, description: str, dpi: int = DPI) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` (as ``_FORMATS`` says). The figure is not cleared: nothing else holds
    it (no pyplot), so it goes with its last reference, and clearing it cost as much as building its axes."""
    paths = [folder / f"{stem}.{kind}" for kind in _FORMATS]
    for path in paths:
        if path.suffix == ".png":
            fig.savefig(path, dpi=dpi, metadata={"Title": stem, "Description": description},
                        pil_kwargs={"compress_level": PNG_COMPRESSION})
        else:
            fig.savefig(path, metadata={"Title": stem, "Description": description, "Date": None})
    return paths
