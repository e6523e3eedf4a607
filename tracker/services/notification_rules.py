"""The rules that raise notifications: bus handlers, in the transaction of the change.

Handlers only *note* what happened (:func:`raise_notice`, :func:`watch`): no query for an
attendance mark. Just before the unit of work commits (``tx.before_commit``) the notes are acted
on once for the whole change:

* the conditions of the enrollments touched (attendance below the minimum, absences in a row, at
  risk) are judged from one query over the maintained counts — a condition notifies once
  (a :class:`NotificationCondition` row) and, when it clears, its row goes, so the next time it
  holds it is news again;
* the notices are delivered: one per recipient, kind and activity — a single change stays a single
  notice, a class marked at once is one grouped notice naming the students. Recipients are the
  student, their linked parents (never another family's) and the activity's leads, as the kind
  says (:data:`AUDIENCE`); someone who turned a kind's inbox off gets no row; every row is offered
  to the e-mail outbox.
"""

from __future__ import annotations

import importlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from tracker.db.models import (
    Activity,
    ActivityLead,
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    Badge,
    Certificate,
    EnrollmentAttendance,
    GuardianLink,
    Milestone,
    Notification,
    NotificationCondition,
    NotificationPreference,
    Setting,
    User,
)
from tracker.db.uow import UnitOfWork
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus
from tracker.domain.events import (
    ActivityCompleted,
    AttendanceChanged,
    BadgeAwarded,
    MilestoneCompletionChanged,
    MilestonesTicked,
    ProgressOverridden,
)
from tracker.domain.notification_text import About, grouped
from tracker.domain.percent import format_percent, format_percent_against, format_threshold
from tracker.domain.progress import attendance_rate
from tracker.domain.standing import RULES, Standing, attendance_threshold, judge
from tracker.services import stats

STUDENT, PARENTS, LEADS = "student", "parents", "leads"

#: who hears of each kind (about a student: the student, their parents, the activity's leads)
AUDIENCE: dict[str, frozenset[str]] = {
    "milestone_completed": frozenset({STUDENT, PARENTS}),
    "activity_completed": frozenset({STUDENT, PARENTS}),
    "certificate_ready": frozenset({STUDENT, PARENTS}),
    "badge_earned": frozenset({STUDENT, PARENTS}),
    "low_attendance": frozenset({PARENTS, LEADS}),
    "absences_in_a_row": frozenset({PARENTS, LEADS}),
    "at_risk": frozenset({PARENTS, LEADS}),
    "waitlist_offer": frozenset({STUDENT, PARENTS, LEADS}),
    "progress_override": frozenset({STUDENT, PARENTS}),
}

STREAK_SETTING, STREAK_DEFAULT = "absences_in_a_row", 3
CONDITIONS = ("low_attendance", "absences_in_a_row", "at_risk")


@dataclass(frozen=True)
class Notice:
    """Something to tell about one student (and activity); names are looked up at delivery."""

    kind: str
    student_id: int
    activity_id: int | None
    detail: str = ""
    note: str = ""


@dataclass
class _Pending:
    notices: list[Notice] = field(default_factory=list)
    watched: set[tuple[int, int]] = field(default_factory=set)  # (student, activity) to judge


def _pending(tx: UnitOfWork) -> _Pending:
    """This unit of work's notes (kept in its session's ``info``), acted on before the commit."""
    pending = tx.session.info.get("notifications")
    if pending is None:
        pending = tx.session.info["notifications"] = _Pending()
        tx.before_commit("notifications", _flush)
    assert isinstance(pending, _Pending)
    return pending


def raise_notice(tx: UnitOfWork, notice: Notice) -> None:
    """Tell the kind's audience, once this change is complete (grouped with its like)."""
    _pending(tx).notices.append(notice)


def watch(tx: UnitOfWork, student_id: int, activity_id: int) -> None:
    """Judge this enrollment's conditions before the commit."""
    _pending(tx).watched.add((student_id, activity_id))


# ------------------------------------------------------------------ handlers (see bootstrap)


