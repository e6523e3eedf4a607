"""Notification settings (issue 14): per kind inbox / desktop / e-mail, the digest, where the mail
goes or why it cannot; saved and read back; a parent can always turn e-mail off."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.conftest import School
from tests.ui.conftest import settle
from tracker.domain.policy import Actor
from tracker.services.notifications import KINDS, KindChoice
from ui.context import AppContext
from ui.dialogs.notification_settings import NO_ADDRESS, NO_SERVER, NotificationSettingsDialog, email_note


def open_dialog(qtbot, ctx: AppContext) -> NotificationSettingsDialog:  # type: ignore[no-untyped-def]
    dialog = NotificationSettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    return dialog


def test_every_kind_has_a_row_of_three_boxes_ticked_as_saved(qtbot, make_ctx, school: School):
    dialog = open_dialog(qtbot, make_ctx(school.parent))
    assert {kind for kind, _ in dialog.boxes} == set(KINDS)
    box = dialog.boxes[("badge_earned", "desktop")]
    assert box.isChecked() and box.isEnabled()
    assert box.accessibleName() == f"{KINDS['badge_earned']}: on the desktop"
    assert dialog.save_button.isEnabled()


def test_preferences_are_saved_and_read_back(qtbot, make_ctx, school: School):
    ctx = make_ctx(school.parent)
    dialog = open_dialog(qtbot, ctx)
    dialog.boxes[("low_attendance", "desktop")].click()
    dialog.boxes[("badge_earned", "inbox")].click()
    qtbot.mouseClick(dialog.button_box.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert dialog.result() == NotificationSettingsDialog.DialogCode.Accepted
    saved = school.services.notifications.preferences(school.parent)
    assert saved.kinds["low_attendance"] == KindChoice(inbox=True, desktop=False, email=False)
    assert saved.kinds["badge_earned"] == KindChoice(inbox=False, desktop=True, email=False)
    again = open_dialog(qtbot, ctx)
    assert not again.boxes[("low_attendance", "desktop")].isChecked()
    assert not again.boxes[("badge_earned", "inbox")].isChecked()
    assert again.boxes[("milestone_completed", "inbox")].isChecked()


def test_without_an_address_the_dialog_says_why_there_is_no_mail(qtbot, make_ctx, school: School):
    dialog = open_dialog(qtbot, make_ctx(school.parent))
    assert dialog.email.text() == NO_ADDRESS
    assert not dialog.boxes[("badge_earned", "email")].isEnabled()
    assert not dialog.digest.isEnabled()


def test_the_note_names_the_address_or_the_missing_mail_server(school: School):
    prefs = school.services.notifications.preferences(school.parent)
    assert email_note(replace(prefs, email_address="pat@example.org", email_possible=False)) == NO_SERVER
    assert email_note(replace(prefs, email_address="pat@example.org", email_possible=True)) == \
        "E-mail goes to pat@example.org."


def _with_email_on(school: School, who: Actor) -> None:
    prefs = school.services.notifications.preferences(who)
    kinds = {k: KindChoice(inbox=True, desktop=True, email=True) for k in KINDS}
    school.services.notifications.save_preferences(who, replace(prefs, kinds=kinds, digest=True))


def test_a_parent_can_turn_email_off_even_where_mail_is_not_possible(qtbot, make_ctx, school: School):
    _with_email_on(school, school.parent)
    ctx = make_ctx(school.parent)
    dialog = open_dialog(qtbot, ctx)
    box = dialog.boxes[("milestone_completed", "email")]
    assert box.isChecked() and box.isEnabled()
    assert dialog.digest.isChecked() and dialog.digest.isEnabled()
    for kind in KINDS:
        dialog.boxes[(kind, "email")].setChecked(False)
    dialog.digest.setChecked(False)
    dialog.save()
    settle(qtbot, ctx)
    saved = school.services.notifications.preferences(school.parent)
    assert not any(choice.email for choice in saved.kinds.values())
    assert not saved.digest


def test_opened_from_the_account_menu_and_from_the_inbox(qtbot, make_ctx, school: School):
    from ui.main_window import MainWindow

    ctx = make_ctx(school.student)
    window = MainWindow(ctx, persist=False, idle_timeout_ms=0)
    qtbot.addWidget(window)
    window.show()
    settle(qtbot, ctx)
    assert window.notification_settings_action in window.account_menu.actions()
    window.notification_settings_action.trigger()
    settle(qtbot, ctx)
    opened = [d for d in window.findChildren(NotificationSettingsDialog) if d.isVisible()]
    assert len(opened) == 1 and opened[0].save_button.isEnabled()
    opened[0].reject()
    page = window.show_page("inbox")
    page.settings_action.trigger()
    settle(qtbot, ctx)
    assert [d for d in page.findChildren(NotificationSettingsDialog) if d.isVisible()]
