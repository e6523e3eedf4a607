"""Every analytics figure against a small school computed by hand (issue 12).

Robotics (STEM, led by Tina) runs from M0, the Monday three weeks before this week, for 55 days.
Six sessions were held (Mon and Wed of weeks 0–2, 15:00), one more was cancelled and one is to
come. Milestones: Rules (10 points), Openings (20, due M0+10), Tournament (30), all required,
and an optional Puzzle (0). Six students, enrolled on M0 unless said:

    student  grade  marks S1–S6 (ratings)      milestones (day)            status
    Cara     7      P P P P P P (4 4 5 5 5 5)  Rules 1, Openings 8, Tour 15 completed on M0+15
    Sam      7      P A P L P A (3 - 3 2 4 -)  Rules 2, Openings 9          active, 50 %
    Olga     8      P P E A P P                Rules 2; override 40 % M0+12 active
    Dan      8      P A A P                    Rules 1                      dropped M0+10 "Clash with football"
    Eve      7      - - P P A P (joined M0+7)  none                         active, 0 %
    Finn     —      P A                        none                         dropped M0+3, no reason

The same tests run on PostgreSQL (tests/pg/test_pg_analytics.py).
"""

from __future__ import annotations

import json
import statistics
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import URL, func, select, update
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, School
from tracker.api import TrackerAPI
from tracker.cli import main
from tracker.db.engine import Database
from tracker.db.models import ActivityProgress, Milestone, UserMilestone
from tracker.db.uow import alongside, read_only
from tracker.demo import DemoOptions, generate_demo
from tracker.domain.analytics_types import (
    NO_REASON,
    DropReason,
    FunnelStep,
    HistogramBin,
    MonthAttendance,
    ParticipationCount,
    PointsPoint,
    ProgressPoint,
    RatingWeek,
    SchoolFilters,
    SkillShift,
    StandingWeek,
    WeekAttendance,
)
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.policy import Actor
from tracker.domain.standing import Standing, expected_progress
from tracker.errors import NotFound, PermissionDenied, ValidationError
from tracker.services import Services, analytics_school
from tracker.services.activities import ActivityInput
from tracker.services.attendance import MarkChange
from tracker.services.bootstrap import open_database
from tracker.services.people import UserInput
from tracker.services.progress_rows import progress_rows

SESSION_DAYS = (0, 2, 7, 9, 14, 16)  # after M0
MARKS = {  # student -> (codes for S1..S6, "-" = no mark; ratings)
    "cara": ("PPPPPP", (4, 4, 5, 5, 5, 5)),
    "sam": ("PAPLPA", (3, None, 3, 2, 4, None)),
    "olga": ("PPEAPP", (None,) * 6),
    "dan": ("PAAP--", (None,) * 6),
    "eve": ("--PPAP", (None,) * 6),
    "finn": ("PA----", (None,) * 6),
}


@dataclass
class Robotics:
    s: Services
    school: School
    id: int
    m0: date
    today: date
    who: dict[str, int]
    milestones: dict[str, int]
    sessions: list[int]

    def day(self, n: int) -> date:
        return self.m0 + timedelta(days=n)

    def at(self, n: int, hour: int = 15) -> datetime:
        return datetime.combine(self.day(n), time(hour))


def _backdate(s: Services, r: Robotics) -> None:
    """What the services stamp with now, moved to the days of the story."""
    done = {("cara", "Rules"): 1, ("cara", "Openings"): 8, ("cara", "Tournament"): 15,
            ("sam", "Rules"): 2, ("sam", "Openings"): 9, ("olga", "Rules"): 2, ("dan", "Rules"): 1}
    with s.db.engine.begin() as conn:
        for (student, title), n in done.items():
            conn.execute(update(UserMilestone).where(
                UserMilestone.user_id == r.who[student], UserMilestone.milestone_id == r.milestones[title])
                .values(completed_at=r.at(n, 16)))
        progress = ActivityProgress.activity_id == r.id
        conn.execute(update(ActivityProgress).where(progress, ActivityProgress.user_id == r.who["cara"])
                     .values(completed_at=r.at(15, 16)))
        conn.execute(update(ActivityProgress).where(progress, ActivityProgress.user_id == r.who["olga"])
                     .values(override_at=r.at(12, 10)))
        conn.execute(update(ActivityProgress).where(progress, ActivityProgress.user_id == r.who["finn"])
                     .values(drop_reason=""))


