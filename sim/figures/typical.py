"""The report's figure of one typical world: its path in four key outputs against the ensemble's median and band."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.common import palette
from sim.common.variables import SANCTIONS_LEVELS
from sim.figures.runs import STYLE, UNREST_FACED, draw_threshold

PANELS = [("alignment", "Alignment (−1 Russia, +1 West)"), ("unrest", "Street unrest (end of year)"),
          ("sanctions_level", "EU sanctions level"), ("subsidy_pct_gdp", "Russian subsidy, % of GDP")]
FACED_TITLE = "Street unrest the regime faced (before any crackdown)"
DPI = 110  # embedded in an HTML page: enough for a screen and a printout, small enough to email


def plot_typical_world(summary: pd.DataFrame, world: pd.DataFrame, replicate: int, turning_years: Sequence[int],
                       path: Path, threshold: pd.Series | None = None) -> Path:
    """Draw ``world`` (one replicate's rows of timeseries.csv, indexed by year) over the ``summary``'s median and
    90% band, with the turning-point years marked; write a PNG to ``path`` and return it. The unrest panel shows
    the unrest the regime faced when it chose whether to crack down (``unrest_faced``, where the run has it) and
    ``threshold``, Minsk's crackdown threshold year by year (``sim.figures.runs.unrest_threshold``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(12, 6.6), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(2, 2, sharex=True)
        drawn_threshold = None
        for ax, (output, title) in zip(axes.flat, PANELS):
            if output == "unrest" and UNREST_FACED in world.columns and (summary["output"] == UNREST_FACED).any():
                output, title = UNREST_FACED, FACED_TITLE
            if output in ("unrest", UNREST_FACED):
                drawn_threshold = draw_threshold(ax, threshold)
            table = summary[summary["output"] == output].drop_duplicates("year").set_index("year").sort_index()
            ax.fill_between(table.index, table["p05"], table["p95"], color=palette.FAN, alpha=0.18, linewidth=0)
            ax.plot(table.index, table["p50"], color=palette.FAN, linewidth=2.2)
            ax.plot(world.index, world[output], color=palette.VERMILLION, linewidth=2.4, linestyle="--", marker="o",
                    markersize=4)
            for year in turning_years:
                ax.axvline(year, color=palette.EVENT, linestyle=":", linewidth=1.1)
            ax.set_title(title, fontsize=13)
            if output == "sanctions_level":
                ax.set_yticks(list(SANCTIONS_LEVELS), [f"{level} {name}" for level, name in SANCTIONS_LEVELS.items()])
                ax.set_ylim(-0.15, 2.15)
            if output == "alignment":
                ax.axhline(0, color=palette.EVENT, linewidth=0.8)
        for ax in axes[-1]:
            ax.set_xlabel("year")
        handles = [Line2D([], [], color=palette.VERMILLION, linestyle="--", marker="o", linewidth=2.4,
                          label=f"world {replicate}"),
                   Line2D([], [], color=palette.FAN, linewidth=2.2, label="median of all worlds"),
                   Patch(facecolor=palette.FAN, alpha=0.18, label="90% of worlds"),
                   Line2D([], [], color=palette.EVENT, linestyle=":", label="turning point")]
        handles += [drawn_threshold] if drawn_threshold is not None else []
        fig.legend(handles=handles, loc="outside upper center", ncol=len(handles), frameon=False)
        fig.savefig(path, dpi=DPI)
    return path
