"""The ``sim`` command line: parses arguments and prints; the work is in the modules.

``sim --help`` lists the commands. A scenario argument is a file or a shipped scenario's name
(resolved by :func:`sim.inputs.resources.scenario_path`); default output folders come from
:mod:`sim.outputs.paths`; tables and texts are built by the layers below. Bad input of any kind
ends with ``error: <one line>`` on stderr and exit status 2.

The group, the exit codes and the shared options are in :mod:`sim.commands.base`; larger
command groups have a module of their own there (``sim sweep`` and ``sim discover``:
:mod:`sim.commands.sweeps`). To add a command, decorate a function with ``@cli.command()``;
use ``registry_from(ctx)`` for the registry and ``SET_OPTION`` for ``--set ID=VALUE`` overrides.
"""

from __future__ import annotations

import json
import signal
import sys
import tempfile
from pathlib import Path

import click

from sim.inputs.errors import ScenarioError, did_you_mean, terminal_text
from sim.inputs.registry import load_sources, quote_context, split_at_quote
from sim.inputs.resources import scenario_path, shipped_scenarios
from sim.inputs.runspec import DEFAULT_FORECAST_REPLICATES
from sim.inputs.scenario import load_scenario

from sim.commands import sweeps  # noqa: F401  (registers sim sweep and sim discover on the group)
from sim.commands.base import EXIT_BAD_INPUT, EXIT_INTERRUPTED, SET_OPTION, cli, progress_bar, registry_from


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
        raise ScenarioError("sim cite", "unknown parameter id" + did_you_mean(parameter_id, registry), key=parameter_id)
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
    """The sentence with the quoted passage between ** marks."""
    parts = split_at_quote(sentence, quote)
    return sentence if parts is None else f"{parts[0]}**{parts[1]}**{parts[2]}"


# --------------------------------------------------------------------------- scenario commands


@cli.command()
@click.pass_context
def scenarios(ctx: click.Context) -> None:
    """List the shipped scenarios: the name to give sim run, the years, the title."""
    registry = registry_from(ctx)
    rows = []
    for name, path in shipped_scenarios().items():
        s = load_scenario(path, registry=registry)
        rows.append((name, f"{s.start_year}-{s.end_year}", s.title))
    width = max(len(name) for name, _, _ in rows)
    for name, years, title in rows:
        click.echo(terminal_text(f"{name:<{width}}  {years}  {title}"))


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="SCENARIO...", type=click.Path(path_type=Path))
@SET_OPTION
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...], overrides: dict[str, float]) -> None:
    """Check scenarios (files, or names of shipped ones); print one line per scenario. Exit status 2 if any is bad."""
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
        click.echo(terminal_text(f"ok  {file} ({s.name}: {s.replicates} replicates, {s.start_year}-{s.end_year}, {events})"))
    if failed:
        ctx.exit(EXIT_BAD_INPUT)


# --------------------------------------------------------------------------- run and analysis commands
# The lead adds `sim run` and further commands here, as @cli.command() functions.

PROGRESS_MIN_WORK = 200_000  # replicate-years below which a run is too quick to need a progress bar
UNCERTAINTY_HELP = ("chance: every world shares one parameter set; prior: every world also draws each ASSUMPTION "
                    "parameter from its prior (cited values and the scenario's own values stay fixed); "
                    "posterior:PATH: every world draws one row of a calibration's posterior table (sim calibrate "
                    "--method abc writes posterior.csv) by its weight.")


def checked_uncertainty(text: str, registry) -> str:
    """``--parameter-uncertainty``: chance, prior or posterior:PATH, the table checked before any work."""
    from sim.inputs.posterior import load_posterior, posterior_path

    path = posterior_path(text)
    if path is not None:
        load_posterior(path, registry)  # a bad path or table: one line, exit 2, nothing claimed yet
        return text
    if text not in ("chance", "prior"):
        raise ScenarioError("--parameter-uncertainty", f"{text!r} is not allowed; allowed: chance, prior, "
                                                       "posterior:PATH")
    return text


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--replicates", type=int, default=None, help="Number of worlds (default: the scenario's).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the scenario's).")
@click.option("--end-year", type=int, default=None, help="Last simulated year (default: the scenario's).")
@SET_OPTION
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Run folder to write (default: results/<scenario name>/<run id>/).")
@click.option("--no-plots", is_flag=True, help="Write the tables only.")
@click.option("--summary-only", is_flag=True,
              help="Keep summary, events and trace but not the per-replicate time series (huge ensembles).")
