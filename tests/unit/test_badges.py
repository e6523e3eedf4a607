"""The badge service (issue 13): who may define, award and revoke badges, awarding by hand,
revoking, "award to everyone who already qualifies" with its preview, what a student sees (earned
and within reach), Open Badges exports, the façade, the CLI and the demo school's badges."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date, timedelta

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import select

from tracker.api import TrackerAPI
from tracker.cli import main as cli_main
from tracker.db.models import AuditEntry
from tracker.db.uow import read_only
from tracker.domain.badge_rules import Criterion, CriterionKind
from tracker.domain.credentials import TokenError
from tracker.domain.enums import Role
from tracker.domain.open_badges import verify_credential
from tracker.errors import NotFound, PermissionDenied, ValidationError
from tracker.services.badges import BadgeInput
from tracker.services.people import UserInput

from ..conftest import PASSWORD
from .badge_support import award_rows, enrolled_since, holders, make_badge, mark, sessions_on

K = CriterionKind


def _steps(school, *points: int) -> list[int]:
    return [school.services.milestones.create_milestone(school.admin, school.chess, title=f"Step {n}", points=p).id
            for n, p in enumerate(points, start=1)]


def _award(school, badge_id: int, student_id: int, actor=None, note: str = "Helped everyone set up"):
    return school.services.badges.award(actor or school.teacher, badge_id, student_id, note=note)


# --------------------------------------------------------------------------- who may do what


def test_a_lead_defines_badges_for_their_activity_only_and_school_wide_ones_are_for_admins(school):
    s = school.services
    chess = s.badges.save(school.teacher, BadgeInput("Opening master", activity_id=school.chess))
    assert chess.activity_name == "Chess Club" and chess.criteria_text == "Awarded by a teacher of Chess Club"
    with pytest.raises(PermissionDenied):
        s.badges.save(school.teacher, BadgeInput("Stage fright", activity_id=school.drama))
    with pytest.raises(PermissionDenied):
        s.badges.save(school.teacher, BadgeInput("School star"))
    with pytest.raises(PermissionDenied):  # nor move their badge to an activity they do not lead
        s.badges.save(school.teacher, BadgeInput("Opening master", activity_id=school.drama), badge_id=chess.id)
    with pytest.raises(PermissionDenied):
        s.badges.save(school.other_teacher, BadgeInput("Mine now", activity_id=school.drama), badge_id=chess.id)
    assert s.badges.save(school.admin, BadgeInput("School star")).activity_id is None
    for reader in (school.student, school.parent):
        with pytest.raises(PermissionDenied):
            s.badges.save(reader, BadgeInput("Self-made", activity_id=school.chess))
        with pytest.raises(PermissionDenied):
            s.badges.archive(reader, chess.id)
        with pytest.raises(PermissionDenied):
            _award(school, chess.id, school.student.id, actor=reader)


def test_the_policy_is_checked_before_the_input(school):
    """A refused user is told they may not, not what is wrong with what they typed."""
    s = school.services
    bad = BadgeInput("", activity_id=school.drama, points=-5, design="nope", primary_colour="red",
                     criterion=Criterion(K.ACTIVITIES_COMPLETED, count=0))
    with pytest.raises(PermissionDenied):
        s.badges.save(school.teacher, bad)
    with pytest.raises(PermissionDenied):
        s.badges.preview_count(school.teacher, bad)
    badge = make_badge(school, "Drama only", Criterion(), school.drama)
    with pytest.raises(PermissionDenied):
        s.badges.award(school.teacher, badge.id, 99999, note="")
    with pytest.raises(PermissionDenied):
        s.badges.award(school.student, badge.id, school.student.id, note="")


def test_input_problems_are_named_by_field(school):
    s = school.services
    other_milestone = s.milestones.create_milestone(school.admin, school.drama, title="Monologue").id
    bad = BadgeInput(" ", description="x" * 2001, activity_id=school.chess, points=5000, design="unicorn",
                     primary_colour="blue", criterion=Criterion(K.MILESTONES, milestone_ids=(other_milestone,)))
    with pytest.raises(ValidationError) as caught:
        s.badges.save(school.teacher, bad)
    assert {p.field for p in caught.value.problems} == {"name", "description", "points", "design",
                                                        "primary_colour", "milestone_ids"}
    with pytest.raises(ValidationError) as caught:
        s.badges.save(school.admin, BadgeInput("Steps", criterion=Criterion(K.MILESTONES, count=2)))
    assert [p.field for p in caught.value.problems] == ["activity"]
    with pytest.raises(ValidationError) as caught:
        s.badges.save(school.admin, BadgeInput("Picture", custom_image=b"GIF89a not a badge"))
    assert [p.field for p in caught.value.problems] == ["image"]


def test_everyone_sees_the_school_wide_badges_and_those_of_the_activities_they_may_see(school):
    s = school.services
    make_badge(school, "School star", Criterion())
    make_badge(school, "Chess star", Criterion(), school.chess)
    make_badge(school, "Drama star", Criterion(), school.drama)
    archived = make_badge(school, "Old chess", Criterion(), school.chess)
    s.badges.archive(school.teacher, archived.id)

    def names(actor, activity=None, **kw) -> list[str]:
        return [b.name for b in s.badges.list_badges(actor, activity, **kw)]

    assert names(school.admin) == ["School star", "Chess star", "Drama star"]
    assert names(school.teacher) == names(school.student) == names(school.parent) == ["School star", "Chess star"]
    assert names(school.other_student) == ["School star", "Chess star", "Drama star"]
    assert names(school.teacher, school.chess, include_archived=True) == ["School star", "Chess star", "Old chess"]
    with pytest.raises(PermissionDenied):
        names(school.student, school.drama)
    drama = s.badges.list_badges(school.admin, school.drama)[1]
    with pytest.raises(PermissionDenied):
        s.badges.get(school.parent, drama.id)
    assert s.badges.image(school.parent, s.badges.list_badges(school.parent)[0].id, 64).startswith(b"\x89PNG")


# --------------------------------------------------------------------------- by hand


def test_awarding_by_hand_needs_a_note_and_an_enrolled_student(school):
    s = school.services
    badge = make_badge(school, "Helping hand", Criterion(), school.chess, actor=school.teacher)
    with pytest.raises(ValidationError, match="note"):
        _award(school, badge.id, school.student.id, note="  ")
    newcomer = s.people.create_user(school.admin, UserInput("new", "New Pupil", Role.STUDENT, password=PASSWORD)).id
    with pytest.raises(ValidationError, match="not enrolled in Chess Club"):
        _award(school, badge.id, newcomer)
    with pytest.raises(ValidationError, match="not an active student"):
        _award(school, badge.id, school.teacher.id)
    award = _award(school, badge.id, school.student.id)
    assert (award.badge_name, award.student_name, award.awarded_by_name, award.note, award.activity_name) == (
        "Helping hand", "Sam Student", "Tina Teacher", "Helped everyone set up", "Chess Club")
    with pytest.raises(ValidationError, match="already has the badge"):
        _award(school, badge.id, school.student.id)
    school_wide = make_badge(school, "Citizen", Criterion())
    with pytest.raises(PermissionDenied):  # a school-wide badge: administrators
        _award(school, school_wide.id, school.student.id)
    assert _award(school, school_wide.id, school.other_student.id, actor=school.admin).activity_id is None


def test_revoking_needs_a_reason_is_audited_and_awarding_by_hand_reinstates(school):
    s = school.services
    badge = make_badge(school, "Helping hand", Criterion(), school.chess)
    award = _award(school, badge.id, school.student.id)
    with pytest.raises(ValidationError, match="reason"):
        s.badges.revoke(school.teacher, award.id, reason="")
    with pytest.raises(PermissionDenied):
        s.badges.revoke(school.other_teacher, award.id, reason="Not mine to take")
    revoked = s.badges.revoke(school.teacher, award.id, reason="Given to the wrong student")
    assert revoked.revoked and revoked.revoke_reason == "Given to the wrong student"
    assert revoked.revoked_by_name == "Tina Teacher"
    with pytest.raises(ValidationError, match="already revoked"):
        s.badges.revoke(school.teacher, award.id, reason="Twice")
    with read_only(s.db) as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "badge_award",
                                                        AuditEntry.action == "revoke"))
        assert entry is not None and entry.actor_id == school.teacher.id and "wrong student" in (entry.after or "")
    mine = s.badges.student_badges(school.student, school.student.id)
    assert mine.earned == [] and [a.id for a in mine.revoked] == [award.id]
    # nor is it among the badges earned over time (the progress charts)
    assert s.analytics.progress_history(school.student, school.student.id).badges == ()
    again = _award(school, badge.id, school.student.id, note="It was theirs after all")
    assert again.id == award.id and not again.revoked and award_rows(s, badge.id, school.student.id) == 1
    assert [b.badge for b in s.analytics.progress_history(school.student, school.student.id).badges] == [
        "Helping hand"]


# --------------------------------------------------------------------------- to everyone who qualifies


def test_the_preview_count_is_what_awarding_to_everyone_who_qualifies_awards(school):
    s = school.services
    a, b = _steps(school, 5, 10)
    s.milestones.complete_for_students(school.teacher, a, [school.student.id, school.other_student.id])
    s.milestones.complete_milestone(school.teacher, b, school.other_student.id)
    wanted = BadgeInput("Fifteen", activity_id=school.chess, criterion=Criterion(K.POINTS, points=15))
    assert s.badges.preview_count(school.teacher, wanted) == 1
    one = Criterion(K.MILESTONES, count=1)
    assert s.badges.preview_count(school.teacher, replace(wanted, criterion=one)) == 2
    created = s.badges.save(school.teacher, wanted, award_existing=True)
    assert created.newly_awarded == created.awarded_count == 1
    assert holders(s, created.id) == {school.other_student.id}
    assert s.badges.preview_count(school.teacher, replace(wanted, criterion=one), badge_id=created.id) == 1
    edited = s.badges.save(school.teacher, replace(wanted, criterion=one), badge_id=created.id,
                           version=created.version, award_existing=True)
    assert edited.newly_awarded == 1 and edited.awarded_count == 2
    with pytest.raises(Exception, match="changed by someone else"):
        s.badges.save(school.teacher, wanted, badge_id=created.id, version=created.version)
    without = s.badges.save(school.teacher, replace(wanted, name="Quiet"))
    assert without.newly_awarded == 0 and holders(s, without.id) == set()


# --------------------------------------------------------------------------- what a student sees


def test_a_student_sees_earned_badges_and_the_next_ones_within_reach(school):
    s, sam = school.services, school.student.id
    steps = _steps(school, 5, 5, 5, 5)
    make_badge(school, "One step", Criterion(K.MILESTONES, count=1), school.chess)
    make_badge(school, "Two steps", Criterion(K.MILESTONES, count=2), school.chess)
    make_badge(school, "Four steps", Criterion(K.MILESTONES, count=4), school.chess)
    make_badge(school, "Ten points", Criterion(K.POINTS, points=10))
    make_badge(school, "A hundred points", Criterion(K.POINTS, points=100))  # far away
    make_badge(school, "Drama steps", Criterion(K.MILESTONES, count=1), school.drama)  # not Sam's activity
    make_badge(school, "By hand", Criterion(), school.chess)  # never "within reach"
    s.milestones.complete_milestone(school.teacher, steps[0], sam)
    mine = s.badges.student_badges(school.student, sam)
    assert [a.badge_name for a in mine.earned] == ["One step"]
    assert [(r.badge.name, r.have, r.need, r.missing, r.progress) for r in mine.within_reach] == [
        ("Ten points", 5, 10, "5 more points", "5 of 10 points"),
        ("Two steps", 1, 2, "1 more milestone in Chess Club", "1 of 2 milestones")]
    s.milestones.complete_milestone(school.teacher, steps[1], sam)
    reach = s.badges.student_badges(school.parent, sam).within_reach  # a parent sees the same
    assert [(r.badge.name, r.progress) for r in reach] == [("Four steps", "2 of 4 milestones")]
    for outsider in (school.other_student, school.other_teacher):
        with pytest.raises(PermissionDenied):
            s.badges.student_badges(outsider, sam)


def test_the_activity_tab_shows_who_has_what_and_the_roster_counts(school):
    s, sam, olga = school.services, school.student.id, school.other_student.id
    chess = make_badge(school, "Chess star", Criterion(), school.chess)
    drama = make_badge(school, "Drama star", Criterion(), school.drama)
    citizen = make_badge(school, "Citizen", Criterion())
    _award(school, chess.id, sam)
    revoked = _award(school, chess.id, olga)
    s.badges.revoke(school.teacher, revoked.id, reason="Mistake")
    _award(school, drama.id, olga, actor=school.other_teacher)
    _award(school, citizen.id, olga, actor=school.admin)
    tab = s.badges.activity_badges(school.teacher, school.chess)
    assert [b.name for b in tab.badges] == ["Citizen", "Chess star"]
    assert tab.students == [(olga, "Olga Other"), (sam, "Sam Student")]
    assert {(st, b): a.revoked for (st, b), a in tab.awards.items()} == {
        (sam, chess.id): False, (olga, chess.id): True, (olga, citizen.id): False}
    assert s.badges.award_counts(school.teacher, school.chess) == {sam: 1}
    for outsider in (school.other_teacher, school.student, school.parent):
        with pytest.raises(PermissionDenied):
            s.badges.activity_badges(outsider, school.chess)
    with pytest.raises(NotFound):
        s.badges.activity_badges(school.admin, 9999)


# --------------------------------------------------------------------------- Open Badges


def _baked(png: bytes) -> str:
    """The credential read with Pillow's own PNG reader (not ours)."""
    image = Image.open(io.BytesIO(png))
    assert isinstance(image, PngImagePlugin.PngImageFile)
    image.load()
    return str(image.text["openbadgecredential"])


