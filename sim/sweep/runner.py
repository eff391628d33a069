"""Batch sweeps and global sensitivity analysis: the public API.

    import sim
    from sim import sweep as sw

    scenario = sim.load_scenario("scenarios/baseline.yaml")
    design = sw.make_design(sim.load_registry(), "sobol", params="minsk.*", n=64, seed=1)
    result = sw.run_sweep(scenario, design, ["alignment@2016:2030"], replicates=100, workers=2,
                          out="results/baseline/sobol-minsk")
    result.points       # one row per point: parameter values, then outcome statistics
    result.indices      # Sobol S1/ST (or Morris mu*/sigma) with intervals, per outcome column and parameter
    result.top("alignment@2030")

Each point of a design runs the model's vectorized ensemble (``replicates``
worlds) with the point's parameter values. Point ``i`` is seeded with
``numpy.random.SeedSequence(entropy=seed, spawn_key=(i,))`` - the ``i``-th child of
the sweep's seed - so a point's numbers depend on nothing but the sweep and its
index: the same for any number of workers, any chunking and any order.

Designs (:mod:`sim.sweep.designs`), outcome specs (:mod:`sim.sweep.outcomes`), SALib analysis
(:mod:`sim.sweep.sensitivity`), executors and partial folders (:mod:`sim.sweep.executors`) live in
their own modules, and plots in :mod:`sim.figures.sweeps`; their public names are re-exported by
:mod:`sim.sweep`.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from sim.sweep import executors as executors
from sim.sweep.designs import (DEFAULT_N, KINDS, Design, grid, latin_hypercube, make_design, morris, parse_vary,
                         select_parameters, sobol)
from sim.common.formats import compact, plus_minus
from sim.inputs.errors import ScenarioError, did_you_mean
from sim.sweep.executors import PartialFolder, SweepFailed, chunk, chunk_size, partial_path
from sim.sweep.outcomes import Outcome, parse_outcome, parse_outcomes, point_statistics, statistic_columns
from sim.inputs.registry import load_registry
from sim.inputs.runspec import RunSpec
from sim.outputs import claims, paths
from sim.outputs.atomic import atomic_folder
from sim.outputs.results import SCHEMA_VERSION, dependency_versions, now
from sim.inputs.scenario import MAX_REPLICATES, Scenario, load_scenario
from sim.sweep.sensitivity import analyze, index_columns
from sim.sweep.sensitivity import top as top_indices

DEFAULT_REPLICATES = 100
# Worlds evaluated as one ensemble in a sweep (points x replicates): measured by benchmarks/bench_sweep.py,
# see README, Speed.
ENSEMBLE_WORLDS = 12_800
SWEEP_DEPENDENCIES = ("SALib", "scipy", "pyarrow", "dask", "distributed")

__all__ = [
    "run_sweep", "SweepResult", "SweepInterrupted", "SweepFailed", "Chunk", "evaluate", "evaluate_point",
    "point_seed", "make_design", "grid", "latin_hypercube", "sobol", "morris", "parse_vary", "select_parameters",
    "parse_outcome", "parse_outcomes", "Outcome", "Design", "analyze", "KINDS", "DEFAULT_N", "DEFAULT_REPLICATES",
    "default_out", "partial_path", "find_resumable",
]


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C (or a progress callback raising KeyboardInterrupt) stopped a sweep.

    ``folder`` is the partial folder keeping the ``done`` finished points (None
    when the sweep had no output folder), ``total`` the design's points.
    """

    def __init__(self, message: str, folder: Path | None, done: int, total: int):
        super().__init__(message)
        self.folder, self.done, self.total = folder, done, total


# --------------------------------------------------------------------------- evaluating points


@dataclass(frozen=True)
class Chunk:
    """A batch of points for one task: everything a worker needs, and nothing it must look up."""

    scenario: Scenario
    names: tuple[str, ...]
    points: np.ndarray  # point indices
    values: np.ndarray  # (points, parameters): the values the model runs with
    outcomes: tuple[Outcome, ...]
    replicates: int
    seed: int
    end_year: int


