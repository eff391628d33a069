"""Figures of the web app (``sim ui``): one ensemble's years, or two settings side by side, from small tables.

The app computes the tables (fan percentiles per year, shares of worlds per sanctions level, the record's
observed values) from its model and the record; these functions only draw them, so they know nothing of
Mesa or the model. Each figure takes the view of the current settings and, to compare, the view of the
settings kept as A (then the current ones are B). Colours and names come from :mod:`sim.common.palette`
and :mod:`sim.common.variables`, as in every other figure; the record is drawn by :mod:`sim.figures.record`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.common import palette
from sim.common.names import excerpt
from sim.common.variables import SANCTIONS_LEVELS, TRADE_PARTNER_NAMES
from sim.figures.record import OBSERVED_LABEL, draw_observed

FIGURE_SIZE = (5.4, 3.9)  # inches at 100 dpi: two charts side by side on a laptop screen
# Fixed margins (fractions of the figure) rather than constrained layout, which doubles the drawing time of a
# page that redraws on every slider move; the bottom leaves room for one or two rows of legend.
MARGINS = {"left": 0.135, "right": 0.975, "top": 0.92}
LEGEND_ROOM = {0: 0.09, 1: 0.17, 2: 0.22, 3: 0.27}
LEGEND_COLUMNS = 4
NOTE_LIMIT = 40  # characters of an event note written on the chart
KEPT_COLOUR = palette.BLACK  # the settings kept as A: black dashed, beside the current ones in colour


@dataclass
class LiveView:
    """What a chart of the app shows: the years so far, the scenario's events and the tables to draw.

    ``fans`` maps an output to its per-year table (``year``, ``p05``, ``p25``, ``p50``, ``p75``, ``p95``);
    ``levels`` has a ``year`` column and one column per sanctions level with the share of worlds there;
    ``observed`` maps an output to the record's table of it (:func:`sim.figures.record.observed`);
    ``label`` names the settings when two are compared ("A", "B").
    """

    start_year: int
    end_year: int
    year: int
    events: Mapping[int, str] = field(default_factory=dict)
    fans: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    levels: pd.DataFrame | None = None
    threshold: float | None = None
    observed: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    label: str = ""


def _axes(view: LiveView, title: str, ylabel: str, other: LiveView | None = None):
    fig = Figure(figsize=FIGURE_SIZE, dpi=100)
    ax = fig.subplots()
    _decorate(ax, view, title, ylabel, other)
    return fig, ax


def _decorate(ax, view: LiveView, title: str, ylabel: str, other: LiveView | None = None) -> None:
    """Title, axes, the scenario's events (of both settings) and the year shown."""
    first = min(view.start_year, other.start_year) if other else view.start_year
    last = max(view.end_year, other.end_year) if other else view.end_year
    ax.set_title(title, fontsize=11, loc="left")
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_xlim(first - 0.3, last + 0.3)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.25)
    events = {**(other.events if other else {}), **view.events}
    for year, note in events.items():
        ax.axvline(year, color=palette.EVENT, linestyle=":", linewidth=1)
        ax.annotate(excerpt(note, NOTE_LIMIT) or "event", (year, 0.98), xycoords=("data", "axes fraction"),
                    parse_math=False, xytext=(-2, 0), textcoords="offset points", fontsize=7, rotation=90,
                    ha="right", va="top", color=palette.EVENT)
    ax.axvline(view.year, color=palette.ELECTION, linewidth=0.8, alpha=0.6)


def _draw_fan(ax, table: pd.DataFrame | None, color: str, label: str) -> None:
    if table is None or table.empty:
        return
    ax.fill_between(table.year, table.p05, table.p95, color=color, alpha=0.15, linewidth=0, label="90% of worlds")
    ax.fill_between(table.year, table.p25, table.p75, color=color, alpha=0.3, linewidth=0, label="50% of worlds")
    ax.plot(table.year, table.p50, color=color, linewidth=2, marker="o", markersize=3, label=label)


