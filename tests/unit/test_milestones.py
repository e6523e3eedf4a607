"""Milestone editing, templates, bulk ticking and the checklist snapshot (issue 5, Milestones)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, insert, select

from tracker.db.models import ActivityProgress, AuditEntry, User, UserMilestone
from tracker.db.uow import read_only
from tracker.domain.enums import ProgressStatus, Role
from tracker.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from tracker.services.activities import ActivityInput


def _audits(services, action: str) -> list[str | None]:
    """The ``before`` texts of the milestone / progress audit entries with this action, oldest first."""
    with read_only(services.db) as s:
        return list(s.scalars(select(AuditEntry.before).where(
            AuditEntry.action == action, AuditEntry.entity.like("%milestone%")
            | (AuditEntry.entity == "activity_progress")).order_by(AuditEntry.id)))


def _progress(services, user_id: int, activity_id: int) -> float:
    with read_only(services.db) as s:
        return s.scalar(select(ActivityProgress.progress_percentage).where(
            ActivityProgress.user_id == user_id, ActivityProgress.activity_id == activity_id))


def _three(school):
    ms = school.services.milestones
    return [ms.create_milestone(school.teacher, school.chess, title=t, points=p)
            for t, p in (("Rules", 10), ("Openings", 20), ("Endgames", 30))]


def test_update_milestone_changes_fields_audits_and_recomputes(school):
    ms = school.services.milestones
    a, b, _ = _three(school)
    ms.complete_milestone(school.teacher, a.id, school.student.id)
    assert _progress(school.services, school.student.id, school.chess) == pytest.approx(10 / 60 * 100, abs=0.05)
    row = ms.update_milestone(school.teacher, a.id, title="  The rules ", description="All of them",
                              points=30, required=False, due_date=date(2026, 5, 1),
                              expected_version=a.version)
    assert (row.title, row.description, row.points, row.required, row.due_date, row.completed) == (
        "The rules", "All of them", 30, False, date(2026, 5, 1), 1)
    assert _progress(school.services, school.student.id, school.chess) == pytest.approx(30 / 80 * 100, abs=0.05)
    assert _audits(school.services, "update")
    with pytest.raises(ConflictError):
        ms.update_milestone(school.teacher, a.id, title="Stale", expected_version=a.version)
    with pytest.raises(ValidationError) as e:
        ms.update_milestone(school.teacher, b.id, title=" ", points=-1)
    assert {p.field for p in e.value.problems} == {"title", "points"}
    with pytest.raises(NotFound):
        ms.update_milestone(school.teacher, 999_999, title="x")


def test_delete_asks_for_confirmation_when_students_completed_it(school):
    ms = school.services.milestones
    a, b, c = _three(school)
    ms.complete_for_students(school.teacher, a.id, [school.student.id, school.other_student.id])
    with pytest.raises(ValidationError, match="2 students have completed"):
        ms.delete_milestone(school.teacher, a.id)
    assert [m.id for m in ms.list_milestones(school.teacher, school.chess)] == [a.id, b.id, c.id]
    ms.delete_milestone(school.teacher, a.id, confirm=True)
    assert [m.id for m in ms.list_milestones(school.teacher, school.chess)] == [b.id, c.id]
    assert _progress(school.services, school.student.id, school.chess) == 0
    before = json.loads(_audits(school.services, "delete")[-1])
    assert {d["user_id"] for d in before["completed_by"]} == {school.student.id, school.other_student.id}
    ms.delete_milestone(school.teacher, b.id)  # nobody completed it: no question asked
    with pytest.raises(NotFound):
        ms.delete_milestone(school.teacher, b.id)


def test_reorder_needs_every_milestone_once(school):
    ms = school.services.milestones
    a, b, c = _three(school)
    ms.reorder_milestones(school.teacher, school.chess, [c.id, a.id, b.id])
    assert [m.id for m in ms.list_milestones(school.teacher, school.chess)] == [c.id, a.id, b.id]
    assert [m.id for m in ms.checklist(school.teacher, school.chess).milestones] == [c.id, a.id, b.id]
    for bad in ([c.id, a.id], [c.id, a.id, b.id, b.id], [c.id, a.id, 999]):
        with pytest.raises(ValidationError):
            ms.reorder_milestones(school.teacher, school.chess, bad)
    assert _audits(school.services, "reorder")
    with pytest.raises(PermissionDenied):
        ms.reorder_milestones(school.other_teacher, school.chess, [a.id, b.id, c.id])


def test_copy_milestones_from_a_template(school):
    s = school.services
    _three(school)
    target = s.activities.create_activity(school.admin, ActivityInput("Chess 2", lead_ids=[school.teacher.id]))
    s.milestones.create_milestone(school.teacher, target.id, title="Already here")
    made = s.milestones.copy_milestones(school.teacher, school.chess, target.id)
    rows = s.milestones.list_milestones(school.teacher, target.id)
    assert [m.title for m in rows] == ["Already here", "Rules", "Openings", "Endgames"]
    assert [m.order_index for m in rows] == [0, 1, 2, 3]
    assert [m.points for m in made] == [10, 20, 30]
    # the teacher cannot see Drama, so cannot use it as a template
    with pytest.raises(PermissionDenied):
        s.milestones.copy_milestones(school.teacher, school.drama, target.id)
    with pytest.raises(ValidationError):
        s.milestones.copy_milestones(school.teacher, target.id, target.id)


def test_bulk_tick_and_untick(school):
    s = school.services
    a, b, c = _three(school)
    ids = [school.student.id, school.other_student.id]
    s.milestones.complete_milestone(school.teacher, a.id, school.student.id, notes="first")
    assert s.milestones.complete_for_students(school.teacher, a.id, ids, notes="bulk") == 1
    assert s.milestones.complete_for_students(school.teacher, a.id, ids) == 0
    snap = s.milestones.checklist(school.teacher, school.chess)
    assert snap.done[(school.student.id, a.id)][1] == "first"  # already done: left alone
    assert snap.done[(school.other_student.id, a.id)][1] == "bulk"
    assert _progress(s, school.other_student.id, school.chess) == pytest.approx(10 / 60 * 100, abs=0.05)
    assert s.milestones.uncomplete_for_students(school.teacher, a.id, ids) == 2
    assert _progress(s, school.other_student.id, school.chess) == 0
    assert s.milestones.uncomplete_for_students(school.teacher, a.id, ids) == 0
    gone = json.loads(_audits(s, "uncomplete")[-1])["completions"]
    assert {g["notes"] for g in gone} == {"first", "bulk"}
    with pytest.raises(ValidationError, match="not enrolled"):
        s.milestones.complete_for_students(school.teacher, a.id, [school.parent.id])


def test_bulk_tick_completes_the_activity_in_the_same_transaction(school):
    s = school.services
    m = s.milestones.create_milestone(school.admin, school.drama, title="Monologue")
    s.milestones.complete_for_students(school.admin, m.id, [school.other_student.id])
    rows = s.progress.get_user_progress(school.admin, school.other_student.id)
    drama = next(r for r in rows if r.activity_id == school.drama)
    assert drama.status is ProgressStatus.COMPLETED and drama.progress_percentage == 100
    s.milestones.uncomplete_for_students(school.admin, m.id, [school.other_student.id])
    rows = s.progress.get_user_progress(school.admin, school.other_student.id)
    assert next(r for r in rows if r.activity_id == school.drama).status is ProgressStatus.ACTIVE
    history = [(c.to_status, c.note) for c in
               s.enrollment.status_history(school.admin, school.drama, school.other_student.id)]
    assert history[-2:] == [("completed", "Completion rules met"), ("active", history[-1][1])]
    assert history[-1][1].startswith("No longer meets")
    assert _audits(s, "revert_completion") == ['{"status": "completed"}']


def test_checklist_snapshot(school):
    s = school.services
    a, b, c = _three(school)
    s.milestones.complete_milestone(school.teacher, b.id, school.other_student.id, notes="great")
    snap = s.milestones.checklist(school.teacher, school.chess)
    assert [st.id for st in snap.students] == sorted(
        [school.student.id, school.other_student.id],
        key=lambda i: {school.student.id: "Sam Student", school.other_student.id: "Olga Other"}[i])
    assert [m.title for m in snap.milestones] == ["Rules", "Openings", "Endgames"]
    assert set(snap.done) == {(school.other_student.id, b.id)}
    assert snap.done[(school.other_student.id, b.id)][1] == "great"
    assert [m.completed for m in snap.milestones] == [0, 1, 0]
    with pytest.raises(PermissionDenied):
        s.milestones.checklist(school.other_teacher, school.chess)


def test_bulk_tick_of_200_students_ticks_and_recomputes_every_one(school):
    """The speed is measured by the benchmark milestone_bulk_tick_200 (tests/perf), not here."""
    s = school.services
    ms = [s.milestones.create_milestone(school.admin, school.chess, title=f"M{i}", points=i + 1)
          for i in range(10)]
    with s.db.session_factory() as session, session.begin():
        session.execute(insert(User), [
            {"username": f"bulk{i}", "display_name": f"Bulk {i:03}", "role": Role.STUDENT, "version": 1}
            for i in range(200)])
        ids = list(session.scalars(select(User.id).where(User.username.like("bulk%"))))
    s.enrollment.enroll(school.admin, school.chess, ids)
    assert s.milestones.complete_for_students(school.teacher, ms[0].id, ids) == 200
    with read_only(s.db) as session:
        assert session.scalar(select(func.count()).select_from(UserMilestone)) == 200
        assert session.scalar(select(func.min(ActivityProgress.progress_percentage)).where(
            ActivityProgress.user_id.in_(ids))) == pytest.approx(1 / 55 * 100, abs=0.05)


def test_bulk_recompute_agrees_with_the_one_student_recompute(school):
    from tracker.db.uow import unit_of_work
    from tracker.services.recompute import recompute

    s = school.services
    a, b, _ = _three(school)
    s.progress.update_progress(school.admin, school.chess, school.student.id, progress_percentage=50, note="by hand")
    s.milestones.complete_for_students(school.teacher, a.id, [school.student.id, school.other_student.id])
    s.milestones.complete_for_students(school.teacher, b.id, [school.other_student.id])

    def snapshot() -> list[tuple]:
        with read_only(s.db) as session:
            return list(session.execute(select(
                ActivityProgress.user_id, ActivityProgress.status, ActivityProgress.progress_percentage,
                ActivityProgress.progress_manual).where(ActivityProgress.activity_id == school.chess)
                .order_by(ActivityProgress.user_id)).all())

    before = snapshot()
    with unit_of_work(s.db) as tx:
        for uid in (school.student.id, school.other_student.id):
            recompute(tx, uid, school.chess)
    assert snapshot() == before
    by_user = {r.user_id: r for r in before}
    assert by_user[school.student.id].progress_percentage == pytest.approx(10 / 60 * 100, abs=0.05)
    assert not by_user[school.student.id].progress_manual  # ticking ends the hand-set figure
    assert by_user[school.other_student.id].progress_percentage == pytest.approx(30 / 60 * 100, abs=0.05)


def test_notes_of_completed_milestones_are_replaced_in_one_go_and_audited(school):
    s = school.services
    a, b, c = _three(school)
    sam = school.student.id
    s.milestones.complete_milestone(school.teacher, a.id, sam, notes="first try")
    s.milestones.complete_milestone(school.teacher, b.id, sam)
    before = _progress(s, sam, school.chess)
    changed = s.milestones.set_completion_notes(
        school.teacher, school.chess, sam, {a.id: "  Explained castling  ", b.id: "Video of the game"})
    assert sorted((x.milestone_id, x.notes) for x in changed) == [(a.id, "Explained castling"),
                                                                  (b.id, "Video of the game")]
    snap = s.milestones.checklist(school.teacher, school.chess)
    assert snap.done[(sam, a.id)][1] == "Explained castling"
    assert snap.done[(sam, b.id)][1] == "Video of the game"
    assert _progress(s, sam, school.chess) == before  # notes do not change progress
    assert json.loads(_audits(s, "update_notes")[0]) == {"user_id": sam, "notes": "first try"}
    # the same text again writes nothing; an empty text clears the note
    audits = len(_audits(s, "update_notes"))
    assert s.milestones.set_completion_notes(school.teacher, school.chess, sam, {b.id: "Video of the game"}) == []
    assert len(_audits(s, "update_notes")) == audits
    assert [x.notes for x in s.milestones.set_completion_notes(school.teacher, school.chess, sam, {a.id: ""})] == [""]
    assert s.milestones.checklist(school.teacher, school.chess).done[(sam, a.id)][1] == ""


def test_notes_are_refused_to_others_and_for_bad_input_without_changing_anything(school):
    s = school.services
    a, b, _ = _three(school)
    sam = school.student.id
    s.milestones.complete_milestone(school.teacher, a.id, sam, notes="kept")
    drama = s.milestones.create_milestone(school.admin, school.drama, title="Monologue")

    def stored() -> dict:
        return s.milestones.checklist(school.admin, school.chess).done

    start = stored()
    for who in (school.other_teacher, school.student, school.parent):
        with pytest.raises(PermissionDenied):
            s.milestones.set_completion_notes(who, school.chess, sam, {a.id: "hacked"})
    with pytest.raises(NotFound):
        s.milestones.set_completion_notes(school.teacher, 999_999, sam, {a.id: "x"})
    with pytest.raises(NotFound):  # a milestone of another activity: nothing saved, not even the good one
        s.milestones.set_completion_notes(school.teacher, school.chess, sam, {a.id: "new", drama.id: "x"})
    with pytest.raises(ValidationError, match="not enrolled"):
        s.milestones.set_completion_notes(school.teacher, school.chess, school.parent.id, {a.id: "x"})
    with pytest.raises(ValidationError) as e:  # not completed yet
        s.milestones.set_completion_notes(school.teacher, school.chess, sam, {a.id: "new", b.id: "x"})
    assert [p.field for p in e.value.problems] == [f"notes[{b.id}]"] and "tick it first" in str(e.value.problems[0].message)
    with pytest.raises(ValidationError, match="at most 2000"):
        s.milestones.set_completion_notes(school.teacher, school.chess, sam, {a.id: "x" * 2001})
    with pytest.raises(ValidationError, match="at most 2000"):
        s.milestones.complete_milestone(school.teacher, b.id, sam, notes="x" * 2001)
    assert stored() == start
    assert _audits(s, "update_notes") == []


def test_students_and_parents_see_only_their_own_row_of_the_checklist(school):
    s = school.services
    m = s.milestones.create_milestone(school.teacher, school.chess, title="Openings")
    s.milestones.complete_milestone(school.teacher, m.id, school.student.id, notes="sam's note")
    s.milestones.complete_milestone(school.teacher, m.id, school.other_student.id, notes="olga's note")
    for who, sees in ((school.student, school.student.id), (school.parent, school.student.id),
                      (school.other_student, school.other_student.id)):
        snap = s.milestones.checklist(who, school.chess)
        assert [st.id for st in snap.students] == [sees]
        assert set(snap.done) == {(sees, m.id)}
        assert snap.milestones[0].completed == 2  # the count is not personal
    staff = s.milestones.checklist(school.teacher, school.chess)
    assert len(staff.students) == 2 and len(staff.done) == 2
