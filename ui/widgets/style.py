"""Colours and small formatting helpers shared by pages, models and delegates.

Colours come from :mod:`ui.theme` when it is there (imported lazily: the theme belongs to the
application shell); a quiet fallback keeps widgets usable on their own (tests, screenshots).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QLabel, QWidget

from tracker.domain.standing import Standing

_FALLBACK = {
    "ACCENT": "#2563eb",
    "OK": "#15803d",
    "WARN": "#b45309",
    "RISK": "#b91c1c",
    "MUTED": "#6b7280",
}
_STATUS = {"active": "ACCENT", "completed": "OK", "dropped": "RISK", "waitlisted": "WARN"}


def colour(name: str) -> QColor:
    """A theme colour by constant name (ACCENT, OK, WARN, RISK, MUTED)."""
    try:
        from ui import theme

        value = getattr(theme, name)
    except (ImportError, AttributeError):
        value = _FALLBACK[name]
    return QColor(value)


def status_colour(status: object) -> QColor:
    """The colour of an enrollment status (active / completed / dropped / waitlisted)."""
    value = str(getattr(status, "value", status) or "").lower()
    try:
        from ui.theme import status_colour as themed

        return QColor(themed(value))
    except (ImportError, AttributeError, KeyError, ValueError, TypeError):
        return colour(_STATUS.get(value, "MUTED"))


def status_label(status: object) -> str:
    value = str(getattr(status, "value", status) or "")
    return value.capitalize()


def pct(value: float | None, *, empty: str = "—") -> str:
    return empty if value is None else f"{value:.0f}%"


def day(value: date | datetime | None, *, empty: str = "—") -> str:
    if value is None:
        return empty
    return f"{value.day} {value:%b %Y}"


def when(value: datetime | None, *, empty: str = "—") -> str:
    """A date and time as people read it: 'Mon 12 Jan, 15:30' (the year only when not this one)."""
    if value is None:
        return empty
    text = f"{value:%a} {value.day} {value:%b}"
    if value.year != datetime.now().year:
        text += f" {value.year}"
    return f"{text}, {value:%H:%M}"


def term(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return "—"
    if start and end:
        if start.year == end.year:
            return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
        return f"{day(start)} – {day(end)}"
    return f"from {day(start)}" if start else f"until {day(end)}"


def elide_text(fm: QFontMetrics, text: str, width: int) -> str:
    """``text`` if it fits ``width`` pixels, else as much of it as fits followed by "…", never
    leaving a dangling space or separator before the ellipsis ("12:40 Chess …" reads as if the
    name were "Chess"). For painted text; labels use :class:`ui.widgets.elided.ElidedLabel`."""
    if width <= 0 or fm.horizontalAdvance(text) <= width:
        return text
    cut = fm.elidedText(text, Qt.TextElideMode.ElideRight, width)
    if not cut.endswith("…"):
        return cut
    kept = cut[:-1].rstrip(" ·,;:-–—")
    return kept + "…" if kept else "…"


def set_style_flag(widget: QWidget, name: str, value: object = "true") -> None:
    """Set a theme hook property (card, heading, muted, kpi…) and re-polish the widget."""
    widget.setProperty(name, value)
    if not widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        return
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def styled_label(text: str = "", **flags: object) -> QLabel:
    """A label carrying theme style hooks, e.g. ``styled_label("Roster", heading="2")``."""
    label = QLabel(text)
    for name, value in flags.items():
        set_style_flag(label, name, value)
    return label


@cache
def standing_colour(standing: Standing) -> QColor:
    """Text colour of a standing: at risk, behind (amber), on track and completed (green), the
    rest muted — the theme colours darkened: they are made for fills, text needs more contrast."""
    name, darker = {Standing.AT_RISK: ("RISK", 115), Standing.BEHIND: ("WARN", 140),
                    Standing.ON_TRACK: ("OK", 125), Standing.COMPLETED: ("OK", 125)}.get(standing, ("MUTED", 100))
    return colour(name).darker(darker)
