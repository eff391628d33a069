"""Calibration by approximate Bayesian computation: a posterior of ASSUMPTION parameters fitted to the record
up to an origin year (``sim calibrate --method abc --origin YEAR``; README, "Validation"; docs/validation.md).

The library is pyabc's ABC-SMC (Klinger, Rickert and Hasenauer 2018): a population of parameter vectors is
drawn from the prior, each is simulated, those whose summary statistics lie within a tolerance of the data
are kept, and over a few generations the tolerance shrinks (each generation's median distance) while the
population is perturbed and reweighted by importance weights. What is ours:

* **the prior** of each fitted parameter is the registry's (``Parameter.prior``: triangular over the
  plausible range with its mode at the registry value, or uniform), as ``--parameter-uncertainty prior``
  draws it;
* **the simulation** of one parameter vector is the forecast's run up to the origin (:mod:`sim.evidence.forecast`:
  from 2015 with the record's exogenous drivers imposed, the baseline scenario, no events of its own) with
  ``worlds`` worlds, each evaluation on a fresh random stream (seed, :data:`ABC_STREAM`, evaluation number);
* **the summary statistics** are one per measured figure of the record after the base year and up to the
  origin (:func:`sim.evidence.observations.measurements`; nothing after the origin is read): for a figure
  with an error width (``linear``, ``log1p``) the ensemble's mean on the observation scale minus the figure,
  in units of the figure's error sd (so one unit is one error of measurement); for an ``exact`` or ``event``
  figure the share of worlds that disagree with it. The data's statistics are all zero, and the distance
  is pyabc's p-norm with p = 2 (the root of the sum of squares). Every width is the observation model's in
  ``seeds/record.yaml``; no number lives here.

The output is a folder (default ``results/calibration/abc-<origin>-<time>/``): ``posterior.csv`` (one row per
accepted draw of the last generation, one column per parameter id, and ``weight``), readable by
``sim run/sim forecast --parameter-uncertainty posterior:PATH``; ``registry.diff`` (the posterior's weighted
median of each parameter, rounded as ``sim calibrate`` rounds; never applied); ``report.txt`` and
``abc.json`` (not ``report.json``: the validation report reads the newest ``report.json`` as the other
methods' fit); and ``abc.db``, pyabc's own sqlite history, written inside the folder (never the working
directory). The sampler is pyabc's single-core one: the same seed gives the same posterior on one machine.
"""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from sim.evidence.calibrate import check_parameters, propose, registry_diff
from sim.evidence.forecast import DEFAULT_SCENARIO, forecast_scenario
from sim.evidence.hindcast import display_path
from sim.evidence.observations import Measurement, measurements, to_scale
from sim.inputs.errors import ScenarioError
from sim.inputs.posterior import WEIGHT
from sim.inputs.record import Record, load_record
from sim.inputs.registry import Parameter, Registry, format_number, load_registry
from sim.inputs.scenario import Scenario, load_scenario
from sim.outputs import paths
from sim.outputs.atomic import atomic_folder

# Chosen by a one-at-a-time screen of this module's distance (screen(): each drawn ASSUMPTION at the low and
# the high end of its plausible range, the rest at the registry values, 300 worlds, origin 2019, seed 1): the
# five mechanism parameters (registry role "uncertain") whose ends moved the distance most. The 2015 picture
# (role "initial", e.g. trade.eu_share_2015, second in the screen) stays at its values: it is the record's
# start, not a mechanism. Run on 1 December 2026 before and after issue 13's mechanisms: the same five both
# times (after: distance 8.79 at the registry values; the ends move it by 19.5, 4.0, 2.6, 2.4 and 2.2), and
# again on 2 December 2026 after Brussels came to answer a crackdown within the year: the same five (distance 8.73;
# 19.1, 4.0, 2.5, 2.4, 2.2). Rerun it after the model changes.
DEFAULT_PARAMETERS: tuple[str, ...] = (
    "trade.sanctions_sensitivity",     # how far EU sanctions cut the EU's share of trade
    "minsk.weight_subsidy",            # Minsk's pull East from Moscow's subsidy
    "minsk.weight_trade_dependence",   # Minsk's pull toward its biggest trade partner
    "minsk.weight_sovereignty",        # Minsk's resistance to integration pressure
    "minsk.alignment_step",            # how far one move shifts the alignment
)
DEFAULT_WORLDS = 100  # worlds per simulated parameter vector
DEFAULT_POPULATION = 100  # particles per generation
DEFAULT_GENERATIONS = 4
DEFAULT_SEED = 20240901
ABC_STREAM = 0x616263  # spawn key of the simulations' random streams


