"""Logit (quantal response) choice over named utility terms, for many worlds at once.

Every agent decision in the model is a choice among a few options whose
utility is a sum of named terms (``sovereignty``, ``subsidy_ties`` ...). Keeping
the terms apart, rather than summing them at once, is what lets a user ask
why an option was chosen (the decision trace).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

try:  # numpy's clip ufunc: np.clip of an array between two bounds calls it, through a wrapper that costs as much again
    from numpy._core.umath import clip
except ImportError:  # numpy < 2
    from numpy.core.umath import clip


def per_world(value):
    """A parameter as a column over worlds: an array of shape (worlds,) becomes (worlds, 1) so it meets a
    (worlds, options) table world by world; a float stays a float (and its arithmetic stays the same)."""
    return value[:, None] if np.ndim(value) else value


class LazyTerm:
    """A term's values on one option, an elementwise function of the term's ``strength`` (a subclass's
    ``values``) left unevaluated until a table or a trace asks for it (for the worlds it keeps)."""

    __slots__ = ("strength",)

    def __init__(self, strength):
        self.strength = strength

    def __array__(self, dtype=None, copy=None):
        values = self.values(self.strength)
        return values if dtype is None else values.astype(dtype)

    def take(self, idx):
        return type(self)(self.strength[idx] if np.ndim(self.strength) else self.strength)


class ZeroTerm(LazyTerm):
    """A term's value on the option it does not pull toward: ``strength x 0`` in every world (+0 or -0,
    with the sign of the strength). It adds nothing to a utility (a sum that starts from +0 is never -0), so
    the choice skips it."""

    __slots__ = ()

    def values(self, strength):
        return np.multiply(strength, 0.0)


class Negated(LazyTerm):
    """A term's value on the option it pulls away from: ``-strength`` (numpy's negative). A utility subtracts
    the strength instead of adding its negative: in IEEE arithmetic ``x - s`` is ``x + (-s)``, bit for bit."""

    __slots__ = ()

    def values(self, strength):
        return np.negative(strength)


def take(column, idx):
    """A per-option column at the worlds ``idx`` (a float, the same for every world, stays as it is)."""
    if isinstance(column, LazyTerm):
        return column.take(idx)
    return column[idx] if np.ndim(column) else column


def _kept(columns, idx) -> tuple:
    """Per-option columns at the worlds ``idx`` (an index array or a slice), each array a copy of its own (a
    float stays as it is). A pull's three columns share one strength: it is copied once."""
    copy = isinstance(idx, slice)  # a slice gives a view, an index array a copy already
    if len(columns) == 3:  # most terms are pulls (``_directional``): -s, s x 0, s on one strength s
        away, stay, pull = columns
        if (type(pull) is np.ndarray and type(away) is Negated and type(stay) is ZeroTerm
                and away.strength is pull and stay.strength is pull and pull.ndim):
            part = pull[idx].copy() if copy else pull[idx]
            return (Negated(part), ZeroTerm(part), part)
    out = []
    last = part = None
    for c in columns:
        kind = type(c)
        lazy = kind is Negated or kind is ZeroTerm
        whole = c.strength if lazy else c
        if type(whole) is np.ndarray and whole.ndim:
            if whole is not last:
                last, part = whole, (whole[idx].copy() if copy else whole[idx])
            c = kind(part) if lazy else part
        out.append(c)
    return tuple(out)


@dataclass
class Decision:
    """One agent's choice in one year, across all replicates.

    Held option by option (the fast layout: one contiguous array per option): ``columns`` maps a term name
    to its per-option values (an array over worlds, or one float for all worlds); ``utility_columns`` and
    ``probability_columns`` hold one array per option; ``chosen`` the index of the option taken in each
    replicate; ``feasible`` (replicates, options; bool) the options that could be taken, None
    when all could. ``terms``, ``utility`` and ``probabilities`` give the (replicates, options) tables.
    """

    agent: str
    name: str
    options: tuple[str, ...]
    columns: dict[str, tuple]
    utility_columns: tuple
    probability_columns: tuple
    chosen: np.ndarray
    feasible: np.ndarray | None = None

    @property
    def replicates(self) -> int:
        return len(self.chosen)

    def _table(self, columns, worlds=slice(None)) -> np.ndarray:
        table = np.empty((len(self.chosen[worlds]), len(columns)))
        for j, column in enumerate(columns):
            table[:, j] = np.asarray(take(column, worlds))
        return table

    @property
    def terms(self) -> dict[str, np.ndarray]:
        return {name: self._table(columns) for name, columns in self.columns.items()}

    @property
    def utility(self) -> np.ndarray:
        return self._table(self.utility_columns)

    @property
    def probabilities(self) -> np.ndarray:
        return self._table(self.probability_columns)

    def head(self, k: int) -> "Decision":
        """The same decision for the first ``k`` worlds only (what a trace keeps)."""
        return self.at(slice(0, k))

    def at(self, worlds) -> "Decision":
        """The same decision for the worlds ``worlds`` only (an index array or a slice; a slice gives views)."""
        return Decision(self.agent, self.name, self.options,
                        {name: tuple(take(c, worlds) for c in columns) for name, columns in self.columns.items()},
                        tuple(take(c, worlds) for c in self.utility_columns),
                        tuple(take(c, worlds) for c in self.probability_columns),
                        self.chosen[worlds], None if self.feasible is None else self.feasible[worlds])

    def kept(self, worlds) -> "Decision":
        """The same decision for the worlds ``worlds`` only (an index array or a slice), every per-world value
        copied: what a trace keeps each year; its tables (``terms``, ``utility``, ``probabilities``) are built
        only when read."""
        return Decision(self.agent, self.name, self.options,
                        {name: _kept(columns, worlds) for name, columns in self.columns.items()},
                        _kept(self.utility_columns, worlds), _kept(self.probability_columns, worlds),
                        self.chosen[worlds].copy(), None if self.feasible is None else self.feasible[worlds].copy())

    def direction(self, values=(-1, 0, 1)) -> np.ndarray:
        """The chosen option mapped to ``values`` (by default -1, 0, +1 for three options)."""
        if tuple(values) == (-1, 0, 1):
            return self.chosen - 1  # the same integers, without an index lookup
        return np.asarray(values)[self.chosen]