def point_seed(seed: int, point: int) -> np.random.SeedSequence:
    """The seed of point ``point``: child ``point`` of ``SeedSequence(seed)``, made directly."""
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(int(point),))


def evaluate_point(scenario: Scenario, parameters: dict[str, float], point: int, outcomes: Sequence[Outcome],
                   replicates: int, seed: int, end_year: int, registry=None) -> np.ndarray:
    """Run one point's ensemble; its outcome statistics in ``statistic_columns(outcomes)`` order.

    The values are not checked again: the design checked them (:func:`_checked_values`)."""
    names = tuple(parameters)
    values = np.array([[float(parameters[name]) for name in names]])
    return evaluate_points(scenario, names, values, [point], outcomes, replicates, seed, end_year, registry)[0]


def evaluate_points(scenario: Scenario, names: Sequence[str], values: np.ndarray, points: Sequence[int],
                    outcomes: Sequence[Outcome], replicates: int, seed: int, end_year: int,
                    registry=None, ensemble_points: int | None = None) -> np.ndarray:
    """Run points as ensembles of up to ``ensemble_points`` points each (default: about
    ``ENSEMBLE_WORLDS`` worlds); a (points, statistics) array.

    Each point keeps its own random stream (:func:`point_seed`), so its statistics are the same as
    evaluating it alone, whatever the grouping."""
    registry = registry or load_registry(scenario.registry_path)
    values = np.asarray(values, dtype=float).reshape(len(points), len(names))
    size = ensemble_points or max(1, ENSEMBLE_WORLDS // max(int(replicates), 1))
    rows = [_evaluate_ensemble(scenario, registry, names, values[i:i + size], points[i:i + size], outcomes,
                               replicates, seed, end_year)
            for i in range(0, len(points), size)]
    return np.vstack(rows) if rows else np.empty((0, len(statistic_columns(outcomes))))


def _evaluate_ensemble(scenario, registry, names, values, points, outcomes, replicates, seed, end_year):
    from sim.model.model import BalancingModel  # imported here: Mesa loads only where points run

    spec = RunSpec.for_points(scenario, registry, names, values, [point_seed(seed, p) for p in points],
                              replicates, end_year, ensemble_means=False)
    model = BalancingModel(spec)  # a sweep reads the history, not Mesa's yearly means
    history = model.run().history
    model.release()
    return point_statistics(history, model.base_year, outcomes, len(points))


def _whole_ensembles(size: int, replicates: int) -> int:
    """A task size rounded to whole ensembles of ``ENSEMBLE_WORLDS`` worlds, once it exceeds one: a task's
    last, smaller ensemble would run below the measured best size (README, Speed)."""
    per = max(1, ENSEMBLE_WORLDS // max(int(replicates), 1))
    return size if size <= per else per * max(1, round(size / per))


def evaluate(task: Chunk) -> np.ndarray:
    """Every point of a chunk: a (points, statistics) array. Runs in workers."""
    try:
        return evaluate_points(task.scenario, task.names, task.values, task.points, task.outcomes,
                               task.replicates, task.seed, task.end_year)
    except ScenarioError as err:  # re-raised as a plain error, which pickles back from a worker
        raise RuntimeError(str(err)) from None


def _point_columns(design: Design, values: np.ndarray, points: np.ndarray, stats: np.ndarray,
                   columns: Sequence[str]) -> dict[str, np.ndarray]:
    """The columns of the points table for ``points``: ``point``, the parameter values, the outcome statistics."""
    table: dict[str, np.ndarray] = {"point": np.asarray(points, dtype=np.int64)}
    for j, name in enumerate(design.names):
        column = values[points, j]
        table[name] = column.astype(np.int64) if design.integer[j] else column.astype(float)
    for k, name in enumerate(columns):
        table[name] = stats[:, k].astype(float)
    return table


def _point_table(design: Design, values: np.ndarray, points: np.ndarray, stats: np.ndarray,
                 columns: Sequence[str]) -> pd.DataFrame:
    """Rows of the points table (:func:`_point_columns`)."""
    return pd.DataFrame(_point_columns(design, values, points, stats, columns))


def _chunk_problem(table: pd.DataFrame, design: Design, values: np.ndarray, columns: Sequence[str]) -> str | None:
    """What is wrong with a chunk read back from disk, compared with the sweep's design; None if nothing.

    The columns must be those :func:`_point_table` writes, the points distinct ids of the design,
    each parameter value the design's own for that point, and every statistic a finite number.
    """
    expected = ["point", *design.names, *columns]
    if list(table.columns) != expected:
        missing = [c for c in expected if c not in table.columns]
        return f"columns differ ({'missing ' + ', '.join(missing[:3]) if missing else 'unexpected or reordered'})"
    points = table["point"].to_numpy()
    if not np.issubdtype(points.dtype, np.integer) or len(points) == 0:
        return "point ids are not whole numbers"
    if points.min() < 0 or points.max() >= design.n_points or len(np.unique(points)) != len(points):
        return "point ids outside the design or repeated"
    want = _point_table(design, values, points, np.zeros((len(points), len(columns))), columns)
    for name in design.names:
        if not np.array_equal(table[name].to_numpy(), want[name].to_numpy()):
            return f"values of {name} differ from the design's"
    stats = table[list(columns)].to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(stats).all():
        return "a statistic is not a finite number"
    return None


# --------------------------------------------------------------------------- results


@dataclass
class SweepResult:
    """A finished sweep: the points table, the sensitivity indices, and how it was made."""

    scenario: dict[str, Any]
    design: Design
    outcomes: list[Outcome]
    replicates: int
    seed: int
    points: pd.DataFrame
    indices: pd.DataFrame
    second_order: pd.DataFrame
    started: str
    finished: str
    seconds: float
    workers: int
    scheduler: str | None
    chunk_size: int
    resumed_points: int = 0
    notes: list[str] = field(default_factory=list)
    folder: Path | None = None

    @property
    def value_columns(self) -> list[str]:
        return [c for o in self.outcomes for c in o.value_columns()]

    def top(self, column: str | None = None, k: int = 10) -> pd.DataFrame:
        """The ``k`` most influential parameters for one outcome column (default: the first outcome's last year)."""
        column = column or self.outcomes[0].column(self.outcomes[0].years[-1])
        return top_indices(self.indices, column, k)

    def manifest(self) -> dict[str, Any]:
        versions = dependency_versions()
        for name in SWEEP_DEPENDENCIES:
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                versions[name] = "not installed"
        headline = {}
        if not self.indices.empty:
            measures = index_columns(self.design.kind)
            for outcome in self.outcomes:
                column = outcome.column(outcome.years[-1])
                best = self.top(column, 5)
                headline[column] = [{"parameter": row["parameter"], **{m: _float(row[m]) for m in measures}}
                                    for _, row in best.iterrows()]
        files = {
            "points.parquet": "one row per point: point index, the parameter values the model ran with, then the "
                              "outcome statistics (columns listed under outcomes)",
            "design.parquet": "the design as sampled (integer parameters before rounding), for re-analysis",
            "plots/": "figures (PNG and SVG)",
        }
        if self.design.kind in ("sobol", "morris"):
            files["indices.csv"] = ("SALib indices per outcome column (output@year) and parameter: "
                                    + ("S1, S1_conf, ST, ST_conf (conf = half-width of the 95% interval)"
                                       if self.design.kind == "sobol" else "mu, mu_star, mu_star_conf, sigma"))
        if not self.second_order.empty:
            files["indices_second_order.csv"] = "second-order Sobol indices S2 and S2_conf per pair of parameters"
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "sweep",
            "scenario": self.scenario,
            "design": {**self.design.to_dict(), "description": self.design.describe()},
            "outcomes": [o.to_dict() for o in self.outcomes],
            "replicates": self.replicates,
            "seed": self.seed,
            "seeding": "point i runs with numpy.random.SeedSequence(entropy=seed, spawn_key=(i,))",
            "points": int(len(self.points)),
            "execution": {"workers": self.workers, "scheduler": self.scheduler, "chunk_size": self.chunk_size,
                          "seconds": round(self.seconds, 3), "resumed_points": self.resumed_points},
            "most_influential": headline,
            "notes": self.notes,
            "started": self.started,
            "finished": self.finished,
            "versions": versions,
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "files": files,
        }

    def save(self, folder: str | Path, plots: bool = True) -> Path:
        """Write the sweep folder atomically: it appears complete, or not at all."""
        folder = Path(folder)
        with atomic_folder(folder) as staging:
            self.points.to_parquet(staging / "points.parquet", index=False)
            design = pd.DataFrame(self.design.X, columns=list(self.design.names))
            design.insert(0, "point", np.arange(len(design), dtype=np.int64))
            design.to_parquet(staging / "design.parquet", index=False)
            manifest = self.manifest()
            if self.design.kind in ("sobol", "morris"):
                self.indices.to_csv(staging / "indices.csv", index=False, float_format="%.6g")
            if not self.second_order.empty:
                self.second_order.to_csv(staging / "indices_second_order.csv", index=False, float_format="%.6g")
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=_json_default),
                                                   encoding="utf-8")
            if plots:
                from sim.figures.sweeps import plot_sweep  # a reader of the tables, imported only when drawing

                plot_sweep(self.points, self.indices, manifest, staging / "plots")
        self.folder = folder
        return folder

    def text(self, k: int = 10) -> str:
        """A terminal summary: the design, and the most influential parameters (or the grid's extremes)."""
        lines = [f"{self.scenario['title']}",
                 f"{self.design.describe()}; {self.replicates} replicates per point, seed {self.seed}; "
                 f"{self.seconds:.1f} s"]
        if self.design.kind in ("sobol", "morris"):
            for outcome in self.outcomes:
                column = outcome.column(outcome.years[-1])
                lines += ["", *self._index_lines(column, k)]
                if outcome.is_span:
                    lines.append(f"(every year {outcome.years[0]}-{outcome.years[-1]} in indices.csv and the "
                                 "over-time plot)")
        else:
            for outcome in self.outcomes:
                column = outcome.column(outcome.years[-1])
                values = self.points[column]
                low, high = self.points.loc[values.idxmin()], self.points.loc[values.idxmax()]
                shown = self.design.names[:4]
                where = lambda row: ", ".join(f"{n}={compact(row[n])}" for n in shown)  # noqa: E731
                lines += ["", f"{column}: from {compact(values.min())} ({where(low)})",
                          f"{' ' * len(column)}  to   {compact(values.max())} ({where(high)})"]
        for note in self.notes:
            lines.append(f"note: {note}")
        return "\n".join(lines)

    def _index_lines(self, column: str, k: int) -> list[str]:
        best = self.top(column, k)
        d = len(self.design.names)
        if best.empty or best[index_columns(self.design.kind)[0]].isna().all():
            return [f"{column}: the outcome does not vary across the design; no indices"]
        width = max(len("parameter"), *(len(p) for p in best["parameter"]))
        if self.design.kind == "sobol":
            lines = [f"Sobol indices for {column} (top {min(k, d)} of {d} by total index; 95% intervals)",
                     f"{'parameter':<{width}}  {'total ST':>17}  {'first-order S1':>17}"]
            for _, row in best.iterrows():
                lines.append(f"{row['parameter']:<{width}}  {plus_minus(row['ST'], row['ST_conf']):>17}  "
                             f"{plus_minus(row['S1'], row['S1_conf']):>17}")
            return lines
        lines = [f"Morris screening for {column} (top {min(k, d)} of {d} by mu*; 95% intervals)",
                 f"{'parameter':<{width}}  {'mu*':>19}  {'sigma':>9}  {'mu':>9}"]
        for _, row in best.iterrows():
            lines.append(f"{row['parameter']:<{width}}  {plus_minus(row['mu_star'], row['mu_star_conf'], 4):>19}  "
                         f"{compact(row['sigma']):>9}  {compact(row['mu']):>9}")
        return lines


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _float(value: Any) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value




