"""The seed patterns P1-P6 (docs/ODD.md, section 1) declared once, as data, and measured.

Each :class:`Criterion` names its pattern, the claim, the ensemble it is measured on (a shipped
scenario, perhaps with a jolt), what is measured, the bound and the seed passage it rests on. The
pattern tests (``tests/evidence/test_patterns.py``), the validation report's pattern table
(``sim hindcast --report``) and calibration's pattern term (``sim calibrate``, pattern P1) all read
:data:`CRITERIA`; nothing else states a bound. One replicate count and one seed
(:data:`REPLICATES`, :data:`SEED`) are used by all of them.

A criterion may be declared as not reproduced (``expected=False``): the seeds describe it, the model
does not produce it, and the test checks that this is still so, instead of hiding it.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from sim.common.formats import yaml_number
from sim.inputs.registry import Citation

REPLICATES = 1000  # worlds per ensemble
SEED = 7
JOLT_SEED_OFFSET = 4  # jolted copies of the baseline run on their own random numbers

RUSSIA_DIRECT, CARNEGIE, LEKSIKA, HUFFPOST, NEWSLETTER = (
    "000_214cd05d9f37249a.txt", "001_f8f6fde0ab2d2db7.txt", "002_636ac68210ef8ba6.txt",
    "003_56c5cde825ca0f94.txt", "004_57e9efcc513ef767.txt")


# --------------------------------------------------------------------------- the ensembles


@dataclass(frozen=True)
class Ensemble:
    """A shipped scenario, perhaps with jolts added (``(year, {state id: value})``), run on its own seed."""

    scenario: str
    jolts: tuple[tuple[int, Mapping[str, float]], ...] = ()
    seed_offset: int = 0

    def label(self) -> str:
        if not self.jolts:
            return self.scenario
        changes = "; ".join(f"{_state_words(k)} set to {_signed(v, k)} in {year}"
                            for year, sets in self.jolts for k, v in sets.items())
        return f"{self.scenario} + {changes}"


def _state_words(state_id: str) -> str:
    return state_id.split(".", 1)[1].replace("_", " ")


def _signed(value: float, state_id: str) -> str:
    return f"{value:+g}" if state_id == "minsk.alignment" else f"{value:g}"


ENSEMBLES: dict[str, Ensemble] = {
    "baseline": Ensemble("baseline"),
    "hindcast_2015": Ensemble("hindcast_2015"),
    "unrest_shock": Ensemble("unrest_shock"),
    "flirt": Ensemble("baseline", ((2017, {"minsk.alignment": 0.3}),), JOLT_SEED_OFFSET),
    "liberalize": Ensemble("baseline", ((2017, {"minsk.repression": 0.1}),), JOLT_SEED_OFFSET),
    "subsidy_cut": Ensemble("subsidy_cut"),
    "return_to_balance": Ensemble("return_to_balance"),
    "war_2022": Ensemble("war_2022"),
    "sanctions_lifted": Ensemble("sanctions_lifted"),
    # Flirting West by a regime that has just liberalized (the two jolts of "flirt" and "liberalize" at once).
    # The baseline on the jolted ensembles' random numbers, so that jolt effects are measured on the same draws.
    "baseline_jolt_seed": Ensemble("baseline", (), JOLT_SEED_OFFSET),
    # A regime that softens to the Dubcek line (no liberalization Moscow punishes as such), alone and flirting West.
    "soften": Ensemble("baseline", ((2017, {"minsk.repression": 0.4}),), JOLT_SEED_OFFSET),
    "flirt_soft": Ensemble("baseline", ((2017, {"minsk.alignment": 0.3, "minsk.repression": 0.4}),), JOLT_SEED_OFFSET),
}


# --------------------------------------------------------------------------- what is measured

_TERM = re.compile(r"^(?:max\((?P<a>\w+@\d{4}),\s*(?P<b>\w+@\d{4})\)|(?P<name>[a-z_]+)(?:@(?P<year>\d{4}))?|"
                   r"(?P<number>-?\d+(?:\.\d+)?))$")
_OPS: dict[str, Callable] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
                             "==": operator.eq}


def _at(run, output: str, year: int) -> np.ndarray:
    return run.history[output][year - run.base_year]


def _term(run, text: str, year: int | None):
    """The per-world values of ``output``, ``output@YEAR``, ``max(a@Y1, b@Y2)`` or a number."""
    m = _TERM.match(text.strip())
    if m is None:
        raise ValueError(f"not a pattern term: {text!r}")
    if m["a"]:
        return np.maximum(_term(run, m["a"], None), _term(run, m["b"], None))
    if m["number"]:
        return float(m["number"])
    at = int(m["year"]) if m["year"] else year
    return _at(run, m["name"], at)


def _split_test(test: str) -> tuple[str, str, str]:
    """``"a@2023 > b@2019"`` -> ``("a@2023", ">", "b@2019")``."""
    left, op, right = re.split(r"\s(<=|>=|==|<|>)\s", test, maxsplit=1)
    return left.strip(), op, right.strip()


@dataclass(frozen=True)
class Share:
    """The share of worlds where ``test`` holds (``"alignment < 0"``, ``"a@2023 > a@2019"``); over
    ``years`` the smallest yearly share. Holds when the share is at least ``at_least``."""

    ensemble: str
    test: str
    at_least: float
    years: tuple[int, int] | None = None
    given: str | None = None  # only the worlds where this test holds in every one of given_years
    given_years: tuple[int, int] | None = None

    def _worlds(self, run) -> np.ndarray | slice:
        if self.given is None:
            return slice(None)
        left, op, right = _split_test(self.given)
        first, last = self.given_years
        return np.all([_OPS[op](_term(run, left, y), _term(run, right, y)) for y in range(first, last + 1)], axis=0)

    def measure(self, runs: Mapping[str, Any]) -> tuple[float, str]:
        left, op, right = _split_test(self.test)
        run = runs[self.ensemble]
        years = range(self.years[0], self.years[1] + 1) if self.years else [None]
        worlds = self._worlds(run)
        share = min(float(np.mean(np.broadcast_to(_OPS[op](_term(run, left, y), _term(run, right, y)),
                                                  (run.replicates,))[worlds])) for y in years)
        return share, f"{share:.2f}"

    def holds(self, value: float, runs) -> bool:
        return value >= self.at_least

    def bound(self, runs) -> str:
        return f">= {self.at_least:.2f}"


@dataclass(frozen=True)
class MeanVersus:
    """The mean of ``output`` in ``year`` against the same in ``versus``: ``higher`` or ``lower`` (than
    ``factor`` times ``versus``), or within ``steps`` steps of parameter ``step`` (``higher`` with 1 step: no
    more than one step below; ``lower`` with 2 steps: at least two steps below)."""

    ensemble: str
    output: str
    year: int
    direction: str  # "higher" or "lower"
    versus: str = "baseline"
    step: str | None = None
    steps: int = 0
    factor: float = 1.0
    digits: str = ".3g"
    margin: float = 0.0  # in the output's own units: "higher" holds down to versus - margin, "lower" from versus - margin

    def measure(self, runs) -> tuple[tuple[float, float], str]:
        ours = float(_at(runs[self.ensemble], self.output, self.year).mean())
        theirs = float(_at(runs[self.versus], self.output, self.year).mean())
        return (ours, theirs), f"{ours:{self.digits}} vs {theirs:{self.digits}}"

    def _margin(self, runs) -> float:
        return self.steps * runs[self.versus].params[self.step] if self.step else self.margin

    def holds(self, value, runs) -> bool:
        ours, theirs = value
        if self.step or self.margin:
            margin = self._margin(runs)
            return ours >= theirs - margin if self.direction == "higher" else ours <= theirs - margin
        return ours > self.factor * theirs if self.direction == "higher" else ours < self.factor * theirs

    def bound(self, runs) -> str:
        if not (self.step or self.margin):
            return self.direction + (f" than {self.factor:g} x {self.versus}" if self.factor != 1 else "")
        sign = ">=" if self.direction == "higher" else "<="
        return f"{sign} {self.versus} - {yaml_number(self._margin(runs))}"


@dataclass(frozen=True)
class MeanChange:
    """The mean of ``output`` in ``end`` against ``start`` in one ensemble: ``higher`` or ``lower``."""

    ensemble: str
    output: str
    start: int
    end: int
    direction: str
    note: str = ""

    def measure(self, runs) -> tuple[tuple[float, float], str]:
        run = runs[self.ensemble]
        late, early = float(_at(run, self.output, self.end).mean()), float(_at(run, self.output, self.start).mean())
        return (late, early), f"{late:.3f} vs {early:.3f}"

    def holds(self, value, runs) -> bool:
        late, early = value
        return late > early if self.direction == "higher" else late < early

    def bound(self, runs) -> str:
        return self.direction + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class EasingAfterRelease:
    """P(Brussels eases the next year | Minsk released prisoners while sanctioned) against the same
    without a release: at least ``at_least`` and at least ``ratio`` times as likely, each over at least
    ``min_cases`` world-years."""

    ensemble: str
    at_least: float
    ratio: float
    min_cases: int

    def measure(self, runs) -> tuple[tuple[float, float, int, int], str]:
        h = runs[self.ensemble].history
        released, sanctioned = h["prisoners_released"][:-1] > 0, h["sanctions_level"][:-1] > 0
        eased = h["brussels_sanctions_move"][1:] == -1
        after, without = eased[released & sanctioned], eased[~released & sanctioned]
        p_after = float(after.mean()) if after.size else float("nan")
        p_without = float(without.mean()) if without.size else float("nan")
        return (p_after, p_without, after.size, without.size), f"{p_after:.2f} vs {p_without:.2f}"

    def holds(self, value, runs) -> bool:
        p_after, p_without, n_after, n_without = value
        return min(n_after, n_without) >= self.min_cases and p_after >= self.at_least \
            and p_after >= self.ratio * p_without

    def bound(self, runs) -> str:
        return f">= {self.at_least:.2f} and >= {self.ratio:g}x"


@dataclass(frozen=True)
class Interaction:
    """A difference of differences in the mean of ``output`` in ``year``: how much more the jolt of
    ``jolted`` (against ``plain``) moves it on top of ``context`` (``jolted_in_context`` against ``context``)
    than on its own. ``lower`` holds when the effect in context is below the effect alone by at least
    ``steps`` steps of parameter ``step``: the jolt's effect depends on the context, not just adds to it."""

    ensemble: str  # the jolt on top of the context
    context: str
    jolted: str
    plain: str
    output: str
    year: int
    step: str
    steps: float = 1.0

    def measure(self, runs) -> tuple[tuple[float, float], str]:
        mean = lambda name: float(_at(runs[name], self.output, self.year).mean())  # noqa: E731
        in_context = mean(self.ensemble) - mean(self.context)
        alone = mean(self.jolted) - mean(self.plain)
        return (in_context, alone), f"{in_context:+.2f} vs {alone:+.2f}"

    def holds(self, value, runs) -> bool:
        in_context, alone = value
        return in_context <= alone - self.steps * runs[self.plain].params[self.step]

    def bound(self, runs) -> str:
        return f"<= alone - {yaml_number(self.steps * runs[self.plain].params[self.step])}"


