"""Figures of scenario discovery: the coverage/density trade-off and the chosen box's ranges.

    from sim.figures.discovery import plot_discovery
    plot_discovery(discovery, folder)     # discovery: a sim.sweep.discover.Discovery (duck-typed)

Drawn from the discovery's tables only (``boxes``, the chosen box, the sweep's ranges).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

from sim.common.palette import BLUE, VERMILLION
from sim.figures.runs import STYLE, _figure, _save

GREY = "#999999"


def plot_discovery(discovery: Any, folder: Path) -> list[Path]:
    """Write ``tradeoff`` (coverage against density, coloured by restricted dimensions) and ``box`` (the chosen
    box's range of each restricted parameter against its sampled range)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(STYLE):
        return _tradeoff(discovery, folder) + _box(discovery, folder)


def _tradeoff(discovery: Any, folder: Path) -> list[Path]:
    boxes = discovery.boxes
    dims = boxes["restricted"].map(lambda text: len([n for n in str(text).split(";") if n]))
    fig, ax = _figure((8, 6))
    points = ax.scatter(boxes["coverage"], boxes["density"], c=dims, cmap="viridis", s=28, zorder=3)
    bar = fig.colorbar(points, ax=ax, label="restricted parameters")
    bar.set_ticks(sorted(set(int(d) for d in dims)))
    chosen = discovery.chosen
    ax.scatter([chosen.coverage], [chosen.density], marker="*", s=260, color=VERMILLION, zorder=4,
               label=f"chosen (box {discovery.chosen_index}, insignificant bounds dropped)")
    if discovery.tree_box is not None:
        ax.scatter([discovery.tree_box.coverage], [discovery.tree_box.density], marker="D", s=80, color=BLUE,
                   zorder=4, label="CART leaf")
    ax.axhline(discovery.base_rate, color=GREY, linestyle=":", label="share of all points (no box)")
    ax.set_xlabel("coverage: share of all target points inside the box")
    ax.set_ylabel("density: share of the box's points that are target points")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Peeling trajectory: {discovery.target.text}")
    ax.legend(loc="lower left")
    return _save(fig, folder, "tradeoff", "PRIM peeling trajectory: coverage against density")


def _box(discovery: Any, folder: Path) -> list[Path]:
    chosen = discovery.chosen
    names = chosen.restricted or list(discovery.sweep.parameters)
    ranges = discovery.sweep.ranges
    fig, ax = _figure((9, 1.2 + 0.8 * len(names)))
    for row, name in enumerate(reversed(names)):
        full_low, full_high = ranges[name]
        low, high = chosen.limits[name]
        span = (full_high - full_low) or 1.0
        ax.barh(row, 1.0, left=0.0, height=0.5, color="#EEEEEE", edgecolor=GREY)
        ax.barh(row, (high - low) / span, left=(low - full_low) / span, height=0.5, color=BLUE, alpha=0.8)
        ax.text(0.0, row + 0.33, f"{full_low:.3g}", ha="left", va="bottom", fontsize=9, color=GREY)
        ax.text(1.0, row + 0.33, f"{full_high:.3g}", ha="right", va="bottom", fontsize=9, color=GREY)
        ax.text((low - full_low) / span, row - 0.33, f"{low:.3g}", ha="left", va="top", fontsize=9)
        ax.text((high - full_low) / span, row - 0.33, f"{high:.3g}", ha="right", va="top", fontsize=9)
    ax.set_yticks(np.arange(len(names)), list(reversed(names)))
    ax.set_xlim(-0.02, 1.02)
    ax.set_xticks([])
    ax.grid(False)
    ax.set_title(f"Box {discovery.chosen_index}: density {chosen.density:.0%}, coverage {chosen.coverage:.0%}")
    return _save(fig, folder, "box", "the chosen box: each restricted parameter's range within its sampled range")
