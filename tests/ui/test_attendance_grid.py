"""The term grid: edits with the keyboard, ranges, clipboard, undo/redo, asserted from stored records."""

from __future__ import annotations

from array import array
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from tests.conftest import School
from tests.ui.conftest import settle
from tracker.domain.enums import Role
from tracker.services.attendance import (
    NO_MARK,
    NOT_APPLICABLE,
    AttendanceGrid,
    SessionRef,
    StatusInfo,
    StudentRef,
)
from tracker.services.people import UserInput
from ui.models.attendance_grid import AttendanceGridModel, CellRole
from ui.views.attendance_grid import AttendanceGridView

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def setup_term(school: School, extra_students: int = 3) -> dict[str, int]:
    """Chess with a session three days ago (before anyone enrolled: not applicable), one now, two
    starting within 15 minutes (they can be marked already) and two in the coming days (they
    cannot be marked yet); three more students enrolled."""
    s, admin = school.services, school.admin
    for i in range(extra_students):
        info = s.people.create_user(admin, UserInput(f"kid{i}", f"Kid {i}", Role.STUDENT, grade="7"))
        s.progress.update_progress(admin, school.chess, info.id, status="active")
    now = datetime.now().replace(second=0, microsecond=0)
    ids = {}
    for name, start in (("past", now - timedelta(days=3)), ("now", now - timedelta(minutes=5)),
                        ("soon", now + timedelta(minutes=5)), ("soon2", now + timedelta(minutes=10)),
                        ("d1", now + timedelta(days=1)), ("d2", now + timedelta(days=2))):
        ids[name] = s.calendar.add_extra_session(admin, school.chess, start, start + timedelta(hours=1)).id
    return ids


def codes(school: School) -> dict[tuple[int, int], str]:
    """(row, col) -> stored code, in the grid's own order."""
    g = school.services.attendance.grid(school.admin, school.chess)
    out = {}
    for r in range(len(g.students)):
        for c in range(len(g.sessions)):
            v = g.cells[g.index(r, c)]
            if v >= 0:
                out[(r, c)] = g.statuses[v].code
    return out


@pytest.fixture
def grid_view(qtbot, make_ctx, school: School):  # type: ignore[no-untyped-def]
    setup_term(school)
    ctx = make_ctx(school.teacher)
    view = AttendanceGridView(ctx, school.chess)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    settle(qtbot, ctx)
    view.ctx_for_tests = ctx  # type: ignore[attr-defined]
    return view


def _select(view: AttendanceGridView, top: int, left: int, bottom: int, right: int) -> None:
    m = view.model
    view.table.setCurrentIndex(m.index(top, left))
    view.table.selectionModel().select(QItemSelection(m.index(top, left), m.index(bottom, right)),
                                       QItemSelectionModel.SelectionFlag.ClearAndSelect)


def _settle(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    """Writes stored, and the re-read of rates and totals that follows them delivered."""
    ctx = view.ctx_for_tests
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: not view._settle_timer.isActive() and not ctx.tasks.busy, timeout=10_000)


def test_grid_model_passes_the_model_tester(qtmodeltester, grid_view: AttendanceGridView) -> None:
    model = grid_view.model
    assert model.rowCount() == 5 + 1 and model.columnCount() == 6  # students + totals; sessions
    qtmodeltester.check(model)


def test_the_grid_shows_names_dates_and_greys_before_enrollment(grid_view: AttendanceGridView) -> None:
    m = grid_view.model
    assert m.headerData(0, Qt.Orientation.Vertical) == "Kid 0"
    assert m.headerData(m.rowCount() - 1, Qt.Orientation.Vertical) == "Present (total)"
    start = m.grid.sessions[4].starts_at  # alone on its day: the weekday
    assert m.headerData(4, Qt.Orientation.Horizontal) == f"{start:%a}\n{start.day} {start:%b}"
    assert m.index(0, 0).data(CellRole) == NOT_APPLICABLE
    assert m.index(0, 1).data(CellRole) == NO_MARK
    assert "does not count" in m.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_code_keys_mark_and_move_down(qtbot, grid_view: AttendanceGridView, school: School) -> None:
    view = grid_view
    view.table.setCurrentIndex(view.model.index(0, 1))
    for key in ("P", "a", "L"):
        qtbot.keyClick(view.table, key)
    _settle(qtbot, view)
    assert codes(school) == {(0, 1): "P", (1, 1): "A", (2, 1): "L"}
    assert view.table.currentIndex().row() == 3
    assert view.model.index(view.model.rowCount() - 1, 1).data() == "2"  # present: P and L
    assert view.model.index(0, 1).data() == "P"


