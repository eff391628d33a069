"""Figures of the web app (``sim ui``): the years so far of one ensemble, drawn from small tables.

The app computes the tables (fan percentiles per year, shares of worlds per sanctions level) from its
model; these functions only draw them, so they know nothing of Mesa or the model. Colours and names
come from :mod:`sim.common.palette` and :mod:`sim.common.variables`, as in every other figure.
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

FIGURE_SIZE = (5.4, 3.9)  # inches at 100 dpi: two charts side by side on a laptop screen
NOTE_LIMIT = 40  # characters of an event note written on the chart


@dataclass
class LiveView:
    """What a chart of the app shows: the years so far, the scenario's events and the tables to draw.

    ``fans`` maps an output to its per-year table (``year``, ``p05``, ``p25``, ``p50``, ``p75``, ``p95``);
    ``levels`` has a ``year`` column and one column per sanctions level with the share of worlds there.
    """

    start_year: int
    end_year: int
    year: int
    events: Mapping[int, str] = field(default_factory=dict)
    fans: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    levels: pd.DataFrame | None = None
    threshold: float | None = None


def _axes(view: LiveView, title: str, ylabel: str):
    fig = Figure(figsize=FIGURE_SIZE, dpi=100, layout="constrained")
    ax = fig.subplots()
    ax.set_title(title, fontsize=11, loc="left")
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_xlim(view.start_year - 0.3, view.end_year + 0.3)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.25)
    for year, note in view.events.items():
        ax.axvline(year, color=palette.EVENT, linestyle=":", linewidth=1)
        ax.annotate(excerpt(note, NOTE_LIMIT) or "event", (year, 0.98), xycoords=("data", "axes fraction"),
                    parse_math=False, xytext=(-2, 0), textcoords="offset points", fontsize=7, rotation=90,
                    ha="right", va="top", color=palette.EVENT)
    ax.axvline(view.year, color=palette.ELECTION, linewidth=0.8, alpha=0.6)
    return fig, ax


def _draw_fan(ax, table: pd.DataFrame | None, color: str, label: str) -> None:
    if table is None or table.empty:
        return
    ax.fill_between(table.year, table.p05, table.p95, color=color, alpha=0.15, linewidth=0, label="90% of worlds")
    ax.fill_between(table.year, table.p25, table.p75, color=color, alpha=0.3, linewidth=0, label="50% of worlds")
    ax.plot(table.year, table.p50, color=color, linewidth=2, marker="o", markersize=3, label=label)


def _legend(fig: Figure, ax, title: str | None = None) -> None:
    """One row of legend under the chart, clear of the data."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    if title:  # the title on the same row, before the entries
        handles, labels = [Rectangle((0, 0), 0, 0, visible=False), *handles], [title, *labels]
    fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False,
               handlelength=1.5, columnspacing=1.2)


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, for the page."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def alignment_figure(view: LiveView) -> Figure:
    fig, ax = _axes(view, "Alignment: −1 integration with Russia, +1 with the West", "alignment")
    ax.axhline(0, color=palette.BLACK, linewidth=0.8)
    _draw_fan(ax, view.fans.get("alignment"), palette.FAN, "median")
    ax.set_ylim(-1, 1)
    _legend(fig, ax)
    return fig


def trade_figure(view: LiveView) -> Figure:
    fig, ax = _axes(view, "Shares of Belarus's foreign trade (median; band 90%)", "share of trade")
    for output, name in TRADE_PARTNER_NAMES.items():
        table = view.fans.get(output)
        if table is None or table.empty:
            continue
        colour = palette.PARTNER_COLOURS[output]
        ax.fill_between(table.year, table.p05, table.p95, color=colour, alpha=0.15, linewidth=0)
        ax.plot(table.year, table.p50, color=colour, linewidth=2, marker="o", markersize=3, label=name)
    ax.set_ylim(0, 0.8)
    ax.yaxis.set_major_formatter(lambda y, _: f"{100 * y:.0f}%")
    _legend(fig, ax)
    return fig


def sanctions_figure(view: LiveView) -> Figure:
    fig, ax = _axes(view, "EU sanctions: share of worlds at each level", "share of worlds")
    table = view.levels
    if table is not None and not table.empty:
        ax.stackplot(table.year, *[table[level] for level in SANCTIONS_LEVELS],
                     labels=list(SANCTIONS_LEVELS.values()),
                     colors=[palette.SANCTIONS_COLOURS[level] for level in SANCTIONS_LEVELS], alpha=0.9)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(lambda y, _: f"{100 * y:.0f}%")
    _legend(fig, ax, title="EU sanctions:")
    return fig


def unrest_figure(view: LiveView) -> Figure:
    fig, ax = _axes(view, "Unrest (0–1) and Minsk's crackdown threshold", "unrest")
    _draw_fan(ax, view.fans.get("unrest"), palette.VERMILLION, "median")
    if view.threshold is not None:
        ax.axhline(view.threshold, color=palette.BLACK, linestyle="--", linewidth=1.2,
                   label=f"threshold {view.threshold:.2f}")
    ax.set_ylim(0, 1)
    _legend(fig, ax)
    return fig


FIGURES = {"alignment": alignment_figure, "trade": trade_figure, "sanctions": sanctions_figure,
           "unrest": unrest_figure}