def _option_columns(values, k: int) -> tuple:
    """A term as per-option values: a (replicates, options) table is split into its columns."""
    if isinstance(values, np.ndarray) and values.ndim == 2:
        return tuple(values[:, j] for j in range(k))
    return tuple(values)


def _summed(values: list, n: int) -> np.ndarray:
    """``0 + values[0] + values[1] + ...`` (left to right, as Python's ``sum``) as one array over worlds,
    accumulated in place. A term that is exactly zero for every world (a float 0.0 or -0.0, a ``ZeroTerm``) is
    skipped: a sum that starts from +0 is never -0, so adding a zero leaves every bit of it as it is. A
    ``Negated`` term is subtracted."""
    total = None
    for value in values:
        kind = type(value)
        if kind is ZeroTerm:
            continue
        subtract = kind is Negated  # + (-s) as - s
        if subtract:
            value = value.strength
            kind = type(value)
        if (kind is not np.ndarray or not value.ndim) and value == 0.0:
            continue
        if total is None:
            # 0 + first term (-0.0 becomes +0.0, as in sum(); a whole number becomes a float); 0 - s for a
            # negated one, the same bits
            total = (0.0 - value) if subtract else (value + 0.0)
            if type(total) is not np.ndarray or total.shape != (n,):
                total = np.array(np.broadcast_to(np.asarray(total, dtype=float), (n,)))
        elif subtract:
            total -= value
        else:
            total += value
    return np.zeros(n) if total is None else total


def logit_choice(
    agent: str,
    name: str,
    options: tuple[str, ...],
    terms: dict,
    rationality: float | np.ndarray,
    rng: np.random.Generator,
    feasible: np.ndarray | None = None,
) -> Decision:
    """Choose among ``options`` with probabilities proportional to exp(rationality x utility).

    ``terms`` maps a term name to its values, either a (replicates, options) table or a sequence with one
    entry per option (an array over replicates, or a float for all of them).
    ``feasible`` (replicates x options, bool) masks options that cannot be taken
    (easing sanctions that are already off): they get probability zero.
    One uniform draw per replicate is taken from ``rng`` whatever the options,
    so the random stream does not depend on the values of the utilities. ``rationality`` is a float or one
    value per world. The arithmetic runs option by option on contiguous arrays, in the same order as over
    the (replicates, options) table (sums from the first option to the last), so the numbers are the same.
    """
    k = len(options)
    columns = {term: _option_columns(values, k) for term, values in terms.items()}
    n = next((len(w) for cs in columns.values() for c in cs
              for w in ((c.strength if isinstance(c, LazyTerm) else c),) if np.ndim(w)),
             len(feasible) if feasible is not None else len(np.atleast_1d(rationality)))
    utility = tuple(_summed([cs[j] for cs in columns.values()], n) for j in range(k))
    # Each option's own buffer carries it from scaled utility to probability, in place: the same operations,
    # in the same order, as out of place (every step is one elementwise operation), without a temporary each.
    scaled = [np.multiply(rationality, u) for u in utility]
    if feasible is not None:
        scaled = [np.where(feasible[:, j], scaled[j], -np.inf) for j in range(k)]
    top = np.maximum(scaled[0], scaled[1]) if k > 1 else scaled[0].copy()
    for s in scaled[2:]:
        np.maximum(top, s, out=top)
    for s in scaled:  # exp(s - top)
        s -= top
        np.exp(s, out=s)
    weights = scaled
    total = weights[0] + weights[1] if k > 1 else weights[0].copy()
    for w in weights[2:]:
        total += w
    for w in weights:
        w /= total
    probabilities = tuple(weights)
    draw = rng.random(n)
    # Index of the first option whose cumulative probability exceeds the draw, at most the last option: the
    # count of the first k - 1 cumulative probabilities the draw reaches (they never decrease, so this is
    # min(count of all k, k - 1), the rule over the table).
    passed = (draw >= probabilities[0]).view(np.uint8)  # counted in bytes (a bool is 0 or 1), then widened once
    if k > 2:
        cumulative = probabilities[0] + probabilities[1]
        passed += (draw >= cumulative).view(np.uint8)
        for p in probabilities[2:k - 1]:
            cumulative += p
            passed += (draw >= cumulative).view(np.uint8)
    chosen = passed.astype(np.int64)
    if k == 1:
        chosen[:] = 0
    if feasible is not None:
        # Guard against a draw landing on a masked option through rounding. Only the last option can be taken
        # so: a masked option's probability is exactly 0 (or every probability is NaN, and the first option is
        # taken), so the cumulative probability does not rise at a masked option before the last.
        bad = chosen == k - 1
        bad &= ~feasible[:, k - 1]
        if bad.any():
            chosen[bad] = np.argmax(np.stack([p[bad] for p in probabilities], axis=1), axis=1)
    return Decision(agent, name, options, columns, utility, probabilities, chosen, feasible)
