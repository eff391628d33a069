"""sim hindcast --origin: scores on the record after the origin, beside persistence, climatology, random actors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.evidence.hindcast import crps as crps_by_hand
from sim.evidence.rolling import run_origin_hindcast
from sim.evidence.skill import Scores, question_table, reliability, summarize_scores
from sim.inputs.record import load_record


@pytest.fixture(scope="module")
def scored():
    return run_origin_hindcast(2019, replicates=1000, seed=5)


def test_every_question_is_after_the_origin_and_every_figure_after_it_is_asked(scored):
    record = load_record()
    table = scored.table
    assert table["year"].min() == 2020 and table["year"].max() == 2025
    asked = set(table["id"])
    for name, series in record.modelled().items():
        for year in series.values:
            if year > 2019 and series.observation.scale != "event":
                assert f"{name}_{year}" in asked
    assert "crackdown_2020" in asked and "sanctions_tightened_2021" in asked


def test_scores_are_the_kept_library_s_brier_and_crps(scored):
    table = scored.table
    events = table[table["kind"] == "event"]
    assert np.allclose(events["model_score"], (events["model"] - events["observed"]) ** 2)
    row = table[table["id"] == "political_prisoners_end_of_year_2022"].iloc[0]
    ts = scored.result.timeseries
    ensemble = np.log1p(ts[ts["year"] == 2022]["political_prisoners"].to_numpy(dtype=float))
    assert row["model_score"] == pytest.approx(crps_by_hand(ensemble, np.log1p(1450)), rel=1e-9)


def test_references(scored):
    table = scored.table.set_index("id")
    # persistence: the 2019 state stays (sanctions were off; nothing is tightened)
    assert table.loc["sanctions_any_2020", "persistence"] == 0
    assert table.loc["sanctions_tightened_2021", "persistence"] == 0
    # climatology: the record's base rate 2015-2019 (sanctions in force in 1 of 5 years)
    assert table.loc["sanctions_any_2020", "climatology"] == pytest.approx(1 / 5)
    # persistence of a quantity: its 2019 value, as a point forecast (CRPS = absolute error)
    assert table.loc["eu_sanctions_level_2021", "persistence"] == pytest.approx(2.0)
    # the random-actor null is another forecast of the same questions
    assert not np.allclose(scored.table["model"], scored.table["random_actors"])
    assert scored.null.scenario["parameters"]["minsk.rationality"] == 0.0


@pytest.mark.parametrize("mode", ["prior", "posterior"])
def test_the_random_actor_null_draws_what_the_model_draws_but_the_rationalities(mode, tmp_path):
    """Under prior or posterior the null is the same model in the same parameter mode: world i has the model's
    world i's values (origin 2015: the filter's one year resamples both alike), the rationalities at 0."""
    from sim.evidence.forecast import RANDOM_ACTORS

    if mode == "posterior":
        table = tmp_path / "posterior.csv"
        pd.DataFrame({"minsk.weight_subsidy": [0.6, 1.4, 1.9], "minsk.rationality": [1.0, 2.5, 3.0],
                      "weight": [0.2, 0.5, 0.3]}).to_csv(table, index=False)
        mode = f"posterior:{table}"
    h = run_origin_hindcast(2015, replicates=120, seed=4, parameter_uncertainty=mode)
    model, null = h.result.world_parameters, h.null.world_parameters
    assert h.null.parameter_uncertainty == h.result.parameter_uncertainty
    drawn_by_model = set(model.columns) - {"replicate"}
    assert set(RANDOM_ACTORS) & drawn_by_model  # the model's worlds draw (some of) the rationalities ...
    assert set(null.columns) == set(model.columns) - set(RANDOM_ACTORS)  # ... the null's do not
    assert len(null.columns) > 1
    pd.testing.assert_frame_equal(null, model[list(null.columns)])
    for pid in RANDOM_ACTORS:
        assert h.null.parameters[pid]["value"] == 0.0
        assert pid not in null.columns


def test_the_report_says_where_the_score_is_lost_and_what_conditioning_did():
    from sim.evidence.forecast_report import _where_lost
    from sim.evidence.rolling import OriginHindcast

    def table(rows):  # id, observed, model P, null P
        t = pd.DataFrame(rows, columns=["id", "observed", "model", "random_actors"]).assign(kind="event")
        for name in ("model", "random_actors"):
            t[f"{name}_score"] = (t[name] - t["observed"]) ** 2
        return t.assign(persistence_score=0.5, climatology_score=0.25)

    late = OriginHindcast(2019, None, None, table([("a_2020", 1, 0.1, 0.5), ("b_2021", 0, 0.2, 0.4),
                                                   ("c_2022", 0, 0.9, 0.3)]), {}, None)
    early = OriginHindcast(2015, None, None, table([("x_2016", 0, 0.0, 0.5), ("a_2020", 1, 0.4, 0.5),
                                                    ("b_2021", 0, 0.1, 0.4), ("c_2022", 0, 0.5, 0.3)]), {}, None)
    text = "\n".join(_where_lost(late, [early, late]))
    # c (0.81 vs 0.09) and a (0.81 vs 0.25) trail the null; b (0.04 vs 0.16) does not and is the rest
    assert ("the 2 event questions with the largest model-minus-null Brier are `c_2022` (no, P = 0.90: 0.810 vs "
            "0.090); `a_2020` (yes, P = 0.10: 0.810 vs 0.250); they make 98% of the model's summed Brier") in text
    assert "On the other 1 event questions the model scores 0.040 (random actors 0.160" in text
    assert ("the forecast made at 2015 scores 0.207 on the same 3 event questions (random actors 0.167), the one "
            "made at 2019 0.553: the record of those years moved the forecast away from what happened") in text
    assert "conditioning" not in "\n".join(_where_lost(early, [early, late]))  # the first origin has none earlier


def test_skill_and_pooling():
    s = Scores("x", 3, 0.1, {"persistence": 0.2, "climatology": 0.0, "random_actors": float("nan")})
    assert s.skill("persistence") == pytest.approx(0.5)
    assert np.isnan(s.skill("climatology")) and np.isnan(s.skill("random_actors"))
    table = pd.DataFrame([
        {"kind": "event", "question": "q", "model": 0.9, "observed": 1, "model_score": 0.01,
         "persistence_score": 1.0, "climatology_score": 0.25, "random_actors_score": 0.3},
        {"kind": "event", "question": "q", "model": 0.1, "observed": 0, "model_score": 0.01,
         "persistence_score": 0.0, "climatology_score": 0.25, "random_actors_score": 0.2},
        {"kind": "quantity", "question": "growth", "model": 1.0, "observed": 0.3, "model_score": 1.0,
         "persistence_score": 2.0, "climatology_score": float("nan"), "random_actors_score": 1.0},
    ])
    summary = summarize_scores(table)
    events = summary["events (Brier)"]
    assert events.model == pytest.approx(0.01) and events.references["persistence"] == pytest.approx(0.5)
    # a reference that cannot answer every question of a group gets no score (never a partial mean)
    assert np.isnan(summary["growth (CRPS)"].references["climatology"])
    bins = reliability(table, bins=2)
    assert list(bins["questions"]) == [1, 1] and list(bins["observed"]) == [0.0, 1.0]


def test_the_command(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim.cli", "hindcast", "--origin", "2016", "--replicates", "1000",
                           "--seed", "3"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Forecast made at 2016" in done.stdout and "skill vs random_actors" in done.stdout
    assert "crackdown_2020" in done.stdout
    for args, words in ((["--origin", "2030"], "origin: 2030 is not allowed"),
                        (["--origin", "2016", "--report"], "--origin scores one origin"),
                        (["--posterior", str(tmp_path / "p.csv")], "--posterior: belongs to --report"),
                        (["--report", "--report-path", str(tmp_path / "v.md"), "--posterior",
                          str(tmp_path / "none.csv")], "no such posterior table")):
        bad = subprocess.run([sys.executable, "-m", "sim.cli", "hindcast", *args], capture_output=True, text=True)
        assert bad.returncode == 2 and words in bad.stderr and bad.stderr.count("\n") == 1


def test_the_validation_report_section_and_its_reliability_diagram(tmp_path):
    from sim.evidence.forecast_report import forecast_sections

    report = tmp_path / "docs" / "validation.md"
    (text,) = forecast_sections(report, origins=(2016, 2021), replicates=1000, seed=2)
    assert "## 6 Forecasts from an origin, scored on the public record" in text
    assert "### 6.1 Forecast made at 2016" in text and "skill vs random_actors" in text
    assert "`crackdown_2020`" in text  # per-question lines
    assert "**Origin 2021: no forecast.**" in text  # a collapsed filter is reported, not hidden
    assert "Not fully out of sample" in text
    png = report.parent / "validation" / "reliability-2016.png"
    assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG"
    assert "(validation/reliability-2016.png)" in text


def test_climatology_at_the_first_origin_falls_back_to_no_change():
    from sim.evidence.skill import _climatology_event

    record = load_record()
    assert _climatology_event(record, "sanctions_tightened", 2015) == 0.0
    assert _climatology_event(record, "sanctions_eased", 2016) == 1.0  # 2016: the one change seen so far
    assert _climatology_event(record, "sanctions_any", 2016) == 0.5


def test_the_report_gives_the_spread_over_seeds_and_the_posterior_beside_the_prior(tmp_path):
    import json

    import pandas as pd

    from sim.evidence.forecast_report import forecast_sections, posterior_origin
    from sim.inputs.errors import ScenarioError

    fit = tmp_path / "abc-2015"
    fit.mkdir()
    pd.DataFrame({"minsk.weight_subsidy": [0.6, 1.4], "trade.sanctions_sensitivity": [0.12, 0.3],
                  "weight": [0.7, 0.3]}).to_csv(fit / "posterior.csv", index=False)
    with pytest.raises(ScenarioError, match="no readable abc.json beside it"):
        posterior_origin(fit / "posterior.csv")
    (fit / "abc.json").write_text(json.dumps({"origin": 2015}))  # 2015: no filter collapse at 300 worlds
    report = tmp_path / "docs" / "validation.md"
    (text,) = forecast_sections(report, origins=(2015,), replicates=300, seeds=(2, 3),
                                posterior=fit / "posterior.csv")
    assert "Over 2 seeds (2, 3): mean (min to max)." in text
    assert "### Origin 2015: chance only, the prior and the ABC posterior" in text
    rows = [line for line in text.splitlines() if line.startswith(("| chance only", "| prior", "| ABC posterior"))]
    assert len(rows) == 3
    assert all(" to " in row for row in rows)  # a spread, not one number
    import re

    # the posterior table has 2 rows, so at most 2 distinct vectors survive; the prior's draws are many more
    found = re.search(r"many distinct parameter vectors .* at 2015 \(seed 2\): prior (\d+), ABC posterior (\d+)\.", text)
    assert found and 2 < int(found[1]) <= 300 and 1 <= int(found[2]) <= 2


def test_from_the_present_the_report_shows_the_conditioned_state_and_each_variant(tmp_path):
    """The present section (built for the record's last year; here for 2016 to stay small): the record beside
    the conditioned state, then each variant's state PRESENT_YEARS later and how often things happen."""
    from sim.evidence.forecast_report import PRESENT_EVENTS, PRESENT_OUTPUTS, PRESENT_VARIANTS, _present_section
    from sim.evidence.rolling import run_origin_hindcast
    from sim.inputs.registry import load_registry

    record = load_record()
    scored = run_origin_hindcast(2016, replicates=1500, seed=2, record=record)
    text = _present_section(record, load_registry(), 1500, 2, scored)
    assert "### From the present: the forecast made at 2016 for 2017-2021" in text
    header = next(line for line in text.splitlines() if line.startswith("| outcome"))
    assert "record 2016" in header and "conditioned 2016" in header
    assert all(f"{name.removesuffix('.yaml')}, 2021" in header for name in PRESENT_VARIANTS)
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| outcome")]
    assert len(rows) == len(PRESENT_OUTPUTS) + len(PRESENT_EVENTS)
    assert "| sanctions_level | 0 |" in text  # the record's 2016 figure
    for row in rows[len(PRESENT_OUTPUTS):]:
        shares = [float(c) for c in row.strip("|").split("|")[3:]]
        assert len(shares) == 1 + len(PRESENT_VARIANTS) and all(0 <= s <= 1 for s in shares)
