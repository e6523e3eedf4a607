"""File ▸ E-mail outbox… (issue 14): an administrator sees what waits, went and failed, filters by
status, sends what is due now against a local SMTP server, resends a message after confirming,
copies an error; the empty state says when e-mail is off; others never get the menu item."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select, update

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle
from tests.ui.fitting import overlapping, squeezed_buttons
from tests.ui.test_app_shell import school_db, screenshot_args
from tests.unit.email_support import Mailbox, free_port, notify, set_up_email, start_server, want_email
from tracker.db.engine import Database
from tracker.db.models import OutboxMessage, utcnow
from tracker.domain.changes import ChangeKind, Changes
from tracker.errors import PermissionDenied
from tracker.services.bootstrap import AFTER_COMMIT_JOBS, bootstrap
from tracker.services.email_outbox import SEND_JOB
from ui.context import AppContext
from ui.dialogs.email_settings import EmailSettingsDialog
from ui.dialogs.outbox_dialog import (
    COL_ERROR,
    COL_STATUS,
    COL_SUBJECT,
    NOT_CONFIGURED,
    REFRESH_MS,
    OutboxDialog,
    OutboxPanel,
)
from ui.main_window import MainWindow
from ui.screenshot import run_screenshot, views
from ui.widgets.style import colour

PARENT = "pat.parent@home.test"
ERROR = ("The server 127.0.0.1:2525 refused the connection: nothing is listening there, or a firewall "
         "blocks it. The message waits and is tried again, 1, 2, 4, 8 minutes later, up to an hour apart.")


@pytest.fixture
def quiet(db: Database) -> Database:
    """Committing does not wake the background sender: what is sent is what the dialog sent."""
    bootstrap(db, jobs={**AFTER_COMMIT_JOBS, SEND_JOB: lambda _db, _payload: None})
    return db


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def port(mailbox: Mailbox) -> Iterator[int]:
    port = free_port()
    controller = start_server(port, mailbox)
    yield port
    controller.stop()


def queue_three(db: Database, school: School, port: int) -> dict[str, int]:
    """Three messages to the parent: one queued, one sent, one failed with a long error."""
    set_up_email(school.services, school.admin, port)
    want_email(db, school.parent.id, address=PARENT)
    for title in ("Sam completed “Opening principles”", "Sam earned a badge", "Sam's attendance is low"):
        assert notify(db, school.parent.id, title)
    with db.session_factory() as s, s.begin():
        ids = list(s.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
        s.execute(update(OutboxMessage).where(OutboxMessage.id == ids[1]).values(
            status="sent", sent_at=utcnow(), attempts=1))
        s.execute(update(OutboxMessage).where(OutboxMessage.id == ids[2]).values(
            status="failed", attempts=3, last_error=ERROR))
    return {"queued": ids[0], "sent": ids[1], "failed": ids[2]}


def status_of(db: Database, message_id: int) -> str:
    with db.session_factory() as s:
        return str(s.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message_id)))


def open_dialog(qtbot, ctx: AppContext) -> OutboxDialog:  # type: ignore[no-untyped-def]
    dialog = OutboxDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    return dialog


def shown(panel: OutboxPanel, column: int) -> list[str]:
    return [panel.proxy.index(r, column).data() for r in range(panel.proxy.rowCount())]


def select_status(panel: OutboxPanel, status: str) -> None:
    for row in range(panel.proxy.rowCount()):
        if panel.proxy.record(row).status == status:
            panel.table.selectRow(row)
            return
    raise AssertionError(f"no {status} row")


def test_rows_show_status_in_words_and_colour_and_a_long_error_is_elided_with_a_tooltip(
        qtbot, ctx, quiet, school: School, port: int):
    queue_three(quiet, school, port)
    dialog = open_dialog(qtbot, ctx)
    panel = dialog.panel

    assert shown(panel, COL_STATUS) == ["● Failed", "● Sent", "● Queued"]  # newest first
    failed = panel.proxy.index(0, COL_STATUS)
    assert failed.data(Qt.ItemDataRole.ForegroundRole) == colour("RISK")
    assert panel.proxy.index(1, COL_STATUS).data(Qt.ItemDataRole.ForegroundRole) == colour("OK")
    error = panel.proxy.index(0, COL_ERROR)
    assert error.data(Qt.ItemDataRole.ToolTipRole) == ERROR
    room = panel.table.visualRect(error).width()
    assert panel.table.fontMetrics().horizontalAdvance(ERROR) > room  # cut by the view with "…"
    assert panel.table.textElideMode() == Qt.TextElideMode.ElideRight
    assert panel.summary.full_text() == "1 queued, 1 sent, 1 failed."
    assert panel.status_filter.itemText(panel.status_filter.findData("failed")) == "Failed (1)"


def test_filter_by_status_and_the_empty_filter_says_so(qtbot, ctx, quiet, school: School, port: int):
    queue_three(quiet, school, port)
    dialog = open_dialog(qtbot, ctx)
    panel = dialog.panel

    panel.status_filter.setCurrentIndex(panel.status_filter.findData("sent"))
    assert shown(panel, COL_SUBJECT) == ["Sam earned a badge"]
    panel.status_filter.setCurrentIndex(panel.status_filter.findData("digest"))
    assert panel.stack.currentWidget() is panel.empty
    assert panel.empty.title_label.text() == "No “Daily digest” messages."
    panel.status_filter.setCurrentIndex(0)
    assert panel.stack.currentWidget() is panel.table and panel.proxy.rowCount() == 3


def test_empty_outbox_says_email_is_off_until_a_server_is_set(qtbot, ctx):
    dialog = open_dialog(qtbot, ctx)
    panel = dialog.panel
    assert panel.stack.currentWidget() is panel.empty
    assert panel.empty.title_label.text() == "No e-mail waiting."
    assert panel.empty.message_label.text() == NOT_CONFIGURED
    assert panel.summary.full_text() == ""  # said once, in the empty state
    assert not panel.resend_button.isEnabled() and not panel.copy_button.isEnabled()
    assert not panel.send_button.isEnabled() and panel.send_button.toolTip() == NOT_CONFIGURED


def test_send_due_now_sends_through_the_local_server_and_marks_sent(
        qtbot, ctx, quiet, school: School, port: int, mailbox: Mailbox):
    ids = queue_three(quiet, school, port)
    dialog = open_dialog(qtbot, ctx)
    panel = dialog.panel

    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    assert panel.result.full_text() == "Sending…" and not panel.send_button.isEnabled()
    settle(qtbot, ctx)

    assert panel.result.full_text() == "Sent 1, failed 0, 0 waiting for the network."
    assert panel.send_button.isEnabled()
    assert status_of(quiet, ids["queued"]) == "sent"
    assert [m["Subject"] for m in mailbox.messages] == ["Sam completed “Opening principles”"]
    assert shown(panel, COL_STATUS) == ["● Failed", "● Sent", "● Sent"]


def test_send_due_now_with_the_network_down_says_what_waits(qtbot, ctx, quiet, school: School):
    down = free_port()  # nothing listens there
    set_up_email(school.services, school.admin, down)
    want_email(quiet, school.parent.id, address=PARENT)
    notify(quiet, school.parent.id, "Sam earned a badge")
    dialog = open_dialog(qtbot, ctx)
    panel = dialog.panel

    panel.send_due()
    settle(qtbot, ctx)

    assert panel.result.full_text() == "Sent 0, failed 1, 1 waiting for the network."
    assert "refused the connection" in panel.result.toolTip()
    assert "refused the connection" in panel.proxy.index(0, COL_ERROR).data()
    assert shown(panel, COL_STATUS) == ["● Queued"]


def test_resend_asks_first_then_queues_the_failed_message_again(qtbot, ctx, quiet, school: School, port: int):
    ids = queue_three(quiet, school, port)
    dialog = open_dialog(qtbot, ctx)
    panel = dialog.panel
    panel.table.setFocus()
    select_status(panel, "queued")
    assert not panel.resend_button.isEnabled()  # waiting already

    select_status(panel, "failed")
    qtbot.mouseClick(panel.resend_button, Qt.MouseButton.LeftButton)
    box = panel.confirm_box
    assert box is not None and "Sam's attendance is low" in box.text() and PARENT in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    settle(qtbot, ctx)
    assert status_of(quiet, ids["failed"]) == "failed"

    qtbot.mouseClick(panel.resend_button, Qt.MouseButton.LeftButton)
    assert panel.confirm_box is not None
    panel.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    settle(qtbot, ctx)

    assert status_of(quiet, ids["failed"]) == "queued"
    assert panel.selected() is not None and panel.selected().status == "queued"  # kept selected, refreshed
    assert panel.result.full_text().startswith("Queued again")


def test_a_sent_message_can_be_resent(qtbot, ctx, quiet, school: School, port: int):
    ids = queue_three(quiet, school, port)
    dialog = open_dialog(qtbot, ctx)
    panel = dialog.panel
    select_status(panel, "sent")
    assert panel.resend_button.isEnabled()
    panel.resend(ids["sent"])
    settle(qtbot, ctx)
    assert status_of(quiet, ids["sent"]) == "queued"


def test_copy_error_puts_the_whole_error_on_the_clipboard(qtbot, ctx, quiet, school: School, port: int):
    queue_three(quiet, school, port)
    dialog = open_dialog(qtbot, ctx)
    panel = dialog.panel
    select_status(panel, "sent")
    assert not panel.copy_button.isEnabled()  # nothing to copy
    select_status(panel, "failed")
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == ERROR
    assert panel.result.full_text() == "The error was copied."


def test_reloads_on_a_notification_change_and_every_30_seconds_while_open(
        qtbot, ctx, quiet, school: School, port: int):
    set_up_email(school.services, school.admin, port)
    want_email(quiet, school.parent.id, address=PARENT)
    dialog = open_dialog(qtbot, ctx)
    panel = dialog.panel
    assert panel.proxy.rowCount() == 0
    assert panel.empty.message_label.isHidden()  # e-mail is on: no "off" note

    notify(quiet, school.parent.id, "first")
    ctx.events.publish(Changes({ChangeKind.NOTIFICATION: set()}), None)
    settle(qtbot, ctx)
    assert shown(panel, COL_SUBJECT) == ["first"]

    assert panel.timer.isActive() and panel.timer.interval() == REFRESH_MS
    notify(quiet, school.parent.id, "second")
    panel.timer.timeout.emit()  # the background sender changes rows without publishing
    settle(qtbot, ctx)
    assert shown(panel, COL_SUBJECT) == ["second", "first"]
    dialog.hide()
    assert not panel.timer.isActive()


def test_only_administrators_get_the_outbox_menu_item(qtbot, make_ctx, school: School):
    for actor, allowed in ((school.admin, True), (school.teacher, False), (school.parent, False)):
        ctx = make_ctx(actor)
        window = MainWindow(ctx, persist=False, idle_timeout_ms=0)
        qtbot.addWidget(window)
        window.show()
        settle(qtbot, ctx)
        assert window.outbox_action.isVisible() is allowed
        assert window.outbox_action.text() == "E-mail &outbox…"
        if allowed:
            dialog = window.open_outbox()
            assert isinstance(dialog, OutboxDialog)
            settle(qtbot, ctx)
            dialog.close()
            window.lock()
            assert not window.outbox_action.isEnabled() and window.open_outbox() is None
        else:
            assert window.open_outbox() is None
            with pytest.raises(PermissionDenied):
                school.services.email.outbox(actor)


def test_email_settings_has_an_outbox_button(qtbot, ctx):
    settings = EmailSettingsDialog(ctx)
    qtbot.addWidget(settings)
    settings.show()
    settle(qtbot, ctx)
    qtbot.mouseClick(settings.outbox_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    [outbox] = settings.findChildren(OutboxDialog)
    assert outbox.isVisible()
    outbox.close()


def test_fits_1024_by_768(qtbot, ctx, quiet, school: School, port: int):
    queue_three(quiet, school, port)
    dialog = open_dialog(qtbot, ctx)
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1024 - 100 and hint.height() <= 768 - 140
    dialog.resize(1024 - 100, 768 - 140)  # what it takes on a 1024 × 768 screen
    qtbot.waitUntil(lambda: dialog.width() == 924)
    assert squeezed_buttons(dialog) == [] and overlapping(dialog) == []
    table = dialog.panel.table
    header = table.horizontalHeader()
    assert sum(header.sectionSize(c) for c in range(header.count())) <= table.viewport().width()
    assert header.sectionSize(COL_SUBJECT) >= 150  # the subject keeps room to be read


@pytest.mark.parametrize("size", ["1280x800", "1024x768"])
def test_screenshot_view_outbox(tmp_path, quiet, school: School, port: int, size: str):
    queue_three(quiet, school, port)
    out = tmp_path / "outbox.png"
    assert "outbox" in views()
    assert run_screenshot(screenshot_args("--db", school_db(school), "--user", "admin", "--password", PASSWORD,
                                          "--view", "outbox", "--out", str(out), "--size", size)) == 0
    image = QImage(str(out))
    assert f"{image.width()}x{image.height()}" == size
