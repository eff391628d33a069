"""What an explanation holds, before it is put in words: the options, terms and state of one decision,
and the two decisions of an actor in one world and year (``sim explain`` prints them, the report lays
them out, ``as_dict`` gives them to programs).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from sim.explain.terms import AGENT_NAMES, DECISIONS, Decision
from sim.explain.wording import TINY, decision_lines, ranges, timing_note

# A choice is a chance draw against the odds when the option taken had less than this probability.
# Why one in four: an actor indifferent between its three options gives each one chance in three, so
# below one in four its own reasons argued against the option (the other options together were at
# least three times as likely): the draw decided, not the reasons, and the explanation says so.
AGAINST_THE_ODDS = 0.25


@dataclass
class OptionView:
    """One option of a decision in one world and year."""

    option: str
    label: str          # "taking a step East"
    utility: float
    probability: float
    chosen: bool
    feasible: bool = True
    share_all_worlds: float | None = None   # share of all worlds that took it that year
    traced_worlds: list[int] = field(default_factory=list)  # traced worlds that took it that year


@dataclass
class TermView:
    """One utility term: what it means and its value for each option."""

    name: str
    label: str
    meaning: str
    weight: str
    values: dict[str, float]
    group: str          # "for <option>", "against <option>" or "inactive"
    context: str = ""   # the state it reads, e.g. "10.00% of GDP"
    difference: float = 0.0  # value for the chosen option minus value for the runner-up


@dataclass
class StateView:
    """One state value the decision saw."""

    key: str
    label: str
    value: float | None
    text: str           # formatted value with its comparison, e.g. "0.25 (threshold 0.45)"
    when: str           # "previous" (end of last year), "during" (last year) or "this" (this year)
    jolted: bool = False  # a scenario event set it that year, before the decision

    @property
    def sentence(self) -> str:
        return f"{self.label} {self.text}".strip()


@dataclass
class DecisionExplanation:
    """Why one agent took one decision in one world and year."""

    agent: str
    decision: str
    title: str
    question: str
    year: int
    replicate: int
    options: list[OptionView]
    chosen: str
    runner_up: str
    terms: list[TermView]
    state: list[StateView]
    replicates: int = 0  # size of the ensemble behind ``share_all_worlds``
    missing_state: str = ""  # why the state it saw is not shown, when it is not

    @property
    def spec(self) -> Decision:
        return DECISIONS[self.agent, self.decision]

    def option(self, name: str) -> OptionView:
        return next(o for o in self.options if o.option == name)

    @property
    def chosen_view(self) -> OptionView:
        return self.option(self.chosen)

    @property
    def most_likely(self) -> OptionView:
        return max((o for o in self.options if o.feasible), key=lambda o: o.probability)

    @property
    def against_the_odds(self) -> bool:
        """The option taken was a chance draw against the odds (below :data:`AGAINST_THE_ODDS`)."""
        return self.chosen_view.probability < AGAINST_THE_ODDS

    def decisive(self, limit: int = 3) -> tuple[list[TermView], list[TermView]]:
        """Terms that favoured the chosen option over the runner-up, and those against it, largest first."""
        active = [t for t in self.terms if abs(t.difference) >= TINY]
        pro = sorted((t for t in active if t.difference > 0), key=lambda t: -t.difference)[:limit]
        con = sorted((t for t in active if t.difference < 0), key=lambda t: t.difference)[:limit]
        return pro, con

    def headline(self) -> str:
        agent = AGENT_NAMES[self.agent]
        return f"{self.title}: {agent} {self.spec.options[self.chosen].past}."

    def text(self) -> str:
        return "\n".join(decision_lines(self))


@dataclass
class Explanation:
    """Why one agent did what it did in one year of one world: both of its decisions."""

    run: str
    title: str
    year: int
    agent: str
    replicate: int
    typical: bool
    traced: list[int]
    decisions: list[DecisionExplanation]
    typical_rule: str = "the traced world whose path is closest to the median of all worlds"
    typical_of: int = 0  # how many worlds the typical world was chosen from: all of them, or the traced ones
    parameter_uncertainty: str = "chance"  # the run's mode: "prior" worlds each drew their ASSUMPTIONs

    def intro(self) -> str:
        world = f"replicate {self.replicate}"
        if self.typical and self.typical_of > len(self.traced):
            world += f", the most typical of all {self.typical_of:,} worlds"
        elif self.typical:
            world += f", the most typical of the {len(self.traced)} traced worlds"
        return f"Why did {AGENT_NAMES[self.agent]} act as it did in {self.year}? ({world})"

    def text(self) -> str:
        lines = [self.intro(), ""]
        lines.append(timing_note(self.agent, self.year))
        if self.parameter_uncertainty == "prior":
            lines.append("This run drew every ASSUMPTION parameter world by world (--parameter-uncertainty prior): "
                         "this world's own values are in parameters.parquet.")
        elif self.parameter_uncertainty.startswith("posterior:"):
            lines.append("This run drew the fitted ASSUMPTION parameters world by world from a calibration's "
                         f"posterior (--parameter-uncertainty {self.parameter_uncertainty}): this world's own "
                         "values are in parameters.parquet.")
        for decision in self.decisions:
            lines.append("")
            lines += decision_lines(decision)
        if self.typical:
            lines.append("")
            lines.append(f"The typical world is {self.typical_rule}. Other worlds: --replicate K with K in "
                         f"{ranges(self.traced)}.")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class TurningPoint(NamedTuple):
    """A decision that changed a world's course, with the chance the trace gave the option taken."""

    year: int
    agent: str
    decision: str
    probability: float = 1.0   # of the option taken (the trace's ``probability`` on its chosen row)
    likeliest: float = 1.0     # of the most likely option the decision could take

    @property
    def key(self) -> tuple[int, str, str]:
        return self.year, self.agent, self.decision

    @property
    def against_the_odds(self) -> bool:
        """A chance draw against the odds rather than the likely choice (below :data:`AGAINST_THE_ODDS`)."""
        return self.probability < AGAINST_THE_ODDS
