"""Dialogs of the session calendar: a weekly pattern, and one session (move it or add an extra)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.schedule import WEEKDAY_SHORT
from tracker.services.calendar import ScheduleInfo, ScheduleInput, SessionInfo
from ui.context import AppContext
from ui.widgets.forms import FormDialog


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _date(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _qtime(t: time) -> QTime:
    return QTime(t.hour, t.minute)


def _time(q: QTime) -> time:
    return time(q.hour(), q.minute())


def _with_error(widget: QWidget, error: QLabel) -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lay.addWidget(widget)
    lay.addWidget(error)
    return box


def _date_edit(value: date, name: str) -> QDateEdit:
    edit = QDateEdit(_qdate(value))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("ddd d MMM yyyy")
    edit.setAccessibleName(name)
    edit.setMinimumWidth(150)
    return edit


def _time_edit(value: time, name: str) -> QTimeEdit:
    edit = QTimeEdit(_qtime(value))
    edit.setDisplayFormat("HH:mm")
    edit.setAccessibleName(name)
    edit.setMinimumWidth(90)
    return edit


class ScheduleDialog(FormDialog):
    """Add or edit a weekly pattern; saving regenerates the activity's sessions."""

    def __init__(self, ctx: AppContext, activity_id: int, schedule: ScheduleInfo | None = None, *,
                 term: tuple[date | None, date | None] = (None, None), location: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.schedule = schedule
        self.setWindowTitle("Edit weekly pattern" if schedule else "Add weekly pattern")
        outer = QVBoxLayout(self)
        outer.addWidget(self.general_error)
        form = QFormLayout()
        outer.addLayout(form)

        days = QHBoxLayout()
        days.setSpacing(6)
        self.day_boxes: list[QCheckBox] = []
        for name in WEEKDAY_SHORT:
            box = QCheckBox(name)
            box.setAccessibleName(f"Meets on {name}")
            self.day_boxes.append(box)
            days.addWidget(box)
        days.addStretch(1)
        days_w = QWidget()
        days_w.setLayout(days)
        days.setContentsMargins(0, 0, 0, 0)
        form.addRow("Days:", _with_error(days_w, self.field_error("weekdays", None)))

        times = QHBoxLayout()
        times.setContentsMargins(0, 0, 0, 0)
        self.start_time = _time_edit(time(15, 30), "Start time")
        self.end_time = _time_edit(time(16, 30), "End time")
        times.addWidget(self.start_time)
        times.addWidget(QLabel("to"))
        times.addWidget(self.end_time)
        times.addStretch(1)
        times_w = QWidget()
        times_w.setLayout(times)
        form.addRow("Time:", _with_error(times_w, self.field_error("end time", self.end_time, "start time")))

        today = date.today()
        first = term[0] or today
        last = term[1] or (first + timedelta(weeks=12))
        dates = QHBoxLayout()
        dates.setContentsMargins(0, 0, 0, 0)
        self.start_date = _date_edit(first, "First date")
        self.end_date = _date_edit(last, "Last date")
        dates.addWidget(self.start_date)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.end_date)
        dates.addStretch(1)
        dates_w = QWidget()
        dates_w.setLayout(dates)
        form.addRow("Between:", _with_error(dates_w, self.field_error("end date", self.end_date, "start date")))

        self.location = QLineEdit(location)
        self.location.setAccessibleName("Location")
        self.location.setPlaceholderText("e.g. Room 12")
        form.addRow("Location:", self.location)

        note = QLabel("Saving updates the sessions. Sessions that already have attendance are never "
                      "changed; school holidays are skipped.")
        note.setProperty("muted", True)
        note.setWordWrap(True)
        outer.addWidget(note)
        outer.addWidget(self.buttons)
        self.ok_button.setText("Save" if schedule else "Add")
        if schedule is not None:
            for d in schedule.weekdays:
                self.day_boxes[d].setChecked(True)
            self.start_time.setTime(_qtime(schedule.start_time))
            self.end_time.setTime(_qtime(schedule.end_time))
            self.start_date.setDate(_qdate(schedule.start_date))
            self.end_date.setDate(_qdate(schedule.end_date))
            self.location.setText(schedule.location)
        self.resize(560, self.sizeHint().height())

    def data(self) -> ScheduleInput:
        return ScheduleInput([i for i, b in enumerate(self.day_boxes) if b.isChecked()],
                             _time(self.start_time.time()), _time(self.end_time.time()),
                             _date(self.start_date.date()), _date(self.end_date.date()),
                             self.location.text())

    def submit(self) -> Callable[[], Any] | None:
        data, actor, service, aid = self.data(), self.ctx.user, self.ctx.services.calendar, self.activity_id
        if self.schedule is None:
            return lambda: service.add_schedule(actor, aid, data)
        sid, version = self.schedule.id, self.schedule.version
        return lambda: service.update_schedule(actor, sid, data, expected_version=version)


class SessionDialog(FormDialog):
    """Move one session (``session`` given) or add an extra one-off session."""

    def __init__(self, ctx: AppContext, activity_id: int, session: SessionInfo | None = None, *,
                 day: date | None = None, location: str = "", parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.session = session
        self.setWindowTitle("Move session" if session else "Add extra session")
        outer = QVBoxLayout(self)
        outer.addWidget(self.general_error)
        if session is not None:
            was = session.original_starts_at or session.starts_at
            info = QLabel(f"Planned for {was:%A %d %B %Y, %H:%M}.")
            info.setProperty("muted", True)
            outer.addWidget(info)
        form = QFormLayout()
        outer.addLayout(form)
        begins = session.starts_at if session else datetime.combine(day or date.today(), time(15, 30))
        ends = session.ends_at if session else begins + timedelta(hours=1)
        self.day = _date_edit(begins.date(), "Date")
        form.addRow("Date:", self.day)
        times = QHBoxLayout()
        times.setContentsMargins(0, 0, 0, 0)
        self.start_time = _time_edit(begins.time(), "Start time")
        self.end_time = _time_edit(ends.time(), "End time")
        times.addWidget(self.start_time)
        times.addWidget(QLabel("to"))
        times.addWidget(self.end_time)
        times.addStretch(1)
        times_w = QWidget()
        times_w.setLayout(times)
        form.addRow("Time:", _with_error(times_w, self.field_error("end", self.end_time, "start")))
        self.location = QLineEdit(session.location if session else location)
        self.location.setAccessibleName("Location")
        form.addRow("Location:", self.location)
        self.note = QLineEdit(session.note if session else "")
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Shown with the session, e.g. “Tournament”")
        form.addRow("Note:", self.note)
        outer.addWidget(self.buttons)
        self.ok_button.setText("Move" if session else "Add")
        self.resize(460, self.sizeHint().height())

    def times(self) -> tuple[datetime, datetime]:
        day = _date(self.day.date())
        return (datetime.combine(day, _time(self.start_time.time())),
                datetime.combine(day, _time(self.end_time.time())))

    def submit(self) -> Callable[[], Any] | None:
        begins, ends = self.times()
        actor, service, aid = self.ctx.user, self.ctx.services.calendar, self.activity_id
        location, note = self.location.text(), self.note.text()
        if self.session is not None:
            sid = self.session.id
            return lambda: service.move_session(actor, sid, begins, ends, location=location, note=note)
        return lambda: service.add_extra_session(actor, aid, begins, ends, location, note)
