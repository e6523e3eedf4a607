"""Coalesced background reloads for views: one load at a time, the newest result shown.

    self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading people")

    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], list[UserInfo]]:
        actor, people = self.ctx.user, self.ctx.services.people  # read now, on the GUI thread
        return lambda state: people.find_users(actor)

* ``load`` is called on the GUI thread each time a load starts (a re-run included) and returns
  the callable that runs on a pool thread; what it reads from the view is read at that moment.
* A request while a load runs only notes that one more is wanted: when the running load ends,
  its result (or error) is dropped and exactly one more load starts, whose outcome is delivered.
* Nothing runs while no one is signed in (``ctx.actor is None``).
* A cancelled load (``TaskRunner.cancel_all``) delivers nothing and starts no other; the next
  request loads again.
* The result is handed to ``on_done`` as it arrives and never kept here: the task runner releases
  the callable and its result on the GUI thread, and so does this.
* An outcome whose receiver (the widget ``on_done`` / ``on_error`` is a method of) was deleted
  meanwhile (a dashboard card rebuilt while its read ran) is dropped, never delivered to a dead
  C++ object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from ui.context import AppContext
    from ui.tasks import TaskState

T = TypeVar("T")


class Reloader(Generic[T]):
    """One background load at a time; a refresh asked for while one runs makes exactly one more
    run after it, whose result is the one shown (stale results are dropped)."""

    def __init__(
        self,
        ctx: AppContext,
        load: Callable[[], Callable[[TaskState], T]],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        label: str = "",
    ) -> None:
        self.ctx = ctx
        self._load = load
        self._on_done = on_done
        self._on_error = on_error
        self.label = label
        self._loading = False
        self._again = False

    @property
    def loading(self) -> bool:
        """A load is running (its outcome not delivered yet)."""
        return self._loading

    def request(self) -> None:
        """Load now; or, when a load is running, once more as soon as it ends."""
        if self.ctx.actor is None:
            return
        if self._loading:
            self._again = True
            return
        self._start()

    def _start(self) -> None:
        self._again = False
        if self.ctx.actor is None:
            return
        fn = self._load()
        self._loading = True
        self.ctx.tasks.run(fn, on_done=self._done, on_error=self._failed,
                           on_cancel=self._cancelled, label=self.label)

    def _rerun(self) -> bool:
        """The load ended: start the one asked for meanwhile, if any (True: the outcome is stale)."""
        self._loading = False
        if not self._again:
            return False
        self._start()
        return True

    def _done(self, result: T) -> None:
        if not self._rerun() and _alive(self._on_done):
            self._on_done(result)

    def _failed(self, exc: BaseException) -> None:
        if self._rerun() or not _alive(self._on_error or self._on_done):
            return
        if self._on_error is None:
            raise exc
        self._on_error(exc)

    def _cancelled(self) -> None:
        self._loading = False
        self._again = False


def _alive(receiver: Callable[..., Any]) -> bool:
    """False when ``receiver`` is a method of a Qt object whose C++ side is gone."""
    owner = getattr(receiver, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)