def test_a_saved_badge_carries_a_credential_that_verifies_and_names_nobody_in_clear(school):
    s = school.services
    s.people.update_user(school.admin, school.student.id, UserInput(
        "sam", "Sam Student", Role.STUDENT, grade="7", class_name="7B", student_number="S001",
        email="Sam@Example.org"))
    badge = make_badge(school, "Helping hand", Criterion(), school.chess, points=10)
    award = _award(school, badge.id, school.student.id)
    png = s.badges.export_png(school.parent, award.id)  # a parent saves their child's badge
    credential = verify_credential(_baked(png))
    assert credential["credentialSubject"]["achievement"]["name"] == "Helping hand"
    assert credential["issuer"]["id"] == s.certificates.public_key().did  # the school's certificate key
    identity = credential["credentialSubject"]["identifier"][0]
    assert identity["hashed"] is True and identity["identityType"] == "emailAddress"
    text = _baked(png) + str(credential)
    assert "sam@example.org" not in text.lower() and "Sam Student" not in text
    olga = _award(school, badge.id, school.other_student.id)  # no e-mail: the school's identifier
    other = verify_credential(_baked(s.badges.export_png(school.admin, olga.id)))
    assert other["credentialSubject"]["identifier"][0]["identityType"] == "sisSourcedId"
    svg = s.badges.export_svg(school.student, award.id)
    assert "openbadges:credential" in svg
    tampered = _baked(png)
    head, body, sig = tampered.split(".")
    body = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    with pytest.raises(TokenError):
        verify_credential(f"{head}.{body}.{sig}")