@click.option("--report", "with_report", is_flag=True,
              help="Also write report.html into the run folder: one self-contained page for a class.")
@click.option("--svg", "write_svg", is_flag=True, help="Also draw every figure as SVG (PNG only by default).")
@click.option("--csv", "write_csv", is_flag=True,
              help="Also write timeseries.csv beyond 10,000 worlds (it is written up to 10,000; "
                   "timeseries.parquet always).")
@click.option("--parameter-uncertainty", default="chance", show_default=True,
              metavar="chance|prior|posterior:PATH", help=UNCERTAINTY_HELP)
@click.pass_context
def run(ctx: click.Context, scenario_file: Path, replicates: int | None, seed: int | None,
        end_year: int | None, overrides: dict[str, float], out: Path | None, no_plots: bool,
        summary_only: bool, with_report: bool = False, parameter_uncertainty: str = "chance",
        write_csv: bool = False, write_svg: bool = False) -> None:
    """Simulate a scenario's ensemble and write a run folder (tables, manifest, plots).

    SCENARIO is a YAML file, or the name of a shipped scenario (see sim scenarios), e.g. sanctions_lifted.
    """
    from sim import api
    from sim.outputs import claims, paths
    from sim.outputs.compare import run_summary_text
    from sim.outputs.results import run_id

    scenario = load_scenario(scenario_file, overrides, registry_from(ctx), overrides_label="--set")
    parameter_uncertainty = checked_uncertainty(parameter_uncertainty, registry_from(ctx))
    changes = {k: v for k, v in (("replicates", replicates), ("seed", seed), ("end_year", end_year)) if v is not None}
    scenario = scenario.replace(**changes) if changes else scenario
    # Claimed before the work: a named --out that exists or is being written is refused now; a default
    # run id already taken (same scenario and seed in the same second) moves on to <run id>-2, ...
    folder = claims.claim(out or paths.run_folder(scenario.name, run_id(scenario.seed)), next_free=out is None)
    def simulate():
        years = max(scenario.end_year - scenario.start_year, 1)
        with progress_bar(years, scenario.name, "year", show=scenario.replicates * years >= PROGRESS_MIN_WORK) \
                as progress:
            result = api.run(scenario, progress=progress, summary_only=summary_only,
                             parameter_uncertainty=parameter_uncertainty)
        result.save(folder, plots=not no_plots, csv=True if write_csv else None, svg=write_svg)
        return result

    _write_claimed(ctx, folder, simulate, lambda result: [terminal_text(run_summary_text(result))], with_report)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="A B [C ...]", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Comparison folder to write (default: results/compare/<names>-<time>/).")
@click.option("--years", default=None, metavar="Y1,Y2,...", help="Years for the difference table.")
@click.option("--replicates", type=int, default=None, help="Replicates for scenario files (default: theirs).")
@click.pass_context
def compare(ctx: click.Context, inputs: tuple[Path, ...], out: Path | None, years: str | None,
            replicates: int | None) -> None:
    """Compare scenarios (YAML files or shipped names, run first) or existing run folders: overlay plots and a
    difference table."""
    from sim import api

    if len(inputs) < 2:
        raise ScenarioError("sim compare", "give at least two scenarios or run folders to compare")
    from sim.outputs import claims

    chosen_years = _parse_years(years)
    if out is not None:
        claims.claim(out)  # a named folder that exists or is being written is refused before any work
    try:
        comparison = api.compare(inputs, years=chosen_years, replicates=replicates, registry=registry_from(ctx))
        folder = comparison.save(out)
    finally:
        if out is not None:
            claims.release(out)
    for note in comparison.notes:
        click.echo(terminal_text(f"note: {note}"))
    click.echo(terminal_text(comparison.text()))
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
    click.echo(terminal_text(outcome.text()))
    if not outcome.matches:
        ctx.exit(1)


# ---- evidence commands


