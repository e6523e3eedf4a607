"""Taking attendance for today's session with the keyboard alone, asserted from stored records."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from tests.conftest import School
from tests.ui.conftest import settle
from tracker.domain.enums import Role
from tracker.services.attendance import MarkChange
from tracker.services.people import UserInput
from ui.views import attendance_writer
from ui.views.take_attendance import SheetModel, TakeAttendanceView


class Keyboard:
    """Sends keys to a widget and counts them (a modifier combination is one press)."""

    def __init__(self, qtbot, widget) -> None:  # type: ignore[no-untyped-def]
        self.qtbot, self.widget, self.presses = qtbot, widget, 0

    def press(self, key: str | Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(self.widget, key, modifier)
        self.presses += 1

    def type(self, keys: str) -> None:
        for ch in keys:
            self.press(ch)


def add_class(school: School, n: int = 30) -> list[int]:
    s, admin = school.services, school.admin
    ids = []
    for i in range(n):
        info = s.people.create_user(admin, UserInput(f"kid{i:02d}", f"Kid {i:02d}", Role.STUDENT,
                                                     grade="7", class_name="7C"))
        s.progress.update_progress(admin, school.chess, info.id, status="active")
        ids.append(info.id)
    return ids


def today_session(school: School) -> int:
    now = datetime.now().replace(second=0, microsecond=0)
    info = school.services.calendar.add_extra_session(school.admin, school.chess, now - timedelta(minutes=5),
                                                      now + timedelta(minutes=55))
    return info.id


def stored(school: School, session_id: int) -> dict[int, tuple[str | None, int | None, str]]:
    """student id -> (status code, participation, remark) as stored."""
    sheet = school.services.attendance.sheet(school.admin, session_id)
    codes = {st.id: st.code for st in sheet.statuses}
    return {sid: (codes.get(m.status_id) if m.status_id is not None else None, m.participation, m.remark)
            for sid, m in sheet.marks.items() if m.status_id is not None}


@pytest.fixture
def screen(qtbot, make_ctx, school: School):  # type: ignore[no-untyped-def]
    def make(session_id: int | None = None) -> tuple[TakeAttendanceView, object]:
        ctx = make_ctx(school.teacher)
        view = TakeAttendanceView(ctx, school.chess, session_id)
        qtbot.addWidget(view)
        view.resize(960, 720)
        view.show()
        settle(qtbot, ctx)
        return view, ctx
    return make


def test_a_class_of_30_takes_at_most_35_key_presses(qtbot, screen, school: School) -> None:
    add_class(school, 30)
    session = today_session(school)
    view, ctx = screen()
    assert view.sheet is not None and view.sheet.session.id == session
    students = [s.id for s in view.sheet.students]
    assert len(students) == 32  # the class of 30 + Sam and Olga
    keys = Keyboard(qtbot, view.table)
    # every student marked by one key each: a late one, an absent one, an excused one, the rest P
    plan = ["P"] * 32
    plan[3], plan[10], plan[17] = "L", "A", "E"
    for code in plan[:30]:
        keys.press(code)
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # the last two: rest Present
    settle(qtbot, ctx)
    assert keys.presses <= 35
    marks = stored(school, session)
    assert [marks[sid][0] for sid in students] == plan
    assert "All changes saved" in view.status_line.text()


def test_rest_present_after_a_few_marks_never_overwrites(qtbot, screen, school: School) -> None:
    add_class(school, 30)
    session = today_session(school)
    view, ctx = screen()
    students = [s.id for s in view.sheet.students]
    keys = Keyboard(qtbot, view.table)
    keys.press("a")  # row 0 absent (lower case works too)
    keys.press(Qt.Key.Key_Down)  # row 2 stays for later
    keys.press("L")  # row 2 late
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ctx)
    assert keys.presses == 4
    marks = stored(school, session)
    assert len(marks) == len(students)
    assert marks[students[0]][0] == "A" and marks[students[1]][0] == "P" and marks[students[2]][0] == "L"
    assert {marks[sid][0] for sid in students[3:]} == {"P"}
    # a second rest-present changes nothing
    versions = {m.student_id: m.version for m in school.services.attendance.sheet(school.admin, session).marks.values()}
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ctx)
    after = {m.student_id: m.version for m in school.services.attendance.sheet(school.admin, session).marks.values()}
    assert after == versions


def test_participation_space_and_remark_by_keyboard(qtbot, screen, school: School) -> None:
    session = today_session(school)
    view, ctx = screen()
    first, second = (s.id for s in view.sheet.students)
    keys = Keyboard(qtbot, view.table)
    keys.press("4")  # participation on an unmarked student marks them present
    keys.press(Qt.Key.Key_Space)  # cycles Present -> the next status (Late)
    keys.press(Qt.Key.Key_Return)  # remark editor
    editor = view.table.focusWidget()
    assert editor is not view.table
    for ch in "Brought a note":
        qtbot.keyClick(editor, ch)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    settle(qtbot, ctx)
    marks = stored(school, session)
    assert marks[first] == ("L", 4, "Brought a note")
    assert view.table.currentIndex().row() == 0 and view.table.hasFocus()
    # Esc cancels a remark
    keys.press(Qt.Key.Key_F2)
    editor = view.table.focusWidget()
    for ch in "oops":
        qtbot.keyClick(editor, ch)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    settle(qtbot, ctx)
    assert stored(school, session)[first][2] == "Brought a note"
    assert second not in stored(school, session)
    assert view.model.data(view.model.index(0, SheetModel.STATUS)) == "Late"


def _concurrent_absent(school: School, session: int, student: int) -> None:
    sheet = school.services.attendance.sheet(school.admin, session)
    absent = next(s.id for s in sheet.statuses if s.code == "A")
    school.services.attendance.apply(school.admin, [MarkChange(session, student, absent)])


@pytest.mark.parametrize("choice", ["mine", "theirs"])
def test_a_concurrent_mark_asks_whose_value_to_keep(qtbot, screen, school: School, monkeypatch,
                                                    choice: str) -> None:
    session = today_session(school)
    view, ctx = screen()
    first = view.sheet.students[0].id
    _concurrent_absent(school, session, first)  # another workstation, after the sheet was read
    shown: list[str] = []

    def answer(dialog: attendance_writer.ConflictDialog) -> int:
        shown.append(dialog.details.text())
        return QDialog.DialogCode.Accepted if choice == "mine" else QDialog.DialogCode.Rejected

    monkeypatch.setattr(attendance_writer.ConflictDialog, "exec", answer)
    qtbot.keyClick(view.table, "P")
    settle(qtbot, ctx)
    assert shown and "Absent" in shown[0] and "Ada Admin" in shown[0]
    expected = "P" if choice == "mine" else "A"
    assert stored(school, session)[first][0] == expected
    settle(qtbot, ctx)
    assert view.model.status_of(0).code == expected


def test_the_session_picker_lists_the_sessions_and_switches(qtbot, screen, school: School) -> None:
    today = today_session(school)
    soon = datetime.now().replace(second=0, microsecond=0) + timedelta(minutes=10)  # markable already
    later = school.services.calendar.add_extra_session(
        school.admin, school.chess, soon, soon + timedelta(hours=1)).id
    view, ctx = screen()
    assert view.session_box.count() == 2 and view.session_box.currentData() == today
    view.session_box.setCurrentIndex(view.session_box.findData(later))
    view.session_box.activated.emit(view.session_box.currentIndex())
    settle(qtbot, ctx)
    assert view.sheet.session.id == later
    qtbot.keyClick(view.table, "E")
    settle(qtbot, ctx)
    assert stored(school, later)[view.sheet.students[0].id][0] == "E"
    assert stored(school, today) == {}


def test_no_session_says_what_to_do(qtbot, screen) -> None:
    view, _ctx = screen()
    assert view.stack.currentWidget() is view.empty
    assert "No session" in view.empty.title_label.text()


def test_paper_sign_in_sheet_and_register_are_saved_and_opened(qtbot, screen, school: School, tmp_path,
                                                               monkeypatch) -> None:
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QFileDialog

    today_session(school)
    view, ctx = screen()
    assert view.sign_in_button is not None and view.register_button is not None
    targets = iter([tmp_path / "sign-in.pdf", tmp_path / "register.pdf"])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(next(targets)), "PDF (*.pdf)"))
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    from ui.dialogs.register_dialog import RegisterRangeDialog

    def choose_save(dialog: RegisterRangeDialog) -> int:  # the default range, "Save PDF…"
        dialog.save_button.click()
        return int(dialog.result())

    monkeypatch.setattr(RegisterRangeDialog, "exec", choose_save)
    qtbot.mouseClick(view.sign_in_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    qtbot.mouseClick(view.register_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    for name in ("sign-in.pdf", "register.pdf"):
        assert (tmp_path / name).read_bytes().startswith(b"%PDF")
    assert opened == [str(tmp_path / "sign-in.pdf"), str(tmp_path / "register.pdf")]


# --------------------------------------------------------------------------- a remark never marks


def type_remark(qtbot, view: TakeAttendanceView, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type into the open remark editor and press Enter (the editor commits on the next turn
    of the event loop)."""
    editor = view.table.focusWidget()
    assert editor is not view.table
    for ch in text:
        qtbot.keyClick(editor, ch)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.table.state() != view.table.State.EditingState)