@dataclass(frozen=True)
class MovesInCalm:
    """How often Brussels moves its sanctions in a calm year: no crackdown that year or the year before, no more
    political prisoners than ``max_prisoners`` and no release the year before, and no war: what Brussels reads
    (a crackdown within the year, the rest as the year began). Holds when the share of calm world-years
    with the move ``move`` (+1 tighten, -1 ease) is at most ``at_most``, over at least ``min_cases``."""

    ensemble: str
    move: int
    at_most: float
    max_prisoners: int
    min_cases: int

    def measure(self, runs) -> tuple[tuple[float, int], str]:
        h = runs[self.ensemble].history
        calm = ((h["crackdown"][:-1] == 0) & (h["crackdown"][1:] == 0)
                & (h["political_prisoners"][:-1] <= self.max_prisoners)
                & (h["prisoners_released"][:-1] == 0) & (h["ukraine_war"][1:] == 0))
        if self.move == -1:
            calm &= h["sanctions_level"][:-1] > 0
        moved = (h["brussels_sanctions_move"][1:] == self.move)[calm]
        share = float(moved.mean()) if moved.size else float("nan")
        return (share, int(moved.size)), f"{share:.3f} of {moved.size}"

    def holds(self, value, runs) -> bool:
        share, cases = value
        return cases >= self.min_cases and share <= self.at_most

    def bound(self, runs) -> str:
        return f"<= {self.at_most:.2f} over >= {self.min_cases}"


