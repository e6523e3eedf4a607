"""The demo school generator: a realistic, deterministic school to try the application with.

    result = generate_demo("demo.db", DemoOptions(students=600, seed=1))
    print(describe_accounts("demo.db", "demo-pass-2026"))

The school is planned in memory (:mod:`tracker.demo.school`) and written with Core executemany
in one transaction. An SQLite target is built in a temporary file next to it and moved into
place at the end, so a failure or a cancel never leaves half a database behind; a server
database (PostgreSQL) must be empty, or is emptied with ``force``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.engine import URL, Connection

from tracker.db.engine import Database, resolve_url
from tracker.db.models import (
    Activity,
    ActivityLead,
    ActivityProgress,
    AttendanceStatus,
    Base,
    GuardianLink,
    Setting,
    User,
)
from tracker.demo.school import SchoolPlan, StatusCodes, sessions_for_largest
from tracker.domain.enums import LeadRole, ProgressStatus, Role
from tracker.errors import NotFound, TrackerError, ValidationError
from tracker.paths import POSIX, PRIVATE_FILE, file_mode, make_private_dir
from tracker.services.attendance_aggregates import rebuild
from tracker.services.auth import check_password_rules, hash_password
from tracker.services.bootstrap import open_database

MAX_STUDENTS = 20_000
CHUNK = 20_000  # rows per executemany: keeps memory flat and lets a cancel land quickly

Progress = Callable[[int, int, str], None]
Target = str | os.PathLike[str] | URL


class DemoCancelled(TrackerError):
    """The user cancelled; nothing was written."""


@dataclass
class DemoOptions:
    students: int = 600
    seed: int = 1
    password: str = "demo-pass-2026"
    force: bool = False
    today: date | None = None  # None: the real today; fixed in tests for identical schools

    def __post_init__(self) -> None:
        if isinstance(self.students, bool) or not isinstance(self.students, int) \
                or not 1 <= self.students <= MAX_STUDENTS:
            raise ValidationError.field(
                "students", f"The number of students must be between 1 and {MAX_STUDENTS:,}, "
                f"not {self.students!r}.")
        check_password_rules(self.password)


Account = tuple[str, str, str]  # (role, username, display name)


@dataclass
class DemoResult:
    school_name: str
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[Account] = field(default_factory=list)


class _Reporter:
    """Progress in percent, and the one place a cancel request is noticed."""

    def __init__(self, progress: Progress | None, cancelled: Callable[[], bool] | None) -> None:
        self.progress = progress
        self.cancelled = cancelled

    def __call__(self, text: str, fraction: float) -> None:
        if self.cancelled is not None and self.cancelled():
            raise DemoCancelled("Demo generation was cancelled; nothing was written.")
        if self.progress is not None:
            self.progress(min(100, int(fraction * 100)), 100, text)


def generate_demo(target: Target, opts: DemoOptions | None = None, *, progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None) -> DemoResult:
    """Create the demo school at ``target`` (SQLite path, or SQLAlchemy URL)."""
    opts = opts or DemoOptions()
    report = _Reporter(progress, cancelled)
    started = time.perf_counter()
    path, url = _resolve(target)
    if path is not None:
        name, counts, accounts = _generate_sqlite(path, opts, report)
    else:
        assert url is not None
        name, counts, accounts = _generate_server(url, opts, report)
    report("Done", 1.0)
    return DemoResult(name, time.perf_counter() - started, counts, accounts)


def _resolve(target: Target) -> tuple[Path | None, URL | None]:
    url = target if isinstance(target, URL) else resolve_url(target)
    if url.get_backend_name() != "sqlite":
        return None, url
    if not url.database or url.database == ":memory:":
        raise ValidationError("A demo school needs a database file, not an in-memory database.")
    return Path(url.database), None


def _side_files(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _generate_sqlite(path: Path, opts: DemoOptions, report: _Reporter) -> tuple[str, dict[str, int], list[Account]]:
    """Build in a temporary file beside ``path``, then swap it in: all or nothing."""
    if path.is_dir():
        raise ValidationError(f"{path} is a folder, not a database file.")
    if path.exists() and path.stat().st_size > 0 and not opts.force:
        raise ValidationError(f"{path} already exists. Nothing was changed. Use --force to "
                              "replace it with a demo school.")
    make_private_dir(path.parent)
    temp = path.with_name(f".{path.name}.demo-{os.getpid()}.tmp")
    leftovers = [temp, *_side_files(temp)]
    for p in leftovers:
        p.unlink(missing_ok=True)
    try:
        report("Preparing the database", 0.0)
        db, _ = open_database(temp)
        try:
            name, counts = _fill(db, opts, report)
            accounts = sample_accounts(db)[0]
        finally:
            db.dispose()  # every connection closed before the file moves
        report("Moving the database into place", 0.99)
        for p in _side_files(path):  # stale -wal of the old file would corrupt the new one
            p.unlink(missing_ok=True)
        if POSIX and path.exists():
            os.chmod(temp, file_mode(path))  # replacing a database keeps its mode
        os.replace(temp, path)
    except BaseException:
        for p in leftovers:
            p.unlink(missing_ok=True)
        raise
    for p in leftovers[1:]:
        p.unlink(missing_ok=True)
    return name, counts, accounts


def _generate_server(url: URL, opts: DemoOptions, report: _Reporter) -> tuple[str, dict[str, int], list[Account]]:
    """A server database cannot be swapped like a file: it must be empty (or emptied with
    ``force``); the rows then go in one transaction, so a cancel leaves the schema empty."""
    report("Preparing the database", 0.0)
    db = Database.connect(url)
    try:
        with db.engine.begin() as conn:
            tables = set(inspect(conn).get_table_names())
            ours = tables & set(Base.metadata.tables)
            has_data = bool(ours) and any(
                conn.scalar(select(func.count()).select_from(Base.metadata.tables[t])) for t in
                ("users", "activities") if t in ours)
            if (has_data or tables - set(Base.metadata.tables) - {"alembic_version"}) and not opts.force:
                raise ValidationError(
                    f"{db.describe()} is not empty. Nothing was changed. Use --force to "
                    "replace its Activity Tracker tables with a demo school.")
            if opts.force and tables:
                Base.metadata.drop_all(conn)
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    finally:
        db.dispose()
    db, _ = open_database(url)
    try:
        name, counts = _fill(db, opts, report)
        return name, counts, sample_accounts(db)[0]
    finally:
        db.dispose()


def _read_statuses(conn: Connection) -> StatusCodes:
    ids: dict[str, int] = {}
    present, counted = set(), set()
    for sid, code, is_present, in_rate in conn.execute(
        select(AttendanceStatus.id, AttendanceStatus.code, AttendanceStatus.counts_as_present,
               AttendanceStatus.counts_in_rate)
    ):
        ids[code] = sid
        if in_rate:
            counted.add(sid)
            if is_present:
                present.add(sid)
    missing = {"P", "L", "E", "A"} - set(ids)
    if missing:
        raise TrackerError(f"The attendance statuses {sorted(missing)} are missing.")
    return StatusCodes(ids, frozenset(present), frozenset(counted))


def _fill(db: Database, opts: DemoOptions, report: _Reporter) -> tuple[str, dict[str, int]]:
    """Plan the school in memory, then insert every table in one transaction."""
    with db.engine.connect() as conn:
        statuses = _read_statuses(conn)
    report("Hashing the demo password", 0.01)
    password_hash = hash_password(opts.password)  # once: every account shares it
    plan = SchoolPlan(students=opts.students, seed=opts.seed, today=opts.today or date.today(),
                      password_hash=password_hash, statuses=statuses,
                      step=lambda text, f: report(text, 0.02 + 0.4 * f))
    plan.build()
    with db.engine.connect() as conn:
        if db.is_sqlite:
            # The target is a private temporary file, deleted on failure: keep the rollback
            # journal in memory and skip fsyncs instead of writing every page twice via the WAL.
            # (on the driver's connection: outside a transaction, where SQLite allows it)
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA journal_mode=MEMORY")
            raw.execute("PRAGMA synchronous=OFF")
        _write(conn, plan, report, postgres=db.engine.dialect.name == "postgresql")
    return plan.school_name, {name: len(t.rows) for name, t in plan.tables.items()}


def _write(conn: Connection, plan: SchoolPlan, report: _Reporter, *, postgres: bool) -> None:
    """Every table with Core executemany, in one transaction."""
    total = sum(len(t.rows) for t in plan.tables.values())
    written = 0
    with conn.begin():
        for name, table in plan.tables.items():
            stmt = insert(Base.metadata.tables[name])
            keys = table.keys
            for i in range(0, len(table.rows), CHUNK):
                report(f"Writing {name.replace('_', ' ')}", 0.42 + 0.55 * written / max(total, 1))
                chunk = table.rows[i:i + CHUNK]
                conn.execute(stmt, [dict(zip(keys, row, strict=True)) for row in chunk])
                written += len(chunk)
        report("Counting attendance", 0.97)
        rebuild(conn)  # the maintained counts of what was just written
        if postgres:  # explicit ids: move the sequences past them
            for name in plan.tables:
                if "id" in Base.metadata.tables[name].c:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
        report("Saving", 0.98)


def sample_accounts(db: Database, *, teachers: int | None = 3) -> tuple[list[Account], int, dict[str, str]]:
    """A few accounts worth trying (``teachers`` of the teachers; None: all of them), the number
    of teachers, and a detail line per username.

    Students shown take part in two or more activities and have a parent, so that signing in as
    them (or as their parent) shows something interesting.
    """
    accounts: list[Account] = []
    details: dict[str, str] = {}
    with db.session_factory() as s:
        admin = s.execute(select(User.username, User.display_name).where(User.role == Role.ADMIN)
                          .order_by(User.id).limit(1)).first()
        if admin:
            accounts.append(("admin", admin.username, admin.display_name))
        teacher_count = s.scalar(select(func.count(User.id)).where(User.role == Role.TEACHER)) or 0
        for uid, username, display in s.execute(
            select(User.id, User.username, User.display_name)
            .where(User.role == Role.TEACHER).order_by(User.id).limit(teachers)
        ):
            led = s.scalars(select(Activity.name).join(ActivityLead, ActivityLead.activity_id == Activity.id)
                            .where(ActivityLead.user_id == uid, ActivityLead.lead_role == LeadRole.LEAD)
                            .order_by(Activity.name)).all()
            accounts.append(("teacher", username, display))
            details[username] = f"leads {', '.join(led)}" if led else "no activity yet"
        busy = (
            select(ActivityProgress.user_id)
            .where(ActivityProgress.status.in_([ProgressStatus.ACTIVE, ProgressStatus.COMPLETED]))
            .group_by(ActivityProgress.user_id).having(func.count() >= 2)
        )
        students = s.execute(
            select(User.id, User.username, User.display_name, User.class_name)
            .where(User.role == Role.STUDENT, User.id.in_(busy),
                   User.id.in_(select(GuardianLink.student_id)))
            .order_by(User.id).limit(3)
        ).all() or s.execute(
            select(User.id, User.username, User.display_name, User.class_name)
            .where(User.role == Role.STUDENT).order_by(User.id).limit(3)
        ).all()
        for sid, username, display, class_name in students:
            acts = s.scalars(select(Activity.name).join(ActivityProgress, ActivityProgress.activity_id == Activity.id)
                             .where(ActivityProgress.user_id == sid).order_by(Activity.name)).all()
            accounts.append(("student", username, display))
            details[username] = f"{class_name or '-'}; {', '.join(acts) or 'no activities'}"
        parents: list[Account] = []
        for sid, _u, child, _c in students:
            row = s.execute(select(User.username, User.display_name)
                            .join(GuardianLink, GuardianLink.guardian_id == User.id)
                            .where(GuardianLink.student_id == sid).order_by(GuardianLink.id).limit(1)).first()
            if row and row.username not in {p[1] for p in parents}:
                parents.append(("parent", row.username, row.display_name))
                details[row.username] = f"parent of {child}"
        accounts.extend(parents)
    return accounts, teacher_count, details


def describe_accounts(target: Target, password: str, *, every_teacher: bool = False) -> str:
    """A short block telling a person which demo accounts to sign in with: the administrator,
    three teachers (or, with ``every_teacher``, all of them), three students and their parents."""
    path, url = _resolve(target)
    if path is not None and not path.exists():
        raise NotFound(f"There is no database at {path}.")
    db = Database.connect(url or path)
    try:
        accounts, teachers, details = sample_accounts(db, teachers=None if every_teacher else 3)
    finally:
        db.dispose()
    lines = [f"Demo accounts (password for every account: {password}):"]
    shown_teachers = 0
    for role, username, display in accounts:
        extra = details.get(username)
        lines.append(f"  {role:<9} {username}" + (f" ({extra})" if extra else "")
                     + ("" if role != "admin" else f" — {display}"))
        if role == "teacher":
            shown_teachers += 1
            if shown_teachers == 3 and teachers > 3 and not every_teacher:
                lines.append(f"  {'':<9} … and {teachers - 3} more teachers (usernames t.<surname>)")
    return "\n".join(lines)


def accounts_file(target: Target) -> Path | None:
    """Where :func:`write_accounts_file` puts the list: ``<name>-accounts.txt`` beside an SQLite
    database (``school.db`` → ``school-accounts.txt``); None for a server database."""
    path, _ = _resolve(target)
    return None if path is None else path.with_name(f"{path.stem}-accounts.txt")


def write_accounts_file(target: Target, password: str) -> tuple[Path, int] | None:
    """Every account of the demo school, one a line with what it leads, attends or is parent
    of, written beside the database (private to the user: it holds the password) — the printed
    block names only a few. Returns the file and the number of accounts; None for a server."""
    path, _ = _resolve(target)
    if path is None:
        return None
    out = accounts_file(path)
    assert out is not None
    db = Database.connect(path)
    try:
        school, rows = _every_account(db)
    finally:
        db.dispose()
    header = ("role", "username", "name", "details")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = [f"Demo accounts of {school}", f"Password for every account: {password}", "",
             *("  ".join(v.ljust(w) for v, w in zip(r[:3], widths, strict=True)) + "  " + r[3]
               for r in [header, *rows])]
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        if POSIX:
            os.fchmod(fh.fileno(), PRIVATE_FILE)  # an older copy may have had another mode
        fh.write("\n".join(line.rstrip() for line in lines) + "\n")
    return out, len(rows)


def _every_account(db: Database) -> tuple[str, list[tuple[str, str, str, str]]]:
    """The school's name and (role, username, name, details) of every account, by role then name;
    four queries whatever the size of the school."""
    order = {Role.ADMIN: 0, Role.TEACHER: 1, Role.STUDENT: 2, Role.PARENT: 3}
    with db.session_factory() as s:
        stored = s.scalar(select(Setting.value).where(Setting.key == "school_name"))
        school = json.loads(stored) if stored else "the demo school"
        users = s.execute(select(User.id, User.role, User.username, User.display_name, User.class_name)).all()
        leads: dict[tuple[int, LeadRole], list[str]] = {}
        for uid, role, name in s.execute(select(ActivityLead.user_id, ActivityLead.lead_role, Activity.name)
                                         .join(Activity, Activity.id == ActivityLead.activity_id)
                                         .order_by(Activity.name)):
            leads.setdefault((uid, role), []).append(name)
        attends: dict[int, list[str]] = {}
        for uid, name in s.execute(select(ActivityProgress.user_id, Activity.name)
                                   .join(Activity, Activity.id == ActivityProgress.activity_id)
                                   .order_by(Activity.name)):
            attends.setdefault(uid, []).append(name)
        children: dict[int, list[int]] = {}
        for guardian, child in s.execute(select(GuardianLink.guardian_id, GuardianLink.student_id)
                                         .order_by(GuardianLink.id)):
            children.setdefault(guardian, []).append(child)
    names = {u.id: u.display_name for u in users}

    def details(u: Any) -> str:
        if u.role is Role.TEACHER:
            led = [f"{word} {', '.join(leads[u.id, role])}" for word, role in
                   (("leads", LeadRole.LEAD), ("co-leads", LeadRole.CO_LEAD)) if (u.id, role) in leads]
            return "; ".join(led) or "no activity yet"
        if u.role is Role.STUDENT:
            return f"{u.class_name or '-'}; {', '.join(attends.get(u.id, [])) or 'no activities'}"
        if u.role is Role.PARENT:
            return "parent of " + (", ".join(names[c] for c in children.get(u.id, [])) or "nobody yet")
        return ""

    rows = sorted(users, key=lambda u: (order.get(u.role, 9), u.display_name.lower(), u.id))
    return str(school), [(u.role.value, u.username, u.display_name, details(u)) for u in rows]


__all__ = ["DemoCancelled", "DemoOptions", "DemoResult", "accounts_file", "describe_accounts", "generate_demo",
           "sample_accounts", "sessions_for_largest", "write_accounts_file"]
