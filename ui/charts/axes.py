"""How a chart's values read: ticks of dates and categories that never crowd, numbers and dates
in tooltips, tables and copied data.

Plain functions (no pyqtgraph): the chart, its table and its tests share them, so the tooltip,
the table and the clipboard say the same number.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtGui import QFontMetrics

from ui.widgets.style import day, elide_text

MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKLY_UP_TO = timedelta(days=63)  # a shorter range gets a tick a week, a longer one a month
WEEKS_UP_TO = timedelta(days=120)  # a chart of weekly values: ticks on Mondays over a term
TICK_ROOM = 72  # pixels a date label needs, with air: the chart's width decides how many fit
CATEGORY_GAP = 6  # pixels between two category labels

XValue = float | date  # a number, a category's index, or a date (a datetime is a date)


def time_ticks(start: datetime, end: datetime, most: int = 8, *,
               weekly_up_to: timedelta = WEEKLY_UP_TO) -> list[tuple[float, str]]:
    """At most ``most`` ticks from ``start`` to ``end``: Mondays ("3 Nov"; every week, or every
    second…fourth) over a range up to ``weekly_up_to``, else 1sts of months ("Nov"; the year on the first tick and
    on January, on every tick when a month name could come round again), every 1, 2, 3, 6 or 12
    months. No two ticks read alike."""
    if end <= start:
        return []
    most = max(most, 2)
    monday = datetime(start.year, start.month, start.day) + timedelta(days=(7 - start.weekday()) % 7)
    weeks = (end - monday).days // 7 + 1
    week_step = next((n for n in (1, 2, 3, 4) if -(-weeks // n) <= most), None)
    if end - start <= weekly_up_to and week_step is not None:
        days = [monday + timedelta(weeks=w) for w in range(0, weeks, week_step)]
        return [(d.timestamp(), f"{d.day} {MONTHS[d.month]}") for d in days if d <= end]
    index = start.year * 12 + start.month - 1 + (start.day > 1)  # months since year 0: the first 1st
    months = end.year * 12 + end.month - index
    step = next((n for n in (1, 2, 3, 6) if -(-months // n) <= most), 12)
    always_year = months > 12  # a month name could come round again
    ticks: list[tuple[float, str]] = []
    while (first := datetime(index // 12, index % 12 + 1, 1)) <= end:
        label = MONTHS[first.month] + (f" {first.year}" if always_year or not ticks or first.month == 1 else "")
        ticks.append((first.timestamp(), label))
        index += step
    return ticks


def category_ticks(names: tuple[str, ...], room: float, fm: QFontMetrics, *,
                   edge: float = 0.0) -> list[tuple[float, str]]:
    """A tick per category at its index, each label elided to the ``room`` pixels a category
    gets; when even a few letters would not fit, every second (third…) category is labelled
    with the room of the ones between. The first and last labels reach at most ``edge`` pixels
    beyond the axis. The full names are in the hover tooltip."""
    if not names:
        return []
    least = fm.horizontalAdvance("Abcd…") + CATEGORY_GAP
    step = 1
    while step < len(names) and room * step < least:
        step += 1
    last = len(names) - 1
    return [(float(i), elide_text(fm, names[i], int(min(room * step, (2 * min(i, last - i) + 1) * room + 2 * edge))
                                  - CATEGORY_GAP))
            for i in range(0, len(names), step)]


def to_x(value: XValue) -> float:
    """Where a value sits on the x axis: dates as POSIX seconds (local midnight), as the date
    ticks and pyqtgraph count them."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).timestamp()
    return float(value)


def number_text(value: float, *, precise: bool = False) -> str:
    """A value as a person reads it: whole numbers without decimals, others to two places at
    most ("86.5", "1,204"); ``precise`` for copied data: all significant digits, no separators."""
    if precise:
        return f"{value:.10g}"
    rounded = round(value, 2)
    if rounded == int(rounded):
        return f"{int(rounded):,}"
    return f"{rounded:,.2f}".rstrip("0")


def with_unit(text: str, unit: str) -> str:
    """"86.5 %", "12 students"; just the number without a unit."""
    return f"{text} {unit}" if unit else text


def axis_title(label: str, unit: str) -> str:
    """An axis label with its unit in brackets, unless the label already names it."""
    if not unit or unit.lower() in label.lower():
        return label
    return f"{label} ({unit})" if label else unit


def date_text(value: XValue, *, iso: bool = False) -> str:
    """A date as people read it ("3 Nov 2026"), or ISO for copied data; a number is taken as
    POSIX seconds."""
    when = value if isinstance(value, date) else datetime.fromtimestamp(float(value))
    return when.strftime("%Y-%m-%d") if iso else day(when)
