"""The status bar's pending-work indicator: after-commit work (a file to write, a message to
deliver) that a saved change queued and that could not finish yet, with "Retry now"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from tracker.domain.changes import ChangeKind, Changes
from tracker.errors import TrackerError
from tracker.services.jobs import PendingJobInfo, RetryReport
from ui.context import AppContext
from ui.ops import WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState


def plural(n: int, word: str, many: str = "") -> str:
    """'1 change', '3 changes' ('1 activity', '2 activities' with ``many``)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


class PendingJobsIndicator(QWidget):
    """"2 tasks pending" in the status bar, with each job's kind and last error in the tooltip
    and a "Retry now" button; hidden while nothing is pending. It reloads whenever a published
    change says jobs were queued, done or tried (``ChangeKind.JOB``)."""

    #: a short report for the status bar after "Retry now"
    message = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.jobs: list[PendingJobInfo] = []
        self.retrying = False
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.label = QLabel()
        self.label.setAccessibleName("Pending tasks")
        self.retry_button = QToolButton()
        self.retry_button.setText("Retry now")
        self.retry_button.setToolTip("Run the pending follow-up tasks again now")
        self.retry_button.setAutoRaise(True)
        self.retry_button.clicked.connect(self.retry)
        row.addWidget(self.label)
        row.addWidget(self.retry_button)
        self.hide()
        self.reloader: Reloader[list[PendingJobInfo]] = Reloader(
            ctx, self._load, self.show_jobs, self._not_loaded, label="Pending tasks")
        ctx.events.changed.connect(self._on_changed)

    def _on_changed(self, changes: Changes, initiator: object) -> None:
        if changes.touches(ChangeKind.JOB):
            self.refresh()

    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], list[PendingJobInfo]]:
        jobs, actor = self.ctx.services.jobs, self.ctx.user
        return lambda state: jobs.pending(actor)

    def _not_loaded(self, exc: BaseException) -> None:
        if not isinstance(exc, TrackerError):
            raise exc

    def show_jobs(self, jobs: list[PendingJobInfo]) -> None:
        self.jobs = list(jobs)
        self.label.setText(f"{plural(len(jobs), 'task')} pending")
        lines = [f"• {j.kind}: {j.last_error or 'not tried yet'}" for j in jobs]
        self.setToolTip("Follow-up work of saved changes that could not finish yet; it is retried "
                        "automatically after signing in.\n" + "\n".join(lines))
        self.setVisible(bool(jobs))

    def retry(self, *, quiet: bool = False) -> None:
        """Run the pending jobs again (after sign-in ``quiet``: no report in the status bar)."""
        if self.ctx.actor is None or self.retrying:
            return
        jobs, actor = self.ctx.services.jobs, self.ctx.user
        self._set_retrying(True)
        WriteOp(self, self.ctx, lambda state: jobs.retry(actor), label="Retry pending tasks") \
            .success(lambda report: self._retried(report, quiet)).failure(self._retry_failed) \
            .run_in_background()

    def _set_retrying(self, retrying: bool) -> None:
        self.retrying = retrying
        self.retry_button.setEnabled(not retrying)

    def _retried(self, report: RetryReport, quiet: bool) -> None:
        self._set_retrying(False)
        tried = report.done + len(report.failed)
        if quiet or not tried:
            return
        if report.failed:
            still = "; ".join(str(f) for f in report.failed)
            self.message.emit(f"Retried {plural(tried, 'task')}: {report.done} done, "
                              f"{len(report.failed)} still pending ({still}).")
        else:
            self.message.emit(f"Retried {plural(tried, 'task')}: all done.")

    def _retry_failed(self, exc: BaseException) -> bool:
        self._set_retrying(False)
        self.refresh()
        return isinstance(exc, TrackerError)
