"""Which traced world tells a run's story, and where each world's story turns.

``typical_replicate`` picks the traced world closest to the ensemble's median path (``sim.run`` traces
the most typical of all worlds, so that it is the one);
``turning_points`` lists a world's departures from its usual course and
``key_turning_points`` the few that tell the story (the report's timeline).
"""

from __future__ import annotations

from sim.explain.record import check_replicate, choice_odds, chosen_rows, traced_replicates
from sim.explain.terms import DECISIONS, MOVE_COLUMNS
from sim.explain.views import TurningPoint
from sim.inputs.errors import ScenarioError
from sim.outputs.typical import typical_world


def typical_replicate(result) -> int:
    """The traced replicate whose headline trajectories are closest to the ensemble median.

    The rule is :func:`sim.outputs.typical.typical_world` (the same one ``sim.run`` uses to choose the
    world it traces besides the first ones, so in such a run this is the most typical of ALL worlds):
    the smallest mean squared gap to the median of all worlds, per headline output and year, in units
    of the output's spread. A summary-only run keeps no per-world time series; there the typical world
    is the traced world whose choices most often match the most common choice of the traced worlds
    (per year and decision).
    """
    traced = traced_replicates(result)
    if not traced:
        raise ScenarioError(result.name, "this run has no decision trace (trace.csv is missing or empty)")
    ts = result.timeseries
    if ts is None:
        return _typical_by_choices(result, traced)
    return typical_world(ts, candidates=traced)


def typical_of_all(result) -> bool:
    """Whether the typical traced world is the most typical of all the run's worlds (``sim.run`` traces
    it; run folders written before it did, and summary-only runs, have only the first worlds to choose from)."""
    ts = result.timeseries
    return ts is not None and bool(traced_replicates(result)) and typical_world(ts) == typical_replicate(result)


def _typical_by_choices(result, traced: list[int]) -> int:
    chosen = chosen_rows(result)
    common = chosen.groupby(["year", "agent", "decision"])["option"].agg(lambda s: s.value_counts().index[0])
    merged = chosen.join(common.rename("common"), on=["year", "agent", "decision"])
    agree = (merged["option"] == merged["common"]).groupby(merged["replicate"]).mean()
    best = max(traced, key=lambda r: (round(float(agree.get(r, 0.0)), 12), -r))
    return int(best)


def turning_points(result, replicate: int) -> list[TurningPoint]:
    """The turning points of one traced world: ``(year, agent, decision)``, in order of year.

    A decision is a turning point when its chosen option is not the middle one (stay,
    hold, keep) and either it is a crackdown, a loosening or a change of sanctions, or it
    differs from the same decision's move the year before (a change of course: the first
    step East after staying, a raise after cuts). Repeating last year's move is not a
    turning point. Each carries the chance the trace gave the option taken and the likeliest
    option, so that a chance draw against the odds (``TurningPoint.against_the_odds``) is told
    apart from the likely choice.
    """
    replicate = check_replicate(result.name, replicate, traced_replicates(result))
    chosen = chosen_rows(result)
    chosen = chosen[chosen["replicate"] == replicate]
    moves = {(int(r.year), r.agent, r.decision): list(DECISIONS[r.agent, r.decision].options).index(r.option) - 1
             for r in chosen.itertuples(index=False) if (r.agent, r.decision) in DECISIONS}
    ts = result.timeseries
    world = ts[ts["replicate"] == replicate].set_index("year") if ts is not None else None
    odds = choice_odds(result, replicate)
    points = []
    order = {key: i for i, key in enumerate(DECISIONS)}
    for row in sorted(chosen.itertuples(index=False), key=lambda r: (r.year, order[r.agent, r.decision])):
        spec = DECISIONS.get((row.agent, row.decision))
        if spec is None or row.option == spec.middle:
            continue
        move = list(spec.options).index(row.option) - 1
        always = (row.agent, row.decision) in (("minsk", "domestic"), ("brussels", "sanctions"))
        before = moves.get((int(row.year) - 1, row.agent, row.decision))
        if before is None and world is not None:  # the year before the trace: the time series has the move
            before = world[MOVE_COLUMNS[row.agent, row.decision]].get(int(row.year) - 1)
        if always or before is None or int(before) != move:
            key = (int(row.year), str(row.agent), str(row.decision))
            points.append(TurningPoint(*key, *odds[key]))
    return points


# The decisions that tell the story first: Minsk's moves and the EU's sanctions, then Moscow's money.
PRIORITY = {("minsk", "domestic"): 0, ("brussels", "sanctions"): 0, ("minsk", "foreign"): 0,
            ("moscow", "subsidy"): 1, ("moscow", "pressure"): 2, ("brussels", "engagement"): 2}


def key_turning_points(result, replicate: int, limit: int = 8) -> list[TurningPoint]:
    """At most ``limit`` of a world's turning points, those that tell the story, in order of year.

    The decisions that mattered come first: turning points whose option was the likely choice.
    Among them, crackdowns, sanctions changes and Minsk's foreign moves come first (up to
    ``limit - 2`` of them), then Moscow's subsidy, then the rest; within each rank, moves that many
    worlds made the same year (the ensemble's story rather than this world's luck) come before rare
    ones, and earlier years before later. Chance draws against the odds fill only the places left
    (the report then says the dice decided them).
    """
    points = turning_points(result, replicate)
    shares = _move_shares(result)
    chosen = chosen_rows(result)
    chosen = chosen[chosen["replicate"] == replicate].set_index(["year", "agent", "decision"])["option"]
    order = {key: i for i, key in enumerate(DECISIONS)}

    def rank(p: TurningPoint):
        spec = DECISIONS[p.agent, p.decision]
        move = list(spec.options).index(chosen.loc[(p.year, p.agent, p.decision)]) - 1
        share = shares.get((p.year, p.agent, p.decision, move), 0.0)
        return PRIORITY.get((p.agent, p.decision), 3), -round(share, 6), p.year

    ranked = sorted((p for p in points if not p.against_the_odds), key=rank)
    # Keep two places for Moscow and the EU's engagement when Minsk and the sanctions would fill them all.
    first = [p for p in ranked if rank(p)[0] == 0][:max(limit - 2, 0)]
    rest = [p for p in ranked if rank(p)[0] > 0] + [p for p in ranked if rank(p)[0] == 0 and p not in first]
    rest += sorted((p for p in points if p.against_the_odds), key=rank)
    picked = first + rest[:max(limit - len(first), 0)]
    return sorted(picked, key=lambda p: (p.year, order[p.agent, p.decision]))


def _move_shares(result) -> dict[tuple[int, str, str, int], float]:
    """Share of worlds making each move in each year: all worlds from the time series, else the traced ones."""
    shares: dict[tuple[int, str, str, int], float] = {}
    ts = result.timeseries
    if ts is not None:
        for (agent, decision), column in MOVE_COLUMNS.items():
            if column not in ts.columns:
                continue
            table = ts.groupby("year")[column].value_counts(normalize=True)
            for (year, move), share in table.items():
                shares[int(year), agent, decision, int(move)] = float(share)
        return shares
    chosen = chosen_rows(result)
    counts = chosen.groupby(["year", "agent", "decision"])["option"].value_counts(normalize=True)
    for (year, agent, decision, option), share in counts.items():
        spec = DECISIONS.get((agent, decision))
        if spec is not None:
            shares[int(year), agent, decision, list(spec.options).index(option) - 1] = float(share)
    return shares