def test_a_range_gets_a_status_and_undo_redo_restore_it(qtbot, grid_view: AttendanceGridView,
                                                        school: School) -> None:
    view = grid_view
    view.table.setCurrentIndex(view.model.index(1, 2))
    qtbot.keyClick(view.table, "E")  # a single edit first
    _settle(qtbot, view)
    _select(view, 0, 1, 2, 3)
    qtbot.keyClick(view.table, "A")  # 9 cells in one edit
    _settle(qtbot, view)
    assert codes(school) == {(r, c): "A" for r in range(3) for c in range(1, 4)}
    qtbot.keyClick(view.table, "z", CTRL)  # undo the bulk edit
    _settle(qtbot, view)
    assert codes(school) == {(1, 2): "E"}
    qtbot.keyClick(view.table, "z", CTRL)  # undo the single edit: the record is gone again
    _settle(qtbot, view)
    assert codes(school) == {}
    qtbot.keyClick(view.table, "z", CTRL | SHIFT)
    qtbot.keyClick(view.table, "z", CTRL | SHIFT)
    _settle(qtbot, view)
    assert codes(school) == {(r, c): "A" for r in range(3) for c in range(1, 4)}
    assert view.model.index(1, 2).data() == "A"


def test_context_menu_statuses_and_delete_clear(qtbot, grid_view: AttendanceGridView, school: School) -> None:
    view = grid_view
    _select(view, 0, 1, 1, 1)
    late = next(s.id for s in view.model.statuses if s.code == "L")
    view.set_selection(late)
    _settle(qtbot, view)
    assert codes(school) == {(0, 1): "L", (1, 1): "L"}
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    _settle(qtbot, view)
    assert codes(school) == {}


def test_copy_puts_codes_on_the_clipboard_as_tsv(qtbot, grid_view: AttendanceGridView) -> None:
    view = grid_view
    view.table.setCurrentIndex(view.model.index(0, 1))
    for key in ("P", "A"):
        qtbot.keyClick(view.table, key)
    _settle(qtbot, view)
    _select(view, 0, 1, 1, 2)
    qtbot.keyClick(view.table, "c", CTRL)
    assert QGuiApplication.clipboard().text() == "P\t\nA\t"


def test_paste_valid_applies_and_undoes_as_one(qtbot, grid_view: AttendanceGridView, school: School) -> None:
    view = grid_view
    QGuiApplication.clipboard().setText("P\tA\nlate\tE\n")
    _select(view, 1, 2, 1, 2)
    qtbot.keyClick(view.table, "v", CTRL)
    _settle(qtbot, view)
    assert codes(school) == {(1, 2): "P", (1, 3): "A", (2, 2): "L", (2, 3): "E"}
    qtbot.keyClick(view.table, "z", CTRL)
    _settle(qtbot, view)
    assert codes(school) == {}


def test_paste_invalid_applies_nothing_and_says_where(qtbot, grid_view: AttendanceGridView, school: School,
                                                      monkeypatch) -> None:
    view = grid_view
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: said.append(text))
    QGuiApplication.clipboard().setText("P\tX\nP\tP")
    _select(view, 0, 1, 0, 1)
    qtbot.keyClick(view.table, "v", CTRL)
    _settle(qtbot, view)
    assert said and "Nothing was pasted" in said[0] and "row 1, column 2" in said[0]
    assert codes(school) == {}
    QGuiApplication.clipboard().setText("P\tP")  # onto the greyed session before enrollment
    _select(view, 0, 0, 0, 0)
    assert not view.paste()
    assert len(said) == 2 and "cannot be marked" in said[1]
    assert codes(school) == {}
    assert not view.undo_stack.canUndo()


def test_not_applicable_cells_refuse_edits(qtbot, grid_view: AttendanceGridView, school: School) -> None:
    view = grid_view
    _select(view, 0, 0, 0, 0)
    qtbot.keyClick(view.table, "P")
    _settle(qtbot, view)
    assert codes(school) == {}
    assert "not applicable" in view.status_line.text()
    assert not view.undo_stack.canUndo()
    assert not (view.model.flags(view.model.index(view.model.rowCount() - 1, 1))
                & Qt.ItemFlag.ItemIsSelectable)  # the totals row is not a cell to mark


