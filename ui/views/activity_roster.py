"""The Roster tab of an activity: who is enrolled, waitlisted, completed or dropped, how each
student stands (on track / behind / at risk) and participates, and the actions a lead takes on
them (enroll, drop, re-enroll, promote, mark completed, set progress by hand and go back to the
computed figures, sign off, import).

One background read loads the roster snapshot with the participation summaries and who is signed
off; the filter box and the status and standing filters work on it.
Writes run on the writer thread, then publish "enrollment" / "progress" changes, which reload
this tab and every page showing figures of the activity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QListWidget,
    QMenu,
    QScrollArea,
    QSplitter,
    QStyle,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import Changes
from tracker.domain.enums import ProgressStatus
from tracker.domain.participation import ParticipationSummary
from tracker.domain.policy import Permission
from tracker.domain.standing import HOW_JUDGED, Standing
from tracker.errors import PermissionDenied, ValidationError
from tracker.services import Services
from tracker.services.enrollment import RosterRow, StatusChange
from ui.context import AppContext
from ui.models.base import FilterProxy, RecordRole, ValueRole
from ui.models.roster import OVERRIDE_MARK, RosterModel, override_line
from ui.reload import Reloader
from ui.tasks import TaskState, show_error
from ui.views.people import action_button
from ui.widgets import EmptyState, ProgressBarDelegate, SearchBox, apply_widths, make_table
from ui.widgets.actions import widget_action
from ui.widgets.delegates import StatusPillDelegate, _background
from ui.widgets.style import colour, day, set_style_flag, status_colour, styled_label, when

WATCHED = ("enrollment", "progress", "attendance", "milestone", "user", "activity", "session")
STANDING_FILTER = (Standing.AT_RISK, Standing.BEHIND, Standing.ON_TRACK, Standing.COMPLETED)
ACTIVE_OR_COMPLETED = (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)


@dataclass(frozen=True)
class RosterSnapshot:
    """What one background read brings back for the tab."""

    rows: list[RosterRow]
    participation: dict[int, ParticipationSummary] | None  # None: not for this user
    requires_signoff: bool
    signed: frozenset[int] | None  # students signed off; None: not known


def load_roster(services: Services, actor: Any, activity_id: int) -> RosterSnapshot:
    """The roster plus what the other columns and actions need (runs on a worker thread)."""
    rows = services.enrollment.roster(actor, activity_id)
    participation: dict[int, ParticipationSummary] | None
    try:
        participation = {p.student_id: p.summary
                         for p in services.skills.participation_summary(actor, activity_id)}
    except PermissionDenied:
        participation = None
    try:
        requires = services.activities.get_activity(actor, activity_id).requires_signoff
    except PermissionDenied:
        requires = False
    signed: frozenset[int] | None = None
    if requires:
        try:
            signed = frozenset(p.user_id for p in services.progress.activity_progress(actor, activity_id)
                               if p.signed_off_at is not None)
        except PermissionDenied:
            signed = None
    return RosterSnapshot(rows, participation, requires, signed)


class RosterStatusDelegate(StatusPillDelegate):
    """The status pill with the row's own text ("Waitlisted #2", "Completed ✎")."""

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


