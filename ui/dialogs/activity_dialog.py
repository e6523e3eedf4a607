"""Create or edit an activity (admins): details, term, leads and the completion rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tracker.services.activities import ActivityInput, ActivitySummary
from tracker.services.people import UserInfo
from ui.context import AppContext
from ui.ops import ReadOp
from ui.widgets.forms import FormDialog

CATEGORIES = ("Arts", "Club", "Music", "Service", "Sport", "STEM")


def _with_error(widget: QWidget, error: QLabel) -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lay.addWidget(widget)
    lay.addWidget(error)
    return box


class ActivityDialog(FormDialog):
    def __init__(self, ctx: AppContext, activity: ActivitySummary | None = None, *,
                 categories: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity = activity
        self.setWindowTitle(f"Edit {activity.name}" if activity else "New activity")
        self.resize(720, 560)
        outer = QVBoxLayout(self)
        outer.addWidget(self.general_error)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        outer.addLayout(columns, 1)

        left = QFormLayout()
        left.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        columns.addLayout(left, 3)
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("e.g. Chess Club")
        left.addRow("Name:", _with_error(self.name, self.field_error("name", self.name)))
        self.category = QComboBox()
        self.category.setEditable(True)
        self.category.setAccessibleName("Category")
        self.category.addItems(sorted(set(CATEGORIES) | set(categories or [])))
        self.category.setCurrentText("Club")
        left.addRow("Category:", self.category)
        self.location = QLineEdit()
        self.location.setAccessibleName("Location")
        self.location.setPlaceholderText("e.g. Room 12, Gym")
        left.addRow("Location:", self.location)
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("What students do and learn")
        self.description.setFixedHeight(80)
        left.addRow("Description:", self.description)

        self.has_term = QCheckBox("Runs during set dates")
        left.addRow("Term:", self.has_term)
        dates = QHBoxLayout()
        today = QDate.currentDate()
        self.start = QDateEdit(today)
        self.end = QDateEdit(today.addMonths(3))
        for d, name in ((self.start, "Term start"), (self.end, "Term end")):
            d.setCalendarPopup(True)
            d.setDisplayFormat("d MMM yyyy")
            d.setAccessibleName(name)
        dates.addWidget(self.start)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.end)
        dates_box = QWidget()
        dates_box.setLayout(dates)
        dates.setContentsMargins(0, 0, 0, 0)
        left.addRow("", _with_error(dates_box, self.field_error("end date", self.end, "start date")))
        self.has_term.toggled.connect(self.start.setEnabled)
        self.has_term.toggled.connect(self.end.setEnabled)
        self.has_term.setChecked(False)
        self.start.setEnabled(False)
        self.end.setEnabled(False)

        self.capacity = QSpinBox()
        self.capacity.setRange(0, 10_000)
        self.capacity.setSpecialValueText("No limit")
        self.capacity.setAccessibleName("Capacity")
        left.addRow("Capacity:", _with_error(self.capacity, self.field_error("capacity", self.capacity)))

        rule = QGroupBox("Completion rule")
        rule_form = QFormLayout(rule)
        self.min_attendance = QSpinBox()
        self.min_attendance.setRange(0, 100)
        self.min_attendance.setSuffix(" %")
        self.min_attendance.setSpecialValueText("No minimum")
        self.min_attendance.setAccessibleName("Minimum attendance")
        rule_form.addRow("Minimum attendance:", _with_error(
            self.min_attendance, self.field_error("minimum attendance", self.min_attendance)))
        self.require_milestones = QCheckBox("All required milestones done")
        self.require_milestones.setChecked(True)
        rule_form.addRow("", self.require_milestones)
        self.signoff = QCheckBox("A teacher signs the student off")
        rule_form.addRow("", self.signoff)
        self.certificate = QCheckBox("Issue a certificate on completion")
        self.certificate.setChecked(True)
        self.certificate.setToolTip("When a student completes, a certificate is issued and its PDF written "
                                    "into the school's certificate folder")
        rule_form.addRow("", self.certificate)
        left.addRow(rule)

        right = QVBoxLayout()
        columns.addLayout(right, 2)
        right.addWidget(QLabel("Leads:"))
        self.leads = QListWidget()
        self.leads.setAccessibleName("Leads")
        right.addWidget(self.leads, 1)
        right.addWidget(QLabel("Co-leads:"))
        self.co_leads = QListWidget()
        self.co_leads.setAccessibleName("Co-leads")
        right.addWidget(self.co_leads, 1)
        right.addWidget(self.field_error("leads", self.leads))
        self.teachers_note = QLabel("Loading teachers…")
        self.teachers_note.setProperty("muted", True)
        self.teachers_note.setWordWrap(True)
        right.addWidget(self.teachers_note)

        outer.addWidget(self.buttons)
        self.ok_button.setText("Save" if activity else "Create")
        if activity is not None:
            self._load(activity)
        self.teachers_loaded = False
        actor, people = ctx.user, ctx.services.people
        ReadOp(self, ctx, lambda state: people.find_users(actor, role="teacher", include_inactive=False),
               label="Loading teachers").success(self.set_teachers).failure(self._teachers_failed) \
            .run_in_background()

    def _load(self, a: ActivitySummary) -> None:
        self.name.setText(a.name)
        self.category.setCurrentText(a.category)
        self.location.setText(a.location)
        self.description.setPlainText(a.description)
        if a.start_date or a.end_date:
            self.has_term.setChecked(True)
            if a.start_date:
                self.start.setDate(QDate(a.start_date.year, a.start_date.month, a.start_date.day))
            if a.end_date:
                self.end.setDate(QDate(a.end_date.year, a.end_date.month, a.end_date.day))
        self.capacity.setValue(a.capacity or 0)
        self.min_attendance.setValue(round(a.min_attendance_pct or 0))
        self.require_milestones.setChecked(a.require_milestones)
        self.signoff.setChecked(a.requires_signoff)
        self.certificate.setChecked(a.certificate_on_completion)

    def set_teachers(self, teachers: list[UserInfo]) -> None:
        a = self.activity
        co = set(a.co_lead_ids) if a else set()
        leads = set(a.lead_ids) - co if a else set()
        for lst, chosen in ((self.leads, leads), (self.co_leads, co)):
            lst.clear()
            for t in teachers:
                item = QListWidgetItem(t.display_name)
                item.setData(Qt.ItemDataRole.UserRole, t.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if t.id in chosen else Qt.CheckState.Unchecked)
                lst.addItem(item)
        self.teachers_loaded = True
        self.teachers_note.setText("" if teachers else
                                   "There are no teacher accounts yet; create them on the People page.")
        self.teachers_note.setVisible(not teachers)

    def _teachers_failed(self, exc: BaseException) -> bool:
        self.teachers_note.setText(f"Teachers could not be loaded: {exc}")
        return True

    @staticmethod
    def _checked(lst: QListWidget) -> list[int]:
        return [int(lst.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(lst.count())
                if lst.item(i).checkState() == Qt.CheckState.Checked]

    def check(self, lst: QListWidget, user_id: int, on: bool = True) -> None:
        for i in range(lst.count()):
            if lst.item(i).data(Qt.ItemDataRole.UserRole) == user_id:
                lst.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def values(self) -> ActivityInput:
        leads = self._checked(self.leads)
        co = [i for i in self._checked(self.co_leads) if i not in leads]
        if not self.teachers_loaded and self.activity is not None:  # keep the staff as it was
            co = list(self.activity.co_lead_ids)
            leads = [i for i in self.activity.lead_ids if i not in co]
        has_term = self.has_term.isChecked()
        return ActivityInput(
            name=self.name.text().strip(),
            category=self.category.currentText().strip() or "Club",
            description=self.description.toPlainText().strip(),
            location=self.location.text().strip(),
            start_date=self.start.date().toPython() if has_term else None,  # type: ignore[arg-type]
            end_date=self.end.date().toPython() if has_term else None,  # type: ignore[arg-type]
            capacity=self.capacity.value() or None,
            lead_ids=leads,
            co_lead_ids=co,
            min_attendance_pct=float(self.min_attendance.value()) or None,
            requires_signoff=self.signoff.isChecked(),
            require_milestones=self.require_milestones.isChecked(),
            certificate_on_completion=self.certificate.isChecked(),
        )

    def submit(self) -> Callable[[], Any] | None:
        data = self.values()
        service, actor = self.ctx.services.activities, self.ctx.user
        if self.activity is None:
            return lambda: service.create_activity(actor, data)
        aid, version = self.activity.id, self.activity.version
        return lambda: service.update_activity(actor, aid, data, expected_version=version)
