"""The certificate wizard's plan, and its first two pages: the activity, and the students (ticked
by default: completed without a certificate; the others greyed with what they still need). Each
page fills its part of the :class:`CertificatePlan`; what it shows is read by ``ReadOp``s, never
on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from tracker.services.certificates import AwaitingCertificates
from ui.context import AppContext
from ui.dialogs import alive, error_text
from ui.models.certificate_wizard import (
    AwaitingModel,
    StudentChoice,
    StudentChoiceModel,
    may_force,
    student_choices,
)
from ui.ops import ReadOp
from ui.pending_jobs import plural
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import set_style_flag
from ui.widgets.tables import apply_widths, make_table

if TYPE_CHECKING:
    from ui.dialogs.certificate_wizard_run import Generated


@dataclass
class CertificatePlan:
    """What the pages choose; the Generate page issues from it in one service call."""

    activity_id: int | None = None
    activity: str = ""
    preselected: list[int] | None = None  # the roster's selection, ticked instead of the default
    preselected_for: int | None = None  # ... for this activity only
    chosen: list[StudentChoice] = field(default_factory=list)
    force: bool = False
    template: str | None = None
    folder: str = ""
    result: Generated | None = None


def label(text: str = "", *, muted: bool = False, error: bool = False, heading: str = "",
          middle: bool = False) -> ElidedLabel:
    """One line that never widens the wizard: elided with "…", the whole text in its tooltip."""
    widget = ElidedLabel(text, mode=Qt.TextElideMode.ElideMiddle if middle else Qt.TextElideMode.ElideRight)
    for flag, on in (("muted", muted), ("error", error)):
        if on:
            set_style_flag(widget, flag)
    if heading:
        set_style_flag(widget, "heading", heading)
    return widget


# --------------------------------------------------------------------------- 1. activity
class ActivityPage(QWizardPage):
    """The activities the user issues for, with how many certificates wait in each; the one with
    the most is chosen (or the one the wizard was opened for)."""

    def __init__(self, ctx: AppContext, plan: CertificatePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.plan = ctx, plan
        self.loaded = False
        self.setTitle("Activity")
        self.setSubTitle("Which activity are the certificates for?")
        lay = QVBoxLayout(self)
        self.model = AwaitingModel(self)
        m = AwaitingModel
        self.table = make_table({i: c.width for i, c in enumerate(m.columns)}, stretch=m.NAME)
        self.table.setModel(self.model)
        apply_widths(self.table)
        self.table.sortByColumn(m.TO_ISSUE, Qt.SortOrder.DescendingOrder)
        self.table.setAccessibleName("Activities")
        self.table.selectionModel().currentRowChanged.connect(self._chosen)
        self.table.doubleClicked.connect(lambda _index: self.wizard().next())
        self.note = label("Loading the activities…", muted=True)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.table.setFocus()  # Up and Down choose, Enter goes on
        if self.loaded:
            return
        service, actor = self.ctx.services.certificates, self.ctx.user
        ReadOp(self, self.ctx, lambda state: service.awaiting(actor), label="Loading the activities") \
            .success(self._loaded).failure(self._failed).run_in_background()

    def _loaded(self, rows: list[AwaitingCertificates]) -> None:
        if not alive(self):
            return
        self.loaded = True
        self.model.set_rows(rows)
        wanted = self.plan.activity_id
        row = self.model.row_of(lambda a: a.activity_id == wanted) if wanted is not None else 0
        if 0 <= row < self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(row, 0))
        waiting, n = sum(a.to_issue for a in rows), len(rows)
        self.note.setText(f"{n} activit{'y' if n == 1 else 'ies'}; {plural(waiting, 'completed student')} "
                          "without a certificate" if rows else "You issue certificates for no activity yet.")

    def _failed(self, exc: BaseException) -> bool:
        if alive(self):
            self.note.setText(f"The activities could not be loaded: {error_text(exc)}")
        return True

    def _chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            record = self.model.record(current.row())
            self.plan.activity_id, self.plan.activity = record.activity_id, record.activity
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.plan.activity_id is not None


# --------------------------------------------------------------------------- 2. students
class StudentsPage(QWizardPage):
    """Every enrolled student, ticked when they completed without a certificate (or as the roster
    selected them); the others are greyed with what they still need."""

    def __init__(self, ctx: AppContext, plan: CertificatePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.plan = ctx, plan
        self.loaded_for: int | None = None
        self.setTitle("Students")
        self.setSubTitle("Tick who gets a certificate. Those who completed without one are ticked; "
                         "the others show what they still need.")
        lay = QVBoxLayout(self)
        self.heading = label(heading="2")
        lay.addWidget(self.heading)
        self.model = StudentChoiceModel(self)
        self.model.checked_changed.connect(self._update)
        m = StudentChoiceModel
        self.table = make_table({i: c.width for i, c in enumerate(m.columns)}, stretch=m.MISSING)
        self.table.setModel(self.model)
        apply_widths(self.table)
        self.table.sortByColumn(m.STATUS, Qt.SortOrder.AscendingOrder)  # completed first, by name
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAccessibleName("Students")
        self.table.setToolTip("Space ticks or unticks the selected students")
        self.table.installEventFilter(self)
        lay.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.all_button = QPushButton("Select all")
        self.all_button.setToolTip("Tick every student who may get a certificate")
        self.all_button.clicked.connect(lambda: self.model.check_all(True))
        self.none_button = QPushButton("Select none")
        self.none_button.clicked.connect(lambda: self.model.check_all(False))
        for button in (self.all_button, self.none_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        self.force = QCheckBox("Issue even though not completed")
        self.force.setToolTip("Administrators may give a certificate to a student who has not completed")
        self.force.toggled.connect(self.model.set_force)
        self.force.setVisible(may_force(ctx.actor))
        row.addWidget(self.force)
        self.count = label()
        self.count.setAccessibleName("How many will be issued")
        row.addWidget(self.count, 1)
        lay.addLayout(row)
        self.message = label(muted=True)
        lay.addWidget(self.message)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        aid = self.plan.activity_id
        self.heading.setText(self.plan.activity)
        self.table.setFocus()  # Space ticks, Enter goes on
        if aid is None or aid == self.loaded_for:
            return
        self.model.set_rows([])
        self.count.setText("Loading the students…")
        self.message.setText("")
        services, actor = self.ctx.services, self.ctx.user

        def load(_state: object) -> tuple[str, list[StudentChoice]]:
            name = services.activities.get_activity(actor, aid).name
            return name, student_choices(services.progress.activity_progress(actor, aid),
                                         services.certificates.list_for_activity(actor, aid))

        ReadOp(self, self.ctx, load, label="Loading the students") \
            .success(lambda result: self._loaded(aid, *result)).failure(self._failed).run_in_background()

    def _loaded(self, activity_id: int, name: str, choices: list[StudentChoice]) -> None:
        if not alive(self) or activity_id != self.plan.activity_id:
            return
        self.loaded_for = activity_id
        self.plan.activity = name
        self.heading.setText(name)
        self.model.set_rows(choices)
        given = self.plan.preselected if activity_id == self.plan.preselected_for else None
        if given is not None:
            self.model.set_checked(given)
            left_out = len(set(given) - {c.student_id for c in self.model.checked()})
            if left_out:
                self.message.setText(f"{plural(left_out, 'selected student')} cannot be ticked: "
                                     "only those who completed the activity get a certificate.")
        else:
            self.model.set_checked(c.student_id for c in choices if c.wants_certificate)
        if not choices:
            self.message.setText("Nobody is enrolled in this activity.")

    def _failed(self, exc: BaseException) -> bool:
        if alive(self):
            self.count.setText("")
            self.message.setText(f"The students could not be loaded: {error_text(exc)}")
        return True

    def _update(self) -> None:
        chosen = self.model.checked()
        again = sum(1 for c in chosen if c.serial is not None)
        if not chosen:
            text = "Nobody is ticked yet."
        elif again:
            text = (f"{plural(len(chosen), 'certificate')} will be written "
                    f"({again} already issued: same serial)")
        else:
            text = f"{plural(len(chosen), 'certificate')} will be issued"
        self.count.setText(text)
        self.completeChanged.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Space ticks (or unticks) every selected student at once."""
        if watched is self.table and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space:
            self.model.toggle(sorted({i.row() for i in self.table.selectionModel().selectedRows()}))
            return True
        return super().eventFilter(watched, event)

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return bool(self.model.checked())

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        self.plan.chosen = self.model.checked()
        self.plan.force = self.model.force
        return bool(self.plan.chosen)
