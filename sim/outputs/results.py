"""Results of a run: tidy tables, the manifest, and run folders written atomically.

A :class:`Result` holds what one ensemble produced: ``timeseries`` (one row per
replicate and year, one column per output), the decision ``trace`` of a sample
of worlds, and the facts needed to reproduce it (resolved scenario, parameter
values with their sources, seed, versions). ``summary`` and ``events`` are
derived from the time series. Readers (plots, compare, report, explain) take
these tables and nothing else; this module knows nothing of Mesa or plotting.
"""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from sim.inputs.errors import ScenarioError
from sim.outputs.atomic import atomic_folder, check_writable  # noqa: F401  (re-exported: callers use them)
from sim.inputs.timeline import Domain, value_in_year
from sim.common.variables import OUTPUTS

SCHEMA_VERSION = 1
# Run folders always hold timeseries.parquet (fast, exact, a third of the size); timeseries.csv too, for
# spreadsheets, up to this many worlds or when asked (`sim run --csv`): beyond it CSV formatting dominates
# the run's time (README, Speed).
CSV_MAX_WORLDS = 10_000
MANIFEST_KEYS = ("scenario", "seed", "replicates", "parameters", "started", "finished", "versions")
QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p95": 0.95}
SUMMARY_COLUMNS = ["year", "output", "mean", *QUANTILES]
DEPENDENCIES = ("balancing-act", "mesa", "numpy", "pandas", "pyyaml", "matplotlib", "click", "pydantic")

# Discrete happenings whose yearly probability across worlds is reported in events.csv.
EVENT_DEFINITIONS: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "crackdown": ("Minsk cracks down", lambda t: t["crackdown"] == 1),
    "sanctions_tightened": ("EU tightens sanctions", lambda t: t["brussels_sanctions_move"] == 1),
    "sanctions_eased": ("EU eases sanctions", lambda t: t["brussels_sanctions_move"] == -1),
    "sanctions_any": ("EU sanctions in force (level >= 1)", lambda t: t["sanctions_level"] >= 1),
    "sanctions_broad": ("broad EU sanctions (level 2)", lambda t: t["sanctions_level"] >= 2),
    "prisoner_release": ("Minsk releases political prisoners", lambda t: t["prisoners_released"] > 0),
    "tilt_west": ("Minsk tilts West", lambda t: t["minsk_foreign_move"] == 1),
    "lean_east": ("Minsk leans East", lambda t: t["minsk_foreign_move"] == -1),
    "subsidy_cut": ("Moscow cuts subsidies", lambda t: t["moscow_subsidy_move"] == -1),
    "subsidy_raised": ("Moscow raises subsidies", lambda t: t["moscow_subsidy_move"] == 1),
    "pressure_raised": ("Moscow presses for integration", lambda t: t["moscow_pressure_move"] == 1),
    "election": ("presidential election", lambda t: t["election"] == 1),
    "ukraine_war": ("full-scale war in Ukraine", lambda t: t["ukraine_war"] == 1),
}


