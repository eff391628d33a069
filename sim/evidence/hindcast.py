"""The hindcast: the model's ensemble from 2015 against what the seed documents report as having happened.

``seeds/observed.yaml`` lists the observations (:func:`load_observations`). The
functions below are pure: they take a run's ``timeseries`` table (one row per
replicate and year, as in ``timeseries.csv``) and the observations, and return
numbers and tables. :func:`run_hindcast` runs ``scenarios/hindcast_2015.yaml``
and applies them.

Definitions (also in docs/validation.md):

* **Event probability**: the share of worlds in which the event (a name of
  ``sim.results.EVENT_DEFINITIONS``) happened in the observation's year, or in
  any year of its window ``since``..``year``.
* **Percentile** of an observed quantity: the mid-rank percentile of the observed
  value among the ensemble's values that year, 100 * (#below + #equal / 2) / n.
  0 or 100 means every world lies on one side of the observation.
* **Brier score** of the event forecasts: mean of (p - o)^2 over the scored
  events, o = 1 if the event happened and 0 if not. Two reference forecasts:
  *naive*, p = 0.5 for every event (score 0.25 whatever happened); and
  *base rate* ("nothing changes"), p = the share of worlds in which the event's
  indicator holds in the base-year (2015) row of the same ensemble, i.e. the
  2015 state persists, and for a window the 2015 state holds in every year of it.
  All worlds start identical, so this forecast is 0 or 1. The 2015 moves are the
  model's initial picture: Minsk's foreign move is +1 (the releases), every other
  move is 0, sanctions are in force, no war.
* **Role** of an observation: ``initial`` (base-year observations: the registry
  sets them, so they check the starting picture), ``input`` (exogenous drivers the
  hindcast imposes: the war, elections, oil ...) or ``outcome`` (everything else).
  Only outcomes are scored; of the outcomes, projections (forecasts quoted in the
  seeds) are shown but never counted as hits or misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from sim.inputs.errors import ScenarioError, StrictModel, did_you_mean, from_validation_error, read_yaml
from sim.inputs.registry import Citation, CitationIn, find_quote, load_sources
from sim.inputs.resources import SCENARIOS_DIR, SEEDS_DIR
from sim.outputs.results import EVENT_DEFINITIONS
from sim.common.variables import OUTPUTS

DEFAULT_OBSERVED = SEEDS_DIR / "observed.yaml"
DEFAULT_SCENARIO = SCENARIOS_DIR / "hindcast_2015.yaml"

KINDS = ("event", "quantity")
EVIDENCE = ("reported", "projection", "implied")
# Drivers the model does not decide: imposed by the registry or a scenario, never scored.
EXOGENOUS = frozenset({"oil_price", "russia_growth", "ukraine_war", "china_investment", "election", "maidan_effect"})
BAND = (5.0, 95.0)  # the ensemble band an observed quantity should fall in (percentiles)


# --------------------------------------------------------------------------- observations


@dataclass(frozen=True)
class Observation:
    """One entry of ``seeds/observed.yaml``."""

    id: str
    year: int
    kind: str
    output: str
    value: float
    meaning: str
    citations: tuple[Citation, ...]
    evidence: str = "reported"
    low: float | None = None
    high: float | None = None
    since: int | None = None
    note: str | None = None

    @property
    def first_year(self) -> int:
        return self.since if self.since is not None else self.year

    @property
    def years_text(self) -> str:
        return str(self.year) if self.first_year == self.year else f"{self.first_year}-{self.year}"

    def role(self, base_year: int) -> str:
        """``input`` (an exogenous driver), ``initial`` (the base year) or ``outcome``."""
        if self.output in EXOGENOUS:
            return "input"
        if self.year <= base_year:
            return "initial"
        return "outcome"

    def scored(self, base_year: int) -> bool:
        """Counted as a hit or miss: an outcome that is not a projection."""
        return self.role(base_year) == "outcome" and self.evidence != "projection"


_Strict = StrictModel
_CitationIn = CitationIn  # one citation schema for every file (sim.inputs.registry)


class _ObservationIn(_Strict):
    id: str
    year: int
    kind: str
    output: str
    value: float
    meaning: str
    citations: list[_CitationIn] = Field(min_length=1)
    evidence: str = "reported"
    low: Optional[float] = None
    high: Optional[float] = None
    since: Optional[int] = None
    note: Optional[str] = None


class _ObservedIn(_Strict):
    observations: list[_ObservationIn] = Field(min_length=1)


_ALLOWED_KEYS = {
    (): _ObservedIn.model_fields,
    ("observations", "*"): _ObservationIn.model_fields,
    ("observations", "*", "citations", "*"): _CitationIn.model_fields,
}


def load_observations(path: str | Path | None = None, base_year: int = 2015) -> list[Observation]:
    """Read and check ``seeds/observed.yaml`` (or ``path``); a defect raises a one-line ScenarioError."""
    path = Path(path) if path is not None else DEFAULT_OBSERVED
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise ScenarioError(str(path), "the top level must be a mapping with an 'observations:' list",
                            line=doc.line(()))
    try:
        parsed = _ObservedIn.model_validate(doc.data)
    except ValidationError as err:
        raise from_validation_error(doc, err, allowed_keys=_ALLOWED_KEYS) from None
    sources = load_sources()
    seen: dict[str, int] = {}
    out = []
    for i, e in enumerate(parsed.observations):
        at = ("observations", i)

        def fail(key: str, what: str) -> ScenarioError:
            return doc.error(at + (key,), f"{e.id}: {what}")

        if e.id in seen:
            raise fail("id", f"duplicate id (first given in entry {seen[e.id]})")
        seen[e.id] = i
        if e.kind not in KINDS:
            raise fail("kind", f"'{e.kind}' is not allowed; allowed: {', '.join(KINDS)}")
        if e.evidence not in EVIDENCE:
            raise fail("evidence", f"'{e.evidence}' is not allowed; allowed: {', '.join(EVIDENCE)}")
        names = EVENT_DEFINITIONS if e.kind == "event" else OUTPUTS
        if e.output not in names:
            what = "an event of sim/results.py EVENT_DEFINITIONS" if e.kind == "event" else "an output of sim/variables.py"
            raise fail("output", f"unknown {e.kind} '{e.output}'{did_you_mean(e.output, names)}; expected {what}")
        if not base_year <= e.year <= 2100:
            raise fail("year", f"{e.year} is not allowed; allowed: a year from {base_year} to 2100")
        if e.kind == "event":
            if e.value not in (0, 1):
                raise fail("value", f"an event's value is 1 (happened) or 0 (did not), got {e.value:g}")
            for key in ("low", "high"):
                if getattr(e, key) is not None:
                    raise fail(key, "only quantities have low/high")
            if e.since is not None and not base_year <= e.since <= e.year:
                raise fail("since", f"{e.since} is not allowed; allowed: a year from {base_year} to year {e.year}")
        else:
            if e.since is not None:
                raise fail("since", "only events have a window (since)")
            lo = e.low if e.low is not None else e.value
            hi = e.high if e.high is not None else e.value
            if not lo <= e.value <= hi:
                raise fail("value", f"{e.value:g} lies outside [low, high] = [{lo:g}, {hi:g}]")
        for j, c in enumerate(e.citations):
            if c.doc not in sources:
                raise doc.error(at + ("citations", j, "doc"),
                                f"{e.id}: unknown document '{c.doc}'{did_you_mean(c.doc, sources)}")
            if find_quote(Citation(c.doc, c.quote)) is None:
                raise doc.error(at + ("citations", j, "quote"),
                                f"{e.id}: quote not found in {c.doc}; quote the document verbatim")
        out.append(Observation(
            id=e.id, year=e.year, kind=e.kind, output=e.output, value=float(e.value), meaning=e.meaning,
            citations=tuple(Citation(c.doc, c.quote) for c in e.citations), evidence=e.evidence,
            low=e.low, high=e.high, since=e.since, note=" ".join(e.note.split()) if e.note else None,
        ))
    return out


# --------------------------------------------------------------------------- pure functions


def brier_score(probabilities: Iterable[float], outcomes: Iterable[float]) -> float:
    """Mean squared difference between forecast probabilities and 0/1 outcomes (0 is perfect, 1 worst)."""
    p = np.asarray(list(probabilities), dtype=float)
    o = np.asarray(list(outcomes), dtype=float)
    if p.shape != o.shape:
        raise ValueError("probabilities and outcomes differ in length")
    if p.size == 0:
        return float("nan")
    return float(np.mean((p - o) ** 2))


def percentile_of(values: Sequence[float], observed: float) -> float:
    """Mid-rank percentile (0-100) of ``observed`` among ``values``: 100 * (#below + #equal / 2) / n."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return float("nan")
    below = np.count_nonzero(v < observed)
    equal = np.count_nonzero(v == observed)
    return float(100.0 * (below + 0.5 * equal) / v.size)


def crps(values: Sequence[float], observed: float) -> float:
    """Continuous ranked probability score of an ensemble against one observation (units of the quantity).

    E|X - y| - E|X - X'| / 2, in O(n log n) from the sorted ensemble.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if n == 0:
        return float("nan")
    spread = np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / (n * n)  # E|X - X'| / 2
    return float(np.mean(np.abs(x - observed)) - spread)


def _rows(timeseries: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    years = timeseries["year"]
    missing = [y for y in range(first, last + 1) if not (years == y).any()]
    if missing:
        raise ScenarioError("hindcast", f"year(s) {', '.join(map(str, missing))} are not in the run "
                                        f"({int(years.min())}-{int(years.max())})")
    return timeseries[(years >= first) & (years <= last)]


def event_happened(timeseries: pd.DataFrame, event: str, first: int, last: int) -> pd.Series:
    """Per replicate: did ``event`` happen in any year from ``first`` to ``last``?"""
    rows = _rows(timeseries, first, last)
    indicator = EVENT_DEFINITIONS[event][1](rows).astype(bool)
    return indicator.groupby(rows["replicate"]).any()


def event_probability(timeseries: pd.DataFrame, obs: Observation) -> float:
    """Share of worlds in which the observation's event happened in its year or window."""
    return float(event_happened(timeseries, obs.output, obs.first_year, obs.year).mean())


def base_rate_probability(timeseries: pd.DataFrame, obs: Observation, base_year: int) -> float:
    """The 'nothing changes' forecast: share of worlds whose base-year row shows the event."""
    return float(event_happened(timeseries, obs.output, base_year, base_year).mean())


def quantity_values(timeseries: pd.DataFrame, obs: Observation) -> np.ndarray:
    """The ensemble's values of the observed quantity in its year."""
    return _rows(timeseries, obs.year, obs.year)[obs.output].to_numpy(dtype=float)


TABLE_COLUMNS = ["id", "years", "kind", "output", "role", "evidence", "observed", "low", "high",
                 "model", "p05", "p95", "percentile", "base_rate", "scored", "verdict"]


def hindcast_table(timeseries: pd.DataFrame, observations: Sequence[Observation],
                   base_year: int | None = None) -> pd.DataFrame:
    """One row per observation: what was observed and what the ensemble gave it.

    Events: ``model`` is the ensemble probability, ``base_rate`` the 'nothing changes' forecast.
    Quantities: ``model`` is the ensemble median, ``p05``/``p95`` its 90% band and
    ``percentile`` where the observed value falls in the ensemble.
    ``verdict``: an event *agrees* when the model gives what happened at least 50%; a quantity is
    *inside* when the observed value (or its low..high range) overlaps the ensemble's 5-95% band.
    """
    base_year = int(timeseries["year"].min()) if base_year is None else int(base_year)
    rows = []
    for obs in observations:
        role = obs.role(base_year)
        row: dict[str, Any] = {
            "id": obs.id, "years": obs.years_text, "kind": obs.kind, "output": obs.output, "role": role,
            "evidence": obs.evidence, "observed": obs.value, "low": obs.low, "high": obs.high,
            "model": np.nan, "p05": np.nan, "p95": np.nan, "percentile": np.nan, "base_rate": np.nan,
            "scored": obs.scored(base_year),
        }
        if obs.kind == "event":
            p = event_probability(timeseries, obs)
            row["model"] = p
            row["base_rate"] = base_rate_probability(timeseries, obs, base_year)
            on_observed_side = p if obs.value == 1 else 1 - p
            row["verdict"] = "agrees" if on_observed_side >= 0.5 else "misses"
        else:
            values = quantity_values(timeseries, obs)
            p05, p50, p95 = np.quantile(values, [BAND[0] / 100, 0.5, BAND[1] / 100])
            row.update(model=p50, p05=p05, p95=p95, percentile=percentile_of(values, obs.value))
            lo = obs.low if obs.low is not None else obs.value
            hi = obs.high if obs.high is not None else obs.value
            row["verdict"] = "inside" if (lo <= p95 and hi >= p05) else "outside"
        if role == "outcome" and obs.evidence == "projection":
            row["verdict"] = f"{row['verdict']} (projection)"
        rows.append(row)
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def scores(table: pd.DataFrame) -> dict[str, float]:
    """Brier scores of the scored events (model, naive 50%, base rate) and skill scores against both.

    Skill = 1 - Brier(model) / Brier(reference): 1 is perfect, 0 no better than the reference,
    negative worse. Also counts of events that agree and of quantities inside the band.
    """
    events = table[(table["kind"] == "event") & table["scored"]]
    outcomes = events["observed"].to_numpy(dtype=float)
    model = brier_score(events["model"], outcomes)
    naive = brier_score(np.full(len(events), 0.5), outcomes)
    base = brier_score(events["base_rate"], outcomes)
    quantities = table[(table["kind"] == "quantity") & (table["role"] == "outcome")]
    scored_q = quantities[quantities["scored"]]
    return {
        "events": int(len(events)),
        "events_agree": int((events["verdict"] == "agrees").sum()),
        "brier_model": model,
        "brier_naive": naive,
        "brier_base_rate": base,
        "skill_vs_naive": _skill(model, naive),
        "skill_vs_base_rate": _skill(model, base),
        "quantities": int(len(scored_q)),
        "quantities_inside": int((scored_q["verdict"] == "inside").sum()),
        "projections": int(len(quantities) - len(scored_q)),
    }


def _skill(score: float, reference: float) -> float:
    if not np.isfinite(score) or not np.isfinite(reference) or reference == 0:
        return float("nan")
    return 1.0 - score / reference


# --------------------------------------------------------------------------- text


def _num(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    x = float(x)
    if x == int(x) and abs(x) < 1e6:
        return str(int(x))
    return f"{x:.{digits}g}"


def observed_text(row: pd.Series) -> str:
    if row["kind"] == "event":
        return "happened" if row["observed"] == 1 else "did not"
    text = _num(row["observed"])
    if pd.notna(row["low"]) or pd.notna(row["high"]):
        text += f" [{_num(row['low'])}, {_num(row['high'])}]"
    return text


def model_text(row: pd.Series) -> str:
    if row["kind"] == "event":
        return f"P = {row['model']:.2f}"
    return f"{_num(row['model'])} [{_num(row['p05'])}, {_num(row['p95'])}]"


def where_text(row: pd.Series) -> str:
    if row["kind"] == "event":
        return f"base {row['base_rate']:.0f}"
    return f"pct {row['percentile']:.0f}"


def format_table(table: pd.DataFrame) -> str:
    """The hindcast table as fixed-width text, one line per observation."""
    header = ("observation", "years", "role", "observed", "model (events: P; quantities: median [5%, 95%])",
              "where", "verdict")
    lines = [header]
    for _, row in table.iterrows():
        role = row["role"] + ("*" if row["evidence"] == "implied" else "")
        lines.append((row["id"], row["years"], role, observed_text(row), model_text(row), where_text(row),
                      row["verdict"]))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def format_scores(s: dict[str, float]) -> str:
    """The three Brier scores and the skill scores, as text."""
    n = s["events"]
    return "\n".join([
        f"Brier score over {n} scored events (0 perfect, 1 worst; lower is better):",
        f"  model ensemble              {s['brier_model']:.3f}   ({s['events_agree']} of {n} events given >= 50% "
        f"on the side that happened)",
        f"  naive 50% forecast          {s['brier_naive']:.3f}   skill of the model vs naive:     "
        f"{s['skill_vs_naive']:+.2f}",
        f"  base rate (2015 persists)   {s['brier_base_rate']:.3f}   skill of the model vs base rate: "
        f"{s['skill_vs_base_rate']:+.2f}",
        _quantities_text(s),
    ])


def _quantities_text(s: dict[str, float]) -> str:
    shown = f"{s['projections']} projection(s) shown, not scored"
    if not s["quantities"]:
        return f"Quantities: none scored (the seeds report no outcome numbers after 2015); {shown}."
    return (f"Quantities: {s['quantities_inside']} of {s['quantities']} scored observations inside the ensemble's "
            f"5-95% band; {shown}.")


LEGEND = ("role: outcome (scored), initial (2015, set by the registry), input (imposed driver);\n"
          "      * implied by the seeds, not stated.\n"
          "where: events: base = the 'nothing changes' forecast (the 2015 state persists);\n"
          "       quantities: pct = percentile of the observed value in the ensemble.")


def display_path(path: str | Path) -> str:
    """``path`` relative to the working directory when it lies below it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- running


@dataclass
class Hindcast:
    """A hindcast run: the ensemble, the observations, the table and the scores."""

    result: Any  # sim.results.Result
    observations: list[Observation]
    table: pd.DataFrame
    scores: dict[str, float]
    scenario_path: Path
    observed_path: Path

    def text(self) -> str:
        r = self.result
        head = (f"{r.scenario['title']}\n"
                f"{r.replicates} replicates, seed {r.seed}, {r.years[0]}-{r.years[-1]}; "
                f"observations: {display_path(self.observed_path)}")
        return "\n\n".join([head, format_table(self.table), LEGEND, format_scores(self.scores)])


def run_hindcast(scenario: str | Path | None = None, observed: str | Path | None = None,
                 replicates: int | None = None, seed: int | None = None, registry=None,
                 overrides: dict[str, float] | None = None) -> Hindcast:
    """Run the hindcast scenario (with registry ``overrides`` if given) and compare it with the observations."""
    from sim.runs import ensemble
    from sim.inputs.registry import load_registry
    from sim.inputs.scenario import load_scenario

    registry = registry or load_registry()
    scenario_path = Path(scenario) if scenario is not None else DEFAULT_SCENARIO
    observed_path = Path(observed) if observed is not None else DEFAULT_OBSERVED
    spec = load_scenario(scenario_path, overrides=overrides, registry=registry)
    observations = load_observations(observed_path, base_year=registry.base_year())
    for obs in observations:
        if not spec.start_year <= obs.first_year <= obs.year <= spec.end_year:
            raise ScenarioError(str(observed_path), f"{obs.years_text} is outside the hindcast's years "
                                                    f"{spec.start_year}-{spec.end_year}", key=f"{obs.id}.year")
    changes = {k: v for k, v in (("replicates", replicates), ("seed", seed)) if v is not None}
    if changes:
        spec = spec.replace(**changes)
    result = ensemble.run(spec)
    table = hindcast_table(result.timeseries, observations, base_year=registry.base_year())
    return Hindcast(result, observations, table, scores(table), scenario_path, observed_path)
