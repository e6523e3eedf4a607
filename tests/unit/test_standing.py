"""On track / behind / at risk: the rule of tracker.domain.standing, then as the services show it."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.percent import format_percent, format_percent_against, format_threshold
from tracker.domain.standing import (
    RULES,
    Standing,
    attendance_that_counts,
    attendance_threshold,
    expected_progress,
    format_attendance,
    judge,
)
from tracker.services.activities import ActivityInput
from tracker.services.attendance import MarkChange
from tracker.services.progress_rows import ProgressRow

TODAY = date(2026, 11, 25)
TERM = (date(2026, 9, 1), date(2027, 1, 31))  # 152 days; 85 gone by on TODAY: 55.9% expected


def j(**kw):  # type: ignore[no-untyped-def]
    args = {"status": "active", "progress": 60.0, "today": TODAY, "start": TERM[0], "end": TERM[1]}
    args.update(kw)
    return judge(**args)


def test_expected_progress_is_the_share_of_the_dates_gone_by():
    assert expected_progress(*TERM, TODAY) == pytest.approx(55.9, abs=0.1)
    assert expected_progress(*TERM, date(2026, 8, 1)) == 0.0
    assert expected_progress(*TERM, date(2027, 3, 1)) == 100.0
    assert expected_progress(None, TERM[1], TODAY) is None
    # a student who joined late is measured from the day they joined
    assert expected_progress(*TERM, TODAY, enrolled_on=TODAY) == 0.0


def test_on_track_says_how_progress_compares():
    check = j(progress=50)
    assert check.standing is Standing.ON_TRACK
    assert check.reason == "Progress 50%, 56% expected by now"


def test_behind_when_progress_lags_the_dates_by_15_points():
    check = j(progress=35)
    assert check.standing is Standing.BEHIND and check.reason == "Progress 35%, 56% expected by now"


def test_at_risk_when_progress_lags_by_35_points():
    assert j(progress=20).standing is Standing.AT_RISK


def test_an_overdue_milestone_puts_a_student_behind_and_names_it():
    check = j(overdue=[("Opening moves", date(2026, 10, 3))])
    assert check.standing is Standing.BEHIND
    assert check.reason == "1 milestone overdue: Opening moves (due 3 Oct)"
    many = j(overdue=[(f"M{i}", date(2026, 10, i + 1)) for i in range(4)])
    assert many.reason == "4 milestones overdue: M0 (due 1 Oct), M1 (due 2 Oct) and 2 more"


def test_low_attendance_is_at_risk_once_enough_sessions_count():
    assert j(attendance_pct=50, counted_sessions=2).standing is Standing.ON_TRACK  # too early to say
    check = j(attendance_pct=50, counted_sessions=3)
    assert check.standing is Standing.AT_RISK and check.reason == "Attendance 50%, below 75%"
    # the activity's own minimum replaces the default
    assert j(attendance_pct=80, counted_sessions=5, min_attendance_pct=90).reason == "Attendance 80%, below 90%"
    assert j(attendance_pct=70, counted_sessions=5, min_attendance_pct=60).standing is Standing.ON_TRACK


def test_attendance_just_below_the_minimum_never_reads_as_equal_to_it():
    check = j(attendance_pct=69.8, counted_sessions=5, min_attendance_pct=70)
    assert check.standing is Standing.AT_RISK and check.reason == "Attendance 69.8%, below 70%"
    assert j(attendance_pct=74.96, counted_sessions=5).reason == "Attendance 74.9%, below 75%"
    assert j(attendance_pct=69.4, counted_sessions=5, min_attendance_pct=70).reason == "Attendance 69%, below 70%"
    assert j(attendance_pct=60, counted_sessions=5, min_attendance_pct=72.5).reason == "Attendance 60%, below 72.5%"


@pytest.mark.parametrize(("value", "threshold", "shown"), [
    (69.8, 70, "69.8%"),  # whole would say 70%: one decimal, rounded down
    (74.96, 75, "74.9%"),  # one decimal rounded normally would still say 75.0%
    (69.96, 70, "69.9%"),
    (69.4, 70, "69%"),  # whole is already below
    (70.0, 70, "70%"),
    (70.4, 70, "70%"),
    (74.5, 75, "74%"),
    (75.5, 76, "75.5%"),  # whole would say 76%
    (72.5, 72.5, "72.5%"),  # not below: never shown lower than the threshold
    (100.0, 75, "100%"),
    (0.0, 75, "0%"),
    (66.7, 75, "67%"),
])
def test_a_percentage_stays_on_its_side_of_the_threshold(value, threshold, shown):
    assert format_percent_against(value, threshold) == shown


@given(value=st.floats(0, 100), threshold=st.sampled_from([50, 60, 70, 72.5, 75, 80, 90, 99.5]))
def test_the_number_shown_never_contradicts_the_comparison(value, threshold):
    shown = float(format_percent_against(value, threshold).rstrip("%"))
    assert (shown < threshold) == (value < threshold)
    assert abs(shown - value) < 1


def test_percentages_and_thresholds_read_plainly():
    assert format_percent(66.66) == "67%" and format_percent(100) == "100%"
    assert format_threshold(75) == "75%" and format_threshold(72.5) == "72.5%" and format_threshold(72.25) == "72.25%"
    assert attendance_threshold(None) == RULES.low_attendance and attendance_threshold(90) == 90
    # a rate shown beside a standing: against the activity's minimum, else the default 75%
    assert format_attendance(69.8, 70) == "69.8%" and format_attendance(74.96, None) == "74.9%"
    assert format_attendance(None, 70) == "—" and format_attendance(88.4, None) == "88%"


def test_consecutive_absences_are_at_risk():
    assert j(trailing_absences=2).standing is Standing.ON_TRACK
    check = j(trailing_absences=3, overdue=[("Endgame", date(2026, 11, 1))])
    assert check.standing is Standing.AT_RISK
    assert check.reasons == ("Absent the last 3 sessions", "1 milestone overdue: Endgame (due 1 Nov)")


def test_no_dates_and_no_milestones_leave_only_attendance_to_judge():
    assert j(start=None, end=None, progress=0).reason == "No milestone overdue"
    assert j(has_milestones=False, progress=0).reason == "No milestones set yet"


def test_completed_and_inactive_enrollments():
    assert j(status="completed").standing is Standing.COMPLETED
    for status in ("dropped", "waitlisted"):
        check = j(status=status, attendance_pct=0, counted_sessions=9)
        assert check.standing is Standing.NONE and check.reasons == ()


@given(progress=st.floats(0, 100), attendance=st.none() | st.floats(0, 100), counted=st.integers(0, 40),
       streak=st.integers(0, 10), overdue=st.integers(0, 4), day=st.integers(-30, 200))
def test_the_verdict_always_comes_with_its_reasons(progress, attendance, counted, streak, overdue, day):
    today = TERM[0] + timedelta(days=day)
    items = [(f"M{i}", TERM[0]) for i in range(overdue)]
    check = judge(status="active", progress=progress, today=today, start=TERM[0], end=TERM[1],
                  overdue=items, attendance_pct=attendance, counted_sessions=counted, trailing_absences=streak)
    assert check.reasons and all(r and (r[0].isupper() or r[0].isdigit()) for r in check.reasons)
    risky = (streak >= RULES.absence_streak
             or (attendance is not None and counted >= RULES.min_sessions and attendance < RULES.low_attendance)
             or (check.expected is not None and check.expected - progress >= RULES.at_risk_gap))
    assert (check.standing is Standing.AT_RISK) == risky
    if not risky:
        lagging = overdue > 0 or (check.expected is not None and check.expected - progress >= RULES.behind_gap)
        assert check.standing is (Standing.BEHIND if lagging else Standing.ON_TRACK)


# --- as the services show it -----------------------------------------------------------------

def _dated_activity(school, start: date, end: date) -> int:  # type: ignore[no-untyped-def]
    s = school.services
    a = s.activities.create_activity(school.admin, ActivityInput(
        "Robotics", lead_ids=[school.teacher.id], start_date=start, end_date=end))
    s.enrollment.enroll(school.admin, a.id, [school.student.id], enrolled_on=start)
    return a.id


def test_progress_rows_carry_the_standing_and_its_reasons(school):
    s = school.services
    today = date.today()
    aid = _dated_activity(school, today - timedelta(days=50), today + timedelta(days=50))
    m1 = s.milestones.create_milestone(school.admin, aid, title="Build the chassis", points=1,
                                       due_date=today - timedelta(days=3))
    s.milestones.create_milestone(school.admin, aid, title="Program it", points=1)
    [row] = [r for r in s.progress.get_user_progress(school.admin, school.student.id) if r.activity_id == aid]
    assert row.standing is Standing.AT_RISK  # 0% with 50% of the dates gone, and a milestone overdue
    assert row.expected_progress == pytest.approx(50, abs=1)
    assert row.standing_reasons[0] == "Progress 0%, 50% expected by now"
    assert row.standing_reasons[1].startswith("1 milestone overdue: Build the chassis")
    s.milestones.complete_milestone(school.teacher, m1.id, school.student.id)
    [row] = [r for r in s.progress.get_user_progress(school.admin, school.student.id) if r.activity_id == aid]
    assert row.progress_percentage == 50.0 and row.standing is Standing.ON_TRACK
    assert row.milestones_done == 1 and row.milestones_total == 2 and row.points == 1 and row.points_total == 2
    # made without the dataclass's __init__ (progress_rows sets its fields from a dict display):
    # every field set, equal to one made by it
    assert set(vars(row)) == {f.name for f in fields(ProgressRow)}
    assert ProgressRow(**vars(row)) == row and hash(ProgressRow(**vars(row))) == hash(row)


def test_three_absences_in_a_row_put_a_student_at_risk(school):
    s = school.services
    today = date.today()
    aid = _dated_activity(school, today - timedelta(days=30), today + timedelta(days=30))
    statuses = {st.code: st.id for st in s.attendance.statuses(school.admin)}
    sessions = []
    for days_ago in (9, 7, 5, 3):
        start = datetime.combine(today - timedelta(days=days_ago), datetime.min.time()).replace(hour=15)
        sessions.append(s.calendar.add_extra_session(school.admin, aid, start, start + timedelta(hours=1)).id)
    marks = ["P", "A", "A", "A"]
    s.attendance.apply(school.teacher, [MarkChange(sid, school.student.id, statuses[code], check_version=False)
                                        for sid, code in zip(sessions, marks, strict=True)])
    [row] = [r for r in s.progress.activity_progress(school.admin, aid)]
    assert row.trailing_absences == 3 and row.standing is Standing.AT_RISK
    assert "Absent the last 3 sessions" in row.standing_reasons
    s.attendance.apply(school.teacher, [MarkChange(sessions[-1], school.student.id, statuses["P"],
                                                   check_version=False)])
    [row] = [r for r in s.progress.activity_progress(school.admin, aid)]
    assert row.trailing_absences == 0


def test_absences_in_a_row_walk_back_over_the_last_held_sessions(school):
    """The bulk count (one pass: each recent session's place back from the latest as a bit) keeps
    the grid's rule: walking back from the latest held session, excused and unmarked sessions are
    skipped, a present mark ends the run, and only the last ``TRAILING_LOOKBACK`` held sessions
    are read."""
    from tracker.services.stats import TRAILING_LOOKBACK

    s = school.services
    today = date.today()
    statuses = {st.code: st.id for st in s.attendance.statuses(school.admin)}

    def sessions(aid: int, *days_ago: int) -> list[int]:
        out = []
        for days in days_ago:
            start = datetime.combine(today - timedelta(days=days), datetime.min.time()).replace(hour=15)
            out.append(s.calendar.add_extra_session(school.admin, aid, start, start + timedelta(hours=1)).id)
        return out

    def mark(aid: int, pairs: list[tuple[int, str]]) -> int:
        s.attendance.apply(school.teacher, [MarkChange(sid, school.student.id, statuses[code], check_version=False)
                                            for sid, code in pairs])
        [row] = s.progress.activity_progress(school.admin, aid)
        return row.trailing_absences

    aid = _dated_activity(school, today - timedelta(days=60), today + timedelta(days=30))
    ids = sessions(aid, 20, 18, 9, 7, 5, 3, 1)
    sessions(aid, 2)  # held and never marked: skipped
    codes = ["A", "A", "P", "A", "E", "A", "A"]
    assert mark(aid, list(zip(ids, codes, strict=True))) == 3  # 1, 3 and 7 days ago; 9 days ago present
    assert mark(aid, [(ids[-1], "P")]) == 0
    assert mark(aid, [(ids[-1], "A"), (ids[2], "A")]) == 6  # every absence (the excused one skipped)

    other = _dated_activity(school, today - timedelta(days=60), today + timedelta(days=30))
    ids = sessions(other, *range(TRAILING_LOOKBACK + 3, 0, -1))
    assert mark(other, [(i, "A") for i in ids]) == TRAILING_LOOKBACK


@given(rate=st.one_of(st.none(), st.floats(0, 100, allow_nan=False)), counted=st.integers(0, 20),
       streak=st.integers(0, 12), minimum=st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
       progress=st.floats(0, 100, allow_nan=False), status=st.sampled_from(("active", "completed", "dropped")))
def test_judging_on_the_attendance_that_counts_says_what_the_raw_figures_say(
        rate: float | None, counted: int, streak: int, minimum: float | None, progress: float, status: str) -> None:
    """Bulk readers judge each distinct case once, on ``attendance_that_counts``: the same standing,
    reasons and expected progress as the raw figures give."""
    common = dict(status=status, progress=progress, today=date(2026, 11, 2), start=date(2026, 9, 1),
                  end=date(2027, 6, 30), enrolled_on=date(2026, 9, 15), min_attendance_pct=minimum)
    low, run = attendance_that_counts(rate, counted, streak, minimum)
    assert judge(**common, attendance_pct=low, counted_sessions=counted, trailing_absences=run) == judge(
        **common, attendance_pct=rate, counted_sessions=counted, trailing_absences=streak)
    assert (low is None) == (rate is None or counted < RULES.min_sessions
                             or rate >= attendance_threshold(minimum))
