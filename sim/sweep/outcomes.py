"""Outcomes of a sweep: what is measured at each point, parsed from short specs.

A spec names an output of ``sim.variables.OUTPUTS`` and a year or a span of years::

    alignment@2025                 mean across replicates in 2025
    alignment@2016:2030            the same for every year 2016 to 2030 (sensitivity over time)
    P(sanctions_level>=1)@2022     share of replicates with sanctions in force in 2022
    P(crackdown==1)@2020:2025      probability of a crackdown, each year 2020-2025
    unrest                         no year: the scenario's end year

Comparisons in ``P(...)``: ``>=``, ``>``, ``<=``, ``<``, ``==`` (or ``=``), ``!=``.

Every year of an outcome becomes columns of the points table: for a mean,
``alignment@2025`` (the mean across replicates) and ``alignment@2025:p05`` and
``alignment@2025:p95`` (5th and 95th percentiles across replicates, the band of
a 1-D grid plot); for a probability, ``P(sanctions_level>=1)@2022``.

:func:`statistics` turns a model's ``history`` into those numbers; it is a pure
function over numpy arrays. This module knows nothing of Mesa.
"""

from __future__ import annotations

import math

import operator
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from sim.inputs.errors import ScenarioError, did_you_mean
from sim.inputs.registry import format_number
from sim.common.variables import OUTPUTS

COMPARISONS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
               "==": operator.eq, "!=": operator.ne}
BAND = ("p05", "p95")  # percentiles across replicates stored next to each mean
_BAND_Q = np.array([0.05, 0.95])

