"""Calendar (whoever may see activities): the sessions of one activity or of all one sees, by
month or week — every activity for admins, the ones they lead for teachers, their own (or their
children's) for students and parents, as the policy's ``VIEW_ACTIVITY`` scopes say.

The grid is painted (ui.widgets.calendar_grid); the panel beside it lists the chosen day's
sessions with what can be done to them: move, cancel or restore, add an extra session. What is
offered follows the policy (``MANAGE_SCHEDULE``, ``MANAGE_SETTINGS`` for holidays,
``MANAGE_ACTIVITY`` for a new activity from .ics): without them the page is read-only. Writes
are ``WriteOp``s whose committed session changes reload the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Permission, Scope, scopes
from tracker.services.activities import ActivitySummary
from tracker.services.calendar import HolidayInfo, SessionInfo
from tracker.services.ical import ImportResult
from ui.context import AppContext
from ui.dialogs.all_day_dialog import AllDayTimes, choose_then_import
from ui.dialogs.holidays_dialog import HolidaysDialog
from ui.dialogs.schedule_dialog import SessionDialog
from ui.models.my_progress import follows_children
from ui.ops import WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState, show_error
from ui.views.base import Page
from ui.widgets.action_bar import action_button
from ui.widgets.calendar_grid import MonthGrid, WeekGrid, _CalendarBase, activity_colour
from ui.widgets.style import set_style_flag, styled_label

MONTH, WEEK = 0, 1


class CalendarData(NamedTuple):
    """One load of the page: the activities for the filter, the sessions and holidays of the
    range read (a little wider than the grids show)."""

    activities: list[ActivitySummary]
    sessions: list[SessionInfo]
    holidays: list[HolidayInfo]
    loaded_range: tuple[date, date]


def session_line(s: SessionInfo, *, with_name: bool = True) -> str:
    text = f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}"
    if with_name:
        text += f"  {s.activity_name}"
    details = []
    if s.location:
        details.append(s.location)
    if s.cancelled:
        details.append("Cancelled" + (f": {s.note}" if s.note else ""))
    else:
        if s.moved and s.original_starts_at:
            details.append(f"moved from {s.original_starts_at:%a %d %b %H:%M}")
        if s.note:
            details.append(s.note)
    if s.extra:
        details.append("extra session")
    if s.has_attendance:
        details.append("attendance taken")
    return text + ("\n" + " · ".join(details) if details else "")


class CalendarPage(Page):
    title = "Calendar"
    watches = frozenset({ChangeKind.SESSION, ChangeKind.ACTIVITY, ChangeKind.ATTENDANCE})
    #: the side panel's narrowest and widest (it takes 28% of the page between them)
    SIDE_WIDTH = (230, 290)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activities: list[ActivitySummary] = []
        self.sessions: list[SessionInfo] = []
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the calendar")
        self.loaded_range: tuple[date, date] | None = None
        self.can_edit = ctx.can(Permission.MANAGE_SCHEDULE)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.setSpacing(12)
        head = QHBoxLayout()
        head.setSpacing(8)
        head.addWidget(styled_label("Calendar", heading="1"))
        self.period = styled_label("", heading="2")
        self.period.setMinimumWidth(170)
        head.addSpacing(12)
        head.addWidget(self.period, 0, Qt.AlignmentFlag.AlignVCenter)
        head.addStretch(1)

        self.today_action = self._act("Today", self.go_today, "Go to today (Home)", "Home")
        self.prev_action = self._act("‹", lambda: self.step(-1), "Previous month or week (Page Up)", "PgUp")
        self.next_action = self._act("›", lambda: self.step(1), "Next month or week (Page Down)", "PgDown")
        for a in (self.today_action, self.prev_action, self.next_action):
            b = action_button(a)
            if a is not self.today_action:
                b.setFixedWidth(36)
                b.setAccessibleName("Previous" if a is self.prev_action else "Next")
            head.addWidget(b)
        head.addSpacing(8)
        self.mode_group = QButtonGroup(self)
        self.mode_group.setExclusive(True)
        self.month_button = QPushButton("Month")
        self.week_button = QPushButton("Week")
        for i, (b, tip) in enumerate(((self.month_button, "Month view (M)"), (self.week_button, "Week view (W)"))):
            b.setCheckable(True)
            b.setToolTip(tip)
            b.setMinimumWidth(78)
            self.mode_group.addButton(b, i)
            head.addWidget(b)
        self.month_button.setChecked(True)
        for b in (self.month_button, self.week_button):
            b.setStyleSheet("QPushButton:checked { background: #e5f1f8; border-color: #0072B2; "
                            "color: #005f94; font-weight: 600; }")
        self.mode_group.idClicked.connect(self.set_mode)
        self._act("Month view", lambda: self.set_mode(MONTH), "", "M")
        self._act("Week view", lambda: self.set_mode(WEEK), "", "W")
        outer.addLayout(head)
        # the filter heads the side panel: the header row then fits a 1024 px screen
        self.filter = QComboBox()
        self.filter.setAccessibleName("Activity filter")
        self.filter.setToolTip("Show the sessions of one activity, or of all")
        self.filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.filter.setMinimumContentsLength(12)
        self.filter.addItem(self._all_text(), None)
        self.filter.currentIndexChanged.connect(lambda _i: self.refresh())

        body = QHBoxLayout()
        body.setSpacing(12)
        self.month = MonthGrid()
        self.month.setAccessibleName("Month calendar")
        self.week = WeekGrid()
        self.week.setAccessibleName("Week calendar")
        self.stack = QStackedWidget()
        grid_card = QFrame()
        set_style_flag(grid_card, "card")
        grid_lay = QVBoxLayout(grid_card)
        grid_lay.setContentsMargins(1, 1, 1, 1)
        grid_lay.addWidget(self.stack)
        self.stack.addWidget(self.month)
        self.stack.addWidget(self.week)
        for grid in (self.month, self.week):
            grid.currentDateChanged.connect(self._current_changed)
            grid.sessionSelected.connect(self._grid_selected)
            grid.sessionActivated.connect(self._activated)
            grid.dayActivated.connect(lambda d: self.add_extra(d))
        body.addWidget(grid_card, 1)

        side = self.side = QFrame()
        set_style_flag(side, "card")
        side.setFixedWidth(self.SIDE_WIDTH[1])
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(14, 12, 14, 12)
        side_lay.setSpacing(8)
        side_lay.addWidget(self.filter)
        self.day_title = styled_label("", heading="2")
        self.day_title.setWordWrap(True)  # "Wednesday 2 December" wraps in the narrow side panel
        self.day_note = styled_label("", muted=True)
        self.day_note.setWordWrap(True)
        side_lay.addWidget(self.day_title)
        side_lay.addWidget(self.day_note)
        self.day_list = QListWidget()
        self.day_list.setAccessibleName("Sessions of the day")
        self.day_list.setWordWrap(True)
        self.day_list.setSpacing(2)
        self.day_list.setIconSize(QSize(5, 34))
        self.day_list.currentItemChanged.connect(self._list_selected)
        self.day_list.itemActivated.connect(lambda _i: self._activated(self.selected()))
        side_lay.addWidget(self.day_list, 1)
        self.move_action = self._act("Move…", self.move_selected, "Move the selected session to another time")
        self.cancel_action = self._act("Cancel session…", self.toggle_cancelled,
                                       "Cancel the selected session (or restore a cancelled one)")
        self.extra_action = self._act("Add extra session…", lambda: self.add_extra(None),
                                      "Add a one-off session on the chosen day")
        #: Move and Cancel side by side, or one above the other when the panel is narrow
        self.edit_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        if self.can_edit:
            self.edit_row.addWidget(action_button(self.move_action))
            self.edit_row.addWidget(action_button(self.cancel_action))
            side_lay.addLayout(self.edit_row)
            side_lay.addWidget(action_button(self.extra_action))
        self.holidays_action = self._act("School holidays…", self.open_holidays,
                                         "The closed days every schedule skips (administrators)")
        self.import_action = self._act("New activity from .ics…", lambda: self.import_new_activity(),
                                       "Turn a club's calendar file (Outlook, Google, Apple) into a new "
                                       "activity with its sessions")
        if ctx.can(Permission.MANAGE_SETTINGS):
            side_lay.addWidget(action_button(self.holidays_action))
        if ctx.can(Permission.MANAGE_ACTIVITY):
            side_lay.addWidget(action_button(self.import_action))
        self.legend = styled_label("", muted=True)
        self.legend.setWordWrap(True)
        self.legend.setText("↷ moved · struck through: cancelled · tinted days: school holidays")
        side_lay.addWidget(self.legend)
        body.addWidget(side)
        outer.addLayout(body, 1)
        self._update_period()
        self._update_side()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """A narrower side panel on a small screen: the month's day cells keep room for names."""
        super().resizeEvent(event)
        low, high = self.SIDE_WIDTH
        width = max(low, min(high, int(self.width() * 0.28)))
        self.side.setFixedWidth(width)
        self.edit_row.setDirection(QBoxLayout.Direction.LeftToRight if width >= high
                                   else QBoxLayout.Direction.TopToBottom)

    def focus_main(self) -> None:
        """After switching to the page: the grid, where the arrows move the day and Enter opens."""
        self.grid.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ helpers
    def _all_text(self) -> str:
        """The filter's first entry: every activity, or only those one leads, takes part in, or
        one's children take part in (read from the policy, not the role's name)."""
        if self.ctx.actor is None:
            return "All activities"
        role = self.ctx.actor.role
        sees = scopes(role, Permission.VIEW_ACTIVITY)
        if Scope.ANY in sees:
            return "All activities"
        if Scope.OWN_ACTIVITY in sees and follows_children(role):
            return "All my children's activities"
        return "All my activities"

    def _act(self, text: str, slot: Callable[[], Any], tip: str, key: str = "") -> QAction:
        a = QAction(text, self)
        a.setToolTip(tip)
        if key:
            a.setShortcut(QKeySequence(key))
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    @property
    def grid(self) -> _CalendarBase:
        return self.month if self.stack.currentIndex() == MONTH else self.week

    @property
    def mode(self) -> int:
        return self.stack.currentIndex()

    @property
    def current(self) -> date:
        return self.grid.current

    def activity_id(self) -> int | None:
        data = self.filter.currentData()
        return None if data is None else int(data)

    def selected(self) -> SessionInfo | None:
        return self.grid.selected_session()

    # ------------------------------------------------------------------ navigation
    def set_mode(self, mode: int) -> None:
        day = self.current
        self.stack.setCurrentIndex(mode)
        (self.month_button if mode == MONTH else self.week_button).setChecked(True)
        self.grid.set_current(day)
        self.grid.set_sessions(self.sessions, self.month.holidays)
        self._update_period()
        self._ensure_loaded()
        self.grid.setFocus()

    def go_today(self) -> None:
        self.go_to(date.today())

    def step(self, direction: int) -> None:
        day = self.current
        if self.mode == WEEK:
            self.go_to(day + timedelta(days=7 * direction))
            return
        month = day.month - 1 + direction
        year = day.year + month // 12
        month = month % 12 + 1
        self.go_to(date(year, month, 1))

    def go_to(self, day: date) -> None:
        self.month.set_current(day)
        self.week.set_current(day)

    def reveal_session(self, s: SessionInfo) -> None:
        """Show a session's day with the session chosen (from the dashboard's next sessions);
        the day loads in the background if it is not in the range read."""
        self.go_to(s.starts_at.date())
        for grid in (self.month, self.week):
            grid.selected_id = s.id
            grid.update()
        self._update_side()
        self.grid.setFocus(Qt.FocusReason.OtherFocusReason)

    def _current_changed(self, day: date) -> None:
        other = self.week if self.sender() is self.month else self.month
        if other.current != day:
            other.current = day
        self._update_period()
        self._ensure_loaded()
        self._update_side()

    def _update_period(self) -> None:
        day = self.current
        if self.mode == MONTH:
            self.period.setText(f"{day:%B %Y}")
        else:
            first = self.week.first_day()
            last = first + timedelta(days=6)
            if first.month == last.month:
                self.period.setText(f"{first.day}–{last.day} {last:%B %Y}")
            else:
                self.period.setText(f"{first.day} {first:%b} – {last.day} {last:%b %Y}")

    def _range(self) -> tuple[date, date]:
        lo = min(self.month.first_day(), self.week.first_day())
        hi = max(self.month.last_day(), self.week.last_day())
        return lo, hi

    def _ensure_loaded(self) -> None:
        lo, hi = self._range()
        if self.loaded_range is None or lo < self.loaded_range[0] or hi > self.loaded_range[1]:
            self.refresh()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], CalendarData]:
        actor, services = self.ctx.user, self.ctx.services
        activity_id = self.activity_id()
        lo, hi = self._range()
        lo -= timedelta(days=7)  # a little either side: stepping a week needs no reload
        hi += timedelta(days=7)

        def load(state: TaskState) -> CalendarData:
            return CalendarData(services.activities.list_activities(actor, include_archived=False),
                                services.calendar.list_sessions(actor, activity_id, lo, hi),
                                services.calendar.list_holidays(actor), (lo, hi))

        return load

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def _loaded(self, result: CalendarData) -> None:
        activities, sessions, holidays, loaded = result
        self.activities = activities
        self.sessions = sessions
        self.loaded_range = loaded
        chosen = self.activity_id()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem(self._all_text(), None)
        for a in activities:
            self.filter.addItem(a.name, a.id)
            self.filter.setItemData(self.filter.count() - 1, activity_colour(a.id),
                                    Qt.ItemDataRole.DecorationRole)
        self.filter.setCurrentIndex(max(0, self.filter.findData(chosen)) if chosen is not None else 0)
        self.filter.blockSignals(False)
        days = {h.day: h.name or "Holiday" for h in holidays}
        self.month.set_sessions(sessions, days)
        self.week.set_sessions(sessions, days)
        self._ensure_loaded()
        self._update_side()

    # ------------------------------------------------------------------ the day panel
    def _update_side(self) -> None:
        day = self.current
        self.day_title.setText(f"{day:%A} {day.day} {day:%B}")
        todays = self.grid.by_day.get(day, [])
        notes = []
        if day in self.month.holidays:
            notes.append(f"School holiday: {self.month.holidays[day]}")
        self.day_note.setText("\n".join(notes))
        self.day_note.setVisible(bool(notes))
        selected = self.selected()
        self.day_list.blockSignals(True)
        self.day_list.clear()
        for s in todays:
            item = QListWidgetItem(session_line(s, with_name=self.activity_id() is None))
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setData(Qt.ItemDataRole.DecorationRole, activity_colour(s.activity_id))
            item.setToolTip(s.activity_name)
            if s.cancelled:
                font = item.font()
                font.setStrikeOut(True)
                item.setFont(font)
            self.day_list.addItem(item)
            if selected is not None and s.id == selected.id:
                self.day_list.setCurrentItem(item)
        if not todays:
            item = QListWidgetItem("No sessions this day.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.day_list.addItem(item)
        self.day_list.blockSignals(False)
        self._update_actions()

    def _grid_selected(self, s: SessionInfo | None) -> None:
        other = self.week if self.sender() is self.month else self.month
        other.selected_id = s.id if s else None
        self._update_side()

    def _list_selected(self, item: QListWidgetItem | None, _prev: object = None) -> None:
        sid = item.data(Qt.ItemDataRole.UserRole) if item else None
        s = next((x for x in self.sessions if x.id == sid), None)
        for grid in (self.month, self.week):
            grid.selected_id = s.id if s else None
            grid.update()
        self._update_actions()

    def _update_actions(self) -> None:
        s = self.selected()
        self.move_action.setEnabled(self.can_edit and s is not None)
        self.cancel_action.setEnabled(self.can_edit and s is not None and not (s.has_attendance and not s.cancelled))
        self.cancel_action.setText("Restore session" if s and s.cancelled else "Cancel session…")
        one = self.activity_id() is not None or len(self.activities) == 1
        self.extra_action.setEnabled(self.can_edit and one)
        self.extra_action.setToolTip("Add a one-off session on the chosen day" if one
                                     else "Choose one activity in the filter first")

    def _activated(self, s: SessionInfo | None) -> None:
        if s is not None and self.can_edit:
            self.move_selected()

    # ------------------------------------------------------------------ writes
    def open_holidays(self) -> HolidaysDialog | None:
        if not self.ctx.can(Permission.MANAGE_SETTINGS):
            return None
        dialog = HolidaysDialog(self.ctx, self)
        dialog.finished.connect(lambda _c: dialog.deleteLater())
        dialog.open()
        return dialog

    def import_new_activity(self, path: str | None = None, name: str | None = None, *,
                            quiet: bool = False) -> None:
        """Admins: a new activity from an .ics file (the same as `import-ics --new-activity`)."""
        if not self.ctx.can(Permission.MANAGE_ACTIVITY):
            return
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "New activity from .ics", str(Path.home()),
                                                  "iCalendar files (*.ics);;All files (*)")
            if not path:
                return
        if name is None:
            name, ok = QInputDialog.getText(self, "New activity from .ics", "Name of the new activity:",
                                            text=Path(path).stem.replace("_", " ").strip())
            if not ok or not name.strip():
                return
        actor, service, source, title = self.ctx.user, self.ctx.services.ical, path, name

        def done(result: ImportResult) -> None:
            self.last_message = (f"Created {result.activity_name} with {result.added} sessions"
                                 + (f" ({result.skipped} all-day or cancelled entries skipped)"
                                    if result.skipped else "") + ".")
            self.filter.blockSignals(True)
            self.filter.addItem(result.activity_name, result.activity_id)
            self.filter.setCurrentIndex(self.filter.count() - 1)
            self.filter.blockSignals(False)
            if result.first is not None:
                self.go_to(result.first.date())
            if not quiet:
                self.refresh()  # show it behind the message (the change is published after it)
                QMessageBox.information(self, "New activity from .ics", self.last_message)

        def write(times: AllDayTimes) -> None:
            at, ends = times if times is not None else (None, None)
            WriteOp(self, self.ctx, lambda state: service.import_ics(actor, source, new_activity_name=title,
                                                                     all_day_at=at, all_day_ends=ends),
                    label="New activity from .ics").success(done).run_in_background()

        choose_then_import(self, self.ctx, lambda state: service.preview_ics(actor, source), write, quiet=quiet,
                           opened=lambda d: setattr(self, "dialog", d))

    def move_selected(self) -> SessionDialog | None:
        s = self.selected()
        if s is None or not self.can_edit:
            return None
        dialog = SessionDialog(self.ctx, s.activity_id, s, parent=self)
        dialog.finished.connect(lambda _c: dialog.deleteLater())
        dialog.open()
        return dialog

    def add_extra(self, day: date | None) -> SessionDialog | None:
        if not self.can_edit:
            return None
        activity_id = self.activity_id()
        if activity_id is None and len(self.activities) == 1:
            activity_id = self.activities[0].id
        if activity_id is None:
            return None
        location = next((a.location for a in self.activities if a.id == activity_id), "")
        dialog = SessionDialog(self.ctx, activity_id, None, day=day or self.current, location=location,
                               parent=self)
        dialog.finished.connect(lambda _c: dialog.deleteLater())
        dialog.open()
        return dialog

    def toggle_cancelled(self, *, note: str | None = None) -> None:
        s = self.selected()
        if s is None or not self.can_edit:
            return
        actor, service = self.ctx.user, self.ctx.services.calendar
        if s.cancelled:
            call = lambda state: service.restore_session(actor, s.id)  # noqa: E731
        else:
            if note is None:
                text, ok = QInputDialog.getText(
                    self, "Cancel session",
                    f"Cancel {s.activity_name} on {s.starts_at:%A %d %B, %H:%M}?\nReason (optional):")
                if not ok:
                    return
                note = text
            reason = note
            call = lambda state: service.cancel_session(actor, s.id, reason)  # noqa: E731
        WriteOp(self, self.ctx, call, label="Restore session" if s.cancelled else "Cancel session") \
            .run_in_background()