# --------------------------------------------------------------------------- statistics


def targets(record: Record, origin: int, base_year: int) -> list[Measurement]:
    """The record's measured figures after the base year and up to the origin: nothing later is read."""
    return [m for m in measurements(record, first=base_year + 1, last=origin)]


def statistics(timeseries, chosen: Sequence[Measurement]) -> dict[str, float]:
    """One discrepancy per measured figure (see the module docstring): 0 where the ensemble meets the record."""
    by_year = {int(y): frame for y, frame in timeseries.groupby("year")}
    out: dict[str, float] = {}
    for m in chosen:
        x = by_year[m.year][m.output].to_numpy(dtype=float)
        model = m.model
        if model.scale in ("linear", "log1p"):
            out[m.id] = float((np.mean(to_scale(model, x)) - float(to_scale(model, m.value))) / model.sd(m.uncertain))
        elif model.scale == "exact":
            out[m.id] = float(np.mean(x != m.value))
        else:  # event: a 0/1 coding
            out[m.id] = float(np.mean((x >= 0.5) != (m.value >= 0.5)))
    return out


def distance_of(stats: Mapping[str, float]) -> float:
    """The p = 2 norm of the discrepancies (what pyabc's PNormDistance(p=2) computes against zeros)."""
    return float(np.sqrt(sum(v * v for v in stats.values())))


class Simulator:
    """One parameter vector -> the statistics of its ensemble run to the origin."""

    def __init__(self, scenario: Scenario, registry: Registry, record: Record, origin: int, ids: Sequence[str],
                 worlds: int, seed: int):
        self.registry = registry
        self.ids = list(ids)
        self.scenario, _ = forecast_scenario(scenario, record, origin, origin, registry)
        self.chosen = targets(record, origin, registry.base_year())
        if not self.chosen:
            raise ScenarioError("--origin", f"{origin}: the record has no figure after the base year "
                                            f"{registry.base_year()} up to it; choose a later origin")
        self.worlds = int(worlds)
        self.seed = int(seed)
        self.evaluations = 0

    def values(self, x: Mapping[str, float]) -> dict[str, float]:
        out = {}
        for pid in self.ids:
            p = self.registry[pid]
            value = float(min(max(float(x[pid]), p.low), p.high))
            out[pid] = float(round(value)) if p.integer else value
        return out

    def __call__(self, x: Mapping[str, float], seed: Any = None) -> dict[str, float]:
        from sim.model.model import BalancingModel  # the model is run here, read nowhere else in this layer

        if seed is None:
            seed = np.random.SeedSequence(entropy=self.seed, spawn_key=(ABC_STREAM, self.evaluations))
            self.evaluations += 1
        model = BalancingModel(self.scenario, replicates=self.worlds, seed=seed, trace_replicates=0,
                               parameters=self.values(x))
        frame = model.run().timeseries()
        model.release()
        return statistics(frame, self.chosen)


# --------------------------------------------------------------------------- the prior


def prior_rv(parameter: Parameter):
    """The registry prior of ``parameter`` as a pyabc random variable (scipy's triang or uniform)."""
    import pyabc

    low, high = float(parameter.low), float(parameter.high)
    if parameter.prior == "uniform":
        return pyabc.RV("uniform", low, high - low)
    mode = min(max(float(parameter.value), low), high)
    return pyabc.RV("triang", (mode - low) / (high - low), low, high - low)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cumulative = np.cumsum(w) - 0.5 * w
    cumulative /= w.sum()
    return float(np.interp(q, cumulative, v))


# --------------------------------------------------------------------------- the fit


