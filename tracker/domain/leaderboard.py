"""Leaderboard rules, as pure functions: how a student is named on a board, ranks that ties
share, and where someone stands who is not shown.

A board is friendly by design: it shows points only (never attendance or standing), a student
who opted out is on no row for anyone, and in anonymous mode nobody's name appears but the
viewer's own row ("You"). The service (:mod:`tracker.services.leaderboards`) reads the points
in one query and hands the entries to :func:`build_rows`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.errors import ValidationError

FULL, INITIAL, ANONYMOUS = "full", "initial", "anonymous"
PRIVACY_MODES = (FULL, INITIAL, ANONYMOUS)
#: how each mode is offered to the lead who chooses it
PRIVACY_LABELS = {FULL: "Full names", INITIAL: "First name and initial", ANONYMOUS: "Anonymous (except oneself)"}
YOU = "You"


@dataclass(frozen=True)
class LeaderRow:
    """One line of a board. ``student_id`` is None whenever the viewer may not learn who it is
    (anonymous mode, for anyone who may not manage the board), except on the viewer's own row."""

    rank: int
    display_name: str
    points: int
    is_me: bool
    student_id: int | None


@dataclass(frozen=True)
class Leaderboard:
    """A board as one viewer may see it.

    ``rows`` is empty when the board is off (``enabled`` False) unless the viewer may turn it
    on (``can_manage``: they see what it would show); ``empty_reason`` then says why. ``my_row``
    is the viewer's own standing (a parent: their child's), also when it lies beyond the rows
    shown or when they opted out (``opted_out_me``: they are on no row, and see where they would
    stand)."""

    activity_id: int | None
    title: str
    enabled: bool
    privacy: str
    rows: list[LeaderRow]
    my_row: LeaderRow | None
    opted_out_me: bool
    can_manage: bool = False
    empty_reason: str = ""
    total: int = 0  # rows before any limit


@dataclass(frozen=True)
class Entry:
    """A student on a board, as read from the database (in enrollment order)."""

    student_id: int
    points: int
    display_name: str
    first_name: str | None
    last_name: str | None
    secret: str  # the student's uid: seeds the anonymous number, never shown
    opted_out: bool


def check_privacy(privacy: object) -> str:
    """The mode as stored; anything else is refused with the choices."""
    if privacy not in PRIVACY_MODES:
        raise ValidationError.field("privacy", f"{privacy!r} is not a privacy mode; choose one of "
                                               f"{', '.join(PRIVACY_MODES)}.")
    return str(privacy)


def first_and_initial(first: str | None, last: str | None, display: str) -> str:
    """"Ana P.": the first (or preferred) name and the initial of the last name, from the
    profile when it has them, else from the display name's first and last words."""
    words = display.split()
    given = (first or "").strip() or (words[0] if words else display)
    family = (last or "").strip() or (words[-1] if len(words) > 1 else "")
    return f"{given} {family[0].upper()}." if family else given


def competition_ranks(points: Sequence[int]) -> list[int]:
    """Ranks of points sorted high to low: ties share a rank and the next one skips (1, 1, 3)."""
    ranks: list[int] = []
    for i, value in enumerate(points):
        ranks.append(ranks[-1] if i and value == points[i - 1] else i + 1)
    return ranks


def rank_among(points: int, others: Sequence[int]) -> int:
    """Where ``points`` would stand among ``others`` (the rank a tie would share)."""
    return 1 + sum(1 for other in others if other > points)


def anonymous_numbers(board: str, members: Sequence[tuple[int, str]]) -> dict[int, int]:
    """A stable "Student N" number for each (student id, secret) of a board, in enrollment order.

    The number comes from a hash of the board and the student's secret uid (never shown), so it
    tells neither the name nor the order of enrolment, and stays the same from one look to the
    next. Two students whose hashes meet: the later one takes the next free number, so a newcomer
    never moves anyone. The range grows with the board (2 digits up to 33 students, 3 up to 333…)."""
    space = 10 ** max(2, len(str(3 * len(members))))
    taken: set[int] = set()
    numbers: dict[int, int] = {}
    for student_id, secret in members:
        digest = hashlib.sha256(f"{board}:{secret}".encode()).digest()
        number = int.from_bytes(digest[:8], "big") % (space - 1) + 1
        while number in taken:
            number = number % (space - 1) + 1
        taken.add(number)
        numbers[student_id] = number
    return numbers


def build_rows(entries: Sequence[Entry], privacy: str, *, board: str, me: int | None, identify: bool,
               own_label: str = YOU) -> tuple[list[LeaderRow], LeaderRow | None]:
    """The rows everyone may be shown (opted-out students left out), best first, then by name
    (anonymous: by number), and the viewer's own row.

    ``me`` is the student whose point of view it is (the viewer, or a parent's child);
    ``identify`` whether the viewer may learn who an anonymous row is (a lead, an admin);
    ``own_label`` names ``me``'s row in anonymous mode."""
    numbers = anonymous_numbers(board, [(e.student_id, e.secret) for e in entries]) \
        if privacy == ANONYMOUS else {}

    def label(e: Entry) -> str:
        if privacy == ANONYMOUS:
            return own_label if e.student_id == me else f"Student {numbers[e.student_id]}"
        if privacy == INITIAL:
            return first_and_initial(e.first_name, e.last_name, e.display_name)
        return e.display_name

    def order(e: Entry) -> tuple[int, int, str, int]:
        return -e.points, numbers.get(e.student_id, 0), label(e).casefold(), e.student_id

    shown = sorted((e for e in entries if not e.opted_out), key=order)
    ranks = competition_ranks([e.points for e in shown])
    rows = [LeaderRow(rank, label(e), e.points, e.student_id == me,
                      e.student_id if identify or privacy != ANONYMOUS or e.student_id == me else None)
            for rank, e in zip(ranks, shown, strict=True)]
    mine = next((e for e in entries if e.student_id == me), None)
    if mine is None:
        return rows, None
    if not mine.opted_out:
        return rows, next(r for r in rows if r.is_me)
    return rows, LeaderRow(rank_among(mine.points, [e.points for e in shown]), label(mine), mine.points,
                           True, mine.student_id)
