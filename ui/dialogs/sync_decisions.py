""""Needs your decision": changes made offline whose record someone else changed meanwhile.

Sending the queue never overwrites anyone's work silently (``tracker.offline.sync``): such a
change waits here with both values, who made each and when. "Keep theirs" drops mine, "Use mine"
applies it over theirs: the same two choices, in the same words, as the attendance conflict
dialog (``ui.views.attendance_writer.ConflictDialog``). Neither is a default: Enter in the table
does nothing, Escape closes, Alt+K / Alt+U choose. Deciding needs the school database, so offline
the buttons are disabled with the reason. The list is read in the background and read again
after every decision and whenever attendance or milestones change (a sync publishes them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.errors import NotAvailableOffline
from tracker.offline.router import offline_refusal
from tracker.offline.sync import DecisionChanged, DecisionRow
from ui.context import AppContext
from ui.dialogs import alive, header
from ui.models.base import Column, SnapshotModel
from ui.notifications import local_time
from ui.offline import is_offline, router_of
from ui.ops import WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Refreshing
from ui.widgets.actions import row_button
from ui.widgets.column_fit import fit_columns
from ui.widgets.elided import ElidedLabel
from ui.widgets.empty import EmptyState
from ui.widgets.style import set_style_flag, when
from ui.widgets.tables import apply_widths, make_table

EMPTY = "Nothing waits for your decision."
EMPTY_HINT = "Changes made offline that someone else also changed meanwhile are listed here."
#: why the choices are off while the school database cannot be reached (the router's own words)
OFFLINE_TEXT = str(offline_refusal("Deciding between two values"))
KEEP_TIP = "Drop my offline change: the school database keeps their value (Alt+K)"
MINE_TIP = "Send my offline change over theirs (Alt+U)"
RESELECT = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
COL_WHAT, COL_MINE, COL_MINE_BY, COL_THEIRS, COL_THEIRS_BY = range(5)


def made(by: str, at: datetime | None) -> str:
    """'Tina Teacher, Mon 3 Nov, 15:40' in the computer's own time ("—" when unknown)."""
    moment = when(local_time(at)) if at is not None else ""
    return ", ".join(part for part in (by, moment) if part) or "—"


class DecisionsModel(SnapshotModel[DecisionRow]):
    """One decision a row: what, mine (value; by, when), theirs (value; by, when)."""

    columns = (
        Column("What", lambda d: d.subject, tooltip=lambda d: d.subject, width=260),
        Column("Mine", lambda d: d.mine, tooltip=lambda d: f"Mine: {d.mine}", width=130),
        Column("Made by, when", lambda d: made(d.mine_by, d.mine_at),
               tooltip=lambda d: f"Mine: {made(d.mine_by, d.mine_at)}", sort=lambda d: d.mine_at, width=195,
               header_tooltip="Who made the change offline, and when (your computer's time)"),
        Column("Theirs", lambda d: d.theirs, tooltip=lambda d: f"Theirs: {d.theirs}", width=130),
        Column("Changed by, when", lambda d: made(d.theirs_by, d.theirs_at),
               tooltip=lambda d: f"Theirs: {made(d.theirs_by, d.theirs_at)}",
               sort=lambda d: (d.theirs_at is not None, d.theirs_at or d.mine_at), width=195,
               header_tooltip="Who changed it in the school database meanwhile, and when (your computer's time)"),
    )


@dataclass(frozen=True)
class DecisionsSnapshot:
    rows: list[DecisionRow]
    online: bool


@dataclass
class DecideReport:
    """What the decisions taken at once came to: a line each (taken, or overtaken again)."""

    done: list[str] = field(default_factory=list)
    changed_again: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.changed_again + self.done)


def detail_html(d: DecisionRow) -> str:
    """The selected decision in full (the table's cells may be elided)."""
    return (f"<b>{escape(d.subject)}</b><br>"
            f"Mine: <b>{escape(d.mine)}</b> — {escape(made(d.mine_by, d.mine_at))}<br>"
            f"Theirs: <b>{escape(d.theirs)}</b> — {escape(made(d.theirs_by, d.theirs_at))}")


