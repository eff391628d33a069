"""Minsk, Moscow and Brussels: their options, utility terms and choices.

Each agent holds its state for every replicate (numpy arrays over the replicate
axis). A year has two phases, so that all three choose on the same picture:
``decide()`` reads the state as it entered the year and picks options by a logit
rule over named utility terms; ``act()`` applies the choice to the agent's own
state. Every weight is a registry parameter (``self.p[...]``); the equations and
ids are in docs/ODD.md. Agents know nothing of files, tables or plots.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.common.variables import MOVE_OPTIONS
from sim.model.choice import Decision, Negated, ZeroTerm, clip, logit_choice

THREE_WAY = np.array([-1.0, 0.0, 1.0])  # option directions: against, hold, toward
DIRECTIONS = (-1.0, 0.0, 1.0)  # the same, as floats: terms are built option by option (one array each)
MOVED = (1.0, 0.0, 1.0)  # |direction|: what a move away from holding costs


def _directional(strength: np.ndarray) -> tuple:
    """Spread a per-replicate pull over the three options as -1/0/+1 times the pull (-1 and +1 times are the
    pull negated and the pull itself, bit for bit; -1 and 0 times are left unevaluated, see ``Negated`` and
    ``ZeroTerm``)."""
    strength = np.asarray(strength, dtype=float)
    return (Negated(strength), ZeroTerm(strength), strength)


def _only(option: int, value: np.ndarray | float, replicates: int) -> tuple:
    """A term that applies to one option only (index 0, 1 or 2)."""
    return tuple(value if j == option else 0.0 for j in range(3))


def _move_cost(cost) -> tuple:
    """Inertia: ``-cost`` for either move, nothing for holding (``cost`` a float or one per world)."""
    return tuple(-cost * m for m in MOVED)


class BalancingAgent(mesa.Agent):
    """Common plumbing: parameters, replicate count, last decisions.

    ``SEES`` names, for each of the agent's decisions, the state its utility terms and
    feasibility read, by output name (``sim.common.variables.OUTPUTS``, plus
    ``russia_normal_growth``). The model records those values in the decision trace, so
    that an explanation shows what the decision saw rather than re-deriving it
    (tests/model/test_agents.py checks the list against what the terms really read).
    """

    name = "agent"
    SEES: dict[str, tuple[str, ...]] = {}

    def __init__(self, model):
        super().__init__(model)
        self.decisions: list[Decision] = []
        self._memos: dict[str, tuple] = {}  # see _memo

    def _memo(self, name: str, inputs: tuple, compute):
        """``compute(*inputs)``, computed once while the same inputs (by identity: state is replaced, never changed
        in place) are read again: a quantity both of an agent's decisions read."""
        kept = self._memos.get(name)
        if kept is None or len(kept[0]) != len(inputs) or any(a is not b for a, b in zip(kept[0], inputs)):
            kept = self._memos[name] = (inputs, compute(*inputs))
        return kept[1]

    @property
    def p(self):
        return self.model.params

    @property
    def replicates(self) -> int:
        return self.model.replicates

    def _float(self, values: np.ndarray) -> np.ndarray:
        """Whole-number state (the sanctions level, the war, a move) as floats, converted once a year however
        many terms multiply it (``BalancingModel.as_float``): numpy converts it so inside every mixed operation,
        so the products are the same bits."""
        return self.model.as_float(values)

    def _choose(self, decision_name, options, terms, feasible=None) -> Decision:
        decision = logit_choice(
            self.name, decision_name, options, terms,
            self.p[f"{self.name}.rationality"], self.model.streams, feasible,
        )
        self.decisions.append(decision)
        return decision


