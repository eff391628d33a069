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
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.inputs.errors import ScenarioError, show
from sim.inputs.runspec import UNCERTAINTY_MODES
from sim.inputs.scenario import MAX_NAME_LENGTH, MAX_REPLICATES, MAX_SEED, MAX_YEAR, MIN_YEAR, NAME_PATTERN
from sim.outputs.atomic import atomic_folder, check_writable  # noqa: F401  (re-exported: callers use them)
from sim.outputs import csv_tables  # pandas's bytes, faster (README, Speed)
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
    "step_west": ("Minsk takes a step West", lambda t: t["minsk_foreign_move"] == 1),
    "step_east": ("Minsk takes a step East", lambda t: t["minsk_foreign_move"] == -1),
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
    # "chance" (every world shares one parameter set), "prior" (every world drew each ASSUMPTION) or
    # "posterior:PATH" (every world drew a row of that calibration posterior; sim.inputs.posterior).
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

    def save(self, folder: str | Path, plots: bool = True, csv: bool | None = None, svg: bool = False, *,
             next_free: bool = False) -> Path:
        """Write the run folder atomically: it appears complete, or not at all. Returns where it went.

        Figures are PNG, and SVG too when ``svg``.
        ``timeseries.parquet`` is always written; ``timeseries.csv`` too when ``csv`` is True, or by
        default (None) for runs of up to ``CSV_MAX_WORLDS`` worlds. An existing (or concurrently
        written) ``folder`` is refused; with ``next_free`` (default names such as run ids) the next
        free ``folder-N`` is taken instead."""
        self._csv, self._svg = csv, svg
        with atomic_folder(folder, next_free=next_free) as staging:
            self._write(staging, plots)
        return staging.final

    @property
    def _csv_written(self) -> bool:
        return self.timeseries is not None and bool(self._csv if self._csv is not None
                                                    else self.replicates <= CSV_MAX_WORLDS)

    def _write(self, target: Path, plots: bool) -> None:
        if self.timeseries is not None:
            self.timeseries.to_parquet(target / "timeseries.parquet", index=False)
            if self._csv_written:
                csv_tables.write_csv(self.timeseries, target / "timeseries.csv")
        csv_tables.write_csv(self.summary, target / "summary.csv", float_format="%.6g")
        csv_tables.write_csv(self.events, target / "events.csv", float_format="%.6g")
        csv_tables.write_csv(self.trace, target / "trace.csv", float_format="%.6g")
        if self.world_parameters is not None:
            self.world_parameters.to_parquet(target / "parameters.parquet", index=False)
        if self.chance_summary is not None:
            csv_tables.write_csv(self.chance_summary, target / "summary_chance_only.csv", float_format="%.6g")
        (target / "manifest.json").write_text(json.dumps(self.manifest(), indent=2, default=_json_default),
                                              encoding="utf-8")
        if plots:
            from sim.figures.runs import plot_run  # plotting is a reader of the tables; imported only when drawing

            plot_run(self, target / "plots", svg=self._svg)

    @classmethod
    def load(cls, folder: str | Path) -> "Result":
        """Read a run folder written by :meth:`save`, distrusting every byte of it.

        The manifest is checked against a schema (:class:`_ManifestIn`: types, the scenario name
        pattern, years, counts) and every table for its columns and numeric, finite content. A
        tampered or damaged folder is one :class:`ScenarioError` line naming the file and key.
        """
        folder = Path(folder)
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            raise ScenarioError(str(folder), "not a run folder (no manifest.json)")
        try:
            if manifest_path.stat().st_size > MAX_MANIFEST_BYTES:
                raise ScenarioError(str(manifest_path), f"too large for a run manifest (over "
                                                        f"{MAX_MANIFEST_BYTES // 2**20} MiB)")
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
            raise ScenarioError(str(manifest_path), f"cannot read the manifest: {_one_line(err)}") from None
        if not isinstance(manifest, dict):
            raise ScenarioError(str(manifest_path), "not a run manifest (expected a JSON object)")
        version = manifest.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ScenarioError(str(folder), f"run folder schema version {show(version)} is not supported "
                                             f"(this version reads {SCHEMA_VERSION}); rerun the scenario")
        missing = [key for key in MANIFEST_KEYS if key not in manifest]
        if missing:
            raise ScenarioError(str(manifest_path), f"not a run manifest: missing {', '.join(missing)}")
        checked = _check_manifest(manifest, manifest_path)
        first, last = checked.years
        summary_only = checked.summary_only
        parquet = folder / "timeseries.parquet"
        timeseries = None if summary_only else _read_table(
            parquet if parquet.is_file() else folder / "timeseries.csv", ["replicate", "year", *OUTPUTS], numeric=["replicate", "year", *OUTPUTS],
            years=(first, last), replicates=checked.replicates)
        summary = _read_table(folder / "summary.csv", SUMMARY_COLUMNS, numeric=["year", "mean", *QUANTILES],
                              years=(first, last), names=("output", set(OUTPUTS))) if summary_only else None
        events = _read_table(folder / "events.csv", ["year", "event", "meaning", "probability"],
                             numeric=["year", "probability"], years=(first, last),
                             names=("event", set(EVENT_DEFINITIONS))) if summary_only else None
        trace_path = folder / "trace.csv"
        trace = _read_table(trace_path, TRACE_COLUMNS, numeric=["replicate", "year", "utility", "probability",
                                                                "chosen"], years=(first, last),
                            allow_empty=True) if trace_path.is_file() else pd.DataFrame()
        drawn_path, chance_path = folder / "parameters.parquet", folder / "summary_chance_only.csv"
        world_parameters = _read_parquet(drawn_path) if drawn_path.is_file() else None
        chance_summary = _read_table(chance_path, SUMMARY_COLUMNS, numeric=["year", "mean", *QUANTILES],
                                     years=(first, last), names=("output", set(OUTPUTS))) \
            if chance_path.is_file() else None
        return cls(scenario=manifest["scenario"], seed=checked.seed, replicates=checked.replicates,
                   timeseries=timeseries, trace=trace, parameters=manifest["parameters"],
                   started=checked.started, finished=checked.finished, versions=manifest["versions"],
                   sources=manifest.get("sources") or {},
                   _summary=summary, _events=events, parameter_uncertainty=checked.parameter_uncertainty,
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
# --------------------------------------------------------------------------- reading run folders back

MAX_MANIFEST_BYTES = 16 * 2**20  # a real manifest is tens of kilobytes
TRACE_COLUMNS = ["replicate", "year", "agent", "decision", "option", "utility", "probability", "chosen"]


class _Lax(BaseModel):
    # Strict types (no "1" for 1), finite numbers; keys added by later versions are ignored.
    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False)


