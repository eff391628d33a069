"""Figures of a sweep, drawn from its tables only: ``points``, ``indices`` and the manifest.

    from sim.figures.sweeps import plot_sweep
    plot_sweep(points, indices, manifest, Path("results/x/sweep-sobol-.../plots"))

Which figures, by design:

- 1-D grid: ``grid_<outcome>``: the outcome against the parameter, the mean with a
  5-95% band across replicates (a probability is drawn as a line); a span of years
  shows up to four of its years.
- 2-D grid: ``heatmap_<outcome>``: the outcome over both parameters (the span's last year).
- Latin hypercube: ``scatter_<outcome>``: the outcome against the nine parameters with
  the strongest rank correlation, with a binned mean.
- Sobol: ``sobol_<outcome>``: total (ST) and first-order (S1) indices with their 95%
  intervals, parameters sorted by ST (the top 20); a span adds
  ``sobol_<output>_over_time`` (ST and S1 of the eight leading parameters as lines over the
  years: which assumption drives the early years, which the late ones) and
  ``sobol_<output>_over_time_panels`` (one panel per parameter, with the 95% bands).
- Morris: ``morris_<outcome>``: mu* with its interval and sigma; a span adds
  ``morris_<output>_over_time`` and ``morris_<output>_over_time_panels``.

``<outcome>`` is the column name made file-safe (``alignment@2025`` -> ``alignment_2025``,
``P(sanctions_level>=1)@2022`` -> ``P_sanctions_level_ge_1_2022``). Every figure is
written as PNG and SVG, on Matplotlib's Agg canvas without pyplot. Colours are the
Okabe-Ito palette; lines also differ in style. This module never imports the model.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from sim.figures.runs import _figure, _save  # one figure lifecycle for every plot
from sim.figures.runs import STYLE as BASE_STYLE
from sim.common import palette
from sim.common.variables import OUTPUTS

BLUE, ORANGE, SKY, VERMILLION = palette.BLUE, palette.ORANGE, palette.SKY, palette.VERMILLION
LINES = palette.SCENARIO_STYLES
TOP_BARS = 20  # parameters shown in an index bar chart
TOP_LINES = 8  # parameters shown in an over-time chart
SCATTER_PANELS = 9
# The house style of sim.plots, one size smaller: index charts carry long parameter names.
STYLE = {**BASE_STYLE, "font.size": 11, "axes.titlesize": 13, "axes.labelsize": 11, "xtick.labelsize": 10,
         "ytick.labelsize": 10, "legend.fontsize": 10, "figure.titlesize": 14}


def slug(column: str) -> str:
    """A column name as a file name: ``P(sanctions_level>=1)@2022`` -> ``P_sanctions_level_ge_1_2022``."""
    text = column
    for op, word in ((">=", "_ge_"), ("<=", "_le_"), ("==", "_eq_"), ("!=", "_ne_"), (">", "_gt_"), ("<", "_lt_")):
        text = text.replace(op, word)
    text = re.sub(r"[^A-Za-z0-9.-]+", "_", text.replace(":", "-"))
    return re.sub(r"_+", "_", text).strip("_")


def plot_sweep(points: pd.DataFrame, indices: pd.DataFrame, manifest: dict[str, Any], folder: Path) -> list[Path]:
    """Draw the figures that suit the sweep's design into ``folder`` (created); return the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    design = manifest["design"]
    kind, names = design["kind"], list(design["parameters"])
    written: list[Path] = []
    with matplotlib.rc_context(STYLE):
        for outcome in manifest["outcomes"]:
            if kind == "grid" and len(names) == 1:
                written += _grid_line(points, names[0], outcome, manifest, folder)
            elif kind == "grid" and len(names) == 2:
                written += _heatmap(points, names, outcome, manifest, folder)
            elif kind == "lhs":
                written += _scatter(points, names, outcome, manifest, folder)
            elif kind in ("sobol", "morris") and not indices.empty:
                written += _index_bars(indices, kind, outcome, manifest, folder)
                if outcome["years"][0] != outcome["years"][1]:
                    written += _over_time(indices, kind, outcome, manifest, folder)
    return written


# --------------------------------------------------------------------------- grids


def _years_of(outcome: dict[str, Any]) -> list[int]:
    first, last = outcome["years"]
    return list(range(first, last + 1))


def _label(outcome: dict[str, Any]) -> str:
    return outcome["spec"].split("@")[0]


def _column(outcome: dict[str, Any], year: int) -> str:
    return f"{_label(outcome)}@{year}"