@cli.command()
@click.option("--replicates", type=int, default=None,
              help=f"Number of worlds (default: the scenario's, 1000; with --origin or --report's forecasts "
                   f"{DEFAULT_FORECAST_REPLICATES}).")
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
@click.option("--origin", type=int, default=None, metavar="YEAR",
              help="Score the forecast made at YEAR (conditioned on seeds/record.yaml up to it) on every record "
                   "figure after it, beside persistence, climatology and random actors.")
@click.option("--record", "record_path", type=click.Path(path_type=Path), default=None,
              help="Public record for --origin and --report (default: seeds/record.yaml).")
@click.option("--posterior", "posterior_path", type=click.Path(path_type=Path), default=None,
              help="--report: also score the forecast from the origin this posterior.csv (sim calibrate --method "
                   "abc) was fitted up to, with chance only, the prior and the posterior.")
@click.pass_context
def hindcast(ctx: click.Context, replicates: int | None, seed: int | None, observed: Path | None,
             scenario_file: Path | None, report: bool, report_path: Path | None, calibration: Path | None,
             sensitivity: Path | None, origin: int | None = None, record_path: Path | None = None,
             posterior_path: Path | None = None) -> None:
    """Run the 2015-2025 hindcast and score it against what the seeds report (seeds/observed.yaml);
    with --origin, score the forecast made at that year on the public record after it."""
    from sim.evidence.hindcast import run_hindcast

    registry = registry_from(ctx)
    if origin is not None:
        from sim.evidence.rolling import run_origin_hindcast

        if report or observed is not None:
            raise ScenarioError("sim hindcast", "--origin scores one origin on the record; give --report (which "
                                                "scores the report's origins) or --observed without it")
        scored = run_origin_hindcast(origin, scenario_file, replicates=replicates, seed=seed, record=record_path,
                                     registry=registry)
        click.echo(terminal_text(scored.text()))
        return
    if report:  # bad record input and an unwritable report path fail before any slow work
        from sim.evidence.validation_report import DEFAULT_REPORT
        from sim.inputs.record import load_record
        from sim.outputs.claims import check_file_target

        check_file_target(report_path or DEFAULT_REPORT, key="--report-path")
        load_record(record_path, registry=registry)
        if posterior_path is not None:
            from sim.evidence.forecast_report import posterior_origin
            from sim.inputs.posterior import load_posterior

            from sim.evidence.validation_report import load_abc

            load_posterior(posterior_path, registry)
            posterior_origin(posterior_path)
            load_abc(posterior_path)  # the fit section 3 describes
    elif posterior_path is not None:
        raise ScenarioError("--posterior", "belongs to --report (section 6 scores it beside the prior)")
    result = run_hindcast(scenario_file, observed, replicates=replicates, seed=seed, registry=registry)
    click.echo(terminal_text(result.text()))
    if report:
        from sim.evidence.forecast_report import forecast_sections
        from sim.evidence.hindcast import display_path
        from sim.evidence.validation_report import DEFAULT_REPORT, write_report

        # The command as typed (`sim ...` or `python3 -m sim.cli ...`), so the report's header reproduces it.
        command = ("sim " + " ".join(sys.argv[1:]) if Path(sys.argv[0]).name in ("sim", "cli.py")
                   else "sim hindcast --report")
        target = Path(report_path) if report_path is not None else DEFAULT_REPORT
        click.echo("scoring the forecasts made at the report's origins ...", err=True)
        summary: list[str] = []
        sections = forecast_sections(target, record=record_path, registry=registry, posterior=posterior_path,
                                     summary=summary)
        path = write_report(result, target, calibration=calibration, sensitivity=sensitivity, command=command,
                            progress=lambda text: click.echo(text, err=True), extra_sections=sections,
                            abc=posterior_path, summary=summary)
        click.echo(f"\nreport: {display_path(path)}")


@cli.command()
@click.argument("scenario_file", metavar="[SCENARIO.yaml]", required=False, type=click.Path(path_type=Path))
@click.option("--origin", type=int, required=True, metavar="YEAR",
              help="Forecast origin: the worlds are conditioned on the public record up to and including it.")
@click.option("--to", "end_year", type=int, default=None, metavar="YEAR",
              help="Last forecast year (default: the scenario's end year).")
