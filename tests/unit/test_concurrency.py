"""Two workstations editing the same row get a conflict, never a silent overwrite (issue 2, part 3)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from tracker.db.models import Activity, Base, User
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.enums import Role
from tracker.errors import ConflictError, ValidationError
from tracker.services.activities import ActivityInput
from tracker.services.people import UserInput

# Rows that are written once and never edited (logs, history, links re-created rather than
# edited): they need no version counter. Every other table must have one.
APPEND_ONLY = {
    "audit_log",
    "progress_status_history",
    "skill_assessments",
    "guardian_links",
    "activity_leads",
    "activity_skills",
    "leaderboard_opt_outs",  # a student's choice: the row is there or not
    "portfolio_features",  # a starred item: the row is there or not
    "notification_conditions",  # a condition notified and not cleared: the row is there or not
    "holidays",
    "sync_applied",  # a change from a workstation's queue applied here: its key, once
    "sync_queue",  # a change made offline: written with it, deleted once the server has it
    "replica_info",  # written with the replica, which is rebuilt whole, never edited
}


def _two_workstations_edit(db, model, row_id, first_edit, second_edit):
    """Workstation B reads (its form holds the row), A reads-edits-saves, then B saves its own
    edit of the copy it read: the version it read is stale."""
    with read_only(db) as s:
        row_b = s.get(model, row_id)
        assert row_b is not None and row_b.version == 1
        s.expunge(row_b)
    with unit_of_work(db) as a:
        first_edit(a.session.get(model, row_id))
    with pytest.raises(ConflictError) as err:
        with unit_of_work(db) as b:
            b.session.add(row_b)
            second_edit(row_b)
    assert "Nothing was overwritten" in str(err.value)


def test_second_save_of_a_user_edited_elsewhere_is_a_conflict_and_the_first_wins(school):
    db = school.services.db
    _two_workstations_edit(
        db, User, school.student.id,
        lambda u: setattr(u, "display_name", "Samuel Student"),
        lambda u: setattr(u, "display_name", "Sammy"),
    )
    with read_only(db) as s:
        user = s.get(User, school.student.id)
        assert (user.display_name, user.version) == ("Samuel Student", 2)


def test_second_save_of_an_activity_edited_elsewhere_is_a_conflict_and_the_first_wins(school):
    db = school.services.db
    _two_workstations_edit(
        db, Activity, school.chess,
        lambda a: setattr(a, "location", "Room 12"),
        lambda a: setattr(a, "capacity", 5),
    )
    with read_only(db) as s:
        chess = s.get(Activity, school.chess)
        assert (chess.location, chess.capacity, chess.version) == ("Room 12", None, 2)


def test_a_conflict_rolls_back_everything_in_the_unit_of_work(school):
    db = school.services.db
    with read_only(db) as s:
        drama = s.get(Activity, school.drama)
        s.expunge(drama)
    with unit_of_work(db) as a:
        a.session.get(Activity, school.drama).name = "Theatre"
    with pytest.raises(ConflictError):
        with unit_of_work(db) as b:
            b.session.get(User, school.student.id).grade = "9"  # same transaction: undone too
            b.session.add(drama)
            drama.name = "Stagecraft"
    with read_only(db) as s:
        assert s.get(Activity, school.drama).name == "Theatre"
        assert s.get(User, school.student.id).grade == "7"


def test_saving_a_form_opened_before_someone_elses_save_is_a_conflict(school):
    s = school.services
    opened = s.people.get_user(school.admin, school.student.id)
    s.people.update_user(school.admin, school.student.id,
                         UserInput("sam", "Sam S.", Role.STUDENT, student_number="S001"))
    with pytest.raises(ConflictError):
        s.people.update_user(school.admin, school.student.id,
                             UserInput("sam", "Sam Smith", Role.STUDENT, student_number="S001"),
                             expected_version=opened.version)
    assert s.people.get_user(school.admin, school.student.id).display_name == "Sam S."


def test_saving_an_activity_form_opened_before_someone_elses_save_is_a_conflict(school):
    s = school.services
    opened = s.activities.get_activity(school.admin, school.chess)
    s.activities.update_activity(school.admin, school.chess,
                                 ActivityInput("Chess", lead_ids=[school.teacher.id]))
    with pytest.raises(ConflictError):
        s.activities.update_activity(school.admin, school.chess,
                                     ActivityInput("Chess Society", lead_ids=[school.teacher.id]),
                                     expected_version=opened.version)
    assert s.activities.get_activity(school.admin, school.chess).name == "Chess"
    assert s.activities.update_activity(
        school.admin, school.chess, ActivityInput("Chess Society", lead_ids=[school.teacher.id]),
        expected_version=opened.version + 1).name == "Chess Society"


def test_duplicate_unique_value_is_a_validation_error_not_a_crash(school):
    with pytest.raises(ValidationError, match="conflicts with existing data"):
        with unit_of_work(school.services.db) as tx:
            tx.session.add(User(username="sam", display_name="Another Sam", role=Role.STUDENT))
    with read_only(school.services.db) as s:
        assert len(s.scalars(select(User).where(User.username == "sam")).all()) == 1


def test_every_table_has_a_uid_and_timestamps():
    for table in Base.metadata.tables.values():
        cols = table.c
        assert {"id", "uid", "created_at", "updated_at"} <= set(cols.keys()), table.name
        assert not cols.uid.nullable and cols.uid.unique, table.name


def test_every_mutable_table_has_a_version_counter():
    tables = set(Base.metadata.tables)
    assert APPEND_ONLY <= tables
    for mapper in Base.registry.mappers:
        name = mapper.local_table.name
        if name in APPEND_ONLY:
            assert "version" not in mapper.local_table.c, name
            continue
        assert "version" in mapper.local_table.c, f"{name} is mutable but has no version column"
        assert mapper.version_id_col is mapper.local_table.c.version, name


def test_migrated_schema_has_the_same_bookkeeping_columns(db):
    with db.engine.connect() as conn:
        insp = inspect(conn)
        for name in Base.metadata.tables:
            cols = {c["name"] for c in insp.get_columns(name)}
            assert {"uid", "created_at", "updated_at"} <= cols, name
            assert ("version" in cols) == (name not in APPEND_ONLY), name


def test_uids_are_distinct_uuids_and_updated_at_moves(school):
    import uuid

    with read_only(school.services.db) as s:
        users = s.scalars(select(User)).all()
        uids = [u.uid for u in users]
        stamp = {u.id: u.updated_at for u in users}
    assert len(set(uids)) == len(uids)
    for uid in uids:
        uuid.UUID(uid)
    school.services.people.set_active(school.admin, school.student.id, False)
    with read_only(school.services.db) as s:
        assert s.get(User, school.student.id).updated_at >= stamp[school.student.id]
        assert s.get(User, school.student.id).version == 2
