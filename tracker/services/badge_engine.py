"""The badge rule engine: who meets a badge's criterion now, and awarding on the domain events.

* ``qualifying`` / ``progress_towards``: one badge over every student (creating a badge with
  "award to everyone who already qualifies", its preview count, "within reach"), measured by
  :mod:`tracker.services.badge_measures` (one SQL statement per kind, never a loop over
  attendance rows).
* The event handlers (wired in ``bootstrap.EVENT_HANDLERS``): inside the transaction of a tick, a
  milestone set change, a mark, a completion or an assessment, only the active rule badges the
  event can affect (by kind, the event's activity and the school-wide ones, from a per-process
  cache checked against the ``badges`` table's version), only for the students of the event, one
  query per shape of criterion (two attendance-rate badges over different periods are two; a
  streak badge of the activity and a school-wide one share one), none when no badge could be
  affected. Students who already hold every badge in question are left out inside the query, so
  a mark by a student who has them all awards nothing.

Awards are inserted with ``ON CONFLICT DO NOTHING`` on the (badge, student) unique constraint:
one award per student and badge, ever, also when two workstations race. A revoked award keeps its
row, so the rules never award it again; the rules never take a badge away.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tracker.db.models import ActivityProgress, Badge, BadgeAward, new_salt, new_uid, utcnow
from tracker.db.uow import UnitOfWork
from tracker.domain import badge_rules
from tracker.domain.badge_rules import Criterion, CriterionKind
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus
from tracker.domain.events import (
    ActivityCompleted,
    AttendanceChanged,
    BadgeAwarded,
    MilestoneCompletionChanged,
    MilestoneSetChanged,
    MilestonesTicked,
    SkillAssessed,
)
from tracker.domain.policy import Actor
from tracker.errors import ValidationError
from tracker.services.badge_measures import (
    Measure,
    Scope,
    best_per_student,
    judge,
    measure,
    raw_figures,
    scope_for,
)

log = logging.getLogger(__name__)
K = CriterionKind


def qualifying_for(s: Session, c: Criterion, activity_id: int | None, student_ids: Collection[int] | None = None,
                   *, badge_id: int | None = None) -> dict[int, int | None]:
    """Students who meet the criterion now (active students when none are named), with the
    activity it was earned in; those who already hold ``badge_id`` (even revoked) are left out."""
    where, across = scope_for(c, activity_id)
    scope = Scope(where, across, student_ids, (badge_id,) if badge_id is not None else ())
    return {sid: m.activity_id if m.activity_id is not None else activity_id
            for sid, m in best_per_student(measure(s, c, scope)).items() if m.met}


def qualifying(s: Session, badge: Badge, student_ids: Collection[int] | None = None) -> dict[int, int | None]:
    """Students who meet the badge's criterion and do not hold it yet → activity earned in."""
    if badge.archived:
        return {}
    return qualifying_for(s, badge_rules.from_json(badge.rule), badge.activity_id, student_ids, badge_id=badge.id)


def progress_towards(s: Session, c: Criterion, activity_id: int | None,
                     student_ids: Collection[int] | None = None) -> dict[int, Measure]:
    """Where each student stands (the best of their activities), this month counting for a
    perfect month: "2 of 3 milestones", "attendance 82% of 90%"."""
    where, across = scope_for(c, activity_id)
    return best_per_student(measure(s, c, Scope(where, across, student_ids, settled=False)))


# --------------------------------------------------------------------------- awarding


