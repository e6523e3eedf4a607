"""The analytics page's filters: the period (a preset or dates), category, grade and lead teacher,
remembered per user.

Presets are kept as presets, not as the dates they meant when chosen: "This term" saved in
November still means this term in February. The school year starts on 1 September and has the
usual three terms (September–December, January–March, April–August). The date fields always
show the range in use; editing one switches to custom dates, and a field left at "Any date"
leaves that end open. Filters are stored in the user's preferences (``ui.dialogs.app_settings``)
under ``analytics/<username>/``, so people sharing a computer each find their own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import quote

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QComboBox, QDateEdit, QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from tracker.domain.analytics_types import FilterChoices
from ui.dialogs import app_settings
from ui.widgets.elided_combo import ElidedComboBox

SCHOOL_YEAR_STARTS = 9  # September
TERM_STARTS = (1, 4, 9)  # January, April, September
LAST_DAYS = 30
ANY_DATE = QDate(2000, 1, 1)  # the date fields' "Any date"
DATE_FORMAT = "d MMM yyyy"
COMBO_WIDEST = 180  # pixels a filter combo may take: longer names are elided
COMBO_CHROME = 64  # pixels of a combo besides its text: frame, padding, arrow, the elision's margin


class Period(enum.StrEnum):
    SCHOOL_YEAR = "year"
    TERM = "term"
    LAST_30_DAYS = "30d"
    ALL = "all"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return {"year": "This school year", "term": "This term", "30d": f"Last {LAST_DAYS} days",
                "all": "All time", "custom": "Custom dates"}[self.value]


def school_year(today: date) -> tuple[date, date]:
    first = date(today.year if today.month >= SCHOOL_YEAR_STARTS else today.year - 1, SCHOOL_YEAR_STARTS, 1)
    return first, date(first.year + 1, SCHOOL_YEAR_STARTS, 1) - timedelta(days=1)


def term(today: date) -> tuple[date, date]:
    month = max(m for m in TERM_STARTS if m <= today.month)
    following = [m for m in TERM_STARTS if m > month]
    end = date(today.year, following[0], 1) if following else date(today.year + 1, TERM_STARTS[0], 1)
    return date(today.year, month, 1), end - timedelta(days=1)


@dataclass(frozen=True)
class AnalyticsFilters:
    """What the page is narrowed to; ``start``/``end`` matter for custom dates only."""

    period: Period = Period.SCHOOL_YEAR
    start: date | None = None
    end: date | None = None
    category: str | None = None
    grade: str | None = None
    lead_id: int | None = None

    def dates(self, today: date) -> tuple[date | None, date | None]:
        """The date range the period means on ``today`` (None: open)."""
        if self.period is Period.SCHOOL_YEAR:
            return school_year(today)
        if self.period is Period.TERM:
            return term(today)
        if self.period is Period.LAST_30_DAYS:
            return today - timedelta(days=LAST_DAYS - 1), today
        if self.period is Period.CUSTOM:
            return self.start, self.end
        return None, None


DEFAULT = AnalyticsFilters()
FIELDS = ("period", "start", "end", "category", "grade", "lead_id")


def _prefix(username: str) -> str:
    return f"analytics/{quote(username, safe='')}/"


def load_filters(username: str) -> AnalyticsFilters:
    """The user's last filters (the defaults for anything missing or unreadable)."""
    prefs, prefix = app_settings(), _prefix(username)
    raw = {k: str(prefs.value(prefix + k, "") or "") for k in FIELDS}

    def day(text: str) -> date | None:
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    return AnalyticsFilters(
        period=Period(raw["period"]) if raw["period"] in set(Period) else DEFAULT.period,
        start=day(raw["start"]), end=day(raw["end"]),
        category=raw["category"] or None, grade=raw["grade"] or None,
        lead_id=int(raw["lead_id"]) if raw["lead_id"].isdigit() else None)


def save_filters(username: str, f: AnalyticsFilters) -> None:
    prefs, prefix = app_settings(), _prefix(username)
    values = (f.period.value, f.start.isoformat() if f.start else "", f.end.isoformat() if f.end else "",
              f.category or "", f.grade or "", str(f.lead_id) if f.lead_id is not None else "")
    for key, value in zip(FIELDS, values, strict=True):
        prefs.setValue(prefix + key, value)


def _qdate(value: date | None) -> QDate:
    return QDate(value.year, value.month, value.day) if value else ANY_DATE


def _pydate(value: QDate) -> date | None:
    return None if value <= ANY_DATE else date(value.year(), value.month(), value.day())


