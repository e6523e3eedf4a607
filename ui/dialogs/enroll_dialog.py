"""Roster dialogs: enroll students (search as you type), drop (reason + date), mark completed (note).

Each runs its service call as a write operation (FormDialog), which publishes what it changed,
and keeps validation messages in the dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tracker.services.enrollment import EnrollOutcome, Places, StudentMatch
from ui.context import AppContext
from ui.ops import ReadOp
from ui.widgets import SearchBox
from ui.widgets.forms import FormDialog
from ui.widgets.style import colour, set_style_flag

IdRole = Qt.ItemDataRole.UserRole + 1


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    set_style_flag(label, "muted")
    label.setWordWrap(True)
    return label


def places_text(p: Places | None, choosing: int = 0) -> str:
    if p is None:
        return ""
    if p.capacity is None:
        base = f"{p.taken} enrolled; no capacity limit."
    else:
        free = p.free or 0
        base = f"{p.taken} of {p.capacity} places taken, {free} free"
        if p.waitlisted:
            base += f", {p.waitlisted} on the waitlist"
        base += "."
        if choosing > free:
            extra = choosing - free
            base += f" {extra} of the students you chose will go to the waitlist."
        elif not free:
            base += " New students go to the waitlist."
    return base


class EnrollDialog(FormDialog):
    """Find students by name, number or class and enroll the ticked ones."""

    def __init__(self, ctx: AppContext, activity_id: int, activity_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.places: Places | None = None
        self.chosen: dict[int, StudentMatch] = {}
        self.outcomes: list[EnrollOutcome] = []
        self._searching = False
        self._again: str | None = None
        self.setWindowTitle(f"Enroll students in {activity_name}")
        self.resize(560, 560)
        lay = QVBoxLayout(self)
        lay.setSpacing(8)
        heading = QLabel(f"Enroll students in {activity_name}")
        set_style_flag(heading, "heading", "2")
        lay.addWidget(heading)
        self.capacity = _muted("Loading places…")
        lay.addWidget(self.capacity)
        self.search = SearchBox("Search by name, student number or class…", delay_ms=200)
        self.search.setMaximumWidth(16777215)
        self.search.search.connect(self.run_search)
        lay.addWidget(self.search)
        self.results = QListWidget()
        self.results.setAccessibleName("Students found")
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.results.setSpacing(2)
        self.results.itemChanged.connect(self._ticked)
        self.results.itemActivated.connect(self._toggle)
        lay.addWidget(self.results, 1)
        self.hint = _muted("Tick the students to enroll (Space or double-click ticks the selected ones).")
        lay.addWidget(self.hint)
        self.summary = QLabel("No student chosen yet.")
        lay.addWidget(self.summary)
        lay.addWidget(self.general_error)
        lay.addWidget(self.buttons)
        self.ok_button.setText("Enroll")
        self.ok_button.setEnabled(False)
        service, actor = ctx.services.enrollment, ctx.user
        ReadOp(self, ctx, lambda state: service.places(actor, activity_id), label="Places") \
            .success(self._places).failure(self._places_failed).run_in_background()
        self.run_search("")

    # ------------------------------------------------------------------ search
    def run_search(self, text: str) -> None:
        if self._searching:
            self._again = text
            return
        self._searching = True
        service, actor, aid = self.ctx.services.enrollment, self.ctx.user, self.activity_id
        ReadOp(self, self.ctx, lambda state: service.search_students(actor, aid, text, 200),
               label="Search students").success(self._found).failure(self._search_failed).run_in_background()

    def _search_failed(self, exc: BaseException) -> bool:
        self._searching = False
        self.general_error.setText(str(exc))
        self.general_error.show()
        return True

    def _found(self, matches: list[StudentMatch]) -> None:
        self._searching = False
        if self._again is not None:
            text, self._again = self._again, None
            self.run_search(text)
            return
        self.results.blockSignals(True)
        self.results.clear()
        for m in matches:
            bits = [x for x in (f"grade {m.grade}" if m.grade else "", m.class_name or "",
                                m.student_number or "") if x]
            text = m.name + (f"   ·   {' · '.join(bits)}" if bits else "")
            item = QListWidgetItem(text)
            item.setData(IdRole, m.id)
            item.setData(Qt.ItemDataRole.UserRole + 2, m)
            if m.status is not None and m.status.value != "dropped":
                item.setText(f"{text}   ({m.status.label.lower()} already)")
                item.setFlags(Qt.ItemFlag.ItemIsSelectable)  # shown, not choosable
                item.setForeground(colour("MUTED"))
            else:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if m.id in self.chosen else Qt.CheckState.Unchecked)
                if m.status is not None:
                    item.setToolTip("Dropped earlier: enrolling re-enrolls them (history is kept).")
            self.results.addItem(item)
        if not matches:
            empty = QListWidgetItem("No student matches." if self.search.text() else "No students yet.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(empty)
        self.results.blockSignals(False)

    def _toggle(self, item: QListWidgetItem) -> None:
        if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            checked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Space and self.results.hasFocus():
            for item in self.results.selectedItems():
                self._toggle(item)
            return
        super().keyPressEvent(event)

    def _ticked(self, item: QListWidgetItem) -> None:
        m = item.data(Qt.ItemDataRole.UserRole + 2)
        if m is None:
            return
        if item.checkState() == Qt.CheckState.Checked:
            self.chosen[m.id] = m
        else:
            self.chosen.pop(m.id, None)
        self._update_summary()

    def choose(self, *student_ids: int) -> None:
        """Tick students among the results (tests and keyboard users)."""
        for i in range(self.results.count()):
            item = self.results.item(i)
            if item.data(IdRole) in student_ids and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                item.setCheckState(Qt.CheckState.Checked)

    def _places_failed(self, exc: BaseException) -> bool:
        self.capacity.setText(str(exc))
        return True

    def _places(self, p: Places) -> None:
        self.places = p
        self._update_summary()

    def _update_summary(self) -> None:
        n = len(self.chosen)
        names = ", ".join(m.name for m in list(self.chosen.values())[:4]) + ("…" if n > 4 else "")
        self.summary.setText(f"{n} chosen: {names}" if n else "No student chosen yet.")
        self.capacity.setText(places_text(self.places, n))
        self.ok_button.setEnabled(bool(n) and not self.saving)
        self.ok_button.setText(f"Enroll {n}" if n > 1 else "Enroll")

    # ------------------------------------------------------------------ saving
    def submit(self) -> Callable[[], Any] | None:
        ids = list(self.chosen)
        if not ids:
            return None
        service, actor, aid = self.ctx.services.enrollment, self.ctx.user, self.activity_id
        return lambda: service.enroll(actor, aid, ids)

    def saved(self, result: Any) -> None:
        self.outcomes = list(result)


class DropDialog(FormDialog):
    """Reason and date for dropping one or more students."""

    REASONS = ("Lost interest", "Timetable clash", "Moved school", "Health", "Too many commitments")

    def __init__(self, ctx: AppContext, activity_id: int, students: list[tuple[int, str]],
                 parent: QWidget | None = None, *, earliest: date | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.students = students
        self.offers: list[Any] = []
        names = ", ".join(n for _, n in students[:3]) + ("…" if len(students) > 3 else "")
        self.setWindowTitle("Drop from the activity")
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        heading = QLabel(f"Drop {names}" if len(students) <= 3 else f"Drop {len(students)} students")
        set_style_flag(heading, "heading", "2")
        heading.setWordWrap(True)
        lay.addWidget(heading)
        lay.addWidget(_muted("They keep their history and can be re-enrolled later. A freed place is "
                             "offered to the first student on the waitlist."))
        form = QFormLayout()
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(("",) + self.REASONS)
        self.reason.setCurrentText("")
        self.reason.setAccessibleName("Reason")
        reason_editor = self.reason.lineEdit()
        if reason_editor is not None:  # it is: the combo box is editable
            reason_editor.setPlaceholderText("Why are they leaving? (required)")
        form.addRow("Reason:", self.reason)
        form.addRow("", self.field_error("reason", self.reason))
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("d MMM yyyy")
        self.date.setMaximumDate(QDate.currentDate())
        if earliest is not None:
            self.date.setMinimumDate(QDate(earliest.year, earliest.month, earliest.day))
        self.date.setAccessibleName("Date they left")
        form.addRow("Left on:", self.date)
        form.addRow("", self.field_error("date", self.date))
        lay.addLayout(form)
        lay.addWidget(self.general_error)
        lay.addWidget(self.buttons)
        self.ok_button.setText("Drop")

    def submit(self) -> Callable[[], Any] | None:
        reason = self.reason.currentText().strip()
        if not reason:
            self.local_problem("reason", "Give a reason for dropping the student.")
            return None
        d = self.date.date()
        day = date(d.year(), d.month(), d.day())
        service, actor, aid = self.ctx.services.enrollment, self.ctx.user, self.activity_id
        ids = [sid for sid, _ in self.students]
        return lambda: [service.drop(actor, aid, sid, reason, day) for sid in ids]

    def saved(self, result: Any) -> None:
        self.offers = [r.offer for r in result if r.offer is not None]


class CompleteDialog(FormDialog):
    """Mark students completed by hand, with the note that says why."""

    def __init__(self, ctx: AppContext, activity_id: int, students: list[tuple[int, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.students = students
        names = ", ".join(n for _, n in students[:3]) + ("…" if len(students) > 3 else "")
        self.setWindowTitle("Mark completed")
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        heading = QLabel(f"Mark {names} completed")
        set_style_flag(heading, "heading", "2")
        heading.setWordWrap(True)
        lay.addWidget(heading)
        lay.addWidget(_muted("Normally the completion rules decide. Setting it by hand stays until "
                             "someone changes it; the note is kept in the history."))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Why is this student completed? (required)")
        self.note.setAccessibleName("Note")
        self.note.setFixedHeight(90)
        lay.addWidget(self.note)
        lay.addWidget(self.field_error("note", self.note))
        lay.addWidget(self.general_error)
        lay.addWidget(self.buttons)
        self.ok_button.setText("Mark completed")

    def submit(self) -> Callable[[], Any] | None:
        note = self.note.toPlainText().strip()
        if not note:
            self.local_problem("note", "Say why the student is completed (a note is required).")
            return None
        service, actor, aid = self.ctx.services.enrollment, self.ctx.user, self.activity_id
        ids = [sid for sid, _ in self.students]
        return lambda: [service.set_completed_by_hand(actor, aid, sid, note) for sid in ids]
