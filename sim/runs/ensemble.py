"""Running a checked scenario: an ensemble in, a :class:`~sim.outputs.results.Result` out; rerun and compare.

:mod:`sim.api` names these functions as the documented surface (``sim.run``, ``sim.rerun``, ``sim.compare``)::

    import sim
    scenario = sim.load_scenario("scenarios/sanctions_lifted.yaml", overrides={"minsk.unrest_threshold": 0.4})
    result = sim.run(scenario, replicates=500, seed=1)
    result.timeseries      # pandas DataFrame, the columns of timeseries.csv
    result.summary         # per year and output: mean, p05 ... p95
    result.save("results/my_run")

Bad input raises :class:`sim.ScenarioError`, whose message is the one line the CLI prints.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from sim.outputs.compare import default_years, difference_table, format_table
from sim.outputs.compare import notes as compare_notes

from sim.inputs.errors import ScenarioError
from sim.inputs.posterior import check_unchanged
from sim.model.model import BalancingModel
from sim.inputs.registry import load_registry
from sim.inputs.runspec import RunSpec
from sim.outputs import paths
from sim.outputs.atomic import atomic_folder
from sim.outputs.results import SCHEMA_VERSION, Result, now, summarize_years
from sim.outputs.typical import typical_world
from sim.common.variables import OUTPUTS
from sim.inputs.scenario import Scenario, scenario_from_dict
from sim.inputs.scenario import load_scenario as _load_scenario

MEMORY_COPIES = 4  # peak copies of the result table during a full run (measured: see README, Guarantees)
MEMORY_SHARE = 0.8  # refuse runs needing more than this share of the free memory


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario file, resolving its ``base:`` chain.

    ``overrides`` maps dotted registry ids to values, validated exactly like the
    file's own ``parameters:`` (and like ``sim run --set``).
    """
    return _load_scenario(path, overrides=overrides)


def run(
    scenario: Scenario | str | Path,
    replicates: int | None = None,
    seed: int | None = None,
    end_year: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    summary_only: bool = False,
    parameter_uncertainty: str = "chance",
) -> Result:
    """Simulate the scenario's ensemble and return its :class:`~sim.results.Result`.

    ``replicates``, ``seed`` and ``end_year`` default to the scenario's own.
    ``progress(done_years, total_years)`` is called after every simulated year.
    ``summary_only`` keeps the summary, events and trace but not the per-replicate
    time series (for ensembles too large to tabulate whole).
    ``parameter_uncertainty="prior"`` gives every world its own draw of each ASSUMPTION parameter
    (:meth:`sim.inputs.runspec.RunSpec.with_uncertainty`); the result then also keeps the draws
    (``world_parameters``) and the summary of the same worlds with chance alone (``chance_summary``), so
    a reader can tell how much of a band the assumptions make. The default, ``"chance"``, is chance only.
    A run whose results would not fit in memory is refused before it starts.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    chance = resolve(scenario, replicates=replicates, seed=seed, end_year=end_year)
    spec = chance.with_uncertainty(parameter_uncertainty)
    check_memory(spec, summary_only)

    started = now()
    model, tables = _simulate(spec, progress, summary_only)
    trace = _trace_with_typical_world(spec, model, tables["timeseries"])
    extra: dict[str, Any] = {}
    if spec.drawn:
        # The same worlds with chance alone (the same seed): what the band would be without the assumptions.
        _, alone = _simulate(chance, None, summary_only=True)
        extra = {"world_parameters": spec.world_parameters(), "chance_summary": alone["_summary"]}
    return Result(
        scenario=spec.scenario.to_dict(),
        seed=model.seed,
        replicates=model.replicates,
        trace=trace,
        parameters=spec.parameter_table(),
        sources=spec.cited_sources(),
        started=started,
        finished=now(),
        parameter_uncertainty=spec.parameter_uncertainty,
        **extra,
        **tables,
    )


def _simulate(spec: RunSpec, progress, summary_only: bool):
    """Step a model of ``spec`` to its end; the model and its tables (the summary and events when
    ``summary_only``, built one year at a time)."""
    model = BalancingModel(spec)
    total = model.end_year - model.year
    while model.running:
        model.step()
        if progress is not None:
            progress(total - (model.end_year - model.year), total)
    if summary_only:
        summary, events = summarize_years(model.yearly_tables())
        tables = {"timeseries": None, "_summary": summary, "_events": events}
    else:
        tables = {"timeseries": model.timeseries()}
    model.release()
    return model, tables


def _trace_with_typical_world(spec: RunSpec, model: BalancingModel, timeseries: pd.DataFrame | None) -> pd.DataFrame:
    """The decision trace of the first worlds and of the ensemble's typical world.

    The typical world is chosen from ALL worlds' time series (:func:`sim.outputs.typical.typical_world`),
    so it can only be traced after the run: the same worlds are run again with that world traced too.
    Tracing draws no random numbers, so the second run is the first one, world for world (tests prove it).
    A summary-only run keeps no time series to choose from: it keeps the first worlds' trace only.
    """
    trace = model.decision_trace()
    if timeseries is None or not len(model.traced_worlds):
        return trace
    typical = typical_world(timeseries)
    if typical in model.traced_worlds:
        return trace
    again = BalancingModel(spec.replace(trace_worlds=(typical,)))
    while again.running:
        again.step()
    trace = again.decision_trace()
    again.release()
    return trace


def resolve(scenario: Scenario, replicates: int | None = None, seed: int | None = None,
            end_year: int | None = None) -> RunSpec:
    """The run of ``scenario`` with these changes, resolved once against one registry."""
    registry = load_registry(scenario.registry_path)
    changes = {key: value for key, value in
               (("replicates", replicates), ("seed", seed), ("end_year", end_year)) if value is not None}
    if changes:
        scenario = scenario.replace(registry=registry, **changes)
    return RunSpec.resolve(scenario, registry=registry, label=str(scenario.path))


def estimate_memory(run: RunSpec | Scenario, summary_only: bool = False) -> int:
    """Bytes a run needs at its peak: the model's record of every output, plus the tidy table and its copies."""
    spec = run if isinstance(run, RunSpec) else resolve(run)
    cells = spec.replicates * spec.years * (len(OUTPUTS) + 2)
    # history arrays (8 bytes a cell) + the tidy DataFrame built from them + sorting and CSV formatting copies
    return cells * 8 * (1 if summary_only else MEMORY_COPIES)


