""""Take activities offline": prepare this computer to take attendance and tick milestones
without the school database (issue 17), before leaving the building.

The user picks among the activities they may take attendance in (an administrator may take every
activity); the ones the copy already holds, and the one the dialog was opened for, are ticked.
"Prepare" rebuilds the copy for exactly the ticked ones (``RoutedServices.refresh_replica``) in
the background, with progress and Cancel (a cancelled build leaves the old copy as it was), then
shows what the copy now holds. The dialog also carries the shared-workstation setting "Remove the
offline copy when I sign out" (``ui.offline_status.WIPE_ON_SIGN_OUT``). Preparing needs the
school database: offline, Prepare is disabled with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Actor, Permission, Scope, allows
from tracker.offline.replica import ReplicaSummary
from tracker.offline.router import offline_refusal
from tracker.services.activities import ActivitySummary
from ui.context import AppContext
from ui.dialogs import alive, app_settings, header, primary_button
from ui.notifications import local_time
from ui.offline import is_offline, router_of
from ui.offline_status import WIPE_ON_SIGN_OUT, wipe_on_sign_out
from ui.ops import WriteOp
from ui.pending_jobs import plural
from ui.reload import Reloader
from ui.tasks import TaskHandle, TaskState
from ui.views.base import Refreshing
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import set_style_flag, when

OFFLINE_TEXT = str(offline_refusal("Preparing this computer for offline work"))
NO_ROUTER = "This computer keeps the database itself: it works without a network already."
READY = "Ready to work offline."
CHOOSE = "Tick the activities to take with you."
PREPARE_TIP = "Copy what the ticked activities need onto this computer now"
IdRole = Qt.ItemDataRole.UserRole + 1


def may_take_attendance(actor: Actor, activity: ActivitySummary) -> bool:
    """The policy's answer for one activity (an administrator: any; a teacher: the ones they lead)."""
    relations = {Scope.LED_ACTIVITY} if actor.id in activity.lead_ids else set()
    return not activity.archived and allows(actor.role, Permission.TAKE_ATTENDANCE, relations)


def may_take_everything(actor: Actor) -> bool:
    return allows(actor.role, Permission.TAKE_ATTENDANCE, set())


def synced_text(summary: ReplicaSummary | None) -> str:
    if summary is None:
        return "Not prepared yet"
    return f"Last synchronised: {when(local_time(summary.synced_at))}"


def holds_text(summary: ReplicaSummary | None) -> str:
    """What the copy holds, in one sentence."""
    if summary is None:
        return "Nothing is kept on this computer for offline work."
    what = "every activity" if summary.everything else plural(len(summary.activity_ids), "activity", "activities")
    text = (f"Holds {what}: {plural(summary.students, 'student')}, {plural(summary.sessions, 'session')}, "
            f"{plural(summary.marks, 'mark')}")
    if summary.waiting:
        text += f"; {plural(summary.waiting, 'change')} waiting to be sent"
    if summary.decisions:
        text += f"; {plural(summary.decisions, 'change')} waiting for your decision"
    return text + "."


@dataclass(frozen=True)
class OfflineChoice:
    """What the dialog reads in the background: the activities and what the copy holds now."""

    activities: list[ActivitySummary]
    summary: ReplicaSummary | None
    online: bool


