"""One student's checklist with notes / evidence, opened from the Milestones tab (issue 5)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox

from tests.conftest import School
from tests.ui.conftest import settle
from ui.views.activity_milestones import MilestonesTab
from ui.views.student_checklist import LOCKED_HINT, StudentChecklistDialog


def _milestones(school: School) -> list[int]:
    ms = school.services.milestones
    return [ms.create_milestone(school.admin, school.chess, title=t, points=p).id
            for t, p in (("Rules", 10), ("Openings", 20), ("Endgames", 30))]


def _tab(qtbot, ctx, activity: int) -> MilestonesTab:  # type: ignore[no-untyped-def]
    tab = MilestonesTab(ctx, activity)
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()
    tab.refresh()
    settle(qtbot, ctx)
    return tab


def _settle(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    """A write, then the reloads it publishes."""
    for _ in range(3):
        settle(qtbot, ctx)


def _stored(school: School) -> dict:
    return school.services.milestones.checklist(school.admin, school.chess).done


def _open_by_double_click(qtbot, tab: MilestonesTab, student_id: int) -> StudentChecklistDialog:  # type: ignore[no-untyped-def]
    index = tab.model.index(tab.model.row_of(student_id), 0)
    centre = tab.table.visualRect(index).center()
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    panel = tab.student_panel
    assert isinstance(panel, StudentChecklistDialog)
    qtbot.waitUntil(panel.isVisible)
    return panel


def test_teacher_keeps_notes_ticks_and_unticks_in_a_students_checklist(qtbot, make_ctx, school: School) -> None:
    a, b, c = _milestones(school)
    sam = school.student.id
    school.services.milestones.complete_milestone(school.admin, a, sam, notes="first try")
    ctx = make_ctx(school.teacher)
    tab = _tab(qtbot, ctx, school.chess)
    panel = _open_by_double_click(qtbot, tab, sam)

    # what the teacher sees: every milestone, the tick and note of the done one
    assert panel.heading.text() == "Sam Student"
    assert [e.title.text() for e in panel.entries] == ["1. Rules", "2. Openings", "3. Endgames"]
    assert panel.entry(a).done.isChecked() and panel.entry(a).when.text().startswith("Done ")
    assert panel.entry(a).notes.toPlainText() == "first try"
    assert not panel.entry(b).done.isChecked() and panel.entry(b).when.text() == "Not done yet"
    assert not panel.entry(b).notes.isEnabled() and panel.entry(b).notes.placeholderText() == LOCKED_HINT
    assert panel.summary.text() == "1 of 3 milestones done · 2 required still to do"
    assert not panel.save_button.isEnabled()

    # edit the note and save
    panel.entry(a).notes.setPlainText("Explained castling and en passant")
    assert panel.save_button.isEnabled() and panel.unsaved.text() == "1 changed note not saved yet"
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    _settle(qtbot, ctx)
    assert _stored(school)[(sam, a)][1] == "Explained castling and en passant"
    assert panel.message.text() == "Saved 1 note." and not panel.save_button.isEnabled()
    assert panel.unsaved.text() == ""

    # tick Openings in the panel: the same service call as the grid, progress recomputed
    qtbot.mouseClick(panel.entry(b).done, Qt.MouseButton.LeftButton)
    _settle(qtbot, ctx)
    assert (sam, b) in _stored(school)
    progress = school.services.progress.get_user_progress(school.admin, sam)
    assert next(p for p in progress if p.activity_id == school.chess).progress_percentage == (
        __import__("pytest").approx(30 / 60 * 100, abs=0.05))
    assert panel.entry(b).done.isChecked() and panel.entry(b).notes.isEnabled()
    assert panel.summary.text() == "2 of 3 milestones done · 1 required still to do"
    grid = tab.model.index(tab.model.row_of(sam), 3)
    assert grid.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked  # the grid shows it too
    panel.entry(b).notes.setPlainText("Played the Italian game")
    panel.save()
    _settle(qtbot, ctx)
    assert _stored(school)[(sam, b)][1] == "Played the Italian game"

    # untick Rules: the tick and its note go
    qtbot.mouseClick(panel.entry(a).done, Qt.MouseButton.LeftButton)
    _settle(qtbot, ctx)
    assert (sam, a) not in _stored(school)
    assert not panel.entry(a).done.isChecked() and panel.entry(a).notes.toPlainText() == ""
    assert not panel.entry(a).notes.isEnabled()
    assert "Its note was removed" in panel.message.text()


def test_notes_being_typed_survive_a_reload_and_closing_asks_first(qtbot, make_ctx, school: School) -> None:
    a, b, _ = _milestones(school)
    sam = school.student.id
    school.services.milestones.complete_milestone(school.admin, a, sam)
    ctx = make_ctx(school.teacher)
    tab = _tab(qtbot, ctx, school.chess)
    panel = tab.open_student_checklist(sam)
    panel.entry(a).notes.setPlainText("Half written")
    qtbot.mouseClick(panel.entry(b).done, Qt.MouseButton.LeftButton)  # a write and a reload
    _settle(qtbot, ctx)
    assert panel.entry(b).done.isChecked()
    assert panel.entry(a).notes.toPlainText() == "Half written" and panel.save_button.isEnabled()
    panel.reject()
    box = panel.question
    assert isinstance(box, QMessageBox) and "not been saved" in box.text()
    box.done(QMessageBox.StandardButton.Discard)
    qtbot.waitUntil(lambda: not panel.isVisible())
    _settle(qtbot, ctx)
    assert _stored(school)[(sam, a)][1] == ""  # discarded: nothing written


def test_a_note_that_is_too_long_is_refused_and_nothing_changes(qtbot, make_ctx, school: School) -> None:
    a, _, _ = _milestones(school)
    sam = school.student.id
    school.services.milestones.complete_milestone(school.admin, a, sam, notes="kept")
    ctx = make_ctx(school.teacher)
    tab = _tab(qtbot, ctx, school.chess)
    panel = tab.open_student_checklist(sam)
    panel.entry(a).notes.setPlainText("x" * 2001)
    panel.save()
    _settle(qtbot, ctx)
    assert "at most 2000" in panel.message.text()
    assert _stored(school)[(sam, a)][1] == "kept"
    assert panel.entry(a).notes.toPlainText() == "x" * 2001  # the text is still there to shorten
    assert panel.save_button.isEnabled()


def test_the_action_and_context_menu_open_one_students_checklist(qtbot, ctx, school: School) -> None:
    _milestones(school)
    tab = _tab(qtbot, ctx, school.chess)
    sel = tab.table.selectionModel()
    tab.table.clearSelection()
    assert not tab.student_action.isEnabled()
    sel.select(tab.model.index(0, 2), QItemSelectionModel.SelectionFlag.Select)
    assert tab.student_action.isEnabled()
    sel.select(tab.model.index(1, 2), QItemSelectionModel.SelectionFlag.Select)
    assert not tab.student_action.isEnabled()  # two students: which one?
    tab.table.clearSelection()
    sel.select(tab.model.index(1, 0), QItemSelectionModel.SelectionFlag.Select)
    tab.student_action.trigger()
    assert tab.student_panel.student_id == tab.model.student(1).id and tab.student_panel.isVisible()
    tab.student_panel.close()

    rect = tab.table.visualRect(tab.model.index(0, 3))
    menu = tab.context_menu(rect.center())
    first = menu.actions()[0]
    assert first.text() == f"Checklist of {tab.model.student(0).name}…"
    assert any("Tick “Openings”" in a.text() for a in menu.actions())
    menu.close()
    first.trigger()
    assert tab.student_panel.student_id == tab.model.student(0).id


def test_students_and_parents_cannot_open_or_edit_a_checklist(qtbot, make_ctx, school: School) -> None:
    a, _, _ = _milestones(school)
    for who in (school.student, school.parent):
        ctx = make_ctx(who)
        tab = _tab(qtbot, ctx, school.chess)
        assert not tab.student_action.isVisible()
        index = tab.model.index(0, 0)
        qtbot.mouseDClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=tab.table.visualRect(index).center())
        assert tab.student_panel is None
        assert tab.open_student_checklist(school.student.id) is None
        assert tab.context_menu(tab.table.visualRect(index).center()) is None
        # even built by hand, the panel edits nothing
        panel = StudentChecklistDialog(ctx, school.chess, school.student.id, tab.snapshot)
        qtbot.addWidget(panel)
        assert not panel.entry(a).done.isEnabled() and not panel.save_button.isVisible()
