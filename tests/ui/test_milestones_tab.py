"""The Milestones tab: editor (add, edit, delete with confirmation, reorder, copy) and checklist."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from tests.conftest import School
from tests.ui.conftest import settle
from tracker.services.activities import ActivityInput
from ui.models.base import RecordRole
from ui.views.activity_milestones import MilestonesTab


def _tab(qtbot, ctx, activity: int) -> MilestonesTab:  # type: ignore[no-untyped-def]
    tab = MilestonesTab(ctx, activity)
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()
    tab.refresh()
    settle(qtbot, ctx)
    return tab


def _settle(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    """A write, then the reload it publishes."""
    settle(qtbot, ctx)
    settle(qtbot, ctx)


def _three(school: School) -> list[int]:
    ms = school.services.milestones
    return [ms.create_milestone(school.admin, school.chess, title=t, points=p).id
            for t, p in (("Rules", 10), ("Openings", 20), ("Endgames", 30))]


def _stored_order(school: School) -> list[int]:
    return [m.id for m in school.services.milestones.list_milestones(school.admin, school.chess)]


def test_models_pass_the_model_tester(qtbot, qtmodeltester, ctx, school: School) -> None:
    a, b, _ = _three(school)
    school.services.milestones.complete_milestone(school.admin, b, school.student.id, notes="well done")
    tab = _tab(qtbot, ctx, school.chess)
    assert tab.model.rowCount() == 2 and tab.model.columnCount() == 5
    qtmodeltester.check(tab.model)
    qtmodeltester.check(tab.list_model)
    row = [s.id for s in tab.model.students].index(school.student.id)
    cell = tab.model.index(row, 3)
    assert cell.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert cell.data(Qt.ItemDataRole.DisplayRole)  # the date
    assert "well done" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert tab.model.index(row, 1).data() == "1 / 3"


def test_reorder_with_alt_keys_and_move_rows_is_saved(qtbot, ctx, school: School) -> None:
    a, b, c = _three(school)
    tab = _tab(qtbot, ctx, school.chess)
    tab.select_milestone(a)
    tab.list.setFocus()
    qtbot.keyClick(tab.list, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    _settle(qtbot, ctx)
    assert _stored_order(school) == [b, a, c]
    assert tab.current_milestone().id == a
    # what a drop does: moveRows on the model
    assert tab.list_model.moveRows(QModelIndex(), 2, 1, QModelIndex(), 0)
    _settle(qtbot, ctx)
    assert _stored_order(school) == [c, b, a]
    assert tab.list_model.ids() == [c, b, a]
    tab.select_milestone(a)
    tab.list.setFocus()
    qtbot.keyClick(tab.list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    _settle(qtbot, ctx)
    assert _stored_order(school) == [c, a, b]


def test_bulk_tick_for_selected_students_is_saved(qtbot, ctx, school: School) -> None:
    a, b, _ = _three(school)
    tab = _tab(qtbot, ctx, school.chess)
    tab.table.selectAll()
    tab.bulk_milestone.setCurrentIndex(tab.bulk_milestone.findData(b))
    assert tab.tick_action.isEnabled()
    tab.tick_action.trigger()
    _settle(qtbot, ctx)
    snap = school.services.milestones.checklist(school.admin, school.chess)
    assert {k for k in snap.done} == {(school.student.id, b), (school.other_student.id, b)}
    assert "2 more students" in tab.message.text()
    col = 2 + tab.model.milestones.index(next(m for m in tab.model.milestones if m.id == b))
    assert all(tab.model.index(r, col).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
               for r in range(2))
    # untick one student
    tab.table.clearSelection()
    tab.table.selectionModel().select(tab.model.index(0, 0), QItemSelectionModel.SelectionFlag.Select)
    tab.untick_action.trigger()
    _settle(qtbot, ctx)
    snap = school.services.milestones.checklist(school.admin, school.chess)
    assert len(snap.done) == 1


def test_space_ticks_the_current_cell_and_notes_are_saved(qtbot, ctx, school: School) -> None:
    a, _, _ = _three(school)
    tab = _tab(qtbot, ctx, school.chess)
    row = [s.id for s in tab.model.students].index(school.other_student.id)
    tab.table.setFocus()
    tab.table.setCurrentIndex(tab.model.index(row, 2))
    qtbot.keyClick(tab.table, Qt.Key.Key_Space)
    _settle(qtbot, ctx)
    assert (school.other_student.id, a) in school.services.milestones.checklist(school.admin, school.chess).done
    tab.table.setCurrentIndex(tab.model.index(row, 2))
    tab.note.setText("Explained castling")
    tab.save_note()
    _settle(qtbot, ctx)
    snap = school.services.milestones.checklist(school.admin, school.chess)
    assert snap.done[(school.other_student.id, a)][1] == "Explained castling"
    tab.table.setCurrentIndex(tab.model.index(row, 2))
    qtbot.keyClick(tab.table, Qt.Key.Key_Space)
    _settle(qtbot, ctx)
    assert not school.services.milestones.checklist(school.admin, school.chess).done


def test_add_edit_delete_with_confirmation_and_copy(qtbot, ctx, school: School) -> None:
    tab = _tab(qtbot, ctx, school.chess)
    dialog = tab.add()
    dialog.title.setText("Rules")
    dialog.points.setValue(5)
    dialog.accept()
    _settle(qtbot, ctx)
    rows = school.services.milestones.list_milestones(school.admin, school.chess)
    assert [(m.title, m.points) for m in rows] == [("Rules", 5)]
    tab.select_milestone(rows[0].id)
    dialog = tab.edit()
    dialog.title.setText("All the rules")
    dialog.required.setChecked(False)
    dialog.accept()
    _settle(qtbot, ctx)
    m = school.services.milestones.list_milestones(school.admin, school.chess)[0]
    assert (m.title, m.required) == ("All the rules", False)
    school.services.milestones.complete_milestone(school.admin, m.id, school.student.id)
    _settle(qtbot, ctx)
    tab.refresh()
    _settle(qtbot, ctx)
    tab.select_milestone(m.id)
    tab.delete()
    _settle(qtbot, ctx)
    box = tab.dialog
    assert isinstance(box, QMessageBox) and "1 student has completed" in box.text()
    box.done(QMessageBox.StandardButton.Yes)
    _settle(qtbot, ctx)
    assert school.services.milestones.list_milestones(school.admin, school.chess) == []
    other = school.services.activities.create_activity(school.admin, ActivityInput("Chess 2"))
    for t in ("One", "Two"):
        school.services.milestones.create_milestone(school.admin, other.id, title=t)
    tab.copy_from(other.id)
    _settle(qtbot, ctx)
    assert [m.title for m in tab.list_model._rows] == ["One", "Two"]


def test_a_student_sees_the_checklist_but_cannot_change_it(qtbot, make_ctx, school: School) -> None:
    _three(school)
    ctx = make_ctx(school.student)
    tab = _tab(qtbot, ctx, school.chess)
    assert not tab.add_action.isVisible()
    assert not tab.model.flags(tab.model.index(0, 2)) & Qt.ItemFlag.ItemIsUserCheckable
    assert not tab.list_model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 2)


def test_headers_show_whole_titles_required_points_and_due_dates(qtbot, ctx, school: School) -> None:
    from datetime import date

    from ui.views.checklist_table import TITLE_LINES, MilestoneHeader

    ms = school.services.milestones
    long = ms.create_milestone(school.admin, school.chess, title="Explain the rules to a new player",
                               points=10, due_date=date(2026, 10, 1)).id
    ms.create_milestone(school.admin, school.chess, title="Puzzles " * 20, required=False)
    tab = _tab(qtbot, ctx, school.chess)
    header = tab.table.horizontalHeader()
    assert isinstance(header, MilestoneHeader)
    width = header.sectionSize(2) - 14
    lines = header.wrap(tab.model.headerData(2, Qt.Orientation.Horizontal), width)
    assert 1 < len(lines) <= TITLE_LINES and " ".join(lines) == "1. Explain the rules to a new player"
    longer = header.wrap(tab.model.headerData(3, Qt.Orientation.Horizontal), width)
    assert len(longer) == TITLE_LINES and longer[-1].endswith("…")  # the tooltip has it whole
    assert header.height() >= 4 * header.fontMetrics().height()  # title lines + required/points + due
    tip = tab.model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Explain the rules to a new player" in tip and "Required · 10 points" in tip
    assert "due 1 Oct 2026" in tip
    tip = tab.model.headerData(3, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Optional" in tip and ("Puzzles " * 20).strip() in tip
    assert tab.model.headerData(2, Qt.Orientation.Horizontal, RecordRole).id == long
    tab.table.horizontalHeader().grab()  # paints without error


def test_clicking_a_box_ticks_and_a_click_beside_it_only_selects(qtbot, ctx, school: School) -> None:
    from ui.views.checklist_table import box_rect

    a, _, _ = _three(school)
    tab = _tab(qtbot, ctx, school.chess)
    row = tab.model.row_of(school.student.id)
    rect = tab.table.visualRect(tab.model.index(row, 2))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.topRight() + QPoint(-4, 4))
    _settle(qtbot, ctx)
    assert not school.services.milestones.checklist(school.admin, school.chess).done
    assert tab.table.currentIndex() == tab.model.index(row, 2)
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=box_rect(rect).center())
    _settle(qtbot, ctx)
    assert (school.student.id, a) in school.services.milestones.checklist(school.admin, school.chess).done
    assert tab.model.index(row, 2).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked


# --------------------------------------------------------------------------- fit, completed students


def _four_long(school: School) -> list[int]:
    ms = school.services.milestones
    return [ms.create_milestone(school.admin, school.chess, title=t, points=5).id
            for t in ("Safety and warm-up routine before every training session", "Baseline fitness test",
                      "Core skills check", "First competition")]


def test_at_1024_the_editor_narrows_and_the_checklist_shows_more_milestones(qtbot, ctx, school: School) -> None:
    from tests.ui.fitting import overlapping, squeezed_buttons

    _four_long(school)
    tab = _tab(qtbot, ctx, school.chess)
    tab.resize(752, 560)  # the tab's width in a 1024-pixel window
    editor, checklist = tab.split.widget(0), tab.split.widget(1)
    qtbot.waitUntil(lambda: editor.width() < 260)
    assert squeezed_buttons(tab) == [] and overlapping(tab) == []
    header, viewport = tab.table.horizontalHeader(), tab.table.viewport().width()
    whole = [c for c in range(tab.model.FIXED, tab.model.columnCount())
             if header.sectionViewportPosition(c) + header.sectionSize(c) <= viewport]
    assert len(whole) >= 2  # was one and a half
    assert checklist.width() > editor.width()
    # the title too long for the bulk box is elided, whole in its tooltip
    combo = tab.bulk_milestone
    assert combo.shown_text().endswith("…")
    qtbot.waitUntil(lambda: combo.toolTip() == combo.currentText())  # once painted, as a pointer finds it
    # the editor list: the whole title in the tooltip; rows of two lines (title, then details)
    first = tab.list_model.index(0)
    assert "Safety and warm-up routine before every training session" in first.data(Qt.ItemDataRole.ToolTipRole)
    assert tab.list.visualRect(first).height() >= 2 * tab.list.fontMetrics().height()
    # on a wide screen the editor takes more room, up to its most
    tab.resize(1500, 700)
    qtbot.waitUntil(lambda: editor.width() == 300)


def test_the_editor_keeps_the_width_the_user_dragged_it_to(qtbot, ctx, school: School) -> None:
    _four_long(school)
    tab = _tab(qtbot, ctx, school.chess)
    tab.split.splitterMoved.emit(280, 1)  # as a drag of the handle does
    tab.split.setSizes([280, 800])
    tab.resize(900, 600)
    qtbot.wait(20)
    assert tab.split.widget(0).width() == 280


def test_a_completed_student_is_marked_in_the_done_column_with_why(qtbot, ctx, school: School) -> None:
    ms = school.services.milestones
    required = ms.create_milestone(school.admin, school.chess, title="Rules", points=5)
    ms.create_milestone(school.admin, school.chess, title="Endgames", points=15, required=False)
    ms.complete_milestone(school.admin, required.id, school.student.id)
    tab = _tab(qtbot, ctx, school.chess)
    row = tab.model.row_of(school.student.id)
    done = tab.model.index(row, 1)
    assert done.data() == "✓ 1 / 2"
    assert done.data(Qt.ItemDataRole.ToolTipRole) == (
        "Completed — required milestones met\n"
        "25% of the milestone points earned: completion does not need them all.\n1 of 2 milestones done")
    assert tab.model.cell(row, 1) == (True, "✓ 1 / 2")  # painted in the green of done
    other = tab.model.index(tab.model.row_of(school.other_student.id), 1)
    assert other.data() == "0 / 2" and other.data(Qt.ItemDataRole.ToolTipRole) == "0 of 2 milestones done"
    assert "✓" in tab.model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    panel = tab.open_student_checklist(school.student.id)
    assert panel.summary.text() == ("1 of 2 milestones done · every required milestone done\n"
                                    "Completed — required milestones met\n"
                                    "25% of the milestone points earned: completion does not need them all.")
    panel.close()


def test_a_student_sees_their_checklist_without_anyone_s_completion(qtbot, make_ctx, school: School) -> None:
    _three(school)
    ctx = make_ctx(school.student)
    tab = _tab(qtbot, ctx, school.chess)
    assert tab.model.rowCount() == 1 and tab.model.completed == {}
