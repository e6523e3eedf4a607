"""Notifications (issue 14, rules and inbox): each rule with its audience and wording, a condition
told once until it clears, bulk changes grouped per recipient, a parent never told of another
family's child, preferences, pruning, permissions and the façade."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import School
from tracker.api import TrackerAPI
from tracker.db.models import Notification, NotificationCondition, Setting
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.badge_rules import Criterion
from tracker.domain.enums import Role
from tracker.domain.notification_text import KINDS, About, grouped, name_list
from tracker.domain.policy import Actor
from tracker.errors import NotFound, PermissionDenied
from tracker.services.activities import ActivityInput
from tracker.services.notifications import KindChoice, NotificationInfo, Preferences
from tracker.services.people import UserInput

from .badge_support import enrolled_since, make_badge, mark, sessions_on

TODAY = date.today()


def inbox(school: School, who: Actor) -> list[NotificationInfo]:
    return school.services.notifications.inbox(who)


def kinds_of(school: School, who: Actor) -> list[str]:
    return [n.kind for n in inbox(school, who)]


def make_user(school: School, username: str, name: str, role: Role) -> Actor:
    info = school.services.people.create_user(school.admin, UserInput(username, name, role, password="pw-12345678"))
    return Actor(info.id, info.username, info.display_name, info.role)


def other_parent(school: School) -> Actor:
    """A parent of Olga (the other family)."""
    p = make_user(school, "opal", "Opal Other-Parent", Role.PARENT)
    school.services.people.link_guardian(school.admin, p.id, school.other_student.id)
    return p


def milestone(school: School, title: str, activity: int | None = None) -> int:
    return school.services.milestones.create_milestone(school.teacher, activity or school.chess, title=title,
                                                       points=1).id


# ------------------------------------------------------------------ the rules


def test_milestone_completed_tells_the_student_and_their_parents_only(school: School) -> None:
    opal = other_parent(school)
    m = milestone(school, "First competition")
    milestone(school, "Second")  # so that one tick does not complete the activity
    school.services.milestones.complete_milestone(school.teacher, m, school.student.id)
    [note] = inbox(school, school.parent)
    assert note.kind == "milestone_completed"
    assert note.body == "Sam Student completed the milestone “First competition” in Chess Club."
    assert (note.student_id, note.activity_id, note.count, note.read) == (school.student.id, school.chess, 1, False)
    assert note.student_name == "Sam Student" and note.activity_name == "Chess Club"
    assert kinds_of(school, school.student) == ["milestone_completed"]
    assert inbox(school, opal) == [] and inbox(school, school.other_student) == []
    assert inbox(school, school.teacher) == []  # the teacher ticked it: not their news


def test_a_bulk_tick_is_one_grouped_notice_per_recipient(school: School) -> None:
    both = make_user(school, "bea", "Bea Both", Role.PARENT)  # a parent of both children
    for child in (school.student, school.other_student):
        school.services.people.link_guardian(school.admin, both.id, child.id)
    m = milestone(school, "Opening moves")
    milestone(school, "Endgames")
    school.services.milestones.complete_for_students(school.teacher, m, [school.student.id, school.other_student.id])
    [note] = inbox(school, both)
    assert note.count == 2 and note.student_id is None and note.activity_id == school.chess
    assert note.title == "2 students completed a milestone in Chess Club"
    assert note.body == "Completed “Opening moves”: Sam Student and Olga Other."
    [pat] = inbox(school, school.parent)  # Sam's parent hears of Sam only
    assert pat.count == 1 and "Olga" not in pat.body and pat.student_id == school.student.id
    assert [n.count for n in inbox(school, school.other_student)] == [1]


def test_grouped_wording_names_ten_then_says_how_many_more() -> None:
    abouts = [About(f"Kid {i:02}", "Ten laps") for i in range(1, 31)]
    title, body = grouped("milestone_completed", "Athletics", abouts)
    assert title == "30 students completed a milestone in Athletics"
    assert body.startswith("Completed “Ten laps”: Kid 01, Kid 02,") and body.endswith("Kid 10 and 20 more.")
    assert name_list(["A", "B", "C"]) == "A, B and C" and name_list(["A"]) == "A"
    assert set(KINDS) == {"milestone_completed", "activity_completed", "certificate_ready", "badge_earned",
                          "low_attendance", "absences_in_a_row", "at_risk", "waitlist_offer", "progress_override"}


def test_activity_completed_and_certificate_ready(school: School) -> None:
    m = milestone(school, "Only one")
    school.services.milestones.complete_milestone(school.teacher, m, school.student.id)
    kinds = kinds_of(school, school.parent)
    assert {"milestone_completed", "activity_completed", "certificate_ready"} == set(kinds)
    texts = {n.kind: n.body for n in inbox(school, school.student)}
    assert texts["activity_completed"] == "Sam Student met everything needed to complete Chess Club. Well done!"
    assert texts["certificate_ready"] == "Sam Student's certificate for completing Chess Club is ready."


def test_badge_earned_tells_student_and_parents(school: School) -> None:
    badge = make_badge(school, "Helper", Criterion(), school.chess)
    school.services.badges.award(school.teacher, badge.id, school.student.id, note="Helped set up")
    [note] = inbox(school, school.parent)
    assert note.kind == "badge_earned"
    assert note.body == "Sam Student earned the badge “Helper” in Chess Club."
    assert kinds_of(school, school.student) == ["badge_earned"]


def test_progress_override_tells_student_and_parents(school: School) -> None:
    school.services.progress.override_progress(school.teacher, school.chess, school.student.id,
                                               progress_percentage=80, note="Caught up after injury")
    [note] = inbox(school, school.parent)
    assert note.kind == "progress_override"
    assert note.body == ("Tina Teacher set Sam Student's progress in Chess Club by hand: "
                         "80% (“Caught up after injury”).")
    assert kinds_of(school, school.student) == ["progress_override"]


def test_waitlist_offer_tells_the_student_parents_and_leads(school: School) -> None:
    s = school.services
    act = s.activities.create_activity(school.admin, ActivityInput("Robotics", lead_ids=[school.teacher.id],
                                                                   capacity=1))
    s.enrollment.enroll(school.admin, act.id, [school.other_student.id])
    s.enrollment.enroll(school.admin, act.id, [school.student.id])  # waitlisted
    s.enrollment.drop(school.admin, act.id, school.other_student.id, "Moved away", TODAY)
    for who in (school.student, school.parent, school.teacher):
        [note] = [n for n in inbox(school, who) if n.kind == "waitlist_offer"]
        assert note.title == "A place is free in Robotics" and "Sam Student is first on the waitlist" in note.body
    assert not [n for n in inbox(school, school.other_teacher) if n.kind == "waitlist_offer"]


def _club(school: School) -> list[int]:
    """Chess with 8 past sessions Sam and Olga were enrolled for."""
    enrolled_since(school.services, school.chess, TODAY - timedelta(days=60),
                   school.student.id, school.other_student.id)
    return sessions_on(school, school.chess, [TODAY - timedelta(days=d) for d in (40, 35, 30, 25, 20, 15, 10, 5)])


def _conditions(school: School) -> set[str]:
    with read_only(school.services.db) as s:
        return set(s.scalars(select(NotificationCondition.key)))


def test_low_attendance_is_told_once_until_it_clears_then_again(school: School) -> None:
    opal = other_parent(school)
    sessions = _club(school)
    mark(school, sessions[0], school.student.id, "P")
    mark(school, sessions[1], school.student.id, "A")
    assert "low_attendance" not in kinds_of(school, school.parent)  # two sessions: too early to judge
    mark(school, sessions[2], school.student.id, "A")  # 1 of 3: below 75%
    [note] = [n for n in inbox(school, school.parent) if n.kind == "low_attendance"]
    assert note.body.startswith("Sam Student's attendance in Chess Club is 33%, below the minimum of 75%.")
    assert [n.kind for n in inbox(school, school.teacher)].count("low_attendance") == 1  # the lead
    assert inbox(school, opal) == [] and "low_attendance" not in kinds_of(school, school.student)
    mark(school, sessions[3], school.student.id, "P")  # still below: no repeat
    assert kinds_of(school, school.parent).count("low_attendance") == 1
    for i in (4, 5, 6, 7):
        mark(school, sessions[i], school.student.id, "P")  # 6 of 8 = 75%: cleared
    assert not any(k.startswith("low_attendance") for k in _conditions(school))
    for i in (4, 5, 6):
        mark(school, sessions[i], school.student.id, "A")  # below again: news again
    assert kinds_of(school, school.parent).count("low_attendance") == 2


def test_absences_in_a_row_follow_the_school_setting(school: School) -> None:
    school.services.settings.update(school.admin, absences_in_a_row=2)
    sessions = _club(school)
    for i in range(6):
        mark(school, sessions[i], school.student.id, "P")
    mark(school, sessions[6], school.student.id, "A")
    assert "absences_in_a_row" not in kinds_of(school, school.parent)
    mark(school, sessions[7], school.student.id, "A")
    [note] = [n for n in inbox(school, school.parent) if n.kind == "absences_in_a_row"]
    assert note.body == "Sam Student was absent from the last 2 sessions of Chess Club."
    assert "absences_in_a_row" in kinds_of(school, school.teacher)
    mark(school, sessions[7], school.student.id, "P")  # the run is broken: cleared
    assert not any(k.startswith("absences_in_a_row") for k in _conditions(school))


def test_at_risk_is_told_to_leads_and_parents_once(school: School) -> None:
    sessions = _club(school)
    for i in range(3):
        mark(school, sessions[i], school.student.id, "A")
    [note] = [n for n in inbox(school, school.parent) if n.kind == "at_risk"]
    assert note.title == "Sam Student is at risk in Chess Club" and "attendance 0%" in note.body
    assert kinds_of(school, school.teacher).count("at_risk") == 1
    mark(school, sessions[3], school.student.id, "A")
    assert kinds_of(school, school.parent).count("at_risk") == 1


def test_marking_a_class_absent_is_one_grouped_notice_for_the_lead(school: School) -> None:
    sessions = _club(school)
    codes = {st.code: st.id for st in school.services.attendance.statuses(school.admin)}
    from tracker.services.attendance import MarkChange

    for sid in sessions[:3]:
        school.services.attendance.apply(school.teacher, [
            MarkChange(sid, who, codes["A"], check_version=False) for who in (school.student.id,
                                                                             school.other_student.id)])
    low = [n for n in inbox(school, school.teacher) if n.kind == "low_attendance"]
    assert len(low) == 1 and low[0].count == 2
    assert low[0].title == "2 students below the attendance minimum in Chess Club"
    assert low[0].body == "Below 75%: Sam Student (0%) and Olga Other (0%)."
    assert [n.count for n in inbox(school, school.parent) if n.kind == "low_attendance"] == [1]


# ------------------------------------------------------------------ preferences and upkeep


def test_a_kind_turned_off_in_the_inbox_writes_no_row(school: School) -> None:
    svc = school.services.notifications
    prefs = svc.preferences(school.parent)
    assert prefs.kinds["milestone_completed"] == KindChoice(True, True, False) and not prefs.digest
    kinds = dict(prefs.kinds)
    kinds["milestone_completed"] = KindChoice(inbox=False, desktop=False, email=False)
    saved = svc.save_preferences(school.parent, Preferences(kinds, True, None, False))
    assert saved.kinds["milestone_completed"].inbox is False and saved.digest is True
    m = milestone(school, "Quiet one")
    milestone(school, "Another")
    school.services.milestones.complete_milestone(school.teacher, m, school.student.id)
    assert inbox(school, school.parent) == []
    assert kinds_of(school, school.student) == ["milestone_completed"]


def test_prune_deletes_what_is_older_than_the_setting(school: School) -> None:
    m = milestone(school, "Old news")
    milestone(school, "Another")
    school.services.milestones.complete_milestone(school.teacher, m, school.student.id)
    svc = school.services.notifications
    assert svc.prune() == 0
    with unit_of_work(school.services.db) as tx:
        tx.session.add(Setting(key="notifications_keep_days", value="30"))
    assert svc.prune(datetime.now() + timedelta(days=31)) == 2
    assert inbox(school, school.parent) == []


# ------------------------------------------------------------------ the inbox and its permissions


def _two_notices(school: School) -> None:
    m = milestone(school, "One")
    milestone(school, "Two")
    school.services.milestones.complete_milestone(school.teacher, m, school.student.id)
    school.services.progress.override_progress(school.teacher, school.chess, school.student.id,
                                               progress_percentage=40, note="Started late")


def test_mark_read_unread_and_all_read(school: School) -> None:
    _two_notices(school)
    svc = school.services.notifications
    notes = inbox(school, school.parent)
    assert [n.kind for n in notes] == ["progress_override", "milestone_completed"]  # newest first
    assert svc.unread_count(school.parent) == 2
    assert svc.mark_read(school.parent, [notes[0].id]) == 1
    assert svc.unread_count(school.parent) == 1
    assert [n.id for n in svc.inbox(school.parent, unread_only=True)] == [notes[1].id]
    assert [n.kind for n in svc.inbox(school.parent, kind="progress_override")] == ["progress_override"]
    assert svc.mark_read(school.parent, [notes[0].id], read=False) == 1
    assert svc.mark_all_read(school.parent) == 2 and svc.unread_count(school.parent) == 0


def test_nobody_reads_or_marks_another_persons_inbox(school: School) -> None:
    _two_notices(school)
    svc = school.services.notifications
    theirs = inbox(school, school.parent)[0].id
    for who in (school.admin, school.teacher, school.student):
        assert all(n.id != theirs for n in inbox(school, who))
        with pytest.raises(PermissionDenied):
            svc.mark_read(who, [theirs])
    with pytest.raises(NotFound):
        svc.mark_read(school.parent, [theirs, 999_999])
    assert svc.unread_count(school.parent) == 2  # nothing was changed
    assert svc.mark_all_read(school.admin) == 0


def test_a_disabled_account_reads_no_inbox(school: School) -> None:
    with school.services.db.engine.begin() as conn:
        from tracker.db.models import User

        conn.execute(update(User).where(User.id == school.parent.id).values(active=False))
    with pytest.raises(PermissionDenied):
        school.services.notifications.inbox(school.parent)


def test_facade_keys_and_marking(school: School) -> None:
    _two_notices(school)
    api = TrackerAPI(school.services)
    rows = api.notifications(school.parent)
    assert set(rows[0]) == {"id", "kind", "title", "body", "student_id", "activity_id", "created_at", "read"}
    assert isinstance(rows[0]["created_at"], str) and rows[0]["read"] is False
    api.mark_notifications_read(school.parent, [rows[0]["id"]])
    assert [r["id"] for r in api.notifications(school.parent, unread_only=True)] == [rows[1]["id"]]


def test_before_commit_hooks_run_once_in_the_transaction(school: School) -> None:
    ran: list[int] = []
    with unit_of_work(school.services.db) as tx:
        tx.before_commit("x", lambda t: ran.append(1))
        tx.before_commit("x", lambda t: ran.append(2))  # the same key: once
        tx.before_commit("y", lambda t: t.session.add(Setting(key="hooked", value="1")))
        assert ran == []
    assert ran == [1]
    with read_only(school.services.db) as s:
        assert s.scalar(select(func.count()).select_from(Setting).where(Setting.key == "hooked")) == 1
    with pytest.raises(RuntimeError), unit_of_work(school.services.db) as tx:
        tx.session.add(Setting(key="rolled-back", value="1"))
        tx.before_commit("boom", lambda t: (_ for _ in ()).throw(RuntimeError("no")))
    with read_only(school.services.db) as s:
        assert not s.scalar(select(func.count()).select_from(Setting).where(Setting.key == "rolled-back"))
    with read_only(school.services.db) as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == 0


def test_the_one_statement_streak_of_a_mark_equals_the_bulk_rule_on_a_demo_school(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A single mark counts absences in a row inside its one judging statement; the figure must be
    the dashboard's (``stats.trailing_absences``) for every enrollment of a demo school."""
    from tracker.demo import DemoOptions, generate_demo
    from tracker.services import notification_rules, stats
    from tracker.services.bootstrap import open_database

    target = str(tmp_path / "demo.db")
    generate_demo(target, DemoOptions(students=120, seed=11))
    db, _ = open_database(target)
    try:
        with read_only(db) as s:
            bulk = stats.trailing_absences(s)
            pairs = s.execute(select(notification_rules.ActivityProgress.user_id,
                                     notification_rules.ActivityProgress.activity_id)).all()
            now = datetime.now()
            single = {}
            for student, activity in pairs:
                row = s.connection().execute(notification_rules._ONE, {
                    "student": student, "activity": activity, "now": now, "shortest": 1}).one()
                if row.trailing:
                    single[(student, activity)] = row.trailing
        assert len(pairs) > 100 and sum(1 for n in bulk.values() if n >= 2) >= 3
        assert single == {pair: n for pair, n in bulk.items() if pair in set(map(tuple, pairs))}
    finally:
        db.dispose()


@pytest.mark.parametrize(("first", "second", "run"), [("P", "A", 1), ("A", "P", 0), ("A", "A", 2)])
def test_two_sessions_starting_together_are_walked_back_in_the_grids_order(
        school: School, first: str, second: str, run: int) -> None:
    """Two sessions of one activity may start in the same minute; the grid shows the one made
    first first, and absences in a row walk back in that order (start, then id): a mark's one
    statement counts what the dashboard counts."""
    from tracker.services import notification_rules, stats

    enrolled_since(school.services, school.chess, TODAY - timedelta(days=60), school.student.id)
    a, b = sessions_on(school, school.chess, [TODAY - timedelta(days=5)] * 2)
    assert a < b
    mark(school, a, school.student.id, first)
    mark(school, b, school.student.id, second)
    pair = (school.student.id, school.chess)
    with read_only(school.services.db) as s:
        bulk = stats.trailing_absences(s, activity_ids=[school.chess]).get(pair, 0)
        single = s.connection().execute(notification_rules._ONE, {
            "student": pair[0], "activity": pair[1], "now": datetime.now(), "shortest": 1}).one().trailing
    assert bulk == single == run
