"""The Milestones tab of an activity: the milestone editor (left) and the checklist (right).

Editor: add / edit (ui.dialogs.milestone_dialog), delete (asks first when students completed the
milestone), reorder by drag and drop or Alt+Up / Alt+Down (saved at once), copy the milestones of
another activity. Checklist: students × milestones over one snapshot (``services.milestones
.checklist``, painted by ``ui.views.checklist_table``); Space or a click on the box ticks /
unticks the current cell, "Tick" / "Untick" under the table change the chosen milestone for
every selected student in one write, the note box keeps a note per tick. Double-clicking a
student, "Student checklist…" or the context menu opens that student's checklist with notes and
evidence (``ui.views.student_checklist``, staff who may tick only).
Writes (``ui.views.milestone_writes``) are operations on the writer thread; the milestone and
progress changes they publish reload the tab (on screen, or when next shown) and every page
showing progress.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.completion_text import CompletionText
from tracker.domain.policy import Permission
from tracker.services.milestones import Checklist, MilestoneRow
from ui.context import AppContext
from ui.models.milestones import ChecklistModel, ChecklistSnapshot, MilestoneListModel, load_checklist
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Refreshing
from ui.views.checklist_table import checklist_table, size_fixed_columns
from ui.views.milestone_writes import MilestoneWrites
from ui.widgets.action_bar import action_button
from ui.widgets.actions import widget_action
from ui.widgets.elided_combo import ElidedComboBox
from ui.widgets.milestone_delegates import MilestoneListDelegate, row_height
from ui.widgets.style import styled_label

#: the editor's width: at least its buttons' (the layout's minimum), this share of the tab, at most
EDITOR_WIDTHS = (0.26, 300)


class MilestonesTab(MilestoneWrites, Refreshing):
    """The editor list and the checklist with their actions; the writes are
    :class:`ui.views.milestone_writes.MilestoneWrites`."""

    watches = frozenset({ChangeKind.MILESTONE, ChangeKind.ENROLLMENT, ChangeKind.PROGRESS, ChangeKind.USER,
                         ChangeKind.ACTIVITY})

    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.can_manage = ctx.can(Permission.MANAGE_MILESTONES)
        self.can_tick = ctx.can(Permission.COMPLETE_MILESTONE)
        self.snapshot: Checklist | None = None
        self.dialog: Any = None
        self.student_panel: Any = None
        self.menu: QMenu | None = None
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the milestones")

        self.list_model = MilestoneListModel(self)
        self.list_model.movable = self.can_manage
        self.list_model.reordered.connect(self._save_order)
        self.model = ChecklistModel(self)
        self.model.editable = self.can_tick
        self.model.toggled.connect(self._toggle)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 10, 0, 0)
        outer.setSpacing(8)
        self._make_actions()
        # built top-down: every widget gets its place in the window once (under the application's
        # style sheet each re-parenting re-styles the widget and all its children)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        outer.addWidget(split, 1)
        self.split = split
        self._sized_by_hand = False  # the editor follows the tab's width until the user drags
        split.splitterMoved.connect(self._splitter_moved)

        # ---- editor
        editor = QFrame()
        editor.setProperty("card", True)
        split.addWidget(editor)
        self.editor = editor
        left = QVBoxLayout(editor)
        left.setContentsMargins(12, 10, 12, 10)
        left.addWidget(styled_label("Milestones", heading="2"))
        self.list = QListView()
        self.list.setUniformItemSizes(True)  # 30 milestones need not be measured one by one
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_model.item_height = row_height(self.list.font())
        self.list.setItemDelegate(MilestoneListDelegate(self.list_model, self.list))
        self.list.setModel(self.list_model)
        self.list.setAccessibleName("Milestones")
        self.list.setToolTip("Drag to reorder, or Alt+Up / Alt+Down")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        if self.can_manage:
            self.list.setDragEnabled(True)
            self.list.setAcceptDrops(True)
            self.list.setDropIndicatorShown(True)
            self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
            self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        for a in self._list_actions:
            self.list.addAction(a)
        self.list.doubleClicked.connect(lambda _i: self.edit())
        self.list.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        left.addWidget(self.list, 1)
        buttons = QGridLayout()  # two by three: the editor stays narrow, the checklist gets the room
        for n, a in enumerate((self.add_action, self.edit_action, self.up_action, self.down_action,
                               self.delete_action, self.copy_action)):
            buttons.addWidget(action_button(a, primary=a is self.add_action), n // 2, n % 2)
        left.addLayout(buttons)
        if not self.can_manage:
            for a in (self.add_action, self.edit_action, self.delete_action, self.up_action,
                      self.down_action, self.copy_action):
                a.setVisible(False)

        # ---- checklist
        right = QWidget()
        split.addWidget(right)
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(styled_label("Checklist", heading="2"))
        self.counts = styled_label("", muted=True)
        bar.addWidget(self.counts)
        bar.addStretch(1)
        bar.addWidget(action_button(self.student_action))
        rlay.addLayout(bar)
        self.table = checklist_table(self.model)
        self.table.selectionModel().currentChanged.connect(lambda *_: self._show_note())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self.context_menu)
        rlay.addWidget(self.table, 1)
        bulk = QHBoxLayout()
        self.bulk_milestone = ElidedComboBox()  # a long title is elided with "…", whole in the tooltip
        self.bulk_milestone.setAccessibleName("Milestone to tick for the selected students")
        self.bulk_milestone.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.bulk_milestone.setMinimumContentsLength(10)  # no measuring of every title
        bulk_widgets = (styled_label("For the selected students:", muted=True), self.bulk_milestone,
                        action_button(self.tick_action), action_button(self.untick_action))
        for w in bulk_widgets:
            bulk.addWidget(w, 1 if w is self.bulk_milestone else 0)
            if not self.can_tick:
                w.setVisible(False)
        rlay.addLayout(bulk)
        notes = QHBoxLayout()
        self.note_label = styled_label("Note:", muted=True)
        notes.addWidget(self.note_label)
        self.note = QLineEdit()
        self.note.setAccessibleName("Note or evidence for the current tick")
        self.note.setPlaceholderText("Select a cell to keep a note or evidence with it")
        self.note.returnPressed.connect(self.save_note)
        notes.addWidget(self.note, 1)
        self.note_button = QPushButton("Save note")
        self.note_button.clicked.connect(self.save_note)
        notes.addWidget(self.note_button)
        self.note.setEnabled(self.can_tick)
        self.note_button.setEnabled(self.can_tick)
        rlay.addLayout(notes)

        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        right.setMinimumWidth(320)
        split.setSizes([EDITOR_WIDTHS[1], 760])
        self.message = styled_label("", muted=True)
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        self._update_actions()

    # ------------------------------------------------------------------ layout
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """The editor takes a share of the width (narrower on a small screen, the checklist
        keeps the room), until the user drags the splitter."""
        super().resizeEvent(event)
        if self._sized_by_hand:
            return
        share, most = EDITOR_WIDTHS
        width = max(self.editor.minimumSizeHint().width(), min(most, int(self.width() * share)))
        self.split.setSizes([width, max(0, self.split.width() - width - self.split.handleWidth())])

    def _splitter_moved(self, *_: object) -> None:
        self._sized_by_hand = True

    def focus_main(self) -> None:
        """The keyboard's place in the tab: the checklist (its first cell when none is current)."""
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, min(self.model.FIXED, self.model.columnCount() - 1)))
        self.table.setFocus()

    # ------------------------------------------------------------------ actions
    def _make_actions(self) -> None:
        def act(text: str, slot: Callable[[], Any], tip: str, *keys: Any) -> Any:
            return widget_action(self, text, slot, tip, *keys)

        self.add_action = act("Add…", self.add, "Add a milestone (Ctrl+N)", "Ctrl+N")
        self.edit_action = act("Edit…", self.edit, "Edit the selected milestone (F2)", "F2")
        self.delete_action = act("Delete", self.delete, "Delete the selected milestone", "Del")
        self.up_action = act("Move up", lambda: self.move_milestone(-1),
                             "Move the selected milestone up (Alt+Up)", "Alt+Up")
        self.down_action = act("Move down", lambda: self.move_milestone(1),
                               "Move the selected milestone down (Alt+Down)", "Alt+Down")
        self.copy_action = act("Copy from…", self.choose_copy_source,
                               "Add copies of another activity's milestones (a template)")
        self.tick_action = act("Tick", self.tick_selected, "Tick the chosen milestone for the selected students")
        self.untick_action = act("Untick", self.untick_selected,
                                 "Untick the chosen milestone for the selected students")
        self.student_action = act("Student checklist…", lambda: self.open_student_checklist(),
                                  "Tick milestones and keep notes or evidence for the selected student "
                                  "(or double-click a student)")
        self.student_action.setVisible(self.can_tick)
        # the editor's Del / F2 / Alt keys only when the list has focus
        for a in (self.edit_action, self.delete_action, self.up_action, self.down_action):
            self.removeAction(a)
            a.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self._list_actions = (self.edit_action, self.delete_action, self.up_action, self.down_action)

    def current_milestone(self) -> MilestoneRow | None:
        rows = self.list.selectionModel().selectedRows() if hasattr(self, "list") else []
        return self.list_model.record(rows[0].row()) if rows else None

    def selected_students(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedIndexes()})
        return [self.model.student(r).id for r in rows]

    def _update_actions(self) -> None:
        if not hasattr(self, "table"):
            return
        chosen = self.current_milestone() is not None
        for a in (self.edit_action, self.delete_action, self.up_action, self.down_action):
            a.setEnabled(self.can_manage and chosen)
        students = self.selected_students()
        ticking = self.can_tick and bool(students) and self.bulk_milestone.count() > 0
        self.tick_action.setEnabled(ticking)
        self.untick_action.setEnabled(ticking)
        self.student_action.setEnabled(self.can_tick and len(students) == 1)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], ChecklistSnapshot]:
        services, actor, aid = self.ctx.services, self.ctx.user, self.activity_id
        return lambda state: load_checklist(services, actor, aid)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(str(exc))

    def _loaded(self, snap: ChecklistSnapshot) -> None:
        self.show_snapshot(snap.checklist, snap.completed)

    def show_snapshot(self, snap: Checklist, completed: dict[int, CompletionText] | None = None) -> None:
        """Show a checklist; ``completed`` (who completed the activity, and why) None keeps what
        is known."""
        self.stale = False  # what is shown is current: showing the tab need not load it again
        keep = self.current_milestone()
        current = self.table.currentIndex()
        picked = self.bulk_milestone.currentData()
        self.snapshot = snap
        self.list_model.set_rows(snap.milestones)
        self.model.set_snapshot(snap, completed)
        size_fixed_columns(self.table)
        self.bulk_milestone.blockSignals(True)
        self.bulk_milestone.clear()
        for m in snap.milestones:
            self.bulk_milestone.addItem(m.title, m.id)
        at = self.bulk_milestone.findData(picked)
        self.bulk_milestone.setCurrentIndex(max(at, 0))
        self.bulk_milestone.blockSignals(False)
        if keep is not None:
            self.select_milestone(keep.id)
        if current.isValid() and current.row() < self.model.rowCount() and current.column() < self.model.columnCount():
            self.table.setCurrentIndex(self.model.index(current.row(), current.column()))
        if not snap.milestones:
            self.counts.setText("No milestones yet: add the first one, or copy them from another activity.")
        elif not snap.students:
            self.counts.setText("Nobody is enrolled yet.")
        else:
            self.counts.setText(f"{len(snap.students)} students")
        self.counts.setToolTip(f"{len(snap.milestones)} milestones · {len(snap.students)} students enrolled")
        self._update_actions()

    def select_milestone(self, milestone_id: int) -> bool:
        ids = self.list_model.ids()
        if milestone_id not in ids:
            return False
        self.list.setCurrentIndex(self.list_model.index(ids.index(milestone_id)))
        return True

    # ------------------------------------------------------------------ the current cell
    def _current_cell(self) -> tuple[int, int] | None:
        i: QModelIndex = self.table.currentIndex()
        if not i.isValid() or self.model.milestone(i.column()) is None:
            return None
        return i.row(), i.column()

    def _show_note(self) -> None:
        cell = self._current_cell()
        m = self.model.milestone(cell[1]) if cell is not None else None
        if m is not None and self.bulk_milestone.currentData() != m.id:
            at = self.bulk_milestone.findData(m.id)
            if at >= 0:  # "Tick" / "Untick" follow the milestone of the current cell
                self.bulk_milestone.setCurrentIndex(at)
        if cell is None:
            self.note.clear()
            self.note_label.setText("Note:")
            return
        s, m = self.model.student(cell[0]), self.model.milestone(cell[1])
        assert m is not None
        got = self.model.done.get((s.id, m.id))
        self.note.setText(got[1] if got else "")
        self.note_label.setText(f"Note ({s.name} · {cell[1] - self.model.FIXED + 1}):")
        self.note_label.setToolTip(f"Note or evidence of {s.name} for “{m.title}”")

    # ------------------------------------------------------------------ one student
    def open_student_checklist(self, student_id: int | None = None) -> Any:
        """The selected (or given) student's checklist with notes and evidence, for staff who
        may tick milestones. Returns the panel (None when not allowed or nobody is chosen)."""
        from ui.views.student_checklist import StudentChecklistDialog

        if student_id is None:
            chosen = self.selected_students()
            student_id = chosen[0] if len(chosen) == 1 else None
        if student_id is None or not self.can_tick or self.model.row_of(student_id) < 0:
            return None
        old = self.student_panel
        if old is not None:
            if old.student_id == student_id and old.isVisible():
                old.raise_()
                old.activateWindow()
                return old
            if not old.isVisible() and not old.pending:
                old.deleteLater()
        panel = StudentChecklistDialog(self.ctx, self.activity_id, student_id, self.snapshot, self,
                                       completed=self.model.completed)
        self.student_panel = panel
        panel.show()
        return panel

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index.column() < self.model.FIXED:
            self.open_student_checklist(self.model.student(index.row()).id)

    def context_menu(self, pos: QPoint) -> QMenu | None:
        """Right-click on the checklist: the student's checklist, tick / untick for the selection."""
        index = self.table.indexAt(pos)
        if not index.isValid() or not self.can_tick:
            return None
        if not self.table.selectionModel().isSelected(index):
            self.table.setCurrentIndex(index)
        menu = QMenu(self)
        name = self.model.student(index.row()).name
        student_id = self.model.student(index.row()).id
        menu.addAction(f"Checklist of {name}…", lambda: self.open_student_checklist(student_id))
        menu.addSeparator()
        m = self.model.milestone(index.column())
        if m is not None:
            at = self.bulk_milestone.findData(m.id)
            if at >= 0:
                self.bulk_milestone.setCurrentIndex(at)
        title = f"“{self.bulk_milestone.currentText()}”" if self.bulk_milestone.count() else "the milestone"
        for text, slot, action in ((f"Tick {title} for the selected", self.tick_selected, self.tick_action),
                                   (f"Untick {title} for the selected", self.untick_selected, self.untick_action)):
            item = menu.addAction(text, slot)
            item.setEnabled(action.isEnabled())
        self.menu = menu
        menu.popup(self.table.viewport().mapToGlobal(pos))
        return menu
