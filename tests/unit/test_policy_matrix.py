"""The access policy, walked whole: every role × every public service operation (issue 2, part 4).

A new service operation without an entry in ``MATRIX`` fails
``test_every_public_service_operation_is_in_the_matrix``: whoever adds one decides, here, who may
call it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tracker.db.models import AuditEntry
from tracker.db.uow import read_only
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.policy import (
    POLICY,
    Actor,
    Permission,
    Scope,
    allows,
    can_ever,
    home_title,
)
from tracker.errors import PermissionDenied, TrackerError, ValidationError
from tracker.reports.certificate_templates import TemplateSpec
from tracker.services import Services
from tracker.services.activities import ActivityInput
from tracker.services.attendance import MarkChange
from tracker.services.audit import AuditFilters
from tracker.services.base import Service
from tracker.services.email_settings import SmtpSettings
from tracker.services.exports import ExportRequest
from tracker.services.people import UserInput

from ..conftest import PASSWORD

# --------------------------------------------------------------------------- the pure table

S = Scope
EXPECTED_POLICY: dict[Role, dict[Permission, set[Scope]]] = {
    Role.ADMIN: {p: {S.ANY} for p in Permission  # a portfolio: the student's own; an inbox: its owner's
                 if p not in (Permission.EDIT_PORTFOLIO, Permission.RECEIVE_NOTIFICATIONS)}
    | {Permission.RECEIVE_NOTIFICATIONS: {S.SELF}},
    Role.TEACHER: {
        Permission.VIEW_USERS: {S.SELF, S.LED_STUDENT},
        Permission.VIEW_ACTIVITY: {S.LED_ACTIVITY},
        Permission.ENROLL: {S.LED_ACTIVITY},
        Permission.MANAGE_SCHEDULE: {S.LED_ACTIVITY},
        Permission.VIEW_PROGRESS: {S.LED_ACTIVITY, S.LED_STUDENT},
        Permission.UPDATE_PROGRESS: {S.LED_ACTIVITY},
        Permission.MANAGE_MILESTONES: {S.LED_ACTIVITY},
        Permission.COMPLETE_MILESTONE: {S.LED_ACTIVITY},
        Permission.TAKE_ATTENDANCE: {S.LED_ACTIVITY},
        Permission.ASSESS_SKILLS: {S.LED_ACTIVITY},
        Permission.ISSUE_CERTIFICATES: {S.LED_ACTIVITY},
        Permission.VIEW_ANALYTICS: {S.LED_ACTIVITY},
        Permission.MANAGE_BADGES: {S.LED_ACTIVITY},
        Permission.AWARD_BADGES: {S.LED_ACTIVITY},
        Permission.MANAGE_LEADERBOARD: {S.LED_ACTIVITY},
        Permission.RECEIVE_NOTIFICATIONS: {S.SELF},
    },
    Role.STUDENT: {
        Permission.VIEW_USERS: {S.SELF},
        Permission.VIEW_ACTIVITY: {S.OWN_ACTIVITY},
        Permission.VIEW_PROGRESS: {S.SELF},
        Permission.LEADERBOARD_OPT_OUT: {S.SELF},
        Permission.EDIT_PORTFOLIO: {S.SELF},
        Permission.RECEIVE_NOTIFICATIONS: {S.SELF},
    },
    Role.PARENT: {
        Permission.VIEW_USERS: {S.SELF, S.CHILD},
        Permission.VIEW_ACTIVITY: {S.OWN_ACTIVITY},
        Permission.VIEW_PROGRESS: {S.CHILD},
        Permission.LEADERBOARD_OPT_OUT: {S.CHILD},
        Permission.RECEIVE_NOTIFICATIONS: {S.SELF},
    },
}


def test_policy_table_is_exactly_what_the_school_agreed():
    assert set(POLICY) == set(Role)
    for role in Role:
        actual = {p: set(scopes) for p, scopes in POLICY[role].items() if scopes}
        assert actual == EXPECTED_POLICY[role], role


@pytest.mark.parametrize("role", list(Role))
def test_ui_hides_exactly_what_the_role_can_never_do(role):
    for permission in Permission:
        assert can_ever(role, permission) == bool(EXPECTED_POLICY[role].get(permission)), (
            role,
            permission,
        )


def test_policy_grants_only_in_the_scopes_that_apply():
    assert allows(Role.ADMIN, Permission.VIEW_AUDIT, set())
    assert allows(Role.TEACHER, Permission.UPDATE_PROGRESS, {S.LED_ACTIVITY})
    assert not allows(Role.TEACHER, Permission.UPDATE_PROGRESS, {S.LED_STUDENT, S.SELF})
    assert allows(Role.PARENT, Permission.VIEW_PROGRESS, {S.CHILD})
    assert not allows(Role.PARENT, Permission.VIEW_PROGRESS, {S.SELF})
    assert allows(Role.STUDENT, Permission.VIEW_PROGRESS, {S.SELF})
    assert not allows(Role.STUDENT, Permission.VIEW_PROGRESS, {S.CHILD, S.LED_STUDENT})
    assert not allows(Role.STUDENT, Permission.MANAGE_USERS, {S.SELF, S.ANY})


def test_home_page_title_follows_what_the_role_may_see():
    assert {role: home_title(role) for role in Role} == {
        Role.ADMIN: "School overview", Role.TEACHER: "My activities",
        Role.STUDENT: "My progress", Role.PARENT: "My children"}


# --------------------------------------------------------------------------- the matrix

# Who acts, and on what: each case names the actor and the student / activity / milestone the
# operation concerns. Admin comes last because its writes (unlinking a parent, say) would change
# the relations the other cases rely on.
CASES = (
    "teacher_leading",
    "teacher_not_leading",
    "student_self",
    "student_other",
    "parent_of_child",
    "parent_of_other",
    "admin",
)
A, D = "allowed", "denied"


def row(admin: str, t_lead: str, t_other: str, s_self: str, s_other: str, p_child: str,
        p_other: str) -> dict[str, str]:
    return dict(zip(
        ("admin", "teacher_leading", "teacher_not_leading", "student_self", "student_other",
         "parent_of_child", "parent_of_other"),
        (admin, t_lead, t_other, s_self, s_other, p_child, p_other), strict=True))


EVERYONE = row(A, A, A, A, A, A, A)
ADMIN_ONLY = row(A, D, D, D, D, D, D)
LEADS = row(A, A, D, D, D, D, D)  # admin and the activity's teacher
READERS = row(A, A, D, A, D, A, D)  # ... plus the student themself and their parent
STAFF = row(A, A, A, D, D, D, D)  # every teacher, whatever they lead
FAMILY = row(A, D, D, A, D, A, D)  # the student themself, their parent, and admins
STUDENT_ONLY = row(D, D, D, A, D, D, D)  # the student themself: nobody else, not even an admin

# operation -> (permission it needs, or None for "any signed-in user", expected per case)
MATRIX: dict[str, tuple[Permission | None, dict[str, str]]] = {
    "auth.verify_password": (None, EVERYONE),
    "auth.change_password": (None, EVERYONE),
    "jobs.pending": (None, EVERYONE),
    "jobs.retry": (None, EVERYONE),
    "auth.reset_password": (Permission.MANAGE_USERS, ADMIN_ONLY),
    "auth.unlock": (Permission.MANAGE_USERS, ADMIN_ONLY),
    "people.find_users": (Permission.VIEW_USERS, EVERYONE),
    "people.get_user": (Permission.VIEW_USERS, READERS),
    "people.create_user": (Permission.MANAGE_USERS, ADMIN_ONLY),
    "people.update_user": (Permission.MANAGE_USERS, ADMIN_ONLY),
    "people.set_active": (Permission.MANAGE_USERS, ADMIN_ONLY),
    "people.link_guardian": (Permission.LINK_GUARDIANS, ADMIN_ONLY),
    "people.unlink_guardian": (Permission.LINK_GUARDIANS, ADMIN_ONLY),
    "activities.list_activities": (None, EVERYONE),
    "activities.get_activity": (Permission.VIEW_ACTIVITY, READERS),
    "activities.create_activity": (Permission.MANAGE_ACTIVITY, ADMIN_ONLY),
    "activities.update_activity": (Permission.MANAGE_ACTIVITY, ADMIN_ONLY),
    "activities.set_archived": (Permission.MANAGE_ACTIVITY, ADMIN_ONLY),
    "progress.get_user_progress": (Permission.VIEW_PROGRESS, READERS),
    "progress.activity_progress": (Permission.VIEW_ANALYTICS, LEADS),
    "progress.update_progress": (Permission.UPDATE_PROGRESS, LEADS),
    "progress.override_progress": (Permission.UPDATE_PROGRESS, LEADS),
    "progress.clear_override": (Permission.UPDATE_PROGRESS, LEADS),
    "progress.sign_off": (Permission.UPDATE_PROGRESS, LEADS),
    "progress.override_progress_for": (Permission.UPDATE_PROGRESS, LEADS),
    "progress.clear_override_for": (Permission.UPDATE_PROGRESS, LEADS),
    "progress.sign_off_for": (Permission.UPDATE_PROGRESS, LEADS),
    "milestones.list_milestones": (Permission.VIEW_ACTIVITY, READERS),
    "milestones.create_milestone": (Permission.MANAGE_MILESTONES, LEADS),
    "milestones.complete_milestone": (Permission.COMPLETE_MILESTONE, LEADS),
    "milestones.uncomplete_milestone": (Permission.COMPLETE_MILESTONE, LEADS),
    "milestones.set_completion_notes": (Permission.COMPLETE_MILESTONE, LEADS),
    "milestones.update_milestone": (Permission.MANAGE_MILESTONES, LEADS),
    "milestones.delete_milestone": (Permission.MANAGE_MILESTONES, LEADS),
    "milestones.reorder_milestones": (Permission.MANAGE_MILESTONES, LEADS),
    "milestones.copy_milestones": (Permission.MANAGE_MILESTONES, LEADS),
    "milestones.complete_for_students": (Permission.COMPLETE_MILESTONE, LEADS),
    "milestones.uncomplete_for_students": (Permission.COMPLETE_MILESTONE, LEADS),
    "milestones.checklist": (Permission.VIEW_ACTIVITY, READERS),
    "analytics.activity_analytics": (Permission.VIEW_ANALYTICS, LEADS),
    "analytics.dashboard": (None, EVERYONE),
    "analytics.progress_history": (Permission.VIEW_PROGRESS, READERS),
    "analytics.school_analytics": (Permission.VIEW_ANALYTICS, STAFF),  # a teacher: the activities they lead
    "settings.update": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "audit.recent": (Permission.VIEW_AUDIT, ADMIN_ONLY),
    "enrollment.roster": (Permission.ENROLL, LEADS),
    "enrollment.places": (Permission.ENROLL, LEADS),
    "enrollment.search_students": (Permission.ENROLL, LEADS),
    "enrollment.status_history": (Permission.ENROLL, LEADS),
    "enrollment.next_waitlisted": (Permission.ENROLL, LEADS),
    "enrollment.enroll": (Permission.ENROLL, LEADS),
    "enrollment.reenroll": (Permission.ENROLL, LEADS),
    "enrollment.drop": (Permission.ENROLL, LEADS),
    "enrollment.promote_from_waitlist": (Permission.ENROLL, LEADS),
    "enrollment.set_completed_by_hand": (Permission.UPDATE_PROGRESS, LEADS),
    "imports.preview": (Permission.MANAGE_USERS, ADMIN_ONLY),
    "imports.apply": (Permission.MANAGE_USERS, ADMIN_ONLY),
    "calendar.list_schedules": (Permission.VIEW_ACTIVITY, READERS),
    "calendar.add_schedule": (Permission.MANAGE_SCHEDULE, LEADS),
    "calendar.update_schedule": (Permission.MANAGE_SCHEDULE, LEADS),
    "calendar.delete_schedule": (Permission.MANAGE_SCHEDULE, LEADS),
    "calendar.regenerate": (Permission.MANAGE_SCHEDULE, LEADS),
    "calendar.list_holidays": (None, EVERYONE),
    "calendar.add_holiday": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "calendar.remove_holiday": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "calendar.list_sessions": (Permission.VIEW_ACTIVITY, READERS),
    "calendar.get_session": (Permission.VIEW_ACTIVITY, READERS),
    "calendar.cancel_session": (Permission.MANAGE_SCHEDULE, LEADS),
    "calendar.restore_session": (Permission.MANAGE_SCHEDULE, LEADS),
    "calendar.move_session": (Permission.MANAGE_SCHEDULE, LEADS),
    "calendar.add_extra_session": (Permission.MANAGE_SCHEDULE, LEADS),
    "calendar.delete_session": (Permission.MANAGE_SCHEDULE, LEADS),
    "ical.export_ics": (Permission.VIEW_ACTIVITY, READERS),
    "ical.import_ics": (Permission.MANAGE_SCHEDULE, LEADS),
    "skills.list_skills": (None, EVERYONE),
    "skills.create_skill": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "skills.update_skill": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "skills.rubric": (None, EVERYONE),
    "skills.set_rubric": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "skills.catalog": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "skills.delete_skill": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "skills.activity_skills": (Permission.VIEW_ACTIVITY, READERS),
    "skills.set_activity_skills": (Permission.ASSESS_SKILLS, LEADS),
    "skills.assess": (Permission.ASSESS_SKILLS, LEADS),
    "skills.history": (Permission.VIEW_PROGRESS, READERS),
    "skills.skills_grid": (Permission.ASSESS_SKILLS, LEADS),
    "skills.participation_summary": (Permission.VIEW_ANALYTICS, LEADS),
    "attendance.statuses": (None, EVERYONE),
    "attendance.save_status": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "attendance.sessions": (Permission.TAKE_ATTENDANCE, LEADS),
    "attendance.current_session": (Permission.TAKE_ATTENDANCE, LEADS),
    "attendance.sheet": (Permission.TAKE_ATTENDANCE, LEADS),
    "attendance.grid": (Permission.TAKE_ATTENDANCE, LEADS),
    "attendance.apply": (Permission.TAKE_ATTENDANCE, LEADS),
    "attendance.mark_rest_present": (Permission.TAKE_ATTENDANCE, LEADS),
    "ical.preview_ics": (Permission.MANAGE_SCHEDULE, LEADS),
    "ical.preview_holidays": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "ical.import_holidays": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "certificates.issue": (Permission.ISSUE_CERTIFICATES, LEADS),
    "certificates.reissue": (Permission.ISSUE_CERTIFICATES, LEADS),
    "certificates.revoke": (Permission.ISSUE_CERTIFICATES, LEADS),
    "certificates.list_for_activity": (Permission.ISSUE_CERTIFICATES, LEADS),
    "certificates.list_for_student": (Permission.VIEW_PROGRESS, READERS),
    "certificates.rotate_key": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "certificates.templates": (Permission.ISSUE_CERTIFICATES, STAFF),
    "certificates.save_template": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "certificates.delete_template": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "certificates.preview_data": (Permission.ISSUE_CERTIFICATES, LEADS),
    "certificates.awaiting": (None, EVERYONE),  # scoped: students and parents get an empty list
    "badges.list_badges": (Permission.VIEW_ACTIVITY, READERS),
    "badges.get": (Permission.VIEW_ACTIVITY, READERS),
    "badges.image": (Permission.VIEW_ACTIVITY, READERS),
    "badges.preview_count": (Permission.MANAGE_BADGES, LEADS),
    "badges.save": (Permission.MANAGE_BADGES, LEADS),
    "badges.archive": (Permission.MANAGE_BADGES, LEADS),
    "badges.award": (Permission.AWARD_BADGES, LEADS),
    "badges.revoke": (Permission.AWARD_BADGES, LEADS),
    "badges.student_badges": (Permission.VIEW_PROGRESS, READERS),
    "badges.activity_badges": (Permission.VIEW_PROGRESS, LEADS),
    "badges.award_counts": (Permission.VIEW_PROGRESS, LEADS),
    "badges.credential_facts": (Permission.VIEW_PROGRESS, READERS),
    "badges.export_png": (Permission.VIEW_PROGRESS, READERS),
    "badges.export_svg": (Permission.VIEW_PROGRESS, READERS),
    "badges.export_all": (Permission.VIEW_PROGRESS, READERS),
    "leaderboards.leaderboard": (Permission.VIEW_ACTIVITY, READERS),
    "leaderboards.export_rows": (Permission.VIEW_ACTIVITY, READERS),
    "leaderboards.set_leaderboard": (Permission.MANAGE_LEADERBOARD, LEADS),
    "leaderboards.set_opt_out": (Permission.LEADERBOARD_OPT_OUT, FAMILY),
    "leaderboards.opt_out_state": (Permission.LEADERBOARD_OPT_OUT, FAMILY),
    "portfolios.portfolio": (Permission.VIEW_PROGRESS, READERS),  # a teacher: the activities they lead
    "portfolios.transcript_pdf": (Permission.VIEW_PROGRESS, READERS),
    "portfolios.set_featured": (Permission.EDIT_PORTFOLIO, STUDENT_ONLY),
    "portfolios.save_reflection": (Permission.EDIT_PORTFOLIO, STUDENT_ONLY),
    # one's own inbox (someone else's notices: tests/unit/test_notifications.py)
    "notifications.inbox": (Permission.RECEIVE_NOTIFICATIONS, EVERYONE),
    "notifications.unread_count": (Permission.RECEIVE_NOTIFICATIONS, EVERYONE),
    "notifications.mark_read": (Permission.RECEIVE_NOTIFICATIONS, EVERYONE),
    "notifications.mark_all_read": (Permission.RECEIVE_NOTIFICATIONS, EVERYONE),
    "notifications.preferences": (Permission.RECEIVE_NOTIFICATIONS, EVERYONE),
    "notifications.save_preferences": (Permission.RECEIVE_NOTIFICATIONS, EVERYONE),
    "letters.students_for": (Permission.UPDATE_PROGRESS, LEADS),  # letters to parents: the activity's leads
    "letters.letter_data": (Permission.UPDATE_PROGRESS, LEADS),
    "letters.letters_pdf": (Permission.UPDATE_PROGRESS, LEADS),
    # the school's SMTP server and the outbox (everyone's addresses): administrators
    "email.smtp_settings": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "email.save_smtp_settings": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "email.send_test": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "email.outbox": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "email.resend": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    # records (issue 15): the audit log, privacy requests and backups are the administrators';
    # an export is an activity's (its leads) or the school's
    "audit.search": (Permission.VIEW_AUDIT, ADMIN_ONLY),
    "audit.entities": (Permission.VIEW_AUDIT, ADMIN_ONLY),
    "audit.export_csv": (Permission.VIEW_AUDIT, ADMIN_ONLY),
    "privacy.subject_access": (Permission.MANAGE_USERS, ADMIN_ONLY),
    "privacy.erase": (Permission.MANAGE_USERS, ADMIN_ONLY),
    "privacy.retention_candidates": (Permission.MANAGE_USERS, ADMIN_ONLY),
    "backups.listing": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "backups.back_up": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "backups.restore": (Permission.MANAGE_SETTINGS, ADMIN_ONLY),
    "exports.export": (Permission.VIEW_ANALYTICS, LEADS),
}

# Operations used before anyone signs in: they take no actor.
PUBLIC = {"auth.login", "auth.has_admin", "auth.create_first_admin", "settings.get",
          "certificates.verify", "certificates.public_key",  # anyone holding a certificate checks it
          "notifications.prune",  # upkeep of old notifications, nobody's action
          "email.send_due", "email.start_background",  # the outbox's sender, nobody's action
          # the scheduled backups (on start, daily, before a migration or import): nobody's action
          "backups.folder", "backups.automatic", "backups.before"}


def public_operations(services: Services) -> set[str]:
    found = set()
    for attr, svc in vars(services).items():
        if not isinstance(svc, Service):
            continue
        for name, fn in inspect.getmembers(type(svc), inspect.isfunction):
            if not name.startswith("_") and fn.__qualname__.split(".")[0] != "Service":
                found.add(f"{attr}.{name}")
    return found


def test_every_public_service_operation_is_in_the_matrix(services):
    assert public_operations(services) == set(MATRIX) | PUBLIC
    assert not set(MATRIX) & PUBLIC


def test_matrix_covers_every_role():
    for _, expected in MATRIX.values():
        assert set(expected) == set(CASES)


@pytest.mark.parametrize("op", sorted(MATRIX))
def test_service_denies_what_the_ui_hides(op):
    """Where can_ever says no (the UI hides the action), the service refuses it too; where the
    policy grants the permission in some scope, some case of that role is allowed."""
    permission, expected = MATRIX[op]
    if permission is None:
        return
    role_of = {"admin": Role.ADMIN, "teacher_leading": Role.TEACHER, "teacher_not_leading": Role.TEACHER,
               "student_self": Role.STUDENT, "student_other": Role.STUDENT,
               "parent_of_child": Role.PARENT, "parent_of_other": Role.PARENT}
    for role in Role:
        outcomes = {expected[c] for c in CASES if role_of[c] is role}
        if not can_ever(role, permission):
            assert outcomes == {D}, (op, role)


@dataclass
class Case:
    actor: Actor
    student: int
    activity: int
    milestone: int
    pat: int


@dataclass
class Matrix:
    services: Services
    cases: dict[str, Case]
    inputs: dict[int, UserInput]  # student -> their current data (for no-op edits)
    activity_inputs: dict[int, ActivityInput]
    folder: Path  # where the operations that write a file (exports, backups) write it


@pytest.fixture
def matrix(school, tmp_path) -> Matrix:
    s = school.services
    m_chess = s.milestones.create_milestone(school.admin, school.chess, title="Opening principles")
    s.milestones.create_milestone(school.admin, school.chess, title="Endgames")  # keeps chess open
    m_drama = s.milestones.create_milestone(school.admin, school.drama, title="Monologue")

    def case(actor: Actor, student: Actor, activity: int, milestone: int) -> Case:
        return Case(actor, student.id, activity, milestone, school.parent.id)

    on_sam = (school.student, school.chess, m_chess.id)
    on_olga = (school.other_student, school.drama, m_drama.id)
    cases = {
        "admin": case(school.admin, *on_sam),
        "teacher_leading": case(school.teacher, *on_sam),
        "teacher_not_leading": case(school.other_teacher, *on_sam),
        "student_self": case(school.student, *on_sam),
        "student_other": case(school.student, *on_olga),
        "parent_of_child": case(school.parent, *on_sam),
        "parent_of_other": case(school.parent, *on_olga),
    }
    inputs = {
        school.student.id: UserInput("sam", "Sam Student", Role.STUDENT, grade="7", class_name="7B",
                                     student_number="S001"),
        school.other_student.id: UserInput("olga", "Olga Other", Role.STUDENT, grade="8",
                                           class_name="8A", student_number="S002"),
    }
    activity_inputs = {
        school.chess: ActivityInput("Chess Club", lead_ids=[school.teacher.id]),
        school.drama: ActivityInput("Drama", lead_ids=[school.other_teacher.id]),
    }
    return Matrix(s, cases, inputs, activity_inputs, tmp_path)


def _calendar_setup(m: Matrix, op: str, name: str, c: Case) -> dict[str, Any]:
    """Made by an admin before the call (so a denied call is seen to write nothing)."""
    from datetime import date, timedelta

    from tracker.services.calendar import ScheduleInput

    admin, n = m.services.calendar, CASES.index(name)
    boss = next(x.actor for x in m.cases.values() if x.actor.role is Role.ADMIN)
    day = date(2026, 3, 2) + timedelta(days=n)
    out: dict[str, Any] = {"day": day, "pattern": ScheduleInput([day.weekday()], time(15), time(16), day,
                                                                day + timedelta(days=14))}
    if op in ("calendar.update_schedule", "calendar.delete_schedule"):
        out["schedule"] = admin.add_schedule(boss, c.activity, out["pattern"]).id
    if op in ("calendar.get_session", "calendar.cancel_session", "calendar.restore_session",
              "calendar.move_session", "calendar.delete_session"):
        out["session"] = admin.add_extra_session(boss, c.activity, datetime.combine(day, time(9)),
                                                 datetime.combine(day, time(10))).id
    if op == "calendar.remove_holiday":
        out["holiday"] = admin.add_holiday(boss, day + timedelta(days=100), "Closed").id
    out["ics"] = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:m\r\n"
                  b"DTSTART:20260302T090000\r\nDTEND:20260302T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    out["holidays"] = out["ics"].replace(b"DTSTART:20260302T090000\r\nDTEND:20260302T100000",
                                         f"DTSTART;VALUE=DATE:{day + timedelta(days=200):%Y%m%d}".encode())
    return out


def _attendance_setup(m: Matrix, name: str, c: Case) -> dict[str, Any]:
    """A session of the case's activity that began earlier today (inside every enrollment, and
    not in the future: marks for a future session are refused), made by an admin."""
    from datetime import date, timedelta

    boss = next(x.actor for x in m.cases.values() if x.actor.role is Role.ADMIN)
    n = CASES.index(name)
    midnight = datetime.combine(date.today(), time(0))
    starts = max(datetime.now().replace(second=0, microsecond=0) - timedelta(minutes=10 * (n + 1)),
                 midnight + timedelta(minutes=n))
    session = m.services.calendar.add_extra_session(boss, c.activity, starts, starts + timedelta(minutes=5))
    present = next(st for st in m.services.attendance.statuses(boss) if st.code == "P")
    return {"session": session.id, "present": present.id, "code": str(CASES.index(name))}


def _milestone_setup(m: Matrix, name: str, c: Case) -> dict[str, Any]:
    """A milestone to delete and an activity to copy from (one the actor can see), made by an admin."""
    boss = next(x.actor for x in m.cases.values() if x.actor.role is Role.ADMIN)
    spare = m.services.milestones.create_milestone(boss, c.activity, title=f"Spare for {name}")
    if not name.startswith("teacher_leading") and name != "admin":
        other = next(x.activity for x in m.cases.values() if x.activity != c.activity)
        return {"boss": boss, "milestone": spare.id, "other": other}
    # a template the leading teacher can see (they lead it too)
    lead = m.cases["teacher_leading"].actor.id
    other = m.services.activities.create_activity(
        boss, ActivityInput(f"Template for {name}", lead_ids=[lead])).id
    m.services.milestones.create_milestone(boss, other, title="From the template")
    return {"boss": boss, "milestone": spare.id, "other": other}


def _skills_setup(m: Matrix, name: str) -> dict[str, Any]:
    """A catalog skill of the case's own, made by an admin."""
    boss = next(x.actor for x in m.cases.values() if x.actor.role is Role.ADMIN)
    skill = m.services.skills.create_skill(boss, f"Skill of {name}", "Matrix")
    return {"skill": skill.id, "name": skill.name}


