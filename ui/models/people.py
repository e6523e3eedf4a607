"""The people table: every account with its role, profile and sign-in state."""

from __future__ import annotations

from datetime import datetime

from tracker.services.people import UserInfo
from ui.models.base import CENTER, Column, SnapshotModel
from ui.widgets.style import when


def account_status(u: UserInfo) -> str:
    if not u.active:
        return "Disabled"
    if u.locked:
        return "Locked"
    return "Active"


def _last(u: UserInfo) -> str:
    return when(u.last_login_at, empty="Never")


class UsersModel(SnapshotModel[UserInfo]):
    NAME, USERNAME, ROLE, STATUS, SIGN_IN, GRADE, CLASS, NUMBER, EMAIL, LAST_LOGIN = range(10)

    columns = (
        Column("Name", lambda u: u.display_name, width=180),
        Column("Username", lambda u: u.username, width=120),
        Column("Role", lambda u: u.role.label, width=78),
        Column("Status", account_status, width=80),
        Column("Can sign in", lambda u: "Yes" if u.can_sign_in else "No", width=96, align=CENTER,
               tooltip=lambda u: "" if u.can_sign_in else "No password set, or the account is disabled"),
        Column("Grade", lambda u: u.grade or "", width=64, align=CENTER,
               sort=lambda u: (len(u.grade or ""), u.grade or "")),
        Column("Class", lambda u: u.class_name or "", width=64),
        Column("Student no.", lambda u: u.student_number or "", width=106),
        Column("Email", lambda u: u.email or "", width=200),
        Column("Last sign-in", _last, width=150,
               sort=lambda u: (u.last_login_at or datetime.min).isoformat()),
    )

    def search_text(self, u: UserInfo) -> str:
        return " ".join(filter(None, (u.display_name, u.username, u.role.value, u.grade,
                                      u.class_name, u.student_number, u.email, u.first_name,
                                      u.last_name, u.preferred_name)))

    def muted(self, u: UserInfo) -> bool:
        return not u.active
