"""An activity's own page, opened from the Activities list: header and tabs (a broken one included)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.conftest import School
from tests.ui.conftest import settle, show_page
from tracker.domain.changes import ChangeKind, Changes
from ui.ops import WriteOp
from ui.views.activities import ActivitiesPage
from ui.views.activity_detail import ActivityDetailPage, BrokenTab


def _page(qtbot, ctx) -> ActivitiesPage:  # type: ignore[no-untyped-def]
    return show_page(qtbot, ctx, ActivitiesPage(ctx))


def test_enter_on_an_activity_opens_its_page_and_back_returns(qtbot, ctx, school: School) -> None:
    page = _page(qtbot, ctx)
    assert page.select_activity(school.chess)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    settle(qtbot, ctx)
    detail = page.detail_page
    assert isinstance(detail, ActivityDetailPage) and page.views.currentWidget() is detail
    assert detail.title.text() == "Chess Club"
    assert "Tina Teacher" in detail.facts.text() and detail.places.text() == "2 enrolled"
    assert detail.roster.model.rowCount() == 2
    qtbot.mouseClick(detail.back, Qt.MouseButton.LeftButton)
    assert page.detail_page is None and page.views.currentWidget() is page.list_view
    assert page.selected().id == school.chess


def test_open_button_for_a_teacher_of_the_activity(qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.teacher)
    page = _page(qtbot, ctx)
    assert page.open_action.isEnabled()
    page.open_action.trigger()
    settle(qtbot, ctx)
    assert page.detail_page.title.text() == "Chess Club"
    assert not page.detail_page.roster.import_action.isVisible()  # importing is for admins


def test_every_tab_is_there_for_an_admin(qtbot, ctx, school: School) -> None:
    detail = ActivityDetailPage(ctx, school.chess)
    qtbot.addWidget(detail)
    settle(qtbot, ctx)
    assert [detail.tabs.tabText(i) for i in range(detail.tabs.count())] == [
        "Roster", "Milestones", "Schedule", "Attendance", "Skills", "Certificates", "Badges", "Analytics"]


def test_a_broken_tab_shows_its_error_and_the_rest_of_the_page_works(qtbot, ctx, school: School,
                                                                     monkeypatch) -> None:
    def broken(self: ActivityDetailPage) -> object:
        raise ImportError("No module named 'ui.views.activity_schedule'")

    monkeypatch.setattr(ActivityDetailPage, "_schedule_tab", broken)
    detail = ActivityDetailPage(ctx, school.chess)
    qtbot.addWidget(detail)
    detail.show()
    detail.refresh()
    settle(qtbot, ctx)
    assert [detail.tabs.tabText(i) for i in range(detail.tabs.count())] == [
        "Roster", "Milestones", "Schedule", "Attendance", "Skills", "Certificates", "Badges", "Analytics"]
    assert detail.schedule is None
    detail.tabs.setCurrentIndex(2)
    shown = detail.tabs.currentWidget()
    assert isinstance(shown, BrokenTab) and shown.isVisible()
    assert shown.title_label.text() == ("This tab could not be opened: "
                                        "No module named 'ui.views.activity_schedule'")
    assert detail.title.text() == "Chess Club" and detail.roster.model.rowCount() == 2
    detail.tabs.setCurrentWidget(detail.milestones)
    settle(qtbot, ctx)
    assert detail.milestones.model.rowCount() == 2  # the other tabs still work


def test_a_tab_reads_when_first_shown_and_catches_up_on_what_changed_while_hidden(qtbot, ctx,
                                                                                 school: School) -> None:
    detail = ActivityDetailPage(ctx, school.chess)
    qtbot.addWidget(detail)
    detail.resize(1200, 760)
    detail.show()
    settle(qtbot, ctx)
    tab = detail.milestones
    assert detail.roster.model.rowCount() == 2 and tab.snapshot is None  # not opened: not read
    detail.tabs.setCurrentWidget(tab)
    settle(qtbot, ctx)
    assert tab.snapshot is not None and tab.list_model.rowCount() == 0
    detail.tabs.setCurrentWidget(detail.roster)
    service = school.services.milestones
    WriteOp(detail.roster, ctx, lambda state: service.create_milestone(school.admin, school.chess, title="Rules")) \
        .run_in_background()
    settle(qtbot, ctx)
    assert tab.stale and tab.list_model.rowCount() == 0  # hidden: only noted
    detail.tabs.setCurrentWidget(tab)
    settle(qtbot, ctx)
    assert [m.title for m in tab.list_model._rows] == ["Rules"]


def test_header_follows_changes(qtbot, ctx, school: School) -> None:
    from tracker.services.activities import ActivityInput

    detail = ActivityDetailPage(ctx, school.chess)
    qtbot.addWidget(detail)
    detail.show()
    detail.refresh()
    settle(qtbot, ctx)
    school.services.activities.update_activity(
        school.admin, school.chess, ActivityInput("Chess Club", capacity=10, lead_ids=[school.teacher.id]))
    changed = Changes()
    changed.add(ChangeKind.ACTIVITY, school.chess)
    ctx.events.publish(changed)  # as a write on another page would
    settle(qtbot, ctx)
    assert detail.places.text() == "2 / 10 enrolled"


@pytest.mark.parametrize("who", ["other_teacher"])
def test_someone_else_s_activity_shows_a_message_not_a_crash(qtbot, make_ctx, school: School, who: str,
                                                            monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)  # other tabs
    ctx = make_ctx(getattr(school, who))
    detail = ActivityDetailPage(ctx, school.chess)
    qtbot.addWidget(detail)
    detail.show()
    detail.refresh()
    settle(qtbot, ctx)
    assert detail.title.text() == "Activity not available"
    assert "may not" in detail.roster.message.text()


@pytest.mark.parametrize("view, user", [("activity-roster", "admin"), ("activity-roster", "tina"),
                                        ("import", "admin")])
def test_screenshot_views_render(tmp_path, school: School, view: str, user: str) -> None:
    from PySide6.QtGui import QImage

    from tests.conftest import PASSWORD
    from tracker.cli import build_parser
    from ui.screenshot import run_screenshot

    out = tmp_path / f"{view}.png"
    args = build_parser().parse_args(["screenshot", "--db", str(school.services.db.url.database), "--user", user,
                                      "--password", PASSWORD, "--view", view, "--out", str(out)])
    assert run_screenshot(args) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)


def test_import_view_is_refused_to_teachers(tmp_path, school: School) -> None:
    from tests.conftest import PASSWORD
    from tracker.cli import build_parser
    from tracker.errors import TrackerError
    from ui.screenshot import run_screenshot

    args = build_parser().parse_args(["screenshot", "--db", str(school.services.db.url.database), "--user", "tina",
                                      "--password", PASSWORD, "--view", "import", "--out", str(tmp_path / "x.png")])
    with pytest.raises(TrackerError, match="cannot open import"):
        run_screenshot(args)


# --------------------------------------------------------------------------- keyboard


def _shown_detail(qtbot, ctx, activity: int) -> ActivityDetailPage:  # type: ignore[no-untyped-def]
    detail = ActivityDetailPage(ctx, activity)
    qtbot.addWidget(detail)
    detail.resize(1024, 700)
    detail.show()
    qtbot.waitExposed(detail)
    detail.activateWindow()
    settle(qtbot, ctx)
    return detail


def _focused() -> object:
    from PySide6.QtWidgets import QApplication

    return QApplication.focusWidget()


def test_tab_and_shift_tab_leave_the_roster_table(qtbot, ctx, school: School) -> None:
    detail = _shown_detail(qtbot, ctx, school.chess)
    table = detail.roster.table
    detail.roster.focus_main()
    qtbot.waitUntil(lambda: _focused() is table)
    current = table.currentIndex()
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert _focused() is not table and table.currentIndex() == current  # not a move to the next cell
    table.setFocus()
    qtbot.waitUntil(lambda: _focused() is table)
    qtbot.keyClick(table, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert _focused() is not table


@pytest.mark.parametrize("key, modifiers", [
    (Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier),
])
def test_ctrl_tab_and_ctrl_page_down_switch_tabs_from_the_roster_table(qtbot, ctx, school: School,
                                                                       key: Qt.Key,
                                                                       modifiers: Qt.KeyboardModifier) -> None:
    detail = _shown_detail(qtbot, ctx, school.chess)
    detail.roster.focus_main()
    qtbot.waitUntil(lambda: _focused() is detail.roster.table)
    qtbot.keyClick(detail.roster.table, key, modifiers)
    assert detail.tabs.currentWidget() is detail.milestones
    settle(qtbot, ctx)
    assert detail.milestones.isAncestorOf(_focused())  # the keyboard went along, into the new tab
    # and on from the checklist table, which takes Ctrl+PgDown for itself otherwise
    qtbot.keyClick(_focused(), key, modifiers)
    assert detail.tabs.currentWidget() is detail.schedule


def test_ctrl_shift_tab_and_ctrl_page_up_go_back_and_wrap_around(qtbot, ctx, school: School) -> None:
    detail = _shown_detail(qtbot, ctx, school.chess)
    detail.roster.focus_main()
    qtbot.waitUntil(lambda: _focused() is detail.roster.table)
    qtbot.keyClick(detail.roster.table, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert detail.tabs.currentIndex() == detail.tabs.count() - 1  # from the first tab to the last
    settle(qtbot, ctx)
    qtbot.keyClick(_focused(), Qt.Key.Key_Backtab,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert detail.tabs.currentIndex() == detail.tabs.count() - 2
    # plain PgDown still pages the table: only Ctrl switches tabs
    detail.tabs.setCurrentWidget(detail.roster)
    detail.roster.focus_main()
    qtbot.keyClick(detail.roster.table, Qt.Key.Key_PageDown)
    assert detail.tabs.currentWidget() is detail.roster


def test_ctrl_tab_from_the_search_box_and_the_filters(qtbot, ctx, school: School) -> None:
    detail = _shown_detail(qtbot, ctx, school.chess)
    for widget in (detail.roster.search, detail.roster.status_filter):
        detail.tabs.setCurrentWidget(detail.roster)
        widget.setFocus()
        qtbot.waitUntil(lambda w=widget: _focused() is w)
        qtbot.keyClick(widget, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
        assert detail.tabs.currentWidget() is detail.milestones