def test_a_revoked_badge_cannot_be_exported_and_strangers_cannot_export(school):
    s = school.services
    badge = make_badge(school, "Helping hand", Criterion(), school.chess)
    award = _award(school, badge.id, school.student.id)
    with pytest.raises(PermissionDenied):
        s.badges.export_png(school.other_student, award.id)
    with pytest.raises(PermissionDenied):
        s.badges.export_png(school.other_teacher, award.id)
    s.badges.revoke(school.teacher, award.id, reason="Mistake")
    with pytest.raises(ValidationError, match="revoked"):
        s.badges.export_png(school.student, award.id)
    with pytest.raises(ValidationError, match="revoked"):
        s.badges.export_svg(school.student, award.id)


def test_export_all_zips_every_valid_badge_as_png_and_svg(school):
    s = school.services
    first = make_badge(school, "Helping hand", Criterion(), school.chess)
    second = make_badge(school, "Good sport", Criterion(), school.chess)
    gone = make_badge(school, "Gone", Criterion(), school.chess)
    for badge in (first, second, gone):
        _award(school, badge.id, school.student.id)
    s.badges.revoke(school.teacher, s.badges.student_badges(school.teacher, school.student.id).earned[0].id,
                    reason="Mistake")
    archive = zipfile.ZipFile(io.BytesIO(s.badges.export_all(school.student, school.student.id)))
    today = date.today().isoformat()
    assert sorted(archive.namelist()) == sorted(f"{name}-{today}.{ext}" for name in ("Helping hand", "Good sport")
                                                for ext in ("png", "svg"))
    verify_credential(_baked(archive.read(f"Good sport-{today}.png")))


