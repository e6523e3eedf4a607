"""The session calendar service: patterns, regeneration, holidays, single-session exceptions."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from tracker.db.models import ActivitySession, AttendanceRecord, AttendanceStatus, AuditEntry
from tracker.db.uow import read_only, unit_of_work
from tracker.errors import NotFound, PermissionDenied, ValidationError
from tracker.services.activities import ActivityInput
from tracker.services.calendar import ScheduleInput

MON, TUE, WED, THU = 0, 1, 2, 3
MARCH = (date(2026, 3, 1), date(2026, 4, 1))


def weekly(days=(MON, WED), start="15:30", end="16:30", first=date(2026, 3, 2), last=date(2026, 3, 31),
           location="Room 12"):
    return ScheduleInput(list(days), time.fromisoformat(start), time.fromisoformat(end), first, last, location)


def starts(sessions):
    return [s.starts_at for s in sessions]


def mark_present(services, session_id, student_id):
    """Attendance is another issue's service; the calendar only needs a record to exist."""
    with unit_of_work(services.db) as tx:
        status = tx.session.scalar(select(AttendanceStatus.id).where(AttendanceStatus.code == "P"))
        tx.session.add(AttendanceRecord(session_id=session_id, student_id=student_id, status_id=status))


def test_a_teacher_adds_a_weekly_pattern_and_sessions_appear(school):
    cal = school.services.calendar
    info = cal.add_schedule(school.teacher, school.chess, weekly())
    assert info.weekdays == (MON, WED) and info.days_text == "Mon, Wed"
    sessions = cal.list_sessions(school.teacher, school.chess, *MARCH)
    assert len(sessions) == 9
    assert sessions[0].starts_at == datetime(2026, 3, 2, 15, 30)
    assert sessions[0].ends_at == datetime(2026, 3, 2, 16, 30)
    assert {s.location for s in sessions} == {"Room 12"}
    assert {s.activity_name for s in sessions} == {"Chess Club"}
    assert not any(s.cancelled or s.moved or s.has_attendance or s.extra for s in sessions)
    assert [s.id for s in cal.list_schedules(school.teacher, school.chess)] == [info.id]


def test_a_bad_pattern_is_refused_with_every_reason(school):
    with pytest.raises(ValidationError) as err:
        school.services.calendar.add_schedule(
            school.teacher, school.chess, weekly(days=(), start="17:00", end="16:00",
                                                 first=date(2026, 3, 31), last=date(2026, 3, 2)))
    fields = {p.field for p in err.value.problems}
    assert fields == {"weekdays", "end time", "end date"}
    assert school.services.calendar.list_sessions(school.admin, school.chess) == []


def test_patterns_stay_inside_the_activity_term(school):
    s = school.services
    s.activities.update_activity(school.admin, school.chess, ActivityInput(
        "Chess Club", lead_ids=[school.teacher.id], start_date=date(2026, 3, 9), end_date=date(2026, 3, 20)))
    with pytest.raises(ValidationError) as err:
        s.calendar.add_schedule(school.teacher, school.chess, weekly())
    assert {p.field for p in err.value.problems} == {"start date", "end date"}
    s.calendar.add_schedule(school.teacher, school.chess, weekly(first=date(2026, 3, 9), last=date(2026, 3, 20)))


def test_editing_the_pattern_regenerates_but_never_touches_sessions_with_attendance(school):
    cal = school.services.calendar
    info = cal.add_schedule(school.teacher, school.chess, weekly())
    first, second = cal.list_sessions(school.teacher, school.chess, *MARCH)[:2]
    mark_present(school.services, first.id, school.student.id)
    cal.update_schedule(school.teacher, info.id, weekly(days=(TUE,), start="16:00", end="17:15"))
    sessions = cal.list_sessions(school.teacher, school.chess, *MARCH)
    kept = [s for s in sessions if s.has_attendance]
    assert [(s.id, s.starts_at, s.ends_at) for s in kept] == [(first.id, first.starts_at, first.ends_at)]
    assert second.id not in {s.id for s in sessions}
    new = [s for s in sessions if not s.has_attendance]
    assert starts(new) == [datetime(2026, 3, d, 16, 0) for d in (3, 10, 17, 24, 31)]
    assert {s.ends_at.time() for s in new} == {time(17, 15)}