class RosterProgressDelegate(ProgressBarDelegate):
    """The progress bar, with a ✎ after the figure when progress or status was set by hand."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        record = index.data(RecordRole)
        if record is None or not record.overridden:
            super().paint(painter, option, index)
            return
        _background(painter, option, index)
        mark = option.fontMetrics.horizontalAdvance(OVERRIDE_MARK) + 6
        bar = QStyleOptionViewItem(option)
        bar.rect = option.rect.adjusted(0, 0, -mark, 0)
        super().paint(painter, bar, index)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(option.palette.color(QPalette.ColorRole.HighlightedText) if selected
                       else colour("ACCENT"))
        r = option.rect
        painter.drawText(QRect(r.right() - mark - 2, r.top(), mark, r.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, OVERRIDE_MARK)
        painter.restore()


class RosterTab(QWidget):
    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.activity_id = activity_id
        self.activity_name = ""
        self.rows: list[RosterRow] = []
        self.requires_signoff = False
        self.signed: frozenset[int] | None = None
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the roster")
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
        self.search.setToolTip("Matches name, grade, class, student number, status and standing")
        self.search.search.connect(self._apply_filter)
        bar.addWidget(self.search, 2)
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Status filter")
        self.status_filter.addItem("All statuses", None)
        for st in ProgressStatus:
            self.status_filter.addItem(st.label, st.value)
        self.status_filter.currentIndexChanged.connect(lambda _i: self._apply_filter())
        bar.addWidget(self.status_filter)
        self.standing_filter = QComboBox()
        self.standing_filter.setAccessibleName("Standing filter")
        self.standing_filter.setToolTip(HOW_JUDGED)
        self.standing_filter.addItem("All standings", None)
        for standing in STANDING_FILTER:
            self.standing_filter.addItem(standing.label, standing.value)
        self.standing_filter.currentIndexChanged.connect(lambda _i: self._apply_filter())
        bar.addWidget(self.standing_filter)
        bar.addStretch(1)
        self.count = styled_label("", muted=True)
        bar.addWidget(self.count)
        if self.can_import:
            bar.addWidget(action_button(self.import_action))
        bar.addWidget(action_button(self.enroll_action, primary=True))
        outer.addLayout(bar)
        actions = QHBoxLayout()
        actions.addWidget(styled_label("Selected:", muted=True))
        for a in self.row_actions:
            actions.addWidget(action_button(a))
        actions.addStretch(1)
        outer.addLayout(actions)

        self.table = make_table({i: c.width for i, c in enumerate(RosterModel.columns)})
        self.table.setModel(self.proxy)
        apply_widths(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAccessibleName("Roster")
        self.table.setItemDelegateForColumn(RosterModel.STATUS, RosterStatusDelegate(self.table))
        self.table.setItemDelegateForColumn(RosterModel.PROGRESS, RosterProgressDelegate(self.table))
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
        self.panel.setMinimumWidth(210)
        panel = QVBoxLayout(self.panel)
        panel.setContentsMargins(14, 12, 14, 12)
        self.panel_title = styled_label("No one selected", heading="2")
        self.panel_title.setWordWrap(True)
        self.panel_facts = styled_label("Select a student to see their status history.", muted=True)
        self.panel_facts.setWordWrap(True)
        self.panel_facts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.panel_facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # standing reasons and a note set by hand can be long: the facts scroll, the history keeps room
        facts = QScrollArea()
        facts.setWidget(self.panel_facts)
        facts.setWidgetResizable(True)
        facts.setFrameShape(QFrame.Shape.NoFrame)
        facts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        facts.viewport().setAutoFillBackground(False)
        self.panel_facts.setAutoFillBackground(False)
        panel.addWidget(self.panel_title)
        panel.addWidget(facts, 3)
        panel.addWidget(styled_label("Status history", heading="2"))
        self.history = QListWidget()
        self.history.setAccessibleName("Status history")
        self.history.setWordWrap(True)
        self.history.setFrameShape(QFrame.Shape.NoFrame)
        self.history.setSpacing(4)
        self.history.setMinimumHeight(90)
        panel.addWidget(self.history, 2)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table_box)
        split.addWidget(self.panel)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setSizes([800, 210])
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
        self.override_action = act("Set progress…", self.set_progress,
                                   "Set progress and/or status by hand for the selected students, with a note")
        self.clear_override_action = act("Back to computed", self.back_to_computed,
                                         "Drop what was set by hand: progress and status follow the rules again")
        self.sign_off_action = act("Sign off", self.sign_off,
                                   "Give the teacher's sign-off this activity requires for completion")
        self.undo_sign_off_action = act("Undo sign-off", self.undo_sign_off,
                                        "Take the sign-off of the selected students back")
        for a in (self.sign_off_action, self.undo_sign_off_action):
            a.setVisible(False)  # until the activity is known to require a sign-off
        self.row_actions = (self.drop_action, self.reenroll_action, self.promote_action, self.complete_action,
                            self.override_action, self.clear_override_action, self.sign_off_action,
                            self.undo_sign_off_action)

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
        self.override_action.setEnabled(bool(statuses & set(ACTIVE_OR_COMPLETED)))
        self.clear_override_action.setEnabled(any(r.overridden for r in chosen))
        can_sign = bool(self._to_sign(chosen, signed=True))
        can_undo = bool(self._to_sign(chosen, signed=False))
        # one of the two at a time (the row of buttons must fit a 1280-pixel window): "Undo
        # sign-off" when only signed-off students are selected
        undo = can_undo and not can_sign
        self.sign_off_action.setVisible(self.requires_signoff and not undo)
        self.undo_sign_off_action.setVisible(self.requires_signoff and undo)
        self.sign_off_action.setEnabled(can_sign)
        self.undo_sign_off_action.setEnabled(can_undo)

    def _to_sign(self, rows: list[RosterRow], *, signed: bool) -> list[RosterRow]:
        """The rows a sign-off (``signed``) or its undoing applies to, as far as the tab knows."""
        if signed:
            rows = [r for r in rows if r.status is ProgressStatus.ACTIVE]
        else:
            rows = [r for r in rows if r.status in ACTIVE_OR_COMPLETED]
        if self.signed is None:
            return rows
        return [r for r in rows if (r.student_id in self.signed) != signed]

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
        text += self._standing_facts(r)
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

    def _standing_facts(self, r: RosterRow) -> str:
        """Standing with its reasons, what was set by hand and the sign-off."""
        lines = []
        if r.standing in (Standing.ON_TRACK, Standing.BEHIND, Standing.AT_RISK):
            lines.append(f"Standing: {r.standing.label}")
            lines += [f"• {reason}" for reason in r.standing_reasons]
        if r.overridden:
            lines.append(f"{OVERRIDE_MARK} {override_line(r)}")
        if self.requires_signoff and self.signed is not None and r.status in ACTIVE_OR_COMPLETED:
            lines.append("Signed off" if r.student_id in self.signed else "Not signed off yet")
        return "".join("\n" + line for line in lines)

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
        for a in self.row_actions:
            if a.isEnabled() and a.isVisible():
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
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], RosterSnapshot]:
        services, actor, aid = self.ctx.services, self.ctx.user, self.activity_id
        return lambda state: load_roster(services, actor, aid)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(str(exc))

    def _loaded(self, snapshot: RosterSnapshot) -> None:
        keep = {r.student_id for r in self.selected()}
        self.rows = snapshot.rows
        self.requires_signoff = snapshot.requires_signoff
        self.signed = snapshot.signed
        self.model.set_rows(snapshot.rows, snapshot.participation)
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
        standing = self.standing_filter.currentData()
        if status is None and standing is None:
            self.proxy.set_predicate(None)
        else:
            self.proxy.set_predicate(lambda r: (status is None or r.status.value == status)
                                     and (standing is None or r.standing.value == standing))
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
        """Run ``call`` for each student on the writer thread (re-enroll, promote: each student is
        a transaction of its own, as each one takes or frees a place)."""
        if not rows:
            return
        ids = [r.student_id for r in rows]
        self._write_all(lambda: [call(sid) for sid in ids], label, done_text)

    def _write_all(self, call: Callable[[], list[Any]], label: str, done_text: Callable[[list[Any]], str]) -> None:
        """Run one service call for the whole selection (one unit of work: all or nothing). What
        the service refuses, and for whom, goes to the message line."""

        def refused(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):
                named = [p.message for p in exc.problems if p.message != exc.message]
                self._published("Nothing changed: " + " ".join([exc.message, *named]))
                return
            self._published()
            show_error(self, exc, label)

        self.ctx.tasks.run(lambda state: call(), write=True, label=label,
                           on_done=lambda out: self._published(done_text(out)), on_error=refused)

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

    def set_progress(self) -> Any:
        from ui.dialogs.progress_dialog import ProgressOverrideDialog

        chosen = [r for r in self.selected() if r.status in ACTIVE_OR_COMPLETED]
        if not chosen:
            return None
        dialog = ProgressOverrideDialog(self.ctx, self.activity_id, [(r.student_id, r.name) for r in chosen], self,
                                        progress=chosen[0].progress_percentage if len(chosen) == 1 else None)
        return self._open(dialog, lambda d: f"Set by hand for {_students(len(chosen))}.")

    def back_to_computed(self) -> None:
        service, actor, aid = self.ctx.services.progress, self.ctx.user, self.activity_id
        ids = [r.student_id for r in self.selected() if r.overridden]
        if ids:
            self._write_all(lambda: service.clear_override_for(actor, aid, ids), "Back to computed",
                            lambda out: f"Back to the computed progress for {_students(len(out))}.")

    def sign_off(self) -> None:
        self._sign(signed=True)

    def undo_sign_off(self) -> None:
        self._sign(signed=False)

    def _sign(self, *, signed: bool) -> None:
        service, actor, aid = self.ctx.services.progress, self.ctx.user, self.activity_id
        rows = self._to_sign(self.selected(), signed=signed)

        def done_text(out: list[Any]) -> str:
            if not signed:
                return f"Sign-off taken back for {_students(len(out))}."
            completed = sum(1 for p in out if p.status is ProgressStatus.COMPLETED)
            return f"Signed off {_students(len(out))}" + (f"; {completed} completed." if completed else ".")

        ids = [r.student_id for r in rows]
        if ids:
            self._write_all(lambda: service.sign_off_for(actor, aid, ids, signed=signed),
                            "Sign off" if signed else "Undo sign-off", done_text)

    def import_roster(self) -> Any:
        from ui.dialogs.import_dialog import ImportDialog

        if not self.can_import:
            return None
        dialog = ImportDialog(self.ctx, self)
        dialog.finished.connect(lambda _c: dialog.deleteLater())
        dialog.open()
        self.dialog = dialog
        return dialog


def _students(n: int) -> str:
    return f"{n} student{'s' if n != 1 else ''}"
