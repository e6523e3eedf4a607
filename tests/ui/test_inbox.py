"""The Inbox page (issue 14): the unread count in the sidebar, the list with its filters, opening
what a notification is about, marking read, the empty state; the tray where there is none."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon

from tests.conftest import School
from tests.ui.conftest import settle, show_page
from tests.ui.notification_support import notify
from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.policy import Actor
from tracker.services.notifications import KINDS, KindChoice, NotificationInfo
from ui.main_window import MainWindow
from ui.models.base import RecordRole
from ui.page_counts import titled
from ui.tray import DesktopNotifier, message
from ui.views.inbox import InboxModel, InboxPage

LONG = ("Sam Student completed the milestone “Knows every opening of the Sicilian Defence, the "
        "Najdorf variation included, and can explain them to a beginner”")


def open_window(qtbot, make_ctx, actor: Actor) -> MainWindow:  # type: ignore[no-untyped-def]
    ctx = make_ctx(actor)
    window = MainWindow(ctx, persist=False, idle_timeout_ms=0)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    settle(qtbot, ctx)
    return window


def inbox_entry(window: MainWindow) -> str:
    row = window.page_keys.index("inbox")
    return window.sidebar.item(row).text()


def titles(page: InboxPage) -> list[str]:
    return [page.proxy.index(r, InboxModel.TITLE).data() for r in range(page.proxy.rowCount())]


def family_inbox(school: School) -> dict[str, int]:
    """The parent's inbox: two unread (Chess, Drama), one read."""
    return {
        "milestone": notify(school, school.parent, "milestone_completed", "Sam completed a milestone",
                            body="Sam Student completed “Opening principles” in Chess Club.",
                            student=school.student, activity_id=school.chess, minutes_ago=5),
        "badge": notify(school, school.parent, "badge_earned", "Sam earned a badge",
                        student=school.student, activity_id=school.drama, minutes_ago=10),
        "old": notify(school, school.parent, "low_attendance", "Sam's attendance is low",
                      student=school.student, activity_id=school.chess, read=True, minutes_ago=60),
    }


def inbox_page(qtbot, make_ctx, actor: Actor) -> InboxPage:  # type: ignore[no-untyped-def]
    ctx = make_ctx(actor)
    return show_page(qtbot, ctx, InboxPage(ctx), 1100, 700)


def test_the_sidebar_counts_unread_and_the_count_drops_when_one_is_marked_read(qtbot, make_ctx, school: School):
    family_inbox(school)
    window = open_window(qtbot, make_ctx, school.parent)
    assert inbox_entry(window) == "Inbox  2"
    page = window.show_page("inbox")
    settle(qtbot, window.ctx)
    assert isinstance(page, InboxPage)
    assert page.table.hasFocus()
    assert page.count.text() == "2 unread of 3"
    first = page.current()
    assert first is not None and first.title == "Sam completed a milestone" and not first.read
    assert page.model.index(0, InboxModel.TITLE).data(Qt.ItemDataRole.FontRole).bold()

    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    settle(qtbot, window.ctx)
    assert inbox_entry(window) == "Inbox  1"
    assert page.count.text() == "1 unread of 3"
    row = page.model.row_of(lambda n: n.id == first.id)
    assert page.model.index(row, InboxModel.TITLE).data(Qt.ItemDataRole.FontRole) is None
    assert page.current() is not None and page.current().id == first.id  # the selection stays

    qtbot.keyClick(page.table, Qt.Key.Key_Delete)  # all selected are read: Del makes it unread again
    settle(qtbot, window.ctx)
    assert inbox_entry(window) == "Inbox  2"


def test_no_count_when_nothing_is_unread(qtbot, make_ctx, school: School):
    notify(school, school.teacher, "at_risk", "Olga is at risk", read=True)
    window = open_window(qtbot, make_ctx, school.teacher)
    assert inbox_entry(window) == "Inbox"
    assert titled("Inbox", 0) == "Inbox" and titled("Inbox", 12) == "Inbox  12"


