"""Settings ▸ E-mail: an administrator sets the SMTP server, sees where the password is kept and
what that protects against, and sends a test e-mail in the background with the result shown."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.conftest import School
from tests.ui.conftest import settle
from tests.unit.email_support import Mailbox, free_port, start_server
from tracker.services.email_settings import STORE_DATABASE
from ui.dialogs.email_settings import EmailSettingsDialog
from ui.dialogs.settings import SettingsDialog


def open_dialog(qtbot, ctx) -> EmailSettingsDialog:  # type: ignore[no-untyped-def]
    dialog = EmailSettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    return dialog


def test_only_administrators_see_the_email_settings_button(qtbot, make_ctx, school: School):
    for actor, shown in ((school.admin, True), (school.teacher, False)):
        dialog = SettingsDialog(make_ctx(actor))
        qtbot.addWidget(dialog)
        assert (dialog.email_button is not None) is shown


def test_admin_saves_the_server_and_the_password_is_stored_encrypted_with_a_note(qtbot, ctx, school: School):
    dialog = open_dialog(qtbot, ctx)
    assert dialog.host.hasFocus()
    assert dialog.password.placeholderText() == "No password stored"
    assert "backup" in dialog.password_note.text()  # what the encryption protects against, plainly
    qtbot.keyClicks(dialog.host, "smtp.school.test")
    dialog.security.setCurrentIndex(dialog.security.findData("ssl"))
    assert dialog.port.value() == 465  # the usual port follows the choice
    qtbot.keyClicks(dialog.username, "office")
    qtbot.keyClicks(dialog.password, "s3cret-pass")
    qtbot.keyClicks(dialog.from_address, "office@school.test")
    qtbot.keyClick(dialog.from_address, Qt.Key.Key_Return)  # Save is the default button
    settle(qtbot, ctx)

    info = school.services.email.smtp_settings(school.admin)
    assert (info.settings.host, info.settings.port, info.settings.security) == ("smtp.school.test", 465, "ssl")
    assert info.password_store == STORE_DATABASE
    assert dialog.password.text() == ""
    assert dialog.password.placeholderText().startswith("Stored encrypted in the database")
    assert dialog.test_result.text() == "Saved."


def test_a_bad_sender_address_is_refused_inline(qtbot, ctx):
    dialog = open_dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.host, "smtp.school.test")
    qtbot.keyClicks(dialog.from_address, "office")
    dialog.save()
    settle(qtbot, ctx)
    assert dialog.error.isVisible() and "sender address must be an e-mail address" in dialog.error.text()


def test_send_test_email_runs_in_the_background_and_shows_the_result(qtbot, ctx, school: School):
    mailbox, port = Mailbox(), free_port()
    controller = start_server(port, mailbox)
    try:
        dialog = open_dialog(qtbot, ctx)
        dialog.host.setText("127.0.0.1")
        dialog.security.setCurrentIndex(dialog.security.findData("none"))
        dialog.port.setValue(port)
        dialog.from_address.setText("office@school.test")
        dialog.save()
        settle(qtbot, ctx)
        dialog.test_to.setText("me@school.test")
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        assert dialog.test_result.text() == "Sending a test e-mail to me@school.test…"
        assert not dialog.test_button.isEnabled()  # while it is sent
        settle(qtbot, ctx)
    finally:
        controller.stop()
    assert dialog.test_result.text().startswith("✓ A test e-mail was sent to me@school.test")
    assert dialog.test_button.isEnabled()
    assert [m["To"] for m in mailbox.messages] == ["me@school.test"]


def test_a_failed_test_email_names_the_server(qtbot, ctx, school: School):
    port = free_port()  # nothing listens
    dialog = open_dialog(qtbot, ctx)
    dialog.host.setText("127.0.0.1")
    dialog.security.setCurrentIndex(dialog.security.findData("none"))
    dialog.port.setValue(port)
    dialog.from_address.setText("office@school.test")
    dialog.save()
    settle(qtbot, ctx)
    dialog.test_to.setText("me@school.test")
    dialog.send_test()
    settle(qtbot, ctx)
    assert dialog.error.isVisible()
    assert f"127.0.0.1:{port}" in dialog.error.text() and "refused the connection" in dialog.error.text()
