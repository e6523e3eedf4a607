"""An activity's own page, opened from the Activities list: header, Roster and Schedule tabs."""

from __future__ import annotations

import importlib

import pytest
from PySide6.QtCore import Qt

from tests.conftest import School
from tests.ui.conftest import settle, show_page
from ui.views.activities import ActivitiesPage
from ui.views.activity_detail import ActivityDetailPage


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


def test_schedule_tab_is_there_when_its_module_is(qtbot, ctx, school: School) -> None:
    detail = ActivityDetailPage(ctx, school.chess)
    qtbot.addWidget(detail)
    tabs = [detail.tabs.tabText(i) for i in range(detail.tabs.count())]
    settle(qtbot, ctx)
    try:
        importlib.import_module("ui.views.activity_schedule")
    except ImportError:
        assert tabs == ["Roster", "Milestones", "Attendance", "Skills"]
    else:
        assert tabs == ["Roster", "Milestones", "Schedule", "Attendance", "Skills"]


def test_a_missing_schedule_module_leaves_the_tab_out(qtbot, ctx, school: School, monkeypatch) -> None:
    real = importlib.import_module

    def fake(name: str, *a: object) -> object:
        if name == "ui.views.activity_schedule":
            raise ImportError(name)
        return real(name, *a)

    monkeypatch.setattr(importlib, "import_module", fake)
    detail = ActivityDetailPage(ctx, school.chess)
    qtbot.addWidget(detail)
    detail.show()
    detail.refresh()
    settle(qtbot, ctx)
    assert [detail.tabs.tabText(i) for i in range(detail.tabs.count())] == [
        "Roster", "Milestones", "Attendance", "Skills"]
    assert detail.title.text() == "Chess Club"


def test_header_follows_changes(qtbot, ctx, school: School) -> None:
    from tracker.services.activities import ActivityInput

    detail = ActivityDetailPage(ctx, school.chess)
    qtbot.addWidget(detail)
    detail.show()
    detail.refresh()
    settle(qtbot, ctx)
    school.services.activities.update_activity(
        school.admin, school.chess, ActivityInput("Chess Club", capacity=10, lead_ids=[school.teacher.id]))
    ctx.events.publish(activity=[school.chess])
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
