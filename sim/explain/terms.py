"""What each decision's options and utility terms mean, in words a student can follow.

Pure data: no Mesa, no numpy, no files. ``sim.explain`` and ``sim.report`` read it
to turn a row of the decision trace (``trace.csv``: one column ``term.<name>`` per
utility term) into sentences. The equations behind every term are in docs/ODD.md,
sections 7.4-7.11; the weight of each term is the registry parameter named in
``weight`` (``sim cite <id>`` shows its value and the sentences it rests on).

    from sim.explain.terms import DECISIONS
    DECISIONS["minsk", "foreign"].terms["sovereignty"].meaning

A term's ``quote`` is a short verbatim passage of the seed document ``doc``
(tests check that it occurs there); ``shows`` names the state values (keys of
:data:`STATE`) that the term reads, so that an explanation can print them next
to the term.
"""

from __future__ import annotations

from dataclasses import dataclass

# Seed documents by short name (as in seeds/sources.yaml).
RUSSIA_DIRECT = "000_214cd05d9f37249a.txt"
CARNEGIE = "001_f8f6fde0ab2d2db7.txt"
LEKSIKA = "002_636ac68210ef8ba6.txt"
HUFFPOST = "003_56c5cde825ca0f94.txt"
NEWSLETTER = "004_57e9efcc513ef767.txt"

AGENT_NAMES = {"minsk": "Minsk", "moscow": "Moscow", "brussels": "Brussels"}


@dataclass(frozen=True)
class Option:
    """One option of a decision, in the forms a sentence needs."""

    label: str    # "step East"
    gerund: str   # "stepping East"
    past: str     # "stepped East"
    meaning: str  # what the move does in the model
    pull: str = ""  # heading for the reasons that favour it: "What pulled it East"


@dataclass(frozen=True)
class Term:
    """One named utility term: a reason an actor weighs."""

    label: str
    meaning: str
    weight: str                 # registry id of the term's weight
    shows: tuple[str, ...] = ()  # state keys (see STATE) the term reads
    quote: str | None = None    # a short verbatim passage of ``doc``
    doc: str | None = None


@dataclass(frozen=True)
class Decision:
    """One of an agent's two yearly choices: its question, options (against, hold, toward) and terms."""

    agent: str
    name: str
    question: str
    options: dict[str, Option]
    terms: dict[str, Term]

    @property
    def middle(self) -> str:
        """The option that holds course (stay, hold, keep)."""
        return list(self.options)[1]


@dataclass(frozen=True)
class StateValue:
    """A state value an agent sees when it decides (a ``seen.<key>`` column of the trace), and when
    that value was produced.

    ``when`` is ``"previous"`` (end of last year, after any scenario jolt at the start of
    this year) or ``"this"`` (this year's value, already set before the decisions). Which
    values each decision reads is the model's to say (the agents' ``SEES``); ``shown`` is
    False for a value only quoted next to another (Russia's normal growth, next to its growth).
    """

    label: str
    when: str
    unit: str = ""
    shown: bool = True


# What the agents see (ODD section 4.7). Decisions are made at the start of year t on:
# the world's drivers of year t (oil, Russia's growth, war), this year's unrest and
# legitimacy (society is updated before anyone decides), and every actor's position
# as it stood at the end of year t-1 (with any scenario jolt of year t applied). One value
# is decided within the year: Brussels sees the crackdown Minsk decides in year t.
STATE: dict[str, StateValue] = {
    "alignment": StateValue("Minsk's alignment", "previous"),
    "subsidy_pct_gdp": StateValue("Russian subsidies and loans", "previous", "% of GDP"),
    "russia_trade_share": StateValue("Russia's share of Belarus's trade", "previous"),
    "integration_pressure": StateValue("Russian pressure for integration", "previous"),
    "sanctions_level": StateValue("EU sanctions", "previous"),
    "eu_engagement": StateValue("EU engagement", "previous"),
    "repression": StateValue("repression in Belarus", "previous"),
    "political_prisoners": StateValue("political prisoners held", "previous", "people"),
    "prisoners_released": StateValue("political prisoners released", "previous", "people"),
    "crackdown": StateValue("crackdown", "this"),  # decided by Minsk earlier in the year (Brussels reads it)
    "minsk_foreign_move": StateValue("Minsk's foreign move", "previous"),
    "unrest": StateValue("street unrest", "this"),
    "legitimacy": StateValue("the regime's legitimacy", "this"),
    "russia_growth": StateValue("Russia's growth", "this", "% a year"),
    "russia_normal_growth": StateValue("Russia's normal growth", "this", "% a year", shown=False),
    "ukraine_war": StateValue("full-scale war in Ukraine", "this"),
    "war_years": StateValue("years the war has lasted", "this", "years"),
    "campaign": StateValue("an election campaign (election this year or next)", "this"),
    "regime_threat": StateValue("the regime's sense of threat since its last crackdown", "this"),
    "territory_access": StateValue("Russian forces using Belarus's territory", "this"),
}

