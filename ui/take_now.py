"""Ctrl+T from any page: take attendance for the session on now (or next today).

The sessions come from the attendance service (``current_session`` of each activity the user
leads — an administrator who leads none: of every activity), read on the reader pool. The
session running now wins, else the next one today, else the latest one held today; when that
leaves several (two activities at the same time), a small picker asks which (Enter picks).
The existing :class:`~ui.views.take_attendance.TakeAttendanceDialog` then opens on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.policy import Actor
from tracker.errors import PermissionDenied
from tracker.services import Services
from tracker.services.attendance import SessionRef
from ui.context import AppContext
from ui.ops import ReadOp

NOTHING_TODAY = "None of your activities has a session today."


@dataclass(frozen=True)
class SessionChoice:
    activity_id: int
    activity_name: str
    session: SessionRef

    @property
    def label(self) -> str:
        s = self.session
        where = f" · {s.location}" if s.location else ""
        return f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}  {self.activity_name}{where}"


def sessions_today(services: Services, actor: Actor, now: datetime) -> list[SessionChoice]:
    """Today's session of each activity ``actor`` takes attendance for (reader thread)."""
    activities = services.activities.list_activities(actor, include_archived=False)
    mine = [a for a in activities if actor.id in a.lead_ids] or activities
    found = []
    for activity in mine:
        try:
            session = services.attendance.current_session(actor, activity.id, now=now)
        except PermissionDenied:
            continue
        if session is not None and session.starts_at.date() == now.date():
            found.append(SessionChoice(activity.id, activity.name, session))
    return found


def choose(found: list[SessionChoice], now: datetime) -> list[SessionChoice]:
    """The sessions Ctrl+T is about: those running now, else the next to start today (all
    that start then), else those held earlier today (the latest first)."""
    running = [c for c in found if c.session.starts_at <= now < c.session.ends_at]
    if running:
        return sorted(running, key=lambda c: (c.session.starts_at, c.activity_name))
    upcoming = sorted((c for c in found if c.session.starts_at > now),
                      key=lambda c: (c.session.starts_at, c.activity_name))
    if upcoming:
        return [c for c in upcoming if c.session.starts_at == upcoming[0].session.starts_at]
    return sorted(found, key=lambda c: (c.session.starts_at, c.activity_name), reverse=True)


class SessionPicker(QDialog):
    """Which of several sessions to take attendance for: a list, Enter or a double-click picks."""

    def __init__(self, choices: list[SessionChoice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Take attendance")
        self.choices = choices
        lay = QVBoxLayout(self)
        prompt = QLabel("Which session?")
        prompt.setProperty("heading", "2")
        lay.addWidget(prompt)
        self.list = QListWidget()
        self.list.setAccessibleName("Sessions")
        for choice in choices:
            item = QListWidgetItem(choice.label)
            item.setToolTip(choice.label)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.accept())
        lay.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Take attendance")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.list.setFocus()

    def chosen(self) -> SessionChoice | None:
        row = self.list.currentRow()
        return self.choices[row] if 0 <= row < len(self.choices) else None


class TakeNow:
    """What Ctrl+T does for a window: find the session, ask if need be, open the sheet.
    The last dialog it opened (picker, message or sheet) is kept in ``opened``."""

    def __init__(self, ctx: AppContext, window: QWidget) -> None:
        self.ctx = ctx
        self.window = window
        self.opened: QDialog | None = None

    def start(self, now: datetime | None = None) -> None:
        services, actor = self.ctx.services, self.ctx.user
        when = now or datetime.now()
        ReadOp(self.window, self.ctx, lambda state: choose(sessions_today(services, actor, when), when),
               label="Finding today's session").success(self._found).run_in_background()

    def _found(self, choices: list[SessionChoice]) -> None:
        if not choices:
            box = QMessageBox(QMessageBox.Icon.Information, "Take attendance", NOTHING_TODAY,
                              QMessageBox.StandardButton.Ok, self.window)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.opened = box
            box.open()
        elif len(choices) == 1:
            self.take(choices[0])
        else:
            picker = SessionPicker(choices, self.window)
            picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            picker.accepted.connect(lambda: self._picked(picker))
            self.opened = picker
            picker.open()

    def _picked(self, picker: SessionPicker) -> None:
        choice = picker.chosen()
        if choice is not None:
            self.take(choice)

    def take(self, choice: SessionChoice) -> QDialog:
        from ui.views.take_attendance import TakeAttendanceDialog

        dialog = TakeAttendanceDialog(self.ctx, choice.activity_id, choice.session.id, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.opened = dialog
        dialog.open()
        return dialog
