"""An administrator manages accounts on the People page: every change goes through services."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle, show_page
from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.enums import Role
from ui.dialogs.guardian_dialog import GuardianDialog
from ui.dialogs.user_dialog import ResetPasswordDialog, UserDialog
from ui.views.people import PeoplePage


@pytest.fixture
def page(qtbot, ctx) -> PeoplePage:  # type: ignore[no-untyped-def]
    return show_page(qtbot, ctx, PeoplePage(ctx))


def usernames(page: PeoplePage) -> list[str]:
    return [page.proxy.record(r).username for r in range(page.proxy.rowCount())]


def test_people_page_lists_every_account(page: PeoplePage, school: School) -> None:
    assert set(usernames(page)) == {"admin", "tina", "otto", "sam", "olga", "pat"}
    assert page.count.text() == "6 people"
    assert page.selected() is not None  # the first row is selected, details shown


def test_search_narrows_rows_as_you_type(qtbot, page: PeoplePage) -> None:
    qtbot.keyClicks(page.search, "other")
    qtbot.waitUntil(lambda: set(usernames(page)) == {"otto", "olga"})
    page.search.clear()
    page.search.flush()
    page.role_filter.setCurrentIndex(page.role_filter.findData(Role.STUDENT))
    assert set(usernames(page)) == {"sam", "olga"}
    assert page.count.text() == "2 of 6 people"


def test_create_a_student_through_the_dialog(qtbot, page: PeoplePage, ctx, school: School) -> None:
    dialog = page.new_person()
    assert isinstance(dialog, UserDialog)
    dialog.role.setCurrentIndex(dialog.role.findData(Role.STUDENT))
    assert dialog.grade.isVisibleTo(dialog)
    dialog.username.setText("lena")
    dialog.first_name.setText("Lena")
    dialog.last_name.setText("Lind")
    dialog.grade.setText("6")
    dialog.class_name.setText("6C")
    dialog.student_number.setText("S777")
    dialog.password.setText("lena-pass-1")
    dialog.confirm.setText("lena-pass-1")
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert accepted  # the dialog closed itself after the save
    assert "lena" in usernames(page)
    assert page.selected().username == "lena"  # type: ignore[union-attr]
    made = school.services.people.find_users(school.admin, name="lena")[0]
    assert (made.display_name, made.grade, made.class_name) == ("Lena Lind", "6", "6C")
    assert school.services.auth.login("lena", "lena-pass-1").id == made.id


def test_duplicate_username_is_shown_in_the_dialog_and_nothing_is_created(
        qtbot, page: PeoplePage, ctx, school: School) -> None:
    before = len(school.services.people.find_users(school.admin))
    dialog = page.new_person()
    dialog.role.setCurrentIndex(dialog.role.findData(Role.TEACHER))
    assert not dialog.grade.isVisibleTo(dialog)
    dialog.username.setText("tina")
    dialog.display_name.setText("Another Tina")
    dialog.accept()
    settle(qtbot, ctx)
    assert dialog.isVisible()
    label, _widget = dialog.field_errors["username"]
    assert "taken" in label.text() and label.isVisibleTo(dialog)
    assert dialog.username.property("invalid") is True
    assert len(school.services.people.find_users(school.admin)) == before
    dialog.reject()


def test_passwords_must_match_before_anything_is_sent(qtbot, page: PeoplePage, ctx, school: School) -> None:
    dialog = page.new_person()
    dialog.username.setText("zed")
    dialog.display_name.setText("Zed")
    dialog.password.setText("first-pass-1")
    dialog.confirm.setText("other-pass-1")
    dialog.accept()
    settle(qtbot, ctx)
    assert "not the same" in dialog.field_errors["confirm password"][0].text()
    assert not school.services.people.find_users(school.admin, name="zed")
    dialog.reject()


def test_edit_changes_the_account(qtbot, page: PeoplePage, ctx, school: School) -> None:
    assert page.select_user(school.student.id)
    dialog = page.edit_person()
    assert dialog.username.text() == "sam"
    dialog.class_name.setText("7C")
    dialog.accept()
    settle(qtbot, ctx)
    assert school.services.people.get_user(school.admin, school.student.id).class_name == "7C"
    assert page.selected().class_name == "7C"  # type: ignore[union-attr]


def test_reset_password_then_sign_in_with_it(qtbot, page: PeoplePage, ctx, school: School) -> None:
    assert page.select_user(school.teacher.id)
    dialog = page.reset_password()
    assert isinstance(dialog, ResetPasswordDialog)
    dialog.password.setText("brand-new-pass")
    dialog.confirm.setText("brand-new-pass")
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.accept()
    settle(qtbot, ctx)
    assert accepted
    assert school.services.auth.login("tina", "brand-new-pass").id == school.teacher.id


def test_short_password_is_refused_inline(qtbot, page: PeoplePage, ctx, school: School) -> None:
    assert page.select_user(school.teacher.id)
    dialog = page.reset_password()
    dialog.password.setText("short")
    dialog.confirm.setText("short")
    dialog.accept()
    settle(qtbot, ctx)
    assert "at least 8" in dialog.field_errors["password"][0].text()
    assert school.services.auth.login("tina", PASSWORD).id == school.teacher.id
    dialog.reject()


def test_disable_and_enable_an_account(qtbot, monkeypatch, page: PeoplePage, ctx, school: School) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert page.select_user(school.other_teacher.id)
    assert page.toggle_action.text() == "Disable"
    page.toggle_action.trigger()
    settle(qtbot, ctx)
    assert not school.services.people.get_user(school.admin, school.other_teacher.id).active
    assert page.selected().id == school.other_teacher.id  # type: ignore[union-attr]
    assert page.toggle_action.text() == "Enable"
    page.toggle_action.trigger()
    settle(qtbot, ctx)
    assert school.services.people.get_user(school.admin, school.other_teacher.id).active


def test_admin_cannot_disable_themself(page: PeoplePage, school: School) -> None:
    assert page.select_user(school.admin.id)
    assert not page.toggle_action.isEnabled()


def test_unlock_shows_only_for_locked_accounts(qtbot, page: PeoplePage, ctx, school: School) -> None:
    assert page.select_user(school.teacher.id)
    assert not page.unlock_action.isVisible()
    for _ in range(5):
        try:
            school.services.auth.login("tina", "wrong-password")
        except Exception:
            pass
    locked = Changes()
    locked.add(ChangeKind.USER, school.teacher.id)
    ctx.events.publish(locked)  # sign-in bookkeeping is no write of the UI: tell the page
    settle(qtbot, ctx)
    assert page.unlock_action.isVisible()
    page.unlock_action.trigger()
    settle(qtbot, ctx)
    assert not page.unlock_action.isVisible()
    assert school.services.auth.login("tina", PASSWORD).id == school.teacher.id


def test_link_and_unlink_a_guardian(qtbot, monkeypatch, page: PeoplePage, ctx, school: School) -> None:
    assert page.select_user(school.parent.id)
    dialog = page.link_guardian()
    assert isinstance(dialog, GuardianDialog)
    assert dialog.parents.selected() == school.parent.id
    dialog.students.search.setText("olga")
    dialog.students.search.flush()
    assert dialog.students.selected() == school.other_student.id
    dialog.accept()
    settle(qtbot, ctx)
    parent = school.services.people.get_user(school.admin, school.parent.id)
    assert set(parent.children) == {school.student.id, school.other_student.id}
    assert page.selected().id == school.parent.id  # type: ignore[union-attr]
    assert set(page.selected().children) == set(parent.children)  # type: ignore[union-attr]

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.unlink(school.parent.id, school.other_student.id)
    settle(qtbot, ctx)
    parent = school.services.people.get_user(school.admin, school.parent.id)
    assert parent.children == (school.student.id,)


def test_detail_panel_shows_role_specific_links(page: PeoplePage, school: School) -> None:
    from PySide6.QtWidgets import QLabel, QPushButton

    def texts() -> str:
        return " ".join(w.text() for w in page.panel.findChildren(QLabel) if w.isVisibleTo(page.panel))

    page.select_user(school.parent.id)
    assert "Children" in texts() and "Sam Student" in texts()
    buttons = [b.text() for b in page.panel.findChildren(QPushButton) if b.isVisibleTo(page.panel)]
    assert "Unlink" in buttons
    page.select_user(school.teacher.id)
    assert "Leads" in texts() and "Chess Club" in texts()
    page.select_user(school.student.id)
    assert "Parents / guardians" in texts() and "Pat Parent" in texts()


def test_who_gets_the_people_page_is_read_from_the_policy_table(monkeypatch, school: School) -> None:
    """The sidebar asks the policy (MANAGE_USERS), not the role's name: granting the permission
    in the one table is all it takes for a role to get the page."""
    from tracker.domain.policy import POLICY, Permission, Scope
    from ui.views.registry import pages_for

    assert "people" not in [p.key for p in pages_for(school.teacher)]
    monkeypatch.setitem(POLICY[Role.TEACHER], Permission.MANAGE_USERS, frozenset({Scope.ANY}))
    assert "people" in [p.key for p in pages_for(school.teacher)]


def test_unlinking_publishes_what_was_committed_with_the_page_as_initiator(
        qtbot, monkeypatch, page: PeoplePage, ctx, school: School) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    seen: list[tuple[Changes, object]] = []
    ctx.events.changed.connect(lambda changes, initiator: seen.append((changes, initiator)))
    page.unlink(school.parent.id, school.student.id)
    settle(qtbot, ctx)
    (changes, initiator), = seen
    assert {school.parent.id, school.student.id} <= changes.of(ChangeKind.USER)
    assert initiator is page
    assert school.student.id not in page.by_id[school.parent.id].children  # the page reloaded


# --------------------------------------------------------------------------- fit and keyboard
PAGE_AT_1024 = 792  # a 1024 px screen less the main window's sidebar


def _overlap(a, b) -> bool:  # type: ignore[no-untyped-def]
    return a.isVisible() and b.isVisible() and a.geometry().intersects(b.geometry())


def test_filters_and_actions_never_overlap_at_1024(qtbot, ctx, school: School) -> None:
    page = show_page(qtbot, ctx, PeoplePage(ctx), width=PAGE_AT_1024)
    row = [page.search, page.role_filter, page.status_filter, page.action_bar]
    for i, a in enumerate(row):
        assert a.geometry().right() <= page.width()
        for b in row[i + 1:]:
            assert not _overlap(a, b), (a, b)
    bar = page.action_bar
    for b in [*bar.buttons, bar.more]:
        if b.isVisible():
            assert b.fontMetrics().horizontalAdvance(b.text()) < b.width()
    # narrower still: what does not fit is one click away, under "More"
    page.resize(640, page.height())
    qtbot.waitUntil(lambda: bar.more.isVisible())
    shown = [b.text() for b in bar.buttons if b.isVisible()]
    assert shown == ["Edit…"]
    assert [a.text() for a in bar.overflow()] == ["Reset password…", "Disable"]
    for i, a in enumerate(row):
        for b in row[i + 1:]:
            assert not _overlap(a, b), (a, b)


def test_a_wide_window_shows_every_action_as_a_button(qtbot, ctx, school: School) -> None:
    page = show_page(qtbot, ctx, PeoplePage(ctx), width=1400)
    bar = page.action_bar
    assert [b.text() for b in bar.buttons if b.isVisible()] == ["Edit…", "Reset password…", "Disable"]
    assert not bar.more.isVisible() and bar.overflow() == []


def test_the_table_fits_without_scrolling_sideways(qtbot, ctx, school: School) -> None:
    from ui.models.people import UsersModel

    page = show_page(qtbot, ctx, PeoplePage(ctx), width=PAGE_AT_1024)
    header = page.table.horizontalHeader()
    assert header.length() <= page.table.viewport().width()
    assert not header.isSectionHidden(UsersModel.NAME) and not header.isSectionHidden(UsersModel.ROLE)
    assert header.isSectionHidden(UsersModel.EMAIL)  # shown in the panel beside the table


def test_focus_lands_in_the_table_and_down_and_enter_work_at_once(qtbot, page: PeoplePage) -> None:
    page.focus_main()
    assert page.table.hasFocus()
    first = page.selected()
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    second = page.selected()
    assert second is not None and second != first
    opened: list[bool] = []
    page.edit_action.triggered.connect(lambda: opened.append(True))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened
    for dialog in page.findChildren(UserDialog):
        assert dialog.user.id == second.id  # type: ignore[attr-defined]
        dialog.reject()


def test_enter_in_the_search_box_opens_the_only_match(qtbot, page: PeoplePage) -> None:
    page.search.setFocus()
    qtbot.keyClicks(page.search, "olga")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    dialogs = page.findChildren(UserDialog)
    assert len(dialogs) == 1 and dialogs[0].user.username == "olga"  # type: ignore[attr-defined]
    dialogs[0].reject()
    # several matches: Enter only filters
    page.search.clear()
    qtbot.keyClicks(page.search, "other")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert set(usernames(page)) == {"otto", "olga"}
    assert len([d for d in page.findChildren(UserDialog) if d.isVisible()]) == 0
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    assert page.table.hasFocus() and page.selected() is not None


def test_a_completed_enrolment_shows_no_contradicting_percentage(qtbot, page: PeoplePage, ctx,
                                                                  school: School) -> None:
    from ui.widgets.pill import StatusPill

    school.services.progress.update_progress(school.admin, school.chess, school.student.id, status="completed")
    assert page.select_user(school.student.id)
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: any(p.isVisible() for p in page.panel.findChildren(StatusPill)))
    pills = [p for p in page.panel.findChildren(StatusPill) if p.isVisible()]
    assert [p.text() for p in pills] == ["Completed"]
    assert pills[0].toolTip().startswith("Completed — marked completed by a teacher")
    texts = [w.text() for w in page.panel.findChildren(type(page.count)) if w.isVisible()]
    assert "0%" not in texts
