"""Inbox: everyone's own notifications — what progress, attendance, badges and certificates
brought up — newest first, the unread ones bold.

One background read loads the newest notifications (``services.notifications.inbox``); the kind,
activity and "Unread only" filters work on that snapshot, so filtering reads nothing. The
selected notification's whole text is in the panel beside the list. "Open" (Enter) goes to the
record it is about — the student's activity on the Progress page for students and parents, the
activity's own page for staff — and marks it read; "Mark read" (Del) / "Mark all read" are
writes (``WriteOp``) whose ``NOTIFICATION`` change reloads this page and the sidebar's count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind, Changes
from tracker.errors import TrackerError
from tracker.services.notifications import KINDS, NotificationInfo
from ui.context import AppContext
from ui.models.base import Column, FilterProxy, SnapshotModel
from ui.notifications import about, concerns, headline, kind_label, local_time
from ui.ops import WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Page
from ui.widgets import EmptyState, apply_widths, make_table
from ui.widgets.action_bar import action_button
from ui.widgets.actions import widget_action
from ui.widgets.column_fit import fit_columns
from ui.widgets.elided_combo import ElidedComboBox
from ui.widgets.search import focus_list
from ui.widgets.style import set_style_flag, styled_label, when
from ui.widgets.tables import with_side_panel

Index = QModelIndex | QPersistentModelIndex
ANY = None  # the filters' "All …" entry


class InboxModel(SnapshotModel[NotificationInfo]):
    """The notifications, unread ones in bold (their tooltip says so too)."""

    KIND, TITLE, STUDENT, ACTIVITY, WHEN = range(5)

    columns = (
        Column("Kind", lambda n: kind_label(n.kind), width=150),
        Column("Notification", headline, width=260,
               tooltip=lambda n: headline(n) + ("" if n.read else "\n(unread)")),
        Column("Student", lambda n: n.student_name or "—", width=140, tooltip=lambda n: n.student_name or ""),
        Column("Activity", lambda n: n.activity_name or "—", width=140, tooltip=lambda n: n.activity_name or ""),
        Column("When", lambda n: when(local_time(n.created_at)), sort=lambda n: n.created_at, width=130),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._bold = QFont()
        self._bold.setBold(True)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid() and 0 <= index.row() < self.rowCount():
            return None if self.record(index.row()).read else self._bold
        return super().data(index, role)

    def search_text(self, n: NotificationInfo) -> str:
        return ""  # the page filters by kind, activity and read state, not by words


class NotificationPanel(QFrame):
    """The selected notification: its title, whom and what it is about, when, the whole text."""

    def __init__(self, open_button: QPushButton) -> None:
        super().__init__()
        set_style_flag(self, "card")
        self.setMinimumWidth(260)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 14)
        lay.setSpacing(6)
        self.title = styled_label("", heading="2")
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Notification")
        lay.addWidget(self.title)
        self.meta = styled_label("", muted=True)
        self.meta.setWordWrap(True)
        lay.addWidget(self.meta)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.setAccessibleName("Notification text")
        lay.addWidget(self.body)
        row = QHBoxLayout()
        row.addWidget(open_button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
        self.open_button = open_button
        self.show_notification(None)

    def show_notification(self, n: NotificationInfo | None, *, can_open: bool = False) -> None:
        self.body.setVisible(n is not None)
        self.open_button.setVisible(can_open)  # a general notice has nothing to open
        if n is None:
            self.title.setText("No notification selected")
            self.meta.setText("Select a notification to read it whole.")
            return
        self.title.setText(headline(n))
        self.meta.setText(" · ".join(filter(None, (kind_label(n.kind), about(n), when(local_time(n.created_at)),
                                                   None if n.read else "unread"))))
        self.body.setText(n.body or "No further details.")


class InboxPage(Page):
    title = "Inbox"
    watches = frozenset({ChangeKind.NOTIFICATION})  # only the signed-in user's: see relevant()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.items: list[NotificationInfo] = []
        self.loaded = False
        self._keep_id: int | None = None
        self._focus_on_load = False
        self.reloader: Reloader[list[NotificationInfo]] = Reloader(
            ctx, self._load, self._loaded, self._load_failed, label="Loading the inbox")

        self.model = InboxModel(self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.setSpacing(12)
        self._make_actions()

        head = QHBoxLayout()
        head.addWidget(styled_label("Inbox", heading="1"))
        self.count = styled_label("", muted=True)
        self.count.setAccessibleName("Unread notifications")
        head.addWidget(self.count, 0, Qt.AlignmentFlag.AlignBottom)
        head.addStretch(1)
        head.addWidget(action_button(self.settings_action))
        head.addWidget(action_button(self.mark_all_action, primary=True))
        outer.addLayout(head)

        bar = QHBoxLayout()
        self.kind = ElidedComboBox()
        self.kind.setAccessibleName("Kind")
        self.kind.addItem("All kinds", ANY)
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.activity = ElidedComboBox()
        self.activity.setAccessibleName("Activity")
        self.activity.addItem("All activities", ANY)
        self.unread_only = QCheckBox("Unread only")
        self.unread_only.setToolTip("Show only the notifications you have not read yet")
        for label, box in (("Kind", self.kind), ("Activity", self.activity)):
            box.setMinimumWidth(120)
            box.setMaximumWidth(240)
            box.currentIndexChanged.connect(self._apply_filter)
            caption = QLabel(label)
            caption.setBuddy(box)
            bar.addWidget(caption)
            bar.addWidget(box, 1)
        self.unread_only.toggled.connect(self._apply_filter)
        bar.addWidget(self.unread_only)
        bar.addStretch(1)
        self.mark_button = action_button(self.mark_action)
        bar.addWidget(self.mark_button)
        outer.addLayout(bar)

        m = InboxModel
        self.table = make_table({i: c.width for i, c in enumerate(m.columns)}, stretch=m.TITLE)
        self.table.setModel(self.proxy)
        apply_widths(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.columns = fit_columns(self.table, stretch=m.TITLE, minimum=180, drop=(m.KIND, m.ACTIVITY, m.STUDENT))
        self.table.setAccessibleName("Notifications")
        self.table.sortByColumn(m.WHEN, Qt.SortOrder.DescendingOrder)
        self.table.activated.connect(lambda _i: self.open_action.trigger())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.empty = EmptyState()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.panel = NotificationPanel(action_button(self.open_action, primary=True, follow_visible=False))
        outer.addWidget(with_side_panel(self.stack, self.panel, (700, 320)), 1)
        self._update_actions()

    # ------------------------------------------------------------------ actions
    def _make_actions(self) -> None:
        def act(text: str, slot: Callable[[], Any], tip: str, *keys: Any) -> QAction:
            return widget_action(self, text, slot, tip, *keys)

        self.open_action = act("Open", self.open_selected,
                               "Go to what the notification is about, and mark it read (Enter)")
        self.mark_action = act("Mark read", self.toggle_read,
                               "Mark the selected notifications read, or unread again (Del)",
                               QKeySequence.StandardKey.Delete)
        self.mark_all_action = act("Mark all read", self.mark_all_read,
                                   "Mark every notification of yours read (Ctrl+Shift+R)", "Ctrl+Shift+R")
        self.settings_action = act("Settings…", self.open_settings,
                                   "Which notifications you get, and how: inbox, desktop, e-mail")

    def selected(self) -> list[NotificationInfo]:
        return [self.proxy.record(i.row()) for i in self.table.selectionModel().selectedRows()]

    def current(self) -> NotificationInfo | None:
        index = self.table.currentIndex()
        if index.isValid() and self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            record: NotificationInfo = self.proxy.record(index.row())
            return record
        chosen = self.selected()
        return chosen[0] if chosen else None

    def _update_actions(self) -> None:
        chosen = self.selected()
        unread_chosen = any(not n.read for n in chosen)
        self.mark_action.setEnabled(bool(chosen))
        self.mark_action.setText("Mark read" if unread_chosen or not chosen else "Mark unread")
        self.mark_all_action.setEnabled(any(not n.read for n in self.items))
        current = self.current()
        self.open_action.setEnabled(current is not None and self._target(current) is not None)

    def _selection_changed(self, *_: object) -> None:
        self._update_actions()
        self.panel.show_notification(self.current(), can_open=self.open_action.isEnabled())

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.table.selectRow(index.row())
        menu = QMenu(self)
        for a in (self.open_action, self.mark_action):
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.mark_all_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def focus_main(self) -> None:
        """After switching to the page: the list, so that Down, Enter and Del work at once (as
        soon as it has loaded, when asked while it loads)."""
        self._focus_on_load = self.reloader.loading or not self.loaded
        if not focus_list(self.table):
            self.kind.setFocus()

    # ------------------------------------------------------------------ loading
    def relevant(self, changes: Changes, initiator: object) -> bool:
        return concerns(changes, self.ctx.actor)

    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], list[NotificationInfo]]:
        notifications, actor = self.ctx.services.notifications, self.ctx.user
        return lambda state: notifications.inbox(actor)

    def _load_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, TrackerError):
            raise exc
        self.empty.set_text("The inbox is not available", str(exc))
        self.stack.setCurrentWidget(self.empty)

    def _loaded(self, items: list[NotificationInfo]) -> None:
        keep = self._keep_id
        if keep is None:
            current = self.current()
            keep = current.id if current else None
        self._keep_id = None
        had_focus, self._focus_on_load = self.table.hasFocus() or self._focus_on_load, False
        self.items = items
        self.loaded = True
        self._fill_activities()
        self.model.set_rows(items)
        self._show_rows()
        if (keep is None or not self.select(keep)) and self.proxy.rowCount():
            self.table.selectRow(0)
        if had_focus:
            focus_list(self.table)
        self._selection_changed()

    def _fill_activities(self) -> None:
        """The activity filter offers the activities the notifications are about."""
        names = sorted({(n.activity_name or "", n.activity_id) for n in self.items if n.activity_id is not None},
                       key=lambda pair: pair[0].lower())
        chosen = self.activity.currentData()
        self.activity.blockSignals(True)
        self.activity.clear()
        self.activity.addItem("All activities", ANY)
        for name, activity_id in names:
            self.activity.addItem(name or f"Activity {activity_id}", activity_id)
        at = self.activity.findData(chosen) if chosen is not ANY else 0
        if at < 0 and chosen is not ANY:  # keep a chosen activity whose notifications went
            self.activity.addItem(f"Activity {chosen}", chosen)
            at = self.activity.count() - 1
        self.activity.setCurrentIndex(max(at, 0))
        self.activity.blockSignals(False)

    # ------------------------------------------------------------------ filters
    def _accepts(self) -> Callable[[NotificationInfo], bool] | None:
        kind, activity, unread = self.kind.currentData(), self.activity.currentData(), self.unread_only.isChecked()
        if kind is ANY and activity is ANY and not unread:
            return None
        return lambda n: ((kind is ANY or n.kind == kind) and (activity is ANY or n.activity_id == activity)
                          and not (unread and n.read))

    def _apply_filter(self, *_: object) -> None:
        self.proxy.set_predicate(self._accepts())
        self._show_rows()
        if not self.table.selectionModel().selectedRows() and self.proxy.rowCount():
            self.table.selectRow(0)
        self._selection_changed()

    def _show_rows(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        unread = sum(not n.read for n in self.items)
        self.count.setText(f"{unread:,} unread of {total:,}" if total else "")
        if not total:
            self.empty.set_text(
                "Nothing new",
                "Notifications about progress, attendance, badges and certificates show up here.")
        elif not shown:
            if self.unread_only.isChecked() and self.kind.currentData() is ANY and self.activity.currentData() is ANY:
                self.empty.set_text("Nothing new", "You have read every notification. Clear “Unread only” "
                                                   "to see them again.")
            else:
                self.empty.set_text("No notification matches the filters",
                                    "Choose “All kinds” and “All activities”, or clear “Unread only”.")
        self.stack.setCurrentWidget(self.table if shown else self.empty)

    def select(self, notification_id: int) -> bool:
        row = self.model.row_of(lambda n: n.id == notification_id)
        index = self.proxy.mapFromSource(self.model.index(row, 0)) if row >= 0 else QModelIndex()
        if not index.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    # ------------------------------------------------------------------ writes
    def _mark(self, ids: list[int], *, read: bool) -> None:
        if not ids:
            return
        notifications, actor = self.ctx.services.notifications, self.ctx.user
        WriteOp(self, self.ctx, lambda state: notifications.mark_read(actor, ids, read=read),
                label="Marking notifications read" if read else "Marking notifications unread",
                idempotent=True).run_in_background()

    def toggle_read(self) -> None:
        """Del: mark the selected notifications read (unread again when all of them are read)."""
        chosen = self.selected()
        read = any(not n.read for n in chosen)
        self._mark([n.id for n in chosen], read=read)

    def mark_all_read(self) -> None:
        if not any(not n.read for n in self.items):
            return
        notifications, actor = self.ctx.services.notifications, self.ctx.user
        WriteOp(self, self.ctx, lambda state: notifications.mark_all_read(actor),
                label="Marking every notification read", idempotent=True).run_in_background()

    def _target(self, n: NotificationInfo) -> str | None:
        """The page that shows what ``n`` is about, for this user (None: nothing to open)."""
        keys: list[str] = getattr(self.window(), "page_keys", [])
        if n.activity_id is None:
            return None
        if n.student_id is not None and "progress" in keys:
            return "progress"  # students and parents: the student's own activity
        return "activities" if "activities" in keys else None

    def open_selected(self) -> QWidget | None:
        """Enter / Open: the record the notification is about (read from then on)."""
        n = self.current()
        target = self._target(n) if n is not None else None
        if n is None or target is None:
            return None
        if not n.read:
            self._mark([n.id], read=True)
        page: Any = self.window().show_page(target)  # type: ignore[attr-defined]
        if target == "progress":
            page.reveal(n.student_id, n.activity_id)
        else:
            page.open_activity(n.activity_id)
        return page  # type: ignore[no-any-return]

    def open_settings(self) -> QWidget:
        from ui.dialogs.notification_settings import open_notification_settings

        return open_notification_settings(self.ctx, self)
