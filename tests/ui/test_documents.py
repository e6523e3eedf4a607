"""Producing a document in the background, then opening, saving or printing it (ui/documents.py)."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

import ui.printing as printing
from tests.ui.conftest import lp_at, settle
from tracker.errors import NotFound
from ui.documents import Delivery, Document, produce
from ui.tasks import TaskState

PDF = b"%PDF-1.4 a tiny stand-in\n%%EOF\n"


class Recorder:
    """What the user would notice: files opened in the viewer, lines on the status bar, errors."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.opened: list[str] = []
        self.said: list[str] = []
        self.errors: list[str] = []
        self.threads: list[bool] = []  # one per write: did it run on the GUI thread?
        monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: self.opened.append(url.toLocalFile()) or True)
        monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: self.errors.append(text))

    def write(self, _state: TaskState, path: Path) -> None:
        self.threads.append(threading.current_thread() is threading.main_thread())
        path.write_bytes(PDF)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where the user saves (the test database lives in tmp_path itself)."""
    path = tmp_path / "documents"
    path.mkdir()
    return path


@pytest.fixture
def parent(qtbot) -> QWidget:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def test_save_asks_where_writes_in_the_background_and_opens_it(qtbot, ctx, parent, monkeypatch,
                                                               folder: Path) -> None:
    seen = Recorder(monkeypatch)
    asked: list[tuple[str, str]] = []

    def save_as(_parent, title: str, suggested: str, _filter: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        asked.append((title, Path(suggested).name))
        return str(folder / "chosen.pdf"), "PDF (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    sheet = Document("Sign-in sheet", "sign-in Chess Club 2026-03-02.pdf", seen.write)
    assert produce(parent, ctx, sheet, Delivery.SAVE, done=seen.said.append)
    settle(qtbot, ctx)
    assert asked == [("Save the sign-in sheet", "sign-in Chess Club 2026-03-02.pdf")]
    assert seen.threads == [False]  # written off the GUI thread
    assert (folder / "chosen.pdf").read_bytes() == PDF
    assert [p.name for p in folder.iterdir()] == ["chosen.pdf"]  # no temporary file left beside it
    assert seen.opened == [str(folder / "chosen.pdf")]
    assert seen.said == ["Saved chosen.pdf"]


def test_cancelling_save_as_writes_nothing(qtbot, ctx, parent, monkeypatch) -> None:
    seen = Recorder(monkeypatch)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert not produce(parent, ctx, Document("Register", "register.pdf", seen.write), Delivery.SAVE)
    settle(qtbot, ctx)
    assert seen.threads == [] and seen.opened == []


def test_open_writes_a_temporary_copy_and_opens_it(qtbot, ctx, parent, monkeypatch) -> None:
    seen = Recorder(monkeypatch)
    assert produce(parent, ctx, Document("Certificate", "certificate Sam.pdf", seen.write), Delivery.OPEN,
                   done=seen.said.append)
    settle(qtbot, ctx)
    assert len(seen.opened) == 1 and Path(seen.opened[0]).name == "certificate Sam.pdf"
    assert Path(seen.opened[0]).read_bytes() == PDF
    assert seen.said == ["Saved certificate Sam.pdf"]


def test_print_sends_a_written_copy_to_the_printer_the_user_picks(qtbot, ctx, parent, monkeypatch) -> None:
    seen = Recorder(monkeypatch)
    spooled: list[list[str]] = []

    def spool(cmd: list[str], **_kw: object) -> subprocess.CompletedProcess[str]:
        assert Path(cmd[-1]).read_bytes() == PDF  # the whole document reaches the spooler
        spooled.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(printing.shutil, "which", lp_at("/usr/bin/lp"))
    monkeypatch.setattr(printing.subprocess, "run", spool)
    register = Document("Attendance register", "register Chess.pdf", seen.write, noun="register")
    assert produce(parent, ctx, register, Delivery.PRINT, done=seen.said.append)
    settle(qtbot, ctx)
    assert len(spooled) == 1 and spooled[0][0] == "/usr/bin/lp" and spooled[0][-1].endswith("register Chess.pdf")
    assert seen.opened == []
    assert seen.said == ["Sent the register to the printer"]


def test_a_failed_write_is_shown_and_leaves_nothing_where_the_user_asked(qtbot, ctx, parent, monkeypatch,
                                                                         folder: Path) -> None:
    seen = Recorder(monkeypatch)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(folder / "sheet.pdf"), ""))

    def half_then_fail(_state: TaskState, path: Path) -> None:
        path.write_bytes(PDF[:5])
        raise NotFound("That session was deleted meanwhile.")

    assert produce(parent, ctx, Document("Sign-in sheet", "sheet.pdf", half_then_fail), Delivery.SAVE,
                   done=seen.said.append)
    settle(qtbot, ctx)
    assert seen.errors == ["That session was deleted meanwhile."]
    assert list(folder.iterdir()) == [] and seen.opened == [] and seen.said == []
