"""The main window's part in offline work (issue 17), kept out of the window like the backup
commands: the offline status in the status bar, File ▸ Take activities offline… and Sync now,
work that needs the whole school disabled with a reason while offline, and wiping this
computer's copy on sign-out where that is the setting.

On a single-workstation SQLite file (``router_of(ctx)`` is None) none of this appears.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QMetaObject, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QListWidgetItem, QMenu, QMessageBox, QWidget

from tracker.domain.policy import Permission
from tracker.offline.router import RoutedServices
from ui.dialogs import alive
from ui.offline import router_of
from ui.offline_status import NOT_AVAILABLE, OfflineState, OfflineStatus, SyncController, wipe_on_sign_out
from ui.ops import WriteOp
from ui.pending_jobs import plural
from ui.widgets.actions import menu_action

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: pages that need the whole school (their services are refused offline)
SCHOOL_PAGES = frozenset({"analytics", "audit", "leaderboard"})
#: commands inside pages that need the whole school, by their text
SCHOOL_COMMANDS = frozenset({"Import roster…", "Letters to parents…", "Import .ics…"})
#: buttons inside pages that need the whole school (exports, preparing an offline copy), by their text
SCHOOL_BUTTONS = SCHOOL_COMMANDS | {"Export…", "Take this activity offline…"}
_SAVED_TIP = Qt.ItemDataRole.UserRole + 40
DISABLED_PAGE = "#6f7e90"  # a page's title in the sidebar while it cannot work offline


Gated = QAction | QAbstractButton


class SchoolOnlyGate(QObject):
    """Disables actions and buttons while offline, with :data:`NOT_AVAILABLE` as their tooltip,
    and gives back what they were when the connection returns. One its owner enables again while
    offline (a page's selection logic, unlocking) is disabled again at once."""

    def __init__(self) -> None:
        super().__init__()
        self.offline = False
        self._kept: dict[Gated, tuple[bool, str, str]] = {}
        self._watching: dict[QAction, QMetaObject.Connection] = {}

    def add(self, item: Gated) -> None:
        if item in self._kept or not self.offline:
            return
        self._kept[item] = (item.isEnabled(), item.toolTip(), item.statusTip())
        if isinstance(item, QAction):
            self._watching[item] = item.changed.connect(lambda: self._recheck(item))
        else:
            item.installEventFilter(self)
        self._close(item)

    def _close(self, item: Gated) -> None:
        item.setEnabled(False)
        item.setToolTip(NOT_AVAILABLE)
        item.setStatusTip(NOT_AVAILABLE)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.EnabledChange and isinstance(watched, QAbstractButton):
            self._recheck(watched)
        return False

    def _recheck(self, item: Gated) -> None:
        kept = self._kept.get(item)
        if kept is not None and self.offline and item.isEnabled():
            self._kept[item] = (True, kept[1], kept[2])
            self._close(item)

    def open_all(self, *, enabled: bool = True) -> None:
        """Back online: everything as it was (``enabled`` False: still locked meanwhile)."""
        self.offline = False
        kept, self._kept = self._kept, {}
        watching, self._watching = self._watching, {}
        for item, (was_enabled, tip, status_tip) in kept.items():
            if not alive(item):
                continue
            if isinstance(item, QAction):
                QObject.disconnect(watching[item])
            else:
                item.removeEventFilter(self)
            item.setToolTip(tip)
            item.setStatusTip(status_tip)
            item.setEnabled(was_enabled and enabled)


class OfflineShell:
    """Wires offline work into ``window`` (File ▸ commands inserted into ``menu``)."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        self.router: RoutedServices | None = router_of(window.ctx)
        self.gate = SchoolOnlyGate()
        self.kept_notice: QMessageBox | None = None
        self.status: OfflineStatus | None = None
        self.controller: SyncController | None = None
        if self.router is None:
            return
        self.take_offline_action = self._action("Take activities &offline…", self.open_take_offline,
                                                "Prepare this computer to work without the school database")
        self.sync_action = self._action("S&ync now", self.sync_now,
                                        "Send the changes kept on this computer to the school database now")
        before = menu.actions()[menu.actions().index(window.lock_action) - 1]
        menu.insertSeparator(before)
        menu.insertActions(before, [self.take_offline_action, self.sync_action])
        self.status = OfflineStatus()
        # permanent: a passing message in the status bar must not hide that the window is offline
        window.statusBar().addPermanentWidget(self.status, 3)
        # pages that need the school read as unavailable in the dark sidebar (the theme sets no
        # colour for a disabled item: it would look like any other)
        window.sidebar.setStyleSheet(f"QListWidget#sidebar::item:disabled {{ color: {DISABLED_PAGE}; }}")
        self.controller = SyncController(window.ctx, self.router, self.status, window)
        window.installEventFilter(self.controller)  # closing the window stops its timers
        self.controller.message.connect(lambda text: window.statusBar().showMessage(text, 15000))
        self.controller.state_changed.connect(self._state_changed)
        self.controller.mode_changed.connect(self._mode_changed)
        self.status.decisions_requested.connect(self.open_decisions)
        window.actor_changed.connect(lambda _actor: self._signed_in())
        window.locked_changed.connect(lambda _locked: self.apply())
        window.stack.currentChanged.connect(lambda _index: self.apply())
        # an activity's page opens inside the Activities page: its commands are caught at the next change
        window.ctx.events.changed.connect(lambda _changes, _initiator: self.apply() if self.offline else None)

    def _action(self, text: str, slot: Callable[..., Any], tip: str) -> QAction:
        return menu_action(self.window, text, slot, tip)

    @property
    def offline(self) -> bool:
        return self.router is not None and not self.router.online

    # ------------------------------------------------------------------ session
    def _signed_in(self) -> None:
        assert self.controller is not None
        self.controller.start()
        self.apply()

    def signing_out(self) -> None:
        """Before the user is forgotten: stop the timers; wipe the copy if that is the setting
        (kept, and the user told why, while changes still wait to be sent)."""
        router, controller = self.router, self.controller
        if router is None or controller is None:
            return
        controller.stop()
        if not wipe_on_sign_out() or not router.has_replica():
            return

        def wipe(_state: object) -> tuple[bool, int, bool]:
            return router.wipe_replica(), router.waiting(), router.online

        WriteOp(None, self.window.ctx, wipe, label="Removing the offline copy") \
            .success(lambda result: self._wiped(*result)).failure(controller._log_failure).run_in_background()

    def _wiped(self, wiped: bool, waiting: int, online: bool) -> None:
        if wiped:
            return
        why = (f"{plural(waiting, 'change')} made offline {'has' if waiting == 1 else 'have'} not been sent "
               "to the school database yet" if waiting else
               "the school database cannot be reached" if not online else "changes still wait for a decision")
        box = QMessageBox(QMessageBox.Icon.Information, "Offline copy kept",
                          f"The offline copy on this computer was kept because {why}.")
        box.setInformativeText("Sign in again when the school database is back and use Sync now; "
                               "the copy is removed at the next sign-out after that.")
        box.setWindowModality(Qt.WindowModality.NonModal)
        self.kept_notice = box
        box.show()

    # ------------------------------------------------------------------ offline / online
    def _mode_changed(self, online: bool) -> None:
        self.apply()
        if online and self.window.ctx.actor is not None:
            self.window.ctx.services.email.start_background()  # what waited goes out now

    def _state_changed(self, _state: OfflineState) -> None:
        self.apply()

    def apply(self) -> None:
        """Disable (offline) or give back (online) everything that needs the whole school."""
        router = self.router
        if router is None:
            return
        window = self.window
        offline = self.offline
        staff = window.ctx.can(Permission.TAKE_ATTENDANCE)  # students and parents take no copy away
        usable = staff and not window.locked
        self.sync_action.setVisible(staff)
        self.sync_action.setEnabled(usable)
        self.take_offline_action.setVisible(staff)
        self.take_offline_action.setEnabled(usable and not offline)
        tip = NOT_AVAILABLE if offline else "Prepare this computer to work without the school database"
        self.take_offline_action.setToolTip(tip)
        self.take_offline_action.setStatusTip(tip)
        # offline, the status bar gives its room to the offline sentence (which names the database)
        window.db_status.setVisible(not offline)
        if not offline:
            self.gate.open_all(enabled=not window.locked)
            self._sidebar(offline=False)
            return
        self.gate.offline = True
        for action in self._school_actions():
            self.gate.add(action)
        self._sidebar(offline=True)
        if window.current_key in SCHOOL_PAGES:
            allowed = [k for k in window.page_keys if k not in SCHOOL_PAGES]
            if allowed:
                window.show_page(allowed[0], focus=False)

    def _school_actions(self) -> list[Gated]:
        window = self.window
        actions: list[Gated] = [window.export_action, window.settings_action, window.outbox_action,
                   *window.backup_actions.actions]
        titles = {s.title for s in window._specs if s.key in SCHOOL_PAGES}
        actions += [a for a in window.go_menu.actions() if a.text() in titles]
        page = window.current_page()
        if page is not None:
            actions += [a for a in page.findChildren(QAction) if a.text() in SCHOOL_COMMANDS]
            actions += [b for b in page.findChildren(QAbstractButton) if b.text() in SCHOOL_BUTTONS]
        return actions

    def _sidebar(self, *, offline: bool) -> None:
        window = self.window
        for row, spec in enumerate(window._specs):
            item: QListWidgetItem | None = window.sidebar.item(row)
            if item is None or spec.key not in SCHOOL_PAGES:
                continue
            if offline and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                item.setData(_SAVED_TIP, item.toolTip())
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(f"{spec.title}: {NOT_AVAILABLE.lower()}")
            elif not offline and not item.flags() & Qt.ItemFlag.ItemIsEnabled:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(str(item.data(_SAVED_TIP) or spec.title))

    # ------------------------------------------------------------------ commands
    def sync_now(self) -> None:
        if self.controller is not None and not self.window.locked:
            self.controller.sync_now()

    def open_take_offline(self) -> QWidget | None:
        if self.router is None or self.window.locked or self.offline:
            return None
        from ui.dialogs.take_offline import TakeOfflineDialog  # helper U2's dialog, loaded when needed

        dialog = TakeOfflineDialog(self.window.ctx, self.window)
        dialog.finished.connect(lambda _code: self.controller.reload() if self.controller else None)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def open_decisions(self) -> QWidget | None:
        if self.router is None or self.window.locked:
            return None
        from ui.dialogs.sync_decisions import SyncDecisionsDialog  # helper U2's dialog, loaded when needed

        dialog = SyncDecisionsDialog(self.window.ctx, self.window)
        dialog.finished.connect(lambda _code: self.controller.reload() if self.controller else None)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
