"""Notification rules on PostgreSQL: a mark judges its enrollment's conditions in one statement
(``notification_rules._ONE``, absences in a row included); the same tests as on SQLite
(tests/unit), with the `school` fixture on the server (tests/pg/conftest.py overrides `db`)."""

from __future__ import annotations

from tests.unit.test_notifications import (  # noqa: F401 - collected here as PostgreSQL tests
    test_absences_in_a_row_follow_the_school_setting,
    test_at_risk_is_told_to_leads_and_parents_once,
    test_two_sessions_starting_together_are_walked_back_in_the_grids_order,
)
