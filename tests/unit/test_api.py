"""The tracker.api façade: the contract outside scripts and the acceptance suite rely on
(issue 2, part 5). Every result must survive json.dumps; every refusal changes nothing."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tracker.api import TrackerAPI
from tracker.db.models import (
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    AuditEntry,
    Milestone,
    ProgressStatusHistory,
    User,
    UserMilestone,
)
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.enums import Role
from tracker.errors import AuthError, NotFound, PermissionDenied, ValidationError
from tracker.services.people import UserInput

from ..conftest import PASSWORD

PROGRESS_KEYS = {
    "activity_id", "activity", "status", "progress_percentage", "attendance_rate",
    "milestones_done", "milestones_total", "points", "started_at", "completed_at",
}
ANALYTICS_KEYS = {
    "enrolled", "active", "completed", "dropped", "completion_rate", "average_attendance_rate",
    "average_progress", "milestones",
}
MILESTONE_STAT_KEYS = {"id", "title", "required", "points", "completed"}


@pytest.fixture
def api(school) -> TrackerAPI:
    return TrackerAPI(school.services)


def roundtrip(value):
    """The façade promises plain JSON: dumping and loading gives the same value back."""
    assert json.loads(json.dumps(value)) == value
    return value


def snapshot(api: TrackerAPI) -> dict[str, object]:
    """Everything a refused write must leave as it was."""
    with read_only(api.db) as s:
        return {
            "audit": s.scalar(select(func.count(AuditEntry.id))),
            "history": s.scalar(select(func.count(ProgressStatusHistory.id))),
            "milestones": s.execute(select(Milestone.id, Milestone.title, Milestone.points,
                                           Milestone.version).order_by(Milestone.id)).all(),
            "completions": s.execute(select(UserMilestone.user_id, UserMilestone.milestone_id,
                                            UserMilestone.notes).order_by(UserMilestone.id)).all(),
            "progress": s.execute(
                select(ActivityProgress.user_id, ActivityProgress.activity_id, ActivityProgress.status,
                       ActivityProgress.progress_percentage, ActivityProgress.note,
                       ActivityProgress.completed_at, ActivityProgress.version)
                .order_by(ActivityProgress.id)).all(),
        }


def by_name(rows, key="name"):
    return {r[key]: r for r in rows}


# --------------------------------------------------------------------------- opening and login


def test_script_opens_a_new_school_file_and_signs_in(tmp_path):
    path = tmp_path / "new-school.db"
    with TrackerAPI.open(str(path)) as api:
        admin = api.services.auth.create_first_admin("head", PASSWORD)
        assert api.login("head", PASSWORD) == admin
        assert roundtrip(api.list_activities(admin)) == []
        with pytest.raises(AuthError):
            api.login("head", "wrong-password")
    with TrackerAPI.open(path) as again:  # a Path works too; the school is still there
        assert again.login("head", PASSWORD).username == "head"
    with TrackerAPI.open(f"sqlite:///{path}") as by_url:
        assert by_url.login("head", PASSWORD).username == "head"


def test_login_failure_is_an_auth_error(api):
    for user, pw in (("tina", "nope-nope"), ("ghost", PASSWORD), ("", ""), ("tina", None), (None, None)):
        with pytest.raises(AuthError):
            api.login(user, pw)


# --------------------------------------------------------------------------- list_activities


def test_each_role_lists_only_the_activities_it_may_see(api, school):
    seen = {
        who: {a["name"] for a in roundtrip(api.list_activities(actor))}
        for who, actor in (("admin", school.admin), ("tina", school.teacher), ("otto", school.other_teacher),
                           ("sam", school.student), ("olga", school.other_student), ("pat", school.parent))
    }
    assert seen == {
        "admin": {"Chess Club", "Drama"},
        "tina": {"Chess Club"},
        "otto": {"Drama"},
        "sam": {"Chess Club"},
        "olga": {"Chess Club", "Drama"},
        "pat": {"Chess Club"},  # their child's activities
    }


def test_activity_rows_carry_ids_names_and_counts(api, school):
    chess = by_name(api.list_activities(school.admin))["Chess Club"]
    assert chess["id"] == school.chess
    assert chess["lead_ids"] == [school.teacher.id] and chess["leads"] == ["Tina Teacher"]
    assert chess["active"] == 2


# --------------------------------------------------------------------------- find_users


def test_find_users_rows_have_the_contract_keys(api, school):
    rows = by_name(roundtrip(api.find_users(school.admin)), "username")
    assert set(rows) == {"admin", "tina", "otto", "sam", "olga", "pat"}
    for r in rows.values():
        assert {"id", "username", "display_name", "role"} <= set(r)
    assert rows["pat"]["children"] == [school.student.id]
    assert rows["tina"]["activities"] == [school.chess]
    assert rows["otto"]["activities"] == [school.drama]
    assert rows["sam"]["role"] == "student"


def test_find_users_by_role_and_name(api, school):
    assert {u["username"] for u in api.find_users(school.admin, role="teacher")} == {"tina", "otto"}
    assert {u["username"] for u in api.find_users(school.admin, role=Role.PARENT)} == {"pat"}
    assert [u["username"] for u in api.find_users(school.admin, name="olg")] == ["olga"]
    assert [u["username"] for u in api.find_users(school.admin, name="S001")] == ["sam"]
    assert api.find_users(school.admin, name="nobody-like-this") == []


def test_find_users_with_an_unknown_role_is_a_validation_error(api, school):
    with pytest.raises(ValidationError):
        api.find_users(school.admin, role="headmaster")


def test_parent_finds_only_themself_and_own_children(api, school):
    assert {u["username"] for u in api.find_users(school.parent)} == {"pat", "sam"}


def test_student_finds_only_themself(api, school):
    assert [u["username"] for u in api.find_users(school.student)] == ["sam"]


def test_teacher_finds_themself_and_students_of_led_activities(api, school):
    assert {u["username"] for u in api.find_users(school.teacher)} == {"tina", "sam", "olga"}
    assert {u["username"] for u in api.find_users(school.other_teacher)} == {"otto", "olga"}


# --------------------------------------------------------------------------- get_user_progress


def test_progress_rows_have_the_contract_keys(api, school):
    rows = roundtrip(api.get_user_progress(school.admin, school.other_student.id))
    assert {r["activity"] for r in rows} == {"Chess Club", "Drama"}
    for r in rows:
        assert PROGRESS_KEYS <= set(r)
        assert r["status"] == "active" and r["progress_percentage"] == 0
        assert r["attendance_rate"] is None and r["completed_at"] is None
        datetime.fromisoformat(r["started_at"])


def test_parent_sees_only_own_children(api, school):
    assert [r["activity"] for r in api.get_user_progress(school.parent, school.student.id)] == ["Chess Club"]
    with pytest.raises(PermissionDenied):
        api.get_user_progress(school.parent, school.other_student.id)


def test_student_sees_only_their_own_progress(api, school):
    assert len(api.get_user_progress(school.student, school.student.id)) == 1
    with pytest.raises(PermissionDenied):
        api.get_user_progress(school.student, school.other_student.id)


def test_teacher_sees_progress_only_in_activities_they_lead(api, school):
    assert [r["activity"] for r in api.get_user_progress(school.teacher, school.other_student.id)] == [
        "Chess Club"]
    assert [r["activity"] for r in api.get_user_progress(school.other_teacher, school.other_student.id)] == [
        "Drama"]
    with pytest.raises(PermissionDenied):
        api.get_user_progress(school.other_teacher, school.student.id)


def test_unknown_ids_are_not_found(api, school):
    with pytest.raises(NotFound):
        api.get_user_progress(school.admin, 9999)
    with pytest.raises(NotFound):
        api.update_progress(school.admin, 9999, school.student.id, progress_percentage=10)
    with pytest.raises(NotFound):
        api.update_progress(school.admin, school.chess, 9999, progress_percentage=10)
    with pytest.raises(NotFound):
        api.create_milestone(school.admin, 9999, title="Nowhere")
    with pytest.raises(NotFound):
        api.complete_milestone(school.admin, 9999, school.student.id)
    m = api.create_milestone(school.admin, school.chess, title="Real")
    with pytest.raises(NotFound):
        api.complete_milestone(school.admin, m["id"], 9999)
    with pytest.raises(NotFound):
        api.get_activity_analytics(school.admin, 9999)


# --------------------------------------------------------------------------- update_progress


def test_teacher_sets_progress_by_hand(api, school):
    row = roundtrip(api.update_progress(school.teacher, school.chess, school.student.id,
                                        progress_percentage=42.5, note="Good openings"))
    assert PROGRESS_KEYS <= set(row)
    assert row["progress_percentage"] == 42.5 and row["note"] == "Good openings"
    assert api.get_user_progress(school.student, school.student.id)[0]["progress_percentage"] == 42.5


@pytest.mark.parametrize("kwargs", [
    {"status": "finished"},
    {"status": ""},
    {"progress_percentage": 100.5},
    {"progress_percentage": -1},
    {"progress_percentage": "lots"},
    {"progress_percentage": float("nan")},
    {"status": "dropped"},  # a drop needs a reason
])
def test_bad_progress_input_is_refused_and_changes_nothing(api, school, kwargs):
    before = snapshot(api)
    with pytest.raises(ValidationError):
        api.update_progress(school.teacher, school.chess, school.student.id, **kwargs)
    assert snapshot(api) == before


def test_refused_update_does_not_enroll_anyone(api, school):
    before = snapshot(api)
    with pytest.raises(ValidationError):
        api.update_progress(school.admin, school.drama, school.student.id, status="dropped")
    assert snapshot(api) == before
    assert api.get_user_progress(school.admin, school.student.id)[0]["activity"] == "Chess Club"


def test_only_students_have_progress(api, school):
    before = snapshot(api)
    with pytest.raises(ValidationError):
        api.update_progress(school.admin, school.chess, school.parent.id, progress_percentage=5)
    assert snapshot(api) == before


def test_teacher_cannot_update_progress_in_another_teachers_activity(api, school):
    before = snapshot(api)
    with pytest.raises(PermissionDenied):
        api.update_progress(school.teacher, school.drama, school.other_student.id, progress_percentage=80)
    for reader in (school.student, school.parent):
        with pytest.raises(PermissionDenied):
            api.update_progress(reader, school.chess, school.student.id, progress_percentage=80)
    assert snapshot(api) == before


def test_drop_requires_a_note_and_keeps_it_as_the_reason(api, school):
    row = api.update_progress(school.teacher, school.chess, school.student.id, status="dropped",
                              note="Moved to another school")
    assert row["status"] == "dropped" and row["drop_reason"] == "Moved to another school"
    assert row["dropped_on"] == date.today().isoformat()
    analytics = api.get_activity_analytics(school.teacher, school.chess)
    assert (analytics["active"], analytics["dropped"]) == (1, 1)


def test_update_progress_enrolls_a_student_not_yet_enrolled(api, school):
    row = api.update_progress(school.other_teacher, school.drama, school.student.id, status="active")
    assert row["status"] == "active" and row["started_at"]
    assert {r["activity"] for r in api.get_user_progress(school.parent, school.student.id)} == {
        "Chess Club", "Drama"}


def test_status_is_accepted_in_any_case(api, school):
    assert api.update_progress(school.admin, school.chess, school.student.id,
                               status=" Completed ")["status"] == "completed"


def test_manual_completion_sticks_when_milestones_change(api, school):
    m = api.create_milestone(school.teacher, school.chess, title="Learn the rules")
    row = api.update_progress(school.teacher, school.chess, school.student.id, status="completed",
                              note="Signed off early")
    assert row["status"] == "completed" and row["completed_at"]
    api.complete_milestone(school.teacher, m["id"], school.student.id)
    api.services.milestones.uncomplete_milestone(school.teacher, m["id"], school.student.id)
    row = api.get_user_progress(school.teacher, school.student.id)[0]
    assert row["status"] == "completed" and row["completed_at"]
    reopened = api.update_progress(school.teacher, school.chess, school.student.id, status="active")
    assert reopened["status"] == "active" and reopened["completed_at"] is None


# --------------------------------------------------------------------------- milestones


def test_create_milestone_returns_it_in_order(api, school):
    first = roundtrip(api.create_milestone(school.teacher, school.chess, title="  Rules  ",
                                           description="How pieces move", points=10))
    second = api.create_milestone(school.teacher, school.chess, title="Tournament", points=30,
                                  required=False)
    assert {"id", "title", "description", "points", "order_index", "required"} <= set(first)
    assert (first["title"], first["points"], first["required"]) == ("Rules", 10, True)
    assert second["order_index"] == first["order_index"] + 1 and second["required"] is False
    placed = api.create_milestone(school.teacher, school.chess, title="Warm-up", order_index=0)
    assert placed["order_index"] == 0


@pytest.mark.parametrize("kwargs", [
    {"title": ""},
    {"title": "   "},
    {"title": "x" * 201},
    {"title": "Fine", "points": -5},
    {"title": "Fine", "points": "many"},
    {"title": "Fine", "points": 1.5},
    {"title": "Fine", "points": True},
    {"title": "Fine", "points": None},
    {"title": "Fine", "order_index": 2.5},
    {"title": "Fine", "order_index": -1},
])
def test_bad_milestone_is_refused_and_changes_nothing(api, school, kwargs):
    before = snapshot(api)
    with pytest.raises(ValidationError):
        api.create_milestone(school.teacher, school.chess, **kwargs)
    assert snapshot(api) == before


def test_teacher_cannot_add_milestones_to_another_teachers_activity(api, school):
    before = snapshot(api)
    with pytest.raises(PermissionDenied):
        api.create_milestone(school.teacher, school.drama, title="Sneaky")
    assert snapshot(api) == before


def test_completing_a_milestone_recomputes_progress_by_points(api, school):
    rules = api.create_milestone(school.teacher, school.chess, title="Rules", points=10)
    api.create_milestone(school.teacher, school.chess, title="Tournament", points=30)
    done = roundtrip(api.complete_milestone(school.teacher, rules["id"], school.student.id,
                                            notes="Knows them"))
    assert done["progress_percentage"] == 25.0 and done["status"] == "active"
    assert done["notes"] == "Knows them" and done["milestone_id"] == rules["id"]
    row = api.get_user_progress(school.student, school.student.id)[0]
    assert (row["progress_percentage"], row["milestones_done"], row["milestones_total"], row["points"]) == (
        25.0, 1, 2, 10)
    # the other student is untouched
    assert api.get_user_progress(school.admin, school.other_student.id)[0]["progress_percentage"] == 0


def test_completing_all_required_milestones_completes_the_activity(api, school):
    rules = api.create_milestone(school.teacher, school.chess, title="Rules", points=10)
    game = api.create_milestone(school.teacher, school.chess, title="First game", points=30)
    api.create_milestone(school.teacher, school.chess, title="Bonus puzzle", points=0, required=False)
    api.complete_milestone(school.teacher, rules["id"], school.student.id)
    done = api.complete_milestone(school.teacher, game["id"], school.student.id)
    assert done["status"] == "completed" and done["progress_percentage"] == 100.0
    row = api.get_user_progress(school.parent, school.student.id)[0]
    assert row["status"] == "completed" and row["completed_at"]
    assert datetime.fromisoformat(row["completed_at"]) <= datetime.utcnow() + timedelta(seconds=1)
    analytics = api.get_activity_analytics(school.teacher, school.chess)
    assert analytics["completed"] == 1 and analytics["active"] == 1
    assert by_name(analytics["milestones"], "title")["Rules"]["completed"] == 1


def test_uncompleting_a_required_milestone_reverts_completion(api, school):
    m = api.create_milestone(school.teacher, school.chess, title="Only one")
    assert api.complete_milestone(school.teacher, m["id"], school.student.id)["status"] == "completed"
    api.services.milestones.uncomplete_milestone(school.teacher, m["id"], school.student.id)
    row = api.get_user_progress(school.student, school.student.id)[0]
    assert row["status"] == "active" and row["completed_at"] is None
    assert row["progress_percentage"] == 0.0
    assert api.get_activity_analytics(school.admin, school.chess)["completed"] == 0


def test_a_new_required_milestone_reopens_a_completed_student(api, school):
    m = api.create_milestone(school.teacher, school.chess, title="First")
    api.complete_milestone(school.teacher, m["id"], school.student.id)
    api.create_milestone(school.teacher, school.chess, title="Second")
    row = api.get_user_progress(school.student, school.student.id)[0]
    assert row["status"] == "active" and row["progress_percentage"] == 50.0


def test_completing_a_milestone_overrides_a_manual_percentage(api, school):
    m = api.create_milestone(school.teacher, school.chess, title="A", points=1)
    api.create_milestone(school.teacher, school.chess, title="B", points=3)
    api.update_progress(school.teacher, school.chess, school.student.id, progress_percentage=90)
    assert api.complete_milestone(school.teacher, m["id"], school.student.id)["progress_percentage"] == 25.0


def test_completing_again_only_updates_the_notes(api, school):
    m = api.create_milestone(school.teacher, school.chess, title="A")
    api.create_milestone(school.teacher, school.chess, title="B")
    first = api.complete_milestone(school.teacher, m["id"], school.student.id, notes="first")
    second = api.complete_milestone(school.teacher, m["id"], school.student.id, notes="second")
    assert second["id"] == first["id"] and second["completed_at"] == first["completed_at"]
    assert second["notes"] == "second"


def test_milestone_for_a_student_not_enrolled_or_dropped_is_refused(api, school):
    m = api.create_milestone(school.teacher, school.chess, title="A")
    with pytest.raises(ValidationError):
        api.complete_milestone(school.admin, m["id"], school.parent.id)
    api.update_progress(school.teacher, school.chess, school.student.id, status="dropped", note="left")
    before = snapshot(api)
    with pytest.raises(ValidationError):
        api.complete_milestone(school.teacher, m["id"], school.student.id)
    assert snapshot(api) == before


def test_teacher_cannot_tick_milestones_in_another_teachers_activity(api, school):
    m = api.create_milestone(school.other_teacher, school.drama, title="Monologue")
    before = snapshot(api)
    with pytest.raises(PermissionDenied):
        api.complete_milestone(school.teacher, m["id"], school.other_student.id)
    with pytest.raises(PermissionDenied):
        api.complete_milestone(school.other_student, m["id"], school.other_student.id)
    assert snapshot(api) == before


# --------------------------------------------------------------------------- analytics


def _add_attendance(api: TrackerAPI, activity_id: int, marks: dict[int, str]) -> None:
    """Held sessions in the past with attendance codes per student: {student_id: "PPLA"}."""
    n = max(len(codes) for codes in marks.values())
    start = datetime.now().replace(microsecond=0) - timedelta(days=n + 1)
    with unit_of_work(api.db) as tx:
        s = tx.session
        status = dict(s.execute(select(AttendanceStatus.code, AttendanceStatus.id)).all())
        s.execute(
            ActivityProgress.__table__.update()
            .where(ActivityProgress.activity_id == activity_id)
            .values(enrolled_on=start.date() - timedelta(days=7))
        )
        sessions = []
        for i in range(n):
            sess = ActivitySession(activity_id=activity_id, starts_at=start + timedelta(days=i),
                                   ends_at=start + timedelta(days=i, hours=1))
            s.add(sess)
            sessions.append(sess)
        s.flush()
        for student_id, codes in marks.items():
            for sess, code in zip(sessions, codes, strict=False):
                s.add(AttendanceRecord(session_id=sess.id, student_id=student_id, status_id=status[code]))


def test_analytics_figures_on_a_known_small_activity(api, school):
    s = school.services
    dan = s.people.create_user(school.admin, UserInput("dan", "Dan Dropped", Role.STUDENT))
    api.update_progress(school.teacher, school.chess, dan.id, status="active")
    _add_attendance(api, school.chess, {
        school.student.id: "PPLA",  # 3 of 4 → 75 %
        school.other_student.id: "PAEE",  # excused does not count: 1 of 2 → 50 %
    })
    api.update_progress(school.teacher, school.chess, dan.id, status="dropped", note="Clash with football")
    rules = api.create_milestone(school.teacher, school.chess, title="Rules", points=10)
    game = api.create_milestone(school.teacher, school.chess, title="Tournament", points=30)
    puzzle = api.create_milestone(school.teacher, school.chess, title="Puzzle", required=False)
    api.complete_milestone(school.teacher, rules["id"], school.student.id)
    api.complete_milestone(school.teacher, game["id"], school.student.id)
    api.complete_milestone(school.teacher, rules["id"], school.other_student.id)

    sam = api.get_user_progress(school.student, school.student.id)[0]
    assert (sam["status"], sam["attendance_rate"], sam["progress_percentage"]) == ("completed", 75.0, 100.0)
    assert (sam["milestones_done"], sam["milestones_total"], sam["points"]) == (2, 3, 40)
    olga = api.get_user_progress(school.teacher, school.other_student.id)[0]
    assert (olga["status"], olga["attendance_rate"], olga["progress_percentage"]) == ("active", 50.0, 25.0)

    a = roundtrip(api.get_activity_analytics(school.teacher, school.chess))
    assert ANALYTICS_KEYS <= set(a)
    assert (a["enrolled"], a["active"], a["completed"], a["dropped"]) == (3, 1, 1, 1)
    assert a["completion_rate"] == 33.3
    assert a["average_attendance_rate"] == 62.5  # dan has no marks: not counted
    assert a["average_progress"] == 62.5  # (100 + 25) / 2: dropped students are not averaged
    stats = {m["title"]: m for m in a["milestones"]}
    assert [m["title"] for m in a["milestones"]] == ["Rules", "Tournament", "Puzzle"]
    for m in a["milestones"]:
        assert MILESTONE_STAT_KEYS <= set(m)
    assert stats["Rules"] == {**stats["Rules"], "id": rules["id"], "required": True, "points": 10,
                              "completed": 2}
    assert (stats["Tournament"]["completed"], stats["Puzzle"]["completed"]) == (1, 0)
    assert stats["Puzzle"]["id"] == puzzle["id"] and stats["Puzzle"]["required"] is False


def test_analytics_of_an_empty_activity_has_no_rates(api, school):
    s = school.services
    from tracker.services.activities import ActivityInput

    empty = s.activities.create_activity(school.admin, ActivityInput("Robotics"))
    a = roundtrip(api.get_activity_analytics(school.admin, empty.id))
    assert (a["enrolled"], a["active"], a["completed"], a["dropped"]) == (0, 0, 0, 0)
    assert a["completion_rate"] is None and a["average_attendance_rate"] is None
    assert a["average_progress"] is None and a["milestones"] == []


def test_attendance_needs_a_minimum_rate_to_complete(api, school):
    from tracker.services.activities import ActivityInput

    s = school.services
    s.activities.update_activity(school.admin, school.chess, ActivityInput(
        "Chess Club", lead_ids=[school.teacher.id], min_attendance_pct=80))
    _add_attendance(api, school.chess, {school.student.id: "PPLA", school.other_student.id: "PPPP"})
    m = api.create_milestone(school.teacher, school.chess, title="Rules")
    assert api.complete_milestone(school.teacher, m["id"], school.student.id)["status"] == "active"
    assert api.complete_milestone(school.teacher, m["id"], school.other_student.id)["status"] == "completed"
    missing = api.get_user_progress(school.student, school.student.id)[0]["missing"]
    assert any("attendance 75%" in reason for reason in missing)


def test_only_leads_and_admins_see_analytics(api, school):
    for actor in (school.other_teacher, school.student, school.parent):
        with pytest.raises(PermissionDenied):
            api.get_activity_analytics(actor, school.chess)
    assert api.get_activity_analytics(school.teacher, school.chess)["enrolled"] == 2


def test_every_result_is_plain_json_for_every_role(api, school):
    m = api.create_milestone(school.admin, school.chess, title="Rules", points=5)
    api.complete_milestone(school.admin, m["id"], school.student.id)
    for actor in (school.admin, school.teacher, school.other_teacher, school.student,
                  school.other_student, school.parent):
        roundtrip(api.list_activities(actor))
        roundtrip(api.find_users(actor))
    for actor, student in ((school.admin, school.student), (school.teacher, school.student),
                           (school.student, school.student), (school.parent, school.student),
                           (school.other_teacher, school.other_student)):
        roundtrip(api.get_user_progress(actor, student.id))
    roundtrip(api.get_activity_analytics(school.admin, school.chess))


def test_deactivated_user_keeps_no_rights_through_the_facade(api, school):
    school.services.people.set_active(school.admin, school.parent.id, False)
    with pytest.raises(PermissionDenied):
        api.get_user_progress(school.parent, school.student.id)
    with pytest.raises(AuthError):
        api.login("pat", PASSWORD)
    with read_only(api.db) as s:
        assert s.scalar(select(User.active).where(User.username == "pat")) is False


def test_progress_rows_carry_the_standing_and_the_override_as_the_gui_shows_them(api, school):
    from datetime import date, timedelta

    m = api.create_milestone(school.teacher, school.chess, title="Openings", points=1,
                             due_date=date.today() - timedelta(days=2))
    row = roundtrip(api.get_user_progress(school.teacher, school.student.id))[0]
    assert row["standing"] == "behind"
    assert row["standing_reasons"] == [f"1 milestone overdue: Openings (due {m['due_date'][8:].lstrip('0')} "
                                       f"{date.fromisoformat(m['due_date']):%b})"]
    gui = api.services.enrollment.roster(school.teacher, school.chess)
    mine = next(r for r in gui if r.student_id == school.student.id)
    assert (mine.standing.value, list(mine.standing_reasons)) == (row["standing"], row["standing_reasons"])
    api.services.progress.override_progress(school.teacher, school.chess, school.student.id,
                                            progress_percentage=60, note="Played at the county event")
    row = roundtrip(api.get_user_progress(school.student, school.student.id))[0]
    assert row["progress_manual"] and row["override_note"] == "Played at the county event"
    assert row["override_by"] == "Tina Teacher"
