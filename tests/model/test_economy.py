"""sim.model.economy: the fast forms of the world's and the economy's equations give the plain forms' numbers."""

from __future__ import annotations

import numpy as np

from sim.model.economy import TRADE_PARTNERS, World
from sim.model.model import BalancingModel


def test_war_weight_looked_up_by_years_is_numpys_power_bit_for_bit():
    """One fade for every world: the power is taken once per number of war years and looked up; the same bits as
    (1 - fade) ** max(0, years - 1) over the worlds, for any years (also none at war, and in one world)."""
    world = World.__new__(World)
    rng = np.random.default_rng(3)
    for trial in range(200):
        n = int(rng.integers(1, 3_000))
        world.war_years = rng.integers(0, 60, n).astype(np.int64) * (rng.random(n) < 0.7)
        fade = float(rng.random()) if trial % 4 else float(rng.random()) * 1e-3
        direct = (1 - fade) ** np.maximum(0, world.war_years - 1)
        assert np.array_equal(world.war_weight(fade).view(np.int64), direct.view(np.int64))
    per_world = rng.random(n)  # a fade per world takes the plain form
    assert np.array_equal(world.war_weight(per_world), (1 - per_world) ** np.maximum(0, world.war_years - 1))


def test_trade_shares_are_held_partner_by_partner_and_still_read_as_a_table():
    model = BalancingModel(replicates=50, seed=2, end_year=2018).run()
    shares = model.economy.shares
    assert shares.shape == (50, len(TRADE_PARTNERS))
    for j, partner in enumerate(TRADE_PARTNERS):
        column = model.economy.share(partner)
        assert column.flags.c_contiguous and np.array_equal(column, shares[:, j])
        assert np.array_equal(model.history[f"{partner}_trade_share"][-1], column)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
