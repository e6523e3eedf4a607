"""Activities (admins and teachers): the list, filtered and sorted in memory.

Those who may manage activities (``MANAGE_ACTIVITY``: admins) create, edit and archive them here;
teachers see the activities they lead. Open (Enter, double-click) shows the activity's own page
(roster, schedule) in place of the list; its Back button returns to the list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Permission
from tracker.services.activities import ActivitySummary
from ui.context import AppContext
from ui.dialogs.activity_dialog import ActivityDialog
from ui.models.activities import ActivitiesModel
from ui.models.base import FilterProxy
from ui.ops import WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState, show_error
from ui.views.base import Page
from ui.widgets import EmptyState, SearchBox, apply_widths, make_table
from ui.widgets.action_bar import ActionBar, action_button
from ui.widgets.actions import widget_action
from ui.widgets.column_fit import fit_columns
from ui.widgets.search import attach_search, focus_list
from ui.widgets.style import pct, set_style_flag, styled_label, term, when

if TYPE_CHECKING:
    from ui.views.activity_detail import ActivityDetailPage


def rule_text(a: ActivitySummary) -> str:
    parts: list[str] = []
    if a.require_milestones:
        parts.append("all required milestones")
    if a.min_attendance_pct:
        parts.append(f"attendance of at least {pct(a.min_attendance_pct)}")
    if a.requires_signoff:
        parts.append("a teacher's sign-off")
    return ("Completed with " + ", ".join(parts) + ".") if parts else "No completion rule set."


class ActivitiesPage(Page):
    title = "Activities"
    watches = frozenset({ChangeKind.ACTIVITY, ChangeKind.ENROLLMENT, ChangeKind.PROGRESS,
                         ChangeKind.MILESTONE, ChangeKind.SESSION, ChangeKind.USER})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activities: list[ActivitySummary] = []
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading activities")
        self._keep_id: int | None = None
        self.can_manage = ctx.can(Permission.MANAGE_ACTIVITY)

        self.model = ActivitiesModel(self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)

        # a stacked view: the list, or one activity's own page (ui.views.activity_detail)
        self.list_view = QWidget()
        self.views = QStackedWidget()
        self.views.addWidget(self.list_view)
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(self.views)
        self.detail_page: ActivityDetailPage | None = None
        outer = QVBoxLayout(self.list_view)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.setSpacing(12)
        head = QHBoxLayout()
        head.addWidget(styled_label("Activities" if self.can_manage else "My activities", heading="1"))
        self.count = styled_label("", muted=True)
        head.addWidget(self.count, 0, Qt.AlignmentFlag.AlignBottom)
        head.addStretch(1)
        #: New / Edit / Archive: only for those who may manage activities (None otherwise)
        self.new_action: QAction | None = None
        self.edit_action: QAction | None = None
        self.archive_action: QAction | None = None
        if self.can_manage:
            self.new_action, self.edit_action, self.archive_action = self._make_actions()
            head.addWidget(action_button(self.new_action, primary=True))
        outer.addLayout(head)

        self.filter_bar = QWidget()
        bar = QHBoxLayout(self.filter_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        self.search = SearchBox("Search activities…")
        self.search.setToolTip("Matches name, category, location, leads and description")
        self.search.search.connect(self._apply_filter)
        bar.addWidget(self.search, 1)
        self.category = QComboBox()
        self.category.setAccessibleName("Category filter")
        self.category.addItem("All categories", None)
        self.category.setMinimumWidth(150)
        self.category.currentIndexChanged.connect(lambda _i: self._apply_filter())
        bar.addWidget(self.category)
        self.show_archived = QCheckBox("Show archived")
        self.show_archived.toggled.connect(lambda _on: self._apply_filter())
        bar.addWidget(self.show_archived)
        self.open_action = QAction("Open", self)
        self.open_action.setToolTip("Open the activity: roster and schedule (Enter or double-click)")
        self.open_action.triggered.connect(lambda: self.open_activity())
        self.addAction(self.open_action)
        self.action_bar = ActionBar([a for a in (self.open_action, self.edit_action, self.archive_action)
                                     if a is not None])
        bar.addWidget(self.action_bar)  # its buttons first; the search box takes what is left
        outer.addWidget(self.filter_bar)

        m = ActivitiesModel
        self.table = make_table({i: c.width for i, c in enumerate(m.columns)})
        self.table.setModel(self.proxy)
        apply_widths(self.table)
        # the leads take the room left; what a hidden column says is in the details card below
        self.columns = fit_columns(self.table, stretch=m.LEADS, minimum=170, drop=(
            m.TERM, m.DROPPED, m.MILESTONES, m.CATEGORY, m.NEXT_SESSION, m.WAITLISTED, m.ACTIVE))
        self.table.setAccessibleName("Activities")
        attach_search(self.search, self.table, self.open_action.trigger)
        find = QAction("Find", self)
        find.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        find.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.triggered.connect(self.search.focus_all)
        self.addAction(find)
        self.table.sortByColumn(m.NAME, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.activated.connect(lambda _i: self.open_action.trigger())
        if self.can_manage:
            self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            self.table.customContextMenuRequested.connect(self._context_menu)

        self.empty = EmptyState()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        outer.addWidget(self.stack, 1)

        self.detail = QFrame()
        set_style_flag(self.detail, "card")
        detail_lay = QVBoxLayout(self.detail)
        detail_lay.setContentsMargins(16, 10, 16, 10)
        detail_lay.setSpacing(4)
        self.detail_title = styled_label("", heading="2")
        self.detail_facts = styled_label("", muted=True)
        self.detail_facts.setWordWrap(True)
        self.detail_text = QLabel("")
        self.detail_text.setWordWrap(True)
        for w in (self.detail_title, self.detail_facts, self.detail_text):
            detail_lay.addWidget(w)
        outer.addWidget(self.detail)
        self._update_actions()

    # ------------------------------------------------------------------ actions
    def _make_actions(self) -> tuple[QAction, QAction, QAction]:
        """New, Edit and Archive."""
        return (
            widget_action(self, "New activity…", self.new_activity, "Create an activity (Ctrl+N)",
                          QKeySequence.StandardKey.New),
            widget_action(self, "Edit…", self.edit_activity, "Edit the selected activity (Enter)"),
            widget_action(self, "Archive", self.toggle_archived,
                          "Archive the selected activity (hidden from dashboards), or bring it back"),
        )

    def selected(self) -> ActivitySummary | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.record(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        a = self.selected()
        if hasattr(self, "open_action"):
            self.open_action.setEnabled(a is not None)
        if self.edit_action is not None:
            self.edit_action.setEnabled(a is not None)
        if self.archive_action is not None:
            self.archive_action.setEnabled(a is not None)
            self.archive_action.setText("Unarchive" if a and a.archived else "Archive")

    def _selection_changed(self, *_: object) -> None:
        self._update_actions()
        a = self.selected()
        self.detail.setVisible(a is not None)
        if a is None:
            return
        self.detail_title.setText(a.name + ("  (archived)" if a.archived else ""))
        facts = [a.category]
        if a.location:
            facts.append(a.location)
        facts.append(term(a.start_date, a.end_date) if (a.start_date or a.end_date) else "no term dates")
        facts.append(f"{a.enrolled} enrolled of {a.capacity}" if a.capacity
                     else f"{a.enrolled} enrolled, no capacity limit")
        facts += [f"{n} {what}" for n, what in ((a.dropped, "dropped"), (a.waitlisted, "on the waiting list")) if n]
        facts.append(f"{a.milestones} milestone{'' if a.milestones == 1 else 's'}")
        if a.next_session:
            facts.append(f"next session {when(a.next_session)}")
        self.detail_facts.setText(" · ".join(facts))
        lead = ", ".join(a.leads) or "nobody yet"
        text = f"Led by {lead}. {rule_text(a)}"
        if a.description:
            text = a.description.strip() + "\n" + text
        self.detail_text.setText(text)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.selectRow(index.row())
        menu = QMenu(self)
        if self.selected() is not None:
            for action in (self.open_action, self.edit_action, self.archive_action):
                if action is not None:
                    menu.addAction(action)
            menu.addSeparator()
        if self.new_action is not None:
            menu.addAction(self.new_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def focus_main(self) -> None:
        """After switching to the page: the list (Down and Enter work at once), or the open
        activity's page, or the search box when the list is empty."""
        if self.detail_page is not None and self.views.currentWidget() is self.detail_page:
            self.detail_page.roster.table.setFocus()
        elif not focus_list(self.table):
            self.search.setFocus()

    # ------------------------------------------------------------------ one activity's page
    def open_activity(self, activity_id: int | None = None) -> ActivityDetailPage | None:
        """Show the activity's own page (roster, schedule) in place of the list."""
        from ui.views.activity_detail import ActivityDetailPage

        if activity_id is None:
            a = self.selected()
            if a is None:
                return None
            activity_id = a.id
        self.close_activity()
        detail = self.detail_page = ActivityDetailPage(self.ctx, activity_id)
        detail.closed.connect(self.close_activity)
        self.views.addWidget(detail)
        self.views.setCurrentWidget(detail)
        detail.refresh()
        detail.roster.table.setFocus()
        return detail

    def close_activity(self) -> None:
        detail, self.detail_page = self.detail_page, None
        if detail is None:
            return
        self.views.setCurrentWidget(self.list_view)
        self.views.removeWidget(detail)
        detail.hide()
        self._retire(detail)
        keep = detail.activity_id
        if not self.select_activity(keep):
            self._keep_id = keep
        self.table.setFocus()

    def _retire(self, widget: QWidget) -> None:
        """Delete a closed activity page once no background task can still answer to it."""
        if not self.ctx.tasks.busy:
            widget.deleteLater()
            return

        def idle(busy: bool) -> None:
            if not busy:
                self.ctx.tasks.busy_changed.disconnect(idle)
                widget.deleteLater()

        self.ctx.tasks.busy_changed.connect(idle)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], list[ActivitySummary]]:
        actor, service = self.ctx.user, self.ctx.services.activities
        return lambda state: service.list_activities(actor, include_archived=True)

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def _loaded(self, rows: list[ActivitySummary]) -> None:
        keep = self._keep_id
        if keep is None:
            current = self.selected()
            keep = current.id if current else None
        self._keep_id = None
        self.activities = rows
        self.model.set_rows(rows)
        chosen = self.category.currentData()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem("All categories", None)
        for c in sorted({a.category for a in rows}, key=str.lower):
            self.category.addItem(c, c)
        index = self.category.findData(chosen) if chosen else 0
        self.category.setCurrentIndex(max(0, index))
        self.category.blockSignals(False)
        self._apply_filter()
        if keep is None or not self.select_activity(keep):
            if self.proxy.rowCount():
                self.table.selectRow(0)
        self._selection_changed()

    def _apply_filter(self, *_: object) -> None:
        category = self.category.currentData()
        archived = self.show_archived.isChecked()
        self.proxy.set_predicate(lambda a: (archived or not a.archived)
                                 and (category is None or a.category == category))
        self.proxy.set_search(self.search.text())
        shown = self.proxy.rowCount()
        total = sum(1 for a in self.activities if archived or not a.archived)
        self.count.setText(f"{total} activit{'y' if total == 1 else 'ies'}" if shown == total
                           else f"{shown} of {total} activities")
        self.filter_bar.setVisible(bool(self.activities))
        if not self.activities or not total:
            if self.can_manage:
                self.empty.set_text("No activities yet", "Press “New activity…” to create the first one.")
            else:
                self.empty.set_text("You don't lead any activities yet",
                                    "An administrator can assign you to one.")
            self.stack.setCurrentWidget(self.empty)
        elif not shown:
            self.empty.set_text("No activity matches", "Try other words or another category.")
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.table)
        self._selection_changed()

    def reveal(self, activity_id: int) -> None:
        """Select an activity, now or as soon as the list has loaded (archived ones included)."""
        self.search.clear()
        self.search.flush()
        self.category.setCurrentIndex(0)
        if any(a.id == activity_id and a.archived for a in self.activities):
            self.show_archived.setChecked(True)
        if self.reloader.loading or not self.select_activity(activity_id):
            self._keep_id = activity_id

    def select_activity(self, activity_id: int) -> bool:
        row = self.model.row_of(lambda a: a.id == activity_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    # ------------------------------------------------------------------ writes
    def _categories(self) -> list[str]:
        return sorted({a.category for a in self.activities})

    def _open(self, dialog: ActivityDialog) -> ActivityDialog:
        def finished(code: int) -> None:
            if code and dialog.result_value is not None:
                self._keep_id = dialog.result_value.id
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def new_activity(self) -> ActivityDialog | None:
        if not self.can_manage:
            return None
        return self._open(ActivityDialog(self.ctx, None, categories=self._categories(), parent=self))

    def edit_activity(self) -> ActivityDialog | None:
        a = self.selected()
        if a is None or not self.can_manage:
            return None
        return self._open(ActivityDialog(self.ctx, a, categories=self._categories(), parent=self))

    def toggle_archived(self) -> None:
        a = self.selected()
        if a is None or not self.can_manage:
            return
        archive = not a.archived
        if archive:
            answer = QMessageBox.question(
                self, "Archive activity",
                f"Archive {a.name}? It disappears from dashboards and lists; its records are kept "
                "and you can unarchive it at any time (tick “Show archived”).")
            if answer != QMessageBox.StandardButton.Yes:
                return
        service, actor = self.ctx.services.activities, self.ctx.user
        self._keep_id = a.id
        WriteOp(self, self.ctx, lambda state: service.set_archived(actor, a.id, archive),
                label="Archive activity").run_in_background()
