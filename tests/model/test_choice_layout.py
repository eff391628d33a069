"""logit_choice option by option: the fast layout gives the same numbers as the (worlds, options) table."""

from __future__ import annotations

import numpy as np

from sim.model.choice import logit_choice


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