@dataclass(frozen=True)
class ReleasedShare:
    """The mean share of the political prisoners held at the start of a year that a release frees, over the
    world-years with a release and at least ``min_held`` prisoners held; holds when at most ``at_most``."""

    ensemble: str
    at_most: float
    min_held: int
    min_cases: int

    def measure(self, runs) -> tuple[tuple[float, int], str]:
        h = runs[self.ensemble].history
        held, released = h["political_prisoners"][:-1], h["prisoners_released"][1:]
        cases = (released > 0) & (held >= self.min_held)
        shares = released[cases] / held[cases]
        share = float(shares.mean()) if shares.size else float("nan")
        return (share, int(shares.size)), f"{share:.2f} of {shares.size}"

    def holds(self, value, runs) -> bool:
        share, cases = value
        return cases >= self.min_cases and share <= self.at_most

    def bound(self, runs) -> str:
        return f"<= {self.at_most:.2f} over >= {self.min_cases}"


Measure = Share | MeanVersus | MeanChange | EasingAfterRelease | Interaction | MovesInCalm | ReleasedShare


# --------------------------------------------------------------------------- the criteria


@dataclass(frozen=True)
class Criterion:
    """One measured claim of a seed pattern; every part must hold."""

    pattern: str
    claim: str
    measure_text: str  # what is measured, in words (the table's "measure" column)
    parts: tuple[Measure, ...]
    quotes: tuple[Citation, ...]
    expected: bool = True  # False: the seeds describe it; the model is known not to produce it
    why_not: str = ""

    @property
    def ensembles(self) -> list[str]:
        names = []
        for part in self.parts:
            names += [part.ensemble] + ([part.versus] if isinstance(part, MeanVersus) else [])
            names += [part.context, part.jolted, part.plain] if isinstance(part, Interaction) else []
        return list(dict.fromkeys(names))

    @property
    def scenario_text(self) -> str:
        main = ENSEMBLES[self.parts[0].ensemble].label()
        versus = [p.versus for p in self.parts if isinstance(p, MeanVersus)]
        return f"{main} vs {versus[0]}" if versus and not ENSEMBLES[self.parts[0].ensemble].jolts else main