class FilterBar(QWidget):
    """Period, dates, category, grade, lead teacher and Reset, on one row when they fit and on
    two otherwise. ``changed`` carries the filters after each change the user makes."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = date.today()
        self._filters = DEFAULT
        self._quiet = False
        self.period = QComboBox()
        for p in Period:
            self.period.addItem(p.label, p)
        self._name(self.period, "Period", "The period the figures cover (the school year starts in September)")
        self.period.currentIndexChanged.connect(self._period_chosen)
        self.start_edit, self.end_edit = QDateEdit(), QDateEdit()
        for edit, name in ((self.start_edit, "From"), (self.end_edit, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setMinimumDate(ANY_DATE)
            edit.setSpecialValueText("Any date")
            self._name(edit, name, f"{name} this day (custom dates); \"Any date\" leaves it open")
            edit.dateChanged.connect(self._date_edited)
        self.category, self.grade, self.lead = ElidedComboBox(), ElidedComboBox(), ElidedComboBox()
        for combo, name in ((self.category, "Category"), (self.grade, "Grade"), (self.lead, "Lead teacher")):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMaximumWidth(COMBO_WIDEST)
            combo.setAccessibleName(f"{name} filter")
            combo.currentIndexChanged.connect(self._choice_made)
        self.reset_button = QPushButton("Reset")
        self._name(self.reset_button, "Reset filters", "Back to this school year, every category, grade and lead")
        self.reset_button.clicked.connect(self.reset)

        self.when = self._row(self.period, self.start_edit, QLabel("–"), self.end_edit)
        self.what = self._row(self.category, self.grade, self.lead, self.reset_button)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(6)
        self.grid.addWidget(self.when, 0, 0)
        self.grid.addWidget(self.what, 0, 1)
        self.grid.setColumnStretch(2, 1)
        self.two_rows = False
        self.set_choices(FilterChoices())
        # the bar may get narrower than one row of everything: then it takes two
        self.setMinimumWidth(max(self.when.minimumSizeHint().width(), self.what.minimumSizeHint().width()))
        self._show(DEFAULT)

    @staticmethod
    def _name(widget: QWidget, name: str, tip: str) -> None:
        widget.setAccessibleName(name)
        widget.setToolTip(tip)

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        for w in widgets:
            lay.addWidget(w)
        lay.addStretch(1)  # on two rows, the shorter one keeps its natural widths
        return row

    # ------------------------------------------------------------------ state
    def filters(self) -> AnalyticsFilters:
        return self._filters

    def set_filters(self, f: AnalyticsFilters) -> None:
        """Show ``f`` (nothing is emitted)."""
        self._filters = f
        self._show(f)

    def set_choices(self, choices: FilterChoices) -> None:
        """What the combos offer (the current filters stay selected when offered)."""
        self._quiet = True
        try:
            for combo, everything, items in (
                    (self.category, "All categories", [(c, c) for c in choices.categories]),
                    (self.grade, "All grades", [(f"Grade {g}" if g.isdigit() else g, g) for g in choices.grades]),
                    (self.lead, "All leads", [(name, lead_id) for lead_id, name in choices.leads])):
                combo.clear()
                combo.addItem(everything, None)
                for text, value in items:
                    combo.addItem(text, value)
                widest = max(combo.fontMetrics().horizontalAdvance(combo.itemText(i)) for i in range(combo.count()))
                combo.setMinimumWidth(min(widest + COMBO_CHROME, COMBO_WIDEST))
        finally:
            self._quiet = False
        self._show(self._filters)
        self._fit_rows(self.width())

    def offered(self, f: AnalyticsFilters) -> AnalyticsFilters:
        """``f`` without a category, grade or lead the combos no longer offer (renamed, gone)."""
        def kept(combo: QComboBox, value: object) -> bool:
            return value is None or combo.findData(value) >= 0

        return replace(f, category=f.category if kept(self.category, f.category) else None,
                       grade=f.grade if kept(self.grade, f.grade) else None,
                       lead_id=f.lead_id if kept(self.lead, f.lead_id) else None)

    def _show(self, f: AnalyticsFilters) -> None:
        self._quiet = True
        try:
            self.period.setCurrentIndex(self.period.findData(f.period))
            start, end = f.dates(self.today)
            self.start_edit.setDate(_qdate(start))
            self.end_edit.setDate(_qdate(end))
            for combo, value in ((self.category, f.category), (self.grade, f.grade), (self.lead, f.lead_id)):
                combo.setCurrentIndex(max(combo.findData(value), 0) if value is not None else 0)
        finally:
            self._quiet = False

    # ------------------------------------------------------------------ edits
    def _emit(self, f: AnalyticsFilters) -> None:
        self._filters = f
        self._show(f)
        self.changed.emit(f)

    def _period_chosen(self, _index: int) -> None:
        if self._quiet:
            return
        period = self.period.currentData()
        start, end = self._filters.dates(self.today)  # custom dates start from the range shown
        self._emit(replace(self._filters, period=period, start=start, end=end))

    def _date_edited(self, _value: QDate) -> None:
        if self._quiet:
            return
        start, end = _pydate(self.start_edit.date()), _pydate(self.end_edit.date())
        if start and end and end < start:  # the other end follows the one moved
            start, end = (start, start) if self.sender() is self.start_edit else (end, end)
        self._emit(replace(self._filters, period=Period.CUSTOM, start=start, end=end))

    def _choice_made(self, _index: int) -> None:
        if self._quiet:
            return
        self._emit(replace(self._filters, category=self.category.currentData(), grade=self.grade.currentData(),
                           lead_id=self.lead.currentData()))

    def reset(self) -> None:
        self._emit(DEFAULT)

    # ------------------------------------------------------------------ layout
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_rows(event.size().width())

    def _fit_rows(self, width: int) -> None:
        """One row when the filters fit ``width`` side by side, else two."""
        needed = self.when.sizeHint().width() + self.grid.horizontalSpacing() + self.what.sizeHint().width()
        two_rows = needed > width
        if two_rows != self.two_rows:
            self.two_rows = two_rows
            self.grid.removeWidget(self.what)
            self.grid.addWidget(self.what, *((1, 0) if two_rows else (0, 1)))
