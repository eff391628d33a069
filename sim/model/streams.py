"""One random stream per group of worlds, so several sweep points can share one model.

A sweep point alone draws its chance from Mesa's generator seeded with the point's seed. When a chunk of
points runs as one ensemble, ``PointStreams`` hands each point's worlds (``size`` consecutive worlds) the
draws of that point's own generator, in the same calls and order as the model alone would make: each
point's numbers are then identical to evaluating it alone, whatever the chunking.
"""

from __future__ import annotations

from typing import Any, Sequence

import mesa
import numpy as np


def point_generator(seed: Any) -> np.random.Generator:
    """The generator a ``mesa.Model(rng=seed)`` draws from, in the state it has after the model is built
    (Mesa may take a draw from it to seed its stdlib ``random``)."""
    return mesa.Model(rng=seed).rng


class PointStreams:
    """Duck-types the few ``numpy.random.Generator`` methods the model calls, one generator per group."""

    def __init__(self, seeds: Sequence[Any], size: int):
        self.generators = [point_generator(seed) for seed in seeds]
        self.size = int(size)

    def _split(self, values):
        """``values`` cut into the groups' pieces (a scalar stays whole)."""
        if np.ndim(values) == 0:
            return [values] * len(self.generators)
        k = self.size
        return [values[i * k:(i + 1) * k] for i in range(len(self.generators))]

    def random(self, n: int) -> np.ndarray:
        out = np.empty((len(self.generators), self.size))
        for generator, row in zip(self.generators, out):  # each group's draws written in place: no concatenation
            generator.random(out=row)
        return out.reshape(-1)

    def standard_normal(self, n: int) -> np.ndarray:
        out = np.empty((len(self.generators), self.size))
        for generator, row in zip(self.generators, out):
            generator.standard_normal(out=row)
        return out.reshape(-1)

    def binomial(self, n, p) -> np.ndarray:
        return np.concatenate([g.binomial(ni, pi) for g, ni, pi in zip(self.generators, self._split(n),
                                                                          self._split(p))])

    def poisson(self, lam) -> np.ndarray:
        return np.concatenate([g.poisson(li) for g, li in zip(self.generators, self._split(lam))])