def _draw_kept_fan(ax, table: pd.DataFrame | None, label: str) -> None:
    """The kept settings' median and 50% band: black, dashed, hatched, so that both stay readable."""
    if table is None or table.empty:
        return
    ax.fill_between(table.year, table.p25, table.p75, facecolor="none", edgecolor=KEPT_COLOUR, alpha=0.35,
                    hatch="////", linewidth=0, label=f"{label}: 50% of worlds")
    ax.plot(table.year, table.p50, color=KEPT_COLOUR, linewidth=1.8, linestyle="--", label=f"{label}: median")


def _fans(ax, view: LiveView, other: LiveView | None, output: str, colour: str) -> None:
    """One output's fan; with ``other``, the kept settings (A) over the current ones (B)."""
    if other is None:
        _draw_fan(ax, view.fans.get(output), colour, "median")
    else:
        _draw_fan(ax, view.fans.get(output), colour, f"{view.label or 'B'}: median")
        _draw_kept_fan(ax, other.fans.get(output), other.label or "A")
    draw_observed(ax, view.observed.get(output), palette.BLACK)


def _legend(fig: Figure, ax, title: str | None = None) -> None:
    """One or two rows of legend under the chart, clear of the data (and the margins that make room)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        fig.subplots_adjust(bottom=LEGEND_ROOM[0], **MARGINS)
        return
    if title:  # the title on the same row, before the entries
        handles, labels = [Rectangle((0, 0), 0, 0, visible=False), *handles], [title, *labels]
    rows = min(-(-len(handles) // LEGEND_COLUMNS), 3)
    fig.legend(handles, labels, loc="lower center", ncols=-(-len(handles) // rows), fontsize=8,
               frameon=False, handlelength=1.5, columnspacing=1.2, borderaxespad=0.2)
    fig.subplots_adjust(bottom=LEGEND_ROOM[rows], **MARGINS)


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, for the page."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def alignment_figure(view: LiveView, other: LiveView | None = None) -> Figure:
    fig, ax = _axes(view, "Alignment: −1 integration with Russia, +1 with the West", "alignment", other)
    ax.axhline(0, color=palette.BLACK, linewidth=0.8)
    _fans(ax, view, other, "alignment", palette.FAN)
    ax.set_ylim(-1, 1)
    _legend(fig, ax)
    return fig


def trade_figure(view: LiveView, other: LiveView | None = None) -> Figure:
    fig, ax = _axes(view, "Shares of Belarus's foreign trade (median; band 90%)", "share of trade", other)
    for output, name in TRADE_PARTNER_NAMES.items():
        table = view.fans.get(output)
        if table is None or table.empty:
            continue
        colour = palette.PARTNER_COLOURS[output]
        ax.fill_between(table.year, table.p05, table.p95, color=colour, alpha=0.15, linewidth=0)
        ax.plot(table.year, table.p50, color=colour, linewidth=2, marker="o", markersize=3,
                label=f"{name} ({view.label})" if other else name)
        kept = other.fans.get(output) if other else None
        if kept is not None and not kept.empty:
            ax.plot(kept.year, kept.p50, color=colour, linewidth=1.6, linestyle="--")
        draw_observed(ax, view.observed.get(output), colour, label=None)
    if other:
        ax.plot([], [], color=palette.BLACK, linewidth=1.6, linestyle="--", label=f"{other.label or 'A'}: dashed")
    if any(output in view.observed for output in TRADE_PARTNER_NAMES):
        ax.errorbar([], [], yerr=[], fmt="D", color=palette.BLACK, markeredgecolor="white", label=OBSERVED_LABEL)
    ax.set_ylim(0, 0.8)
    ax.yaxis.set_major_formatter(lambda y, _: f"{100 * y:.0f}%")
    _legend(fig, ax)
    return fig


def _stack(ax, view: LiveView) -> None:
    """The shares of worlds at each sanctions level, and the record's level as a row of squares above."""
    table = view.levels
    if table is not None and not table.empty:
        ax.stackplot(table.year, *[table[level] for level in SANCTIONS_LEVELS],
                     labels=list(SANCTIONS_LEVELS.values()),
                     colors=[palette.SANCTIONS_COLOURS[level] for level in SANCTIONS_LEVELS], alpha=0.9)
    ax.set_ylim(0, 1.1)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.yaxis.set_major_formatter(lambda y, _: f"{100 * y:.0f}%")
    seen = view.observed.get("sanctions_level")
    if seen is not None and not seen.empty:
        shown = seen[(seen.year >= view.start_year) & (seen.year <= view.end_year)]
        ax.scatter(shown.year, [1.05] * len(shown), marker="s", s=30, edgecolors=palette.BLACK, linewidths=0.8,
                   c=[palette.SANCTIONS_COLOURS[int(round(v))] for v in shown.value], zorder=5,
                   label=f"{OBSERVED_LABEL} level", clip_on=False)


