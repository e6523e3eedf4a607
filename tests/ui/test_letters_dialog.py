"""The Letters to parents dialog (issue 14): the standing filter ticks, ticking by hand, the note's
counter, the preview of the first letter, and one combined PDF through produce."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices

from tracker.domain.standing import Standing
from tracker.reports.parent_letter import MAX_NOTE
from ui.dialogs.letters_dialog import LettersDialog, open_letters_dialog
from ui.documents import Delivery

from ..conftest import School
from ..unit.letters_support import at_risk_in_chess
from .conftest import settle


@pytest.fixture
def chess(school: School) -> School:
    return at_risk_in_chess(school)


def open_dialog(qtbot, ctx, school: School, **kw) -> LettersDialog:  # type: ignore[no-untyped-def]
    dialog = LettersDialog(ctx, school.chess, "Chess Club", **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: dialog.preview.image is not None or dialog.preview.message != "Loading…")
    return dialog


def names(dialog: LettersDialog) -> list[tuple[str, bool]]:
    return [(dialog.students.item(i).text(), dialog.students.item(i).checkState() == Qt.CheckState.Checked)
            for i in range(dialog.students.count())]


def test_the_standing_filter_ticks_the_students_at_risk(qtbot, make_ctx, chess):
    ctx = make_ctx(chess.teacher)
    dialog = open_dialog(qtbot, ctx, chess, standing="at_risk")
    assert dialog.standing.currentText() == "At risk"
    assert names(dialog) == [("Olga Other — On track", False), ("Sam Student — At risk", True)]
    assert dialog.summary.text() == "1 of 2 letters chosen"
    assert dialog.students.currentItem().text() == "Sam Student — At risk"  # the one previewed
    assert dialog.students.hasFocus()
    assert dialog.open_button.isEnabled() and dialog.print_button.isEnabled()
    dialog.standing.setCurrentIndex(dialog.standing.findData(None))
    assert [ticked for _, ticked in names(dialog)] == [True, True]
    dialog.standing.setCurrentIndex(dialog.standing.findData("completed"))
    assert dialog.chosen() == []
    assert dialog.summary.text() == "0 of 2 letters chosen"
    assert not dialog.save_button.isEnabled()
    assert dialog.preview.message == "Tick a student to see their letter."


def test_space_ticks_a_student_and_the_preview_shows_the_first_letter(qtbot, make_ctx, chess):
    ctx = make_ctx(chess.teacher)
    dialog = open_dialog(qtbot, ctx, chess, standing="completed")
    assert dialog.chosen() == []
    dialog.students.setCurrentRow(0)
    qtbot.keyClick(dialog.students, Qt.Key.Key_Space)
    assert dialog.chosen() == [chess.other_student.id]
    letter = dialog.first_letter()
    assert letter is not None and letter.student == "Olga Other" and letter.present == 4
    qtbot.waitUntil(lambda: dialog.preview.image is not None)


def test_the_note_counts_and_refuses_what_does_not_fit(qtbot, make_ctx, chess):
    ctx = make_ctx(chess.teacher)
    dialog = open_dialog(qtbot, ctx, chess)
    qtbot.keyClicks(dialog.note, "Bring a board")
    assert dialog.counter.text() == f"13 / {MAX_NOTE:,}"
    dialog.note.setPlainText("x" * (MAX_NOTE + 1))
    assert "too many" in dialog.counter.toolTip()
    assert not dialog.open_button.isEnabled()
    assert dialog.preview.message.startswith("The note is longer")


def test_save_writes_one_pdf_with_a_letter_per_ticked_student(qtbot, make_ctx, chess, monkeypatch, tmp_path):
    ctx = make_ctx(chess.teacher)
    dialog = open_dialog(qtbot, ctx, chess)
    dialog.note.setPlainText("Tournament on Friday.")
    target = tmp_path / "letters.pdf"
    monkeypatch.setattr("ui.documents.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    assert dialog.deliver(Delivery.SAVE)
    settle(qtbot, ctx)
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(target.read_bytes())).pages]
    assert len(pages) == 2
    assert "Dear parent/carer of Olga Other" in pages[0] and "Dear parent/carer of Sam Student" in pages[1]
    assert all("Tournament on Friday." in p for p in pages)
    assert opened == [str(target)]
    assert dialog.said.text() == "Saved letters.pdf"


def test_a_long_student_name_is_elided_with_its_tooltip(qtbot, make_ctx, chess):
    from tracker.services.people import UserInput

    long = "Maximiliana Alexandrina Montgomery-Featherstonehaugh of the Northern Isles"
    chess.services.people.update_user(chess.admin, chess.student.id, UserInput("sam", long, chess.student.role))
    ctx = make_ctx(chess.teacher)
    dialog = open_dialog(qtbot, ctx, chess)
    dialog.resize(700, 500)
    item = next(dialog.students.item(i) for i in range(dialog.students.count())
                if dialog.students.item(i).text().startswith("Maximiliana"))
    assert long in item.toolTip()
    assert dialog.students.textElideMode() == Qt.TextElideMode.ElideRight


def test_the_roster_opens_the_letters_for_its_standing_filter(qtbot, make_ctx, chess):
    from ui.views.activity_roster import RosterTab

    ctx = make_ctx(chess.teacher)
    tab = RosterTab(ctx, chess.chess)
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()
    tab.refresh()
    settle(qtbot, ctx)
    assert tab.letters_action.isVisible()
    tab.standing_filter.setCurrentIndex(tab.standing_filter.findData(Standing.AT_RISK.value))
    dialog = tab.letters_to_parents()
    settle(qtbot, ctx)
    assert isinstance(dialog, LettersDialog)
    assert dialog.chosen() == [chess.student.id]
    dialog.reject()


def test_open_letters_dialog_takes_a_standing(qtbot, make_ctx, chess):
    ctx = make_ctx(chess.admin)
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = open_letters_dialog(parent, ctx, chess.chess, "Chess Club", standing=Standing.AT_RISK)
    settle(qtbot, ctx)
    assert dialog.chosen() == [chess.student.id]
    dialog.reject()