@pytest.fixture
def robotics(school: School) -> Robotics:
    s, admin, tina = school.services, school.admin, school.teacher
    today = date.today()
    m0 = today - timedelta(days=today.weekday() + 21)
    act = s.activities.create_activity(admin, ActivityInput(
        "Robotics", category="STEM", start_date=m0, end_date=m0 + timedelta(days=55), lead_ids=[tina.id],
        certificate_on_completion=False)).id
    who = {"sam": school.student.id, "olga": school.other_student.id}
    for name, grade in (("cara", "7"), ("dan", "8"), ("eve", "7"), ("finn", None)):
        who[name] = s.people.create_user(admin, UserInput(name, name.title(), Role.STUDENT, grade=grade)).id
    r = Robotics(s, school, act, m0, today, who, {}, [])
    s.enrollment.enroll(admin, act, [who[n] for n in ("cara", "sam", "olga", "dan", "finn")], enrolled_on=m0)
    s.enrollment.enroll(admin, act, [who["eve"]], enrolled_on=r.day(7))
    r.sessions = [s.calendar.add_extra_session(admin, act, r.at(n), r.at(n, 16)).id for n in SESSION_DAYS]
    cancelled = s.calendar.add_extra_session(admin, act, r.at(11), r.at(11, 16)).id
    s.calendar.cancel_session(admin, cancelled, "Hall closed")
    s.calendar.add_extra_session(admin, act, r.at(23 + today.weekday()), r.at(23 + today.weekday(), 16))
    status = {st.code: st.id for st in s.attendance.statuses(admin)}
    s.attendance.apply(tina, [
        MarkChange(session, who[name], status[code], participation=rating, check_version=False)
        for name, (codes, ratings) in MARKS.items()
        for session, code, rating in zip(r.sessions, codes, ratings, strict=True) if code != "-"])
    for title, points, due in (("Rules", 10, None), ("Openings", 20, r.day(10)), ("Tournament", 30, None)):
        r.milestones[title] = s.milestones.create_milestone(tina, act, title=title, points=points, due_date=due).id
    r.milestones["Puzzle"] = s.milestones.create_milestone(tina, act, title="Puzzle", required=False).id
    for name, titles in (("cara", ("Rules", "Openings", "Tournament")), ("sam", ("Rules", "Openings")),
                         ("olga", ("Rules",)), ("dan", ("Rules",))):
        for title in titles:
            s.milestones.complete_milestone(tina, r.milestones[title], who[name])
    s.progress.override_progress(tina, act, who["olga"], progress_percentage=40, note="Practises at home")
    s.enrollment.drop(tina, act, who["dan"], "Clash with football", r.day(10))
    s.enrollment.drop(tina, act, who["finn"], "to be blanked", r.day(3))
    skills = {n: s.skills.create_skill(admin, n).id for n in ("Teamwork", "Logic")}
    for name, skill, level, n in (("sam", "Teamwork", 1, 1), ("sam", "Teamwork", 3, 15), ("olga", "Teamwork", 2, 1),
                                  ("cara", "Teamwork", 2, 2), ("cara", "Teamwork", 4, 16), ("eve", "Logic", 2, 8)):
        s.skills.assess(tina, act, [who[name]], skills[skill], level, assessed_at=r.at(n, 17))
    _backdate(s, r)
    return r


# --------------------------------------------------------------------------- one activity


def test_the_dashboard_figures_are_kept(robotics: Robotics) -> None:
    a = robotics.s.analytics.activity_analytics(robotics.school.teacher, robotics.id)
    assert (a.enrolled, a.active, a.completed, a.dropped, a.waitlisted) == (6, 3, 1, 2, 0)
    assert a.completion_rate == 16.7
    assert a.average_attendance_rate == 70.3  # (100 + 66.7 + 80 + 50 + 75 + 50) / 6
    assert a.average_progress == 47.5  # (100 + 50 + 40 + 0) / 4: dropped students are not averaged