def test_a_synthetic_grid_shows_without_a_database(qtbot, qtmodeltester) -> None:
    statuses = (StatusInfo(1, "P", "Present", "#009E73", True, True, 0, True),
                StatusInfo(2, "A", "Absent", "#D55E00", False, True, 1, True))
    students = tuple(StudentRef(i + 1, f"Student {i}", "7", "7A", date(2026, 9, 1), None, "active")
                     for i in range(40))
    sessions = tuple(SessionRef(100 + j, 1, datetime(2026, 9, 1 + j, 15), datetime(2026, 9, 1 + j, 16),
                                "", False, "") for j in range(20))
    n = 40 * 20
    grid = AttendanceGrid(1, "Synthetic", statuses, students, sessions,
                          array("b", [i % 3 - 1 for i in range(n)]), array("i", [0] * n), array("b", [0] * n),
                          [90.0] * 40, [0] * 40, [13] * 20)
    model = AttendanceGridModel()
    model.set_grid(grid)
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == "P" and model.index(0, 2).data() == "A" and model.index(0, 0).data() == ""


@pytest.mark.parametrize("choice", ["mine", "theirs"])
def test_a_concurrent_change_asks_before_overwriting(qtbot, grid_view: AttendanceGridView, school: School,
                                                     monkeypatch, choice: str) -> None:
    from PySide6.QtWidgets import QDialog

    from tracker.services.attendance import MarkChange
    from ui.views import attendance_writer

    view = grid_view
    g = view.grid
    absent = next(s.id for s in g.statuses if s.code == "A")
    school.services.attendance.apply(school.admin, [MarkChange(g.sessions[1].id, g.students[0].id, absent)])
    asked: list[str] = []

    def answer(dialog) -> int:  # type: ignore[no-untyped-def]
        asked.append(dialog.details.text())
        return QDialog.DialogCode.Accepted if choice == "mine" else QDialog.DialogCode.Rejected

    monkeypatch.setattr(attendance_writer.ConflictDialog, "exec", answer)
    _select(view, 0, 1, 0, 1)
    qtbot.keyClick(view.table, "P")
    _settle(qtbot, view)
    assert asked and "Absent" in asked[0] and "Kid 0" in asked[0]
    expected = "P" if choice == "mine" else "A"
    assert codes(school) == {(0, 1): expected}
    assert view.model.index(0, 1).data() == expected


# --------------------------------------------------------------------------- sessions not held yet