# Headings of the six decisions in an explanation and the report.
DECISION_TITLES = {
    ("minsk", "foreign"): "Abroad",
    ("minsk", "domestic"): "At home",
    ("moscow", "subsidy"): "Subsidy and loans",
    ("moscow", "pressure"): "Pressure for integration",
    ("brussels", "sanctions"): "Sanctions",
    ("brussels", "engagement"): "Engagement",
}

_INERTIA = "Any move away from the status quo costs a little; holding course is the default."


DECISIONS: dict[tuple[str, str], Decision] = {}


def _add(decision: Decision) -> None:
    DECISIONS[decision.agent, decision.name] = decision


_add(Decision(
    agent="minsk", name="foreign",
    question="Does Minsk take a step East, stay where it is or take a step West this year?",
    options={
        "step_east": Option("take a step East", "taking a step East", "took a step East",
                            "alignment moves one step (minsk.alignment_step) toward Russia; energy ties with Russia deepen", "What pulled it East"),
        "stay": Option("stay where it is", "staying where it is", "stayed where it was",
                       "alignment stays where it is, whatever its level", "What kept it where it was"),
        "step_west": Option("take a step West", "taking a step West", "took a step West",
                            "alignment moves one step (minsk.alignment_step) toward the West, with gestures such as "
                            "freeing political prisoners", "What pulled it West"),
    },
    terms={
        "subsidy_ties": Term(
            "Russian subsidies and loans",
            "Cheap Russian energy and loans reward loyalty; the bigger they are, the more a step West "
            "would put at risk.",
            "minsk.weight_subsidy", ("subsidy_pct_gdp",),
            "Russia provided subsidies worth 20% of Belarus's GDP", HUFFPOST),
        "trade_dependence": Term(
            "trade dependence on Russia",
            "Nearly half of Belarus's trade is with Russia, which ties its hands.",
            "minsk.weight_trade_dependence", ("russia_trade_share",),
            "Belarus has deep economic ties with Russia, which effectively prevents it from opposing "
            "Moscow's policies", LEKSIKA),
        "russia_slump": Term(
            "Russia's slump",
            "When Russia's economy grows less than normal, a step East is a step toward a sinking partner; "
            "it counts against a step East only.",
            "minsk.weight_russia_slump", ("russia_growth",),
            "Belarus has been forced to diversify its trade linkages", HUFFPOST),
        "sovereignty": Term(
            "Russian pressure for integration",
            "Russian pressure for integration (the Union State, an air base) pushes Minsk to defend its "
            "independence.",
            "minsk.weight_sovereignty", ("integration_pressure",),
            "Belarus has been cautious to ensure that Russia does not infringe too deeply on its sovereignty",
            HUFFPOST),
        "sanctions_relief": Term(
            "hope of sanctions relief",
            "With EU sanctions in force, a gesture West promises relief; with none in force there is "
            "nothing to win. A regime still shaken by its last crackdown does not bargain for relief: the pull "
            "shrinks with its sense of threat.",
            "minsk.weight_sanctions_relief", ("sanctions_level", "regime_threat"),
            "Recent actions taken by Belarus are almost certainly calculated to escape sanctions", LEKSIKA),
        "isolation": Term(
            "isolation after a crackdown",
            "Sanctioned for a crackdown and still feeling threatened, the regime has nowhere to turn but "
            "Moscow: the pull East grows with the sanctions and the sense of threat.",
            "minsk.weight_isolation", ("sanctions_level", "regime_threat"),
            "That led to Western sanctions, isolation--and complete dependence on Moscow", CARNEGIE),
        "eu_offer": Term(
            "the EU's offer",
            "EU funding, cooperation talks and support for IMF loans make a step West pay.",
            "minsk.weight_eu_engagement", ("eu_engagement",),
            "The IMF is negotiating a new 3.5 billion dollar loan for Belarus", CARNEGIE),
        "war_loyalty": Term(
            "loyalty to a Russia at war",
            "While Russia fights a full-scale war in Ukraine, Minsk is bound to stand by it; the pull fades "
            "each year the promised quick victory does not come (minsk.war_loyalty_fade).",
            "minsk.weight_war_loyalty", ("ukraine_war", "war_years"),
            "he will stand with them in the war against Ukraine and the confrontation with the West",
            NEWSLETTER),
        "domestic_threat": Term(
            "fear of the street",
            "When unrest is high, a Western gesture looks like weakness at home; it counts against a step "
            "West only.",
            "minsk.weight_domestic_threat", ("unrest",),
            "he will immediately put an end to all liberal experiments", CARNEGIE),
        "release_cost": Term(
            "the price of freeing prisoners",
            "A step West frees a batch of political prisoners (a gesture, not an amnesty): a handful is cheap, "
            "a batch from prisons filled by a crackdown frees people who threatened the regime. It counts "
            "against a step West only.",
            "minsk.weight_release_cost", ("political_prisoners",),
            "political opponents are imprisoned precisely so as to be amnestied", CARNEGIE),
        "balance_preference": Term(
            "dislike of extremes",
            "The multi-vector policy: Minsk wants neither full integration with Russia nor a break with it; the further alignment "
            "already is from balance, the more a further step that way costs.",
            "minsk.balance_preference", ("alignment",),
            "which supports alignment but not complete integration with Moscow", HUFFPOST),
        "campaign_balance": Term(
            "an election campaign",
            "In an election campaign (the election year and the year before) Minsk wants mild pressure from "
            "both sides, so the further alignment is from balance, the more a step further away costs.",
            "minsk.campaign_balance_preference", ("campaign", "alignment"),
            "conditions of mild or limited pressure on Minsk from both the West and Russia", NEWSLETTER),
        "inertia": Term(
            "cost of changing course", _INERTIA, "minsk.move_cost", (),
            "the tried-and tested approach of Lukashenko", RUSSIA_DIRECT),
    },
))

