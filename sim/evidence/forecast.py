"""Forecasts from any origin year, conditioned on the public record up to it (docs/ODD.md, section 6.2).

``forecast(origin=2019, scenario=..., end_year=2025)`` simulates every world from the base year (2015) with
the record's exogenous drivers imposed year by year up to the origin (oil, Russia's growth, the war, election
years: each driver's ``state`` in ``seeds/record.yaml``), and conditions the worlds on the record's
measurements of each year up to and including the origin: a bootstrap particle filter that weights each world
by the likelihood of that year's measurements (:mod:`sim.evidence.observations`) and resamples the worlds
(:meth:`sim.model.model.BalancingModel.resample`: every per-world array, state and parameters, travels with its
world, so under ``parameter_uncertainty="prior"`` the survivors carry a posterior). From the origin on the
worlds run forward with the scenario's events after the origin; the scenario's events up to the origin are
not applied (the record is what happened). No figure dated after the origin is read.

The returned :class:`~sim.outputs.results.Result` covers origin..end_year (the origin row is the conditioned
state) and keeps the effective sample size of every conditioned year in ``result.forecast``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from sim.common.variables import STATE_VARIABLES
from sim.evidence.observations import (Measurement, effective_sample_size, log_likelihood, measurements,
                                       normalized_weights, systematic_resample, year_log_likelihood)
from sim.inputs.errors import ScenarioError
from sim.inputs.record import Record, load_record
from sim.inputs.registry import Registry, load_registry
from sim.inputs.resources import SCENARIOS_DIR
from sim.inputs.runspec import DEFAULT_FORECAST_REPLICATES, RunSpec
from sim.inputs.scenario import Event, Scenario, load_scenario
from sim.outputs.results import Result, now

DEFAULT_SCENARIO = SCENARIOS_DIR / "baseline.yaml"  # the registry's defaults, no events
DEFAULT_REPLICATES = DEFAULT_FORECAST_REPLICATES  # what the filter needs from the present (sim.inputs.runspec)
# The filter refuses to go on below this many effective worlds: too few distinct worlds to give a 5-95% band
# (a numerical floor of the method, not a model coefficient).
MIN_EFFECTIVE_WORLDS = 20
FILTER_STREAM = 14  # spawn key of the resampling's own random stream, apart from the model's chance
RANDOM_ACTORS = ("minsk.rationality", "moscow.rationality", "brussels.rationality")


@dataclass(frozen=True)
class Conditioning:
    """The filter's record of one year: how many measurements, and how many effective worlds they left."""

    year: int
    measurements: int
    effective_worlds: float
    worlds: int


def driver_events(record: Record, base_year: int, origin: int) -> list[Event]:
    """One event a year, base year to origin, imposing every driver the record gives that year on its state."""
    events = []
    for year in range(base_year, origin + 1):
        values: dict[str, float] = {}
        for driver in record.exogenous.values():
            if driver.state is None:
                continue
            value = driver.on(year)
            if value is None:
                continue
            if year == base_year and driver.state in STATE_VARIABLES:
                continue  # the base year's state is the registry's initial picture (its cited values)
            values[driver.state] = float(value)
        if values:
            events.append(Event(year=year, set=values, note=f"the record's drivers of {year} (seeds/record.yaml)"))
    return events


def forecast_scenario(scenario: Scenario, record: Record, origin: int, end_year: int,
                      registry: Registry) -> tuple[Scenario, list[Event]]:
    """The scenario to simulate: the record's drivers up to the origin, then the scenario's events after it.

    Also returns the scenario's events that were dropped (dated at or before the origin)."""
    base_year = registry.base_year()
    kept = [e for e in scenario.events if origin < e.year <= end_year]  # events after end_year never come
    dropped = [e for e in scenario.events if e.year <= origin]
    events = driver_events(record, base_year, origin) + kept
    changed = scenario.replace(registry=registry, start_year=base_year, end_year=end_year, events=tuple(events))
    return changed, dropped


