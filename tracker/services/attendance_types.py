"""The plain data of attendance: statuses, students and sessions as read, marks, wanted changes,
the sheet of one session and the term grid.

Its own module so that the reads (:mod:`~tracker.services.attendance`), the write path
(:mod:`~tracker.services.attendance_marks`), status administration
(:mod:`~tracker.services.attendance_status`) and the grid layout
(:mod:`~tracker.services.attendance_grid`) all build the same dataclasses without importing each
other. :mod:`tracker.services.attendance` re-exports every name, the interface widgets use.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.domain.standing import RULES
from tracker.errors import ConflictError

NO_MARK = -1  # grid cell: a held/future session with no record yet
NOT_APPLICABLE = -2  # grid cell: before enrollment, after a drop, or a cancelled session (greyed, never counts)


@dataclass(frozen=True)
class StatusInfo:
    id: int
    code: str  # one key: "P", "L", "E", "A"
    label: str
    colour: str  # "#RRGGBB"
    counts_as_present: bool
    counts_in_rate: bool
    sort_order: int
    active: bool


@dataclass(frozen=True)
class StudentRef:
    id: int
    name: str
    grade: str | None
    class_name: str | None
    enrolled_on: date | None
    dropped_on: date | None
    status: str  # enrollment status value


@dataclass(frozen=True)
class SessionRef:
    id: int
    activity_id: int
    starts_at: datetime
    ends_at: datetime
    location: str
    cancelled: bool
    note: str


@dataclass(frozen=True)
class Mark:
    """One stored attendance record (status_id None: no record)."""

    session_id: int
    student_id: int
    status_id: int | None
    participation: int | None
    remark: str
    version: int | None  # None when there is no record yet
    recorded_by: str | None
    recorded_at: datetime | None


@dataclass(frozen=True)
class MarkChange:
    """A wanted change of one cell. ``status_id`` None clears the record (undo of a first mark).

    ``expected_version``: the version the editor saw (None: it saw no record). If the stored
    record differs, the service raises :class:`AttendanceConflict` and writes nothing.
    ``participation`` / ``remark`` None mean "leave as is".
    """

    session_id: int
    student_id: int
    status_id: int | None
    expected_version: int | None = None
    participation: int | None = None
    remark: str | None = None
    check_version: bool = True
    #: when the mark was made, if earlier than now (made offline and sent later; naive UTC)
    recorded_at: datetime | None = None


class AttendanceConflict(ConflictError):
    """Someone else changed these cells since they were read; ``current`` holds what is stored now."""

    def __init__(self, message: str, current: list[Mark]) -> None:
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class AttendanceSheet:
    """Everything the take-attendance screen shows for one session, read at once."""

    activity_id: int
    activity_name: str
    session: SessionRef
    statuses: tuple[StatusInfo, ...]
    students: tuple[StudentRef, ...]  # enrolled on that day (active/completed, not dropped before)
    marks: dict[int, Mark]  # by student id; missing = no record


@dataclass
class AttendanceGrid:
    """Students × sessions in compact arrays (row-major: cell = row * len(sessions) + col).

    ``cells[i]`` is an index into ``statuses`` or NO_MARK / NOT_APPLICABLE; ``versions[i]`` the
    record's version (0: no record). Per-row and per-column figures come precomputed from the
    one attendance-rate rule (tracker.domain.progress / services.stats).
    """

    activity_id: int
    activity_name: str
    statuses: tuple[StatusInfo, ...]
    students: tuple[StudentRef, ...]
    sessions: tuple[SessionRef, ...]
    cells: array  # array("b")
    versions: array  # array("i")
    participation: array  # array("b"), 0 = none
    rates: list[float | None] = field(default_factory=list)  # per student
    consecutive_absences: list[int] = field(default_factory=list)  # per student, trailing
    present_per_session: list[int] = field(default_factory=list)  # per session
    #: the rate below which a student is at risk: the activity's minimum, else the default
    min_attendance: float = RULES.low_attendance

    def index(self, row: int, col: int) -> int:
        return row * len(self.sessions) + col