_add(Decision(
    agent="minsk", name="domestic",
    question="How does Minsk treat its own society this year?",
    options={
        "loosen": Option("loosen its grip", "loosening its grip", "loosened its grip",
                         "repression falls: real domestic liberalization", "What argued for loosening"),
        "hold": Option("hold its course", "holding its course", "held its course",
                       "repression drifts back toward its usual level", "What argued for holding its course"),
        "crack_down": Option("crack down", "cracking down", "cracked down",
                             "mass arrests: repression and political prisoners rise, street unrest is "
                             "suppressed", "What argued for a crackdown"),
    },
    terms={
        "survival": Term(
            "the regime's survival",
            "Above the unrest threshold a crackdown secures the regime and loosening endangers it; below the "
            "threshold a crackdown is needless and counts against itself.",
            "minsk.weight_survival", ("unrest",),
            "as soon as several thousand protesters took to the streets, the kid gloves came off and there "
            "were mass arrests", CARNEGIE),
        "crackdown_cost": Term(
            "cost of a crackdown",
            "Mass arrests cost the West's goodwill.",
            "minsk.crackdown_cost", (),
            "That led to Western sanctions, isolation--and complete dependence on Moscow", CARNEGIE),
        "control": Term(
            "dislike of real liberalization",
            "The regime does not want real change at home; loosening its grip costs it.",
            "minsk.loosening_aversion", (),
            "Lukashenko will not allow any domestic change", CARNEGIE),
        "liberalization_reward": Term(
            "what the EU offers for reform",
            "The EU's engagement on offer rewards real liberalization.",
            "minsk.weight_liberalization_reward", ("eu_engagement",),
            "improvements to the country’s humanitarian situation", LEKSIKA),
    },
))