def _c(doc: str, quote: str) -> Citation:
    return Citation(doc, quote)


P1_QUOTES = (_c(RUSSIA_DIRECT, "In the whole post-Soviet space today there no country more loyal to Russia than Belarus"),
             _c(RUSSIA_DIRECT, "will continue over the next five years"))
P2_QUOTES = (_c(LEKSIKA, "shortly after the release of six political prisoners"),
             _c(LEKSIKA, "the European Union lifted long standing sanctions"))
P3_QUOTES = (_c(CARNEGIE, "the kid gloves came off and there were mass arrests"),)
P4_QUOTES = (_c(CARNEGIE, "Moscow has been extremely tolerant of all these maneuvers"),
             _c(CARNEGIE, "brutally deposed by Moscow in 1968"))
P5_QUOTES = (_c(HUFFPOST, "Belarus has been forced to diversify its trade linkages"),
             _c(LEKSIKA, "Belarus may find itself at a crossroad"))
P6_WAR_QUOTES = (_c(NEWSLETTER, "until the very end"),)
P6_RETURN_QUOTES = (_c(NEWSLETTER, "A return to the geopolitical balancing act is not just the most viable solution "
                                   "from Minsk"),)

# The mechanisms of issue 13: each a counterfactual pair (a scenario against the same with one jolt).
SEQUENCE_QUOTES = (_c(CARNEGIE, "That led to Western sanctions, isolation--and complete dependence on Moscow"),)
CRACKDOWN_QUOTES = (_c(CARNEGIE, "the kid gloves came off and there were mass arrests"),
                    _c(CARNEGIE, "tighten the screws once again"))
DEMOBILIZED_QUOTES = (_c(CARNEGIE, "have been so demoralized by the way Ukraine's Maidan turned out that they have no "
                                   "intention of following suit"),)
TWO_STEP_QUOTES = (_c(CARNEGIE, "political opponents are imprisoned precisely so as to be amnestied"),)
BAILOUT_QUOTES = (_c(CARNEGIE, "On the contrary: in August Belarus received a new 760 million dollar loan from Russia."),
                  _c(CARNEGIE, "Which is why the Kremlin has nothing to fear about Lukashenko's Belarus."))
TOLERANCE_QUOTES = (_c(CARNEGIE, "Lukashenko's rapprochement with the West will never be serious as long as his "
                                 "autocratic domestic regime remains in place"),)
REASONS_QUOTES = (_c(LEKSIKA, "shortly after the release of six political prisoners"),
                  _c(LEKSIKA, "improvements to the country’s humanitarian situation"))