@click.option("--replicates", type=int, default=None, help=f"Number of worlds (default {DEFAULT_FORECAST_REPLICATES}).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the scenario's).")
@SET_OPTION
@click.option("--parameter-uncertainty", default="chance", show_default=True,
              metavar="chance|prior|posterior:PATH",
              help=UNCERTAINTY_HELP + " Under prior or posterior the filter keeps the draws that fit the record.")
@click.option("--record", "record_path", type=click.Path(path_type=Path), default=None,
              help="Public record (default: seeds/record.yaml).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Run folder to write (default: results/<scenario>/forecast-<origin>-<run id>/).")
@click.option("--no-plots", is_flag=True, help="Write the tables only.")
@click.option("--report", "with_report", is_flag=True,
              help="Also write report.html into the run folder: the forecast beside the record, for a class.")
@click.pass_context
def forecast(ctx: click.Context, scenario_file: Path | None, origin: int, end_year: int | None,
             replicates: int | None, seed: int | None, overrides: dict[str, float], parameter_uncertainty: str,
             record_path: Path | None, out: Path | None, no_plots: bool, with_report: bool = False) -> None:
    """Forecast from an origin year: conditioned on the public record up to it, then the scenario's events."""
    from sim import api
    from sim.evidence.forecast import DEFAULT_SCENARIO, conditioning_text
    from sim.outputs.compare import run_summary_text
    from sim.outputs import claims, paths
    from sim.outputs.results import run_id

    registry = registry_from(ctx)
    scenario = load_scenario(scenario_file if scenario_file is not None else DEFAULT_SCENARIO, overrides, registry,
                             overrides_label="--set")
    parameter_uncertainty = checked_uncertainty(parameter_uncertainty, registry)
    folder = claims.claim(out or paths.forecast_folder(scenario.name, origin,
                                                       run_id(seed if seed is not None else scenario.seed)),
                          next_free=out is None)  # as sim run: claimed before the work

    def simulate():
        result = api.forecast(origin=origin, scenario=scenario, end_year=end_year, replicates=replicates, seed=seed,
                              record=record_path, registry=registry, parameter_uncertainty=parameter_uncertainty)
        result.save(folder, plots=not no_plots)
        return result

    _write_claimed(ctx, folder, simulate, lambda result: [terminal_text(conditioning_text(result)), "",
                                                          terminal_text(run_summary_text(result))], with_report)


@cli.command()
@click.option("--params", "param_texts", multiple=True, metavar="ID[,ID...]",
              help="ASSUMPTION parameters to fit (comma-separated or repeated; default: a relevant five).")
@click.option("--replicates", type=int, default=None, help="Worlds per evaluation (default 300).")
@click.option("--seed", type=int, default=None, help="Seed of the common random numbers and the optimizer.")
@click.option("--budget", type=int, default=None, help="Model evaluations (default 1200, about a minute).")
@click.option("--method", type=click.Choice(["differential-evolution", "nelder-mead", "abc"]),
              default="differential-evolution", show_default=True,
              help="abc: ABC-SMC (pyabc) to the public record up to --origin; writes a posterior table.")
@click.option("--observed", type=click.Path(path_type=Path), default=None,
              help="Observed outcomes (default: seeds/observed.yaml; not with --method abc).")
@click.option("--origin", type=int, default=None, metavar="YEAR",
              help="--method abc: fit to the record's figures up to and including YEAR only (required).")
@click.option("--population", type=int, default=None, help="--method abc: particles per generation (default 100).")
@click.option("--generations", type=int, default=None, help="--method abc: ABC-SMC generations (default 4).")
@click.option("--record", "record_path", type=click.Path(path_type=Path), default=None,
              help="--method abc: the public record (default: seeds/record.yaml).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder for report and registry.diff (default: results/calibration/<time>/, "
                   "results/calibration/abc-<origin>-<time>/ for abc).")
