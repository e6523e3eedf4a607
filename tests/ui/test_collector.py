"""Cyclic garbage is collected on the GUI thread only (ui.collector): a background task that
allocates a lot never runs the collection, so Qt objects in cycles never die on a pool thread
(that deadlocked a test worker: a QObject destructor waiting for the GIL on a pool thread)."""

from __future__ import annotations

import gc
import threading

from ui import collector
from ui.tasks import TaskRunner


class _Cycle:
    died_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.died_on.append(threading.current_thread().name)


def test_cycles_die_on_the_gui_thread_even_when_a_task_allocates(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    c = collector.install(qapp)
    assert collector.install(qapp) is c  # once per application
    assert not gc.isenabled()
    # what lived at installation is out of the collections' sight (a full one read it all: 100 ms)
    assert gc.get_freeze_count() > 10_000
    gc.collect()
    _Cycle.died_on.clear()
    for _ in range(50):
        _Cycle()  # unreachable at once, but only a collection frees a cycle
    runner = TaskRunner()
    try:
        # far past every threshold: with automatic collection this would collect on the pool thread
        handle = runner.run(lambda state: [[i] for i in range(300_000)] and None)
        qtbot.waitUntil(lambda: handle.done, timeout=10_000)
    finally:
        runner.wait(10_000)
    gc.collect()  # as the timer does (it may already have, while we waited): on this thread
    assert _Cycle.died_on == [threading.main_thread().name] * 50


def test_the_timer_collects_like_the_automatic_collector(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    c = collector.install(qapp)
    assert c.timer.isActive() and c.threshold == gc.get_threshold()
    gc.collect()
    _Cycle.died_on.clear()
    for _ in range(c.threshold[0] + 10):
        _Cycle()
    qtbot.waitUntil(lambda: len(_Cycle.died_on) > 0, timeout=3 * collector.INTERVAL_MS)
    assert set(_Cycle.died_on) == {threading.main_thread().name}


def test_a_due_collection_waits_while_a_task_runs_but_not_for_ever(qtbot, qapp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    c = collector.install(qapp)
    runner = TaskRunner()
    gate = threading.Event()
    try:
        handle = runner.run(lambda state: gate.wait(10))
        gc.collect()
        _Cycle.died_on.clear()
        for _ in range(c.threshold[0] + 10):
            _Cycle()
        assert c.check() == 0  # due, but a page is being read: not now
        qtbot.wait(2 * collector.INTERVAL_MS)  # the timer's checks wait too
        assert _Cycle.died_on == []
        gate.set()
        qtbot.waitUntil(lambda: handle.done, timeout=10_000)
        qtbot.waitUntil(lambda: len(_Cycle.died_on) > 0, timeout=3 * collector.INTERVAL_MS)  # idle again
        assert set(_Cycle.died_on) == {threading.main_thread().name}

        gate.clear()
        handle = runner.run(lambda state: gate.wait(10))
        _Cycle.died_on.clear()
        for _ in range(c.threshold[0] + 10):
            _Cycle()
        monkeypatch.setattr(collector, "MAX_DEFER_MS", 100)
        qtbot.waitUntil(lambda: len(_Cycle.died_on) > 0, timeout=4 * collector.INTERVAL_MS)
        assert not handle.done  # collected although the task still runs: it waited long enough
    finally:
        gate.set()
        runner.wait(10_000)


def test_a_due_collection_also_waits_while_the_page_paints_what_a_task_read(qtbot, qapp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    c = collector.install(qapp)
    c.timer.stop()  # the checks are made here, when the test says
    monkeypatch.setattr(collector, "QUIET_MS", 60_000)  # "just ended", however slow this machine is
    try:
        runner = TaskRunner()
        handle = runner.run(lambda state: None)
        qtbot.waitUntil(lambda: handle.done, timeout=10_000)  # its outcome delivered: now the page paints
        gc.collect()
        _Cycle.died_on.clear()
        for _ in range(c.threshold[0] + 10):
            _Cycle()
        assert c.check() == 0 and _Cycle.died_on == []  # due, but the read just ended
        monkeypatch.setattr(collector, "QUIET_MS", 0)  # quiet long enough
        c.check()
        assert _Cycle.died_on and set(_Cycle.died_on) == {threading.main_thread().name}
    finally:
        c.timer.start()
