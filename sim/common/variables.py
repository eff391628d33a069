"""What the model observes and what a scenario may jolt: one declaration, read by everyone.

This module knows nothing of Mesa, files or plots. The scenario loader reads
``STATE_VARIABLES`` to validate event ids; the model reads it to apply jolts and
``OUTPUTS`` to record; result tables, plots and reports read ``OUTPUTS`` for
names, units and meanings. A new output is declared here and recorded in
``sim/model.py``; it then flows to every table and plot.
"""

from __future__ import annotations

from dataclasses import dataclass

INF = float("inf")
# Finite bounds for jolts, within which the model is proven to stay finite (seeds/parameters.yaml header):
MAX_PRISONERS = 10_000_000  # people: far inside 64-bit counts and numpy's binomial/Poisson limits
MAX_OIL_PRICE = 500  # USD per barrel: the bound of the registry's oil prices


@dataclass(frozen=True)
class StateVariable:
    """A piece of agent or world state that a scenario event may jolt once, in one year."""

    id: str
    low: float
    high: float
    integer: bool
    unit: str
    meaning: str

    def domain_text(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.high == INF:
            return f"{kind} >= {_number(self.low)}"
        return f"{kind} from {_number(self.low)} to {_number(self.high)}"

    def check(self, value: float) -> str | None:
        """Return None when ``value`` is allowed, else what is allowed."""
        if not (self.low <= value <= self.high) or (self.integer and value != int(value)):
            return self.domain_text()
        return None


def _number(x: float) -> str:
    """``10000000`` rather than ``1e+07``, ``0.5`` rather than ``0.50``."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _sv(id, low, high, unit, meaning, integer=False):
    return StateVariable(id, float(low), float(high), integer, unit, meaning)


STATE_VARIABLES: dict[str, StateVariable] = {
    v.id: v
    for v in [
        _sv("minsk.alignment", -1, 1, "index",
            "foreign-policy alignment: -1 full integration with Russia, 0 balanced, +1 full Western alignment"),
        _sv("minsk.repression", 0, 1, "index", "intensity of domestic repression"),
        _sv("minsk.political_prisoners", 0, MAX_PRISONERS, "people", "political prisoners held", integer=True),
        _sv("minsk.unrest", 0, 1, "index", "street-level discontent with the regime"),
        _sv("minsk.legitimacy", 0, 1, "index", "popular acceptance of the regime, built on economic performance"),
        _sv("minsk.mobilization", 0, 1, "index",
            "society's capacity to take to the streets: 1 intact, lower after a crackdown's arrests, fear and exile"),
        _sv("minsk.regime_threat", 0, 1, "index",
            "how threatened the regime still feels after its last crackdown: 1 that year, fading after"),
        _sv("minsk.territory_access", 0, 1, "0/1",
            "Minsk lets Russian forces use Belarus's territory in the war", integer=True),
        _sv("moscow.subsidy_pct_gdp", 0, 100, "% of Belarus GDP", "Russian energy subsidy and loans"),
        _sv("moscow.integration_pressure", 0, 1, "index", "Russian pressure for Union State integration and an air base"),
        _sv("brussels.sanctions_level", 0, 2, "level", "EU sanctions: 0 none, 1 targeted, 2 broad/sectoral", integer=True),
        _sv("brussels.eu_engagement", 0, 1, "index", "EU engagement: funding, cooperation talks, support for IMF lending"),
        _sv("economy.output_gap", -100, 100, "% of potential output",
            "how far output stands below (-) or above (+) its potential; it closes year by year"),
        _sv("world.oil_price", 1, MAX_OIL_PRICE, "USD per barrel", "world oil price"),
        _sv("world.russia_growth", -50, 50, "% per year", "Russia's real GDP growth"),
        _sv("world.ukraine_war", 0, 1, "0/1", "full-scale war in Ukraine involving Russia", integer=True),
        _sv("world.china_investment", 0, 100, "% of Belarus GDP per year", "Chinese investment inflow"),
        _sv("world.election", 0, 1, "0/1", "a presidential election is held this year", integer=True),
        _sv("world.maidan_effect", 0, 1, "index",
            "deterrent (demonstration) effect of Ukraine's turmoil on Belarusian protest"),
    ]
}


@dataclass(frozen=True)
class Output:
    """One recorded quantity: a column of ``timeseries.csv``."""

    name: str
    unit: str
    meaning: str
    kind: str = "continuous"  # "continuous", "level" (small integer scale) or "event" (0/1 in a year)
    label: str = ""  # short title for table rows, figure panels and the web app

    @property
    def title(self) -> str:
        """The short title: ``label``, or the name in words."""
        return self.label or self.name.replace("_", " ").capitalize()


OUTPUTS: dict[str, Output] = {
    o.name: o
    for o in [
        Output("alignment", "index -1..+1", "-1 full integration with Russia, 0 balanced, +1 full Western alignment", label="Foreign-policy alignment"),
        Output("russia_trade_share", "share 0-1", "Russia's share of Belarus's total foreign trade", label="Russia's share of trade"),
        Output("eu_trade_share", "share 0-1", "EU's share of Belarus's total foreign trade", label="EU's share of trade"),
        Output("ukraine_trade_share", "share 0-1", "Ukraine's share of Belarus's total foreign trade", label="Ukraine's share of trade"),
        Output("china_trade_share", "share 0-1", "China's share of Belarus's total foreign trade", label="China's share of trade"),
        Output("other_trade_share", "share 0-1", "rest of the world's share of Belarus's total foreign trade", label="Others' share of trade"),
        Output("energy_dependence", "share 0-1", "share of Belarus's energy products coming from Russia", label="Energy from Russia"),
        Output("subsidy_pct_gdp", "% of GDP", "Russian energy subsidy and loans", label="Russian subsidy and loans"),
        Output("integration_pressure", "index 0-1", "Russian pressure for integration (Union State, air base)", label="Russian pressure for integration"),
        Output("sanctions_level", "level 0/1/2", "EU sanctions: 0 none, 1 targeted, 2 broad/sectoral", "level", label="EU sanctions level"),
        Output("eu_engagement", "index 0-1", "EU engagement: funding, cooperation talks, support for IMF lending", label="EU engagement"),
        Output("repression", "index 0-1", "intensity of domestic repression", label="Repression in Belarus"),
        Output("political_prisoners", "people", "political prisoners held at year end", label="Political prisoners held"),
        Output("prisoners_released", "people", "political prisoners released during the year", label="Political prisoners released"),
        Output("unrest", "index 0-1", "street-level discontent with the regime at year end, after any crackdown",
               label="Street unrest"),
        Output("unrest_faced", "index 0-1", "the unrest the regime faced when it chose whether to crack down",
               label="Unrest the regime faced"),
        Output("mobilization", "index 0-1", "society's capacity to take to the streets (lower after a crackdown)",
               label="Street mobilization"),
        Output("regime_threat", "index 0-1", "how threatened the regime still feels after its last crackdown",
               label="Regime's sense of threat"),
        Output("territory_access", "0/1", "Minsk lets Russian forces use its territory in the war", "event",
               label="Territory used by Russia"),
        Output("legitimacy", "index 0-1", "popular acceptance of the regime", label="Regime legitimacy"),
        Output("regime_security", "index 0-1", "the regime's hold on power: legitimacy net of unrest, plus control", label="Regime security"),
        Output("crackdown", "0/1", "Minsk cracked down this year", "event", label="Crackdown"),
        Output("gdp_growth", "% per year", "Belarus real GDP growth", label="Belarus GDP growth"),
        Output("output_gap", "% of potential", "Belarus's output below (-) or above (+) potential", label="Output gap"),
        Output("minsk_foreign_move", "-1/0/+1", "Minsk's foreign move: -1 a step East, 0 stays where it is, +1 a step West", "level", label="Minsk's foreign move"),
        Output("minsk_domestic_move", "-1/0/+1", "Minsk's domestic move: -1 loosen, 0 hold, +1 crack down", "level", label="Minsk's domestic move"),
        Output("moscow_subsidy_move", "-1/0/+1", "Moscow's subsidy move: -1 cut, 0 keep, +1 raise", "level", label="Moscow's subsidy move"),
        Output("moscow_pressure_move", "-1/0/+1", "Moscow's pressure move: -1 ease, 0 hold, +1 press", "level", label="Moscow's pressure move"),
        Output("brussels_sanctions_move", "-1/0/+1", "Brussels's sanctions move: -1 ease, 0 keep, +1 tighten", "level", label="Brussels's sanctions move"),
        Output("brussels_engagement_move", "-1/0/+1", "Brussels's engagement move: -1 reduce, 0 hold, +1 expand", "level", label="Brussels's engagement move"),
        Output("oil_price", "USD per barrel", "world oil price (exogenous driver)", label="Oil price"),
        Output("russia_growth", "% per year", "Russia's real GDP growth (exogenous driver)", label="Russia's GDP growth"),
        Output("ukraine_war", "0/1", "full-scale war in Ukraine (exogenous driver)", "event", label="War in Ukraine"),
        Output("war_years", "years", "years the war in Ukraine has lasted, this one included", label="Years of war"),
        Output("china_investment", "% of GDP per year", "Chinese investment inflow (exogenous driver)", label="Chinese investment"),
        Output("election", "0/1", "presidential election year (exogenous driver)", "event", label="Election year"),
        Output("campaign", "0/1", "an election campaign: the election year and the year before it (exogenous driver)",
               "event", label="Election campaign"),
        Output("maidan_effect", "index 0-1", "deterrent effect of Ukraine's turmoil on protest", label="Maidan deterrent effect"),
    ]
}

# Outputs that are 0/1 or small-integer per year: reported as yearly probabilities in events tables.
EVENT_OUTPUTS = [o.name for o in OUTPUTS.values() if o.kind == "event"]

# Headline outputs: the rows of comparison and report tables (sim compare, sim report).
HEADLINE = ["alignment", "russia_trade_share", "eu_trade_share", "sanctions_level", "subsidy_pct_gdp",
            "unrest", "gdp_growth", "regime_security"]
# The six at a glance: the overview figure's panels and the summary `sim run` prints.
OVERVIEW = ["alignment", "russia_trade_share", "sanctions_level", "unrest", "subsidy_pct_gdp", "gdp_growth"]

# Trade partners by the output holding their share, in the order of a stacked chart (bottom first).
TRADE_PARTNER_NAMES = {"russia_trade_share": "Russia", "eu_trade_share": "EU", "ukraine_trade_share": "Ukraine",
                       "china_trade_share": "China", "other_trade_share": "rest of the world"}

# Names of the EU sanctions levels (brussels.sanctions_level, sanctions_level).
SANCTIONS_LEVELS = {0: "none", 1: "targeted", 2: "broad"}

# The options of each move output (-1, 0, +1), as the model's agents name them.
MOVE_OPTIONS = {
    "minsk_foreign_move": ("step_east", "stay", "step_west"),
    "minsk_domestic_move": ("loosen", "hold", "crack_down"),
    "moscow_subsidy_move": ("cut", "keep", "raise"),
    "moscow_pressure_move": ("ease", "hold", "press"),
    "brussels_sanctions_move": ("ease", "keep", "tighten"),
    "brussels_engagement_move": ("reduce", "hold", "expand"),
}