def forecast(origin: int, scenario: Scenario | str | Path | None = None, end_year: int | None = None,
             replicates: int | None = None, seed: int | None = None, overrides: Mapping[str, float] | None = None,
             *, record: Record | str | Path | None = None, registry: Registry | None = None,
             parameter_uncertainty: str = "chance", progress: Callable[[int, int], None] | None = None) -> Result:
    """The forecast made at ``origin``: see the module docstring. Bad input raises a one-line ScenarioError."""
    registry = registry or load_registry()
    if not isinstance(record, Record):
        record = load_record(record, registry=registry)
    if scenario is None:
        scenario = DEFAULT_SCENARIO
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides=overrides, registry=registry)
    elif overrides:
        scenario = scenario.replace(registry=registry, parameters={**scenario.parameters, **overrides})
    base_year = registry.base_year()
    last = record.last_year()
    for name, value in (("origin", origin), ("end_year", end_year), ("replicates", replicates), ("seed", seed)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))):
            raise ScenarioError("forecast", f"must be a whole number, got {value!r}", key=name)
    if not base_year <= origin <= last:
        raise ScenarioError("forecast", f"{origin} is not allowed; allowed: a year from {base_year} (the base year) "
                                        f"to {last} (the record's last year)", key="origin")
    end_year = int(end_year) if end_year is not None else max(scenario.end_year, origin)
    if end_year < origin:
        raise ScenarioError("forecast", f"{end_year} is before the origin {origin}", key="end_year")
    simulated, dropped = forecast_scenario(scenario, record, origin, end_year, registry)
    changes = {k: v for k, v in (("replicates", replicates if replicates is not None else DEFAULT_REPLICATES),
                                 ("seed", seed)) if v is not None}
    simulated = simulated.replace(registry=registry, **changes)
    spec = RunSpec.resolve(simulated, registry=registry, label=str(scenario.path)).with_uncertainty(
        parameter_uncertainty)
    started = now()
    model, log = _filter(spec, record, origin, progress)
    frame = model.timeseries()
    frame = frame[frame["year"] >= origin].reset_index(drop=True)
    trace = model.decision_trace()
    trace = trace[trace["year"] > origin].reset_index(drop=True) if len(trace) else trace
    model.release()
    info = {
        "origin": int(origin),
        "record": str(record.path),
        "conditioning": [{"year": c.year, "measurements": c.measurements,
                          "effective_worlds": round(c.effective_worlds, 3), "worlds": c.worlds} for c in log],
        "drivers_imposed": sorted({sid for e in driver_events(record, base_year, origin) for sid in e.set}),
        "scenario_events_dropped": [e.to_dict() for e in dropped],
        "overrides": dict(overrides or {}),
    }
    described = simulated.to_dict()
    described["start_year"] = int(origin)
    # The record's drivers are listed under forecast, not as the scenario's events (they are history).
    imposed = driver_events(record, base_year, origin)
    described["events"] = [e for e in described["events"] if e.get("year", 0) > origin]
    info["driver_events"] = [{"year": e.year, "set": dict(e.set)} for e in imposed]
    described["title"] = f"Forecast made at {origin} (conditioned on the record): {described['title']}"
    extra: dict[str, Any] = {}
    if spec.drawn:
        extra["world_parameters"] = model.spec.world_parameters()
    return Result(scenario=described, seed=model.seed, replicates=model.replicates, timeseries=frame, trace=trace,
                  parameters=model.spec.parameter_table(), started=started, finished=now(),
                  parameter_uncertainty=spec.parameter_uncertainty, forecast=info, **extra)