# --------------------------------------------------------------------------- façade and command line


def test_the_facade_speaks_plain_dicts(school):
    api = TrackerAPI(school.services)
    (step,) = _steps(school, 5)
    make_badge(school, "One step", Criterion(K.MILESTONES, count=1), school.chess, points=5)
    manual = make_badge(school, "Helping hand", Criterion(), school.chess)
    listed = {b["name"]: b for b in api.list_badges(school.student, school.chess)}
    assert listed["One step"]["criterion"] == {"kind": "milestones", "count": 1}
    assert listed["One step"]["criteria_text"] == "Complete 1 milestone in Chess Club"
    assert listed["Helping hand"]["criterion"] == {"kind": "manual"} and listed["One step"]["points"] == 5
    given = api.award_badge(school.teacher, manual.id, school.student.id, note="Kind to everyone")
    assert given["note"] == "Kind to everyone" and given["revoked_at"] is None
    taken = api.revoke_badge(school.teacher, given["id"], reason="Mistake")
    assert taken["revoke_reason"] == "Mistake" and taken["revoked_at"]
    school.services.milestones.complete_milestone(school.teacher, step, school.student.id)
    mine = api.student_badges(school.parent, school.student.id)
    assert [a["badge_name"] for a in mine["earned"]] == ["One step"]
    assert [a["badge_name"] for a in mine["revoked"]] == ["Helping hand"]