class Minsk(BalancingAgent):
    """The regime. Its first aim is to keep power at home; foreign policy serves that.

    "Moscow understands full well that, when it comes to rulers like Lukashenko,
    foreign policy is not important. Domestic policy takes priority" (Carnegie-2015);
    "Lukashenka's alliance-building efforts now prioritize financial benefits over
    normative solidarity" (HuffPost-2016).
    """

    name = "minsk"
    FOREIGN_OPTIONS = MOVE_OPTIONS["minsk_foreign_move"]  # -1, 0, +1
    DOMESTIC_OPTIONS = MOVE_OPTIONS["minsk_domestic_move"]
    SEES = {
        "foreign": ("alignment", "subsidy_pct_gdp", "russia_trade_share", "russia_growth", "russia_normal_growth",
                    "integration_pressure", "sanctions_level", "eu_engagement", "ukraine_war", "war_years", "unrest",
                    "political_prisoners", "regime_threat", "campaign"),
        "domestic": ("unrest", "eu_engagement"),
    }

    def __init__(self, model):
        super().__init__(model)
        p, n = self.p, self.replicates
        self.alignment = np.full(n, p["minsk.alignment_2015"], dtype=float)
        self.repression = np.full(n, p["minsk.repression_2015"], dtype=float)
        self.political_prisoners = np.full(n, p["minsk.political_prisoners_2015"], dtype=np.int64)
        self.prisoners_released = np.full(n, p["minsk.prisoners_released_2015"], dtype=np.int64)
        self.unrest = np.full(n, p["minsk.unrest_2015"], dtype=float)
        self.legitimacy = np.full(n, p["minsk.legitimacy_2015"], dtype=float)
        self.unrest_faced = self.unrest.copy()
        self.mobilization = np.full(n, p["minsk.mobilization_2015"], dtype=float)
        self.regime_threat = np.full(n, p["minsk.regime_threat_2015"], dtype=float)
        self.territory_access = np.zeros(n, dtype=np.int64)
        self.crackdown = np.zeros(n, dtype=np.int64)
        self.crackdown_decided = self.crackdown  # this year's crackdown, once the domestic decision is made
        # 2015 was a year of Western gestures: the six releases (HuffPost-2016).
        self.foreign_move = np.where(self.prisoners_released > 0, 1, 0).astype(np.int64)
        self.domestic_move = np.zeros(n, dtype=np.int64)

    def grant_territory(self, world) -> None:
        """While Russia fights, a Minsk at or East of ``minsk.territory_access_alignment`` lets Russian forces
        use its territory; once granted, access lasts as long as the war ("Belarus is situated on the border of
        some of NATO's eastern most member states, making it extremely important to Russia's strategic
        defense", Leksika-2016). Runs at the start of the year, before jolts, so a scenario may set it."""
        dependent = self.alignment <= self.p["minsk.territory_access_alignment"]
        self.territory_access = (world.ukraine_war * np.maximum(self.territory_access, dependent)).astype(np.int64)

    def decide(self):
        """Choose a foreign move and a domestic move on the picture at the start of the year."""
        self.decisions = []
        self.foreign = self._choose("foreign", self.FOREIGN_OPTIONS, self.foreign_terms())
        self.domestic = self._choose("domestic", self.DOMESTIC_OPTIONS, self.domestic_terms())
        # Known to Brussels within the year (Brussels decides after Minsk; see Brussels.sanctions_terms).
        self.crackdown_decided = (self.domestic.direction() == 1).astype(np.int64)

    def foreign_terms(self) -> dict[str, np.ndarray]:
        """Utility of a step East, staying where it is or a step West.

        East pulls through subsidies and trade ("deep economic ties with Russia ...
        effectively prevents it from opposing Moscow's policies", Leksika-2016), a
        Russia at war (a pull that fades as the war drags on: "You promised us a quick
        victory in Ukraine—but that hasn't happened", Newsletter-2024) and, for a
        regime still shaken by its crackdown and sanctioned for it, isolation ("That
        led to Western sanctions, isolation--and complete dependence on Moscow",
        Carnegie-2015). West pulls through Russian pressure on sovereignty (the air
        base "abruptly rejected", Carnegie-2015), escaping sanctions (once the regime
        feels safe again) and the EU's offer. A Russian slump makes a step East
        unattractive rather than pulling West ("Belarus has been forced to diversify its
        trade linkages", HuffPost-2016). Gestures West are shunned when unrest
        threatens ("he will immediately put an end to all liberal experiments",
        Carnegie-2015), and extremes are disliked (the multi-vector policy), more so
        in an election campaign, which wants "conditions of mild or limited pressure on
        Minsk from both the West and Russia" (Newsletter-2024; in 2015 "In this election
        campaign Lukashenko prioritized improving relations with the European Union").
        """
        p, m, n = self.p, self.model, self.replicates
        step = p["minsk.alignment_step"]
        squared = [clip(self.alignment + step * d, -1.0, 1.0) ** 2 for d in DIRECTIONS]  # alignment after, squared
        sanctions, war = self._float(m.brussels.sanctions_level), self._float(m.world.ukraine_war)
        campaign_weight = -p["minsk.campaign_balance_preference"] * self._float(m.world.campaign)  # once, not per option
        return {
            "subsidy_ties": _directional(-p["minsk.weight_subsidy"] * m.moscow.subsidy_pct_gdp / 10.0),
            "trade_dependence": _directional(-p["minsk.weight_trade_dependence"] * m.economy.russia_trade_share),
            "russia_slump": _only(0, -p["minsk.weight_russia_slump"] * m.world.russia_slump(), n),
            "sovereignty": _directional(p["minsk.weight_sovereignty"] * m.moscow.integration_pressure),
            "sanctions_relief": _directional(p["minsk.weight_sanctions_relief"] * sanctions * (1 - self.regime_threat)),
            "isolation": _directional(-p["minsk.weight_isolation"] * sanctions * self.regime_threat),
            "eu_offer": _directional(p["minsk.weight_eu_engagement"] * m.brussels.eu_engagement),
            "war_loyalty": _directional(-p["minsk.weight_war_loyalty"] * war
                                        * m.world.war_weight(p["minsk.war_loyalty_fade"])),
            "domestic_threat": _only(2, -p["minsk.weight_domestic_threat"] * self.unrest, n),
            "release_cost": _only(2, -p["minsk.weight_release_cost"]
                                  * np.tanh(self.political_prisoners / p["minsk.release_cost_scale"]), n),
            "balance_preference": tuple(-p["minsk.balance_preference"] * a2 for a2 in squared),
            "campaign_balance": tuple(campaign_weight * a2 for a2 in squared),
            "inertia": _move_cost(p["minsk.move_cost"]),
        }

    def domestic_terms(self) -> dict[str, np.ndarray]:
        """Utility of loosening, holding or cracking down.

        Above the unrest threshold survival dominates: "In 2010, as soon as several
        thousand protesters took to the streets, the kid gloves came off and there
        were mass arrests" (Carnegie-2015). Below it a crackdown only costs, and real
        loosening is shunned: "Lukashenko will not allow any domestic change".
        """
        p, m, n = self.p, self.model, self.replicates
        excess_unrest = self.unrest - p["minsk.unrest_threshold"]
        survival = (-p["minsk.weight_survival"] * np.maximum(0.0, excess_unrest), 0.0,
                    p["minsk.weight_survival"] * excess_unrest)
        return {
            "survival": survival,
            "crackdown_cost": _only(2, -p["minsk.crackdown_cost"], n),
            "control": _only(0, -p["minsk.loosening_aversion"], n),
            "liberalization_reward": _only(0, p["minsk.weight_liberalization_reward"] * m.brussels.eu_engagement, n),
        }

    def act(self):
        """Apply the year's moves to alignment, repression, prisoners, unrest and the regime's standing.

        A crackdown costs legitimacy, demobilizes the street (arrests, fear, exile: "Belarusians
        have been so demoralized by the way Ukraine's Maidan turned out that they have no intention of
        following suit", Carnegie-2015, the same mechanism at home) and leaves a regime that feels
        threatened: it keeps the screws tight ("tighten the screws once again") and keeps arresting
        while the threat lasts. A Western gesture frees a batch of prisoners, not the prisons: "a
        well-choreographed two-step process in which political opponents are imprisoned precisely so
        as to be amnestied" (Carnegie-2015).
        """
        p, rng = self.p, self.model.streams
        self.foreign_move = self.foreign.direction().astype(np.int64, copy=False)  # a new array already
        self.domestic_move = self.domestic.direction().astype(np.int64, copy=False)
        step_west = self.foreign_move == 1
        crack_down = self.domestic_move == 1
        loosen = self.domestic_move == -1

        self.alignment = clip(self.alignment + p["minsk.alignment_step"] * self._float(self.foreign_move), -1.0, 1.0)

        # A threatened regime does not relax: the pull back to the baseline shrinks with the threat.
        relaxed = self.repression + (p["minsk.repression_relaxation"] * (1 - self.regime_threat)
                                     * (p["minsk.repression_baseline"] - self.repression))
        self.repression = clip(
            np.where(crack_down, self.repression + p["minsk.crackdown_repression_step"],
                     np.where(loosen, self.repression - p["minsk.loosening_repression_step"], relaxed)),
            0.0, 1.0)

        # Prisoners: sentences end, a Western gesture frees a batch, then new arrests: routine ones, the
        # crackdown's, and the purge that follows a crackdown while the regime still feels threatened.
        served = rng.binomial(self.political_prisoners, p["minsk.prisoner_exit_rate"])
        held = self.political_prisoners - served
        batch = np.minimum(held, np.round(p["minsk.release_minimum"] + p["minsk.release_fraction"] * held))
        self.prisoners_released = np.where(step_west, batch, 0).astype(np.int64)
        held = held - self.prisoners_released
        arrests_mean = (p["minsk.routine_imprisonment"] * self.repression + p["minsk.crackdown_arrests"] * crack_down
                        + p["minsk.purge_arrests"] * self.regime_threat)
        self.political_prisoners = held + rng.poisson(arrests_mean)

        self.crackdown = crack_down.astype(np.int64)
        self.unrest_faced = self.unrest.copy()  # what the domestic decision saw, before any suppression
        self.unrest = np.where(crack_down, self.unrest * (1 - p["minsk.crackdown_unrest_suppression"]), self.unrest)
        self.legitimacy = np.where(crack_down, clip(self.legitimacy - p["minsk.crackdown_legitimacy_cost"], 0.0, 1.0),
                                   self.legitimacy)
        self.mobilization = np.where(crack_down, self.mobilization * (1 - p["minsk.crackdown_demobilization"]),
                                     self.mobilization)
        threat = self.regime_threat.copy()  # np.where(crack_down, 1.0, threat), in a copy at half the cost
        np.putmask(threat, crack_down, 1.0)
        self.regime_threat = threat


