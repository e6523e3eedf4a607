"""The after-commit jobs and the bus on PostgreSQL: the same tests as on SQLite (tests/unit), with
the `school` fixture on the server (tests/pg/conftest.py overrides `db`)."""

from __future__ import annotations

from tests.unit.test_messagebus import (  # noqa: F401 - collected here as PostgreSQL tests
    flaky,
    test_a_failed_job_keeps_the_change_is_recorded_and_is_retried,
    test_a_handler_that_fails_rolls_back_the_whole_change,
    test_a_new_handler_is_one_function_and_one_line_and_sees_bulk_ticks,
    test_an_after_commit_job_does_not_run_when_the_transaction_rolls_back,
    test_an_after_commit_job_runs_once_the_change_is_committed,
)