def _certificate_setup(m: Matrix, c: Case) -> dict[str, Any]:
    """A valid certificate of the case's student and activity, forced by an admin."""
    boss = next(x.actor for x in m.cases.values() if x.actor.role is Role.ADMIN)
    [cert] = m.services.certificates.issue(boss, c.activity, [c.student], force=True)
    return {"serial": cert.serial}


def _badge_setup(m: Matrix, c: Case) -> dict[str, Any]:
    """A badge of the case's activity and its award to the case's student, made by an admin."""
    from tracker.services.badges import BadgeInput

    boss = next(x.actor for x in m.cases.values() if x.actor.role is Role.ADMIN)
    badge = m.services.badges.save(boss, BadgeInput(f"Badge {len(m.services.badges.list_badges(boss)) + 1}",
                                                    activity_id=c.activity))
    award = m.services.badges.award(boss, badge.id, c.student, note="By the matrix")
    return {"badge": badge.id, "award": award.id, "input": BadgeInput("Matrix badge", activity_id=c.activity)}


SAMPLE_ROSTER = Path(__file__).resolve().parents[1] / "data" / "roster" / "students.csv"


def _checked(call: Callable[[], Any]) -> None:
    """Run a write whose permission check comes first: a ValidationError (not on the waitlist,
    already completed…) means the policy let the actor through."""
    try:
        call()
    except ValidationError:
        pass