def insert_awards(tx: UnitOfWork, badge_id: int, earned: Mapping[int, int | None], *,
                  by: Actor | None = None, note: str = "", evidence: str = "",
                  audit_each: bool = True) -> list[tuple[int, int]]:
    """Award the badge to these students (→ activity earned in), each at most once ever: the
    (badge, student) unique constraint with ON CONFLICT DO NOTHING skips whoever has it (or had
    it revoked). Emits ``BadgeAwarded`` per new award; returns (award id, student) of those.
    ``audit_each=False``: the caller audits the batch in one entry (awarding to everyone who
    already qualifies)."""
    if not earned:
        return []
    conn = tx.session.connection()
    table = BadgeAward.__table__
    dialect = conn.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    rows = [{"uid": new_uid(), "created_at": now, "updated_at": now, "badge_id": badge_id, "student_id": sid,
             "awarded_at": now, "awarded_by": by.id if by else None, "evidence": evidence,
             "activity_id": activity, "note": note, "salt": new_salt()} for sid, activity in earned.items()]
    stmt = (insert(table).on_conflict_do_nothing(index_elements=["badge_id", "student_id"])  # type: ignore[arg-type]
            .returning(table.c.id, table.c.student_id, table.c.activity_id))  # type: ignore[attr-defined]
    done = [tuple(r) for r in conn.execute(stmt, rows)]
    for award_id, student, activity in done if audit_each else ():
        tx.audit(by, "award", "badge_award", award_id, None,
                 {"badge_id": badge_id, "student_id": student, "activity_id": activity,
                  "by": "rules" if by is None else "hand", **({"note": note} if note else {})})
    if done:
        tx.changes.add(ChangeKind.BADGE, badge_id)
        tx.changes.add(ChangeKind.PROGRESS)
    for award_id, student, activity in done:
        tx.emit(BadgeAwarded(student, badge_id, award_id, activity))
    return [(award_id, student) for award_id, student, _ in done]


@dataclass(frozen=True)
class RuleBadge:
    id: int
    activity_id: int | None
    criterion: Criterion


@dataclass(frozen=True)
class _Index:
    key: tuple[Any, ...]
    by_kind: Mapping[CriterionKind, tuple[RuleBadge, ...]]


_cache: weakref.WeakKeyDictionary[Engine, _Index] = weakref.WeakKeyDictionary()
_VERSION = select(func.count(Badge.id), func.max(Badge.id), func.sum(Badge.version), func.max(Badge.updated_at))


def fingerprint_columns() -> tuple[Any, ...]:
    """What :func:`rule_badges` checks its cache against, as columns a transaction's first
    statement can carry (see :func:`remember_fingerprint`)."""
    return tuple(select(column).scalar_subquery().label(f"badges_{n}")
                 for n, column in enumerate(_VERSION.selected_columns))


def remember_fingerprint(s: Session, row: Any) -> None:
    """Keep the fingerprint read by a statement with :func:`fingerprint_columns` for this
    transaction's :func:`rule_badges`: one statement fewer (an attendance mark's)."""
    s.info["badges_fingerprint"] = tuple(getattr(row, f"badges_{n}") for n in range(len(_VERSION.selected_columns)))


def rule_badges(s: Session) -> Mapping[CriterionKind, tuple[RuleBadge, ...]]:
    """The active rule badges by kind, cached per database and read again only when the
    ``badges`` table changed (its row count, highest id, summed versions and latest update: any
    badge written by any workstation changes one of them). One short query per transaction, or
    none when the transaction's first statement read it (:func:`remember_fingerprint`)."""
    memo = s.info.get("rule_badges")
    if memo is not None:
        return memo  # type: ignore[no-any-return]
    key = s.info.pop("badges_fingerprint", None) or tuple(s.connection().execute(_VERSION).one())
    engine = s.get_bind()
    assert isinstance(engine, Engine)
    index = _cache.get(engine)
    if index is None or index.key != key:
        by_kind: dict[CriterionKind, list[RuleBadge]] = {}
        for bid, activity, rule in s.connection().execute(select(Badge.id, Badge.activity_id, Badge.rule)
                                             .where(Badge.archived.is_(False)).order_by(Badge.id)):
            try:
                c = badge_rules.from_json(rule)
            except ValidationError:
                log.warning("badge %s has a rule that cannot be read; the rules skip it", bid)
                continue
            if not c.manual:
                by_kind.setdefault(c.kind, []).append(RuleBadge(bid, activity, c))
        index = _Index(key, {k: tuple(v) for k, v in by_kind.items()})
        _cache[engine] = index
    s.info["rule_badges"] = index.by_kind
    return index.by_kind