# --------------------------------------------------------------------------- running a sweep


def default_out(scenario: Scenario, design: Design, when: datetime | None = None) -> Path:
    """``results/<scenario>/sweep-<kind>-<date>-<time>``."""
    return paths.sweep_folder(scenario.name, design.kind, when)


def find_resumable(scenario: Scenario, design: Design, outcomes: Sequence[Outcome | str] | None = None,
                   replicates: int = DEFAULT_REPLICATES, seed: int | None = None) -> Path | None:
    """The newest unfinished sweep with this exact spec under the default location (``results/<scenario>/``);
    its final folder (pass it as ``out`` with ``resume=True``), or None."""
    outcomes = _outcomes(scenario, outcomes)
    seed = scenario.seed if seed is None else seed
    spec = sweep_spec(scenario, design, outcomes, replicates, seed)
    return executors.find_partial(default_out(scenario, design).parent, f"sweep-{design.kind}-*", spec)


def sweep_spec(scenario: Scenario, design: Design, outcomes: Sequence[Outcome], replicates: int,
               seed: int) -> dict[str, Any]:
    """What determines a sweep's numbers: checked when a partial sweep is resumed."""
    registry = load_registry(scenario.registry_path)
    described = {k: v for k, v in scenario.to_dict().items() if k not in ("path", "bases", "registry")}
    return {
        "scenario": described,
        "registry": scenario.parameter_values(registry),
        "design": design.to_dict(),
        "outcomes": [o.spec for o in outcomes],
        "replicates": int(replicates),
        "seed": int(seed),
    }


