"""Measuring a badge criterion in SQL: one statement per kind, for a whole set of students.

Each kind (:mod:`tracker.domain.badge_rules`) is one set-based query that measures every student
it is given at once — milestones done, points, counted and present marks, the longest run of
present marks, the best perfect month, completions, the latest skill level — grouped per
(student, activity); :func:`judge` then compares the thresholds on those few rows, never on
attendance rows. The statements are built once per shape (which filters they have) with bind
parameters for the values and run on the session's connection: for one student (an attendance
mark), building a statement of this size anew costs more than running it. The rule engine
(:mod:`tracker.services.badge_engine`) decides what to measure and awards.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    extract,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from tracker.db.models import (
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    BadgeAward,
    EnrollmentAttendance,
    Milestone,
    SkillAssessment,
    User,
    UserMilestone,
)
from tracker.domain import badge_rules
from tracker.domain.badge_rules import ACROSS_ACTIVITIES, Criterion, CriterionKind
from tracker.domain.enums import ProgressStatus, Role
from tracker.services.attendance_aggregates import marked_ahead

K = CriterionKind
Key = tuple[int, int | None]  # (student, activity measured in; None: every activity together)
Raw = tuple[float, ...]
Query = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class Measure:
    """Where one student stands on a criterion: ``have`` of ``need``, and whether it is met."""

    student_id: int
    activity_id: int | None
    have: float
    need: float
    met: bool

    @property
    def fraction(self) -> float:
        return badge_rules.fraction(self.have, self.need)


@dataclass(frozen=True)
class Scope:
    """What one measuring query covers: an activity (None: all) added up ``across`` activities
    or per activity, the students (None: every active student), and the badges whose holders
    are left out (the students who hold all of them)."""

    activity_id: int | None
    across: bool = False
    students: Collection[int] | None = None
    holders_of: tuple[int, ...] = ()
    settled: bool = True  # perfect months: only months that have ended (False: this one too)


# --------------------------------------------------------------------------- measuring
#
# Every measuring statement is built once per shape (which filters it has) with bind parameters
# for the values, and run on the session's connection: an attendance mark runs them in well under
# a millisecond, where building a statement of this size anew costs more than running it.


@dataclass(frozen=True)
class _Shape:
    kind: CriterionKind
    students: int  # how many students are named: 0 (every active student), 1, or 2 for several
    activity: bool  # one activity (else all)
    across: bool  # added up across activities
    holders: int  # students holding all these badges left out: 0 (none), 1 badge, or 2 for several
    settled: bool
    start: bool = False  # attendance rate: a first day
    end: bool = False  # ... a last day
    ids: bool = False  # milestones: chosen ones
    from_marks: bool = False  # attendance rate: count the marks themselves, not the maintained counts


def _shape_of(c: Criterion, scope: Scope) -> _Shape:
    return _Shape(c.kind, 0 if scope.students is None else min(2, len(scope.students)),
                  scope.activity_id is not None, scope.across, min(2, len(scope.holders_of)), scope.settled, c.start is not None, c.end is not None,
                  bool(c.milestone_ids), c.start is not None or c.end is not None)


def _params(c: Criterion, scope: Scope) -> dict[str, Any]:
    now = datetime.now()
    params: dict[str, Any] = {"now": now, "month": datetime.combine(now.date().replace(day=1), time.min)}
    if scope.students is not None:
        params["students"] = list(scope.students) if len(scope.students) != 1 else next(iter(scope.students))
    if scope.activity_id is not None:
        params["activity"] = scope.activity_id
    if scope.holders_of:
        params["holders"] = list(scope.holders_of) if len(scope.holders_of) != 1 else scope.holders_of[0]
        params["n_holders"] = len(scope.holders_of)
    if c.start is not None:
        params["start"] = datetime.combine(c.start, time.min)
    if c.end is not None:
        params["end"] = datetime.combine(c.end + timedelta(days=1), time.min)
    if c.milestone_ids:
        params["milestones"] = list(c.milestone_ids)
    if c.skill_id is not None:
        params["skill"] = c.skill_id
    return params


_ACTIVE_STUDENTS = select(User.id).where(User.role == Role.STUDENT, User.active.is_(True))
_NOW = bindparam("now", type_=DateTime)


def _students(col: Any, shape: _Shape) -> list[ColumnElement[bool]]:
    """The students named, where the rows are read (an index finds their few rows)."""
    if shape.students == 1:  # one student (a mark, a tick): "=", not an IN list to expand each time
        return [col == bindparam("students", type_=Integer)]
    return [col.in_(bindparam("students", expanding=True))] if shape.students else []


def _final(q: Query, shape: _Shape) -> Query:
    """``q`` (student first) for active students only when none are named, and without the
    students who hold every badge in question: tested on the result rows, not on every row the
    query reads (the list of every student would otherwise drive a search per student)."""
    if shape.students and not shape.holders:
        return q
    found = q.subquery()
    student = list(found.c)[0]
    where: list[ColumnElement[bool]] = [] if shape.students else [student.in_(_ACTIVE_STUDENTS)]
    if shape.holders:
        held = (select(func.count()).select_from(BadgeAward)
                .where(BadgeAward.student_id == student,
                       BadgeAward.badge_id == bindparam("holders", type_=Integer) if shape.holders == 1
                       else BadgeAward.badge_id.in_(bindparam("holders", expanding=True)))
                .scalar_subquery())
        where.append(held < bindparam("n_holders", type_=Integer))
    return select(*found.c).where(*where)


def _in_activity(col: Any, shape: _Shape) -> list[ColumnElement[bool]]:
    return [col == bindparam("activity", type_=Integer)] if shape.activity else []


def _grouped(q: Query, shape: _Shape, student: Any, activity: Any) -> Query:
    """Grouped per student and activity, or per student (the activity then NULL) ``across``."""
    return q.group_by(student, *([] if shape.across else [activity]))


def _activity_key(shape: _Shape, col: Any) -> Any:
    return null() if shape.across else col


_UM, _M2 = UserMilestone, aliased(Milestone)
_R, _S, _ST, _P = AttendanceRecord, ActivitySession, AttendanceStatus, ActivityProgress
_PRESENT = case((_ST.counts_as_present.is_(True), 1), else_=0)


def _milestones(shape: _Shape) -> Query:
    """(done, how many the activity has) per student and activity: of the chosen ones when set."""
    um, m = _UM, Milestone
    total = (select(func.count()).select_from(_M2).where(_M2.activity_id == m.activity_id)
             .correlate(m).scalar_subquery())
    return (select(um.user_id, m.activity_id, func.count(), total)
            .join(m, m.id == um.milestone_id)
            .where(*_students(um.user_id, shape), *_in_activity(m.activity_id, shape),
                   *([m.id.in_(bindparam("milestones", expanding=True))] if shape.ids else []))
            .group_by(um.user_id, m.activity_id))


def _points(shape: _Shape) -> Query:
    um, m = _UM, Milestone
    return _grouped(select(um.user_id, _activity_key(shape, m.activity_id), func.sum(m.points))
                    .join(m, m.id == um.milestone_id)
                    .where(*_students(um.user_id, shape), *_in_activity(m.activity_id, shape)),
                    shape, um.user_id, m.activity_id)


def _counted_marks(q: Query, shape: _Shape) -> Query:
    """``q`` over the marks that count in an enrollment's rate: held sessions (started, not
    cancelled) of its period, with a status that counts (the rule of ``stats.counts_window``)."""
    return (q.select_from(_R).join(_S, _S.id == _R.session_id).join(_ST, _ST.id == _R.status_id)
            .join(_P, and_(_P.user_id == _R.student_id, _P.activity_id == _S.activity_id))
            .where(_ST.counts_in_rate.is_(True), _S.cancelled.is_(False), _S.starts_at <= _NOW,
                   or_(_P.enrolled_on.is_(None), _S.starts_at >= _P.enrolled_on),
                   or_(_P.dropped_on.is_(None), _S.starts_at < _P.dropped_on),
                   *_students(_R.student_id, shape), *_in_activity(_S.activity_id, shape)))


def _rate(shape: _Shape) -> Query:
    """(present, counted[, marks ahead]) per student and activity, or over all activities.
    Without a period, from the maintained counts (a row per enrollment, as ``recompute`` reads
    them), flagging enrollments with marks of sessions not started yet; else from the marks."""
    if not shape.from_marks:
        ea = EnrollmentAttendance
        return _grouped(select(_P.user_id, _activity_key(shape, _P.activity_id), func.sum(ea.present),
                               func.sum(ea.counted), func.max(case((marked_ahead(_P.activity_id, _NOW), 1), else_=0)))
                        .join(ea, ea.progress_id == _P.id)
                        .where(*_students(_P.user_id, shape), *_in_activity(_P.activity_id, shape)),
                        shape, _P.user_id, _P.activity_id)
    q = _counted_marks(select(_R.student_id, _activity_key(shape, _S.activity_id), func.sum(_PRESENT),
                              func.count()), shape)
    if shape.start:
        q = q.where(_S.starts_at >= bindparam("start", type_=DateTime))
    if shape.end:
        q = q.where(_S.starts_at < bindparam("end", type_=DateTime))
    return _grouped(q, shape, _R.student_id, _S.activity_id)


def _perfect_month(shape: _Shape) -> Query:
    """The most counted sessions of a calendar month all marked present, per student and activity
    (months that have ended, unless the shape is not ``settled``)."""
    month = extract("year", _S.starts_at) * 12 + extract("month", _S.starts_at)
    q = _counted_marks(select(_R.student_id.label("sid"), _S.activity_id.label("aid"), func.count().label("n")),
                       shape)
    if shape.settled:
        q = q.where(_S.starts_at < bindparam("month", type_=DateTime))
    months = q.group_by(_R.student_id, _S.activity_id, month).having(func.count() == func.sum(_PRESENT)).subquery()
    return select(months.c.sid, months.c.aid, func.max(months.c.n)).group_by(months.c.sid, months.c.aid)


def _streak(shape: _Shape) -> Query:
    """The longest run of present marks per student and activity (gaps and islands: the present
    marks of one run have the same number of counted absences before them; one running sum)."""
    part = (_R.student_id, _S.activity_id)
    order = (_S.starts_at, _S.id)
    marks = _counted_marks(select(
        _R.student_id.label("sid"), _S.activity_id.label("aid"), _PRESENT.label("present"),
        func.sum(1 - _PRESENT).over(partition_by=part, order_by=order, rows=(None, 0)).label("run")),
        shape).subquery()
    runs = (select(marks.c.sid, marks.c.aid, func.count().label("n")).where(marks.c.present == 1)
            .group_by(marks.c.sid, marks.c.aid, marks.c.run).subquery())
    return select(runs.c.sid, runs.c.aid, func.max(runs.c.n)).group_by(runs.c.sid, runs.c.aid)


def _completed(shape: _Shape) -> Query:
    """(completed, progress %) per enrollment; for awarding, only the completed ones."""
    done = _P.status == ProgressStatus.COMPLETED
    statuses = [ProgressStatus.COMPLETED] if shape.settled else [ProgressStatus.COMPLETED, ProgressStatus.ACTIVE]
    return (select(_P.user_id, _P.activity_id, case((done, 1), else_=0), _P.progress_percentage)
            .where(_P.status.in_(statuses), *_students(_P.user_id, shape), *_in_activity(_P.activity_id, shape)))


def _completions(shape: _Shape) -> Query:
    """Activities completed per student (school-wide)."""
    return (select(_P.user_id, null(), func.count())
            .where(_P.status == ProgressStatus.COMPLETED, *_students(_P.user_id, shape))
            .group_by(_P.user_id))


def _skill_level(shape: _Shape) -> Query:
    """The level of each student's latest assessment of the skill (in the activity, or anywhere),
    with the activity it was made in."""
    sa = SkillAssessment
    ranked = (select(sa.student_id.label("sid"), sa.activity_id.label("aid"), sa.level.label("level"),
                     func.row_number().over(partition_by=sa.student_id,
                                            order_by=(sa.assessed_at.desc(), sa.id.desc())).label("rn"))
              .where(sa.skill_id == bindparam("skill", type_=Integer), *_students(sa.student_id, shape),
                     *_in_activity(sa.activity_id, shape))).subquery()
    return select(ranked.c.sid, ranked.c.aid, ranked.c.level).where(ranked.c.rn == 1)


_BUILDERS: dict[CriterionKind, Callable[[_Shape], Query]] = {
    K.MILESTONES: _milestones,
    K.POINTS: _points,
    K.ATTENDANCE_RATE: _rate,
    K.PERFECT_MONTH: _perfect_month,
    K.ATTENDANCE_STREAK: _streak,
    K.ACTIVITY_COMPLETED: _completed,
    K.ACTIVITIES_COMPLETED: _completions,
    K.SKILL_LEVEL: _skill_level,
}


@lru_cache(maxsize=128)
def _statement(shape: _Shape) -> Query:
    return _final(_BUILDERS[shape.kind](shape), shape)


def raw_figures(s: Session, c: Criterion, scope: Scope) -> dict[Key, Raw]:
    """The criterion's measuring query over the scope: numbers per (student, activity). The caller
    has flushed the session (the statements run on its connection)."""
    shape = _shape_of(c, scope)
    rows = {(int(r[0]), None if r[1] is None else int(r[1])): tuple(float(v or 0) for v in r[2:])
            for r in s.connection().execute(_statement(shape), _params(c, scope))}
    if c.kind is not K.ATTENDANCE_RATE or shape.from_marks:
        return rows
    ahead = {student for (student, _), raw in rows.items() if raw[2]}
    counts = {key: raw[:2] for key, raw in rows.items() if key[0] not in ahead}
    if ahead:  # rare: marks made early, or sessions moved later after marking
        again = replace(scope, students=sorted(ahead))
        exact = replace(_shape_of(c, again), from_marks=True)
        counts |= {(int(r[0]), None if r[1] is None else int(r[1])): (float(r[2] or 0), float(r[3] or 0))
                   for r in s.connection().execute(_statement(exact), _params(c, again))}
    return counts


def judge(c: Criterion, raw: Raw) -> tuple[float, float, bool]:
    """(have, need, met) from a measuring query's numbers."""
    k = c.kind
    if k is K.MILESTONES:
        done, total = raw[0], raw[1]
        need = float(len(c.milestone_ids) if c.milestone_ids else c.count if c.count is not None else total)
        return done, need, need > 0 and done >= need
    if k is K.ATTENDANCE_RATE:
        present, counted = raw
        rate = 100.0 * present / counted if counted else 0.0
        need = float(c.percent or 0)
        return rate, need, counted >= c.sessions_needed and rate + 1e-9 >= need
    if k is K.ACTIVITY_COMPLETED:
        done, progress = raw
        return (100.0 if done else progress), 100.0, bool(done)
    target = {K.POINTS: c.points, K.PERFECT_MONTH: c.sessions_needed, K.ATTENDANCE_STREAK: c.count,
              K.ACTIVITIES_COMPLETED: c.count, K.SKILL_LEVEL: c.level}[k]
    need = float(target or 0)
    return raw[0], need, need > 0 and raw[0] >= need