def test_weekly_attendance_counts_held_sessions_marks_and_the_present_rate(robotics: Robotics) -> None:
    a = robotics.s.analytics.activity_analytics(robotics.school.teacher, robotics.id)
    r = robotics
    assert a.weekly_attendance == (
        WeekAttendance(r.day(0), 2, 10, 10, 7, 70.0),
        WeekAttendance(r.day(7), 2, 10, 9, 7, 77.8),  # the cancelled Friday is not held; Excused does not count
        WeekAttendance(r.day(14), 2, 8, 8, 6, 75.0),  # the session to come is not held yet
    )


def test_progress_histogram_puts_active_and_completed_students_in_ten_bins(robotics: Robotics) -> None:
    bins = robotics.s.analytics.activity_analytics(robotics.school.admin, robotics.id).progress_histogram
    assert [(b.low, b.high) for b in bins] == [(10 * k, 10 * k + 10) for k in range(10)]
    assert {b.low: (b.count, b.completed) for b in bins if b.count} == {0: (1, 0), 40: (1, 0), 50: (1, 0),
                                                                         90: (1, 1)}
    assert bins[9] == HistogramBin(90, 100, 1, 1)  # 100 % falls in the last bin


def test_milestone_funnel_counts_who_reached_each_and_where_active_students_stall(robotics: Robotics) -> None:
    m = robotics.milestones
    funnel = robotics.s.analytics.activity_analytics(robotics.school.teacher, robotics.id).milestone_funnel
    assert funnel == (
        FunnelStep(m["Rules"], "Rules", True, 4, 1),  # Eve has done nothing
        FunnelStep(m["Openings"], "Openings", True, 2, 1),  # Olga
        FunnelStep(m["Tournament"], "Tournament", True, 1, 1),  # Sam
        FunnelStep(m["Puzzle"], "Puzzle", False, 0, 0),
    )


def test_drop_reasons_and_median_days_to_completion(robotics: Robotics) -> None:
    a = robotics.s.analytics.activity_analytics(robotics.school.teacher, robotics.id)
    assert a.drop_reasons == (DropReason("Clash with football", 1), DropReason(NO_REASON, 1))
    assert a.median_days_to_completion == 15.0  # Cara: enrolled on M0, completed on M0+15


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.one_of(st.none(), st.integers(-5, 400))), max_size=40))
def test_medians_from_value_counts_equal_the_statistics_median(pairs: list[tuple[int, int | None]]) -> None:
    """analytics_sql.medians_and_overall (SQL counts each value, the middle is found from the
    counts) against Python's statistics.median, per key and over every key; NULLs left out."""
    from sqlalchemy import Column, Integer, MetaData, Table, create_engine
    from sqlalchemy.orm import Session as OrmSession

    from tracker.services.analytics_sql import medians, medians_and_overall

    table = Table("v", MetaData(), Column("k", Integer), Column("x", Integer))
    engine = create_engine("sqlite://")
    table.create(engine)
    with OrmSession(engine) as s:
        if pairs:
            s.execute(table.insert(), [{"k": k, "x": x} for k, x in pairs])
        per_key, overall = medians_and_overall(s, select(table.c.k, table.c.x))
        known = [(k, x) for k, x in pairs if x is not None]
        expected = {k: round(float(statistics.median([x for kk, x in known if kk == k])), 1)
                    for k in {k for k, _x in known}}
        assert per_key == expected == medians(s, select(table.c.k, table.c.x))
        assert overall == (round(float(statistics.median([x for _k, x in known])), 1) if known else None)
    engine.dispose()


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(robotics: Robotics) -> None:
    r = robotics
    with r.s.db.engine.begin() as conn:  # Sam completed on M0+20 too (by hand, for this test)
        conn.execute(update(ActivityProgress).where(
            ActivityProgress.activity_id == r.id, ActivityProgress.user_id == r.who["sam"])
            .values(status=ProgressStatus.COMPLETED, completed_at=r.at(20)))
    assert r.s.analytics.activity_analytics(r.school.admin, r.id).median_days_to_completion == 17.5


