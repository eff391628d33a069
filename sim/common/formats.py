"""How numbers are written for a reader: one module for tables, the report, explanations, the CLI and sweeps.

The same quantity prints the same way everywhere: a median of 0.4751 is ``0.475`` in ``sim compare``'s
table and in ``sim report``'s, because both take their decimals from :func:`decimals_for`.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

MINUS = "\u2212"  # the true minus sign, for text a person reads (HTML, explanations)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def decimals_for(values: Iterable[Any]) -> int:
    """Decimals that give about three significant digits for the largest value: 3 below 1, 2 below 10,
    1 below 100, else 0. Missing and non-finite values are ignored."""
    top = max((abs(float(v)) for v in values if not _missing(v)), default=0.0)
    if top < 1:
        return 3
    if top < 10:
        return 2
    if top < 100:
        return 1
    return 0


def fixed(value: Any, decimals: int = 2, sign: bool = False, minus: str = "-") -> str:
    """``value`` with ``decimals`` decimals; ``sign`` adds ``+`` to positive values; ``-0.00`` prints as
    ``0.00``; a missing or non-finite value prints as ``-``. ``minus`` is the minus sign to use."""
    if _missing(value):
        return "-"
    text = f"{float(value):+.{decimals}f}" if sign else f"{float(value):.{decimals}f}"
    if text.lstrip("+-") == f"{0:.{decimals}f}":
        return f"{0:.{decimals}f}"
    return text.replace("-", minus) if minus != "-" else text


def number(value: Any, decimals: int = 2, sign: bool = False) -> str:
    """A number for prose and HTML: :func:`fixed` with a true minus sign."""
    return fixed(value, decimals, sign, minus=MINUS)


def compact(value: Any) -> str:
    """Three significant digits, thousands grouped from 1000 on: ``0.475``, ``14.5``, ``12,345``."""
    if _missing(value):
        return "-"
    value = float(value)
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def plus_minus(value: float, margin: float, decimals: int = 3) -> str:
    """``0.412 ± 0.031``: an estimate and its confidence half-width."""
    return f"{fixed(value, decimals)} ± {fixed(margin, decimals)}"


def percent(p: float) -> str:
    """A probability for a reader: ``61%``, ``0.4%``, ``less than 0.1%``, ``more than 99.9%``."""
    if p <= 0:
        return "0%"
    if p >= 1:
        return "100%"
    if p < 0.001:
        return "less than 0.1%"
    if p > 0.999:
        return "more than 99.9%"
    if p < 0.01 or p > 0.99:
        return f"{p:.1%}"
    return f"{p:.0%}"


def yaml_number(x: float) -> str:
    """A number as written in YAML: ``52`` not ``52.0``, every digit kept."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
