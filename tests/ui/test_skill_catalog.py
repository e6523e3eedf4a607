"""An administrator manages the school-wide skill catalog and its rubrics on the Skills page."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.conftest import School
from tests.ui.conftest import settle, show_page
from ui.dialogs.rubric_dialog import NAME, RubricDialog
from ui.dialogs.skill_dialog import SkillDialog
from ui.main_window import MainWindow
from ui.views.registry import pages_for
from ui.views.skill_catalog import CatalogModel, SkillCatalogPage


@pytest.fixture
def page(qtbot, ctx) -> SkillCatalogPage:  # type: ignore[no-untyped-def]
    return show_page(qtbot, ctx, SkillCatalogPage(ctx))


def names(page: SkillCatalogPage) -> list[str]:
    return [page.proxy.record(r).name for r in range(page.proxy.rowCount())]


def save(qtbot, ctx, dialog) -> bool:  # type: ignore[no-untyped-def]
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    return bool(accepted)


def test_empty_catalog_says_what_to_do(page: SkillCatalogPage) -> None:
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title_label.text() == "No skills yet"
    assert "New skill" in page.empty.message_label.text()
    assert not page.edit_action.isEnabled() and not page.rubric_action.isEnabled()


def test_admin_creates_a_skill_and_it_appears_selected(qtbot, page: SkillCatalogPage, ctx,
                                                      school: School) -> None:
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = page.findChild(SkillDialog)
    assert isinstance(dialog, SkillDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.name, "Public speaking")
    qtbot.keyClicks(dialog.category, "Communication")
    dialog.description.setPlainText("Speaks clearly to a group.")
    assert save(qtbot, ctx, dialog)
    assert names(page) == ["Public speaking"]
    assert page.stack.currentWidget() is page.table
    k = page.selected()
    assert k is not None and (k.category, k.own_levels, k.activities) == ("Communication", 0, 0)
    assert page.model.index(0, CatalogModel.RUBRIC).data() == "School default"
    assert page.panel.name.text() == "Public speaking"
    assert "Beginning" in page.panel.levels.text()  # the default rubric in the panel
    assert [s.name for s in school.services.skills.list_skills(school.admin)] == ["Public speaking"]


def test_duplicate_name_shows_an_error_under_the_field_and_changes_nothing(
        qtbot, page: SkillCatalogPage, ctx, school: School) -> None:
    skills = school.services.skills
    skills.create_skill(school.admin, "Teamwork", "Social")
    coding = skills.create_skill(school.admin, "Coding", "Technical")
    page.refresh()
    settle(qtbot, ctx)
    assert page.select_skill(coding.id)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)  # Enter edits
    dialog = page.findChild(SkillDialog)
    assert isinstance(dialog, SkillDialog) and dialog.name.text() == "Coding"
    dialog.name.setText("Teamwork")
    assert not save(qtbot, ctx, dialog)
    assert dialog.isVisible()
    label, _widget = dialog.field_errors["name"]
    assert label.isVisibleTo(dialog) and "already a skill called 'Teamwork'" in label.text()
    assert dialog.name.property("invalid")
    assert sorted(k.name for k in skills.list_skills(school.admin)) == ["Coding", "Teamwork"]
    dialog.reject()


def test_edit_the_school_default_rubric(qtbot, page: SkillCatalogPage, ctx, school: School) -> None:
    dialog = page.edit_default_rubric()
    settle(qtbot, ctx)
    assert isinstance(dialog, RubricDialog) and not dialog.use_default.isVisibleTo(dialog)
    assert [n for _l, n, _d in dialog.levels()] == ["Beginning", "Developing", "Proficient", "Advanced"]
    dialog.table.item(3, NAME).setText("Expert")
    row = dialog.add_level()
    assert dialog.levels()[row][0] == 5
    dialog.table.item(row, NAME).setText("Mentor")
    assert save(qtbot, ctx, dialog)
    assert [r.name for r in school.services.skills.rubric(school.admin)] == [
        "Beginning", "Developing", "Proficient", "Expert", "Mentor"]


def test_a_skill_gets_levels_of_its_own_and_goes_back_to_the_default(
        qtbot, page: SkillCatalogPage, ctx, school: School) -> None:
    skills = school.services.skills
    coding = skills.create_skill(school.admin, "Coding", "Technical")
    page.refresh()
    settle(qtbot, ctx)
    page.select_skill(coding.id)
    dialog = page.edit_rubric()
    settle(qtbot, ctx)
    assert isinstance(dialog, RubricDialog) and dialog.use_default.isChecked()
    assert not dialog.table.isEnabled()
    dialog.use_default.setChecked(False)  # starts from a copy of the default
    assert dialog.table.isEnabled() and len(dialog.levels()) == 4
    dialog.table.selectRow(3)
    dialog.remove_selected()
    dialog.table.item(0, NAME).setText("Novice")
    assert save(qtbot, ctx, dialog)
    assert [r.name for r in skills.rubric(school.admin, coding.id)] == ["Novice", "Developing", "Proficient"]
    assert len(skills.rubric(school.admin)) == 4  # the default is untouched
    assert page.selected().own_levels == 3  # type: ignore[union-attr]
    assert page.model.index(0, CatalogModel.RUBRIC).data() == "Own, 3 levels"
    qtbot.waitUntil(lambda: "Novice" in page.panel.levels.text())

    dialog = page.edit_rubric()
    settle(qtbot, ctx)
    assert not dialog.use_default.isChecked()
    assert [n for _l, n, _d in dialog.levels()] == ["Novice", "Developing", "Proficient"]
    dialog.use_default.setChecked(True)
    assert save(qtbot, ctx, dialog)
    assert len(skills.rubric(school.admin, coding.id)) == 4
    assert page.selected().own_levels == 0  # type: ignore[union-attr]


def test_a_level_in_use_cannot_be_removed_and_the_error_shows_under_the_table(
        qtbot, page: SkillCatalogPage, ctx, school: School) -> None:
    skills = school.services.skills
    k = skills.create_skill(school.admin, "Strategy")
    skills.assess(school.teacher, school.chess, [school.student.id], k.id, 4)
    dialog = page.edit_default_rubric()
    settle(qtbot, ctx)
    dialog.table.selectRow(3)
    dialog.remove_selected()
    assert not save(qtbot, ctx, dialog)
    label, _w = dialog.field_errors["level"]
    assert label.isVisibleTo(dialog) and "Level 4 cannot be removed" in label.text()
    assert len(skills.rubric(school.admin)) == 4
    dialog.reject()


def test_search_filters_and_says_when_nothing_matches(qtbot, page: SkillCatalogPage, ctx,
                                                      school: School) -> None:
    skills = school.services.skills
    skills.create_skill(school.admin, "Teamwork", "Social", "Works with others")
    skills.create_skill(school.admin, "Coding", "Technical")
    page.refresh()
    settle(qtbot, ctx)
    assert page.count.text() == "2 skills"
    qtbot.keyClicks(page.search, "others")  # matches the description
    qtbot.waitUntil(lambda: names(page) == ["Teamwork"])
    assert page.count.text() == "1 of 2 skills"
    page.search.setText("nothing like this")
    page.search.flush()
    assert page.stack.currentWidget() is page.empty
    assert "No skill matches" in page.empty.title_label.text()


def test_delete_an_unused_skill_but_not_one_in_use(qtbot, page: SkillCatalogPage, ctx, school: School,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    skills = school.services.skills
    typo = skills.create_skill(school.admin, "Tamwork")
    used = skills.create_skill(school.admin, "Focus")
    skills.set_activity_skills(school.teacher, school.chess, [(used.id, None)])
    page.refresh()
    settle(qtbot, ctx)
    page.select_skill(used.id)
    assert page.selected().activities == 1  # type: ignore[union-attr]
    assert not page.delete_action.isEnabled()
    page.select_skill(typo.id)
    assert page.delete_action.isEnabled()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.delete_action.trigger()
    settle(qtbot, ctx)
    assert names(page) == ["Focus"]


def test_teacher_does_not_see_the_page_and_the_service_refuses(make_ctx, school: School) -> None:
    assert "skill-catalog" in [p.key for p in pages_for(school.admin)]
    for who in (school.teacher, school.student, school.parent):
        assert "skill-catalog" not in [p.key for p in pages_for(who)]
    from tracker.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        school.services.skills.create_skill(school.teacher, "Coding")


def test_teacher_main_window_has_no_skills_page(qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.teacher)
    window = MainWindow(ctx, persist=False, idle_timeout_ms=0)
    qtbot.addWidget(window)
    window.show()
    settle(qtbot, ctx)
    assert "skill-catalog" not in window.page_keys


def test_catalog_model_passes_the_model_tester(qtmodeltester, page: SkillCatalogPage, qtbot, ctx,
                                               school: School) -> None:
    school.services.skills.create_skill(school.admin, "Teamwork", "Social")
    page.refresh()
    settle(qtbot, ctx)
    qtmodeltester.check(page.model)


def test_panel_shows_a_skills_own_levels_after_each_edit(qtbot, page: SkillCatalogPage, ctx,
                                                         school: School) -> None:
    skills = school.services.skills
    k = skills.create_skill(school.admin, "Coding")
    skills.set_rubric(school.admin, k.id, [(1, "Novice", ""), (2, "Expert", "Helps others")])
    page.refresh()
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: "Novice" in page.panel.levels.text())
    assert "Helps others" in page.panel.levels.text()
    dialog = page.edit_rubric()
    settle(qtbot, ctx)
    dialog.table.item(0, NAME).setText("Starter")
    assert save(qtbot, ctx, dialog)
    qtbot.waitUntil(lambda: "Starter" in page.panel.levels.text())
    assert page.panel.rubric_title.text() == "Rubric of its own"


def test_keyboard_focus_lands_in_the_catalog_and_enter_in_search_opens_the_only_match(
        qtbot, page: SkillCatalogPage, ctx, school: School) -> None:
    skills = school.services.skills
    skills.create_skill(school.admin, "Teamwork", "Social")
    skills.create_skill(school.admin, "Coding", "Technical")
    page.refresh()
    settle(qtbot, ctx)
    page.focus_main()
    assert page.table.hasFocus() and page.selected() is not None
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    assert page.selected().name == "Teamwork"  # type: ignore[union-attr]
    page.search.setFocus()
    qtbot.keyClicks(page.search, "cod")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    dialogs = [d for d in page.findChildren(SkillDialog) if d.isVisible()]
    assert len(dialogs) == 1 and page.selected().name == "Coding"  # type: ignore[union-attr]
    dialogs[0].reject()


def test_the_catalog_fits_a_1024_screen_without_scrolling_sideways(qtbot, ctx, school: School) -> None:
    school.services.skills.create_skill(school.admin, "Teamwork", "Social")
    page = show_page(qtbot, ctx, SkillCatalogPage(ctx), width=792)
    header = page.table.horizontalHeader()
    assert header.length() <= page.table.viewport().width()
    assert not header.isSectionHidden(CatalogModel.NAME)
