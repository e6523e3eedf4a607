"""Background tasks with progress and cancel; results come back on the GUI thread.

    handle = ctx.tasks.run(lambda state: services.people.find_users(actor),
                           on_done=self._show, label="Loading people")

* Work runs on a ``QThreadPool``. Writes go to a pool of exactly one thread (SQLite has one
  writer); reads to a small pool of their own.
* The callable receives a :class:`TaskState`: ``state.set_progress(done, total, text)`` and
  ``state.cancelled`` (check it between items; raise :class:`Cancelled` or return early).
* ``on_done(result)``, ``on_error(exc)`` and ``on_progress(fraction, text)`` run on the GUI thread
  (signals from the worker are queued to the handle, which lives on the GUI thread).
* :func:`run_with_progress` adds a modal progress dialog with a Cancel button for long jobs.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from tracker.errors import TrackerError
from ui import collector


class Cancelled(Exception):
    """Raised inside a task to stop it when the user pressed Cancel."""


class TaskState:
    """What a running task sees: where to report progress, and whether to stop."""

    def __init__(self, handle: "TaskHandle") -> None:
        self._handle = handle
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_interruption_requested(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise Cancelled when the user asked to stop."""
        if self._cancel.is_set():
            raise Cancelled()

    def cancel(self) -> None:
        self._cancel.set()

    def set_progress(self, done: int | float, total: int | float = 1, text: str = "") -> None:
        fraction = 0.0 if not total else max(0.0, min(1.0, float(done) / float(total)))
        self._handle.progress.emit(fraction, text)

    def set_status(self, text: str) -> None:
        self._handle.progress.emit(-1.0, text)


class TaskHandle(QObject):
    """Lives on the GUI thread; the worker emits through it."""

    progress = Signal(float, str)  # fraction (or -1: text only), status text
    delivered = Signal()  # the worker is done: see ``outcome``

    def __init__(self, label: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.state = TaskState(self)
        self.done = False
        self.fn: Callable[[TaskState], Any] | None = None
        self.outcome = ""  # "finished", "failed" or "cancelled", set by the worker
        self.result: Any = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        self.state.cancel()


class _Job(QRunnable):
    """Runs the handle's callable on a pool thread.

    Nothing the callable references may be released on the pool thread: its closure often holds
    the widget that started it, and a widget destroyed outside the GUI thread crashes the process.
    So the callable, its result and its error live on the handle (never in a local here) and the
    GUI thread clears them when it delivers the outcome."""

    def __init__(self, handle: TaskHandle) -> None:
        super().__init__()
        self.handle = handle
        self.setAutoDelete(True)

    def run(self) -> None:
        h = self.handle
        try:
            h.result = h.fn(h.state)  # type: ignore[misc]
        except Cancelled:
            h.outcome = "cancelled"
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI thread
            if not isinstance(exc, TrackerError):
                exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            h.error = exc
            h.outcome = "failed"
        else:
            h.outcome = "cancelled" if h.state.cancelled else "finished"
        # after this emit the GUI thread may release everything: touch nothing but the signal
        h.delivered.emit()


class TaskRunner(QObject):
    """One writer thread, a few reader threads; the handles of running tasks are kept alive."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.writer = QThreadPool(self)
        self.writer.setMaxThreadCount(1)
        self.reader = QThreadPool(self)
        self.reader.setMaxThreadCount(2)
        self._running: set[TaskHandle] = set()
        collector.defer_while(self.is_busy)  # no collection on the GUI thread while a task reads

    def is_busy(self) -> bool:
        return bool(self._running)

    def run(
        self,
        fn: Callable[[TaskState], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        write: bool = False,
        label: str = "",
    ) -> TaskHandle:
        handle = TaskHandle(label, self)
        self._running.add(handle)
        if on_progress:
            handle.progress.connect(on_progress)

        def deliver() -> None:
            # on the GUI thread: take the outcome off the handle, so that the callable's closure,
            # the result and the error are released here and never on the pool thread
            outcome, result, error = handle.outcome, handle.result, handle.error
            handle.fn = handle.result = handle.error = None
            handle.done = True
            self._running.discard(handle)
            try:
                if outcome == "finished":
                    if on_done:
                        on_done(result)
                elif outcome == "failed":
                    if on_error:
                        on_error(error)  # type: ignore[arg-type]
                    else:
                        raise error  # type: ignore[misc]
                elif on_cancel:
                    on_cancel()
            finally:
                if not self._running:
                    collector.tasks_ended()
                    self.busy_changed.emit(False)
                # out of the runner first: a runner released before the deferred deletion ran
                # would take the handle with it, and that deletion then crashed the process
                handle.setParent(None)
                handle.deleteLater()

        handle.fn = fn
        handle.delivered.connect(deliver, Qt.ConnectionType.QueuedConnection)
        if len(self._running) == 1:
            self.busy_changed.emit(True)
        (self.writer if write else self.reader).start(_Job(handle))
        return handle

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the pools are idle (tests, shutdown). Results still arrive via events."""
        return self.writer.waitForDone(msecs) and self.reader.waitForDone(msecs)

    def cancel_all(self) -> None:
        for handle in list(self._running):
            handle.cancel()


def show_error(parent: QWidget | None, exc: BaseException, title: str = "Activity Tracker") -> None:
    """Show a domain error as it is; anything else as an unexpected error with details."""
    if isinstance(exc, TrackerError):
        QMessageBox.warning(parent, title, str(exc))
        return
    from ui.error_dialog import show_unexpected_error

    show_unexpected_error(parent, exc, title)


def run_with_progress(
    parent: QWidget,
    runner: TaskRunner,
    fn: Callable[[TaskState], Any],
    *,
    title: str,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_cancel: Callable[[], None] | None = None,
    write: bool = True,
    delay_ms: int = 400,
) -> TaskHandle:
    """Run a long task behind a modal progress dialog with Cancel (shown after ``delay_ms``)."""
    dialog = QProgressDialog(title, "Cancel", 0, 1000, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(delay_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)

    def progress(fraction: float, text: str) -> None:
        if text:
            dialog.setLabelText(text)
        if fraction >= 0:
            dialog.setValue(int(fraction * 1000))

    def close() -> None:
        dialog.close()
        dialog.deleteLater()

    def done(result: Any) -> None:
        close()
        if on_done:
            on_done(result)

    def error(exc: BaseException) -> None:
        close()
        (on_error or (lambda e: show_error(parent, e, title)))(exc)

    def cancelled() -> None:
        close()
        if on_cancel:
            on_cancel()

    handle = runner.run(fn, on_done=done, on_error=error, on_progress=progress,
                        on_cancel=cancelled, write=write, label=title)
    dialog.canceled.connect(handle.cancel)
    def show_on_time() -> None:  # even if the task reports no progress
        if not handle.done and dialog.isHidden():
            dialog.show()

    QTimer.singleShot(delay_ms, show_on_time)
    return handle
