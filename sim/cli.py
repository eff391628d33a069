"""The ``sim`` command line: parses arguments and prints; the work is in the modules.

Commands: ``sim params``, ``sim cite ID``, ``sim validate FILE...``. Bad input of
any kind ends with ``error: <one line>`` on stderr and exit status 2.

To add a command, decorate a function with ``@cli.command()`` in the marked
section below; use ``registry_from(ctx)`` for the registry and ``SET_OPTION``
for ``--set ID=VALUE`` overrides.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

import click

from sim.errors import ScenarioError
from sim.registry import Registry, fold, load_registry, load_sources, quote_context
from sim.scenario import load_scenario, parse_set

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class _Group(click.Group):
    """A click group that reports ScenarioError as one line and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ScenarioError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (see main): commands write atomically
            click.echo("interrupted: nothing was written", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=_Group)
@click.option("--registry", "registry_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Parameter registry (default: seeds/parameters.yaml).")
@click.pass_context
def cli(ctx: click.Context, registry_path: Path | None) -> None:
    """Balancing Act: Belarus between Moscow and Brussels, an agent-based simulator."""
    ctx.ensure_object(dict)["registry_path"] = registry_path


def registry_from(ctx: click.Context) -> Registry:
    """The registry chosen by ``sim --registry`` (default ``seeds/parameters.yaml``)."""
    return load_registry(ctx.find_root().obj.get("registry_path"))


def _parse_sets(ctx: click.Context, _param: click.Parameter, texts: tuple[str, ...]) -> dict[str, float]:
    registry = registry_from(ctx)
    return dict(parse_set(text, registry) for text in texts)


SET_OPTION = click.option(
    "--set", "overrides", multiple=True, metavar="ID=VALUE", callback=_parse_sets,
    help="Override a registry parameter, e.g. --set minsk.unrest_threshold=0.6 (repeatable).")


# --------------------------------------------------------------------------- registry commands


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def params(ctx: click.Context, fmt: str) -> None:
    """List the parameter registry: id, value, unit, range and source."""
    registry = registry_from(ctx)
    if fmt == "json":
        click.echo(json.dumps([p.to_json_dict() for p in registry.values()], indent=2))
        return
    sources = load_sources()
    rows = [("id", "value", "unit", "range", "source")]
    rows += [(p.id, p.value_text(), p.unit, p.range_text(), p.source_short(sources))
             for p in registry.values()]
    rows = [tuple(str(x) for x in row) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4])


@cli.command()
@click.argument("parameter_id", metavar="ID")
@click.pass_context
def cite(ctx: click.Context, parameter_id: str) -> None:
    """Show a parameter and the sentences of the sources it rests on."""
    registry = registry_from(ctx)
    if parameter_id not in registry:
        close = registry.suggest(parameter_id)
        hint = f"; did you mean '{close}'?" if close else ""
        raise ScenarioError("sim cite", f"unknown parameter id{hint}", key=parameter_id)
    p = registry[parameter_id]
    sources = load_sources()
    click.echo(f"{p.id} = {p.value_text()} {p.unit}")
    click.echo(f"  range:   {p.range_text()} (allowed: {p.domain_text()})")
    click.echo(f"  meaning: {p.meaning}")
    if p.note:
        click.echo(f"  note:    {p.note}")
    if p.assumption:
        click.echo(f"  ASSUMPTION: {p.assumption}")
    for citation, sentence in quote_context(p):
        source = sources.get(citation.doc)
        name = f"{source.short} ({source.outlet}, \"{source.title}\")" if source else citation.doc
        click.echo(f"\n  [{name}] {citation.doc}")
        if sentence is None:
            click.echo(f"    QUOTE NOT FOUND: \"{citation.quote}\"")
        else:
            click.echo(f"    \"{_mark(sentence, citation.quote)}\"")


def _mark(sentence: str, quote: str) -> str:
    """The sentence with the quoted passage between ** marks (the passage as it appears in the sentence)."""
    folded = fold(quote)
    start = sentence.find(folded)
    if start < 0:
        return sentence
    return f"{sentence[:start]}**{folded}**{sentence[start + len(folded):]}"


# --------------------------------------------------------------------------- scenario commands


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@SET_OPTION
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...], overrides: dict[str, float]) -> None:
    """Check scenario files; print one line per file. Exit status 2 if any is bad."""
    registry = registry_from(ctx)
    failed = False
    for file in files:
        try:
            s = load_scenario(file, overrides, registry, overrides_label="--set")
        except ScenarioError as err:
            click.echo(f"error: {err}", err=True)
            failed = True
            continue
        events = f"{len(s.events)} event" + ("" if len(s.events) == 1 else "s")
        click.echo(f"ok  {file} ({s.name}: {s.replicates} replicates, {s.start_year}-{s.end_year}, {events})")
    if failed:
        ctx.exit(EXIT_BAD_INPUT)


