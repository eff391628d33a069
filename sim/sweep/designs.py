"""Sweep designs: which parameter values each point of a sweep runs with.

A :class:`Design` is a matrix ``X`` (points x parameters) plus what is needed to
analyse it. Four kinds, the sampled ones drawn by SALib's samplers over the
registry's plausible ranges (``low``..``high``):

- :func:`grid`: the full factorial of given values per parameter (``--vary``);
  values must lie in each parameter's allowed domain, not only its range.
- :func:`latin_hypercube`: ``n`` points, SALib's Latin hypercube (``SALib.sample.latin``).
- :func:`sobol`: Saltelli's scheme for Sobol indices (``SALib.sample.sobol``):
  ``N * (D + 2)`` points, or ``N * (2D + 2)`` with second-order indices.
- :func:`morris`: ``N`` Morris trajectories (``SALib.sample.morris``): ``N * (D + 1)`` points.

Integer parameters are sampled over ``[low - 0.5, high + 0.5]`` and rounded (then
kept within ``low``..``high``), so each whole value in the range is equally likely;
the analysis uses the unrounded design (``X``), the model the rounded values
(:meth:`Design.values`). A parameter whose range is a single value (``low == high``)
cannot be sampled: asking for it by name is an error, ``all`` and patterns skip it.

Every function here is pure: a registry and numbers in, a Design out. Nothing
runs the model.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from sim.inputs.errors import ScenarioError, did_you_mean
from sim.inputs.registry import Registry, format_number

KINDS = ("grid", "lhs", "sobol", "morris")
VARY_EXAMPLE = "e.g. --vary minsk.unrest_threshold=0.3:0.7:5 or --vary world.ukraine_war_ongoing=0,1"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*:\s*(\d+)\s*$")


@dataclass(frozen=True)
class Design:
    """The points of a sweep.

    ``names``: parameter ids (columns of ``X``); ``X``: the design as sampled
    (points x parameters); ``bounds``: per parameter the sampled interval (SALib's
    problem ``bounds``); ``integer``: per parameter, whether values are rounded;
    ``settings``: how it was made (``N``, ``second_order``, ``levels``, ``grid`` values, ``seed``).
    """

    kind: str
    names: tuple[str, ...]
    X: np.ndarray = field(repr=False)
    bounds: tuple[tuple[float, float], ...]
    integer: tuple[bool, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def n_points(self) -> int:
        return int(self.X.shape[0])

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem definition."""
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": [list(b) for b in self.bounds]}

    def values(self) -> np.ndarray:
        """The values the model runs with: integer parameters rounded into their range."""
        values = np.array(self.X, dtype=float, copy=True)
        for j, is_integer in enumerate(self.integer):
            if is_integer:
                low, high = self.settings.get("ranges", {}).get(self.names[j], self.bounds[j])
                values[:, j] = np.clip(np.round(values[:, j]), math.ceil(low), math.floor(high))
        return values

    def describe(self) -> str:
        d = len(self.names)
        if self.kind == "grid":
            sizes = " x ".join(str(len(self.settings["grid"][n])) for n in self.names)
            return f"grid over {d} parameter{'s' * (d != 1)} ({sizes} = {self.n_points:,} points)"
        if self.kind == "lhs":
            return f"Latin hypercube of {self.n_points:,} points over {d} parameter{'s' * (d != 1)}"
        if self.kind == "sobol":
            order = "N(2D+2)" if self.settings["second_order"] else "N(D+2)"
            return (f"Sobol (Saltelli) design, N={self.settings['N']}, D={d}: {order} = {self.n_points:,} points"
                    + (" (with second-order indices)" if self.settings["second_order"] else ""))
        return (f"Morris design, {self.settings['N']} trajectories x (D+1), D={d}, "
                f"{self.settings['levels']} levels: {self.n_points:,} points")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description (without ``X``), for manifests and resume checks."""
        return {
            "kind": self.kind,
            "parameters": list(self.names),
            "bounds": {n: [float(b[0]), float(b[1])] for n, b in zip(self.names, self.bounds)},
            "integer": [n for n, i in zip(self.names, self.integer) if i],
            "points": self.n_points,
            **{k: _jsonable(v) for k, v in self.settings.items()},
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def design_seed(seed: int, purpose: int) -> int:
    """A seed for a design sampler or an analysis, independent of every point's seed.

    Points use ``SeedSequence(seed, spawn_key=(i,))``; these use a two-part key, so they never coincide.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ScenarioError("--seed", f"must be a whole number >= 0, got {seed!r}")
    state = np.random.SeedSequence(entropy=int(seed), spawn_key=(purpose, 0)).generate_state(1)[0]
    return int(state) or 1  # SALib treats a seed of 0 as "no seed"


