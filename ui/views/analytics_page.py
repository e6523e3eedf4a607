"""The Analytics page: which activities work? The school's figures (an administrator's whole
school, a teacher's own activities: the service scopes them) as charts and one sortable table.

Filters on top (period, category, grade, lead teacher; remembered per user: see
:mod:`ui.views.analytics_filters`), then a scrolling grid of charts (two columns on a wide page,
one otherwise; each chart keeps a readable height rather than being squashed) and the
effectiveness table, one row per activity, exported as CSV or XLSX in the background. A
double-click (or Enter) on a row opens that activity's page. The figures are read in the
background through a :class:`~ui.reload.Reloader` and turned into chart data there too
(:mod:`ui.charts.school`), so the GUI thread only draws; any change to attendance, progress,
milestones, enrollments or activities reloads the page when it is on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.analytics_types import SchoolAnalytics
from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Permission
from tracker.reports.effectiveness_export import write_effectiveness
from ui.charts.base import ChartData, ChartPanel
from ui.charts.school import is_narrowed, school_charts, why_empty
from ui.context import AppContext
from ui.models.effectiveness import EffectivenessModel
from ui.ops import ReadOp
from ui.reload import Reloader
from ui.tasks import TaskState, show_error
from ui.views.analytics_filters import AnalyticsFilters, FilterBar, load_filters, save_filters
from ui.views.base import Page
from ui.widgets import EmptyState, apply_widths, make_table
from ui.widgets.column_fit import fit_columns
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import day, set_style_flag, styled_label

CHARTS = 7  # as many as ui.charts.school.school_charts makes (show_loaded checks)
CHART_HEIGHT = 290  # pixels a chart keeps however small the window: the page scrolls instead
TWO_COLUMNS_FROM = 1200  # page widths from which the charts stand two abreast
TABLE_ROWS_SHOWN = 14  # rows the table shows before it scrolls itself
EXPORT_FILTERS = {
    "Excel workbook (*.xlsx)": (".xlsx", True),
    "CSV for Excel: UTF-8 with byte-order mark (*.csv)": (".csv", True),
    "CSV: plain UTF-8 (*.csv)": (".csv", False),
}


@dataclass(frozen=True)
class Loaded:
    """One background load: the figures and the charts drawn from them."""

    analytics: SchoolAnalytics
    charts: tuple[ChartData, ...]
    filters: AnalyticsFilters


def load_analytics(ctx: AppContext, f: AnalyticsFilters, today: date) -> Callable[[TaskState], Loaded]:
    """The page's read, for a pool thread: the service's figures for ``f`` and their charts."""
    service, actor = ctx.services.analytics, ctx.user
    start, end = f.dates(today)

    def load(state: TaskState) -> Loaded:
        a = service.school_analytics(actor, start=start, end=end, category=f.category, grade=f.grade,
                                     lead_id=f.lead_id)
        return Loaded(a, school_charts(a), f)

    return load


class AnalyticsPage(Page):
    title = "Analytics"
    watches = frozenset({ChangeKind.ATTENDANCE, ChangeKind.PROGRESS, ChangeKind.MILESTONE, ChangeKind.ENROLLMENT,
                         ChangeKind.ACTIVITY, ChangeKind.SESSION, ChangeKind.USER})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.analytics: SchoolAnalytics | None = None
        self.username = ctx.user.username
        self.reloader: Reloader[Loaded] = Reloader(ctx, self._load, self.show_loaded, self._failed,
                                                   label="Loading analytics")
        self.filter_bar = FilterBar()
        self.filter_bar.set_filters(load_filters(self.username))
        self.filter_bar.changed.connect(self._filters_changed)
        self.summary = ElidedLabel("Loading…")
        set_style_flag(self.summary, "muted")

        made = [self._card() for _ in range(CHARTS)]
        self.cards = [card for card, _panel in made]
        self.panels = [panel for _card, panel in made]
        self.chart_grid = QGridLayout()
        self.chart_grid.setSpacing(12)
        self.columns = 0

        self.model = EffectivenessModel(self)
        m = EffectivenessModel
        self.table = make_table({i: c.width for i, c in enumerate(m.columns)})
        self.table.setModel(self.model)
        apply_widths(self.table)
        self.column_fit = fit_columns(self.table, stretch=m.ACTIVITY, minimum=140,
                                      drop=(m.RETENTION, m.CATEGORY, m.LEADS))
        self.table.setAccessibleName("Effectiveness of the activities")
        self.table.sortByColumn(m.ACTIVITY, Qt.SortOrder.AscendingOrder)
        self.table.activated.connect(lambda index: self.open_activity(self.model.activity_id(index.row())))
        self.table_empty = EmptyState()
        self.table_stack = QStackedWidget()
        self.table_stack.addWidget(self.table)
        self.table_stack.addWidget(self.table_empty)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the table as an Excel workbook or a CSV file")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.ask_export)
        self.export_status = ElidedLabel("")
        set_style_flag(self.export_status, "muted")

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self._content())
        self.scroll_area.viewport().installEventFilter(self)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 0)
        lay.setSpacing(10)
        head = QHBoxLayout()
        head.addWidget(styled_label("Analytics", heading="1"))
        head.addWidget(self.summary, 1, Qt.AlignmentFlag.AlignBottom)
        self.records_button = QPushButton("Export records…")
        self.records_button.setToolTip("The records of the school or an activity: Excel, CSV, PDF report or archive")
        self.records_button.clicked.connect(self.export_records)
        head.addWidget(self.records_button, 0, Qt.AlignmentFlag.AlignBottom)
        lay.addLayout(head)
        lay.addWidget(self.filter_bar)
        lay.addWidget(self.scroll_area, 1)
        self._place_charts(1)

    @staticmethod
    def _card() -> tuple[QFrame, ChartPanel]:
        """A card holding a chart panel, made inside it (a panel made first and then moved
        into the card is re-parented with all its widgets: a few ms a chart)."""
        card = QFrame()
        set_style_flag(card, "card")
        card.setFixedHeight(CHART_HEIGHT)
        lay = QVBoxLayout(card)
        lay.setContentsMargins(8, 6, 8, 6)
        panel = ChartPanel(ChartData("", "", "", (), empty_reason="Loading…"), card)
        lay.addWidget(panel)
        return card, panel

    def _content(self) -> QWidget:
        content = QWidget()
        lay = QVBoxLayout(content)
        lay.setContentsMargins(0, 0, 0, 16)
        lay.setSpacing(12)
        lay.addLayout(self.chart_grid)
        head = QHBoxLayout()
        head.addWidget(styled_label("Effectiveness", heading="2"))
        head.addWidget(self.export_status, 1)
        head.addWidget(self.export_button)
        lay.addLayout(head)
        lay.addWidget(self.table_stack)
        lay.addStretch(1)
        return content

    # ------------------------------------------------------------------ layout
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.scroll_area.viewport() and event.type() == QEvent.Type.Resize:
            self._place_charts(2 if self.scroll_area.viewport().width() >= TWO_COLUMNS_FROM else 1)
        return False

    def _place_charts(self, columns: int) -> None:
        """The charts in ``columns`` columns; an odd one out at the end takes the whole row."""
        if columns == self.columns:
            return
        self.columns = columns
        for card in self.cards:
            self.chart_grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            last_alone = columns == 2 and i == len(self.cards) - 1 and len(self.cards) % 2
            self.chart_grid.addWidget(card, i // columns, i % columns, 1, 2 if last_alone else 1)
        for c in range(2):
            self.chart_grid.setColumnStretch(c, 1 if c < columns else 0)

    def _fit_table(self) -> None:
        """As tall as its rows, up to ``TABLE_ROWS_SHOWN`` (then it scrolls inside the page)."""
        rows = min(max(self.model.rowCount(), 1), TABLE_ROWS_SHOWN)
        height = (self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth() + 2
                  + rows * self.table.verticalHeader().defaultSectionSize())
        self.table_stack.setFixedHeight(height if self.model.rowCount() else max(height, 160))

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], Loaded]:
        return load_analytics(self.ctx, self.filter_bar.filters(), date.today())

    def _filters_changed(self, f: AnalyticsFilters) -> None:
        save_filters(self.username, f)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText("The figures could not be loaded")
        show_error(self, exc, "Analytics")

    def show_loaded(self, loaded: Loaded) -> None:
        """Show a load's figures and charts (the reloader's result; a benchmark hands one in)."""
        a = self.analytics = loaded.analytics
        self.filter_bar.set_choices(a.choices)
        offered = self.filter_bar.offered(self.filter_bar.filters())
        if offered != self.filter_bar.filters():  # a remembered category, grade or lead is gone
            self.filter_bar.set_filters(offered)
            self._filters_changed(offered)
        for panel, data in zip(self.panels, loaded.charts, strict=True):
            panel.set_data(data)
        self.summary.setText(summary_text(a, loaded.filters, date.today()))
        self.model.set_rows(a.effectiveness)
        self.export_button.setEnabled(bool(a.effectiveness))
        if a.effectiveness:
            self.table_stack.setCurrentWidget(self.table)
        else:
            self.table_empty.set_text(why_empty(a), self._empty_hint(a))
            self.table_stack.setCurrentWidget(self.table_empty)
        self._fit_table()

    def _empty_hint(self, a: SchoolAnalytics) -> str:
        if is_narrowed(a.filters):
            return "Widen the period or Reset the filters to see more."
        if self.ctx.can(Permission.MANAGE_ACTIVITY):
            return "Create activities on the Activities page; their figures show here."
        return "The activities you lead show here; an administrator can assign you to one."

    # ------------------------------------------------------------------ actions
    def open_activity(self, activity_id: int) -> Any:
        """The activity's own page, on the Activities page of the main window (None outside it)."""
        show_page = getattr(self.window(), "show_page", None)
        if not callable(show_page):
            return None
        page = show_page("activities")
        opener = getattr(page, "open_activity", None)
        return opener(activity_id) if callable(opener) else None

    def export_records(self) -> None:
        """The records Export dialog (issue 15), starting from the whole school (an
        administrator) or the teacher's first activity."""
        from ui.dialogs.export_dialog import open_export_dialog

        open_export_dialog(self, self.ctx, school=True)

    def ask_export(self) -> None:
        """Ask where and as what (XLSX, CSV with or without a byte-order mark), then export."""
        suggested = Path.home() / f"Activity effectiveness {date.today():%Y-%m-%d}.xlsx"
        chosen, kind = QFileDialog.getSaveFileName(self, "Export the effectiveness table", str(suggested),
                                                   ";;".join(EXPORT_FILTERS))
        if not chosen:
            return
        suffix, bom = EXPORT_FILTERS.get(kind, (Path(chosen).suffix.lower() or ".xlsx", True))
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        self.export_to(path, bom=bom)

    def export_to(self, path: Path, *, bom: bool = True) -> None:
        """Write the table's rows, in the order shown, to ``path`` in the background."""
        rows = self.model.rows()
        self.export_status.setText(f"Exporting {path.name}…")
        ReadOp(self, self.ctx, lambda state: write_effectiveness(rows, path, bom=bom), label="Export") \
            .success(lambda _r: self.export_status.setText(f"Saved {path.name}")) \
            .failure(self._export_failed).run_in_background()

    def _export_failed(self, exc: BaseException) -> bool:
        """Clear "Exporting…"; the error itself is shown the standard way."""
        self.export_status.setText("")
        return False

    def focus_main(self) -> None:
        """After switching to the page: the table (arrows, Enter opens), else the period."""
        if self.model.rowCount() and self.table_stack.currentWidget() is self.table:
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.filter_bar.period.setFocus(Qt.FocusReason.OtherFocusReason)


def summary_text(a: SchoolAnalytics, f: AnalyticsFilters, today: date) -> str:
    """"25 activities · 629 places · 87 completed (median 56 days) · 1 Sep 2026 – 31 Aug 2027"."""
    rows = a.effectiveness
    parts = [f"{len(rows)} activit{'y' if len(rows) == 1 else 'ies'}",
             f"{sum(r.placed for r in rows):,} places"]
    completed = sum(r.completed for r in rows)
    median = a.median_days_to_completion
    parts.append(f"{completed:,} completed" + (f" (median {median:.0f} days)" if median is not None else ""))
    start, end = f.dates(today)
    if start or end:
        parts.append(f"{day(start, empty='…')} – {day(end, empty='…')}")
    else:
        parts.append("all time")
    return " · ".join(parts)
