"""Figures laid out by hand: legends, captions and margins placed from the measured size of each.

Matplotlib's constrained layout measured every tick label of a figure twice before drawing it, a third of a
run's drawing time (README, Speed). The figures of a run know what they hold (one chart or a grid, a title,
a legend, a caption at the bottom), so they are placed directly: the caption at the bottom edge, the legend
above it (or above the charts), and margins from the height of the title, legend and caption texts and the
width of the y tick labels as they will be drawn. Never imports the model.
"""

from __future__ import annotations

import matplotlib
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FixedFormatter

CAPTION_SIZE = 10
CAPTION_COLOUR = "#444444"
# Space around the charts, in inches.
PAD = 0.06          # figure edge to the outermost text
GAP = 0.08          # between the caption and the legend, and between texts and charts
RIGHT_MARGIN = 0.3  # half the last year's tick label, which overhangs the chart's right edge


def lay_out(fig, ax, handles, caption: str, ncol: int | None = None) -> None:
    """Place a one-chart figure: the legend (``handles``, in ``ncol`` columns; by default one row up to five
    entries, else two rows) centred below the chart, the caption under it, the title above."""
    width, height = fig.get_size_inches()
    renderer = fig.canvas.get_renderer()
    bottom = _caption_at_bottom(fig, caption, renderer)
    if handles:
        if ncol is None:
            ncol = len(handles) if len(handles) <= 5 else -(-len(handles) // 2)
        legend = _legend_that_fits(fig, renderer, handles, ncol, loc="lower center",
                                   bbox_to_anchor=(0.5, bottom / height), frameon=False, handlelength=2.4,
                                   borderaxespad=0)
        bottom += _height(legend, renderer)  # its border pad is the gap to the axis
    bottom += _x_axis_depth(bool(ax.get_xlabel()))
    top = PAD + _height(ax.title, renderer) + _points(matplotlib.rcParams["axes.titlepad"])
    left = PAD + _y_axis_width(ax, renderer)
    fig.subplots_adjust(left=left / width, right=1 - RIGHT_MARGIN / width, bottom=bottom / height,
                        top=1 - top / height)


def lay_out_grid(fig, axes, handles, ncol: int, title: str, caption: str):
    """Place a grid of charts (``axes``, rows by columns, x shared; hidden ones ignored): a legend headed by
    ``title`` across the top, the caption at the bottom, room between the charts for each column's y labels
    and each row's titles. Returns the legend."""
    width, height = fig.get_size_inches()
    renderer = fig.canvas.get_renderer()
    legend = _legend_that_fits(fig, renderer, handles, ncol, loc="upper center",
                               bbox_to_anchor=(0.5, 1 - PAD / height), frameon=False, handlelength=2.4,
                               title=title, title_fontsize=16, borderaxespad=0)
    bottom = _caption_at_bottom(fig, caption, renderer) + _x_axis_depth(True)
    shown = [ax for ax in axes.flat if ax.get_visible()]
    titled = max((_height(ax.title, renderer) for ax in shown), default=0)
    titled += _points(matplotlib.rcParams["axes.titlepad"])
    top = PAD + _height(legend, renderer) + GAP + titled
    left = [max((_y_axis_width(ax, renderer) for ax in axes[:, col] if ax.get_visible()), default=0)
            for col in range(axes.shape[1])]
    across = max(left[1:], default=0) + GAP * 2  # room between charts for the next chart's y labels
    down = titled + _points(matplotlib.rcParams["xtick.major.size"]) + GAP * 2  # for the next row's titles
    chart_width = (width - PAD - left[0] - RIGHT_MARGIN - across * (axes.shape[1] - 1)) / axes.shape[1]
    chart_height = (height - top - bottom - down * (axes.shape[0] - 1)) / axes.shape[0]
    fig.subplots_adjust(left=(PAD + left[0]) / width, right=1 - RIGHT_MARGIN / width, bottom=bottom / height,
                        top=1 - top / height, wspace=across / chart_width, hspace=down / chart_height)
    return legend


def _legend_that_fits(fig, renderer, handles, ncol: int, **options):
    """A figure legend in ``ncol`` columns, or in more rows when that is wider than the figure (a long entry,
    such as the record's, pushed the legend's ends off the page)."""
    room = (fig.get_size_inches()[0] - 2 * PAD) * renderer.dpi
    rows = -(-len(handles) // ncol)
    while True:
        legend = fig.legend(handles=handles, ncol=ncol, **options)
        if ncol == 1 or legend.get_window_extent(renderer).width <= room:
            return legend
        legend.remove()
        rows += 1
        ncol = -(-len(handles) // rows)


def _height(artist, renderer) -> float:
    """An artist's height in inches, as drawn."""
    return artist.get_window_extent(renderer).height / renderer.dpi


def _points(value: float) -> float:
    return float(value) / 72


def _caption_at_bottom(fig, caption: str, renderer) -> float:
    """The caption centred at the bottom edge; returns the inches it takes from the bottom, gap included."""
    text = fig.supxlabel(caption, fontsize=CAPTION_SIZE, color=CAPTION_COLOUR, y=PAD / fig.get_size_inches()[1],
                         va="bottom")
    return PAD + _height(text, renderer) + GAP


def _x_axis_depth(labelled: bool) -> float:
    """Inches below a chart taken by the year ticks and their labels, and the axis label when there is one."""
    rc = matplotlib.rcParams
    depth = _points(rc["xtick.major.size"] + rc["xtick.major.pad"]) + _line_height(rc["xtick.labelsize"])
    if labelled:
        depth += _points(rc["axes.labelpad"]) + _line_height(rc["axes.labelsize"])
    return depth


def _line_height(size) -> float:
    return _points(FontProperties(size=size).get_size_in_points() * 1.2)


def _y_axis_width(ax, renderer) -> float:
    """Inches left of a chart taken by its y tick labels (the ones its locator and formatter will draw) and
    its y label."""
    rc = matplotlib.rcParams
    formatter = ax.yaxis.get_major_formatter()
    if isinstance(formatter, FixedFormatter):
        labels = [t for t in formatter.seq if t]
    else:
        labels = [t for t in formatter.format_ticks(ax.yaxis.get_majorticklocs()) if t]
    font = FontProperties(size=rc["ytick.labelsize"])
    widest = max((renderer.get_text_width_height_descent(t, font, ismath=False)[0] for t in labels), default=0)
    width = widest / renderer.dpi + _points(rc["ytick.major.size"] + rc["ytick.major.pad"])
    if ax.get_ylabel():
        lines = ax.get_ylabel().count("\n") + 1
        width += _points(rc["axes.labelpad"]) + lines * _line_height(rc["axes.labelsize"])
    return width
