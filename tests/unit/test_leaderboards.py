"""Leaderboards (issue 13): points from milestones and badges, ties, privacy modes, opting out,
who may see and switch a board, and the façade."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import event, select

from tracker.api import TrackerAPI
from tracker.db.models import Activity, AuditEntry, LeaderboardOptOut, User
from tracker.db.uow import read_only
from tracker.domain.leaderboard import (
    Entry,
    anonymous_numbers,
    build_rows,
    competition_ranks,
    first_and_initial,
)
from tracker.domain.policy import Actor
from tracker.errors import NotFound, PermissionDenied, ValidationError

from ..conftest import School
from .achievement_support import add_student, award, milestone_done


@dataclass
class Board:
    school: School
    ana: Actor
    ben: Actor


@pytest.fixture
def board(school: School) -> Board:
    """Chess: Ana 20 (a milestone), Olga 15 (milestone 10 + badge 5; a revoked badge and a drama
    badge do not count), Sam 15 (milestone 5 + badge 10), Ben 0."""
    s = school.services
    s.milestones.create_milestone(school.admin, school.chess, title="Keeps it open", points=100)
    ana = add_student(school, "ana", "Ana Pérez", school.chess, first="Ana", last="Pérez")
    ben = add_student(school, "ben", "Ben Brown", school.chess)
    milestone_done(school, school.chess, ana.id, "Twenty", 20)
    ten = milestone_done(school, school.chess, school.other_student.id, "Ten", 10)
    s.milestones.complete_milestone(school.admin, ten, school.student.id)  # Sam too, worth 10...
    s.milestones.uncomplete_milestone(school.admin, ten, school.student.id)  # ... then taken back
    milestone_done(school, school.chess, school.student.id, "Five", 5)
    award(s, school.other_student.id, 5, school.chess)
    award(s, school.other_student.id, 50, school.chess, revoked=True)
    award(s, school.other_student.id, 7, school.drama)
    award(s, school.student.id, 10, school.chess)
    s.leaderboards.set_leaderboard(school.teacher, school.chess, enabled=True, privacy="full")
    return Board(school, ana, ben)


def last_leaderboard_audit(school: School) -> tuple[tuple[str, int | None], str]:
    with read_only(school.services.db) as session:
        entity, entity_id, after = session.execute(
            select(AuditEntry.entity, AuditEntry.entity_id, AuditEntry.after)
            .where(AuditEntry.action == "leaderboard").order_by(AuditEntry.id.desc())).first() or ("", None, "")
    return (entity, entity_id), after or ""


def table(rows: list) -> list[tuple[int, str, int]]:  # type: ignore[type-arg]
    return [(r.rank, r.display_name, r.points) for r in rows]


# --------------------------------------------------------------------------- the rules


def test_ties_share_a_rank_and_the_next_one_skips() -> None:
    assert competition_ranks([30, 20, 20, 10]) == [1, 2, 2, 4]
    assert competition_ranks([5, 5, 5]) == [1, 1, 1]
    assert competition_ranks([]) == []


def test_first_name_and_initial() -> None:
    assert first_and_initial("Ana", "Pérez", "Ana Pérez") == "Ana P."
    assert first_and_initial(None, None, "Jürgen von Groß") == "Jürgen G."
    assert first_and_initial(None, None, "Madonna") == "Madonna"
    assert first_and_initial("Đặng", "đinh", "x") == "Đặng Đ."


def test_anonymous_numbers_are_stable_and_a_newcomer_moves_nobody() -> None:
    members = [(i, f"uid-{i}") for i in range(1, 31)]
    numbers = anonymous_numbers("activity:1", members)
    assert len(set(numbers.values())) == 30 and all(1 <= n < 100 for n in numbers.values())
    assert anonymous_numbers("activity:1", members) == numbers
    grown = anonymous_numbers("activity:1", [*members, (31, "uid-31")])
    assert {k: v for k, v in grown.items() if k != 31} == numbers
    assert anonymous_numbers("activity:2", members) != numbers  # another board, other numbers


def test_an_opted_out_viewer_sees_where_they_would_stand_without_leaving_a_gap() -> None:
    entries = [Entry(1, 30, "A A", None, None, "a", False), Entry(2, 20, "B B", None, None, "b", True),
               Entry(3, 10, "C C", None, None, "c", False)]
    rows, mine = build_rows(entries, "full", board="x", me=2, identify=False)
    assert table(rows) == [(1, "A A", 30), (2, "C C", 10)]
    assert mine is not None and (mine.rank, mine.points, mine.is_me) == (2, 20, True)


# --------------------------------------------------------------------------- points and ranks


def test_points_come_from_milestones_and_badges_not_revoked_and_ties_share_a_rank(board: Board) -> None:
    school = board.school
    result = school.services.leaderboards.leaderboard(school.teacher, school.chess)
    assert table(result.rows) == [(1, "Ana Pérez", 20), (2, "Olga Other", 15), (2, "Sam Student", 15),
                                  (4, "Ben Brown", 0)]
    assert result.enabled and result.title == "Chess Club" and result.my_row is None and result.can_manage


def test_the_school_board_counts_every_activity_and_only_students_with_a_place(board: Board) -> None:
    school = board.school
    s = school.services
    add_student(school, "nadia", "Nadia Nowhere")  # no place anywhere: not on the board
    s.leaderboards.set_leaderboard(school.admin, None, enabled=True, privacy="full")
    result = s.leaderboards.leaderboard(school.student, None)
    assert table(result.rows) == [(1, "Olga Other", 22), (2, "Ana Pérez", 20), (3, "Sam Student", 15),
                                  (4, "Ben Brown", 0)]
    assert result.title == "Whole school" and result.my_row == result.rows[2] and result.rows[2].is_me


def test_a_dropped_student_leaves_the_board(board: Board) -> None:
    from datetime import date

    school = board.school
    school.services.enrollment.drop(school.admin, school.chess, board.ben.id, "Moved away", date.today())
    names = [r.display_name for r in school.services.leaderboards.leaderboard(school.admin, school.chess).rows]
    assert "Ben Brown" not in names and len(names) == 3


def test_the_board_is_one_query_whatever_the_number_of_students(board: Board) -> None:
    school = board.school

    def statements() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(school.services.db.engine, "before_cursor_execute", count)
        try:
            school.services.leaderboards.leaderboard(school.student, school.chess)
        finally:
            event.remove(school.services.db.engine, "before_cursor_execute", count)
        return len(seen)

    before = statements()
    for n in range(6):
        add_student(school, f"extra{n}", f"Extra Student{n}", school.chess)
    assert statements() == before


# --------------------------------------------------------------------------- privacy


def test_first_name_and_initial_mode(board: Board) -> None:
    school = board.school
    school.services.leaderboards.set_leaderboard(school.teacher, school.chess, enabled=True, privacy="initial")
    result = school.services.leaderboards.leaderboard(school.student, school.chess)
    assert [r.display_name for r in result.rows] == ["Ana P.", "Olga O.", "Sam S.", "Ben B."]


def test_anonymous_mode_shows_no_other_name_anywhere(board: Board) -> None:
    school = board.school
    s = school.services
    s.leaderboards.set_leaderboard(school.teacher, school.chess, enabled=True, privacy="anonymous")
    result = s.leaderboards.leaderboard(school.student, school.chess)
    everything = repr(result)
    for name in ("Ana", "Pérez", "Olga", "Ben", "Brown", "Other"):
        assert name not in everything
    assert [r.display_name for r in result.rows if r.is_me] == ["You"]
    assert all(r.student_id is None for r in result.rows if not r.is_me)
    assert result.my_row is not None and result.my_row.student_id == school.student.id
    labels = {r.points: r.display_name for r in result.rows if not r.is_me}
    assert all(label.startswith("Student ") for label in labels.values())
    # the same labels next time, also after a newcomer joins
    add_student(school, "cleo", "Cleo Newcomer", school.chess)
    again = s.leaderboards.leaderboard(school.student, school.chess)
    assert {r.points: r.display_name for r in again.rows if not r.is_me and r.points} == \
        {p: label for p, label in labels.items() if p}
    # staff see the same labels (the mode applies to everyone), with the ids to act on
    staff = s.leaderboards.leaderboard(school.teacher, school.chess)
    assert {r.display_name for r in staff.rows} - {"You"} >= set(labels.values())
    assert all(r.student_id is not None for r in staff.rows)
    assert "Olga" not in repr(staff.rows)


def test_a_student_sees_their_own_rank_beyond_the_rows_shown(board: Board) -> None:
    school = board.school
    result = school.services.leaderboards.leaderboard(board.ben, school.chess, limit=2)
    assert len(result.rows) == 2 and result.total == 4
    assert result.my_row is not None and (result.my_row.rank, result.my_row.display_name) == (4, "Ben Brown")


# --------------------------------------------------------------------------- opting out


def test_an_opted_out_student_is_on_no_row_for_anyone_but_sees_their_own_rank(board: Board) -> None:
    school = board.school
    s = school.services
    assert s.leaderboards.set_opt_out(school.other_student, school.other_student.id, True) is True
    for viewer in (school.admin, school.teacher, school.student, board.ana):
        rows = s.leaderboards.leaderboard(viewer, school.chess).rows
        assert "Olga Other" not in [r.display_name for r in rows]
        assert school.other_student.id not in [r.student_id for r in rows]
        assert [r.rank for r in rows] == [1, 2, 3]  # no gap where she would be
    assert "Olga" not in repr(s.leaderboards.export_rows(school.admin, school.chess))
    assert "Olga" not in repr(TrackerAPI(s).leaderboard(school.teacher, school.chess))
    s.leaderboards.set_leaderboard(school.admin, None, enabled=True, privacy="full")
    assert "Olga" not in repr(s.leaderboards.export_rows(school.admin, None))
    own = s.leaderboards.leaderboard(school.other_student, school.chess)
    assert own.opted_out_me and school.other_student.id not in [r.student_id for r in own.rows]
    assert own.my_row is not None and (own.my_row.rank, own.my_row.points, own.my_row.is_me) == (2, 15, True)
    assert s.leaderboards.opt_out_state(school.other_student, school.other_student.id)
    # the façade gives her own row, in its place, to her alone
    mine = TrackerAPI(s).leaderboard(school.other_student, school.chess)
    assert [(r["rank"], r["is_me"]) for r in mine].count((2, True)) == 1
    assert [r["rank"] for r in mine] == sorted(r["rank"] for r in mine)
    assert "Olga" not in repr(TrackerAPI(s).leaderboard(school.student, school.chess))  # and nobody else


def test_a_parent_opts_their_child_out_and_back_in_and_it_is_audited(board: Board) -> None:
    school = board.school
    s = school.services
    assert s.leaderboards.set_opt_out(school.parent, school.student.id, True)
    assert s.leaderboards.opt_out_state(school.parent, school.student.id)
    assert not s.leaderboards.set_opt_out(school.parent, school.student.id, False)
    assert "Sam Student" in [r.display_name for r in s.leaderboards.leaderboard(school.admin, school.chess).rows]
    with read_only(s.db) as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "leaderboard")))
    assert actions == ["opt_out", "opt_in"]


# --------------------------------------------------------------------------- who may see and switch


def test_an_off_board_is_empty_for_students_and_parents_but_its_leads_preview_it(board: Board) -> None:
    school = board.school
    s = school.services
    s.leaderboards.set_leaderboard(school.teacher, school.chess, enabled=False, privacy="full")
    for viewer in (school.student, school.parent):
        off = s.leaderboards.leaderboard(viewer, school.chess)
        assert not off.enabled and off.rows == [] and off.my_row is None and "off" in off.empty_reason
    assert TrackerAPI(s).leaderboard(school.student, school.chess) == []
    preview = s.leaderboards.leaderboard(school.teacher, school.chess)
    assert not preview.enabled and preview.can_manage and len(preview.rows) == 4


def test_the_school_board_is_off_by_default_and_only_admins_switch_it(board: Board) -> None:
    school = board.school
    s = school.services
    assert s.leaderboards.leaderboard(school.student, None).rows == []
    with pytest.raises(PermissionDenied):
        s.leaderboards.set_leaderboard(school.teacher, None, enabled=True, privacy="full")
    s.leaderboards.set_leaderboard(school.admin, None, enabled=True, privacy="initial")
    assert [r.display_name for r in s.leaderboards.leaderboard(school.teacher, None).rows][:1] == ["Olga O."]
    entity, after = last_leaderboard_audit(school)
    assert entity == ("setting", None) and '"enabled": true' in after


def test_a_lead_switches_their_board_audited_and_nobody_else_can(board: Board) -> None:
    school = board.school
    s = school.services
    with pytest.raises(PermissionDenied):
        s.leaderboards.set_leaderboard(school.other_teacher, school.chess, enabled=False, privacy="full")
    with pytest.raises(PermissionDenied):  # the policy first: a bad mode from a student is refused as such
        s.leaderboards.set_leaderboard(school.student, school.chess, enabled=True, privacy="nonsense")
    with pytest.raises(ValidationError, match="not a privacy mode"):
        s.leaderboards.set_leaderboard(school.teacher, school.chess, enabled=True, privacy="nonsense")
    with pytest.raises(NotFound):
        s.leaderboards.set_leaderboard(school.admin, 9999, enabled=True, privacy="full")
    result = s.leaderboards.set_leaderboard(school.teacher, school.chess, enabled=True, privacy="anonymous")
    assert result.privacy == "anonymous"
    entity, after = last_leaderboard_audit(school)
    assert entity == ("activity", school.chess) and "anonymous" in after


def test_who_may_see_a_board(board: Board) -> None:
    school = board.school
    s = school.services
    with pytest.raises(PermissionDenied):
        s.leaderboards.leaderboard(school.other_teacher, school.chess)  # leads drama only
    s.leaderboards.set_leaderboard(school.other_teacher, school.drama, enabled=True, privacy="full")
    with pytest.raises(PermissionDenied):
        s.leaderboards.leaderboard(school.student, school.drama)  # Sam is not in drama
    with pytest.raises(PermissionDenied):
        s.leaderboards.leaderboard(school.parent, school.drama)  # nor is Pat's child
    assert [r.display_name for r in s.leaderboards.leaderboard(school.other_student, school.drama).rows] \
        == ["Olga Other"]


def test_opting_out_is_for_the_student_their_parent_and_admins(board: Board) -> None:
    school = board.school
    s = school.services
    for actor, student in ((school.student, school.other_student.id), (school.parent, school.other_student.id),
                           (school.teacher, school.student.id)):
        with pytest.raises(PermissionDenied):
            s.leaderboards.set_opt_out(actor, student, True)
        with pytest.raises(PermissionDenied):
            s.leaderboards.opt_out_state(actor, student)
    assert s.leaderboards.set_opt_out(school.admin, school.student.id, True)
    with pytest.raises(NotFound):
        s.leaderboards.set_opt_out(school.admin, school.teacher.id, True)


def test_a_parent_sees_the_board_from_their_childs_point_of_view(board: Board) -> None:
    school = board.school
    s = school.services
    result = s.leaderboards.leaderboard(school.parent, school.chess)
    assert [r.display_name for r in result.rows if r.is_me] == ["Sam Student"]
    assert result.my_row is not None and result.my_row.student_id == school.student.id
    # with two children on the board, the parent names the one to follow
    s.people.link_guardian(school.admin, school.parent.id, board.ana.id)
    assert s.leaderboards.leaderboard(school.parent, school.chess).my_row is None
    chosen = s.leaderboards.leaderboard(school.parent, school.chess, for_student=board.ana.id)
    assert chosen.my_row is not None and chosen.my_row.display_name == "Ana Pérez"
    s.leaderboards.set_leaderboard(school.teacher, school.chess, enabled=True, privacy="anonymous")
    anonymous = s.leaderboards.leaderboard(school.parent, school.chess, for_student=board.ana.id)
    assert [r.display_name for r in anonymous.rows if r.is_me] == ["Ana P."]
    assert "Olga" not in repr(anonymous) and "Ben" not in repr(anonymous)
    with pytest.raises(PermissionDenied):
        s.leaderboards.leaderboard(school.parent, school.chess, for_student=school.other_student.id)


def test_the_facade_gives_exactly_rank_name_points_and_whether_it_is_me(board: Board) -> None:
    school = board.school
    rows = TrackerAPI(school.services).leaderboard(school.student, school.chess)
    assert rows[2] == {"rank": 2, "display_name": "Sam Student", "points": 15, "is_me": True}
    assert all(set(r) == {"rank", "display_name", "points", "is_me"} for r in rows)


# --------------------------------------------------------------------------- the demo school


def test_the_demo_school_has_two_boards_two_opt_outs_and_portfolios_to_show(tmp_path: Path) -> None:
    from tracker.demo import DemoOptions, generate_demo, sample_accounts
    from tracker.domain.enums import Role
    from tracker.services import Services
    from tracker.services.auth import actor_of
    from tracker.services.bootstrap import open_database

    path = tmp_path / "demo.db"
    generate_demo(path, DemoOptions(students=80, seed=5))
    db, _ = open_database(path)
    try:
        s = Services(db)
        with read_only(db) as session:
            boards = dict(session.execute(select(Activity.id, Activity.leaderboard_privacy)
                                          .where(Activity.leaderboard_enabled.is_(True))).all())
            quiet = list(session.scalars(select(LeaderboardOptOut.student_id)))
            admin = actor_of(session.scalars(select(User).where(User.role == Role.ADMIN)).first())  # type: ignore[arg-type]
            students = [actor_of(session.scalars(select(User).where(User.username == name)).one())
                        for role, name, _ in sample_accounts(db)[0] if role == "student"]
        assert sorted(boards.values()) == ["anonymous", "initial"] and len(quiet) == 2
        for activity_id in boards:
            rows = s.leaderboards.leaderboard(admin, activity_id).rows
            assert rows and not {r.student_id for r in rows} & set(quiet)
        first = students[0]
        portfolio = s.portfolios.portfolio(first, first.id)
        assert portfolio.any_featured and any(a.reflection for a in portfolio.activities)
        assert all(s.portfolios.portfolio(admin, st.id).any_featured for st in students)
    finally:
        db.dispose()
