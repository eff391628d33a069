"""The record in the figures: reliability diagrams, and the observed record overlaid on fan and compare charts.

:func:`plot_reliability` reads the tables of :func:`sim.evidence.skill.reliability` (``low``, ``high``,
``questions``, ``forecast``, ``observed`` per probability bin). :func:`overlay_record` draws the public record
(``seeds/record.yaml``) on a run's or a comparison's chart with :mod:`sim.figures.record`; :func:`record_tables` gives
the same observed points as tables (the report's "observed" lines). Never imports the model.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Mapping

import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.common import palette
from sim.common.palette import BLUE, GREEN, PURPLE, VERMILLION
from sim.figures.record import OBSERVED_LABEL, draw_observed, observed, observed_tables


def plot_reliability(tables: Mapping[str, pd.DataFrame], path: str | Path, title: str) -> Path:
    """One reliability diagram, one line per table (label -> bins), written as a PNG to ``path``.

    A point is a bin of questions: x the mean probability the forecast gave, y the share that happened;
    its size is the number of questions. On the diagonal the forecast is calibrated."""
    fig = Figure(figsize=(5.2, 5.0), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color="#999999", linewidth=1, linestyle=":", label="calibrated")
    # Each line's question counts on its own side of its points (right-below, left-above, ...), so that two
    # lines' counts at nearly the same bin do not print over each other.
    offsets = ((5, -9), (-12, 5), (5, 5), (-12, -9))
    for (label, table), colour, offset in zip(tables.items(), (BLUE, VERMILLION, GREEN, PURPLE), offsets):
        shown = table[table["questions"] > 0]
        ax.plot(shown["forecast"], shown["observed"], color=colour, linewidth=1.2, label=label)
        ax.scatter(shown["forecast"], shown["observed"], s=12 + 6 * shown["questions"], color=colour, alpha=0.8)
        for _, row in shown.iterrows():
            ax.annotate(str(int(row["questions"])), (row["forecast"], row["observed"]), fontsize=7,
                        xytext=offset, textcoords="offset points", color=colour)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("probability the forecast gave (bin mean)")
    ax.set_ylabel("share of those questions that happened")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    fig.savefig(partial, format="png", metadata={"Software": None})
    partial.replace(path)
    return path


@functools.lru_cache(maxsize=1)
def _shipped_record():
    from sim.inputs.record import load_record

    return load_record()


def record_tables(outputs) -> dict[str, pd.DataFrame]:
    """The shipped record's observed values of each of ``outputs`` that it measures: ``year``, ``value``,
    ``low``, ``high``, ``uncertain`` (:func:`sim.figures.record.observed`); the outputs it does not measure are
    left out."""
    return observed_tables(_shipped_record(), outputs)


def overlay_record(ax, output: str, span: tuple[int, int]) -> Line2D | None:
    """Draw the record's figures of ``output`` within the years ``span`` (:mod:`sim.figures.record`: points, with
    error bars where the record is uncertain); return the legend handle, or None when there is nothing to draw."""
    table = observed(_shipped_record(), output)
    if table.empty or not ((table.year >= span[0]) & (table.year <= span[1])).any():
        return None
    draw_observed(ax, table, label=None, years=span)
    return Line2D([], [], color=palette.BLACK, marker="D", linestyle="none", markersize=5,
                  label=f"{OBSERVED_LABEL} (public record; bar: its error where uncertain)")
