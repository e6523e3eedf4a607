"""Link a parent/guardian account to a student: pick both with search, then one service call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.enums import Role
from tracker.services.people import UserInfo
from ui.context import AppContext
from ui.widgets.forms import FormDialog
from ui.widgets.search import SearchBox
from ui.widgets.style import set_style_flag

RELATIONSHIPS = ("Guardian", "Mother", "Father", "Parent", "Grandparent", "Carer")


class _Picker(QWidget):
    """A search box over a list of people; filtering happens in memory."""

    def __init__(self, title: str, people: list[UserInfo], describe: Callable[[UserInfo], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(title)
        set_style_flag(heading, "heading", "2")
        lay.addWidget(heading)
        self.search = SearchBox(f"Search {title.lower()}…", delay_ms=60)
        self.search.setMinimumWidth(200)
        lay.addWidget(self.search)
        self.list = QListWidget()
        self.list.setAccessibleName(title)
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        lay.addWidget(self.list, 1)
        for p in people:
            item = QListWidgetItem(describe(p))
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, " ".join(filter(None, (
                p.display_name, p.username, p.student_number, p.class_name, p.email))).lower())
            self.list.addItem(item)
        self.search.search.connect(self.filter)

    def filter(self, text: str) -> None:
        words = text.lower().split()
        first_visible = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            hay = item.data(Qt.ItemDataRole.UserRole + 1)
            hidden = not all(w in hay for w in words)
            item.setHidden(hidden)
            if not hidden and first_visible is None:
                first_visible = item
        current = self.list.currentItem()
        if (current is None or current.isHidden()) and first_visible is not None:
            self.list.setCurrentItem(first_visible)

    def select(self, user_id: int | None) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == user_id:
                self.list.setCurrentRow(i)
                self.list.scrollToItem(self.list.item(i))
                return

    def selected(self) -> int | None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        return int(item.data(Qt.ItemDataRole.UserRole))


class GuardianDialog(FormDialog):
    def __init__(self, ctx: AppContext, people: list[UserInfo], *, guardian_id: int | None = None,
                 student_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setWindowTitle("Link parent/guardian")
        self.resize(640, 480)
        self.people = {p.id: p for p in people}
        parents = [p for p in people if p.role is Role.PARENT and p.active]
        students = [p for p in people if p.role is Role.STUDENT and p.active]
        outer = QVBoxLayout(self)
        intro = QLabel("Choose a parent/guardian account and a student. The parent then sees the "
                       "student's progress on their dashboard.")
        intro.setWordWrap(True)
        outer.addWidget(intro)
        outer.addWidget(self.general_error)
        grid = QGridLayout()
        self.parents = _Picker("Parents", parents,
                               lambda p: f"{p.display_name}  ·  {p.username}")
        self.students = _Picker("Students", students, lambda p: "  ·  ".join(
            filter(None, (p.display_name, p.class_name, p.student_number))))
        grid.addWidget(self.parents, 0, 0)
        grid.addWidget(self.students, 0, 1)
        grid.addWidget(self.field_error("guardian", self.parents.list), 1, 0)
        grid.addWidget(self.field_error("student", self.students.list), 1, 1)
        outer.addLayout(grid, 1)
        form = QFormLayout()
        self.relationship = QComboBox()
        self.relationship.setEditable(True)
        self.relationship.addItems(RELATIONSHIPS)
        self.relationship.setAccessibleName("Relationship")
        form.addRow("Relationship:", self.relationship)
        outer.addLayout(form)
        outer.addWidget(self.buttons)
        self.ok_button.setText("Link")
        self.parents.select(guardian_id)
        self.students.select(student_id)

    def submit(self) -> Callable[[], Any] | None:
        g, s = self.parents.selected(), self.students.selected()
        if g is None:
            self.local_problem("guardian", "Choose a parent/guardian.")
            return None
        if s is None:
            self.local_problem("student", "Choose a student.")
            return None
        rel = self.relationship.currentText().strip().lower() or "guardian"
        people, actor = self.ctx.services.people, self.ctx.user
        return lambda: people.link_guardian(actor, g, s, rel)