def _filter(spec: RunSpec, record: Record, origin: int, progress) -> tuple[Any, list[Conditioning]]:
    """Run ``spec``'s model, conditioning on the record's measurements of each year up to ``origin``."""
    from sim.model.model import BalancingModel  # the model is run here, read nowhere else in this layer

    model = BalancingModel(spec)
    chosen = measurements(record, first=model.base_year, last=origin)  # nothing after the origin is read
    entropy = spec.seed.entropy if isinstance(spec.seed, np.random.SeedSequence) else int(spec.seed)
    rng = np.random.default_rng(np.random.SeedSequence(entropy=entropy, spawn_key=(FILTER_STREAM,)))
    log: list[Conditioning] = []
    total = model.end_year - model.year

    def condition() -> None:
        outputs = model.observe()
        n = model.replicates
        year = model.year
        log_w, count = year_log_likelihood(chosen, year, outputs, n)
        if count == 0:
            log.append(Conditioning(year, 0, float(n), n))
            return
        weights = normalized_weights(log_w)
        ess = effective_sample_size(weights)
        log.append(Conditioning(year, count, ess, n))
        if weights is None or ess < MIN_EFFECTIVE_WORLDS:
            raise ScenarioError("forecast", _collapse_text(year, ess, n, chosen, outputs, record.path), key="origin")
        model.resample(systematic_resample(weights, rng))

    condition()
    while model.year < origin:
        model.step()
        condition()
        if progress is not None:
            progress(total - (model.end_year - model.year), total)
    while model.running:
        model.step()
        if progress is not None:
            progress(total - (model.end_year - model.year), total)
    return model, log


def _collapse_text(year: int, ess: float, n: int, chosen: list[Measurement], outputs, record_label: str) -> str:
    """Why the filter stops: the measurements of that year the worlds fit worst, where the worlds stand on them
    (the median world's value and the share of worlds at or beyond the record's figure), and what to try."""
    fits = sorted(((effective_sample_size(normalized_weights(log_likelihood(m, outputs[m.output]))), i, m)
                   for i, m in enumerate(chosen) if m.year == year))
    if not fits:
        return (f"the record of {year} leaves {ess:.1f} effective worlds of {n} (at least {MIN_EFFECTIVE_WORLDS} "
                f"needed); try more replicates (--replicates {n * 4}) or an earlier origin")
    worst_ess, _, worst = fits[0]

    def beyond(m: Measurement) -> tuple[float, float, str]:
        """The median world's value, and the share of worlds that reach the figure from the median's side."""
        values = np.asarray(outputs[m.output], dtype=float)
        median = float(np.median(values))
        if m.value >= median:
            return median, float(np.mean(values >= m.value)), "at or above"
        return median, float(np.mean(values <= m.value)), "at or below"

    def stands(m: Measurement) -> str:
        median, share, side = beyond(m)
        return f"the median world has {median:.3g}, {share:.1%} of worlds are {side} it"

    fit = (f"the worst fit is {worst.series} = {worst.value:g} ({worst_ess:.1f} effective worlds alone; "
           f"{stands(worst)})")
    if len(fits) > 1:
        second_ess, _, second = fits[1]
        fit += f", then {second.series} = {second.value:g} ({second_ess:.1f} alone; {stands(second)})"
    if worst_ess < MIN_EFFECTIVE_WORLDS:
        advice = ("the model almost never produces it, so more replicates help little: it lacks the mechanism "
                  f"(or the figure's error in {Path(record_label).name} is too narrow); try an earlier origin")
    elif beyond(worst)[1] < 0.01:
        advice = ("hardly any world reaches that figure (the filter keeps those nearest it within the figure's "
                  "error), and together with the rest too few remain: the model lacks what produced it, so more "
                  f"replicates help little (--replicates {n * 4} may pass); try an earlier origin")
    else:
        advice = (f"each figure alone fits, together they rarely do; try more replicates (--replicates {n * 4}) "
                  "or an earlier origin")
    return (f"the record of {year} leaves {ess:.1f} effective worlds of {n} (at least {MIN_EFFECTIVE_WORLDS} "
            f"needed); {fit}: {advice}")


def conditioning_table(result: Result) -> pd.DataFrame:
    """The effective sample size of every conditioned year of a forecast."""
    return pd.DataFrame(result.forecast["conditioning"], columns=["year", "measurements", "effective_worlds",
                                                                  "worlds"])


def conditioning_text(result: Result) -> str:
    """One line per conditioned year: measurements and effective worlds."""
    lines = [f"conditioned on the record up to {result.forecast['origin']} "
             f"({result.forecast['record']}); effective worlds after each year's measurements:"]
    for row in result.forecast["conditioning"]:
        share = row["effective_worlds"] / row["worlds"]
        lines.append(f"  {row['year']}: {row['measurements']:>2} measurements, {row['effective_worlds']:>8.1f} of "
                     f"{row['worlds']} worlds ({share:.0%})")
    return "\n".join(lines)