def test_the_list_shows_kind_title_student_activity_and_the_whole_text_beside(qtbot, make_ctx, school: School):
    family_inbox(school)
    page = inbox_page(qtbot, make_ctx, school.parent)
    m = page.proxy
    assert titles(page) == ["Sam completed a milestone", "Sam earned a badge", "Sam's attendance is low"]
    assert m.index(0, InboxModel.KIND).data() == KINDS["milestone_completed"]
    assert m.index(0, InboxModel.STUDENT).data() == "Sam Student"
    assert m.index(0, InboxModel.ACTIVITY).data() == "Chess Club"
    assert page.panel.title.text() == "Sam completed a milestone"
    assert page.panel.body.text() == "Sam Student completed “Opening principles” in Chess Club."
    assert "Sam Student · Chess Club" in page.panel.meta.text() and "unread" in page.panel.meta.text()


def test_a_long_title_is_elided_with_the_whole_of_it_in_the_tooltip(qtbot, make_ctx, school: School):
    notify(school, school.parent, "milestone_completed", LONG, student=school.student, activity_id=school.chess)
    page = inbox_page(qtbot, make_ctx, school.parent)
    index = page.proxy.index(0, InboxModel.TITLE)
    assert page.table.textElideMode() == Qt.TextElideMode.ElideRight
    assert page.table.fontMetrics().horizontalAdvance(LONG) > page.table.columnWidth(InboxModel.TITLE)
    assert index.data(Qt.ItemDataRole.ToolTipRole).startswith(LONG)
    assert page.panel.title.text() == LONG and page.panel.title.wordWrap()  # whole, on several lines


def test_filters_by_kind_activity_and_unread(qtbot, make_ctx, school: School):
    family_inbox(school)
    page = inbox_page(qtbot, make_ctx, school.parent)
    page.kind.setCurrentIndex(page.kind.findData("badge_earned"))
    assert titles(page) == ["Sam earned a badge"]
    page.kind.setCurrentIndex(0)
    assert [page.activity.itemText(i) for i in range(page.activity.count())] == [
        "All activities", "Chess Club", "Drama"]
    page.activity.setCurrentIndex(page.activity.findData(school.chess))
    assert titles(page) == ["Sam completed a milestone", "Sam's attendance is low"]
    page.unread_only.setChecked(True)
    assert titles(page) == ["Sam completed a milestone"]
    page.kind.setCurrentIndex(page.kind.findData("badge_earned"))
    assert titles(page) == []
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title_label.text() == "No notification matches the filters"


def test_mark_all_read(qtbot, make_ctx, school: School):
    family_inbox(school)
    window = open_window(qtbot, make_ctx, school.parent)
    page = window.show_page("inbox")
    settle(qtbot, window.ctx)
    assert isinstance(page, InboxPage)
    assert page.mark_all_action.isEnabled()
    page.mark_all_action.trigger()
    settle(qtbot, window.ctx)
    assert inbox_entry(window) == "Inbox"
    assert page.count.text() == "0 unread of 3"
    assert not page.mark_all_action.isEnabled()
    assert school.services.notifications.unread_count(school.parent) == 0
    page.unread_only.setChecked(True)
    assert page.empty.title_label.text() == "Nothing new"


def test_empty_inbox_says_nothing_new(qtbot, make_ctx, school: School):
    notify(school, school.parent, "badge_earned", "Someone else's news")  # the parent's, not the teacher's
    page = inbox_page(qtbot, make_ctx, school.teacher)
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title_label.text() == "Nothing new"
    assert not page.mark_all_action.isEnabled() and not page.mark_action.isEnabled()


def test_enter_opens_the_childs_activity_on_the_progress_page_and_marks_it_read(qtbot, make_ctx, school: School):
    ids = family_inbox(school)
    window = open_window(qtbot, make_ctx, school.parent)
    page = window.show_page("inbox")
    settle(qtbot, window.ctx)
    assert page.current().id == ids["milestone"]
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    settle(qtbot, window.ctx)
    assert window.current_key == "progress"
    progress = window.current_page()
    assert progress.selected_row() is not None and progress.selected_row().activity_id == school.chess
    assert inbox_entry(window) == "Inbox  1"


