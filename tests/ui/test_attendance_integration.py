"""Where attendance is reached from: the dashboard, the activity page's Attendance tab, the
status configuration of admins, and the screenshot views."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle
from ui.dialogs.status_dialog import StatusDialog
from ui.views.activity_detail import ActivityDetailPage
from ui.views.attendance_grid import AttendanceGridView
from ui.views.dashboard import DashboardPage
from ui.views.take_attendance import TakeAttendanceDialog


def _session_now(school: School) -> int:
    now = datetime.now().replace(second=0, microsecond=0)
    return school.services.calendar.add_extra_session(school.admin, school.chess, now - timedelta(minutes=5),
                                                      now + timedelta(minutes=55)).id


def _codes(school: School, session_id: int) -> dict[int, str]:
    sheet = school.services.attendance.sheet(school.admin, session_id)
    by_id = {s.id: s.code for s in sheet.statuses}
    return {sid: by_id[m.status_id] for sid, m in sheet.marks.items() if m.status_id is not None}


def test_teacher_takes_attendance_from_the_dashboard(qtbot, make_ctx, school: School) -> None:
    session = _session_now(school)
    ctx = make_ctx(school.teacher)
    page = DashboardPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    page.on_shown()
    settle(qtbot, ctx)
    button = page.staff.take_button
    assert button is not None and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    dialog = page.take_dialog
    assert isinstance(dialog, TakeAttendanceDialog) and dialog.isVisible()
    view = dialog.view
    assert view.sheet is not None and view.sheet.session.id == session
    qtbot.keyClick(view.table, "A")
    qtbot.keyClick(view.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ctx)
    assert sorted(_codes(school, session).values()) == ["A", "P"]
    dialog.accept()


def test_students_and_parents_get_no_take_attendance_button(qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.student)
    page = DashboardPage(ctx)
    qtbot.addWidget(page)
    page.on_shown()
    settle(qtbot, ctx)
    assert page.staff is None


def test_the_attendance_tab_opens_the_take_attendance_screen(qtbot, make_ctx, school: School) -> None:
    session = _session_now(school)
    ctx = make_ctx(school.teacher)
    detail = ActivityDetailPage(ctx, school.chess)
    qtbot.addWidget(detail)
    detail.resize(1200, 760)
    detail.show()
    settle(qtbot, ctx)
    grid = detail.attendance
    assert isinstance(grid, AttendanceGridView)
    assert grid.grid is None  # read when the tab is first shown
    detail.tabs.setCurrentWidget(grid)
    settle(qtbot, ctx)
    assert grid.model.columnCount() == 1 and grid.model.student_rows() == 2
    qtbot.mouseClick(grid.take_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    view = detail.take_dialog.view
    qtbot.keyClick(view.table, "L")
    settle(qtbot, ctx)
    first = view.sheet.students[0].id
    assert _codes(school, session) == {first: "L"}
    # the grid follows the change (attendance published on the event bus), once writes settle
    qtbot.waitUntil(lambda: not grid._settle_timer.isActive() and not ctx.tasks.busy, timeout=10_000)
    detail.take_dialog.accept()
    assert grid.model.index(0, 0).data() == "L"


def test_admin_edits_a_status_and_the_grid_shows_it(qtbot, ctx, school: School) -> None:
    _session_now(school)
    grid = AttendanceGridView(ctx, school.chess)
    qtbot.addWidget(grid)
    grid.resize(1100, 600)
    grid.show()
    settle(qtbot, ctx)
    assert "Late" in grid.legend.text() and "Late arrival" not in grid.legend.text()
    dialog = StatusDialog(ctx)
    qtbot.addWidget(dialog)
    settle(qtbot, ctx)
    assert [s.code for s in dialog.statuses][:4] == ["P", "L", "E", "A"]
    dialog.list.setCurrentRow(1)  # Late
    dialog.label.setText("Late arrival")
    dialog.save()
    settle(qtbot, ctx)
    assert any(s.label == "Late arrival" for s in ctx.services.attendance.statuses(ctx.user))
    qtbot.waitUntil(lambda: "Late arrival" in grid.legend.text(), timeout=10_000)  # the grid reads it again
    dialog.new_status()
    dialog.code.setText("P")  # taken
    dialog.label.setText("Another present")
    dialog.save()
    settle(qtbot, ctx)
    assert dialog.error.isVisibleTo(dialog) and dialog.error.text()
    assert "Another present" not in {s.label for s in ctx.services.attendance.statuses(ctx.user)}
    dialog.code.setText("R")
    dialog.label.setText("Remote")
    dialog.present.setChecked(True)
    dialog.save()
    settle(qtbot, ctx)
    assert "R" in {s.code for s in ctx.services.attendance.statuses(ctx.user)}


def test_only_admins_get_the_statuses_button(qtbot, make_ctx, school: School) -> None:
    admin_view = AttendanceGridView(make_ctx(school.admin), school.chess)
    teacher_view = AttendanceGridView(make_ctx(school.teacher), school.chess)
    for v in (admin_view, teacher_view):
        qtbot.addWidget(v)
    assert admin_view.statuses_button is not None and teacher_view.statuses_button is None


@pytest.mark.parametrize("view, user", [("take-attendance", "tina"), ("attendance-grid", "tina"),
                                        ("attendance-grid", "admin")])
def test_attendance_screenshot_views_render(tmp_path, school: School, view: str, user: str) -> None:
    from PySide6.QtGui import QImage

    from tracker.cli import build_parser
    from ui.screenshot import run_screenshot

    _session_now(school)
    out = tmp_path / f"{view}.png"
    args = build_parser().parse_args(["screenshot", "--db", str(school.services.db.url.database), "--user", user,
                                      "--password", PASSWORD, "--view", view, "--out", str(out)])
    assert run_screenshot(args) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