_add(Decision(
    agent="moscow", name="subsidy",
    question="Does Moscow cut, keep or raise its energy subsidy and loans to Belarus?",
    options={
        "cut": Option("cut its subsidy", "cutting its subsidy", "cut its subsidy",
                      "the subsidy falls by one step (moscow.subsidy_step, % of GDP)", "What argued for a cut"),
        "keep": Option("keep its subsidy", "keeping its subsidy", "kept its subsidy",
                       "the subsidy stays where it is", "What argued for keeping it"),
        "raise": Option("raise its subsidy", "raising its subsidy", "raised its subsidy",
                        "the subsidy rises by one step (moscow.subsidy_step, % of GDP)", "What argued for a raise"),
    },
    terms={
        "russian_economy": Term(
            "Russia's own economy",
            "When Russia grows faster than normal it can afford more support; in a slump it cuts.",
            "moscow.weight_russian_economy", ("russia_growth",),
            "Russia has already cut energy subsidies for Belarus in recent years", CARNEGIE),
        "subsidy_burden": Term(
            "cost of the subsidy",
            "The bigger the subsidy already is, the less Moscow wants to add to it.",
            "moscow.weight_subsidy_cost", ("subsidy_pct_gdp",)),
        "keep_ally": Term(
            "keeping its only close ally",
            "Russia has few allies and will not let Belarus go.",
            "moscow.weight_keep_ally", (),
            "it cannot afford to burn its bridges with Belarus", HUFFPOST),
        "liberalization": Term(
            "reaction to liberalization in Minsk",
            "If repression in Belarus falls below the line Moscow tolerates (the 'Dubček line'), Moscow "
            "withdraws support. Foreign flirting is tolerated; domestic change is not.",
            "moscow.weight_liberalization", ("repression",),
            "Domestic policy takes priority", CARNEGIE),
        "loyalty": Term(
            "reward for loyalty",
            "An East-leaning Minsk earns a little more support, a West-leaning one a little less; Moscow "
            "tolerates flirting.",
            "moscow.weight_alignment", ("alignment",),
            "Moscow has been extremely tolerant of all these maneuvers", CARNEGIE),
        "isolation_leverage": Term(
            "leverage over an isolated Minsk",
            "EU sanctions leave Minsk nowhere else to go; Moscow supports it and binds it closer.",
            "moscow.weight_isolation_leverage", ("sanctions_level",),
            "That led to Western sanctions, isolation--and complete dependence on Moscow", CARNEGIE),
        "serious_west_turn": Term(
            "a Western turn that is serious",
            "A Minsk aligned West is tolerated while it stays autocratic; once repression falls below "
            "the regime's usual level (moscow.serious_turn_repression) the turn is serious and Moscow cuts.",
            "moscow.weight_serious_west_turn", ("alignment", "repression"),
            "will never be serious as long as his autocratic domestic regime remains in place", CARNEGIE),
        "prop_up_ally": Term(
            "propping up a threatened ally",
            "A regime shaken by its own crackdown gets Russian money: the bailout grows with its sense of threat.",
            "moscow.weight_prop_up_ally", ("regime_threat",),
            "in August Belarus received a new 760 million dollar loan from Russia", CARNEGIE),
        "war_ally_support": Term(
            "paying a wartime ally",
            "While Russia fights, it pays to keep Minsk on its side; less each year as the war drags on and "
            "Minsk is bound anyway (moscow.war_support_fade).",
            "moscow.weight_war_ally_support", ("ukraine_war", "war_years"),
            "the import-substitution loan (according to insiders) has been significantly cut", NEWSLETTER),
        "inertia": Term(
            "cost of changing course", _INERTIA, "moscow.move_cost", (),
            "There is nothing new in Moscow’s hands-off policy towards Lukashenko", CARNEGIE),
    },
))

