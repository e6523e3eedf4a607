"""Maintained attendance counts on PostgreSQL: the same writes and checks as on SQLite
(tests/unit/test_attendance_aggregates.py) with the `school` fixture on the server. The upserts
(``ON CONFLICT … DO UPDATE``), the recount, the rebuild's database-made UUIDs and the demo's bulk
rebuild are spelled per dialect; here they must give what the records say."""

from __future__ import annotations

import pytest

from tests.unit.test_attendance_aggregates import (  # noqa: F401 - collected here as PostgreSQL tests
    club,
    test_a_date_range_that_leaves_marks_out_counts_the_records_of_the_range,
    test_a_long_seeded_sequence_keeps_the_counts_exact_throughout,
    test_a_new_demo_school_carries_exact_counts,
    test_a_rebuild_in_scope_touches_only_the_rows_named,
    test_check_aggregates_reports_differences_and_fixes_them,
    test_each_kind_of_write_moves_the_counts_it_should,
    test_marks_of_a_session_not_started_yet_are_left_out_until_it_starts,
    test_the_counts_are_read_in_one_row_per_enrollment,
    test_upgrading_an_older_database_counts_what_it_holds,
)

pytestmark = pytest.mark.pg


@pytest.fixture
def demo_target(pg_url: str) -> str:
    """The demo school on the (wiped) server instead of a file."""
    return pg_url
