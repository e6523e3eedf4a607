"""Reloader: one background load at a time; refreshes asked for meanwhile make exactly one more."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.ui.conftest import settle
from ui.context import AppContext
from ui.reload import Reloader
from ui.tasks import TaskState


class Source:
    """Loads that number themselves; each waits for `gate` (set: they run straight through)."""

    def __init__(self) -> None:
        self.started = 0
        self.gate = threading.Event()
        self.gate.set()
        self.fail_next = False
        self.threads: list[str] = []

    def load(self) -> Callable[[TaskState], int]:
        self.threads.append(threading.current_thread().name)  # the factory runs on the GUI thread
        self.started += 1
        n, gate, fail = self.started, self.gate, self.fail_next
        self.fail_next = False

        def run(state: TaskState) -> int:
            assert gate.wait(10)
            if fail:
                raise RuntimeError(f"load {n} failed")
            return n

        return run


def make(ctx: AppContext, source: Source) -> tuple[Reloader[int], list[int], list[BaseException]]:
    done: list[int] = []
    errors: list[BaseException] = []
    return Reloader(ctx, source.load, done.append, errors.append, label="Loading"), done, errors


def test_one_request_makes_one_load(qtbot, ctx: AppContext) -> None:
    source = Source()
    reloader, done, errors = make(ctx, source)
    assert not reloader.loading
    reloader.request()
    assert reloader.loading
    settle(qtbot, ctx)
    assert (source.started, done, errors) == (1, [1], [])
    assert not reloader.loading
    assert source.threads == [threading.main_thread().name]


def test_requests_during_a_load_make_exactly_one_more(qtbot, ctx: AppContext) -> None:
    source = Source()
    source.gate.clear()
    reloader, done, errors = make(ctx, source)
    reloader.request()
    for _ in range(3):
        reloader.request()
    assert source.started == 1  # the others only wait for the running one
    source.gate.set()
    settle(qtbot, ctx)
    assert source.started == 2
    assert done == [2]  # the first (stale) result is dropped
    assert errors == []
    assert not reloader.loading
    assert source.threads == [threading.main_thread().name] * 2


def test_an_error_is_reported_and_the_next_request_works(qtbot, ctx: AppContext) -> None:
    source = Source()
    reloader, done, errors = make(ctx, source)
    source.fail_next = True
    reloader.request()
    settle(qtbot, ctx)
    assert done == []
    assert [str(e) for e in errors] == ["load 1 failed"]
    assert not reloader.loading
    reloader.request()
    settle(qtbot, ctx)
    assert done == [2]
    assert len(errors) == 1


def test_a_stale_error_is_dropped_for_the_load_asked_for_meanwhile(qtbot, ctx: AppContext) -> None:
    source = Source()
    source.gate.clear()
    source.fail_next = True
    reloader, done, errors = make(ctx, source)
    reloader.request()
    reloader.request()
    source.gate.set()
    settle(qtbot, ctx)
    assert (source.started, done, errors) == (2, [2], [])


def test_nothing_runs_without_a_signed_in_user(qtbot, ctx: AppContext) -> None:
    source = Source()
    reloader, done, errors = make(ctx, source)
    ctx.actor = None
    reloader.request()
    assert not reloader.loading
    assert not ctx.tasks.busy
    assert (source.started, done, errors) == (0, [], [])


def test_signing_out_during_a_load_cancels_the_one_asked_for(qtbot, ctx: AppContext, school) -> None:
    source = Source()
    source.gate.clear()
    reloader, done, errors = make(ctx, source)
    reloader.request()
    reloader.request()
    ctx.actor = None
    source.gate.set()
    settle(qtbot, ctx)
    assert source.started == 1  # no re-run for nobody, and the stale result is not shown
    assert (done, errors) == ([], [])
    assert not reloader.loading
    ctx.actor = school.admin
    reloader.request()
    settle(qtbot, ctx)
    assert done == [2]


def test_a_cancelled_load_delivers_nothing_and_the_next_request_loads(qtbot, ctx: AppContext) -> None:
    source = Source()
    source.gate.clear()
    reloader, done, errors = make(ctx, source)
    reloader.request()
    reloader.request()
    ctx.tasks.cancel_all()
    source.gate.set()
    settle(qtbot, ctx)
    assert (source.started, done, errors) == (1, [], [])
    assert not reloader.loading
    reloader.request()
    settle(qtbot, ctx)
    assert done == [2]


def test_a_widget_deleted_while_its_load_runs_gets_nothing(qtbot, ctx: AppContext) -> None:
    """A dashboard card rebuilt while its read runs: the outcome is dropped, not delivered to a
    dead C++ object (it raised "Internal C++ object already deleted" in the event loop)."""
    import shiboken6
    from PySide6.QtWidgets import QLabel

    class Card(QLabel):
        def shown(self, n: int) -> None:
            self.setText(f"load {n}")

    source = Source()
    source.gate.clear()
    card = Card()
    reloader = Reloader(ctx, source.load, card.shown, label="Loading")
    reloader.request()
    shiboken6.delete(card)  # the C++ side goes; the Python wrapper and the bound method remain
    source.gate.set()
    settle(qtbot, ctx)  # an exception in the event loop would fail the test (pytest-qt)
    assert source.started == 1 and not reloader.loading
