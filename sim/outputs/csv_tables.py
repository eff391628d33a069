"""Tables written as CSV byte for byte as ``DataFrame.to_csv(path, index=False, float_format=...)`` writes them,
in a fraction of the time (README, Speed).

pandas formats a column of floats with ``float_format`` one value at a time through several Python calls
(about 2 us a value: three quarters of a second for a run's decision trace); without it, through numpy's
string conversion of the whole block. Here each column is one list comprehension of the same formatting
(``float_format % value``, or ``repr``, which is numpy's shortest round-trip text too), rows are joined a
chunk at a time. Columns of another type, or text that the CSV format would have to quote, go to pandas
itself, so the bytes are pandas's either way (tests/outputs/test_csv_tables.py compares them).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

CHUNK_CELLS = 200_000  # values formatted at a time (5,000 rows of a time series): about 15 MB of text
_QUOTED = (",", '"', "\r", "\n")  # text the CSV writer would quote (csv.QUOTE_MINIMAL, pandas's default)


def write_csv(table: pd.DataFrame, path: str | Path, float_format: str | None = None) -> None:
    """``table.to_csv(path, index=False, float_format=float_format)``, the same bytes."""
    formatters = [_formatter(table[name], float_format) for name in table.columns]
    header = [str(name) for name in table.columns]
    if not header or any(f is None for f in formatters) or _needs_quotes(header) or table.columns.has_duplicates \
            or isinstance(table.columns, pd.MultiIndex):
        table.to_csv(path, index=False, float_format=float_format)
        return
    end = os.linesep  # pandas's line terminator
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(header) + end)
        rows = max(1, CHUNK_CELLS // len(header))
        for start in range(0, len(table), rows):
            chunk = table.iloc[start:start + rows]
            columns = [format_column(chunk[name]) for name, format_column in zip(table.columns, formatters)]
            if any(c is None for c in columns):  # text that needs quoting turned up in this chunk
                break
            out.write(end.join(map(",".join, zip(*columns))) + end)
        else:
            return
    table.to_csv(path, index=False, float_format=float_format)


def _formatter(column: pd.Series, float_format: str | None):
    kind = column.dtype.kind
    if kind == "f" and column.dtype.itemsize == 8:
        form = float.__repr__ if float_format is None else float_format.__mod__
        return lambda c: _floats(c, form)
    if kind in "iu":
        return lambda c: list(map(str, c.to_numpy().tolist()))
    if kind == "b" and column.dtype == bool:
        return lambda c: list(map(str, c.to_numpy().tolist()))
    if isinstance(column.dtype, pd.StringDtype) or column.dtype == object:
        return _text
    return None


def _floats(column: pd.Series, form) -> list[str]:
    values = column.to_numpy()
    text = list(map(form, values.tolist()))
    for i in np.flatnonzero(np.isnan(values)).tolist():  # NaN is pandas's na_rep, the empty string
        text[i] = ""
    return text


def _text(column: pd.Series) -> list[str] | None:
    values = column.to_numpy(dtype=object, na_value=None).tolist()
    if not all(v is None or isinstance(v, str) for v in values):
        return None
    text = ["" if v is None else v for v in values]
    return None if _needs_quotes(text) else text


def _needs_quotes(text: list[str]) -> bool:
    return any(mark in value for value in text for mark in _QUOTED)
