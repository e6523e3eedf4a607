"""Setting progress and status by hand: the note is required, values go to the service."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from tests.conftest import School
from tests.ui.conftest import settle
from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.enums import ProgressStatus
from ui.dialogs.progress_dialog import ProgressOverrideDialog


def _row(school: School, student: int):  # type: ignore[no-untyped-def]
    return next(r for r in school.services.enrollment.roster(school.admin, school.chess) if r.student_id == student)


def _dialog(qtbot, ctx, school: School, *students: int) -> ProgressOverrideDialog:  # type: ignore[no-untyped-def]
    dialog = ProgressOverrideDialog(ctx, school.chess, [(sid, f"Student {sid}") for sid in students])
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def test_an_empty_note_is_refused_under_the_note_and_nothing_is_written(qtbot, ctx, school: School) -> None:
    dialog = _dialog(qtbot, ctx, school, school.student.id)
    dialog.progress.setValue(40)
    dialog.note.setPlainText("   ")
    dialog.accept()
    label = dialog.field_errors["note"][0]
    assert dialog.isVisible() and not label.isHidden() and "note is required" in label.text()
    settle(qtbot, ctx)
    assert not _row(school, school.student.id).overridden


def test_status_only_needs_the_progress_box_unticked(qtbot, ctx, school: School) -> None:
    dialog = _dialog(qtbot, ctx, school, school.student.id, school.other_student.id)
    dialog.set_progress.setChecked(False)
    assert not dialog.progress.isEnabled()
    dialog.note.setPlainText("Finished the course early")
    dialog.accept()  # neither progress nor status
    assert dialog.isVisible() and "progress, a status or both" in dialog.field_errors["progress_percentage"][0].text()
    dialog.status.setCurrentIndex(dialog.status.findData("completed"))
    dialog.accept()
    settle(qtbot, ctx)
    assert not dialog.isVisible()
    for sid in (school.student.id, school.other_student.id):
        row = _row(school, sid)
        assert row.status is ProgressStatus.COMPLETED and row.status_manual and not row.progress_manual
        assert row.override_note == "Finished the course early"


def test_progress_and_who_set_it_are_kept(qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.teacher)
    dialog = _dialog(qtbot, ctx, school, school.student.id)
    dialog.progress.setValue(75)
    dialog.note.setPlainText("Covered in the spring camp")
    dialog.accept()
    settle(qtbot, ctx)
    row = _row(school, school.student.id)
    assert row.progress_percentage == 75.0 and row.progress_manual
    assert row.override_by == "Tina Teacher" and row.override_at is not None


def test_ok_waits_for_the_save_and_escape_still_closes_the_dialog(qtbot, ctx, school: School, monkeypatch) -> None:
    release = threading.Event()
    service = school.services.progress
    real = service.override_progress_for

    def slow(*args: object, **kwargs: object) -> object:
        release.wait(10)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "override_progress_for", slow)
    published: list[tuple[Changes, object]] = []
    ctx.events.changed.connect(lambda changes, initiator: published.append((changes, initiator)))
    dialog = _dialog(qtbot, ctx, school, school.student.id)
    dialog.progress.setValue(40)
    dialog.note.setPlainText("Joined late, caught up at home")
    dialog.accept()
    assert dialog.isVisible() and not dialog.ok_button.isEnabled()
    assert dialog.cursor().shape() == Qt.CursorShape.BusyCursor
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # cancel is never blocked
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
    release.set()
    settle(qtbot, ctx)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.result_value is None
    assert _row(school, school.student.id).progress_percentage == 40.0  # the write was not undone
    assert published and published[-1][0].touches(ChangeKind.PROGRESS) and published[-1][1] is dialog


def test_saving_publishes_what_the_service_changed(qtbot, ctx, school: School) -> None:
    published: list[tuple[Changes, object]] = []
    ctx.events.changed.connect(lambda changes, initiator: published.append((changes, initiator)))
    dialog = _dialog(qtbot, ctx, school, school.student.id)
    dialog.progress.setValue(60)
    dialog.note.setPlainText("Project done early")
    dialog.accept()
    settle(qtbot, ctx)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.ok_button.isEnabled()
    [(changes, initiator)] = published
    assert {ChangeKind.PROGRESS, ChangeKind.ENROLLMENT} <= changes.kinds and initiator is dialog