def test_open_takes_staff_to_the_activity_page(qtbot, make_ctx, school: School):
    notify(school, school.teacher, "absences_in_a_row", "Olga missed 3 sessions in a row",
           student=school.other_student, activity_id=school.chess)
    window = open_window(qtbot, make_ctx, school.teacher)
    page = window.show_page("inbox")
    settle(qtbot, window.ctx)
    assert page.open_action.isEnabled()
    page.open_action.trigger()
    settle(qtbot, window.ctx)
    assert window.current_key == "activities"
    detail = window.current_page().detail_page
    assert detail is not None and detail.activity_id == school.chess


def test_nothing_to_open_without_an_activity(qtbot, make_ctx, school: School):
    notify(school, school.parent, "certificate_ready", "A general notice")
    window = open_window(qtbot, make_ctx, school.parent)
    page = window.show_page("inbox")
    settle(qtbot, window.ctx)
    assert page.current() is not None and not page.open_action.isEnabled()
    assert page.open_selected() is None
    assert window.current_key == "inbox"


def test_a_notification_raised_elsewhere_shows_when_its_change_is_published(qtbot, make_ctx, school: School):
    window = open_window(qtbot, make_ctx, school.parent)
    page = window.show_page("inbox")
    settle(qtbot, window.ctx)
    assert inbox_entry(window) == "Inbox"
    notify(school, school.parent, "badge_earned", "Sam earned a badge", student=school.student,
           activity_id=school.chess)
    changes = Changes()
    changes.add(ChangeKind.NOTIFICATION, school.teacher.id)  # someone else's: nothing to reload
    window.ctx.events.publish(changes)
    settle(qtbot, window.ctx)
    assert page.model.rowCount() == 0
    changes.add(ChangeKind.NOTIFICATION, school.parent.id)
    window.ctx.events.publish(changes)
    settle(qtbot, window.ctx)
    assert titles(page) == ["Sam earned a badge"]
    assert inbox_entry(window) == "Inbox  1"
    assert page.proxy.index(0, 0).data(RecordRole).student_name == "Sam Student"


def test_without_a_system_tray_the_window_works_as_before(qtbot, make_ctx, school: School):
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen
    window = open_window(qtbot, make_ctx, school.parent)
    assert window.tray is None
    window.log_out()
    window.login_dialog.reject()  # type: ignore[union-attr]


def test_the_tray_announces_only_what_arrives_and_what_the_user_wants_on_the_desktop(qtbot, make_ctx,
                                                                                    school: School):
    notify(school, school.parent, "badge_earned", "Already there")
    ctx = make_ctx(school.parent)
    tray = QSystemTrayIcon()
    opened: list[bool] = []
    notifier = DesktopNotifier(ctx, tray, lambda: opened.append(True))
    notifier.start()
    settle(qtbot, ctx)
    assert notifier.shown == []  # what was there at sign-in is the Inbox's to show

    prefs = school.services.notifications.preferences(school.parent)
    kinds = dict(prefs.kinds)
    kinds["low_attendance"] = KindChoice(inbox=True, desktop=False, email=False)
    school.services.notifications.save_preferences(school.parent, replace(prefs, kinds=kinds))
    notify(school, school.parent, "low_attendance", "Not on the desktop")
    notify(school, school.parent, "milestone_completed", "Sam completed a milestone", body="Opening principles",
           student=school.student, activity_id=school.chess)
    changes = Changes()
    changes.add(ChangeKind.NOTIFICATION, school.parent.id)
    ctx.events.publish(changes)
    settle(qtbot, ctx)
    assert notifier.shown == [("Sam completed a milestone", "Sam Student · Chess Club\nOpening principles")]

    tray.messageClicked.emit()
    assert opened == [True]
    notifier.stop()
    assert not tray.isVisible()


def test_a_tray_message_about_several_lists_a_few_and_counts_the_rest() -> None:
    items = [NotificationInfo(id=i, kind="badge_earned", title=f"Badge {i}", body="", student_id=None,
                              student_name=None, activity_id=None, activity_name=None,
                              created_at=datetime(2026, 3, 1, 9, i), read=False, count=1, link=None)
             for i in range(5, 0, -1)]
    title, text = message(items)
    assert title == "5 new notifications"
    assert text.splitlines() == ["Badge 5", "Badge 4", "Badge 3", "and 2 more in your Inbox"]
