"""The term grid of an activity: students × sessions in compact arrays, built from plain rows.

``GRID_RECORDS`` reads the records as tuples; ``build_grid`` lays them out (a cell outside a
student's enrollment or on a cancelled session is not applicable, never shown as marked, never
counted) and precomputes the per-row and per-column figures from the one rule in
:mod:`tracker.domain.attendance`. The dataclasses come from
:mod:`~tracker.services.attendance_types`.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select

from tracker.db.models import ActivityProgress, ActivitySession, AttendanceRecord
from tracker.domain.attendance import StatusRule, held_count, present_per_session, row_figures, window
from tracker.services.attendance_types import (
    NO_MARK,
    NOT_APPLICABLE,
    AttendanceGrid,
    SessionRef,
    StatusInfo,
    StudentRef,
)

_R = AttendanceRecord
# Driven from the activity's enrollments through the student index, with the session test done
# on each row ("+ 0"): looking records up session by session reads pages all over the table
# when records were not written session by session (0.23 s → 0.11 s for the demo's Athletics).
GRID_RECORDS = (
    select(_R.session_id, _R.student_id, _R.status_id, _R.version, _R.participation)
    .join(ActivityProgress, (ActivityProgress.user_id == _R.student_id)
          & (ActivityProgress.activity_id == bindparam("activity")))
    .where((_R.session_id + 0).in_(
        select(ActivitySession.id).where(ActivitySession.activity_id == bindparam("activity"))))
)


def build_grid(activity_id: int, name: str, statuses: tuple[StatusInfo, ...],
               students: tuple[StudentRef, ...], sessions: tuple[SessionRef, ...],
               records: Sequence[tuple[int, int, int, int, int | None]], now: datetime, *,
               min_attendance: float) -> AttendanceGrid:
    """The compact grid from plain rows; figures from the one rule in tracker.domain.attendance.
    ``min_attendance``: the rate below which a student is at risk (shown with the rates)."""
    n = len(sessions)
    starts = [x.starts_at for x in sessions]
    base = array("b", [NOT_APPLICABLE if x.cancelled else NO_MARK for x in sessions])
    blank = array("b", [NOT_APPLICABLE]) * n
    cells = array("b")
    for st in students:
        lo, hi = window(starts, st.enrolled_on, st.dropped_on)
        cells.extend(blank[:lo])
        cells.extend(base[lo:hi])
        cells.extend(blank[hi:])
    size = len(cells)
    versions = array("i", [0]) * size
    participation = array("b", [0]) * size
    row_of = {st.id: i * n for i, st in enumerate(students)}
    col_of = {x.id: j for j, x in enumerate(sessions)}
    index_of = {st.id: i for i, st in enumerate(statuses)}
    for session_id, student_id, status_id, version, part in records:
        base_i = row_of.get(student_id)
        if base_i is None:
            continue
        i = base_i + col_of[session_id]
        if cells[i] == NOT_APPLICABLE:
            continue  # a record outside the enrollment window: never shown, never counted
        cells[i] = index_of[status_id]
        versions[i] = version
        participation[i] = part or 0
    rules = [StatusRule(st.counts_as_present, st.counts_in_rate) for st in statuses]
    held = held_count(starts, now)
    rates: list[float | None] = []
    absences: list[int] = []
    for r in range(len(students)):
        figures = row_figures(cells[r * n: r * n + held], rules)
        rates.append(figures.rate)
        absences.append(figures.trailing_absences)
    return AttendanceGrid(activity_id, name, statuses, students, sessions, cells, versions,
                          participation, rates, absences, present_per_session(cells, rules, n),
                          min_attendance=min_attendance)