def test_changing_only_the_time_keeps_the_same_sessions(school):
    cal = school.services.calendar
    info = cal.add_schedule(school.teacher, school.chess, weekly())
    before = cal.list_sessions(school.teacher, school.chess, *MARCH)
    cal.update_schedule(school.teacher, info.id, weekly(start="15:45", end="16:45", location="Library"))
    after = cal.list_sessions(school.teacher, school.chess, *MARCH)
    assert [s.id for s in after] == [s.id for s in before]
    assert {(s.starts_at.time(), s.location) for s in after} == {(time(15, 45), "Library")}


def test_regenerating_keeps_moved_and_cancelled_exceptions(school):
    cal = school.services.calendar
    info = cal.add_schedule(school.teacher, school.chess, weekly())
    s1, s2 = cal.list_sessions(school.teacher, school.chess, *MARCH)[:2]
    moved = cal.move_session(school.teacher, s1.id, datetime(2026, 3, 3, 12, 0), datetime(2026, 3, 3, 13, 0))
    assert moved.moved and moved.original_starts_at == datetime(2026, 3, 2, 15, 30)
    cal.cancel_session(school.teacher, s2.id, "Teacher on a trip")
    cal.update_schedule(school.teacher, info.id, weekly(location="Hall"))
    after = {s.id: s for s in cal.list_sessions(school.teacher, school.chess, *MARCH)}
    assert after[s1.id].starts_at == datetime(2026, 3, 3, 12, 0) and after[s1.id].moved
    assert after[s2.id].cancelled and after[s2.id].note == "Teacher on a trip"
    assert len(after) == 9


def test_a_session_moved_back_is_no_longer_marked_moved(school):
    cal = school.services.calendar
    cal.add_schedule(school.teacher, school.chess, weekly())
    s1 = cal.list_sessions(school.teacher, school.chess, *MARCH)[0]
    cal.move_session(school.teacher, s1.id, datetime(2026, 3, 3, 12), datetime(2026, 3, 3, 13))
    back = cal.move_session(school.teacher, s1.id, s1.starts_at, s1.ends_at)
    assert not back.moved and back.original_starts_at is None


def test_moving_checks_the_times(school):
    cal = school.services.calendar
    session = cal.add_extra_session(school.teacher, school.chess, datetime(2026, 3, 7, 10), datetime(2026, 3, 7, 12))
    with pytest.raises(ValidationError) as err:
        cal.move_session(school.teacher, session.id, datetime(2026, 3, 7, 12), datetime(2026, 3, 7, 11))
    assert err.value.problems[0].field == "end"


def test_cancel_and_restore(school):
    cal = school.services.calendar
    cal.add_schedule(school.teacher, school.chess, weekly())
    s1 = cal.list_sessions(school.teacher, school.chess, *MARCH)[0]
    assert cal.cancel_session(school.teacher, s1.id, "Snow day").cancelled
    restored = cal.restore_session(school.teacher, s1.id)
    assert not restored.cancelled and restored.note == ""


def test_a_session_with_attendance_cannot_be_cancelled(school):
    cal = school.services.calendar
    cal.add_schedule(school.teacher, school.chess, weekly())
    s1 = cal.list_sessions(school.teacher, school.chess, *MARCH)[0]
    mark_present(school.services, s1.id, school.student.id)
    with pytest.raises(ValidationError, match="attendance"):
        cal.cancel_session(school.teacher, s1.id, "oops")