@dataclass
class AbcCalibration:
    """A finished ABC-SMC fit: the posterior table, its summary, the registry diff."""

    origin: int
    parameters: list[dict[str, Any]]
    posterior: Any  # pandas DataFrame: the parameter ids and ``weight``
    worlds: int
    population: int
    generations: list[dict[str, Any]]
    simulations: int
    seed: int
    statistics: int
    distance_registry: float
    distance_posterior: float
    check_seed: int
    seconds: float
    diff: str
    record_path: str
    scenario_path: str
    registry_path: str
    created: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))

    @property
    def changed(self) -> list[str]:
        return [p["id"] for p in self.parameters if p["changed"]]

    def text(self) -> str:
        lines = [
            f"ABC-SMC calibration (pyabc) of {len(self.parameters)} ASSUMPTION parameter(s) to the record up to "
            f"{self.origin} ({self.record_path}; {self.statistics} figures, none after {self.origin})",
            f"{self.population} particles per generation, {self.worlds} worlds per simulation, seed {self.seed}; "
            f"{len(self.generations)} generation(s), {self.simulations} simulations, {self.seconds:.0f} s",
            "tolerance by generation: " + ", ".join(f"{g['epsilon']:.3g}" for g in self.generations),
            "",
            f"{'parameter':<34}{'registry':>9}{'range':>14}{'posterior median':>18}{'5%-95%':>18}",
        ]
        for p in self.parameters:
            rng = f"{format_number(p['low'])}..{format_number(p['high'])}"
            band = f"{format_number(round(p['p05'], 4))}..{format_number(round(p['p95'], 4))}"
            lines.append(f"{p['id']:<34}{format_number(p['registry']):>9}{rng:>14}"
                         f"{format_number(p['proposed']):>18}{band:>18}")
        lines += [
            "",
            f"distance to the record (root of the sum of squared discrepancies; fresh random numbers, seed "
            f"{self.check_seed}): registry values {self.distance_registry:.3f}, posterior medians "
            f"{self.distance_posterior:.3f}",
            f"posterior table: posterior.csv ({len(self.posterior)} draws with weights); use it with "
            "--parameter-uncertainty posterior:PATH",
            f"In-sample: these are the record's figures up to {self.origin}; score the forecast on the years after "
            f"it (sim hindcast --origin {self.origin}) for evidence.",
        ]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("diff", "posterior")}

    def save(self, folder: str | Path | None = None, history: Path | None = None) -> Path:
        """Write ``posterior.csv``, ``registry.diff``, ``report.txt``, ``abc.json`` (and pyabc's ``abc.db``)
        atomically; return the folder."""
        folder = Path(folder) if folder else paths.CALIBRATIONS / f"abc-{self.origin}-{paths._stamp(None)}"
        with atomic_folder(folder) as staging:
            self.posterior.to_csv(staging / "posterior.csv", index=False, float_format="%.10g")
            (staging / "registry.diff").write_text(self.diff, encoding="utf-8")
            (staging / "report.txt").write_text(self.text() + "\n", encoding="utf-8")
            (staging / "abc.json").write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
            if history is not None and history.is_file():
                (staging / "abc.db").write_bytes(history.read_bytes())
        return folder


@contextlib.contextmanager
def _seeded_numpy(seed: int):
    """pyabc draws from numpy's global generator: seed it for the fit, and put the caller's state back."""
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        yield
    finally:
        np.random.set_state(state)


