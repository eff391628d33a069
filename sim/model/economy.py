"""The world the agents act in: exogenous drivers, trade, growth and society.

Plain classes over numpy arrays (one value per replicate); no Mesa, no files.
``World`` produces the exogenous drivers of a year; ``Society`` turns last
year's economy, the election calendar and repression into legitimacy and
unrest; ``Economy`` turns this year's choices into trade shares, energy
dependence and growth. Equations and parameter ids: docs/ODD.md, section 7.
"""

from __future__ import annotations

import numpy as np

from sim.model.choice import clip, per_world

TRADE_PARTNERS = ("russia", "eu", "ukraine", "china", "other")


class World:
    """Exogenous drivers: oil price, Russia's growth, the war, Chinese investment, elections."""

    def __init__(self, params, replicates: int):
        p, n = params, replicates
        self.p = p
        self.oil_price = np.full(n, p["world.oil_price_2015"], dtype=float)
        self.russia_growth = np.full(n, p["world.russia_growth_2015"], dtype=float)
        self.ukraine_war = np.full(n, p["world.ukraine_war_2015"], dtype=np.int64)
        self.china_investment = np.full(n, p["world.china_investment_2015"], dtype=float)
        self.election = np.full(n, self.is_election_year(int(p["model.base_year"])), dtype=np.int64)
        self.campaign = np.full(n, self.is_campaign_year(int(p["model.base_year"])), dtype=np.int64)
        self.maidan_effect = np.full(n, p["world.maidan_effect_2015"], dtype=float)
        self.war_years = self.ukraine_war.copy()  # years the war has lasted, this one included

    def is_election_year(self, year: int):
        """True in an election year (an array over worlds when the calendar parameters differ by world)."""
        p = self.p
        return (year - p["world.election_reference_year"]) % p["world.election_cycle_years"] == 0

    def is_campaign_year(self, year: int):
        """True in an election year and in the year before it: the campaign."""
        return self.is_election_year(year) | self.is_election_year(year + 1)

    def russia_normal_growth(self) -> float:
        """Russia's normal growth: its trend less the lasting drag of Western sanctions on Russia."""
        return self.p["world.russia_trend_growth"] - self.p["world.russia_sanctions_drag"]

    def russia_slump(self) -> np.ndarray:
        """Growth points by which Russia falls short of its normal growth."""
        return np.maximum(0.0, self.russia_normal_growth() - self.russia_growth)

    def update(self, year: int, rng: np.random.Generator) -> None:
        """Draw this year's drivers.

        Oil reverts in logs toward its long-run level; Russia's growth follows the
        oil price less the drag of sanctions on Russia ("Russia is in recession due to
        the combined effect of sanctions and low oil prices", HuffPost-2016). The
        Maidan deterrent wears off with a half-life ("if the paralyzing effect of the
        Ukrainian crisis begins to wear off", Carnegie-2015); a war next door deters too.
        A war economy buys: Russia's growth gains war demand from the war's second year,
        after a first year's shock (ASSUMPTIONS informed by the record, docs/ODD.md 7.2).
        """
        p, n = self.p, len(self.oil_price)
        log_oil = np.log(self.oil_price)
        log_gap = np.log(p["world.oil_price_long_run"]) - log_oil
        self.oil_price = np.exp(log_oil + p["world.oil_price_reversion"] * log_gap
                                + p["world.oil_price_volatility"] * rng.standard_normal(n))
        war = np.full(n, p["world.ukraine_war_ongoing"], dtype=np.int64)
        war_begins = (war == 1) & (self.ukraine_war == 0)
        self.russia_growth = (p["world.russia_trend_growth"]
                              + p["world.russia_oil_elasticity"] * np.log(self.oil_price / p["world.oil_price_reference"])
                              - p["world.russia_sanctions_drag"]
                              + p["world.russia_war_demand"] * (war & ~war_begins)
                              - p["world.russia_war_onset_shock"] * war_begins
                              + p["world.russia_growth_volatility"] * rng.standard_normal(n))
        self.ukraine_war = war
        self.china_investment = np.full(n, p["world.china_investment_pct_gdp"], dtype=float)
        self.election = np.full(n, self.is_election_year(year), dtype=np.int64)
        self.campaign = np.full(n, self.is_campaign_year(year), dtype=np.int64)
        years_since_base = year - p["model.base_year"]
        maidan = p["world.maidan_effect_2015"] * 0.5 ** (years_since_base / p["world.maidan_effect_half_life"])
        self.maidan_effect = np.asarray(np.maximum(maidan, p["world.war_deterrent_effect"] * self.ukraine_war),
                                        dtype=float)

    def war_weight(self, fade) -> np.ndarray:
        """How much of a wartime pull is left: 1 in the war's first year, times (1 - ``fade``) each year after
        (0 in peace once multiplied by the war)."""
        years = np.maximum(0, self.war_years - 1)
        if np.ndim(fade) or not len(years):
            return (1 - fade) ** years
        # One base for every world: numpy's power of it once per number of years, then looked up (the same
        # numbers: each is numpy's power of the same base and exponent, elementwise; a tenth of the time).
        return np.power(1 - fade, np.arange(int(years.max()) + 1, dtype=years.dtype)).take(years)

    def count_war_years(self) -> None:
        """Years the war has lasted, this one included (0 in peace); after any jolt to the war."""
        self.war_years = np.asarray(np.where(self.ukraine_war == 1, self.war_years + 1, 0), dtype=np.int64)


