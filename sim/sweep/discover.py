"""Scenario discovery: under which conditions does an outcome happen?

    import sim
    found = sim.discover("results/baseline/sweep-lhs-20261201-120000", "alignment@2030 > -0.2")
    print(found.text())      # the chosen box in words
    found.boxes              # the peeling trajectory: coverage, density, mass, each parameter's range
    found.save("results/baseline/discovery")

A sweep's points are parameter sets; each has its outcome statistics (``points.parquet``). The
target (``OUTCOME OP VALUE``) marks the points where the outcome happens. The Patient Rule Induction
Method (PRIM; Friedman and Fisher 1999, as used for scenario discovery by Bryant and Lempert 2010)
peels the parameter space, a little at a time, toward a box where the target is dense:

- **coverage**: the share of all target points that lie inside the box;
- **density**: the share of the points inside the box that are target points;
- **mass**: the share of all points inside the box.

PRIM comes from the EMA Workbench (``ema_workbench.analysis.prim``): the maintained reference
implementation of exploratory modelling, which also gives each restriction its quasi-p-value. A
CART tree (scikit-learn's ``DecisionTreeClassifier``) is the second view: its densest large leaf is a
box found by another method, so agreement between the two is evidence that the box is not an
artefact of one algorithm.

The chosen box is, unless ``box=`` names one, the box with the most coverage whose density reaches
``threshold`` (the least peeled box that is dense enough; if none is, the densest box with at least
``min_coverage``); restrictions whose quasi-p-value is above ``significance`` (the peel
moved a bound by chance) are then dropped, as the EMA Workbench's own workflow recommends.
"""

from __future__ import annotations

import inspect
import json
import math
import operator
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from sim.inputs.errors import ScenarioError, did_you_mean
from sim.outputs.atomic import atomic_folder

OPERATORS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">": operator.gt,
             "<": operator.lt}
TARGET_PATTERN = re.compile(r"^\s*(?P<column>\S+?)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>\S+)\s*$")
MIN_POINTS = 20  # fewer points than this give boxes that are noise
DEFAULTS = {"threshold": 0.8, "peel_alpha": 0.05, "paste_alpha": 0.05, "min_coverage": 0.5, "significance": 0.05,
            "tree_depth": 3, "tree_min_leaf": 0.05}


@dataclass(frozen=True)
class Target:
    """``column op value``: which points count as the outcome happening."""

    column: str
    op: str
    value: float

    @property
    def text(self) -> str:
        return f"{self.column} {self.op} {number(self.value)}"

    def holds(self, points: pd.DataFrame) -> np.ndarray:
        return np.asarray(OPERATORS[self.op](points[self.column].to_numpy(dtype=float), self.value), dtype=bool)


def parse_target(text: str, columns: Sequence[str], where: str = "--target") -> Target:
    """Read ``'OUTCOME OP VALUE'`` against the outcome columns of a sweep; one-line errors."""
    match = TARGET_PATTERN.match(str(text))
    if not match:
        raise ScenarioError(where, f"{text!r} is not OUTCOME OP VALUE; allowed OP: {' '.join(OPERATORS)}, "
                                   "e.g. 'alignment@2030 > -0.2'", key="target")
    column, op, raw = match["column"], match["op"], match["value"]
    if column not in columns:
        hint = did_you_mean(column, columns)
        raise ScenarioError(where, f"{column!r} is not an outcome of this sweep"
                                   + (hint or f"; allowed: {', '.join(columns)}"), key="target")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", raw):
        raise ScenarioError(where, f"{raw!r} is not a finite number", key="target")
    return Target(column, op, value)


@dataclass
class Sweep:
    """What discovery needs of a sweep folder: its points and the design's parameters with their ranges."""

    folder: Path
    points: pd.DataFrame
    parameters: list[str]
    ranges: dict[str, tuple[float, float]]
    outcome_columns: list[str]
    scenario: str


