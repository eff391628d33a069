"""The one colour palette, read by the figures, the report's style sheet and the web app.

Colours are the Okabe-Ito palette (Okabe and Ito 2008, "Color Universal Design"): safe for the common
colour-vision deficiencies. Meanings are fixed once: Russia and a step East are vermillion, the EU
and a step West are blue, everywhere.
"""

from __future__ import annotations

# Okabe-Ito colours.
BLACK, ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE = (
    "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
GREY = "#C8C8C8"

EAST = VERMILLION  # Russia, a step East
WEST = BLUE  # the EU, a step West
FAN = BLUE
EVENT = "#333333"
ELECTION = "#B0B0B0"
# Lines of compared scenarios: colour and line style, so that they survive a greyscale printer.
SCENARIO_STYLES = [(BLUE, "-"), (VERMILLION, "--"), (GREEN, "-."), (PURPLE, ":"), (ORANGE, "-"),
                   (SKY, "--"), (BLACK, "-."), (YELLOW, ":")]

# Trade partners, keyed by the output that holds their share.
PARTNER_COLOURS = {
    "russia_trade_share": EAST,
    "eu_trade_share": WEST,
    "ukraine_trade_share": YELLOW,
    "china_trade_share": PURPLE,
    "other_trade_share": GREY,
}
# EU sanctions levels 0, 1, 2: pale cream, then mid to dark blue. "None" is not a light blue: the fans' 90% band
# (blue at 18% over white, #D1E6F1) is one, and the two stood side by side in the overview's legend.
SANCTIONS_COLOURS = {0: "#F3ECD6", 1: "#6D9BC3", 2: "#1C3F66"}

# Text on white (darker than the line colours, for contrast >= 4.5:1).
INK = "#1D2433"
MUTED = "#5B6475"
LINE = "#D9DEE7"
SOFT = "#F4F6F9"
POSITIVE_TEXT = "#00795A"
NEGATIVE_TEXT = "#B4420A"


def css_variables() -> str:
    """The palette as CSS custom properties, for the report's and the web app's style sheets."""
    names = {"ink": INK, "muted": MUTED, "line": LINE, "soft": SOFT, "blue": BLUE, "red": NEGATIVE_TEXT,
             "green": POSITIVE_TEXT, "east": EAST, "west": WEST}
    return ":root { " + " ".join(f"--{k}:{v};" for k, v in names.items()) + " }"
