"""Scores of a forecast on the record after its origin, beside three reference forecasts (docs/validation.md).

Every question is a record figure dated after the origin: a yes/no event of
:data:`sim.evidence.observations.EVENT_QUESTIONS` (scored by the Brier score) or a measured quantity (scored
by the CRPS of the ensemble, on the observation scale of its series: log(1 + count) for counts). Scores come
from ``scoringrules`` (``brier_score``, ``crps_ensemble``), not from code of ours.

References, measured on the same questions:

* **persistence**: the record's state at the origin stays (an event that is a state, such as sanctions in
  force, keeps its origin answer; a change, such as a tightening, does not happen; a quantity keeps its last
  value at or before the origin);
* **climatology**: the base rate over the record up to the origin (an event's yearly frequency; a quantity's
  past values as an ensemble; a change the record cannot yet answer, at the first origin, falls back to no
  change);
* **random actors**: the same forecast (same scenario, seed, worlds and conditioning) with
  ``minsk.rationality``, ``moscow.rationality`` and ``brussels.rationality`` at 0: all three choose at random.

Skill = 1 - score / reference score: 1 perfect, 0 no better than the reference, below 0 worse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scoringrules

from sim.evidence.observations import EVENT_QUESTIONS, event_answers, measurements, to_scale
from sim.inputs.record import Record

REFERENCES = ("persistence", "climatology", "random_actors")
QUESTION_COLUMNS = ["id", "kind", "question", "year", "observed", "model", "persistence", "climatology",
                    "random_actors"]


def _event_forecast(timeseries: pd.DataFrame, question: str, year: int) -> float:
    rows = timeseries[timeseries["year"] == year]
    outputs = {c: rows[c].to_numpy() for c in rows.columns}
    return float(np.mean(EVENT_QUESTIONS[question].happened(outputs)))


def _quantity_ensemble(timeseries: pd.DataFrame, measurement) -> np.ndarray:
    rows = timeseries[timeseries["year"] == measurement.year]
    return to_scale(measurement.model, rows[measurement.output].to_numpy(dtype=float))


def _persisted_event(record: Record, question: str, origin: int) -> float:
    """The origin's answer stays for a state; a change does not happen again."""
    q = EVENT_QUESTIONS[question]
    if q.name in ("sanctions_tightened", "sanctions_eased"):
        return 0.0
    values = {y: v for y, v in record.annual[q.series].values.items() if y <= origin}
    if not values:
        return float("nan")
    return float(q.observed(values, max(values)))


def _climatology_event(record: Record, question: str, origin: int) -> float:
    """The question's yearly frequency in the record up to the origin; a change the record cannot answer yet
    (no year before the first one) falls back to persistence's answer, no change."""
    answers = [a.observed for a in event_answers(record, last=origin) if a.question == question]
    if answers:
        return float(np.mean(answers))
    return _persisted_event(record, question, origin)


def _past_values(record: Record, measurement, origin: int) -> np.ndarray:
    series = record.annual[measurement.series]
    past = [v for y, v in sorted(series.values.items()) if y <= origin]
    return to_scale(measurement.model, np.asarray(past, dtype=float))