def _design_table(design: Design) -> pd.DataFrame:
    table = pd.DataFrame(design.X, columns=list(design.names))
    table.insert(0, "point", np.arange(design.n_points, dtype=np.int64))
    return table


def run_sweep(
    scenario: Scenario | str | Path,
    design: Design,
    outcomes: Sequence[Outcome | str] | None = None,
    replicates: int = DEFAULT_REPLICATES,
    *,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    chunk_points: int | None = None,
    plots: bool = True,
    resume_command: str | None = None,
    force_workers: bool = False,
) -> SweepResult:
    """Run every point of ``design`` and analyse the outcomes; return a :class:`SweepResult`.

    Args:
        scenario: a Scenario or a scenario file; the design's values override its parameters.
        design: from :func:`make_design` (or :func:`grid`, :func:`latin_hypercube`, :func:`sobol`, :func:`morris`).
        outcomes: specs (``"alignment@2025"``, ``"P(sanctions_level>=1)@2016:2030"``) or Outcomes;
            default: ``alignment`` in the scenario's end year.
        replicates: worlds per point (the vectorized ensemble).
        seed: the sweep's seed (default: the scenario's); point ``i`` runs with ``SeedSequence(seed, spawn_key=(i,))``.
        workers: local worker processes (1: in this process; 0: one per CPU).
        scheduler: ``tcp://HOST:PORT`` of a Dask distributed scheduler; the points run on its workers.
        out: the sweep folder. Finished chunks are written to ``<out>.partial/`` as they come; when every
            point is done, ``<out>/`` appears atomically and the partial folder is removed. None: nothing is
            written (call :meth:`SweepResult.save`).
        resume: continue the unfinished sweep in ``<out>.partial/`` (the same scenario, design, outcomes,
            replicates and seed; checked).
        progress: ``progress(points_done, points_total)``, called at the start and after every chunk.
        chunk_points: points per task (default: :func:`sim.executors.chunk_size`).
        plots: draw the plots when saving.
        resume_command: the command to show in ``PARTIAL.txt`` for resuming.
        force_workers: start ``workers`` processes even when there are fewer CPUs (capped otherwise, with a note).

    Raises:
        ScenarioError: bad input (nothing is written).
        SweepInterrupted: Ctrl-C; finished points are kept in ``<out>.partial/``.
        SweepFailed: a worker process died or the cluster failed; finished points are kept.
    """
    started, clock = now(), time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    registry = load_registry(scenario.registry_path)
    seed = scenario.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ScenarioError("--seed", f"must be a whole number >= 0, got {seed!r}")
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) \
            or not 1 <= replicates <= MAX_REPLICATES:
        raise ScenarioError("--replicates", f"must be a whole number from 1 to {MAX_REPLICATES}, got {replicates!r}")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 0:
        raise ScenarioError("--workers", f"must be a whole number >= 0 (0: one per CPU), got {workers!r}")
    workers, capped = executors.usable_workers(int(workers), force_workers)
    outcomes = _outcomes(scenario, outcomes)
    values = _checked_values(design, registry)
    notes = list(design.notes) + _override_notes(scenario, design) + ([capped] if capped and not scheduler else [])
    if resume and out is None:
        raise ScenarioError("--resume", "give the sweep folder (--out) to resume")

    spec = sweep_spec(scenario, design, outcomes, replicates, seed)
    design_table = _design_table(design)
    client = executors.connect(scheduler) if scheduler else None
    try:
        threads = executors.cluster_threads(client) if client is not None else workers
        partial = None
        if out is not None:
            # One sweep per folder: refused in one line while another process writes it (sim.outputs.claims).
            out = claims.claim(out, exists_ok=True)
            try:
                partial = (PartialFolder.resume(out, spec, design_table) if resume else
                           PartialFolder.create(out, spec, design_table, design.n_points, resume_command))
                return _run(scenario, design, outcomes, values, replicates, seed, workers, threads, scheduler,
                            client, partial, progress, chunk_points, plots, notes, started, clock)
            finally:
                claims.release(out)
        return _run(scenario, design, outcomes, values, replicates, seed, workers, threads, scheduler, client,
                    partial, progress, chunk_points, plots, notes, started, clock)
    finally:
        if client is not None:
            client.close()


