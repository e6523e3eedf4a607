"""The "Needs your decision" dialog (issue 17): a mark made offline whose cell someone changed at
school meanwhile waits here with both values; Keep theirs / Use mine decide it on the server."""

# ruff: noqa: F811 - the fixtures imported from tests/ui/offline_support are the tests' parameters
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.conftest import School
from tests.ui.conftest import settle
from tests.ui.offline_support import mark_offline, routed, routed_ctx, status_id  # noqa: F401
from tracker.offline.router import RoutedServices
from tracker.services.attendance_types import MarkChange
from ui.context import AppContext
from ui.dialogs.sync_decisions import COL_MINE, COL_THEIRS, COL_WHAT, EMPTY, OFFLINE_TEXT, SyncDecisionsDialog


def server_status(school: School, session_id: int) -> int | None:
    return school.services.attendance.sheet(school.admin, session_id).marks[school.student.id].status_id


@pytest.fixture
def decision(routed: RoutedServices, school: School, held: list[int]) -> int:  # noqa: F811
    """Sam marked Present offline by the teacher; meanwhile the admin marked him Absent at
    school; the sync made it a decision. Returns the session."""
    mark_offline(routed, school, held, 1)
    school.services.attendance.apply(school.admin, [MarkChange(held[0], school.student.id,
                                                               status_id(school.services, school, "A"))])
    report = routed.try_online()
    assert report is not None and report.decisions == 1 and routed.online
    return held[0]


def open_dialog(qtbot, ctx: AppContext) -> SyncDecisionsDialog:  # type: ignore[no-untyped-def]
    dialog = SyncDecisionsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    settle(qtbot, ctx)
    return dialog


