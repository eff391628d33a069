"""``sim sweep`` and ``sim discover``: parameter sweeps and scenario discovery on their points."""

from __future__ import annotations

from pathlib import Path

import click

from sim.commands.base import EXIT_INTERRUPTED, SET_OPTION, cli, progress_bar, registry_from
from sim.inputs.errors import ScenarioError, terminal_text
from sim.inputs.scenario import load_scenario



def _parse_varies(ctx: click.Context, _param: click.Parameter, texts: tuple[str, ...]) -> dict[str, list[float]]:
    from sim.sweep.designs import parse_vary

    registry = registry_from(ctx)
    vary: dict[str, list[float]] = {}
    for text in texts:
        pid, values = parse_vary(text, registry)
        if pid in vary:
            raise ScenarioError("--vary", "given twice; vary each parameter once", key=pid)
        vary[pid] = values
    return vary


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--vary", multiple=True, metavar="ID=LOW:HIGH:N", callback=_parse_varies,
              help="Grid: N evenly spaced values of a parameter (or ID=V1,V2,...); repeat for a full factorial.")
@click.option("--sample", type=click.Choice(["lhs", "sobol", "morris"]), default=None,
              help="Sample the registry ranges: Latin hypercube, Sobol (Saltelli) or Morris design.")
@click.option("--n", "n", type=int, default=None,
              help="lhs: points (1000); sobol: base samples N, a power of 2 (64); morris: trajectories (20).")
@click.option("--params", default="all", show_default=True, metavar="IDS|all",
              help="Parameters to sample: comma-separated ids or globs (minsk.*), or all (the uncertainties).")
@click.option("--include-fixed", is_flag=True,
              help="With --params all: also sample the 2015 starting values, scenario switches and calendar dates.")
@click.option("--outcome", "outcome_texts", multiple=True, metavar="SPEC",
              help="What to measure, e.g. alignment@2025, alignment@2016:2030, P(sanctions_level>=1)@2022 "
                   "(repeatable; default: alignment in the end year).")
@click.option("--replicates", type=int, default=None, help="Worlds per point (default: 100).")
@click.option("--seed", type=int, default=None, help="Seed of the sweep (default: the scenario's).")
@click.option("--second-order/--no-second-order", default=None,
              help="sobol: also second-order indices (default: on for up to 10 parameters).")
