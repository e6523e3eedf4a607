"""A student's own skills growth: each skill they were assessed on, with its latest level, and a
chart of the level over time for the chosen skill (the student themself, their parent, their
teachers and admins may open it; the service decides).

The view is the Skills growth tab of the Progress page (``ui/views/my_progress.py``), which
switches it to another child with :meth:`StudentSkillsView.set_student`. The chart is
``ui.views.growth_chart.GrowthChart`` (pyqtgraph is imported when the view is built, never at
module import): without any assessment it shows "No assessments yet" instead of empty axes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from tracker.services.skills import AssessmentRow, RubricLevelRow
from ui.context import AppContext
from ui.ops import ReadOp
from ui.tasks import TaskState
from ui.views.growth_chart import GrowthChart
from ui.widgets.style import styled_label

NO_ASSESSMENTS = ("No assessments yet", "Skills appear here once a teacher assesses them.")


@dataclass(frozen=True)
class StudentSkills:
    history: list[AssessmentRow]
    rubrics: dict[int, tuple[RubricLevelRow, ...]]


class StudentSkillsView(QWidget):
    def __init__(self, ctx: AppContext, student_id: int | None, parent: QWidget | None = None, *,
                 margins: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.student_id = student_id
        self.data: StudentSkills | None = None
        outer = QVBoxLayout(self)
        if not margins:
            outer.setContentsMargins(0, 0, 0, 0)
        self.heading = styled_label("Skills growth", heading="2")
        outer.addWidget(self.heading)
        row = QHBoxLayout()
        self.skills = QListWidget()
        self.skills.setAccessibleName("Skills assessed")
        self.skills.setFixedWidth(250)
        self.skills.setWordWrap(True)
        self.skills.setSpacing(3)
        self.skills.currentItemChanged.connect(lambda *_: self._draw())
        self.skills.hide()  # until there are skills to list
        row.addWidget(self.skills)
        self.chart = GrowthChart(symbol_size=10)
        self.chart.show_empty(*NO_ASSESSMENTS)
        self.plot, self.curve = self.chart.plot, self.chart.curve
        row.addWidget(self.chart, 1)
        outer.addLayout(row, 1)
        self.note = styled_label("", muted=True)
        self.note.setWordWrap(True)
        outer.addWidget(self.note)
        self.refresh()

    def set_student(self, student_id: int | None) -> None:
        """Show another student's growth (the Progress page of a parent with several children)."""
        if student_id != self.student_id:
            self.student_id = student_id
            self._clear()
        self.refresh()

    def _clear(self) -> None:
        self.data = None
        self.skills.clear()
        self.skills.hide()
        self.chart.show_empty(*NO_ASSESSMENTS)
        self.heading.setText("Skills growth")
        self.note.setText("")

    def refresh(self) -> None:
        service, actor, sid = self.ctx.services.skills, self.ctx.user, self.student_id
        if sid is None:
            self._clear()
            return

        def work(state: TaskState) -> StudentSkills:
            rows = service.history(actor, sid)
            return StudentSkills(rows, {k: tuple(service.rubric(actor, k)) for k in {r.skill_id for r in rows}})

        def failed(exc: BaseException) -> bool:
            if sid == self.student_id:
                self.note.setText(str(exc))
            return True

        ReadOp(self, self.ctx, work, label="Loading skills growth") \
            .success(lambda data: self._show(data, sid)).failure(failed).run_in_background()

    def _show(self, data: StudentSkills, student_id: int | None = None) -> None:
        if student_id is not None and student_id != self.student_id:
            return  # a result for the student shown before
        current = self.skills.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self.data = data
        self.note.setText("")
        self.skills.clear()
        by_skill: dict[int, list[AssessmentRow]] = {}
        for r in data.history:
            by_skill.setdefault(r.skill_id, []).append(r)
        if data.history:
            self.heading.setText(f"Skills growth — {data.history[0].student}")
        for skill_id, rows in sorted(by_skill.items(), key=lambda kv: kv[1][0].skill):
            last = rows[-1]
            change = ""
            if len(rows) > 1 and last.level != rows[0].level:
                change = f"\n{'up' if last.level > rows[0].level else 'down'} from {rows[0].level_name}"
            item = QListWidgetItem(f"{last.skill}: {last.level_name}{change}"
                                   f" · {len(rows)} assessment{'s' if len(rows) != 1 else ''}")
            item.setData(Qt.ItemDataRole.UserRole, skill_id)
            self.skills.addItem(item)
        if self.skills.count():
            kept = [i for i in range(self.skills.count())
                    if self.skills.item(i).data(Qt.ItemDataRole.UserRole) == keep]
            self.skills.setCurrentRow(kept[0] if kept else 0)
        else:
            self.note.setText("")
            self.chart.show_empty(*NO_ASSESSMENTS)
        self.skills.setVisible(bool(self.skills.count()))  # no empty list beside "No assessments yet"

    def current_rows(self) -> list[AssessmentRow]:
        item = self.skills.currentItem()
        if item is None or self.data is None:
            return []
        skill_id = item.data(Qt.ItemDataRole.UserRole)
        return [r for r in self.data.history if r.skill_id == skill_id]

    def _draw(self) -> None:
        rows = self.current_rows()
        if not rows or self.data is None:
            self.chart.show_empty(*NO_ASSESSMENTS)
            return
        self.chart.show_levels(rows, self.data.rubrics.get(rows[0].skill_id, ()))
        last = rows[-1]
        self.note.setText(f"{last.skill}: latest {last.level_name} on {last.assessed_at:%d %b %Y}"
                          + (f" — “{last.evidence}”" if last.evidence else ""))

