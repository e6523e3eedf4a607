"""Changes made offline: applied to the replica and queued for the school database, together.

The replica's services are the ordinary ones with two capabilities wrapped: attendance (marks,
participation, remarks, "mark the rest present") and milestones (tick, untick, notes). Each change
runs as the same service operation on the replica — the same policy check, validation and
provisional recompute — and, through :func:`tracker.db.uow.joining`, its ``sync_queue`` entries
are written in that same transaction: a change the user sees as saved is queued, and a change
refused is not. Every other write is refused by the replica (``Database.offline_reason``).

One queue entry per cell (a student's mark in a session, a student's milestone), so that a cell
someone else changed meanwhile becomes one decision and everything else is applied. Each entry
keeps what the cell was when the change was made (``base``: its version and value).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.db.engine import Database
from tracker.db.messagebus import EventHandler
from tracker.db.models import AttendanceRecord, Milestone, SyncQueue, UserMilestone, utcnow
from tracker.db.uow import UnitOfWork, joining, read_only
from tracker.domain.events import AttendanceChanged, Event, MilestoneCompletionChanged, MilestonesTicked
from tracker.domain.policy import Actor
from tracker.services import Services, recompute
from tracker.services.attendance import AttendanceService
from tracker.services.attendance_types import Mark, MarkChange
from tracker.services.milestones import Completion, MilestoneService

#: the replica's bus: the provisional recompute only (the server does the rest when it gets the change)
REPLICA_HANDLERS: dict[type[Event], list[EventHandler]] = {
    MilestoneCompletionChanged: [recompute.on_milestone_changed],
    MilestonesTicked: [recompute.on_milestones_ticked],
    AttendanceChanged: [recompute.on_attendance_changed],
}

MARK = "mark"
MILESTONE = "milestone"


@dataclass(frozen=True)
class Entry:
    kind: str
    payload: dict[str, Any]
    base: dict[str, Any]


def _record(tx: UnitOfWork, actor: Actor, entries: Sequence[Entry]) -> None:
    now = utcnow()
    for e in entries:
        tx.session.add(SyncQueue(kind=e.kind, payload=json.dumps(e.payload, sort_keys=True),
                                 base=json.dumps(e.base, sort_keys=True), user_id=actor.id, made_at=now))


@contextmanager
def queued(actor: Actor, entries: Sequence[Entry]) -> Iterator[None]:
    """Queue ``entries`` in the transaction of the write done in the block (or not at all)."""
    with joining(lambda tx: _record(tx, actor, entries)):
        yield


def mark_payload(c: MarkChange) -> dict[str, Any]:
    return {"session_id": c.session_id, "student_id": c.student_id, "status_id": c.status_id,
            "participation": c.participation, "remark": c.remark}


def _marks_now(s: Session, cells: Sequence[tuple[int, int]]) -> dict[tuple[int, int], dict[str, Any]]:
    if not cells:
        return {}
    sessions = sorted({c[0] for c in cells})
    students = sorted({c[1] for c in cells})
    rows = s.execute(select(AttendanceRecord.session_id, AttendanceRecord.student_id, AttendanceRecord.status_id,
                            AttendanceRecord.participation, AttendanceRecord.remark, AttendanceRecord.version)
                     .where(AttendanceRecord.session_id.in_(sessions), AttendanceRecord.student_id.in_(students)))
    return {(r.session_id, r.student_id): {"status_id": r.status_id, "participation": r.participation,
                                           "remark": r.remark, "version": r.version} for r in rows}


class QueuedAttendance(AttendanceService):
    def apply(self, actor: Actor, changes: list[MarkChange], *, now: datetime | None = None) -> list[Mark]:
        return self._apply(actor, list(changes), now=now, only_unmarked=False)

    def _apply(self, actor: Actor, changes: list[MarkChange], *, now: datetime | None,
               only_unmarked: bool) -> list[Mark]:
        with read_only(self.db) as s:
            before = _marks_now(s, [(c.session_id, c.student_id) for c in changes])
        empty = {"status_id": None, "participation": None, "remark": "", "version": None}
        flag = {"only_unmarked": True} if only_unmarked else {}
        entries = [Entry(MARK, {**mark_payload(c), **flag},
                         {**before.get((c.session_id, c.student_id), empty), "version": c.expected_version}
                         if c.check_version else before.get((c.session_id, c.student_id), empty))
                   for c in changes]
        with queued(actor, entries):
            return super().apply(actor, changes, now=now)

    def mark_rest_present(self, actor: Actor, session_id: int, *, now: datetime | None = None) -> list[Mark]:
        """As online, as one queued change per student marked: students without a record get the
        status that counts as present (never overwrites)."""
        sheet = self.sheet(actor, session_id)
        present = next((st for st in sheet.statuses if st.active and st.counts_as_present and st.counts_in_rate),
                       None)
        if present is None:
            return super().mark_rest_present(actor, session_id, now=now)  # its own plain refusal
        changes = [MarkChange(session_id, st.id, present.id, expected_version=None)
                   for st in sheet.students if st.id not in sheet.marks]
        # on the server too it never overwrites: a student marked there meanwhile keeps that mark
        return self._apply(actor, changes, now=now, only_unmarked=True) if changes else []


def _milestone_now(s: Session, milestone_id: int, student_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = s.execute(select(UserMilestone.user_id, UserMilestone.notes, UserMilestone.version)
                     .where(UserMilestone.milestone_id == milestone_id, UserMilestone.user_id.in_(list(student_ids))))
    found = {r.user_id: {"done": True, "notes": r.notes, "version": r.version} for r in rows}
    return {sid: found.get(sid, {"done": False, "notes": "", "version": None}) for sid in student_ids}


class QueuedMilestones(MilestoneService):
    def _entries(self, milestone_id: int, student_ids: Sequence[int], op: str, notes: str | None) -> list[Entry]:
        with read_only(self.db) as s:
            base = _milestone_now(s, milestone_id, student_ids)
            activity_id = s.scalar(select(Milestone.activity_id).where(Milestone.id == milestone_id))
        return [Entry(MILESTONE, {"op": op, "milestone_id": milestone_id, "activity_id": activity_id,
                                  "student_id": sid, "notes": notes}, base[sid]) for sid in student_ids]

    def complete_milestone(self, actor: Actor, milestone_id: int, user_id: int, *, notes: str = "") -> Completion:
        with queued(actor, self._entries(milestone_id, [user_id], "complete", notes)):
            return super().complete_milestone(actor, milestone_id, user_id, notes=notes)

    def uncomplete_milestone(self, actor: Actor, milestone_id: int, user_id: int) -> None:
        with queued(actor, self._entries(milestone_id, [user_id], "uncomplete", None)):
            super().uncomplete_milestone(actor, milestone_id, user_id)

    def complete_for_students(self, actor: Actor, milestone_id: int, student_ids: list[int], *,
                              notes: str = "") -> int:
        with read_only(self.db) as s:
            done = set(s.scalars(select(UserMilestone.user_id).where(UserMilestone.milestone_id == milestone_id)))
        new = sorted(set(student_ids) - done)  # as online: already ticked ones are left as they are
        with queued(actor, self._entries(milestone_id, new, "complete", notes)):
            return super().complete_for_students(actor, milestone_id, student_ids, notes=notes)

    def uncomplete_for_students(self, actor: Actor, milestone_id: int, student_ids: list[int]) -> int:
        with read_only(self.db) as s:
            done = set(s.scalars(select(UserMilestone.user_id).where(UserMilestone.milestone_id == milestone_id)))
        gone = sorted(set(student_ids) & done)
        with queued(actor, self._entries(milestone_id, gone, "uncomplete", None)):
            return super().uncomplete_for_students(actor, milestone_id, student_ids)

    def set_completion_notes(self, actor: Actor, activity_id: int, user_id: int,
                             notes: Mapping[int, str]) -> list[Completion]:
        entries: list[Entry] = []
        for mid, text in dict(notes).items():
            try:
                entries += self._entries(int(mid), [user_id], "notes", str(text))
            except (TypeError, ValueError):
                pass  # the service refuses it with its own message
        with queued(actor, entries):
            return super().set_completion_notes(actor, activity_id, user_id, notes)


class OfflineServices(Services):
    """The services over a replica: marks and milestones are queued, other writes are refused."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.attendance = QueuedAttendance(db)
        self.milestones = QueuedMilestones(db)


def waiting(db: Database) -> int:
    """How many changes wait to be sent."""
    with read_only(db) as s:
        return s.scalar(select(func.count(SyncQueue.id))) or 0


__all__ = ["MARK", "MILESTONE", "Entry", "OfflineServices", "REPLICA_HANDLERS", "queued", "waiting"]
