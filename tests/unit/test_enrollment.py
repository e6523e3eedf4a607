"""Enrollment rules: capacity and waitlist, offers, drop / re-enroll, history, completion by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, School
from tracker.db.models import (
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    AuditEntry,
    Notification,
)
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.policy import Actor
from tracker.errors import NotFound, PermissionDenied, ValidationError
from tracker.services.activities import ActivityInput
from tracker.services.people import UserInput


def students(school: School, n: int, prefix: str = "kid") -> list[int]:
    out = []
    for i in range(n):
        info = school.services.people.create_user(
            school.admin, UserInput(f"{prefix}{i}", f"{prefix.title()} {i:02d}", Role.STUDENT,
                                    password=PASSWORD, class_name="9Z", student_number=f"{prefix}-{i}"))
        out.append(info.id)
    return out


def small_club(school: School, capacity: int | None = 2) -> int:
    return school.services.activities.create_activity(
        school.admin, ActivityInput("Robotics", capacity=capacity, lead_ids=[school.teacher.id])).id


def statuses(school: School, activity: int) -> dict[int, tuple[ProgressStatus, int | None]]:
    return {r.student_id: (r.status, r.waitlist_position)
            for r in school.services.enrollment.roster(school.admin, activity)}


def test_capacity_fills_then_students_join_the_waitlist_in_order(school: School) -> None:
    club = small_club(school, capacity=2)
    a, b, c, d = students(school, 4)
    out = school.services.enrollment.enroll(school.teacher, club, [a, b, c, d])
    assert [(o.outcome, o.waitlist_position) for o in out] == [
        ("enrolled", None), ("enrolled", None), ("waitlisted", 1), ("waitlisted", 2)]
    assert statuses(school, club)[d] == (ProgressStatus.WAITLISTED, 2)
    again = school.services.enrollment.enroll(school.teacher, club, [a])
    assert again[0].outcome == "already"
    assert school.services.enrollment.places(school.teacher, club).free == 0


def test_no_capacity_means_everyone_gets_a_place(school: School) -> None:
    club = small_club(school, capacity=None)
    out = school.services.enrollment.enroll(school.admin, club, students(school, 5))
    assert {o.outcome for o in out} == {"enrolled"}


def test_freed_place_is_offered_to_the_first_in_line_and_promotion_takes_it(school: School) -> None:
    svc = school.services.enrollment
    club = small_club(school, capacity=1)
    a, b, c = students(school, 3)
    svc.enroll(school.teacher, club, [a, b, c])
    assert svc.next_waitlisted(school.teacher, club).id == b
    with pytest.raises(ValidationError):  # full: nobody can be promoted yet
        svc.promote_from_waitlist(school.teacher, club, b)
    result = svc.drop(school.teacher, club, a, "Moved school", date.today())
    assert result.offer is not None and result.offer.student_id == b
    with read_only(school.services.db) as s:
        note = s.scalar(select(Notification).where(Notification.user_id == school.teacher.id))
        assert note is not None and note.kind == "waitlist_offer" and "Kid 01" in note.body
    svc.promote_from_waitlist(school.teacher, club, b)
    assert statuses(school, club) == {a: (ProgressStatus.DROPPED, None), b: (ProgressStatus.ACTIVE, None),
                                      c: (ProgressStatus.WAITLISTED, 1)}


def test_dropping_a_waitlisted_student_closes_the_gap(school: School) -> None:
    svc = school.services.enrollment
    club = small_club(school, capacity=1)
    a, b, c, d = students(school, 4)
    svc.enroll(school.admin, club, [a, b, c, d])
    result = svc.drop(school.admin, club, b, "Changed their mind", date.today())
    assert result.offer is None  # no place was freed
    assert statuses(school, club)[c] == (ProgressStatus.WAITLISTED, 1)
    assert statuses(school, club)[d] == (ProgressStatus.WAITLISTED, 2)


def test_drop_needs_a_reason_and_a_date_not_in_the_future(school: School) -> None:
    svc = school.services.enrollment
    chess, sam = school.chess, school.student.id
    with pytest.raises(ValidationError) as err:
        svc.drop(school.teacher, chess, sam, "  ", None)
    assert {p.field for p in err.value.problems} == {"reason", "date"}
    with pytest.raises(ValidationError, match="future"):
        svc.drop(school.teacher, chess, sam, "Injury", date.today() + timedelta(days=1))
    svc.drop(school.teacher, chess, sam, "Injury", date.today())
    row = statuses(school, chess)[sam]
    assert row[0] is ProgressStatus.DROPPED
    with pytest.raises(ValidationError, match="already"):
        svc.drop(school.teacher, chess, sam, "Again", date.today())


def test_drop_date_cannot_be_before_enrollment(school: School) -> None:
    svc = school.services.enrollment
    club = small_club(school, capacity=None)
    (a,) = students(school, 1)
    svc.enroll(school.admin, club, [a], enrolled_on=date.today() - timedelta(days=3))
    with pytest.raises(ValidationError, match="before the enrollment"):
        svc.drop(school.admin, club, a, "Left", date.today() - timedelta(days=10))


def test_dropped_student_re_enrolls_and_history_keeps_who_and_when(school: School) -> None:
    svc = school.services.enrollment
    chess, sam = school.chess, school.student.id
    svc.drop(school.teacher, chess, sam, "Exams", date.today())
    with pytest.raises(ValidationError):
        svc.reenroll(school.teacher, chess, school.other_student.id)  # active, not dropped
    out = svc.reenroll(school.teacher, chess, sam)
    assert out.outcome == "re-enrolled" and out.status is ProgressStatus.ACTIVE
    history = svc.status_history(school.teacher, chess, sam)
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, "active"), ("active", "dropped"), ("dropped", "active")]
    assert history[1].changed_by == "Tina Teacher" and history[1].note == "Exams"
    assert all(isinstance(h.changed_at, datetime) for h in history)
    row = next(r for r in svc.roster(school.admin, chess) if r.student_id == sam)
    assert row.dropped_on is None and row.drop_reason is None and row.enrolled_on == date.today()


def test_enrolling_a_dropped_student_re_enrolls_them_to_the_waitlist_when_full(school: School) -> None:
    svc = school.services.enrollment
    club = small_club(school, capacity=1)
    a, b = students(school, 2)
    svc.enroll(school.admin, club, [a])
    svc.drop(school.admin, club, a, "Ill", date.today())
    svc.enroll(school.admin, club, [b])
    out = svc.enroll(school.admin, club, [a])
    assert (out[0].outcome, out[0].waitlist_position) == ("waitlisted", 1)


def test_every_change_is_audited(school: School) -> None:
    svc = school.services.enrollment
    club = small_club(school, capacity=1)
    a, b = students(school, 2)
    svc.enroll(school.teacher, club, [a, b])
    svc.drop(school.teacher, club, a, "Left", date.today())
    svc.promote_from_waitlist(school.teacher, club, b)
    svc.set_completed_by_hand(school.teacher, club, b, "Showed the robot at the fair")
    with read_only(school.services.db) as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "activity_progress",
                                                                AuditEntry.actor_id == school.teacher.id)
                                 .order_by(AuditEntry.id)))
    assert actions == ["enroll", "enroll", "drop", "promote", "complete_by_hand"]


def test_completion_by_hand_needs_a_note_and_sticks(school: School) -> None:
    svc = school.services.enrollment
    chess, sam = school.chess, school.student.id
    with pytest.raises(ValidationError, match="note"):
        svc.set_completed_by_hand(school.teacher, chess, sam, " ")
    row = svc.set_completed_by_hand(school.teacher, chess, sam, "Organised the tournament")
    assert row.status is ProgressStatus.COMPLETED and row.status_manual
    assert svc.status_history(school.teacher, chess, sam)[-1].note == "Organised the tournament"
    with pytest.raises(ValidationError, match="Only an active"):
        svc.set_completed_by_hand(school.teacher, chess, sam, "twice")


def test_only_students_who_exist_and_are_active_can_be_enrolled(school: School) -> None:
    svc = school.services.enrollment
    with pytest.raises(ValidationError) as err:
        svc.enroll(school.admin, school.chess, [school.teacher.id, 99999])
    assert len(err.value.problems) == 2
    with pytest.raises(ValidationError):
        svc.enroll(school.admin, school.chess, [])
    with pytest.raises(NotFound):
        svc.enroll(school.admin, 4242, [school.student.id])


def test_teacher_manages_only_the_rosters_of_activities_they_lead(school: School) -> None:
    svc = school.services.enrollment
    (a,) = students(school, 1)
    with pytest.raises(PermissionDenied):
        svc.enroll(school.teacher, school.drama, [a])
    with pytest.raises(PermissionDenied):
        svc.roster(school.teacher, school.drama)
    with pytest.raises(PermissionDenied):
        svc.drop(school.teacher, school.drama, school.other_student.id, "x", date.today())
    with pytest.raises(PermissionDenied):
        svc.search_students(school.teacher, school.drama, "kid")
    for who in (school.student, school.parent):
        with pytest.raises(PermissionDenied):
            svc.roster(who, school.chess)


def test_teacher_finds_any_student_to_enroll_by_name_number_or_class(school: School) -> None:
    svc = school.services.enrollment
    ids = students(school, 3)
    found = svc.search_students(school.teacher, school.chess, "9z")
    assert {m.id for m in found} == set(ids)
    assert [m.name for m in svc.search_students(school.teacher, school.chess, "kid-2")] == ["Kid 02"]
    sam = svc.search_students(school.teacher, school.chess, "sam")
    assert sam[0].status is ProgressStatus.ACTIVE  # already enrolled there
    assert len(svc.search_students(school.teacher, school.chess, "", limit=2)) == 2
    assert not any(m.id == school.teacher.id for m in svc.search_students(school.admin, school.chess, ""))


def _session(tx, activity: int, day: date) -> int:  # type: ignore[no-untyped-def]
    start = datetime.combine(day, datetime.min.time()).replace(hour=15)
    s = ActivitySession(activity_id=activity, starts_at=start, ends_at=start + timedelta(hours=1))
    tx.session.add(s)
    tx.session.flush()
    return s.id


def test_sessions_before_the_enrollment_date_never_count(school: School) -> None:
    svc = school.services.enrollment
    club = small_club(school, capacity=None)
    early, late = students(school, 2)
    today = date.today()
    svc.enroll(school.admin, club, [early], enrolled_on=today - timedelta(days=20))
    svc.enroll(school.admin, club, [late], enrolled_on=today - timedelta(days=5))
    with unit_of_work(school.services.db) as tx:
        absent = tx.session.scalar(select(AttendanceStatus.id).where(AttendanceStatus.code == "A"))
        present = tx.session.scalar(select(AttendanceStatus.id).where(AttendanceStatus.code == "P"))
        before = _session(tx, club, today - timedelta(days=10))  # before `late` joined
        after = _session(tx, club, today - timedelta(days=2))
        for sid, status in ((before, absent), (after, present)):
            for student in (early, late):
                tx.session.add(AttendanceRecord(session_id=sid, student_id=student, status_id=status))
    rows = {r.student_id: r for r in svc.roster(school.admin, club)}
    assert rows[early].attendance_rate == pytest.approx(50.0) and rows[early].sessions_held == 2
    assert rows[late].attendance_rate == pytest.approx(100.0) and rows[late].sessions_held == 1


def test_roster_is_built_in_a_few_queries(school: School) -> None:
    from sqlalchemy import event

    club = small_club(school, capacity=None)
    school.services.enrollment.enroll(school.admin, club, students(school, 12))
    engine = school.services.db.engine
    count = 0

    def seen(*_a: object) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", seen)
    try:
        rows = school.services.enrollment.roster(school.admin, club)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(rows) == 12
    assert count <= 12  # independent of the number of students


def test_roster_rows_carry_profile_and_figures(school: School) -> None:
    rows = school.services.enrollment.roster(school.teacher, school.chess)
    sam = next(r for r in rows if r.student_id == school.student.id)
    assert (sam.name, sam.grade, sam.class_name, sam.student_number) == ("Sam Student", "7", "7B", "S001")
    assert sam.status is ProgressStatus.ACTIVE and sam.progress_percentage == 0.0


def test_a_disabled_teacher_cannot_enroll(school: School) -> None:
    school.services.people.set_active(school.admin, school.teacher.id, False)
    with pytest.raises(PermissionDenied):
        school.services.enrollment.enroll(school.teacher, school.chess, [school.student.id])
    with read_only(school.services.db) as s:
        assert s.scalar(select(func.count(Notification.id))) == 0


def test_co_lead_can_enroll(school: School) -> None:
    s = school.services
    s.activities.update_activity(school.admin, school.drama, ActivityInput(
        "Drama", lead_ids=[school.other_teacher.id], co_lead_ids=[school.teacher.id]))
    out = s.enrollment.enroll(school.teacher, school.drama, [school.student.id])
    assert out[0].outcome == "enrolled"
    actor = Actor(school.teacher.id, "tina", "Tina Teacher", Role.TEACHER)
    assert s.enrollment.roster(actor, school.drama)