def sanctions_figure(view: LiveView, other: LiveView | None = None) -> Figure:
    if other is None:
        fig, ax = _axes(view, "EU sanctions: share of worlds at each level", "share of worlds")
        _stack(ax, view)
        _legend(fig, ax, title="EU sanctions:")
        return fig
    # Two stacks cannot share an axis: the kept settings (A) on the left, the current ones (B) on the right.
    fig = Figure(figsize=FIGURE_SIZE, dpi=100)
    left, right = fig.subplots(1, 2, sharey=True)
    for ax, shown in ((left, other), (right, view)):
        _decorate(ax, shown, f"EU sanctions, {shown.label}", "share of worlds" if ax is left else "", None)
        _stack(ax, shown)
    _legend(fig, right, title="EU sanctions:")
    return fig


def unrest_figure(view: LiveView, other: LiveView | None = None) -> Figure:
    # The unrest the regime faced when it chose whether to crack down (before a crackdown cut it), where given.
    faced = view.fans.get("unrest_faced") is not None
    title = ("Unrest the regime faced (0–1) and Minsk's crackdown threshold" if faced
             else "Unrest (0–1) and Minsk's crackdown threshold")
    fig, ax = _axes(view, title, "unrest", other)
    _fans(ax, view, other, "unrest_faced" if faced else "unrest", palette.VERMILLION)
    if view.threshold is not None:
        ax.axhline(view.threshold, color=palette.BLACK, linestyle="-" if other else "--", linewidth=1.2,
                   label=f"{view.label + ': ' if other else ''}threshold {view.threshold:.2f}")
    if other is not None and other.threshold is not None:
        ax.axhline(other.threshold, color=KEPT_COLOUR, linestyle=":", linewidth=1.2,
                   label=f"{other.label or 'A'}: threshold {other.threshold:.2f}")
    crackdowns = view.observed.get("crackdown")
    if crackdowns is not None and not crackdowns.empty:
        years = crackdowns.year[crackdowns.value >= 1]
        ax.scatter(years, [0.96] * len(years), marker="v", s=36, color=palette.BLACK, zorder=5,
                   label=f"crackdown {OBSERVED_LABEL}")
    ax.set_ylim(0, 1)
    _legend(fig, ax)
    return fig


FIGURES = {"alignment": alignment_figure, "trade": trade_figure, "sanctions": sanctions_figure,
           "unrest": unrest_figure}
# The record's series each figure draws (diamonds, squares or triangles).
FIGURE_RECORD = {"alignment": (), "trade": tuple(TRADE_PARTNER_NAMES), "sanctions": ("sanctions_level",),
                 "unrest": ("crackdown",)}


def caption(name: str, view: LiveView, other: LiveView | None = None) -> str:
    """The line under a figure: what of the record it shows (or that the record has nothing to show),
    and how A and B are told apart."""
    tables = [view.observed[o] for o in FIGURE_RECORD[name] if o in view.observed]
    if tables:
        years = sorted({int(y) for t in tables for y in t.year})
        points = sum(len(t) for t in tables)
        bars = sum(int(((t.high - t.low) > 0).sum()) for t in tables)
        text = f"{OBSERVED_LABEL} {years[0]}–{years[-1]} (seeds/record.yaml): {points} values"
        text += f", {bars} with error bars where the record is uncertain" if bars else ""
    else:
        text = "nothing observed to show: the record has no measure of this"
    if other is not None:
        text += (f"; {other.label} left, {view.label} right" if name == "sanctions"
                 else f"; {other.label} black dashed, {view.label} in colour")
    return text + "."
