"""What each decision saw, as the model records it in the decision trace.

The agents declare per decision the state their terms and feasibility read (``SEES``);
the model records those values, taken before anyone acts, with the feasibility mask and
the jolts of the year. These tests hold the declaration to what the code really reads
and the record to the outputs of the run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.common.variables import OUTPUTS, STATE_VARIABLES
from sim.model.economy import TRADE_PARTNERS
from sim.model.model import BalancingModel

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
MOVES = {"minsk_foreign_move": ("minsk", "foreign_move"), "minsk_domestic_move": ("minsk", "domestic_move"),
         "moscow_subsidy_move": ("moscow", "subsidy_move"), "moscow_pressure_move": ("moscow", "pressure_move"),
         "brussels_sanctions_move": ("brussels", "sanctions_move"),
         "brussels_engagement_move": ("brussels", "engagement_move")}


def _holders(model) -> dict[str, tuple[object, str]]:
    """Where each output lives in the model, so that a test can change it (trade shares aside)."""
    found = {}
    for name in OUTPUTS:
        if name.endswith("_trade_share"):
            continue
        if name in MOVES:
            holder, attribute = MOVES[name]
            found[name] = (getattr(model, holder), attribute)
            continue
        for holder in (model.minsk, model.moscow, model.brussels, model.world, model.economy, model):
            if isinstance(getattr(holder, name, None), np.ndarray):
                found[name] = (holder, name)
                break
    # Brussels reads the crackdown Minsk decided this year, not the one it entered the year with.
    found["crackdown"] = (model.minsk, "crackdown_decided")
    return found


def _terms_and_masks(model) -> dict[tuple[str, str], tuple[dict, np.ndarray | None]]:
    """Every decision's terms and mask, in the model's order. Minsk's crackdown of this year, which Brussels
    reads, stays what the test set (so that a change to unrest shows in Minsk's decisions, not Brussels's)."""
    out = {}
    decided = model.minsk.crackdown_decided
    for agent in (model.minsk, model.moscow, model.brussels):
        agent.decide()
        if agent is model.minsk:
            model.minsk.crackdown_decided = decided
        for d in agent.decisions:
            out[agent.name, d.name] = ({k: v.copy() for k, v in d.terms.items()},
                                       None if d.feasible is None else d.feasible.copy())
    return out


def _differs(a, b) -> bool:
    (terms_a, mask_a), (terms_b, mask_b) = a, b
    if any(not np.array_equal(terms_a[k], terms_b[k]) for k in terms_a):
        return True
    return (mask_a is None) != (mask_b is None) or (mask_a is not None and not np.array_equal(mask_a, mask_b))


def test_each_decision_sees_exactly_what_its_terms_and_feasibility_read():
    """Change one piece of state at a time in 300 worlds of random state: the decisions whose terms or
    feasibility move are those that declare it in SEES, and no other."""
    model = BalancingModel(replicates=300, seed=1)
    model.step()
    rng = np.random.default_rng(0)
    holders = _holders(model)
    trade = [f"{p}_trade_share" for p in TRADE_PARTNERS]
    assert set(holders) | set(trade) == set(OUTPUTS), "an output the test cannot change"

    def draw(like: np.ndarray) -> np.ndarray:
        if np.issubdtype(like.dtype, np.integer):
            return rng.integers(-1, 4, like.shape).astype(like.dtype)
        return rng.uniform(-3, 3, like.shape)

    for holder, attribute in holders.values():
        setattr(holder, attribute, draw(getattr(holder, attribute)))
    model.economy.shares = rng.dirichlet(np.ones(len(TRADE_PARTNERS)), model.replicates)
    base = _terms_and_masks(model)

    reads: dict[tuple[str, str], set[str]] = {key: set() for key in base}
    changes = {name: (holder, attribute) for name, (holder, attribute) in holders.items()}
    for name, (holder, attribute) in changes.items():
        original = getattr(holder, attribute)
        setattr(holder, attribute, draw(original))
        for key, now in _terms_and_masks(model).items():
            if _differs(base[key], now):
                reads[key].add(name)
        setattr(holder, attribute, original)
    for i, name in enumerate(trade):
        original = model.economy.shares
        model.economy.shares = original.copy()
        model.economy.shares[:, i] = rng.uniform(0, 1, model.replicates)
        for key, now in _terms_and_masks(model).items():
            if _differs(base[key], now):
                reads[key].add(name)
        model.economy.shares = original
    trend = model.params["world.russia_trend_growth"]
    model.params["world.russia_trend_growth"] = trend + 1.5
    for key, now in _terms_and_masks(model).items():
        if _differs(base[key], now):
            reads[key].add("russia_normal_growth")
    model.params["world.russia_trend_growth"] = trend

    for agent in (model.minsk, model.moscow, model.brussels):
        for decision, sees in agent.SEES.items():
            assert reads[agent.name, decision] == set(sees), (agent.name, decision)
    # The crackdown Minsk entered the year with is read by no decision (Brussels reads this year's).
    model.minsk.crackdown = 1 - model.minsk.crackdown
    assert not any(_differs(base[key], now) for key, now in _terms_and_masks(model).items())
    assert set(base) == {(a.name, d) for a in (model.minsk, model.moscow, model.brussels) for d in a.SEES}


def test_every_jolted_state_is_recorded_under_its_output_name():
    for sid in STATE_VARIABLES:
        assert sid.split(".", 1)[1] in OUTPUTS, sid


@pytest.fixture(scope="module")
def unrest_run():
    return sim.run(SCENARIOS / "unrest_shock.yaml", replicates=40, end_year=2023, seed=8)


def test_the_trace_records_what_each_decision_saw_before_anyone_acted(unrest_run):
    trace, ts = unrest_run.trace, unrest_run.timeseries.set_index(["replicate", "year"])
    rows = trace[trace["option"] == "stay"].rename(columns=lambda c: c.replace(".", "_"))  # Minsk's foreign decision
    checked = 0
    for r in rows.itertuples(index=False):
        year, replicate = int(r.year), int(r.replicate)
        before, now = ts.loc[(replicate, year - 1)], ts.loc[(replicate, year)]
        row = r._asdict()
        # Positions are last year's, unless a jolt of this year set them (none here but unrest).
        assert row["seen_alignment"] == pytest.approx(before["alignment"])
        assert row["seen_subsidy_pct_gdp"] == pytest.approx(before["subsidy_pct_gdp"])
        assert row["seen_sanctions_level"] == before["sanctions_level"]
        assert row["seen_political_prisoners"] == before["political_prisoners"]
        assert row["seen_russia_growth"] == pytest.approx(now["russia_growth"])
        # Unrest is this year's, before the crackdown (if any) cut it.
        if now["crackdown"] == 0:
            assert row["seen_unrest"] == pytest.approx(now["unrest"])
        else:
            assert row["seen_unrest"] > now["unrest"]
        checked += 1
    assert checked == trace["replicate"].nunique() * 8 >= 25 * 8  # the traced worlds (25 and the typical one), 2016-2023


def test_the_trace_records_the_feasibility_mask_and_the_jolts_of_the_year(unrest_run):
    trace = unrest_run.trace
    sanctions = trace[trace["decision"] == "sanctions"]
    level = sanctions["seen.sanctions_level"]
    blocked = ((sanctions["option"] == "ease") & (level == 0)) | ((sanctions["option"] == "tighten") & (level == 2))
    assert (sanctions["feasible"] == (~blocked).astype(int)).all()
    assert (sanctions.loc[blocked, "probability"] == 0).all()
    assert (trace.loc[trace["decision"] != "sanctions", "feasible"] == 1).all()
    # The 2020 jolt to unrest: marked on the decisions that read unrest, that year only.
    jolted = trace["jolted"].fillna("")
    reads_unrest = trace["seen.unrest"].notna()
    assert (jolted[(trace["year"] == 2020) & reads_unrest] == "unrest").all()
    assert (jolted[(trace["year"] != 2020) | ~reads_unrest] == "").all()
    # Each decision fills exactly the seen.* columns its agent declares, on every row.
    model = BalancingModel(replicates=1, seed=0)
    sees = {(a.name, d): set(names) for a in (model.minsk, model.moscow, model.brussels) for d, names in a.SEES.items()}
    for (agent, decision), rows in trace.groupby(["agent", "decision"]):
        filled = {c[len("seen."):] for c in trace.columns if c.startswith("seen.") and rows[c].notna().all()}
        empty = {c[len("seen."):] for c in trace.columns if c.startswith("seen.") and rows[c].isna().all()}
        assert filled == sees[agent, decision]
        assert filled | empty == {c[len("seen."):] for c in trace.columns if c.startswith("seen.")}


def test_a_summary_only_run_keeps_the_same_trace_of_the_first_worlds(tmp_path):
    kwargs = dict(replicates=30, end_year=2021, seed=9)
    full = sim.run(SCENARIOS / "unrest_shock.yaml", **kwargs)
    summary = sim.run(SCENARIOS / "unrest_shock.yaml", summary_only=True, **kwargs)
    # Without per-world time series there is no typical world to add: the first 25 worlds' trace, the same.
    first = full.trace[full.trace["replicate"] < 25].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, summary.trace.reset_index(drop=True))
    summary.save(tmp_path / "s", plots=False)
    written = pd.read_csv(tmp_path / "s" / "trace.csv")
    assert {"feasible", "jolted", "seen.unrest", "seen.sanctions_level"} <= set(written.columns)


def test_sweeps_and_untraced_models_record_nothing():
    model = BalancingModel(replicates=10, seed=1, trace_replicates=0).run()
    assert model.trace == [] and model.decision_trace().empty
    assert {"feasible", "jolted"} <= set(model.decision_trace().columns)


def test_brussels_answers_a_crackdown_in_the_year_it_happens(unrest_run):
    """Brussels decides after Minsk: its sanctions and engagement see the crackdown Minsk decided that year (the
    same year's recorded crackdown), and the crackdown term pushes toward tightening in that year."""
    trace, ts = unrest_run.trace, unrest_run.timeseries.set_index(["replicate", "year"])
    rows = trace[(trace["agent"] == "brussels") & (trace["option"].isin(["tighten", "expand"]))]
    recorded = ts.loc[list(zip(rows["replicate"], rows["year"])), "crackdown"].to_numpy()
    assert (rows["seen.crackdown"].to_numpy() == recorded).all()
    cracked = rows[(rows["decision"] == "sanctions") & (rows["seen.crackdown"] == 1)]
    assert len(cracked) >= 10  # the unrest shock of 2020 brings crackdowns in most traced worlds
    weight = BalancingModel(replicates=1, seed=0).params["brussels.weight_crackdown"]
    assert cracked["term.crackdown"].to_numpy() == pytest.approx(weight)
    calm = rows[(rows["decision"] == "sanctions") & (rows["seen.crackdown"] == 0)]
    assert (calm["term.crackdown"] == 0).all()
