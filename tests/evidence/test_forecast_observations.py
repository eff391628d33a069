"""Observation models (sim/evidence/observations.py): likelihoods of the record given each world's output."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.evidence import observations as ob
from sim.inputs.record import ObservationModel, load_record


@pytest.fixture(scope="module")
def record():
    return load_record()


def _m(scale, value, uncertain=False, **widths):
    return ob.Measurement("x", 2020, value, uncertain, ObservationModel("gdp_growth", scale, "test", **widths))


def test_linear_and_log_scales_are_normal_densities_with_the_declared_widths():
    worlds = np.array([-3.0, 0.0, 1.4, 5.0])
    m = _m("linear", 1.4, error_sd=1.0, uncertain_error_sd=2.0)
    assert np.allclose(ob.log_likelihood(m, worlds), stats.norm.logpdf(1.4, worlds, 1.0))
    wide = _m("linear", 1.4, uncertain=True, error_sd=1.0, uncertain_error_sd=2.0)
    assert np.allclose(ob.log_likelihood(wide, worlds), stats.norm.logpdf(1.4, worlds, 2.0))
    # an uncertain figure tells worlds apart less: the log-likelihood spread is narrower
    assert np.ptp(ob.log_likelihood(wide, worlds)) < np.ptp(ob.log_likelihood(m, worlds))
    counts = np.array([0, 9, 99, 999, 9999])
    c = _m("log1p", 999, error_sd=0.2, uncertain_error_sd=0.7)
    assert np.allclose(ob.log_likelihood(c, counts), stats.norm.logpdf(np.log(1000), np.log1p(counts), 0.2))
    assert np.argmax(ob.log_likelihood(c, counts)) == 3
    # a count is wrong in proportion: 100 against 1,000 costs as much as 10,000 against 1,000
    ll = ob.log_likelihood(c, np.array([99, 9999]))
    assert ll[0] == pytest.approx(ll[1], abs=1e-6)


def test_exact_levels_and_coded_events():
    levels = np.array([0, 1, 2, 2])
    assert list(ob.log_likelihood(_m("exact", 2), levels)) == [-np.inf, -np.inf, 0.0, 0.0]
    event = _m("event", 1, coding_error=0.05)
    assert np.allclose(ob.log_likelihood(event, np.array([0, 1])), np.log([0.05, 0.95]))
    exact_event = _m("event", 0, coding_error=0.0)
    assert list(ob.log_likelihood(exact_event, np.array([0, 1]))) == [0.0, -np.inf]


def test_measurements_and_answers_respect_the_years_asked(record):
    upto = ob.measurements(record, last=2019)
    assert upto and max(m.year for m in upto) == 2019
    assert {m.series for m in upto} >= {"belarus_gdp_growth_pct", "eu_sanctions_level", "crackdown"}
    assert not any(m.series == "largest_protest" for m in ob.measurements(record))  # unmodelled
    gdp_2016 = next(m for m in upto if m.id == "belarus_gdp_growth_pct_2016")
    assert gdp_2016.value == -2.5 and not gdp_2016.uncertain
    assert next(m for m in upto if m.id == "russia_trade_share_2016").uncertain
    answers = {a.id: a.observed for a in ob.event_answers(record, first=2016)}
    assert answers["sanctions_eased_2016"] == 1 and answers["sanctions_tightened_2016"] == 0
    assert answers["sanctions_tightened_2020"] == 1 and answers["sanctions_tightened_2021"] == 1
    assert answers["sanctions_tightened_2022"] == 0 and answers["sanctions_broad_2021"] == 1
    assert answers["crackdown_2020"] == 1 and answers["crackdown_2022"] == 0
    assert answers["prisoner_release_2024"] == 1 and answers["prisoner_release_2019"] == 0
    assert "sanctions_eased_2015" not in answers  # no 2014 level to compare with
    assert min(a.year for a in ob.event_answers(record, first=2020)) == 2020


def test_each_question_reads_the_world_outputs_it_names():
    outputs = {"crackdown": np.array([0, 1]), "sanctions_level": np.array([1, 2]),
               "brussels_sanctions_move": np.array([1, -1]), "prisoners_released": np.array([0, 5])}
    got = {name: list(q.happened(outputs).astype(int)) for name, q in ob.EVENT_QUESTIONS.items()}
    assert got == {"crackdown": [0, 1], "sanctions_any": [1, 1], "sanctions_broad": [0, 1],
                   "sanctions_tightened": [1, 0], "sanctions_eased": [0, 1], "prisoner_release": [0, 1]}


def test_weights_effective_sample_size_and_resampling():
    assert ob.effective_sample_size(ob.normalized_weights(np.zeros(50))) == pytest.approx(50)
    assert ob.normalized_weights(np.full(4, -np.inf)) is None
    assert ob.effective_sample_size(None) == 0.0
    w = ob.normalized_weights(np.array([0.0, -np.inf, -np.inf, -np.inf]))
    assert ob.effective_sample_size(w) == pytest.approx(1)
    rng = np.random.default_rng(0)
    assert list(ob.systematic_resample(w, rng)) == [0, 0, 0, 0]
    w = np.array([0.5, 0.25, 0.25, 0.0])
    counts = np.bincount(ob.systematic_resample(w, rng), minlength=4)
    assert list(counts) == [2, 1, 1, 0]  # systematic resampling keeps each world's share to within one copy
    big = ob.normalized_weights(np.log(np.arange(1, 1001)))
    counts = np.bincount(ob.systematic_resample(big, rng), minlength=1000)
    assert np.all(np.abs(counts - 1000 * big) < 1)


def test_year_log_likelihood_sums_that_years_measurements_only(record):
    ms = ob.measurements(record, last=2019)
    outputs = {m.output: np.zeros(3) for m in ms}
    outputs["sanctions_level"] = np.array([0, 1, 0])
    total, count = ob.year_log_likelihood(ms, 2016, outputs, 3)
    assert count == sum(m.year == 2016 for m in ms)
    assert np.isneginf(total[1]) and np.isfinite(total[0]) and total[0] == total[2]


def test_the_odd_table_of_widths_is_the_record_s(record):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = text[text.index("### 6.1"):text.index("## 7 Submodels")]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`") and cells[2] in ("linear", "log1p", "exact", "event"):
            rows[cells[0].strip("`")] = cells[1:]
    modelled = record.modelled()
    assert set(rows) == set(modelled)
    for name, series in modelled.items():
        o = series.observation
        fmt = lambda v: "" if v is None else f"{v:g}" if v != int(v) or v == 0 else f"{v:.1f}"
        assert rows[name] == [f"`{o.output}`", o.scale, fmt(o.error_sd), fmt(o.uncertain_error_sd),
                              "" if o.coding_error is None else f"{o.coding_error:g}"], name