# --------------------------------------------------------------------------- run and analysis commands
# The lead adds `sim run` and further commands here, as @cli.command() functions.

HEADLINE_OUTPUTS = ("alignment", "russia_trade_share", "sanctions_level", "subsidy_pct_gdp", "unrest", "gdp_growth")
PROGRESS_MIN_WORK = 200_000  # replicate-years below which a run is too quick to need a progress bar


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(path_type=Path))
@click.option("--replicates", type=int, default=None, help="Number of worlds (default: the scenario's).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the scenario's).")
@click.option("--end-year", type=int, default=None, help="Last simulated year (default: the scenario's).")
@SET_OPTION
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Run folder to write (default: results/<scenario name>/<run id>/).")
@click.option("--no-plots", is_flag=True, help="Write the tables only.")
@click.option("--summary-only", is_flag=True,
              help="Keep summary, events and trace but not the per-replicate time series (huge ensembles).")
@click.pass_context
def run(ctx: click.Context, scenario_file: Path, replicates: int | None, seed: int | None,
        end_year: int | None, overrides: dict[str, float], out: Path | None, no_plots: bool,
        summary_only: bool) -> None:
    """Simulate a scenario's ensemble and write a run folder (tables, manifest, plots)."""
    from sim import api
    from sim.results import run_id

    scenario = load_scenario(scenario_file, overrides, registry_from(ctx), overrides_label="--set")
    changes = {k: v for k, v in (("replicates", replicates), ("seed", seed), ("end_year", end_year)) if v is not None}
    scenario = scenario.replace(**changes) if changes else scenario
    folder = out or Path("results") / scenario.name / run_id(scenario.seed)
    if folder.exists():
        raise ScenarioError(str(folder), "output folder already exists; choose another --out or remove it",
                            key="--out")
    try:
        with _progress(scenario) as progress:
            result = api.run(scenario, progress=progress, summary_only=summary_only)
        result.save(folder, plots=not no_plots)
    except KeyboardInterrupt:
        click.echo("interrupted: no run folder was written", err=True)
        ctx.exit(130)
    click.echo(_headline_table(result))
    click.echo(f"\nrun folder: {folder}")


def _progress(scenario):
    """A progress bar over simulated years for long runs in a terminal; silent in pipes and CI."""
    from contextlib import contextmanager

    @contextmanager
    def bar():
        years = scenario.end_year - scenario.start_year
        if scenario.replicates * max(years, 1) < PROGRESS_MIN_WORK or not sys.stderr.isatty():
            yield None
            return
        from tqdm import tqdm

        with tqdm(total=years, desc=f"{scenario.name}", unit="year", file=sys.stderr, leave=False) as pbar:
            def update(done: int, total: int) -> None:
                pbar.n = done
                pbar.refresh()
            yield update

    return bar()


