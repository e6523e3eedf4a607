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
    tomorrow = datetime.now().replace(second=0, microsecond=0) + timedelta(days=1)
    later = school.services.calendar.add_extra_session(
        school.admin, school.chess, tomorrow, tomorrow + timedelta(hours=1)).id
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