_SPEC = re.compile(r"^\s*(?P<body>[^@]+?)\s*(?:@\s*(?P<years>[^@]*?)\s*)?$")
_PROBABILITY = re.compile(r"^P\s*\(\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>>=|<=|==|!=|=|>|<)\s*"
                          r"(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_YEARS = re.compile(r"^(?P<first>\d{4})(?:\s*:\s*(?P<last>\d{4}))?$")
EXAMPLES = "e.g. alignment@2025, alignment@2016:2030 or P(sanctions_level>=1)@2022"


@dataclass(frozen=True)
class Outcome:
    """One measured quantity over one or more years.

    ``kind`` is ``"mean"`` (mean across replicates, with p05/p95) or
    ``"probability"`` (share of replicates where ``output op threshold``).
    """

    output: str
    years: tuple[int, ...]
    kind: str = "mean"
    op: str | None = None
    threshold: float | None = None

    @property
    def label(self) -> str:
        """The quantity without its years: ``alignment`` or ``P(sanctions_level>=1)``."""
        if self.kind == "probability":
            return f"P({self.output}{self.op}{format_number(self.threshold)})"
        return self.output

    @property
    def spec(self) -> str:
        """The canonical spec: ``alignment@2016:2030``, ``P(sanctions_level>=1)@2022``."""
        span = str(self.years[0]) if len(self.years) == 1 else f"{self.years[0]}:{self.years[-1]}"
        return f"{self.label}@{span}"

    @property
    def is_span(self) -> bool:
        return len(self.years) > 1

    def column(self, year: int) -> str:
        """The points-table column of this outcome's value in ``year``."""
        return f"{self.label}@{year}"

    def columns(self) -> list[str]:
        """Every column this outcome adds to the points table, in order."""
        columns = []
        for year in self.years:
            columns.append(self.column(year))
            if self.kind == "mean":
                columns += [f"{self.column(year)}:{b}" for b in BAND]
        return columns

    def value_columns(self) -> list[str]:
        """The columns analysed for sensitivity: one per year (the mean or the probability)."""
        return [self.column(year) for year in self.years]

    def describe(self) -> str:
        unit = OUTPUTS[self.output].unit
        if self.kind == "probability":
            return f"probability across replicates that {self.output} {self.op} {format_number(self.threshold)}"
        return f"mean across replicates of {self.output} ({unit}), with 5th and 95th percentiles"

    def to_dict(self) -> dict:
        return {"spec": self.spec, "output": self.output, "kind": self.kind, "op": self.op,
                "threshold": self.threshold, "years": [self.years[0], self.years[-1]],
                "columns": self.columns(), "meaning": self.describe()}


def parse_outcome(text: str, start_year: int, end_year: int, source: str = "--outcome") -> Outcome:
    """Parse one outcome spec; years must lie within ``start_year``..``end_year``.

    Raises :class:`ScenarioError` (one line, naming ``source`` and the spec) on any problem.
    """
    def fail(what: str) -> ScenarioError:
        return ScenarioError(source, what, key=f"'{text}'")

    match = _SPEC.match(str(text))
    if not match or not match.group("body").strip():
        raise fail(f"not an outcome; {EXAMPLES}")
    body = match.group("body").strip()
    kind, op, threshold = "mean", None, None
    if body.startswith("P(") or body.startswith("P ("):
        prob = _PROBABILITY.match(body)
        if not prob:
            raise fail("malformed probability; write P(OUTPUT OP NUMBER) with OP one of >=, >, <=, <, ==, !=, "
                       "e.g. P(sanctions_level>=1)@2022")
        name, op, threshold = prob.group("name"), prob.group("op"), float(prob.group("value"))
        if not math.isfinite(threshold):
            raise fail(f"the threshold must be a finite number, got {prob.group('value')}")
        op = "==" if op == "=" else op
        kind = "probability"
    elif _NAME.match(body):
        name = body
    else:
        raise fail(f"not an outcome; {EXAMPLES}")
    if name not in OUTPUTS:
        raise fail(f"unknown output '{name}'{did_you_mean(name, OUTPUTS)} (the outputs are listed in the README, "
                   "section Outputs, and in sim/variables.py)")

    years_text = match.group("years")
    if years_text is None:
        first = last = end_year
    else:
        years = _YEARS.match(years_text)
        if not years:
            raise fail(f"years must be YEAR or FIRST:LAST after '@', got '{years_text}'; {EXAMPLES}")
        first = int(years.group("first"))
        last = int(years.group("last") or first)
        if last < first:
            raise fail(f"the span {first}:{last} runs backwards; write FIRST:LAST with FIRST <= LAST")
    for year in (first, last):
        if not start_year <= year <= end_year:
            raise fail(f"year {year} is outside the scenario's years; allowed: {start_year} to {end_year}")
    return Outcome(name, tuple(range(first, last + 1)), kind, op, threshold)


def parse_outcomes(texts: Iterable[str], start_year: int, end_year: int,
                   source: str = "--outcome") -> list[Outcome]:
    """Parse several specs; a spec given twice is kept once; a column may come from one spec only."""
    outcomes: list[Outcome] = []
    seen: dict[str, str] = {}
    for text in texts:
        outcome = parse_outcome(text, start_year, end_year, source)
        if outcome in outcomes:
            continue
        for column in outcome.value_columns():
            if column in seen:
                raise ScenarioError(source, f"{column} is already measured by '{seen[column]}'; give each "
                                            "output and year once", key=f"'{text}'")
            seen[column] = text
        outcomes.append(outcome)
    if not outcomes:
        raise ScenarioError(source, f"give at least one outcome; {EXAMPLES}")
    return outcomes


def statistic_columns(outcomes: Sequence[Outcome]) -> list[str]:
    """All outcome columns of the points table, in order."""
    return [column for outcome in outcomes for column in outcome.columns()]


def last_year(outcomes: Sequence[Outcome]) -> int:
    """The last year any outcome needs: the model need not run further."""
    return max(outcome.years[-1] for outcome in outcomes)


def statistics(history: Mapping[str, np.ndarray], base_year: int, outcomes: Sequence[Outcome]) -> np.ndarray:
    """One row of statistics (in :func:`statistic_columns` order) from a model's ``history``.

    ``history[output]`` is a (years since ``base_year``, replicates) array.
    """
    return point_statistics(history, base_year, outcomes, 1)[0]


def point_statistics(history: Mapping[str, np.ndarray], base_year: int, outcomes: Sequence[Outcome],
                     points: int) -> np.ndarray:
    """A (points, statistics) array from the history of a model holding ``points`` sweep points, each
    over its own consecutive block of worlds (``history[output]``: (years since ``base_year``, worlds)).

    Every point's row is that of :func:`statistics` on its own worlds, bit for bit: each mean and
    quantile reduces one point's contiguous worlds, in order, as it would alone."""
    blocks: list[np.ndarray] = []  # one (points, k) block per outcome, columns in statistic_columns order
    for outcome in outcomes:
        rows = np.asarray(outcome.years) - base_year
        table = np.asarray(history[outcome.output][rows], dtype=float)
        table = table.reshape(len(rows), points, table.shape[1] // points)  # (years, points, worlds)
        if outcome.kind == "probability":
            hits = COMPARISONS[outcome.op](table, outcome.threshold)
            blocks.append(hits.mean(axis=2).T)
        else:
            means = table.mean(axis=2)  # (years, points)
            bands = np.quantile(table, _BAND_Q, axis=2)  # (2, years, points)
            blocks.append(np.stack([means, bands[0], bands[1]], axis=2).transpose(1, 0, 2).reshape(points, -1))
    return np.hstack(blocks).astype(float) if blocks else np.empty((points, 0))