class TakeOfflinePanel(Refreshing):
    """The dialog's body (a view: it reloads when activities change or the router switches)."""

    watches = frozenset({ChangeKind.ACTIVITY, ChangeKind.SESSION, ChangeKind.ENROLLMENT, ChangeKind.ATTENDANCE})

    def __init__(self, ctx: AppContext, activity_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.choice = OfflineChoice([], None, True)
        self.loaded = False
        self.handle: TaskHandle | None = None
        self.reloader: Reloader[OfflineChoice] = Reloader(ctx, self._load, self._loaded,
                                                          label="Activities to take offline")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.synced = QLabel("Loading…")
        set_style_flag(self.synced, "heading", "3")
        self.synced.setAccessibleName("Last synchronised")
        layout.addWidget(self.synced)
        self.holds = QLabel()  # wrapped: the counts and what waits must all be read
        self.holds.setWordWrap(True)
        set_style_flag(self.holds, "muted")
        self.holds.setAccessibleName("What the offline copy holds")
        layout.addWidget(self.holds)

        self.everything = QCheckBox("&Every activity")
        self.everything.setToolTip("Keep every activity of the school on this computer (administrators)")
        self.may_take_everything = ctx.actor is not None and may_take_everything(ctx.actor)
        self.everything.setVisible(self.may_take_everything)
        self.everything.toggled.connect(self._state)
        layout.addWidget(self.everything)
        self.list = QListWidget()
        self.list.setAccessibleName("Activities to take offline")
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setUniformItemSizes(True)
        self.list.itemChanged.connect(lambda _item: self._state())
        layout.addWidget(self.list, 1)

        self.wipe = QCheckBox("&Remove the offline copy when I sign out")
        self.wipe.setToolTip("For a shared computer: nobody else finds your students' records on it "
                             "(changes not yet sent are kept)")
        self.wipe.setChecked(wipe_on_sign_out())
        self.wipe.toggled.connect(lambda on: app_settings().setValue(WIPE_ON_SIGN_OUT, on))
        layout.addWidget(self.wipe)

        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Preparing")
        progress_row.addWidget(self.progress, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip("Stop: the copy on this computer stays as it was")
        self.cancel_button.clicked.connect(self.cancel)
        progress_row.addWidget(self.cancel_button)
        self.progress_box = QWidget()
        self.progress_box.setLayout(progress_row)
        progress_row.setContentsMargins(0, 0, 0, 0)
        self.progress_box.setVisible(False)
        layout.addWidget(self.progress_box)
        self.result = ElidedLabel()
        self.result.setAccessibleName("Result")
        layout.addWidget(self.result)
        self.reason = ElidedLabel()
        set_style_flag(self.reason, "muted")
        self.reason.setAccessibleName("Why Prepare is off")
        layout.addWidget(self.reason)

        self.prepare_button = primary_button("&Prepare")
        self.prepare_button.setToolTip(PREPARE_TIP)
        self.prepare_button.clicked.connect(self.prepare)
        self._state()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], OfflineChoice]:
        router, actor, online = router_of(self.ctx), self.ctx.user, not is_offline(self.ctx)
        service = self.ctx.services.activities
        if router is None:
            return lambda state: OfflineChoice([], None, True)

        def read(state: TaskState) -> OfflineChoice:
            summary = router.replica_summary()
            activities = [a for a in service.list_activities(actor, include_archived=False)
                          if may_take_attendance(actor, a)]
            return OfflineChoice(activities, summary, online)
        return read

    def _loaded(self, choice: OfflineChoice) -> None:
        first = not self.loaded
        ticked = self.ticked_ids() if self.loaded else set()
        self.choice, self.loaded = choice, True
        summary = choice.summary
        mine = summary is not None and summary.user_id == self.ctx.user.id
        if first:
            ticked = {self.activity_id} if self.activity_id is not None else set()
            if mine and summary is not None:
                ticked |= set(summary.activity_ids)
                self.everything.setChecked(summary.everything and self.may_take_everything)
        self.list.blockSignals(True)
        self.list.clear()
        for a in choice.activities:
            item = QListWidgetItem(f"{a.name}  ·  {a.category}" if a.category else a.name)
            item.setData(IdRole, a.id)
            item.setToolTip(f"{a.name} ({a.category}), {plural(a.enrolled, 'student')}"
                            + (", led by " + ", ".join(a.leads) if a.leads else ""))
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if a.id in ticked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._show_summary(summary)
        self._state()

    def _show_summary(self, summary: ReplicaSummary | None) -> None:
        if router_of(self.ctx) is None:
            self.synced.setText("Nothing to prepare")
            self.holds.setText(NO_ROUTER)
            return
        self.synced.setText(synced_text(summary))
        self.holds.setText(holds_text(summary))

    # ------------------------------------------------------------------ state
    def ticked_ids(self) -> set[int]:
        return {int(self.list.item(i).data(IdRole)) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked}

    def everything_chosen(self) -> bool:
        return self.may_take_everything and self.everything.isChecked()

    def _state(self, *_: object) -> None:
        """Prepare only when it can work: online, not busy, something chosen; else say why."""
        offline = not self.choice.online or is_offline(self.ctx)
        busy = self.handle is not None
        everything = self.everything_chosen()
        self.list.setEnabled(not everything and not busy)
        self.everything.setEnabled(not busy)
        chosen = everything or bool(self.ticked_ids())
        self.prepare_button.setEnabled(self.loaded and not offline and not busy and chosen
                                       and router_of(self.ctx) is not None)
        if router_of(self.ctx) is None:
            reason = ""  # the summary line says why
        elif offline:
            reason = OFFLINE_TEXT
        elif self.loaded and not self.choice.activities:
            reason = "You take attendance in no activity, so there is nothing to take offline."
        elif self.loaded and not chosen and not busy:
            reason = CHOOSE
        else:
            reason = ""
        self.prepare_button.setToolTip(reason or PREPARE_TIP)
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))

    # ------------------------------------------------------------------ preparing
    def prepare(self) -> None:
        router = router_of(self.ctx)
        if router is None or self.handle is not None or not self.prepare_button.isEnabled():
            return
        everything = self.everything_chosen()
        ids = None if everything else sorted(self.ticked_ids())

        def work(state: TaskState) -> ReplicaSummary:
            def step(done: int, total: int, text: str) -> None:
                if done < total:  # the last step comes after the swap: too late to stop
                    state.check()
                state.set_progress(done, total, text)
            return router.refresh_replica(activity_ids=ids, everything=everything, progress=step)

        self.progress.setValue(0)
        self.progress_box.setVisible(True)
        self.result.setText("Preparing…")
        self.handle = WriteOp(self, self.ctx, work, label="Preparing this computer for offline work") \
            .on_progress(self._progressed).success(self._prepared).failure(self._failed) \
            .cancelled(self._stopped).run_in_background()
        self._state()

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.cancel_button.setEnabled(False)

    def _progressed(self, fraction: float, text: str) -> None:
        if fraction >= 0:
            self.progress.setValue(int(fraction * 1000))
        if text:
            self.result.setText(text + "…")

    def _finished(self) -> bool:
        """Back to idle; False when the dialog was closed meanwhile (nothing left to show)."""
        if not alive(self):
            return False
        self.handle = None
        self.progress_box.setVisible(False)
        self.cancel_button.setEnabled(True)
        return True

    def _prepared(self, summary: ReplicaSummary) -> None:
        if not self._finished():
            return
        self.choice = OfflineChoice(self.choice.activities, summary, self.choice.online)
        self._show_summary(summary)
        self.result.setText(f"{READY} {', '.join(summary.activity_names)}" if summary.activity_names
                            and not summary.everything else READY)
        self._state()

    def _failed(self, exc: BaseException) -> bool:
        if not self._finished():
            return True
        self.result.setText(f"Not prepared: {exc}")
        self._state()
        return True

    def _stopped(self) -> None:
        if self._finished():
            self.result.setText("Stopped: the copy on this computer is as it was.")
            self._state()


class TakeOfflineDialog(QDialog):
    """File ▸ Take activities offline… and the activity page's "Take this activity offline…"."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, activity_id: int | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Take activities offline")
        room = (parent or self).screen().availableGeometry()
        self.resize(min(620, room.width() - 40), min(520, room.height() - 120))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 20)
        layout.setSpacing(14)
        layout.addWidget(header("school", "Take activities offline",
                                "Before you leave the building: keep what these activities need on this "
                                "computer, to take attendance and tick milestones without the network."))
        self.panel = TakeOfflinePanel(ctx, activity_id, self)
        layout.addWidget(self.panel, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.panel.prepare_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def reject(self) -> None:
        """Closing while preparing stops the build (the old copy stays)."""
        self.panel.cancel()
        super().reject()


def open_take_offline(parent: QWidget, ctx: AppContext, *, activity_id: int | None = None) -> TakeOfflineDialog:
    dialog = TakeOfflineDialog(ctx, parent, activity_id=activity_id)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


__all__ = ["OFFLINE_TEXT", "READY", "TakeOfflineDialog", "TakeOfflinePanel", "holds_text", "open_take_offline",
           "synced_text"]