def check_memory(run: RunSpec | Scenario, summary_only: bool = False) -> None:
    """Refuse up front a run whose results would not fit in the memory this machine has free."""
    spec = run if isinstance(run, RunSpec) else resolve(run)
    needed = estimate_memory(spec, summary_only)
    available = available_memory()
    if available is not None and needed > MEMORY_SHARE * available:
        hint = "fewer replicates, a shorter horizon"
        hint += ", or a sweep" if summary_only else ", --summary-only (keeps summary and events), or a sweep"
        raise ScenarioError(str(spec.scenario.path), f"this run needs about {needed / 2**30:.1f} GiB of memory but "
                                                     f"only {available / 2**30:.1f} GiB is free; use {hint}",
                            key="replicates")


def available_memory() -> int | None:
    """Free memory in bytes, or None where it cannot be known: the host's MemAvailable (Linux), or less
    when this process lives in a control group with a memory limit (a container, a systemd slice, a
    batch job), whose free room is what the kernel's OOM killer goes by."""
    host = None
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    host = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        pass
    if host is None:
        try:
            host = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            host = None
    group = cgroup_free_memory()
    known = [x for x in (host, group) if x is not None]
    return min(known) if known else None


UNLIMITED = 2**60  # cgroup v1 writes "no limit" as a number near 2**63


