"""Sending the queue: each change made offline, in order, as the same operation on the server.

* **Exactly once.** Each entry's ``uid`` is an idempotency key: the server stores it in
  ``sync_applied`` in the transaction of the change itself (:func:`tracker.db.uow.joining`), and
  an entry whose key is there is not applied again. An entry leaves the queue only after the
  server committed it (deletions are batched: a crash before one only means the key is found).
* **Never silently overwritten.** A mark carries the version it was based on; the service
  refuses a stale one (``AttendanceConflict``). A milestone's state is compared with the one it
  was based on. When the record changed meanwhile and now differs from what was done offline, the
  entry becomes a :class:`~tracker.db.models.SyncDecision` (both values, who made each and when);
  when it already equals it, there is nothing to do. Later entries of the same cell join the
  decision. Everything else is applied.
* The server's bus does what follows (completion, standing, badges, certificates, notifications).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tracker.db.engine import Database
from tracker.db.models import (
    Activity,
    ActivitySession,
    AttendanceStatus,
    AuditEntry,
    Milestone,
    SyncApplied,
    SyncDecision,
    SyncQueue,
    User,
    UserMilestone,
)
from tracker.db.uow import UnitOfWork, joining, read_only
from tracker.domain.policy import Actor
from tracker.errors import (
    DatabaseBusy,
    NotFound,
    PermissionDenied,
    ServerUnreachable,
    TrackerError,
    ValidationError,
)
from tracker.offline.queue import MARK, MILESTONE
from tracker.offline.replica import require_offline_work
from tracker.services import Services
from tracker.services.attendance_types import AttendanceConflict, Mark, MarkChange

#: entries removed from the queue per replica transaction (after the server committed them)
BATCH = 100

Progress = Callable[[int, int, str], None]


@dataclass
class SyncReport:
    applied: int = 0  # applied on the server now
    already: int = 0  # applied before (a retry after a cut connection): not again
    same: int = 0  # the server already had the same value: nothing to do
    decisions: int = 0  # new decisions for the user
    left: int = 0  # still waiting (the server went away, or the sync was stopped)
    stopped: str = ""  # why it stopped early


@dataclass(frozen=True)
class Theirs:
    """The server's value of a cell that changed meanwhile."""

    text: str
    by: str
    at: datetime | None
    version: int | None


@dataclass(frozen=True)
class DecisionRow:
    id: int
    kind: str
    subject: str
    mine: str
    mine_by: str
    mine_at: datetime
    theirs: str
    theirs_by: str
    theirs_at: datetime | None


# --------------------------------------------------------------------------- server side


def _key_hook(key: str, actor: Actor, kind: str, outcome: str) -> Callable[[UnitOfWork], None]:
    def hook(tx: UnitOfWork) -> None:
        tx.session.add(SyncApplied(key=key, user_id=actor.id, kind=kind, outcome=outcome))
    return hook


def _applied_before(server: Database, key: str) -> bool:
    with read_only(server) as s:
        return s.scalar(select(SyncApplied.id).where(SyncApplied.key == key)) is not None


def _status_labels(s: Session) -> dict[int, str]:
    return dict(s.execute(select(AttendanceStatus.id, AttendanceStatus.label)).all())  # type: ignore[arg-type]


def describe_mark(labels: dict[int, str], status_id: int | None, participation: int | None,
                  remark: str | None) -> str:
    if status_id is None:
        return "No mark"
    parts = [labels.get(status_id, f"status {status_id}")]
    if participation:
        parts.append(f"participation {participation}")
    if remark:
        parts.append(f"“{remark}”")
    return " · ".join(parts)


def _same_mark(theirs: Mark, p: dict[str, Any]) -> bool:
    if theirs.status_id != p["status_id"]:
        return False
    if p["status_id"] is None:
        return True
    if p.get("participation") is not None and (theirs.participation or 0) != p["participation"]:
        return False
    return p.get("remark") is None or theirs.remark == p["remark"]


def _apply_mark(server: Services, actor: Actor, key: str, p: dict[str, Any], base_version: int | None,
                *, force: bool = False, made_at: datetime | None = None) -> str | Theirs:
    change = MarkChange(p["session_id"], p["student_id"], p["status_id"], expected_version=base_version,
                        participation=p.get("participation"), remark=p.get("remark"), recorded_at=made_at)
    try:
        with joining(_key_hook(key, actor, MARK, "decided" if force else "applied")):
            server.attendance.apply(actor, [change])
        return "applied"
    except AttendanceConflict as conflict:
        theirs = conflict.current[0]
        if _same_mark(theirs, p) or (p.get("only_unmarked") and theirs.status_id is not None and not force):
            return "same"  # ("mark the rest present" never overwrites a mark made meanwhile)
        with read_only(server.db) as s:
            labels = _status_labels(s)
        return Theirs(describe_mark(labels, theirs.status_id, theirs.participation, theirs.remark),
                      theirs.recorded_by or "someone", theirs.recorded_at, theirs.version)


