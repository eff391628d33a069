"""Pattern-oriented tests: the qualitative patterns the seed documents describe.

The criteria are declared once, in :mod:`sim.evidence.patterns` (each with its claim, ensemble,
measure, bound and seed passage); this test, the validation report and calibration read them.
Each criterion must come out as declared: reproduced, or (declared ``expected=False``) still not
reproduced, so that a pattern the model gains is noticed too. The bounds are deliberately loose:
they test the direction and timing of a pattern, not a calibration.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.evidence import calibrate, patterns
from sim.evidence.patterns import CRITERIA, ENSEMBLES, REPLICATES, SEED
from sim.inputs.registry import find_quote, load_registry
from sim.inputs.resources import shipped_scenarios


@pytest.fixture(scope="module")
def runs():
    """Every ensemble the criteria use, run once (the same worlds as the validation report's)."""
    return {name: patterns.run_ensemble(name, REPLICATES, SEED) for name in ENSEMBLES}


@pytest.mark.parametrize("criterion", CRITERIA, ids=[f"{c.pattern}-{i}" for i, c in enumerate(CRITERIA)])
def test_the_pattern_comes_out_as_declared(criterion, runs):
    [check] = patterns.measure([criterion], runs)
    assert check.passed == criterion.expected, (
        f"{check.pattern} {check.claim}: {check.measure} = {check.value}, criterion {check.criterion}"
        + (f" (declared not reproduced: {criterion.why_not})" if not criterion.expected else ""))


def test_every_pattern_rests_on_verbatim_seed_passages():
    for criterion in CRITERIA:
        assert criterion.quotes, criterion.claim
        for quote in criterion.quotes:
            assert find_quote(quote) is not None, f"{criterion.pattern}: not in {quote.doc}: {quote.quote!r}"


def test_the_declarations_name_real_scenarios_outputs_and_parameters():
    registry = load_registry()
    assert set(e.scenario for e in ENSEMBLES.values()) <= set(shipped_scenarios())
    assert {c.pattern for c in CRITERIA} == {f"P{i}" for i in range(1, 7)}
    for criterion in CRITERIA:
        assert criterion.expected or criterion.why_not, "a pattern declared not reproduced says why"
        for part in criterion.parts:
            assert part.ensemble in ENSEMBLES
            if getattr(part, "step", None):
                assert part.step in registry


def test_calibration_uses_the_declared_p1_criterion(runs):
    """calibrate's pattern term measures the P1 criterion on tables exactly as the criterion does on models."""
    assert calibrate.P1 is patterns.P1_ALIGNMENT and calibrate.P1_THRESHOLD == patterns.P1_ALIGNMENT.at_least
    model = runs["baseline"]
    history = model.history["alignment"]
    years = range(model.base_year, model.base_year + history.shape[0])
    table = pd.DataFrame([{"year": y, "alignment": v} for i, y in enumerate(years) for v in history[i]])
    value, _ = patterns.P1_ALIGNMENT.measure(runs)
    assert calibrate.p1_share(table) == pytest.approx(value)