@contextlib.contextmanager
def _quiet():
    names = ("ABC", "pyabc", "Sampler", "Epsilon", "Distance", "Acceptor", "History", "Transition")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def fit(origin: int, parameters: Sequence[str] | None = None, *, worlds: int = DEFAULT_WORLDS,
        population: int = DEFAULT_POPULATION, generations: int = DEFAULT_GENERATIONS, seed: int = DEFAULT_SEED,
        scenario: str | Path | Scenario | None = None, record: Record | str | Path | None = None,
        registry: Registry | None = None, workdir: str | Path | None = None) -> tuple[AbcCalibration, Path]:
    """Run ABC-SMC and return the calibration and the path of pyabc's history database (in ``workdir``, a
    fresh temporary folder by default: never the working directory). Nothing else is written."""
    try:
        import pyabc
    except ImportError:
        raise ScenarioError("sim calibrate --method abc", "needs pyabc, which is not installed; install it with: "
                                                          "python3 -m pip install -e '.[abc]'") from None

    registry = registry or load_registry()
    ids = check_parameters(registry, list(parameters) if parameters else list(DEFAULT_PARAMETERS))
    for name, value, least in (("--origin", origin, None), ("--replicates", worlds, 2), ("--population", population, 2),
                               ("--generations", generations, 1), ("--seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or (least is not None and value < least):
            raise ScenarioError(name, f"{value!r} is not allowed; allowed: a whole number"
                                      + (f" >= {least}" if least is not None else ""))
    if not isinstance(record, Record):
        record = load_record(record, registry=registry)
    base_year = registry.base_year()
    if not base_year < origin <= record.last_year():
        raise ScenarioError("--origin", f"{origin} is not allowed; allowed: a year from {base_year + 1} to "
                                        f"{record.last_year()} (the record's last year)")
    scenario_path = Path(scenario.path) if isinstance(scenario, Scenario) else Path(scenario or DEFAULT_SCENARIO)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario_path, registry=registry)
    simulate = Simulator(scenario, registry, record, origin, ids, worlds, seed)
    names = {pid: f"p{j}" for j, pid in enumerate(ids)}  # pyabc's own names: plain identifiers
    prior = pyabc.Distribution(**{names[pid]: prior_rv(registry[pid]) for pid in ids})

    def model(parameter) -> dict[str, float]:
        return simulate({pid: parameter[names[pid]] for pid in ids})

    observed = {m.id: 0.0 for m in simulate.chosen}
    started = time.perf_counter()
    workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="sim-abc-"))
    db = workdir / "abc.db"
    with _seeded_numpy(seed), _quiet():
        abc = pyabc.ABCSMC(model, prior, pyabc.PNormDistance(p=2), population_size=int(population),
                           sampler=pyabc.sampler.SingleCoreSampler())
        abc.new(f"sqlite:///{db}", observed)
        history = abc.run(max_nr_populations=int(generations))
        frame, weights = history.get_distribution(m=0, t=history.max_t)
        populations = history.get_all_populations()
    frame = frame.rename(columns={v: k for k, v in names.items()})[ids].reset_index(drop=True)
    frame.columns.name = None
    posterior = frame.copy()
    posterior[WEIGHT] = np.asarray(weights, dtype=float) / float(np.sum(weights))
    generations_log = [{"t": int(row.t), "epsilon": float(row.epsilon), "samples": int(row.samples)}
                       for row in populations.itertuples() if int(row.t) >= 0]

    w = posterior[WEIGHT].to_numpy()
    medians = [weighted_quantile(posterior[pid].to_numpy(), w, 0.5) for pid in ids]
    proposed = propose(registry, ids, medians)
    check_seed = seed + 1
    registry_values = {pid: registry[pid].value for pid in ids}
    distance_registry = distance_of(simulate(registry_values, seed=check_seed))
    distance_posterior = distance_of(simulate(proposed, seed=check_seed))
    rows = []
    for pid in ids:
        p, column = registry[pid], posterior[pid].to_numpy()
        rows.append({"id": pid, "registry": p.value, "low": p.low, "high": p.high, "prior": p.prior,
                     "mean": float(np.average(column, weights=w)), "p05": weighted_quantile(column, w, 0.05),
                     "p50": weighted_quantile(column, w, 0.5), "p95": weighted_quantile(column, w, 0.95),
                     "proposed": proposed[pid], "changed": proposed[pid] != p.value})
    changes = {r["id"]: r["proposed"] for r in rows if r["changed"]}
    registry_path = Path(registry.path) if registry.path else None
    diff = registry_diff(registry_path, changes) if registry_path and changes else ""
    calibration = AbcCalibration(
        origin=int(origin), parameters=rows, posterior=posterior, worlds=int(worlds), population=int(population),
        generations=generations_log, simulations=int(history.total_nr_simulations), seed=int(seed),
        statistics=len(simulate.chosen), distance_registry=distance_registry, distance_posterior=distance_posterior,
        check_seed=check_seed, seconds=time.perf_counter() - started, diff=diff,
        record_path=display_path(record.path), scenario_path=display_path(scenario_path),
        registry_path=display_path(registry_path) if registry_path else "")
    return calibration, db


# --------------------------------------------------------------------------- which parameters


def screen(origin: int, worlds: int = 300, seed: int = 1, registry: Registry | None = None,
           record: Record | str | Path | None = None, candidates: Sequence[str] | None = None):
    """A one-at-a-time screen of the ABC distance: every candidate (default: every ASSUMPTION drawn under
    ``--parameter-uncertainty prior``) at the low and at the high end of its range, the rest at the registry
    values, all on the same random numbers (seed). Returns a table sorted by how far the two ends move the
    distance (``spread``), with the distance at the registry values beside it."""
    import pandas as pd

    registry = registry or load_registry()
    if not isinstance(record, Record):
        record = load_record(record, registry=registry)
    scenario = load_scenario(DEFAULT_SCENARIO, registry=registry)
    ids = list(candidates) if candidates else [pid for pid, p in registry.items() if p.drawn]
    simulate = Simulator(scenario, registry, record, origin, [], worlds, seed)
    base = distance_of(simulate({}, seed=seed))
    rows = []
    for pid in ids:
        simulate.ids = [pid]
        p = registry[pid]
        low = distance_of(simulate({pid: p.low}, seed=seed))
        high = distance_of(simulate({pid: p.high}, seed=seed))
        rows.append({"id": pid, "low": low, "high": high, "registry": base,
                     "spread": max(low, high, base) - min(low, high, base)})
    return pd.DataFrame(rows).sort_values("spread", ascending=False).reset_index(drop=True)
