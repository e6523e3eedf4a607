"""File ▸ Restore… (issue 15): an administrator picks a backup (newest first, with when, why and
how big), is told what will happen, and the application comes back on the restored data."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.conftest import School
from tests.ui.conftest import settle
from tracker.db import sqlite_backup
from tracker.services.activities import ActivityInput
from ui.dialogs.restore_dialog import RestoreDialog, human_size, taken_text
from ui.main_window import MainWindow


def _activities(school: School) -> list[str]:
    live = school.services.backups._live_path()
    assert live is not None
    conn = sqlite3.connect(live)
    try:
        return sorted(r[0] for r in conn.execute("SELECT name FROM activities"))
    finally:
        conn.close()


def open_dialog(qtbot, ctx) -> RestoreDialog:  # type: ignore[no-untyped-def]
    dialog = RestoreDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    return dialog


def click(box: QMessageBox, text: str) -> None:
    [button] = [b for b in box.buttons() if b.text() == text]
    button.click()


def test_sizes_and_times_read_as_people_write_them() -> None:
    assert [human_size(n) for n in (512, 1536, 10_485_760, 3 * 1024 ** 3)] == [
        "512 bytes", "1.5 KB", "10.0 MB", "3.0 GB"]
    assert taken_text(datetime(2026, 11, 30, 8, 5)) == "Mon 30 Nov 2026, 08:05"


def test_backups_are_listed_newest_first_with_when_why_and_size(qtbot, ctx, school: School) -> None:
    backups = school.services.backups
    older = backups.automatic("daily", now=datetime(2026, 11, 28, 7, 0))
    newer = backups.back_up(school.admin)
    dialog = open_dialog(qtbot, ctx)
    assert older is not None
    rows = [[dialog.table.topLevelItem(i).text(c) for c in range(3)] for i in range(dialog.table.topLevelItemCount())]
    size = human_size(newer.stat().st_size)
    assert rows[0][1:] == ["Manual", size]
    assert rows[1] == ["Sat 28 Nov 2026, 07:00", "Daily", human_size(older.size)]
    assert dialog.table.topLevelItem(0).toolTip(0) == str(newer)  # the file, whole, on hover
    assert dialog.folder_label.full_text() == f"2 backups in {backups.folder()}"
    assert dialog.restore_button.isEnabled()  # the newest is selected


def test_no_backups_yet_says_so_and_nothing_can_be_restored_but_a_file(qtbot, ctx, school: School) -> None:
    dialog = open_dialog(qtbot, ctx)
    assert dialog.folder_label.full_text() == f"No backups in {school.services.backups.folder()} yet"
    assert not dialog.restore_button.isEnabled() and dialog.file_button.isEnabled()


def test_restore_selected_asks_first_then_brings_the_data_back(qtbot, ctx, school: School) -> None:
    backup = school.services.backups.back_up(school.admin)
    school.services.activities.create_activity(school.admin, ActivityInput("Robotics", lead_ids=[]))
    dialog = open_dialog(qtbot, ctx)
    restored: list[object] = []
    dialog.restored.connect(restored.append)
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)  # Enter on the selected backup = Restore selected
    box = dialog.confirm_box
    assert box is not None and box.isVisible()
    assert box.text().startswith("Restore the backup of ")
    assert "The current data is backed up first" in box.informativeText()
    click(box, "Cancel")
    settle(qtbot, ctx)
    assert "Robotics" in _activities(school) and not restored  # nothing happened

    dialog.restore_button.click()
    click(dialog.confirm_box, "Restore")  # type: ignore[arg-type]
    settle(qtbot, ctx, timeout=30_000)
    assert "Robotics" not in _activities(school)
    [result] = restored
    assert result.source == backup  # type: ignore[attr-defined]
    assert dialog.result() == dialog.DialogCode.Accepted
    reasons = [b.reason for b in sqlite_backup.list_backups(school.services.backups.folder())]
    assert "before-restore" in reasons  # the data as it was, kept


def test_a_file_that_is_not_a_backup_is_refused_with_a_plain_message(
        qtbot, ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("shopping list")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(junk), ""))
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: said.append(text))
    dialog = open_dialog(qtbot, ctx)
    dialog.file_button.click()
    assert dialog.confirm_box is not None and dialog.confirm_box.text() == "Restore notes.db?"
    click(dialog.confirm_box, "Restore")
    settle(qtbot, ctx)
    assert said == ["notes.db cannot be restored: it is not an SQLite database file. Nothing was changed."]
    assert dialog.isVisible() and dialog.file_button.isEnabled()


def test_the_file_menu_offers_backups_to_administrators_only(qtbot, make_ctx, school: School) -> None:
    for actor, shown in ((school.admin, True), (school.teacher, False)):
        window = MainWindow(make_ctx(actor), persist=False)
        qtbot.addWidget(window)
        texts = [a.text() for a in window.menuBar().actions()[0].menu().actions() if a.isVisible()]
        assert ("&Restore…" in texts and "&Back up now" in texts and "Bac&kups…" in texts) is shown
        assert (window.backup_actions.open_restore() is not None) is shown
        settle(qtbot, window.ctx)


def test_after_a_restore_everyone_signs_in_again_on_the_restored_data(qtbot, make_ctx, school: School) -> None:
    backup = school.services.backups.back_up(school.admin)
    ctx = make_ctx(school.admin)
    window = MainWindow(ctx, persist=False)
    qtbot.addWidget(window)
    window.show()
    settle(qtbot, ctx)
    dialog = window.backup_actions.open_restore()
    assert isinstance(dialog, RestoreDialog)
    settle(qtbot, ctx)
    dialog.restore_button.click()
    click(dialog.confirm_box, "Restore")  # type: ignore[arg-type]
    settle(qtbot, ctx, timeout=30_000)
    assert not window.isVisible() and ctx.actor is None
    login = window.login_dialog
    assert login is not None and login.isVisible()
    assert login.prompt_label.text() == f"{backup.name} was restored. Sign in to continue."
    login.reject()
