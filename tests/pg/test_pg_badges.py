"""The badge rule engine and service on PostgreSQL: the same tests as on SQLite (tests/unit), with
the `school` fixture on the server (tests/pg/conftest.py overrides `db`), and two workstations
awarding the same badge at the same moment."""

from __future__ import annotations

import threading

from tests.conftest import School
from tests.unit.badge_support import award_rows, make_badge
from tests.unit.test_badge_rules import (  # noqa: F401 - collected here as PostgreSQL tests
    test_a_badge_is_not_taken_away_and_a_revoked_one_stays_revoked,
    test_a_mark_runs_no_badge_query_when_no_badge_could_be_affected,
    test_a_perfect_month_is_a_month_that_has_ended_with_every_counted_session_present,
    test_an_archived_badge_is_no_longer_awarded,
    test_an_excused_absence_neither_counts_nor_breaks_a_streak,
    test_attendance_rate_needs_the_minimum_sessions_and_counts_only_its_period,
    test_completing_an_activity_and_a_number_of_activities,
    test_events_fired_again_and_again_award_once,
    test_every_milestone_and_chosen_milestones,
    test_milestones_at_least_n_awards_on_the_tick_that_meets_it,
    test_points_in_the_activity_and_across_the_school,
    test_skill_level_is_the_latest_assessment,
)
from tests.unit.test_badges import (  # noqa: F401
    test_a_student_sees_earned_badges_and_the_next_ones_within_reach,
    test_revoking_needs_a_reason_is_audited_and_awarding_by_hand_reinstates,
    test_the_preview_count_is_what_awarding_to_everyone_who_qualifies_awards,
)
from tracker.domain.badge_rules import Criterion, CriterionKind


def test_two_workstations_awarding_at_once_keep_one_award(school: School, db) -> None:
    """Both transactions find the student without the badge and insert it: the second waits for
    the first on the unique index, then ON CONFLICT DO NOTHING skips it; neither change fails."""
    from tracker.db.uow import unit_of_work
    from tracker.services.badge_engine import insert_awards

    badge = make_badge(school, "One step", Criterion(CriterionKind.MILESTONES, count=1), school.chess)
    stations = [school.services.db, type(db).connect(db.url)]
    stations[1].bus = db.bus
    barrier = threading.Barrier(2, timeout=20)
    errors: list[BaseException] = []
    inserted: list[int] = []

    def award(station) -> None:  # noqa: ANN001 - a Database
        try:
            with unit_of_work(station) as tx:
                barrier.wait()
                inserted.extend(i for i, _ in insert_awards(tx, badge.id, {school.student.id: school.chess}))
        except BaseException as exc:  # noqa: BLE001 - the test asserts there are none
            errors.append(exc)

    threads = [threading.Thread(target=award, args=(station,)) for station in stations]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        stations[1].dispose()
    assert errors == []
    assert len(inserted) == 1 and award_rows(school.services, badge.id, school.student.id) == 1