def test_standing_over_time_judges_each_week_from_the_facts_known_then(robotics: Robotics) -> None:
    """Week 0: everyone placed is ahead of the line. Week 1: Olga at risk (2 of 3 counted),
    Eve behind (Openings overdue). Week 2: Cara completed, Sam at risk (4 of 6), Olga and Eve
    behind. This week as week 2 — and as the standing shown today."""
    r = robotics
    weeks = r.s.analytics.activity_analytics(r.school.teacher, r.id).standing_over_time
    assert weeks == (
        StandingWeek(r.day(0), 4, 0, 0, 0),  # Finn dropped on day 3, Eve joins on day 7
        StandingWeek(r.day(7), 2, 1, 1, 0),
        StandingWeek(r.day(14), 0, 2, 1, 1),
        StandingWeek(r.day(21), 0, 2, 1, 1),
    )
    now = {row.user_id: row.standing for row in r.s.progress.activity_progress(r.school.admin, r.id)}
    assert sorted(now.values()) == sorted([Standing.COMPLETED, Standing.AT_RISK, Standing.BEHIND, Standing.BEHIND,
                                           Standing.NONE, Standing.NONE])


def test_participation_trend_and_skills_now_vs_start(robotics: Robotics) -> None:
    r = robotics
    a = r.s.analytics.activity_analytics(r.school.teacher, r.id)
    assert a.participation_trend == (RatingWeek(r.day(0), 3.67, 3), RatingWeek(r.day(7), 3.75, 4),
                                     RatingWeek(r.day(14), 4.67, 3))
    logic, teamwork = a.skills_now_vs_start
    assert (logic.skill, logic.students, logic.first_level, logic.latest_level) == ("Logic", 1, 2.0, 2.0)
    assert teamwork == SkillShift(teamwork.skill_id, "Teamwork", 3, 1.67, 3.0)  # (1+2+2)/3 → (3+2+4)/3


def test_an_activity_without_sessions_has_empty_series_and_no_medians(school: School) -> None:
    s, admin = school.services, school.admin
    empty = s.activities.create_activity(admin, ActivityInput("Astronomy", lead_ids=[school.teacher.id])).id
    a = s.analytics.activity_analytics(school.teacher, empty)
    assert (a.weekly_attendance, a.milestone_funnel, a.drop_reasons, a.standing_over_time,
            a.participation_trend, a.skills_now_vs_start) == ((), (), (), (), (), ())
    assert a.median_days_to_completion is None and a.average_attendance_rate is None
    assert [b.count for b in a.progress_histogram] == [0] * 10
    s.enrollment.enroll(admin, empty, [school.student.id])  # a student, still nothing held
    a = s.analytics.activity_analytics(school.teacher, empty)
    assert a.weekly_attendance == () and a.median_days_to_completion is None
    assert [(w.on_track, w.behind, w.at_risk, w.completed) for w in a.standing_over_time] == [(1, 0, 0, 0)]
    row = next(x for x in s.analytics.school_analytics(school.admin).effectiveness if x.activity_id == empty)
    assert (row.placed, row.average_attendance_rate, row.median_days_to_completion) == (1, None, None)


def test_only_the_activitys_teachers_and_admins_see_its_analytics(robotics: Robotics) -> None:
    r, sc = robotics, robotics.school
    for actor in (sc.other_teacher, sc.student, sc.parent):
        with pytest.raises(PermissionDenied):
            r.s.analytics.activity_analytics(actor, r.id)
    with pytest.raises(NotFound):
        r.s.analytics.activity_analytics(sc.admin, 99999)


# --------------------------------------------------------------------------- a student over time


def test_progress_history_steps_at_each_completion_and_follows_the_override(robotics: Robotics) -> None:
    r = robotics
    history = r.s.analytics.progress_history(r.school.admin, r.who["olga"])
    assert [e.activity for e in history.enrollments] == ["Chess Club", "Drama", "Robotics"]
    olga = history.enrollments[2]
    assert olga.progress == (ProgressPoint(r.m0, 0.0), ProgressPoint(r.day(2), 16.7),
                             ProgressPoint(r.day(12), 40.0), ProgressPoint(r.today, 40.0))
    assert olga.override_from == r.day(12) and olga.progress_percentage == 40.0
    assert olga.points == (PointsPoint(r.m0, 0), PointsPoint(r.day(2), 10), PointsPoint(r.today, 10))
    assert olga.points_total == 60
    assert olga.expected == (ProgressPoint(r.m0, 0.0),
                             ProgressPoint(r.today, expected_progress(r.m0, r.day(55), r.today)),
                             ProgressPoint(r.day(55), 100.0))
    sam = next(e for e in r.s.analytics.progress_history(r.school.student, r.who["sam"]).enrollments
               if e.activity_id == r.id)
    assert sam.progress == (ProgressPoint(r.m0, 0.0), ProgressPoint(r.day(2), 16.7), ProgressPoint(r.day(9), 50.0),
                            ProgressPoint(r.today, 50.0))
    assert sam.override_from is None
    eve = next(e for e in r.s.analytics.progress_history(r.school.admin, r.who["eve"]).enrollments)
    assert eve.start == r.day(7) and eve.expected[0] == ProgressPoint(r.day(7), 0.0)


