"""The Roster tab of an activity: who is enrolled, waitlisted, completed or dropped, and the
actions a lead takes on them (enroll, drop, re-enroll, promote, mark completed, import).

One background read loads the roster snapshot; the filter box and status filter work on it.
Writes run on the writer thread, then publish "enrollment" / "progress" changes, which reload
this tab and every page showing figures of the activity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QListWidget,
    QMenu,
    QSplitter,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import Changes
from tracker.domain.enums import ProgressStatus
from tracker.domain.policy import Permission
from tracker.services.enrollment import RosterRow, StatusChange
from ui.context import AppContext
from ui.models.base import FilterProxy, ValueRole
from ui.models.roster import RosterModel
from ui.tasks import show_error
from ui.views.people import action_button
from ui.widgets import EmptyState, ProgressBarDelegate, SearchBox, apply_widths, make_table
from ui.widgets.actions import widget_action
from ui.widgets.delegates import StatusPillDelegate, _background
from ui.widgets.style import day, set_style_flag, status_colour, styled_label, when

WATCHED = ("enrollment", "progress", "attendance", "milestone", "user", "activity", "session")


class RosterStatusDelegate(StatusPillDelegate):
    """The status pill with the row's own text ("Waitlisted #2", "Completed (by hand)")."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        _background(painter, option, index)
        value = index.data(ValueRole)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if not value:
            return
        base = status_colour(value)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = option.fontMetrics
        h = fm.height() + 4
        r = option.rect
        pill = QRectF(r.left() + 8, r.center().y() - h / 2 + 1, min(fm.horizontalAdvance(text) + 16,
                                                                    r.width() - 12), h)
        fill = QColor(base)
        fill.setAlpha(36)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, h / 2, h / 2)
        painter.setPen(base.darker(125))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class RosterTab(QWidget):
    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.activity_id = activity_id
        self.activity_name = ""
        self.rows: list[RosterRow] = []
        self._loading = False
        self._again = False
        self.dialog: Any = None
        self.can_import = ctx.can(Permission.MANAGE_USERS)

        self.model = RosterModel(self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 10, 0, 0)
        outer.setSpacing(10)
        self._make_actions()
        bar = QHBoxLayout()
        self.search = SearchBox("Filter the roster…")
        self.search.setToolTip("Matches name, grade, class, student number and status")
        self.search.search.connect(self._apply_filter)
        bar.addWidget(self.search, 2)
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Status filter")
        self.status_filter.addItem("All statuses", None)
        for st in ProgressStatus:
            self.status_filter.addItem(st.label, st.value)
        self.status_filter.currentIndexChanged.connect(lambda _i: self._apply_filter())
        bar.addWidget(self.status_filter)
        bar.addStretch(1)
        if self.can_import:
            bar.addWidget(action_button(self.import_action))
        bar.addWidget(action_button(self.enroll_action, primary=True))
        outer.addLayout(bar)
        actions = QHBoxLayout()
        actions.addWidget(styled_label("Selected:", muted=True))
        for a in (self.drop_action, self.reenroll_action, self.promote_action, self.complete_action):
            actions.addWidget(action_button(a))
        actions.addStretch(1)
        self.count = styled_label("", muted=True)
        actions.addWidget(self.count)
        outer.addLayout(actions)

        self.table = make_table({i: c.width for i, c in enumerate(RosterModel.columns)})
        self.table.setModel(self.proxy)
        apply_widths(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAccessibleName("Roster")
        self.table.setItemDelegateForColumn(RosterModel.STATUS, RosterStatusDelegate(self.table))
        self.table.setItemDelegateForColumn(RosterModel.PROGRESS, ProgressBarDelegate(self.table))
        self.table.sortByColumn(RosterModel.NAME, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.search.move_down.connect(self._focus_table)

        self.empty = EmptyState("Nobody enrolled yet", "Press “Enroll students…” to add the first students.")
        self.table_box = QWidget()
        box = QVBoxLayout(self.table_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.table, 1)
        box.addWidget(self.empty, 1)
        self.empty.hide()

        self.panel = QFrame()
        set_style_flag(self.panel, "card")
        self.panel.setMinimumWidth(230)
        panel = QVBoxLayout(self.panel)
        panel.setContentsMargins(14, 12, 14, 12)
        self.panel_title = styled_label("No one selected", heading="2")
        self.panel_title.setWordWrap(True)
        self.panel_facts = styled_label("Select a student to see their status history.", muted=True)
        self.panel_facts.setWordWrap(True)
        panel.addWidget(self.panel_title)
        panel.addWidget(self.panel_facts)
        panel.addWidget(styled_label("Status history", heading="2"))
        self.history = QListWidget()
        self.history.setAccessibleName("Status history")
        self.history.setWordWrap(True)
        self.history.setFrameShape(QFrame.Shape.NoFrame)
        self.history.setSpacing(4)
        panel.addWidget(self.history, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table_box)
        split.addWidget(self.panel)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setSizes([780, 240])
        outer.addWidget(split, 1)
        self.message = styled_label("", muted=True)
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        ctx.events.changed.connect(self._on_changed)
        self._update_actions()

    # ------------------------------------------------------------------ actions
    def _make_actions(self) -> None:
        def act(text: str, slot: Callable[[], Any], tip: str, *keys: Any) -> QAction:
            return widget_action(self, text, slot, tip, *keys)

        self.enroll_action = act("Enroll students…", self.enroll, "Find students and enroll them (Ctrl+E)",
                                 "Ctrl+E")
        self.drop_action = act("Drop…", self.drop, "Drop the selected students (reason and date)", "Del")
        self.reenroll_action = act("Re-enroll", self.reenroll, "Enroll the selected dropped students again")
        self.promote_action = act("Promote", self.promote,
                                  "Give a free place to the selected waitlisted students")
        self.complete_action = act("Mark completed…", self.complete,
                                   "Mark the selected active students completed, with a note")
        self.import_action = act("Import roster…", self.import_roster,
                                 "Import students from a CSV/XLSX file or a OneRoster export")
        self.import_action.setVisible(self.can_import)

    def selected(self) -> list[RosterRow]:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return [self.proxy.record(i.row()) for i in sorted(rows, key=lambda i: i.row())]

    def _with(self, status: ProgressStatus) -> list[RosterRow]:
        return [r for r in self.selected() if r.status is status]

    def _update_actions(self) -> None:
        chosen = self.selected()
        statuses = {r.status for r in chosen}
        self.drop_action.setEnabled(bool(chosen) and ProgressStatus.DROPPED not in statuses)
        self.reenroll_action.setEnabled(ProgressStatus.DROPPED in statuses)
        self.promote_action.setEnabled(ProgressStatus.WAITLISTED in statuses)
        self.complete_action.setEnabled(ProgressStatus.ACTIVE in statuses)

    def _selection_changed(self, *_: object) -> None:
        self._update_actions()
        chosen = self.selected()
        self.history.clear()
        if len(chosen) != 1:
            self.panel_title.setText(f"{len(chosen)} students selected" if chosen else "No one selected")
            self.panel_facts.setText("Select one student to see their status history." if chosen else
                                     "Select a student to see their status history.")
            return
        r = chosen[0]
        self.panel_title.setText(r.name)
        facts = [f"Grade {r.grade}" if r.grade else "", r.class_name or "", r.student_number or ""]
        line = " · ".join(f for f in facts if f)
        status = r.status.label + (f" (#{r.waitlist_position} on the waitlist)" if r.waitlist_position else "")
        text = f"{line}\n{status} · enrolled {day(r.enrolled_on)}" if line else status
        if r.status is ProgressStatus.DROPPED:
            text += f"\nLeft on {day(r.dropped_on)}: {r.drop_reason or ''}"
        elif r.missing and r.status is ProgressStatus.ACTIVE:
            text += "\nStill needed: " + "; ".join(r.missing)
        self.panel_facts.setText(text)
        self.history.addItem("Loading…")
        service, actor, aid, sid = self.ctx.services.enrollment, self.ctx.user, self.activity_id, r.student_id
        self.ctx.tasks.run(lambda state: service.status_history(actor, aid, sid),
                           on_done=lambda h, sid=sid: self._show_history(sid, h),
                           on_error=lambda e: self.history.clear(), label="Status history")

    def _show_history(self, student_id: int, changes: list[StatusChange]) -> None:
        chosen = self.selected()
        if len(chosen) != 1 or chosen[0].student_id != student_id:
            return
        self.history.clear()
        for c in reversed(changes):
            was = f" (was {c.from_status})" if c.from_status else ""
            who = c.changed_by or "automatically"
            note = f"\n“{c.note}”" if c.note else ""
            self.history.addItem(f"{c.to_status.capitalize()}{was}\n{when(c.changed_at)} · {who}{note}")
        if not changes:
            self.history.addItem("No changes recorded.")

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.table.selectRow(index.row())
        menu = QMenu(self)
        for a in (self.drop_action, self.reenroll_action, self.promote_action, self.complete_action):
            if a.isEnabled():
                menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.enroll_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _focus_table(self) -> None:
        self.table.setFocus()
        if not self.table.selectionModel().selectedRows() and self.proxy.rowCount():
            self.table.selectRow(0)

    # ------------------------------------------------------------------ loading
    def _on_changed(self, changes: Changes) -> None:
        if changes.touches(*WATCHED):
            self.refresh()

    def refresh(self) -> None:
        if self.ctx.actor is None:
            return
        if self._loading:
            self._again = True
            return
        self._loading = True
        service, actor, aid = self.ctx.services.enrollment, self.ctx.user, self.activity_id
        self.ctx.tasks.run(lambda state: service.roster(actor, aid), on_done=self._loaded,
                           on_error=self._failed, label="Loading the roster")

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.message.setText(str(exc))

    def _loaded(self, rows: list[RosterRow]) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.refresh()
            return
        keep = {r.student_id for r in self.selected()}
        self.rows = rows
        self.model.set_rows(rows)
        self._apply_filter()
        if keep:
            for i in range(self.proxy.rowCount()):
                if self.proxy.record(i).student_id in keep:
                    self.table.selectionModel().select(
                        self.proxy.index(i, 0),
                        self.table.selectionModel().SelectionFlag.Select
                        | self.table.selectionModel().SelectionFlag.Rows)
        self._selection_changed()

    def _apply_filter(self, *_: object) -> None:
        status = self.status_filter.currentData()
        self.proxy.set_predicate(None if status is None else (lambda r: r.status.value == status))
        self.proxy.set_search(self.search.text())
        shown, total = self.proxy.rowCount(), len(self.rows)
        counts = {st: sum(1 for r in self.rows if r.status is st) for st in ProgressStatus}
        parts = [f"{counts[st]} {st.value}" for st in ProgressStatus if counts[st]]
        self.count.setText((f"{shown} of {total} · " if shown != total else "") + ", ".join(parts))
        nobody = not self.rows
        self.empty.setVisible(nobody)
        self.table.setVisible(not nobody)
        self._update_actions()

    def select_student(self, student_id: int) -> bool:
        for i in range(self.proxy.rowCount()):
            if self.proxy.record(i).student_id == student_id:
                self.table.selectRow(i)
                return True
        return False

    # ------------------------------------------------------------------ writes
    def _published(self, text: str = "") -> None:
        self.message.setText(text)
        self.ctx.events.publish(enrollment=None, progress=None, activity=[self.activity_id])

    def _open(self, dialog: Any, after: Callable[[Any], str]) -> Any:
        self.dialog = dialog

        def finished(code: int) -> None:
            if code:
                self._published(after(dialog))
            dialog.deleteLater()
            self.dialog = None

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def enroll(self) -> Any:
        from ui.dialogs.enroll_dialog import EnrollDialog

        def after(d: Any) -> str:
            done = [o for o in d.outcomes if o.outcome in ("enrolled", "re-enrolled")]
            wait = [o for o in d.outcomes if o.outcome == "waitlisted"]
            same = [o for o in d.outcomes if o.outcome == "already"]
            parts = [f"{len(done)} enrolled"]
            if wait:
                parts.append(f"{len(wait)} on the waitlist (" + ", ".join(
                    f"{o.name} #{o.waitlist_position}" for o in wait[:5]) + ")")
            if same:
                parts.append(f"{len(same)} already on the roster")
            return "; ".join(parts) + "."

        return self._open(EnrollDialog(self.ctx, self.activity_id, self.activity_name or "the activity", self),
                          after)

    def drop(self) -> Any:
        from ui.dialogs.enroll_dialog import DropDialog

        chosen = [r for r in self.selected() if r.status is not ProgressStatus.DROPPED]
        if not chosen:
            return None
        starts = [r.enrolled_on for r in chosen if r.enrolled_on and r.status is not ProgressStatus.WAITLISTED]
        dialog = DropDialog(self.ctx, self.activity_id, [(r.student_id, r.name) for r in chosen], self,
                            earliest=max(starts) if starts else None)

        def after(d: Any) -> str:
            text = f"Dropped {len(chosen)} student{'s' if len(chosen) != 1 else ''}."
            if d.offers:
                o = d.offers[-1]
                text += f" A place is free: {o.name} is first on the waitlist — select them and press Promote."
            return text

        return self._open(dialog, after)

    def complete(self) -> Any:
        from ui.dialogs.enroll_dialog import CompleteDialog

        chosen = self._with(ProgressStatus.ACTIVE)
        if not chosen:
            return None
        return self._open(CompleteDialog(self.ctx, self.activity_id, [(r.student_id, r.name) for r in chosen],
                                         self),
                          lambda d: f"Marked {len(chosen)} completed.")

    def _write_each(self, rows: list[RosterRow], call: Callable[[int], Any], label: str,
                    done_text: Callable[[list[Any]], str]) -> None:
        if not rows:
            return
        ids = [r.student_id for r in rows]

        def work(state: Any) -> list[Any]:
            out = []
            for sid in ids:
                out.append(call(sid))
            return out

        def failed(exc: BaseException) -> None:
            self._published()
            show_error(self, exc, label)

        self.ctx.tasks.run(work, write=True, label=label, on_done=lambda out: self._published(done_text(out)),
                           on_error=failed)

    def reenroll(self) -> None:
        service, actor, aid = self.ctx.services.enrollment, self.ctx.user, self.activity_id
        self._write_each(self._with(ProgressStatus.DROPPED), lambda sid: service.reenroll(actor, aid, sid),
                         "Re-enroll", lambda out: "Re-enrolled: " + ", ".join(
                             f"{o.name}" + (f" (waitlist #{o.waitlist_position})" if o.waitlist_position else "")
                             for o in out) + ".")

    def promote(self) -> None:
        service, actor, aid = self.ctx.services.enrollment, self.ctx.user, self.activity_id
        rows = sorted(self._with(ProgressStatus.WAITLISTED), key=lambda r: r.waitlist_position or 0)
        self._write_each(rows, lambda sid: service.promote_from_waitlist(actor, aid, sid), "Promote",
                         lambda out: "Promoted from the waitlist: " + ", ".join(o.name for o in out) + ".")

    def import_roster(self) -> Any:
        from ui.dialogs.import_dialog import ImportDialog

        if not self.can_import:
            return None
        dialog = ImportDialog(self.ctx, self)
        dialog.finished.connect(lambda _c: dialog.deleteLater())
        dialog.open()
        self.dialog = dialog
        return dialog