def test_a_remark_on_an_unmarked_student_waits_for_their_status(qtbot, screen, school: School) -> None:
    session = today_session(school)
    view, ctx = screen()
    first, second = (s.id for s in view.sheet.students)
    keys = Keyboard(qtbot, view.table)
    keys.press(Qt.Key.Key_Return)  # remark editor on the first, unmarked student
    type_remark(qtbot, view, "Has a cold")
    settle(qtbot, ctx)
    assert stored(school, session) == {}  # nothing marked, nothing saved
    assert view.model.data(view.model.index(0, SheetModel.STATUS)) == "Not marked"
    assert view.model.data(view.model.index(0, SheetModel.REMARK)) == "Has a cold"
    assert view.model.index(0, SheetModel.REMARK).data(Qt.ItemDataRole.FontRole).italic()
    assert "not saved yet" in view.model.index(0, SheetModel.REMARK).data(Qt.ItemDataRole.ToolTipRole).lower()
    assert "2 not marked" in view.summary.full_text() and "1 remark waiting" in view.summary.full_text()
    assert "a remark does not mark anyone" in view.status_line.full_text()
    keys.press("A")  # the status comes: the remark goes with it
    settle(qtbot, ctx)
    assert stored(school, session) == {first: ("A", None, "Has a cold")}
    assert view.model.waiting_remarks == {}
    assert not view.model.index(0, SheetModel.REMARK).data(Qt.ItemDataRole.FontRole)
    # a remark waiting when the rest is marked Present is saved with that Present
    keys.press(Qt.Key.Key_F2)  # now on the second student
    type_remark(qtbot, view, "Came late by bus")
    settle(qtbot, ctx)
    assert second not in stored(school, session)
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ctx)
    assert stored(school, session)[second] == ("P", None, "Came late by bus")
    assert "All changes saved" in view.status_line.full_text()


