"""Skills and competencies, and the participation summary (tracker/services/skills.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from tracker.db.models import AuditEntry, SkillAssessment
from tracker.db.uow import read_only
from tracker.domain.participation import Trend
from tracker.errors import PermissionDenied, ValidationError
from tracker.services.activities import ActivityInput
from tracker.services.attendance import MarkChange


def _audits(s, action):
    with read_only(s.db) as q:
        return q.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def test_catalog_create_update_and_unique_names(school):
    s = school.services
    k = s.skills.create_skill(school.admin, "  Teamwork ", "Social", "Works with others")
    assert (k.name, k.category) == ("Teamwork", "Social")
    with pytest.raises(ValidationError):
        s.skills.create_skill(school.admin, "Teamwork")
    with pytest.raises(ValidationError):
        s.skills.create_skill(school.admin, "   ")
    k2 = s.skills.update_skill(school.admin, k.id, "Team work", "Social")
    assert k2.name == "Team work" and k2.version == k.version + 1
    assert [x.name for x in s.skills.list_skills(school.student)] == ["Team work"]
    with pytest.raises(PermissionDenied):
        s.skills.create_skill(school.teacher, "Coding")
    assert _audits(s, "create") >= 1


def test_default_rubric_and_a_skill_of_its_own(school):
    s = school.services
    k = s.skills.create_skill(school.admin, "Coding")
    assert [r.name for r in s.skills.rubric(school.teacher, k.id)] == [
        "Beginning", "Developing", "Proficient", "Advanced"]
    s.skills.set_rubric(school.admin, k.id, [(1, "Novice", ""), (2, "Expert", "")])
    assert [r.name for r in s.skills.rubric(school.teacher, k.id)] == ["Novice", "Expert"]
    assert len(s.skills.rubric(school.teacher)) == 4  # the default is untouched
    with pytest.raises(ValidationError):
        s.skills.set_rubric(school.admin, k.id, [(1, "A", ""), (1, "B", "")])
    s.skills.assess(school.teacher, school.chess, [school.student.id], k.id, 2)
    with pytest.raises(ValidationError, match="not saved"):  # level 2 is in use
        s.skills.set_rubric(school.admin, k.id, [(1, "Novice", "")])
    s.skills.set_rubric(school.admin, k.id, [])  # back to the default (which has level 2)
    assert len(s.skills.rubric(school.teacher, k.id)) == 4


def test_target_skills_of_an_activity(school):
    s = school.services
    a = s.skills.create_skill(school.admin, "Strategy")
    b = s.skills.create_skill(school.admin, "Focus")
    rows = s.skills.set_activity_skills(school.teacher, school.chess, [(a.id, 3), (b.id, None)])
    assert {(r.name, r.target_level) for r in rows} == {("Strategy", 3), ("Focus", None)}
    rows = s.skills.set_activity_skills(school.teacher, school.chess, [(b.id, 2)])
    assert [(r.name, r.target_level) for r in rows] == [("Focus", 2)]
    assert s.skills.activity_skills(school.parent, school.chess) == rows
    with pytest.raises(ValidationError):
        s.skills.set_activity_skills(school.teacher, school.chess, [(a.id, 9)])
    with pytest.raises(PermissionDenied):
        s.skills.set_activity_skills(school.other_teacher, school.chess, [(a.id, 1)])


def test_assess_a_selection_keeps_history(school):
    s = school.services
    k = s.skills.create_skill(school.admin, "Strategy")
    both = [school.student.id, school.other_student.id]
    first = s.skills.assess(school.teacher, school.chess, both, k.id, 1, "opening", date(2026, 1, 5))
    assert {r.student_id for r in first} == set(both)
    assert first[0].level_name == "Beginning" and first[0].assessor == "Tina Teacher"
    s.skills.assess(school.teacher, school.chess, [school.student.id], k.id, 3, "endgame",
                    datetime(2026, 2, 5, 15, 0))
    hist = s.skills.history(school.student, school.student.id, k.id)
    assert [(h.level, h.evidence) for h in hist] == [(1, "opening"), (3, "endgame")]
    assert hist[0].activity == "Chess Club"
    assert [h.level for h in s.skills.history(school.parent, school.student.id)] == [1, 3]
    with read_only(s.db) as q:
        assert q.scalar(select(func.count(SkillAssessment.id))) == 3
    grid = s.skills.skills_grid(school.teacher, school.chess)
    assert [k.name for k in grid.skills] == ["Strategy"]  # assessed here, though not a target
    assert grid.latest[(school.student.id, k.id)][0] == 3
    assert grid.latest[(school.other_student.id, k.id)][0] == 1
    assert [r.level for r in grid.rubrics[k.id]] == [1, 2, 3, 4]
    assert _audits(s, "assess") == 3


def test_assess_refuses_bad_input_and_writes_nothing(school):
    s = school.services
    k = s.skills.create_skill(school.admin, "Strategy")
    bad = [
        dict(student_ids=[school.student.id], level=7),
        dict(student_ids=[], level=1),
        dict(student_ids=[school.parent.id], level=1),  # not enrolled
        dict(student_ids=[school.student.id], level=1, assessed_at=date.today() + timedelta(days=2)),
    ]
    for kw in bad:
        with pytest.raises(ValidationError):
            s.skills.assess(school.teacher, school.chess, skill_id=k.id, **kw)
    with pytest.raises(PermissionDenied):
        s.skills.assess(school.other_teacher, school.chess, [school.student.id], k.id, 1)
    assert _audits(s, "assess") == 0


def test_history_visibility(school):
    s = school.services
    k = s.skills.create_skill(school.admin, "Strategy")
    s.skills.assess(school.teacher, school.chess, [school.student.id], k.id, 2)
    for actor in (school.student, school.parent, school.teacher, school.admin):
        assert len(s.skills.history(actor, school.student.id)) == 1
    for actor in (school.other_student, school.other_teacher):
        with pytest.raises(PermissionDenied):
            s.skills.history(actor, school.student.id)


def test_participation_summary_uses_ratings_attendance_and_pace(school):
    s = school.services
    today = date.today()
    s.activities.update_activity(school.admin, school.chess, ActivityInput(
        "Chess Club", lead_ids=[school.teacher.id], start_date=today - timedelta(days=50),
        end_date=today + timedelta(days=50)))
    statuses = {st.code: st.id for st in s.attendance.statuses(school.admin)}
    # enrolled today in the fixture: sessions must fall from today on, and be held (past now)
    sessions = []
    for i in range(4):
        start = datetime.combine(today, time(0, 1 + i))
        sessions.append(s.calendar.add_extra_session(
            school.admin, school.chess, start, start + timedelta(minutes=1)).id)
    ratings = [2, 3, 4, 5]
    changes = [MarkChange(sid, school.student.id, statuses["P" if i < 3 else "A"],
                          participation=r, check_version=False)
               for i, (sid, r) in enumerate(zip(sessions, ratings, strict=True))]
    s.attendance.apply(school.teacher, changes)
    rows = {r.student_id: r for r in s.skills.participation_summary(school.teacher, school.chess)}
    sam = rows[school.student.id].summary
    assert sam.average_rating == 3.5 and sam.ratings == 4
    assert sam.trend is Trend.RISING
    progress = {p.user_id: p for p in s.progress.activity_progress(school.teacher, school.chess)}
    assert sam.attendance_rate == progress[school.student.id].attendance_rate == 75.0
    # Sam joined today: nothing of the activity has gone by for him yet (as the standing rule says)
    assert sam.elapsed_pct == progress[school.student.id].expected_progress == 0.0
    assert sam.pace == rows[school.student.id].progress_percentage
    olga = rows[school.other_student.id].summary
    assert olga.average_rating is None and olga.trend is None
    with pytest.raises(PermissionDenied):
        s.skills.participation_summary(school.student, school.chess)


def test_catalog_counts_own_levels_targets_and_assessments(school):
    s = school.services
    plain = s.skills.create_skill(school.admin, "Focus", "Mind")
    own = s.skills.create_skill(school.admin, "Coding", "Tech")
    s.skills.set_rubric(school.admin, own.id, [(1, "Novice", ""), (2, "Able", ""), (3, "Expert", "")])
    s.skills.set_activity_skills(school.teacher, school.chess, [(own.id, 2), (plain.id, None)])
    s.skills.assess(school.teacher, school.chess, [school.student.id, school.other_student.id], own.id, 1)
    rows = {r.name: r for r in s.skills.catalog(school.admin)}
    assert (rows["Coding"].own_levels, rows["Coding"].activities, rows["Coding"].assessments) == (3, 1, 2)
    assert (rows["Focus"].own_levels, rows["Focus"].activities, rows["Focus"].assessments) == (0, 1, 0)
    assert [r.name for r in s.skills.catalog(school.admin)] == ["Focus", "Coding"]  # by category
    with pytest.raises(PermissionDenied):
        s.skills.catalog(school.teacher)


def test_delete_an_unused_skill_with_its_rubric(school):
    s = school.services
    k = s.skills.create_skill(school.admin, "Typo skil")
    s.skills.set_rubric(school.admin, k.id, [(1, "Low", ""), (2, "High", "")])
    with pytest.raises(PermissionDenied):
        s.skills.delete_skill(school.teacher, k.id)
    s.skills.delete_skill(school.admin, k.id)
    assert s.skills.list_skills(school.admin) == []
    assert len(s.skills.rubric(school.admin)) == 4  # the default is untouched
    assert _audits(s, "delete") == 1
    s.skills.create_skill(school.admin, "Typo skil")  # the name is free again


def test_a_skill_in_use_cannot_be_deleted_and_nothing_changes(school):
    s = school.services
    targeted = s.skills.create_skill(school.admin, "Strategy")
    assessed = s.skills.create_skill(school.admin, "Focus")
    s.skills.set_activity_skills(school.teacher, school.chess, [(targeted.id, None)])
    s.skills.assess(school.teacher, school.chess, [school.student.id], assessed.id, 2)
    before = _audits(s, "delete")
    with pytest.raises(ValidationError, match="not deleted") as err:
        s.skills.delete_skill(school.admin, targeted.id)
    assert "target skills" in err.value.problems[0].message
    with pytest.raises(ValidationError) as err:
        s.skills.delete_skill(school.admin, assessed.id)
    assert "history" in err.value.problems[0].message
    assert {k.name for k in s.skills.list_skills(school.admin)} == {"Strategy", "Focus"}
    assert _audits(s, "delete") == before
