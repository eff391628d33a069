"""The public record of 2015-2025 as data: ``seeds/record.yaml``, read and checked once.

The record (a copy of the project's shared ``record/belarus-2015-2025.yaml``) holds the exogenous drivers
(oil, Russia's growth, the war, elections), the yearly outcomes (growth, trade shares, the EU sanctions level,
political prisoners, releases, crackdowns ...) with their source keys and ``uncertain_years``, and dated events.
This project adds three kinds of key: ``observation`` (how a model output maps to the measured figure and with
what error; used by :mod:`sim.evidence.observations`), ``state`` (the state variable or registry id an
exogenous driver is imposed on by ``sim forecast``) and ``unmodelled`` (why a figure has no observation model).

:func:`load_record` raises :class:`~sim.inputs.errors.ScenarioError` with one line naming file, line, key and
what is allowed, like the registry and scenario loaders. This module knows nothing of Mesa.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Union

from pydantic import BaseModel, Field, ValidationError

from sim.common.variables import OUTPUTS, STATE_VARIABLES
from sim.inputs.errors import ScenarioError, StrictModel, did_you_mean, from_validation_error, read_yaml
from sim.inputs.registry import Registry, load_registry
from sim.inputs.resources import SEEDS_DIR

DEFAULT_RECORD = SEEDS_DIR / "record.yaml"
FIRST_YEAR, LAST_YEAR = 1990, 2100  # years a record entry may name
# How a model output maps to a measured figure (docs/ODD.md, section 6.1):
SCALES = {
    "linear": "normal error on the measured value (error_sd, uncertain_error_sd)",
    "log1p": "normal error on log(1 + count) (error_sd, uncertain_error_sd)",
    "exact": "no error: a world either has the measured value or is inconsistent with it",
    "event": "a 0/1 coding that disagrees with the model's 0/1 with probability coding_error",
}
SD_SCALES = ("linear", "log1p")


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class ObservationModel:
    """How a model output is measured: ``scale`` (a key of :data:`SCALES`) and its error widths."""

    output: str
    scale: str
    assumption: str
    error_sd: float | None = None
    uncertain_error_sd: float | None = None
    coding_error: float | None = None

    def sd(self, uncertain: bool) -> float:
        """The error width of a figure (flagged uncertain or not), on the observation scale."""
        return float(self.uncertain_error_sd if uncertain else self.error_sd)


@dataclass(frozen=True)
class Series:
    """One yearly outcome of the record (``annual:``)."""

    name: str
    sources: tuple[str, ...]
    values: Mapping[int, float]
    uncertain_years: frozenset[int] = frozenset()
    observation: ObservationModel | None = None
    unmodelled: str | None = None
    note: str | None = None
    first_estimates: Mapping[int, float] = field(default_factory=dict)
    scale: str | None = None  # the record's own text of a coded scale (the sanctions level)

    @property
    def years(self) -> list[int]:
        return sorted(self.values)


@dataclass(frozen=True)
class Driver:
    """One exogenous driver (``exogenous:``): a yearly series, a start date, a year or a list of dates."""

    name: str
    sources: tuple[str, ...]
    state: str | None = None
    values: Mapping[int, float] = field(default_factory=dict)
    uncertain_years: frozenset[int] = frozenset()
    first_estimates: Mapping[int, float] = field(default_factory=dict)
    start: _dt.date | None = None  # ``from:``
    year: int | None = None
    dates: tuple[_dt.date, ...] = ()  # ``presidential:``
    note: str | None = None
    unmodelled: str | None = None

    def on(self, year: int) -> float | None:
        """The driver's value in ``year``: the series value, 1/0 for a start date or a list of dates, else None."""
        if self.values:
            return self.values.get(year)
        if self.start is not None:
            return 1.0 if year >= self.start.year else 0.0
        if self.dates:
            return 1.0 if any(d.year == year for d in self.dates) else 0.0
        return None


@dataclass(frozen=True)
class RecordEvent:
    date: _dt.date
    who: str
    what: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    """The checked record."""

    path: str
    version: int
    compiled: str
    sources: Mapping[str, str]
    exogenous: Mapping[str, Driver]
    annual: Mapping[str, Series]
    events: tuple[RecordEvent, ...]

    def modelled(self) -> dict[str, Series]:
        """The outcomes that have an observation model, by name."""
        return {name: s for name, s in self.annual.items() if s.observation is not None}

    def last_year(self) -> int:
        years = [y for s in self.annual.values() for y in s.values]
        years += [y for d in self.exogenous.values() for y in d.values]
        return max(years)


# --------------------------------------------------------------------------- schema


Sources = Union[str, list[str]]