def test_closing_with_a_remark_still_waiting_asks_first(qtbot, make_ctx, school: School, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui.views.take_attendance import TakeAttendanceDialog

    session = today_session(school)
    ctx = make_ctx(school.teacher)
    dialog = TakeAttendanceDialog(ctx, school.chess, session)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    view = dialog.view
    view._remark_edited(0, "Forgot the kit")  # as the remark editor does when it closes
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    asked: list[str] = []

    def answer(_parent, _title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", answer)
    dialog.done_button.click()
    assert dialog.isVisible() and "wait for a status" in asked[0]
    dialog.done_button.click()
    assert not dialog.isVisible() and len(asked) == 2
    assert stored(school, session) == {}


# --------------------------------------------------------------------------- future sessions


def _tomorrow(school: School) -> int:
    start = datetime.now().replace(second=0, microsecond=0) + timedelta(days=1)
    return school.services.calendar.add_extra_session(school.admin, school.chess, start,
                                                      start + timedelta(hours=1)).id


def test_a_session_not_held_yet_is_greyed_and_refuses_marks(qtbot, screen, school: School) -> None:
    today_session(school)
    later = _tomorrow(school)
    view, ctx = screen(later)
    i = view.session_box.findData(later)
    assert "has not started yet" in view.session_box.itemData(i, Qt.ItemDataRole.ToolTipRole)
    assert view.session_box.itemData(i, Qt.ItemDataRole.ForegroundRole) is not None
    assert view.model.data(view.model.index(0, SheetModel.STATUS)) == "Not held yet"
    assert "15 minutes before it starts" in view.model.index(0, SheetModel.STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert view.model.index(0, SheetModel.NAME).data(Qt.ItemDataRole.ForegroundRole) is not None  # greyed
    assert "has not started yet" in view.status_line.full_text()
    assert not view.rest_button.isEnabled()
    keys = Keyboard(qtbot, view.table)
    keys.press("P")
    keys.press("4")
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ctx)
    assert stored(school, later) == {}
    assert view.table.currentIndex().row() == 0  # a refused mark does not move on
    assert "has not started yet" in view.status_line.full_text()
    assert "All changes saved" not in view.status_line.full_text()


def test_a_mark_the_service_refuses_is_never_reported_as_saved(qtbot, screen, school: School,
                                                               monkeypatch) -> None:
    """A screen that believes the session is open (a clock ahead of the server's, say)."""
    import ui.views.take_attendance as take_attendance

    today_session(school)
    later = _tomorrow(school)
    monkeypatch.setattr(take_attendance, "can_mark", lambda _start, _now: True)
    view, ctx = screen(later)
    qtbot.keyClick(view.table, "P")
    settle(qtbot, ctx)
    settle(qtbot, ctx)  # the re-read after the refusal
    assert stored(school, later) == {}
    text = view.status_line.full_text()
    assert text.startswith("⚠ Not saved:") and "has not started yet" in text
    assert "All changes saved" not in text
    assert view.model.status_of(0) is None  # what is stored is shown again


def test_a_session_shown_before_it_opens_becomes_markable_when_it_opens(qtbot, screen, school: School,
                                                                        monkeypatch) -> None:
    import ui.views.take_attendance as take_attendance

    today_session(school)
    later = _tomorrow(school)
    view, ctx = screen(later)
    assert view.model.not_yet and view._opening_timer.isActive()
    monkeypatch.setattr(take_attendance, "can_mark", lambda _start, _now: True)  # the time has come
    view._opening_timer.timeout.emit()
    assert not view.model.not_yet and view.rest_button.isEnabled()
    assert view.model.data(view.model.index(0, SheetModel.STATUS)) == "Not marked"


# --------------------------------------------------------------------------- find a student


def test_find_a_student_by_name_then_keep_marking(qtbot, screen, school: School) -> None:
    add_class(school, 30)
    session = today_session(school)
    view, ctx = screen()
    names = [s.name for s in view.sheet.students]
    assert not view.find_bar.isVisible()
    qtbot.keyClick(view.table, "/")
    assert view.find_bar.isVisible() and view.find_field.hasFocus()
    qtbot.keyClicks(view.find_field, "sam")
    assert names[view.table.currentIndex().row()] == "Sam Student"  # jumps as you type
    assert view.find_count.text() == "1 of 1"
    qtbot.keyClick(view.find_field, Qt.Key.Key_Return)
    assert not view.find_bar.isVisible() and view.table.hasFocus()
    qtbot.keyClick(view.table, "L")  # the keys mark again, on the student found
    settle(qtbot, ctx)
    sam = view.sheet.students[names.index("Sam Student")].id
    assert stored(school, session) == {sam: ("L", None, "")}
    # Ctrl+F, several matches: ↓ goes to the next one, Esc closes where it is
    qtbot.keyClick(view.table, "f", Qt.KeyboardModifier.ControlModifier)
    assert view.find_field.hasFocus()
    view.find_field.clear()
    qtbot.keyClicks(view.find_field, "kid 1")
    assert view.find_count.text() == "1 of 10"  # Kid 10 … Kid 19
    assert names[view.table.currentIndex().row()] == "Kid 10"
    qtbot.keyClick(view.find_field, Qt.Key.Key_Down)
    assert view.find_count.text() == "2 of 10" and names[view.table.currentIndex().row()] == "Kid 11"
    qtbot.keyClick(view.find_field, Qt.Key.Key_Escape)
    assert not view.find_bar.isVisible() and view.table.hasFocus()
    qtbot.keyClick(view.table, "A")
    settle(qtbot, ctx)
    kid11 = view.sheet.students[names.index("Kid 11")].id
    assert stored(school, session)[kid11] == ("A", None, "")
    qtbot.keyClick(view.table, "/")
    view.find_field.setText("nobody here")
    assert view.find_count.text() == "No match"


def test_finding_ignores_case_and_accents(qtbot, screen, school: School) -> None:
    s = school.services
    info = s.people.create_user(school.admin, UserInput("zoe", "Zoë Núñez", Role.STUDENT))
    s.progress.update_progress(school.admin, school.chess, info.id, status="active")
    today_session(school)
    view, _ctx = screen()
    view.open_find()
    view.find_field.setText("NUNEZ")
    assert view.sheet.students[view.table.currentIndex().row()].name == "Zoë Núñez"


# --------------------------------------------------------------------------- fits the screen


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)], ids=["1024x768", "1280x800"])
def test_the_dialog_fits_the_screen_whatever_the_summary_says(qtbot, make_ctx, school: School,
                                                              size: tuple[int, int]) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QAbstractButton

    from ui.views.take_attendance import TakeAttendanceDialog

    s, admin = school.services, school.admin
    for i in range(25):
        info = s.people.create_user(admin, UserInput(
            f"long{i:02d}", f"Maximiliana Alexandra {i:02d} Montgomery-Wolfeschlegelsteinhausen", Role.STUDENT))
        s.progress.update_progress(admin, school.chess, info.id, status="active")
    for code, label in (("R", "Remote, joined from home by video call"), ("T", "On a school trip with another class")):
        s.attendance.save_status(admin, None, code=code, label=label, colour="#0072B2",
                                 counts_as_present=True, counts_in_rate=True)
    session = today_session(school)
    ctx = make_ctx(school.teacher)
    dialog = TakeAttendanceDialog(ctx, school.chess, session)
    qtbot.addWidget(dialog)
    screen_w, screen_h = size
    dialog.resize(min(960, screen_w - 24), min(720, screen_h - 48))  # what it does on such a screen
    dialog.show()
    settle(qtbot, ctx)
    view = dialog.view
    width = dialog.width()
    keys = Keyboard(qtbot, view.table)
    for code in "PLEARTRTPA":  # every status in the summary, and a long one
        keys.press(code)
    view._remark_edited(view.current_row(), "x" * 300)  # and a remark waiting
    settle(qtbot, ctx)
    qtbot.wait(50)
    summary = view.summary.full_text()
    assert "remote, joined from home by video call" in summary and "remark waiting" in summary
    minimum = dialog.minimumSizeHint().expandedTo(dialog.minimumSize())
    assert minimum.width() <= screen_w and minimum.height() <= screen_h
    assert dialog.width() == width <= screen_w and dialog.height() <= screen_h
    if view.summary.text() != summary:  # cut to fit: with "…" and the whole text in the tooltip
        assert view.summary.text().endswith("…") and summary in view.summary.toolTip()
    inside = dialog.rect()
    buttons = [view.rest_button, view.sign_in_button, view.register_button, view.print_button, dialog.done_button]
    for b in buttons:
        assert isinstance(b, QAbstractButton) and b.isVisible()
        box = QRect(b.mapTo(dialog, b.rect().topLeft()), b.size())
        assert inside.contains(box), f"{b.text()} at {box} is outside the dialog {inside}"
        assert b.fontMetrics().horizontalAdvance(b.text()) <= b.width(), f"{b.text()} is cut"
    bar = view.table.verticalScrollBar()
    assert bar.isVisible()
    assert inside.contains(QRect(bar.mapTo(dialog, bar.rect().topLeft()), bar.size()))
    long_name = view.model.index(5, SheetModel.NAME)
    assert "Montgomery-Wolfeschlegelsteinhausen" in long_name.data(Qt.ItemDataRole.ToolTipRole)
