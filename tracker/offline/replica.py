"""The replica: what a workstation keeps of the school database to work without it.

What is replicated (and nothing else): the activities the user may take attendance in (a
teacher's own; for an administrator the ones chosen, or every activity when asked), their leads,
enrollments, schedules, sessions, attendance records and maintained counts, milestones and
completions, the attendance statuses, the holidays and the school's settings (secrets left out).
People: the user themself (with their password hash, to sign in offline), the students of those
activities and the staff named in the copied rows (names only). Everything keeps the server's ids,
so a change queued here is the same operation on the server.

The replica is built into a new file and swapped in whole (never patched), so a replica of an
older schema revision is rebuilt rather than merged; changes still waiting in the old file's queue
and decisions still to be taken are carried over into the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, func, insert, select
from sqlalchemy.orm import Session

from tracker.db.engine import Database, describe_url
from tracker.db.migrate import ensure_schema, head_revision
from tracker.db.models import (
    Activity,
    ActivityLead,
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    EnrollmentAttendance,
    Holiday,
    Milestone,
    ReplicaInfo,
    Schedule,
    SessionAttendance,
    Setting,
    SyncDecision,
    SyncQueue,
    User,
    UserMilestone,
    utcnow,
)
from tracker.db.uow import read_only
from tracker.domain.enums import ProgressStatus
from tracker.domain.policy import Actor, Permission, scopes
from tracker.errors import DatabaseError, NotFound, PermissionDenied, TrackerError
from tracker.paths import PRIVATE_DIR, default_data_dir
from tracker.services.scoping import current_role, visible

#: why a replica refuses every write that cannot be queued for the school database
OFFLINE_REASON = ("Working offline: this needs the school database, which cannot be reached now. "
                  "Taking attendance, ticking milestones, remarks and participation still work.")

#: settings never copied to a workstation (the e-mail password, signing secrets)
SECRET_WORDS = ("password", "secret", "smtp", "key", "token")

#: ``progress(done, total, text)``
Progress = Callable[[int, int, str], None]


def offline_dir() -> Path:
    """Where replicas live: ``$TRACKER_OFFLINE_DIR``, else ``offline/`` in the per-user data folder."""
    folder = os.environ.get("TRACKER_OFFLINE_DIR")
    return Path(folder) if folder else default_data_dir() / "offline"


def server_key(db_or_target: Database | str) -> str:
    """A digest of the school database's address (password left out): names its replica."""
    if isinstance(db_or_target, Database):
        text = describe_url(db_or_target.url)
    else:
        from tracker.db.engine import resolve_url

        text = describe_url(resolve_url(db_or_target))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def replica_path(db_or_target: Database | str) -> Path:
    return offline_dir() / f"{server_key(db_or_target)}.db"


@dataclass(frozen=True)
class ReplicaSummary:
    path: Path
    user_id: int
    activity_ids: tuple[int, ...]
    activity_names: tuple[str, ...]
    everything: bool
    students: int
    sessions: int
    marks: int
    waiting: int  # changes carried over, still to send
    decisions: int
    synced_at: datetime
    revision: str


def _secret(key: str) -> bool:
    low = key.lower()
    return any(word in low for word in SECRET_WORDS)


def require_offline_work(s: Session, actor: Actor) -> None:
    """Offline work is taking attendance and ticking milestones: for whoever may do that somewhere
    (read from the database now, like every policy check)."""
    role = current_role(s, actor)
    if not scopes(role, Permission.TAKE_ATTENDANCE):
        raise PermissionDenied(f"A {role.value} does not take attendance, so there is nothing to take offline.")


def chosen_activities(s: Session, actor: Actor, wanted: Sequence[int] | None, everything: bool) -> list[int]:
    """The activities to replicate, as the policy allows: the actor's (a teacher's own), the ones
    asked for among them, or all of them (``everything``). Archived activities are left out."""
    require_offline_work(s, actor)
    allowed = set(s.scalars(select(Activity.id).where(
        visible(s, actor, Permission.TAKE_ATTENDANCE, activity=Activity.id), Activity.archived.is_(False))))
    if everything or wanted is None:
        return sorted(allowed)
    ids = sorted(set(wanted))
    for activity_id in ids:
        if activity_id not in allowed:
            exists = s.scalar(select(Activity.name).where(Activity.id == activity_id))
            if exists is None:
                raise NotFound(f"No activity with id {activity_id}.")
            raise PermissionDenied(f"You may not take attendance in {exists}, so it cannot be taken offline.")
    return ids


def _rows(s: Session, table: Table, *where: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in s.execute(select(table).where(*where))]