def test_cli_badge_png_writes_a_baked_png_and_refuses_a_revoked_award(school, db_path, tmp_path, capsys):
    s = school.services
    badge = make_badge(school, "Helping hand", Criterion(), school.chess)
    award = _award(school, badge.id, school.student.id)
    out, svg = tmp_path / "badge.png", tmp_path / "badge.svg"
    code = cli_main(["--db", str(db_path), "badge-png", "--award", str(award.id), "--out", str(out),
                     "--svg", str(svg)])
    assert code == 0 and "Helping hand" in capsys.readouterr().out
    verify_credential(_baked(out.read_bytes()))
    assert "openbadges:credential" in svg.read_text("utf-8")
    assert cli_main(["--db", str(db_path), "badges", "--student", str(school.student.id)]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith(f"{award.id}\tHelping hand\t") and "by Tina Teacher" in listed
    assert cli_main(["--db", str(db_path), "badges"]) == 0
    assert f"{badge.id}\tHelping hand\tChess Club" in capsys.readouterr().out
    s.badges.revoke(school.teacher, award.id, reason="Mistake")
    later = tmp_path / "later.png"
    assert cli_main(["--db", str(db_path), "badge-png", "--award", str(award.id), "--out", str(later)]) == 1
    assert "revoked" in capsys.readouterr().err and not later.exists()
    assert cli_main(["--db", str(db_path), "badge-png", "--award", "999", "--out", str(later)]) == 1


# --------------------------------------------------------------------------- the demo school


def test_the_demo_school_has_badges_of_every_kind_awarded_as_the_rules_say(tmp_path):
    from tracker.db.models import Badge, BadgeAward
    from tracker.demo import DemoOptions, generate_demo
    from tracker.domain import badge_rules
    from tracker.reports.badge_image import DESIGNS
    from tracker.services import badge_engine
    from tracker.services.bootstrap import open_database

    path = tmp_path / "demo.db"
    generate_demo(path, DemoOptions(students=150, seed=3))
    db, _ = open_database(path)
    try:
        with read_only(db) as s:
            badges = list(s.scalars(select(Badge)))
            kinds = {badge_rules.from_json(b.rule).kind for b in badges}
            assert len(badges) >= 8 and kinds == set(CriterionKind)
            assert {b.activity_id is None for b in badges} == {True, False}
            assert all(b.design in DESIGNS and b.points > 0 for b in badges)
            for b in badges:  # the rules find nobody left to award
                assert badge_engine.qualifying(s, b) == {}, b.name
            awards = list(s.scalars(select(BadgeAward)))
            by_hand = [a for a in awards if a.awarded_by is not None]
            assert len(by_hand) >= 2 and all(a.note for a in by_hand)
            assert len([a for a in awards if a.revoked_at is not None and a.revoke_reason]) == 1
            assert len(awards) > 50
    finally:
        db.dispose()


def test_only_an_administrator_previews_a_school_wide_rule(school):
    """A school-wide badge is defined by administrators; a lead of one activity may not even count
    who would qualify across the school."""
    s = school.services
    days = [date.today() - timedelta(days=n) for n in (6, 4, 2)]
    enrolled_since(s, school.chess, days[0], school.student.id)
    sessions = sessions_on(school, school.chess, days)
    with pytest.raises(PermissionDenied):
        s.badges.preview_count(school.teacher, BadgeInput("Streak", criterion=Criterion(K.ATTENDANCE_STREAK, count=3)))
    for session in sessions:
        mark(school, session, school.student.id, "P", school.teacher)
    assert s.badges.preview_count(school.admin, BadgeInput(
        "Streak", criterion=Criterion(K.ATTENDANCE_STREAK, count=3))) == 1


@pytest.mark.parametrize(("who", "allowed"), [
    ("admin", {"list_badges", "student_badges", "award_badge", "revoke_badge"}),
    ("teacher", {"list_badges", "student_badges", "award_badge", "revoke_badge"}),
    ("other_teacher", set()),
    ("student", {"list_badges", "student_badges"}),
    ("other_student", {"list_badges"}),  # Olga is in Chess Club too: not Sam's badges
    ("parent", {"list_badges", "student_badges"}),
])
def test_the_facade_refuses_whom_the_policy_refuses(school, who, allowed):
    """The façade's four badge calls on Sam and Chess Club, per role (the service matrix is in
    tests/unit/test_policy_matrix.py)."""
    api = TrackerAPI(school.services)
    actor = getattr(school, who)
    badge = make_badge(school, "Helping hand", Criterion(), school.chess)
    award = _award(school, badge.id, school.student.id, actor=school.admin)
    other = make_badge(school, "Good sport", Criterion(), school.chess)
    calls = {"list_badges": lambda: api.list_badges(actor, school.chess),
             "student_badges": lambda: api.student_badges(actor, school.student.id),
             "award_badge": lambda: api.award_badge(actor, other.id, school.student.id, note="Kind"),
             "revoke_badge": lambda: api.revoke_badge(actor, award.id, reason="Mistake")}
    done = set()
    for name, call in calls.items():
        try:
            call()
            done.add(name)
        except PermissionDenied:
            pass
    assert done == allowed
