"""Observation models: how likely is what was measured, given a world's model output? (docs/ODD.md, section 6.1)

Each yearly outcome of the record (``seeds/record.yaml``, ``annual:``) that the model produces carries an
``observation:`` block naming the model output and the scale of the error; every width is declared there,
next to the record's ``uncertain_years``, as an ASSUMPTION with its rationale. No width lives in this module.

Scales (``sim.inputs.record.SCALES``), for a world whose output is x and a measured figure y:

* ``linear``: y = x + e, e ~ Normal(0, sd);
* ``log1p``: log(1 + y) = log(1 + x) + e, e ~ Normal(0, sd) (counts: an error in proportion, zero allowed);
* ``exact``: y = x; a world with another value is inconsistent with the record (likelihood 0);
* ``event``: y is a 0/1 coding that differs from the world's 0/1 with probability ``coding_error``.

``sd`` is ``uncertain_error_sd`` in the record's ``uncertain_years`` and ``error_sd`` otherwise. Every function
here is pure numpy over an array of worlds; nothing runs the model.

The *questions* scored by ``sim hindcast --origin`` are the record's measurements after the origin (quantities,
scored by CRPS on the observation scale) and the yes/no events derived from them (:data:`EVENT_QUESTIONS`,
scored by the Brier score).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from sim.inputs.record import ObservationModel, Record

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


# --------------------------------------------------------------------------- one measurement


@dataclass(frozen=True)
class Measurement:
    """One measured figure of the record: ``series`` in ``year``, with its observation model."""

    series: str
    year: int
    value: float
    uncertain: bool
    model: ObservationModel

    @property
    def output(self) -> str:
        return self.model.output

    @property
    def id(self) -> str:
        return f"{self.series}_{self.year}"


def to_scale(model: ObservationModel, values) -> np.ndarray:
    """Values (model outputs or measured figures) on the scale the error is measured on."""
    values = np.asarray(values, dtype=float)
    if model.scale == "log1p":
        return np.log1p(np.maximum(values, 0.0))
    return values


def log_likelihood(measurement: Measurement, outputs: np.ndarray) -> np.ndarray:
    """log P(the measured figure | each world's output), one entry per world (-inf: inconsistent)."""
    m = measurement.model
    x = np.asarray(outputs, dtype=float)
    if m.scale in ("linear", "log1p"):
        sd = m.sd(measurement.uncertain)
        z = (to_scale(m, measurement.value) - to_scale(m, x)) / sd
        return -0.5 * z * z - np.log(sd) - _LOG_SQRT_2PI
    if m.scale == "exact":
        return np.where(x == measurement.value, 0.0, -np.inf)
    if m.scale == "event":
        agrees = (x >= 0.5) == (measurement.value >= 0.5)
        return np.where(agrees, np.log1p(-m.coding_error), np.log(m.coding_error) if m.coding_error > 0 else -np.inf)
    raise ValueError(f"unknown observation scale {m.scale!r}")


def measurements(record: Record, first: int | None = None, last: int | None = None) -> list[Measurement]:
    """Every measured figure of the record's modelled outcomes with first <= year <= last, by year then series."""
    out = []
    for name, series in record.modelled().items():
        for year, value in series.values.items():
            if (first is None or year >= first) and (last is None or year <= last):
                out.append(Measurement(name, int(year), float(value), year in series.uncertain_years,
                                       series.observation))
    return sorted(out, key=lambda m: (m.year, m.series))


def year_log_likelihood(record_measurements: list[Measurement], year: int,
                        outputs: Mapping[str, np.ndarray], worlds: int) -> tuple[np.ndarray, int]:
    """Sum of the log likelihoods of ``year``'s measurements for each world, and how many there were.

    Measurements are taken as independent given the world (their errors are).
    """
    total = np.zeros(worlds)
    count = 0
    for m in record_measurements:
        if m.year == year:
            total = total + log_likelihood(m, outputs[m.output])
            count += 1
    return total, count


# --------------------------------------------------------------------------- weights


def normalized_weights(log_weights: np.ndarray) -> np.ndarray | None:
    """Weights summing to 1 from log weights; None when every world is inconsistent (all -inf)."""
    log_weights = np.asarray(log_weights, dtype=float)
    top = np.max(log_weights)
    if not np.isfinite(top):
        return None
    w = np.exp(log_weights - top)
    return w / w.sum()


def effective_sample_size(weights: np.ndarray | None) -> float:
    """Kish's effective sample size 1 / sum(w^2) of normalized weights (0 when there are none)."""
    if weights is None:
        return 0.0
    return float(1.0 / np.sum(np.square(weights)))


def systematic_resample(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of the worlds that survive, by systematic resampling (one uniform draw; Kitagawa 1996)."""
    n = len(weights)
    positions = (rng.random() + np.arange(n)) / n
    cumulative = np.cumsum(weights)
    cumulative[-1] = 1.0  # guard against rounding
    return np.searchsorted(cumulative, positions, side="right").clip(0, n - 1)


# --------------------------------------------------------------------------- yes/no questions


@dataclass(frozen=True)
class EventQuestion:
    """A yes/no question about one year, answered by the record and by each world.

    ``observed(values, year)`` reads the record series (None when the record cannot answer that year);
    ``happened(outputs)`` is the 0/1 answer of each world from its outputs (``sim.common.variables``).
    """

    name: str
    series: str
    meaning: str
    observed: Callable[[Mapping[int, float], int], float | None]
    happened: Callable[[Mapping[str, np.ndarray]], np.ndarray]


def _level(test: Callable[[float], bool]):
    def observed(values: Mapping[int, float], year: int) -> float | None:
        return float(test(values[year])) if year in values else None
    return observed


def _change(sign: int):
    def observed(values: Mapping[int, float], year: int) -> float | None:
        if year not in values or year - 1 not in values:
            return None
        return float(np.sign(values[year] - values[year - 1]) == sign)
    return observed


# The names are those of sim.outputs.results.EVENT_DEFINITIONS; the thresholds are the definitions of the
# record's codings (sanctions level 1 targeted, 2 sectoral; a crackdown is coded 1), not coefficients.
EVENT_QUESTIONS: dict[str, EventQuestion] = {q.name: q for q in [
    EventQuestion("crackdown", "crackdown", "Minsk cracks down (mass arrests)",
                  _level(lambda v: v >= 1), lambda o: o["crackdown"] >= 1),
    EventQuestion("sanctions_any", "eu_sanctions_level", "EU sanctions in force (level >= 1)",
                  _level(lambda v: v >= 1), lambda o: o["sanctions_level"] >= 1),
    EventQuestion("sanctions_broad", "eu_sanctions_level", "broad EU sanctions (level 2)",
                  _level(lambda v: v >= 2), lambda o: o["sanctions_level"] >= 2),
    EventQuestion("sanctions_tightened", "eu_sanctions_level", "EU tightens sanctions (the level rises)",
                  _change(+1), lambda o: o["brussels_sanctions_move"] == 1),
    EventQuestion("sanctions_eased", "eu_sanctions_level", "EU eases sanctions (the level falls)",
                  _change(-1), lambda o: o["brussels_sanctions_move"] == -1),
    EventQuestion("prisoner_release", "prisoners_released", "Minsk releases political prisoners",
                  _level(lambda v: v > 0), lambda o: o["prisoners_released"] > 0),
]}


@dataclass(frozen=True)
class EventAnswer:
    question: str
    year: int
    observed: float  # 1 happened, 0 did not

    @property
    def id(self) -> str:
        return f"{self.question}_{self.year}"


def event_answers(record: Record, first: int | None = None, last: int | None = None) -> list[EventAnswer]:
    """The record's answer to every question in every year first..last where it has one."""
    out = []
    for q in EVENT_QUESTIONS.values():
        values = record.annual[q.series].values
        for year in sorted(values):
            if (first is None or year >= first) and (last is None or year <= last):
                answer = q.observed(values, year)
                if answer is not None:
                    out.append(EventAnswer(q.name, int(year), answer))
    return sorted(out, key=lambda a: (a.year, a.question))
