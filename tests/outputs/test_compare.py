"""Scenario comparison tables: numbers, common years, notes and the text layout."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.outputs.compare import HEADLINE, default_years, difference_table, format_table, notes, unique_names


@pytest.fixture(scope="module")
def baseline():
    return sim.run("scenarios/baseline.yaml", replicates=50, end_year=2022)


@pytest.fixture(scope="module")
def unrest():
    return sim.run("scenarios/unrest_shock.yaml", replicates=40)


def _summary_value(result, output, year, stat):
    s = result.summary
    return float(s[(s["output"] == output) & (s["year"] == year)][stat].iloc[0])


def test_default_years_uses_only_common_years(baseline, unrest):
    years = default_years([baseline, unrest])
    assert years == [2015, 2019, 2022]
    assert set(years) <= set(baseline.years) & set(unrest.years)
    assert default_years([unrest]) == [2015, 2023, 2030]


def test_default_years_are_unique_for_short_runs():
    short = sim.run("scenarios/baseline.yaml", replicates=5, end_year=2016)
    assert default_years([short]) == [2015, 2016]


def test_difference_table_numbers_match_the_summaries(baseline, unrest):
    table = difference_table([baseline, unrest])
    assert list(table.columns[:2]) == ["output", "year"]
    for stat in ("p50", "p05", "p95"):
        assert f"baseline:{stat}" in table.columns and f"unrest_shock:{stat}" in table.columns
    assert len(table) == len(HEADLINE) * 3
    assert list(table["output"].unique()) == HEADLINE
    diff = table["diff:unrest_shock-baseline"]
    np.testing.assert_allclose(diff, table["unrest_shock:p50"] - table["baseline:p50"])
    for _, row in table.iterrows():
        for name, result in (("baseline", baseline), ("unrest_shock", unrest)):
            for stat in ("p50", "p05", "p95"):
                assert row[f"{name}:{stat}"] == pytest.approx(
                    _summary_value(result, row["output"], row["year"], stat))
    # the 2020 protests show up where they should
    row = table[(table["output"] == "unrest") & (table["year"] == 2022)].iloc[0]
    assert row["diff:unrest_shock-baseline"] == pytest.approx(
        _summary_value(unrest, "unrest", 2022, "p50") - _summary_value(baseline, "unrest", 2022, "p50"))


def test_difference_table_with_explicit_years_and_outputs(baseline, unrest):
    table = difference_table([baseline, unrest], years=[2020, 2025], outputs=["alignment"])
    assert list(table["year"]) == [2020, 2025]
    later = table[table["year"] == 2025].iloc[0]
    assert np.isnan(later["baseline:p50"])  # baseline stops in 2022
    assert not np.isnan(later["unrest_shock:p50"])


def test_repeated_names_are_disambiguated(baseline):
    assert unique_names([baseline, baseline, baseline]) == ["baseline", "baseline#2", "baseline#3"]
    table = difference_table([baseline, baseline], outputs=["unrest"])
    assert "baseline#2:p50" in table.columns
    assert (table["diff:baseline#2-baseline"] == 0).all()


def test_notes_mention_horizon_replicates_and_seeds(baseline, unrest):
    lines = notes([baseline, unrest])
    text = "\n".join(lines)
    assert "baseline runs 2015-2022" in text and "unrest_shock runs 2015-2030" in text
    assert "years both cover" in text
    assert "50" in text and "40" in text and "replicate" in text
    # Same seed but different replicate counts: the worlds do NOT share their random draws (ODD 4.9).
    assert "common random numbers" not in text
    same_draws = sim.run("scenarios/unrest_shock.yaml", replicates=50, end_year=2022)
    assert "common random numbers" in "\n".join(notes([baseline, same_draws]))
    other_seed = sim.run("scenarios/unrest_shock.yaml", replicates=50, end_year=2022, seed=7)
    assert notes([baseline, other_seed]) == []


def test_format_table_is_readable(baseline, unrest):
    table = difference_table([baseline, unrest])
    text = format_table(table)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "baseline" in lines[0] and "unrest_shock" in lines[0] and "diff" in lines[0]
    assert any(line.startswith("alignment") for line in lines)
    median = _summary_value(unrest, "russia_trade_share", 2022, "p50")
    assert f"{median:.3f}" in text


def test_format_table_wraps_many_scenarios_into_blocks(baseline, unrest):
    results = [baseline, unrest, unrest, unrest, unrest]
    text = format_table(difference_table(results, outputs=["alignment"]))
    assert max(len(line) for line in text.splitlines()) <= 100
    headers = [line for line in text.splitlines() if line.startswith("year")]
    assert len(headers) >= 2 and all("baseline" in h for h in headers)
    for name in ("unrest_shock#2", "unrest_shock#3", "unrest_shock#4"):
        assert name in text


def test_the_run_summary_never_runs_two_cells_together(baseline):
    """Wide cells (negative medians with long bands) widen their column: every row still reads as a name and
    one cell per year, two spaces apart at least, under the year it belongs to."""
    import re
    from types import SimpleNamespace

    from sim.outputs.compare import run_summary_text

    summary = baseline.summary.copy()
    wide = summary["output"] == "alignment"
    summary.loc[wide, ["p50", "p05", "p95"]] = [-0.263, -0.39345, -0.0034417]
    shown = SimpleNamespace(**{k: getattr(baseline, k) for k in ("years", "scenario", "replicates", "seed",
                                                                   "parameter_uncertainty")}, summary=summary)
    text = run_summary_text(shown)
    header, *lines = text.splitlines()[2:]  # after the title and the replicates line
    ends = [m.end() for m in re.finditer(r"\d{4}", header)]
    assert len(ends) == 3
    for line in lines:
        cells = re.split(r" {2,}", line.strip())
        assert len(cells) == 4, line
        assert all(line[:end].rstrip() == line[:end] for end in ends), line  # each cell ends under its year
    assert "-0.263 [-0.393, -0.00344]" in text