def _axis_label(outcome: dict[str, Any]) -> str:
    if outcome["kind"] == "probability":
        return f"probability: {_label(outcome)}"
    return f"{outcome['output']} ({OUTPUTS[outcome['output']].unit})" if outcome["output"] in OUTPUTS \
        else outcome["output"]


def _caption(manifest: dict[str, Any], extra: str = "") -> str:
    design = manifest["design"]
    text = (f"{manifest['scenario']['title']} · {design['description']} · {manifest['replicates']} replicates "
            f"per point · seed {manifest['seed']}")
    return f"{text} · {extra}" if extra else text


def _grid_line(points, name, outcome, manifest, folder) -> list[Path]:
    years = _years_of(outcome)
    shown = years if len(years) <= 4 else sorted({years[0], years[len(years) // 3], years[2 * len(years) // 3],
                                                   years[-1]})
    table = points.sort_values(name)
    x = table[name].to_numpy(dtype=float)
    fig = Figure(figsize=(9, 5.6) if len(shown) == 1 else (4.2 * len(shown) + 0.8, 5.2), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(shown), sharey=True, squeeze=False)[0]
    for i, (ax, year) in enumerate(zip(axes, shown)):
        column = _column(outcome, year)
        ax.plot(x, table[column], color=BLUE, marker="o", markersize=4, linewidth=2,
                label="mean across replicates" if outcome["kind"] == "mean" else "probability across replicates")
        if outcome["kind"] == "mean":
            ax.fill_between(x, table[f"{column}:p05"], table[f"{column}:p95"], color=BLUE, alpha=0.18,
                            linewidth=0, label="5-95% of replicates")
        ax.set_xlabel(_parameter_label(name, manifest))
        if len(shown) > 1:
            ax.set_title(str(year))
    axes[0].set_ylabel(_axis_label(outcome))
    if outcome["kind"] == "probability":
        axes[0].set_ylim(-0.02, 1.02)
    axes[0].legend(loc="best", frameon=True, framealpha=0.9)
    when = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    title = f"{_label(outcome)} in {when} against {name}"
    if len(shown) == 1:
        axes[0].set_title(title)
    else:
        fig.suptitle(title + (f" (years shown: {', '.join(map(str, shown))})" if len(shown) < len(years) else ""))
    _add_caption(fig, _caption(manifest))
    return _save(fig, folder, f"grid_{slug(outcome['spec'])}", title)


def _heatmap(points, names, outcome, manifest, folder) -> list[Path]:
    year = _years_of(outcome)[-1]
    column = _column(outcome, year)
    x_name, y_name = names
    table = points.pivot_table(index=y_name, columns=x_name, values=column, aggfunc="mean")
    values = table.to_numpy(dtype=float)
    fig, ax = _figure((9, 6.4))
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if outcome["kind"] == "probability":
        cmap, norm = "viridis", matplotlib.colors.Normalize(0, 1)
    elif low < 0 < high:
        cmap, norm = "RdBu_r", TwoSlopeNorm(0.0, low, high)
    else:
        cmap, norm = "viridis", matplotlib.colors.Normalize(low, high if high > low else low + 1e-9)
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
    ax.grid(False)
    ax.set_xticks(range(len(table.columns)), [_tick(v) for v in table.columns],
                  rotation=45 if len(table.columns) > 8 else 0)
    ax.set_yticks(range(len(table.index)), [_tick(v) for v in table.index])
    ax.set_xlabel(_parameter_label(x_name, manifest))
    ax.set_ylabel(_parameter_label(y_name, manifest))
    if values.size <= 150:
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                shade = image.cmap(image.norm(value))
                light = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] > 0.55
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=9,
                        color="black" if light else "white")
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(_axis_label(outcome) + (" (mean)" if outcome["kind"] == "mean" else ""))
    ax.set_title(f"{column}\nover {x_name} and {y_name}")
    _add_caption(fig, _caption(manifest))
    return _save(fig, folder, f"heatmap_{slug(outcome['spec'])}", ax.get_title())


