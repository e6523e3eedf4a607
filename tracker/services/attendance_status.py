"""Attendance statuses: the configured ones as every screen reads them, and their administration.

A status is never deleted, only deactivated (records that use it stay readable and counted by its
rules); at least one active status counts as present. Changing how a status counts recomputes
completion of the enrollments it can affect, in the same transaction.

The dataclasses come from :mod:`~tracker.services.attendance_types`.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivitySession, AttendanceRecord, AttendanceStatus
from tracker.db.uow import UnitOfWork
from tracker.domain.attendance import StatusRule
from tracker.domain.changes import ChangeKind
from tracker.domain.events import AttendanceChanged
from tracker.domain.policy import Actor, Permission
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services.attendance_aggregates import status_rules_changed
from tracker.services.attendance_types import StatusInfo
from tracker.services.base import require

_CODE = re.compile(r"[A-Z0-9]")
_COLOUR = re.compile(r"#[0-9A-F]{6}")

_STATUSES = select(AttendanceStatus.id, AttendanceStatus.code, AttendanceStatus.label,
                   AttendanceStatus.colour, AttendanceStatus.counts_as_present,
                   AttendanceStatus.counts_in_rate, AttendanceStatus.sort_order,
                   AttendanceStatus.active).order_by(AttendanceStatus.sort_order, AttendanceStatus.id)


def all_statuses(s: Session) -> list[StatusInfo]:
    """Every configured status (inactive ones too) in their order."""
    return [status_info(r) for r in s.connection().execute(_STATUSES)]


def save_status(tx: UnitOfWork, actor: Actor, status_id: int | None, *, code: str, label: str, colour: str,
                counts_as_present: bool, counts_in_rate: bool, active: bool) -> StatusInfo:
    """Create (status_id None) or edit a status in ``tx`` (see ``AttendanceService.save_status``)."""
    code_n = (code or "").strip().upper()
    label_n = " ".join((label or "").split())
    colour_n = (colour or "").strip().upper()
    problems = []
    if not _CODE.fullmatch(code_n):
        problems.append(Problem("The code is one letter or digit (the key that marks it).", field="code"))
    if not label_n:
        problems.append(Problem("Give the status a label.", field="label"))
    elif len(label_n) > 60:
        problems.append(Problem("The label is at most 60 characters.", field="label"))
    if not _COLOUR.fullmatch(colour_n):
        problems.append(Problem("The colour is #RRGGBB (for example #009E73).", field="colour"))
    s = tx.session
    require(s, actor, Permission.MANAGE_SETTINGS)
    row = None
    if status_id is not None:
        row = s.get(AttendanceStatus, status_id)
        if row is None:
            raise NotFound(f"No attendance status with id {status_id}.")
    others = [st for st in all_statuses(s) if st.id != status_id]
    if code_n and any(o.code.upper() == code_n for o in others):
        problems.append(Problem(f"The code {code_n} is already used.", field="code"))
    if label_n and any(o.label.lower() == label_n.lower() for o in others):
        problems.append(Problem(f"The label {label_n} is already used.", field="label"))
    if not any(o.active and o.counts_as_present and o.counts_in_rate for o in others) and not (
            active and counts_as_present and counts_in_rate):
        problems.append(Problem("At least one active status must count as present.",
                                field="active"))
    if problems:
        raise ValidationError("The status was not saved.", problems)
    before = None
    rules = StatusRule(bool(counts_as_present), bool(counts_in_rate))
    old_rules = rules
    if row is None:
        order = (s.scalar(select(func.max(AttendanceStatus.sort_order))) or 0) + 1
        row = AttendanceStatus(sort_order=order)
        s.add(row)
    else:
        before = _status_audit(row)
        old_rules = StatusRule(row.counts_as_present, row.counts_in_rate)
    row.code, row.label, row.colour = code_n, label_n, colour_n
    row.counts_as_present, row.counts_in_rate = bool(counts_as_present), bool(counts_in_rate)
    row.active = bool(active)
    s.flush()
    tx.audit(actor, "create" if before is None else "update", "attendance_status", row.id,
             before, _status_audit(row))
    tx.changes.add(ChangeKind.SETTING, row.id)
    tx.changes.add(ChangeKind.ATTENDANCE)  # grids show the new code, label or colour
    if rules != old_rules:
        status_rules_changed(s.connection(), row.id, old_rules, rules)
        _recompute_after_rule_change(tx, row.id)
    return status_info(row)


def _recompute_after_rule_change(tx: UnitOfWork, status_id: int) -> None:
    """Rates that used this status changed: completion of enrollments in activities with a
    minimum attendance may have changed too."""
    s = tx.session
    pairs = s.execute(
        select(AttendanceRecord.student_id, ActivitySession.activity_id).distinct()
        .join(ActivitySession, ActivitySession.id == AttendanceRecord.session_id)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(AttendanceRecord.status_id == status_id, Activity.min_attendance_pct.is_not(None))
    ).all()
    for student_id, activity_id in pairs:
        tx.emit(AttendanceChanged(student_id, activity_id))
    tx.changes.add(ChangeKind.ATTENDANCE)


def status_info(r: Any) -> StatusInfo:
    """A status as the screens read it, from anything with its columns as attributes."""
    return StatusInfo(r.id, r.code, r.label, r.colour, bool(r.counts_as_present),
                                 bool(r.counts_in_rate), r.sort_order, bool(r.active))


def _status_audit(r: AttendanceStatus) -> dict[str, Any]:
    return {"code": r.code, "label": r.label, "colour": r.colour, "counts_as_present": r.counts_as_present,
            "counts_in_rate": r.counts_in_rate, "active": r.active}