def test_extra_one_off_sessions(school):
    cal = school.services.calendar
    extra = cal.add_extra_session(school.teacher, school.chess, datetime(2026, 3, 7, 10), datetime(2026, 3, 7, 13),
                                  "Town hall", "Tournament")
    assert extra.extra and extra.location == "Town hall" and extra.note == "Tournament"
    cal.add_schedule(school.teacher, school.chess, weekly())
    assert extra.id in {s.id for s in cal.list_sessions(school.teacher, school.chess, *MARCH)}
    cal.delete_session(school.teacher, extra.id)
    assert extra.id not in {s.id for s in cal.list_sessions(school.teacher, school.chess, *MARCH)}


def test_a_pattern_session_is_cancelled_not_deleted(school):
    cal = school.services.calendar
    cal.add_schedule(school.teacher, school.chess, weekly())
    s1 = cal.list_sessions(school.teacher, school.chess, *MARCH)[0]
    with pytest.raises(ValidationError, match="cancel it instead"):
        cal.delete_session(school.teacher, s1.id)


def test_deleting_a_pattern_keeps_sessions_with_attendance(school):
    cal = school.services.calendar
    info = cal.add_schedule(school.teacher, school.chess, weekly())
    s1 = cal.list_sessions(school.teacher, school.chess, *MARCH)[0]
    mark_present(school.services, s1.id, school.student.id)
    result = cal.delete_schedule(school.teacher, info.id)
    assert (result.removed, result.kept) == (8, 1)
    left = cal.list_sessions(school.teacher, school.chess, *MARCH)
    assert [(s.id, s.extra) for s in left] == [(s1.id, True)]


def test_holidays_remove_generated_sessions_and_come_back_when_removed(school):
    cal = school.services.calendar
    cal.add_schedule(school.teacher, school.chess, weekly())
    cal.add_schedule(school.other_teacher, school.drama, weekly(days=(WED,)))
    extra = cal.add_extra_session(school.teacher, school.chess, datetime(2026, 3, 4, 9), datetime(2026, 3, 4, 10))
    holiday = cal.add_holiday(school.admin, date(2026, 3, 4), "Staff training day")
    days = {s.starts_at.date() for s in cal.list_sessions(school.admin, None, *MARCH) if not s.extra}
    assert date(2026, 3, 4) not in days
    assert extra.id in {s.id for s in cal.list_sessions(school.admin, school.chess, *MARCH)}
    assert [(h.day, h.name) for h in cal.list_holidays(school.teacher)] == [(date(2026, 3, 4), "Staff training day")]
    cal.remove_holiday(school.admin, holiday.id)
    on_day = [s for s in cal.list_sessions(school.admin, None, date(2026, 3, 4), date(2026, 3, 5)) if not s.extra]
    assert sorted(s.activity_name for s in on_day) == ["Chess Club", "Drama"]


def test_a_holiday_keeps_a_session_that_already_has_attendance(school):
    cal = school.services.calendar
    cal.add_schedule(school.teacher, school.chess, weekly())
    s2 = cal.list_sessions(school.teacher, school.chess, *MARCH)[1]
    mark_present(school.services, s2.id, school.student.id)
    cal.add_holiday(school.admin, s2.starts_at.date(), "Closed")
    assert s2.id in {s.id for s in cal.list_sessions(school.teacher, school.chess, *MARCH)}


def test_new_patterns_skip_existing_holidays(school):
    cal = school.services.calendar
    cal.add_holiday(school.admin, date(2026, 3, 9), "Closed")
    cal.add_schedule(school.teacher, school.chess, weekly(days=(MON,)))
    assert [s.starts_at.day for s in cal.list_sessions(school.teacher, school.chess, *MARCH)] == [2, 16, 23, 30]


def test_the_same_holiday_twice_is_refused(school):
    cal = school.services.calendar
    cal.add_holiday(school.admin, date(2026, 3, 9))
    with pytest.raises(ValidationError, match="already a holiday"):
        cal.add_holiday(school.admin, date(2026, 3, 9))