class Moscow(BalancingAgent):
    """Russia: sets its support (energy subsidy and loans) and its integration pressure.

    It tolerates Western flirting while Minsk stays autocratic ("Moscow has been
    extremely tolerant of all these maneuvers", Carnegie-2015) and reacts hard to
    domestic liberalization (Ceausescu was tolerated; Dubcek "was brutally deposed
    by Moscow in 1968"). Its budget follows its own economy ("Russia has already cut
    energy subsidies for Belarus in recent years").
    """

    name = "moscow"
    SUBSIDY_OPTIONS = MOVE_OPTIONS["moscow_subsidy_move"]
    PRESSURE_OPTIONS = MOVE_OPTIONS["moscow_pressure_move"]
    SEES = {
        "subsidy": ("russia_growth", "russia_normal_growth", "subsidy_pct_gdp", "repression", "alignment",
                    "sanctions_level", "ukraine_war", "war_years", "regime_threat"),
        "pressure": ("integration_pressure", "repression", "alignment", "sanctions_level", "ukraine_war"),
    }

    def __init__(self, model):
        super().__init__(model)
        p, n = self.p, self.replicates
        self.subsidy_pct_gdp = np.full(n, p["moscow.subsidy_pct_gdp_2015"], dtype=float)
        self.integration_pressure = np.full(n, p["moscow.integration_pressure_2015"], dtype=float)
        self.subsidy_move = np.zeros(n, dtype=np.int64)
        self.pressure_move = np.zeros(n, dtype=np.int64)

    def liberalization(self) -> np.ndarray:
        """How far Minsk's repression has fallen below the line Moscow tolerates (the Dubcek line)."""
        return self._memo("liberalization", (self.p["moscow.liberalization_tolerance"], self.model.minsk.repression),
                          lambda line, repression: np.maximum(0.0, line - repression))

    def seriousness(self) -> np.ndarray:
        """How seriously Moscow takes a Western turn: 0 for a regime repressing at ``moscow.serious_turn_repression``
        or more, rising to 1 as repression falls to nothing. "Lukashenko's rapprochement with the West will
        never be serious as long as his autocratic domestic regime remains in place" (Carnegie-2015)."""
        return self._memo("seriousness", (self.p["moscow.serious_turn_repression"], self.model.minsk.repression),
                          lambda line, repression: clip(1.0 - repression / line, 0.0, 1.0))

    def decide(self):
        self.decisions = []
        self.subsidy = self._choose("subsidy", self.SUBSIDY_OPTIONS, self.subsidy_terms())
        self.pressure = self._choose("pressure", self.PRESSURE_OPTIONS, self.pressure_terms())

    def subsidy_terms(self) -> dict[str, np.ndarray]:
        """Utility of cutting, keeping or raising subsidy and loans.

        Moscow props up an ally its own crackdown has left threatened and sanctioned (after 2010, "complete
        dependence on Moscow"; in 2015, when the regime was weak, "in August Belarus received a new 760
        million dollar loan from Russia", Carnegie-2015) and pays a wartime ally, less so as the war drags
        on ("the import-substitution loan ... has been significantly cut", Newsletter-2024). It tolerates a
        Western turn by an autocrat and punishes one that is serious (``seriousness``).
        """
        p, m, n = self.p, self.model, self.replicates
        cost = _move_cost(p["moscow.move_cost"])
        alignment = m.minsk.alignment
        war_support = self._float(m.world.ukraine_war) * m.world.war_weight(p["moscow.war_support_fade"])
        return {
            "russian_economy": _directional(p["moscow.weight_russian_economy"]
                                            * (m.world.russia_growth - m.world.russia_normal_growth())),
            "subsidy_burden": _directional(-p["moscow.weight_subsidy_cost"] * self.subsidy_pct_gdp / 10.0),
            "keep_ally": _directional(np.full(n, p["moscow.weight_keep_ally"])),
            "liberalization": _directional(-p["moscow.weight_liberalization"] * self.liberalization()),
            "loyalty": _directional(-p["moscow.weight_alignment"] * np.minimum(alignment, 0.0)),
            "serious_west_turn": _directional(-p["moscow.weight_serious_west_turn"] * np.maximum(alignment, 0.0)
                                              * self.seriousness()),
            "isolation_leverage": _directional(p["moscow.weight_isolation_leverage"]
                                               * self._float(m.brussels.sanctions_level)),
            "prop_up_ally": _directional(p["moscow.weight_prop_up_ally"] * m.minsk.regime_threat),
            "war_ally_support": _directional(p["moscow.weight_war_ally_support"] * war_support),
            "inertia": cost,
        }

    def pressure_terms(self) -> dict[str, np.ndarray]:
        """Utility of easing, holding or raising integration pressure."""
        p, m, n = self.p, self.model, self.replicates
        cost = _move_cost(p["moscow.move_cost"])
        return {
            "integration_ambition": _directional(np.full(n, p["moscow.weight_integration_ambition"])),
            "backlash": _directional(-p["moscow.weight_pressure_backlash"] * self.integration_pressure),
            "liberalization": _directional(p["moscow.weight_liberalization"] * self.liberalization()),
            "west_drift": _directional(p["moscow.weight_west_drift"] * np.maximum(0.0, m.minsk.alignment)
                                       * self.seriousness()),
            "isolation_leverage": _directional(p["moscow.weight_isolation_leverage"]
                                               * self._float(m.brussels.sanctions_level)),
            "war_ally": _directional(p["moscow.weight_war_ally"] * self._float(m.world.ukraine_war)),
            "inertia": cost,
        }

    def act(self):
        p = self.p
        self.subsidy_move = self.subsidy.direction().astype(np.int64, copy=False)  # a new array already
        self.pressure_move = self.pressure.direction().astype(np.int64, copy=False)
        self.subsidy_pct_gdp = clip(self.subsidy_pct_gdp + p["moscow.subsidy_step"] * self._float(self.subsidy_move),
                                     0.0, p["moscow.subsidy_max"])
        self.integration_pressure = clip(
            self.integration_pressure + p["moscow.pressure_step"] * self._float(self.pressure_move), 0.0, 1.0)


