"""An activity's Badges tab (issue 13): who holds which badge, award and revoke from the tab,
Save badge… as a baked PNG, the actions following the policy, and the roster's Badges column."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tracker.domain.badge_rules import Criterion, CriterionKind
from tracker.domain.open_badges import verify_credential
from ui.context import AppContext
from ui.dialogs.award_dialog import AwardDialog
from ui.dialogs.reason_dialog import ReasonDialog
from ui.models.badges import WhoHasWhatModel
from ui.models.roster import RosterModel
from ui.views.activity_badges import BadgesTab
from ui.views.activity_detail import ActivityDetailPage
from ui.views.activity_roster import RosterTab
from ui.widgets.style import day

from ..conftest import School
from .badge_support import answer_save_as, award, baked_credential, make_badge
from .conftest import settle


def show_tab(qtbot, ctx: AppContext, tab):  # type: ignore[no-untyped-def]
    """Show a tab (it reads when first shown) and wait for its load."""
    qtbot.addWidget(tab)
    tab.resize(1100, 600)
    tab.show()
    settle(qtbot, ctx)
    return tab


def badges_tab(qtbot, ctx: AppContext, school: School) -> BadgesTab:  # type: ignore[no-untyped-def]
    return show_tab(qtbot, ctx, BadgesTab(ctx, school.chess))


def cell(tab: BadgesTab, student: str, badge: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    row = next(r for r in range(tab.proxy.rowCount()) if tab.proxy.index(r, 0).data() == student)
    column = next(c for c in range(1, tab.proxy.columnCount())
                  if tab.proxy.headerData(c, Qt.Orientation.Horizontal) == badge)
    return tab.proxy.index(row, column).data(role)


def test_no_badges_yet_shows_the_empty_state_with_new_badge(qtbot, ctx, school):
    tab = badges_tab(qtbot, ctx, school)
    assert tab.stack.currentWidget() is tab.empty
    assert tab.empty.title_label.text() == "No badges yet"
    assert "New badge…" in tab.empty.message_label.text()
    assert tab.new_action.isVisible() and tab.new_action.isEnabled()


def test_who_has_what_shows_a_tick_and_the_date_with_the_note_in_the_tooltip(qtbot, ctx, school):
    badge = make_badge(school, "Fair play", activity_id=school.chess)
    make_badge(school, "School spirit")  # school-wide: a column here too
    given = award(school, badge, school.student.id, note="Helped a beginner")
    tab = badges_tab(qtbot, ctx, school)
    assert tab.stack.currentWidget() is tab.table
    headers = [tab.proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(tab.proxy.columnCount())]
    assert headers == ["Student", "School spirit", "Fair play"]
    assert cell(tab, "Sam Student", "Fair play") == f"✓ {day(given.awarded_at)}"
    assert cell(tab, "Olga Other", "Fair play") == ""
    tip = str(cell(tab, "Sam Student", "Fair play", Qt.ItemDataRole.ToolTipRole))
    assert "awarded by Ada Admin" in tip and "Note: Helped a beginner" in tip
    assert tab.counts.full_text() == "2 students · 2 badges, 1 award"
    header_tip = tab.proxy.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Fair play" in header_tip and "How to earn it: Awarded by a teacher of Chess Club" in header_tip


def test_the_filter_box_narrows_the_students(qtbot, ctx, school):
    make_badge(school, "Fair play", activity_id=school.chess)
    tab = badges_tab(qtbot, ctx, school)
    qtbot.keyClicks(tab.search, "olga")
    tab.search.flush()
    assert tab.proxy.rowCount() == 1 and tab.proxy.index(0, 0).data() == "Olga Other"
    assert tab.counts.full_text().startswith("1 of 2 students")


def test_award_from_the_tab_with_a_note(qtbot, ctx, school):
    make_badge(school, "Fair play", activity_id=school.chess)
    tab = badges_tab(qtbot, ctx, school)
    tab.select_cell(school.other_student.id, tab.model.badges[0].id)
    dialog = tab.award()
    assert isinstance(dialog, AwardDialog)
    assert dialog.badge.currentText() == "Fair play"
    assert dialog.chosen_students() == [school.other_student.id]  # the selected student, ticked
    assert not dialog.ok.isEnabled()  # the note is required
    qtbot.keyClicks(dialog.note, "Good sportsmanship")
    assert dialog.ok.isEnabled()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    held = school.services.badges.student_badges(school.admin, school.other_student.id).earned
    assert [(a.badge_name, a.note) for a in held] == [("Fair play", "Good sportsmanship")]
    assert tab.message.text() == "Fair play awarded to 1 student."
    assert str(cell(tab, "Olga Other", "Fair play")).startswith("✓ ")  # the tab reloaded


def test_the_award_dialog_greys_out_who_already_has_the_badge(qtbot, ctx, school):
    badge = make_badge(school, "Fair play", activity_id=school.chess)
    award(school, badge, school.student.id)
    tab = badges_tab(qtbot, ctx, school)
    dialog = tab.award()
    assert isinstance(dialog, AwardDialog)
    texts = [dialog.students.item(i).text() for i in range(dialog.students.count())]
    assert "Sam Student  (has it)" in texts
    sam = dialog.students.item(texts.index("Sam Student  (has it)"))
    assert not sam.flags() & Qt.ItemFlag.ItemIsEnabled


def test_revoke_from_the_tab_asks_why_and_the_cell_says_revoked(qtbot, ctx, school):
    badge = make_badge(school, "Fair play", activity_id=school.chess)
    award(school, badge, school.student.id)
    tab = badges_tab(qtbot, ctx, school)
    assert tab.select_cell(school.student.id, badge.id)
    assert tab.revoke_action.isEnabled() and tab.save_action.isEnabled()
    assert tab.selection.full_text().startswith("Sam Student · Fair play, since ")
    dialog = tab.revoke()
    assert isinstance(dialog, ReasonDialog)
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.reason, "Given by mistake")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    revoked = school.services.badges.student_badges(school.admin, school.student.id).revoked
    assert [(a.badge_name, a.revoke_reason) for a in revoked] == [("Fair play", "Given by mistake")]
    assert cell(tab, "Sam Student", "Fair play") == "revoked"
    assert "Given by mistake" in str(cell(tab, "Sam Student", "Fair play", Qt.ItemDataRole.ToolTipRole))
    tab.select_cell(school.student.id, badge.id)
    assert not tab.revoke_action.isEnabled() and not tab.save_action.isEnabled()


def test_save_badge_writes_a_png_baked_with_a_credential_that_verifies(qtbot, ctx, school, monkeypatch,
                                                                         tmp_path: Path):
    badge = make_badge(school, "Fair play", activity_id=school.chess)
    given = award(school, badge, school.student.id)
    target = tmp_path / "fair play.png"
    asked = answer_save_as(monkeypatch, target)
    tab = badges_tab(qtbot, ctx, school)
    tab.select_cell(school.student.id, badge.id)
    assert tab.save_badge()
    settle(qtbot, ctx)
    assert Path(asked[0]).name == f"Fair play-{given.awarded_at:%Y-%m-%d}.png"
    token = baked_credential(target)
    assert token is not None
    claims = verify_credential(token)
    assert "Fair play" in str(claims)
    assert tab.message.text() == "Saved fair play.png"


def test_actions_follow_the_policy(qtbot, make_ctx, school):
    badge = make_badge(school, "Fair play", activity_id=school.chess)
    school_wide = make_badge(school, "School spirit")
    lead = badges_tab(qtbot, make_ctx(school.teacher), school)
    assert lead.new_action.isVisible() and lead.award_action.isVisible()
    lead.select_cell(school.student.id, badge.id)
    assert lead.edit_action.isEnabled()
    lead.select_cell(school.student.id, school_wide.id)
    assert not lead.edit_action.isEnabled()  # a school-wide badge is the administrators'
    stranger = badges_tab(qtbot, make_ctx(school.other_teacher), school)
    assert not stranger.new_action.isVisible() and not stranger.award_action.isVisible()
    assert not stranger.edit_action.isVisible() and not stranger.revoke_action.isVisible()


def test_a_student_and_a_parent_get_no_badges_tab_on_an_activity(qtbot, make_ctx, school):
    for actor in (school.student, school.parent):
        page = ActivityDetailPage(make_ctx(actor), school.chess)
        qtbot.addWidget(page)
        assert page.badges is None
    page = ActivityDetailPage(make_ctx(school.teacher), school.chess)
    qtbot.addWidget(page)
    assert page.badges is not None
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())].count("Badges") == 1


def test_archive_from_the_tab(qtbot, ctx, school):
    badge = make_badge(school, "Fair play", activity_id=school.chess)
    award(school, badge, school.student.id)
    tab = badges_tab(qtbot, ctx, school)
    tab.select_cell(school.student.id, badge.id)
    qtbot.mouseClick(next(b for b in tab.cell_bar.buttons if b.text() == "Archive"), Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert school.services.badges.get(school.admin, badge.id).archived
    headers = [tab.proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(tab.proxy.columnCount())]
    assert "Fair play" in headers  # still held here: the column stays, greyed
    tab.select_cell(school.student.id, badge.id)
    assert tab.archive_action.text() == "Unarchive"


def test_the_model_passes_the_model_tester(qtbot, qtmodeltester, ctx, school):
    badge = make_badge(school, "Fair play", activity_id=school.chess)
    award(school, badge, school.student.id)
    tab = badges_tab(qtbot, ctx, school)
    assert isinstance(tab.model, WhoHasWhatModel)
    qtmodeltester.check(tab.model)


def test_the_roster_counts_each_students_badges(qtbot, ctx, school):
    rule = make_badge(school, "Any milestone", activity_id=school.chess,
                      criterion=Criterion(CriterionKind.MILESTONES, count=1))
    manual = make_badge(school, "Fair play", activity_id=school.chess)
    award(school, manual, school.student.id)
    m = school.services.milestones.create_milestone(school.admin, school.chess, title="Openings", points=5)
    school.services.milestones.complete_milestone(school.admin, m.id, school.student.id)  # the rule awards
    assert rule.id in {a.badge_id for a in school.services.badges.student_badges(
        school.admin, school.student.id).earned}
    tab = show_tab(qtbot, ctx, RosterTab(ctx, school.chess))
    model = tab.model
    assert model.headerData(RosterModel.BADGES, Qt.Orientation.Horizontal) == "Badges"
    rows = {model.record(r).student_id: r for r in range(model.rowCount())}
    assert model.index(rows[school.student.id], RosterModel.BADGES).data() == "2"
    assert model.index(rows[school.other_student.id], RosterModel.BADGES).data() == "—"
    assert model.index(rows[school.student.id], RosterModel.BADGES).data(Qt.ItemDataRole.ToolTipRole) == \
        "2 badges from this activity"
    award(school, manual, school.other_student.id)
    from tracker.domain.changes import ChangeKind, Changes

    changes = Changes()
    changes.add(ChangeKind.BADGE, manual.id)
    ctx.events.publish(changes, None)  # as the write would: the roster reloads
    settle(qtbot, ctx)
    assert model.index(rows[school.other_student.id], RosterModel.BADGES).data() == "1"
