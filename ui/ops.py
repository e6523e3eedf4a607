"""Operations: the only way a widget reaches a service (Anki's ``CollectionOp`` / ``QueryOp``).

    WriteOp(self, self.ctx, lambda s: svc.people.create_user(actor, data), label="Add person") \\
        .success(self._saved).run_in_background()

    ReadOp(self, self.ctx, lambda s: svc.people.find_users(actor), label="Loading people") \\
        .success(self._show).run_in_background()

* A **write** runs on the one writer thread inside ``tracker.services.outcome.perform``; on the GUI
  thread its ``success`` callback gets the service's result, then exactly the changes its units of
  work committed are published on ``ctx.events`` with the initiator (the parent widget unless
  given). A domain error (``TrackerError``) is shown the standard way (``show_error``) unless a
  ``failure`` callback returns True (an ``idempotent`` write is first retried while the database
  is busy with another writer); after-commit work that failed is announced on
  ``ctx.events.jobs_failed`` (the main window tells the user; it stays pending and is retried).
* A **read** runs on the reader pool and publishes nothing.
* The callable receives the task's :class:`~ui.tasks.TaskState` (progress, cancel); ``progress()``
  shows a modal progress dialog with Cancel for long work, ``on_progress(fn)`` hands the progress
  to the widget instead (a wizard page with its own bar).
* What the callable needs from the widget is read when the op is built, on the GUI thread: the
  callable itself must not touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtWidgets import QWidget

from tracker.services.outcome import Outcome, perform
from ui.context import AppContext
from ui.tasks import TaskHandle, TaskState, run_with_progress, show_error

T = TypeVar("T")

_NOT_GIVEN: Any = object()
BUSY_RETRIES = 3  # an idempotent write waits up to 4 × the busy timeout before saying "busy"


class _Op(Generic[T]):
    write = False

    def __init__(self, parent: QWidget | None, ctx: AppContext, op: Callable[[TaskState], T], *,
                 label: str = "") -> None:
        self.parent = parent
        self.ctx = ctx
        self.op = op
        self.label = label or ("Saving" if self.write else "Loading")
        self._success: Callable[[T], Any] | None = None
        self._failure: Callable[[BaseException], bool | None] | None = None
        self._cancelled: Callable[[], Any] | None = None
        self._progress_title: str | None = None
        self._on_progress: Callable[[float, str], Any] | None = None

    def success(self, fn: Callable[[T], Any]) -> _Op[T]:
        self._success = fn
        return self

    def failure(self, fn: Callable[[BaseException], bool | None]) -> _Op[T]:
        """Called with the error first; return True when it was handled (nothing else is shown)."""
        self._failure = fn
        return self

    def cancelled(self, fn: Callable[[], Any]) -> _Op[T]:
        self._cancelled = fn
        return self

    def progress(self, title: str | None = None) -> _Op[T]:
        """Show a modal progress dialog with Cancel while the op runs."""
        self._progress_title = title or self.label
        return self

    def on_progress(self, fn: Callable[[float, str], Any]) -> _Op[T]:
        """Called on the GUI thread with what the callable reports through ``state.set_progress``
        (a fraction 0–1 and a text; -1 when only the text changed), for a widget that shows the
        progress itself; not together with :meth:`progress`, whose modal dialog shows it."""
        self._on_progress = fn
        return self

    # ------------------------------------------------------------------ running
    def _work(self) -> Callable[[TaskState], Any]:
        return self.op

    def _done(self, result: Any) -> None:
        if self._success is not None:
            self._success(result)

    def _error(self, exc: BaseException) -> None:
        if self._failure is not None and self._failure(exc):
            return
        show_error(self.parent, exc, self.label)

    def run_in_background(self) -> TaskHandle:
        if self._progress_title is not None and self.parent is not None:
            return run_with_progress(self.parent, self.ctx.tasks, self._work(), title=self._progress_title,
                                     on_done=self._done, on_error=self._error, on_cancel=self._cancelled,
                                     write=self.write)
        return self.ctx.tasks.run(self._work(), on_done=self._done, on_error=self._error,
                                  on_progress=self._on_progress, on_cancel=self._cancelled, write=self.write,
                                  label=self.label)


class ReadOp(_Op[T]):
    """A read on the reader pool; its result goes to ``success`` on the GUI thread."""


class WriteOp(_Op[T]):
    """A write on the one writer thread; publishes exactly the changes it committed."""

    write = True

    def __init__(self, parent: QWidget | None, ctx: AppContext, op: Callable[[TaskState], T], *,
                 label: str = "", initiator: object = _NOT_GIVEN, idempotent: bool = False) -> None:
        super().__init__(parent, ctx, op, label=label)
        self.initiator = parent if initiator is _NOT_GIVEN else initiator
        #: safe to run again (sets values): tried again for a few seconds while the database is busy
        self.idempotent = idempotent

    def _work(self) -> Callable[[TaskState], Outcome[T]]:
        op, retries = self.op, BUSY_RETRIES if self.idempotent else 0
        return lambda state: perform(lambda: op(state), busy_retries=retries)

    def _done(self, outcome: Outcome[T]) -> None:
        try:
            super()._done(outcome.result)
        finally:
            self.ctx.events.publish(outcome.changes, self.initiator)
            if outcome.failed_jobs:
                self.ctx.events.jobs_failed.emit(outcome.failed_jobs)
            if outcome.notices:
                self.ctx.events.notices.emit(outcome.notices, self.parent)

    def _error(self, exc: BaseException) -> None:
        committed: Outcome[None] | None = getattr(exc, "committed", None)
        try:
            super()._error(exc)
        finally:
            if committed is not None:  # part of the op committed before it failed
                self.ctx.events.publish(committed.changes, self.initiator)