def test_progress_history_counts_attendance_per_month(robotics: Robotics) -> None:
    r = robotics
    sam = next(e for e in r.s.analytics.progress_history(r.school.admin, r.who["sam"]).enrollments
               if e.activity_id == r.id)
    want: dict[date, list[int]] = {}
    for n, code in zip(SESSION_DAYS, MARKS["sam"][0], strict=True):  # held, counted, present by month
        month = want.setdefault(r.day(n).replace(day=1), [0, 0, 0])
        month[0] += 1
        month[1] += code in "PLA"
        month[2] += code in "PL"
    assert sam.attendance == tuple(MonthAttendance(m, h, c, p, round(100 * p / c, 1))
                                   for m, (h, c, p) in sorted(want.items()))


def test_progress_history_follows_the_policy(robotics: Robotics) -> None:
    r, sc = robotics, robotics.school
    assert r.s.analytics.progress_history(sc.parent, r.who["sam"]).student == "Sam Student"
    for actor, student in ((sc.parent, r.who["olga"]), (sc.student, r.who["olga"]), (sc.other_teacher, r.who["sam"])):
        with pytest.raises(PermissionDenied):
            r.s.analytics.progress_history(actor, student)
    # a teacher follows a student only in the activities they lead
    assert [e.activity for e in r.s.analytics.progress_history(sc.teacher, r.who["olga"]).enrollments] == [
        "Chess Club", "Robotics"]
    assert [e.activity for e in r.s.analytics.progress_history(sc.other_teacher, r.who["olga"]).enrollments] == [
        "Drama"]
    with pytest.raises(NotFound):
        r.s.analytics.progress_history(sc.admin, 99999)


# --------------------------------------------------------------------------- the school


def test_school_analytics_on_the_known_school(robotics: Robotics) -> None:
    r = robotics
    a = r.s.analytics.school_analytics(r.school.admin)
    rows = {x.activity: x for x in a.effectiveness}
    assert list(rows) == ["Chess Club", "Drama", "Robotics"]
    rob = rows["Robotics"]
    assert (rob.category, rob.leads, rob.placed, rob.students, rob.active, rob.completed, rob.dropped) == (
        "STEM", ("Tina Teacher",), 6, 6, 3, 1, 2)
    assert (rob.completion_rate, rob.dropout_rate, rob.retention_rate) == (16.7, 33.3, 66.7)
    assert (rob.median_days_to_completion, rob.average_attendance_rate, rob.average_progress) == (15.0, 70.3, 47.5)
    assert rob.drop_reasons == (DropReason("Clash with football", 1), DropReason(NO_REASON, 1))
    chess = rows["Chess Club"]
    assert (chess.placed, chess.completion_rate, chess.retention_rate, chess.average_attendance_rate,
            chess.average_progress, chess.median_days_to_completion) == (2, 0.0, 100.0, None, 0.0, None)
    assert [(c.key, c.places, c.students) for c in a.by_category] == [("STEM", 6, 6), ("Club", 3, 2)]
    assert [(c.key, c.places, c.students) for c in a.by_grade] == [("7", 4, 3), ("8", 4, 2), ("No grade", 1, 1)]
    assert [(c.key, c.places, c.students, c.activity_id) for c in a.by_activity] == [
        ("Chess Club", 2, 2, r.school.chess), ("Drama", 1, 1, r.school.drama), ("Robotics", 6, 6, r.id)]
    assert a.weekly_attendance == r.s.analytics.activity_analytics(r.school.admin, r.id).weekly_attendance
    assert a.drop_reasons == rob.drop_reasons and a.median_days_to_completion == 15.0
    assert [(p.activity, p.completion_rate, p.attendance_rate, p.enrolled) for p in a.comparison] == [
        ("Chess Club", 0.0, None, 2), ("Drama", 0.0, None, 1), ("Robotics", 16.7, 70.3, 6)]
    assert a.choices.categories == ("Club", "STEM") and a.choices.grades == ("7", "8", "No grade")
    assert [name for _, name in a.choices.leads] == ["Otto Other", "Tina Teacher"]