def _headline_table(result) -> str:
    """Median [p05, p95] of the headline outputs at the start, middle and end years."""
    years = result.years
    shown = sorted({years[0], years[len(years) // 2], years[-1]})
    summary = result.summary.set_index(["output", "year"])
    header = f"{result.scenario['title']}\n{result.replicates} replicates, seed {result.seed}; median [5%, 95%]"
    lines = [header, f"{'output':<22}" + "".join(f"{y:>24}" for y in shown)]
    for output in HEADLINE_OUTPUTS:
        cells = []
        for year in shown:
            row = summary.loc[(output, year)]
            cells.append(f"{_short(row.p50)} [{_short(row.p05)}, {_short(row.p95)}]")
        lines.append(f"{output:<22}" + "".join(f"{c:>24}" for c in cells))
    return "\n".join(lines)


def _short(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="A B [C ...]", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Comparison folder to write (default: results/compare/<names>-<time>/).")
@click.option("--years", default=None, metavar="Y1,Y2,...", help="Years for the difference table.")
@click.option("--replicates", type=int, default=None, help="Replicates for scenario files (default: theirs).")
@click.pass_context
def compare(ctx: click.Context, inputs: tuple[Path, ...], out: Path | None, years: str | None,
            replicates: int | None) -> None:
    """Compare scenarios (YAML files, run first) or existing run folders: overlay plots and a difference table."""
    from sim import api

    if len(inputs) < 2:
        raise ScenarioError("sim compare", "give at least two scenarios or run folders to compare")
    chosen_years = _parse_years(years)
    try:
        comparison = api.compare(inputs, years=chosen_years, replicates=replicates, registry=registry_from(ctx))
        folder = comparison.save(out)
    except KeyboardInterrupt:
        click.echo("interrupted: no comparison folder was written", err=True)
        ctx.exit(130)
    for note in comparison.notes:
        click.echo(f"note: {note}")
    click.echo(comparison.text())
    click.echo(f"\ncomparison folder: {folder}")


def _parse_years(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ScenarioError("--years", f"expected years separated by commas, e.g. 2016,2020,2025; got '{text}'") from None


# ---- reliability commands


@cli.command()
@click.argument("folder", metavar="RUN_FOLDER", type=click.Path(path_type=Path))
@click.pass_context
def rerun(ctx: click.Context, folder: Path) -> None:
    """Run again from a run folder's manifest and report whether every number matches."""
    from sim import api

    outcome = api.rerun(folder)
    click.echo(outcome.text())
    if not outcome.matches:
        ctx.exit(1)


# ---- evidence commands


@cli.command()
@click.option("--replicates", type=int, default=None, help="Number of worlds (default: the scenario's, 1000).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the scenario's).")
@click.option("--observed", type=click.Path(path_type=Path), default=None,
              help="Observed outcomes (default: seeds/observed.yaml).")
@click.option("--scenario", "scenario_file", type=click.Path(path_type=Path), default=None,
              help="Hindcast scenario (default: scenarios/hindcast_2015.yaml).")
@click.option("--report", is_flag=True, help="Also regenerate docs/validation.md (runs the pattern checks too).")
@click.option("--report-path", type=click.Path(path_type=Path), default=None,
              help="Where --report writes (default: docs/validation.md).")
@click.option("--calibration", type=click.Path(path_type=Path), default=None,
              help="Calibration report for --report (default: the newest results/calibration/*/report.json).")
@click.option("--sensitivity", type=click.Path(path_type=Path), default=None,
              help="Sensitivity table (CSV) for --report (default: the newest under results/sensitivity/).")
@click.pass_context
def hindcast(ctx: click.Context, replicates: int | None, seed: int | None, observed: Path | None,
             scenario_file: Path | None, report: bool, report_path: Path | None, calibration: Path | None,
             sensitivity: Path | None) -> None:
    """Run the 2015-2025 hindcast and score it against what the seeds report (seeds/observed.yaml)."""
    from sim.hindcast import run_hindcast

    result = run_hindcast(scenario_file, observed, replicates=replicates, seed=seed, registry=registry_from(ctx))
    click.echo(result.text())
    if report:
        from sim.validation_report import write_report

        command = "sim " + " ".join(sys.argv[1:]) if Path(sys.argv[0]).name == "sim" else "sim hindcast --report"
        path = write_report(result, report_path, calibration=calibration, sensitivity=sensitivity, command=command,
                            progress=lambda text: click.echo(text, err=True))
        click.echo(f"\nreport: {path}")


@cli.command()
@click.option("--params", "param_texts", multiple=True, metavar="ID[,ID...]",
              help="ASSUMPTION parameters to fit (comma-separated or repeated; default: a relevant five).")
@click.option("--replicates", type=int, default=None, help="Worlds per evaluation (default 300).")
@click.option("--seed", type=int, default=None, help="Seed of the common random numbers and the optimizer.")
@click.option("--budget", type=int, default=None, help="Model evaluations (default 1200, about a minute).")
@click.option("--method", type=click.Choice(["differential-evolution", "nelder-mead"]),
              default="differential-evolution", show_default=True)
@click.option("--observed", type=click.Path(path_type=Path), default=None,
              help="Observed outcomes (default: seeds/observed.yaml).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder for report and registry.diff (default: results/calibration/<time>/).")
@click.pass_context
def calibrate(ctx: click.Context, param_texts: tuple[str, ...], replicates: int | None, seed: int | None,
              budget: int | None, method: str, observed: Path | None, out: Path | None) -> None:
    """Fit ASSUMPTION parameters to the seeds' observations; write a registry diff to review (never applied)."""
    from sim import calibrate as calibration

    if out is not None and out.exists():
        raise ScenarioError(str(out), "output folder already exists; choose another --out or remove it", key="--out")
    registry = registry_from(ctx)
    ids = calibration.parse_parameter_list(param_texts) or list(calibration.DEFAULT_PARAMETERS)
    calibration.check_parameters(registry, ids)
    options = {k: v for k, v in (("replicates", replicates), ("seed", seed), ("budget", budget)) if v is not None}
    try:
        fit = calibration.calibrate(ids, method=method, observed=observed, registry=registry, **options)
        folder = fit.save(out)
    except KeyboardInterrupt:
        click.echo("interrupted: nothing was written", err=True)
        ctx.exit(130)
    click.echo(fit.text())
    click.echo(f"\nproposed registry change ({len(fit.changed)} value line(s); NOT applied): {folder / 'registry.diff'}")
    if fit.changed:
        click.echo(f"review it, then accept with: git apply {folder / 'registry.diff'}")


# --------------------------------------------------------------------------- entry point


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Console script ``sim``: bad input gives ``error: <one line>`` on stderr and exit status 2."""
    # SIGTERM ends a command the way Ctrl-C does, so that half-written folders are cleaned up.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.main(args=argv, prog_name="sim")
    except ScenarioError as err:  # raised outside a command, e.g. while parsing group options
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":
    main()
