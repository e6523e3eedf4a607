"""A student's badges (issue 13) on their dashboard and Progress page, and their parents': the
badges earned, the next ones within reach with what is missing, Save badge… and Export all."""

from __future__ import annotations

import zipfile
from pathlib import Path

from PySide6.QtCore import Qt

from tracker.domain.badge_rules import Criterion, CriterionKind
from ui.context import AppContext
from ui.views.dashboard import DashboardPage
from ui.views.my_progress import MyProgressPage
from ui.views.student_badges import StudentBadgesView
from ui.widgets.badge_picture import BadgeArt, BadgeTile, TileFace, badge_pixmap
from ui.widgets.style import day

from ..conftest import School
from .badge_support import answer_save_as, award, baked_credential, chess_milestones, make_badge, tick
from .conftest import settle, show_page


def earned_and_within_reach(school: School) -> None:
    """Sam holds "Fair play" (by hand) and has done 2 of the 3 milestones "Chess master" asks for."""
    fair = make_badge(school, "Fair play", activity_id=school.chess, description="Plays by the rules")
    award(school, fair, school.student.id, note="Shook hands after every game")
    ids = chess_milestones(school, 4)
    make_badge(school, "Chess master", activity_id=school.chess, design="trophy",
               criterion=Criterion(CriterionKind.MILESTONES, count=3))
    tick(school, ids[0], school.student.id)
    tick(school, ids[1], school.student.id)


def badges_view(qtbot, ctx: AppContext, student_id: int) -> StudentBadgesView:  # type: ignore[no-untyped-def]
    view = StudentBadgesView(ctx, student_id)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    settle(qtbot, ctx)
    return view


def names(view_shelf) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.name for f in view_shelf.faces()]


def test_a_student_sees_earned_badges_and_those_within_reach_with_what_is_missing(qtbot, make_ctx, school):
    earned_and_within_reach(school)
    ctx = make_ctx(school.student)
    view = badges_view(qtbot, ctx, school.student.id)
    assert names(view.earned) == ["Fair play"]
    assert view.summary.full_text() == "1 earned · 10 points"
    [tile] = view.earned.tiles
    assert tile.face.earned and tile.line_shown().startswith(day(
        school.services.badges.student_badges(school.admin, school.student.id).earned[0].awarded_at))
    assert "Plays by the rules" in tile.toolTip() and "Shook hands after every game" in tile.toolTip()
    assert names(view.reach) == ["Chess master"]
    [near] = view.reach.faces()
    assert not near.earned and near.line == "Missing: 1 more milestone in Chess Club"
    assert near.fraction is not None and abs(near.fraction - 2 / 3) < 0.01
    assert "Complete 3 milestones in Chess Club" in view.reach.tiles[0].toolTip()
    assert view.export_button.text() == "Export all my badges…"


def test_nothing_earned_yet_says_so(qtbot, make_ctx, school):
    ctx = make_ctx(school.student)
    view = badges_view(qtbot, ctx, school.student.id)
    assert view.summary.full_text() == "None earned yet"
    assert view.none_yet.isVisible() and "the ones you earn show here" in view.none_yet.text()
    assert not view.save_button.isEnabled() and not view.export_button.isEnabled()
    assert not view.reach_title.isVisible()


def test_a_long_badge_name_is_elided_on_its_tile_and_whole_in_the_tooltip(qtbot):
    face = TileFace("The Extraordinarily Persistent Chess Opening Explorer", "3 Mar 2026", BadgeArt(),
                    description="Learnt twelve openings", criteria="Complete 12 milestones in Chess Club")
    tile = BadgeTile(face)
    qtbot.addWidget(tile)
    assert tile.name_shown().endswith("…") and len(tile.name_shown()) < len(face.name)
    assert tile.toolTip().splitlines()[:3] == [face.name, "Learnt twelve openings",
                                               "How to earn it: Complete 12 milestones in Chess Club"]
    assert tile.accessibleName() == f"Badge {face.name}"


def test_a_badge_not_earned_is_drawn_in_grey():
    art = BadgeArt("star", "#1f5fbf", "#f4b400")
    colour_image = badge_pixmap(art, 64).toImage()
    grey_image = badge_pixmap(art, 64, grey=True).toImage()

    def most_saturated(image) -> int:  # type: ignore[no-untyped-def]
        return max(image.pixelColor(x, y).saturation() for x in range(64) for y in range(64)
                   if image.pixelColor(x, y).alpha() > 200)

    assert most_saturated(colour_image) > 100 and most_saturated(grey_image) < 10
    assert grey_image.pixelColor(0, 0).alpha() == 0  # the corners stay transparent