def _milestone_title(s: Session, milestone_id: int) -> str:
    return s.scalar(select(Milestone.title).where(Milestone.id == milestone_id)) or ""


def on_milestone_changed(tx: UnitOfWork, event: MilestoneCompletionChanged) -> None:
    if event.completed:
        raise_notice(tx, Notice("milestone_completed", event.student_id, event.activity_id,
                                _milestone_title(tx.session, event.milestone_id)))
    watch(tx, event.student_id, event.activity_id)


def on_milestones_ticked(tx: UnitOfWork, event: MilestonesTicked) -> None:
    title = _milestone_title(tx.session, event.milestone_id) if event.completed else ""
    for student in event.student_ids:
        if event.completed:
            raise_notice(tx, Notice("milestone_completed", student, event.activity_id, title))
        watch(tx, student, event.activity_id)


def on_attendance_changed(tx: UnitOfWork, event: AttendanceChanged) -> None:
    watch(tx, event.student_id, event.activity_id)


def on_activity_completed(tx: UnitOfWork, event: ActivityCompleted) -> None:
    """Completed; and, when the certificate handler (wired before this one) issued a certificate
    for it in this change, the certificate is ready."""
    raise_notice(tx, Notice("activity_completed", event.student_id, event.activity_id))
    issued = tx.changes.of(ChangeKind.CERTIFICATE)
    if issued and tx.session.scalar(select(Certificate.id).where(
            Certificate.id.in_(issued), Certificate.student_id == event.student_id,
            Certificate.activity_id == event.activity_id)):
        raise_notice(tx, Notice("certificate_ready", event.student_id, event.activity_id))


def on_badge_awarded(tx: UnitOfWork, event: BadgeAwarded) -> None:
    name = tx.session.scalar(select(Badge.name).where(Badge.id == event.badge_id)) or ""
    raise_notice(tx, Notice("badge_earned", event.student_id, event.activity_id, name))


def on_progress_overridden(tx: UnitOfWork, event: ProgressOverridden) -> None:
    teacher = tx.session.scalar(select(User.display_name).where(User.id == event.by_id)) or "A teacher"
    parts = []
    if event.progress_percentage is not None:
        parts.append(format_percent(event.progress_percentage))
    if event.status is not None:
        parts.append(ProgressStatus(event.status).value.replace("_", " "))
    raise_notice(tx, Notice("progress_override", event.student_id, event.activity_id, teacher,
                            f"{', '.join(parts)} (“{event.note}”)"))
    watch(tx, event.student_id, event.activity_id)


def offer_place(tx: UnitOfWork, student_id: int, activity_id: int) -> None:
    """A freed place is offered to the first on the waitlist (called by enrollment)."""
    raise_notice(tx, Notice("waitlist_offer", student_id, activity_id))


# ------------------------------------------------------------------ before the commit


def _flush(tx: UnitOfWork) -> None:
    pending = tx.session.info.pop("notifications", None)
    if not isinstance(pending, _Pending):
        return
    notices = pending.notices + (_judge_conditions(tx, pending.watched) if pending.watched else [])
    if notices:
        deliver(tx, notices)


def _streak_setting(value: str | None) -> int:
    try:
        n = int(json.loads(value)) if value else STREAK_DEFAULT
    except (TypeError, ValueError):
        return STREAK_DEFAULT
    return max(1, n)


_P, _A, _EA, _NC = ActivityProgress, Activity, EnrollmentAttendance, NotificationCondition
_LONG_AGO = datetime(1900, 1, 1)  # before any session: "never present"


def _notified() -> Any:
    """The conditions already notified for the enrollment, as one bit mask (bit i: CONDITIONS[i]):
    one indexed lookup instead of one per condition."""
    bits = case(*((_NC.kind == kind, 1 << i) for i, kind in enumerate(CONDITIONS)), else_=0)
    return (select(func.coalesce(func.sum(bits), 0))
            .where(_NC.student_id == _P.user_id, _NC.activity_id == _P.activity_id)
            .scalar_subquery().label("notified"))


