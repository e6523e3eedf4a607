"""The badge editor's criterion: the kind, the fields that kind needs, and its wording.

Each kind of :class:`tracker.domain.badge_rules.Criterion` has its own page of fields (a stack
under the kind combo): the milestones of the activity (all / these / at least n), a number of
points, an attendance rate with an optional period and a minimum of sessions, the sessions of a
perfect month, a streak, a number of activities, a skill and its level, or nothing (awarded by
hand, or the activity completed). :meth:`CriterionForm.criterion` builds the criterion from what
is shown; whether it is valid, and how a student reads it, is left to ``badge_rules`` (``check``
and ``describe``): the editor never re-derives a rule.

The lists the fields offer (the activity's milestones, the skills and their levels) are read by
the editor in the background and handed in with ``set_milestones`` / ``set_skills`` /
``set_levels``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.badge_rules import (
    KIND_LABELS,
    MONTH_MIN_SESSIONS,
    RATE_MIN_SESSIONS,
    Criterion,
    CriterionKind,
    RuleNames,
)
from ui.widgets.style import styled_label

ID_ROLE = Qt.ItemDataRole.UserRole
#: what the pages without fields say
NOTES = {
    CriterionKind.MANUAL: "Nobody earns it by a rule: a teacher awards it with a note (Award… on the Badges tab).",
    CriterionKind.ACTIVITY_COMPLETED: "Earned when the student completes the activity (school-wide: any activity).",
}


def _spin(minimum: int, maximum: int, value: int, name: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setValue(value)
    spin.setAccessibleName(name)
    spin.setSuffix(suffix)
    spin.setMaximumWidth(170)  # a number, not a line of text
    return spin


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class OptionalDate(QWidget):
    """A tick box and a date: the date counts only when ticked ("From", "To")."""

    changed = Signal()

    def __init__(self, label: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.enabled = QCheckBox(label)
        self.enabled.setAccessibleName(f"{name}: set")
        self.edit = QDateEdit(QDate.currentDate())
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("d MMM yyyy")
        self.edit.setAccessibleName(name)
        self.edit.setEnabled(False)
        self.enabled.toggled.connect(self.edit.setEnabled)
        self.enabled.toggled.connect(lambda _on: self.changed.emit())
        self.edit.dateChanged.connect(lambda _d: self.changed.emit())
        lay.addWidget(self.enabled)
        lay.addWidget(self.edit, 1)

    def value(self) -> date | None:
        return self.edit.date().toPython() if self.enabled.isChecked() else None  # type: ignore[return-value]

    def set_value(self, value: date | None) -> None:
        self.enabled.setChecked(value is not None)
        if value is not None:
            self.edit.setDate(_qdate(value))


class CriterionForm(QWidget):
    """The kind combo and the fields of the chosen kind; ``changed`` on every edit."""

    changed = Signal()
    #: the skill chosen changed (the editor reads its levels)
    skill_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.milestone_titles: dict[int, str] = {}
        self.levels: dict[int, str] = {}  # the chosen skill's rubric: level -> name
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Earned by")
        for kind in CriterionKind:
            self.kind.addItem(KIND_LABELS[kind], kind.value)
        lay.addWidget(self.kind)
        self.pages = QStackedWidget()
        self.page_of: dict[CriterionKind, QWidget] = {}
        for kind in CriterionKind:
            page = self._build_page(kind)
            self.page_of[kind] = page
            self.pages.addWidget(page)
        lay.addWidget(self.pages)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    # ------------------------------------------------------------------ pages
    def _build_page(self, kind: CriterionKind) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 2, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        builders = {
            CriterionKind.MILESTONES: self._milestones_page,
            CriterionKind.POINTS: self._points_page,
            CriterionKind.ATTENDANCE_RATE: self._rate_page,
            CriterionKind.PERFECT_MONTH: self._month_page,
            CriterionKind.ATTENDANCE_STREAK: self._streak_page,
            CriterionKind.ACTIVITIES_COMPLETED: self._activities_page,
            CriterionKind.SKILL_LEVEL: self._skill_page,
        }
        if kind in builders:
            builders[kind](grid)
        else:
            note = styled_label(NOTES[kind], muted=True)
            note.setWordWrap(True)
            grid.addWidget(note, 0, 0, 1, 2)
        grid.setRowStretch(grid.rowCount(), 1)
        return page

    def _row(self, grid: QGridLayout, label: str, widget: QWidget) -> None:
        row = grid.rowCount()
        text = QLabel(label)
        text.setBuddy(widget)
        grid.addWidget(text, row, 0)
        grid.addWidget(widget, row, 1, Qt.AlignmentFlag.AlignLeft if isinstance(widget, QAbstractSpinBox)
                       else Qt.AlignmentFlag(0))

    def _milestones_page(self, grid: QGridLayout) -> None:
        self.milestones_mode = QButtonGroup(self)
        self.every_milestone = QRadioButton("Every milestone of the activity")
        self.some_milestones = QRadioButton("At least")
        self.these_milestones = QRadioButton("These milestones:")
        for i, button in enumerate((self.every_milestone, self.some_milestones, self.these_milestones)):
            self.milestones_mode.addButton(button, i)
        self.every_milestone.setChecked(True)
        self.milestone_count = _spin(1, 500, 3, "At least this many milestones", " milestones")
        grid.addWidget(self.every_milestone, 0, 0, 1, 2)
        grid.addWidget(self.some_milestones, 1, 0)
        grid.addWidget(self.milestone_count, 1, 1, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.these_milestones, 2, 0, 1, 2)
        self.milestone_list = QListWidget()
        self.milestone_list.setAccessibleName("Milestones that earn the badge")
        self.milestone_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.milestone_list.setFixedHeight(118)
        grid.addWidget(self.milestone_list, 3, 0, 1, 2)
        self.milestones_note = styled_label("", muted=True)
        self.milestones_note.setWordWrap(True)
        grid.addWidget(self.milestones_note, 4, 0, 1, 2)
        self.milestones_mode.idToggled.connect(lambda _i, _on: self._mode_changed())
        self.milestone_count.valueChanged.connect(lambda _v: self.changed.emit())
        self.milestone_list.itemChanged.connect(lambda _item: self.changed.emit())
        self._mode_changed(emit=False)

    def _mode_changed(self, *, emit: bool = True) -> None:
        self.milestone_count.setEnabled(self.some_milestones.isChecked())
        self.milestone_list.setEnabled(self.these_milestones.isChecked())
        if emit:
            self.changed.emit()

    def _points_page(self, grid: QGridLayout) -> None:
        self.points = _spin(1, 100_000, 50, "Milestone points needed", " points")
        self.points.valueChanged.connect(lambda _v: self.changed.emit())
        self._row(grid, "At least", self.points)

    def _rate_page(self, grid: QGridLayout) -> None:
        self.percent = QDoubleSpinBox()
        self.percent.setRange(1, 100)
        self.percent.setDecimals(0)
        self.percent.setValue(90)
        self.percent.setSuffix(" %")
        self.percent.setAccessibleName("Attendance rate needed")
        self.percent.setMaximumWidth(170)
        self.rate_from = OptionalDate("From", "Period from")
        self.rate_to = OptionalDate("To", "Period to")
        self.rate_sessions = _spin(1, 500, RATE_MIN_SESSIONS, "Fewest sessions counted", " sessions")
        self._row(grid, "At least", self.percent)
        self._row(grid, "Period", self.rate_from)
        self._row(grid, "", self.rate_to)
        self._row(grid, "Counted over at least", self.rate_sessions)
        self.percent.valueChanged.connect(lambda _v: self.changed.emit())
        for field in (self.rate_from, self.rate_to):
            field.changed.connect(self.changed.emit)
        self.rate_sessions.valueChanged.connect(lambda _v: self.changed.emit())

    def _month_page(self, grid: QGridLayout) -> None:
        self.month_sessions = _spin(1, 60, MONTH_MIN_SESSIONS, "Fewest sessions in the month", " sessions")
        self.month_sessions.valueChanged.connect(lambda _v: self.changed.emit())
        self._row(grid, "A month with at least", self.month_sessions)

    def _streak_page(self, grid: QGridLayout) -> None:
        self.streak = _spin(2, 500, 10, "Sessions present in a row", " sessions")
        self.streak.valueChanged.connect(lambda _v: self.changed.emit())
        self._row(grid, "Present in a row at", self.streak)

    def _activities_page(self, grid: QGridLayout) -> None:
        self.activities = _spin(1, 100, 3, "Activities completed", " activities")
        self.activities.valueChanged.connect(lambda _v: self.changed.emit())
        self._row(grid, "Completed", self.activities)

    def _skill_page(self, grid: QGridLayout) -> None:
        self.skill = QComboBox()
        self.skill.setAccessibleName("Skill")
        self.skill.setMinimumContentsLength(16)
        self.skill.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.level = _spin(1, 20, 3, "Level reached")
        self.level_name = styled_label("", muted=True)
        level = QHBoxLayout()
        level.addWidget(self.level)
        level.addWidget(self.level_name, 1)
        holder = QWidget()
        holder.setLayout(level)
        level.setContentsMargins(0, 0, 0, 0)
        self._row(grid, "Skill", self.skill)
        self._row(grid, "Level at least", holder)
        self.skill.currentIndexChanged.connect(lambda _i: self.skill_chosen.emit(self.skill.currentData()))
        self.skill.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.level.valueChanged.connect(lambda _v: self._level_changed())

    def _level_changed(self) -> None:
        self.level_name.setText(self.levels.get(self.level.value(), ""))
        self.changed.emit()

    def _kind_changed(self, *_: object) -> None:
        self._show_page(self.current_kind())
        self.changed.emit()

    def _show_page(self, kind: CriterionKind) -> None:
        """The kind's page, the stack as tall as that page (not as the tallest one)."""
        for page_kind, page in self.page_of.items():
            current = page_kind is kind
            page.setSizePolicy(QSizePolicy.Policy.Preferred if current else QSizePolicy.Policy.Ignored,
                               QSizePolicy.Policy.Preferred if current else QSizePolicy.Policy.Ignored)
        self.pages.setCurrentWidget(self.page_of[kind])
        self.pages.updateGeometry()

    # ------------------------------------------------------------------ lists from the editor
    def set_milestones(self, milestones: Sequence[tuple[int, str]], note: str = "") -> None:
        """The activity's milestones (id, title) to choose from; the ticked ones stay ticked."""
        ticked = set(self._ticked())
        self.milestone_list.blockSignals(True)
        self.milestone_list.clear()
        for milestone_id, title in milestones:
            item = QListWidgetItem(title)
            item.setData(ID_ROLE, milestone_id)
            item.setToolTip(title)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if milestone_id in ticked else Qt.CheckState.Unchecked)
            self.milestone_list.addItem(item)
        self.milestone_list.blockSignals(False)
        self.milestone_titles = dict(milestones)
        self.milestones_note.setText(note)
        self.milestones_note.setVisible(bool(note))
        self.changed.emit()

    def set_skills(self, skills: Sequence[tuple[int, str]]) -> None:
        """The school's skills (id, name); the chosen one stays chosen."""
        keep = self.skill.currentData()
        self.skill.blockSignals(True)
        self.skill.clear()
        for skill_id, name in skills:
            self.skill.addItem(name, skill_id)
        found = self.skill.findData(keep) if keep is not None else -1
        self.skill.setCurrentIndex(found if found >= 0 else (0 if skills else -1))
        self.skill.blockSignals(False)
        self.skill_chosen.emit(self.skill.currentData())
        self.changed.emit()

    def set_levels(self, levels: Sequence[tuple[int, str]]) -> None:
        """The chosen skill's rubric (level, name): the level's range and its name."""
        self.levels = dict(levels)
        if self.levels:
            self.level.setMaximum(max(self.levels))
        self._level_changed()

    # ------------------------------------------------------------------ the criterion
    def current_kind(self) -> CriterionKind:
        return CriterionKind(self.kind.currentData())

    def _ticked(self) -> list[int]:
        if not hasattr(self, "milestone_list"):
            return []
        return [int(self.milestone_list.item(i).data(ID_ROLE)) for i in range(self.milestone_list.count())
                if self.milestone_list.item(i).checkState() == Qt.CheckState.Checked]

    def criterion(self) -> Criterion:
        """The criterion the fields say (maybe not valid: ``badge_rules.check`` says why)."""
        k = self.current_kind()
        if k is CriterionKind.MILESTONES:
            if self.some_milestones.isChecked():
                return Criterion(k, count=self.milestone_count.value())
            if self.these_milestones.isChecked():
                return Criterion(k, milestone_ids=tuple(self._ticked()))
            return Criterion(k)
        if k is CriterionKind.POINTS:
            return Criterion(k, points=self.points.value())
        if k is CriterionKind.ATTENDANCE_RATE:
            sessions = self.rate_sessions.value()
            return Criterion(k, percent=float(self.percent.value()), start=self.rate_from.value(),
                             end=self.rate_to.value(), min_sessions=None if sessions == RATE_MIN_SESSIONS else sessions)
        if k is CriterionKind.PERFECT_MONTH:
            sessions = self.month_sessions.value()
            return Criterion(k, min_sessions=None if sessions == MONTH_MIN_SESSIONS else sessions)
        if k is CriterionKind.ATTENDANCE_STREAK:
            return Criterion(k, count=self.streak.value())
        if k is CriterionKind.ACTIVITIES_COMPLETED:
            return Criterion(k, count=self.activities.value())
        if k is CriterionKind.SKILL_LEVEL:
            skill = self.skill.currentData()
            return Criterion(k, skill_id=int(skill) if skill is not None else None, level=self.level.value())
        return Criterion(k)

    def set_criterion(self, c: Criterion) -> None:
        """Show a stored criterion (a badge being edited)."""
        self.blockSignals(True)
        try:
            self.kind.setCurrentIndex(self.kind.findData(c.kind.value))
            if c.kind is CriterionKind.MILESTONES:
                if c.count is not None:
                    self.some_milestones.setChecked(True)
                    self.milestone_count.setValue(c.count)
                elif c.milestone_ids:
                    self.these_milestones.setChecked(True)
                    self._pending_ticks(c.milestone_ids)
                else:
                    self.every_milestone.setChecked(True)
            elif c.kind is CriterionKind.POINTS and c.points is not None:
                self.points.setValue(c.points)
            elif c.kind is CriterionKind.ATTENDANCE_RATE:
                self.percent.setValue(c.percent or 90)
                self.rate_from.set_value(c.start)
                self.rate_to.set_value(c.end)
                self.rate_sessions.setValue(c.sessions_needed)
            elif c.kind is CriterionKind.PERFECT_MONTH:
                self.month_sessions.setValue(c.sessions_needed)
            elif c.kind is CriterionKind.ATTENDANCE_STREAK and c.count is not None:
                self.streak.setValue(c.count)
            elif c.kind is CriterionKind.ACTIVITIES_COMPLETED and c.count is not None:
                self.activities.setValue(c.count)
            elif c.kind is CriterionKind.SKILL_LEVEL:
                if c.skill_id is not None and self.skill.findData(c.skill_id) < 0:
                    self.skill.addItem(f"Skill {c.skill_id}", c.skill_id)  # named once the skills are read
                self.skill.setCurrentIndex(self.skill.findData(c.skill_id))
                self.level.setValue(c.level or 1)
        finally:
            self.blockSignals(False)
        self._mode_changed(emit=False)
        self._show_page(c.kind)
        self.changed.emit()

    def _pending_ticks(self, ids: Sequence[int]) -> None:
        """Tick these milestones now, and once the list is read (it may not be yet)."""
        wanted = set(ids)
        self.milestone_list.clear()
        for milestone_id in ids:
            item = QListWidgetItem(self.milestone_titles.get(milestone_id, f"Milestone {milestone_id}"))
            item.setData(ID_ROLE, milestone_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if milestone_id in wanted else Qt.CheckState.Unchecked)
            self.milestone_list.addItem(item)

    def names(self, activity: str | None) -> RuleNames:
        """What the criterion's ids stand for, to word it (``activity`` None: school-wide)."""
        skill = self.skill.currentText() if self.current_kind() is CriterionKind.SKILL_LEVEL else None
        level = self.levels.get(self.level.value()) if skill else None
        return RuleNames(activity=activity, milestones=dict(self.milestone_titles), skill=skill or None,
                         level=level or None)