def test_sessions_not_held_yet_are_hatched_and_refuse_marks(qtbot, grid_view: AttendanceGridView,
                                                            school: School) -> None:
    view = grid_view
    m = view.model
    assert [m.is_future(c) for c in range(6)] == [False, False, False, False, True, True]
    assert m.paint_info(0, 4)[0] is not m.paint_info(0, 3)[0]  # hatched, not the blank of a held one
    assert "not held yet" in m.index(0, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert "15 minutes before it starts" in m.headerData(4, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert m.headerData(4, Qt.Orientation.Horizontal, Qt.ItemDataRole.ForegroundRole) is not None
    _select(view, 0, 4, 0, 4)
    qtbot.keyClick(view.table, "P")
    _settle(qtbot, view)
    assert codes(school) == {}
    assert "not held yet" in view.status_line.full_text() and not view.undo_stack.canUndo()
    _select(view, 0, 3, 0, 5)  # a range across: the session that is open is marked, the rest said
    qtbot.keyClick(view.table, "E")
    _settle(qtbot, view)
    assert codes(school) == {(0, 3): "E"}
    assert "2 cells of sessions not held yet" in view.status_line.full_text()


def test_a_mark_the_service_refuses_is_never_reported_as_saved(qtbot, grid_view: AttendanceGridView,
                                                               school: School) -> None:
    """A grid that believes tomorrow's session is open (a clock ahead of the server's, say)."""
    view = grid_view
    view.model._open = view.model.columnCount()
    _select(view, 0, 4, 0, 4)
    qtbot.keyClick(view.table, "P")
    _settle(qtbot, view)
    assert codes(school) == {}
    text = view.status_line.full_text()
    assert text.startswith("⚠ Not saved:") and "has not started yet" in text
    assert "All changes saved" not in text
    assert view.model.index(0, 4).data() == ""  # what is stored is shown again
    _select(view, 0, 1, 0, 1)  # the next mark that is stored says so again
    qtbot.keyClick(view.table, "P")
    _settle(qtbot, view)
    assert "All changes saved" in view.status_line.full_text()


def test_a_session_opens_for_marks_when_its_time_comes(qtbot, grid_view: AttendanceGridView) -> None:
    view = grid_view
    m = view.model
    opening = m.next_opening()
    assert opening == m.grid.sessions[4].starts_at - timedelta(minutes=15)
    assert view._opening_timer.isActive()
    changed: list[tuple[int, int]] = []
    m.headerDataChanged.connect(lambda _o, first, last: changed.append((first, last)))
    m.update_markable(opening)
    assert m.editable(0, 4) and not m.editable(0, 5) and changed == [(4, 4)]
    assert m.paint_info(0, 4)[0] is None  # an open session's blank cell
    assert m.next_opening() == m.grid.sessions[5].starts_at - timedelta(minutes=15)


# --------------------------------------------------------------------------- what the figures mean


def test_the_student_column_has_titles_with_tooltips_and_a_legend(grid_view: AttendanceGridView) -> None:
    from PySide6.QtWidgets import QAbstractButton

    from ui.views.attendance_grid import HEADER_HEIGHT, NAME_WIDTH

    view = grid_view
    titles = view.table.titles
    assert titles.isVisible() and (titles.width(), titles.height()) == (NAME_WIDTH, HEADER_HEIGHT)
    assert [titles.student.text(), titles.rate.text(), titles.streak.text()] == ["Student", "Rate",
                                                                                 "Absent\nin a row"]
    assert "Attendance rate" in titles.rate.toolTip() and "75%" in titles.rate.toolTip()
    assert "3× = absent the last 3 sessions" in titles.streak.toolTip()
    for label in (titles.rate, titles.streak):  # each line fits its column
        widest = max(label.fontMetrics().horizontalAdvance(line) for line in label.text().split("\n"))
        assert widest <= label.width()
    corners = view.table.findChildren(QAbstractButton, options=Qt.FindChildOption.FindDirectChildrenOnly)
    assert not any(c.isVisible() for c in corners)  # nothing lies under the titles
    hint = view.hint.text()
    assert "<b>Rate</b> attendance rate, red below 75%" in hint and "<b>3×</b> absent the last 3" in hint
    assert "hatched" in view.legend.text() and "<b>P</b>" in view.legend.text()


def test_rates_are_shown_so_that_they_never_contradict_the_minimum(qapp) -> None:
    from ui.models.attendance_grid import BelowMinimumRole, RateTextRole

    statuses = (StatusInfo(1, "P", "Present", "#009E73", True, True, 0, True),)
    students = tuple(StudentRef(i + 1, f"Student {i}", "7", "7A", date(2026, 9, 1), None, "active")
                     for i in range(4))
    sessions = (SessionRef(100, 1, datetime(2026, 9, 2, 15), datetime(2026, 9, 2, 16), "", False, ""),)
    grid = AttendanceGrid(1, "Rates", statuses, students, sessions, array("b", [0] * 4), array("i", [0] * 4),
                          array("b", [0] * 4), [69.8, 70.0, 74.96, None], [0, 0, 3, 0], [3],
                          min_attendance=70.0)
    model = AttendanceGridModel()
    model.set_grid(grid)
    v = Qt.Orientation.Vertical
    assert [model.headerData(r, v, RateTextRole) for r in range(4)] == ["69.8%", "70%", "75%", "—"]
    assert [model.headerData(r, v, BelowMinimumRole) for r in range(4)] == [True, False, False, False]
    assert "attendance 69.8%, below the minimum of 70%" in model.headerData(0, v, Qt.ItemDataRole.ToolTipRole)
    assert "attendance 70% (minimum 70%)" in model.headerData(1, v, Qt.ItemDataRole.ToolTipRole)
    assert "absent the last 3 sessions in a row" in model.headerData(2, v, Qt.ItemDataRole.ToolTipRole)
