"""Logit (quantal response) choice over named utility terms, for many worlds at once.

Every agent decision in the model is a choice among a few options whose
utility is a sum of named terms (``sovereignty``, ``subsidy_ties`` ...). Keeping
the terms apart, rather than summing them at once, is what lets a user ask
why an option was chosen (the decision trace).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def per_world(value):
    """A parameter as a column over worlds: an array of shape (worlds,) becomes (worlds, 1) so it meets a
    (worlds, options) table world by world; a float stays a float (and its arithmetic stays the same)."""
    return value[:, None] if np.ndim(value) else value


@dataclass
class Decision:
    """One agent's choice in one year, across all replicates.

    ``terms`` maps a term name to an array of shape (replicates, options);
    ``probabilities`` and ``utility`` have that shape too; ``chosen`` holds the
    index of the option taken in each replicate; ``feasible`` (same shape, bool)
    the options that could be taken, None when all could.
    """

    agent: str
    name: str
    options: tuple[str, ...]
    terms: dict[str, np.ndarray]
    utility: np.ndarray
    probabilities: np.ndarray
    chosen: np.ndarray
    feasible: np.ndarray | None = None

    def direction(self, values=(-1, 0, 1)) -> np.ndarray:
        """The chosen option mapped to ``values`` (by default -1, 0, +1 for three options)."""
        return np.asarray(values)[self.chosen]


def logit_choice(
    agent: str,
    name: str,
    options: tuple[str, ...],
    terms: dict[str, np.ndarray],
    rationality: float | np.ndarray,
    rng: np.random.Generator,
    feasible: np.ndarray | None = None,
) -> Decision:
    """Choose among ``options`` with probabilities proportional to exp(rationality x utility).

    ``feasible`` (replicates x options, bool) masks options that cannot be taken
    (easing sanctions that are already off): they get probability zero.
    One uniform draw per replicate is taken from ``rng`` whatever the options,
    so the random stream does not depend on the values of the utilities. ``rationality`` is a float or one
    value per world.
    """
    utility = sum(terms.values())
    scaled = per_world(rationality) * utility
    if feasible is not None:
        scaled = np.where(feasible, scaled, -np.inf)
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    weights = np.exp(scaled)
    probabilities = weights / weights.sum(axis=1, keepdims=True)
    draw = rng.random(probabilities.shape[0])
    cumulative = np.cumsum(probabilities, axis=1)
    # Index of the first option whose cumulative probability exceeds the draw.
    chosen = np.minimum((draw[:, None] >= cumulative).sum(axis=1), len(options) - 1)
    if feasible is not None:
        # Guard against a draw landing on a masked option through rounding.
        bad = ~feasible[np.arange(len(chosen)), chosen]
        if bad.any():
            chosen[bad] = np.argmax(probabilities[bad], axis=1)
    return Decision(agent, name, options, terms, utility, probabilities, chosen, feasible)
