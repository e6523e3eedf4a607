"""The Skills tab of an activity: target skills, students × skills (latest level) with each
student's participation summary, assessing a selection, and the selected student's growth chart.

Reads run in the background and fill a snapshot model (when the tab is on screen; a hidden tab
reads when next shown); an assessment or a change of target skills is a write operation
(``ui/ops.py``) whose published skill changes reload the tab. pyqtgraph is imported when the tab
is built, never at module import (``ui.views.growth_chart``).

The table and the chart share the tab side by side while the table's columns fit beside a
readable chart; otherwise (a 1024-pixel screen, many skills) the chart goes under the table, so
level names are not cut off at the table's edge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
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
from ui.views.growth_chart import GrowthChart
from ui.widgets import EmptyState, apply_widths, make_table
from ui.widgets.style import set_style_flag, styled_label

#: the fixed columns: student, rating, attendance, pace
FIXED_WIDTHS = {SkillsGridModel.STUDENT: 160, SkillsGridModel.RATING: 72, SkillsGridModel.ATTENDANCE: 96,
                SkillsGridModel.PACE: 80}
#: a skill column fits its longest level name and title within these; short of room it narrows
#: to the least (its text elided with "…", the whole in the tooltip) before the table scrolls
SKILL_WIDTHS = (76, 170)
CHART_BESIDE = 380  # the chart goes beside the table when it gets at least this much width


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
        self.table = make_table(dict(FIXED_WIDTHS))
        self.table.setModel(self.model)
        apply_widths(self.table)
        self._ideal: dict[int, int] = {}  # each column's width with its whole text
        self.table.viewport().installEventFilter(self)
        self.table.setSortingEnabled(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAccessibleName("Students and skills")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(lambda _i: self.open_assess())
        self.empty = EmptyState("Nobody enrolled yet", "Skills can be assessed once students are enrolled.")
        self.empty.hide()

        # the chart's side: title, skill and note beside the chart under the table, above it
        # when the chart is beside the table
        side = QWidget()
        self.side_box = QBoxLayout(QBoxLayout.Direction.TopToBottom, side)
        self.side_box.setContentsMargins(8, 0, 0, 0)
        info = QWidget()
        info_box = QVBoxLayout(info)
        info_box.setContentsMargins(0, 0, 0, 0)
        self.chart_title = styled_label("Growth", heading="2")
        self.chart_title.setWordWrap(True)
        info_box.addWidget(self.chart_title)
        self.chart_skill = QComboBox()
        self.chart_skill.setAccessibleName("Skill shown in the chart")
        self.chart_skill.currentIndexChanged.connect(lambda _i: self._load_history())
        info_box.addWidget(self.chart_skill)
        self.chart_note = styled_label("", muted=True)
        self.chart_note.setWordWrap(True)
        self.chart_note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        info_box.addWidget(self.chart_note, 1)
        self.info = info
        self.side_box.addWidget(info)
        self.chart = GrowthChart()
        self.chart.setMinimumSize(260, 170)
        self.plot, self.curve, self.target_line = self.chart.plot, self.chart.curve, self.chart.target_line
        self.side_box.addWidget(self.chart, 1)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setChildrenCollapsible(False)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(self.table, 1)
        left_box.addWidget(self.empty, 1)
        self.split.addWidget(left)
        self.split.addWidget(side)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        outer.addWidget(self.split, 1)
        self._beside: bool | None = None
        self._arrange()

    # ------------------------------------------------------------------ layout
    def table_width(self) -> int:
        """What the table needs to show every column whole."""
        return sum(self._ideal.values()) + self.table.verticalScrollBar().sizeHint().width() \
            + 2 * self.table.frameWidth()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """The chart beside the table when both fit, else under it (with its title, skill and
        note on its left)."""
        room = self.width() - self.table_width() - self.split.handleWidth()
        beside = room >= CHART_BESIDE
        if beside == self._beside:
            return
        self._beside = beside
        self.split.setOrientation(Qt.Orientation.Horizontal if beside else Qt.Orientation.Vertical)
        self.side_box.setDirection(QBoxLayout.Direction.TopToBottom if beside else QBoxLayout.Direction.LeftToRight)
        if beside:
            self.side_box.setContentsMargins(8, 0, 0, 0)
        else:
            self.side_box.setContentsMargins(0, 6, 0, 0)
        self.info.setMaximumWidth(16_777_215 if beside else 260)
        self.info.setMinimumWidth(0 if beside else 220)
        if beside:
            self.split.setSizes([self.table_width(), max(room, CHART_BESIDE)])
        else:
            self.split.setSizes([3 * max(self.height(), 300) // 5, 2 * max(self.height(), 300) // 5])

    def focus_main(self) -> None:
        """The keyboard's place in the tab: the table (its first row when none is current)."""
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self.table.setFocus()

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
        self._size_skill_columns()
        self._beside = None
        self._arrange()
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

    def _size_skill_columns(self) -> None:
        """Each column as wide as its title and, for a skill, its longest level name (font
        metrics of a few names, never sizing to the contents of every cell); then fitted."""
        hh = self.table.horizontalHeader()
        cells, heads = self.table.fontMetrics(), hh.fontMetrics()
        least, most = SKILL_WIDTHS
        self._ideal = {}
        for col in range(self.model.columnCount()):
            head = heads.horizontalAdvance(str(self.model.headerData(col, Qt.Orientation.Horizontal) or "")) + 28
            if col < SkillsGridModel.FIRST_SKILL:
                self._ideal[col] = max(FIXED_WIDTHS[col], head)
            else:
                names = [cells.horizontalAdvance(n) + 24 for n in self.model.level_names(col)]
                self._ideal[col] = max(least, min(most, max([head, *names])))
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Short of room, the skill columns narrow alike, down to the least width, before the
        table scrolls sideways: a level name elided with "…" (whole in the tooltip) rather than
        one cut off at the table's edge."""
        if not self._ideal:
            return
        hh = self.table.horizontalHeader()
        skills = [c for c in self._ideal if c >= SkillsGridModel.FIRST_SKILL]
        room = self.table.viewport().width() - sum(w for c, w in self._ideal.items() if c not in skills)
        wanted = sum(self._ideal[c] for c in skills)
        scale = 1.0 if wanted <= room or not wanted else max(room, 0) / wanted
        for c, width in self._ideal.items():
            hh.resizeSection(c, width if c not in skills else max(SKILL_WIDTHS[0], int(width * scale)))

    def _draw(self, rows: list[AssessmentRow]) -> None:
        self.history = rows
        snap, skill = self.snapshot, self.chart_skill.currentData()
        levels = snap.rubrics.get(skill, ()) if snap and skill is not None else ()
        target = next((k.target_level for k in snap.grid.skills
                       if k.skill_id == skill and k.target_level is not None), None) if snap else None
        student = self.chart_student()
        name = next((s.name for s in self.model.students if s.id == student), "")
        skill_name = self.chart_skill.currentText()
        if student is None:
            empty = ("No student selected", "Select a student to see their growth.")
        else:
            empty = ("No assessments yet", f"{name} has not been assessed on {skill_name} yet.")
        self.chart.show_levels(rows, levels, target, empty=empty)
        if not rows:
            self.chart_note.setText("")  # the empty state in the chart's place says it
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

