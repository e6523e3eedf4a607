"""School-wide settings (school name, logo, idle lock minutes, …) stored as JSON values."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tracker.db.models import Setting
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Actor, Permission
from tracker.errors import Problem, ValidationError
from tracker.services.base import Service, require


@dataclass(frozen=True)
class SchoolSettings:
    school_name: str = "Our School"
    logo_path: str = ""
    idle_lock_minutes: int = 10
    term_name: str = ""
    certificate_folder: str = ""  # where certificates issued on completion go ("": beside the database)
    absences_in_a_row: int = 3  # absent this many sessions in a row: parents and leads are told
    notifications_keep_days: int = 180  # notifications older than this are pruned
    backup_folder: str = ""  # where backups go ("": a ``backups`` folder beside the database)
    backups_keep_daily: int = 7  # automatic backups: the newest of each of the last N days…
    backups_keep_weekly: int = 4  # … and of each of the last M weeks (tracker.db.sqlite_backup)
    privacy_retention_years: int = 7  # students who left this long ago are proposed for erasure


DEFAULTS = SchoolSettings()
KEYS = tuple(SchoolSettings.__dataclass_fields__)

#: the school-wide leaderboard: off until an admin turns it on, and never under ``update``
#: (``LeaderboardService.set_leaderboard`` checks and audits it like an activity's board)
LEADERBOARD_SETTING = "leaderboard"
LEADERBOARD_DEFAULT: dict[str, Any] = {"enabled": False, "privacy": "initial"}


#: whole-number settings: key, lowest, highest, what it is
_WHOLE_NUMBERS = (
    ("absences_in_a_row", 1, 50, "Absences in a row before families are told"),
    ("notifications_keep_days", 1, 3650, "Days notifications are kept"),
    ("backups_keep_daily", 1, 365, "Daily backups kept"),
    ("backups_keep_weekly", 0, 520, "Weekly backups kept"),
    ("privacy_retention_years", 1, 100, "Years the records of a student who left are kept"),
)


class SettingsService(Service):
    def get(self) -> SchoolSettings:
        """Settings are readable before sign-in (school name on the login window)."""
        with read_only(self.db) as s:
            stored = {k: json.loads(v) for k, v in s.execute(select(Setting.key, Setting.value))}
        values: dict[str, Any] = {k: stored.get(k, getattr(DEFAULTS, k)) for k in KEYS}
        return SchoolSettings(**values)

    def update(self, actor: Actor, **changes: Any) -> SchoolSettings:
        with read_only(self.db) as s:  # permission first, before anything about the input
            require(s, actor, Permission.MANAGE_SETTINGS)
        problems: list[Problem] = []
        for key in changes:
            if key not in KEYS:
                problems.append(Problem(f"Unknown setting {key!r}.", field=key))
        if "school_name" in changes and not str(changes["school_name"]).strip():
            problems.append(Problem("The school needs a name.", field="school name"))
        if "idle_lock_minutes" in changes:
            try:
                minutes = int(changes["idle_lock_minutes"])
                if not 0 <= minutes <= 240:
                    raise ValueError
                changes["idle_lock_minutes"] = minutes
            except (TypeError, ValueError):
                problems.append(Problem("Idle lock is a number of minutes from 0 (never) to 240.",
                                        field="idle lock minutes"))
        for key, low, high, words in _WHOLE_NUMBERS:
            if key in changes:
                try:
                    number = int(changes[key])
                    if not low <= number <= high:
                        raise ValueError
                    changes[key] = number
                except (TypeError, ValueError):
                    problems.append(Problem(f"{words} is a whole number from {low} to {high}.", field=key))
        folder = str(changes.get("backup_folder") or "")
        if folder and not (Path(folder).is_dir() and os.access(folder, os.W_OK | os.X_OK)):
            problems.append(Problem(f"Backups cannot be written to {folder}: choose a folder you may write to.",
                                    field="backup folder"))
        logo = changes.get("logo_path")
        if logo:
            path = Path(str(logo))
            if not path.is_file():
                problems.append(Problem(f"The logo file {logo} does not exist.", field="logo"))
            elif path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg"):
                problems.append(Problem("The logo must be a PNG, JPEG or SVG image.", field="logo"))
        if problems:
            raise ValidationError("The settings were not saved.", problems)
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_SETTINGS)
            existing = {r.key: r for r in tx.session.scalars(select(Setting))}
            for key, value in changes.items():
                encoded = json.dumps(value)
                row = existing.get(key)
                before = json.loads(row.value) if row else None
                if row is None:
                    tx.session.add(Setting(key=key, value=encoded))
                elif row.value != encoded:
                    row.value = encoded
                else:
                    continue
                tx.audit(actor, "update", "setting", None, {key: before}, {key: value})
            tx.changes.add(ChangeKind.SETTING, 0)
        return self.get()
