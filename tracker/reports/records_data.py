"""The records an export holds, as plain tables: what the service reads and every writer writes.

The service (:mod:`tracker.services.exports`) fills a :class:`Records`; the workbook, CSV, JSON
and archive writers only lay it out, so the four formats cannot disagree about what a record is.
Cells are plain values (text, numbers, dates); a column's :class:`Kind` says how a spreadsheet
shows it (a percentage is a fraction 0..1 shown as 0.0%).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.errors import Cancelled

Cell = str | int | float | date | datetime | None

#: rows between two progress reports / cancel checks
CHUNK = 1000


class Kind(enum.Enum):
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    PCT = "pct"  # a fraction 0..1, shown as 0.0%
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = Kind.TEXT
    width: int = 14  # characters, for the workbook


@dataclass(frozen=True)
class Table:
    """One table: a workbook sheet (``title``), a CSV file and a records.json key (``key``)."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Cell, ...]]
    optional: bool = False  # left out of the files when empty (badges, certificates)

    @property
    def shown(self) -> bool:
        return bool(self.rows) or not self.optional


@dataclass(frozen=True)
class StatusColour:
    code: str
    label: str
    colour: str  # #RRGGBB


@dataclass(frozen=True)
class AttendanceGrid:
    """One activity's students × sessions; ``codes[i][j]`` is student i's status code at session
    j (None: not marked)."""

    activity: str
    sessions: tuple[datetime, ...]
    students: tuple[tuple[str, str], ...]  # (name, student number)
    codes: Sequence[Sequence[str | None]]

    @property
    def marks(self) -> int:
        return sum(1 for row in self.codes for c in row if c is not None)


ATTENDANCE_COLUMNS = (Column("Activity", width=24), Column("Student", width=24), Column("Student number"),
                      Column("Session", Kind.DATETIME, 18), Column("Status code", width=8),
                      Column("Status", width=12))


@dataclass(frozen=True)
class Records:
    """Everything one export holds."""

    about: tuple[tuple[str, Cell], ...]  # label, value (school, who exported, when, filters)
    progress: Table
    attendance: tuple[AttendanceGrid, ...]
    statuses: tuple[StatusColour, ...]
    others: tuple[Table, ...]  # milestones, skills, badges, certificates
    certificate_files: tuple[tuple[str, str | None], ...] = ()  # (name in an archive, file on disk)
    meta: dict[str, Cell] = field(default_factory=dict)

    def attendance_table(self) -> Table:
        """The grids as one long table (a row per mark), for CSV and JSON."""
        labels = {s.code: s.label for s in self.statuses}

        def rows() -> Iterator[tuple[Cell, ...]]:
            for grid in self.attendance:
                for (name, number), codes in zip(grid.students, grid.codes, strict=True):
                    for when, code in zip(grid.sessions, codes, strict=True):
                        if code is not None:
                            yield grid.activity, name, number, when, code, labels.get(code, code)

        return Table("attendance", "Attendance", ATTENDANCE_COLUMNS, list(rows()))

    def tables(self) -> list[Table]:
        """The tables written as CSV and JSON, in order (empty optional ones left out)."""
        return [t for t in (self.progress, self.attendance_table(), *self.others) if t.shown]

    @property
    def row_count(self) -> int:
        return len(self.progress.rows) + sum(g.marks for g in self.attendance) + sum(
            len(t.rows) for t in self.others)


class Ticker:
    """Counts rows as a writer goes: every :data:`CHUNK` rows it reports the fraction done and
    lets a cancel stop the export (raising :class:`Cancelled`, which removes the partial file)."""

    def __init__(self, total: int, *, progress: Callable[[float, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, start: float = 0.0, span: float = 1.0) -> None:
        self.total = max(total, 1)
        self.done = 0
        self._progress = progress
        self._cancelled = cancelled
        self._start = start
        self._span = span

    def rows(self, count: int, what: str) -> None:
        """``count`` more rows written; reports and checks when a chunk boundary is crossed."""
        before = self.done // CHUNK
        self.done += count
        if self.done // CHUNK != before:
            self.check(what)

    def check(self, what: str) -> None:
        if self._cancelled is not None and self._cancelled():
            raise Cancelled()
        if self._progress is not None:
            self._progress(min(1.0, self._start + self._span * self.done / self.total), what)


def chunks(rows: Sequence[tuple[Cell, ...]], size: int = CHUNK) -> Iterator[Sequence[tuple[Cell, ...]]]:
    """``rows`` in slices of ``size``: writers tick once a slice, not once a row."""
    for at in range(0, len(rows), size):
        yield rows[at:at + size]
