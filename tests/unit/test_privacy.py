"""Privacy requests (issue 15): everything about a student, erasure that keeps the counts, and
the retention list — all for administrators only."""

from __future__ import annotations

import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import or_, select, update

from tracker.db.models import AuditEntry, Base, GuardianLink, User, UserMilestone
from tracker.db.uow import read_only, unit_of_work
from tracker.errors import NotFound, PermissionDenied, ValidationError
from tracker.services.privacy import student_tables

from ..conftest import School


def _with_history(school: School) -> int:
    """Sam gets a milestone with a note and a reflection; returns the milestone's id."""
    s, admin, sam = school.services, school.admin, school.student
    m = s.milestones.create_milestone(admin, school.chess, title="Opening", required=True)
    s.milestones.complete_milestone(admin, m.id, sam.id, notes="Sam Student played well")
    s.portfolios.save_reflection(sam, sam.id, school.chess, "I liked the openings")
    return m.id


def _walk_foreign_keys_to_users() -> set[str]:
    """Independently of the service: every table with a foreign key to users.id."""
    return {t.name for t in Base.metadata.sorted_tables
            for fk in t.foreign_keys if fk.column.table.name == "users" and fk.column.name == "id"}


def test_every_table_referencing_users_is_walked():
    assert _walk_foreign_keys_to_users() <= set(student_tables())
    # one step further: the rows that hang off an enrollment
    assert {"progress_status_history", "enrollment_attendance"} <= set(student_tables())


def test_subject_access_zip_holds_every_table_naming_the_student(school: School, tmp_path: Path):
    _with_history(school)
    s = school.services
    out = s.privacy.subject_access(school.admin, school.student.id, tmp_path / "sam.zip")
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == ["student.json", "student.pdf"]
        doc = json.loads(z.read("student.json"))
        assert z.read("student.pdf").startswith(b"%PDF")
    tables = doc["tables"]
    with read_only(s.db) as session:
        for name in _walk_foreign_keys_to_users():
            table = Base.metadata.tables[name]
            columns = [c for c in table.columns
                       if any(fk.column.table.name == "users" for fk in c.foreign_keys)]
            naming = set(session.scalars(select(table.c.id).where(or_(*(c == school.student.id for c in columns)))))
            assert naming <= {r["id"] for r in tables.get(name, [])}, name
            if naming:
                assert name in tables
    assert tables["users"][0]["display_name"] == "Sam Student"
    assert "password_hash" not in tables["users"][0]
    assert {"activity_progress", "guardian_links", "user_milestones", "portfolio_reflections",
            "audit_log"} <= set(tables)
    assert any(e["entity"] == "user" and e["entity_id"] == school.student.id for e in tables["audit_log"])
    # the request itself is in the log
    assert s.audit.recent(school.admin, entity="user", entity_id=school.student.id)[0].action == "subject_access"


def test_erase_keeps_the_counts_and_scrubs_the_audit_log(school: School):
    _with_history(school)
    s, admin, sam = school.services, school.admin, school.student
    before = s.analytics.school_analytics(admin)
    result = s.privacy.erase(admin, sam.id, confirm_name="  sam student ")
    after = s.analytics.school_analytics(admin)
    assert after == before  # every count, rate and distribution the same
    assert result.display_name == f"Former student #{sam.id}"
    with read_only(s.db) as session:
        user = session.get(User, sam.id)
        assert user is not None
        assert (user.display_name, user.username, user.student_number, user.password_hash, user.active) == (
            f"Former student #{sam.id}", f"erased-{sam.id}", None, None, False)
        assert user.erased_at is not None
        assert not session.scalars(select(GuardianLink).where(GuardianLink.student_id == sam.id)).all()
        um = session.scalars(select(UserMilestone).where(UserMilestone.user_id == sam.id)).one()
        assert um.notes == ""  # the row stays: it is counted
        log = " ".join(f"{e.before} {e.after}" for e in session.scalars(select(AuditEntry)))
    assert "Sam Student" not in log and "S001" not in log and '"sam"' not in log
    last = s.audit.recent(admin, entity="user", entity_id=sam.id)[0]
    assert last.action == "erase" and "Sam" not in json.dumps(last.after)


def test_erase_refuses_a_wrong_name_and_changes_nothing(school: School):
    s = school.services
    with read_only(s.db) as session:
        audit_before = session.query(AuditEntry).count()
    with pytest.raises(ValidationError):
        s.privacy.erase(school.admin, school.student.id, confirm_name="Sam Studen")
    with read_only(s.db) as session:
        user = session.get(User, school.student.id)
        assert user is not None and user.display_name == "Sam Student" and user.erased_at is None
        assert session.query(AuditEntry).count() == audit_before
        assert session.scalars(select(GuardianLink)).all()


def test_only_students_are_erased(school: School):
    with pytest.raises(NotFound):
        school.services.privacy.erase(school.admin, school.teacher.id, confirm_name="Tina Teacher")


@pytest.mark.parametrize("who", ["teacher", "student", "parent"])
def test_privacy_is_for_administrators_only(school: School, who: str, tmp_path: Path):
    s, actor = school.services, getattr(school, who)
    with pytest.raises(PermissionDenied):
        s.privacy.subject_access(actor, school.student.id, tmp_path / "x.zip")
    with pytest.raises(PermissionDenied):
        s.privacy.erase(actor, school.student.id, confirm_name="Sam Student")
    with pytest.raises(PermissionDenied):
        s.privacy.retention_candidates(actor)
    assert not (tmp_path / "x.zip").exists()


def test_deactivating_a_student_records_the_day_they_left(school: School):
    s = school.services
    s.people.set_active(school.admin, school.student.id, False)
    with read_only(s.db) as session:
        assert session.get(User, school.student.id).left_on == date.today()  # type: ignore[union-attr]
    s.people.set_active(school.admin, school.student.id, True)
    with read_only(s.db) as session:
        assert session.get(User, school.student.id).left_on is None  # type: ignore[union-attr]


def test_retention_proposes_students_who_left_long_enough_ago(school: School):
    s = school.services
    s.people.set_active(school.admin, school.student.id, False)
    s.people.set_active(school.admin, school.other_student.id, False)
    long_ago = date.today() - timedelta(days=366 * 8)
    with unit_of_work(s.db) as tx:
        tx.session.execute(update(User).where(User.id == school.student.id).values(left_on=long_ago))
    found = s.privacy.retention_candidates(school.admin)
    assert [(c.id, c.years_ago) for c in found] == [(school.student.id, 8)]
    s.settings.update(school.admin, privacy_retention_years=9)
    assert s.privacy.retention_candidates(school.admin) == []
    s.settings.update(school.admin, privacy_retention_years=7)
    s.privacy.erase(school.admin, school.student.id, confirm_name="Sam Student")
    assert s.privacy.retention_candidates(school.admin) == []
