"""The badge editor (issue 13): designs, colours and custom pictures with a live preview, the
criterion's fields per kind with the wording a student reads, the count of students who qualify,
and saving through the badge service."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from tracker.domain.badge_rules import Criterion, CriterionKind
from tracker.errors import Problem, ValidationError
from tracker.reports.badge_image import DESIGNS
from ui.context import AppContext
from ui.dialogs.badge_editor import BadgeEditor, open_badge_editor, qualify_text

from ..conftest import School
from .badge_support import chess_milestones, make_badge, milestones_rule, tick
from .conftest import settle


def editor(qtbot, ctx: AppContext, **kw) -> BadgeEditor:  # type: ignore[no-untyped-def]
    dialog = BadgeEditor(ctx, **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    assert dialog.loaded
    return dialog


def preview(dialog: BadgeEditor) -> QImage:
    return dialog.preview.pixmap().toImage()


def choose_kind(dialog: BadgeEditor, kind: CriterionKind) -> None:
    dialog.criterion.kind.setCurrentIndex(dialog.criterion.kind.findData(kind.value))


def wait_for_count(qtbot, ctx: AppContext, dialog: BadgeEditor) -> str:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not dialog.count_timer.isActive() and not ctx.tasks.busy
                    and not dialog.qualify.text().startswith("Counting"), timeout=10_000)
    return dialog.qualify.text()


def test_the_designs_grid_offers_every_design_and_the_arrow_keys_choose_one(qtbot, ctx, school):
    dialog = editor(qtbot, ctx, activity_id=school.chess)
    grid = dialog.designs
    assert grid.count() == len(DESIGNS) >= 12
    assert grid.design() == DESIGNS[0]
    before = preview(dialog)
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert grid.design() == DESIGNS[1]
    assert preview(dialog) != before  # the large preview shows the design chosen
    assert grid.item(1).toolTip() == DESIGNS[1].capitalize()


def test_changing_a_colour_redraws_the_preview_and_the_designs(qtbot, ctx, school):
    dialog = editor(qtbot, ctx, activity_id=school.chess)
    before, icon_before = preview(dialog), dialog.designs.item(3).icon().pixmap(40).toImage()
    dialog.primary.set_hex("#00AA00")
    dialog.primary.changed.emit()
    assert preview(dialog) != before
    assert dialog.designs.item(3).icon().pixmap(40).toImage() != icon_before
    assert dialog.badge_input().primary_colour == "#00aa00"


def test_each_kind_shows_its_own_fields_and_the_wording_follows(qtbot, ctx, school):
    dialog = editor(qtbot, ctx, activity_id=school.chess)
    form = dialog.criterion
    choose_kind(dialog, CriterionKind.POINTS)
    assert form.points.isVisible() and not form.streak.isVisible()
    form.points.setValue(40)
    assert dialog.wording.text() == "Earn 40 milestone points in Chess Club"
    choose_kind(dialog, CriterionKind.ATTENDANCE_STREAK)
    assert form.streak.isVisible() and not form.points.isVisible()
    form.streak.setValue(6)
    assert dialog.wording.text() == "Be present at 6 sessions in a row in Chess Club"
    choose_kind(dialog, CriterionKind.ATTENDANCE_RATE)
    assert form.percent.isVisible() and form.rate_from.isVisible() and form.rate_sessions.isVisible()
    assert "Attend at least 90% of sessions in Chess Club" in dialog.wording.text()
    choose_kind(dialog, CriterionKind.SKILL_LEVEL)
    assert form.skill.isVisible() and form.level.isVisible()
    choose_kind(dialog, CriterionKind.MANUAL)
    assert dialog.wording.text() == "Awarded by a teacher of Chess Club"
    assert not dialog.award_existing.isVisible()  # nothing to award by a rule


def test_specific_milestones_are_ticked_from_the_activitys_own_list(qtbot, ctx, school):
    chess_milestones(school, 3)
    dialog = editor(qtbot, ctx, activity_id=school.chess)
    settle(qtbot, ctx)
    form = dialog.criterion
    choose_kind(dialog, CriterionKind.MILESTONES)
    assert dialog.wording.text() == "Complete every milestone in Chess Club"
    form.these_milestones.setChecked(True)
    assert form.milestone_list.count() == 3
    assert not dialog.save_button.isEnabled()  # none ticked yet
    assert "Tick the milestones" in dialog.errors["criterion"].text()
    form.milestone_list.item(1).setCheckState(Qt.CheckState.Checked)
    assert dialog.save_button.isEnabled() or not dialog.name.text()
    assert dialog.wording.text() == "Complete Opening 2 in Chess Club"
    assert dialog.errors["criterion"].isHidden()


def test_a_bad_custom_image_is_refused_with_the_reason_under_the_picture(qtbot, ctx, school):
    dialog = editor(qtbot, ctx, activity_id=school.chess)
    before = preview(dialog)
    dialog.use_custom_image(b"GIF89a not a badge")
    settle(qtbot, ctx)
    assert dialog.errors["image"].isVisible()
    assert "not a PNG or SVG" in dialog.errors["image"].text()
    dialog.use_custom_image(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    settle(qtbot, ctx)
    assert "script" in dialog.errors["image"].text()
    assert preview(dialog) == before and dialog.custom_image is None


def test_a_good_custom_image_replaces_the_design_until_use_the_design(qtbot, ctx, school):
    dialog = editor(qtbot, ctx, activity_id=school.chess)
    before = preview(dialog)
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
           b'<rect width="10" height="10" fill="#ff0000"/></svg>')
    dialog.use_custom_image(svg)
    settle(qtbot, ctx)
    assert dialog.custom_image == svg and dialog.errors["image"].isHidden()
    centre = preview(dialog).pixelColor(74, 74)
    assert (centre.red(), centre.green(), centre.blue()) == (255, 0, 0)
    assert dialog.design_button.isEnabled()
    qtbot.mouseClick(dialog.design_button, Qt.MouseButton.LeftButton)
    assert dialog.custom_image is None and preview(dialog) == before


def test_the_count_of_students_who_qualify_is_shown_and_save_awards_them(qtbot, ctx, school):
    [first] = chess_milestones(school, 1)
    tick(school, first, school.student.id)  # Sam completes every milestone; Olga none
    dialog = editor(qtbot, ctx, activity_id=school.chess)
    settle(qtbot, ctx)
    choose_kind(dialog, CriterionKind.MILESTONES)
    assert wait_for_count(qtbot, ctx, dialog) == "1 student qualifies now"  # counted before it has a name
    assert not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.name, "Chess starter")
    assert dialog.award_existing.isChecked()
    assert dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert dialog.result_value is not None and dialog.result_value.newly_awarded == 1
    saved = [b for b in school.services.badges.list_badges(school.admin, school.chess) if b.name == "Chess starter"]
    assert len(saved) == 1 and saved[0].criterion == Criterion(CriterionKind.MILESTONES)
    assert saved[0].awarded_count == 1
    held = school.services.badges.student_badges(school.admin, school.student.id).earned
    assert [a.badge_name for a in held] == ["Chess starter"]


def test_save_is_disabled_until_the_badge_has_a_name_and_ctrl_s_saves(qtbot, ctx, school):
    dialog = editor(qtbot, ctx, activity_id=school.chess)
    assert not dialog.save_button.isEnabled()
    assert dialog.status.full_text() == "A badge needs a name."
    assert dialog.errors["name"].isHidden()  # not in red before the field was touched
    qtbot.keyClicks(dialog.name, "x")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Backspace)
    assert dialog.errors["name"].isVisible() and dialog.errors["name"].text() == "A badge needs a name."
    qtbot.keyClicks(dialog.name, "Good sport")
    assert dialog.save_button.isEnabled()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ctx)
    names = [b.name for b in school.services.badges.list_badges(school.admin, school.chess)]
    assert names == ["Good sport"]


def test_an_administrator_may_make_a_school_wide_badge_and_a_lead_only_their_activities(qtbot, make_ctx,
                                                                                         school: School):
    admin = editor(qtbot, make_ctx(school.admin))
    choices = [admin.activity.itemText(i) for i in range(admin.activity.count())]
    assert choices[0] == "School-wide" and "Chess Club" in choices and "Drama" in choices
    lead = editor(qtbot, make_ctx(school.teacher))
    assert [lead.activity.itemText(i) for i in range(lead.activity.count())] == ["Chess Club"]


def test_a_school_wide_badge_cannot_count_milestones(qtbot, ctx, school):
    dialog = editor(qtbot, ctx)
    assert dialog.activity.currentText() == "School-wide"
    qtbot.keyClicks(dialog.name, "Everything")
    choose_kind(dialog, CriterionKind.MILESTONES)
    assert not dialog.save_button.isEnabled()
    assert "choose the activity this badge is for" in dialog.errors["activity"].text()
    choose_kind(dialog, CriterionKind.ACTIVITIES_COMPLETED)
    assert dialog.errors["activity"].isHidden() and dialog.save_button.isEnabled()
    assert dialog.wording.text() == "Complete 3 activities"


def test_editing_shows_the_stored_badge_and_saves_the_change(qtbot, ctx, school):
    badge = make_badge(school, "Streaker", activity_id=school.chess, design="rocket",
                       criterion=Criterion(CriterionKind.ATTENDANCE_STREAK, count=8), description="In a row")
    dialog = open_badge_editor(None, ctx, badge_id=badge.id)
    qtbot.addWidget(dialog)
    settle(qtbot, ctx)
    assert dialog.windowTitle() == "Edit badge: Streaker"
    assert dialog.name.text() == "Streaker" and dialog.description.toPlainText() == "In a row"
    assert dialog.designs.design() == "rocket"
    assert dialog.criterion.current_kind() is CriterionKind.ATTENDANCE_STREAK
    assert dialog.criterion.streak.value() == 8
    assert not dialog.award_existing.isChecked()
    assert wait_for_count(qtbot, ctx, dialog) == qualify_text(0, editing=True)
    dialog.criterion.streak.setValue(5)
    dialog.save()
    settle(qtbot, ctx)
    assert school.services.badges.get(school.admin, badge.id).criterion.count == 5


def test_the_service_refusing_shows_the_problem_at_its_field_and_the_dialog_stays(qtbot, ctx, school,
                                                                                   monkeypatch):
    def refuse(*_args, **_kw):  # type: ignore[no-untyped-def]
        raise ValidationError("The badge was not saved.",
                              [Problem("There is already a badge called 'Twin'.", field="name")])

    monkeypatch.setattr(school.services.badges, "save", refuse)
    dialog = editor(qtbot, ctx, activity_id=school.chess)
    qtbot.keyClicks(dialog.name, "Twin")
    dialog.save()
    settle(qtbot, ctx)
    assert dialog.isVisible() and dialog.result_value is None
    assert dialog.errors["name"].isVisible()
    assert dialog.errors["name"].text() == "There is already a badge called 'Twin'."
    assert dialog.save_button.isEnabled()  # may try again


def test_qualify_text_reads_naturally():
    assert qualify_text(0, editing=False) == "Nobody qualifies now"
    assert qualify_text(1, editing=False) == "1 student qualifies now"
    assert qualify_text(23, editing=False) == "23 students qualify now"


def test_milestones_rule_helper_matches_the_editor(qtbot, ctx, school):
    chess_milestones(school, 4)
    dialog = editor(qtbot, ctx, activity_id=school.chess)
    choose_kind(dialog, CriterionKind.MILESTONES)
    dialog.criterion.some_milestones.setChecked(True)
    dialog.criterion.milestone_count.setValue(2)
    assert dialog.criterion.criterion() == milestones_rule(2)
    assert dialog.wording.text() == "Complete 2 milestones in Chess Club"