class _ObservationIn(StrictModel):
    output: str
    scale: str
    assumption: str = Field(min_length=1)
    error_sd: Optional[float] = None
    uncertain_error_sd: Optional[float] = None
    coding_error: Optional[float] = None


class _SeriesIn(StrictModel):
    source: Sources
    values: dict[int, float] = Field(min_length=1)
    uncertain_years: list[int] = []
    first_estimates: dict[int, float] = {}
    note: Optional[str] = None
    scale: Optional[str] = None
    observation: Optional[_ObservationIn] = None
    unmodelled: Optional[str] = None


class _DriverIn(StrictModel):
    source: Sources
    state: Optional[str] = None
    values: dict[int, float] = {}
    uncertain_years: list[int] = []
    first_estimates: dict[int, float] = {}
    start: Optional[_dt.date] = Field(default=None, alias="from")
    year: Optional[int] = None
    presidential: list[_dt.date] = []
    note: Optional[str] = None
    unmodelled: Optional[str] = None


class _EventIn(StrictModel):
    date: _dt.date
    who: str
    what: str
    source: Sources


class _RecordIn(StrictModel):
    version: int
    compiled: str
    sources: dict[str, str] = Field(min_length=1)
    exogenous: dict[str, _DriverIn]
    annual: dict[str, _SeriesIn] = Field(min_length=1)
    events: list[_EventIn] = []


def _keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


_ALLOWED_KEYS = {
    (): _keys(_RecordIn),
    ("exogenous", "*"): _keys(_DriverIn),
    ("annual", "*"): _keys(_SeriesIn),
    ("annual", "*", "observation"): _keys(_ObservationIn),
    ("events", "*"): _keys(_EventIn),
}


# --------------------------------------------------------------------------- loading


def load_record(path: str | Path | None = None, registry: Registry | None = None) -> Record:
    """Read and check ``seeds/record.yaml`` (or ``path``).

    A driver's ``state`` names a state variable (``sim.common.variables.STATE_VARIABLES``) or a parameter of
    ``registry`` (default: the shipped one), such as the switch ``world.ukraine_war_ongoing``.
    """
    path = Path(path) if path is not None else DEFAULT_RECORD
    registry_ids = set(registry if registry is not None else load_registry())
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise ScenarioError(str(path), "the top level must be a mapping (version, compiled, sources, exogenous, "
                                       "annual, events)", line=doc.line(()))
    # The allowed-keys lists are keyed by the parent path with list indices as "*"; mapping keys are names here.
    allowed = dict(_ALLOWED_KEYS)
    for section, model in (("exogenous", _DriverIn), ("annual", _SeriesIn)):
        for name in (doc.data.get(section) or {}) if isinstance(doc.data.get(section), dict) else ():
            allowed[(section, name)] = _keys(model)
            allowed[(section, name, "observation")] = _keys(_ObservationIn)
    try:
        parsed = _RecordIn.model_validate(doc.data)
    except ValidationError as err:
        raise from_validation_error(doc, err, allowed_keys=allowed) from None

    sources = dict(parsed.sources)

    def source_keys(given: Sources, at: tuple) -> tuple[str, ...]:
        keys = (given,) if isinstance(given, str) else tuple(given)
        if not keys:
            raise doc.error(at, "give at least one source key")
        for key in keys:
            if key not in sources:
                raise doc.error(at, f"unknown source '{key}'{did_you_mean(key, sources)}; "
                                    f"sources: {', '.join(sorted(sources))}")
        return keys

    def check_years(years, at: tuple) -> None:
        for year in years:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise doc.error(at + (year,), f"year {year} is not allowed; allowed: {FIRST_YEAR} to {LAST_YEAR}")

    def check_uncertain(uncertain: list[int], values: Mapping[int, float], at: tuple) -> frozenset[int]:
        for i, year in enumerate(uncertain):
            if year not in values:
                raise doc.error(at + ("uncertain_years", i), f"{year} has no value; uncertain_years must be years "
                                                             f"listed under values")
        return frozenset(uncertain)

    drivers: dict[str, Driver] = {}
    for name, d in parsed.exogenous.items():
        at = ("exogenous", name)
        check_years(d.values, at + ("values",))
        kinds = [k for k, given in (("values", bool(d.values)), ("from", d.start is not None),
                                    ("year", d.year is not None), ("presidential", bool(d.presidential))) if given]
        if len(kinds) != 1:
            raise doc.error(at, "give exactly one of values, from, year or presidential"
                                + (f" (given: {', '.join(kinds)})" if kinds else ""))
        if (d.state is None) == (d.unmodelled is None):
            raise doc.error(at, "give either state (the model id the driver is imposed on) or unmodelled "
                                "(why the model has none)")
        if d.state is not None and d.state not in STATE_VARIABLES and d.state not in registry_ids:
            raise doc.error(at + ("state",), f"unknown state '{d.state}'"
                                             f"{did_you_mean(d.state, [*STATE_VARIABLES, *registry_ids])}; "
                                             "expected a state variable (sim/common/variables.py) or a registry id")
        if d.state is not None and d.year is not None:
            raise doc.error(at + ("state",), "a driver given as one year cannot be imposed; give values or from")
        drivers[name] = Driver(
            name=name, sources=source_keys(d.source, at + ("source",)), state=d.state, values=dict(d.values),
            uncertain_years=check_uncertain(d.uncertain_years, d.values, at),
            first_estimates=dict(d.first_estimates), start=d.start, year=d.year, dates=tuple(d.presidential),
            note=_words(d.note), unmodelled=_words(d.unmodelled))

    annual: dict[str, Series] = {}
    for name, s in parsed.annual.items():
        at = ("annual", name)
        check_years(s.values, at + ("values",))
        check_years(s.first_estimates, at + ("first_estimates",))
        if (s.observation is None) == (s.unmodelled is None):
            raise doc.error(at, "give either observation (how a model output measures it) or unmodelled (why "
                                "none does)")
        observation = None
        if s.observation is not None:
            observation = _observation(doc, s.observation, at + ("observation",))
            _check_values(doc, observation, s.values, at + ("values",))
        annual[name] = Series(
            name=name, sources=source_keys(s.source, at + ("source",)), values=dict(s.values),
            uncertain_years=check_uncertain(s.uncertain_years, s.values, at), observation=observation,
            unmodelled=_words(s.unmodelled), note=_words(s.note), first_estimates=dict(s.first_estimates),
            scale=s.scale)

    events = tuple(RecordEvent(e.date, e.who, e.what, source_keys(e.source, ("events", i, "source")))
                   for i, e in enumerate(parsed.events))
    return Record(path=str(path), version=parsed.version, compiled=parsed.compiled, sources=sources,
                  exogenous=drivers, annual=annual, events=events)