SAMPLER_KEY, ANALYSIS_KEY = 0x5A, 0xA7


# --------------------------------------------------------------------------- grids


def parse_vary(text: str, registry: Registry, source: str = "--vary") -> tuple[str, list[float]]:
    """Parse ``ID=LOW:HIGH:N`` (N evenly spaced values) or ``ID=V1,V2,...`` into (id, values).

    Values must lie in the parameter's domain (integers for integer parameters).
    """
    pid, sep, raw = str(text).partition("=")
    pid, raw = pid.strip(), raw.strip()
    if not sep or not pid or not raw:
        raise ScenarioError(source, f"'{text}' is not ID=LOW:HIGH:N or ID=V1,V2,...; {VARY_EXAMPLE}")
    if pid not in registry:
        raise ScenarioError(source, "unknown parameter id" + did_you_mean(pid, registry) + " (sim params lists them)",
                            key=pid)
    parameter = registry[pid]
    spaced = _RANGE.match(raw)
    if spaced:
        low, high, count = float(spaced.group(1)), float(spaced.group(2)), int(spaced.group(3))
        if count < 2:
            raise ScenarioError(source, f"'{raw}': N must be at least 2 (for one value use --set {pid}=VALUE)",
                                key=pid)
        if not low < high:
            raise ScenarioError(source, f"'{raw}': LOW must be below HIGH", key=pid)
        check_size(count, 1, source)
        values = [_tidy(v) for v in np.linspace(low, high, count)]
        if len(set(values)) != count:  # ends so close that 12 significant digits cannot tell N values apart
            raise ScenarioError(source, f"'{raw}': {format_number(low)} and {format_number(high)} are too close "
                                        f"for {count} different values; widen the range or ask for fewer", key=pid)
    elif ":" in raw:
        raise ScenarioError(source, f"'{raw}' is not LOW:HIGH:N (three numbers, N a whole number of values); "
                                    f"{VARY_EXAMPLE}", key=pid)
    else:
        values = []
        for part in raw.split(","):
            try:
                values.append(float(part.strip()))
            except ValueError:
                raise ScenarioError(source, f"'{part.strip()}' is not a number; {VARY_EXAMPLE}", key=pid) from None
        if len(set(values)) != len(values):
            raise ScenarioError(source, f"'{raw}' repeats a value; give each value once", key=pid)
    checked = ([low, high] if spaced else []) + values  # the ends first: the likeliest mistake
    for value in checked:
        problem = parameter.check(value)
        if problem:
            whole = not parameter.integer or float(value).is_integer()  # False for inf and nan too
            why = "" if whole else " (not a whole number)"
            raise ScenarioError(source, f"'{raw}' gives {format_number(value)}{why}, which is not allowed; allowed: "
                                        f"{problem}", key=pid)
    return pid, values


def _tidy(value: float) -> float:
    """``0.6000000000000001`` -> ``0.6``: grid values as a person would write them."""
    return float(f"{value:.12g}")


def grid(registry: Registry, vary: Mapping[str, Sequence[float]] | Iterable[tuple[str, Sequence[float]]]) -> Design:
    """The full factorial of the given values; the first parameter varies slowest."""
    items = list(vary.items() if isinstance(vary, Mapping) else vary)
    if not items:
        raise ScenarioError("--vary", f"give at least one parameter to vary; {VARY_EXAMPLE}")
    seen: set[str] = set()
    for pid, values in items:
        if pid in seen:
            raise ScenarioError("--vary", "given twice; vary each parameter once", key=pid)
        seen.add(pid)
        if pid not in registry:
            raise ScenarioError("--vary", "unknown parameter id", key=pid)
        for value in values:
            problem = registry[pid].check(value)
            if problem:
                raise ScenarioError("--vary", f"{format_number(value)} is not allowed; allowed: {problem}", key=pid)
    names = tuple(pid for pid, _ in items)
    check_size(math.prod(len(values) for _, values in items), len(names), "--vary")
    axes = [np.asarray(values, dtype=float) for _, values in items]
    X = np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(names))
    return Design(
        kind="grid", names=names, X=X,
        bounds=tuple((float(a.min()), float(a.max())) for a in axes),
        integer=tuple(registry[n].integer for n in names),
        settings={"grid": {pid: [float(v) for v in values] for pid, values in items}},
    )