def test_a_waitlisted_student_takes_no_place_in_the_school_figures(robotics: Robotics) -> None:
    """The administrator's page reads every activity without a list of them (places are "not
    waitlisted"), a teacher's reads their own (places are the three statuses named): the same
    figures either way, the waitlist left out."""
    r = robotics
    r.s.activities.update_activity(r.school.admin, r.school.chess, ActivityInput("Chess Club", capacity=2,
                                                                                  lead_ids=[r.school.teacher.id]))
    out = r.s.enrollment.enroll(r.school.admin, r.school.chess, [r.who["cara"]])  # full: Cara waits
    assert out[0].outcome == "waitlisted"
    for actor in (r.school.admin, r.school.teacher):
        a = r.s.analytics.school_analytics(actor)
        chess = next(x for x in a.effectiveness if x.activity == "Chess Club")
        assert (chess.placed, chess.students, chess.active, chess.retention_rate) == (2, 2, 2, 100.0)
        assert next(c for c in a.by_category if c.key == "Club").places == (3 if actor is r.school.admin else 2)
        if actor is r.school.admin:  # grade 7: Sam's two places and Cara's and Eve's Robotics ones
            assert next(c for c in a.by_grade if c.key == "7") == ParticipationCount("7", 4, 3)


def test_school_filters_narrow_activities_students_and_dates(robotics: Robotics) -> None:
    r, admin = robotics, robotics.school.admin
    stem = r.s.analytics.school_analytics(admin, category="STEM")
    assert [x.activity for x in stem.effectiveness] == ["Robotics"] and [c.key for c in stem.by_category] == ["STEM"]
    grade7 = r.s.analytics.school_analytics(admin, grade="7")
    rows = {x.activity: x for x in grade7.effectiveness}
    assert (rows["Robotics"].placed, rows["Robotics"].completion_rate, rows["Chess Club"].placed,
            rows["Drama"].placed) == (3, 33.3, 1, 0)
    assert [x.activity for x in grade7.comparison] == ["Chess Club", "Robotics"]  # nobody of grade 7 in drama
    assert grade7.weekly_attendance[0] == WeekAttendance(r.day(0), 2, 4, 4, 3, 75.0)  # Cara and Sam only
    week1 = r.s.analytics.school_analytics(admin, start=r.day(7), end=r.day(13))
    assert [w.week_start for w in week1.weekly_attendance] == [r.day(7)]
    rob = next(x for x in week1.effectiveness if x.activity == "Robotics")
    assert (rob.placed, rob.dropped) == (5, 1)  # Finn left before the range
    assert rob.average_attendance_rate == 70.0  # week 1 only: (100 + 100 + 0 + 50 + 100) / 5
    assert next(x for x in week1.effectiveness if x.activity == "Chess Club").placed == 0  # enrolled today
    otto = r.s.analytics.school_analytics(admin, lead_id=r.school.other_teacher.id)
    assert [x.activity for x in otto.effectiveness] == ["Drama"]


def test_the_figures_read_beside_the_table_equal_those_read_in_one_session(robotics: Robotics) -> None:
    """The service reads participation and the weekly trend on a second connection at the same
    time (``alongside``); the same function in one session gives the same figures."""
    r = robotics
    now = datetime.now()
    for actor, filters in ((r.school.admin, SchoolFilters()), (r.school.teacher, SchoolFilters()),
                           (r.school.admin, SchoolFilters(grade="7")),
                           (r.school.admin, SchoolFilters(start=r.day(7), end=r.day(13)))):
        with read_only(r.s.db) as s:
            one_session = analytics_school.school_analytics(s, actor, filters, now=now)
        with read_only(r.s.db) as s:
            beside = analytics_school.school_analytics(s, actor, filters, now=now, db=r.s.db)
        assert beside == one_session
        assert one_session.by_grade and one_session.weekly_attendance