def question_table(forecast: pd.DataFrame, null: pd.DataFrame, record: Record, origin: int,
                   last: int | None = None) -> pd.DataFrame:
    """One row per question after the origin: what happened, and the score of the model and each reference.

    ``forecast`` and ``null`` are the timeseries of the forecast and of the random-actor forecast. For an
    event, ``model`` and the references hold the probability given to "yes"; their Brier scores are in the
    ``*_score`` columns. For a quantity they hold the CRPS directly (the ensemble median is in ``median``).
    """
    years = set(int(y) for y in forecast["year"].unique())
    rows: list[dict[str, Any]] = []
    for a in event_answers(record, first=origin + 1, last=last):
        if a.year not in years:
            continue
        p = {"model": _event_forecast(forecast, a.question, a.year),
             "random_actors": _event_forecast(null, a.question, a.year),
             "persistence": _persisted_event(record, a.question, origin),
             "climatology": _climatology_event(record, a.question, origin)}
        row = {"id": a.id, "kind": "event", "question": EVENT_QUESTIONS[a.question].meaning, "year": a.year,
               "observed": a.observed, **p}
        for name, prob in p.items():
            row[f"{name}_score"] = (float(scoringrules.brier_score(a.observed, prob))
                                    if np.isfinite(prob) else float("nan"))
        rows.append(row)
    for m in measurements(record, first=origin + 1, last=last):
        if m.year not in years or m.model.scale == "event":  # a 0/1 coding is an event question already
            continue
        ensemble = _quantity_ensemble(forecast, m)
        y = float(to_scale(m.model, m.value))
        past = _past_values(record, m, origin)
        refs = {"model": ensemble, "random_actors": _quantity_ensemble(null, m),
                "persistence": past[-1:] if past.size else None, "climatology": past if past.size else None}
        row = {"id": m.id, "kind": "quantity", "question": f"{m.series} ({m.model.scale} scale)", "year": m.year,
               "observed": y, "median": float(np.median(ensemble))}
        for name, values in refs.items():
            score = float(scoringrules.crps_ensemble(y, values)) if values is not None else float("nan")
            row[name] = score
            row[f"{name}_score"] = score
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Scores:
    """Mean scores by kind (Brier for events, CRPS for quantities, on each series' own scale) and skill."""

    kind: str
    questions: int
    model: float
    references: dict[str, float]

    def skill(self, reference: str) -> float:
        ref = self.references[reference]
        if not np.isfinite(ref) or ref == 0 or not np.isfinite(self.model):
            return float("nan")
        return 1.0 - self.model / ref


def summarize_scores(table: pd.DataFrame) -> dict[str, Scores]:
    """Mean Brier over the event questions; mean CRPS per quantity series (scales differ, so they are not
    pooled); references on exactly the questions each could answer."""
    out: dict[str, Scores] = {}
    if table.empty:
        return out
    groups = [("events (Brier)", table[table["kind"] == "event"])]
    quantities = table[table["kind"] == "quantity"]
    for question, group in quantities.groupby("question", sort=False):
        groups.append((f"{question} (CRPS)", group))
    for label, group in groups:
        if group.empty:
            continue
        refs = {}
        for name in REFERENCES:
            both = group[np.isfinite(group[f"{name}_score"])]
            refs[name] = float(both[f"{name}_score"].mean()) if len(both) == len(group) else float("nan")
        out[label] = Scores(label, int(len(group)), float(group["model_score"].mean()), refs)
    return out


def scores_text(summary: dict[str, Scores]) -> str:
    """The scores as a fixed-width table: model, each reference, and skill against each."""
    header = ("questions", "n", "model", *REFERENCES, *(f"skill vs {r}" for r in REFERENCES))
    lines = [header]
    for s in summary.values():
        lines.append((s.kind, str(s.questions), f"{s.model:.3f}", *(_num(s.references[r]) for r in REFERENCES),
                      *(_signed(s.skill(r)) for r in REFERENCES)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths)))
            for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def _num(x: float) -> str:
    return f"{x:.3f}" if np.isfinite(x) else "-"


def _signed(x: float) -> str:
    return f"{x:+.2f}" if np.isfinite(x) else "-"


def reliability(table: pd.DataFrame, bins: int = 5) -> pd.DataFrame:
    """Predicted probability against observed frequency for the event questions, in equal-width bins
    (``bins`` is a display choice): per bin the number of questions, the mean forecast and the share that
    happened."""
    events = table[table["kind"] == "event"]
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(events["model"], edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        chosen = events[which == b]
        rows.append({"low": edges[b], "high": edges[b + 1], "questions": int(len(chosen)),
                     "forecast": float(chosen["model"].mean()) if len(chosen) else float("nan"),
                     "observed": float(chosen["observed"].mean()) if len(chosen) else float("nan")})
    return pd.DataFrame(rows)