def summarize(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Per year and output: mean and the 5/25/50/75/95th percentiles across replicates."""
    outputs = [c for c in timeseries.columns if c in OUTPUTS]
    rows = []
    for year, group in timeseries.groupby("year", sort=True):
        values = group[outputs].to_numpy(dtype=float)
        quantiles = np.quantile(values, list(QUANTILES.values()), axis=0)
        means = values.mean(axis=0)
        for i, output in enumerate(outputs):
            rows.append([int(year), output, means[i], *quantiles[:, i]])
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def summarize_years(yearly_tables) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary and event tables built one year at a time, never holding the whole time series."""
    summaries, events = [], []
    for _year, table in yearly_tables:
        summaries.append(summarize(table))
        events.append(event_probabilities(table))
    events_table = pd.concat(events, ignore_index=True)
    order = events_table["event"].map({name: i for i, name in enumerate(EVENT_DEFINITIONS)})
    events_table = events_table.iloc[np.lexsort((events_table["year"], order))].reset_index(drop=True)
    return pd.concat(summaries, ignore_index=True), events_table


def event_probabilities(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Per year and event: the share of worlds in which it happened."""
    rows = []
    grouped = timeseries.groupby("year", sort=True)
    for name, (meaning, happened) in EVENT_DEFINITIONS.items():
        share = happened(timeseries).groupby(timeseries["year"]).mean()
        for year in grouped.groups:
            rows.append([int(year), name, meaning, float(share.loc[year])])
    return pd.DataFrame(rows, columns=["year", "event", "meaning", "probability"])


def dependency_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@dataclass
class Result:
    """One ensemble run. ``timeseries`` has exactly the columns of ``timeseries.csv``."""

    scenario: dict[str, Any]
    seed: int
    replicates: int
    timeseries: pd.DataFrame | None  # None for a summary-only run
    trace: pd.DataFrame
    parameters: dict[str, dict[str, Any]]
    started: str
    finished: str
    versions: dict[str, str] = field(default_factory=dependency_versions)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)  # the seed documents cited, by file name
    schema_version: int = SCHEMA_VERSION
    _summary: pd.DataFrame | None = field(default=None, repr=False)
    _events: pd.DataFrame | None = field(default=None, repr=False)
    # "chance" (every world shares one parameter set) or "prior" (every world drew each ASSUMPTION).
    parameter_uncertainty: str = "chance"
    # Prior mode: one row per world (replicate, then each drawn parameter), and the summary of the same
    # worlds with chance alone, for the split of each band into assumptions and chance.
    world_parameters: pd.DataFrame | None = field(default=None, repr=False)
    chance_summary: pd.DataFrame | None = field(default=None, repr=False)
    # A forecast (sim forecast): its origin, the record it was conditioned on and the effective worlds of each
    # conditioned year; None for a scenario run.
    forecast: dict[str, Any] | None = None
    _csv: bool | None = field(default=None, repr=False)  # save(csv=...): write timeseries.csv too
    _svg: bool = field(default=False, repr=False)  # save(svg=...): SVG figures beside the PNGs

    @property
    def name(self) -> str:
        return self.scenario["name"]

    @property
    def years(self) -> list[int]:
        source = self.timeseries if self.timeseries is not None else self.summary
        return sorted(int(y) for y in source["year"].unique())

    @property
    def summary_only(self) -> bool:
        return self.timeseries is None

    @property
    def summary(self) -> pd.DataFrame:
        """Per year and output: mean, p05, p25, p50, p75, p95 (as in ``summary.csv``)."""
        if self._summary is None:
            self._summary = summarize(self.timeseries)
        return self._summary

    @property
    def events(self) -> pd.DataFrame:
        """Per year: probability of each discrete event across worlds (as in ``events.csv``)."""
        if self._events is None:
            self._events = event_probabilities(self.timeseries)
        return self._events

    def parameter_value(self, pid: str, year: int, replicate: int | None = None) -> float | None:
        """The value parameter ``pid`` had in ``year`` of this run (in world ``replicate``, for a parameter
        each world drew), by the model's own rule (``sim.inputs.timeline.value_in_year``) applied to the
        recorded start value, events and domain; None for an id the run did not record, or for a drawn
        parameter asked without a replicate."""
        entry = (self.parameters or {}).get(pid)
        if entry is None:
            return None
        start = float(entry["value"])
        drawn = self.world_parameters
        if drawn is not None and pid in drawn.columns:
            if replicate is None:
                return None
            start = float(drawn.loc[drawn["replicate"] == replicate, pid].iloc[0])
        return value_in_year(start, entry.get("events") or [], int(year), Domain.from_record(entry))

    def manifest(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "scenario": self.scenario,
            "seed": self.seed,
            "replicates": self.replicates,
            "years": [self.years[0], self.years[-1]],
            "summary_only": self.summary_only,
            "parameter_uncertainty": self.parameter_uncertainty,
            **({"forecast": self.forecast} if self.forecast is not None else {}),
            "parameters": self.parameters,
            "sources": self.sources,
            "versions": self.versions,
            "started": self.started,
            "finished": self.finished,
            "command": " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]),
            "files": {
                "timeseries.parquet": "one row per replicate and year; columns: replicate, year, then outputs",
                **({"timeseries.csv": "the same table as CSV, for spreadsheets"} if self._csv_written else {}),
                "summary.csv": "per year and output: mean and percentiles across replicates",
                "events.csv": "per year: probability across replicates of each discrete event",
                "trace.csv": ("decision trace of the first replicates: utility terms, probabilities, choice, feasibility, "
                              "what each decision saw (seen.*) and which of it a scenario jolt set (jolted)"),
                "plots/": "figures (PNG and SVG)" if self._svg else "figures (PNG; SVG with sim run --svg)",
                **({"parameters.parquet": "one row per world: replicate, then the value it drew for each "
                                          "ASSUMPTION parameter (--parameter-uncertainty prior)",
                    "summary_chance_only.csv": "summary.csv of the same worlds and seed with chance alone "
                                               "(every world at the registry values)"}
                   if self.world_parameters is not None else {}),
            },
            "outputs": {name: {"unit": o.unit, "meaning": o.meaning} for name, o in OUTPUTS.items()},
        }

    def save(self, folder: str | Path, plots: bool = True, csv: bool | None = None, svg: bool = False) -> Path:
        """Write the run folder atomically: it appears complete, or not at all.

        Figures are PNG, and SVG too when ``svg``.
        ``timeseries.parquet`` is always written; ``timeseries.csv`` too when ``csv`` is True, or by
        default (None) for runs of up to ``CSV_MAX_WORLDS`` worlds."""
        self._csv, self._svg = csv, svg
        with atomic_folder(folder) as staging:
            self._write(staging, plots)
        return Path(folder)

    @property
    def _csv_written(self) -> bool:
        return self.timeseries is not None and bool(self._csv if self._csv is not None
                                                    else self.replicates <= CSV_MAX_WORLDS)

    def _write(self, target: Path, plots: bool) -> None:
        if self.timeseries is not None:
            self.timeseries.to_parquet(target / "timeseries.parquet", index=False)
            if self._csv_written:
                self.timeseries.to_csv(target / "timeseries.csv", index=False)
        self.summary.to_csv(target / "summary.csv", index=False, float_format="%.6g")
        self.events.to_csv(target / "events.csv", index=False, float_format="%.6g")
        self.trace.to_csv(target / "trace.csv", index=False, float_format="%.6g")
        if self.world_parameters is not None:
            self.world_parameters.to_parquet(target / "parameters.parquet", index=False)
        if self.chance_summary is not None:
            self.chance_summary.to_csv(target / "summary_chance_only.csv", index=False, float_format="%.6g")
        (target / "manifest.json").write_text(json.dumps(self.manifest(), indent=2, default=_json_default),
                                              encoding="utf-8")
        if plots:
            from sim.figures.runs import plot_run  # plotting is a reader of the tables; imported only when drawing

            plot_run(self, target / "plots", svg=self._svg)

    @classmethod
    def load(cls, folder: str | Path) -> "Result":
        """Read a run folder written by :meth:`save`."""
        folder = Path(folder)
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            raise ScenarioError(str(folder), "not a run folder (no manifest.json)")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ScenarioError(str(manifest_path), f"cannot read the manifest: {err}") from None
        if not isinstance(manifest, dict):
            raise ScenarioError(str(manifest_path), "not a run manifest (expected a JSON object)")
        version = manifest.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ScenarioError(str(folder), f"run folder schema version {version!r} is not supported "
                                             f"(this version reads {SCHEMA_VERSION}); rerun the scenario")
        try:
            summary_only = manifest.get("summary_only", False)
            timeseries = None if summary_only else read_timeseries(folder)
            summary = pd.read_csv(folder / "summary.csv") if summary_only else None
            events = pd.read_csv(folder / "events.csv") if summary_only else None
            trace_path = folder / "trace.csv"
            trace = pd.read_csv(trace_path) if trace_path.is_file() else pd.DataFrame()
            drawn_path, chance_path = folder / "parameters.parquet", folder / "summary_chance_only.csv"
            world_parameters = pd.read_parquet(drawn_path) if drawn_path.is_file() else None
            chance_summary = pd.read_csv(chance_path) if chance_path.is_file() else None
        except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise ScenarioError(str(folder), f"cannot read the run tables: {err}") from None
        missing = [key for key in MANIFEST_KEYS if key not in manifest]
        if missing:
            raise ScenarioError(str(manifest_path), f"not a run manifest: missing {', '.join(missing)}")
        return cls(scenario=manifest["scenario"], seed=manifest["seed"], replicates=manifest["replicates"],
                   timeseries=timeseries, trace=trace, parameters=manifest["parameters"],
                   started=manifest["started"], finished=manifest["finished"], versions=manifest["versions"],
                   sources=manifest.get("sources") or {},
                   _summary=summary, _events=events,
                   parameter_uncertainty=manifest.get("parameter_uncertainty", "chance"),
                   world_parameters=world_parameters, chance_summary=chance_summary,
                   forecast=manifest.get("forecast"))


def read_timeseries(folder: str | Path) -> pd.DataFrame:
    """A run folder's time series: ``timeseries.parquet`` when there is one, else ``timeseries.csv``
    (folders written before the Parquet file, or by hand)."""
    folder = Path(folder)
    parquet = folder / "timeseries.parquet"
    if parquet.is_file():
        return pd.read_parquet(parquet)
    return pd.read_csv(folder / "timeseries.csv")


def uncertainty_split(result: "Result", outputs, year: int | None = None) -> pd.DataFrame:
    """How much of each 90% band (p05-p95) comes from the assumptions and how much from chance, in one year
    (default: the last): the band with every world's own draws, the band of the same worlds with chance
    alone, and ``from_assumptions`` = 1 - (chance width / width)^2, the share of the band's squared width
    the assumptions add (exact when the two spreads are independent and normal; a guide otherwise).
    Empty for a chance-only run."""
    columns = ["output", "year", "p05", "p95", "chance_p05", "chance_p95", "from_assumptions"]
    if result.chance_summary is None:
        return pd.DataFrame(columns=columns)
    year = int(year if year is not None else result.years[-1])
    both = result.summary[result.summary["year"] == year].set_index("output")
    alone = result.chance_summary[result.chance_summary["year"] == year].set_index("output")
    rows = []
    for output in outputs:
        if output not in both.index or output not in alone.index:
            continue
        width = both.at[output, "p95"] - both.at[output, "p05"]
        chance = alone.at[output, "p95"] - alone.at[output, "p05"]
        share = float(np.clip(1 - (chance / width) ** 2, 0, 1)) if width > 0 else 0.0
        rows.append([output, year, both.at[output, "p05"], both.at[output, "p95"], alone.at[output, "p05"],
                     alone.at[output, "p95"], share])
    return pd.DataFrame(rows, columns=columns)


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_id(seed: int, when: datetime | None = None) -> str:
    """A readable, sortable run id: UTC date and time, then the seed."""
    when = when or datetime.now(timezone.utc)
    return f"{when:%Y%m%d-%H%M%S}-seed{seed}"
