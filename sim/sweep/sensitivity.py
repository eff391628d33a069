"""Global sensitivity analysis of a sweep with SALib: Sobol indices and Morris screening.

:func:`analyze` takes a :class:`sim.designs.Design` and the outcome values of its
points (in point order) and returns one tidy table, one row per outcome column
(output and year) and parameter:

- Sobol (``SALib.analyze.sobol``): ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (first-order
  and total indices with the half-width of their bootstrap confidence interval);
  with a second-order design also ``S2`` and ``S2_conf`` per pair of parameters.
- Morris (``SALib.analyze.morris``): ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``.

An outcome with a span of years (``alignment@2016:2030``) is analysed year by
year, which gives sensitivity over time. A column that does not vary across the
design (e.g. a probability that is 0 at every point) has no defined indices: its
rows hold NaN and ``constant`` is True. Pure functions over numpy arrays and
DataFrames; nothing runs the model.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd

from sim.sweep.designs import ANALYSIS_KEY, Design, design_seed
from sim.sweep.outcomes import Outcome

SOBOL_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["mu", "mu_star", "mu_star_conf", "sigma"]
KEY_COLUMNS = ["outcome", "label", "year", "parameter"]
CONF_LEVEL = 0.95
RESAMPLES = 200


def index_columns(kind: str) -> list[str]:
    return SOBOL_COLUMNS if kind == "sobol" else MORRIS_COLUMNS if kind == "morris" else []


def analyze(design: Design, points: pd.DataFrame, outcomes: Sequence[Outcome],
            resamples: int = RESAMPLES, conf_level: float = CONF_LEVEL) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sensitivity indices of every outcome column: ``(indices, second_order)``.

    ``indices`` has one row per outcome column and parameter (empty for grids and
    Latin hypercubes); ``second_order`` one row per column and pair of parameters
    (``S2``, ``S2_conf``; empty unless the design is a second-order Sobol design).
    ``points`` holds one row per design point, in point order (``point`` 0..n-1).
    """
    measures = index_columns(design.kind)
    columns = KEY_COLUMNS + measures + ["rank", "constant"]
    pair_columns = ["outcome", "label", "year", "parameter_1", "parameter_2", "S2", "S2_conf"]
    if not measures:
        return pd.DataFrame(columns=columns), pd.DataFrame(columns=pair_columns)
    _check_order(design, points)
    seed = design_seed(design.settings["seed"], ANALYSIS_KEY)
    second_order = design.kind == "sobol" and bool(design.settings.get("second_order"))
    names = design.names
    rows, pairs = [], []
    for outcome in outcomes:
        for year in outcome.years:
            column = outcome.column(year)
            Y = points[column].to_numpy(dtype=float)
            constant = bool(np.ptp(Y) == 0.0) or not np.isfinite(Y).all()
            if constant:
                result = {m: np.full(len(names), np.nan) for m in measures}
            elif design.kind == "sobol":
                result = _sobol(design, Y, resamples, conf_level, seed)
            else:
                result = _morris(design, Y, resamples, conf_level, seed)
            for j, name in enumerate(names):
                rows.append([column, outcome.label, year, name, *(float(result[m][j]) for m in measures), constant])
            if second_order and not constant:
                for j in range(len(names)):
                    for k in range(j + 1, len(names)):
                        pairs.append([column, outcome.label, year, names[j], names[k],
                                      float(result["S2"][j, k]), float(result["S2_conf"][j, k])])
    table = pd.DataFrame(rows, columns=[c for c in columns if c != "rank"])
    key = "ST" if design.kind == "sobol" else "mu_star"
    table["rank"] = (table.groupby("outcome", sort=False)[key].rank(ascending=False, method="first")
                     .astype("Int64"))
    return table[columns], pd.DataFrame(pairs, columns=pair_columns)


def top(indices: pd.DataFrame, column: str, k: int = 10) -> pd.DataFrame:
    """The ``k`` most influential parameters for one outcome column (by ST for Sobol, mu* for Morris)."""
    table = indices[indices["outcome"] == column]
    key = "ST" if "ST" in table else "mu_star"
    return table.sort_values(key, ascending=False, na_position="last").head(k).reset_index(drop=True)


def _check_order(design: Design, points: pd.DataFrame) -> None:
    if len(points) != design.n_points or not np.array_equal(points["point"].to_numpy(),
                                                            np.arange(design.n_points)):
        raise ValueError("points must hold every design point once, in point order")


def _sobol(design: Design, Y: np.ndarray, resamples: int, conf_level: float, seed: int):
    from SALib.analyze import sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return sobol.analyze(design.problem, Y, calc_second_order=bool(design.settings["second_order"]),
                             num_resamples=resamples, conf_level=conf_level, seed=seed)


def _morris(design: Design, Y: np.ndarray, resamples: int, conf_level: float, seed: int):
    from SALib.analyze import morris

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return morris.analyze(design.problem, design.X, Y, num_resamples=resamples, conf_level=conf_level,
                              num_levels=design.settings["levels"], seed=seed)