# --------------------------------------------------------------------------- sampled designs


def select_parameters(registry: Registry, spec: str | Sequence[str] | None = "all",
                      source: str = "--params", include_fixed: bool = False) -> list[str]:
    """Parameter ids to sample: in the order given; ``all`` and patterns in registry order.

    ``spec`` is ``"all"`` (or None), or ids and glob patterns separated by commas
    (``"minsk.*,moscow.subsidy_step"``). Fixed parameters (``low == high``) are an
    error when named, and skipped by ``all`` and patterns. ``all`` takes only the
    uncertainties (registry ``role: uncertain``), leaving out the 2015 starting values,
    scenario switches and calendar dates unless ``include_fixed``; named ids and
    patterns take any role.
    """
    if spec is None:
        spec = "all"
    parts = [p.strip() for p in (spec.split(",") if isinstance(spec, str) else spec) if p and p.strip()]
    if not parts:
        raise ScenarioError(source, "give parameter ids (comma-separated, globs allowed) or 'all'")
    sweepable = [pid for pid, p in registry.items() if p.low < p.high and (include_fixed or p.uncertain)]
    chosen: dict[str, None] = {}  # ordered: as given, a pattern's matches in registry order
    for part in parts:
        if part == "all":
            chosen.update(dict.fromkeys(sweepable))
        elif any(ch in part for ch in "*?["):
            matched = [pid for pid in registry if fnmatch.fnmatchcase(pid, part)]
            if not matched:
                raise ScenarioError(source, "the pattern matches no parameter id (sim params lists them)", key=part)
            usable = [pid for pid in matched if registry[pid].low < registry[pid].high]
            if not usable:
                raise ScenarioError(source, "every parameter the pattern matches has a fixed range (low = high)",
                                    key=part)
            chosen.update(dict.fromkeys(usable))
        elif part not in registry:
            raise ScenarioError(source, "unknown parameter id" + did_you_mean(part, registry)
                                + " (sim params lists them)", key=part)
        else:
            p = registry[part]
            if not p.low < p.high:
                raise ScenarioError(source, f"cannot be varied: its registry range is the single value "
                                            f"{format_number(p.low)} (low = high); grid it with --vary {part}=V1,V2 "
                                            f"or set it with --set", key=part)
            chosen[part] = None
    return list(chosen)


def _sampling(registry: Registry, names: Sequence[str]) -> tuple[list[tuple[float, float]], list[bool], dict]:
    """Sampled bounds (integers widened by 0.5 each side), integer flags and the registry ranges."""
    if not names:
        raise ScenarioError("--params", "no parameter to sample")
    bounds, integer, ranges = [], [], {}
    for pid in names:
        p = registry[pid]
        if not p.low < p.high:
            raise ScenarioError("--params", f"cannot be varied: low = high = {format_number(p.low)}", key=pid)
        ranges[pid] = [float(p.low), float(p.high)]
        if p.integer:
            bounds.append((float(p.low) - 0.5, float(p.high) + 0.5))
        else:
            bounds.append((float(p.low), float(p.high)))
        integer.append(bool(p.integer))
    return bounds, integer, ranges


def _problem(names, bounds) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}


def _run_sampler(sample, *args, **kwargs) -> tuple[np.ndarray, tuple[str, ...]]:
    """Call a SALib sampler; its warnings become notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X = sample(*args, **kwargs)
    notes = tuple(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))
    return np.asarray(X, dtype=float), notes


def _check_count(n: int, what: str, minimum: int) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ScenarioError("--n", f"{what} must be a whole number >= {minimum}, got {n!r}")


MAX_POINTS = 2_000_000  # points in one sweep: about six hours at 10 ms a point on one core
MAX_DESIGN_CELLS = 50_000_000  # points x parameters: the design matrix alone stays under 400 MB


def check_size(points: int, parameters: int, source: str) -> None:
    """Refuse up front a design too large to hold or to finish, before anything is sampled or written."""
    cells = points * max(parameters, 1)
    if points > MAX_POINTS or cells > MAX_DESIGN_CELLS:
        raise ScenarioError(source, f"this design has {points:,} points over {parameters} parameter{'s' * (parameters != 1)} "
                                    f"({cells * 8 / 2**30:.1f} GiB for the design alone); the limit is "
                                    f"{MAX_POINTS:,} points and {MAX_DESIGN_CELLS:,} point-parameter cells: use "
                                    "fewer values or points, fewer parameters, or split the sweep")


def latin_hypercube(registry: Registry, names: Sequence[str], n: int, seed: int) -> Design:
    """``n`` points of SALib's Latin hypercube over the registry ranges."""
    from SALib.sample import latin

    _check_count(n, "the number of points", 1)
    check_size(int(n), len(names), "--n")
    bounds, integer, ranges = _sampling(registry, names)
    X, notes = _run_sampler(latin.sample, _problem(names, bounds), int(n), seed=design_seed(seed, SAMPLER_KEY))
    return Design("lhs", tuple(names), X, tuple(bounds), tuple(integer),
                  {"N": int(n), "seed": int(seed), "ranges": ranges}, notes)