@click.pass_context
def calibrate(ctx: click.Context, param_texts: tuple[str, ...], replicates: int | None, seed: int | None,
              budget: int | None, method: str, observed: Path | None, out: Path | None, origin: int | None = None,
              population: int | None = None, generations: int | None = None, record_path: Path | None = None) -> None:
    """Fit ASSUMPTION parameters to the seeds' observations (or, --method abc, a posterior to the public record up
    to --origin); write a registry diff to review (never applied)."""
    from sim.evidence import calibrate as calibration
    from sim.outputs.atomic import check_writable

    if out is not None:
        check_writable(out)  # before a fit that takes a minute
    if method == "abc":
        _calibrate_abc(ctx, param_texts, replicates, seed, budget, observed, out, origin, population, generations,
                       record_path)
        return
    for name, given in (("--origin", origin), ("--population", population), ("--generations", generations),
                        ("--record", record_path)):
        if given is not None:
            raise ScenarioError(name, "belongs to --method abc; the other methods fit to --observed")
    registry = registry_from(ctx)
    ids = calibration.parse_parameter_list(param_texts)
    if param_texts and not ids:
        raise ScenarioError("--params", "names no parameter; give ids separated by commas, or leave --params out "
                                        "for the default five")
    ids = ids or list(calibration.DEFAULT_PARAMETERS)
    calibration.check_parameters(registry, ids)
    options = {k: v for k, v in (("replicates", replicates), ("seed", seed), ("budget", budget)) if v is not None}
    fit = calibration.calibrate(ids, method=method, observed=observed, registry=registry, **options)
    folder = fit.save(out)
    click.echo(terminal_text(fit.text()))
    click.echo(f"\nproposed registry change ({len(fit.changed)} value line(s); NOT applied): {folder / 'registry.diff'}")
    if fit.changed:
        click.echo(f"review it, then accept with: git apply {folder / 'registry.diff'}")


def _calibrate_abc(ctx, param_texts, replicates, seed, budget, observed, out, origin, population, generations,
                   record_path) -> None:
    """``sim calibrate --method abc``: the posterior table, the report and a registry diff in one folder."""
    from sim.evidence import abc
    from sim.evidence import calibrate as calibration

    for name, given in (("--budget", budget), ("--observed", observed)):
        if given is not None:
            raise ScenarioError(name, "does not apply to --method abc (it fits to --record up to --origin; size it "
                                      "with --population, --generations and --replicates)")
    if origin is None:
        raise ScenarioError("--origin", "--method abc needs --origin YEAR: the last year of the record it may see")
    registry = registry_from(ctx)
    ids = calibration.parse_parameter_list(param_texts)
    if param_texts and not ids:
        raise ScenarioError("--params", "names no parameter; give ids separated by commas, or leave --params out "
                                        "for the default five")
    options = {k: v for k, v in (("worlds", replicates), ("population", population), ("generations", generations),
                                 ("seed", seed)) if v is not None}
    with tempfile.TemporaryDirectory(prefix="sim-abc-") as scratch:  # pyabc's database, never the cwd
        fit, history = abc.fit(origin, ids or None, record=record_path, registry=registry, workdir=scratch,
                               **options)
        folder = fit.save(out, history=history)
    click.echo(terminal_text(fit.text()))
    click.echo(f"\nposterior table: {folder / 'posterior.csv'} (--parameter-uncertainty posterior:{folder / 'posterior.csv'})")
    click.echo(f"proposed registry change ({len(fit.changed)} value line(s); NOT applied): {folder / 'registry.diff'}")
    if fit.changed:
        click.echo(f"review it, then accept with: git apply {folder / 'registry.diff'}")


# ---- ui command