def test_the_keyboard_moves_through_the_badges_and_enter_saves_a_png_with_its_credential(
        qtbot, make_ctx, school, monkeypatch, tmp_path: Path):
    earned_and_within_reach(school)
    second = make_badge(school, "Regular", activity_id=school.chess)
    award(school, second, school.student.id)
    ctx = make_ctx(school.student)
    view = badges_view(qtbot, ctx, school.student.id)
    assert names(view.earned) == ["Regular", "Fair play"]  # newest first
    view.earned.setFocus()
    assert view.current_award() is not None and view.current_award().badge_name == "Regular"
    qtbot.keyClick(view.earned, Qt.Key.Key_Right)
    assert view.current_award().badge_name == "Fair play"
    assert view.save_button.isEnabled()
    target = tmp_path / "fair-play.png"
    answer_save_as(monkeypatch, target)
    qtbot.keyClick(view.earned, Qt.Key.Key_Return)
    settle(qtbot, ctx)
    assert target.is_file()
    assert baked_credential(target) is not None  # the openbadgecredential iTXt chunk
    assert view.message.text() == "Saved fair-play.png"


def test_save_badge_as_svg(qtbot, make_ctx, school, monkeypatch, tmp_path: Path):
    earned_and_within_reach(school)
    ctx = make_ctx(school.student)
    view = badges_view(qtbot, ctx, school.student.id)
    view.earned.set_current(0)
    target = tmp_path / "fair.svg"
    answer_save_as(monkeypatch, target)
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    text = target.read_text("utf-8")
    assert "openbadges:credential" in text and "<svg" in text


def test_export_all_my_badges_writes_a_zip(qtbot, make_ctx, school, monkeypatch, tmp_path: Path):
    earned_and_within_reach(school)
    ctx = make_ctx(school.student)
    view = badges_view(qtbot, ctx, school.student.id)
    target = tmp_path / "mine.zip"
    asked = answer_save_as(monkeypatch, target)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert Path(asked[0]).name.startswith("Badges of Sam Student-")
    with zipfile.ZipFile(target) as archive:
        files = sorted(archive.namelist())
    assert len(files) == 2 and files[0].startswith("Fair play-") and files[0].endswith(".png")
    assert files[1].endswith(".svg")


def test_the_students_dashboard_shows_their_badges(qtbot, make_ctx, school):
    earned_and_within_reach(school)
    ctx = make_ctx(school.student)
    page = show_page(qtbot, ctx, DashboardPage(ctx), width=1100)
    views = page.learner.findChildren(StudentBadgesView)  # type: ignore[union-attr]
    assert len(views) == 1 and views[0].compact
    settle(qtbot, ctx)
    assert names(views[0].earned) == ["Fair play"] and names(views[0].reach) == ["Chess master"]


def test_a_parent_sees_each_childs_badges_on_the_dashboard_and_may_export_them(qtbot, make_ctx, school):
    earned_and_within_reach(school)
    ctx = make_ctx(school.parent)
    page = show_page(qtbot, ctx, DashboardPage(ctx), width=1100)
    settle(qtbot, ctx)
    [view] = page.learner.findChildren(StudentBadgesView)  # type: ignore[union-attr]
    assert view.student_id == school.student.id
    assert names(view.earned) == ["Fair play"]
    assert view.export_button.text() == "Export all badges…"
    assert view.export_button.isEnabled()
    assert "Sam Student" in view.export_button.accessibleName()


def test_the_progress_page_has_a_badges_tab_that_follows_the_child_chosen(qtbot, make_ctx, school):
    earned_and_within_reach(school)
    school.services.people.link_guardian(school.admin, school.parent.id, school.other_student.id)
    ctx = make_ctx(school.parent)
    page = show_page(qtbot, ctx, MyProgressPage(ctx))
    assert page.badges is None  # built when first opened
    page.choose_child(school.student.id)
    view = page.show_badges()
    settle(qtbot, ctx)
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Badges"
    assert names(view.earned) == ["Fair play"]
    page.choose_child(school.other_student.id)
    settle(qtbot, ctx)
    assert view.student_id == school.other_student.id
    assert names(view.earned) == [] and view.summary.full_text() == "None earned yet"


def test_a_new_award_shows_without_reopening(qtbot, make_ctx, school):
    fair = make_badge(school, "Fair play", activity_id=school.chess)
    ctx = make_ctx(school.student)
    view = badges_view(qtbot, ctx, school.student.id)
    assert names(view.earned) == []
    from tracker.services.outcome import perform

    written = perform(lambda: award(school, fair, school.student.id))
    ctx.events.publish(written.changes)  # as the teacher's workstation would
    settle(qtbot, ctx)
    assert names(view.earned) == ["Fair play"]
