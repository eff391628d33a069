"""Calibration: fit ASSUMPTION parameters to what the seeds report, and propose a registry diff.

The objective runs the hindcast scenario (``scenarios/hindcast_2015.yaml``) for a
small ensemble with common random numbers (the same seed for every candidate, so
that two parameter sets differ only through the parameters) and scores it against
``seeds/observed.yaml`` and one pattern:

* each scored outcome **event** contributes its Brier term (p - o)^2;
* each outcome **quantity** contributes its CRPS divided by the ensemble's standard
  deviation at the registry values (a fixed scale); a projection counts with
  weight ``PROJECTION_WEIGHT``;
* **pattern P1** (docs/ODD.md: Minsk stays East-leaning for five years) contributes
  max(0, 0.8 - s)^2, where s is the smallest yearly share of worlds with
  alignment < 0 in 2016-2020 (0.8 is the bound of P1's criterion in sim.evidence.patterns).

The loss is the weighted mean of these terms (0 is perfect). The optimizer is
scipy's ``differential_evolution`` (default; population started at the registry
values, no gradient polish) or bounded ``Nelder-Mead`` from the registry values,
both within each parameter's registry ``[low, high]``.

Only ASSUMPTION parameters are fitted. A cited parameter stays at its cited value
unless its range is cited too: both ends of ``[low, high]`` (as written, in
absolute value, or times 100 for shares) appear as numbers in its quotes, e.g.
``economy.gdp_growth_2015`` from "contract by 3.5-4 percent".

Nothing is applied: the result is a fit report and a unified diff of the registry's
``value:`` lines, written to ``results/calibration/<time>/`` for a person to review.
"""

from __future__ import annotations

import difflib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from sim.inputs.errors import ScenarioError, did_you_mean
from sim.evidence.hindcast import DEFAULT_OBSERVED, DEFAULT_SCENARIO, Observation, crps, display_path, hindcast_table, \
    load_observations, quantity_values
from sim.inputs.registry import Parameter, Registry, format_number, load_registry
from sim.evidence import patterns
from sim.outputs import paths
from sim.outputs.atomic import atomic_folder

DEFAULT_PARAMETERS = (
    "economy.potential_growth",       # growth in 2016 (the 0.3% projection)
    "minsk.move_cost",                # how often Minsk moves at all (the pre-2020 oscillation)
    "moscow.weight_subsidy_cost",     # subsidy cuts (the 2024 loan cut)
    "moscow.weight_war_ally",         # Moscow's support in the war years (the 2024 loan cut)
    "brussels.weight_war_complicity", # sanctions in the war years (the 2024 confrontation)
)
DEFAULT_REPLICATES = 300
DEFAULT_BUDGET = 1200  # model evaluations
DEFAULT_SEED = 20240901
METHODS = ("differential-evolution", "nelder-mead")
PROJECTION_WEIGHT = 0.5
P1 = patterns.P1_ALIGNMENT  # the pattern term: worlds East-leaning in 2016-2020, the bound of the criterion
P1_THRESHOLD = P1.at_least
RANGE_DIGITS = 3  # proposals are rounded to about 1/1000 of the parameter's range


# --------------------------------------------------------------------------- which parameters


def cited_range(parameter: Parameter) -> bool:
    """True when both ends of the parameter's range appear as numbers in its quotes."""
    numbers: set[float] = set()
    for c in parameter.citations:
        numbers.update(float(x) for x in re.findall(r"\d+(?:\.\d+)?", c.quote))

    def cited(x: float) -> bool:
        return any(np.isclose(abs(x), n) or np.isclose(abs(x) * 100, n) for n in numbers)

    return bool(parameter.citations) and cited(parameter.low) and cited(parameter.high)


def check_parameters(registry: Registry, ids: Sequence[str]) -> list[str]:
    """The ids, checked: known, fittable (an assumption or a cited range) and with a range to search."""
    if not ids:
        raise ScenarioError("--params", "give at least one parameter id")
    out: list[str] = []
    for pid in ids:
        if pid not in registry:
            raise ScenarioError("--params", "unknown parameter id" + did_you_mean(pid, registry), key=pid)
        p = registry[pid]
        if not p.assumption and not cited_range(p):
            raise ScenarioError("--params", f"is cited (value {p.value_text()} from the seeds) and its range "
                                            f"{p.range_text()} is not; cited parameters stay at their cited values",
                                key=pid)
        if p.low == p.high:
            raise ScenarioError("--params", f"has no range to search (low = high = {format_number(p.low)})", key=pid)
        if pid not in out:
            out.append(pid)
    return out


