"""A posterior of parameter values as a table: the input of ``--parameter-uncertainty posterior:PATH``.

The table is what ``sim calibrate --method abc`` writes (``posterior.csv``): one row per accepted draw, one
column per registry id it fitted, and a ``weight`` column (the ABC-SMC importance weights; any positive
numbers, they are normalized here). CSV or Parquet (by the file's suffix). :func:`load_posterior` checks it
the way the loaders check a scenario: a missing or unreadable file, no ``weight`` column, an unknown id, a
value outside the registry's domain, a NaN, a negative weight or weights that sum to zero each give one
:class:`~sim.inputs.errors.ScenarioError` line naming the file, the row or column, and what is allowed.

:func:`draw_rows` picks one row per world by weight from its own random stream, so that world ``i`` draws
the same row whatever the number of worlds, and the same seed gives the same draws. A run records the table's path and the SHA-256 of its bytes (``Posterior.sha256``) with
each drawn parameter; :func:`check_unchanged` refuses to repeat a run whose table has changed since. This
module knows nothing of Mesa.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.inputs.errors import ScenarioError, did_you_mean
from sim.inputs.registry import Registry, format_number

PREFIX = "posterior:"  # --parameter-uncertainty posterior:PATH
WEIGHT = "weight"
SUFFIXES = (".csv", ".parquet")
MAX_ROWS = 1_000_000  # a posterior of more draws than this is not a calibration's output


@dataclass(frozen=True)
class Posterior:
    """A checked posterior: ``values[row, j]`` of parameter ``ids[j]``, with normalized ``weights[row]``."""

    path: str
    ids: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    sha256: str = ""  # of the file's bytes, as read (the very bytes parsed)


def posterior_path(mode: str) -> str | None:
    """The PATH of a ``posterior:PATH`` mode, or None for another mode."""
    return mode[len(PREFIX):] if isinstance(mode, str) and mode.startswith(PREFIX) else None


def load_posterior(path: str | Path, registry: Registry) -> Posterior:
    """Read and check the posterior table at ``path`` against ``registry``; one-line errors (see module)."""
    import pandas as pd  # tables only

    label = str(path)
    path = Path(path)
    if not str(path):
        raise ScenarioError("--parameter-uncertainty", "posterior: needs a file, e.g. posterior:results/calibration/"
                                                       "<run>/posterior.csv", key="posterior")
    if path.suffix.lower() not in SUFFIXES:
        raise ScenarioError(label, f"a posterior table must be a {' or '.join(SUFFIXES)} file "
                                   f"(sim calibrate --method abc writes posterior.csv)")
    try:
        data = path.read_bytes()  # read once: the checksum is of the bytes parsed
        if path.suffix.lower() == ".csv":
            table = pd.read_csv(io.BytesIO(data))
        else:
            table = pd.read_parquet(io.BytesIO(data))
    except FileNotFoundError:
        raise ScenarioError(label, "no such posterior table (sim calibrate --method abc writes one)") from None
    except IsADirectoryError:
        raise ScenarioError(label, "is a folder; give its posterior.csv") from None
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        reason = " ".join(str(err).split())[:160] or type(err).__name__
        raise ScenarioError(label, f"cannot read the posterior table ({reason})") from None
    if WEIGHT not in table.columns:
        raise ScenarioError(label, f"no '{WEIGHT}' column; a posterior table has one column per parameter id and "
                                   f"a '{WEIGHT}' column", key="columns")
    ids = [str(c) for c in table.columns if c != WEIGHT]
    if not ids:
        raise ScenarioError(label, "no parameter column beside 'weight'", key="columns")
    if len(set(ids)) != len(ids):
        raise ScenarioError(label, "a parameter column is repeated", key="columns")
    if not 1 <= len(table) <= MAX_ROWS:
        raise ScenarioError(label, f"{len(table)} rows; allowed: 1 to {MAX_ROWS:,}")
    for pid in ids:
        if pid not in registry:
            raise ScenarioError(label, "unknown parameter id" + did_you_mean(pid, registry), key=pid)
    numbers = {}
    for column in [*ids, WEIGHT]:
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ScenarioError(label, f"row {int(bad[0]) + 1}: {table[column].iloc[bad[0]]!r} is not a finite "
                                       "number", key=column)
        numbers[column] = values
    weights = numbers[WEIGHT]
    if (weights < 0).any():
        row = int(np.flatnonzero(weights < 0)[0])
        raise ScenarioError(label, f"row {row + 1}: {format_number(weights[row])} is not allowed; allowed: a "
                                   "weight >= 0", key=WEIGHT)
    total = float(weights.sum())
    if not total > 0 or not math.isfinite(total):
        raise ScenarioError(label, "the weights sum to zero; at least one row needs a positive weight", key=WEIGHT)
    for pid in ids:
        parameter = registry[pid]
        for row, value in enumerate(numbers[pid]):
            allowed = parameter.check(float(value))
            if allowed:
                raise ScenarioError(label, f"row {row + 1}: {format_number(value)} is not allowed; allowed: "
                                           f"{allowed}", key=pid)
    values = np.column_stack([numbers[pid] for pid in ids])
    return Posterior(path=label, ids=tuple(ids), values=values, weights=weights / total,
                     sha256=hashlib.sha256(data).hexdigest())


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as :class:`Posterior` records it."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_unchanged(parameters: dict, label: str) -> None:
    """Refuse, in one line, to repeat a run whose posterior table is gone or has changed since: ``parameters``
    is the run's recorded parameter table (its drawn entries carry ``posterior: {path, sha256}``)."""
    recorded = {(e["posterior"].get("path"), e["posterior"].get("sha256")) for e in parameters.values()
                if isinstance(e, dict) and isinstance(e.get("posterior"), dict)}
    for path, sha in sorted(recorded, key=str):
        try:
            now = file_sha256(path)
        except (OSError, TypeError, ValueError) as err:
            reason = "no such file" if isinstance(err, FileNotFoundError) else type(err).__name__
            raise ScenarioError(label, f"the posterior table the run drew from, {path}, cannot be read ({reason}); "
                                       "the run cannot be repeated without it", key="posterior") from None
        if now != sha:
            raise ScenarioError(label, f"the posterior table {path} has changed since the run (sha256 "
                                       f"{str(sha)[:12]}... recorded, {now[:12]}... now); the run cannot be repeated "
                                       "with it: restore the table or run again", key="posterior")


def draw_rows(posterior: Posterior, uniforms: np.ndarray) -> np.ndarray:
    """The row each world draws: row ``k`` with probability ``weights[k]``, one uniform in [0, 1) per world."""
    cumulative = np.cumsum(posterior.weights)
    cumulative[-1] = 1.0  # guard against rounding
    return np.searchsorted(cumulative, np.asarray(uniforms, dtype=float), side="right").clip(
        0, len(posterior.weights) - 1)
