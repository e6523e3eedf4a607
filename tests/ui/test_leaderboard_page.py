"""The Leaderboard page (issue 13): the boards one may pick, where one stands, privacy in the table
and in the chart, opting out (absent from table, chart and export), and the lead's settings."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from tests.conftest import School
from tests.ui.conftest import settle, show_page
from tests.unit.achievement_support import add_student, award, milestone_done
from tracker.domain.policy import Actor
from ui.charts.ranking import RankingPanel
from ui.models.leaderboard import LeaderModel, ordinal
from ui.views.leaderboard import LeaderboardPage
from ui.widgets.style import colour


@pytest.fixture
def board(school: School) -> School:
    """Chess (board on, full names): Ana 20, Olga 15 (milestone 10 + badge 5), Sam 15, Ben 0.
    Drama's board is on too (only Olga takes Drama); the school's board is off."""
    s = school.services
    s.milestones.create_milestone(school.admin, school.chess, title="Keeps it open", points=100)
    ana = add_student(school, "ana", "Ana Pérez", school.chess, first="Ana", last="Pérez")
    add_student(school, "ben", "Ben Brown", school.chess)
    milestone_done(school, school.chess, ana.id, "Twenty", 20)
    milestone_done(school, school.chess, school.other_student.id, "Ten", 10)
    award(s, school.other_student.id, 5, school.chess)
    milestone_done(school, school.chess, school.student.id, "Five", 5)
    award(s, school.student.id, 10, school.chess)
    s.leaderboards.set_leaderboard(school.teacher, school.chess, enabled=True, privacy="full")
    s.leaderboards.set_leaderboard(school.other_teacher, school.drama, enabled=True, privacy="full")
    return school


def page_as(qtbot, make_ctx, actor: Actor) -> LeaderboardPage:  # type: ignore[no-untyped-def]
    ctx = make_ctx(actor)
    return show_page(qtbot, ctx, LeaderboardPage(ctx), 1100, 700)


def picker_items(page: LeaderboardPage) -> list[str]:
    return [page.picker.itemText(i) for i in range(page.picker.count())]


def table_names(page: LeaderboardPage) -> list[str]:
    m = page.model
    return [m.index(r, LeaderModel.NAME).data() for r in range(m.rowCount())]


def chart_names(chart: RankingPanel) -> list[str]:
    """The names the chart draws, and the names in its "Show as table"."""
    return [*chart.data.categories, *(str(row[0]) for row in chart.model.rows)]


def choose(page: LeaderboardPage, title: str) -> None:
    page.picker.setCurrentIndex(picker_items(page).index(title))


def test_a_student_picks_only_the_boards_that_are_on_and_that_they_are_on(qtbot, make_ctx, board):
    page = page_as(qtbot, make_ctx, board.student)
    assert picker_items(page) == ["Chess Club"]  # Drama's is on, but Sam does not take Drama
    assert page.heading.full_text() == "Chess Club"
    assert not page.settings_action.isVisible() and not page.export_action.isVisible()


def test_a_lead_also_picks_their_boards_that_are_off_marked_off(qtbot, make_ctx, board):
    board.services.leaderboards.set_leaderboard(board.teacher, board.chess, enabled=False, privacy="full")
    page = page_as(qtbot, make_ctx, board.teacher)
    assert picker_items(page) == ["Chess Club (off)"]  # not Drama (not theirs), not the school's (admins)
    admin = page_as(qtbot, make_ctx, board.admin)
    assert picker_items(admin) == ["Whole school (off)", "Chess Club (off)", "Drama"]
    assert page.stack.currentWidget() is page.empty
    assert "is off" in page.empty.title_label.text()
    assert "Board settings" in page.empty.message_label.text()


def test_ties_share_a_rank_and_my_row_is_highlighted_in_table_and_chart(qtbot, make_ctx, board):
    page = page_as(qtbot, make_ctx, board.student)
    m = page.model
    rows = [(m.index(r, 0).data(), m.index(r, 1).data(), m.index(r, 2).data()) for r in range(m.rowCount())]
    assert rows == [("1", "Ana Pérez", "20"), ("2", "Olga Other", "15"), ("2", "Sam Student", "15"),
                    ("4", "Ben Brown", "0")]
    assert page.standing.full_text() == "You are joint 2nd of 4 · 15 points"
    mine = m.mine()
    assert table_names(page)[mine] == "Sam Student"
    font = m.index(mine, LeaderModel.NAME).data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    assert m.index(0, LeaderModel.NAME).data(Qt.ItemDataRole.FontRole) is None
    assert page.chart.data.categories == ("Ana Pérez", "Olga Other", "Sam Student", "Ben Brown")
    bars = page.chart.bar_colours()
    assert bars[2] == colour("ACCENT").name() and colour("ACCENT").name() not in (bars[0], bars[1], bars[3])


def test_anonymous_mode_shows_no_other_name_in_the_table_or_the_chart(qtbot, make_ctx, board):
    board.services.leaderboards.set_leaderboard(board.teacher, board.chess, enabled=True, privacy="anonymous")
    page = page_as(qtbot, make_ctx, board.student)
    shown = table_names(page) + chart_names(page.chart)
    assert "You" in shown
    others = [n for n in shown if n != "You"]
    assert others and all(n.startswith("Student ") for n in others)
    for name in ("Ana", "Olga", "Ben", "Pérez", "Other", "Brown"):
        assert not any(name in n for n in shown)
    page.chart.copy_data()  # "Copy data" too
    from PySide6.QtGui import QGuiApplication

    assert "Olga" not in QGuiApplication.clipboard().text()


def test_an_opted_out_student_is_absent_from_table_chart_and_export_but_sees_their_rank(
        qtbot, make_ctx, board, tmp_path: Path):
    board.services.leaderboards.set_opt_out(board.other_student, board.other_student.id, True)
    lead = page_as(qtbot, make_ctx, board.teacher)
    assert "Olga Other" not in table_names(lead)
    assert "Olga Other" not in chart_names(lead.chart)
    assert lead.export_action.isVisible() and lead.export_action.isEnabled()
    target = tmp_path / "board.csv"
    lead.export(str(target))
    settle(qtbot, lead.ctx)
    with target.open(encoding="utf-8-sig", newline="") as f:
        exported = list(csv.reader(f))
    assert exported[0] == ["Rank", "Name", "Points"]
    assert [r[1] for r in exported[1:]] == ["Ana Pérez", "Sam Student", "Ben Brown"]
    assert "Saved board.csv" in lead.about.text()

    olga = page_as(qtbot, make_ctx, board.other_student)
    assert "Olga Other" not in table_names(olga)
    assert olga.standing.full_text() == "You are hidden from others; your rank would be 2nd"
    assert not olga.show_me.isChecked()


def test_the_switch_takes_a_student_off_the_boards_and_back(qtbot, make_ctx, board):
    page = page_as(qtbot, make_ctx, board.student)
    lb = board.services.leaderboards
    assert page.show_me.isVisible() and page.show_me.isChecked()
    qtbot.mouseClick(page.show_me, Qt.MouseButton.LeftButton)
    settle(qtbot, page.ctx)
    assert lb.opt_out_state(board.student, board.student.id) is True
    assert "Sam Student" not in table_names(page)
    assert page.standing.full_text().startswith("You are hidden from others")
    page.show_me.setFocus()
    qtbot.keyClick(page.show_me, Qt.Key.Key_Space)
    settle(qtbot, page.ctx)
    assert lb.opt_out_state(board.student, board.student.id) is False
    assert "Sam Student" in table_names(page)


def test_a_parent_sees_their_child_s_standing_and_switch(qtbot, make_ctx, board):
    page = page_as(qtbot, make_ctx, board.parent)
    assert page.child.isVisible() and page.child.currentText() == "Sam Student"
    assert page.standing.full_text() == "Sam Student is joint 2nd of 4 · 15 points"
    assert page.show_me.text() == "Show Sam Student on leaderboards"
    qtbot.mouseClick(page.show_me, Qt.MouseButton.LeftButton)
    settle(qtbot, page.ctx)
    assert board.services.leaderboards.opt_out_state(board.admin, board.student.id) is True


def test_the_lead_turns_the_board_on_in_anonymous_mode(qtbot, make_ctx, board):
    lb = board.services.leaderboards
    lb.set_leaderboard(board.teacher, board.chess, enabled=False, privacy="full")
    page = page_as(qtbot, make_ctx, board.teacher)
    dialog = page.open_settings()
    assert dialog is not None
    assert not dialog.enabled.isChecked() and dialog.buttons["full"].isChecked()
    dialog.enabled.setChecked(True)
    dialog.buttons["anonymous"].click()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page.ctx)
    after = lb.leaderboard(board.admin, board.chess)
    assert (after.enabled, after.privacy) == (True, "anonymous")
    assert picker_items(page) == ["Chess Club"]
    assert page.stack.currentWidget() is page.split
    assert all(n.startswith("Student ") for n in table_names(page))


def test_a_student_with_no_board_on_is_told_so(qtbot, make_ctx, board):
    board.services.leaderboards.set_leaderboard(board.teacher, board.chess, enabled=False, privacy="full")
    page = page_as(qtbot, make_ctx, board.student)
    assert picker_items(page) == []
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title_label.text() == "No leaderboard is on"


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]


def test_long_names_are_elided_on_the_chart_and_whole_on_hover(qtbot, make_ctx, board):
    from PySide6.QtCore import QPointF

    from tracker.services.activities import ActivityInput

    long_title = "Chess Club for the Grandmasters of Tomorrow, their Friends, their Families and Everyone Else Who Likes Chess"
    activity = board.services.activities.get_activity(board.admin, board.chess)
    board.services.activities.update_activity(board.admin, board.chess, ActivityInput(
        long_title, lead_ids=list(activity.lead_ids)))
    add_student(board, "max", "Maximilian Alexander Wolfgang Konstantin von Habsburg-Lothringen", board.chess)
    page = page_as(qtbot, make_ctx, board.student)
    page.resize(700, 600)
    qtbot.wait(50)
    assert page.heading.is_elided() and page.heading.toolTip() == long_title
    assert page.picker.toolTip() == long_title
    chart = page.chart
    i = chart.data.categories.index("Maximilian Alexander Wolfgang Konstantin von Habsburg-Lothringen")
    ticks = dict(chart.plot.getAxis("left")._tickLevels[0])
    assert ticks[float(i)].endswith("…")
    vb = chart.plot.plotItem.vb
    axis = chart.plot.getAxis("left").sceneBoundingRect()
    on_name = QPointF(axis.center().x(), vb.mapViewToScene(QPointF(0.0, float(i))).y())
    assert chart.tooltip_at(on_name) == "Maximilian Alexander Wolfgang Konstantin von Habsburg-Lothringen"
    assert chart.tooltip_at(vb.mapViewToScene(QPointF(1.0, 0.0))) == "Ana Pérez · 20 points"