def parse_parameter_list(texts: Sequence[str]) -> list[str]:
    """``("a.b,c.d", "e.f")`` -> ``["a.b", "c.d", "e.f"]``."""
    return [part.strip() for text in texts for part in text.split(",") if part.strip()]


# --------------------------------------------------------------------------- objective


class Objective:
    """Loss of a parameter vector: the hindcast ensemble against the observations and pattern P1."""

    def __init__(self, scenario, observations: Sequence[Observation], parameters: Sequence[str],
                 registry: Registry, replicates: int, seed: int):
        self.scenario = scenario
        self.registry = registry
        self.parameters = list(parameters)
        self.replicates = int(replicates)
        self.seed = int(seed)
        self.base_year = registry.base_year()
        self.observations = [o for o in observations if o.role(self.base_year) == "outcome"]
        self.weights = {o.id: (PROJECTION_WEIGHT if o.evidence == "projection" else 1.0) for o in self.observations}
        self.weights["pattern_P1"] = 1.0
        self.evaluations = 0
        reference = self.timeseries(self.start())
        self.scales = {}
        for o in self.observations:
            if o.kind == "quantity":
                values = quantity_values(reference, o)
                floor = max(1e-3, 0.05 * abs(o.value))
                self.scales[o.id] = max(float(np.std(values)), floor)

    def start(self) -> np.ndarray:
        return np.array([self.registry[pid].value for pid in self.parameters], dtype=float)

    def bounds(self) -> list[tuple[float, float]]:
        return [(self.registry[pid].low, self.registry[pid].high) for pid in self.parameters]

    def values(self, x: Sequence[float]) -> dict[str, float]:
        out = {}
        for pid, value in zip(self.parameters, x):
            p = self.registry[pid]
            value = float(min(max(value, p.low), p.high))
            out[pid] = float(round(value)) if p.integer else value
        return out

    def timeseries(self, x: Sequence[float], seed: int | None = None, replicates: int | None = None):
        from sim.model.model import BalancingModel

        model = BalancingModel(self.scenario, replicates=replicates or self.replicates,
                               seed=self.seed if seed is None else seed, trace_replicates=0,
                               parameters=self.values(x))
        return model.run().timeseries()

    def components(self, timeseries) -> dict[str, float]:
        """Each target's term (before weighting)."""
        table = hindcast_table(timeseries, self.observations, base_year=self.base_year).set_index("id")
        terms: dict[str, float] = {}
        for o in self.observations:
            if o.kind == "event":
                terms[o.id] = float((table.loc[o.id, "model"] - o.value) ** 2)
            else:
                terms[o.id] = crps(quantity_values(timeseries, o), o.value) / self.scales[o.id]
        terms["pattern_P1"] = max(0.0, P1_THRESHOLD - p1_share(timeseries)) ** 2
        return terms

    def loss_of(self, terms: dict[str, float]) -> float:
        total = sum(self.weights[k] for k in terms)
        return float(sum(self.weights[k] * v for k, v in terms.items()) / total)

    def __call__(self, x: Sequence[float]) -> float:
        self.evaluations += 1
        return self.loss_of(self.components(self.timeseries(x)))


def p1_share(timeseries) -> float:
    """Smallest yearly share of worlds with alignment < 0 over 2016-2020 (pattern P1)."""
    return patterns.share_of_timeseries(P1, timeseries)


# --------------------------------------------------------------------------- the fit