def _shape(c: Criterion) -> Criterion:
    """The criterion without its thresholds: badges of one shape share one measuring query."""
    return replace(c, count=None, points=None, percent=None, min_sessions=None, level=None)


def evaluate(tx: UnitOfWork, kinds: Collection[CriterionKind], activity_id: int | None,
             student_ids: Sequence[int], *, skill_id: int | None = None) -> None:
    """Award every active rule badge of these kinds that the students now meet: the badges of
    the activity and the school-wide ones, one query per shape of criterion."""
    if not student_ids:
        return
    s = tx.session
    s.flush()
    index = rule_badges(s)
    groups: dict[tuple[Any, ...], list[RuleBadge]] = {}
    for kind in kinds:
        for badge in index.get(kind, ()):
            if badge.activity_id not in (None, activity_id):
                continue
            if skill_id is not None and badge.criterion.skill_id != skill_id:
                continue
            where, across = scope_for(badge.criterion, badge.activity_id, event_activity=activity_id)
            groups.setdefault((where, across, _shape(badge.criterion)), []).append(badge)
    for (where, across, shape), badges in groups.items():
        scope = Scope(where, across, student_ids, tuple(b.id for b in badges))
        raws = raw_figures(s, shape, scope)
        for badge in badges:
            earned: dict[int, int | None] = {}
            for (student, measured_in), raw in sorted(raws.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
                if student not in earned and judge(badge.criterion, raw)[2]:
                    earned[student] = measured_in if measured_in is not None else activity_id
            insert_awards(tx, badge.id, earned)


MILESTONE_KINDS = (K.MILESTONES, K.POINTS)
ATTENDANCE_KINDS = (K.ATTENDANCE_RATE, K.PERFECT_MONTH, K.ATTENDANCE_STREAK)
COMPLETION_KINDS = (K.ACTIVITY_COMPLETED, K.ACTIVITIES_COMPLETED)


# ---------------------------------------------------------------- event handlers (see bootstrap)


def on_milestone_changed(tx: UnitOfWork, event: MilestoneCompletionChanged) -> None:
    if event.completed:  # an untick never earns anything
        evaluate(tx, MILESTONE_KINDS, event.activity_id, [event.student_id])


def on_milestones_ticked(tx: UnitOfWork, event: MilestonesTicked) -> None:
    if event.completed:
        evaluate(tx, MILESTONE_KINDS, event.activity_id, list(event.student_ids))


def on_milestone_set_changed(tx: UnitOfWork, event: MilestoneSetChanged) -> None:
    """Milestones removed or re-weighted: "every milestone" or the points may now be met by
    anyone enrolled."""
    if not any(rule_badges(tx.session).get(k) for k in MILESTONE_KINDS):
        return
    students = list(tx.session.scalars(select(ActivityProgress.user_id).where(
        ActivityProgress.activity_id == event.activity_id, ActivityProgress.status.in_([ProgressStatus.ACTIVE, ProgressStatus.COMPLETED]))))
    evaluate(tx, MILESTONE_KINDS, event.activity_id, students)


def on_attendance_changed(tx: UnitOfWork, event: AttendanceChanged) -> None:
    evaluate(tx, ATTENDANCE_KINDS, event.activity_id, [event.student_id])


def on_activity_completed(tx: UnitOfWork, event: ActivityCompleted) -> None:
    evaluate(tx, COMPLETION_KINDS, event.activity_id, [event.student_id])


def on_skill_assessed(tx: UnitOfWork, event: SkillAssessed) -> None:
    evaluate(tx, (K.SKILL_LEVEL,), event.activity_id, list(event.student_ids), skill_id=event.skill_id)


__all__ = ["Measure", "RuleBadge", "Scope", "evaluate", "insert_awards", "judge", "measure",
           "progress_towards", "qualifying", "qualifying_for", "rule_badges"]