def test_teacher_calendar_lists_only_the_activities_they_lead(school):
    cal = school.services.calendar
    cal.add_schedule(school.teacher, school.chess, weekly())
    cal.add_schedule(school.other_teacher, school.drama, weekly(days=(THU,)))
    assert {s.activity_name for s in cal.list_sessions(school.teacher, None, *MARCH)} == {"Chess Club"}
    assert {s.activity_name for s in cal.list_sessions(school.admin, None, *MARCH)} == {"Chess Club", "Drama"}
    # a student sees the activities they are enrolled in; the parent those of their child
    assert {s.activity_name for s in cal.list_sessions(school.other_student, None, *MARCH)} == {"Chess Club", "Drama"}
    assert {s.activity_name for s in cal.list_sessions(school.parent, None, *MARCH)} == {"Chess Club"}


def test_list_sessions_range_is_start_inclusive_end_exclusive(school):
    cal = school.services.calendar
    cal.add_schedule(school.teacher, school.chess, weekly())
    got = cal.list_sessions(school.teacher, school.chess, date(2026, 3, 2), date(2026, 3, 4))
    assert starts(got) == [datetime(2026, 3, 2, 15, 30)]


def test_teacher_of_another_activity_may_not_change_its_schedule(school):
    cal = school.services.calendar
    info = cal.add_schedule(school.teacher, school.chess, weekly())
    session = cal.list_sessions(school.teacher, school.chess, *MARCH)[0]
    for call in (
        lambda: cal.add_schedule(school.other_teacher, school.chess, weekly()),
        lambda: cal.update_schedule(school.other_teacher, info.id, weekly()),
        lambda: cal.delete_schedule(school.other_teacher, info.id),
        lambda: cal.cancel_session(school.other_teacher, session.id, "no"),
        lambda: cal.move_session(school.other_teacher, session.id, datetime(2026, 3, 3, 9), datetime(2026, 3, 3, 10)),
        lambda: cal.add_extra_session(school.other_teacher, school.chess, datetime(2026, 3, 3, 9),
                                      datetime(2026, 3, 3, 10)),
        lambda: cal.list_sessions(school.other_teacher, school.chess),
    ):
        with pytest.raises(PermissionDenied):
            call()


@pytest.mark.parametrize("who", ["student", "parent"])
def test_students_and_parents_read_but_never_edit(school, who):
    cal = school.services.calendar
    actor = getattr(school, who)
    info = cal.add_schedule(school.teacher, school.chess, weekly())
    assert len(cal.list_sessions(actor, school.chess, *MARCH)) == 9
    assert len(cal.list_schedules(actor, school.chess)) == 1
    session = cal.list_sessions(actor, school.chess, *MARCH)[0]
    for call in (
        lambda: cal.add_schedule(actor, school.chess, weekly()),
        lambda: cal.update_schedule(actor, info.id, weekly()),
        lambda: cal.cancel_session(actor, session.id, "no"),
        lambda: cal.add_holiday(actor, date(2026, 3, 10)),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_only_admins_manage_holidays(school):
    with pytest.raises(PermissionDenied):
        school.services.calendar.add_holiday(school.teacher, date(2026, 3, 10), "Mine")


def test_unknown_ids_are_not_found(school):
    cal = school.services.calendar
    with pytest.raises(NotFound):
        cal.cancel_session(school.admin, 999_999, "")
    with pytest.raises(NotFound):
        cal.update_schedule(school.admin, 999_999, weekly())
    with pytest.raises(NotFound):
        cal.list_sessions(school.admin, 999_999)


def test_writes_are_audited_and_report_session_changes(school):
    cal = school.services.calendar
    with read_only(school.services.db) as s:
        before = s.scalar(select(func.count(AuditEntry.id)))
    info = cal.add_schedule(school.teacher, school.chess, weekly())
    session = cal.list_sessions(school.teacher, school.chess, *MARCH)[0]
    cal.cancel_session(school.teacher, session.id, "Rain")
    with read_only(school.services.db) as s:
        entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(before)))
        assert [(e.action, e.entity) for e in entries] == [("create", "schedule"), ("cancel", "session")]
        assert entries[0].entity_id == info.id and entries[0].actor_id == school.teacher.id
        assert s.scalar(select(func.count(ActivitySession.id))) == 9