class Society:
    """Legitimacy and unrest: the domestic ground the regime stands on."""

    @staticmethod
    def update(p, minsk, world, economy, rng: np.random.Generator) -> None:
        """Update Minsk's legitimacy and unrest for the new year (before anyone chooses).

        Legitimacy follows last year's growth ("his legitimacy is predicated on the
        success of his state-led economic model", HuffPost-2016) and international
        status. Unrest is driven by economic pain, elections and missing legitimacy,
        damped by repression and by the Maidan deterrent, and it reaches the street only
        as far as society is mobilized: a crushed street recovers its capacity to protest
        slowly. The regime's sense of threat after a crackdown fades year by year.
        """
        n = len(minsk.unrest)
        minsk.mobilization = clip(minsk.mobilization + p["minsk.mobilization_recovery"] * (1 - minsk.mobilization),
                                     0.0, 1.0)
        minsk.regime_threat = minsk.regime_threat * p["minsk.threat_persistence"]
        minsk.grant_territory(world)
        status = (minsk.foreign_move >= 0).astype(float)
        legitimacy_target = clip(
            p["minsk.legitimacy_base"]
            + p["minsk.legitimacy_growth_sensitivity"] * (economy.gdp_growth - p["minsk.growth_expectation"])
            + p["minsk.legitimacy_status_gain"] * status, 0.0, 1.0)
        rho = p["minsk.legitimacy_persistence"]
        minsk.legitimacy = clip(rho * minsk.legitimacy + (1 - rho) * legitimacy_target, 0.0, 1.0)

        pain = np.maximum(0.0, p["minsk.growth_expectation"] - economy.gdp_growth)
        drive = (p["minsk.unrest_base"]
                 + p["minsk.unrest_pain_sensitivity"] * pain
                 + p["minsk.unrest_election_boost"] * world.election
                 + p["minsk.unrest_legitimacy_sensitivity"] * (1 - minsk.legitimacy)
                 - p["minsk.unrest_repression_damping"] * minsk.repression
                 - p["minsk.unrest_maidan_damping"] * world.maidan_effect)
        rho = p["minsk.unrest_persistence"]
        minsk.unrest = clip(rho * minsk.unrest + (1 - rho) * drive * minsk.mobilization
                               + p["minsk.unrest_volatility"] * rng.standard_normal(n), 0.0, 1.0)

    @staticmethod
    def regime_security(p, minsk) -> np.ndarray:
        """Legitimacy discounted by unrest, with part of the loss won back by repression."""
        return clip(minsk.legitimacy * (1 - minsk.unrest)
                       + p["minsk.repression_control"] * minsk.repression * minsk.unrest, 0.0, 1.0)