class _CitationRead(_Lax):
    doc: str
    quote: str


class _EventRead(_Lax):
    year: int
    set: dict[str, float] = {}
    add: dict[str, float] = {}
    note: str = ""
    citations: list[_CitationRead] = []


class _ScenarioRead(_Lax):
    name: str = Field(pattern=f"^{NAME_PATTERN.pattern}$", max_length=MAX_NAME_LENGTH)
    title: str
    description: str
    start_year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    end_year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    replicates: int = Field(ge=1, le=MAX_REPLICATES)
    seed: int = Field(ge=0, le=MAX_SEED)
    parameters: dict[str, float] = {}
    events: list[_EventRead] = []
    questions: list[str] = []
    path: Optional[str] = None
    bases: list[str] = []
    registry: Optional[str] = None


class _ParameterRead(_Lax):
    value: float
    unit: str = ""
    source: str = ""
    registry_value: Optional[float] = None
    evidence: str = ""
    events: list[dict[str, float]] = []


class _ManifestIn(_Lax):
    scenario: _ScenarioRead
    seed: int = Field(ge=0, le=MAX_SEED)
    replicates: int = Field(ge=1, le=MAX_REPLICATES)
    years: list[int] = Field(min_length=2, max_length=2)
    summary_only: bool = False
    parameters: dict[str, _ParameterRead]
    versions: dict[str, str]
    started: str
    finished: str
    parameter_uncertainty: str = Field(default="chance", pattern=f"^({'|'.join(m for m in UNCERTAINTY_MODES if m != 'posterior')}|posterior:.+)$")
    forecast: Optional[dict[str, Any]] = None
    sources: Optional[dict[str, Any]] = None