TERRITORY_QUOTES = (_c(LEKSIKA, "making it extremely important to Russia’s strategic defense"),
                    _c(NEWSLETTER, "he will stand with them in the war against Ukraine"))
OUTPUT_QUOTES = (_c(CARNEGIE, "Lukashenko's weakest point is the economy"),
                 _c(NEWSLETTER, "It has little to offer—aside from increasing exports—to Russia"))
DIVERSIFY_QUOTES = (_c(HUFFPOST, "Belarus has been forced to diversify its trade linkages"),
                    _c(HUFFPOST, "After this historic summit, Belarus deepened economic ties with Turkey."))

P1_ALIGNMENT = Share("baseline", "alignment < 0", 0.8, years=(2016, 2020))

CRITERIA: tuple[Criterion, ...] = (
    Criterion("P1", "the 2015 East-leaning balance holds",
              "smallest yearly share of worlds with alignment < 0, 2016-2020", (P1_ALIGNMENT,), P1_QUOTES),
    Criterion("P1", "Russia stays the main trade partner",
              "share of worlds with Russia's trade share above the EU's, 2020",
              (Share("baseline", "russia_trade_share@2020 > eu_trade_share@2020", 0.8),), P1_QUOTES),
    Criterion("P2", "releases are followed by the EU lifting sanctions",
              "share of worlds with sanctions lifted in 2016", (Share("baseline", "sanctions_level@2016 < 1", 0.6),),
              P2_QUOTES),
    Criterion("P2", "easing follows releases within a year",
              "P(ease next year | release while sanctioned) vs without a release",
              (EasingAfterRelease("baseline", 0.5, 2, min_cases=100),), P2_QUOTES),
    Criterion("P3", "unrest above the threshold brings a crackdown", "share of worlds cracking down in 2020",
              (Share("unrest_shock", "crackdown@2020 == 1", 0.9),), P3_QUOTES),
    Criterion("P3", "the crackdown brings Western sanctions",
              "share of worlds with sanctions higher in 2021 or 2022 than in 2019",
              (Share("unrest_shock", "max(sanctions_level@2021, sanctions_level@2022) > sanctions_level@2019", 0.7),),
              P3_QUOTES),
    *(Criterion("P3", "isolation deepens dependence on Moscow",
                f"{output} 2023: mean vs baseline; share of worlds above 2019",
                (MeanVersus("unrest_shock", output, 2023, "higher"),
                 Share("unrest_shock", f"{output}@2023 > {output}@2019", 0.6)), P3_QUOTES)
      for output in ("russia_trade_share", "subsidy_pct_gdp")),
    Criterion("P4", "Moscow tolerates Western flirting", "mean subsidy 2019 vs baseline",
              (MeanVersus("flirt", "subsidy_pct_gdp", 2019, "higher", step="moscow.subsidy_step", steps=1),),
              P4_QUOTES),
    Criterion("P4", "Moscow punishes domestic liberalization", "mean subsidy 2019 vs baseline; share cutting in 2017",
              (MeanVersus("liberalize", "subsidy_pct_gdp", 2019, "lower", step="moscow.subsidy_step", steps=2),
               Share("liberalize", "moscow_subsidy_move@2017 == -1", 0.7)), P4_QUOTES),
    *(Criterion("P5", "a Russian slump with subsidy cuts pushes diversification", f"mean {output} 2020",
                (MeanVersus("subsidy_cut", output, 2020, direction),), P5_QUOTES)
      for output, direction in (("china_trade_share", "higher"), ("eu_trade_share", "higher"),
                                ("alignment", "higher"), ("russia_trade_share", "lower"))),
    Criterion("P6", "the war binds Minsk to Moscow and brings sanctions",
              "share of worlds with sanctions in force, 2024",
              (Share("hindcast_2015", "sanctions_level@2024 >= 1", 0.7),), P6_WAR_QUOTES),
    Criterion("P6", "the war binds Minsk to Moscow", "mean alignment 2025 vs baseline",
              (MeanVersus("war_2022", "alignment", 2025, "lower"),), P6_WAR_QUOTES),
    Criterion("P6", "the war cuts Belarus's trade with Ukraine", "mean ukraine_trade_share 2025 vs baseline",
              (MeanVersus("war_2022", "ukraine_trade_share", 2025, "lower", factor=0.5),), P6_WAR_QUOTES),
    Criterion("P6", "after the first war years Minsk moves back toward the balance, unprompted",
              "mean alignment 2025 vs 2023",
              (MeanChange("hindcast_2015", "alignment", 2023, 2025, "higher", "back toward 0"),), P6_RETURN_QUOTES),
    Criterion("P6", "... and when the 2024 changes are imposed", "mean alignment 2025 vs 2023",
              (MeanChange("return_to_balance", "alignment", 2023, 2025, "higher", "back toward 0"),), P6_RETURN_QUOTES),
    # ---- issue 13: the mechanisms, as counterfactual pairs
    Criterion("P3", "a threatened, sanctioned regime turns to Moscow (the full 2010 sequence)",
              "mean alignment 2023 vs baseline (at least one alignment step East)",
              (MeanVersus("unrest_shock", "alignment", 2023, "lower", step="minsk.alignment_step", steps=1),),
              SEQUENCE_QUOTES),
    Criterion("P3", "a crackdown costs the regime at home", "mean regime security and legitimacy 2021 vs baseline",
              (MeanVersus("unrest_shock", "regime_security", 2021, "lower"),
               MeanVersus("unrest_shock", "legitimacy", 2021, "lower")), CRACKDOWN_QUOTES),
    Criterion("P3", "a mass crackdown fills the prisons for years",
              "smallest yearly share of worlds with 300 or more political prisoners, 2021-2023",
              (Share("unrest_shock", "political_prisoners >= 300", 0.7, years=(2021, 2023)),), CRACKDOWN_QUOTES),
    Criterion("P3", "a crushed street stays quieter at the next election", "mean crackdown 2025 vs baseline",
              (MeanVersus("unrest_shock", "crackdown", 2025, "lower", factor=0.7),), DEMOBILIZED_QUOTES),
    Criterion("P2", "releases are a two-step: a gesture frees some, the rest stay held",
              "mean share of the held prisoners a release frees, where 50 or more were held",
              (ReleasedShare("return_to_balance", 0.5, min_held=50, min_cases=100),), TWO_STEP_QUOTES),
    Criterion("P4", "Moscow props up a threatened ally", "share of worlds not cutting support in 2021; mean 2021 vs baseline",
              (Share("unrest_shock", "moscow_subsidy_move@2021 > -1", 0.85),
               MeanVersus("unrest_shock", "subsidy_pct_gdp", 2021, "higher")), BAILOUT_QUOTES),
    Criterion("P4", "Moscow keeps paying its wartime ally", "share of worlds not cutting support in 2022",
              (Share("war_2022", "moscow_subsidy_move@2022 > -1", 0.8),), BAILOUT_QUOTES),
    Criterion("P4", "Moscow tolerates flirting only while the regime stays autocratic",
              "mean subsidy 2019: the flirt's effect on a softened regime vs on an autocratic one",
              (Interaction("flirt_soft", "soften", "flirt", "baseline_jolt_seed", "subsidy_pct_gdp", 2019,
                           "moscow.subsidy_step"),), TOLERANCE_QUOTES),
    Criterion("P2", "Brussels keeps its sanctions in a calm year",
              "share of calm world-years (no crackdown, release or war; 10 prisoners or fewer) the EU tightens",
              (MovesInCalm("baseline", 1, 0.05, max_prisoners=10, min_cases=1000),), REASONS_QUOTES),
    Criterion("P2", "sanctions lifted for releases stay off while nothing happens",
              "share of worlds without broad sanctions in 2030, among those with no crackdown in 2016-2030",
              (Share("sanctions_lifted", "sanctions_level@2030 < 2", 0.9, given="crackdown == 0",
                     given_years=(2016, 2030)),), REASONS_QUOTES),
    Criterion("P3", "sanctions imposed for a crackdown stick while nothing is released",
              "share of worlds with sanctions in force, 2024", (Share("unrest_shock", "sanctions_level@2024 >= 1", 0.7),),
              REASONS_QUOTES),
    Criterion("P6", "a war waged partly from Belarus's territory brings broad sanctions at once",
              "share of worlds with sanctions in force in 2022 and broad in 2023; not easing or engaging more in 2022",
              (Share("war_2022", "sanctions_level@2022 >= 1", 0.8), Share("war_2022", "sanctions_level@2023 == 2", 0.6),
               Share("war_2022", "brussels_sanctions_move@2022 > -1", 0.98),
               Share("war_2022", "brussels_engagement_move@2022 < 1", 0.9)), TERRITORY_QUOTES),
    Criterion("P6", "shocks hit the level of output: a fall, then a rebound on Russian war demand",
              "mean growth 2023 vs 2022; Russia's growth 2024 vs baseline; growth 2027 vs baseline (within 1 point)",
              (MeanChange("war_2022", "gdp_growth", 2022, 2023, "higher", "the rebound"),
               MeanVersus("war_2022", "russia_growth", 2024, "higher"),
               MeanVersus("war_2022", "gdp_growth", 2027, "higher", margin=1.0)), OUTPUT_QUOTES),
    Criterion("P5", "a subsidy cut costs a few years of growth, not every year",
              "mean growth 2025 vs baseline (within 1 point)",
              (MeanVersus("subsidy_cut", "gdp_growth", 2025, "higher", margin=1.0),), OUTPUT_QUOTES),
    *(Criterion("P5", "under Western sanctions trade reroutes to China and third countries",
                f"mean {output} 2023 vs baseline", (MeanVersus("unrest_shock", output, 2023, "higher"),),
                DIVERSIFY_QUOTES)
      for output in ("china_trade_share", "other_trade_share")),
    Criterion("P6", "a war cuts trade with Ukraine within the year", "mean ukraine_trade_share 2022 vs baseline",
              (MeanVersus("war_2022", "ukraine_trade_share", 2022, "lower", factor=0.6),), P6_WAR_QUOTES),
)


