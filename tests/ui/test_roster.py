"""The Roster tab: filter, enroll (with capacity and waitlist), drop, re-enroll, promote, complete."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle
from tracker.domain.enums import ProgressStatus, Role
from tracker.services.activities import ActivityInput
from tracker.services.people import UserInput
from ui.dialogs.enroll_dialog import CompleteDialog, DropDialog, EnrollDialog
from ui.models.roster import RosterModel
from ui.views.activity_roster import RosterTab


def _tab(qtbot, ctx, activity: int) -> RosterTab:  # type: ignore[no-untyped-def]
    tab = RosterTab(ctx, activity)
    tab.activity_name = "Chess Club"
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()
    tab.refresh()
    settle(qtbot, ctx)
    return tab


def names(tab: RosterTab) -> list[str]:
    return [tab.proxy.record(r).name for r in range(tab.proxy.rowCount())]


def status_of(school: School, activity: int, student: int) -> ProgressStatus:
    return next(r.status for r in school.services.enrollment.roster(school.admin, activity)
                if r.student_id == student)


def new_student(school: School, username: str, name: str) -> int:
    return school.services.people.create_user(
        school.admin, UserInput(username, name, Role.STUDENT, password=PASSWORD, class_name="9Q")).id


def test_roster_lists_students_and_filters(qtbot, ctx, school: School) -> None:
    tab = _tab(qtbot, ctx, school.chess)
    assert names(tab) == ["Olga Other", "Sam Student"]
    tab.search.setText("7b")
    tab.search.flush()
    assert names(tab) == ["Sam Student"]
    tab.search.setText("")
    tab.search.flush()
    tab.status_filter.setCurrentIndex(tab.status_filter.findData("dropped"))
    assert names(tab) == []
    assert "2 active" in tab.count.text()


def test_roster_model_passes_the_model_tester(qtbot, qtmodeltester, ctx, school: School) -> None:
    tab = _tab(qtbot, ctx, school.chess)
    qtmodeltester.check(tab.model)
    qtmodeltester.check(tab.proxy)
    index = tab.model.index(0, RosterModel.STATUS)
    assert index.data() == "Active"


def test_enroll_students_found_by_class_with_capacity_and_waitlist(qtbot, ctx, school: School) -> None:
    school.services.activities.update_activity(
        school.admin, school.chess, ActivityInput("Chess Club", capacity=3, lead_ids=[school.teacher.id]))
    a = new_student(school, "ann", "Ann Able")
    b = new_student(school, "ben", "Ben Baker")
    tab = _tab(qtbot, ctx, school.chess)
    dialog = tab.enroll()
    assert isinstance(dialog, EnrollDialog)
    settle(qtbot, ctx)
    qtbot.keyClicks(dialog.search, "9q")
    dialog.search.flush()
    settle(qtbot, ctx)
    assert dialog.results.count() == 2
    dialog.choose(a, b)
    assert "1 of the students you chose will go to the waitlist" in dialog.capacity.text()
    assert dialog.ok_button.text() == "Enroll 2"
    dialog.accept()
    settle(qtbot, ctx)
    assert tab.dialog is None  # closed
    settle(qtbot, ctx)
    assert "1 enrolled" in tab.message.text() and "Ben Baker #1" in tab.message.text()
    assert set(names(tab)) == {"Olga Other", "Sam Student", "Ann Able", "Ben Baker"}
    assert status_of(school, school.chess, b) is ProgressStatus.WAITLISTED


def test_already_enrolled_students_cannot_be_ticked(qtbot, ctx, school: School) -> None:
    tab = _tab(qtbot, ctx, school.chess)
    dialog = tab.enroll()
    settle(qtbot, ctx)
    dialog.search.setText("sam")
    dialog.search.flush()
    settle(qtbot, ctx)
    item = dialog.results.item(0)
    assert "already" in item.text() and not item.flags() & Qt.ItemFlag.ItemIsUserCheckable
    dialog.reject()


def test_drop_needs_a_reason_then_frees_a_place_for_the_waitlist(qtbot, ctx, school: School) -> None:
    school.services.activities.update_activity(
        school.admin, school.chess, ActivityInput("Chess Club", capacity=2, lead_ids=[school.teacher.id]))
    waiting = new_student(school, "wes", "Wes Waiting")
    school.services.enrollment.enroll(school.admin, school.chess, [waiting])
    tab = _tab(qtbot, ctx, school.chess)
    assert tab.select_student(school.student.id)
    assert tab.drop_action.isEnabled() and not tab.reenroll_action.isEnabled()
    dialog = tab.drop()
    assert isinstance(dialog, DropDialog)
    dialog.accept()  # no reason
    assert dialog.isVisible() and "reason" in dialog.field_errors["reason"][0].text()
    assert status_of(school, school.chess, school.student.id) is ProgressStatus.ACTIVE
    dialog.reason.setCurrentText("Timetable clash")
    assert dialog.date.maximumDate().toPython() == date.today()
    dialog.accept()
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert status_of(school, school.chess, school.student.id) is ProgressStatus.DROPPED
    assert "Wes Waiting is first on the waitlist" in tab.message.text()
    tab.select_student(waiting)
    assert tab.promote_action.isEnabled()
    tab.promote_action.trigger()
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert status_of(school, school.chess, waiting) is ProgressStatus.ACTIVE
    tab.select_student(school.student.id)
    settle(qtbot, ctx)
    assert tab.reenroll_action.isEnabled()
    tab.reenroll_action.trigger()
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert status_of(school, school.chess, school.student.id) is ProgressStatus.WAITLISTED  # full again


def test_history_of_the_selected_student(qtbot, ctx, school: School) -> None:
    school.services.enrollment.drop(school.admin, school.chess, school.student.id, "Exams", date.today())
    tab = _tab(qtbot, ctx, school.chess)
    tab.select_student(school.student.id)
    settle(qtbot, ctx)
    items = [tab.history.item(i).text() for i in range(tab.history.count())]
    assert items[0].startswith("Dropped (was active)") and "Ada Admin" in items[0] and "Exams" in items[0]
    assert "Left on" in tab.panel_facts.text()


def test_mark_completed_needs_a_note(qtbot, ctx, school: School) -> None:
    tab = _tab(qtbot, ctx, school.chess)
    tab.table.selectAll()
    dialog = tab.complete()
    assert isinstance(dialog, CompleteDialog) and len(dialog.students) == 2
    dialog.accept()
    assert dialog.isVisible() and "note is required" in dialog.field_errors["note"][0].text()
    dialog.note.setPlainText("Won the school tournament")
    dialog.accept()
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert status_of(school, school.chess, school.student.id) is ProgressStatus.COMPLETED
    row = next(r for r in tab.model.rows() if r.student_id == school.student.id)
    assert tab.model.index(tab.model.rows().index(row), RosterModel.STATUS).data() == "Completed ✎"


@pytest.mark.parametrize("who", ["teacher"])
def test_teacher_manages_their_own_roster(qtbot, make_ctx, school: School, who: str) -> None:
    ctx = make_ctx(getattr(school, who))
    tab = _tab(qtbot, ctx, school.chess)
    assert names(tab) == ["Olga Other", "Sam Student"]
    assert not tab.import_action.isVisible()
    other = _tab(qtbot, ctx, school.drama)
    assert names(other) == [] and "may not" in other.message.text()


# --------------------------------------------------------------------------- standing, overrides, sign-off


def cell(tab: RosterTab, student_id: int, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    row = tab.model.row_of(lambda r: r.student_id == student_id)
    return tab.model.index(row, column).data(role)


def header_tip(tab: RosterTab, column: int) -> str:
    return tab.model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_standing_column_shows_the_verdict_and_its_reasons(qtbot, ctx, school: School) -> None:
    school.services.enrollment.drop(school.admin, school.chess, school.other_student.id, "Exams", date.today())
    tab = _tab(qtbot, ctx, school.chess)
    assert cell(tab, school.student.id, RosterModel.STANDING) == "On track"
    assert cell(tab, school.student.id, RosterModel.STANDING, Qt.ItemDataRole.ToolTipRole) == \
        "No milestones set yet"
    assert cell(tab, school.other_student.id, RosterModel.STANDING) == "—"
    assert "Behind" in header_tip(tab, RosterModel.STANDING) and "At risk" in header_tip(tab, RosterModel.STANDING)
    tab.search.setText("on track")
    tab.search.flush()
    assert names(tab) == ["Sam Student"]
    tab.search.setText("")
    tab.search.flush()
    tab.standing_filter.setCurrentIndex(tab.standing_filter.findData("at_risk"))
    assert names(tab) == []
    tab.standing_filter.setCurrentIndex(tab.standing_filter.findData("on_track"))
    assert names(tab) == ["Sam Student"]
    tab.select_student(school.student.id)
    assert "Standing: On track" in tab.panel_facts.text()


def test_set_progress_by_hand_then_back_to_computed(qtbot, ctx, school: School) -> None:
    from ui.dialogs.progress_dialog import ProgressOverrideDialog

    tab = _tab(qtbot, ctx, school.chess)
    tab.select_student(school.student.id)
    assert tab.override_action.isEnabled() and not tab.clear_override_action.isEnabled()
    dialog = tab.set_progress()
    assert isinstance(dialog, ProgressOverrideDialog)
    dialog.progress.setValue(60)
    dialog.accept()  # no note
    assert dialog.isVisible() and "note is required" in dialog.field_errors["note"][0].text()
    assert cell(tab, school.student.id, RosterModel.PROGRESS) == "0%"
    qtbot.keyClicks(dialog.note, "Practised at home all term")
    dialog.accept()
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert tab.dialog is None and "Set by hand for 1 student" in tab.message.text()
    assert cell(tab, school.student.id, RosterModel.PROGRESS) == "60% ✎"
    tip = cell(tab, school.student.id, RosterModel.PROGRESS, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Set by hand by Ada Admin on ") and tip.endswith(": Practised at home all term")
    assert "Practised at home all term" in tab.panel_facts.text()
    assert cell(tab, school.other_student.id, RosterModel.PROGRESS) == "0%"

    assert tab.clear_override_action.isEnabled()
    tab.clear_override_action.trigger()
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert cell(tab, school.student.id, RosterModel.PROGRESS) == "0%"
    assert "Back to the computed progress for 1 student" in tab.message.text()
    assert not tab.clear_override_action.isEnabled()


def test_sign_off_completes_the_student_and_can_be_undone(qtbot, ctx, school: School) -> None:
    school.services.activities.update_activity(
        school.admin, school.chess, ActivityInput("Chess Club", lead_ids=[school.teacher.id],
                                                  requires_signoff=True))
    tab = _tab(qtbot, ctx, school.chess)
    assert tab.sign_off_action.isVisible()
    tab.select_student(school.student.id)
    assert tab.sign_off_action.isEnabled() and not tab.undo_sign_off_action.isEnabled()
    assert "Not signed off yet" in tab.panel_facts.text()
    tab.sign_off_action.trigger()
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert "Signed off 1 student; 1 completed." in tab.message.text()
    assert status_of(school, school.chess, school.student.id) is ProgressStatus.COMPLETED
    assert cell(tab, school.student.id, RosterModel.STATUS) == "Completed"
    assert cell(tab, school.student.id, RosterModel.STANDING) == "Completed"
    assert not tab.sign_off_action.isEnabled() and tab.undo_sign_off_action.isEnabled()
    tab.undo_sign_off_action.trigger()
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert status_of(school, school.chess, school.student.id) is ProgressStatus.ACTIVE
    assert "Sign-off taken back for 1 student" in tab.message.text()


def test_sign_off_actions_are_hidden_when_the_activity_needs_none(qtbot, ctx, school: School) -> None:
    tab = _tab(qtbot, ctx, school.chess)
    tab.select_student(school.student.id)
    assert not tab.sign_off_action.isVisible() and not tab.undo_sign_off_action.isVisible()


def test_a_refused_sign_off_is_named_in_the_message_line(qtbot, ctx, school: School) -> None:
    school.services.activities.update_activity(
        school.admin, school.chess, ActivityInput("Chess Club", lead_ids=[school.teacher.id],
                                                  requires_signoff=True))
    tab = _tab(qtbot, ctx, school.chess)
    tab.select_student(school.student.id)
    school.services.progress.sign_off(school.admin, school.chess, school.student.id)  # behind the tab's back
    tab.sign_off_action.trigger()
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert tab.message.text() == "Nothing changed: Sam Student is already signed off."


def test_participation_column_shows_the_average_rating_and_trend(qtbot, ctx, school: School) -> None:
    from datetime import datetime, time, timedelta

    from tracker.services.attendance import MarkChange

    s = school.services
    today = date.today()
    codes = {st.code: st.id for st in s.attendance.statuses(school.admin)}
    sessions = []
    for i in range(3):
        start = datetime.combine(today, time(0, 1 + i))
        sessions.append(s.calendar.add_extra_session(school.admin, school.chess, start,
                                                     start + timedelta(minutes=1)).id)
    s.attendance.apply(school.teacher, [MarkChange(sid, school.student.id, codes["P"], participation=r,
                                                   check_version=False)
                                        for sid, r in zip(sessions, (2, 3, 4), strict=True)])
    tab = _tab(qtbot, ctx, school.chess)
    assert cell(tab, school.student.id, RosterModel.PARTICIPATION) == "3.0 ↗"
    assert cell(tab, school.other_student.id, RosterModel.PARTICIPATION) == "—"
    tip = cell(tab, school.student.id, RosterModel.PARTICIPATION, Qt.ItemDataRole.ToolTipRole)
    assert "3 rated sessions" in tip and "Attendance: 100.0%" in tip
    assert "Average rating" in header_tip(tab, RosterModel.PARTICIPATION)
    tab.table.sortByColumn(RosterModel.PARTICIPATION, Qt.SortOrder.DescendingOrder)
    assert names(tab) == ["Sam Student", "Olga Other"]


# --------------------------------------------------------------------------- fit, completed students


def _sized_tab(qtbot, ctx, activity: int, width: int) -> RosterTab:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, ctx, activity)
    tab.resize(width, 560)
    qtbot.waitUntil(lambda: tab.width() == width)
    return tab


def test_the_toolbar_fits_a_1024_screen_with_the_rest_in_more(qtbot, ctx, school: School) -> None:
    from tests.ui.fitting import overlapping, squeezed_buttons

    tab = _sized_tab(qtbot, ctx, school.chess, 752)  # the tab's width in a 1024-pixel window
    tab.select_student(school.student.id)
    assert squeezed_buttons(tab) == [] and overlapping(tab) == []
    bar = tab.row_bar
    assert bar.more.isVisible() and bar.overflow()  # "Mark completed…" & co. in More, not cut
    shown = [b.text() for b in bar.buttons if b.isVisible()]
    wanted = (*tab.row_actions, tab.letters_action, tab.report_action)  # the last fold into More first
    assert set(shown) | {a.text() for a in bar.overflow()} == {a.text() for a in wanted if a.isVisible()}
    assert tab.letters_action in bar.overflow() and tab.report_action in bar.overflow()
    assert tab.complete_action in bar.overflow() and tab.complete_action.isEnabled()
    # wide enough, every action is a button again
    tab.resize(1900, 560)
    qtbot.waitUntil(lambda: not bar.more.isVisible())
    qtbot.waitUntil(lambda: squeezed_buttons(tab) == [])  # once laid out again
    assert overlapping(tab) == []


def test_a_long_summary_is_elided_with_the_whole_in_its_tooltip(qtbot, ctx, school: School) -> None:
    school.services.enrollment.drop(school.admin, school.chess, school.other_student.id, "Exams", date.today())
    tab = _sized_tab(qtbot, ctx, school.chess, 560)
    tab.search.setText("sam")
    tab.search.flush()
    whole = tab.count.full_text()
    assert whole == "1 of 2 · 1 active, 1 dropped"
    qtbot.waitUntil(lambda: tab.count.text() != whole)
    assert tab.count.text().endswith("…") and tab.count.toolTip() == whole
    assert tab.count.fontMetrics().horizontalAdvance(tab.count.text()) <= tab.count.width()
    tab.resize(1100, 560)
    qtbot.waitUntil(lambda: tab.count.text() == whole)
    assert tab.count.toolTip() == ""


def test_the_side_panel_wraps_its_text_at_its_narrowest(qtbot, ctx, school: School) -> None:
    school.services.enrollment.drop(school.admin, school.chess, school.student.id,
                                    "Moved to the afternoon orchestra rehearsals for the rest of the term",
                                    date.today())
    tab = _sized_tab(qtbot, ctx, school.chess, 752)
    tab.split.setSizes([10_000, 1])  # the panel at its minimum width
    tab.select_student(school.student.id)
    settle(qtbot, ctx)
    panel = tab.panel
    assert panel.width() == panel.minimumWidth()
    facts = tab.panel_facts
    assert facts.wordWrap() and facts.width() <= panel.width()
    assert "orchestra rehearsals" in facts.text()
    history = tab.history
    for i in range(history.count()):
        assert history.visualItemRect(history.item(i)).right() <= history.viewport().width()


def _completed_at_a_third(school: School) -> None:
    """Sam completes Chess Club with the one required milestone done: 5 of 15 points."""
    ms = school.services.milestones
    required = ms.create_milestone(school.admin, school.chess, title="Opening principles", points=5)
    ms.create_milestone(school.admin, school.chess, title="Endgame studies", points=10, required=False)
    ms.complete_milestone(school.admin, required.id, school.student.id)
    assert status_of(school, school.chess, school.student.id) is ProgressStatus.COMPLETED


def test_a_completed_student_reads_completed_with_why_not_a_bare_third(qtbot, ctx, school: School) -> None:
    _completed_at_a_third(school)
    tab = _tab(qtbot, ctx, school.chess)
    assert cell(tab, school.student.id, RosterModel.PROGRESS) == "Completed"
    tip = cell(tab, school.student.id, RosterModel.PROGRESS, Qt.ItemDataRole.ToolTipRole)
    assert tip == ("Completed — required milestones met\n"
                   "33% of the milestone points earned: completion does not need them all.")
    assert cell(tab, school.other_student.id, RosterModel.PROGRESS) == "0%"  # the others keep their figure
    assert "Completed" in header_tip(tab, RosterModel.PROGRESS)
    tab.select_student(school.student.id)
    assert "Completed — required milestones met" in tab.panel_facts.text()
    assert "33% of the milestone points earned" in tab.panel_facts.text()
    # sorted by progress, completed students come first (descending), whatever their figure
    tab.table.sortByColumn(RosterModel.PROGRESS, Qt.SortOrder.DescendingOrder)
    assert names(tab) == ["Sam Student", "Olga Other"]


def test_completed_by_hand_says_a_teacher_marked_it(qtbot, ctx, school: School) -> None:
    school.services.enrollment.set_completed_by_hand(school.admin, school.chess, school.student.id,
                                                     "Won the school tournament")
    tab = _tab(qtbot, ctx, school.chess)
    assert cell(tab, school.student.id, RosterModel.PROGRESS) == "Completed ✎"
    tip = cell(tab, school.student.id, RosterModel.PROGRESS, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Completed — marked completed by a teacher\n0% of the milestone points earned.")
    assert "Won the school tournament" in tip
