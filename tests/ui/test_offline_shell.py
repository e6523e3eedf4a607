"""The main window on a shared school database (issue 17): the offline status bar, going offline
mid-session, Sync now, work that needs the whole school disabled with a reason, starting offline
and wiping the offline copy on sign-out. The ``school`` SQLite file stands in for the server."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from tests.conftest import PASSWORD, School
from tests.ui import offline_support
from tests.ui.conftest import settle
from tests.ui.offline_support import mark_offline, server_down, status_id
from tracker.domain.changes import ChangeKind, Changes
from tracker.errors import ServerUnreachable
from tracker.offline import replica as replicas
from tracker.offline.router import RoutedServices
from tracker.services.attendance_types import MarkChange
from ui import app as app_module
from ui.context import AppContext
from ui.dialogs import app_settings
from ui.main_window import MainWindow
from ui.offline_status import (
    NOT_AVAILABLE,
    OFFLINE_TEXT,
    WIPE_ON_SIGN_OUT,
    OfflineState,
    status_text,
    wipe_on_sign_out,
)
from ui.ops import WriteOp

routed, routed_ctx = offline_support.routed, offline_support.routed_ctx  # fixtures (held: tests/conftest.py)


@pytest.fixture(autouse=True)
def prefs(tmp_path: Path, qapp) -> QSettings:  # type: ignore[no-untyped-def]
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "prefs"))
    return app_settings()


@pytest.fixture
def window(qtbot, routed_ctx: AppContext) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(routed_ctx, persist=False, start_page="dashboard")
    qtbot.addWidget(win)
    win.show()
    settle(qtbot, routed_ctx)
    return win


def shown_status(window: MainWindow) -> str:
    status = window.offline.status
    assert status is not None
    return status.label.full_text() if status.isVisible() else ""


def test_offline_the_status_bar_says_so_with_the_count_of_waiting_changes(qtbot, window: MainWindow,
                                                                        school: School, held: list[int]) -> None:
    router = window.ctx.services
    assert isinstance(router, RoutedServices)
    mark_offline(router, school, held, 3)
    qtbot.waitUntil(lambda: shown_status(window) == f"{OFFLINE_TEXT} (3 waiting)")
    status = window.offline.status
    assert status is not None and status.icon.isVisible() and status.sync_button.isVisible()
    assert status.property("offline") is True
    # squeezed, the sentence is elided in the middle (the count stays in view), whole in its tooltip
    window.resize(900, 600)
    status.label.resize(200, status.label.height())
    shown = status.label.text()
    assert "…" in shown and shown.startswith("Offline") and shown.endswith("(3 waiting)")
    assert status.label.toolTip() == f"{OFFLINE_TEXT} (3 waiting)"


def test_online_with_a_copy_the_status_says_when_it_was_synchronised(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: shown_status(window).startswith("Offline copy: synchronised "))
    status = window.offline.status
    assert status is not None and not status.icon.isVisible() and not status.decisions_button.isVisible()
    assert status_text(OfflineState(online=True)) == ""


def test_a_write_that_finds_the_server_gone_goes_offline_and_every_page_reloads(
        qtbot, window: MainWindow, school: School, held: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, router = window.ctx, window.ctx.services
    assert isinstance(router, RoutedServices)
    server_down(school, monkeypatch)
    published: list[Changes] = []
    ctx.events.changed.connect(lambda changes, _initiator: published.append(changes))
    present, teacher = status_id(router, school, "P"), school.teacher
    WriteOp(window, ctx, lambda state: router.attendance.apply(
        teacher, [MarkChange(held[0], school.student.id, present)]), label="Mark").run_in_background()
    qtbot.waitUntil(lambda: shown_status(window) == f"{OFFLINE_TEXT} (1 waiting)")
    assert not router.online
    assert any(all(c.touches(kind) for kind in ChangeKind) for c in published)  # pages reload from the copy
    assert window.offline.controller is not None and window.offline.controller.probe_timer.isActive()


def test_sync_now_sends_the_waiting_changes_and_goes_back_online(
        qtbot, window: MainWindow, school: School, held: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    router = window.ctx.services
    assert isinstance(router, RoutedServices)
    back = server_down(school, monkeypatch)
    mark_offline(router, school, held, 2)
    status = window.offline.status
    assert status is not None
    qtbot.waitUntil(lambda: shown_status(window) == f"{OFFLINE_TEXT} (2 waiting)")
    qtbot.mouseClick(status.sync_button, Qt.MouseButton.LeftButton)  # still down: stays offline, says so
    qtbot.waitUntil(lambda: "still cannot be reached" in window.statusBar().currentMessage())
    assert not router.online
    back()
    qtbot.mouseClick(status.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: router.online and shown_status(window).startswith("Offline copy: synchronised"))
    settle(qtbot, window.ctx)
    assert "Sent 2 changes" in window.statusBar().currentMessage()
    assert router.waiting() == 0
    sheet = school.services.attendance.sheet(school.teacher, held[0])
    assert sheet.marks[school.student.id].status_id == status_id(router, school, "P")
    assert window.offline.controller is not None and not window.offline.controller.probe_timer.isActive()


def test_the_probe_sends_the_queue_when_the_server_is_back(
        qtbot, window: MainWindow, school: School, held: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    router = window.ctx.services
    assert isinstance(router, RoutedServices)
    back = server_down(school, monkeypatch)
    mark_offline(router, school, held, 1)
    controller = window.offline.controller
    assert controller is not None
    qtbot.waitUntil(lambda: controller.probe_timer.isActive())
    controller.probe()
    settle(qtbot, window.ctx)
    assert not router.online
    back()
    controller.probe()
    qtbot.waitUntil(lambda: router.online)
    settle(qtbot, window.ctx)
    assert router.waiting() == 0


def test_work_that_needs_the_whole_school_is_disabled_with_a_reason_while_offline(
        qtbot, window: MainWindow, school: School, held: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    router = window.ctx.services
    assert isinstance(router, RoutedServices)
    export_tip = window.export_action.toolTip()
    assert window.export_action.isEnabled()
    analytics_row = window.page_keys.index("analytics")
    back = server_down(school, monkeypatch)
    mark_offline(router, school, held, 1)
    qtbot.waitUntil(lambda: not window.export_action.isEnabled())
    assert window.export_action.toolTip() == NOT_AVAILABLE and window.export_action.statusTip() == NOT_AVAILABLE
    item = window.sidebar.item(analytics_row)
    assert not item.flags() & Qt.ItemFlag.ItemIsEnabled and "not available offline" in item.toolTip()
    assert not window.offline.take_offline_action.isEnabled()
    assert window.offline.sync_action.isEnabled()
    # locking and unlocking does not bring them back while offline
    window.lock()
    window.unlock()
    assert not window.export_action.isEnabled()
    back()
    window.offline.sync_now()
    qtbot.waitUntil(lambda: router.online and window.export_action.isEnabled())
    assert window.export_action.toolTip() == export_tip
    assert window.sidebar.item(analytics_row).flags() & Qt.ItemFlag.ItemIsEnabled
    assert window.offline.take_offline_action.isEnabled()


def test_an_administrator_offline_cannot_reach_settings_backups_or_the_audit_page(
        qtbot, make_ctx, school: School, held: list[int], tmp_path: Path) -> None:
    path = tmp_path / "admin-replica.db"
    replicas.build_replica(school.services.db, school.admin, path=path, everything=True)
    router = RoutedServices(str(school.services.db.url.database), school.services, replica_path=path)
    router.actor = school.admin
    ctx = make_ctx(school.admin)
    ctx.services = router
    win = MainWindow(ctx, persist=False, start_page="audit")
    qtbot.addWidget(win)
    win.show()
    settle(qtbot, ctx)
    assert win.settings_action.isEnabled() and all(a.isEnabled() for a in win.backup_actions.actions)
    router.go_offline()
    qtbot.waitUntil(lambda: not win.settings_action.isEnabled())
    settle(qtbot, ctx)
    for action in (win.settings_action, win.outbox_action, *win.backup_actions.actions):
        assert not action.isEnabled() and action.toolTip() == NOT_AVAILABLE
    assert win.current_key != "audit"  # moved off a page that cannot work offline
    audit = win.sidebar.item(win.page_keys.index("audit"))
    assert not audit.flags() & Qt.ItemFlag.ItemIsEnabled
    router.dispose()


def test_on_a_plain_sqlite_file_nothing_about_offline_shows(qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.teacher)
    win = MainWindow(ctx, persist=False, start_page="dashboard")
    qtbot.addWidget(win)
    settle(qtbot, ctx)
    assert win.offline.status is None
    texts = [a.text() for a in win.file_menu.actions()]
    assert "Take activities &offline…" not in texts and "S&ync now" not in texts


def test_the_file_menu_offers_take_offline_and_sync_now(window: MainWindow) -> None:
    texts = [a.text() for a in window.file_menu.actions()]
    assert texts.index("Take activities &offline…") < texts.index("S&ync now") < texts.index("&Lock now")


def test_signing_out_wipes_the_copy_unless_changes_wait(
        qtbot, window: MainWindow, school: School, held: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    router = window.ctx.services
    assert isinstance(router, RoutedServices)
    app_settings().setValue(WIPE_ON_SIGN_OUT, True)
    assert wipe_on_sign_out()
    dialog = window.log_out()
    settle(qtbot, window.ctx)
    assert not router.has_replica()
    dialog.close()


def test_signing_out_keeps_the_copy_while_changes_wait_and_says_why(
        qtbot, window: MainWindow, school: School, held: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    router = window.ctx.services
    assert isinstance(router, RoutedServices)
    app_settings().setValue(WIPE_ON_SIGN_OUT, True)
    server_down(school, monkeypatch)
    mark_offline(router, school, held, 2)
    settle(qtbot, window.ctx)
    dialog = window.log_out()
    qtbot.waitUntil(lambda: window.offline.kept_notice is not None)
    notice = window.offline.kept_notice
    assert notice is not None and notice.isVisible()
    assert "kept because 2 changes made offline have not been sent" in notice.text()
    assert router.has_replica()
    notice.close()
    dialog.close()


def test_wiping_is_on_by_default_only_where_the_machine_names_the_database(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TRACKER_DB", raising=False)
    monkeypatch.setenv("TRACKER_SYSTEM_CONFIG", str(tmp_path / "none.toml"))
    assert wipe_on_sign_out() is False
    monkeypatch.setenv("TRACKER_DB", "postgresql://tracker@db.school.test/school")
    assert wipe_on_sign_out() is True
    app_settings().setValue(WIPE_ON_SIGN_OUT, False)
    assert wipe_on_sign_out() is False


def test_starting_offline_signs_the_teacher_in_on_the_copy(
        qtbot, school: School, held: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setenv("TRACKER_OFFLINE_DIR", str(tmp_path / "offline"))
    # the school file, named by a URL, plays the server that cannot be reached
    target = f"sqlite:///{school.services.db.url.database}"
    replicas.build_replica(school.services.db, school.teacher, path=replicas.replica_path(target))

    def unreachable(url: str, *a: object, **kw: object) -> object:
        raise ServerUnreachable("The school database server cannot be reached.")

    monkeypatch.setattr("tracker.services.bootstrap.open_database", unreachable)
    launch = app_module.GuiLaunch(argparse.Namespace(db=target))
    login = launch.login

    def type_password() -> None:  # the sign-in dialog runs its own loop once the copy is open
        if login.ctx is not None and login.isVisible() and not login.waiting:
            typing.stop()
            login.username.setText("tina")
            login.password.setText(PASSWORD)
            login.sign_in()

    typing = QTimer()
    typing.timeout.connect(type_password)
    typing.start(50)
    try:
        qtbot.waitUntil(lambda: launch.window is not None and launch.window.isVisible(), timeout=10_000)
        window = launch.window
        assert window is not None and launch.ctx is not None
        settle(qtbot, launch.ctx)
        router = launch.ctx.services
        assert isinstance(router, RoutedServices) and not router.online and router.actor == school.teacher
        assert window.ctx.actor is not None and window.ctx.actor.username == "tina"
        qtbot.waitUntil(lambda: shown_status(window) == f"{OFFLINE_TEXT} (0 waiting)")
        assert window.db_status.text().endswith("(offline)")
        window.persist = False
        window.close()
    finally:
        launch.close()
        QApplication.instance().setQuitOnLastWindowClosed(True)  # type: ignore[union-attr]


def test_sending_counts_down_in_the_status_bar(
        qtbot, window: MainWindow, school: School, held: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    router = window.ctx.services
    assert isinstance(router, RoutedServices)
    back = server_down(school, monkeypatch)
    mark_offline(router, school, held, 3)
    status = window.offline.status
    assert status is not None
    qtbot.waitUntil(lambda: shown_status(window).endswith("(3 waiting)"))
    shown: list[str] = []
    monkeypatch.setattr(status, "show_progress", shown.append)
    back()
    qtbot.mouseClick(status.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: router.online)
    settle(qtbot, window.ctx)
    assert shown and shown[-1] == "Sending 3 of 3…" and all(t.startswith("Sending ") for t in shown)


def test_changes_that_need_a_decision_show_a_button_that_opens_the_list(
        qtbot, window: MainWindow, school: School, held: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    router = window.ctx.services
    assert isinstance(router, RoutedServices)
    back = server_down(school, monkeypatch)
    mark_offline(router, school, held, 1)
    back()
    school.services.attendance.apply(school.admin, [MarkChange(held[0], school.student.id,
                                                               status_id(school.services, school, "A"))])
    window.offline.sync_now()
    status = window.offline.status
    assert status is not None
    qtbot.waitUntil(lambda: status.decisions_button.isVisible())
    assert status.decisions_button.text() == "Needs your decision (1)"
    assert "1 change need your decision" in window.statusBar().currentMessage()
    qtbot.mouseClick(status.decisions_button, Qt.MouseButton.LeftButton)
    from ui.dialogs.sync_decisions import SyncDecisionsDialog

    dialogs = [d for d in window.findChildren(SyncDecisionsDialog) if d.isVisible()]
    assert len(dialogs) == 1
    settle(qtbot, window.ctx)
    dialogs[0].close()


def test_a_teacher_gets_an_offline_copy_in_the_background_when_signed_in(
        qtbot, routed: RoutedServices, routed_ctx: AppContext) -> None:
    replicas.wipe_replica(routed.replica_path, force=True)
    win = MainWindow(routed_ctx, persist=False, start_page="dashboard")
    qtbot.addWidget(win)
    win.show()
    settle(qtbot, routed_ctx)
    assert routed.has_replica()
    qtbot.waitUntil(lambda: shown_status(win).startswith("Offline copy: synchronised "))


def test_an_administrator_gets_no_copy_unless_they_took_one(qtbot, make_ctx, school: School, tmp_path: Path) -> None:
    router = RoutedServices(str(school.services.db.url.database), school.services,
                            replica_path=tmp_path / "admin-replica.db")
    ctx = make_ctx(school.admin)
    ctx.services = router
    win = MainWindow(ctx, persist=False, start_page="dashboard")
    qtbot.addWidget(win)
    win.show()
    settle(qtbot, ctx)
    assert not router.has_replica() and router.actor == school.admin
    assert win.offline.status is not None and not win.offline.status.isVisible()


def test_the_offline_status_screenshot_is_staged_on_a_copy(qtbot, make_ctx, school: School, held: list[int]) -> None:
    from PySide6.QtCore import QSize

    from ui.screenshot import close_all, stage_view, views

    assert {"offline-status", "sync-decisions"} <= set(views())
    ctx = make_ctx(school.teacher)
    made: list = []
    app = QApplication.instance()
    try:
        stage = stage_view(app, ctx, "offline-status", QSize(1024, 768), made)  # type: ignore[arg-type]
        window = stage.window
        assert isinstance(window, MainWindow)
        assert shown_status(window) == f"{OFFLINE_TEXT} (2 waiting)"  # Chess Club has two students
        assert window.current_key == "activities"
    finally:
        close_all(app, made)  # type: ignore[arg-type]
    # the school file itself was not touched: nothing was marked there
    sheet = school.services.attendance.sheet(school.teacher, held[-1])
    assert not sheet.marks


def test_an_activity_s_export_button_is_disabled_offline_and_back_online(
        qtbot, window: MainWindow, school: School, held: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QAbstractButton

    router = window.ctx.services
    assert isinstance(router, RoutedServices)
    page = window.show_page("activities")
    settle(qtbot, window.ctx)
    page.open_activity(school.chess)  # type: ignore[attr-defined]
    settle(qtbot, window.ctx)
    [export] = [b for b in page.findChildren(QAbstractButton) if b.text() == "Export…" and b.isVisible()]
    assert export.isEnabled()
    back = server_down(school, monkeypatch)
    mark_offline(router, school, held, 1)
    qtbot.waitUntil(lambda: not export.isEnabled())
    assert export.toolTip() == NOT_AVAILABLE
    [take] = [b for b in page.findChildren(QAbstractButton) if b.text() == "Take this activity offline…"]
    assert not take.isEnabled() and take.toolTip() == NOT_AVAILABLE
    export.setEnabled(True)  # the page's own logic enabling it again meanwhile
    assert not export.isEnabled()
    back()
    window.offline.sync_now()
    qtbot.waitUntil(lambda: router.online and export.isEnabled())
    assert export.toolTip() != NOT_AVAILABLE


def test_closing_the_window_stops_probing(
        qtbot, window: MainWindow, school: School, held: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    router = window.ctx.services
    assert isinstance(router, RoutedServices)
    server_down(school, monkeypatch)
    mark_offline(router, school, held, 1)
    controller = window.offline.controller
    assert controller is not None
    qtbot.waitUntil(lambda: controller.probe_timer.isActive())
    window.close()
    assert not controller.probe_timer.isActive() and not controller.refresh_timer.isActive()
