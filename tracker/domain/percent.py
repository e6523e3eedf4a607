"""Percentages as people read them, never contradicting the rule they are compared with.

A rate of 69.8% shown as "70%" next to "below 70%" reads as a mistake. Every screen, report and
reason that shows a percentage next to a threshold formats it with
:func:`format_percent_against`: a whole percent as usual, and one decimal, rounded towards the
side of the threshold the value is really on, only where the whole number would say otherwise
(69.8 → "69.8%", 74.96 → "74.9%" against 75; 69.4 → "69%"). A percentage shown on its own uses
:func:`format_percent`, which rounds exactly as the rest of the interface does (``f"{x:.0f}"``),
so the same value reads the same everywhere.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

_TENTH = Decimal("0.1")


def format_percent(value: float) -> str:
    """A whole percent: ``66.7`` → ``"67%"``."""
    return f"{value:.0f}%"


def format_threshold(threshold: float) -> str:
    """A rule's threshold as it is set: ``75`` → ``"75%"``, ``72.5`` → ``"72.5%"``."""
    text = f"{threshold:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def format_percent_against(value: float, threshold: float) -> str:
    """``value`` as a percent that stays on its own side of ``threshold``.

    Whole when rounding keeps it there; otherwise one decimal rounded towards that side (down
    when the value is below, up when it is not), so "below" is never shown with an equal or
    higher number and "not below" never with a lower one."""
    below = value < threshold
    if (float(f"{value:.0f}") < threshold) == below:
        return format_percent(value)
    shown = Decimal(repr(float(value))).quantize(_TENTH, ROUND_FLOOR if below else ROUND_CEILING)
    return f"{shown}%"