def cgroup_free_memory(proc_cgroup: str | Path = "/proc/self/cgroup", v2_root: str | Path = "/sys/fs/cgroup",
                       v1_root: str | Path = "/sys/fs/cgroup/memory") -> int | None:
    """Room left under the tightest memory limit of this process's control group and its ancestors:
    limit less usage (less reclaimable inactive file cache), for cgroup v2 (``memory.max``,
    ``memory.current``) and v1 (``memory.limit_in_bytes``, ``memory.usage_in_bytes``); None without a limit."""
    try:
        lines = Path(proc_cgroup).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    free: list[int] = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":  # v2: "0::/path"
            free += _cgroup_room(Path(v2_root), path, "memory.max", "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):
            free += _cgroup_room(Path(v1_root), path, "memory.limit_in_bytes", "memory.usage_in_bytes",
                                 "total_inactive_file")
    return max(0, min(free)) if free else None


def _cgroup_room(root: Path, path: str, limit_file: str, usage_file: str, inactive_key: str) -> list[int]:
    """limit - (usage - inactive file cache) for the group at ``path`` and each ancestor that has a limit.
    Inside a container the group's path may not exist under the mount: the mount root is the group then."""
    rooms = []
    relative = Path(path.strip().lstrip("/"))
    folders = [root / relative, *[root / p for p in relative.parents]] if (root / relative).is_dir() else [root]
    for folder in folders:
        try:
            limit_text = (folder / limit_file).read_text(encoding="ascii").strip()
            usage = int((folder / usage_file).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
        if limit_text == "max" or not limit_text.isdigit() or int(limit_text) >= UNLIMITED:
            continue
        inactive = 0
        try:
            for stat in (folder / "memory.stat").read_text(encoding="ascii").splitlines():
                key, _, value = stat.partition(" ")
                if key == inactive_key:
                    inactive = int(value)
        except (OSError, ValueError):
            pass
        rooms.append(int(limit_text) - max(0, usage - inactive))
    return rooms


def parameter_sources(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Every parameter's value at the start of the run, where it came from, and any later changes by events."""
    return resolve(scenario).parameter_table()


@dataclass
class Rerun:
    """A run repeated from its manifest, and how its numbers compare with the original's."""

    original: Result
    repeated: Result
    differences: dict[str, int]  # output column -> number of values that differ

    @property
    def matches(self) -> bool:
        return not self.differences

    def text(self) -> str:
        values = self.original.timeseries.shape[0] * (self.original.timeseries.shape[1] - 2)
        if self.matches:
            return (f"reproduced: all {values:,} values of timeseries.csv match "
                    f"({self.original.replicates} replicates, seed {self.original.seed})")
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(self.differences.items()))
        return f"NOT reproduced: {sum(self.differences.values()):,} of {values:,} values differ: {listed}"


def rerun(folder: str | Path) -> Rerun:
    """Run again from a run folder's manifest alone, with every parameter at its recorded value."""
    original = Result.load(folder)
    if original.forecast is not None:
        raise ScenarioError(str(folder), "a forecast folder is repeated with its own command (manifest.json, "
                                         "'command': sim forecast ...); sim rerun repeats scenario runs")
    if original.summary_only:
        raise ScenarioError(str(folder), "a --summary-only run keeps no timeseries.csv to compare; rerun compares "
                                         "the per-replicate numbers, so repeat the run without --summary-only")
    registry = load_registry()
    manifest_label = str(Path(folder) / "manifest.json")
    check_unchanged(original.parameters, manifest_label)  # a changed posterior table: refuse, do not differ
    # Drawn parameters are drawn again (same seed, same draws); every other value is repeated as recorded.
    recorded = {pid: entry["value"] for pid, entry in original.parameters.items() if entry.get("source") not in ("prior", "posterior")}
    unknown = sorted(set(recorded) - set(registry))
    if unknown:
        raise ScenarioError(manifest_label, f"parameter(s) {', '.join(unknown[:5])} no longer exist in this "
                                            "version's registry; the run cannot be repeated with this version")
    scenario_data = dict(original.scenario)
    scenario_data["parameters"] = recorded
    scenario = scenario_from_dict(scenario_data, registry, label=manifest_label)
    repeated = run(scenario, replicates=original.replicates, seed=original.seed,
                   parameter_uncertainty=original.parameter_uncertainty)
    differences = {}
    theirs, ours = original.timeseries, repeated.timeseries
    if list(theirs.columns) != list(ours.columns) or len(theirs) != len(ours):
        differences["(table shape or columns)"] = max(len(theirs), len(ours))
    else:
        # Compare as written to CSV, so that "the same numbers" means the same file contents.
        for column in theirs.columns:
            a = theirs[column].astype(str).to_numpy()
            b = pd.read_csv(io.StringIO(ours[[column]].to_csv(index=False)))[column].astype(str).to_numpy()
            count = int((a != b).sum())
            if count:
                differences[column] = count
    return Rerun(original, repeated, differences)


def load_or_run(item: str | Path, replicates: int | None = None, registry=None) -> Result:
    """A run folder is read; a scenario file is run (with ``replicates`` if given)."""
    item = Path(item)
    if item.is_dir():
        return Result.load(item)
    scenario = _load_scenario(item, registry=registry)
    return run(scenario, replicates=replicates)


@dataclass
class Comparison:
    """Several results side by side: the difference table, notes, and overlay plots on save."""

    results: list[Result]
    table: pd.DataFrame
    notes: list[str]

    def text(self) -> str:
        return format_table(self.table)

    def save(self, folder: str | Path | None = None) -> Path:
        """Write ``difference.csv``, ``notes.txt``, ``manifest.json`` and ``plots/`` atomically."""
        from sim.figures.runs import plot_compare  # a reader of result tables, imported only when drawing

        # A default name already taken (two compares in the same second) moves on to <name>-2; a named one is refused.
        target = Path(folder) if folder else paths.compare_folder([r.name for r in self.results])
        with atomic_folder(target, next_free=not folder) as staging:
            self.table.to_csv(staging / "difference.csv", index=False, float_format="%.6g")
            (staging / "notes.txt").write_text("".join(f"{n}\n" for n in self.notes), encoding="utf-8")
            manifest = {
                "schema_version": SCHEMA_VERSION,
                "compared": [{"name": r.name, "title": r.scenario.get("title"), "seed": r.seed,
                              "replicates": r.replicates, "years": [r.years[0], r.years[-1]]}
                             for r in self.results],
                "notes": self.notes,
                "created": now(),
            }
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            plot_compare(self.results, staging / "plots")
        return staging.final


def compare(inputs, years: list[int] | None = None, replicates: int | None = None, registry=None) -> Comparison:
    """Compare scenario files (run first) and/or run folders."""
    results = [load_or_run(item, replicates=replicates, registry=registry) for item in inputs]
    common = set.intersection(*(set(r.years) for r in results))
    if not common:
        spans = ", ".join(f"{r.name} {r.years[0]}-{r.years[-1]}" for r in results)
        raise ScenarioError("sim compare", f"the inputs share no year ({spans}); nothing to compare")
    if years is not None:
        missing = [y for y in years if y not in common]
        if missing:
            raise ScenarioError("--years", f"year(s) {', '.join(map(str, missing))} not covered by every input; "
                                           f"common years: {min(common)}-{max(common)}")
    table = difference_table(results, years=years or default_years(results))
    return Comparison(results, table, compare_notes(results))


__all__ = ["load_scenario", "run", "rerun", "Rerun", "compare", "Comparison", "Result", "Scenario", "ScenarioError", "BalancingModel"]
