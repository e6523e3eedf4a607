"""The Badges tab of an activity: who holds which badge, and the actions on badges and awards.

A table with a row per student and a column per badge (the activity's and the school-wide ones;
an archived badge stays as a column while someone here holds it): "✓ 3 Mar 2026" where a student
holds it, with who awarded it and the note (or that the rules did) in the tooltip; "revoked"
with the reason. The filter box narrows the students. One background read
(:func:`ui.models.badges.load_badges`) brings the snapshot, the custom pictures and what the user
may do, so the actions follow the policy table: New badge…, Edit… and Archive for those who
define the badges (a school-wide badge: administrators), Award… and Revoke… for those who award
them, and Save badge… (the baked PNG/SVG) on a held badge for whoever sees the tab. Writes are
operations on the writer thread; the badge changes they publish reload the tab, and so do
enrollment, progress, milestone and attendance changes (the rules award on them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QMenu,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.services.badges import AwardInfo, BadgeInfo
from ui.context import AppContext
from ui.dialogs.award_dialog import AwardDialog, AwardResult
from ui.dialogs.reason_dialog import ReasonDialog
from ui.models.badges import BadgesSnapshot, WhoHasWhatModel, load_badges
from ui.models.base import FilterProxy
from ui.ops import WriteOp
from ui.pending_jobs import plural
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.badge_files import save_award
from ui.views.base import Refreshing
from ui.widgets import EmptyState, SearchBox, make_table
from ui.widgets.action_bar import ActionBar, action_button
from ui.widgets.actions import widget_action
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import day, set_style_flag, styled_label

STUDENT_WIDTH = 190
BADGE_WIDTH = 128


class BadgesTab(Refreshing):
    """Students × badges with the badge and award actions."""

    watches = frozenset({ChangeKind.BADGE, ChangeKind.ENROLLMENT, ChangeKind.PROGRESS, ChangeKind.MILESTONE,
                         ChangeKind.ATTENDANCE, ChangeKind.SKILL, ChangeKind.USER, ChangeKind.ACTIVITY})

    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.snapshot: BadgesSnapshot | None = None
        self.dialog: QWidget | None = None
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the badges")
        self.model = WhoHasWhatModel(self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)

        def act(text: str, slot: Callable[[], Any], tip: str, *keys: str) -> QAction:
            return widget_action(self, text, slot, tip, *keys)

        self.new_action = act("New badge…", self.new_badge, "Define a badge of this activity (Ctrl+N)", "Ctrl+N")
        self.edit_action = act("Edit…", self.edit_badge, "Edit the badge of the selected column")
        self.archive_action = act("Archive", self.archive_badge,
                                  "Archive the badge of the selected column: no longer awarded, awards stay")
        self.award_action = act("Award…", self.award, "Award a badge by hand to students, with a note")
        self.revoke_action = act("Revoke…", self.revoke, "Take the selected award back, saying why")
        self.save_action = act("Save badge…", self.save_badge,
                               "Save the selected award as a PNG or SVG baked with its Open Badges credential")
        for a in (self.new_action, self.edit_action, self.archive_action, self.award_action, self.revoke_action):
            a.setVisible(False)  # until the snapshot says what the user may do

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 10, 0, 0)
        outer.setSpacing(8)
        bar = QHBoxLayout()
        self.search = SearchBox("Filter students…")
        self.search.setToolTip("Matches the students' names")
        self.search.search.connect(self._apply_filter)
        bar.addWidget(self.search, 1)
        self.counts = ElidedLabel("")
        set_style_flag(self.counts, "muted")
        self.counts.setAccessibleName("Badges summary")
        bar.addWidget(self.counts, 1)
        bar.addWidget(action_button(self.award_action))
        bar.addWidget(action_button(self.new_action, primary=True))
        outer.addLayout(bar)
        below = QHBoxLayout()
        below.addWidget(styled_label("Selected:", muted=True))
        self.selection = ElidedLabel("nothing")
        self.selection.setAccessibleName("Selected award")
        below.addWidget(self.selection, 1)
        self.cell_bar = ActionBar((self.save_action, self.revoke_action, self.edit_action, self.archive_action))
        self.cell_bar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        below.addWidget(self.cell_bar)
        outer.addLayout(below)

        self.table = make_table({0: STUDENT_WIDTH})
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setAccessibleName("Who has which badge")
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setDefaultSectionSize(BADGE_WIDTH)
        self.table.horizontalHeader().setMinimumSectionSize(60)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().currentChanged.connect(lambda *_: self._update_actions())
        self.table.doubleClicked.connect(lambda _i: self.save_badge())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.search.move_down.connect(self.focus_main)
        self.empty = EmptyState("No badges yet", "")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        outer.addWidget(self.stack, 1)
        self.message = styled_label("", muted=True)
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        self._update_actions()

    # ------------------------------------------------------------------ selection
    def current_badge(self) -> BadgeInfo | None:
        index = self.table.currentIndex()
        return self.model.badge_at(index.column()) if index.isValid() else None

    def current_award(self) -> AwardInfo | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        source = self.proxy.mapToSource(index)
        return self.model.award_at(source.row(), source.column())

    def current_student(self) -> tuple[int, str] | None:
        index = self.table.currentIndex()
        return self.model.student_at(self.proxy.mapToSource(index).row()) if index.isValid() else None

    def select_cell(self, student_id: int, badge_id: int) -> bool:
        """Make one student's cell of one badge current (tests, screenshots)."""
        column = next((i + 1 for i, b in enumerate(self.model.badges) if b.id == badge_id), -1)
        for row in range(self.proxy.rowCount()):
            student = self.model.student_at(self.proxy.mapToSource(self.proxy.index(row, 0)).row())
            if student is not None and student[0] == student_id and column > 0:
                self.table.selectionModel().setCurrentIndex(
                    self.proxy.index(row, column), QItemSelectionModel.SelectionFlag.ClearAndSelect)
                return True
        return False

    def _update_actions(self) -> None:
        snap, badge, award = self.snapshot, self.current_badge(), self.current_award()
        held = award is not None and not award.revoked
        self.new_action.setVisible(bool(snap and (snap.may_define or snap.may_define_school)))
        self.award_action.setVisible(bool(snap and (snap.may_award or snap.may_award_school)))
        self.award_action.setEnabled(bool(snap and any(not b.archived and snap.may_award_badge(b)
                                                        for b in snap.columns())))
        editable = snap is not None and badge is not None and snap.may_edit(badge)
        self.edit_action.setVisible(bool(snap and (snap.may_define or snap.may_define_school)))
        self.edit_action.setEnabled(editable)
        self.archive_action.setVisible(self.edit_action.isVisible())
        self.archive_action.setEnabled(editable)
        self.archive_action.setText("Unarchive" if badge is not None and badge.archived else "Archive")
        self.revoke_action.setVisible(self.award_action.isVisible())
        self.revoke_action.setEnabled(held and snap is not None and badge is not None and snap.may_award_badge(badge))
        self.save_action.setEnabled(held)
        self.selection.setText(self._selection_text(badge, award))

    def _selection_text(self, badge: BadgeInfo | None, award: AwardInfo | None) -> str:
        """"Leo Rivera · Century Club, since 26 Oct 2026", or what is chosen without an award."""
        student = self.current_student()
        if badge is None:
            return student[1] if student else "nothing"
        who = f"{student[1]} · " if student else ""
        if award is None:
            return f"{who}{badge.name} (not held)"
        if award.revoked:
            return f"{who}{badge.name}, revoked {day(award.revoked_at)}"
        return f"{who}{badge.name}, since {day(award.awarded_at)}"

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.setCurrentIndex(index)
        menu = QMenu(self)
        for a in (self.save_action, self.revoke_action, self.award_action, self.edit_action, self.archive_action,
                  self.new_action):
            if a.isVisible() and a.isEnabled():
                menu.addAction(a)
        if not menu.isEmpty():
            menu.popup(self.table.viewport().mapToGlobal(pos))

    def focus_main(self) -> None:
        """The keyboard's place in the tab: the table (its first badge cell), or the filter box."""
        if self.stack.currentWidget() is not self.table or not self.proxy.rowCount():
            self.search.setFocus()
            return
        self.table.setFocus()
        if not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 1 if self.proxy.columnCount() > 1 else 0))

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], BadgesSnapshot]:
        services, actor, aid = self.ctx.services, self.ctx.user, self.activity_id
        return lambda state: load_badges(services, actor, aid)

    def _failed(self, exc: BaseException) -> None:
        self.snapshot = None
        self.model.set_snapshot(None)
        self.empty.set_text("The badges could not be loaded", str(exc))
        self.stack.setCurrentWidget(self.empty)
        self._update_actions()

    def _loaded(self, snapshot: BadgesSnapshot) -> None:
        keep = self.current_student(), self.current_badge()
        self.snapshot = snapshot
        self.model.set_snapshot(snapshot)
        header = self.table.horizontalHeader()
        header.resizeSection(0, STUDENT_WIDTH)
        for column in range(1, self.model.columnCount()):
            header.resizeSection(column, BADGE_WIDTH)
        self._apply_filter()
        if keep[0] is not None and keep[1] is not None:
            self.select_cell(keep[0][0], keep[1].id)
        self._update_actions()

    def _apply_filter(self, *_: object) -> None:
        self.proxy.set_search(self.search.text())
        snap = self.snapshot
        columns = snap.columns() if snap else []
        if snap is not None and not columns:
            can = snap.may_define or snap.may_define_school
            self.empty.set_text("No badges yet", "Press “New badge…” to define the first one: awarded by hand, "
                                "or earned by a rule (milestones, attendance, skills…)." if can else
                                "The activity's leads have not defined any badges yet.")
            self.stack.setCurrentWidget(self.empty)
        elif snap is not None:
            self.stack.setCurrentWidget(self.table)
        if snap is None:
            self.counts.setText("")
            return
        students = len(snap.data.students)
        shown = self.proxy.rowCount()
        held = sum(1 for a in snap.data.awards.values() if not a.revoked)
        self.counts.setText((f"{shown} of {students} students · " if shown != students else
                             f"{plural(students, 'student')} · ")
                            + f"{plural(len(columns), 'badge')}, {plural(held, 'award')}")

    # ------------------------------------------------------------------ badge definitions
    def new_badge(self) -> QWidget:
        from ui.dialogs.badge_editor import open_badge_editor

        editor = open_badge_editor(self, self.ctx, activity_id=self.activity_id)
        editor.saved.connect(self._badge_saved)
        self.dialog = editor
        return editor

    def edit_badge(self) -> QWidget | None:
        from ui.dialogs.badge_editor import open_badge_editor

        badge = self.current_badge()
        if badge is None or self.snapshot is None or not self.snapshot.may_edit(badge):
            return None
        editor = open_badge_editor(self, self.ctx, badge_id=badge.id)
        editor.saved.connect(self._badge_saved)
        self.dialog = editor
        return editor

    def _badge_saved(self, info: BadgeInfo) -> None:
        awarded = f"; awarded to {plural(info.newly_awarded, 'student')} who already qualified" \
            if info.newly_awarded else ""
        self.message.setText(f"Saved the badge {info.name}{awarded}.")

    def archive_badge(self) -> None:
        badge = self.current_badge()
        if badge is None or self.snapshot is None or not self.snapshot.may_edit(badge):
            return
        service, actor, archive = self.ctx.services.badges, self.ctx.user, not badge.archived
        WriteOp(self, self.ctx, lambda state: service.archive(actor, badge.id, archive),
                label="Archiving the badge" if archive else "Unarchiving the badge") \
            .success(lambda b: self.message.setText(
                f"{b.name} archived: no longer awarded; the awards stay." if b.archived else
                f"{b.name} is awarded again.")).run_in_background()

    # ------------------------------------------------------------------ awards
    def award(self) -> QWidget | None:
        if self.snapshot is None:
            return None
        badge, student = self.current_badge(), self.current_student()
        dialog = AwardDialog(self.ctx, self.snapshot, self, badge_id=badge.id if badge else None,
                             student_ids=(student[0],) if student else ())
        dialog.accepted.connect(lambda: self._awarded(dialog.result_value))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.dialog = dialog
        return dialog

    def _awarded(self, result: AwardResult | None) -> None:
        if result is None or not result.awarded:
            return
        text = f"{result.awarded[0].badge_name} awarded to {plural(len(result.awarded), 'student')}."
        if result.refused:
            text += " Not awarded: " + " ".join(result.refused)
        self.message.setText(text)

    def revoke(self) -> QWidget | None:
        award = self.current_award()
        if award is None or award.revoked:
            return None
        award_id = award.id
        dialog = ReasonDialog("Revoke badge", f"Why revoke {award.student_name}'s badge {award.badge_name}? "
                              "It no longer counts, cannot be saved or shared, and the rules do not award "
                              "it again.", "Revoke", self)
        dialog.reason.setPlaceholderText("The reason is kept in the badge's history and shown with it")
        dialog.accepted.connect(lambda: self._revoke(award_id, dialog.text()))  # read here, not on the writer
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.dialog = dialog
        return dialog

    def _revoke(self, award_id: int, reason: str) -> None:
        service, actor = self.ctx.services.badges, self.ctx.user
        WriteOp(self, self.ctx, lambda state: service.revoke(actor, award_id, reason=reason),
                label="Revoking the badge") \
            .success(lambda a: self.message.setText(f"{a.student_name}'s badge {a.badge_name} revoked.")) \
            .run_in_background()

    def save_badge(self) -> bool:
        award = self.current_award()
        if award is None or award.revoked:
            return False
        return save_award(self, self.ctx, award, done=self.message.setText)
