"""The observed record on the fan and compare charts of run folders (sim/figures/evidence.py overlay_record)."""

from __future__ import annotations

from matplotlib.figure import Figure

from sim.figures.evidence import overlay_record


def test_overlay_draws_only_the_years_shown():
    ax = Figure().add_subplot(1, 1, 1)
    handle = overlay_record(ax, "russia_trade_share", (2020, 2030))
    assert handle is not None and "observed" in handle.get_label()
    (points,) = [c for c in ax.containers]
    assert list(points.lines[0].get_xdata()) == [2020, 2021, 2022, 2023, 2024]
    assert overlay_record(Figure().add_subplot(1, 1, 1), "alignment", (2015, 2030)) is None
    assert overlay_record(Figure().add_subplot(1, 1, 1), "russia_trade_share", (2026, 2030)) is None
