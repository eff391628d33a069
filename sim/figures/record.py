"""The public record on a chart: observed 2015-2025 values as points marked "observed".

:func:`observed` turns one model output's series of ``seeds/record.yaml`` (read by
:func:`sim.inputs.record.load_record`) into a small table; :func:`draw_observed` draws such a table on an
axis. Any figure may use both (the web app's charts do; run figures can). The error bar of a year the record
flags uncertain spans one ``uncertain_error_sd`` of its observation model either way, on the model's own
scale (back from log(1 + count) for a ``log1p`` series); a firm figure is a point without a bar, and an
``exact`` or ``event`` coding has no error to draw. This module never imports the model.
"""

from __future__ import annotations

import math
from typing import Iterable

import pandas as pd

from sim.common import palette
from sim.inputs.record import Record

OBSERVED_LABEL = "observed"
COLUMNS = ["year", "value", "low", "high", "uncertain"]


def observed(record: Record, output: str) -> pd.DataFrame:
    """The record's values of the series measured as ``output``: ``year``, ``value``, ``low``, ``high``,
    ``uncertain`` (bool), one row per recorded year; empty if the record has no such series."""
    for series in record.annual.values():
        model = series.observation
        if model is None or model.output != output:
            continue
        rows = []
        for year in series.years:
            value = float(series.values[year])
            uncertain = year in series.uncertain_years
            low = high = value
            if uncertain and model.scale in ("linear", "log1p"):
                sd = model.sd(True)
                if model.scale == "linear":
                    low, high = value - sd, value + sd
                else:
                    low, high = math.expm1(math.log1p(value) - sd), math.expm1(math.log1p(value) + sd)
            rows.append((year, value, low, high, uncertain))
        return pd.DataFrame(rows, columns=COLUMNS)
    return pd.DataFrame(columns=COLUMNS)


def observed_tables(record: Record, outputs: Iterable[str]) -> dict[str, pd.DataFrame]:
    """:func:`observed` for each output that the record measures."""
    tables = {output: observed(record, output) for output in outputs}
    return {output: table for output, table in tables.items() if not table.empty}


def draw_observed(ax, table: pd.DataFrame | None, colour: str = palette.BLACK, label: str | None = OBSERVED_LABEL,
                  years: tuple[float, float] | None = None) -> None:
    """Points (white-edged diamonds) at the observed values, with error bars where the record is uncertain;
    only the years inside ``years`` if given. ``label`` names them once in the legend."""
    if table is None or table.empty:
        return
    shown = table if years is None else table[(table.year >= years[0]) & (table.year <= years[1])]
    if shown.empty:
        return
    below = (shown.value - shown.low).clip(lower=0)
    above = (shown.high - shown.value).clip(lower=0)
    ax.errorbar(shown.year, shown.value, yerr=[below, above], fmt="D", markersize=5, color=colour,
                markeredgecolor="white", markeredgewidth=0.8, ecolor=colour, elinewidth=1.2, capsize=3,
                zorder=5, label=label)
