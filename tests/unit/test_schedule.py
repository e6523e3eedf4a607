"""Weekly patterns → sessions: the pure generation rule (tracker.domain.schedule)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.schedule import (
    WeeklyPattern,
    describe_weekdays,
    first_occurrence,
    generate,
    parse_weekdays,
    validate_pattern,
)

MON, TUE, WED, THU, FRI = range(5)


def pattern(days, start="15:30", end="16:30", first=date(2026, 3, 2), last=date(2026, 3, 31)):
    return WeeklyPattern(frozenset(days), time.fromisoformat(start), time.fromisoformat(end), first, last)


def test_a_weekly_pattern_meets_on_its_days_between_its_dates():
    sessions = generate([pattern({MON, WED})])
    assert [s.date() for s, _ in sessions] == [
        date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 9), date(2026, 3, 11), date(2026, 3, 16),
        date(2026, 3, 18), date(2026, 3, 23), date(2026, 3, 25), date(2026, 3, 30)]
    assert all((s.time(), e.time()) == (time(15, 30), time(16, 30)) for s, e in sessions)


def test_the_last_day_counts_and_the_first_day_may_be_mid_week():
    sessions = generate([pattern({MON, FRI}, first=date(2026, 3, 4), last=date(2026, 3, 13))])
    assert [s.date() for s, _ in sessions] == [date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 13)]


def test_holidays_are_skipped():
    sessions = generate([pattern({MON})], holidays={date(2026, 3, 9), date(2026, 3, 23)})
    assert [s.date() for s, _ in sessions] == [date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 30)]


def test_several_patterns_merge_sorted_and_a_range_limits_them():
    early = pattern({TUE}, "07:45", "08:30")
    late = pattern({TUE, THU}, "15:30", "17:00")
    sessions = generate([late, early], start=date(2026, 3, 10), end=date(2026, 3, 12))
    assert sessions == [
        (datetime(2026, 3, 10, 7, 45), datetime(2026, 3, 10, 8, 30)),
        (datetime(2026, 3, 10, 15, 30), datetime(2026, 3, 10, 17, 0)),
        (datetime(2026, 3, 12, 15, 30), datetime(2026, 3, 12, 17, 0)),
    ]


def _offsets(sessions, zone):
    return {s.replace(tzinfo=ZoneInfo(zone)).utcoffset() for s, _ in sessions}


def test_wall_time_is_kept_across_the_change_to_summer_time_in_london():
    # clocks go forward on Sunday 29 March 2026 in the UK
    sessions = generate([pattern({WED}, first=date(2026, 3, 18), last=date(2026, 4, 8))])
    assert [s.time() for s, _ in sessions] == [time(15, 30)] * 4
    assert _offsets(sessions, "Europe/London") == {timedelta(0), timedelta(hours=1)}


def test_wall_time_is_kept_across_the_change_to_winter_time_in_new_york():
    # clocks go back on Sunday 1 November 2026 in the US
    sessions = generate([pattern({FRI}, "15:30", "16:45", date(2026, 10, 23), date(2026, 11, 13))])
    assert [(s.time(), e.time()) for s, e in sessions] == [(time(15, 30), time(16, 45))] * 4
    assert _offsets(sessions, "America/New_York") == {timedelta(hours=-4), timedelta(hours=-5)}


def test_a_session_on_the_night_the_clocks_change_keeps_its_wall_time():
    sessions = generate([pattern({6}, "01:30", "02:30", date(2026, 3, 29), date(2026, 3, 29))])
    assert sessions == [(datetime(2026, 3, 29, 1, 30), datetime(2026, 3, 29, 2, 30))]


def test_first_occurrence_is_the_first_meeting_day():
    assert first_occurrence(pattern({WED}, first=date(2026, 3, 2))) == datetime(2026, 3, 4, 15, 30)
    assert first_occurrence(pattern({WED}, first=date(2026, 3, 2), last=date(2026, 3, 3))) is None


def test_weekdays_parse_and_describe():
    assert parse_weekdays("0, 2") == {0, 2}
    assert parse_weekdays([4]) == {4}
    assert describe_weekdays({2, 0}) == "Mon, Wed"


def test_validation_explains_every_problem():
    problems = validate_pattern(set(), time(16, 0), time(15, 0), date(2026, 3, 9), date(2026, 3, 2))
    fields = {p.field for p in problems}
    assert fields == {"weekdays", "end time", "end date"}
    assert any("end after it starts" in p.message for p in problems)


def test_validation_keeps_the_pattern_inside_the_term():
    problems = validate_pattern({MON}, time(15), time(16), date(2026, 1, 5), date(2026, 7, 20),
                                term=(date(2026, 1, 12), date(2026, 7, 10)))
    assert {p.field for p in problems} == {"start date", "end date"}


def test_validation_notices_days_that_never_occur():
    problems = validate_pattern({FRI}, time(15), time(16), date(2026, 3, 2), date(2026, 3, 4))
    assert [p.field for p in problems] == ["weekdays"]


@settings(max_examples=150, deadline=None)
@given(
    days=st.sets(st.integers(0, 6), min_size=1, max_size=7),
    first=st.dates(date(2024, 1, 1), date(2028, 12, 31)),
    length=st.integers(0, 200),
    start_minutes=st.integers(0, 22 * 60),
    duration=st.integers(1, 120),
    holiday_offsets=st.sets(st.integers(0, 200), max_size=20),
    window=st.tuples(st.integers(-10, 210), st.integers(-10, 210)),
)
def test_generated_sessions_fall_on_pattern_days_never_on_holidays_within_range(
        days, first, length, start_minutes, duration, holiday_offsets, window):
    last = first + timedelta(days=length)
    begins = time(start_minutes // 60, start_minutes % 60)
    ends = (datetime.combine(first, begins) + timedelta(minutes=duration)).time()
    if ends <= begins:
        ends = time(23, 59)
    p = WeeklyPattern(frozenset(days), begins, ends, first, last)
    holidays = {first + timedelta(days=o) for o in holiday_offsets}
    lo, hi = sorted(first + timedelta(days=w) for w in window)
    sessions = generate([p], holidays, lo, hi)
    expected_days = {first + timedelta(days=i) for i in range(length + 1)}
    expected_days = {d for d in expected_days if d.weekday() in days and d not in holidays and lo <= d <= hi}
    assert {s.date() for s, _ in sessions} == expected_days
    for s, e in sessions:
        assert s.time() == begins and e.time() == ends and s.date() == e.date()
        assert s.weekday() in days
        assert s.date() not in holidays
        assert first <= s.date() <= last
