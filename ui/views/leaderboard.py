"""The Leaderboard page: opt-in boards of points, friendly by design.

A picker of the boards the viewer may look at (the school's and their activities' that are on;
a lead or admin also the ones that are off, marked so), where the viewer stands ("You are 4th
of 23", also when they chose to be hidden), the board as a table (Rank, Name, Points; ties
share a rank; the viewer's row highlighted) and beside it the same points as horizontal bars
with the viewer's bar in the accent colour. Students and parents get the "Show me on
leaderboards" switch; leads and admins "Board settings…" and "Export…" (CSV of the rows the
service gives: a student who opted out is never in it). Every board is read in one background
load (:func:`ui.models.leaderboard.read_boards`), so switching boards needs no database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.enums import Role
from tracker.domain.leaderboard import Leaderboard, LeaderRow
from tracker.reports.leaderboard_export import write_leaderboard_csv
from ui.charts.base import ChartData
from ui.charts.ranking import RankingPanel, ranking_chart
from ui.context import AppContext
from ui.models.leaderboard import (
    Boards,
    LeaderModel,
    about_text,
    board_key,
    default_board,
    picker_text,
    plural,
    read_boards,
    standing_text,
)
from ui.ops import ReadOp, WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Page
from ui.widgets import EmptyState, apply_widths, make_table
from ui.widgets.action_bar import action_button
from ui.widgets.actions import widget_action
from ui.widgets.elided import ElidedLabel
from ui.widgets.elided_combo import ElidedComboBox
from ui.widgets.style import set_style_flag, styled_label

if TYPE_CHECKING:
    from ui.dialogs.leaderboard_settings import BoardSettingsDialog

CHART_ROWS = 15  # bars drawn at most (the table lists everyone); the viewer's is added if beyond


def chart_of(board: Leaderboard) -> tuple[ChartData, list[int]]:
    """The board's chart: the best :data:`CHART_ROWS` rows, then — after a gap — the viewer's
    own when it lies beyond them; and which bar is the viewer's."""
    drawn: list[LeaderRow | None] = list(board.rows[:CHART_ROWS])
    if board.my_row is not None and not board.opted_out_me and board.my_row not in drawn:
        drawn += [None, board.my_row]
    top = len(board.rows) > CHART_ROWS
    data = ranking_chart(f"Points: the top {CHART_ROWS}" if top else "Points",
                         [(r.display_name, r.points) if r is not None else None for r in drawn])
    return data, [i for i, r in enumerate(drawn) if r is not None and r.is_me]