def _judging(*where: ColumnElement[bool]) -> Any:
    """What judging an enrollment's conditions needs, in one query: the maintained counts, the
    activity's dates and minimum, whether it has milestones, which conditions are notified, and
    the school's absences-in-a-row setting."""
    return (select(_P.user_id, _P.activity_id, _P.status, _P.progress_percentage, _P.progress_manual,
                   _P.enrolled_on, _A.start_date, _A.end_date, _A.min_attendance_pct, _EA.counted, _EA.present,
                   exists().where(Milestone.activity_id == _P.activity_id).label("has_milestones"),
                   _notified(),
                   select(Setting.value).where(Setting.key == STREAK_SETTING).scalar_subquery().label("streak"))
            .join(_A, _A.id == _P.activity_id).outerjoin(_EA, _EA.progress_id == _P.id).where(*where))


def _streak_of_enrollment(shortest: Any) -> Any:
    """Absences in a row of the enrollment in hand (:func:`stats.trailing_absences`' rule: the
    absences after the last present mark among the activity's last ``TRAILING_LOOKBACK`` held
    sessions; excused and unmarked neither count nor break the run), as a scalar subquery of
    :data:`_ONE` on its ``student`` and ``activity`` parameters, so that a mark pays for one
    statement, not two. Counted only when the enrollment has at least ``shortest`` absences at
    all (CASE evaluates it lazily)."""

    def marks(present: bool) -> tuple[Any, Any, Any]:
        """The student's marks among the recent sessions, counting as present or absent (own
        aliases everywhere: nothing correlates with the enclosing statement by accident), with
        their sessions' start and id: the grid's order, in which the run is walked back."""
        held, sess, rec, st = (aliased(ActivitySession), aliased(ActivitySession), aliased(AttendanceRecord),
                               aliased(AttendanceStatus))
        recent = (select(held.id).where(held.activity_id == bindparam("activity"), held.cancelled.is_(False),
                                        held.starts_at <= bindparam("now", type_=DateTime))
                  .order_by(held.starts_at.desc(), held.id.desc()).limit(stats.TRAILING_LOOKBACK))
        query = (select(rec.id).join(sess, sess.id == rec.session_id).join(st, st.id == rec.status_id)
                 .where(rec.student_id == bindparam("student"), rec.session_id.in_(recent),
                        st.counts_in_rate.is_(True), st.counts_as_present.is_(present)))
        return query, sess.starts_at, sess.id

    presents, present_at, _ = marks(True)
    last_present = presents.with_only_columns(func.max(present_at)).scalar_subquery()
    # of the sessions starting at that time (two may start together), the latest present one
    together, together_at, together_id = marks(True)
    last_present_id = together.with_only_columns(func.max(together_id)).where(together_at == last_present) \
        .scalar_subquery()
    absences, absent_at, absent_id = marks(False)
    absent_since = (absences.with_only_columns(func.count())
                    .where(or_(absent_at > func.coalesce(last_present, literal(_LONG_AGO, DateTime)),
                               and_(absent_at == last_present, absent_id > last_present_id)))
                    .scalar_subquery())
    return case((func.coalesce(_EA.counted, 0) - func.coalesce(_EA.present, 0) >= shortest, absent_since),
                else_=0).label("trailing")


# one enrollment (every single mark): built once, so that a mark pays only for executing it
_ONE = _judging(_P.user_id == bindparam("student"), _P.activity_id == bindparam("activity")).add_columns(
    _streak_of_enrollment(bindparam("shortest")))