def scope_for(c: Criterion, badge_activity: int | None, *, event_activity: int | None = None) -> tuple[int | None, bool]:
    """(activity measured, added up across activities) for a badge. A school-wide badge of a kind
    measured per activity looks, for an event, only at the event's activity: nothing else changed."""
    if badge_activity is not None:
        return badge_activity, False
    if c.kind in ACROSS_ACTIVITIES:
        return None, True
    if c.kind is K.SKILL_LEVEL:
        return None, False  # the latest assessment wherever it was made
    return event_activity, False


def measure(s: Session, c: Criterion, scope: Scope) -> list[Measure]:
    """Every (student, activity) row the criterion's query finds in the scope, judged."""
    if c.manual or (scope.students is not None and not scope.students):
        return []
    s.flush()
    out = []
    for (student, activity), raw in raw_figures(s, c, scope).items():
        have, need, met = judge(c, raw)
        out.append(Measure(student, activity, have, need, met))
    return out


def best_per_student(rows: Iterable[Measure]) -> dict[int, Measure]:
    """Per student, the row that counts: a met one first (the lowest activity id), else the
    closest."""
    best: dict[int, Measure] = {}
    for m in rows:
        old = best.get(m.student_id)
        if old is None or (m.met, m.fraction, -(m.activity_id or 0)) > (old.met, old.fraction,
                                                                        -(old.activity_id or 0)):
            best[m.student_id] = m
    return best