def cell(dialog: SyncDecisionsDialog, row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> str:
    return str(dialog.panel.model.index(row, column).data(role))


def test_a_decision_shows_both_values_and_who_made_them(qtbot, routed_ctx: AppContext, decision: int,  # type: ignore[no-untyped-def]
                                                        school: School) -> None:
    dialog = open_dialog(qtbot, routed_ctx)
    panel = dialog.panel
    assert panel.model.rowCount() == 1
    assert "Sam Student" in cell(dialog, 0, COL_WHAT) and "Chess Club" in cell(dialog, 0, COL_WHAT)
    assert cell(dialog, 0, COL_MINE) == "Present" and cell(dialog, 0, COL_THEIRS) == "Absent"
    assert "Tina Teacher" in cell(dialog, 0, COL_MINE + 1) and "Ada Admin" in cell(dialog, 0, COL_THEIRS + 1)
    # a cut cell has its whole text in the tooltip; the selected row is shown in full below
    assert "Sam Student" in cell(dialog, 0, COL_WHAT, Qt.ItemDataRole.ToolTipRole)
    detail = panel.detail.text()
    assert "Mine: <b>Present</b>" in detail and "Theirs: <b>Absent</b>" in detail and "Ada Admin" in detail
    assert panel.keep_button.text() == "&Keep theirs" and panel.mine_button.text() == "&Use mine"
    assert panel.keep_button.isEnabled() and panel.mine_button.isEnabled()
    assert not panel.keep_button.isDefault() and not panel.mine_button.isDefault()
    assert panel.table.hasFocus() or dialog.focusWidget() is panel.table


def test_enter_overwrites_nothing_and_escape_closes(qtbot, routed_ctx: AppContext, decision: int,  # type: ignore[no-untyped-def]
                                                   school: School) -> None:
    dialog = open_dialog(qtbot, routed_ctx)
    dialog.panel.table.setFocus()
    qtbot.keyClick(dialog.panel.table, Qt.Key.Key_Return)
    qtbot.wait(250)  # longer than a button's animated click
    settle(qtbot, routed_ctx)
    assert server_status(school, decision) == status_id(school.services, school, "A")
    assert dialog.panel.model.rowCount() == 1 and dialog.isVisible()
    qtbot.keyClick(dialog.panel.table, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_use_mine_with_alt_u_changes_the_server(qtbot, routed_ctx: AppContext, decision: int,  # type: ignore[no-untyped-def]
                                              school: School, routed: RoutedServices) -> None:
    dialog = open_dialog(qtbot, routed_ctx)
    with qtbot.waitSignal(dialog.panel.mine_button.clicked):  # a mnemonic clicks after a short flash
        qtbot.keyClick(dialog.panel.table, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    settle(qtbot, routed_ctx)
    assert server_status(school, decision) == status_id(school.services, school, "P")
    assert routed.decisions() == []
    assert "Used mine" in dialog.panel.result.text()
    assert dialog.panel.stack.currentWidget() is dialog.panel.empty
    assert dialog.panel.empty.title_label.text() == EMPTY


def test_keep_theirs_drops_mine(qtbot, routed_ctx: AppContext, decision: int,  # type: ignore[no-untyped-def]
                                school: School, routed: RoutedServices) -> None:
    dialog = open_dialog(qtbot, routed_ctx)
    with qtbot.waitSignal(dialog.panel.keep_button.clicked):
        qtbot.keyClick(dialog.panel.table, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    settle(qtbot, routed_ctx)
    assert server_status(school, decision) == status_id(school.services, school, "A")
    assert routed.decisions() == [] and "Kept theirs" in dialog.panel.result.text()


def test_a_decision_overtaken_again_shows_the_new_value(qtbot, routed_ctx: AppContext, decision: int,  # type: ignore[no-untyped-def]
                                                       school: School, routed: RoutedServices) -> None:
    dialog = open_dialog(qtbot, routed_ctx)
    late = status_id(school.services, school, "L")
    school.services.attendance.apply(school.admin, [MarkChange(decision, school.student.id, late,
                                                               check_version=False)])
    dialog.panel.mine_button.click()
    settle(qtbot, routed_ctx)
    assert server_status(school, decision) == late  # nothing overwritten
    assert "changed again meanwhile" in dialog.panel.result.text()
    assert dialog.panel.model.rowCount() == 1 and cell(dialog, 0, COL_THEIRS) == "Late"


def test_offline_the_choices_are_off_with_the_reason(qtbot, routed_ctx: AppContext, decision: int,  # type: ignore[no-untyped-def]
                                                     routed: RoutedServices) -> None:
    routed.go_offline()
    dialog = open_dialog(qtbot, routed_ctx)
    panel = dialog.panel
    assert panel.model.rowCount() == 1  # still listed (read from this computer's copy)
    assert not panel.keep_button.isEnabled() and not panel.mine_button.isEnabled()
    assert panel.reason.text() == OFFLINE_TEXT and "school database" in OFFLINE_TEXT


def test_went_offline_while_open_refusal_is_shown_not_raised(qtbot, routed_ctx: AppContext, decision: int,  # type: ignore[no-untyped-def]
                                                             routed: RoutedServices) -> None:
    dialog = open_dialog(qtbot, routed_ctx)
    routed.go_offline()
    dialog.panel.keep_button.click()  # it was enabled when the dialog read the list
    settle(qtbot, routed_ctx)
    assert not dialog.panel.keep_button.isEnabled()
    assert "school database" in dialog.panel.reason.text()
    assert len(routed.decisions()) == 1


def test_nothing_to_decide(qtbot, routed_ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, routed_ctx)
    assert dialog.panel.stack.currentWidget() is dialog.panel.empty
    assert dialog.panel.empty.title_label.text() == "Nothing waits for your decision."
    assert not dialog.panel.keep_button.isEnabled()


def test_reloads_when_attendance_changes(qtbot, routed_ctx: AppContext, routed: RoutedServices,  # type: ignore[no-untyped-def]
                                         school: School, held: list[int]) -> None:
    dialog = open_dialog(qtbot, routed_ctx)
    assert dialog.panel.model.rowCount() == 0
    mark_offline(routed, school, held, 1)
    school.services.attendance.apply(school.admin, [MarkChange(held[0], school.student.id,
                                                               status_id(school.services, school, "A"))])
    routed.try_online()
    from tracker.domain.changes import ChangeKind, Changes

    changes = Changes()
    changes.add(ChangeKind.ATTENDANCE, held[0])
    routed_ctx.events.publish(changes, None)
    settle(qtbot, routed_ctx)
    assert dialog.panel.model.rowCount() == 1


def test_fits_1024x768_and_narrower(qtbot, routed_ctx: AppContext, decision: int) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, routed_ctx)
    table = dialog.panel.table
    header = table.horizontalHeader()
    dialog.resize(984, 560)  # the dialog on a 1024 x 768 screen: every column, none cut off the side
    qtbot.waitUntil(lambda: header.sectionSize(COL_WHAT) >= 240)
    assert not any(header.isSectionHidden(c) for c in range(5))
    assert sum(header.sectionSize(c) for c in range(5)) <= table.viewport().width() + 2
    dialog.resize(720, 560)  # narrower: "What" keeps its room, who-and-when shows in the pane below
    qtbot.waitUntil(lambda: header.isSectionHidden(COL_THEIRS + 1))
    assert header.sectionSize(COL_WHAT) >= 200 and "Ada Admin" in dialog.panel.detail.text()


def test_keep_theirs_for_every_selected_row(qtbot, routed_ctx: AppContext, routed: RoutedServices,  # type: ignore[no-untyped-def]
                                            school: School, held: list[int]) -> None:
    mark_offline(routed, school, held, 2)  # Sam and Olga, first session
    absent = status_id(school.services, school, "A")
    school.services.attendance.apply(school.admin, [MarkChange(held[0], school.student.id, absent),
                                                    MarkChange(held[0], school.other_student.id, absent)])
    assert routed.try_online().decisions == 2
    dialog = open_dialog(qtbot, routed_ctx)
    dialog.panel.table.setFocus()
    qtbot.keyClick(dialog.panel.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert "2 changes selected" in dialog.panel.detail.text()
    dialog.panel.keep_button.click()
    settle(qtbot, routed_ctx)
    assert routed.decisions() == [] and dialog.panel.model.rowCount() == 0
    assert server_status(school, held[0]) == absent
