"""logit_choice option by option: the fast layout gives the same numbers as the (worlds, options) table."""

from __future__ import annotations

import numpy as np

from sim.model.choice import Negated, ZeroTerm, logit_choice


def _table_reference(terms, rationality, draw, feasible):
    """The rule written over the (worlds, options) table, as the model had it before the fast layout."""
    utility = sum(terms.values())
    scaled = rationality * utility
    scaled = np.where(feasible, scaled, -np.inf)
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    weights = np.exp(scaled)
    probabilities = weights / weights.sum(axis=1, keepdims=True)
    chosen = np.minimum((draw[:, None] >= np.cumsum(probabilities, axis=1)).sum(axis=1), 2)
    return utility, probabilities, chosen


def test_option_columns_give_the_tables_numbers_bit_for_bit():
    rng = np.random.default_rng(4)
    n = 5_000
    tables = {f"t{i}": rng.standard_normal((n, 3)) * 3 for i in range(6)}
    columns = {name: tuple(np.ascontiguousarray(t[:, j]) for j in range(3)) for name, t in tables.items()}
    columns["flat"] = (-0.5, 0.0, -0.5)  # a float for every world, as an inertia term is
    tables["flat"] = np.broadcast_to(np.array([-0.5, 0.0, -0.5]), (n, 3))
    feasible = rng.random((n, 3)) > 0.2
    feasible[:, 1] = True
    rationality = rng.uniform(0.5, 3, n)
    draw = np.random.default_rng(9).random(n)
    utility, probabilities, chosen = _table_reference(tables, rationality[:, None], draw, feasible)
    decision = logit_choice("a", "d", ("x", "y", "z"), columns, rationality, np.random.default_rng(9), feasible)
    assert np.array_equal(decision.utility, utility)
    assert np.array_equal(decision.probabilities, probabilities)
    assert np.array_equal(decision.chosen, chosen)
    assert np.array_equal(decision.terms["t3"], tables["t3"])
    assert (probabilities[~feasible] == 0).all() and feasible[np.arange(n), decision.chosen].all()
    # The same rule given whole tables.
    again = logit_choice("a", "d", ("x", "y", "z"), tables, rationality, np.random.default_rng(9), feasible)
    assert np.array_equal(again.probabilities, probabilities) and np.array_equal(again.chosen, chosen)
    head = decision.head(7)
    assert np.array_equal(head.utility, utility[:7]) and np.array_equal(head.chosen, chosen[:7])


def test_unevaluated_pull_columns_give_the_tables_numbers_bit_for_bit():
    """A pull as (Negated, ZeroTerm, strength), the way the agents spread it, sums and traces to the same bits
    as its evaluated table (-s, s x 0, s): signed zeros, a pull that is zero or negative zero in some worlds,
    a pull that comes first or after other terms, and the traced worlds' copy."""
    rng = np.random.default_rng(11)
    n = 4_000
    pulls = [rng.standard_normal(n) * 2 for _ in range(3)]
    pulls[0][::7] = 0.0
    pulls[0][3::7] = -0.0
    pulls[1][::5] = -0.0
    flat = np.full(n, -0.0)  # every world exactly -0: the sum must still start from +0
    columns = {f"pull{i}": (Negated(s), ZeroTerm(s), s) for i, s in enumerate([*pulls, flat])}
    columns["cost"] = (-0.25, -0.0, -0.25)
    tables = {name: np.stack([-s, s * 0.0, s], axis=1) for name, (_, _, s) in columns.items() if name != "cost"}
    tables["cost"] = np.broadcast_to(np.array([-0.25, -0.0, -0.25]), (n, 3))
    draw = np.random.default_rng(5).random(n)
    utility, probabilities, chosen = _table_reference(tables, 1.7, draw, np.ones((n, 3), dtype=bool))
    decision = logit_choice("a", "d", ("x", "y", "z"), columns, 1.7, np.random.default_rng(5))
    assert np.array_equal(decision.utility.view(np.int64), utility.view(np.int64))  # signs of zero too
    assert np.array_equal(decision.probabilities, probabilities) and np.array_equal(decision.chosen, chosen)
    for name, table in tables.items():
        assert np.array_equal(decision.terms[name].view(np.int64), np.ascontiguousarray(table).view(np.int64))
    kept = decision.kept(slice(0, 9))
    for name, table in tables.items():
        assert np.array_equal(kept.terms[name].view(np.int64), np.ascontiguousarray(table[:9]).view(np.int64))
    at = decision.kept(np.array([8, 2, 2]))
    assert np.array_equal(at.utility, utility[[8, 2, 2]]) and np.array_equal(at.chosen, chosen[[8, 2, 2]])
    # The copy is the trace's own: changing the decision's arrays afterwards leaves it as it was.
    pulls[2][:9] = 99.0
    assert np.array_equal(kept.terms["pull2"], np.ascontiguousarray(tables["pull2"][:9]))
