"""Skills (administrators): the school-wide skill catalog and its rubrics.

One background read loads the catalog (each skill with the size of its own rubric and how many
activities target it and assessments use it) and the school default rubric; the search box
works on that snapshot. Dialogs and Delete save through ``WriteOp`` (ui/ops.py); the skill
changes they commit reload this page. Activities choose their target skills from this catalog on their Skills tab.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.errors import ValidationError
from tracker.services.skills import CatalogRow, RubricLevelRow
from ui.context import AppContext
from ui.dialogs.rubric_dialog import RubricDialog
from ui.dialogs.skill_dialog import SkillDialog
from ui.models.base import RIGHT, Column, FilterProxy, SnapshotModel
from ui.ops import ReadOp, WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Page
from ui.widgets import EmptyState, SearchBox, apply_widths, make_table
from ui.widgets.action_bar import action_button
from ui.widgets.actions import widget_action
from ui.widgets.column_fit import fit_columns
from ui.widgets.search import attach_search, focus_list
from ui.widgets.style import set_style_flag, styled_label
from ui.widgets.tables import with_side_panel

DEFAULT_RUBRIC = "School default"


def rubric_text(k: CatalogRow) -> str:
    return DEFAULT_RUBRIC if not k.own_levels else f"Own, {k.own_levels} level{'s' if k.own_levels != 1 else ''}"


def _count(n: int) -> str:
    return f"{n:,}" if n else "—"


class CatalogModel(SnapshotModel[CatalogRow]):
    NAME, CATEGORY, RUBRIC, ACTIVITIES, ASSESSMENTS = range(5)

    columns = (
        Column("Skill", lambda k: k.name, width=200, tooltip=lambda k: k.description or k.name),
        Column("Category", lambda k: k.category, width=140),
        Column("Rubric", rubric_text, width=130, sort=lambda k: (k.own_levels, k.name.lower()),
               tooltip=lambda k: "Assessed on the school default rubric" if not k.own_levels
               else "Assessed on levels of its own"),
        Column("Activities", lambda k: _count(k.activities), value=lambda k: k.activities,
               align=RIGHT, width=88, tooltip=lambda k: "Activities that target this skill"),
        Column("Assessments", lambda k: _count(k.assessments), value=lambda k: k.assessments,
               align=RIGHT, width=116, tooltip=lambda k: "Assessments made on this skill"),
    )

    def search_text(self, k: CatalogRow) -> str:
        return " ".join(filter(None, (k.name, k.category, k.description)))


class SkillPanel(QFrame):
    """The selected skill: its description and the levels it is assessed on."""

    def __init__(self, page: SkillCatalogPage) -> None:
        super().__init__()
        self.page = page
        set_style_flag(self, "card")
        self.setMinimumWidth(280)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 14)
        lay.setSpacing(6)
        self.name = styled_label("", heading="2")
        self.name.setWordWrap(True)
        lay.addWidget(self.name)
        self.meta = styled_label("", muted=True)
        self.meta.setWordWrap(True)
        lay.addWidget(self.meta)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.description)
        lay.addSpacing(6)
        self.rubric_title = styled_label("Rubric", heading="2")
        lay.addWidget(self.rubric_title)
        self.levels = QLabel()
        self.levels.setWordWrap(True)
        self.levels.setTextFormat(Qt.TextFormat.RichText)
        self.levels.setAccessibleName("Rubric levels")
        lay.addWidget(self.levels)
        lay.addStretch(1)
        self.shown: CatalogRow | None = None
        self.show_skill(None)

    def show_skill(self, k: CatalogRow | None) -> None:
        self.shown = k
        for w in (self.description, self.rubric_title, self.levels):
            w.setVisible(k is not None)
        if k is None:
            self.name.setText("No skill selected")
            self.meta.setText("Select a skill to see its description and rubric.")
            return
        self.name.setText(k.name)
        used = [f"targeted by {k.activities} activit{'y' if k.activities == 1 else 'ies'}"
                if k.activities else "",
                f"{k.assessments} assessment{'s' if k.assessments != 1 else ''}" if k.assessments else ""]
        self.meta.setText(" · ".join([k.category or "No category",
                                      *(filter(None, used) if any(used) else ["not used yet"])]))
        self.description.setText(k.description or "No description.")
        set_style_flag(self.description, "muted", not k.description)
        self.rubric_title.setText("Rubric: school default" if not k.own_levels else "Rubric of its own")
        if not k.own_levels:
            self.set_levels(self.page.default_rubric)
        else:
            self.levels.setText("Loading…")
            self.page.load_rubric(k, self)

    def set_levels(self, levels: list[RubricLevelRow]) -> None:
        from html import escape

        if not levels:
            self.levels.setText("No levels.")
            return
        rows = "".join(
            f"<tr><td style='padding:2px 8px 2px 0'><b>{lv.level}</b></td>"
            f"<td style='padding:2px 0'><b>{escape(lv.name)}</b>"
            + (f"<br><span style='color:#5b6470'>{escape(lv.description)}</span>" if lv.description else "")
            + "</td></tr>"
            for lv in levels)
        self.levels.setText(f"<table>{rows}</table>")


class SkillCatalogPage(Page):
    title = "Skills"
    watches = frozenset({ChangeKind.SKILL})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.skills: list[CatalogRow] = []
        self.default_rubric: list[RubricLevelRow] = []
        self.loaded = False
        self.reloader = Reloader(ctx, self._load, self._loaded, self._load_failed,
                                 label="Loading the skill catalog")
        self._keep_id: int | None = None
        self._rubrics: dict[int, list[RubricLevelRow]] = {}  # own rubrics read since the last load
        self._generation = 0  # catalog loads so far: a rubric read from before one is not cached

        self.model = CatalogModel(self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.setSpacing(12)
        self._make_actions()

        head = QHBoxLayout()
        head.addWidget(styled_label("Skills", heading="1"))
        self.count = styled_label("", muted=True)
        head.addWidget(self.count, 0, Qt.AlignmentFlag.AlignBottom)
        head.addStretch(1)
        head.addWidget(action_button(self.default_rubric_action))
        head.addWidget(action_button(self.new_action, primary=True))
        outer.addLayout(head)

        bar = QHBoxLayout()
        self.search = SearchBox("Search skills…")
        self.search.setToolTip("Matches name, category and description; several words must all match")
        self.search.search.connect(self._apply_filter)
        widget_action(self, "Find", self.search.focus_all, "Search skills",
                      QKeySequence.StandardKey.Find).setVisible(False)
        bar.addWidget(self.search, 2)
        bar.addStretch(1)
        self.edit_button = action_button(self.edit_action)
        self.rubric_button = action_button(self.rubric_action)
        self.delete_button = action_button(self.delete_action)
        for button in (self.edit_button, self.rubric_button, self.delete_button):
            bar.addWidget(button)
        outer.addLayout(bar)

        m = CatalogModel
        self.table = make_table({i: c.width for i, c in enumerate(m.columns)}, stretch=m.NAME)
        self.table.setModel(self.proxy)
        apply_widths(self.table)
        # what a hidden column says is in the panel beside the table
        self.columns = fit_columns(self.table, stretch=m.NAME, minimum=150,
                                   drop=(m.ASSESSMENTS, m.ACTIVITIES, m.RUBRIC))
        attach_search(self.search, self.table, self.edit_action.trigger)
        self.table.setAccessibleName("Skill catalog")
        self.table.sortByColumn(m.NAME, Qt.SortOrder.AscendingOrder)
        self.table.activated.connect(lambda _i: self.edit_action.trigger())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.empty = EmptyState()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.panel = SkillPanel(self)

        outer.addWidget(with_side_panel(self.stack, self.panel, (760, 300)), 1)
        self._update_actions()

    # ------------------------------------------------------------------ actions
    def _make_actions(self) -> None:
        def act(text: str, slot: Callable[[], Any], tip: str, *keys: Any) -> QAction:
            return widget_action(self, text, slot, tip, *keys)

        self.new_action = act("New skill…", self.new_skill, "Add a skill to the catalog (Ctrl+N)",
                              QKeySequence.StandardKey.New)
        self.edit_action = act("Edit…", self.edit_skill,
                               "Edit the selected skill's name, category and description (Enter)")
        self.rubric_action = act("Edit rubric…", self.edit_rubric,
                                 "The levels the selected skill is assessed on (Ctrl+R)", "Ctrl+R")
        self.delete_action = act("Delete…", self.delete_skill,
                                 "Delete the selected skill (only one nobody uses yet)",
                                 QKeySequence.StandardKey.Delete)
        self.default_rubric_action = act(
            "School default rubric…", self.edit_default_rubric,
            "The levels every skill without a rubric of its own is assessed on")

    def selected(self) -> CatalogRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.record(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        k = self.selected()
        for a in (self.edit_action, self.rubric_action):
            a.setEnabled(k is not None)
        in_use = k is not None and bool(k.activities or k.assessments)
        self.delete_action.setEnabled(k is not None and not in_use)
        self.delete_button.setToolTip(
            "Activities target this skill or assessments use it, so it stays in the catalog"
            if in_use else self.delete_action.toolTip())

    def _selection_changed(self, *_: object) -> None:
        self._update_actions()
        self.panel.show_skill(self.selected())

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.selectRow(index.row())
        menu = QMenu(self)
        for a in (self.edit_action, self.rubric_action, self.delete_action):
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.new_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def focus_main(self) -> None:
        """After switching to the page: the catalog (Down and Enter work at once), or the search
        box when it is empty."""
        if not focus_list(self.table):
            self.search.setFocus()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], tuple[list[CatalogRow], list[RubricLevelRow]]]:
        skills, actor = self.ctx.services.skills, self.ctx.user

        def load(state: object) -> tuple[list[CatalogRow], list[RubricLevelRow]]:
            return skills.catalog(actor), skills.rubric(actor, None)

        return load

    def _load_failed(self, exc: BaseException) -> None:
        self.empty.set_text("Skills not available", str(exc))
        self.stack.setCurrentWidget(self.empty)

    def _loaded(self, result: tuple[list[CatalogRow], list[RubricLevelRow]]) -> None:
        keep = self._keep_id
        if keep is None:
            current = self.selected()
            keep = current.id if current else None
        self._keep_id = None
        self.skills, self.default_rubric = result
        self._rubrics.clear()  # a rubric edit changes no skill version: read them again
        self._generation += 1
        self.loaded = True
        self.model.set_rows(self.skills)
        self._show_rows()
        if keep is None or not self.select_skill(keep):
            if self.proxy.rowCount():
                self.table.selectRow(0)
        self._selection_changed()

    def load_rubric(self, k: CatalogRow, panel: SkillPanel) -> None:
        """The levels of a skill with a rubric of its own, read once per catalog load."""
        key = k.id
        if key in self._rubrics:
            panel.set_levels(self._rubrics[key])
            return
        skills, actor, generation = self.ctx.services.skills, self.ctx.user, self._generation

        def show(levels: list[RubricLevelRow]) -> None:
            if generation == self._generation:
                self._rubrics[key] = levels
            if panel.shown is k:
                panel.set_levels(levels)

        def failed(exc: BaseException) -> bool:
            if panel.shown is k:
                panel.levels.setText(f"Could not load the rubric: {exc}")
            return True  # shown in the panel, not in a message box

        ReadOp(self, self.ctx, lambda state: skills.rubric(actor, k.id), label="Loading a rubric") \
            .success(show).failure(failed).run_in_background()

    def _show_rows(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "skill" if total == 1 else "skills"
        self.count.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")
        if not total:
            self.empty.set_text(
                "No skills yet",
                "Add the skills activities work on, e.g. Teamwork, Public speaking or Coding, "
                "with New skill… (Ctrl+N). Each skill is assessed on the school default rubric "
                "unless you give it levels of its own.")
        elif not shown:
            self.empty.set_text(f"No skill matches “{self.search.text().strip()}”",
                                "Clear the search (Esc) to see every skill.")
        self.stack.setCurrentWidget(self.table if shown else self.empty)

    def _apply_filter(self, *_: object) -> None:
        self.proxy.set_search(self.search.text())
        self._show_rows()
        if not self.table.selectionModel().selectedRows() and self.proxy.rowCount():
            self.table.selectRow(0)
        self._selection_changed()

    def select_skill(self, skill_id: int) -> bool:
        row = self.model.row_of(lambda k: k.id == skill_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    # ------------------------------------------------------------------ dialogs and writes
    def _open(self, dialog: Any, keep: Callable[[Any], int | None]) -> Any:
        def finished(code: int) -> None:
            if code:
                self._keep_id = keep(dialog.result_value)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def new_skill(self) -> SkillDialog:
        dialog = SkillDialog(self.ctx, None, categories=[k.category for k in self.skills], parent=self)
        return self._open(dialog, lambda r: r.id if r is not None else None)

    def edit_skill(self) -> SkillDialog | None:
        k = self.selected()
        if k is None:
            return None
        dialog = SkillDialog(self.ctx, k, categories=[s.category for s in self.skills], parent=self)
        return self._open(dialog, lambda r: k.id)

    def edit_rubric(self) -> RubricDialog | None:
        k = self.selected()
        if k is None:
            return None
        return self._open(RubricDialog(self.ctx, k, parent=self), lambda r: k.id)

    def edit_default_rubric(self) -> RubricDialog:
        k = self.selected()
        return self._open(RubricDialog(self.ctx, None, parent=self), lambda r: k.id if k else None)

    def delete_skill(self) -> None:
        k = self.selected()
        if k is None or not self.delete_action.isEnabled():
            return
        answer = QMessageBox.question(
            self, "Delete skill",
            f"Delete {k.name} from the catalog? No activity targets it and nobody has been "
            "assessed on it yet.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        skills, actor = self.ctx.services.skills, self.ctx.user

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, ValidationError) and exc.problems:
                QMessageBox.warning(self, "Delete skill",
                                    "\n".join([exc.message, *(p.message for p in exc.problems)]))
                return True
            return False  # shown the standard way

        WriteOp(self, self.ctx, lambda state: skills.delete_skill(actor, k.id), label="Delete skill") \
            .failure(failed).run_in_background()