def _trailing(s: Session, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Absences in a row of several enrollments (the bulk query of :mod:`stats`)."""
    return stats.trailing_absences(s, activity_ids={a for _, a in pairs}, student_ids={u for u, _ in pairs})


def _judge_conditions(tx: UnitOfWork, pairs: set[tuple[int, int]]) -> list[Notice]:
    """Raise the conditions that now hold and were not notified; forget those that cleared.

    One query reads what judging needs from the maintained counts (and whether each condition
    is already notified); the absences in a row are counted only for enrollments with that many
    absences at all."""
    s = tx.session
    if len(pairs) == 1:
        [(student, activity)] = pairs
        rows = list(s.connection().execute(_ONE, {"student": student, "activity": activity, "now": datetime.now(),
                                                  "shortest": RULES.absence_streak}))
    else:
        rows = [r for r in s.execute(_judging(_P.activity_id.in_({a for _, a in pairs}),
                                              _P.user_id.in_({u for u, _ in pairs})))
                if (r.user_id, r.activity_id) in pairs]
    if not rows:
        return []
    needed = _streak_setting(rows[0].streak)
    shortest = min(needed, RULES.absence_streak)
    if len(pairs) == 1:
        if needed < RULES.absence_streak and rows[0].trailing == 0:  # a setting below the standing's rule
            rows = list(s.connection().execute(_ONE, {"student": student, "activity": activity,
                                                      "now": datetime.now(), "shortest": shortest}))
        streaks = {(r.user_id, r.activity_id): r.trailing for r in rows if r.trailing}
    else:
        maybe_streak = [r for r in rows if r.status is ProgressStatus.ACTIVE
                        and (r.counted or 0) - (r.present or 0) >= shortest]
        streaks = _trailing(s, [(r.user_id, r.activity_id) for r in maybe_streak]) if maybe_streak else {}
    today = date.today()
    raised: list[Notice] = []
    cleared: list[str] = []
    for r in rows:
        key = (r.user_id, r.activity_id)
        active = r.status is ProgressStatus.ACTIVE
        counted, present = r.counted or 0, r.present or 0
        rate = attendance_rate(present, counted)
        threshold = attendance_threshold(r.min_attendance_pct)
        streak = streaks.get(key, 0)
        low = active and rate is not None and counted >= RULES.min_sessions and rate < threshold
        verdict = judge(status=r.status.value, progress=r.progress_percentage, today=today, start=r.start_date,
                        end=r.end_date, enrolled_on=r.enrolled_on, attendance_pct=rate, counted_sessions=counted,
                        trailing_absences=streak, min_attendance_pct=r.min_attendance_pct,
                        has_milestones=bool(r.has_milestones) or r.progress_manual)
        reasons = "; ".join(verdict.reasons)
        now_holds = {
            "low_attendance": (low, format_threshold(threshold),
                               format_percent_against(rate, threshold) if rate is not None else ""),
            "absences_in_a_row": (active and streak >= needed, str(streak), ""),
            "at_risk": (verdict.standing is Standing.AT_RISK, "", reasons[:1].lower() + reasons[1:]),
        }
        for kind, (holds, detail, note) in now_holds.items():
            was = bool(r.notified & (1 << CONDITIONS.index(kind)))
            if holds and not was:
                raised.append(Notice(kind, r.user_id, r.activity_id, detail, note))
                s.add(NotificationCondition(key=_condition_key(kind, *key), kind=kind, student_id=r.user_id,
                                            activity_id=r.activity_id))
            elif was and not holds:
                cleared.append(_condition_key(kind, *key))
    if cleared:
        s.execute(delete(NotificationCondition).where(NotificationCondition.key.in_(cleared)))
    return raised


def _condition_key(kind: str, student_id: int, activity_id: int) -> str:
    return f"{kind}:{student_id}:{activity_id}"


def deliver(tx: UnitOfWork, notices: Iterable[Notice]) -> list[Notification]:
    """Write the notices: one row per recipient, kind and activity (grouped when several
    students), to whoever the kind's audience is and has the kind's inbox on; each row is offered
    to the e-mail outbox. Returns the rows written."""
    s = tx.session
    notices = list(dict.fromkeys(notices))
    students = {n.student_id for n in notices}
    activities = {n.activity_id for n in notices if n.activity_id is not None}
    kinds = {n.kind for n in notices}
    users = {u.id: u for u in s.execute(select(User.id, User.display_name, User.active)
                                        .where(User.id.in_(students)))}
    names = {i: name for i, name in s.execute(select(Activity.id, Activity.name)
                                             .where(Activity.id.in_(activities)))} if activities else {}
    parents: dict[int, set[int]] = defaultdict(set)
    if any(PARENTS in AUDIENCE[k] for k in kinds):
        for guardian, child in s.execute(
                select(GuardianLink.guardian_id, GuardianLink.student_id).join(User, User.id == GuardianLink.guardian_id)
                .where(GuardianLink.student_id.in_(students), User.active.is_(True))):
            parents[child].add(guardian)
    leads: dict[int, set[int]] = defaultdict(set)
    if activities and any(LEADS in AUDIENCE[k] for k in kinds):
        for lead, activity in s.execute(
                select(ActivityLead.user_id, ActivityLead.activity_id).join(User, User.id == ActivityLead.user_id)
                .where(ActivityLead.activity_id.in_(activities), User.active.is_(True))):
            leads[activity].add(lead)
    groups: dict[tuple[int, str, int | None], list[Notice]] = defaultdict(list)
    for n in notices:
        about = users.get(n.student_id)
        if about is None:
            continue
        audience = AUDIENCE[n.kind]
        to: set[int] = set()
        if STUDENT in audience and about.active:
            to.add(n.student_id)
        if PARENTS in audience:
            to |= parents.get(n.student_id, set())
        if LEADS in audience and n.activity_id is not None:
            to |= leads.get(n.activity_id, set())
        for recipient in to:
            groups[(recipient, n.kind, n.activity_id)].append(n)
    wanted = _inbox_wanted(s, {r for r, _, _ in groups}, kinds)
    rows: list[Notification] = []
    for (recipient, kind, activity_id), items in groups.items():
        if not wanted(recipient, kind):
            continue
        title, body = grouped(kind, names.get(activity_id) if activity_id is not None else None,
                              [About(users[i.student_id].display_name, i.detail, i.note) for i in items])
        single = len({i.student_id for i in items}) == 1
        rows.append(Notification(
            user_id=recipient, kind=kind, title=title[:200], body=body, count=len(items),
            student_id=items[0].student_id if single else None, activity_id=activity_id,
            link=f"activity:{activity_id}" if activity_id is not None else f"student:{items[0].student_id}"))
    if not rows:
        return rows
    s.add_all(rows)
    s.flush()
    _offer_to_outbox(tx, rows)
    tx.changes.add(ChangeKind.NOTIFICATION, *(r.user_id for r in rows))
    return rows


def _inbox_wanted(s: Session, recipients: set[int], kinds: set[str]) -> Any:
    """recipient, kind -> whether they keep that kind in their inbox (their choice for the kind,
    else their default "*", else yes)."""
    choice: dict[tuple[int, str], bool] = {}
    if recipients:
        pref = NotificationPreference
        choice = {(u, k): bool(inbox) for u, k, inbox in s.execute(
            select(pref.user_id, pref.kind, pref.inbox)
            .where(pref.user_id.in_(recipients), pref.kind.in_([*kinds, "*"])))}

    def wanted(recipient: int, kind: str) -> bool:
        return choice.get((recipient, kind), choice.get((recipient, "*"), True))

    return wanted


def _outbox_queue() -> Callable[[UnitOfWork, Notification, User], bool] | None:
    """``email_outbox.queue``, the optional e-mail delivery (notices reach the inbox without it)."""
    try:
        module = importlib.import_module("tracker.services.email_outbox")
    except ImportError:
        return None
    queue: Callable[[UnitOfWork, Notification, User], bool] | None = getattr(module, "queue", None)
    return queue


def _offer_to_outbox(tx: UnitOfWork, rows: list[Notification]) -> None:
    queue = _outbox_queue()
    if queue is None:
        return
    recipients = {u.id: u for u in tx.session.scalars(select(User).where(User.id.in_({r.user_id for r in rows})))}
    for row in rows:
        queue(tx, row, recipients[row.user_id])