def _past_policy(call: Callable[[], Any]) -> None:
    """Run an operation meant to stop after its permission check (a file that is not there, a
    name that does not match): any refusal but PermissionDenied means the policy let them by."""
    try:
        call()
    except PermissionDenied:
        raise
    except TrackerError:
        pass


def _call(m: Matrix, op: str, name: str, c: Case) -> Callable[[], Any]:
    s, a = m.services, c.actor
    k: dict[str, Any] = _calendar_setup(m, op, name, c) if op.startswith(("calendar.", "ical.")) else {}
    if op.startswith("attendance."):
        k = _attendance_setup(m, name, c)
    if op.startswith("skills."):
        k = _skills_setup(m, name)
    if op.startswith("milestones."):
        k = _milestone_setup(m, name, c)
    if op in ("certificates.reissue", "certificates.revoke"):
        k = _certificate_setup(m, c)
    if op.startswith("badges."):
        k = _badge_setup(m, c)
    calls: dict[str, Callable[[], Any]] = {
        "auth.verify_password": lambda: s.auth.verify_password(a, PASSWORD),
        "auth.change_password": lambda: s.auth.change_password(a, PASSWORD, PASSWORD),
        "auth.reset_password": lambda: s.auth.reset_password(a, c.student, PASSWORD),
        "auth.unlock": lambda: s.auth.unlock(a, c.student),
        "people.find_users": lambda: s.people.find_users(a),
        "jobs.pending": lambda: s.jobs.pending(a),
        "jobs.retry": lambda: s.jobs.retry(a),
        "people.get_user": lambda: s.people.get_user(a, c.student),
        "people.create_user": lambda: s.people.create_user(
            a, UserInput(f"new.{name}", f"New {name}", Role.STUDENT)),
        "people.update_user": lambda: s.people.update_user(a, c.student, m.inputs[c.student]),
        "people.set_active": lambda: s.people.set_active(a, c.student, True),
        "people.link_guardian": lambda: s.people.link_guardian(a, c.pat, c.student),
        "people.unlink_guardian": lambda: s.people.unlink_guardian(a, c.pat, c.student),
        "activities.list_activities": lambda: s.activities.list_activities(a),
        "activities.get_activity": lambda: s.activities.get_activity(a, c.activity),
        "activities.create_activity": lambda: s.activities.create_activity(a, ActivityInput(f"New {name}")),
        "activities.update_activity": lambda: s.activities.update_activity(
            a, c.activity, m.activity_inputs[c.activity]),
        "activities.set_archived": lambda: s.activities.set_archived(a, c.activity, False),
        "progress.get_user_progress": lambda: s.progress.get_user_progress(a, c.student),
        "progress.activity_progress": lambda: s.progress.activity_progress(a, c.activity),
        "progress.update_progress": lambda: s.progress.update_progress(
            a, c.activity, c.student, note=f"checked by {name}"),
        "progress.override_progress": lambda: s.progress.override_progress(
            a, c.activity, c.student, progress_percentage=40, note=f"set by {name}"),
        "progress.clear_override": lambda: _checked(lambda: s.progress.clear_override(a, c.activity, c.student)),
        "progress.sign_off": lambda: _checked(lambda: s.progress.sign_off(a, c.activity, c.student)),
        "progress.override_progress_for": lambda: s.progress.override_progress_for(
            a, c.activity, [c.student], status="active", note=f"set by {name}"),
        "progress.clear_override_for": lambda: _checked(
            lambda: s.progress.clear_override_for(a, c.activity, [c.student])),
        "progress.sign_off_for": lambda: _checked(lambda: s.progress.sign_off_for(a, c.activity, [c.student])),
        "milestones.list_milestones": lambda: s.milestones.list_milestones(a, c.activity),
        "milestones.create_milestone": lambda: s.milestones.create_milestone(
            a, c.activity, title=f"Added by {name}", required=False),
        "milestones.complete_milestone": lambda: s.milestones.complete_milestone(a, c.milestone, c.student),
        "milestones.uncomplete_milestone": lambda: s.milestones.uncomplete_milestone(
            a, c.milestone, c.student),
        "milestones.set_completion_notes": lambda: _checked(lambda: s.milestones.set_completion_notes(
            a, c.activity, c.student, {c.milestone: f"noted by {name}"})),
        "milestones.update_milestone": lambda: s.milestones.update_milestone(
            a, c.milestone, title=f"Edited by {name}", required=False),
        "milestones.delete_milestone": lambda: s.milestones.delete_milestone(a, k["milestone"]),
        "milestones.reorder_milestones": lambda: s.milestones.reorder_milestones(
            a, c.activity, [x.id for x in reversed(s.milestones.list_milestones(k["boss"], c.activity))]),
        "milestones.copy_milestones": lambda: s.milestones.copy_milestones(a, k["other"], c.activity),
        "milestones.complete_for_students": lambda: s.milestones.complete_for_students(
            a, c.milestone, [c.student]),
        "milestones.uncomplete_for_students": lambda: s.milestones.uncomplete_for_students(
            a, c.milestone, [c.student]),
        "milestones.checklist": lambda: s.milestones.checklist(a, c.activity),
        "analytics.activity_analytics": lambda: s.analytics.activity_analytics(a, c.activity),
        "analytics.dashboard": lambda: s.analytics.dashboard(a),
        "analytics.progress_history": lambda: s.analytics.progress_history(a, c.student),
        "analytics.school_analytics": lambda: s.analytics.school_analytics(a),
        "settings.update": lambda: s.settings.update(a, school_name=f"School of {name}"),
        "audit.recent": lambda: s.audit.recent(a),
        "enrollment.roster": lambda: s.enrollment.roster(a, c.activity),
        "enrollment.places": lambda: s.enrollment.places(a, c.activity),
        "enrollment.search_students": lambda: s.enrollment.search_students(a, c.activity, "s"),
        "enrollment.status_history": lambda: s.enrollment.status_history(a, c.activity, c.student),
        "enrollment.next_waitlisted": lambda: s.enrollment.next_waitlisted(a, c.activity),
        "enrollment.enroll": lambda: s.enrollment.enroll(a, c.activity, [c.student]),
        "enrollment.reenroll": lambda: _checked(lambda: (
            s.enrollment.drop(a, c.activity, c.student, f"by {name}", datetime.now().date()),
            s.enrollment.reenroll(a, c.activity, c.student))),
        "enrollment.drop": lambda: _checked(lambda: (
            s.enrollment.drop(a, c.activity, c.student, f"by {name}", datetime.now().date()),
            s.enrollment.enroll(a, c.activity, [c.student]))),
        "enrollment.promote_from_waitlist": lambda: _checked(
            lambda: s.enrollment.promote_from_waitlist(a, c.activity, c.student)),
        "enrollment.set_completed_by_hand": lambda: _checked(
            lambda: s.enrollment.set_completed_by_hand(a, c.activity, c.student, f"by {name}")),
        "imports.preview": lambda: s.imports.preview(a, SAMPLE_ROSTER),
        "imports.apply": lambda: s.imports.apply(a, SAMPLE_ROSTER),
        "calendar.list_schedules": lambda: s.calendar.list_schedules(a, c.activity),
        "calendar.add_schedule": lambda: s.calendar.add_schedule(a, c.activity, k["pattern"]),
        "calendar.update_schedule": lambda: s.calendar.update_schedule(a, k["schedule"], k["pattern"]),
        "calendar.delete_schedule": lambda: s.calendar.delete_schedule(a, k["schedule"]),
        "calendar.regenerate": lambda: s.calendar.regenerate(a, c.activity),
        "calendar.list_holidays": lambda: s.calendar.list_holidays(a),
        "calendar.add_holiday": lambda: s.calendar.add_holiday(a, k["day"], f"Day off for {name}"),
        "calendar.remove_holiday": lambda: s.calendar.remove_holiday(a, k["holiday"]),
        "calendar.list_sessions": lambda: s.calendar.list_sessions(a, c.activity),
        "calendar.get_session": lambda: s.calendar.get_session(a, k["session"]),
        "calendar.cancel_session": lambda: s.calendar.cancel_session(a, k["session"], f"by {name}"),
        "calendar.restore_session": lambda: s.calendar.restore_session(a, k["session"]),
        "calendar.move_session": lambda: s.calendar.move_session(
            a, k["session"], datetime.combine(k["day"], time(11)), datetime.combine(k["day"], time(12))),
        "calendar.add_extra_session": lambda: s.calendar.add_extra_session(
            a, c.activity, datetime.combine(k["day"], time(13)), datetime.combine(k["day"], time(14))),
        "calendar.delete_session": lambda: s.calendar.delete_session(a, k["session"]),
        "ical.export_ics": lambda: s.ical.export_ics(a, c.activity, tz="UTC"),
        "ical.import_ics": lambda: s.ical.import_ics(a, k["ics"], c.activity, tz="UTC"),
        "attendance.statuses": lambda: s.attendance.statuses(a),
        "attendance.save_status": lambda: s.attendance.save_status(
            a, None, code=k["code"], label=f"Status of {name}", colour="#123456",
            counts_as_present=False, counts_in_rate=False),
        "attendance.sessions": lambda: s.attendance.sessions(a, c.activity),
        "attendance.current_session": lambda: s.attendance.current_session(a, c.activity),
        "attendance.sheet": lambda: s.attendance.sheet(a, k["session"]),
        "attendance.grid": lambda: s.attendance.grid(a, c.activity),
        "attendance.apply": lambda: s.attendance.apply(
            a, [MarkChange(k["session"], c.student, k["present"], check_version=False)]),
        "attendance.mark_rest_present": lambda: s.attendance.mark_rest_present(a, k["session"]),
        "skills.list_skills": lambda: s.skills.list_skills(a),
        "skills.create_skill": lambda: s.skills.create_skill(a, f"Skill by {name}"),
        "ical.preview_ics": lambda: s.ical.preview_ics(a, k["ics"], c.activity, tz="UTC"),
        "ical.preview_holidays": lambda: s.ical.preview_holidays(a, k["holidays"]),
        "ical.import_holidays": lambda: s.ical.import_holidays(a, k["holidays"]),
        "skills.update_skill": lambda: s.skills.update_skill(a, k["skill"], k["name"], "Matrix"),
        "skills.rubric": lambda: s.skills.rubric(a, k["skill"]),
        "skills.set_rubric": lambda: s.skills.set_rubric(a, k["skill"], [(1, "Low", ""), (2, "High", "")]),
        "skills.catalog": lambda: s.skills.catalog(a),
        "skills.delete_skill": lambda: s.skills.delete_skill(a, k["skill"]),
        "skills.activity_skills": lambda: s.skills.activity_skills(a, c.activity),
        "skills.set_activity_skills": lambda: s.skills.set_activity_skills(a, c.activity, [(k["skill"], 2)]),
        "skills.assess": lambda: s.skills.assess(a, c.activity, [c.student], k["skill"], 1, f"by {name}"),
        "skills.history": lambda: s.skills.history(a, c.student),
        "skills.skills_grid": lambda: s.skills.skills_grid(a, c.activity),
        "skills.participation_summary": lambda: s.skills.participation_summary(a, c.activity),
        "certificates.issue": lambda: _checked(lambda: s.certificates.issue(a, c.activity, [c.student])),
        "certificates.reissue": lambda: s.certificates.reissue(a, k["serial"], reason=f"by {name}"),
        "certificates.revoke": lambda: s.certificates.revoke(a, k["serial"], reason=f"by {name}"),
        "certificates.list_for_activity": lambda: s.certificates.list_for_activity(a, c.activity),
        "certificates.list_for_student": lambda: s.certificates.list_for_student(a, c.student),
        "certificates.rotate_key": lambda: s.certificates.rotate_key(a),
        "certificates.templates": lambda: s.certificates.templates(a),
        "certificates.save_template": lambda: s.certificates.save_template(
            a, TemplateSpec(name=f"Matrix {name}", design="modern")),
        "certificates.delete_template": lambda: s.certificates.delete_template(a, "classic"),
        "certificates.preview_data": lambda: s.certificates.preview_data(a, c.activity, c.student),
        "certificates.awaiting": lambda: s.certificates.awaiting(a),
        "badges.list_badges": lambda: s.badges.list_badges(a, c.activity),
        "badges.get": lambda: s.badges.get(a, k["badge"]),
        "badges.image": lambda: s.badges.image(a, k["badge"], 32),
        "badges.preview_count": lambda: s.badges.preview_count(a, k["input"]),
        "badges.save": lambda: s.badges.save(a, k["input"], badge_id=k["badge"]),
        "badges.archive": lambda: s.badges.archive(a, k["badge"]),
        "badges.award": lambda: _checked(lambda: s.badges.award(a, k["badge"], c.student, note=f"by {name}")),
        "badges.revoke": lambda: s.badges.revoke(a, k["award"], reason=f"by {name}"),
        "badges.student_badges": lambda: s.badges.student_badges(a, c.student),
        "badges.activity_badges": lambda: s.badges.activity_badges(a, c.activity),
        "badges.award_counts": lambda: s.badges.award_counts(a, c.activity),
        "badges.credential_facts": lambda: s.badges.credential_facts(a, k["award"]),
        "badges.export_png": lambda: s.badges.export_png(a, k["award"]),
        "badges.export_svg": lambda: s.badges.export_svg(a, k["award"]),
        "badges.export_all": lambda: s.badges.export_all(a, c.student),
        "leaderboards.leaderboard": lambda: s.leaderboards.leaderboard(a, c.activity),
        "leaderboards.export_rows": lambda: s.leaderboards.export_rows(a, c.activity),
        "leaderboards.set_leaderboard": lambda: s.leaderboards.set_leaderboard(
            a, c.activity, enabled=True, privacy="initial"),
        "leaderboards.set_opt_out": lambda: s.leaderboards.set_opt_out(a, c.student, True),
        "leaderboards.opt_out_state": lambda: s.leaderboards.opt_out_state(a, c.student),
        "portfolios.portfolio": lambda: s.portfolios.portfolio(a, c.student),
        "portfolios.transcript_pdf": lambda: s.portfolios.transcript_pdf(a, c.student),
        "portfolios.set_featured": lambda: s.portfolios.set_featured(a, c.student, "activity", c.activity, True),
        "portfolios.save_reflection": lambda: s.portfolios.save_reflection(a, c.student, c.activity, f"by {name}"),
        "notifications.inbox": lambda: s.notifications.inbox(a),
        "notifications.unread_count": lambda: s.notifications.unread_count(a),
        "notifications.mark_read": lambda: s.notifications.mark_read(a, []),
        "notifications.mark_all_read": lambda: s.notifications.mark_all_read(a),
        "notifications.preferences": lambda: s.notifications.preferences(a),
        "notifications.save_preferences": lambda: s.notifications.save_preferences(
            a, s.notifications.preferences(a)),
        "letters.students_for": lambda: s.letters.students_for(a, c.activity),
        "letters.letter_data": lambda: s.letters.letter_data(a, c.activity, [c.student]),
        "letters.letters_pdf": lambda: s.letters.letters_pdf(a, c.activity, [c.student], note=f"by {name}"),
        "email.smtp_settings": lambda: s.email.smtp_settings(a),
        "email.save_smtp_settings": lambda: s.email.save_smtp_settings(a, SmtpSettings(), None),
        "email.send_test": lambda: _checked(lambda: s.email.send_test(a, "office@school.test")),
        "email.outbox": lambda: s.email.outbox(a),
        "email.resend": lambda: s.email.resend(a, [1]),
        "audit.search": lambda: s.audit.search(a, text="x"),
        "audit.entities": lambda: s.audit.entities(a),
        "audit.export_csv": lambda: s.audit.export_csv(a, AuditFilters(), m.folder / f"audit-{name}.csv"),
        "privacy.subject_access": lambda: s.privacy.subject_access(a, c.student, m.folder / f"sar-{name}.zip"),
        "privacy.erase": lambda: _past_policy(lambda: s.privacy.erase(a, c.student, confirm_name="not the name")),
        "privacy.retention_candidates": lambda: s.privacy.retention_candidates(a),
        "backups.listing": lambda: s.backups.listing(a),
        "backups.back_up": lambda: s.backups.back_up(a, out=m.folder / f"backup-{name}.db"),
        "backups.restore": lambda: _past_policy(lambda: s.backups.restore(a, m.folder / "no-such-backup.db")),
        "exports.export": lambda: s.exports.export(a, ExportRequest("csv", activity_id=c.activity),
                                                   m.folder / f"export-{name}.zip"),
    }
    return calls[op]


