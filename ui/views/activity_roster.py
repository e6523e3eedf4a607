"""The Roster tab of an activity: who is enrolled, waitlisted, completed or dropped, how each
student stands (on track / behind / at risk) and participates, and the actions a lead takes on
them (enroll, drop, re-enroll, promote, mark completed, set progress by hand and go back to the
computed figures, sign off, import, and the certificate wizard for the selected students).

One background read loads the roster snapshot with the participation summaries, the badges each
student holds from the activity and who is signed off; the filter box and the status and standing filters work on it.
Writes (``ui.views.roster_writes``) are operations on the writer thread; the enrollment and
progress changes they publish reload this tab (on screen, or when next shown) and every page
showing figures of the activity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QMenu,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus
from tracker.domain.policy import Permission
from tracker.domain.standing import HOW_JUDGED, Standing
from tracker.services.enrollment import RosterRow, StatusChange
from ui.context import AppContext
from ui.models.base import FilterProxy
from ui.models.certificate_wizard import may_force
from ui.models.roster import ACTIVE_OR_COMPLETED, RosterModel, RosterSnapshot, load_roster
from ui.ops import ReadOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Refreshing
from ui.views.roster_panel import RosterPanel
from ui.views.roster_writes import RosterWrites
from ui.widgets import EmptyState, SearchBox, apply_widths, make_table
from ui.widgets.action_bar import ActionBar, action_button
from ui.widgets.actions import widget_action
from ui.widgets.elided import ElidedLabel
from ui.widgets.roster_delegates import RosterProgressDelegate, RosterStatusDelegate
from ui.widgets.style import set_style_flag, styled_label
from ui.widgets.tables import with_side_panel

STANDING_FILTER = (Standing.AT_RISK, Standing.BEHIND, Standing.ON_TRACK, Standing.COMPLETED)


class RosterTab(RosterWrites, Refreshing):
    """The roster table with its filters, the side panel and the actions; the writes are
    :class:`ui.views.roster_writes.RosterWrites`."""

    watches = frozenset({ChangeKind.ENROLLMENT, ChangeKind.PROGRESS, ChangeKind.ATTENDANCE, ChangeKind.MILESTONE,
                         ChangeKind.USER, ChangeKind.ACTIVITY, ChangeKind.SESSION, ChangeKind.BADGE})

    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.activity_name = ""
        self.rows: list[RosterRow] = []
        self.requires_signoff = False
        self.signed: frozenset[int] | None = None
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the roster")
        self.dialog: Any = None
        self.wizard: QWidget | None = None  # the certificate wizard, once opened from here
        self.can_import = ctx.can(Permission.MANAGE_USERS)

        self.model = RosterModel(self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 10, 0, 0)
        outer.setSpacing(10)
        self._make_actions()
        # two rows that keep to the tab's width (1024-pixel screens too): the filters and the
        # summary (elided, whole in its tooltip); the actions on the selection (those that do not
        # fit go into "More") with import and enroll on the right
        bar = QHBoxLayout()
        self.search = SearchBox("Filter the roster…")
        self.search.setToolTip("Matches name, grade, class, student number, status and standing")
        self.search.search.connect(self._apply_filter)
        bar.addWidget(self.search, 1)
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
        self.count = ElidedLabel("")
        set_style_flag(self.count, "muted")
        self.count.setAccessibleName("Roster summary")
        bar.addWidget(self.count, 1)
        outer.addLayout(bar)
        actions = QHBoxLayout()
        actions.addWidget(styled_label("Selected:", muted=True))
        # letters go to the selected students, or to those of the standing filter: last in the
        # row, so that on a narrow tab they fold into "More" before the others
        self.row_bar = ActionBar((*self.row_actions, self.letters_action, self.report_action))
        self.row_bar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        actions.addWidget(self.row_bar)
        actions.addStretch(1)
        if self.can_import:
            actions.addWidget(action_button(self.import_action))
        actions.addWidget(action_button(self.enroll_action, primary=True))
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

        self.panel = RosterPanel()
        # the tab's names for the panel's parts
        self.panel_title, self.panel_facts, self.history = self.panel.title, self.panel.facts, self.panel.history

        self.table_box.setMinimumWidth(320)  # the splitter never squeezes the table to a sliver
        self.split = with_side_panel(self.table_box, self.panel, (800, 240))
        outer.addWidget(self.split, 1)
        self.message = styled_label("", muted=True)
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
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
        self.certificates_action = act("Certificates for selected…", self.certificates_for_selected,
                                       "The certificate wizard with the selected students ticked")
        self.certificates_action.setVisible(self.ctx.can(Permission.ISSUE_CERTIFICATES))
        self.letters_action = act("Letters to parents…", self.letters_to_parents,
                                  "Printable letters to parents: progress, attendance, milestones still needed "
                                  "and your note (the students in the standing filter, or those selected)")
        self.letters_action.setVisible(self.ctx.can(Permission.UPDATE_PROGRESS))
        self.portfolio_action = act("Portfolio…", self.open_portfolio,
                                    "The selected student's portfolio (the activities you may see)")
        self.report_action = act("Progress report (PDF)…", self.progress_report,
                                 "The selected student's progress report as a PDF, to print or send home")
        for a in (self.sign_off_action, self.undo_sign_off_action):
            a.setVisible(False)  # until the activity is known to require a sign-off
        self.row_actions = (self.drop_action, self.reenroll_action, self.promote_action, self.complete_action,
                            self.override_action, self.clear_override_action, self.sign_off_action,
                            self.undo_sign_off_action, self.certificates_action)

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
        self.certificates_action.setEnabled(ProgressStatus.COMPLETED in statuses
                                            or (bool(chosen) and may_force(self.ctx.actor)))
        self.portfolio_action.setEnabled(len(chosen) == 1)
        self.report_action.setEnabled(len(chosen) == 1)

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
        if len(chosen) != 1:
            self.panel.show_count(len(chosen))
            return
        r = chosen[0]
        self.panel.show_student(r, self.requires_signoff, self.signed, self.model.rule)
        service, actor, aid, sid = self.ctx.services.enrollment, self.ctx.user, self.activity_id, r.student_id

        def failed(_exc: BaseException) -> bool:
            self.history.clear()
            return True

        ReadOp(self, self.ctx, lambda state: service.status_history(actor, aid, sid), label="Status history") \
            .success(lambda changes: self._show_history(sid, changes)).failure(failed).run_in_background()

    def _show_history(self, student_id: int, changes: list[StatusChange]) -> None:
        chosen = self.selected()
        if len(chosen) != 1 or chosen[0].student_id != student_id:
            return
        self.panel.show_history(changes)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.table.selectRow(index.row())
        menu = QMenu(self)
        for a in self.row_actions:
            if a.isEnabled() and a.isVisible():
                menu.addAction(a)
        if self.portfolio_action.isEnabled():
            menu.addAction(self.portfolio_action)
            menu.addAction(self.report_action)
        menu.addSeparator()
        menu.addAction(self.enroll_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def letters_to_parents(self) -> QWidget:
        """The letters dialog: the students selected (two or more) ticked, else those in the
        standing the roster is filtered by."""
        from ui.dialogs.letters_dialog import open_letters_dialog

        chosen = [r.student_id for r in self.selected()]
        self.dialog = open_letters_dialog(self, self.ctx, self.activity_id, self.activity_name,
                                          standing=self.standing_filter.currentData(),
                                          chosen=chosen if len(chosen) > 1 else None)
        return self.dialog

    def open_portfolio(self) -> QWidget | None:
        """The selected student's portfolio, in a window of its own."""
        chosen = self.selected()
        if len(chosen) != 1:
            return None
        from ui.views.portfolio import open_portfolio

        return open_portfolio(self, self.ctx, chosen[0].student_id)

    def progress_report(self) -> QWidget | None:
        """The selected student's progress report (PDF) through the export dialog."""
        chosen = self.selected()
        if len(chosen) != 1:
            return None
        from ui.dialogs.export_dialog import open_export_dialog

        return open_export_dialog(self, self.ctx, student=(chosen[0].student_id, chosen[0].name))

    def focus_main(self) -> None:
        """The keyboard's place in the tab: the table (its first row when none is selected), or
        the filter box while nobody is enrolled."""
        if self.table.isVisibleTo(self):
            self._focus_table()
        else:
            self.search.setFocus()

    def _focus_table(self) -> None:
        self.table.setFocus()
        if not self.table.selectionModel().selectedRows() and self.proxy.rowCount():
            self.table.selectRow(0)

    # ------------------------------------------------------------------ loading
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
        self.model.set_rows(snapshot.rows, snapshot.participation, snapshot.rule, snapshot.badges)
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

    def certificates_for_selected(self) -> QWidget | None:
        """The certificate wizard on this activity, the selected students ticked."""
        from ui.dialogs.certificate_wizard import open_certificate_wizard

        chosen = [r.student_id for r in self.selected()]
        if not chosen:
            return None
        self.wizard = open_certificate_wizard(self, self.ctx, self.activity_id, chosen)
        return self.wizard

    def select_student(self, student_id: int) -> bool:
        for i in range(self.proxy.rowCount()):
            if self.proxy.record(i).student_id == student_id:
                self.table.selectRow(i)
                return True
        return False