#: the audit actions that change whether a student has done a milestone, or its notes
_MILESTONE_CHANGES = ("complete", "uncomplete", "update_notes")


def _last_milestone_change(s: Session, milestone_id: int, student_id: int) -> tuple[str, datetime] | None:
    """Who last ticked, unticked or re-noted this student's milestone, and when (the audit log's
    latest entry that names the student); None when the log has none."""
    rows = s.execute(select(AuditEntry.at, AuditEntry.before, AuditEntry.after, User.display_name)
                     .outerjoin(User, User.id == AuditEntry.actor_id)
                     .where(AuditEntry.entity == "milestone", AuditEntry.entity_id == milestone_id,
                            AuditEntry.action.in_(_MILESTONE_CHANGES))
                     .order_by(AuditEntry.id.desc()).limit(1000))
    for at, before, after, name in rows:
        if any(_names(json.loads(text), student_id) for text in (after, before) if text):
            return name or "someone", at
    return None


def _names(data: Any, student_id: int) -> bool:
    """Whether an audit entry's data is about this student: one student's change (``user_id``),
    a tick for several (``user_ids``) or an untick for several (``completions``)."""
    if not isinstance(data, dict):
        return False
    return (data.get("user_id") == student_id or student_id in (data.get("user_ids") or ())
            or any(isinstance(c, dict) and c.get("user_id") == student_id for c in data.get("completions") or ()))


def _milestone_state(server: Database, p: dict[str, Any]) -> tuple[dict[str, Any], str, datetime | None]:
    """The milestone as the server has it now, and who changed it last and when: the last
    change in the audit log (a re-noted milestone was changed by whoever re-noted it, an
    unticked one by whoever unticked it), else whoever ticked it."""
    with read_only(server) as s:
        row = s.execute(select(UserMilestone.notes, UserMilestone.version, UserMilestone.completed_at,
                               User.display_name)
                        .outerjoin(User, User.id == UserMilestone.completed_by)
                        .where(UserMilestone.milestone_id == p["milestone_id"],
                               UserMilestone.user_id == p["student_id"])).first()
        last = _last_milestone_change(s, p["milestone_id"], p["student_id"])
    if row is None:
        by, at = last if last is not None else ("", None)
        return {"done": False, "notes": "", "version": None}, by, at
    by, at = last if last is not None else (row.display_name or "someone", row.completed_at)
    return {"done": True, "notes": row.notes, "version": row.version}, by, at


def describe_milestone(state: dict[str, Any]) -> str:
    if not state.get("done"):
        return "Not ticked"
    return "Ticked" + (f" · “{state['notes']}”" if state.get("notes") else "")


