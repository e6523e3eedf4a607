"""The Badges tab's data: who holds which badge of an activity, as one snapshot.

``load_badges`` reads, on a worker thread, the activity's badges (and the school-wide ones) × its
students (``badges.activity_badges``), the custom pictures of the badges that have one, and what
the user may do there (define badges, award them: the policy table with whether they lead the
activity). :class:`WhoHasWhatModel` shows it: a row per student, a column per badge; a held
badge reads "✓ 3 Mar 2026" with who awarded it and the note in the tooltip, a revoked one
"revoked" with the reason. ``data()`` only formats the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QColor, QFont, QIcon

from tracker.domain.policy import Actor, Permission, Scope, allows
from tracker.services import Services
from tracker.services.badges import ActivityBadges, AwardInfo, BadgeInfo
from ui.models.base import CENTER, Index, RecordRole, SearchRole, SortRole
from ui.widgets.badge_picture import BadgeArt, badge_pixmap
from ui.widgets.style import colour, day

HEADER_ICON = 20
TICK = "✓"


@dataclass(frozen=True)
class BadgesSnapshot:
    """One read of the tab: who has what, the custom pictures, and what the user may do."""

    data: ActivityBadges
    images: dict[int, bytes] = field(default_factory=dict)  # badge id -> custom picture (PNG)
    may_define: bool = False  # this activity's badges
    may_define_school: bool = False  # school-wide ones
    may_award: bool = False  # this activity's badges
    may_award_school: bool = False

    def columns(self) -> list[BadgeInfo]:
        """The badges shown as columns: the current ones, and archived ones someone here holds."""
        held = {badge_id for (_student, badge_id) in self.data.awards}
        return [b for b in self.data.badges if not b.archived or b.id in held]

    def may_edit(self, badge: BadgeInfo) -> bool:
        return self.may_define_school if badge.activity_id is None else self.may_define

    def may_award_badge(self, badge: BadgeInfo) -> bool:
        return self.may_award_school if badge.activity_id is None else self.may_award


def load_badges(services: Services, actor: Actor, activity_id: int) -> BadgesSnapshot:
    """Everything the tab shows (runs on a worker thread)."""
    data = services.badges.activity_badges(actor, activity_id)
    images = {b.id: services.badges.image(actor, b.id, 64) for b in data.badges if b.has_custom_image}
    led = {Scope.LED_ACTIVITY} if actor.id in services.activities.get_activity(actor, activity_id).lead_ids else set()
    role = actor.role
    return BadgesSnapshot(data, images,
                          may_define=allows(role, Permission.MANAGE_BADGES, led),
                          may_define_school=allows(role, Permission.MANAGE_BADGES, set()),
                          may_award=allows(role, Permission.AWARD_BADGES, led),
                          may_award_school=allows(role, Permission.AWARD_BADGES, set()))


def award_tip(a: AwardInfo) -> str:
    """Who awarded it and why, or that the rules did (and, revoked, who took it back and why)."""
    if a.awarded_by_name:
        lines = [f"{a.badge_name}: awarded by {a.awarded_by_name} on {day(a.awarded_at)}"]
        if a.note:
            lines.append(f"Note: {a.note}")
    else:
        lines = [f"{a.badge_name}: earned on {day(a.awarded_at)} (awarded by the rules)"]
        if a.evidence:
            lines.append(a.evidence)
    if a.activity_name:
        lines.append(f"Earned in {a.activity_name}")
    if a.revoked:
        by = f" by {a.revoked_by_name}" if a.revoked_by_name else ""
        lines.append(f"Revoked{by} on {day(a.revoked_at)}: {a.revoke_reason or 'no reason given'}")
    return "\n".join(lines)


def badge_tip(b: BadgeInfo) -> str:
    """A column's header: the badge's whole name, what it is for, how it is earned, its points."""
    where = b.activity_name or "School-wide"
    lines = [b.name + ("  (archived)" if b.archived else ""), b.description, f"How to earn it: {b.criteria_text}",
             f"{where} · {b.points} point{'s' if b.points != 1 else ''} · held by {b.awarded_count}"]
    return "\n".join(line for line in lines if line)


class WhoHasWhatModel(QAbstractTableModel):
    """Students × badges: a tick and the date where a student holds the badge."""

    STUDENT = 0

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.snapshot: BadgesSnapshot | None = None
        self.badges: list[BadgeInfo] = []
        self.students: list[tuple[int, str]] = []
        self.awards: dict[tuple[int, int], AwardInfo] = {}
        self._icons: dict[int, QIcon] = {}
        self._muted_font: QFont | None = None

    def set_snapshot(self, snapshot: BadgesSnapshot | None) -> None:
        self.beginResetModel()
        self.snapshot = snapshot
        self.badges = snapshot.columns() if snapshot else []
        self.students = list(snapshot.data.students) if snapshot else []
        self.awards = dict(snapshot.data.awards) if snapshot else {}
        self._icons = {}
        self.endResetModel()

    # ------------------------------------------------------------------ lookups
    def badge_at(self, column: int) -> BadgeInfo | None:
        return self.badges[column - 1] if 1 <= column <= len(self.badges) else None

    def student_at(self, row: int) -> tuple[int, str] | None:
        return self.students[row] if 0 <= row < len(self.students) else None

    def award_at(self, row: int, column: int) -> AwardInfo | None:
        badge, student = self.badge_at(column), self.student_at(row)
        if badge is None or student is None:
            return None
        return self.awards.get((student[0], badge.id))

    def held(self, student_id: int) -> int:
        """Badges a student holds among the columns (revoked ones do not count)."""
        return sum(1 for b in self.badges if (a := self.awards.get((student_id, b.id))) and not a.revoked)

    def _icon(self, badge: BadgeInfo) -> QIcon:
        if badge.id not in self._icons:
            images = self.snapshot.images if self.snapshot else {}
            art = BadgeArt.of(badge, images.get(badge.id))
            self._icons[badge.id] = QIcon(badge_pixmap(art, HEADER_ICON, grey=badge.archived))
        return self._icons[badge.id]

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.students)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1 + len(self.badges)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if section == self.STUDENT:
            return "Student" if role == Qt.ItemDataRole.DisplayRole else None
        badge = self.badge_at(section)
        if badge is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return badge.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return badge_tip(badge)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(badge)
        if role == Qt.ItemDataRole.ForegroundRole and badge.archived:
            return colour("MUTED")
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        student = self.student_at(row)
        if student is None or not (0 <= column < self.columnCount()):
            return None
        if column == self.STUDENT:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                n = self.held(student[0])
                return student[1] if role == Qt.ItemDataRole.DisplayRole else \
                    f"{student[1]} · {n} badge{'s' if n != 1 else ''}"
            if role == SortRole:
                return student[1].lower()
            if role == SearchRole:
                return student[1].lower()
            if role == RecordRole:
                return student
            return None
        award = self.award_at(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            if award is None:
                return ""
            return "revoked" if award.revoked else f"{TICK} {day(award.awarded_at)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return award_tip(award) if award is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTER
        if role == SortRole:  # holders first, each group by name
            held = award is not None and not award.revoked
            return f"{0 if held else 1}|{student[1].lower()}"
        if role == RecordRole:
            return award
        if role == Qt.ItemDataRole.ForegroundRole:
            if award is not None and award.revoked:
                return colour("MUTED")
            return colour("OK").darker(125) if award is not None else None
        if role == Qt.ItemDataRole.FontRole and award is not None and award.revoked:
            if self._muted_font is None:
                self._muted_font = QFont()
                self._muted_font.setItalic(True)
            return self._muted_font
        if role == Qt.ItemDataRole.BackgroundRole and award is not None and not award.revoked:
            tint = QColor(colour("OK"))
            tint.setAlpha(28)
            return tint
        return None
