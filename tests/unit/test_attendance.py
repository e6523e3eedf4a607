"""Attendance (issue 4, service side): the rate rule, the grid, all-or-nothing writes, conflicts,
"mark the rest present", completion by attendance, statuses, permissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from tracker.db.models import AttendanceRecord, AuditEntry
from tracker.db.uow import read_only
from tracker.domain.attendance import StatusRule, row_figures
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.policy import Actor
from tracker.errors import NotFound, PermissionDenied, ValidationError
from tracker.services.activities import ActivityInput
from tracker.services.attendance import (
    NO_MARK,
    NOT_APPLICABLE,
    AttendanceConflict,
    AttendanceGrid,
    MarkChange,
)
from tracker.services.people import UserInput
from tracker.services.progress_rows import progress_rows

TODAY = date.today()


def at(days_ago: int, hour: int = 9) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour))


@dataclass
class Club:
    school: object
    admin: Actor
    teacher: Actor
    activity: int
    sessions: list[int]  # held, oldest first: 20, 16, 12, 8, 4, 1 days ago
    cancelled: int  # 10 days ago
    future: int  # in 3 days
    sam: int  # enrolled 30 days ago
    olga: int  # enrolled 30 days ago
    late: int  # enrolled 10 days ago
    codes: dict[str, int]

    @property
    def svc(self):  # type: ignore[no-untyped-def]
        return self.school.services.attendance  # type: ignore[attr-defined]

    def mark(self, session: int, student: int, code: str | None, **kw: object) -> None:
        status = None if code is None else self.codes[code]
        self.svc.apply(self.teacher, [MarkChange(session, student, status, check_version=False, **kw)])

    def grid(self) -> AttendanceGrid:
        return self.svc.grid(self.teacher, self.activity)


def make_club(school, min_attendance_pct: float | None = None) -> Club:  # type: ignore[no-untyped-def]
    s, admin = school.services, school.admin
    act = s.activities.create_activity(admin, ActivityInput(
        "Athletics", lead_ids=[school.teacher.id], min_attendance_pct=min_attendance_pct))
    late = s.people.create_user(admin, UserInput("lou", "Lou Late", Role.STUDENT, class_name="7C"))
    s.enrollment.enroll(admin, act.id, [school.student.id, school.other_student.id],
                        enrolled_on=TODAY - timedelta(days=30))
    s.enrollment.enroll(admin, act.id, [late.id], enrolled_on=TODAY - timedelta(days=10))
    cal = s.calendar
    held = [cal.add_extra_session(admin, act.id, at(d), at(d, 10), location="Track").id
            for d in (20, 16, 12, 8, 4, 1)]
    cancelled = cal.add_extra_session(admin, act.id, at(10), at(10, 10)).id
    cal.cancel_session(admin, cancelled, "Rain")
    future = cal.add_extra_session(admin, act.id, at(-3), at(-3, 10)).id
    codes = {st.code: st.id for st in s.attendance.statuses(admin)}
    return Club(school, admin, school.teacher, act.id, held, cancelled, future, school.student.id,
                school.other_student.id, late.id, codes)


@pytest.fixture
def club(school) -> Club:  # type: ignore[no-untyped-def]
    return make_club(school)


def rates_from_progress(club: Club) -> dict[int, float | None]:
    with read_only(club.school.services.db) as s:  # type: ignore[attr-defined]
        return {r.user_id: r.attendance_rate for r in progress_rows(s, activity_ids=[club.activity])}


def cell(grid: AttendanceGrid, student: int, session: int) -> int:
    row = [st.id for st in grid.students].index(student)
    col = [x.id for x in grid.sessions].index(session)
    return grid.cells[grid.index(row, col)]


def records(club: Club) -> int:
    with read_only(club.school.services.db) as s:  # type: ignore[attr-defined]
        return s.scalar(select(func.count(AttendanceRecord.id))) or 0


# --------------------------------------------------------------------------- the rate rule


def test_sessions_before_enrollment_and_cancelled_ones_are_greyed_and_never_count(club):
    for sid in club.sessions:
        club.mark(sid, club.sam, "P")
    for sid in club.sessions[3:]:  # 8, 4, 1 days ago: after Lou enrolled
        club.mark(sid, club.late, "A")
    g = club.grid()
    assert [cell(g, club.late, sid) for sid in club.sessions[:3]] == [NOT_APPLICABLE] * 3
    assert cell(g, club.sam, club.cancelled) == NOT_APPLICABLE
    assert cell(g, club.olga, club.future) == NO_MARK  # in the window; cannot be marked before it starts
    with pytest.raises(ValidationError, match="outside the student's enrollment"):
        club.mark(club.sessions[0], club.late, "P")
    with pytest.raises(ValidationError, match="cancelled"):
        club.mark(club.cancelled, club.sam, "P")
    rates = dict(zip([st.id for st in g.students], g.rates, strict=True))
    assert rates[club.sam] == 100.0
    assert rates[club.late] == 0.0
    assert rates[club.olga] is None  # unmarked sessions do not count
    assert rates == rates_from_progress(club)


def test_excused_does_not_count_against_the_rate(club):
    for sid, code in zip(club.sessions, "PEAPEE", strict=True):
        club.mark(sid, club.sam, code)
    g = club.grid()
    row = [st.id for st in g.students].index(club.sam)
    assert g.rates[row] == 66.7  # P, A, P: two of three that count
    assert rates_from_progress(club)[club.sam] == 66.7


def test_a_future_session_cannot_be_marked_and_nothing_is_saved(club):
    with pytest.raises(ValidationError) as err:
        club.svc.apply(club.teacher, [MarkChange(club.sessions[-1], club.sam, club.codes["P"]),
                                      MarkChange(club.future, club.sam, club.codes["E"])])
    message = str(err.value)
    assert "has not started yet" in message and "15 minutes before it starts" in message
    assert "Nothing was saved" in message
    assert records(club) == 0
    with pytest.raises(ValidationError, match="has not started yet"):
        club.svc.mark_rest_present(club.teacher, club.future)
    assert records(club) == 0


def test_a_session_can_be_marked_from_15_minutes_before_it_starts(club):
    start = at(-3)
    mark = [MarkChange(club.future, club.sam, club.codes["P"], check_version=False)]
    with pytest.raises(ValidationError, match="from 15 minutes before it starts"):
        club.svc.apply(club.teacher, mark, now=start - timedelta(minutes=16))
    (saved,) = club.svc.apply(club.teacher, mark, now=start - timedelta(minutes=15))
    assert saved.status_id == club.codes["P"]
    with pytest.raises(ValidationError, match="has not started yet"):
        club.svc.mark_rest_present(club.teacher, club.future, now=start - timedelta(minutes=20))
    written = club.svc.mark_rest_present(club.teacher, club.future, now=start + timedelta(minutes=1))
    assert {m.student_id for m in written} == {club.olga, club.late}


def test_a_mark_made_ahead_counts_only_once_the_session_is_held_and_can_be_cleared(club):
    club.svc.apply(club.teacher, [MarkChange(club.future, club.sam, club.codes["A"])], now=at(-3))
    club.mark(club.sessions[0], club.sam, "P")
    assert rates_from_progress(club)[club.sam] == 100.0
    assert club.grid().rates[[st.id for st in club.grid().students].index(club.sam)] == 100.0
    club.mark(club.future, club.sam, None)  # clearing is not a mark: allowed before the session
    assert cell(club.grid(), club.sam, club.future) == NO_MARK


def test_the_grid_carries_the_minimum_its_rates_are_judged_against(school):
    assert make_club(school).grid().min_attendance == 75.0  # the default of the standing rule
    strict = school.services.activities.create_activity(school.admin, ActivityInput(
        "Strict", lead_ids=[school.teacher.id], min_attendance_pct=72.5))
    assert school.services.attendance.grid(school.teacher, strict.id).min_attendance == 72.5


def test_sessions_on_and_after_the_drop_day_are_not_applicable(club):
    s = club.school.services
    for sid in club.sessions:
        club.mark(sid, club.olga, "A")
    s.enrollment.drop(club.admin, club.activity, club.olga, "Moved away", TODAY - timedelta(days=8))
    g = club.grid()
    absent = [st.code for st in g.statuses].index("A")
    assert [cell(g, club.olga, sid) for sid in club.sessions] == [absent] * 3 + [NOT_APPLICABLE] * 3
    assert rates_from_progress(club)[club.olga] == 0.0
    row = [st.id for st in g.students].index(club.olga)
    assert g.rates[row] == 0.0 and g.consecutive_absences[row] == 3
    with pytest.raises(ValidationError):
        club.mark(club.sessions[-1], club.olga, "P")


def test_grid_rates_equal_progress_rows_for_every_student(club):
    pattern = {club.sam: "PLAPEA", club.olga: "AAPPLE", club.late: "PPPAAL"}
    for student, codes in pattern.items():
        for sid, code in zip(club.sessions, codes, strict=True):
            try:
                club.mark(sid, student, code)
            except ValidationError:
                pass  # Lou's first sessions are before enrolling
    g = club.grid()
    assert dict(zip([st.id for st in g.students], g.rates, strict=True)) == rates_from_progress(club)
    trailing = dict(zip([st.id for st in g.students], g.consecutive_absences, strict=True))
    assert trailing == {club.sam: 1, club.olga: 0, club.late: 0}  # P E A: excused is skipped
    col = [x.id for x in g.sessions].index(club.sessions[0])
    assert g.present_per_session[col] == 1  # Sam P, Olga A


def test_trailing_absences_skip_unmarked_and_excused():
    rules = [StatusRule(True, True), StatusRule(True, True), StatusRule(False, False),
             StatusRule(False, True)]  # P L E A
    figures = row_figures([0, 3, NO_MARK, 2, 3], rules)
    assert (figures.present, figures.counted, figures.trailing_absences) == (1, 3, 2)
    assert figures.rate == 33.3
    assert row_figures([NOT_APPLICABLE, NO_MARK], rules).rate is None


# --------------------------------------------------------------------------- writes


def test_mark_rest_present_never_overwrites(club):
    sid = club.sessions[-1]
    club.mark(sid, club.sam, "A", remark="Ill")
    written = club.svc.mark_rest_present(club.teacher, sid)
    assert {m.student_id for m in written} == {club.olga, club.late}
    sheet = club.svc.sheet(club.teacher, sid)
    assert sheet.marks[club.sam].status_id == club.codes["A"]
    assert sheet.marks[club.sam].remark == "Ill"
    assert {sheet.marks[x].status_id for x in (club.olga, club.late)} == {club.codes["P"]}
    assert club.svc.mark_rest_present(club.teacher, sid) == []  # nothing left to mark


def test_mark_rest_present_skips_students_not_enrolled_that_day(club):
    written = club.svc.mark_rest_present(club.teacher, club.sessions[0])
    assert {m.student_id for m in written} == {club.sam, club.olga}


def test_apply_is_all_or_nothing_one_bad_cell_writes_nothing(club):
    before = records(club)
    good = [MarkChange(sid, club.sam, club.codes["P"]) for sid in club.sessions]
    bad = MarkChange(club.sessions[0], club.late, club.codes["P"])  # before Lou enrolled
    with pytest.raises(ValidationError) as err:
        club.svc.apply(club.teacher, [*good, bad])
    assert "Nothing was saved" in str(err.value)
    assert records(club) == before
    with pytest.raises(ValidationError) as err:
        club.svc.apply(club.teacher, [MarkChange(club.sessions[0], club.sam, 9999),
                                      MarkChange(club.sessions[1], club.sam, club.codes["P"], participation=7)])
    assert len(err.value.problems) == 2
    assert records(club) == before


def test_conflict_tells_whose_mark_it_would_overwrite_and_writes_nothing(club):
    sid = club.sessions[-1]
    first = club.grid()  # both workstations read: no record
    second = club.grid()
    assert cell(first, club.sam, sid) == NO_MARK
    club.svc.apply(club.teacher, [MarkChange(sid, club.sam, club.codes["L"], expected_version=None)])
    with pytest.raises(AttendanceConflict) as err:
        club.svc.apply(club.admin, [MarkChange(sid, club.sam, club.codes["A"], expected_version=None),
                                    MarkChange(sid, club.olga, club.codes["A"], expected_version=None)])
    assert [m.status_id for m in err.value.current] == [club.codes["L"]]
    assert err.value.current[0].recorded_by == "Tina Teacher"
    assert "Tina Teacher marked Sam Student Late" in str(err.value)
    sheet = club.svc.sheet(club.admin, sid)
    assert sheet.marks[club.sam].status_id == club.codes["L"]
    assert club.olga not in sheet.marks  # nothing of the second call was written
    assert second is not first
    # the user chose to overwrite: the stored version, or no check at all
    version = err.value.current[0].version
    club.svc.apply(club.admin, [MarkChange(sid, club.sam, club.codes["A"], expected_version=version)])
    club.svc.apply(club.admin, [MarkChange(sid, club.sam, club.codes["P"], check_version=False)])
    assert club.svc.sheet(club.admin, sid).marks[club.sam].version == 3


def test_undo_of_a_first_mark_deletes_the_record(club):
    sid = club.sessions[-1]
    (mark,) = club.svc.apply(club.teacher, [MarkChange(sid, club.sam, club.codes["P"])])
    assert mark.version == 1 and mark.recorded_by == "Tina Teacher"
    (cleared,) = club.svc.apply(club.teacher, [MarkChange(sid, club.sam, None, expected_version=1)])
    assert cleared.status_id is None and cleared.version is None
    assert records(club) == 0
    assert cell(club.grid(), club.sam, sid) == NO_MARK
    with read_only(club.school.services.db) as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "attendance_record")))
    assert actions == ["mark", "clear"]


def test_participation_and_remark_are_kept_unless_given(club):
    sid = club.sessions[-1]
    club.mark(sid, club.sam, "P", participation=4, remark="  Great relay ")
    club.mark(sid, club.sam, "L")
    m = club.svc.sheet(club.teacher, sid).marks[club.sam]
    assert (m.status_id, m.participation, m.remark) == (club.codes["L"], 4, "Great relay")
    club.mark(sid, club.sam, "L", participation=0, remark="")
    m = club.svc.sheet(club.teacher, sid).marks[club.sam]
    assert (m.participation, m.remark, m.version) == (None, "", 3)
    g = club.grid()
    assert g.participation[g.index(0, 0)] in (0, 1, 2, 3, 4, 5)
    with pytest.raises(ValidationError):
        club.mark(sid, club.olga, None, remark="no status")


def test_completion_follows_attendance_across_the_minimum(school):
    club = make_club(school, min_attendance_pct=75)
    s = school.services

    def status() -> ProgressStatus:
        row = next(r for r in s.progress.activity_progress(club.admin, club.activity)
                   if r.user_id == club.sam)
        return row.status

    for sid in club.sessions[:3]:
        club.mark(sid, club.sam, "P")
    assert status() is ProgressStatus.COMPLETED  # no milestones: attendance is the rule
    club.mark(club.sessions[3], club.sam, "A")  # 3 of 4: 75 %
    assert status() is ProgressStatus.COMPLETED
    club.mark(club.sessions[4], club.sam, "A")  # 3 of 5: 60 %
    assert status() is ProgressStatus.ACTIVE
    club.mark(club.sessions[4], club.sam, "E")  # excused: back to 3 of 4
    assert status() is ProgressStatus.COMPLETED


# --------------------------------------------------------------------------- sessions and sheet


def test_sheet_lists_who_was_enrolled_that_day(club):
    early = club.svc.sheet(club.teacher, club.sessions[0])
    assert [st.id for st in early.students] == [club.olga, club.sam]  # by name
    assert early.session.location == "Track" and early.activity_name == "Athletics"
    late = club.svc.sheet(club.teacher, club.sessions[-1])
    assert {st.id for st in late.students} == {club.sam, club.olga, club.late}
    assert [st.code for st in late.statuses] == ["P", "L", "E", "A"]


def test_current_session_is_the_running_one_else_next_today_else_latest_held(club):
    s = club.school.services
    today_9 = datetime.combine(TODAY, time(9))
    running = s.calendar.add_extra_session(club.admin, club.activity, today_9, today_9 + timedelta(hours=1))
    later = s.calendar.add_extra_session(club.admin, club.activity, today_9 + timedelta(hours=6),
                                         today_9 + timedelta(hours=7))
    svc = club.svc
    assert svc.current_session(club.teacher, club.activity, now=today_9 + timedelta(minutes=5)).id == running.id
    assert svc.current_session(club.teacher, club.activity, now=today_9 + timedelta(hours=2)).id == later.id
    after = today_9 + timedelta(hours=8)
    assert svc.current_session(club.teacher, club.activity, now=after).id == later.id
    assert svc.current_session(club.teacher, club.activity, now=at(25)) is None
    assert [x.id for x in svc.sessions(club.teacher, club.activity)][0] == club.sessions[0]


# --------------------------------------------------------------------------- statuses


def test_admin_configures_statuses_with_validation(club):
    svc, admin = club.svc, club.admin
    with pytest.raises(ValidationError) as err:
        svc.save_status(admin, None, code="PP", label="", colour="green", counts_as_present=True,
                        counts_in_rate=True)
    assert {p.field for p in err.value.problems} == {"code", "label", "colour"}
    with pytest.raises(ValidationError, match="already used"):
        svc.save_status(admin, None, code="p", label="Present again", colour="#000000",
                        counts_as_present=True, counts_in_rate=True)
    remote = svc.save_status(admin, None, code="r", label="Remote", colour="#0072b2",
                             counts_as_present=True, counts_in_rate=True)
    assert (remote.code, remote.colour, remote.sort_order) == ("R", "#0072B2", 4)
    with pytest.raises(ValidationError, match="At least one active status"):
        for st in svc.statuses(admin):
            if st.counts_as_present:
                svc.save_status(admin, st.id, code=st.code, label=st.label, colour=st.colour,
                                counts_as_present=True, counts_in_rate=True, active=False)


def test_a_deactivated_status_keeps_old_records_readable_but_is_not_offered(club):
    sid = club.sessions[-1]
    club.mark(sid, club.sam, "L")
    late = next(st for st in club.svc.statuses(club.admin) if st.code == "L")
    club.svc.save_status(club.admin, late.id, code="L", label="Late", colour=late.colour,
                         counts_as_present=True, counts_in_rate=True, active=False)
    assert "L" not in [st.code for st in club.svc.statuses(club.teacher)]
    assert "L" in [st.code for st in club.svc.statuses(club.teacher, include_inactive=True)]
    g = club.grid()
    assert g.statuses[cell(g, club.sam, sid)].code == "L"
    club.mark(sid, club.sam, "L", remark="still fine")  # editing a record keeps its status
    with pytest.raises(ValidationError, match="no longer in use"):
        club.mark(sid, club.olga, "L")


def test_changing_how_a_status_counts_recomputes_completion(school):
    club = make_club(school, min_attendance_pct=75)
    for sid, code in zip(club.sessions[:4], "PPPE", strict=True):
        club.mark(sid, club.sam, code)
    club.mark(club.sessions[4], club.sam, "E")
    svc = club.svc
    excused = next(st for st in svc.statuses(club.admin) if st.code == "E")
    svc.save_status(club.admin, excused.id, code="E", label="Excused", colour=excused.colour,
                    counts_as_present=False, counts_in_rate=True)
    row = next(r for r in school.services.progress.activity_progress(club.admin, club.activity)
               if r.user_id == club.sam)
    assert row.attendance_rate == 60.0 and row.status is ProgressStatus.ACTIVE


# --------------------------------------------------------------------------- permissions


def test_only_the_leads_and_admins_take_attendance(club):
    school = club.school
    other = school.other_teacher  # type: ignore[attr-defined]
    sid = club.sessions[-1]
    for actor in (other, school.student, school.parent):  # type: ignore[attr-defined]
        with pytest.raises(PermissionDenied):
            club.svc.grid(actor, club.activity)
        with pytest.raises(PermissionDenied):
            club.svc.sheet(actor, sid)
        with pytest.raises(PermissionDenied):
            club.svc.apply(actor, [MarkChange(sid, club.sam, club.codes["P"])])
        with pytest.raises(PermissionDenied):
            club.svc.mark_rest_present(actor, sid)
    assert records(club) == 0
    assert [st.code for st in club.svc.statuses(school.student)] == ["P", "L", "E", "A"]  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        club.svc.save_status(club.teacher, None, code="X", label="X", colour="#000000",
                             counts_as_present=False, counts_in_rate=False)
    with pytest.raises(NotFound):
        club.svc.sheet(club.teacher, 99999)


def test_a_single_mark_is_judged_as_several_are(club):
    """One cell is read in one statement (with the actor's role and the two statuses concerned);
    what it refuses and why is what the read of several cells refuses."""
    sid, P, A = club.sessions[-1], club.codes["P"], club.codes["A"]
    cases = [
        (MarkChange(sid, club.sam, 99999), ValidationError, "Unknown attendance status"),
        (MarkChange(club.sessions[0], club.late, P), ValidationError, "outside the student's enrollment"),
        (MarkChange(club.cancelled, club.sam, P), ValidationError, "cancelled"),
        (MarkChange(sid, club.school.other_student.id + 1000, P), ValidationError, "not enrolled"),  # type: ignore[attr-defined]
        (MarkChange(99999, club.sam, P), NotFound, "No session with id 99999"),
    ]
    for change, error, words in cases:
        with pytest.raises(error, match=words):
            club.svc.apply(club.teacher, [change])
        with pytest.raises(error, match=words):  # the same among several cells
            club.svc.apply(club.teacher, [change, MarkChange(sid, club.olga, P)])
    assert records(club) == 0
    (first,) = club.svc.apply(club.teacher, [MarkChange(sid, club.sam, A)])
    (second,) = club.svc.apply(club.teacher, [MarkChange(sid, club.sam, P, expected_version=first.version)])
    assert (first.version, second.version, second.status_id) == (1, 2, P)
    with pytest.raises(AttendanceConflict):  # the version read with the cell
        club.svc.apply(club.teacher, [MarkChange(sid, club.sam, A, expected_version=first.version)])
    assert rates_from_progress(club)[club.sam] == 100.0


def test_a_single_mark_asks_the_database_for_the_role_each_time(club):
    """The role read with the cell is used for that mark only: an account disabled or demoted
    between two marks cannot make the second."""
    school, sid = club.school, club.sessions[-1]
    people = school.services.people  # type: ignore[attr-defined]
    club.mark(sid, club.sam, "P")
    people.set_active(club.admin, club.teacher.id, False)
    with pytest.raises(PermissionDenied, match="disabled"):
        club.mark(sid, club.olga, "P")
    people.set_active(club.admin, club.teacher.id, True)
    club.mark(sid, club.olga, "P")
    info = people.create_user(club.admin, UserInput("deputy", "Dee Deputy", Role.ADMIN, password="a long pass phrase"))
    deputy = school.services.auth.login("deputy", "a long pass phrase")  # type: ignore[attr-defined]
    club.svc.apply(deputy, [MarkChange(sid, club.late, club.codes["A"], check_version=False)])
    people.update_user(club.admin, info.id, UserInput("deputy", "Dee Deputy", Role.PARENT))
    with pytest.raises(PermissionDenied):
        club.svc.apply(deputy, [MarkChange(sid, club.late, club.codes["P"], check_version=False)])
    assert cell(club.grid(), club.late, sid) == [st.id for st in club.grid().statuses].index(club.codes["A"])


def test_grid_rates_equal_progress_rows_for_every_activity_of_a_demo_school(tmp_path):
    """Realistic data (late joiners, drops, cancelled and future sessions): the grid's rule in
    Python and the SQL of the dashboards agree for every enrollment."""
    from tracker.demo import DemoOptions, generate_demo
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    path = tmp_path / "demo.db"
    generate_demo(path, DemoOptions(students=60, seed=11))
    db, _ = open_database(path)
    try:
        services = Services(db)
        admin = services.auth.login("admin", "demo-pass-2026")
        with read_only(db) as s:
            expected = {(r.activity_id, r.user_id): r.attendance_rate for r in progress_rows(s)
                        if r.status is not ProgressStatus.WAITLISTED}
        got = {}
        for activity in services.activities.list_activities(admin):
            grid = services.attendance.grid(admin, activity.id)
            got.update({(activity.id, st.id): rate for st, rate in zip(grid.students, grid.rates, strict=True)})
            assert sum(grid.present_per_session) <= grid.cells.count(0) + grid.cells.count(1)
        assert got == expected
        assert any(rate is not None and rate < 100 for rate in got.values())
    finally:
        db.dispose()


@pytest.mark.parametrize("first_mark", [False, True], ids=["both-insert", "both-update"])
def test_two_workstations_racing_for_one_cell_on_sqlite_give_one_mark_and_one_conflict(
        club, monkeypatch, first_mark):
    import threading

    import tracker.services.attendance_marks as attendance_marks
    from tracker.services import Services

    services = club.school.services
    sid, version = club.sessions[-1], None
    if first_mark:
        version = club.svc.apply(club.teacher, [MarkChange(sid, club.sam, club.codes["P"])])[0].version
    other = Services(type(services.db).connect(services.db.url))
    # Each workstation pauses after reading the cell (its stored mark), so that both would write on what
    # they read. Writers are serialised (SQLite: BEGIN IMMEDIATE), so the second cannot even read
    # until the first has committed: the first one's pause ends without company.
    barrier = threading.Barrier(2, timeout=1)
    waited: set[int] = set()
    read = attendance_marks._read

    def read_then_wait(*args):  # type: ignore[no-untyped-def]
        result = read(*args)
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
        return result

    monkeypatch.setattr(attendance_marks, "_read", read_then_wait)
    outcomes: dict[str, object] = {}

    def mark(name: str, svc: Services, code: str) -> None:
        try:
            svc.attendance.apply(club.teacher, [MarkChange(sid, club.sam, club.codes[code],
                                                           expected_version=version)])
            outcomes[name] = "saved"
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcomes[name] = exc

    threads = [threading.Thread(target=mark, args=("a", services, "L")),
               threading.Thread(target=mark, args=("b", other, "A"))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        other.db.dispose()
    kinds = sorted(v if isinstance(v, str) else type(v).__name__ for v in outcomes.values())
    assert kinds == ["AttendanceConflict", "saved"], outcomes
    winner = "L" if outcomes["a"] == "saved" else "A"
    loser = next(v for v in outcomes.values() if isinstance(v, AttendanceConflict))
    assert loser.current[0].status_id == club.codes[winner]