def test_alongside_reads_on_its_own_connection_in_another_thread(robotics: Robotics) -> None:
    db = robotics.s.db

    def work(session: Session) -> tuple[str, object, int]:
        return (threading.current_thread().name, session.connection().connection.dbapi_connection,
                session.scalar(select(func.count()).select_from(ActivityProgress)) or 0)

    with read_only(db) as s:  # this thread's connection, in use while the other reads
        mine = s.connection().connection.dbapi_connection
        started = alongside(db, work)
        assert started is not None
        thread, connection, places = started.result(timeout=10)
    assert thread != threading.current_thread().name and connection is not mine and places > 0

    def fails(session: Session) -> None:
        raise ValidationError("what went wrong beside")

    failing = alongside(db, fails)
    assert failing is not None
    with pytest.raises(ValidationError, match="what went wrong beside"):
        failing.result(timeout=10)
    # nothing to run beside: no database, or an in-memory one (a second connection would be empty)
    assert alongside(None, work) is None
    memory = Database.connect(URL.create("sqlite", database=":memory:"))
    try:
        assert alongside(memory, work) is None
    finally:
        memory.dispose()


def test_teachers_see_their_activities_and_students_and_parents_are_refused(robotics: Robotics) -> None:
    r, sc = robotics, robotics.school
    assert [x.activity for x in r.s.analytics.school_analytics(sc.teacher).effectiveness] == ["Chess Club",
                                                                                               "Robotics"]
    assert [x.activity for x in r.s.analytics.school_analytics(sc.other_teacher).effectiveness] == ["Drama"]
    # a teacher asking for another's activities gets nothing of them
    assert r.s.analytics.school_analytics(sc.other_teacher, lead_id=sc.teacher.id).effectiveness == ()
    for actor in (sc.student, sc.parent, Actor(sc.student.id, "sam", "Sam Student", Role.ADMIN)):
        with pytest.raises(PermissionDenied):
            r.s.analytics.school_analytics(actor)


def test_the_facade_returns_plain_json_with_iso_dates(robotics: Robotics) -> None:
    r = robotics
    api = TrackerAPI(r.s)
    a = json.loads(json.dumps(api.get_activity_analytics(r.school.teacher, r.id)))
    for key in ("weekly_attendance", "progress_histogram", "milestone_funnel", "drop_reasons",
                "median_days_to_completion", "standing_over_time", "participation_trend", "skills_now_vs_start"):
        assert key in a
    assert a["weekly_attendance"][0] == {"week_start": r.day(0).isoformat(), "sessions_held": 2, "marks": 10,
                                         "counted": 10, "present": 7, "rate": 70.0}
    school = json.loads(json.dumps(api.get_school_analytics(r.school.admin, start=r.day(7).isoformat(),
                                                            end=r.day(13), category="STEM")))
    assert school["filters"] == {"start": r.day(7).isoformat(), "end": r.day(13).isoformat(), "category": "STEM",
                                 "grade": None, "lead_id": None}
    assert [x["activity"] for x in school["effectiveness"]] == ["Robotics"]
    with pytest.raises(ValidationError):
        api.get_school_analytics(r.school.admin, start="next tuesday")
    history = json.loads(json.dumps(api.get_progress_history(r.school.parent, r.who["sam"])))
    assert history["enrollments"][-1]["progress"][-1] == {"day": r.today.isoformat(), "percent": 50.0}


# --------------------------------------------------------------------------- the demo school


@pytest.fixture
def demo_target(tmp_path: Path) -> str:
    """Where the demo school is generated (tests/pg overrides it with the server)."""
    return str(tmp_path / "demo.db")