def sobol(registry: Registry, names: Sequence[str], n: int, seed: int, second_order: bool = False) -> Design:
    """Saltelli's design for Sobol indices (SALib.sample.sobol, scrambled): N(D+2) or N(2D+2) points.

    ``n`` should be a power of two (the Sobol sequence's balance properties).
    """
    from SALib.sample import sobol as sobol_sample

    _check_count(n, "N (base samples)", 2)
    if second_order and len(names) < 2:
        second_order = False
    check_size(int(n) * ((2 if second_order else 1) * len(names) + 2), len(names), "--n")
    bounds, integer, ranges = _sampling(registry, names)
    X, notes = _run_sampler(sobol_sample.sample, _problem(names, bounds), int(n),
                            calc_second_order=bool(second_order), scramble=True,
                            seed=design_seed(seed, SAMPLER_KEY))
    if n & (n - 1):
        notes += (f"N={n} is not a power of two; Sobol sequences balance best at N = 2^k "
                  f"(e.g. {2 ** math.floor(math.log2(n))} or {2 ** math.ceil(math.log2(n))})",)
        notes = tuple(note for note in notes if "balance properties" not in note)
    return Design("sobol", tuple(names), X, tuple(bounds), tuple(integer),
                  {"N": int(n), "second_order": bool(second_order), "seed": int(seed), "ranges": ranges}, notes)


def morris(registry: Registry, names: Sequence[str], n: int, seed: int, levels: int = 4) -> Design:
    """``n`` Morris trajectories on a ``levels``-level grid (SALib.sample.morris): N(D+1) points."""
    from SALib.sample import morris as morris_sample

    _check_count(n, "the number of trajectories", 2)
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2 or levels % 2:
        raise ScenarioError("--levels", f"must be an even whole number >= 2 (4 is usual), got {levels!r}")
    check_size(int(n) * (len(names) + 1), len(names), "--n")
    bounds, integer, ranges = _sampling(registry, names)
    X, notes = _run_sampler(morris_sample.sample, _problem(names, bounds), int(n), num_levels=int(levels),
                            seed=design_seed(seed, SAMPLER_KEY))
    return Design("morris", tuple(names), X, tuple(bounds), tuple(integer),
                  {"N": int(n), "levels": int(levels), "seed": int(seed), "ranges": ranges}, notes)




DEFAULT_N = {"lhs": 1000, "sobol": 64, "morris": 20}
AUTO_SECOND_ORDER_MAX = 10  # Sobol designs compute second-order indices by default up to this many parameters


def make_design(registry: Registry, kind: str, *, vary: Mapping[str, Sequence[float]] | None = None,
                params: str | Sequence[str] | None = "all", n: int | None = None, seed: int = 0,
                second_order: bool | None = None, levels: int = 4, include_fixed: bool = False) -> Design:
    """One entry point for every kind: ``grid`` (``vary``), ``lhs``, ``sobol``, ``morris`` (``params``, ``n``).

    ``params="all"`` samples the uncertainties only, unless ``include_fixed`` (see :func:`select_parameters`).

    ``n`` defaults to ``DEFAULT_N[kind]``; for Sobol, ``second_order`` defaults to
    on for at most ``AUTO_SECOND_ORDER_MAX`` parameters.
    """
    if kind not in KINDS:
        raise ScenarioError("--sample", f"unknown design '{kind}'; allowed: {', '.join(KINDS[1:])} (or --vary for a grid)")
    if kind == "grid":
        return grid(registry, vary or {})
    names = select_parameters(registry, params, include_fixed=include_fixed)
    n = DEFAULT_N[kind] if n is None else n
    if kind == "lhs":
        return latin_hypercube(registry, names, n, seed)
    if kind == "sobol":
        if second_order is None:
            second_order = len(names) <= AUTO_SECOND_ORDER_MAX
        return sobol(registry, names, n, seed, second_order)
    return morris(registry, names, n, seed, levels)