def _normalized(parts: list, out=None) -> list:
    """Each part divided by the parts' sum, summed from the first to the last (the order of a
    (worlds, partners) table's row sum, so the numbers are the same as over that table). The quotients go
    into ``out`` (one row per part) when given, else into the parts themselves (arrays of their own)."""
    total = parts[0] + parts[1]
    for part in parts[2:]:
        total += part
    if out is None:
        for part in parts:
            part /= total
        return parts
    return [np.divide(part, total, out=row) for part, row in zip(parts, out)]


class Economy:
    """Trade shares by partner, energy dependence and GDP growth."""

    def __init__(self, params, replicates: int):
        p, n = params, replicates
        self.p = p
        named = [p["trade.russia_share_2015"], p["trade.eu_share_2015"], p["trade.ukraine_share_2015"],
                 p["trade.china_share_2015"]]
        other = np.maximum(0.0, 1.0 - (((named[0] + named[1]) + named[2]) + named[3]))
        # (1, partners) when the 2015 shares are the same in every world, else (replicates, partners).
        self.base_shares = np.atleast_2d(np.stack(np.broadcast_arrays(*named, other), axis=-1).astype(float))
        normalized = self.base_shares / self.base_shares.sum(axis=1, keepdims=True)
        # (replicates, partners), laid out partner by partner (Fortran order): each partner's column is contiguous.
        self.shares = np.broadcast_to(normalized, (n, len(TRADE_PARTNERS))).copy(order="F")
        self.energy_dependence = np.full(n, p["energy.dependence_2015"], dtype=float)
        self.gdp_growth = np.full(n, p["economy.gdp_growth_2015"], dtype=float)
        self.output_gap = np.full(n, p["economy.output_gap_2015"], dtype=float)
        # Where last year's conditions put the level of output (level_effect); a change from it opens a gap.
        self.level_conditions = np.broadcast_to(
            self.level_effect(p["moscow.subsidy_pct_gdp_2015"], p["brussels.sanctions_level_2015"],
                              p["brussels.eu_engagement_2015"], p["world.ukraine_war_2015"]), (n,)).astype(float)
        # The 2015 picture the trade weights are measured from.
        self.reference = {
            "alignment": p["minsk.alignment_2015"],
            "sanctions": p["brussels.sanctions_level_2015"],
            "china_investment": p["world.china_investment_2015"],
        }

    def share(self, partner: str) -> np.ndarray:
        return self.shares[:, TRADE_PARTNERS.index(partner)]

    @property
    def russia_trade_share(self):
        return self.share("russia")

    def trade_targets(self, minsk, brussels, world) -> list[np.ndarray]:
        """Where trade shares head this year: 2015 shares tilted by alignment, sanctions, war and investment.

        Each partner's weight is its 2015 share times exp(sensitivity x change since 2015);
        normalizing the weights keeps shares in [0, 1] summing to 1. One array over worlds per partner.
        """
        p, ref = self.p, self.reference
        d_align = minsk.alignment - ref["alignment"]
        d_sanctions = brussels.sanctions_level - ref["sanctions"]
        war = world.ukraine_war
        russia_slump = world.russia_slump()
        rerouting = p["trade.sanctions_rerouting"] * d_sanctions  # under Western sanctions trade reroutes East
        log_weights = (  # by partner, in the order of TRADE_PARTNERS; one array over worlds each
            (-p["trade.alignment_sensitivity"] * d_align + p["trade.sanctions_sensitivity"] * d_sanctions
             - p["trade.russia_slump_sensitivity"] * russia_slump + p["trade.war_russia_gain"] * war),
            p["trade.alignment_sensitivity"] * d_align - p["trade.sanctions_sensitivity"] * d_sanctions,
            -p["trade.war_ukraine_loss"] * war,
            # ... and, beyond Russia, to China and third countries.
            (p["trade.china_investment_sensitivity"] * (world.china_investment - ref["china_investment"])
             + p["trade.slump_diversification_sensitivity"] * russia_slump + rerouting),
            p["trade.slump_diversification_sensitivity"] * russia_slump + rerouting,
        )
        n = len(d_align)
        weights = []
        for j, w in enumerate(log_weights):
            weight = np.exp(w) if np.shape(w) == (n,) else np.exp(np.broadcast_to(w, (n,)))
            weight *= self.base_shares[:, j]  # base share x exp(...): the same product, in exp's own buffer
            weights.append(weight)
        return _normalized(weights)

    def update(self, minsk, moscow, brussels, world, rng: np.random.Generator) -> None:
        """Move trade and energy toward their targets and compute this year's growth."""
        p, n = self.p, len(minsk.alignment)
        # Ties build slowly but are cut fast (a border closed by war, a market shut by sanctions): a falling
        # share keeps less of last year's than a rising one; the mix is then renormalized to sum to 1.
        targets = self.trade_targets(minsk, brussels, world)
        mixed = []
        for j, target in enumerate(targets):  # partner by partner (contiguous arrays over worlds)
            share = self.shares[:, j]
            inertia = np.where(target < share, p["trade.cutoff_inertia"], p["trade.inertia"])
            kept = inertia * share
            np.subtract(1.0, inertia, out=inertia)
            inertia *= target
            kept += inertia  # inertia x share + (1 - inertia) x target
            mixed.append(kept)
        shares = np.empty((len(TRADE_PARTNERS), n))  # partner by partner, as the shares are laid out
        _normalized(mixed, out=shares)
        self.shares = shares.T

        # Energy: a step West sheds some dependence, a step East regains it.
        step_west = minsk.foreign_move == 1
        step_east = minsk.foreign_move == -1
        dependence = self.energy_dependence
        dependence = np.where(step_west, dependence * (1 - p["energy.diversification_rate"]), dependence)
        dependence = np.where(step_east, dependence + p["energy.recoupling_rate"] * (1 - dependence), dependence)
        self.energy_dependence = clip(dependence, 0.0, 1.0)

        ukraine_growth = p["world.ukraine_growth"] - p["world.ukraine_war_contraction"] * world.ukraine_war
        partner_growth = (self.share("russia") * world.russia_growth
                          + self.share("eu") * p["world.eu_growth"]
                          + self.share("ukraine") * ukraine_growth
                          + self.share("china") * p["world.china_growth"]
                          + self.share("other") * p["world.other_growth"])
        # Shocks hit the level of output: a change in conditions opens an output gap that then closes.
        conditions = self.level_effect(moscow.subsidy_pct_gdp, brussels.sanctions_level, brussels.eu_engagement,
                                       world.ukraine_war)
        previous_gap = self.output_gap
        self.output_gap = (p["economy.output_gap_persistence"] * previous_gap
                           + (conditions - self.level_conditions))
        self.level_conditions = conditions
        self.gdp_growth = (p["economy.potential_growth"]
                           + p["economy.partner_growth_pass_through"] * partner_growth
                           + p["economy.china_investment_effect"] * world.china_investment
                           + (self.output_gap - previous_gap)
                           + p["economy.growth_volatility"] * rng.standard_normal(n))

    def level_effect(self, subsidy, sanctions, engagement, war):
        """Where conditions put the level of output, in % of potential: Russian support (% of GDP), the EU
        sanctions level and engagement, and the war next door."""
        p = self.p
        return (p["economy.subsidy_level_effect"] * subsidy
                - p["economy.sanctions_cost"] * (sanctions / 2) ** 2
                + p["economy.engagement_effect"] * engagement
                - p["economy.war_cost"] * war)
