"""File ▸ Backups… and the automatic backups (issue 15): an administrator sets where backups go
and how many are kept, backs up on request with progress, and the application backs up by itself
once a day, saying so (or what failed) in the status bar, never with a dialog."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.conftest import School
from tests.ui.conftest import settle
from tracker.db import sqlite_backup
from tracker.errors import DatabaseError
from tracker.services.backups import BackupService
from ui.backup_timer import BackupTimer
from ui.dialogs.backup_settings import BackupSettingsDialog


def open_dialog(qtbot, ctx) -> BackupSettingsDialog:  # type: ignore[no-untyped-def]
    dialog = BackupSettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    return dialog


def test_shows_the_settings_and_saves_a_new_folder_and_counts(qtbot, ctx, school: School, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_dialog(qtbot, ctx)
    default = school.services.backups.folder()
    assert dialog.folder.text() == "" and dialog.default_folder.full_text() == f"Backups now go to {default}"
    assert (dialog.keep_daily.value(), dialog.keep_weekly.value()) == (7, 4)
    assert dialog.last.full_text() == "None yet"
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(usb))
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.folder.text() == str(usb)
    dialog.keep_daily.selectAll()
    qtbot.keyClicks(dialog.keep_daily, "14")
    qtbot.keyClick(dialog.keep_weekly, Qt.Key.Key_Up)
    dialog.save_button.click()
    settle(qtbot, ctx)
    saved = school.services.settings.get()
    assert (saved.backup_folder, saved.backups_keep_daily, saved.backups_keep_weekly) == (str(usb), 14, 5)
    assert dialog.result() == dialog.DialogCode.Accepted


def test_a_folder_that_cannot_be_written_is_refused(qtbot, ctx, school: School, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: said.append(text))
    dialog = open_dialog(qtbot, ctx)
    dialog.folder.setText(str(tmp_path / "no such folder"))
    dialog.save_button.click()
    settle(qtbot, ctx)
    assert said and "cannot be written to" in said[0]
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    assert school.services.settings.get().backup_folder == ""


def test_back_up_now_runs_in_the_background_and_says_where_it_went(qtbot, ctx, school: School) -> None:
    dialog = open_dialog(qtbot, ctx)
    written: list[str] = []
    dialog.backed_up.connect(written.append)
    dialog.back_up_button.click()
    assert not dialog.back_up_button.isEnabled() and dialog.progress.isVisible()
    settle(qtbot, ctx)
    [path] = written
    assert Path(path).is_file() and path.endswith("-manual.db")
    assert dialog.status.full_text() == f"Backup written: {path}"
    assert dialog.back_up_button.isEnabled() and not dialog.progress.isVisible()
    assert dialog.last.full_text().endswith("(manual)")


def test_the_automatic_backup_is_made_at_start_once_a_day(qtbot, ctx, school: School) -> None:
    said: list[str] = []
    timer = BackupTimer(ctx, None, said.append, interval_ms=50)
    timer.start()
    settle(qtbot, ctx)
    [made] = sqlite_backup.list_backups(school.services.backups.folder())
    assert made.reason == "start" and said == [f"Automatic backup written: {made.path.name}"]
    qtbot.wait(200)  # a few hourly checks (here: every 50 ms): not due again today
    settle(qtbot, ctx)
    timer.stop()
    assert len(sqlite_backup.list_backups(school.services.backups.folder())) == 1 and len(said) == 1


def test_an_automatic_backup_that_fails_is_told_in_the_status_bar(qtbot, ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(self: BackupService, reason: str = "daily", *, now: datetime | None = None) -> None:
        raise DatabaseError("Cannot copy the database: disk full")

    monkeypatch.setattr(BackupService, "automatic", full_disk)
    said: list[str] = []
    timer = BackupTimer(ctx, None, said.append)
    timer.start()
    settle(qtbot, ctx)
    timer.stop()
    assert said == ["Automatic backup failed: Cannot copy the database: disk full (details in the support log)"]
    assert not timer.running  # the next hour tries again


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_the_backup_folder_is_created_private(qtbot, ctx, school: School) -> None:
    dialog = open_dialog(qtbot, ctx)
    dialog.back_up_button.click()
    settle(qtbot, ctx)
    assert school.services.backups.folder().stat().st_mode & 0o777 == 0o700