def _run(scenario, design, outcomes, values, replicates, seed, workers, threads, scheduler, client, partial,
         progress, chunk_points, plots, notes, started, clock) -> SweepResult:
    columns = statistic_columns(outcomes)
    total = design.n_points
    # Every point's statistics, by point; the points table is built once, when all are done.
    stats_of = np.full((total, len(columns)), np.nan)
    done_points = np.zeros(total, dtype=bool)
    resumed = 0
    if partial is not None:
        kept = partial.finished(check=lambda table: _chunk_problem(table, design, values, columns))
        if partial.rejected:
            notes.append(f"{len(partial.rejected)} kept chunk(s) did not match the design and were run again "
                         f"({'; '.join(partial.rejected[:3])})")
        if kept is not None:
            where = kept["point"].to_numpy()
            stats_of[where] = kept[list(columns)].to_numpy(dtype=float)
            done_points[where] = True
            resumed = len(kept)
    remaining = np.flatnonzero(~done_points)

    end_year = max(o.years[-1] for o in outcomes)
    years = end_year - int(load_registry(scenario.registry_path).base_year()) + 1
    size = chunk_points or _whole_ensembles(chunk_size(len(remaining), threads, replicates, years), replicates)
    tasks = [Chunk(scenario, design.names, indices, values[indices], tuple(outcomes), int(replicates), int(seed),
                   end_year) for indices in chunk(remaining, size)]
    done = resumed

    def store(task: Chunk, stats: np.ndarray) -> None:
        nonlocal done
        if partial is not None:
            partial.write_chunk(_point_columns(design, values, task.points, stats, columns))
        stats_of[task.points] = stats
        done_points[task.points] = True
        done += len(task.points)
        if partial is not None:
            partial.write_note(done, total)  # current even after a hard kill

    def on_result(task: Chunk, stats: np.ndarray) -> None:
        store(task, stats)
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(done, total)
    try:
        executors.run_tasks(evaluate, tasks, on_result, workers=workers, client=client, on_salvage=store)
    except KeyboardInterrupt:
        if partial is not None:
            partial.write_note(done, total)
            message = (f"interrupted: {done:,} of {total:,} points are kept in {partial.path}; "
                       "continue with --resume")
        else:
            message = f"interrupted after {done:,} of {total:,} points (no --out folder: nothing was kept)"
        raise SweepInterrupted(message, partial.path if partial else None, done, total) from None
    except SweepFailed as err:
        where = (f"{done:,} of {total:,} points are kept in {partial.path}; continue with --resume"
                 if partial is not None else "no --out folder: nothing was kept")
        if partial is not None:
            partial.write_note(done, total)
        raise SweepFailed(f"{err}; {where}") from None

    try:
        return _finish(scenario, design, outcomes, values, replicates, seed, workers, scheduler, partial, stats_of,
                       done_points, columns, total, size, resumed, plots, notes, started, clock)
    except KeyboardInterrupt:
        if partial is None:
            raise SweepInterrupted("interrupted while analysing (no --out folder: nothing was kept)", None, done,
                                   total) from None
        raise SweepInterrupted(f"interrupted while analysing and saving: all {total:,} points are kept in "
                               f"{partial.path}; --resume analyses them and writes the folder", partial.path, done,
                               total) from None


