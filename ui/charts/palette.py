"""The colours of every chart: the Okabe–Ito palette, and the standing colours of the tables.

Okabe & Ito chose eight colours that stay apart for the common kinds of colour blindness; a
chart takes its series colours from them in one fixed order (:func:`series_colour`), so the
first activity is blue on every chart. A standing is drawn in the theme colour the tables use
for it (:mod:`ui.widgets.style`), so a chart's "at risk" is the roster's "at risk".
"""

from __future__ import annotations

from tracker.domain.standing import Standing
from ui.widgets.style import colour

# --- Okabe–Ito (Okabe & Ito 2008, "Color Universal Design") -------------------------------------
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"

OKABE_ITO = (BLACK, ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE)

#: the order series take their colours in: the theme's own chart order (blue, orange, green,
#: vermillion, sky blue, purple), then black; yellow last, as it is faint on white
SERIES_ORDER = (BLUE, ORANGE, BLUISH_GREEN, VERMILLION, SKY_BLUE, REDDISH_PURPLE, BLACK, YELLOW)

#: lines that are not data (the expected-progress line, a target) and "none" standings
REFERENCE = "#5f6b7a"


def series_colour(index: int) -> str:
    """The colour of the ``index``-th series (wrapping round after eight)."""
    return SERIES_ORDER[index % len(SERIES_ORDER)]


def standing_colour(standing: Standing) -> str:
    """The fill colour of a standing, from the theme the tables use: on track green (OK), behind
    orange (WARN), at risk vermillion (RISK). Tables write "completed" in the same green as "on
    track"; a stacked chart must tell the two apart, so completed is that green darkened."""
    if standing is Standing.COMPLETED:
        return colour("OK").darker(150).name()
    name = {Standing.ON_TRACK: "OK", Standing.BEHIND: "WARN", Standing.AT_RISK: "RISK"}.get(standing)
    return colour(name).name() if name else REFERENCE
