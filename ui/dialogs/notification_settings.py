"""Notification settings: which notifications a person gets, and how.

One row per kind (the service's wording, ``KINDS``), with three check boxes: in the inbox, on
the desktop (a tray message while the app runs), by e-mail; below, "one daily digest instead"
and the address the mail goes to — or why e-mail is not possible (no address on the account,
or the school has no mail server set). An e-mail box that is ticked can always be unticked, so
a parent can turn e-mail off whatever the school's set-up. The preferences are read in the
background when the dialog opens and saved with one ``WriteOp``.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from tracker.services.notifications import KINDS, KindChoice, Preferences
from ui.context import AppContext
from ui.notifications import kind_label
from ui.ops import ReadOp, WriteOp
from ui.widgets.style import set_style_flag, styled_label

CHANNELS = (("inbox", "In the inbox"), ("desktop", "On the desktop"), ("email", "By e-mail"))
NO_ADDRESS = "E-mail is not possible: your account has no e-mail address. The school office can add one."
NO_SERVER = "E-mail is not possible yet: the school has not set up a mail server."


def email_note(prefs: Preferences) -> str:
    """Where the mail goes, or why there is none."""
    if not prefs.email_address:
        return NO_ADDRESS
    if not prefs.email_possible:
        return NO_SERVER
    return f"E-mail goes to {prefs.email_address}."


class NotificationSettingsDialog(QDialog):
    """Per kind: inbox, desktop, e-mail; the digest; Save writes them all at once."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.prefs: Preferences | None = None
        self.boxes: dict[tuple[str, str], QCheckBox] = {}
        self.setWindowTitle("Notification settings")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 16)
        lay.setSpacing(10)
        intro = QLabel("Choose which notifications you get, and how. Desktop messages show while "
                       "Activity Tracker is open.")
        intro.setWordWrap(True)
        lay.addWidget(intro)

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(6)
        for column, (_, title) in enumerate(CHANNELS, start=1):
            header = QLabel(title)
            header.setStyleSheet("font-weight: 600;")
            grid.addWidget(header, 0, column, Qt.AlignmentFlag.AlignHCenter)
        for row, kind in enumerate(KINDS, start=1):
            label = QLabel(kind_label(kind))
            grid.addWidget(label, row, 0)
            for column, (channel, title) in enumerate(CHANNELS, start=1):
                box = QCheckBox()
                box.setAccessibleName(f"{kind_label(kind)}: {title.lower()}")
                box.setToolTip(f"{kind_label(kind)}: {title.lower()}")
                grid.addWidget(box, row, column, Qt.AlignmentFlag.AlignHCenter)
                self.boxes[(kind, channel)] = box
        grid.setColumnStretch(0, 1)
        lay.addLayout(grid)

        self.digest = QCheckBox("One daily digest instead of a mail for each notification")
        lay.addWidget(self.digest)
        self.email = styled_label("", muted=True)
        self.email.setWordWrap(True)
        self.email.setAccessibleName("E-mail address")
        lay.addWidget(self.email)
        self.status = styled_label("Loading your settings…", muted=True)
        lay.addWidget(self.status)
        lay.addStretch(1)

        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                           | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.button_box.button(QDialogButtonBox.StandardButton.Save)
        set_style_flag(self.save_button, "primary")
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)
        lay.addWidget(self.button_box)
        self._set_enabled(False)

        notifications, actor = ctx.services.notifications, ctx.user
        ReadOp(self, ctx, lambda state: notifications.preferences(actor), label="Loading notification settings") \
            .success(self.show_preferences).failure(self._not_loaded).run_in_background()

    def _set_enabled(self, enabled: bool) -> None:
        for box in (*self.boxes.values(), self.digest, self.save_button):
            box.setEnabled(enabled)

    def _not_loaded(self, exc: BaseException) -> bool:
        self.status.setText(f"Your settings could not be read: {exc}")
        return True  # said in the dialog

    def show_preferences(self, prefs: Preferences) -> None:
        """Tick the boxes as saved; e-mail boxes only where mail can go (or to untick them)."""
        self.prefs = prefs
        self._set_enabled(True)
        self.status.hide()
        for kind in KINDS:
            choice = prefs.kinds.get(kind) or KindChoice(inbox=True, desktop=True, email=False)
            for channel, _ in CHANNELS:
                box = self.boxes[(kind, channel)]
                box.setChecked(bool(getattr(choice, channel)))
                if channel == "email":
                    box.setEnabled(prefs.email_possible or box.isChecked())
        self.digest.setChecked(prefs.digest)
        self.digest.setEnabled(prefs.email_possible or prefs.digest)
        self.email.setText(email_note(prefs))

    def chosen(self) -> Preferences | None:
        """The preferences as the boxes say (None before they were read)."""
        if self.prefs is None:
            return None
        kinds = {kind: KindChoice(**{channel: self.boxes[(kind, channel)].isChecked() for channel, _ in CHANNELS})
                 for kind in KINDS}
        return replace(self.prefs, kinds=kinds, digest=self.digest.isChecked())

    def save(self) -> None:
        prefs = self.chosen()
        if prefs is None:
            return
        notifications, actor = self.ctx.services.notifications, self.ctx.user
        self.save_button.setEnabled(False)

        def failed(_exc: BaseException) -> bool:
            self.save_button.setEnabled(True)
            return False  # shown the standard way

        WriteOp(self, self.ctx, lambda state: notifications.save_preferences(actor, prefs),
                label="Saving notification settings", idempotent=True) \
            .success(lambda _saved: self.accept()).failure(failed).run_in_background()


def open_notification_settings(ctx: AppContext, parent: QWidget) -> NotificationSettingsDialog:
    """The dialog, window-modal, deleted when closed."""
    dialog = NotificationSettingsDialog(ctx, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