class LeaderboardPage(Page):
    title = "Leaderboard"
    watches = frozenset({ChangeKind.ACTIVITY, ChangeKind.SETTING, ChangeKind.USER, ChangeKind.MILESTONE,
                         ChangeKind.BADGE, ChangeKind.ENROLLMENT, ChangeKind.PROGRESS, ChangeKind.GUARDIAN_LINK})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.snapshot: Boards | None = None
        self.chosen: int | None = None  # the board's key (SCHOOL or an activity id) once picked
        self.child_id: int | None = None
        self.dialog: QWidget | None = None
        self.reloader: Reloader[Boards] = Reloader(ctx, self._load, self._loaded, self._failed,
                                                   label="Loading the leaderboards")
        self.parent_view = ctx.actor is not None and ctx.actor.role is Role.PARENT

        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(10)
        head = QHBoxLayout()
        self.heading = ElidedLabel("Leaderboard")
        set_style_flag(self.heading, "heading", "2")
        head.addWidget(self.heading, 1)
        self.child_label = QLabel("Child:")
        self.child = ElidedComboBox()
        self.child.setAccessibleName("Child")
        self.child.setToolTip("Whose boards to show")
        self.child.setMinimumWidth(180)
        self.child_label.setBuddy(self.child)
        self.child.currentIndexChanged.connect(self._child_chosen)
        for w in (self.child_label, self.child):
            w.setVisible(self.parent_view)
            head.addWidget(w)
        lay.addLayout(head)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        board_label = QLabel("Board:")
        self.picker = ElidedComboBox()
        self.picker.setAccessibleName("Board")
        self.picker.setMinimumWidth(160)
        self.picker.setMaximumWidth(320)
        board_label.setBuddy(self.picker)
        self.picker.currentIndexChanged.connect(self._board_chosen)
        bar.addWidget(board_label)
        bar.addWidget(self.picker, 1)
        self.show_me = QCheckBox("Show me on leaderboards")
        self.show_me.setToolTip("Off: you are on no board, for anyone (teachers' exports included); "
                                "you still see where you would stand")
        self.show_me.setVisible(False)
        self.show_me.clicked.connect(self.set_shown)
        bar.addWidget(self.show_me)
        bar.addStretch(1)
        self.settings_action = widget_action(self, "Board settings…", self.open_settings,
                                             "Turn the board on or off and choose how names are shown")
        self.export_action = widget_action(self, "Export…", self.export,
                                           "Save the board as a CSV file (students who opted out are never in it)")
        for a in (self.settings_action, self.export_action):
            a.setVisible(False)
            bar.addWidget(action_button(a))
        lay.addLayout(bar)

        self.standing = ElidedLabel("")
        self.standing.setAccessibleName("Your standing")
        self.standing.setStyleSheet("font-size: 12pt; font-weight: 600;")
        lay.addWidget(self.standing)
        self.about = styled_label("", muted=True)
        self.about.setWordWrap(True)
        lay.addWidget(self.about)

        self.model = LeaderModel(self)
        m = LeaderModel
        self.table = make_table({i: c.width for i, c in enumerate(m.columns)}, stretch=m.NAME, sortable=False)
        self.table.setModel(self.model)
        apply_widths(self.table)
        self.table.setAccessibleName("Leaderboard")
        self.table.setMinimumWidth(240)
        self.chart = RankingPanel()
        self.chart.setMinimumWidth(260)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.table)
        self.split.addWidget(self.chart)
        self.split.setSizes([340, 440])
        self.empty = EmptyState("Loading…")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.split)
        self.stack.addWidget(self.empty)
        self.stack.setCurrentWidget(self.empty)
        lay.addWidget(self.stack, 1)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], Boards]:
        services, actor, child = self.ctx.services, self.ctx.user, self.child_id
        return lambda state: read_boards(services, actor, child)

    def _loaded(self, snapshot: Boards) -> None:
        self.snapshot = snapshot
        self._fill_children(snapshot)
        self.child_id = snapshot.student_id if self.parent_view else None
        keys = [board_key(b) for b in snapshot.boards]
        if self.chosen not in keys:
            first = default_board(snapshot.boards)
            self.chosen = board_key(first) if first is not None else None
        self.picker.blockSignals(True)
        self.picker.clear()
        for b in snapshot.boards:
            self.picker.addItem(picker_text(b), board_key(b))
        self.picker.setCurrentIndex(keys.index(self.chosen) if self.chosen in keys else -1)
        self.picker.blockSignals(False)
        self.picker.setEnabled(len(keys) > 1)
        self.show_me.setVisible(snapshot.opted_out is not None)
        self.show_me.setChecked(snapshot.opted_out is False)
        self.show_me.setText("Show me on leaderboards" if not self.parent_view else
                             f"Show {snapshot.student_name or 'my child'} on leaderboards")
        self.show_board(self.board())

    def _failed(self, exc: BaseException) -> None:
        self.snapshot = None
        self.model.set_rows([])
        self.show_board(None, f"The leaderboards could not be loaded: {exc}")

    def _fill_children(self, snapshot: Boards) -> None:
        if not self.parent_view:
            return
        self.child.blockSignals(True)
        self.child.clear()
        for cid, name in snapshot.children:
            self.child.addItem(name, cid)
        self.child.setCurrentIndex(max(self.child.findData(snapshot.student_id), 0))
        self.child.blockSignals(False)

    def board(self) -> Leaderboard | None:
        """The board picked (None when there is none to show)."""
        if self.snapshot is None:
            return None
        return next((b for b in self.snapshot.boards if board_key(b) == self.chosen), None)

    # ------------------------------------------------------------------ showing
    def _board_chosen(self, index: int) -> None:
        key = self.picker.itemData(index)
        if key is not None:
            self.chosen = int(key)
            self.show_board(self.board())

    def _child_chosen(self, index: int) -> None:
        child = self.child.itemData(index)
        if child is not None and child != self.child_id:
            self.child_id = int(child)
            self.refresh()

    def show_board(self, board: Leaderboard | None, failure: str = "") -> None:
        """The board's standing line, table and chart, or the empty state saying why not."""
        self.settings_action.setVisible(board is not None and board.can_manage)
        self.export_action.setVisible(board is not None and board.can_manage)
        self.export_action.setEnabled(board is not None and board.enabled and bool(board.rows))
        self.heading.setText(board.title if board is not None else "Leaderboard")
        if board is None:
            self.model.set_rows([])
            self.chart.set_ranking(ranking_chart("", []))
            self.standing.setText("")
            self.about.setText("")
            self.empty.set_text(*((failure, "") if failure else self._nothing_to_show()))
            self.stack.setCurrentWidget(self.empty)
            return
        own = self.ctx.user.role is Role.STUDENT
        name = self.snapshot.student_name if self.snapshot is not None else ""
        self.standing.setText(standing_text(board, own=own, name=name) if board.enabled else "")
        self.about.setText(about_text(board) if board.enabled else "")
        if not board.enabled or not board.rows:
            self.model.set_rows([])
            self.chart.set_ranking(ranking_chart("", []))
            self.empty.set_text(*self._empty_board(board))
            self.stack.setCurrentWidget(self.empty)
            return
        self.model.set_rows(board.rows)
        self.chart.set_ranking(*chart_of(board))
        self.stack.setCurrentWidget(self.split)
        mine = self.model.mine()
        if mine >= 0:
            self.table.scrollTo(self.model.index(mine, 0), QAbstractItemView.ScrollHint.PositionAtCenter)

    def _nothing_to_show(self) -> tuple[str, str]:
        if self.parent_view and self.snapshot is not None and not self.snapshot.children:
            return "No child linked yet", "The school links parents to their children's accounts."
        whose = "your" if not self.parent_view else f"{self.snapshot.student_name if self.snapshot else ''}'s"
        return ("No leaderboard is on", f"The leaderboards of {whose} activities are off. An activity's "
                                        "leads decide whether it has one.")

    def _empty_board(self, board: Leaderboard) -> tuple[str, str]:
        if board.enabled:
            return board.empty_reason or "Nobody is on this leaderboard yet.", \
                "Points come from milestones completed and badges earned."
        return (f"The leaderboard of {board.title} is off" if board.activity_id is not None
                else "The school leaderboard is off",
                "Students and parents do not see it. Turn it on with Board settings…, where you also "
                "choose how names are shown.")

    def focus_main(self) -> None:
        if self.stack.currentWidget() is self.split:
            self.table.setFocus()
            if not self.table.currentIndex().isValid() and self.model.rowCount():
                self.table.setCurrentIndex(self.model.index(max(self.model.mine(), 0), 0))
        else:
            self.picker.setFocus()

    # ------------------------------------------------------------------ actions
    def set_shown(self, shown: bool) -> None:
        """The switch: keep the student (a parent's child) off every board, or show them again."""
        student = self.snapshot.student_id if self.snapshot is not None else None
        if student is None:
            return
        service, actor = self.ctx.services.leaderboards, self.ctx.user
        self.show_me.setEnabled(False)

        def done(_state: bool) -> None:
            self.show_me.setEnabled(True)

        def failed(_exc: BaseException) -> bool:
            self.show_me.setEnabled(True)
            self.show_me.setChecked(not shown)
            return False  # shown the standard way

        WriteOp(self, self.ctx, lambda state: service.set_opt_out(actor, student, not shown),
                label="Saving your leaderboard choice", idempotent=True).success(done).failure(failed) \
            .run_in_background()

    def open_settings(self) -> BoardSettingsDialog | None:
        board = self.board()
        if board is None or not board.can_manage:
            return None
        from ui.dialogs.leaderboard_settings import open_board_settings

        self.dialog = open_board_settings(self, self.ctx, board)
        return self.dialog

    def export(self, path: str | None = None) -> None:
        """Ask where (unless ``path`` is given), then write the board's rows as CSV off the GUI thread."""
        board = self.board()
        if board is None or not board.can_manage:
            return
        if path is None:
            suggested = Path.home() / f"Leaderboard {board.title} {date.today():%Y-%m-%d}.csv"
            path, _ = QFileDialog.getSaveFileName(self, "Export the leaderboard", str(suggested), "CSV (*.csv)")
            if not path:
                return
        service, actor, aid, target = self.ctx.services.leaderboards, self.ctx.user, board.activity_id, path

        def write(state: TaskState) -> tuple[Path, int]:
            rows = service.export_rows(actor, aid)
            return write_leaderboard_csv(rows, target), len(rows)

        ReadOp(self, self.ctx, write, label="Exporting the leaderboard") \
            .success(lambda result: self.about.setText(f"Saved {result[0].name} ({plural(result[1], 'row')}).")) \
            .run_in_background()