def _scatter(points, names, outcome, manifest, folder) -> list[Path]:
    column = _column(outcome, _years_of(outcome)[-1])
    y = points[column].to_numpy(dtype=float)
    ranked = []
    for name in names:
        rho = pd.Series(points[name].to_numpy(dtype=float)).corr(pd.Series(y), method="spearman")
        ranked.append((0.0 if np.isnan(rho) else abs(rho), rho, name))
    ranked.sort(key=lambda t: -t[0])
    shown = ranked[:SCATTER_PANELS]
    cols = min(3, len(shown))
    rows = int(np.ceil(len(shown) / cols))
    fig = Figure(figsize=(4.2 * cols, 3.4 * rows + 0.8), layout="constrained")
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, (_, rho, name) in zip(axes, shown):
        x = points[name].to_numpy(dtype=float)
        ax.scatter(x, y, s=6, alpha=0.35, color=BLUE, linewidths=0)
        edges = np.unique(np.quantile(x, np.linspace(0, 1, 11)))
        if len(edges) > 2:
            which = np.clip(np.digitize(x, edges[1:-1]), 0, len(edges) - 2)
            centres = [x[which == b].mean() for b in range(len(edges) - 1) if (which == b).any()]
            means = [y[which == b].mean() for b in range(len(edges) - 1) if (which == b).any()]
            ax.plot(centres, means, color=VERMILLION, linewidth=2)
        ax.set_title(f"{name}\nrank correlation {rho:+.2f}" if not np.isnan(rho) else name, fontsize=10)
        ax.set_ylabel(column if ax in axes[::cols] else "")
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    fig.suptitle(f"{column} against the parameters with the strongest rank correlation")
    _add_caption(fig, _caption(manifest, "red: mean in deciles of the parameter"))
    return _save(fig, folder, f"scatter_{slug(outcome['spec'])}", f"{column} against parameters")


# --------------------------------------------------------------------------- sensitivity indices


def _index_bars(indices, kind, outcome, manifest, folder) -> list[Path]:
    column = _column(outcome, _years_of(outcome)[-1])
    table = indices[indices["outcome"] == column]
    key = "ST" if kind == "sobol" else "mu_star"
    if table.empty or table[key].isna().all():
        return []
    table = table.sort_values(key, ascending=False, na_position="last")
    shown = table.head(TOP_BARS).iloc[::-1]  # largest at the top
    n, total = len(shown), len(table)
    fig, ax = _figure((10.5, 1.9 + 0.36 * n))
    y = np.arange(n)
    labels = [_parameter_label(p, manifest) for p in shown["parameter"]]
    error = {"elinewidth": 1.2, "capsize": 3, "ecolor": "#333333"}
    if kind == "sobol":
        ax.barh(y + 0.2, shown["ST"], height=0.38, xerr=shown["ST_conf"], color=BLUE, error_kw=error,
                label="total (ST): alone and in interactions")
        ax.barh(y - 0.2, shown["S1"], height=0.38, xerr=shown["S1_conf"], color=ORANGE, error_kw=error,
                label="first-order (S1): alone")
        ax.set_xlabel("Sobol index: share of the outcome's variance across the design")
        ax.axvline(0, color="#555555", linewidth=0.8)
        what = "Sobol indices"
    else:
        ax.barh(y + 0.2, shown["mu_star"], height=0.38, xerr=shown["mu_star_conf"], color=BLUE, error_kw=error,
                label="mu*: mean absolute effect of a step")
        ax.barh(y - 0.2, shown["sigma"], height=0.38, color=SKY, hatch="//", edgecolor="white",
                label="sigma: spread of effects (non-linearity, interactions)")
        ax.set_xlabel("elementary effect: change in the outcome per whole range of the parameter")
        what = "Morris screening"
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.7, n - 0.3)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", frameon=True, framealpha=0.9)
    top = f"top {n} of {total} parameters" if total > n else f"{total} parameters"
    title = f"What drives {column}? {what}"
    fig.suptitle(title, fontweight="bold")
    ax.set_title("\n".join(textwrap.wrap(_meaning(outcome, manifest), 80)), fontsize=10, fontweight="normal",
                 loc="left", color="#333333")
    _add_caption(fig, _caption(manifest, f"{top}; whiskers: 95% bootstrap intervals; full table: indices.csv"))
    return _save(fig, folder, f"{kind}_{slug(outcome['spec'])}", title)


