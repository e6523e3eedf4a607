"""The background task runner: outcomes arrive on the GUI thread, and what a task holds is
released there too (a widget destroyed on a pool thread crashes the whole process)."""

from __future__ import annotations

import threading
import time

import pytest

from tracker.errors import ValidationError
from ui.tasks import Cancelled, TaskRunner, TaskState


@pytest.fixture
def runner(qapp):  # type: ignore[no-untyped-def]
    r = TaskRunner()
    yield r
    r.cancel_all()
    r.wait(10_000)


def test_result_arrives_on_the_gui_thread(qtbot, runner: TaskRunner) -> None:
    got: list[tuple[object, str]] = []
    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)
    runner.run(lambda state: 6 * 7, on_done=lambda r: got.append((r, threading.current_thread().name)))
    qtbot.waitUntil(lambda: not runner.busy)
    assert got == [(42, threading.main_thread().name)]
    assert busy == [True, False]


def test_errors_go_to_on_error_with_the_worker_traceback(qtbot, runner: TaskRunner) -> None:
    errors: list[BaseException] = []

    def boom(state: TaskState) -> None:
        raise KeyError("lost")

    runner.run(boom, on_done=lambda r: pytest.fail("no result expected"), on_error=errors.append)
    runner.run(lambda s: (_ for _ in ()).throw(ValidationError("Bad row 3")), on_error=errors.append)
    qtbot.waitUntil(lambda: not runner.busy)
    assert {type(e) for e in errors} == {KeyError, ValidationError}
    unexpected = next(e for e in errors if isinstance(e, KeyError))
    assert "in boom" in unexpected.__traceback_text__  # type: ignore[attr-defined]


def test_cancel_stops_a_task_between_items(qtbot, runner: TaskRunner) -> None:
    seen: list[int] = []
    outcome: list[str] = []

    def long_job(state: TaskState) -> None:
        for i in range(1000):
            state.check()
            seen.append(i)
            time.sleep(0.002)

    handle = runner.run(long_job, on_done=lambda r: outcome.append("done"),
                        on_cancel=lambda: outcome.append("cancelled"))
    qtbot.waitUntil(lambda: len(seen) > 3)
    handle.cancel()
    qtbot.waitUntil(lambda: not runner.busy)
    assert outcome == ["cancelled"] and len(seen) < 1000
    with pytest.raises(Cancelled):
        handle.state.check()


class _Owner:
    """Stands for a widget that started a task: records the thread it is released on."""

    released_on: list[str] = []

    def work(self, state: TaskState) -> int:
        time.sleep(0.03)
        return 1

    def fail(self, state: TaskState) -> int:
        time.sleep(0.03)
        raise RuntimeError("no")

    def __del__(self) -> None:
        _Owner.released_on.append(threading.current_thread().name)


def test_what_a_task_holds_is_released_on_the_gui_thread(qtbot, runner: TaskRunner) -> None:
    _Owner.released_on.clear()
    for i in range(6):
        owner = _Owner()
        runner.run(owner.fail if i % 2 else owner.work, on_error=lambda e: None)
        del owner  # the task's callable now holds the last reference
        time.sleep(0.06)  # the worker finishes while the GUI thread is not listening
        qtbot.waitUntil(lambda: not runner.busy)
    assert _Owner.released_on == [threading.main_thread().name] * 6


def test_a_runner_released_right_after_its_last_result_does_not_crash(qtbot, qapp) -> None:
    """Start-up drops its runner when the database cannot be opened: the handles whose deletion
    is still pending must not go down with it (that crashed the process)."""
    import gc

    for _ in range(10):
        runner = TaskRunner()
        got: list[object] = []
        runner.run(lambda state: 1, on_done=got.append)
        runner.run(lambda state: 1 / 0, on_error=got.append)
        while len(got) < 2:  # deliveries only: the deferred deletions stay pending
            qapp.processEvents()
            time.sleep(0.005)
        assert sorted(map(type, got), key=str) == [ZeroDivisionError, int]
        del runner
        gc.collect()
        qtbot.wait(20)  # the deferred deletions run now
