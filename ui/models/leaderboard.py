"""The data of the Leaderboard page: the boards a viewer may look at (read in one go, off the GUI
thread), the wording of where one stands, and the board's table model.

Everything shown comes from ``services.leaderboards`` as it is: names already follow the board's
privacy mode and an opted-out student is on no row, so nothing here can leak a name the service
kept back. Points only: a board never shows attendance or standing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont

from tracker.domain.enums import Role
from tracker.domain.leaderboard import PRIVACY_LABELS, Leaderboard, LeaderRow
from tracker.domain.policy import Actor, Permission, Scope, scopes
from tracker.services import Services
from ui.models.base import RIGHT, Column, Index, SnapshotModel
from ui.widgets.style import colour

SCHOOL = 0  # the picker's key of the school board (activity ids start at 1)
MINE_BACKGROUND = "#eef6fb"  # the viewer's row: a tint lighter than the selection's


@dataclass(frozen=True)
class Boards:
    """What the page shows, read together: the boards in picker order, a parent's children, whose
    point of view it is and whether that student keeps off the boards (None: no switch)."""

    boards: tuple[Leaderboard, ...]
    children: tuple[tuple[int, str], ...] = ()
    student_id: int | None = None
    student_name: str = ""
    opted_out: bool | None = None


def chooses_own_visibility(actor: Actor) -> bool:
    """Students and parents decide whether they (their child) show on boards; staff never do."""
    return bool(scopes(actor.role, Permission.LEADERBOARD_OPT_OUT) & {Scope.SELF, Scope.CHILD})


def read_boards(services: Services, actor: Actor, child: int | None) -> Boards:
    """Every board the viewer may pick, best read off the GUI thread: the school's and each
    activity's they see, kept when on and they (a parent: the ``child`` chosen, else the first)
    are on it, or when they may manage it (then off ones too)."""
    lb = services.leaderboards
    children: tuple[tuple[int, str], ...] = ()
    student: int | None = actor.id if actor.role is Role.STUDENT else None
    name = actor.display_name if student is not None else ""
    if actor.role is Role.PARENT:
        children = tuple((u.id, u.display_name) for u in services.people.find_users(
            actor, Role.STUDENT, include_inactive=False))
        ids = [c for c, _n in children]
        student = child if child in ids else (ids[0] if ids else None)
        name = dict(children).get(student, "") if student is not None else ""
    point_of_view = student if actor.role is Role.PARENT else None
    candidates = [lb.leaderboard(actor, None, for_student=point_of_view)]
    candidates += [lb.leaderboard(actor, a.id, for_student=point_of_view)
                   for a in services.activities.list_activities(actor, include_archived=False)]
    boards = tuple(b for b in candidates if shown(b, follows_someone=student is not None))
    opted_out = lb.opt_out_state(actor, student) if student is not None and chooses_own_visibility(actor) else None
    return Boards(boards, children, student, name, opted_out)


def shown(board: Leaderboard, *, follows_someone: bool) -> bool:
    """Whether a board is offered: to whoever manages it, on or off; else when on, and — for a
    student or parent — when they (their child) are on it (the school's: whenever it is on)."""
    if board.can_manage:
        return True
    if not board.enabled:
        return False
    return board.activity_id is None or not follows_someone or board.my_row is not None


def board_key(board: Leaderboard) -> int:
    return SCHOOL if board.activity_id is None else board.activity_id


def picker_text(board: Leaderboard) -> str:
    """"Chess Club", or "Chess Club (off)" for a lead looking at a board students do not see."""
    return board.title if board.enabled else f"{board.title} (off)"


def default_board(boards: tuple[Leaderboard, ...]) -> Leaderboard | None:
    """The board a page opens on: the first one on with the viewer on it (their own activity's
    before the school's), else the first one on, else the first."""
    on = [b for b in boards if b.enabled]
    mine = [b for b in on if b.my_row is not None]
    for group in ([b for b in mine if b.activity_id is not None], mine, on, list(boards)):
        if group:
            return group[0]
    return None


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def standing_text(board: Leaderboard, *, own: bool, name: str) -> str:
    """Where the viewer (``own``) or their child (``name``) stands: "You are 4th of 23", "joint
    2nd" for a shared rank, "hidden from others; your rank would be 4th" when opted out; for
    staff, how many are on the board."""
    me = board.my_row
    if me is None:
        return f"{plural(board.total, 'student')} on this board"
    who, whose = ("You are", "your") if own else (f"{name} is", "their")
    if board.opted_out_me:
        return f"{who} hidden from others; {whose} rank would be {ordinal(me.rank)}"
    joint = "joint " if sum(1 for r in board.rows if r.rank == me.rank) > 1 else ""
    return f"{who} {joint}{ordinal(me.rank)} of {board.total} · {plural(me.points, 'point')}"


def about_text(board: Leaderboard) -> str:
    """What the numbers are and how names are shown, in one muted line."""
    where = "in this activity" if board.activity_id is not None else "in all activities"
    return (f"Points from milestones completed and badges earned {where}. "
            f"Names: {PRIVACY_LABELS.get(board.privacy, board.privacy).lower()}. "
            "Students who chose not to be shown are not listed.")


class LeaderModel(SnapshotModel[LeaderRow]):
    """A board's rows in rank order (ties share a rank); the viewer's row (a parent: their
    child's) in bold accent on a light tint."""

    RANK, NAME, POINTS = range(3)
    columns = (
        Column("Rank", lambda r: str(r.rank), value=lambda r: r.rank, align=RIGHT, width=60),
        Column("Name", lambda r: r.display_name, width=200, tooltip=lambda r: r.display_name),
        Column("Points", lambda r: f"{r.points:,}", value=lambda r: r.points, align=RIGHT, width=80),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bold: QFont | None = None

    def mine(self) -> int:
        """The row of the viewer, or -1."""
        return self.row_of(lambda r: r.is_me)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and 0 <= index.row() < self.rowCount() and self.record(index.row()).is_me:
            if role == Qt.ItemDataRole.FontRole:
                if self._bold is None:
                    self._bold = QFont()
                    self._bold.setBold(True)
                return self._bold
            if role == Qt.ItemDataRole.ForegroundRole:
                return colour("ACCENT").darker(120)
            if role == Qt.ItemDataRole.BackgroundRole:
                return QColor(MINE_BACKGROUND)
        return super().data(index, role)
