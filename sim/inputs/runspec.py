"""A run resolved once: the checked scenario, its registry, every parameter's value and where it came from.

``RunSpec.resolve`` is the one place that turns what a caller gave (a scenario, counts, a seed, parameter
overrides) into what the model runs with: the registry is loaded once, every override is checked with the
scenario loader's own rule (``parameter_problem``), the seed is fixed (fresh entropy is drawn here, so the
run can be repeated), and the counts are checked. The model constructor only builds state from a RunSpec.

A parameter's value is a Python float (the same in every world) or a numpy array of shape ``(replicates,)``
(one value per world: a sweep chunk holding several points, or a run with parameter uncertainty).
``streams`` lists one seed per group of worlds when a spec holds several sweep points at once: the worlds of
group ``i`` (``worlds_per_stream`` consecutive worlds) draw their chance from their own stream ``i``, so each
group's numbers are those of running it alone. This module knows nothing of Mesa.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from sim.inputs.errors import ScenarioError
from sim.inputs.posterior import PREFIX, draw_rows, load_posterior, posterior_path
from sim.inputs.registry import Registry, load_registry, load_sources, quote_context
from sim.inputs.scenario import Scenario, parameter_problem
from sim.inputs.timeline import Domain, parameter_changes

DEFAULT_HORIZON_YEARS = 15  # used only when no scenario gives an end year
DEFAULT_TRACE_REPLICATES = 25  # worlds whose decisions are kept in full for `sim explain`
# Worlds of a forecast (sim forecast, sim hindcast --origin): the particle filter needs many from the present. The
# record's 2024 figures (Russia's trade share 0.60, 178 released) leave few: measured on 2 December 2026, seed
# 20151011, 8000 worlds keep 6.5 effective worlds after 2024 and 16000 keep 16 (both refused), 32000 keep 55
# (3.5 s, 0.7 GB peak to 2025).
DEFAULT_FORECAST_REPLICATES = 32000
# Parameters that lay out the calendar of the whole ensemble: one value for every world.
STRUCTURAL = ("model.base_year",)
# What a run's spread stands for: chance alone (every world shares one parameter set), or chance and the
# assumptions (every world draws each ASSUMPTION from its prior, ``Parameter.prior_quantile``).
# ``posterior`` stands for ``posterior:PATH``: every world draws one row of a calibration's posterior table
# (sim.inputs.posterior) by its weight.
UNCERTAINTY_MODES = {"chance": "chance only: every world shares the registry's (and scenario's) values",
                     "prior": "chance and assumptions: every world draws each ASSUMPTION from its prior",
                     "posterior": "chance and fitted assumptions: every world draws a row of a calibration's "
                                  "posterior by its weight"}
UNCERTAINTY_LABELS = {"chance": "spread: chance only", "prior": "spread: chance and assumptions",
                      "posterior": "spread: chance and fitted assumptions (posterior)"}
PRIOR_STREAM = 0x7072696F  # spawn key of the prior draws' stream, apart from the stream of chance
POSTERIOR_STREAM = 0x706F7374  # spawn key of the posterior rows' stream


def uncertainty_kind(mode: str) -> str:
    """The key of :data:`UNCERTAINTY_MODES` a mode stands for: ``posterior:PATH`` -> ``posterior``."""
    return "posterior" if posterior_path(mode) is not None else mode

Value = "float | np.ndarray"


@dataclass(frozen=True)
class RunSpec:
    """Everything a model run needs, resolved and checked.

    ``params`` maps every registry id to its value at the base year (float, or an array over worlds);
    ``origin`` maps an id whose value does not come from the registry to where it came from
    (``"scenario"``, ``"parameters"``, ``"overrides"``, ``"sweep"`` ...).
    """

    scenario: Scenario | None
    registry: Registry
    params: Mapping[str, Any]
    seed: Any  # int >= 0, or a numpy SeedSequence (sweep points)
    replicates: int
    start_year: int
    end_year: int
    trace_replicates: int = DEFAULT_TRACE_REPLICATES
    # Further worlds to trace, by index, besides the first ``trace_replicates`` (sim.run's second pass traces
    # the ensemble's typical world; tracing draws no random numbers, so those worlds are the same).
    trace_worlds: tuple[int, ...] = ()
    origin: Mapping[str, str] = dataclasses.field(default_factory=dict)
    streams: tuple = ()  # one seed per group of worlds; empty: one stream (``seed``) for all worlds
    parameter_uncertainty: str = "chance"  # a key of UNCERTAINTY_MODES
    drawn: tuple = ()  # the ids drawn world by world (prior mode)
    posterior_sha256: str = ""  # posterior mode: the SHA-256 of the table drawn from (recorded with the run)
    # Mesa's yearly ensemble means (the model's DataCollector); a sweep reads only the history, and a
    # chunk's per-point means cost about a third of its run (benchmarks/bench_sweep.py).
    ensemble_means: bool = True

    # ------------------------------------------------------------------ building
    @classmethod
    def resolve(cls, scenario: Scenario | None = None, *, replicates: int | None = None, seed: Any = None,
                end_year: int | None = None, parameters: Mapping[str, float] | None = None,
                trace_replicates: int = DEFAULT_TRACE_REPLICATES, registry: Registry | None = None,
                label: str = "BalancingModel", **overrides: float) -> "RunSpec":
        """Check the arguments and fix every value; ``scenario`` None means registry defaults from the base year.

        ``parameters`` and ``overrides`` are registry overrides by dotted id, checked like a scenario's.
        """
        if registry is None:
            registry = load_registry(scenario.registry_path if scenario is not None else None)
        params: dict[str, Any] = scenario.parameter_values(registry) if scenario is not None else registry.defaults()
        origin = {pid: "scenario" for pid in (scenario.parameters if scenario is not None else ())}
        for source, given in (("parameters", parameters or {}), ("overrides", overrides)):
            for pid, value in given.items():
                problem = parameter_problem(pid, value, registry)  # the loader's own check, same words
                if problem:
                    raise ScenarioError(source, problem, key=pid)
                params[pid] = float(value)
                origin[pid] = source
        if seed is None:
            seed = scenario.seed if scenario is not None else None
        if seed is None:
            seed = int(np.random.SeedSequence().entropy)
        _check_seed(seed, label)
        for name, value, least in (("replicates", replicates, 1), ("trace_replicates", trace_replicates, 0),
                                   ("end_year", end_year, None)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                                      or (least is not None and value < least)):
                allowed = "a whole number" + (f" >= {least}" if least is not None else "")
                raise ScenarioError(label, f"must be {allowed}, got {value!r}", key=name)
        base_year = int(params["model.base_year"])
        start_year = scenario.start_year if scenario is not None else base_year
        if end_year is None:
            end_year = scenario.end_year if scenario is not None else base_year + DEFAULT_HORIZON_YEARS
        if replicates is None:
            replicates = scenario.replicates if scenario is not None else 1
        if int(end_year) < start_year:
            raise ScenarioError(label, f"{int(end_year)} is before start_year {start_year}", key="end_year")
        return cls(scenario=scenario, registry=registry, params=params, seed=seed, replicates=int(replicates),
                   start_year=int(start_year), end_year=int(end_year), trace_replicates=int(trace_replicates),
                   origin=origin)

    @classmethod
    def for_points(cls, scenario: Scenario, registry: Registry, names: Sequence[str], values: np.ndarray,
                   seeds: Sequence[Any], replicates: int, end_year: int, ensemble_means: bool = True) -> "RunSpec":
        """Several sweep points as one ensemble: ``replicates`` worlds per point, point ``i`` with
        ``values[i]`` (already checked by the design: not checked again) and its own random stream ``seeds[i]``.
        ``ensemble_means`` False: no per-point yearly means in the model's DataCollector (a sweep reads only
        the history)."""
        values = np.asarray(values, dtype=float).reshape(len(seeds), len(names))
        params: dict[str, Any] = scenario.parameter_values(registry)
        origin = {pid: "scenario" for pid in scenario.parameters}
        for j, pid in enumerate(names):
            column = values[:, j]
            # One point, or every point the same: a float, so the arithmetic is that of a plain run.
            params[pid] = float(column[0]) if (column == column[0]).all() else np.repeat(column, replicates)
            origin[pid] = "sweep"
        for pid in STRUCTURAL:
            if np.ndim(params[pid]):
                raise ScenarioError("sweep", "must be the same for every point of a chunk", key=pid)
        return cls(scenario=scenario, registry=registry, params=params, seed=seeds[0],
                   replicates=int(replicates) * len(seeds), start_year=scenario.start_year, end_year=int(end_year),
                   trace_replicates=0, origin=origin, streams=tuple(seeds) if len(seeds) > 1 else (),
                   ensemble_means=ensemble_means)

    def replace(self, **changes: Any) -> "RunSpec":
        return dataclasses.replace(self, **changes)

    def with_uncertainty(self, mode: str) -> "RunSpec":
        """This run with ``mode`` (``"chance"`` or ``"prior"``). Under ``"prior"`` every world draws each
        ASSUMPTION parameter (``Parameter.drawn``) from its prior; cited values, and every value the scenario
        or the caller set, stay fixed. The draws come from their own stream (seed, ``PRIOR_STREAM``): the
        worlds' chance is the same as in the chance-only run, and world ``i``'s draws are the same whatever
        the number of worlds."""
        if posterior_path(mode) is not None:
            return self._with_posterior(mode)
        if mode not in UNCERTAINTY_MODES or mode == "posterior":
            allowed = "chance, prior, posterior:PATH"
            raise ScenarioError("parameter_uncertainty", f"unknown mode {mode!r}; allowed: {allowed}",
                                key="parameter_uncertainty")
        if mode == "chance":
            return self
        if self.streams:
            raise ScenarioError("parameter_uncertainty", "a sweep chunk has its points' values; no prior draws",
                                key="parameter_uncertainty")
        ids = list(self.registry)
        entropy = self.seed.entropy if isinstance(self.seed, np.random.SeedSequence) else int(self.seed)
        rng = np.random.default_rng(np.random.SeedSequence(entropy=entropy, spawn_key=(PRIOR_STREAM,)))
        # One row per world over every registry id (row-major): world i's draws depend on nothing but i.
        u = rng.random((self.replicates, len(ids)))
        params, drawn = dict(self.params), []
        for j, pid in enumerate(ids):
            parameter = self.registry[pid]
            if parameter.drawn and pid not in self.origin and pid not in STRUCTURAL:
                params[pid] = parameter.prior_quantile(u[:, j])
                drawn.append(pid)
        return self.replace(params=params, parameter_uncertainty=mode, drawn=tuple(drawn))

    def _with_posterior(self, mode: str) -> "RunSpec":
        """``posterior:PATH``: every world draws one row of the table by its weight, from its own stream (seed,
        ``POSTERIOR_STREAM``; world ``i``'s row depends on nothing but ``i``); the row sets every parameter the
        table fitted, except the values the scenario or the caller set, which stay fixed."""
        if self.streams:
            raise ScenarioError("parameter_uncertainty", "a sweep chunk has its points' values; no posterior draws",
                                key="parameter_uncertainty")
        posterior = load_posterior(posterior_path(mode), self.registry)
        entropy = self.seed.entropy if isinstance(self.seed, np.random.SeedSequence) else int(self.seed)
        rng = np.random.default_rng(np.random.SeedSequence(entropy=entropy, spawn_key=(POSTERIOR_STREAM,)))
        rows = draw_rows(posterior, rng.random(self.replicates))
        params, drawn = dict(self.params), []
        for j, pid in enumerate(posterior.ids):
            if pid in self.origin or pid in STRUCTURAL:
                continue
            params[pid] = posterior.values[rows, j].copy()
            drawn.append(pid)
        # Recorded with the table's absolute path, so that `sim rerun` finds it from any working directory.
        recorded = f"{PREFIX}{os.path.abspath(posterior_path(mode))}"
        return self.replace(params=params, parameter_uncertainty=recorded, drawn=tuple(drawn),
                            posterior_sha256=posterior.sha256)

    def world_parameters(self):
        """One row per world: ``replicate``, then the value of every drawn parameter (empty columns when none)."""
        import pandas as pd  # only for tables

        table = {"replicate": np.arange(self.replicates)}
        table.update({pid: np.asarray(self.params[pid], dtype=float) for pid in self.drawn})
        return pd.DataFrame(table)

    # ------------------------------------------------------------------ reading
    @property
    def base_year(self) -> int:
        return int(self.params["model.base_year"])

    @property
    def years(self) -> int:
        """Simulated years, base year to end year inclusive."""
        return self.end_year - self.base_year + 1

    @property
    def worlds_per_stream(self) -> int:
        return self.replicates // max(len(self.streams), 1)

    @property
    def events(self) -> tuple:
        return tuple(self.scenario.events) if self.scenario is not None else ()

    def provenance(self) -> dict[str, dict[str, Any]]:
        """Every parameter's value at the start of the run, where it came from (with the quoted passages it
        rests on), and any later changes by events: the run's ``parameters`` table."""
        sources = load_sources()
        table: dict[str, dict[str, Any]] = {}
        for pid, parameter in self.registry.items():
            value = self.params[pid]
            parameter_drawn = pid in self.drawn
            table[pid] = {
                # A drawn parameter's record keeps the registry value; the draws are in world_parameters().
                "value": parameter.value if parameter_drawn else (value if np.ndim(value) == 0 else np.asarray(value)),
                "unit": parameter.unit,
                "source": uncertainty_kind(self.parameter_uncertainty) if parameter_drawn
                else self.origin.get(pid, "registry"),
                "registry_value": parameter.value,
                "evidence": parameter.source_short(sources),
                "meaning": parameter.meaning,
                "quotes": [{"doc": c.doc, "quote": c.quote, "sentence": sentence}
                           for c, sentence in quote_context(parameter)],
                "assumption": parameter.assumption,
                **Domain.of(parameter).to_record(),  # for the rule of a parameter's value in a year
            }
            if parameter_drawn and self.parameter_uncertainty == "prior":
                table[pid]["prior"] = {"shape": parameter.prior, "low": parameter.low, "mode": parameter.value,
                                       "high": parameter.high}
            elif parameter_drawn and self.posterior_sha256:  # which table, byte for byte (sim rerun checks it)
                table[pid]["posterior"] = {"path": posterior_path(self.parameter_uncertainty),
                                           "sha256": self.posterior_sha256}
        # Later changes, in the order the model applies them (sim.inputs.timeline).
        for pid, changes in parameter_changes(self.events, table).items():
            table[pid]["events"] = changes
        return table

    def parameter_table(self) -> dict[str, dict[str, Any]]:
        """The run folder's record of the parameters (``manifest.json``): the whole provenance, quotes and the
        sentences around them included, so that a report describes the run as it was, whatever the registry
        says today."""
        return self.provenance()

    def cited_sources(self) -> dict[str, dict[str, str]]:
        """The seed documents that the parameters and the scenario's events cite, as ``seeds/sources.yaml``
        describes them (short name, author, outlet, title, date), for the run's manifest."""
        sources = load_sources()
        docs = [c.doc for parameter in self.registry.values() for c in parameter.citations]
        docs += [c.doc for event in self.events for c in event.citations]
        return {doc: dataclasses.asdict(sources[doc]) for doc in dict.fromkeys(docs) if doc in sources}


def _check_seed(seed: Any, label: str) -> None:
    if not isinstance(seed, np.random.SeedSequence) and (
            isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ScenarioError(label, f"must be a whole number >= 0 or a SeedSequence, got {seed!r}", key="seed")
