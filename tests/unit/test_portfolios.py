"""Portfolios (issue 13): what a student's record holds, who sees which activities, features and
reflections (the student's own choice), and the façade."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker.api import TrackerAPI
from tracker.db.models import AuditEntry
from tracker.db.uow import read_only
from tracker.domain.portfolio import ActivityRecord, Portfolio, featured_only
from tracker.errors import ConflictError, NotFound, PermissionDenied, ValidationError

from ..conftest import School
from .achievement_support import add_student, award, mark_present, milestone_done


def activity(p: Portfolio, name: str) -> ActivityRecord:
    return next(a for a in p.activities if a.name == name)


@pytest.fixture
def record(school: School) -> School:
    """Olga: chess (a milestone with a note, present once, a skill from 1 to 3, a chess badge, a
    revoked one), drama (completed by hand: a certificate, a drama badge), a school-wide badge,
    and robotics, which she left."""
    s, admin = school.services, school.admin
    s.milestones.create_milestone(admin, school.chess, title="Keeps chess open")
    milestone_done(school, school.chess, school.other_student.id, "Opening principles", 10, notes="Played the Italian")
    mark_present(school, school.chess, [school.other_student.id])
    skill = s.skills.create_skill(admin, "Strategy").id
    s.skills.assess(school.teacher, school.chess, [school.other_student.id], skill, 1)
    s.skills.assess(school.teacher, school.chess, [school.other_student.id], skill, 3)
    award(s, school.other_student.id, 5, school.chess, name="Quick thinker")
    award(s, school.other_student.id, 50, school.chess, name="Taken back", revoked=True)
    award(s, school.other_student.id, 7, school.drama, name="Stage debut")
    award(s, school.other_student.id, 3, None, name="All-rounder")
    s.enrollment.set_completed_by_hand(admin, school.drama, school.other_student.id, "Performed in the play")
    from tracker.services.activities import ActivityInput

    robotics = s.activities.create_activity(admin, ActivityInput("Robotics", lead_ids=[school.teacher.id])).id
    s.progress.update_progress(admin, robotics, school.other_student.id, status="active")
    s.enrollment.drop(admin, robotics, school.other_student.id, "Clashes with football", date.today())
    return school


def test_a_portfolio_holds_every_activity_with_dates_status_attendance_and_achievements(record: School) -> None:
    school = record
    p = school.services.portfolios.portfolio(school.other_student, school.other_student.id)
    assert (p.student, p.grade, p.class_name, p.editable) == ("Olga Other", "8", "8A", True)
    assert {a.name: a.status for a in p.activities} == {"Chess Club": "active", "Drama": "completed",
                                                       "Robotics": "dropped"}
    chess = activity(p, "Chess Club")
    assert chess.enrolled_on is not None and chess.completed_on is None and chess.dropped_on is None
    assert (chess.present, chess.counted, chess.attendance_rate) == (1, 1, 100.0)
    [m] = chess.milestones
    assert (m.name, m.note, m.points, m.completed_on) == ("Opening principles", "Played the Italian", 10,
                                                          date.today())
    [k] = chess.skills
    assert (k.name, k.first_level, k.latest_level, k.growth, k.assessments) == ("Strategy", 1, 3, 2, 2)
    assert k.first_level_name and k.latest_level_name and k.first_level_name != k.latest_level_name
    assert [(b.name, b.points) for b in chess.badges] == [("Quick thinker", 5)]  # the revoked one is not
    drama = activity(p, "Drama")
    assert drama.completed_on == date.today() and [b.name for b in drama.badges] == ["Stage debut"]
    [cert] = drama.certificates
    assert cert.status == "VALID" and cert.token and cert.code and cert.serial
    assert school.services.certificates.verify(cert.token).status.value == "VALID"
    assert activity(p, "Robotics").dropped_on == date.today()
    assert [b.name for b in p.badges] == ["All-rounder"]
    assert not p.any_featured


def test_a_lead_sees_only_the_activities_they_lead(record: School) -> None:
    school = record
    s = school.services
    tina = s.portfolios.portfolio(school.teacher, school.other_student.id)  # leads chess and robotics
    assert [a.name for a in tina.activities] == ["Chess Club", "Robotics"]
    assert tina.badges == () and not tina.editable  # the school-wide badge is not hers to see
    otto = s.portfolios.portfolio(school.other_teacher, school.other_student.id)
    assert [a.name for a in otto.activities] == ["Drama"]
    assert [b.name for b in otto.activities[0].badges] == ["Stage debut"]
    for everyone in (school.admin, school.other_student):
        assert len(s.portfolios.portfolio(everyone, school.other_student.id).activities) == 3


def test_who_may_read_a_portfolio(record: School) -> None:
    school = record
    s = school.services
    assert [a.name for a in s.portfolios.portfolio(school.parent, school.student.id).activities] == ["Chess Club"]
    for actor, student in ((school.parent, school.other_student.id), (school.student, school.other_student.id),
                           (school.other_teacher, school.student.id)):
        with pytest.raises(PermissionDenied):
            s.portfolios.portfolio(actor, student)
    with pytest.raises(NotFound):
        s.portfolios.portfolio(school.admin, school.teacher.id)


# --------------------------------------------------------------------------- features


def test_a_student_features_items_of_their_own_portfolio(record: School) -> None:
    school = record
    s, olga = school.services, school.other_student
    p = s.portfolios.portfolio(olga, olga.id)
    chess, drama = activity(p, "Chess Club"), activity(p, "Drama")
    assert s.portfolios.set_featured(olga, olga.id, "activity", chess.id, True)
    assert s.portfolios.set_featured(olga, olga.id, "milestone", chess.milestones[0].id, True)
    assert s.portfolios.set_featured(olga, olga.id, "skill", chess.skills[0].id, True)
    assert s.portfolios.set_featured(olga, olga.id, "badge", drama.badges[0].id, True)
    assert s.portfolios.set_featured(olga, olga.id, "certificate", drama.certificates[0].id, True)
    assert s.portfolios.set_featured(olga, olga.id, "badge", p.badges[0].id, True)
    assert s.portfolios.set_featured(olga, olga.id, "badge", p.badges[0].id, True)  # twice: no change
    p = s.portfolios.portfolio(school.admin, olga.id)
    chess, drama = activity(p, "Chess Club"), activity(p, "Drama")
    assert chess.featured and chess.milestones[0].featured and chess.skills[0].featured
    assert not drama.featured and drama.badges[0].featured and drama.certificates[0].featured
    assert p.badges[0].featured and p.any_featured
    listed = featured_only(p)
    assert [a.name for a in listed.activities] == ["Chess Club", "Drama"]
    assert [b.name for b in activity(listed, "Chess Club").badges] == []  # not featured: not listed
    assert not s.portfolios.set_featured(olga, olga.id, "skill", chess.skills[0].id, False)
    assert not activity(s.portfolios.portfolio(olga, olga.id), "Chess Club").skills[0].featured
    with read_only(s.db) as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "portfolio_feature")
                                       .order_by(AuditEntry.id)))
    assert actions == ["feature"] * 6 + ["unfeature"]


def test_only_the_student_chooses_features_and_only_their_own_items(record: School) -> None:
    school = record
    s, olga = school.services, school.other_student
    revoked_award = award(s, olga.id, 1, school.chess, name="Gone", revoked=True)
    sams = milestone_done(school, school.chess, school.student.id, "Sam's milestone", 1)
    for actor in (school.admin, school.teacher, school.parent, school.student):
        with pytest.raises(PermissionDenied):
            s.portfolios.set_featured(actor, olga.id, "activity", school.chess, True)
    for kind, ref in (("milestone", sams), ("badge", revoked_award), ("activity", 9999), ("certificate", 9999),
                      ("skill", 9999)):
        with pytest.raises(ValidationError, match="not in this portfolio"):
            s.portfolios.set_featured(olga, olga.id, kind, ref, True)
    with pytest.raises(ValidationError, match="cannot be featured"):
        s.portfolios.set_featured(olga, olga.id, "attendance", 1, True)


# --------------------------------------------------------------------------- reflections


def test_a_reflection_is_the_students_own_at_most_2000_characters(record: School) -> None:
    school = record
    s, olga = school.services, school.other_student
    with pytest.raises(ValidationError, match="2,001 characters long; at most 2,000") as refused:
        s.portfolios.save_reflection(olga, olga.id, school.chess, "x" * 2001)
    assert "Shorten it by 1" in str(refused.value)
    version = s.portfolios.save_reflection(olga, olga.id, school.chess, "  " + "y" * 2000 + "  ")
    assert activity(s.portfolios.portfolio(olga, olga.id), "Chess Club").reflection == "y" * 2000
    for actor in (school.admin, school.teacher, school.parent, school.student):
        with pytest.raises(PermissionDenied):
            s.portfolios.save_reflection(actor, olga.id, school.chess, "Written for her")
    with pytest.raises(ValidationError, match="take or took part in"):
        s.portfolios.save_reflection(school.student, school.student.id, school.drama, "Not my activity")
    with pytest.raises(ValidationError, match="cannot print"):
        s.portfolios.save_reflection(olga, olga.id, school.chess, "Loved it \U0001F600")
    assert s.portfolios.save_reflection(olga, olga.id, school.chess, "Shorter now.", version=version) == version + 1
    with pytest.raises(ConflictError):  # written meanwhile in another window
        s.portfolios.save_reflection(olga, olga.id, school.chess, "Stale", version=version)
    assert activity(s.portfolios.portfolio(school.teacher, olga.id), "Chess Club").reflection == "Shorter now."
    with read_only(s.db) as session:
        audited = list(session.execute(select(AuditEntry.action, AuditEntry.after)
                                       .where(AuditEntry.entity == "portfolio_reflection").order_by(AuditEntry.id)))
    assert [a for a, _ in audited] == ["create", "update"] and "Shorter now." in audited[-1][1]


def test_a_student_reflects_on_an_activity_they_left(record: School) -> None:
    school = record
    olga = school.other_student
    robotics = activity(school.services.portfolios.portfolio(olga, olga.id), "Robotics").id
    school.services.portfolios.save_reflection(olga, olga.id, robotics, "Too much at once, maybe next year.")
    late = add_student(school, "late", "Lena Late")
    with pytest.raises(ValidationError):
        school.services.portfolios.save_reflection(late, late.id, robotics, "I never joined")


# --------------------------------------------------------------------------- façade


def test_the_facade_portfolio_is_plain_json(record: School) -> None:
    school = record
    d = TrackerAPI(school.services).portfolio(school.parent, school.student.id)
    assert d["student"] == "Sam Student" and d["editable"] is False
    [chess] = d["activities"]
    assert chess["name"] == "Chess Club" and chess["status"] == "active" and "featured" in chess
    olga = TrackerAPI(school.services).portfolio(school.admin, school.other_student.id)
    drama = next(a for a in olga["activities"] if a["name"] == "Drama")
    assert drama["completed_on"] == date.today().isoformat() and drama["certificates"][0]["status"] == "VALID"
    json.dumps([d, olga])
    assert date.today() - timedelta(days=1) < date.fromisoformat(drama["certificates"][0]["issued_on"])