def _check_manifest(manifest: dict[str, Any], path: Path) -> _ManifestIn:
    try:
        checked = _ManifestIn.model_validate(manifest)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        key = ".".join(str(part) for part in first["loc"])
        value = first.get("input")
        what = _SCHEMA_WORDS.get(first["type"], first["msg"].lower())
        shown = "" if first["type"] == "missing" else f", got {show(value)}"
        raise ScenarioError(str(path), f"not a valid run manifest: {what}{shown}", key=key) from None
    first, last = checked.years
    s = checked.scenario
    if not (s.start_year <= first <= last <= s.end_year) or first < MIN_YEAR or last > MAX_YEAR:
        raise ScenarioError(str(path), f"not a valid run manifest: years {first}-{last} do not lie within the "
                                       f"scenario's {s.start_year}-{s.end_year}", key="years")
    if checked.replicates != s.replicates or checked.seed != s.seed:
        raise ScenarioError(str(path), "not a valid run manifest: replicates and seed differ from the scenario's",
                            key="replicates")
    return checked


_SCHEMA_WORDS = {
    "missing": "required key is missing", "int_type": "must be a whole number", "float_type": "must be a number",
    "string_type": "must be text", "bool_type": "must be true or false", "dict_type": "must be an object",
    "model_type": "must be an object", "list_type": "must be a list", "finite_number": "must be a finite number",
    "string_pattern_mismatch": "not allowed; allowed: lowercase letters, digits, '_' and '-' (a scenario name)",
    "string_too_long": f"too long; at most {MAX_NAME_LENGTH} characters",
    "greater_than_equal": "too small", "less_than_equal": "too large",
    "too_short": "must be a list of two years", "too_long": "must be a list of two years",
}


def _read_table(path: Path, columns: list[str], *, numeric: list[str], years: tuple[int, int],
                replicates: int | None = None, names: tuple[str, set[str]] | None = None,
                allow_empty: bool = False) -> pd.DataFrame:
    """A CSV (or Parquet) table of a run folder with these columns (others allowed), numeric where said,
    in its years."""
    try:
        if path.suffix == ".parquet":
            try:
                table = pd.read_parquet(path)
            except (FileNotFoundError, OSError):
                raise
            except Exception as err:  # pyarrow's own error types for damaged files
                raise ValueError(_one_line(err)) from None
        else:
            table = pd.read_csv(path, low_memory=False)
    except FileNotFoundError:
        raise ScenarioError(str(path), "missing from the run folder") from None
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        if allow_empty and isinstance(err, pd.errors.EmptyDataError):
            return pd.DataFrame()
        raise ScenarioError(str(path), f"cannot read the run tables: {_one_line(err)}") from None
    if allow_empty and table.empty and not len(table.columns):
        return table
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ScenarioError(str(path), f"not a run table: missing column(s) {', '.join(missing[:5])}")
    for column in numeric:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ScenarioError(str(path), f"row {row + 2}: {show(table[column].iloc[row])} is not a finite number",
                                key=column)
        table[column] = values
    if len(table):
        year = table["year"]
        if (year != year.round()).any() or year.min() < years[0] or year.max() > years[1]:
            raise ScenarioError(str(path), f"years outside the run's {years[0]}-{years[1]}", key="year")
    if names is not None:
        column, allowed = names
        unknown = sorted(set(table[column].astype(str)) - allowed)
        if unknown:
            raise ScenarioError(str(path), f"unknown {column} {show(unknown[0])}", key=column)
    if replicates is not None:
        expected = replicates * (years[1] - years[0] + 1)
        replicate = table["replicate"]
        if len(table) != expected or replicate.min() < 0 or replicate.max() >= replicates \
                or table.duplicated(["replicate", "year"]).any():
            raise ScenarioError(str(path), f"expected one row per replicate and year ({replicates} x "
                                           f"{years[1] - years[0] + 1} = {expected} rows), got {len(table)}")
    return table


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet table of a run folder whose every column is numeric and finite."""
    try:
        table = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises its own error types for damaged files
        raise ScenarioError(str(path), f"cannot read the run tables: {_one_line(err)}") from None
    for column in table.columns:
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if not np.isfinite(values).all():
            raise ScenarioError(str(path), "holds a value that is not a finite number", key=str(column))
    return table


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:300] or type(err).__name__


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