def _audit_count(services: Services) -> int:
    with read_only(services.db) as s:
        return s.scalar(select(func.count(AuditEntry.id))) or 0


@pytest.mark.parametrize("op", sorted(MATRIX))
def test_every_role_gets_exactly_what_the_matrix_says(matrix, op):
    _, expected = MATRIX[op]
    wrong = []
    for name in CASES:
        call = _call(matrix, op, name, matrix.cases[name])
        before = _audit_count(matrix.services)
        try:
            call()
            outcome = A
        except PermissionDenied:
            outcome = D
            if _audit_count(matrix.services) != before:
                wrong.append(f"{name}: denied but something was written")
        if outcome != expected[name]:
            wrong.append(f"{name}: {outcome}, expected {expected[name]}")
    assert not wrong, f"{op}: " + "; ".join(wrong)


def test_operations_before_sign_in_need_no_actor(services):
    assert not services.auth.has_admin()
    assert services.settings.get().school_name
    admin = services.auth.create_first_admin("head", PASSWORD)
    assert services.auth.login("head", PASSWORD) == admin
    with pytest.raises(ValidationError):
        services.auth.create_first_admin("another", PASSWORD)


def test_disabled_account_loses_its_rights_at_once(school):
    s = school.services
    s.people.set_active(school.admin, school.teacher.id, False)
    for call in (
        lambda: s.progress.update_progress(school.teacher, school.chess, school.student.id, note="x"),
        lambda: s.activities.list_activities(school.teacher),
        lambda: s.analytics.dashboard(school.teacher),
        lambda: s.people.find_users(school.teacher),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_co_lead_has_the_same_rights_as_the_lead(school):
    s = school.services
    s.activities.update_activity(
        school.admin, school.drama,
        ActivityInput("Drama", lead_ids=[school.other_teacher.id], co_lead_ids=[school.teacher.id]))
    s.progress.update_progress(school.teacher, school.drama, school.other_student.id, note="co-lead")
    assert s.analytics.activity_analytics(school.teacher, school.drama).enrolled == 1


def test_teacher_loses_rights_when_no_longer_leading(school):
    s = school.services
    s.activities.update_activity(school.admin, school.chess,
                                 ActivityInput("Chess Club", lead_ids=[school.other_teacher.id]))
    with pytest.raises(PermissionDenied):
        s.progress.update_progress(school.teacher, school.chess, school.student.id, note="x")
    assert s.activities.list_activities(school.teacher) == []


# --------------------------------------------------------------------------- the role is the database's

def test_an_admin_demoted_while_signed_in_loses_admin_rights_at_once(school):
    s = school.services
    info = s.people.create_user(school.admin, UserInput("deputy", "Dee Deputy", Role.ADMIN, password=PASSWORD))
    deputy = s.auth.login("deputy", PASSWORD)
    assert deputy.role is Role.ADMIN
    assert len(s.people.find_users(deputy)) == 7
    s.people.update_user(school.admin, info.id, UserInput("deputy", "Dee Deputy", Role.TEACHER))
    # the same handle, still saying "admin": the database says teacher now
    with pytest.raises(PermissionDenied, match="A teacher may not manage accounts"):
        s.people.create_user(deputy, UserInput("sneaky", "Sneaky", Role.ADMIN))
    assert [u.id for u in s.people.find_users(deputy)] == [deputy.id]
    assert s.activities.list_activities(deputy) == []
    assert s.analytics.dashboard(deputy).title == "My activities"
    with pytest.raises(PermissionDenied):
        s.progress.get_user_progress(deputy, school.student.id)


def test_an_actor_built_by_hand_gets_the_rights_of_the_account_it_names(school):
    s = school.services
    forged = Actor(school.student.id, "sam", "Sam Student", Role.ADMIN)
    with pytest.raises(PermissionDenied, match="A student may not manage accounts"):
        s.people.create_user(forged, UserInput("mallory", "Mallory", Role.ADMIN))
    with pytest.raises(PermissionDenied):
        s.progress.get_user_progress(forged, school.other_student.id)
    with pytest.raises(PermissionDenied):
        s.audit.recent(forged)
    assert [u.id for u in s.people.find_users(forged)] == [school.student.id]
    assert [a.id for a in s.activities.list_activities(forged)] == [school.chess]
    assert s.analytics.dashboard(forged).activities == []
    # a student's handle that says "teacher" sees the student's activities, not a teacher's
    olga_as_teacher = Actor(school.other_student.id, "olga", "Olga Other", Role.TEACHER)
    assert {a.id for a in s.activities.list_activities(olga_as_teacher)} == {school.chess, school.drama}


def test_the_filter_built_without_a_session_reads_the_role_inside_the_query(school):
    from tracker.db.models import Activity
    from tracker.services.scoping import visible

    s = school.services
    forged = Actor(school.student.id, "sam", "Sam Student", Role.ADMIN)
    query = select(Activity.id).where(visible(None, forged, Permission.VIEW_ACTIVITY, activity=Activity.id))
    with read_only(s.db) as session:
        assert list(session.scalars(query)) == [school.chess]
    s.people.set_active(school.admin, school.student.id, False)
    with read_only(s.db) as session:
        assert list(session.scalars(query)) == []  # a disabled account sees nothing


# --------------------------------------------------------------------------- lists

W = ProgressStatus.WAITLISTED


@dataclass
class Known:
    """The school of :func:`lists`, written down by hand: what every list is checked against."""

    services: Services
    actors: dict[str, Actor]
    role: dict[str, Role]
    activities: dict[str, int]
    leads: dict[str, set[str]]  # teacher -> activities they lead
    places: dict[tuple[str, str], ProgressStatus]  # (student, activity) -> enrollment status
    children: dict[str, set[str]]  # parent -> linked students
    archived: set[str]
    completions: set[tuple[str, str]]  # (student, milestone's activity): one milestone each
    assessments: set[tuple[str, str]]  # (student, activity assessed in)

    def uid(self, name: str) -> int:
        return self.actors[name].id

    def people(self, ids: Any) -> set[str]:
        by_id = {a.id: n for n, a in self.actors.items()}
        return {by_id[i] for i in ids}

    def activity(self, activity_id: int | None) -> str:
        return next(n for n, i in self.activities.items() if i == activity_id)

    def acts(self, ids: Any) -> set[str]:
        return {self.activity(i) for i in ids}

    def person(self, user_id: int) -> str:
        return next(n for n, a in self.actors.items() if a.id == user_id)


@pytest.fixture
def lists(school) -> Known:
    """Chess (Tina): Sam and Olga. Drama (Otto): Olga. Robotics (Otto, one place): Olga, Sam on
    the waitlist. Old Club (Tina), archived, empty. Pat is Sam's parent, Pia Olga's. A milestone
    done by every enrolled student of chess and drama; skills assessed in chess, drama, robotics."""
    s, admin = school.services, school.admin
    pia = s.people.create_user(admin, UserInput("pia", "Pia Parent", Role.PARENT, password=PASSWORD))
    s.people.link_guardian(admin, pia.id, school.other_student.id)
    robotics = s.activities.create_activity(admin, ActivityInput("Robotics", capacity=1,
                                                                 lead_ids=[school.other_teacher.id])).id
    s.enrollment.enroll(admin, robotics, [school.other_student.id, school.student.id])
    old = s.activities.create_activity(admin, ActivityInput("Old Club", lead_ids=[school.teacher.id])).id
    activities = {"chess": school.chess, "drama": school.drama, "robotics": robotics, "old": old}
    for n, a in enumerate(activities.values()):
        day = datetime.combine(datetime.now().date(), time(9 + n))
        s.calendar.add_extra_session(admin, a, day, day.replace(hour=10 + n))
    s.activities.set_archived(admin, old, True)
    for activity, students in ((school.chess, [school.student.id, school.other_student.id]),
                               (school.drama, [school.other_student.id])):
        m = s.milestones.create_milestone(admin, activity, title="First steps")
        s.milestones.create_milestone(admin, activity, title="Keeps it open")
        s.milestones.complete_for_students(admin, m.id, students)
    skill = s.skills.create_skill(admin, "Teamwork").id
    s.skills.assess(school.teacher, school.chess, [school.student.id, school.other_student.id], skill, 2)
    s.skills.assess(school.other_teacher, school.drama, [school.other_student.id], skill, 3)
    s.skills.assess(school.other_teacher, robotics, [school.other_student.id], skill, 1)
    actors = {"admin": admin, "tina": school.teacher, "otto": school.other_teacher, "sam": school.student,
              "olga": school.other_student, "pat": school.parent,
              "pia": Actor(pia.id, pia.username, pia.display_name, pia.role)}
    return Known(
        services=s, actors=actors,
        role={"admin": Role.ADMIN, "tina": Role.TEACHER, "otto": Role.TEACHER, "sam": Role.STUDENT,
              "olga": Role.STUDENT, "pat": Role.PARENT, "pia": Role.PARENT},
        activities=activities,
        leads={"tina": {"chess", "old"}, "otto": {"drama", "robotics"}},
        places={("sam", "chess"): ProgressStatus.ACTIVE, ("olga", "chess"): ProgressStatus.ACTIVE,
                ("olga", "drama"): ProgressStatus.ACTIVE, ("olga", "robotics"): ProgressStatus.ACTIVE,
                ("sam", "robotics"): W},
        children={"pat": {"sam"}, "pia": {"olga"}},
        archived={"old"},
        completions={("sam", "chess"), ("olga", "chess"), ("olga", "drama")},
        assessments={("sam", "chess"), ("olga", "chess"), ("olga", "drama"), ("olga", "robotics")},
    )


def _granted_users(k: Known, who: str) -> set[str]:
    """A student: self. A parent: self and linked children. A teacher: self and every student with
    a place (any status) in an activity they lead. An admin: everyone."""
    role = k.role[who]
    if role is Role.ADMIN:
        return set(k.actors)
    if role is Role.TEACHER:
        return {who} | {st for st, a in k.places if a in k.leads[who]}
    return {who} | k.children.get(who, set())


def _granted_activities(k: Known, who: str) -> set[str]:
    """An admin: all. A teacher: the ones they lead. A student / parent: where they / a child hold
    a place (the waitlist is not a place)."""
    role = k.role[who]
    if role is Role.ADMIN:
        return set(k.activities)
    if role is Role.TEACHER:
        return set(k.leads[who])
    mine = {who} | k.children.get(who, set())
    return {a for (st, a), status in k.places.items() if st in mine and status is not W}


def _progress_of(k: Known, who: str, student: str, activity: str) -> bool:
    """Whether the actor may read a student's progress *in this activity*: an admin always, a
    teacher in an activity they lead, a student their own, a parent their children's."""
    role = k.role[who]
    if role is Role.ADMIN:
        return True
    if role is Role.TEACHER:
        return activity in k.leads[who]
    if role is Role.STUDENT:
        return student == who
    return student in k.children.get(who, set())


def _try(call: Callable[[], Any], empty: Any) -> Any:
    """A list the actor may not open at all shows them nothing."""
    try:
        return call()
    except PermissionDenied:
        return empty


@pytest.mark.parametrize("who", ["admin", "tina", "otto", "sam", "olga", "pat", "pia"])
def test_every_list_returns_exactly_what_the_policy_grants(lists, who):
    k, s = lists, lists.services
    a = k.actors[who]
    students = sorted({st for st, _ in k.places})
    got: dict[str, Any] = {}
    want: dict[str, Any] = {}

    got["people.find_users"] = k.people(u.id for u in s.people.find_users(a))
    want["people.find_users"] = _granted_users(k, who)
    # a search narrows within what is granted, never beyond it
    got["people.find_users(name)"] = k.people(u.id for u in s.people.find_users(a, name="o"))
    want["people.find_users(name)"] = {n for n in _granted_users(k, who)
                                      if "o" in (k.actors[n].display_name + k.actors[n].username).lower()}

    got["activities.list_activities"] = k.acts(x.id for x in s.activities.list_activities(a))
    want["activities.list_activities"] = _granted_activities(k, who)

    # the activities one may issue certificates for: an admin all, a teacher the ones they lead
    got["certificates.awaiting"] = k.acts(x.activity_id for x in s.certificates.awaiting(a))
    want["certificates.awaiting"] = _granted_activities(k, who) if k.role[who] in (Role.ADMIN, Role.TEACHER) \
        else set()

    got["calendar.list_sessions"] = k.acts(x.activity_id for x in s.calendar.list_sessions(a))
    want["calendar.list_sessions"] = _granted_activities(k, who)

    d = s.analytics.dashboard(a)
    got["dashboard.activities"] = k.acts(c.summary.id for c in d.activities)
    got["dashboard.own"] = {(k.person(r.user_id), k.activity(r.activity_id)) for r in d.own}
    got["dashboard.children"] = k.people(c.student_id for c in d.children)
    staff = k.role[who] in (Role.ADMIN, Role.TEACHER)
    want["dashboard.activities"] = _granted_activities(k, who) - k.archived if staff else set()
    want["dashboard.own"] = {(st, act) for st, act in k.places if st == who}
    want["dashboard.children"] = k.children.get(who, set())

    got["progress.get_user_progress"] = {
        (st, k.activity(r.activity_id))
        for st in students for r in _try(lambda st=st: s.progress.get_user_progress(a, k.uid(st)), [])}
    want["progress.get_user_progress"] = {(st, act) for st, act in k.places if _progress_of(k, who, st, act)}

    got["skills.history"] = {
        (st, k.activity(h.activity_id))
        for st in students for h in _try(lambda st=st: s.skills.history(a, k.uid(st)), [])}
    want["skills.history"] = {(st, act) for st, act in k.assessments if _progress_of(k, who, st, act)}

    for act in ("chess", "drama"):
        sheet = _try(lambda act=act: s.milestones.checklist(a, k.activities[act]), None)
        got[f"checklist({act}).students"] = k.people(x.id for x in sheet.students) if sheet else set()
        got[f"checklist({act}).done"] = k.people(st for st, _ in sheet.done) if sheet else set()
        opens = act in _granted_activities(k, who)
        enrolled = {st for (st, x), status in k.places.items() if x == act and status is not W}
        want[f"checklist({act}).students"] = {st for st in enrolled if opens and _progress_of(k, who, st, act)}
        want[f"checklist({act}).done"] = {st for st, x in k.completions
                                          if x == act and opens and _progress_of(k, who, st, act)}
        if sheet:  # the per-milestone counts stay whole
            assert sum(m.completed for m in sheet.milestones) == len(
                {st for st, x in k.completions if x == act})

    wrong = {key: (got[key], want[key]) for key in want if got[key] != want[key]}
    assert not wrong, f"{who}: " + "; ".join(f"{key}: got {g}, expected {w}" for key, (g, w) in wrong.items())


def test_a_teacher_reads_only_the_skills_history_of_the_activities_they_lead(lists):
    k, s = lists, lists.services
    olga = k.uid("olga")

    def seen(who: str) -> list[tuple[str | None, str]]:
        return [(h.activity, h.level_name) for h in s.skills.history(k.actors[who], olga)]

    assert {a for a, _ in seen("tina")} == {"Chess Club"}
    assert {a for a, _ in seen("otto")} == {"Drama", "Robotics"}
    assert {a for a, _ in seen("olga")} == {a for a, _ in seen("pia")} == {a for a, _ in seen("admin")} \
        == {"Chess Club", "Drama", "Robotics"}


def test_permission_is_checked_before_the_input(school):
    """A student changing settings with a bad logo is told they may not, not that the logo is bad."""
    with pytest.raises(PermissionDenied):
        school.services.settings.update(school.student, logo_path="/no/such/logo.gif", school_name="")
