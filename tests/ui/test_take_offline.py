"""The "Take activities offline" dialog and the activity page's "Take this activity offline…"
(issue 17): prepare this computer for the chosen activities, say when it was last synchronised."""

# ruff: noqa: F811 - the fixtures imported from tests/ui/offline_support are the tests' parameters
from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt

from tests.conftest import School
from tests.ui.conftest import settle
from tests.ui.offline_support import routed, routed_ctx  # noqa: F401
from tracker.offline.router import RoutedServices
from ui.context import AppContext
from ui.dialogs import app_settings
from ui.dialogs.take_offline import OFFLINE_TEXT, READY, TakeOfflineDialog
from ui.offline_status import WIPE_ON_SIGN_OUT


def open_dialog(qtbot, ctx: AppContext, activity_id: int | None = None) -> TakeOfflineDialog:  # type: ignore[no-untyped-def]
    dialog = TakeOfflineDialog(ctx, activity_id=activity_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    settle(qtbot, ctx)
    return dialog


def listed(dialog: TakeOfflineDialog) -> dict[str, bool]:
    items = [dialog.panel.list.item(i) for i in range(dialog.panel.list.count())]
    return {item.text().split("  ·  ")[0]: item.checkState() == Qt.CheckState.Checked for item in items}


@pytest.fixture
def admin_ctx(routed_ctx: AppContext, routed: RoutedServices, school: School) -> AppContext:
    routed.actor = routed_ctx.actor = school.admin
    return routed_ctx


def test_a_teacher_sees_their_activities_and_what_the_copy_holds(qtbot, routed_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, routed_ctx)
    panel = dialog.panel
    assert listed(dialog) == {"Chess Club": True}  # the one the copy holds; Drama is not theirs
    assert panel.synced.text().startswith("Last synchronised: ")
    assert panel.holds.text() == "Holds 1 activity: 2 students, 3 sessions, 0 marks."
    assert not panel.everything.isVisible()  # only an administrator may take every activity
    assert panel.prepare_button.isEnabled() and panel.prepare_button.text() == "&Prepare"


def test_prepare_takes_the_chosen_activity_only(qtbot, admin_ctx: AppContext, routed: RoutedServices,  # type: ignore[no-untyped-def]
                                                school: School) -> None:
    dialog = open_dialog(qtbot, admin_ctx, activity_id=school.drama)
    panel = dialog.panel
    assert listed(dialog) == {"Chess Club": False, "Drama": True}  # the copy there is the teacher's
    assert panel.everything.isVisible() and not panel.everything.isChecked()
    panel.prepare_button.click()
    assert panel.progress_box.isVisible() or panel.result.full_text().startswith(READY)
    settle(qtbot, admin_ctx)
    summary = routed.replica_summary()
    assert summary is not None and summary.activity_ids == (school.drama,) and summary.user_id == school.admin.id
    assert panel.result.full_text().startswith(READY) and "Drama" in panel.result.full_text()
    assert panel.holds.text().startswith("Holds 1 activity: 1 student,")
    assert not panel.progress_box.isVisible() and panel.prepare_button.isEnabled()


def test_every_activity_for_an_administrator(qtbot, admin_ctx: AppContext, routed: RoutedServices) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, admin_ctx)
    panel = dialog.panel
    qtbot.keyClick(panel.everything, Qt.Key.Key_Space)
    assert panel.everything.isChecked() and not panel.list.isEnabled()
    panel.prepare_button.click()
    settle(qtbot, admin_ctx)
    summary = routed.replica_summary()
    assert summary is not None and summary.everything and len(summary.activity_ids) == 2
    assert panel.holds.text().startswith("Holds every activity:")


def test_nothing_ticked_nothing_to_prepare(qtbot, routed_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, routed_ctx)
    dialog.panel.list.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert not dialog.panel.prepare_button.isEnabled()
    assert dialog.panel.reason.full_text() == "Tick the activities to take with you."


def test_the_wipe_setting_persists(qtbot, routed_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, routed_ctx)
    was = dialog.panel.wipe.isChecked()
    qtbot.keyClick(dialog.panel.wipe, Qt.Key.Key_Space)
    assert str(app_settings().value(WIPE_ON_SIGN_OUT)).lower() == str(not was).lower()
    again = open_dialog(qtbot, routed_ctx)
    assert again.panel.wipe.isChecked() is (not was)


def test_offline_prepare_is_refused_with_the_reason(qtbot, routed_ctx: AppContext, routed: RoutedServices) -> None:  # type: ignore[no-untyped-def]
    routed.go_offline()
    dialog = open_dialog(qtbot, routed_ctx)
    assert listed(dialog) == {"Chess Club": True}  # read from this computer's copy
    assert not dialog.panel.prepare_button.isEnabled()
    assert dialog.panel.reason.full_text() == OFFLINE_TEXT and "school database" in OFFLINE_TEXT


def test_cancel_leaves_the_copy_as_it_was(qtbot, admin_ctx: AppContext, routed: RoutedServices,  # type: ignore[no-untyped-def]
                                         school: School, monkeypatch: pytest.MonkeyPatch) -> None:
    before = routed.replica_summary()

    def slow(*, activity_ids: list[int] | None, everything: bool,
             progress: Callable[[int, int, str], None]) -> object:
        for _ in range(1000):  # stops at the first step after Cancel
            progress(1, 6, "Reading the activities")
            time.sleep(0.005)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(routed, "refresh_replica", slow)
    dialog = open_dialog(qtbot, admin_ctx, activity_id=school.drama)
    panel = dialog.panel
    panel.prepare_button.click()
    qtbot.waitUntil(lambda: "Reading the activities" in panel.result.full_text())
    assert panel.progress_box.isVisible() and not panel.prepare_button.isEnabled()
    panel.cancel_button.click()
    settle(qtbot, admin_ctx)
    assert panel.result.full_text().startswith("Stopped")
    assert routed.replica_summary() == before


def test_the_activity_page_offers_take_this_activity_offline(qtbot, routed_ctx: AppContext,  # type: ignore[no-untyped-def]
                                                             school: School) -> None:
    from ui.views.activity_detail import ActivityDetailPage

    page = ActivityDetailPage(routed_ctx, school.chess)
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    settle(qtbot, routed_ctx)
    assert page.offline_button.isVisible() and page.offline_button.text() == "Take this activity offline…"
    page.offline_button.click()
    dialog = page.offline_dialog  # the page's child, deleted when closed
    settle(qtbot, routed_ctx)
    assert isinstance(dialog, TakeOfflineDialog) and dialog.panel.activity_id == school.chess
    assert listed(dialog) == {"Chess Club": True}
    dialog.close()


def test_no_offline_action_without_a_school_server_or_permission(qtbot, make_ctx, school: School,  # type: ignore[no-untyped-def]
                                                                routed_ctx: AppContext) -> None:
    from ui.views.activity_detail import ActivityDetailPage

    single = make_ctx(school.teacher)  # a single workstation: nothing to take offline
    page = ActivityDetailPage(single, school.chess)
    qtbot.addWidget(page)
    page.show()
    settle(qtbot, single)
    assert not page.offline_button.isVisible()
    other = ActivityDetailPage(routed_ctx, school.drama)  # a teacher who does not lead Drama
    qtbot.addWidget(other)
    other.show()
    settle(qtbot, routed_ctx)
    assert not other.offline_button.isVisible()
