"""The Skills tab of an activity: target skills, students × skills (latest level) with each
student's participation summary, assessing a selection, and the selected student's growth chart.

Reads run in the background and fill a snapshot model (when the tab is on screen; a hidden tab
reads when next shown); an assessment or a change of target skills is a write operation
(``ui/ops.py``) whose published skill changes reload the tab. pyqtgraph is imported when the tab
is built, never at module import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.participation import HOW_COMPUTED
from tracker.services.skills import (
    ActivitySkillRow,
    AssessmentRow,
    ParticipationRow,
    RubricLevelRow,
    SkillsGrid,
)
from ui.context import AppContext
from ui.models.skills import SkillsGridModel
from ui.ops import ReadOp, WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Refreshing
from ui.widgets import EmptyState, apply_widths, make_table
from ui.widgets.style import set_style_flag, styled_label

LINE_COLOUR = "#0072B2"  # Okabe-Ito blue: colour-blind safe
POINT_COLOUR = "#E69F00"  # Okabe-Ito orange
TARGET_COLOUR = "#D55E00"  # Okabe-Ito vermillion (dashed)


@dataclass(frozen=True)
class SkillsSnapshot:
    grid: SkillsGrid
    participation: list[ParticipationRow]
    catalog: list[ActivitySkillRow]  # every skill one may assess here: the grid's, then the rest
    rubrics: dict[int, tuple[RubricLevelRow, ...]]


class SkillsTab(Refreshing):
    watches = frozenset({ChangeKind.SKILL, ChangeKind.ENROLLMENT, ChangeKind.ATTENDANCE, ChangeKind.PROGRESS,
                         ChangeKind.MILESTONE, ChangeKind.ACTIVITY, ChangeKind.USER})

    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        import pyqtgraph as pg  # lazily: only when a Skills tab is built

        self.activity_id = activity_id
        self.snapshot: SkillsSnapshot | None = None
        self.history: list[AssessmentRow] = []
        self.dialog: Any = None
        self.reloader = Reloader(ctx, self._load, self._show, self._failed, label="Loading skills")
        self._history_key: tuple[int, int] | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 10, 0, 0)
        outer.setSpacing(8)
        bar = QHBoxLayout()
        self.targets = styled_label("Target skills: …", muted=True)
        self.targets.setWordWrap(True)
        bar.addWidget(self.targets, 1)
        self.help = QToolButton()
        self.help.setText("?")
        self.help.setAutoRaise(False)
        self.help.setToolTip(HOW_COMPUTED)
        self.help.setAccessibleName("How participation is computed")
        self.help.clicked.connect(self._show_help)
        bar.addWidget(self.help)
        self.targets_button = QPushButton("Target skills…")
        self.targets_button.setToolTip("Choose the skills this activity works on")
        self.targets_button.clicked.connect(self.open_targets)
        self.targets_button.setEnabled(False)
        bar.addWidget(self.targets_button)
        self.assess_button = QPushButton("Assess selected…")
        set_style_flag(self.assess_button, "primary")
        self.assess_button.setToolTip("Assess the selected students on a skill (Ctrl+Shift+A)")
        self.assess_button.setShortcut("Ctrl+Shift+A")
        self.assess_button.clicked.connect(self.open_assess)
        self.assess_button.setEnabled(False)
        bar.addWidget(self.assess_button)
        outer.addLayout(bar)

        self.model = SkillsGridModel(self)
        self.table = make_table({0: 200, 1: 190})
        self.table.setModel(self.model)
        apply_widths(self.table)
        self.table.setSortingEnabled(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAccessibleName("Students and skills")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(lambda _i: self.open_assess())
        self.empty = EmptyState("Nobody enrolled yet", "Skills can be assessed once students are enrolled.")
        self.empty.hide()

        side = QWidget()
        side_box = QVBoxLayout(side)
        side_box.setContentsMargins(8, 0, 0, 0)
        self.chart_title = styled_label("Growth", heading="2")
        side_box.addWidget(self.chart_title)
        self.chart_skill = QComboBox()
        self.chart_skill.setAccessibleName("Skill shown in the chart")
        self.chart_skill.currentIndexChanged.connect(lambda _i: self._load_history())
        side_box.addWidget(self.chart_skill)
        self.axis = pg.DateAxisItem(orientation="bottom")
        self.plot = pg.PlotWidget(axisItems={"bottom": self.axis}, background="w")
        self.plot.setAccessibleName("Level over time")
        self.plot.setMinimumSize(260, 200)
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.curve = self.plot.plot([], [], pen=pg.mkPen(LINE_COLOUR, width=2), symbol="o",
                                    symbolSize=9, symbolBrush=POINT_COLOUR, symbolPen=LINE_COLOUR)
        self.target_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(TARGET_COLOUR, width=1,
                                                                 style=Qt.PenStyle.DashLine))
        self.target_line.hide()
        self.plot.addItem(self.target_line)
        side_box.addWidget(self.plot, 1)
        self.chart_note = styled_label("Select a student to see their growth.", muted=True)
        self.chart_note.setWordWrap(True)
        side_box.addWidget(self.chart_note)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(self.table, 1)
        left_box.addWidget(self.empty, 1)
        split.addWidget(left)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([700, 460])
        outer.addWidget(split, 1)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], SkillsSnapshot]:
        service, actor, aid = self.ctx.services.skills, self.ctx.user, self.activity_id

        def work(state: TaskState) -> SkillsSnapshot:
            grid = service.skills_grid(actor, aid)
            part = service.participation_summary(actor, aid)
            known = {k.skill_id for k in grid.skills}
            rubrics = dict(grid.rubrics)
            rest = []
            for k in service.list_skills(actor):
                if k.id not in known:
                    rest.append(ActivitySkillRow(k.id, k.name, k.category, None, False))
                    rubrics[k.id] = tuple(service.rubric(actor, k.id))
            return SkillsSnapshot(grid, part, list(grid.skills) + rest, rubrics)

        return work

    def _failed(self, exc: BaseException) -> None:
        self.targets.setText(f"Skills not available: {exc}")

    def _show(self, snap: SkillsSnapshot) -> None:
        selected = set(self.selected_ids())
        self.snapshot = snap
        self.targets_button.setEnabled(bool(snap.catalog))
        self.model.set_snapshot(snap.grid, snap.participation)
        for col in range(SkillsGridModel.FIRST_SKILL, self.model.columnCount()):
            self.table.horizontalHeader().resizeSection(col, 120)
        targets = [k for k in snap.grid.skills if k.target]
        if targets:
            names = {k: {lv.level: lv.name for lv in v} for k, v in snap.rubrics.items()}
            self.targets.setText("Target skills (◎): " + ", ".join(
                k.name + (f" → {names[k.skill_id].get(k.target_level, k.target_level)}"
                          if k.target_level is not None else "") for k in targets))
        else:
            self.targets.setText("No target skills chosen for this activity yet.")
        empty = not snap.grid.students
        self.table.setVisible(not empty)
        self.empty.setVisible(empty)
        current = self.chart_skill.currentData()
        self.chart_skill.blockSignals(True)
        self.chart_skill.clear()
        for k in snap.catalog:
            self.chart_skill.addItem(k.name, k.skill_id)
        i = self.chart_skill.findData(current)
        self.chart_skill.setCurrentIndex(i if i >= 0 else 0)
        self.chart_skill.blockSignals(False)
        if selected:
            sel = self.table.selectionModel()
            for row, st in enumerate(self.model.students):
                if st.id in selected:
                    sel.select(self.model.index(row, 0), sel.SelectionFlag.Select | sel.SelectionFlag.Rows)
        self._history_key = None
        self._selection_changed()

    # ------------------------------------------------------------------ selection and chart
    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.students[r].id for r in rows if r < len(self.model.students)]

    def _selection_changed(self) -> None:
        ids = self.selected_ids()
        self.assess_button.setEnabled(bool(ids) and bool(self.snapshot and self.snapshot.catalog))
        self.assess_button.setText(f"Assess {len(ids)} selected…" if len(ids) > 1 else "Assess selected…")
        self._load_history()

    def chart_student(self) -> int | None:
        current = self.table.currentIndex()
        if current.isValid() and self.table.selectionModel().isRowSelected(current.row()):
            return self.model.students[current.row()].id
        ids = self.selected_ids()
        return ids[0] if ids else None

    def _load_history(self) -> None:
        student, skill = self.chart_student(), self.chart_skill.currentData()
        if student is None or skill is None:
            self._history_key = None
            self._draw([])
            return
        key = (student, int(skill))
        if key == self._history_key:
            return
        self._history_key = key
        service, actor = self.ctx.services.skills, self.ctx.user

        def done(rows: list[AssessmentRow]) -> None:
            if self._history_key == key:
                self._draw(rows)

        def failed(exc: BaseException) -> bool:
            self.chart_note.setText(str(exc))
            return True

        ReadOp(self, self.ctx, lambda state: service.history(actor, key[0], key[1]), label="Loading skill history") \
            .success(done).failure(failed).run_in_background()

    def _draw(self, rows: list[AssessmentRow]) -> None:
        self.history = rows
        xs = [_stamp(r.assessed_at) for r in rows]
        ys = [float(r.level) for r in rows]
        self.curve.setData(xs, ys)
        if xs:
            pad = max((xs[-1] - xs[0]) * 0.08, 86400.0 * 7)  # at least a week either side
            self.plot.setXRange(xs[0] - pad, xs[-1] + pad, padding=0)
        snap, skill = self.snapshot, self.chart_skill.currentData()
        levels = snap.rubrics.get(skill, ()) if snap and skill is not None else ()
        if levels:
            self.plot.getAxis("left").setTicks([[(lv.level, lv.name) for lv in levels]])
            self.plot.setYRange(min(lv.level for lv in levels) - 0.3, max(lv.level for lv in levels) + 0.3)
        target = next((k.target_level for k in snap.grid.skills
                       if k.skill_id == skill and k.target_level is not None), None) if snap else None
        self.target_line.setVisible(target is not None)
        if target is not None:
            self.target_line.setValue(target)
        student = self.chart_student()
        name = next((s.name for s in self.model.students if s.id == student), "")
        if student is None:
            self.chart_note.setText("Select a student to see their growth.")
        elif not rows:
            self.chart_note.setText(f"{name} has not been assessed on {self.chart_skill.currentText()} yet.")
        else:
            last = rows[-1]
            self.chart_note.setText(f"{name}: {len(rows)} assessment{'s' if len(rows) != 1 else ''}; latest "
                                    f"{last.level_name} on {last.assessed_at:%d %b %Y}"
                                    + (" (target: dashed line)" if target is not None else ""))
        self.chart_title.setText(f"Growth — {name}" if name else "Growth")

    # ------------------------------------------------------------------ actions
    def _show_help(self) -> None:
        from PySide6.QtWidgets import QToolTip

        QToolTip.showText(self.help.mapToGlobal(self.help.rect().bottomLeft()), HOW_COMPUTED, self.help)

    def open_targets(self) -> QDialog | None:
        from ui.dialogs.target_skills_dialog import TargetSkillsDialog

        if self.snapshot is None:
            return None
        dialog = TargetSkillsDialog(self.snapshot.catalog, self.snapshot.rubrics, self)
        dialog.accepted.connect(lambda: self._save_targets(dialog.value()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _save_targets(self, chosen: list[tuple[int, int | None]]) -> None:
        service, actor, aid = self.ctx.services.skills, self.ctx.user, self.activity_id
        WriteOp(self, self.ctx, lambda state: service.set_activity_skills(actor, aid, chosen),
                label="Saving target skills").run_in_background()

    def open_assess(self) -> QDialog | None:
        from ui.dialogs.assess_dialog import AssessDialog

        ids = self.selected_ids()
        if not ids or self.snapshot is None or not self.snapshot.catalog:
            return None
        names = [s.name for s in self.model.students if s.id in set(ids)]
        col = self.table.currentIndex().column()
        dialog = AssessDialog(self.snapshot.catalog, self.snapshot.rubrics, names, self,
                              skill_id=self.model.skill_at(col) or self.chart_skill.currentData())
        dialog.accepted.connect(lambda: self._assess(ids, dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _assess(self, ids: list[int], dialog: Any) -> None:
        value = dialog.value()
        service, actor, aid = self.ctx.services.skills, self.ctx.user, self.activity_id
        WriteOp(self, self.ctx, lambda state: service.assess(actor, aid, ids, value.skill_id, value.level,
                                                             value.evidence, value.assessed_on),
                label="Assessing").run_in_background()


def _stamp(when: datetime) -> float:
    return when.timestamp()
