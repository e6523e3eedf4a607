"""A teacher sets progress / status by hand with a note; the override is visible, audited, and can
be cleared; completion follows the rules exactly (service-level property test)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import build_school
from tracker.db.models import AuditEntry, ProgressStatusHistory
from tracker.db.uow import read_only
from tracker.domain.enums import ProgressStatus
from tracker.domain.progress import CompletionRule, MilestoneState, check_completion
from tracker.errors import PermissionDenied, ValidationError
from tracker.services import Services
from tracker.services.bootstrap import open_database


def _row(school, student=None):  # type: ignore[no-untyped-def]
    sid = (student or school.student).id
    return next(r for r in school.services.progress.activity_progress(school.admin, school.chess)
                if r.user_id == sid)


def _audit(school, action: str) -> list[tuple[int | None, str | None]]:  # type: ignore[no-untyped-def]
    """(actor id, after) of the audit entries of one action on enrollments, oldest first."""
    with read_only(school.services.db) as s:
        return [(a, b) for a, b in s.execute(
            select(AuditEntry.actor_id, AuditEntry.after).order_by(AuditEntry.id)
            .where(AuditEntry.action == action, AuditEntry.entity == "activity_progress"))]


def test_override_sets_progress_with_the_note_who_and_when(school):
    s = school.services
    row = s.progress.override_progress(school.teacher, school.chess, school.student.id,
                                       progress_percentage=80, note="Did the work at the county event")
    assert row.progress_percentage == 80.0 and row.progress_manual and row.overridden
    assert row.override_note == "Did the work at the county event"
    assert row.override_by == "Tina Teacher" and row.override_at is not None
    actor_id, after = _audit(school, "update_progress")[-1]
    assert actor_id == school.teacher.id and '"manual": true' in (after or "")
    assert _row(school).override_note == "Did the work at the county event"
    # attendance marks leave it alone; ticking a milestone hands progress back to the formula
    m = s.milestones.create_milestone(school.admin, school.chess, title="Openings", points=1)
    s.milestones.create_milestone(school.admin, school.chess, title="Endgames", points=3)
    assert _row(school).progress_percentage == 80.0
    s.milestones.complete_milestone(school.teacher, m.id, school.student.id)
    row = _row(school)
    assert row.progress_percentage == 25.0 and not row.overridden and row.override_note is None


def test_override_needs_a_note_and_something_to_set_and_changes_nothing_otherwise(school):
    s = school.services
    before = _row(school)
    with pytest.raises(ValidationError) as err:
        s.progress.override_progress(school.teacher, school.chess, school.student.id,
                                     progress_percentage=50, note="   ")
    assert err.value.problems[0].field == "note"
    with pytest.raises(ValidationError) as err:
        s.progress.override_progress(school.teacher, school.chess, school.student.id, note="why")
    assert err.value.problems[0].field == "progress_percentage"
    with pytest.raises(ValidationError):
        s.progress.override_progress(school.teacher, school.chess, school.student.id,
                                     progress_percentage=101, note="too much")
    with pytest.raises(ValidationError):
        s.progress.override_progress(school.teacher, school.chess, school.student.id,
                                     progress_percentage=10, note="x" * 1001)
    after = _row(school)
    assert (after.progress_percentage, after.version, after.override_note) == (
        before.progress_percentage, before.version, None)


def test_only_leads_and_admins_may_override(school):
    s = school.services
    for who in (school.other_teacher, school.student, school.parent):
        with pytest.raises(PermissionDenied):
            s.progress.override_progress(who, school.chess, school.student.id, progress_percentage=10,
                                         note="not mine")
        with pytest.raises(PermissionDenied):
            s.progress.clear_override(who, school.chess, school.student.id)
    assert not _row(school).overridden


def test_clearing_an_override_returns_to_the_rules(school):
    s = school.services
    m = s.milestones.create_milestone(school.admin, school.chess, title="Only one", points=1)
    s.milestones.complete_milestone(school.teacher, m.id, school.student.id)
    assert _row(school).status is ProgressStatus.COMPLETED
    s.progress.override_progress(school.teacher, school.chess, school.student.id,
                                 progress_percentage=30, status="active", note="Redo the final game")
    row = _row(school)
    assert (row.progress_percentage, row.status, row.override_note) == (30.0, ProgressStatus.ACTIVE,
                                                                         "Redo the final game")
    row = s.progress.clear_override(school.teacher, school.chess, school.student.id)
    assert row.progress_percentage == 100.0 and row.status is ProgressStatus.COMPLETED
    assert not row.overridden and row.override_note is None
    assert _audit(school, "clear_override")
    with pytest.raises(ValidationError):
        s.progress.clear_override(school.teacher, school.chess, school.student.id)


def test_taking_a_completion_back_by_hand_sticks_until_cleared(school):
    s = school.services
    m = s.milestones.create_milestone(school.admin, school.chess, title="Only one", points=1)
    s.milestones.complete_milestone(school.teacher, m.id, school.student.id)
    assert _row(school).status is ProgressStatus.COMPLETED
    row = s.progress.override_progress(school.teacher, school.chess, school.student.id, status="active",
                                       note="Tournament result under review")
    assert row.status is ProgressStatus.ACTIVE and row.status_manual
    # another mark would re-run the rules: the hand-set status holds
    other = s.milestones.create_milestone(school.admin, school.chess, title="Optional", points=0,
                                          required=False)
    s.milestones.complete_milestone(school.teacher, other.id, school.student.id)
    assert _row(school).status is ProgressStatus.ACTIVE
    row = s.progress.clear_override(school.teacher, school.chess, school.student.id)
    assert row.status is ProgressStatus.COMPLETED
    with read_only(s.db) as session:
        notes = list(session.scalars(select(ProgressStatusHistory.note).order_by(ProgressStatusHistory.id)))
    assert "Tournament result under review" in notes and notes[-1] == "Completion rules met"


# --- completion holds exactly when the rules say, through the services ------------------------

_STEPS = st.lists(st.tuples(st.sampled_from(["tick", "untick", "signoff", "unsign"]), st.integers(0, 3)),
                  min_size=1, max_size=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(required=st.lists(st.booleans(), min_size=1, max_size=4), signoff=st.booleans(), steps=_STEPS)
def test_completion_follows_the_rules_after_every_step(required, signoff, steps):
    with tempfile.TemporaryDirectory() as folder:
        db, _ = open_database(Path(folder) / "p.db")
        try:
            school = build_school(Services(db))
            s = school.services
            if signoff:
                from tracker.services.activities import ActivityInput

                s.activities.update_activity(school.admin, school.chess, ActivityInput(
                    "Chess Club", lead_ids=[school.teacher.id], requires_signoff=True))
            ms = [s.milestones.create_milestone(school.admin, school.chess, title=f"M{i}", points=1,
                                                required=r) for i, r in enumerate(required)]
            done: set[int] = set()
            signed = False
            completions = 0
            was_complete = False
            for op, i in steps:
                m = ms[i % len(ms)]
                if op == "tick" and m.id not in done:
                    s.milestones.complete_milestone(school.teacher, m.id, school.student.id)
                    done.add(m.id)
                elif op == "untick" and m.id in done:
                    s.milestones.uncomplete_milestone(school.teacher, m.id, school.student.id)
                    done.discard(m.id)
                elif op == "signoff" and signoff and not signed:
                    s.progress.sign_off(school.teacher, school.chess, school.student.id)
                    signed = True
                elif op == "unsign" and signed:
                    s.progress.sign_off(school.teacher, school.chess, school.student.id, signed=False)
                    signed = False
                rule = CompletionRule(True, None, signoff)
                states = [MilestoneState(1, m.required, m.id in done) for m in ms]
                expected = check_completion(rule, states, None, signed).complete
                row = _row(school)
                assert (row.status is ProgressStatus.COMPLETED) == expected, (op, i, done, signed)
                assert (row.completed_at is not None) == expected
                assert 0 <= row.progress_percentage <= 100
                completions += expected and not was_complete
                was_complete = expected
            assert len(_audit(school, "complete")) == completions
        finally:
            db.dispose()


def test_overriding_several_students_is_all_or_nothing(school):
    s = school.services
    rows = s.progress.override_progress_for(school.teacher, school.chess,
                                            [school.student.id, school.other_student.id],
                                            progress_percentage=70, note="Both played the final")
    assert [(r.student, r.progress_percentage, r.override_note) for r in rows] == [
        ("Olga Other", 70.0, "Both played the final"), ("Sam Student", 70.0, "Both played the final")]
    # one student not enrolled: nobody changes
    with pytest.raises(ValidationError) as err:
        s.progress.override_progress_for(school.teacher, school.chess, [school.student.id, school.parent.id],
                                         progress_percentage=10, note="again")
    assert "Not enrolled in this activity: Pat Parent." in str(err.value)
    assert _row(school).progress_percentage == 70.0
    rows = s.progress.clear_override_for(school.teacher, school.chess, [school.student.id, school.other_student.id])
    assert all(not r.overridden for r in rows)


def test_signing_off_several_names_everyone_refused_and_signs_nobody(school):
    s = school.services
    s.progress.sign_off(school.teacher, school.chess, school.student.id)
    with pytest.raises(ValidationError) as err:
        s.progress.sign_off_for(school.teacher, school.chess, [school.other_student.id, school.student.id])
    assert [p.message for p in err.value.problems] == ["Sam Student is already signed off."]
    assert _row(school, school.other_student).signed_off_at is None
    rows = s.progress.sign_off_for(school.teacher, school.chess, [school.other_student.id])
    assert rows[0].signed_off_at is not None
    s.progress.sign_off_for(school.teacher, school.chess, [school.student.id, school.other_student.id], signed=False)
    assert _row(school).signed_off_at is None and _row(school, school.other_student).signed_off_at is None