_add(Decision(
    agent="moscow", name="pressure",
    question="Does Moscow ease, hold or raise its pressure for integration?",
    options={
        "ease": Option("ease its pressure", "easing its pressure", "eased its pressure",
                       "integration pressure falls by one step (moscow.pressure_step)", "What argued for easing"),
        "hold": Option("hold its pressure", "holding its pressure", "held its pressure",
                       "integration pressure stays where it is", "What argued for holding"),
        "press": Option("press for integration", "pressing for integration", "pressed for integration",
                        "integration pressure rises by one step (moscow.pressure_step; Union State, air base)", "What argued for pressing"),
    },
    terms={
        "integration_ambition": Term(
            "the standing wish for integration",
            "Moscow always wants Belarus closer, within the Union State.",
            "moscow.weight_integration_ambition", (),
            "Russia obviously aims at further mutually beneficial and equal integration with Belarus",
            LEKSIKA),
        "backlash": Term(
            "backlash against pressure",
            "The harder Moscow already presses, the more Minsk resists, so more pressure buys less.",
            "moscow.weight_pressure_backlash", ("integration_pressure",),
            "He has also stalled Russia's planned construction of a Belarusian air base", HUFFPOST),
        "liberalization": Term(
            "reaction to liberalization in Minsk",
            "If repression in Belarus falls below the line Moscow tolerates (the 'Dubček line'), Moscow "
            "presses hard.",
            "moscow.weight_liberalization", ("repression",),
            "Domestic policy takes priority", CARNEGIE),
        "west_drift": Term(
            "Minsk drifting West",
            "Once Minsk is actually aligned West of balance and the turn is serious (repression below the "
            "regime's usual level), Moscow presses to pull it back; an autocrat's flirting it tolerates.",
            "moscow.weight_west_drift", ("alignment", "repression"),
            "Putin will likely be able to reintegrate Belarus into its fold", HUFFPOST),
        "isolation_leverage": Term(
            "leverage over an isolated Minsk",
            "A Minsk under EU sanctions has nowhere else to go, so pressing it is cheap.",
            "moscow.weight_isolation_leverage", ("sanctions_level",),
            "That led to Western sanctions, isolation--and complete dependence on Moscow", CARNEGIE),
        "war_ally": Term(
            "binding an ally in wartime",
            "During a full-scale war in Ukraine, Moscow wants Belarus firmly on its side.",
            "moscow.weight_war_ally", ("ukraine_war",),
            "making it extremely important to Russia’s strategic defense", LEKSIKA),
        "inertia": Term(
            "cost of changing course", _INERTIA, "moscow.move_cost", (),
            "There is nothing new in Moscow’s hands-off policy towards Lukashenko", CARNEGIE),
    },
))

