"""Audit (administrators): the audit log on screen, and the Privacy tab.

The Log tab reads a page of entries (newest first, ``page_size`` at a time, "Load more" for the
next) matching the filters — person, record type, date range, free text — through
``AuditService.search`` on the reader pool; the model keeps the snapshot. The details pane shows
the selected entry's whole before → after diff. "Export CSV…" writes every entry matching the
filters (not only the page shown) in the background. The Privacy tab lists the students a
retention period proposes for erasure (:mod:`ui.dialogs.privacy_dialogs`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.audit_diff import entity_words
from tracker.domain.changes import ChangeKind
from tracker.services.audit import PAGE_SIZE, AuditChoices, AuditFilters, AuditRow
from ui.context import AppContext
from ui.dialogs.privacy_dialogs import RetentionPanel
from ui.models.base import Column, SnapshotModel
from ui.ops import ReadOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Page
from ui.widgets import SearchBox, apply_widths, make_table
from ui.widgets.column_fit import fit_columns
from ui.widgets.style import styled_label, when
from ui.widgets.tables import with_side_panel

#: the date edits' lowest date, shown as "Any": no bound
NO_DATE = QDate(2000, 1, 1)


class AuditModel(SnapshotModel[AuditRow]):
    WHEN, WHO, WHAT, RECORD, CHANGES = range(5)
    columns = (
        Column("When", lambda r: when(r.local_at), value=lambda r: r.id, width=142,
               tooltip=lambda r: r.local_at.strftime("%A %d %B %Y, %H:%M:%S")),
        Column("Who", lambda r: r.actor or "System", width=120, tooltip=lambda r: r.actor or "System"),
        Column("What", lambda r: r.action_text, width=120, tooltip=lambda r: f"{r.action_text} ({r.action})"),
        Column("Record", lambda r: r.record_text, width=190, tooltip=lambda r: r.record_text),
        Column("Changes", lambda r: r.summary or "—", width=300, tooltip=lambda r: r.details),
    )


def _date(edit: QDateEdit) -> date | None:
    d = edit.date()
    return None if d == NO_DATE else date(d.year(), d.month(), d.day())


class AuditLog(QWidget):
    """The Log tab: filters, the table with "Load more", the details pane and the CSV export."""

    page_size = PAGE_SIZE

    def __init__(self, page: AuditPage) -> None:
        super().__init__()
        self.ctx = page.ctx
        self.more_available = False
        self.reloader = Reloader(self.ctx, self._load, self._loaded, label="Loading the audit log")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        lay.setSpacing(8)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.search = SearchBox("Search the log…", delay_ms=300)
        self.search.setToolTip("Matches the action, record type and id, and the values before and after; "
                               "several words must all match")
        self.search.search.connect(lambda _t: self.refresh())
        bar.addWidget(self.search, 1)
        bar.addStretch(0)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save every entry matching the filters as a CSV file")
        self.export_button.clicked.connect(lambda: self.export())
        bar.addWidget(self.export_button)
        lay.addLayout(bar)
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.person = QComboBox()
        self.person.setAccessibleName("Person filter")
        self.person.addItem("Anyone", None)
        self.entity = QComboBox()
        self.entity.setAccessibleName("Record type filter")
        self.entity.addItem("Any record", None)
        for combo in (self.person, self.entity):
            combo.setMinimumContentsLength(10)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
            bar.addWidget(combo)
        self.start, self.end = QDateEdit(), QDateEdit()
        for edit, name in ((self.start, "From"), (self.end, "To")):
            edit.setCalendarPopup(True)
            edit.setMinimumDate(NO_DATE)
            edit.setSpecialValueText("Any")
            edit.setDate(NO_DATE)
            edit.setAccessibleName(f"{name} date")
            edit.setToolTip(f"{name} this day (local time); 'Any': no limit")
            edit.dateChanged.connect(lambda _d: self.refresh())
            label = QLabel(name)
            label.setBuddy(edit)
            bar.addWidget(label)
            bar.addWidget(edit)
        bar.addStretch(1)
        lay.addLayout(bar)

        self.model = AuditModel(self)
        self.table = make_table({i: c.width for i, c in enumerate(AuditModel.columns)},
                                stretch=AuditModel.CHANGES, sortable=False)
        self.table.setModel(self.model)
        apply_widths(self.table)
        m = AuditModel
        # narrow: the pane beside the table says what a dropped column would
        self.columns = fit_columns(self.table, stretch=m.CHANGES, minimum=160, drop=(m.WHAT, m.WHO))
        self.table.setAccessibleName("Audit log")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Entry details")
        self.details.setMinimumWidth(220)
        lay.addWidget(with_side_panel(self.table, self.details, (720, 260)), 1)

        foot = QHBoxLayout()
        self.status = styled_label("", muted=True)
        foot.addWidget(self.status, 1)
        self.more_button = QPushButton("Load more")
        self.more_button.setToolTip(f"The next {self.page_size:,} older entries")
        self.more_button.clicked.connect(self.load_more)
        self.more_button.setVisible(False)
        foot.addWidget(self.more_button)
        lay.addLayout(foot)
        self._show_selected()

    # ------------------------------------------------------------------ loading
    def filters(self, *, before_id: int | None = None) -> AuditFilters:
        return AuditFilters(person_id=self.person.currentData(), entity=self.entity.currentData(),
                            start=_date(self.start), end=_date(self.end),
                            text=self.search.text().strip() or None, limit=self.page_size,
                            before_id=before_id)

    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], tuple[AuditChoices, list[AuditRow]]]:
        audit, actor, f = self.ctx.services.audit, self.ctx.user, self.filters()

        def load(state: TaskState) -> tuple[AuditChoices, list[AuditRow]]:
            return audit.entities(actor), audit.search(
                actor, person_id=f.person_id, entity=f.entity, start=f.start, end=f.end, text=f.text,
                limit=f.limit)

        return load

    def _loaded(self, result: tuple[AuditChoices, list[AuditRow]]) -> None:
        choices, rows = result
        self._set_choices(choices)
        self.model.set_rows(rows)
        self._paged(len(rows))
        if rows:
            self.table.selectRow(0)
        self._show_selected()

    def load_more(self) -> None:
        rows = self.model.rows()
        if not rows:
            return
        audit, actor, f = self.ctx.services.audit, self.ctx.user, self.filters(before_id=rows[-1].id)
        self.more_button.setEnabled(False)

        def more(state: TaskState) -> list[AuditRow]:
            return audit.search(actor, person_id=f.person_id, entity=f.entity, start=f.start, end=f.end,
                                text=f.text, limit=f.limit, before_id=f.before_id)

        ReadOp(self, self.ctx, more, label="Loading older entries").success(self._more_loaded).run_in_background()

    def _more_loaded(self, older: list[AuditRow]) -> None:
        self.model.set_rows([*self.model.rows(), *older])
        self._paged(len(older))

    def _paged(self, last_read: int) -> None:
        self.more_available = last_read >= self.page_size
        self.more_button.setVisible(self.more_available)
        self.more_button.setEnabled(True)
        shown = len(self.model.rows())
        self.status.setText(f"{shown:,} entr{'y' if shown == 1 else 'ies'} shown, newest first"
                            + (" — older ones: Load more" if self.more_available else ""))

    def _set_choices(self, choices: AuditChoices) -> None:
        """Refill the filter lists, keeping what is chosen (without reloading)."""
        for combo, items in ((self.person, [(p.name, p.id) for p in choices.people]),
                             (self.entity, [(entity_words(e), e) for e in choices.entities])):
            chosen = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for text, data in items:
                combo.addItem(text, data)
                combo.setItemData(combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
            combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen is not None else 0)
            combo.blockSignals(False)

    # ------------------------------------------------------------------ details and export
    def selected(self) -> AuditRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _show_selected(self) -> None:
        r = self.selected()
        if r is None:
            self.details.setPlainText("Select an entry to see everything it changed.")
            return
        self.details.setPlainText("\n".join([
            f"{r.action_text} — {r.record_text}",
            f"{r.actor or 'System'}, {r.local_at:%A %d %B %Y, %H:%M:%S}",
            "", r.details]))

    def export(self, path: str | None = None) -> None:
        """Ask where (unless ``path`` is given), then write the filtered entries as CSV."""
        if path is None:
            suggested = Path.home() / f"Audit log {date.today():%Y-%m-%d}.csv"
            path, _ = QFileDialog.getSaveFileName(self, "Export the audit log", str(suggested), "CSV (*.csv)")
            if not path:
                return
        audit, actor, f, target = self.ctx.services.audit, self.ctx.user, self.filters(), Path(path)
        ReadOp(self, self.ctx, lambda _s: audit.export_csv(actor, f, target), label="Exporting the audit log") \
            .success(lambda n: self.status.setText(f"Saved {target.name} ({n:,} entries).")) \
            .run_in_background()


class AuditPage(Page):
    title = "Audit"
    #: every write appends to the log
    watches = frozenset(ChangeKind)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.setSpacing(8)
        outer.addWidget(styled_label("Audit", heading="1"))
        self.tabs = QTabWidget()
        self.log = AuditLog(self)
        self.privacy = RetentionPanel(ctx)
        self.tabs.addTab(self.log, "Log")
        self.tabs.addTab(self.privacy, "Privacy")
        self.tabs.setTabToolTip(1, "Students who left long enough ago to erase their personal details")
        outer.addWidget(self.tabs, 1)

    def refresh(self) -> None:
        self.log.refresh()

    def focus_main(self) -> None:
        self.log.table.setFocus()
