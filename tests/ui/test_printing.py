"""Printing a sign-in sheet: the user picks a printer; the PDF goes to the system spooler."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QDialog

import ui.printing as printing
from tests.conftest import School
from tests.ui.conftest import lp_at, settle
from tests.ui.test_take_attendance import today_session


def test_spooler_command_names_printer_and_copies(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(printing.shutil, "which", lp_at("/usr/bin/lp"))
    pdf = tmp_path / "sheet.pdf"
    assert printing.spooler_command(pdf, "Staffroom", 2) == ["/usr/bin/lp", "-d", "Staffroom", "-n", "2",
                                                            "--", str(pdf)]
    assert printing.spooler_command(pdf, "", 1) == ["/usr/bin/lp", "--", str(pdf)]
    monkeypatch.setattr(printing.shutil, "which", lp_at(None))
    assert printing.spooler_command(pdf, "Staffroom", 1) is None


def test_cancelling_the_print_dialog_prints_nothing(qapp, monkeypatch, tmp_path: Path):
    ran: list[list[str]] = []
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    monkeypatch.setattr(printing.subprocess, "run", lambda cmd, **kw: ran.append(cmd))
    assert printing.print_pdf(None, tmp_path / "x.pdf", "Sign-in sheet") is False
    assert ran == []


def test_print_button_sends_the_sign_in_sheet_pdf_to_the_spooler(qtbot, make_ctx, school: School,
                                                                 monkeypatch):
    session = today_session(school)
    from ui.views.take_attendance import TakeAttendanceView

    ctx = make_ctx(school.teacher)
    view = TakeAttendanceView(ctx, school.chess, session)
    qtbot.addWidget(view)
    view.show()
    settle(qtbot, ctx)
    sent: list[list[str]] = []

    def fake_run(cmd, **kw):  # type: ignore[no-untyped-def]
        sent.append(cmd)
        assert Path(cmd[-1]).read_bytes().startswith(b"%PDF")  # a real PDF reaches the spooler
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(printing.shutil, "which", lp_at("/usr/bin/lp"))
    monkeypatch.setattr(printing.subprocess, "run", fake_run)
    assert view.print_button is not None and view.print_button.isVisible()
    view.print_button.click()
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: bool(sent))
    assert sent[0][0] == "/usr/bin/lp" and sent[0][-1].endswith(".pdf")


def test_register_for_a_date_range_can_be_printed(qtbot, make_ctx, school: School, monkeypatch):
    from datetime import date, timedelta

    from ui.dialogs.register_dialog import RegisterRangeDialog
    from ui.views.take_attendance import TakeAttendanceView

    session = today_session(school)
    ctx = make_ctx(school.teacher)
    view = TakeAttendanceView(ctx, school.chess, session)
    qtbot.addWidget(view)
    view.show()
    settle(qtbot, ctx)
    ranges: list[tuple[date, date]] = []

    def choose_print(dialog: RegisterRangeDialog) -> int:
        assert dialog.range() == (date.today(), date.today())  # default: the sessions held so far
        dialog.start.setDate(dialog.start.date().addDays(-7))
        ranges.append(dialog.range())
        dialog.print_button.click()
        return int(dialog.result())

    sent: list[list[str]] = []
    monkeypatch.setattr(RegisterRangeDialog, "exec", choose_print)
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(printing.shutil, "which", lp_at("/usr/bin/lp"))
    monkeypatch.setattr(printing.subprocess, "run",
                        lambda cmd, **kw: sent.append(cmd) or subprocess.CompletedProcess(cmd, 0, "", ""))
    view.register_button.click()
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: bool(sent))
    assert ranges == [(date.today() - timedelta(days=7), date.today())]
    assert Path(sent[0][-1]).read_bytes().startswith(b"%PDF")


def test_register_range_refuses_an_end_before_the_start(qapp):
    from datetime import date

    from ui.dialogs.register_dialog import RegisterRangeDialog

    dialog = RegisterRangeDialog(date(2026, 9, 1), date(2026, 11, 20))
    dialog.end.setDate(dialog.start.date().addDays(-1))
    assert not dialog.save_button.isEnabled() and not dialog.print_button.isEnabled()
