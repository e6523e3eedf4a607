"""Analytics on PostgreSQL: the same hand-computed figures as on SQLite (tests/unit), with the
`school` fixture on the server (tests/pg/conftest.py overrides `db`) and the demo school
generated there. Equal results on both databases are the point: week starts, months, days
between dates and medians are spelled per dialect (tracker/services/analytics_sql.py)."""

from __future__ import annotations

import pytest

from tests.unit.test_analytics_metrics import (  # noqa: F401 - collected here as PostgreSQL tests
    robotics,
    test_a_waitlisted_student_takes_no_place_in_the_school_figures,
    test_alongside_reads_on_its_own_connection_in_another_thread,
    test_an_activity_without_sessions_has_empty_series_and_no_medians,
    test_drop_reasons_and_median_days_to_completion,
    test_median_of_an_even_count_is_the_mean_of_the_middle_two,
    test_milestone_funnel_counts_who_reached_each_and_where_active_students_stall,
    test_only_the_activitys_teachers_and_admins_see_its_analytics,
    test_participation_trend_and_skills_now_vs_start,
    test_progress_histogram_puts_active_and_completed_students_in_ten_bins,
    test_progress_history_counts_attendance_per_month,
    test_progress_history_ends_on_the_stored_progress_for_every_demo_enrollment,
    test_progress_history_follows_the_policy,
    test_progress_history_steps_at_each_completion_and_follows_the_override,
    test_school_analytics_on_the_known_school,
    test_school_filters_narrow_activities_students_and_dates,
    test_standing_over_time_judges_each_week_from_the_facts_known_then,
    test_teachers_see_their_activities_and_students_and_parents_are_refused,
    test_the_dashboard_figures_are_kept,
    test_the_facade_returns_plain_json_with_iso_dates,
    test_the_figures_read_beside_the_table_equal_those_read_in_one_session,
    test_weekly_attendance_counts_held_sessions_marks_and_the_present_rate,
)


@pytest.fixture
def demo_target(pg_url: str) -> str:
    """The demo school on the (wiped) server instead of a file."""
    return pg_url