def _finish(scenario, design, outcomes, values, replicates, seed, workers, scheduler, partial, stats_of,
            done_points, columns, total, size, resumed, plots, notes, started, clock) -> SweepResult:
    """Every point is done: the points table, the analysis, and the folder (then the partial one goes)."""
    if not done_points.all():
        raise SweepFailed(f"only {int(done_points.sum())} of {total} points were computed")
    points = _point_table(design, values, np.arange(total), stats_of, columns)
    indices, second_order = analyze(design, points, outcomes)
    constant = sorted(set(indices.loc[indices["constant"].astype(bool), "outcome"])) if not indices.empty else []
    if constant:
        notes.append(f"no indices for {', '.join(constant[:6])}{' ...' if len(constant) > 6 else ''}: "
                     "the outcome is the same at every point")
    result = SweepResult(
        scenario=scenario.to_dict(), design=design, outcomes=list(outcomes), replicates=int(replicates),
        seed=int(seed), points=points, indices=indices, second_order=second_order, started=started,
        finished=now(), seconds=time.perf_counter() - clock, workers=workers, scheduler=scheduler,
        chunk_size=int(size), resumed_points=resumed, notes=notes)
    if partial is not None:
        result.save(partial.final, plots=plots)
        partial.remove()
    return result


def _outcomes(scenario: Scenario, outcomes: Sequence[Outcome | str] | None) -> list[Outcome]:
    if outcomes is None:
        outcomes = [f"alignment@{scenario.end_year}"]
    if isinstance(outcomes, (str, Outcome)):
        outcomes = [outcomes]
    texts = [o.spec if isinstance(o, Outcome) else str(o) for o in outcomes]
    return parse_outcomes(texts, scenario.start_year, scenario.end_year)


def _checked_values(design: Design, registry) -> np.ndarray:
    """The values the model will run with, every one checked against its parameter's domain here (not in workers)."""
    if design.X.ndim != 2 or design.X.shape[1] != len(design.names):
        raise ScenarioError("design", f"X must have one column per parameter ({len(design.names)})")
    values = design.values()
    for j, name in enumerate(design.names):
        if name not in registry:
            raise ScenarioError("design", "unknown parameter id" + did_you_mean(name, registry), key=name)
        parameter = registry[name]
        for value in np.unique(values[:, j]):
            problem = parameter.check(float(value))
            if problem:
                raise ScenarioError("design", f"{value!r} is not allowed; allowed: {problem}", key=name)
    return values


def _override_notes(scenario: Scenario, design: Design) -> list[str]:
    notes = []
    overridden = [n for n in design.names if n in scenario.parameters]
    if overridden:
        notes.append(f"the sweep's values replace the scenario's own for {', '.join(overridden)}")
    for event in scenario.events:
        changed = [n for n in design.names if n in event.set or n in event.add]
        if changed:
            notes.append(f"a scenario event in {event.year} changes {', '.join(changed)} from then on")
    return notes