def _over_time(indices, kind, outcome, manifest, folder) -> list[Path]:
    """Two figures: the leading parameters' indices as lines over the years (who drives when), and one
    panel per parameter with the 95% bands (how sure)."""
    label = _label(outcome)
    table = indices[indices["label"] == label]
    table = table[table["year"].between(*outcome["years"])]
    measures = [("ST", "ST_conf", "total index ST"), ("S1", "S1_conf", "first-order index S1")] if kind == "sobol" \
        else [("mu_star", "mu_star_conf", "mu* (mean absolute elementary effect)")]
    key = measures[0][0]
    if table.empty or table[key].isna().all():
        return []
    leaders = (table.groupby("parameter")[key].max().sort_values(ascending=False).head(TOP_LINES).index.tolist())
    rows_of = {name: table[table["parameter"] == name].sort_values("year") for name in leaders}
    first, last = outcome["years"]
    y_label = "Sobol index" if kind == "sobol" else f"mu* ({_axis_label(outcome)})"

    # 1. lines: who drives which years
    fig = Figure(figsize=(6.2 * len(measures) + 3.6, 5.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(measures), sharey=True, squeeze=False)[0]
    for ax, (measure, _conf, title) in zip(axes, measures):
        for i, name in enumerate(leaders):
            colour, style = LINES[i % len(LINES)]
            rows = rows_of[name]
            ax.plot(rows["year"], rows[measure], color=colour, linestyle=style, linewidth=2.2, marker="o",
                    markersize=3.5, label=name)
        ax.set_title(title)
        ax.set_xlabel("year")
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[0].set_ylabel(y_label)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right upper", frameon=False, title="parameter (by peak index)")
    fig.suptitle(f"Which assumptions drive {label} over time ({first}-{last})")
    _add_caption(fig, _caption(manifest, f"the {len(leaders)} parameters with the largest {key} in any year; "
                                         f"95% intervals: {kind}_{slug(label)}_over_time_panels"))
    written = _save(fig, folder, f"{kind}_{slug(label)}_over_time", f"{label} sensitivity over time")

    # 2. panels: each parameter with its intervals
    cols = min(4, len(leaders))
    nrows = int(np.ceil(len(leaders) / cols))
    fig = Figure(figsize=(4.0 * cols + 0.6, 3.1 * nrows + 1.4), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    styles = [(BLUE, "-"), (ORANGE, "--")]
    for ax, name in zip(axes, leaders):
        rows = rows_of[name]
        for (measure, conf, title), (colour, style) in zip(measures, styles):
            ax.fill_between(rows["year"], rows[measure] - rows[conf], rows[measure] + rows[conf], color=colour,
                            alpha=0.2, linewidth=0)
            ax.plot(rows["year"], rows[measure], color=colour, linestyle=style, linewidth=2,
                    label=title.split(" (")[0])
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_title(name, fontsize=10)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=4))
    for ax in axes[len(leaders):]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_ylabel(y_label)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper right", ncol=len(names), frameon=False)
    fig.suptitle(f"{label}: indices of the leading parameters by year, with 95% bootstrap intervals",
                 x=0.01, ha="left")
    _add_caption(fig, _caption(manifest))
    written += _save(fig, folder, f"{kind}_{slug(label)}_over_time_panels", f"{label} sensitivity over time")
    return written


# --------------------------------------------------------------------------- helpers


def _meaning(outcome: dict[str, Any], manifest: dict[str, Any]) -> str:
    """One line saying what the outcome is, e.g. for alignment: its scale, across how many replicates."""
    output = outcome["output"]
    spec = OUTPUTS.get(output)
    replicates = manifest["replicates"]
    if outcome["kind"] == "probability":
        return f"{_label(outcome)}: the share of the {replicates} replicates in which the comparison holds"
    if spec is None:
        return f"{output}: mean across {replicates} replicates"
    return f"{output} ({spec.unit}): {spec.meaning}; mean across {replicates} replicates"


def _parameter_label(name: str, manifest: dict[str, Any]) -> str:
    """``minsk.unrest_threshold (0.3-0.7)``: the id and the range it was sampled over."""
    design = manifest["design"]
    ranges = design.get("ranges") or {}
    span = ranges.get(name) or design.get("bounds", {}).get(name)
    if not span or design["kind"] == "grid":
        return name
    return f"{name} ({_tick(span[0])} to {_tick(span[1])})"


def _tick(value: Any) -> str:
    value = float(value)
    return f"{value:g}" if abs(value) < 1e5 else f"{value:.3g}"


def _add_caption(fig: Figure, text: str) -> None:
    width = int(fig.get_figwidth() * 13)
    fig.text(0.01, 0.0, "\n".join(textwrap.wrap(text, width)), fontsize=9, color="#444444", ha="left",
             va="bottom", transform=fig.transFigure)
    engine = fig.get_layout_engine()
    if engine is not None:
        lines = len(textwrap.wrap(text, width))
        engine.set(rect=(0, 0.17 * lines / fig.get_figheight(), 1, 1 - 0.17 * lines / fig.get_figheight()))