class DecisionsPanel(Refreshing):
    """The list and its two choices (the dialog's body; a view for its watches)."""

    watches = frozenset({ChangeKind.ATTENDANCE, ChangeKind.MILESTONE, ChangeKind.SESSION, ChangeKind.ENROLLMENT})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.snapshot = DecisionsSnapshot([], True)
        self.busy = False
        self.reloader: Reloader[DecisionsSnapshot] = Reloader(ctx, self._load, self._loaded,
                                                              label="Decisions to take")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.model = DecisionsModel(self)
        self.table = make_table(dict(enumerate(c.width for c in DecisionsModel.columns)), stretch=COL_WHAT)
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAccessibleName("Changes that need your decision")
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # oldest first, as they were made
        apply_widths(self.table)
        # narrow: "What" keeps its room, the who-and-when columns go (the pane below shows them)
        self.fitter = fit_columns(self.table, stretch=COL_WHAT, drop=[COL_MINE_BY, COL_THEIRS_BY], minimum=240)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.empty = EmptyState(EMPTY, EMPTY_HINT)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)

        self.detail = QLabel()
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("The selected decision")
        layout.addWidget(self.detail)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Result")
        layout.addWidget(self.result)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        set_style_flag(self.reason, "muted")
        self.reason.setAccessibleName("Why the choices are off")
        layout.addWidget(self.reason)

        actions = QHBoxLayout()
        self.keep_button = row_button("&Keep theirs", KEEP_TIP, lambda: self.decide(use_mine=False), actions)
        self.mine_button = row_button("&Use mine", MINE_TIP, lambda: self.decide(use_mine=True), actions)
        note = ElidedLabel("“Use mine” overwrites their value; “Keep theirs” drops your offline change.")
        set_style_flag(note, "muted")
        actions.addWidget(note, 1)
        layout.addLayout(actions)
        self._show_state()


    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], DecisionsSnapshot]:
        router, online = router_of(self.ctx), not is_offline(self.ctx)
        if router is None:  # a single workstation: nothing is ever decided here
            return lambda state: DecisionsSnapshot([], True)
        return lambda state: DecisionsSnapshot(router.decisions(), online)

    def _loaded(self, snapshot: DecisionsSnapshot) -> None:
        chosen = set(self.selected_ids())
        self.snapshot = snapshot
        self.model.set_rows(snapshot.rows)
        self.stack.setCurrentWidget(self.table if snapshot.rows else self.empty)
        for row in range(self.model.rowCount()):
            if self.model.record(row).id in chosen:
                self.table.selectionModel().select(self.model.index(row, 0), RESELECT)
        if snapshot.rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self._show_state()

    # ------------------------------------------------------------------ selection and state
    def selected(self) -> list[DecisionRow]:
        return [self.model.record(i.row()) for i in sorted(self.table.selectionModel().selectedRows(),
                                                            key=lambda i: i.row())]

    def selected_ids(self) -> list[int]:
        return [d.id for d in self.selected()]

    def _selection_changed(self, *_: object) -> None:
        self._show_state()

    def _show_state(self) -> None:
        chosen = self.selected()
        offline = not self.snapshot.online or is_offline(self.ctx)
        for button in (self.keep_button, self.mine_button):
            button.setEnabled(bool(chosen) and not offline and not self.busy)
        self.reason.setText(OFFLINE_TEXT if offline and self.snapshot.rows else "")
        self.reason.setVisible(bool(self.reason.text()))
        if len(chosen) == 1:
            self.detail.setText(detail_html(chosen[0]))
        elif chosen:
            self.detail.setText(f"{len(chosen)} changes selected: the choice applies to each of them.")
        else:
            self.detail.setText("")
        self.detail.setVisible(bool(chosen))

    # ------------------------------------------------------------------ deciding
    def decide(self, *, use_mine: bool) -> None:
        router, ids = router_of(self.ctx), self.selected_ids()
        if router is None or not ids or self.busy:
            return

        def work(state: TaskState) -> DecideReport:
            report = DecideReport()
            for decision_id in ids:
                try:
                    report.done.append(router.decide(decision_id, use_mine=use_mine))
                except DecisionChanged as exc:  # the row stays, showing the newest value
                    report.changed_again.append(str(exc))
            return report

        self.busy = True
        self._show_state()
        WriteOp(self, self.ctx, work, label="Use mine" if use_mine else "Keep theirs") \
            .success(self._decided).failure(self._refused).run_in_background()

    def _decided(self, report: DecideReport) -> None:
        if not alive(self):  # closed meanwhile
            return
        self.busy = False
        self.result.setText(report.text)
        self.refresh()

    def _refused(self, exc: BaseException) -> bool:
        if not alive(self):
            return True
        self.busy = False
        if isinstance(exc, NotAvailableOffline):
            self.snapshot = DecisionsSnapshot(self.snapshot.rows, False)
            self.result.setText("")
            self._show_state()
            return True
        self.refresh()
        return False  # shown the standard way


class SyncDecisionsDialog(QDialog):
    """File ▸ Needs your decision… and the status bar's "N need your decision"."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Needs your decision")
        room = (parent or self).screen().availableGeometry()
        self.resize(min(1160, room.width() - 40), min(560, room.height() - 120))  # "What" gets the rest
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 20)
        layout.setSpacing(14)
        layout.addWidget(header("school", "Needs your decision",
                                "Changes you made offline to records that someone else changed meanwhile. "
                                "Both values are kept until you choose."))
        self.panel = DecisionsPanel(ctx, self)
        layout.addWidget(self.panel, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)
        close.setDefault(False)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.panel.table.setFocus()


def open_sync_decisions(parent: QWidget, ctx: AppContext) -> SyncDecisionsDialog:
    dialog = SyncDecisionsDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    dialog.panel.table.setFocus()
    return dialog


__all__ = ["EMPTY", "OFFLINE_TEXT", "DecisionsPanel", "SyncDecisionsDialog", "open_sync_decisions"]
