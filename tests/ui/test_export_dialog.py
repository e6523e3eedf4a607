"""The Export dialog (issue 15): what it offers each role, its checks, a real export, Cancel."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog

from tests.ui.conftest import settle
from ui.dialogs.export_dialog import BAD_RANGE, CANCELLED, NO_SCHOOL_PDF, SCHOOL, ExportDialog


def open_dialog(qtbot, ctx, **kw):  # type: ignore[no-untyped-def]
    dialog = ExportDialog(ctx, **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    return dialog


def scopes(dialog: ExportDialog) -> list[str]:
    return [dialog.scope.itemText(i) for i in range(dialog.scope.count())]


def choose_format(dialog: ExportDialog, key: str) -> None:
    dialog.format.setCurrentIndex(dialog.format.findData(key))


def save_as(monkeypatch, path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """Answer the Save As dialog with ``path``; returns the filters it was offered."""
    offered: list[str] = []

    def answer(_parent, _title, _suggested, filters):  # type: ignore[no-untyped-def]
        offered.append(filters)
        return str(path), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return offered


def test_admin_may_export_the_whole_school_or_any_activity(qtbot, ctx, school) -> None:
    dialog = open_dialog(qtbot, ctx, activity_id=school.drama)
    assert scopes(dialog) == ["Whole school", "Chess Club", "Drama"]
    assert dialog.scope.currentText() == "Drama"  # opened from the activity: that one
    assert [dialog.format.itemText(i) for i in range(dialog.format.count())] == [
        "Excel workbook", "CSV files (zip)", "PDF report", "End-of-year archive (zip)"]
    school_wide = open_dialog(qtbot, ctx, school=True)
    assert school_wide.scope.currentData() == SCHOOL


def test_a_teacher_sees_only_their_activities_and_no_whole_school(qtbot, make_ctx, school) -> None:
    dialog = open_dialog(qtbot, make_ctx(school.teacher), school=True)
    assert scopes(dialog) == ["Chess Club"]
    assert dialog.export_button.isEnabled()


def test_an_end_before_the_start_is_refused_with_a_message(qtbot, ctx, school) -> None:
    dialog = open_dialog(qtbot, ctx, activity_id=school.chess)
    assert not dialog.start_edit.isEnabled()  # "Whole term" by default
    qtbot.keyClick(dialog.whole_term, Qt.Key.Key_Space)
    assert not dialog.whole_term.isChecked() and dialog.start_edit.isEnabled()
    dialog.start_edit.setDate(QDate(2026, 3, 1))
    dialog.end_edit.setDate(QDate(2026, 2, 1))
    assert dialog.problem.isVisible() and dialog.problem.text() == BAD_RANGE
    assert not dialog.export_button.isEnabled()
    dialog.end_edit.setDate(QDate(2026, 3, 31))
    assert not dialog.problem.isVisible() and dialog.export_button.isEnabled()
    request = dialog.request()
    assert (request.start.isoformat(), request.end.isoformat()) == ("2026-03-01", "2026-03-31")


def test_the_bom_choice_shows_for_csv_and_a_school_pdf_is_refused(qtbot, ctx, school) -> None:
    dialog = open_dialog(qtbot, ctx, school=True)
    assert not dialog.bom.isVisible()
    choose_format(dialog, "csv")
    assert dialog.bom.isVisible() and dialog.bom.isChecked()
    choose_format(dialog, "pdf")
    assert dialog.problem.text() == NO_SCHOOL_PDF and not dialog.export_button.isEnabled()


def test_export_writes_a_workbook_and_says_so(qtbot, ctx, school, monkeypatch, tmp_path) -> None:
    from python_calamine import CalamineWorkbook

    dialog = open_dialog(qtbot, ctx, activity_id=school.chess)
    offered = save_as(monkeypatch, tmp_path / "chess")  # no suffix: the format's is added
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    target = tmp_path / "chess.xlsx"
    assert offered == ["Excel workbook (*.xlsx)"]
    assert dialog.status.text().startswith("Wrote chess.xlsx (") and "row" in dialog.status.text()
    assert dialog.open_button.isVisible() and dialog.folder_button.isVisible()
    assert not dialog.progress.isVisible() and not dialog.cancel_button.isVisible()
    book = CalamineWorkbook.from_path(str(target))
    cells = {str(c) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for c in row}
    assert {"Sam Student", "Olga Other"} <= cells


def test_cancel_stops_the_export_and_leaves_no_file(qtbot, ctx, school, monkeypatch, tmp_path) -> None:
    exports = ctx.services.exports
    real, started, go = exports.export, threading.Event(), threading.Event()

    def held(actor, request, out, *, progress=None, cancelled=None, chart_images=None):  # type: ignore[no-untyped-def]
        progress(0.1, "Reading the records")
        started.set()
        go.wait(10)
        return real(actor, request, out, progress=progress, cancelled=cancelled, chart_images=chart_images)

    monkeypatch.setattr(exports, "export", held)
    folder = tmp_path / "out"  # tmp_path also holds the database
    folder.mkdir()
    dialog = open_dialog(qtbot, ctx, activity_id=school.chess)
    save_as(monkeypatch, folder / "chess.xlsx")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert started.wait(10)
    qtbot.waitUntil(lambda: dialog.status.text() == "Reading the records")
    assert dialog.progress.isVisible() and dialog.progress.value() == 100  # a tenth of 1000
    assert dialog.cancel_button.isVisible() and not dialog.export_button.isEnabled()
    assert not dialog.close_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    go.set()
    settle(qtbot, ctx)
    assert dialog.status.text() == CANCELLED
    assert list(folder.iterdir()) == []  # no file, no temporary file
    assert dialog.export_button.isEnabled() and not dialog.open_button.isVisible()


def test_a_pdf_report_gets_the_analytics_charts(qtbot, ctx, school, monkeypatch, tmp_path) -> None:
    from tracker.services.exports import ExportResult

    seen: dict[str, object] = {}

    def fake(actor, request, out, *, progress=None, cancelled=None, chart_images=None):  # type: ignore[no-untyped-def]
        seen.update(request=request, charts=dict(chart_images or {}))
        Path(out).write_bytes(b"%PDF-1.4\n")
        return ExportResult(Path(out), (Path(out).name,), 2)

    monkeypatch.setattr(ctx.services.exports, "export", fake)
    dialog = open_dialog(qtbot, ctx, activity_id=school.chess)
    choose_format(dialog, "pdf")
    save_as(monkeypatch, tmp_path / "chess.pdf")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    settle(qtbot, ctx)  # the charts' read, then the export
    assert dialog.status.text() == "Wrote chess.pdf (2 rows)"
    charts = seen["charts"]
    assert isinstance(charts, dict) and "progress_histogram" in charts
    assert all(png.startswith(b"\x89PNG") for png in charts.values())
    assert seen["request"].format == "pdf" and seen["request"].activity_id == school.chess  # type: ignore[attr-defined]


def test_escape_while_exporting_cancels_rather_than_closes(qtbot, ctx, school, monkeypatch, tmp_path) -> None:
    started, go = threading.Event(), threading.Event()
    exports = ctx.services.exports
    real = exports.export

    def held(actor, request, out, **kw):  # type: ignore[no-untyped-def]
        started.set()
        go.wait(10)
        return real(actor, request, out, **kw)

    monkeypatch.setattr(exports, "export", held)
    dialog = open_dialog(qtbot, ctx, activity_id=school.chess)
    save_as(monkeypatch, tmp_path / "chess.xlsx")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert started.wait(10)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    go.set()
    settle(qtbot, ctx)
    assert dialog.status.text() == CANCELLED and not (tmp_path / "chess.xlsx").exists()


def test_a_students_progress_report_from_the_roster_is_a_pdf_of_them(qtbot, ctx, school, monkeypatch,
                                                                     tmp_path) -> None:
    """The roster's "Progress report (PDF)…" opens the dialog on that student, format PDF fixed;
    the file names them and their activity (read back with pdftotext)."""
    import subprocess

    from ui.views.activity_roster import RosterTab

    roster = RosterTab(ctx, school.chess)
    qtbot.addWidget(roster)
    roster.show()
    settle(qtbot, ctx)
    row = next(i for i in range(roster.proxy.rowCount()) if roster.proxy.record(i).student_id == school.student.id)
    roster.table.selectRow(row)
    assert roster.report_action.isEnabled()
    dialog = roster.progress_report()
    assert isinstance(dialog, ExportDialog)
    settle(qtbot, ctx)
    assert scopes(dialog) == ["Progress report: Sam Student"] and not dialog.scope.isEnabled()
    assert dialog.chosen_format.key == "pdf" and not dialog.format.isEnabled()
    assert dialog.export_button.isEnabled()
    monkeypatch.setattr("ui.export_charts.render_pngs", lambda charts: {})
    save_as(monkeypatch, tmp_path / "sam")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: (tmp_path / "sam.pdf").exists(), timeout=20000)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "sam.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Sam Student" in text and "Chess Club" in text
    dialog.close()
