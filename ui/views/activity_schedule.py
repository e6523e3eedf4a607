"""The Schedule tab of an activity: weekly patterns, its sessions, exceptions and .ics files.

Embedded by the activity detail page (``ScheduleTab(ctx, activity_id)``); reloads itself on
session, activity and attendance changes (when on screen; a hidden tab reads when next shown).
Writes are operations (``ui/ops.py``) on the writer thread; the sessions they change are published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Permission
from tracker.services.activities import ActivitySummary
from tracker.services.calendar import ScheduleInfo, SessionInfo
from tracker.services.ical import ImportResult, write_atomic
from ui.context import AppContext
from ui.dialogs.all_day_dialog import AllDayTimes, choose_then_import
from ui.dialogs.schedule_dialog import ScheduleDialog, SessionDialog
from ui.ops import ReadOp, WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState, show_error
from ui.views.base import Refreshing
from ui.views.people import action_button
from ui.widgets.style import styled_label

UPCOMING, PAST, ALL = 0, 1, 2
COLUMNS = (("Date", 130), ("Time", 100), ("Location", 150), ("Status", 190), ("Note", 200))
D = TypeVar("D", bound=QDialog)


@dataclass(frozen=True)
class ScheduleSnapshot:
    activity: ActivitySummary
    schedules: list[ScheduleInfo]
    sessions: list[SessionInfo]


def pattern_lines(p: ScheduleInfo) -> tuple[str, str]:
    """When it meets ("Mon, Wed  ·  15:30–16:30"), then over which dates and where."""
    dates = f"{p.start_date.day} {p.start_date:%b %Y} – {p.end_date.day} {p.end_date:%b %Y}"
    return (f"{p.days_text}  ·  {p.start_time:%H:%M}–{p.end_time:%H:%M}",
            dates + (f"  ·  {p.location}" if p.location else ""))


def pattern_text(p: ScheduleInfo) -> str:
    """The pattern on one line (messages)."""
    return "  ·  ".join(pattern_lines(p))


def status_text(s: SessionInfo) -> str:
    parts = []
    if s.cancelled:
        parts.append("Cancelled")
    elif s.moved and s.original_starts_at:
        parts.append(f"Moved from {s.original_starts_at:%a %d %b %H:%M}")
    if s.extra:
        parts.append("Extra")
    if s.has_attendance:
        parts.append("Attendance taken")
    return ", ".join(parts) or "Planned"


class ScheduleTab(Refreshing):
    watches = frozenset({ChangeKind.SESSION, ChangeKind.ACTIVITY, ChangeKind.ATTENDANCE})

    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.activity: ActivitySummary | None = None
        self.schedules: list[ScheduleInfo] = []
        self.sessions: list[SessionInfo] = []
        self.shown: list[SessionInfo] = []
        self.last_message = ""
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the schedule")
        self.can_edit = ctx.can(Permission.MANAGE_SCHEDULE)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(8)

        self.add_pattern_action = self._act("Add pattern…", self.add_pattern, "Add a weekly pattern")
        self.edit_pattern_action = self._act("Edit…", self.edit_pattern, "Edit the selected pattern")
        self.delete_pattern_action = self._act("Delete", self.delete_pattern,
                                               "Delete the selected pattern and its sessions "
                                               "(sessions with attendance stay)")
        self.move_action = self._act("Move…", self.move_session, "Move the selected session")
        self.cancel_action = self._act("Cancel…", self.toggle_cancelled,
                                       "Cancel the selected session, or restore a cancelled one")
        self.extra_action = self._act("Add extra session…", self.add_extra, "Add a one-off session")
        self.delete_session_action = self._act("Delete", self.delete_session,
                                               "Delete the selected extra session")
        self.export_action = self._act("Export .ics…", lambda: self.export_ics(),
                                       "Save the schedule as an iCalendar file for other calendar programs")
        self.import_action = self._act("Import .ics…", lambda: self.import_ics(),
                                       "Add the meetings of an iCalendar file (Outlook, Google, Apple) as sessions")

        head = QHBoxLayout()
        head.addWidget(styled_label("Weekly patterns", heading="2"))
        head.addStretch(1)
        for a in (self.export_action, self.import_action):
            head.addWidget(action_button(a))
        outer.addLayout(head)
        # each pattern on two lines (days and times; dates and place), up to three shown at once
        self.patterns = QListWidget()
        self.patterns.setAccessibleName("Weekly patterns")
        self.patterns.setSpacing(6)
        self.patterns.setWordWrap(True)
        self.patterns.setResizeMode(QListView.ResizeMode.Adjust)
        self.patterns.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._fit_patterns()
        self.patterns.currentRowChanged.connect(lambda _r: self._update_actions())
        if self.can_edit:
            self.patterns.itemActivated.connect(lambda _i: self.edit_pattern())
        outer.addWidget(self.patterns)
        if self.can_edit:
            row = QHBoxLayout()
            row.addWidget(action_button(self.add_pattern_action, primary=True))
            row.addWidget(action_button(self.edit_pattern_action))
            row.addWidget(action_button(self.delete_pattern_action))
            row.addStretch(1)
            outer.addLayout(row)

        head = QHBoxLayout()
        head.addWidget(styled_label("Sessions", heading="2"))
        self.count = styled_label("", muted=True)
        head.addWidget(self.count, 0, Qt.AlignmentFlag.AlignBottom)
        head.addStretch(1)
        self.which = QComboBox()
        self.which.setAccessibleName("Which sessions")
        self.which.addItems(["Upcoming", "Past", "All"])
        self.which.currentIndexChanged.connect(lambda _i: self._fill_sessions())
        head.addWidget(self.which)
        outer.addLayout(head)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Sessions")
        self.table.setHorizontalHeaderLabels([c for c, _ in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        for i, (_, width) in enumerate(COLUMNS):
            header.resizeSection(i, width)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_actions)
        if self.can_edit:
            self.table.itemActivated.connect(lambda _i: self.move_session())
        outer.addWidget(self.table, 1)
        if self.can_edit:
            row = QHBoxLayout()
            for a in (self.move_action, self.cancel_action, self.delete_session_action):
                row.addWidget(action_button(a))
            row.addStretch(1)
            row.addWidget(action_button(self.extra_action))
            outer.addLayout(row)
        self.import_action.setVisible(self.can_edit)
        self._update_actions()

    def focus_main(self) -> None:
        """The keyboard's place in the tab: the sessions."""
        self.table.setFocus()

    def _act(self, text: str, slot: Callable[[], object], tip: str, key: str = "") -> QAction:
        a = QAction(text, self)
        a.setToolTip(tip)
        if key:
            a.setShortcut(QKeySequence(key))
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], ScheduleSnapshot]:
        actor, services, aid = self.ctx.user, self.ctx.services, self.activity_id

        def load(state: TaskState) -> ScheduleSnapshot:
            return ScheduleSnapshot(services.activities.get_activity(actor, aid),
                                    services.calendar.list_schedules(actor, aid),
                                    services.calendar.list_sessions(actor, aid))

        return load

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc, "Schedule")

    def _loaded(self, snap: ScheduleSnapshot) -> None:
        self.activity, self.schedules, self.sessions = snap.activity, snap.schedules, snap.sessions
        keep = self.selected_pattern()
        self.patterns.clear()
        for p in self.schedules:
            item = QListWidgetItem("\n".join(pattern_lines(p)))
            item.setToolTip(pattern_text(p))
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.patterns.addItem(item)
            if keep and keep.id == p.id:
                self.patterns.setCurrentItem(item)
        if not self.schedules:
            item = QListWidgetItem("No weekly pattern yet" + (" — press “Add pattern…”." if self.can_edit else "."))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.patterns.addItem(item)
        self._fit_patterns()
        self._fill_sessions()

    def _fit_patterns(self) -> None:
        """The pattern box as tall as its entries (up to three; more scroll)."""
        shown = min(3, max(1, self.patterns.count()))
        rows = sum(self.patterns.sizeHintForRow(r) + 2 * self.patterns.spacing() for r in range(shown))
        self.patterns.setFixedHeight(max(rows, self.patterns.fontMetrics().height() + 12)
                                     + 2 * self.patterns.frameWidth() + 2)

    def _fill_sessions(self) -> None:
        keep = self.selected_session()
        now = datetime.now()
        which = self.which.currentIndex()
        rows = [s for s in self.sessions
                if which == ALL or (which == UPCOMING and s.ends_at >= now) or (which == PAST and s.ends_at < now)]
        if which == PAST:
            rows.reverse()
        self.shown = rows
        self.table.setRowCount(len(rows))
        muted = QBrush(QColor("#8a94a3"))
        for r, s in enumerate(rows):
            values = (f"{s.starts_at:%a} {s.starts_at.day} {s.starts_at:%b %Y}",
                      f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}", s.location, status_text(s), s.note)
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, s.id)
                if s.cancelled:
                    item.setForeground(muted)
                    if c < 2:
                        font = QFont(item.font())
                        font.setStrikeOut(True)
                        item.setFont(font)
                elif s.moved and c == 3:
                    item.setForeground(QBrush(QColor("#a15c00")))
                self.table.setItem(r, c, item)
            if keep is not None and keep.id == s.id:
                self.table.selectRow(r)
        total = len(self.sessions)
        held = sum(1 for s in self.sessions if not s.cancelled)
        self.count.setText(f"{held} planned, {total - held} cancelled" if total else "none yet")
        self._update_actions()

    # ------------------------------------------------------------------ selection
    def selected_pattern(self) -> ScheduleInfo | None:
        item = self.patterns.currentItem()
        sid = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((p for p in self.schedules if p.id == sid), None)

    def selected_session(self) -> SessionInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        sid = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((s for s in self.sessions if s.id == sid), None)

    def _update_actions(self) -> None:
        p, s = self.selected_pattern(), self.selected_session()
        edit = self.can_edit
        self.add_pattern_action.setEnabled(edit)
        self.edit_pattern_action.setEnabled(edit and p is not None)
        self.delete_pattern_action.setEnabled(edit and p is not None)
        self.move_action.setEnabled(edit and s is not None)
        self.cancel_action.setEnabled(edit and s is not None and (s.cancelled or not s.has_attendance))
        self.cancel_action.setText("Restore" if s and s.cancelled else "Cancel…")
        self.delete_session_action.setEnabled(edit and s is not None and s.extra and not s.has_attendance)
        self.extra_action.setEnabled(edit)

    # ------------------------------------------------------------------ writes
    def _run(self, call: Callable[[], Any], label: str, done: Callable[[Any], object] | None = None) -> None:
        op = WriteOp(self, self.ctx, lambda state: call(), label=label)
        if done is not None:
            op.success(done)
        op.run_in_background()

    def _open(self, dialog: D) -> D:
        dialog.finished.connect(lambda _c: dialog.deleteLater())
        dialog.open()
        return dialog

    def add_pattern(self) -> ScheduleDialog | None:
        if not self.can_edit:
            return None
        a = self.activity
        term = (a.start_date, a.end_date) if a else (None, None)
        return self._open(ScheduleDialog(self.ctx, self.activity_id, None, term=term,
                                         location=a.location if a else "", parent=self))

    def edit_pattern(self) -> ScheduleDialog | None:
        p = self.selected_pattern()
        if p is None or not self.can_edit:
            return None
        return self._open(ScheduleDialog(self.ctx, self.activity_id, p, parent=self))

    def delete_pattern(self, *, confirm: bool = True) -> None:
        p = self.selected_pattern()
        if p is None or not self.can_edit:
            return
        if confirm and QMessageBox.question(
                self, "Delete pattern",
                f"Delete the pattern {pattern_text(p)}?\nIts sessions go too, except those that "
                "already have attendance.") != QMessageBox.StandardButton.Yes:
            return
        actor, service = self.ctx.user, self.ctx.services.calendar
        self._run(lambda: service.delete_schedule(actor, p.id), "Delete pattern")

    def move_session(self) -> SessionDialog | None:
        s = self.selected_session()
        if s is None or not self.can_edit:
            return None
        return self._open(SessionDialog(self.ctx, self.activity_id, s, parent=self))

    def add_extra(self) -> SessionDialog | None:
        if not self.can_edit:
            return None
        location = self.activity.location if self.activity else ""
        return self._open(SessionDialog(self.ctx, self.activity_id, None, location=location, parent=self))

    def toggle_cancelled(self, *, note: str | None = None) -> None:
        s = self.selected_session()
        if s is None or not self.can_edit:
            return
        actor, service = self.ctx.user, self.ctx.services.calendar
        if s.cancelled:
            self._run(lambda: service.restore_session(actor, s.id), "Restore session")
            return
        if note is None:
            text, ok = QInputDialog.getText(self, "Cancel session",
                                            f"Cancel the session on {s.starts_at:%A %d %B, %H:%M}?\n"
                                            "Reason (optional):")
            if not ok:
                return
            note = text
        reason = note
        self._run(lambda: service.cancel_session(actor, s.id, reason), "Cancel session")

    def delete_session(self) -> None:
        s = self.selected_session()
        if s is None or not self.can_edit:
            return
        actor, service = self.ctx.user, self.ctx.services.calendar
        self._run(lambda: service.delete_session(actor, s.id), "Delete session")

    # ------------------------------------------------------------------ .ics files
    def _last_folder(self) -> str:
        return str(QSettings().value("calendar/ics_folder", str(Path.home())))

    def export_ics(self, path: str | None = None) -> None:
        if path is None:
            name = (self.activity.name if self.activity else "activity").replace("/", "-")
            path, _ = QFileDialog.getSaveFileName(self, "Export .ics", str(Path(self._last_folder()) / f"{name}.ics"),
                                                  "iCalendar files (*.ics)")
            if not path:
                return
            QSettings().setValue("calendar/ics_folder", str(Path(path).parent))
        actor, service, aid, target = self.ctx.user, self.ctx.services.ical, self.activity_id, path

        def work(state: TaskState) -> str:
            write_atomic(target, service.export_ics(actor, aid))
            return target

        ReadOp(self, self.ctx, work, label="Export .ics").success(self._exported).run_in_background()

    def _exported(self, path: str) -> None:
        self.last_message = f"Saved {Path(path).name}."
        self.count.setText(self.last_message)

    def import_ics(self, path: str | None = None, *, quiet: bool = False) -> None:
        if not self.can_edit:
            return
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import .ics", self._last_folder(),
                                                  "iCalendar files (*.ics);;All files (*)")
            if not path:
                return
            QSettings().setValue("calendar/ics_folder", str(Path(path).parent))
        actor, service, aid, source = self.ctx.user, self.ctx.services.ical, self.activity_id, path

        def done(result: ImportResult) -> None:
            self.last_message = f"{Path(source).name}: {result.added} sessions added, {result.unchanged} unchanged" + \
                (f", {result.skipped} skipped (all-day or cancelled)" if result.skipped else "") + "."
            if not quiet:
                QMessageBox.information(self, "Import .ics", self.last_message)

        def write(times: AllDayTimes) -> None:
            at, ends = times if times is not None else (None, None)
            self._run(lambda: service.import_ics(actor, source, activity_id=aid, all_day_at=at, all_day_ends=ends),
                      "Import .ics", done)

        # all-day entries are listed first, to be skipped or added at a time the person picks
        choose_then_import(self, self.ctx, lambda state: service.preview_ics(actor, source, aid), write,
                           quiet=quiet, opened=lambda d: setattr(self, "dialog", d))
