"""What every command shares: the ``sim`` group, exit codes, the registry of ``sim --registry``, ``--set``, progress bars.

Commands are registered on :data:`cli` by the modules of this package and by :mod:`sim.cli`,
which assembles them and holds the entry point.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from sim.inputs.errors import ScenarioError
from sim.inputs.registry import Registry, load_registry
from sim.inputs.scenario import parse_set

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
        except OSError as err:  # disk full, read-only, name too long ... that no check could foresee
            where = err.filename or ctx.invoked_subcommand or "sim"
            click.echo(f"error: {where}: {err.strerror or err}; output is written atomically, so nothing "
                       "half-written was left", err=True)
            ctx.exit(EXIT_BAD_INPUT)


@click.group(cls=_Group)
@click.option("--registry", "registry_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Parameter registry (default: seeds/parameters.yaml).")
@click.pass_context
def cli(ctx: click.Context, registry_path: Path | None) -> None:
    """Balancing Act: Belarus between Moscow and Brussels, an agent-based simulator."""
    ctx.ensure_object(dict)["registry_path"] = registry_path
    _warn_in_one_line()


def _warn_in_one_line() -> None:
    """Print a scenario's warnings (e.g. an uncited event) as one ``warning:`` line on stderr, each time."""
    import warnings

    from sim.inputs.scenario import ScenarioWarning

    shown = warnings.showwarning
    if getattr(shown, "one_line", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, ScenarioWarning):
            click.echo(f"warning: {message}", err=True)
        else:
            shown(message, category, filename, lineno, file, line)

    show.one_line = True
    warnings.showwarning = show
    warnings.simplefilter("always", ScenarioWarning)


def registry_from(ctx: click.Context) -> Registry:
    """The registry chosen by ``sim --registry`` (default ``seeds/parameters.yaml``)."""
    return load_registry(ctx.find_root().obj.get("registry_path"))


def _parse_sets(ctx: click.Context, _param: click.Parameter, texts: tuple[str, ...]) -> dict[str, float]:
    registry = registry_from(ctx)
    return dict(parse_set(text, registry) for text in texts)


SET_OPTION = click.option(
    "--set", "overrides", multiple=True, metavar="ID=VALUE", callback=_parse_sets,
    help="Override a registry parameter, e.g. --set minsk.unrest_threshold=0.6 (repeatable).")


@contextmanager
def progress_bar(total: int, desc: str, unit: str, show: bool = True):
    """Yield a progress callback ``(done, total)`` drawing a bar in a terminal, or None in pipes and CI."""
    if not show or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False) as pbar:
        def update(done: int, total_now: int) -> None:
            pbar.total = total_now  # the work may count years before a late start year
            pbar.n = done
            pbar.refresh()
        yield update
