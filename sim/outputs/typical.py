"""Which world of an ensemble is typical: the one rule that ``sim.run`` uses to choose the world it traces
and that ``sim explain`` and the report use to tell a run's story.

    from sim.outputs.typical import typical_world
    typical_world(result.timeseries)                     # of all worlds
    typical_world(result.timeseries, candidates=[0, 1])  # the most typical of these
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from sim.common.variables import HEADLINE

CONSTANT = 1e-12  # an output whose spread over all worlds and years is below this never varies: left out


def typical_world(timeseries: pd.DataFrame, candidates: Iterable[int] | None = None) -> int:
    """The world (``replicate``) whose headline trajectories are closest to the ensemble median.

    The rule: for every headline output (:data:`sim.common.variables.HEADLINE`: alignment, the Russian
    and EU trade shares, sanctions level, subsidy, unrest, GDP growth, regime security) and every
    recorded year, take the gap between the world's value and the median of ALL worlds that year,
    divided by the output's standard deviation over all worlds and years (outputs that never vary are
    left out). The typical world has the smallest mean squared gap; a tie goes to the lowest replicate
    number. ``candidates`` limits the choice to those worlds (the median and spread stay those of all).
    """
    ts = timeseries
    worlds = np.sort(ts["replicate"].unique()) if candidates is None else np.array(sorted(set(candidates)))
    if not len(worlds):
        raise ValueError("no world to choose from")
    outputs = [o for o in HEADLINE if o in ts.columns]
    spread = ts[outputs].std(ddof=0)
    outputs = [o for o in outputs if spread[o] > CONSTANT]
    if not outputs:
        return int(worlds[0])
    median = ts.groupby("year")[outputs].median()
    gaps = (ts[outputs] - median.loc[ts["year"]].to_numpy()) / spread[outputs]
    gap = (gaps ** 2).mean(axis=1).groupby(ts["replicate"]).mean()
    gap = gap.reindex(worlds)
    return int(gap.index[int(np.argmin(gap.to_numpy()))])
