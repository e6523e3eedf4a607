"""The participation summary (tracker/domain/participation.py)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tracker.domain import participation as P


def test_average_ignores_sessions_without_rating():
    assert P.average_rating([]) is None
    assert P.average_rating([None, None]) is None
    assert P.average_rating([4, None, 2]) == 3.0


def test_trend_rising_falling_steady_and_too_few():
    assert P.trend([1, 2, 3, 4, 5]) is P.Trend.RISING
    assert P.trend([5, 4, 3, 2, 1]) is P.Trend.FALLING
    assert P.trend([3, 3, 4, 3, 3]) is P.Trend.STEADY
    assert P.trend([1, 5]) is None
    assert P.trend([1, None, 5]) is None


def test_trend_looks_only_at_the_last_sessions():
    # long decline, then the last six rise
    ratings = [5, 5, 4, 3, 2, 1] + [1, 2, 3, 4, 5, 5]
    assert P.trend(ratings) is P.Trend.RISING
    assert P.rating_slope([1, 2, 3]) == 1.0


def test_elapsed_and_pace():
    start, end = date(2026, 1, 1), date(2026, 1, 11)
    assert P.elapsed_pct(start, end, date(2025, 12, 1)) == 0.0
    assert P.elapsed_pct(start, end, date(2026, 1, 6)) == 50.0
    assert P.elapsed_pct(start, end, date(2026, 2, 1)) == 100.0
    assert P.elapsed_pct(None, end, date(2026, 1, 6)) is None
    assert P.elapsed_pct(end, start, date(2026, 1, 6)) is None
    assert P.pace(70.0, start, end, date(2026, 1, 6)) == 20.0
    assert P.pace_label(20.0) is P.Pace.AHEAD
    assert P.pace_label(-20.0) is P.Pace.BEHIND
    assert P.pace_label(5.0) is P.Pace.ON_PACE
    assert P.pace_label(None) is None


def test_summarize_combines_the_parts():
    s = P.summarize([2, 3, 4, 5], 87.5, 40.0, date(2026, 1, 1), date(2026, 1, 11), date(2026, 1, 6))
    assert s.average_rating == 3.5
    assert s.ratings == 4
    assert s.trend is P.Trend.RISING
    assert s.attendance_rate == 87.5  # passed through: the one attendance rule lives elsewhere
    assert s.elapsed_pct == 50.0
    assert s.pace == -10.0 and s.pace_label is P.Pace.ON_PACE


def test_how_computed_names_every_part():
    for word in ("Average rating", "Trend", "Attendance", "Pace"):
        assert word in P.HOW_COMPUTED


ratings_st = st.lists(st.one_of(st.none(), st.integers(1, 5)), max_size=30)


@given(ratings_st)
def test_average_stays_within_the_scale(ratings):
    avg = P.average_rating(ratings)
    if avg is not None:
        assert 1.0 <= avg <= 5.0


@given(ratings_st)
def test_reversing_the_ratings_reverses_the_trend(ratings):
    given_only = [r for r in ratings if r is not None][-P.TREND_SESSIONS:]
    forward, backward = P.trend(given_only), P.trend(list(reversed(given_only)))
    flip = {P.Trend.RISING: P.Trend.FALLING, P.Trend.FALLING: P.Trend.RISING,
            P.Trend.STEADY: P.Trend.STEADY, None: None}
    assert backward is flip[forward]


@given(st.integers(1, 5), st.integers(3, 20))
def test_constant_ratings_are_steady(value, n):
    assert P.trend([value] * n) is P.Trend.STEADY


@given(st.dates(), st.integers(1, 400), st.integers(-500, 900))
def test_elapsed_is_a_share(start, length, offset):
    end = start + timedelta(days=length) if start <= date.max - timedelta(days=length) else None
    try:
        today = start + timedelta(days=offset)
    except OverflowError:
        return
    value = P.elapsed_pct(start, end, today)
    if end is None:
        assert value is None
    else:
        assert value is not None and 0.0 <= value <= 100.0


def test_pace_counts_from_the_day_a_student_joined():
    start, end = date(2026, 1, 1), date(2026, 1, 11)
    assert P.elapsed_pct(start, end, date(2026, 1, 6)) == 50.0
    assert P.elapsed_pct(start, end, date(2026, 1, 6), enrolled_on=date(2026, 1, 6)) == 0.0
    late = P.summarize([], None, 30.0, start, end, date(2026, 1, 8), enrolled_on=date(2026, 1, 6))
    assert late.elapsed_pct == 40.0 and late.pace == -10.0 and late.pace_label is P.Pace.ON_PACE
