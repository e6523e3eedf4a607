"""What is next for students and parents: their next sessions and the milestones due soon, on
their dashboard, and a calendar that shows them only their own (or their children's) activities.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.conftest import School
from tracker.domain.policy import Permission, can_ever
from tracker.errors import PermissionDenied
from tracker.services.analytics import AHEAD_DAYS

NOW = datetime(2026, 3, 2, 12, 0)  # a Monday noon
TODAY = NOW.date()


def _session(school: School, activity: int, starts: datetime, hours: int = 1, where: str = "Room 1") -> int:
    info = school.services.calendar.add_extra_session(school.admin, activity, starts,
                                                      starts + timedelta(hours=hours), location=where)
    return info.id


def _milestone(school: School, activity: int, title: str, due: date | None, **kw: object) -> int:
    return school.services.milestones.create_milestone(school.admin, activity, title=title, due_date=due,
                                                       **kw).id  # type: ignore[arg-type]


def test_student_dashboard_lists_next_sessions_with_time_and_place(school: School) -> None:
    past = _session(school, school.chess, NOW - timedelta(days=1))
    running = _session(school, school.chess, NOW - timedelta(minutes=30))  # not over yet
    soon = _session(school, school.chess, NOW + timedelta(days=2), where="Library")
    too_far = _session(school, school.chess, NOW + timedelta(days=AHEAD_DAYS + 1))
    drama = _session(school, school.drama, NOW + timedelta(days=1))  # not the student's activity
    d = school.services.analytics.dashboard(school.student, now=NOW)
    assert [x.id for x in d.upcoming] == [running, soon]
    nxt = d.upcoming[1]
    assert (nxt.activity_name, nxt.location, nxt.starts_at) == ("Chess Club", "Library", NOW + timedelta(days=2))
    assert not {past, too_far, drama} & {x.id for x in d.upcoming}


def test_a_cancelled_session_is_listed_as_cancelled(school: School) -> None:
    sid = _session(school, school.chess, NOW + timedelta(days=1))
    school.services.calendar.cancel_session(school.admin, sid, "Teacher ill")
    d = school.services.analytics.dashboard(school.student, now=NOW)
    assert [(x.id, x.cancelled, x.note) for x in d.upcoming] == [(sid, True, "Teacher ill")]


def test_parent_sees_next_sessions_per_child_and_nothing_of_other_students(school: School) -> None:
    chess = _session(school, school.chess, NOW + timedelta(days=1))
    _session(school, school.drama, NOW + timedelta(days=1))  # only the other student's
    d = school.services.analytics.dashboard(school.parent, now=NOW)
    assert d.upcoming == [] and d.due_soon == []
    [child] = d.children
    assert child.student_id == school.student.id
    assert [x.id for x in child.upcoming] == [chess]


def test_a_dropped_activity_has_no_next_sessions(school: School) -> None:
    _session(school, school.chess, NOW + timedelta(days=1))
    school.services.progress.update_progress(school.admin, school.chess, school.student.id, status="dropped",
                                             note="Moved away")
    d = school.services.analytics.dashboard(school.student, now=NOW)
    assert d.upcoming == []


def test_milestones_due_soon_are_the_undone_ones_of_the_next_two_weeks(school: School) -> None:
    s = school.services
    due = _milestone(school, school.chess, "Openings", TODAY + timedelta(days=3), points=5)
    today = _milestone(school, school.chess, "Endgames", TODAY, required=False)
    done = _milestone(school, school.chess, "Rules", TODAY + timedelta(days=1))
    _milestone(school, school.chess, "Late", TODAY - timedelta(days=1))
    _milestone(school, school.chess, "Far", TODAY + timedelta(days=AHEAD_DAYS + 1))
    _milestone(school, school.chess, "Undated", None)
    _milestone(school, school.drama, "Lines", TODAY + timedelta(days=2))  # not the student's activity
    s.milestones.complete_milestone(school.admin, done, school.student.id)
    d = s.analytics.dashboard(school.student, now=NOW)
    assert [(m.milestone_id, m.activity) for m in d.due_soon] == [(today, "Chess Club"), (due, "Chess Club")]
    first = d.due_soon[1]
    assert (first.title, first.due_date, first.required, first.points) == (
        "Openings", TODAY + timedelta(days=3), True, 5)


def test_parent_sees_milestones_due_per_child(school: School) -> None:
    s = school.services
    m = _milestone(school, school.chess, "Openings", TODAY + timedelta(days=3))
    s.milestones.complete_milestone(school.admin, m, school.other_student.id)  # done by the other one
    d = s.analytics.dashboard(school.parent, now=NOW)
    assert [(x.student_id, x.milestone_id) for x in d.children[0].due_soon] == [(school.student.id, m)]


def test_staff_dashboards_carry_no_learner_lists(school: School) -> None:
    _session(school, school.chess, NOW + timedelta(days=1))
    d = school.services.analytics.dashboard(school.teacher, now=NOW)
    assert d.upcoming == [] and d.due_soon == [] and d.children == []


def test_student_calendar_lists_only_their_own_activities(school: School) -> None:
    cal = school.services.calendar
    chess = _session(school, school.chess, NOW + timedelta(days=1))
    drama = _session(school, school.drama, NOW + timedelta(days=1))
    seen = cal.list_sessions(school.student, None, TODAY, TODAY + timedelta(days=7))
    assert [x.id for x in seen] == [chess]
    parent = cal.list_sessions(school.parent, None, TODAY, TODAY + timedelta(days=7))
    assert [x.id for x in parent] == [chess]
    other = cal.list_sessions(school.other_student, None, TODAY, TODAY + timedelta(days=7))
    assert {x.id for x in other} == {chess, drama}
    with pytest.raises(PermissionDenied):
        cal.list_sessions(school.student, school.drama, TODAY, TODAY + timedelta(days=7))


def test_students_and_parents_cannot_change_the_calendar(school: School) -> None:
    sid = _session(school, school.chess, NOW + timedelta(days=1))
    for who in (school.student, school.parent):
        with pytest.raises(PermissionDenied):
            school.services.calendar.cancel_session(who, sid, "no")
        assert [a.name for a in school.services.activities.list_activities(who)] == ["Chess Club"]
        assert not can_ever(who.role, Permission.MANAGE_SCHEDULE)