_add(Decision(
    agent="brussels", name="sanctions",
    question="Does the EU ease, keep or tighten its sanctions on Belarus?",
    options={
        "ease": Option("ease sanctions", "easing sanctions", "eased sanctions",
                       "the sanctions level falls by one step (2 broad, 1 targeted, 0 none)", "What argued for easing"),
        "keep": Option("keep sanctions as they are", "keeping sanctions as they are",
                       "kept sanctions as they were", "the sanctions level stays where it is", "What argued for keeping them"),
        "tighten": Option("tighten sanctions", "tightening sanctions", "tightened sanctions",
                          "the sanctions level rises by one step", "What argued for tightening"),
    },
    terms={
        "political_prisoners": Term(
            "political prisoners held",
            "Conditionality: the EU tolerates a handful of political prisoners; more push toward sanctions, "
            "fewer toward easing them.",
            "brussels.weight_prisoners", ("political_prisoners",),
            "thawed relations with the West in exchange for sanctions relief", HUFFPOST),
        "releases": Term(
            "last year's prisoner releases",
            "Freed prisoners are rewarded with relief, a year later.",
            "brussels.weight_releases", ("prisoners_released",),
            "EU officials have also reacted positively to the release of political prisoners", RUSSIA_DIRECT),
        "crackdown": Term(
            "a crackdown this year",
            "Mass arrests are answered with sanctions in the same year.",
            "brussels.weight_crackdown", ("crackdown",),
            "That led to Western sanctions, isolation--and complete dependence on Moscow", CARNEGIE),
        "war_complicity": Term(
            "complicity in Russia's war",
            "A Minsk that lets Russian forces use its territory is punished.",
            "brussels.weight_war_complicity", ("territory_access",),
            "making it extremely important to Russia’s strategic defense", LEKSIKA),
        "change_cost": Term(
            "cost of changing the sanctions",
            "All member states must agree to any change, so sanctions move only for a reason.",
            "brussels.sanctions_change_cost", (),
            "the European Union lifted long standing sanctions on Belarus", LEKSIKA),
        "sanctions_stick": Term(
            "sanctions in force stick",
            "Lifting sanctions in force costs more than keeping them: it takes a reason, such as releases.",
            "brussels.sanctions_stickiness", ("sanctions_level",),
            "shortly after the release of six political prisoners", LEKSIKA),
    },
))

_add(Decision(
    agent="brussels", name="engagement",
    question="Does the EU reduce, hold or expand its engagement with Belarus (funding, talks, IMF support)?",
    options={
        "reduce": Option("reduce its engagement", "reducing its engagement", "reduced its engagement",
                         "engagement falls by one step (brussels.engagement_step)", "What argued for reducing"),
        "hold": Option("hold its engagement", "holding its engagement", "held its engagement",
                       "engagement stays where it is", "What argued for holding"),
        "expand": Option("expand its engagement", "expanding its engagement", "expanded its engagement",
                         "engagement rises by one step (brussels.engagement_step), up to a cap that falls as repression rises", "What argued for expanding"),
    },
    terms={
        "minsk_moves": Term(
            "Minsk's last foreign move",
            "A step West last year is met with more engagement, a step East with less.",
            "brussels.weight_engagement_moves", ("minsk_foreign_move",),
            "The EU values Minsk’s mediatory role", RUSSIA_DIRECT),
        "releases": Term(
            "last year's prisoner releases",
            "Freed prisoners open the door to cooperation.",
            "brussels.weight_releases", ("prisoners_released",),
            "EU officials have also reacted positively to the release of political prisoners", RUSSIA_DIRECT),
        "crackdown": Term(
            "a crackdown this year",
            "Mass arrests close the door to cooperation, at once.",
            "brussels.weight_crackdown", ("crackdown",),
            "That led to Western sanctions, isolation--and complete dependence on Moscow", CARNEGIE),
        "sanctions": Term(
            "sanctions in force",
            "Sanctions and engagement rarely grow together: sanctions in force hold engagement back.",
            "brussels.weight_engagement_sanctions", ("sanctions_level",)),
        "war_complicity": Term(
            "complicity in Russia's war",
            "Brussels does not engage with a Minsk whose territory Russian forces use.",
            "brussels.weight_war_complicity", ("territory_access",),
            "making it extremely important to Russia’s strategic defense", LEKSIKA),
        "inertia": Term(
            "cost of changing course", _INERTIA, "brussels.move_cost", ()),
    },
))

AGENT_DECISIONS: dict[str, tuple[str, ...]] = {
    agent: tuple(name for (a, name) in DECISIONS if a == agent) for agent in AGENT_NAMES
}

# Moves recorded in timeseries.csv, by decision: the output column and its -1/0/+1 coding.
MOVE_COLUMNS: dict[tuple[str, str], str] = {
    ("minsk", "foreign"): "minsk_foreign_move",
    ("minsk", "domestic"): "minsk_domestic_move",
    ("moscow", "subsidy"): "moscow_subsidy_move",
    ("moscow", "pressure"): "moscow_pressure_move",
    ("brussels", "sanctions"): "brussels_sanctions_move",
    ("brussels", "engagement"): "brussels_engagement_move",
}