# --------------------------------------------------------------------------- measuring


@dataclass
class Check:
    """One measured criterion: the table row of the validation report."""

    pattern: str
    claim: str
    scenario: str
    measure: str
    value: str
    criterion: str
    passed: bool
    expected: bool = True
    values: list[Any] = field(default_factory=list, repr=False)


def run_ensemble(name: str, replicates: int = REPLICATES, seed: int = SEED, overrides: dict | None = None,
                 registry=None):
    """The finished model of ensemble ``name`` (its ``history`` holds every output by year and world)."""
    from sim.inputs.resources import SCENARIOS_DIR
    from sim.inputs.scenario import Event, load_scenario
    from sim.model.model import BalancingModel

    ensemble = ENSEMBLES[name]
    scenario = load_scenario(SCENARIOS_DIR / f"{ensemble.scenario}.yaml", registry=registry)
    if ensemble.jolts:
        jolts = tuple(Event(year, set=dict(sets)) for year, sets in ensemble.jolts)
        scenario = scenario.replace(events=tuple(scenario.events) + jolts)
    return BalancingModel(scenario, replicates=replicates, seed=seed + ensemble.seed_offset, trace_replicates=0,
                          parameters=overrides or None).run()


def measure(criteria: Sequence[Criterion], runs: Mapping[str, Any]) -> list[Check]:
    """Measure ``criteria`` on finished runs (by ensemble name)."""
    checks = []
    for c in criteria:
        measured = [part.measure(runs) for part in c.parts]
        passed = all(part.holds(value, runs) for part, (value, _) in zip(c.parts, measured))
        checks.append(Check(c.pattern, c.claim, c.scenario_text, c.measure_text,
                            "; ".join(text for _, text in measured),
                            "; ".join(part.bound(runs) for part in c.parts), bool(passed), c.expected,
                            [value for value, _ in measured]))
    return checks


def pattern_checks(replicates: int = REPLICATES, seed: int = SEED, overrides: dict[str, float] | None = None,
                   registry=None, criteria: Sequence[Criterion] = CRITERIA) -> list[Check]:
    """Run every ensemble the criteria need (each once) and measure them.

    ``overrides`` (registry id -> value) applies to every ensemble, e.g. a calibration proposal.
    """
    names = list(dict.fromkeys(n for c in criteria for n in c.ensembles))
    runs = {n: run_ensemble(n, replicates, seed, overrides, registry) for n in names}
    return measure(criteria, runs)


def share_of_timeseries(part: Share, timeseries) -> float:
    """A :class:`Share` over ``years`` measured on a ``timeseries.csv``-like table (replicate, year, outputs);
    for calibration, which holds tables rather than models. Only ``OUTPUT OP NUMBER`` tests."""
    output, op, number = _split_test(part.test)
    first, last = part.years
    rows = timeseries[timeseries["year"].between(first, last)]
    return float(_OPS[op](rows[output], float(number)).groupby(rows["year"]).mean().min())
