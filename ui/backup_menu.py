"""The File menu's backup commands (administrators): Back up now, Backups… (settings) and
Restore…. Kept out of the main window: they follow its session through its ``actor_changed`` /
``locked_changed`` signals, and a restore ends with everyone signing in again on the restored data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu

from tracker.domain.policy import Permission
from tracker.services.backups import RestoreResult
from ui.ops import WriteOp
from ui.widgets.actions import menu_action

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class BackupActions:
    """The three actions, added to ``menu``; visible and enabled for who may use them."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        self.back_up_action = self._action("&Back up now", self.back_up_now,
                                           "Make a verified backup of the database now")
        self.settings_action = self._action("Bac&kups…", self.open_settings,
                                            "Where backups go, how many are kept, the last backup")
        self.restore_action = self._action("&Restore…", self.open_restore,
                                           "Go back to the data of a backup (the current data is backed up first)")
        menu.addSeparator()
        for action in self.actions:
            menu.addAction(action)
        window.actor_changed.connect(lambda _actor: self.sync())
        window.locked_changed.connect(lambda _locked: self.sync())

    @property
    def actions(self) -> tuple[QAction, ...]:
        return self.back_up_action, self.settings_action, self.restore_action

    def _action(self, text: str, slot: Callable[..., Any], tip: str) -> QAction:
        return menu_action(self.window, text, slot, tip)

    def allowed(self) -> bool:
        return self.window.ctx.can(Permission.MANAGE_SETTINGS) and not self.window.locked

    def sync(self) -> None:
        allowed = self.allowed()
        for action in self.actions:
            action.setVisible(self.window.ctx.can(Permission.MANAGE_SETTINGS))
            action.setEnabled(allowed)

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15000)

    def back_up_now(self) -> None:
        if not self.allowed():
            return
        ctx = self.window.ctx
        service, actor = ctx.services.backups, ctx.user
        self._say("Backing up…")
        WriteOp(self.window, ctx, lambda state: service.back_up(
            actor, progress=lambda part, text: state.set_progress(part, 1, text)), label="Backing up") \
            .progress("Backing up the database").success(lambda path: self._say(f"Backup written: {path}")) \
            .run_in_background()

    def open_settings(self) -> QDialog | None:
        if not self.allowed():
            return None
        from ui.dialogs.backup_settings import BackupSettingsDialog

        dialog = BackupSettingsDialog(self.window.ctx, self.window)
        dialog.backed_up.connect(lambda path: self._say(f"Backup written: {path}"))
        dialog.accepted.connect(lambda: self._say("Backup settings saved."))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def open_restore(self) -> QDialog | None:
        if not self.allowed():
            return None
        from ui.dialogs.restore_dialog import RestoreDialog

        dialog = RestoreDialog(self.window.ctx, self.window)
        dialog.restored.connect(self.reopen)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def reopen(self, result: RestoreResult) -> None:
        """The data changed under every page: drop them and sign in again on the restored data
        (the service closed the old connections; the next ones open the restored file)."""
        self.window.log_out(prompt=f"{Path(result.source).name} was restored. Sign in to continue.")