def _observation(doc, o: _ObservationIn, at: tuple) -> ObservationModel:
    if o.output not in OUTPUTS:
        raise doc.error(at + ("output",), f"unknown output '{o.output}'{did_you_mean(o.output, OUTPUTS)}; "
                                          "expected an output of sim/common/variables.py")
    if o.scale not in SCALES:
        raise doc.error(at + ("scale",), f"'{o.scale}' is not allowed; allowed: {', '.join(SCALES)}")
    if o.scale in SD_SCALES:
        for key in ("error_sd", "uncertain_error_sd"):
            value = getattr(o, key)
            if value is None:
                raise doc.error(at, f"a {o.scale} observation needs {key} (a number > 0)")
            if not value > 0:
                raise doc.error(at + (key,), f"{value:g} is not allowed; allowed: a number > 0")
    elif o.error_sd is not None or o.uncertain_error_sd is not None:
        key = "error_sd" if o.error_sd is not None else "uncertain_error_sd"
        raise doc.error(at + (key,), f"an {o.scale} observation has no error width; remove it")
    if o.scale == "event":
        if o.coding_error is None:
            raise doc.error(at, "an event observation needs coding_error (a probability from 0 to 0.5)")
        if not 0 <= o.coding_error < 0.5:
            raise doc.error(at + ("coding_error",), f"{o.coding_error:g} is not allowed; allowed: a probability "
                                                    "from 0 up to (not including) 0.5")
    elif o.coding_error is not None:
        raise doc.error(at + ("coding_error",), "only an event observation has a coding_error; remove it")
    return ObservationModel(output=o.output, scale=o.scale, assumption=_words(o.assumption),
                            error_sd=o.error_sd, uncertain_error_sd=o.uncertain_error_sd,
                            coding_error=o.coding_error)


def _check_values(doc, observation: ObservationModel, values: Mapping[int, float], at: tuple) -> None:
    """Values the observation's scale can measure: 0/1 codings, whole levels, counts >= 0."""
    for year, value in values.items():
        if observation.scale == "event" and value not in (0, 1):
            raise doc.error(at + (year,), f"{value:g} is not allowed; an event is coded 1 (happened) or 0 (did not)")
        if observation.scale == "exact" and value != int(value):
            raise doc.error(at + (year,), f"{value:g} is not allowed; an exact level is a whole number")
        if observation.scale == "log1p" and value < 0:
            raise doc.error(at + (year,), f"{value:g} is not allowed; a count is a number >= 0")


def _words(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None