def _copy(target: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        target.execute(insert(table), rows)


def build_replica(server: Database, actor: Actor, *, path: Path | None = None,
                  activity_ids: Sequence[int] | None = None, everything: bool = False,
                  progress: Progress | None = None) -> ReplicaSummary:
    """Build (or rebuild) the actor's replica of ``server`` and swap it in whole.

    Checks the policy first. Reads the server in one transaction (a consistent picture), writes
    a new file beside the old one, carries over the old file's waiting changes and decisions,
    then replaces it atomically: an interrupted build leaves the old replica as it was."""
    path = path or replica_path(server)
    step = progress or (lambda done, total, text: None)
    with read_only(server) as s:
        if not server.is_sqlite:
            s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        ids = chosen_activities(s, actor, activity_ids, everything)
        step(1, 6, "Reading the activities")
        tables = _read_scope(s, actor, ids)
    carried = _carry_over(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    building = path.with_name(path.name + ".building")
    _remove_db_files(building)
    new = Database.connect(building)
    try:
        ensure_schema(new, backup=False)
        step(3, 6, "Writing the copy on this computer")
        revision = head_revision()
        with new.session_factory() as t, t.begin():
            t.connection().exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table, rows in tables:
                _copy(t, table, rows)
            for table, rows in carried:
                _copy(t, table, rows)
            t.add(ReplicaInfo(server=server_key(server), server_label=describe_url(server.url)[:300],
                              user_id=actor.id, activity_ids=json.dumps(ids), everything=bool(everything),
                              revision=revision, synced_at=utcnow()))
            t.flush()
            dangling = t.connection().exec_driver_sql("PRAGMA foreign_key_check").first()
            if dangling is not None:
                raise DatabaseError(f"The offline copy would be incomplete ({dangling[0]} points at a "
                                    "missing row); nothing was changed.")
        step(5, 6, "Checking the copy")
        with new.engine.connect() as conn:
            if conn.exec_driver_sql("PRAGMA integrity_check").scalar() != "ok":
                raise DatabaseError("The offline copy could not be written correctly; nothing was changed.")
    finally:
        new.dispose()
    _remove_db_files(path, keep_main=True)
    os.replace(building, path)
    _remove_db_files(building)
    if os.name == "posix":
        os.chmod(path, 0o600)
    step(6, 6, "Done")
    return replica_summary(path)


def _read_scope(s: Session, actor: Actor, ids: list[int]) -> list[tuple[Table, list[dict[str, Any]]]]:
    """Every row of the replica, read from the server (in insertion order)."""
    A = ids
    t = lambda model: model.__table__  # noqa: E731
    activities = _rows(s, t(Activity), Activity.id.in_(A))
    leads = _rows(s, t(ActivityLead), ActivityLead.activity_id.in_(A))
    enrollments = _rows(s, t(ActivityProgress), ActivityProgress.activity_id.in_(A))
    enrollment_ids = [r["id"] for r in enrollments]
    schedules = _rows(s, t(Schedule), Schedule.activity_id.in_(A))
    sessions = _rows(s, t(ActivitySession), ActivitySession.activity_id.in_(A))
    session_ids = select(ActivitySession.id).where(ActivitySession.activity_id.in_(A))
    records = _rows(s, t(AttendanceRecord), AttendanceRecord.session_id.in_(session_ids))
    milestones = _rows(s, t(Milestone), Milestone.activity_id.in_(A))
    completions = _rows(s, t(UserMilestone), UserMilestone.milestone_id.in_(
        select(Milestone.id).where(Milestone.activity_id.in_(A))))
    enrollment_counts = _rows(s, t(EnrollmentAttendance), EnrollmentAttendance.progress_id.in_(
        select(ActivityProgress.id).where(ActivityProgress.activity_id.in_(A)))) if enrollment_ids else []
    session_counts = _rows(s, t(SessionAttendance), SessionAttendance.session_id.in_(session_ids))
    people: set[int] = {actor.id}
    for rows, columns in ((leads, ("user_id",)), (enrollments, ("user_id", "override_by", "signed_off_by")),
                          (records, ("student_id", "recorded_by")), (completions, ("user_id", "completed_by"))):
        for row in rows:
            people.update(row[c] for c in columns if row[c] is not None)
    users = []
    for row in _rows(s, t(User), User.id.in_(sorted(people))):
        if row["id"] != actor.id:  # names only: nobody else can sign in here, nor be mailed from here
            row.update(password_hash=None, email=None, failed_logins=0, locked_until=None)
        users.append(row)
    settings = [r for r in _rows(s, t(Setting)) if not _secret(r["key"])]
    return [
        (t(User), users), (t(AttendanceStatus), _rows(s, t(AttendanceStatus))), (t(Setting), settings),
        (t(Holiday), _rows(s, t(Holiday))), (t(Activity), activities), (t(ActivityLead), leads),
        (t(Schedule), schedules), (t(ActivitySession), sessions), (t(ActivityProgress), enrollments),
        (t(EnrollmentAttendance), enrollment_counts), (t(SessionAttendance), session_counts),
        (t(Milestone), milestones), (t(UserMilestone), completions), (t(AttendanceRecord), records),
    ]


def _carry_over(path: Path) -> list[tuple[Table, list[dict[str, Any]]]]:
    """The old replica's waiting changes and decisions (read with plain SQL: the old file may be of
    an older schema revision, whose data are not used)."""
    if not path.is_file():
        return []
    import sqlite3

    out: list[tuple[Table, list[dict[str, Any]]]] = []
    try:
        conn = sqlite3.connect(path)
        conn.row_factory = sqlite3.Row
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            for model in (SyncQueue, SyncDecision):
                table: Table = model.__table__  # type: ignore[assignment]
                if table.name not in names:
                    continue
                have = {r[1] for r in conn.execute(f"PRAGMA table_info({table.name})")}
                columns = [c.name for c in table.columns if c.name in have]
                rows = [dict(zip(columns, r, strict=True)) for r in
                        conn.execute(f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY id")]
                for row in rows:
                    for c in table.columns:
                        if c.type.python_type is datetime and isinstance(row.get(c.name), str):
                            row[c.name] = datetime.fromisoformat(row[c.name])
                out.append((table, rows))
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"The offline copy on this computer cannot be read ({exc}); its waiting "
                            "changes were not carried over and nothing was changed.") from exc
    return out


def _remove_db_files(path: Path, *, keep_main: bool = False) -> None:
    names = [path.name + "-wal", path.name + "-shm", path.name + "-journal"]
    if not keep_main:
        names.append(path.name)
    for name in names:
        try:
            (path.parent / name).unlink()
        except FileNotFoundError:
            pass


class ReplicaUnusable(TrackerError):
    """There is no offline copy for this user, or it cannot be used."""


def replica_summary(path: Path) -> ReplicaSummary:
    """What the replica at ``path`` holds (read-only)."""
    db = Database.connect(path)
    try:
        with read_only(db) as s:
            info = s.scalar(select(ReplicaInfo))
            if info is None:
                raise ReplicaUnusable("The offline copy on this computer is incomplete.")
            ids = tuple(json.loads(info.activity_ids))
            names = tuple(s.scalars(select(Activity.name).where(Activity.id.in_(ids)).order_by(Activity.name)))
            return ReplicaSummary(
                path=path, user_id=info.user_id, activity_ids=ids, activity_names=names,
                everything=info.everything,
                students=s.scalar(select(func.count(func.distinct(ActivityProgress.user_id))).where(
                    ActivityProgress.status.in_([ProgressStatus.ACTIVE, ProgressStatus.COMPLETED]))) or 0,
                sessions=s.scalar(select(func.count(ActivitySession.id))) or 0,
                marks=s.scalar(select(func.count(AttendanceRecord.id))) or 0,
                waiting=s.scalar(select(func.count(SyncQueue.id))) or 0,
                decisions=s.scalar(select(func.count(SyncDecision.id))) or 0,
                synced_at=info.synced_at, revision=info.revision)
    finally:
        db.dispose()


def replica_revision(path: Path) -> str | None:
    import sqlite3

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def open_replica(path: Path, *, server: str | None = None, user_id: int | None = None) -> Database:
    """Open the replica for offline work: only queueable changes are written to it, and the bus
    runs the provisional recompute (progress, completion, standing) but no certificates, badges,
    notifications or e-mail — the server does those when the change reaches it."""
    if not path.is_file():
        raise ReplicaUnusable("This computer has no offline copy of the school database. Connect to the "
                              "school network once and use \"Take activities offline…\" to prepare it.")
    revision = replica_revision(path)
    if revision != head_revision():
        raise ReplicaUnusable("The offline copy on this computer was made by another version of Activity "
                              "Tracker and must be rebuilt: connect to the school network once.")
    from tracker.offline.queue import REPLICA_HANDLERS
    from tracker.services.bootstrap import bootstrap

    db = Database.connect(path)
    # a change made offline exists only here until it is sent: each commit reaches the disk before
    # the user sees it saved (WAL's default NORMAL may lose the last commits to a power cut)
    event.listen(db.engine, "connect", _synchronous_full)
    bootstrap(db, handlers=REPLICA_HANDLERS, jobs={})
    try:
        with read_only(db) as s:
            info = s.execute(select(ReplicaInfo.server, ReplicaInfo.user_id)).first()
        if info is None:
            raise ReplicaUnusable("The offline copy on this computer is incomplete; connect to the school "
                                  "network once to rebuild it.")
        if server is not None and info.server != server_key(server):
            raise ReplicaUnusable("The offline copy on this computer is of another school database.")
        if user_id is not None and info.user_id != user_id:
            raise ReplicaUnusable("The offline copy on this computer belongs to someone else.")
    except BaseException:
        db.dispose()
        raise
    db.offline_reason = OFFLINE_REASON
    return db


def _synchronous_full(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=FULL")


def wipe_replica(path: Path, *, force: bool = False) -> bool:
    """Delete the replica (signing out of a shared workstation). Refused while changes still wait
    to be sent or decided, unless ``force``: those would be lost. Returns whether it was wiped."""
    if not path.is_file():
        return True
    if not force:
        summary = replica_summary(path)
        if summary.waiting or summary.decisions:
            return False
    _remove_db_files(path)
    return True


__all__ = ["OFFLINE_REASON", "ReplicaSummary", "ReplicaUnusable", "build_replica", "offline_dir",
           "open_replica", "replica_path", "replica_summary", "server_key", "wipe_replica"]