class Brussels(BalancingAgent):
    """The EU: sets its sanctions level (0 none, 1 targeted, 2 broad) and its engagement.

    Rewards come with a lag, punishment within the year. Relief answers last year's
    prisoners and releases: "Both the EU and the US began to consider lifting sanctions
    in fall 2015, shortly after the release of six political prisoners", and lifted them
    on February 15 (Leksika-2016). A crackdown is answered in the year it happens:
    "as soon as several thousand protesters took to the streets, the kid gloves came off
    and there were mass arrests. That led to Western sanctions" (Carnegie-2015), so
    Brussels decides after Minsk and reads its domestic decision of the same year.
    Values cap engagement while the regime is autocratic ("Lukashenko's
    rapprochement with the West will never be serious as long as his autocratic
    domestic regime remains in place", Carnegie-2015).
    """

    name = "brussels"
    SANCTIONS_OPTIONS = MOVE_OPTIONS["brussels_sanctions_move"]
    ENGAGEMENT_OPTIONS = MOVE_OPTIONS["brussels_engagement_move"]
    SEES = {
        "sanctions": ("political_prisoners", "prisoners_released", "crackdown", "territory_access",
                      "sanctions_level"),
        "engagement": ("minsk_foreign_move", "prisoners_released", "crackdown", "territory_access",
                       "sanctions_level"),
    }

    def __init__(self, model):
        super().__init__(model)
        p, n = self.p, self.replicates
        self.sanctions_level = np.full(n, p["brussels.sanctions_level_2015"], dtype=np.int64)
        self.eu_engagement = np.full(n, p["brussels.eu_engagement_2015"], dtype=float)
        self.sanctions_move = np.zeros(n, dtype=np.int64)
        self.engagement_move = np.zeros(n, dtype=np.int64)

    def decide(self):
        self.decisions = []
        feasible = np.ones((self.replicates, 3), dtype=bool)
        feasible[:, 0] = self.sanctions_level > 0
        feasible[:, 2] = self.sanctions_level < 2
        self.sanctions = self._choose("sanctions", self.SANCTIONS_OPTIONS, self.sanctions_terms(), feasible)
        self.engagement = self._choose("engagement", self.ENGAGEMENT_OPTIONS, self.engagement_terms())

    def _release_signal(self) -> np.ndarray:
        return self._memo("release_signal", (self.model.minsk.prisoners_released, self.p["brussels.release_scale"]),
                          lambda released, scale: np.tanh(released / scale))

    def sanctions_terms(self) -> dict[str, np.ndarray]:
        """Utility of easing, keeping or tightening sanctions, on last year's record and this year's crackdown.

        Brussels moves for reasons: prisoners, releases, a crackdown, and complicity in the war, which
        is the act of letting Russia use Belarus's territory ("making it extremely important to Russia's
        strategic defense", Leksika-2016), not a leaning. Moving either way costs (a unanimous Council), and
        lifting sanctions in force costs more than keeping them: they stick until a reason to ease comes.
        """
        p, m, n = self.p, self.model, self.replicates
        prisoners_over = (m.minsk.political_prisoners - p["brussels.prisoner_tolerance"]) / p["brussels.prisoner_scale"]
        return {
            "political_prisoners": _directional(p["brussels.weight_prisoners"] * np.tanh(prisoners_over)),
            "releases": _directional(-p["brussels.weight_releases"] * self._release_signal()),
            "crackdown": _directional(p["brussels.weight_crackdown"] * self._float(m.minsk.crackdown_decided)),
            "war_complicity": _directional(p["brussels.weight_war_complicity"] * self._float(m.minsk.territory_access)),
            "change_cost": _move_cost(p["brussels.sanctions_change_cost"]),
            "sanctions_stick": _only(0, -p["brussels.sanctions_stickiness"], n),
        }

    def engagement_terms(self) -> dict[str, np.ndarray]:
        """Utility of reducing, holding or expanding engagement."""
        p, m, n = self.p, self.model, self.replicates
        return {
            "minsk_moves": _directional(p["brussels.weight_engagement_moves"] * self._float(m.minsk.foreign_move)),
            "releases": _directional(p["brussels.weight_releases"] * self._release_signal()),
            "crackdown": _directional(-p["brussels.weight_crackdown"] * self._float(m.minsk.crackdown_decided)),
            "sanctions": _directional(-p["brussels.weight_engagement_sanctions"] * self._float(self.sanctions_level)),
            "war_complicity": _directional(-p["brussels.weight_war_complicity"] * self._float(m.minsk.territory_access)),
            "inertia": _move_cost(p["brussels.move_cost"]),
        }

    def engagement_cap(self) -> np.ndarray:
        """Values cap engagement while the regime represses: cap = 1 - strength x repression."""
        return 1.0 - self.p["brussels.engagement_cap_autocracy"] * self.model.minsk.repression

    def act(self):
        p = self.p
        self.sanctions_move = self.sanctions.direction().astype(np.int64, copy=False)  # a new array already
        self.engagement_move = self.engagement.direction().astype(np.int64, copy=False)
        self.sanctions_level = np.clip(self.sanctions_level + self.sanctions_move, 0, 2)
        engagement = clip(self.eu_engagement + p["brussels.engagement_step"] * self._float(self.engagement_move),
                           0.0, 1.0)
        self.eu_engagement = np.minimum(engagement, np.maximum(0.0, self.engagement_cap()))