@click.option("--levels", type=int, default=None, help="morris: levels of the grid (default: 4).")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Local worker processes (0: one per CPU; capped at the CPUs available).")
@click.option("--force-workers", is_flag=True, help="Start --workers processes even beyond the CPUs available.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run the points on this Dask distributed scheduler's workers.")
@SET_OPTION
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Sweep folder (default: results/<scenario>/sweep-<kind>-<time>/).")
@click.option("--resume", is_flag=True, help="Continue an unfinished sweep (its <out>.partial/ folder).")
@click.option("--no-plots", is_flag=True, help="Write the tables only.")
@click.pass_context
def sweep(ctx: click.Context, scenario_file: Path, vary: dict[str, list[float]], sample: str | None, n: int | None,
          params: str, outcome_texts: tuple[str, ...], replicates: int | None, seed: int | None,
          second_order: bool | None, levels: int | None, workers: int, scheduler: str | None,
          overrides: dict[str, float], out: Path | None, resume: bool, no_plots: bool, include_fixed: bool,
          force_workers: bool = False) -> None:
    """Sweep parameters over a grid or a sample; Sobol or Morris sensitivity of any outcome, by year."""
    from sim.sweep import runner as sw

    def given(name: str) -> bool:
        return ctx.get_parameter_source(name) not in (click.core.ParameterSource.DEFAULT, None)

    if vary and sample:
        raise ScenarioError("sim sweep", "give either --vary (a grid) or --sample (lhs, sobol, morris), not both")
    if not vary and not sample:
        raise ScenarioError("sim sweep", "choose a design: --vary ID=LOW:HIGH:N for a grid, or --sample lhs|sobol|"
                                         "morris; e.g. sim sweep scenarios/baseline.yaml --sample sobol --n 64")
    kind = sample or "grid"
    for option, name, allowed in (("--n", "n", ("lhs", "sobol", "morris")), ("--params", "params", ("lhs", "sobol",
                                  "morris")), ("--include-fixed", "include_fixed", ("lhs", "sobol", "morris")),
                                  ("--second-order", "second_order", ("sobol",)),
                                  ("--levels", "levels", ("morris",))):
        if given(name) and kind not in allowed:
            raise ScenarioError(option, f"applies to --sample {' or '.join(allowed)}, not to a {kind} design")
    scenario = load_scenario(scenario_file, overrides, registry_from(ctx), overrides_label="--set")
    seed = scenario.seed if seed is None else seed
    replicates = sw.DEFAULT_REPLICATES if replicates is None else replicates
    design = sw.make_design(registry_from(ctx), kind, vary=vary, params=params, n=n, seed=seed,
                            second_order=second_order, levels=4 if levels is None else levels,
                            include_fixed=include_fixed)
    outcomes = sw.parse_outcomes(outcome_texts or [f"alignment@{scenario.end_year}"], scenario.start_year,
                                 scenario.end_year)
    if scheduler and given("workers"):
        click.echo("note: --workers is ignored with --scheduler (the cluster's workers run the points)", err=True)
    if out is None and resume:
        out = sw.find_resumable(scenario, design, outcomes, replicates, seed)
        if out is None:
            raise ScenarioError("--resume", f"no unfinished sweep like this one under results/{scenario.name}/; "
                                            "give its folder with --out")
    from sim.outputs import claims
    from sim.sweep.executors import usable_workers

    # Claimed before any work: one sweep per folder. A default name already taken moves on to the next free
    # one; a named --out (or --resume) that another sim command is writing is refused in one line.
    folder = (claims.claim(sw.default_out(scenario, design), next_free=True, taken_also=(".partial",))
              if out is None else claims.claim(out, exists_ok=True))
    ctx.call_on_close(lambda: claims.release(folder))
    command = _sweep_command(scenario_file, kind, vary, n, params, design, outcomes, replicates, seed, levels,
                             workers, scheduler, overrides, folder, no_plots, registry_from(ctx),
                             ctx.find_root().obj.get("registry_path") is not None, include_fixed)
    processes, capped = usable_workers(workers, force_workers)  # what run_sweep will start
    if capped and not scheduler:
        click.echo(f"note: {capped}", err=True)
    header = (f"{design.describe()}; {replicates} replicates per point; "
              + (f"Dask scheduler {scheduler}" if scheduler else f"{processes} worker" + "s" * (processes != 1)))
    try:
        with progress_bar(design.n_points, "sweep", "point") as bar:
            announced = []

            def progress(done: int, total: int) -> None:
                # Said once the sweep has checked its input and starts, so bad input stays one line.
                if not announced:
                    announced.append(True)
                    click.echo(header, err=True)
                if bar is not None:
                    bar(done, total)

            result = sw.run_sweep(scenario, design, outcomes, replicates, seed=seed, workers=workers,
                                  force_workers=force_workers,
                                  scheduler=scheduler, out=folder, resume=resume, progress=progress,
                                  plots=not no_plots, resume_command=command)
    except sw.SweepInterrupted as err:
        click.echo(str(err), err=True)
        click.echo(f"resume with: {command}", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    except sw.SweepFailed as err:
        click.echo(f"error: {err}", err=True)
        click.echo(f"resume with: {command}", err=True)
        ctx.exit(1)
    click.echo(terminal_text(result.text()))
    click.echo(f"\nsweep folder: {folder}")


def _sweep_command(scenario_file, kind, vary, n, params, design, outcomes, replicates, seed, levels, workers,
                   scheduler, overrides, folder, no_plots, registry, registry_given, include_fixed=False) -> str:
    """The command that resumes this sweep (printed on interruption and kept in PARTIAL.txt)."""
    import shlex

    from sim.sweep.designs import parse_vary
    from sim.inputs.registry import format_number

    parts = ["sim", "--registry", str(registry.path), "sweep", str(scenario_file)] if registry_given \
        else ["sim", "sweep", str(scenario_file)]
    for pid, values in vary.items():
        # LOW:HIGH:N only where parsing it back gives exactly these values; else list them.
        compact = f"{pid}={format_number(values[0])}:{format_number(values[-1])}:{len(values)}"
        try:
            same = len(values) > 2 and parse_vary(compact, registry)[1] == list(values)
        except ScenarioError:
            same = False
        listed = compact.split("=", 1)[1] if same else ",".join(format_number(v) for v in values)
        parts += ["--vary", f"{pid}={listed}"]
    if kind != "grid":
        parts += ["--sample", kind, "--n", str(design.settings["N"]), "--params", params]
        if include_fixed:
            parts.append("--include-fixed")
    if kind == "sobol":
        parts.append("--second-order" if design.settings["second_order"] else "--no-second-order")
    if kind == "morris":
        parts += ["--levels", str(design.settings["levels"])]
    for outcome in outcomes:
        parts += ["--outcome", outcome.spec]
    parts += ["--replicates", str(replicates), "--seed", str(seed)]
    for pid, value in overrides.items():
        parts += ["--set", f"{pid}={format_number(value)}"]
    parts += ["--scheduler", scheduler] if scheduler else ["--workers", str(workers)]
    parts += ["--out", str(folder), "--resume"] + (["--no-plots"] if no_plots else [])
    return shlex.join(parts)


@cli.command()
@click.argument("folder", metavar="SWEEP_FOLDER", type=click.Path(path_type=Path))
@click.option("--target", required=True, metavar="'OUTCOME OP VALUE'",
              help="Which points count, e.g. 'alignment@2030 > -0.2' or 'P(sanctions_level>=1)@2025 >= 0.5'.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Discovery folder (default: SWEEP_FOLDER/discovery-<time>/).")
@click.option("--box", type=int, default=None, help="Choose this box of the peeling trajectory (boxes.csv).")
@click.option("--min-coverage", type=float, default=0.5, show_default=True,
              help="If no box reaches --threshold: the densest box with at least this coverage.")
@click.option("--threshold", type=float, default=0.8, show_default=True,
              help="The density wanted: the chosen box is the least peeled box that reaches it.")
@click.option("--peel-alpha", type=float, default=0.05, show_default=True,
              help="PRIM: share of points peeled away per step.")
@click.option("--no-plots", is_flag=True, help="Write the tables only.")
def discover(folder: Path, target: str, out: Path | None, box: int | None, min_coverage: float, threshold: float,
             peel_alpha: float, no_plots: bool) -> None:
    """Scenario discovery on a sweep's points: under which conditions does the target outcome happen? (PRIM, CART)"""
    from sim.outputs import paths
    from sim.outputs.atomic import check_writable
    from sim.sweep.discover import discover as find_box

    found = find_box(folder, target, box=box, min_coverage=min_coverage, threshold=threshold, peel_alpha=peel_alpha)
    out = check_writable(out or paths.discovery_folder(folder))
    found.save(out, plots=not no_plots)
    click.echo(terminal_text(found.text()))
