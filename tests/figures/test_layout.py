"""Hand layout of the run figures: the legend stays on the page and above the caption."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.figures.layout import lay_out


def test_a_legend_too_wide_for_one_row_takes_more_rows_and_stays_on_the_page():
    fig = Figure(figsize=(10, 6.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([2015, 2030], [0, 1])
    ax.set_title("a chart")
    ax.set_xlabel("year")
    handles = [Line2D([], [], label=f"entry {i} with a fairly long explanation of what it shows") for i in range(5)]
    lay_out(fig, ax, handles, "a caption")
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    assert page.x0 <= box.x0 and box.x1 <= page.x1, (box, page)
    caption = fig._supxlabel.get_window_extent(renderer)
    chart = ax.get_window_extent(renderer)
    assert caption.y1 <= box.y0 and box.y1 <= chart.y0  # caption, then legend, then the chart
