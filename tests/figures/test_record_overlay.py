"""The record overlay: observed values as tables with error bars where the record is uncertain."""

from __future__ import annotations

import math

import pytest
from matplotlib.figure import Figure

from sim.figures.record import OBSERVED_LABEL, draw_observed, observed, observed_tables
from sim.inputs.record import load_record


@pytest.fixture(scope="module")
def record():
    return load_record()


def test_uncertain_years_get_a_bar_of_the_observation_error_and_firm_ones_none(record):
    series = record.annual["russia_trade_share"]
    table = observed(record, "russia_trade_share")
    assert table.year.tolist() == series.years
    sd = series.observation.sd(True)
    for row in table.itertuples():
        assert row.value == series.values[row.year]
        assert row.uncertain == (row.year in series.uncertain_years)
        if row.uncertain:
            assert (row.low, row.high) == pytest.approx((row.value - sd, row.value + sd))
        else:
            assert row.low == row.high == row.value


def test_a_log_scale_series_gets_its_bar_back_on_the_count_scale(record):
    series = record.annual["political_prisoners_end_of_year"]
    table = observed(record, "political_prisoners").set_index("year")
    year = sorted(series.uncertain_years)[0]
    sd = series.observation.sd(True)
    value = series.values[year]
    assert table.loc[year, "low"] == pytest.approx(math.expm1(math.log1p(value) - sd))
    assert table.loc[year, "high"] == pytest.approx(math.expm1(math.log1p(value) + sd))
    assert table.loc[year, "low"] < value < table.loc[year, "high"]


def test_coded_series_have_no_error_bars_and_unmeasured_outputs_no_table(record):
    levels = observed(record, "sanctions_level")
    assert not levels.empty and (levels.low == levels.value).all() and (levels.high == levels.value).all()
    assert observed(record, "alignment").empty  # the record has no measure of alignment
    assert set(observed_tables(record, ["alignment", "crackdown"])) == {"crackdown"}


def test_draw_observed_marks_the_points_once_in_the_legend(record):
    fig = Figure()
    ax = fig.subplots()
    table = observed(record, "eu_trade_share")
    draw_observed(ax, table, years=(2015, 2020))
    draw_observed(ax, None)
    (container,) = ax.containers
    assert container.get_label() == OBSERVED_LABEL
    assert sorted(container.lines[0].get_xdata()) == [y for y in table.year if y <= 2020]
