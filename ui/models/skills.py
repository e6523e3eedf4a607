"""The Skills tab's table: an activity's students × skills (latest level), plus participation
(average rating and trend, attendance, pace: one labelled column each).

A snapshot model: ``set_snapshot`` swaps the whole grid; ``data()`` only formats it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from tracker.domain.participation import HOW_COMPUTED, ParticipationSummary, Trend
from tracker.services.skills import ParticipationRow, SkillsGrid, StudentRef
from ui.models.base import CENTER, LEFT, RIGHT, RecordRole, SortRole, ValueRole

Index = QModelIndex | QPersistentModelIndex
TREND_ARROW = {Trend.RISING: "↗", Trend.STEADY: "→", Trend.FALLING: "↘"}


def rating_text(p: ParticipationSummary | None) -> str:
    """'3.8 ↗' (the average rating and its trend); '—' without ratings."""
    if p is None or p.average_rating is None:
        return "—"
    return f"{p.average_rating:.1f}" + (f" {TREND_ARROW[p.trend]}" if p.trend is not None else "")


def attendance_text(p: ParticipationSummary | None) -> str:
    """'92%'; '—' before any session counts."""
    return "—" if p is None or p.attendance_rate is None else f"{p.attendance_rate:.0f}%"


def pace_text(p: ParticipationSummary | None) -> str:
    """'+5 pts', '−21 pts' (a true minus sign), '0 pts'; '—' without the activity's dates."""
    if p is None or p.pace is None:
        return "—"
    points = round(p.pace)
    return "0 pts" if points == 0 else f"{points:+d} pts".replace("-", "−")


def how_computed(*parts: str) -> str:
    """The lines of :data:`HOW_COMPUTED` that explain the named parts ("Average rating",
    "Trend", "Attendance", "Pace"): one header tooltip per column, from the one explanation."""
    lines = [line for line in HOW_COMPUTED.splitlines() if any(line.startswith(f"• {p}:") for p in parts)]
    return "\n".join(line.removeprefix("• ") for line in lines) or HOW_COMPUTED


def participation_tooltip(p: ParticipationSummary | None) -> str:
    if p is None:
        return HOW_COMPUTED
    lines = [
        f"Average rating: {'none yet' if p.average_rating is None else f'{p.average_rating:.2f} of 5'}"
        f" ({p.ratings} rated session{'s' if p.ratings != 1 else ''})",
        f"Trend: {p.trend.value if p.trend else 'not enough ratings yet'}",
        f"Attendance: {'no sessions yet' if p.attendance_rate is None else f'{p.attendance_rate:.1f}%'}",
        "Pace: " + ("no dates set" if p.pace is None or p.pace_label is None
                    else f"{p.pace_label.value} ({p.pace:+.1f} points vs {p.elapsed_pct:.0f}% of the term)"),
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class Part:
    """A participation column: its title, text, value for sorting, alignment and explanation."""

    title: str
    text: Callable[[ParticipationSummary | None], str]
    value: Callable[[ParticipationSummary | None], float]
    align: Qt.AlignmentFlag
    explains: tuple[str, ...]


def _value(get: Callable[[ParticipationSummary], float | None]) -> Callable[[ParticipationSummary | None], float]:
    def value(p: ParticipationSummary | None) -> float:
        got = None if p is None else get(p)
        return -1e9 if got is None else float(got)
    return value


#: the participation summary, one labelled column per part (a "4.0 ↗ · 100% · -5 pts" cell was cryptic)
PARTS = (
    Part("Rating", rating_text, _value(lambda p: p.average_rating), CENTER, ("Average rating", "Trend")),
    Part("Attendance", attendance_text, _value(lambda p: p.attendance_rate), RIGHT, ("Attendance",)),
    Part("Pace", pace_text, _value(lambda p: p.pace), RIGHT, ("Pace",)),
)


class SkillsGridModel(QAbstractTableModel):
    """Rows: students. Columns: Student, the participation parts (rating, attendance, pace),
    then one per skill."""

    STUDENT, RATING, ATTENDANCE, PACE, FIRST_SKILL = 0, 1, 2, 3, 4
    PARTICIPATION = (RATING, ATTENDANCE, PACE)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.grid: SkillsGrid | None = None
        self.students: list[StudentRef] = []
        self.participation: dict[int, ParticipationSummary] = {}
        self._level_names: dict[int, dict[int, str]] = {}

    def set_snapshot(self, grid: SkillsGrid, participation: list[ParticipationRow]) -> None:
        self.beginResetModel()
        self.grid = grid
        self.students = list(grid.students)
        self.participation = {r.student_id: r.summary for r in participation}
        self._level_names = {k: {lv.level: lv.name for lv in levels} for k, levels in grid.rubrics.items()}
        self.endResetModel()

    # ------------------------------------------------------------------ shape
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.students)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return self.FIRST_SKILL + (len(self.grid.skills) if self.grid else 0)

    def level_names(self, column: int) -> list[str]:
        """The level names a skill column may show (to size it so that they fit)."""
        skill_id = self.skill_at(column)
        return list(self._level_names.get(skill_id, {}).values()) if skill_id is not None else []

    def skill_at(self, column: int) -> int | None:
        if self.grid is None or column < self.FIRST_SKILL:
            return None
        return self.grid.skills[column - self.FIRST_SKILL].skill_id

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == self.STUDENT:
                return "Student"
            if section in self.PARTICIPATION:
                return PARTS[section - self.RATING].title
            if self.grid and 0 <= section - self.FIRST_SKILL < len(self.grid.skills):
                k = self.grid.skills[section - self.FIRST_SKILL]
                return k.name + (" ◎" if k.target else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            if section in self.PARTICIPATION:
                return how_computed(*PARTS[section - self.RATING].explains)
            if self.grid and 0 <= section - self.FIRST_SKILL < len(self.grid.skills):
                k = self.grid.skills[section - self.FIRST_SKILL]
                target = self._level_names.get(k.skill_id, {}).get(k.target_level or -1)
                what = (f" — target skill, aim: {target}" if target else " — target skill") if k.target \
                    else " — not a target skill of this activity (assessed here)"
                return f"{k.name} ({k.category or 'no category'})" + what
        return None

    # ------------------------------------------------------------------ cells
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.grid is None:
            return None
        st = self.students[index.row()]
        col = index.column()
        if role == RecordRole:
            return st
        if col == self.STUDENT:
            if role in (Qt.ItemDataRole.DisplayRole, SortRole, ValueRole):
                return st.name
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return LEFT
            return None
        if col in self.PARTICIPATION:
            p, part = self.participation.get(st.id), PARTS[col - self.RATING]
            if role == Qt.ItemDataRole.DisplayRole:
                return part.text(p)
            if role == Qt.ItemDataRole.ToolTipRole:
                return participation_tooltip(p)
            if role in (ValueRole, SortRole):
                return part.value(p)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return part.align
            return None
        skill_id = self.skill_at(col)
        if skill_id is None:
            return None
        latest = self.grid.latest.get((st.id, skill_id))
        if role == Qt.ItemDataRole.DisplayRole:
            return "—" if latest is None else self._level_names.get(skill_id, {}).get(latest[0], str(latest[0]))
        if role in (ValueRole, SortRole):
            return -1 if latest is None else latest[0]
        if role == Qt.ItemDataRole.ToolTipRole and latest is not None:  # the whole name when elided
            name = self._level_names.get(skill_id, {}).get(latest[0])
            return (f"{name} (level {latest[0]})" if name else f"Level {latest[0]}") + \
                f", assessed {latest[1]:%d %b %Y}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTER
        return None