def test_progress_history_ends_on_the_stored_progress_for_every_demo_enrollment(demo_target: str) -> None:
    generate_demo(demo_target, DemoOptions(students=40, seed=5))
    db, _ = open_database(demo_target)
    try:
        s = Services(db)
        admin = s.auth.login("admin", "demo-pass-2026")
        today = date.today()
        with s.db.engine.connect() as conn:
            first_two = conn.execute(select(ActivityProgress.activity_id, ActivityProgress.user_id).where(
                ActivityProgress.status == ProgressStatus.ACTIVE).order_by(ActivityProgress.id).limit(2)).all()
        for activity, student in first_two:  # a teacher's override today, then the check
            s.progress.override_progress(admin, activity, student, progress_percentage=12.5, note="Set by hand")
        with s.db.engine.connect() as conn:
            stored = {(u, a): (pct, st) for u, a, pct, st in conn.execute(select(
                ActivityProgress.user_id, ActivityProgress.activity_id, ActivityProgress.progress_percentage,
                ActivityProgress.status))}
            has_milestones = set(conn.scalars(select(Milestone.activity_id).distinct()))
        seen = {}
        for student in sorted({u for u, _ in stored}):
            for e in s.analytics.progress_history(admin, student).enrollments:
                assert e.progress[-1].day == today
                seen[(student, e.activity_id)] = e.progress[-1].percent
                assert [p.day for p in e.progress] == sorted({p.day for p in e.progress})
        placed = {k: pct for k, (pct, st) in stored.items() if st is not ProgressStatus.WAITLISTED}
        assert seen == placed and len(placed) > 60
        assert {seen[(u, a)] for a, u in first_two} == {12.5}
        assert any(v > 0 for k, v in seen.items() if k[1] in has_milestones)
        # the standing derived for today agrees with the standing shown today (absences in a row aside)
        with s.db.engine.connect() as conn:
            activities = sorted(set(conn.scalars(select(ActivityProgress.activity_id).distinct())))
        with read_only(s.db) as session:
            rows = progress_rows(session, activity_ids=activities)
        for activity in activities:
            last = s.analytics.activity_analytics(admin, activity).standing_over_time[-1]
            mine = [x for x in rows if x.activity_id == activity]
            count = {st: sum(1 for x in mine if x.standing is st) for st in Standing}
            streaks = sum(1 for x in mine if any(t.startswith("Absent the last") for t in x.standing_reasons))
            assert last.completed == count[Standing.COMPLETED]
            assert last.on_track + last.behind + last.at_risk == count[Standing.ON_TRACK] + count[Standing.BEHIND] \
                + count[Standing.AT_RISK]
            assert abs(last.at_risk - count[Standing.AT_RISK]) <= streaks
    finally:
        db.dispose()


# --------------------------------------------------------------------------- the command line


def test_cli_prints_the_school_table_and_json(robotics: Robotics, db_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analytics", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "Activity" in line and "Retained" in line)
    assert header.split() == ["ID", "Activity", "Category", "Placed", "Completed", "Dropped", "Retained",
                              "Attendance", "Progress", "Median", "days"]
    row = next(line for line in out.splitlines() if "Robotics" in line)
    assert row.split() == [str(robotics.id), "Robotics", "STEM", "6", "16.7%", "33.3%", "66.7%", "70.3%", "47.5%",
                           "15"]
    assert "Clash with football" in out and "No reason given" in out
    assert main(["analytics", "--db", str(db_path), "--json", "--category", "STEM"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [x["activity"] for x in data["effectiveness"]] == ["Robotics"]


def test_cli_prints_one_activity(robotics: Robotics, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analytics", "--db", str(db_path), "--activity", str(robotics.id)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Robotics (id {robotics.id})")
    assert "Enrolled 6: active 3, completed 1, dropped 2; waitlisted 0" in out
    assert f"  {robotics.day(7).isoformat()}         2     10        7  77.8%" in out
    assert any(line.split() == ["Openings", "2", "1"] for line in out.splitlines())
    assert main(["analytics", "--db", str(db_path), "--activity", str(robotics.id), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["median_days_to_completion"] == 15.0


def test_cli_refuses_an_unknown_activity_and_mixed_options_with_exit_2(
        robotics: Robotics, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analytics", "--db", str(db_path), "--activity", "99999"]) == 2
    assert "no activity with id 99999" in capsys.readouterr().err
    assert main(["analytics", "--db", str(db_path), "--activity", str(robotics.id), "--grade", "7"]) == 2
    assert "--grade" in capsys.readouterr().err


def test_cli_refuses_a_student(robotics: Robotics, db_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["analytics", "--db", str(db_path), "--user", "sam", "--password-stdin"]) == 1
    assert "may not see the school's analytics" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["analytics", "--db", str(db_path), "--user", "tina", "--password-stdin", "--json"]) == 0
    assert [x["activity"] for x in json.loads(capsys.readouterr().out)["effectiveness"]] == ["Chess Club",
                                                                                             "Robotics"]