def _target(p: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    if p["op"] == "uncomplete":
        return {"done": False}
    notes = p.get("notes")
    return {"done": True, "notes": notes if notes else now.get("notes", "")}


def _apply_milestone(server: Services, actor: Actor, key: str, p: dict[str, Any], base: dict[str, Any],
                     *, force: bool = False) -> str | Theirs:
    now, by, at = _milestone_state(server.db, p)
    target = _target(p, now)
    if now["done"] == target["done"] and (not target["done"] or now["notes"] == target["notes"]):
        return "same"
    if not force and (now["done"] != base.get("done") or now["version"] != base.get("version")):
        return Theirs(describe_milestone(now), by or "someone", at, now["version"])
    with joining(_key_hook(key, actor, MILESTONE, "decided" if force else "applied")):
        if p["op"] == "uncomplete":
            server.milestones.uncomplete_milestone(actor, p["milestone_id"], p["student_id"])
        elif p["op"] == "notes":
            server.milestones.set_completion_notes(actor, p["activity_id"], p["student_id"],
                                                   {p["milestone_id"]: p.get("notes") or ""})
        else:
            server.milestones.complete_milestone(actor, p["milestone_id"], p["student_id"],
                                                 notes=p.get("notes") or "")
    return "applied"


def _applied_keys(server: Database, keys: list[str]) -> set[str]:
    found: set[str] = set()
    with read_only(server) as s:
        for start in range(0, len(keys), 500):
            found.update(s.scalars(select(SyncApplied.key).where(SyncApplied.key.in_(keys[start:start + 500]))))
    return found


def apply_entry(server: Services, actor: Actor, key: str, kind: str, payload: dict[str, Any],
                base: dict[str, Any], *, force: bool = False, checked: bool = False,
                made_at: datetime | None = None) -> str | Theirs:
    """Apply one queued change on the server: "applied", "already" (its key is there), "same"
    (the server has that value already) or :class:`Theirs` (changed meanwhile: a decision).
    A change the server refuses (the session was cancelled, the student left) is a decision too,
    with the reason as theirs. ``ServerUnreachable`` and ``DatabaseBusy`` propagate.
    ``checked``: the caller just found the key absent (one query for a whole queue); a change
    committed meanwhile by another sender still fails on the key's unique index, and is "already"."""
    if not checked and _applied_before(server.db, key):
        return "already"
    try:
        if kind == MARK:
            return _apply_mark(server, actor, key, payload, base.get("version"), force=force, made_at=made_at)
        if kind == MILESTONE:
            return _apply_milestone(server, actor, key, payload, base, force=force)
        raise ValidationError(f"Unknown kind of change {kind!r}.")
    except (ServerUnreachable, DatabaseBusy):
        raise
    except (ValidationError, PermissionDenied, NotFound) as exc:
        if _applied_before(server.db, key):  # the same change, committed by a retry meanwhile
            return "already"
        return Theirs(f"Not saved: {exc}", "the school database", None, None)


# --------------------------------------------------------------------------- the workstation side


def _cell(kind: str, p: dict[str, Any]) -> tuple[Any, ...]:
    if kind == MARK:
        return (MARK, p["session_id"], p["student_id"])
    return (MILESTONE, p["milestone_id"], p["student_id"])


def _subject(s: Session, kind: str, p: dict[str, Any]) -> str:
    student = s.scalar(select(User.display_name).where(User.id == p["student_id"])) or f"student {p['student_id']}"
    if kind == MARK:
        row = s.execute(select(Activity.name, ActivitySession.starts_at).join(
            Activity, Activity.id == ActivitySession.activity_id).where(ActivitySession.id == p["session_id"])).first()
        where = f"{row.name}, {row.starts_at:%a %d %b %Y %H:%M}" if row else f"session {p['session_id']}"
        return f"{student} · {where}"[:300]
    titled = s.execute(select(Activity.name, Milestone.title).join(Activity, Activity.id == Milestone.activity_id)
                       .where(Milestone.id == p["milestone_id"])).first()
    where = f"{titled.name}: “{titled.title}”" if titled else f"milestone {p['milestone_id']}"
    return f"{student} · {where}"[:300]


def _mine_text(s: Session, kind: str, p: dict[str, Any]) -> str:
    if kind == MARK:
        return describe_mark(_status_labels(s), p["status_id"], p.get("participation"), p.get("remark"))
    return describe_milestone({"done": p["op"] != "uncomplete", "notes": p.get("notes") or ""})


def push(server: Services, replica: Database, actor: Actor, *, progress: Progress | None = None,
         cancelled: Callable[[], bool] | None = None) -> SyncReport:
    """Send the actor's waiting changes to the server, oldest first (see the module's text)."""
    with read_only(server.db) as s:
        require_offline_work(s, actor)
    report = SyncReport()
    with read_only(replica) as r:
        entries = [(e.id, e.uid, e.kind, json.loads(e.payload), json.loads(e.base), e.made_at)
                   for e in r.scalars(select(SyncQueue).where(SyncQueue.user_id == actor.id).order_by(SyncQueue.id))]
        open_cells = {_cell(d.kind, json.loads(d.payload)): d.id
                      for d in r.scalars(select(SyncDecision).where(SyncDecision.user_id == actor.id))}
    total = len(entries)
    sent: list[int] = []
    try:
        done_before = _applied_keys(server.db, [e[1] for e in entries])
    except ServerUnreachable as exc:
        report.stopped, report.left = str(exc), total
        return report

    def flush() -> None:
        if sent:
            with replica.session_factory() as r, r.begin():
                r.execute(delete(SyncQueue).where(SyncQueue.id.in_(list(sent))))
            sent.clear()

    step = progress or (lambda done, all_, text: None)
    try:
        for number, (entry_id, key, kind, payload, base, made_at) in enumerate(entries):
            if cancelled is not None and cancelled():
                report.stopped = "Stopped."
                break
            step(number, total, f"Sending change {number + 1} of {total}")
            cell = _cell(kind, payload)
            if cell in open_cells:  # a later change of a cell already waiting for a decision joins it
                _fold_into_decision(replica, open_cells[cell], entry_id, payload, made_at)
                continue
            result: str | Theirs | None = None
            for attempt in range(3):
                try:
                    result = "already" if key in done_before else apply_entry(
                        server, actor, key, kind, payload, base, checked=attempt == 0, made_at=made_at)
                    break
                except DatabaseBusy:
                    if attempt == 2:
                        raise
            if isinstance(result, Theirs):
                flush()
                open_cells[cell] = _new_decision(replica, actor, entry_id, key, kind, payload, made_at, result)
                report.decisions += 1
                continue
            report.applied += result == "applied"
            report.already += result == "already"
            report.same += result == "same"
            sent.append(entry_id)
            if len(sent) >= BATCH:
                flush()
    except (ServerUnreachable, DatabaseBusy) as exc:
        report.stopped = str(exc)
    finally:
        flush()
    step(total, total, "Sent")
    with read_only(replica) as r:
        report.left = len(r.scalars(select(SyncQueue.id).where(SyncQueue.user_id == actor.id)).all())
    return report


def _new_decision(replica: Database, actor: Actor, entry_id: int, key: str, kind: str, payload: dict[str, Any],
                  made_at: datetime, theirs: Theirs) -> int:
    with replica.session_factory() as r, r.begin():
        d = SyncDecision(kind=kind, key=key, payload=json.dumps(payload, sort_keys=True),
                         subject=_subject(r, kind, payload), mine=_mine_text(r, kind, payload)[:300],
                         mine_by=actor.display_name[:200], mine_at=made_at, theirs=theirs.text[:300],
                         theirs_by=theirs.by[:200], theirs_at=theirs.at, theirs_version=theirs.version,
                         user_id=actor.id)
        r.add(d)
        r.execute(delete(SyncQueue).where(SyncQueue.id == entry_id))
        r.flush()
        return d.id


def _fold_into_decision(replica: Database, decision_id: int, entry_id: int, payload: dict[str, Any],
                        made_at: datetime) -> None:
    with replica.session_factory() as r, r.begin():
        d = r.get(SyncDecision, decision_id)
        if d is not None:
            d.payload = json.dumps(payload, sort_keys=True)
            d.mine = _mine_text(r, d.kind, payload)[:300]
            d.mine_at = made_at
        r.execute(delete(SyncQueue).where(SyncQueue.id == entry_id))


def decisions(replica: Database, actor: Actor) -> list[DecisionRow]:
    """The changes that wait for the actor's decision, oldest first."""
    with read_only(replica) as r:
        return [DecisionRow(d.id, d.kind, d.subject, d.mine, d.mine_by, d.mine_at, d.theirs, d.theirs_by,
                            d.theirs_at)
                for d in r.scalars(select(SyncDecision).where(SyncDecision.user_id == actor.id)
                                   .order_by(SyncDecision.id))]


def decide(server: Services, replica: Database, actor: Actor, decision_id: int, *, use_mine: bool) -> str:
    """Keep theirs (mine is dropped) or use mine (applied over theirs, with the decision's key).
    Returns a sentence for the status bar. If theirs changed again since the decision was made,
    the decision stays, showing the new value."""
    with read_only(server.db) as s:
        require_offline_work(s, actor)
    with read_only(replica) as r:
        d = r.get(SyncDecision, decision_id)
        if d is None or d.user_id != actor.id:
            raise NotFound("That decision was already taken.")
        kind, key, payload, theirs_version, subject = d.kind, d.key, json.loads(d.payload), d.theirs_version, d.subject
        made_at = d.mine_at
    if not use_mine:
        _drop_decision(replica, decision_id)
        return f"Kept theirs: {subject}."
    if kind == MARK:
        result = apply_entry(server, actor, key, kind, payload, {"version": theirs_version}, force=True,
                             made_at=made_at)
    else:
        result = apply_entry(server, actor, key, kind, payload, {}, force=True)
    if isinstance(result, Theirs):
        with replica.session_factory() as r, r.begin():
            row = r.get(SyncDecision, decision_id)
            if row is not None:
                row.theirs, row.theirs_by, row.theirs_at, row.theirs_version = (
                    result.text[:300], result.by[:200], result.at, result.version)
        raise DecisionChanged(f"{subject}: it was changed again meanwhile ({result.text}, by {result.by}). "
                              "Look at it again and decide.")
    _drop_decision(replica, decision_id)
    return f"Used mine: {subject}."


class DecisionChanged(TrackerError):
    """"Use mine" found the record changed again: the decision now shows the newest value."""


def _drop_decision(replica: Database, decision_id: int) -> None:
    with replica.session_factory() as r, r.begin():
        r.execute(delete(SyncDecision).where(SyncDecision.id == decision_id))


def reachable(server: Database) -> bool:
    """Whether the school database answers now (one short query; a server that does not answer
    is given up after the engine's connect timeout)."""
    try:
        with server.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure to answer is "not reachable"
        return False


__all__ = ["DecisionChanged", "DecisionRow", "SyncReport", "Theirs", "apply_entry", "decide", "decisions", "push",
           "reachable"]
