"""sim.model.choice.logit_choice: the rule every agent decision uses.

Infeasible options are never taken and get probability zero; rationality 0 is a
uniform choice among the feasible options; exactly one uniform draw is taken per
world whatever the utilities, so the random stream does not depend on them.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.choice import logit_choice

OPTIONS = ("ease", "keep", "tighten")


def _terms(worlds: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"pull": rng.normal(0, 2, (worlds, 3)), "cost": np.tile([-0.5, 0.0, -0.5], (worlds, 1))}


def test_utility_is_the_sum_of_the_terms_and_probabilities_follow_the_logit_rule():
    terms = _terms(50)
    d = logit_choice("brussels", "sanctions", OPTIONS, terms, 1.7, np.random.default_rng(1))
    utility = terms["pull"] + terms["cost"]
    np.testing.assert_allclose(d.utility, utility)
    expected = np.exp(1.7 * utility) / np.exp(1.7 * utility).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(d.probabilities, expected, rtol=1e-12)
    assert d.agent == "brussels" and d.name == "sanctions" and d.options == OPTIONS
    assert d.feasible is None
    np.testing.assert_array_equal(d.direction(), np.array([-1, 0, 1])[d.chosen])


def test_infeasible_options_get_probability_zero_and_are_never_taken():
    worlds = 4000
    feasible = np.ones((worlds, 3), dtype=bool)
    feasible[: worlds // 2, 0] = False   # sanctions already off: no easing
    feasible[worlds // 2:, 2] = False    # sanctions already broad: no tightening
    terms = {"pull": np.tile([5.0, -5.0, 5.0], (worlds, 1))}  # the masked options would be the favourites
    d = logit_choice("brussels", "sanctions", OPTIONS, terms, 3.0, np.random.default_rng(2), feasible)
    assert (d.probabilities[~feasible] == 0).all()
    np.testing.assert_allclose(d.probabilities.sum(axis=1), 1)
    assert feasible[np.arange(worlds), d.chosen].all()
    assert d.feasible is feasible  # the mask is kept with the decision, for the trace


def test_a_single_feasible_option_is_always_taken():
    feasible = np.zeros((100, 3), dtype=bool)
    feasible[:, 1] = True
    d = logit_choice("brussels", "sanctions", OPTIONS, _terms(100), 50.0, np.random.default_rng(3), feasible)
    assert (d.chosen == 1).all() and (d.probabilities[:, 1] == 1).all()


def test_rationality_zero_is_uniform_over_the_feasible_options():
    worlds = 30_000
    feasible = np.ones((worlds, 3), dtype=bool)
    feasible[::2, 0] = False
    d = logit_choice("minsk", "foreign", OPTIONS, _terms(worlds), 0.0, np.random.default_rng(4), feasible)
    np.testing.assert_allclose(d.probabilities[1::2], 1 / 3)
    np.testing.assert_allclose(d.probabilities[::2], [[0, 0.5, 0.5]] * (worlds // 2))
    # The draws follow: shares of each option within sampling error (4 standard errors).
    for rows, expected in ((slice(1, None, 2), [1 / 3] * 3), (slice(0, None, 2), [0, 0.5, 0.5])):
        shares = np.bincount(d.chosen[rows], minlength=3) / (worlds // 2)
        np.testing.assert_allclose(shares, expected, atol=4 * np.sqrt(0.25 / (worlds // 2)))


def test_exactly_one_draw_per_world_whatever_the_utilities_or_mask():
    worlds = 64
    feasible = np.ones((worlds, 3), dtype=bool)
    feasible[:10, 2] = False
    for terms, mask in ((_terms(worlds, 5), None), ({"flat": np.zeros((worlds, 3))}, feasible),
                        ({"huge": np.tile([1e6, 0.0, -1e6], (worlds, 1))}, None)):
        rng = np.random.default_rng(6)
        reference = np.random.default_rng(6)
        d = logit_choice("moscow", "subsidy", OPTIONS, terms, 2.0, rng, mask)
        reference.random(worlds)
        # The generator has advanced by exactly one uniform per world: the next numbers agree.
        assert rng.random() == reference.random()
        assert d.chosen.shape == (worlds,)


def test_the_choice_is_the_first_option_whose_cumulative_probability_exceeds_the_draw():
    worlds = 500
    terms = _terms(worlds, 7)
    d = logit_choice("minsk", "domestic", OPTIONS, terms, 1.0, np.random.default_rng(8))
    draws = np.random.default_rng(8).random(worlds)
    expected = (draws[:, None] >= np.cumsum(d.probabilities, axis=1)).sum(axis=1)
    np.testing.assert_array_equal(d.chosen, np.minimum(expected, 2))


@pytest.mark.parametrize("rationality", [0.0, 0.5, 20.0])
def test_overwhelming_utilities_neither_overflow_nor_give_nan(rationality):
    terms = {"huge": np.tile([800.0, -800.0, 0.0], (20, 1))}
    d = logit_choice("minsk", "foreign", OPTIONS, terms, rationality, np.random.default_rng(9))
    assert np.isfinite(d.probabilities).all()
    np.testing.assert_allclose(d.probabilities.sum(axis=1), 1)


class _Draws:
    """A generator stand-in that hands out given uniforms (to reach the rounding edge on purpose)."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=float)

    def random(self, n):
        assert n == len(self.values)
        return self.values.copy()


def test_a_draw_above_the_rounded_cumulative_probability_never_takes_a_masked_last_option():
    """With the last option masked, the first two probabilities may sum to just below 1; a draw between that
    sum and 1 must still take a feasible option (the most probable one), whatever options are masked."""
    worlds = 600
    rng = np.random.default_rng(8)
    terms = {"pull": rng.normal(0, 3, (worlds, 3))}
    feasible = rng.random((worlds, 3)) > 0.3
    feasible[:, 1] = True
    draws = np.where(np.arange(worlds) % 2 == 0, np.nextafter(1.0, 0.0), rng.random(worlds))
    d = logit_choice("brussels", "sanctions", OPTIONS, terms, 1.3, _Draws(draws), feasible)
    assert feasible[np.arange(worlds), d.chosen].all()
    # The rule over the table: the first option whose cumulative probability exceeds the draw, at most the
    # last; a masked pick (only through rounding) becomes the most probable option.
    cumulative = np.cumsum(d.probabilities, axis=1)
    expected = np.minimum((draws[:, None] >= cumulative).sum(axis=1), 2)
    masked = ~feasible[np.arange(worlds), expected]
    expected[masked] = np.argmax(d.probabilities[masked], axis=1)
    assert masked.any()  # the edge was reached
    np.testing.assert_array_equal(d.chosen, expected)