@dataclass
class Calibration:
    """A finished fit: proposals, losses, per-target terms and the registry diff."""

    parameters: list[dict[str, Any]]
    method: str
    replicates: int
    seed: int
    check_seed: int
    check_replicates: int
    evaluations: int
    seconds: float
    loss_registry: float
    loss_fitted: float
    loss_proposed: float
    check_registry: float
    check_proposed: float
    terms_registry: dict[str, float]
    terms_proposed: dict[str, float]
    weights: dict[str, float]
    diff: str
    registry_path: str
    observed_path: str
    scenario_path: str
    created: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))

    @property
    def changed(self) -> list[str]:
        return [p["id"] for p in self.parameters if p["changed"]]

    def text(self) -> str:
        lines = [
            f"Calibration of {len(self.parameters)} ASSUMPTION parameter(s) against {self.observed_path} "
            f"and pattern P1",
            f"scenario {self.scenario_path}; {self.replicates} replicates, seed {self.seed} (common random numbers); "
            f"{self.method}, {self.evaluations} evaluations, {self.seconds:.0f} s",
            "",
            f"{'parameter':<34}{'registry':>10}{'range':>16}{'proposed':>10}",
        ]
        for p in self.parameters:
            rng = f"{format_number(p['low'])}..{format_number(p['high'])}"
            mark = "  (unchanged)" if not p["changed"] else "  (at the edge of its range)" if p["edge"] else ""
            lines.append(f"{p['id']:<34}{format_number(p['registry']):>10}{rng:>16}{format_number(p['proposed']):>10}"
                         f"{mark}")
        lines += [
            "",
            "loss (weighted mean of the terms below; 0 is perfect):",
            f"  same random numbers ({self.replicates} worlds, seed {self.seed}):  registry {self.loss_registry:.4f}"
            f"  ->  proposed {self.loss_proposed:.4f}   (optimizer's best, unrounded: {self.loss_fitted:.4f})",
            f"  fresh random numbers ({self.check_replicates} worlds, seed {self.check_seed}):  registry "
            f"{self.check_registry:.4f}  ->  proposed {self.check_proposed:.4f}",
            "",
            f"{'term':<34}{'weight':>8}{'registry':>10}{'proposed':>10}",
        ]
        for key, before in self.terms_registry.items():
            lines.append(f"{key:<34}{self.weights[key]:>8.2g}{before:>10.4f}{self.terms_proposed[key]:>10.4f}")
        lines += ["", "events: (p - o)^2; quantities: CRPS / ensemble sd at the registry values; "
                      "pattern_P1: max(0, 0.8 - share East-leaning)^2."]
        edges = [p["id"] for p in self.parameters if p["changed"] and p["edge"]]
        if edges:
            lines.append(f"At the edge of the plausible range: {', '.join(edges)}. The targets push past the range "
                         "the registry allows; read that as a sign of a structural gap, not as a value to accept.")
        if self.changed and self.check_proposed >= self.check_registry:
            lines.append("The improvement does not hold with fresh random numbers: do not accept this proposal.")
        lines.append("In-sample fit: these are the observations the hindcast scores; a better score after "
                     "accepting the diff is not independent evidence.")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "diff"}

    def save(self, folder: str | Path | None = None) -> Path:
        """Write ``registry.diff``, ``report.txt`` and ``report.json`` atomically; return the folder."""
        folder = Path(folder) if folder else paths.calibration_folder()
        with atomic_folder(folder) as staging:
            (staging / "registry.diff").write_text(self.diff, encoding="utf-8")
            (staging / "report.txt").write_text(self.text() + "\n", encoding="utf-8")
            (staging / "report.json").write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
        return folder


