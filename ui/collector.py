"""Python's cyclic garbage collector, run on the GUI thread only.

CPython runs a collection on whichever thread happens to allocate past the threshold. When that
is a background task's thread and the garbage holds Qt objects (a closed dialog in a reference
cycle, say), their C++ destructors run on that thread: Qt objects must die on the thread they
live on, and PySide6 then deadlocks (the destructor holds a Qt mutex and waits for the GIL while
the GUI thread holds the GIL and waits for that mutex) or crashes.

So automatic collection is switched off and a timer on the GUI thread collects with the same
thresholds — the usual remedy for Qt bindings. Reference counting still frees everything that
is not in a cycle, at once, as before.

What exists when the collector is installed (the modules, classes and functions of a started
application, over a hundred thousand objects) lives as long as the application: it is moved out
of the collector's sight (``gc.freeze``), so that a full collection reads only what came after.
A full collection during a sign-in took 100 ms before, 5–20 ms after.

A collection that falls due while a background task runs waits for it to end (at most
``MAX_DEFER_MS``): a page's read creates thousands of young objects, and collecting them then
stalled the GUI thread and, through the interpreter's lock, the read itself (3–16 ms, once or
twice per sign-in), just while the user waited for the page. It waits ``QUIET_MS`` more after
the last task ended: that is when the page is filled in and painted with what was read (two
of five profiled sign-ins had a collection of about 17 ms there).
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, QTimer

INTERVAL_MS = 500
#: the longest a due collection waits for background tasks to end
MAX_DEFER_MS = 5_000
#: how long after the last background task ended a due collection still waits
QUIET_MS = 300

#: what says whether background work is running: the task runners' ``is_busy``, held weakly
_busy: list[weakref.WeakMethod[Callable[[], bool]]] = []


def defer_while(busy: Callable[[], bool]) -> None:
    """Hold due collections back while ``busy()`` says so (a bound method, held weakly: it
    does not keep its object alive)."""
    _busy.append(weakref.WeakMethod(busy))


_last_end = QElapsedTimer()  # since the last background task ended (invalid: none has)


def tasks_ended() -> None:
    """The task runners call this when their last running task has delivered its outcome."""
    _last_end.start()


def _any_busy() -> bool:
    """Background work running, or ended less than ``QUIET_MS`` ago."""
    if _last_end.isValid() and _last_end.elapsed() < QUIET_MS:
        return True
    found = False
    for ref in list(_busy):
        method = ref()
        if method is None:
            _busy.remove(ref)
        elif method():
            found = True
    return found


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self.waiting = QElapsedTimer()  # since when a due collection waits for background work

    def check(self) -> int:
        """Collect the generations past their thresholds, as automatic collection would (not
        while background work runs or has just ended, unless the collection has waited
        ``MAX_DEFER_MS``)."""
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self.threshold
        found = 0
        if c0 > t0 and _any_busy():
            if not self.waiting.isValid():
                self.waiting.start()
            if self.waiting.elapsed() < MAX_DEFER_MS:
                return 0
        self.waiting.invalidate()
        if c0 > t0:
            found += gc.collect(0)
            if c1 > t1:
                found += gc.collect(1)
                if c2 > t2:
                    found += gc.collect(2)
        return found


def install(app: QObject) -> MainThreadCollector:
    """Collect on ``app``'s (the GUI) thread from now on; once per application."""
    existing = app.findChild(MainThreadCollector)
    if isinstance(existing, MainThreadCollector):
        return existing
    gc.collect()  # what is garbage already goes; what is left lives as long as the application
    gc.freeze()
    return MainThreadCollector(app)