@cli.command()
@click.argument("scenario_file", metavar="[SCENARIO]", required=False, type=click.Path(path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default serves this computer only.")
@click.option("--allow-remote", is_flag=True,
              help="Allow a --host other computers can reach (the app has no login).")
@click.pass_context
def ui(ctx: click.Context, scenario_file: Path | None, port: int, host: str, allow_remote: bool = False) -> None:
    """Open the web app: live sliders (each change reruns the ensemble), A/B comparison, the record, decision trace.

    Without SCENARIO (a file, or a shipped scenario's name) the page offers every shipped scenario.
    """
    from sim import ui as web

    missing = web.missing_dependency()
    if missing is not None:
        click.echo(f"error: {web.INSTALL_HINT}", err=True)
        ctx.exit(EXIT_BAD_INPUT)
    web.check_host(host, allow_remote, echo=lambda text: click.echo(text, err=True))  # before anything else
    if scenario_file is not None:
        scenario_file = scenario_path(scenario_file)
        load_scenario(scenario_file, registry=registry_from(ctx))  # bad input: one line, exit 2
    web.serve(scenario_file, host=host, port=port, registry_path=ctx.find_root().obj.get("registry_path"),
              echo=click.echo, allow_remote=True)  # checked (and warned about) above


# ---- teaching commands


@cli.command()
@click.argument("folders", nargs=-1, required=True, metavar="RUN_FOLDER [RUN_FOLDER ...]",
                type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file to write (default: RUN_FOLDER/report.html for one run, "
                   "results/reports/<names>-<time>.html for several).")
def report(folders: tuple[Path, ...], out: Path | None) -> None:
    """Write one self-contained HTML report of one or more runs, for a class (figures embedded, no network)."""
    from sim.outputs import paths
    from sim.outputs.results import Result

    from sim.outputs.claims import check_file_target

    results = [Result.load(folder) for folder in folders]
    if out is None:
        out = paths.report_file([r.name for r in results], list(folders))
    check_file_target(out)  # before the work: a read-only or missing folder fails now, not after the figures
    _write_report(results, out, list(folders))


def _write_claimed(ctx: click.Context, folder: Path, simulate, texts, with_report: bool) -> None:
    """Run ``simulate()`` (which writes the claimed run ``folder``), release the claim whatever happens (Ctrl-C:
    no folder), print ``texts(result)`` and the folder, then the report if asked (Ctrl-C there keeps the
    complete folder and says how to write the report): one sequence for `sim run` and `sim forecast`."""
    from sim.outputs import claims, paths

    try:
        result = simulate()
    except KeyboardInterrupt:
        click.echo("interrupted: no run folder was written", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    finally:
        claims.release(folder)
    for text in texts(result):
        click.echo(text)
    click.echo(f"\nrun folder: {folder}")
    if with_report:
        try:
            _write_report([result], paths.report_file([result.name], [folder]), [folder])
        except KeyboardInterrupt:
            click.echo(f"interrupted: the run folder {folder} is complete; its report was not written "
                       f"(write it with: sim report {folder})", err=True)
            ctx.exit(EXIT_INTERRUPTED)


def _write_report(results, out: Path, folders) -> None:
    from sim.report.document import write_report

    path = write_report(results, out, folders)
    click.echo(f"report: {path}")


@cli.command()
@click.argument("folder", metavar="RUN_FOLDER", type=click.Path(path_type=Path))
@click.option("--year", type=int, required=True, help="The year whose decisions to explain.")
@click.option("--agent", default="minsk", show_default=True, metavar="minsk|moscow|brussels",
              help="Whose decisions to explain.")
@click.option("--replicate", type=int, default=None,
              help="A traced world (default: the most typical one, closest to the median of all worlds).")
def explain(folder: Path, year: int, agent: str, replicate: int | None) -> None:
    """Explain in plain words why an actor chose what it did in a year, from a run's decision trace."""
    from sim.explain.decisions import explain as explain_decisions
    from sim.outputs.results import Result

    click.echo(terminal_text(explain_decisions(Result.load(folder), year, agent, replicate, label=str(folder)).text()))


# --------------------------------------------------------------------------- entry point


def _terminate(signum, frame) -> None:
    """The first Ctrl-C or SIGTERM stops the command; further ones are ignored while it cleans up.

    Ignored, and also blocked: Python puts the default handlers back while it shuts down, and a
    signal arriving then would kill the process (exit -2 or 143) instead of its clean exit 130."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Console script ``sim``: bad input gives ``error: <one line>`` on stderr and exit status 2."""
    # SIGTERM ends a command the way Ctrl-C does, so that half-written folders are cleaned up.
    signal.signal(signal.SIGTERM, _terminate)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # ignored: e.g. a background job; keep it so
        signal.signal(signal.SIGINT, _terminate)
    try:
        code = cli.main(args=argv, prog_name="sim", standalone_mode=False)
    except ScenarioError as err:  # raised outside a command, e.g. while parsing group options
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except click.UsageError as err:  # a bad option or argument: one line, and where to read more
        command = err.ctx.command_path if err.ctx is not None else "sim"
        click.echo(f"error: {command}: {err.format_message()} (see {command} --help)", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except click.ClickException as err:
        click.echo(f"error: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except click.Abort:
        click.echo("interrupted: nothing was written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