def calibrate(parameters: Sequence[str] | None = None, replicates: int = DEFAULT_REPLICATES,
              seed: int = DEFAULT_SEED, budget: int = DEFAULT_BUDGET, method: str = METHODS[0],
              scenario: str | Path | None = None, observed: str | Path | None = None,
              registry: Registry | None = None, check_replicates: int = 1000) -> Calibration:
    """Fit ``parameters`` (default :data:`DEFAULT_PARAMETERS`) and return the proposal; nothing is written."""
    from scipy import optimize

    from sim.inputs.scenario import load_scenario

    registry = registry or load_registry()
    ids = check_parameters(registry, list(parameters) if parameters else list(DEFAULT_PARAMETERS))
    if method not in METHODS:
        raise ScenarioError("--method", f"'{method}' is not allowed; allowed: {', '.join(METHODS)}")
    if replicates < 2:
        raise ScenarioError("--replicates", f"{replicates} is not allowed; allowed: an integer >= 2")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError("--seed", f"{seed!r} is not allowed; allowed: an integer >= 0")
    if budget < 1:
        raise ScenarioError("--budget", f"{budget} is not allowed; allowed: an integer >= 1")
    scenario_path = Path(scenario) if scenario is not None else DEFAULT_SCENARIO
    observed_path = Path(observed) if observed is not None else DEFAULT_OBSERVED
    spec = load_scenario(scenario_path, registry=registry)
    observations = load_observations(observed_path, base_year=registry.base_year())

    started = time.perf_counter()
    objective = Objective(spec, observations, ids, registry, replicates, seed)
    x0 = objective.start()
    bounds = objective.bounds()
    if method == "differential-evolution":
        popsize = 6
        maxiter = max(0, budget // (popsize * len(ids)) - 1)
        integrality = [registry[pid].integer for pid in ids]
        fit = optimize.differential_evolution(
            objective, bounds, x0=x0, popsize=popsize, maxiter=maxiter, polish=False, seed=seed,
            init="latinhypercube", integrality=integrality if any(integrality) else None, tol=1e-6)
    else:
        width = np.array([hi - lo for lo, hi in bounds])
        simplex = [x0] + [np.clip(x0 + np.eye(len(ids))[i] * 0.15 * width * (1 if x0[i] < bounds[i][1] else -1),
                                  [b[0] for b in bounds], [b[1] for b in bounds]) for i in range(len(ids))]
        fit = optimize.minimize(objective, x0, method="Nelder-Mead", bounds=bounds,
                                options={"maxfev": budget, "initial_simplex": np.array(simplex),
                                         "xatol": 1e-3, "fatol": 1e-5})
    best = np.asarray(fit.x, dtype=float)
    proposed = propose(registry, ids, best)
    x_prop = np.array([proposed[pid] for pid in ids])

    terms_registry = objective.components(objective.timeseries(x0))
    terms_proposed = objective.components(objective.timeseries(x_prop))
    check_seed = seed + 1
    check_registry = objective.loss_of(objective.components(
        objective.timeseries(x0, seed=check_seed, replicates=check_replicates)))
    check_proposed = objective.loss_of(objective.components(
        objective.timeseries(x_prop, seed=check_seed, replicates=check_replicates)))
    rows = [{"id": pid, "registry": registry[pid].value, "low": registry[pid].low, "high": registry[pid].high,
             "fitted": float(b), "proposed": proposed[pid], "changed": proposed[pid] != registry[pid].value,
             "edge": at_edge(registry[pid], proposed[pid])}
            for pid, b in zip(ids, best)]
    changes = {r["id"]: r["proposed"] for r in rows if r["changed"]}
    registry_path = Path(registry.path) if registry.path else None
    diff = registry_diff(registry_path, changes) if registry_path else ""
    return Calibration(
        parameters=rows, method=method, replicates=replicates, seed=seed, check_seed=check_seed,
        check_replicates=check_replicates, evaluations=objective.evaluations,
        seconds=time.perf_counter() - started,
        loss_registry=objective.loss_of(terms_registry), loss_fitted=float(fit.fun),
        loss_proposed=objective.loss_of(terms_proposed), check_registry=check_registry,
        check_proposed=check_proposed, terms_registry=terms_registry, terms_proposed=terms_proposed,
        weights=dict(objective.weights), diff=diff,
        registry_path=display_path(registry_path) if registry_path else "", observed_path=display_path(observed_path),
        scenario_path=display_path(scenario_path),
    )


def propose(registry: Registry, ids: Sequence[str], x: Sequence[float]) -> dict[str, float]:
    """Fitted values rounded to about a thousandth of the range (integers to whole numbers), kept in [low, high]."""
    out = {}
    for pid, value in zip(ids, x):
        p = registry[pid]
        if p.integer:
            value = float(round(value))
        else:
            decimals = max(0, RANGE_DIGITS - 1 - int(np.floor(np.log10(p.high - p.low))))
            value = round(float(value), decimals)
        out[pid] = float(min(max(value, p.low), p.high))
    return out


def at_edge(parameter: Parameter, value: float) -> bool:
    """Within 2% of the range from ``low`` or ``high``: the data push past the plausible range."""
    width = parameter.high - parameter.low
    return min(value - parameter.low, parameter.high - value) <= 0.02 * width


# --------------------------------------------------------------------------- the diff

_ID_LINE = re.compile(r"^(\s*)-\s+id:\s*(\S+)\s*$")
_VALUE_LINE = re.compile(r"^(\s*)value:(\s*)([^\s#]+)(.*)$")


def registry_diff(registry_path: str | Path, changes: dict[str, float]) -> str:
    """A unified diff of the registry file that sets each id's ``value:`` line to its new value.

    Only those lines change; comments and layout are kept. An empty string when nothing changes.
    """
    path = Path(registry_path)
    old = path.read_text(encoding="utf-8").splitlines(keepends=True)
    new = list(old)
    current: str | None = None
    key_indent = -1
    done: set[str] = set()
    for i, line in enumerate(old):
        m = _ID_LINE.match(line)
        if m:
            current = m.group(2).strip("'\"")
            key_indent = line.index("id:")
            continue
        v = _VALUE_LINE.match(line)
        if v and current in changes and current not in done and len(v.group(1)) == key_indent:
            ending = "\n" if line.endswith("\n") else ""
            new[i] = f"{v.group(1)}value:{v.group(2) or ' '}{format_number(changes[current])}{v.group(4).rstrip(chr(10))}{ending}"
            done.add(current)
    missing = [pid for pid in changes if pid not in done]
    if missing:
        raise ScenarioError(str(path), f"no 'value:' line found for {', '.join(missing)}")
    # Paths relative to the working directory (the checkout), so that `git apply` works there.
    try:
        label = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        label = display_path(path)
    return "".join(difflib.unified_diff(old, new, fromfile=f"a/{label}", tofile=f"b/{label}"))