def load_sweep(folder: str | Path) -> Sweep:
    """Read and check a sweep folder (``manifest.json`` and ``points.parquet``); one-line errors."""
    folder = Path(folder)
    manifest_path, points_path = folder / "manifest.json", folder / "points.parquet"
    if not folder.is_dir():
        raise ScenarioError(str(folder), "not a folder; give a sweep folder written by sim sweep", key="SWEEP_FOLDER")
    for path in (manifest_path, points_path):
        if not path.is_file():
            raise ScenarioError(str(path), "missing: not a complete sweep folder", key="SWEEP_FOLDER")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ScenarioError(str(manifest_path), f"unreadable manifest ({type(err).__name__})") from None
    design = manifest.get("design") if isinstance(manifest, dict) else None
    names = design.get("parameters") if isinstance(design, dict) else None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ScenarioError(str(manifest_path), "no list of design parameters", key="design.parameters")
    try:
        points = pd.read_parquet(points_path)
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise ScenarioError(str(points_path), f"unreadable table ({type(err).__name__})") from None
    missing = [n for n in names if n not in points.columns]
    if missing:
        raise ScenarioError(str(points_path), f"no column for the design parameter(s) {', '.join(missing)}")
    outcome_columns = [c for c in points.columns if c != "point" and c not in names and ":" not in c.rsplit("@", 1)[-1]]
    for column in [*names, *outcome_columns]:
        values = pd.to_numeric(points[column], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise ScenarioError(str(points_path), f"column {column!r} holds values that are not finite numbers")
        points[column] = values
    # The sampled extent, not the design's nominal range: PRIM starts from the points' own box, so a bound
    # counts as a restriction only where the box cuts into the points actually sampled.
    ranges = {name: (float(points[name].min()), float(points[name].max())) for name in names}
    scenario = manifest.get("scenario", {})
    name = scenario.get("name") if isinstance(scenario, dict) else None
    return Sweep(folder, points, names, ranges, outcome_columns, str(name) if isinstance(name, str) else "sweep")


@dataclass
class Box:
    """A box in parameter space: the restricted range of each parameter, and how well it holds the target."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    n: int
    restricted: list[str]
    qp: dict[str, list[float]] = field(default_factory=dict)  # quasi-p-values of the bounds kept

    def conditions(self, ranges: dict[str, tuple[float, float]]) -> list[str]:
        """The restrictions in words: ``name < 52``, ``name > 1.1`` or ``0.2 <= name <= 0.6``."""
        out = []
        for name in self.restricted:
            low, high = self.limits[name]
            full_low, full_high = ranges[name]
            cut_low, cut_high = low > full_low, high < full_high
            if cut_low and cut_high:
                out.append(f"{number(low)} <= {name} <= {number(high)}")
            elif cut_high:
                out.append(f"{name} <= {number(high)}")
            elif cut_low:
                out.append(f"{name} >= {number(low)}")
        return out


def box_statistics(points: pd.DataFrame, target: np.ndarray, limits: dict[str, tuple[float, float]],
                   ranges: dict[str, tuple[float, float]]) -> Box:
    """Coverage, density and mass of the box ``limits`` over the points; ``restricted`` = bounds inside the range."""
    inside = np.ones(len(points), dtype=bool)
    restricted = []
    for name, (low, high) in limits.items():
        values = points[name].to_numpy(dtype=float)
        inside &= (values >= low) & (values <= high)
        full_low, full_high = ranges[name]
        if low > full_low or high < full_high:
            restricted.append(name)
    hits = int(target.sum())
    n = int(inside.sum())
    coverage = float((target & inside).sum() / hits) if hits else 0.0
    density = float(target[inside].mean()) if n else 0.0
    return Box(dict(limits), coverage, density, n / len(points), n, restricted)


@dataclass
class Discovery:
    """The result of :func:`discover`: the peeling trajectory, the chosen box, and the tree's view."""

    sweep: Sweep
    target: Target
    base_rate: float
    boxes: pd.DataFrame
    chosen_index: int
    chosen: Box
    tree_text: str
    tree_box: Box | None
    settings: dict[str, Any]
    folder: Path | None = None

    def box_words(self, box: Box, label: str) -> str:
        conditions = box.conditions(self.sweep.ranges) or ["(no restriction)"]
        return (f"{label}: {self.target.text} at {percent(box.density)} of the points inside this box (density), "
                f"which holds {percent(box.coverage)} of all such points (coverage) and {percent(box.mass)} of all "
                f"points (mass): " + ", ".join(conditions))

    def text(self) -> str:
        n = len(self.sweep.points)
        lines = [f"{self.target.text} holds at {int(round(self.base_rate * n))} of {n} points "
                 f"({percent(self.base_rate)}); each point is one parameter set, its outcome the mean over its worlds.",
                 self.box_words(self.chosen, f"PRIM box {self.chosen_index}")]
        if self.tree_box is not None:
            lines.append(self.box_words(self.tree_box, "CART leaf"))
            shared = sorted(set(self.chosen.restricted) & set(self.tree_box.restricted))
            lines.append("Both methods restrict: " + (", ".join(shared) if shared else "no parameter in common"))
        if self.folder is not None:
            lines.append(f"discovery folder: {self.folder}")
        return "\n".join(lines)

    def save(self, folder: str | Path, plots: bool = True) -> Path:
        """Write ``boxes.csv``, ``tree.txt``, ``discovery.json`` and the plots, atomically."""
        folder = Path(folder)
        with atomic_folder(folder) as staging:
            self.boxes.to_csv(staging / "boxes.csv", index=False)
            (staging / "tree.txt").write_text(self.tree_text, encoding="utf-8")
            (staging / "discovery.json").write_text(json.dumps(self.summary(), indent=2) + "\n", encoding="utf-8")
            if plots:
                from sim.figures.discovery import plot_discovery
                plot_discovery(self, staging / "plots")
        self.folder = folder
        return folder

    def summary(self) -> dict[str, Any]:
        def box(b: Box | None) -> dict[str, Any] | None:
            if b is None:
                return None
            return {"coverage": b.coverage, "density": b.density, "mass": b.mass, "points": b.n,
                    "restrictions": {n: list(b.limits[n]) for n in b.restricted},
                    "quasi_p_values": b.qp, "in_words": b.conditions(self.sweep.ranges)}
        return {"sweep": str(self.sweep.folder), "target": self.target.text, "base_rate": self.base_rate,
                "points": len(self.sweep.points), "parameters": self.sweep.parameters,
                "ranges": {k: list(v) for k, v in self.sweep.ranges.items()},
                "chosen_box": self.chosen_index, "prim": box(self.chosen), "cart": box(self.tree_box),
                "settings": self.settings,
                "method": "PRIM: ema_workbench.analysis.prim; CART: sklearn.tree.DecisionTreeClassifier",
                "files": {"boxes.csv": "the peeling trajectory, one row per box: box, coverage, density, mass, points, "
                                       "restricted dimensions, then each parameter's low and high bound",
                          "tree.txt": "the CART tree as text",
                          "plots/": "coverage/density trade-off; the chosen box's ranges"}}


def number(value: float) -> str:
    """A bound or target value in words: three significant digits (52.2, 1.1, -0.2)."""
    return f"{value:.3g}"


def percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def discover(sweep: str | Path | Sweep, target: str | Target, *, box: int | None = None,
             threshold: float = DEFAULTS["threshold"], peel_alpha: float = DEFAULTS["peel_alpha"],
             paste_alpha: float = DEFAULTS["paste_alpha"], min_coverage: float = DEFAULTS["min_coverage"],
             significance: float = DEFAULTS["significance"], tree_depth: int = DEFAULTS["tree_depth"],
             tree_min_leaf: float = DEFAULTS["tree_min_leaf"], out: str | Path | None = None,
             plots: bool = True) -> Discovery:
    """Find the box of parameter space where ``target`` holds (PRIM), and a CART tree's view of it."""
    sweep = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    target = target if isinstance(target, Target) else parse_target(target, sweep.outcome_columns)
    _check_settings(threshold, peel_alpha, paste_alpha, min_coverage, significance, tree_depth, tree_min_leaf)
    points = sweep.points
    if len(points) < MIN_POINTS:
        raise ScenarioError(str(sweep.folder), f"{len(points)} points are too few for discovery; "
                                               f"allowed: {MIN_POINTS} or more (sweep with a larger --n)")
    hits = target.holds(points)
    if hits.all() or not hits.any():
        raise ScenarioError("--target", f"{target.text} holds at {'every' if hits.all() else 'no'} point of the sweep: "
                                        "nothing to discover; choose another value", key="target")
    x = points[sweep.parameters].reset_index(drop=True)
    found_box, trajectory, limits_list = _prim(x, hits, threshold, peel_alpha, paste_alpha)
    boxes = _box_table(trajectory, limits_list, sweep)
    if box is None:
        chosen_index = choose_box(boxes, threshold, min_coverage)
    else:
        if not 0 <= box < len(boxes):
            raise ScenarioError("--box", f"{box} is not a box of the trajectory; allowed: 0 to {len(boxes) - 1}",
                                key="box")
        chosen_index = box
    limits = dict(limits_list[chosen_index])
    qp = _quasi_p_values(found_box, chosen_index)
    for name, (qp_low, qp_high) in qp.items():  # a bound the peel moved by chance goes back to the sampled extent
        low, high = limits[name]
        full_low, full_high = sweep.ranges[name]
        limits[name] = (low if qp_low <= significance else full_low, high if qp_high <= significance else full_high)
    chosen = box_statistics(points, hits, limits, sweep.ranges)
    chosen.qp = {n: [v for v in qp[n] if math.isfinite(v) and v <= significance] for n in chosen.restricted if n in qp}
    tree_text, tree_box = _tree(x, hits, sweep, tree_depth, tree_min_leaf)
    settings = {"threshold": threshold, "peel_alpha": peel_alpha, "paste_alpha": paste_alpha,
                "min_coverage": min_coverage, "significance": significance, "tree_depth": tree_depth,
                "tree_min_leaf": tree_min_leaf, "box": box}
    found = Discovery(sweep, target, float(hits.mean()), boxes, chosen_index, chosen, tree_text, tree_box, settings)
    if out is not None:
        found.save(out, plots=plots)
    return found


def choose_box(boxes: pd.DataFrame, threshold: float, min_coverage: float) -> int:
    """The box with the most coverage whose density reaches ``threshold`` (the least peeled box that is dense
    enough); if none does, the densest box with at least ``min_coverage``; else the last box peeled."""
    dense = boxes[boxes["density"] >= threshold]
    if not dense.empty:
        return int(dense.sort_values(["coverage", "density"], ascending=False).iloc[0]["box"])
    covered = boxes[boxes["coverage"] >= min_coverage]
    if not covered.empty:
        return int(covered.sort_values(["density", "coverage"], ascending=False).iloc[0]["box"])
    return int(boxes["box"].iloc[-1])


def _check_settings(threshold, peel_alpha, paste_alpha, min_coverage, significance, tree_depth, tree_min_leaf):
    for name, value, low, high in (("threshold", threshold, 0, 1), ("peel_alpha", peel_alpha, 0.01, 0.5),
                                   ("paste_alpha", paste_alpha, 0.01, 0.5), ("min_coverage", min_coverage, 0, 1),
                                   ("significance", significance, 0, 1), ("tree_min_leaf", tree_min_leaf, 0.001, 0.5)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
            raise ScenarioError(f"--{name.replace('_', '-')}", f"{value!r}; allowed: a number from {low} to {high}",
                                key=name)
    if not isinstance(tree_depth, int) or isinstance(tree_depth, bool) or not 1 <= tree_depth <= 10:
        raise ScenarioError("--tree-depth", f"{tree_depth!r}; allowed: an integer from 1 to 10", key="tree_depth")


def _prim(x: pd.DataFrame, hits: np.ndarray, threshold: float, peel_alpha: float, paste_alpha: float):
    """The EMA Workbench's PRIM: the peeling trajectory, each box's limits and each restriction's quasi-p-value."""
    import logging

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the workbench warns about optional parallel back ends it does not need here
        from ema_workbench.analysis import prim

        logging.getLogger("EMA").setLevel(logging.ERROR)
        # We choose the box on the trajectory with the threshold ourselves (choose_box), so the workbench must keep
        # the whole trajectory. Its 3.x line peels to its minimum mass without a density threshold. The 2.x line
        # peels there too, but throws the trajectory away (a "dump box" of all points) when the last box's density
        # is below its threshold: a target whose densest box reached 0.75 found nothing. 2.x also counts a point
        # as a hit when its 0/1 value is >= the threshold, so it gets the smallest positive number: every hit
        # counts, and any last box holding a hit keeps its trajectory. Pass what this version takes.
        settings = {"threshold": float(np.nextafter(0.0, 1.0)), "peel_alpha": peel_alpha, "paste_alpha": paste_alpha}
        accepted = inspect.signature(prim.Prim.__init__).parameters
        found = prim.Prim(x, hits, **{k: v for k, v in settings.items() if k in accepted}).find_box()
        if found is None:
            raise ScenarioError("--target", "PRIM found no box denser than the whole sweep; choose another target "
                                            "or sweep more points", key="target")
        trajectory = found.peeling_trajectory.reset_index(drop=True)
        limits_list = [{name: (float(lims.loc[0, name]), float(lims.loc[1, name])) for name in x.columns}
                       for lims in found.box_lims]
    return found, trajectory, limits_list


def _quasi_p_values(found, i: int) -> dict[str, tuple[float, float]]:
    """The quasi-p-values of the lower and upper bound of each restricted parameter of box ``i`` (NaN: that side is
    not restricted), from the workbench's own ``inspect`` (its table has the lower bound's column first)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _stats, table = found.inspect(i, style="data")[0]
    qp = table.xs("qp value", axis=1, level=1).to_numpy(dtype=float)
    return {str(name): (float(qp[row, 0]), float(qp[row, 1])) for row, name in enumerate(table.index)}


def _box_table(trajectory: pd.DataFrame, limits_list: list[dict[str, tuple[float, float]]], sweep: Sweep) -> pd.DataFrame:
    rows = []
    for i, limits in enumerate(limits_list):
        row = {"box": i, "coverage": float(trajectory.loc[i, "coverage"]), "density": float(trajectory.loc[i, "density"]),
               "mass": float(trajectory.loc[i, "mass"]), "points": int(trajectory.loc[i, "n"])}
        restricted = [n for n, (low, high) in limits.items()
                      if low > sweep.ranges[n][0] or high < sweep.ranges[n][1]]
        row["restricted"] = ";".join(restricted)
        for name in sweep.parameters:
            row[f"{name}:low"], row[f"{name}:high"] = limits[name]
        rows.append(row)
    return pd.DataFrame(rows)


def _tree(x: pd.DataFrame, hits: np.ndarray, sweep: Sweep, depth: int, min_leaf: float) -> tuple[str, Box | None]:
    """A CART tree on the same points; its densest leaf holding at least ``min_leaf`` of the points as a box."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    leaf_size = max(2, int(math.ceil(min_leaf * len(x))))
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf_size, random_state=0)
    tree.fit(x.to_numpy(), hits)
    text = export_text(tree, feature_names=list(x.columns), decimals=3, show_weights=True)
    structure = tree.tree_
    best: Box | None = None

    def walk(node: int, limits: dict[str, tuple[float, float]]) -> None:
        nonlocal best
        if structure.children_left[node] == -1:
            box = box_statistics(sweep.points, hits, limits, sweep.ranges)
            if box.n and (best is None or (box.density, box.coverage) > (best.density, best.coverage)):
                best = box
            return
        name = x.columns[structure.feature[node]]
        cut = float(structure.threshold[node])
        low, high = limits[name]
        walk(structure.children_left[node], {**limits, name: (low, min(high, cut))})
        walk(structure.children_right[node], {**limits, name: (max(low, np.nextafter(cut, np.inf)), high)})

    walk(0, {name: sweep.ranges[name] for name in sweep.parameters})
    return text, best
