"""``on_progress``: a widget that shows an operation's progress itself (a wizard page's bar) gets
what the work reports, on the GUI thread, and the write's changes are published as ever."""

from __future__ import annotations

import threading

from tracker.domain.changes import ChangeKind, Changes
from ui.ops import ReadOp, WriteOp
from ui.tasks import TaskState

from .conftest import settle


def test_progress_reaches_the_widget_on_the_gui_thread(qtbot, ctx):
    seen: list[tuple[float, str, bool]] = []
    results: list[int] = []

    def work(state: TaskState) -> int:
        for done in range(1, 4):
            state.set_progress(done, 3, f"{done} of 3")
        state.set_status("finishing")
        return 3

    ReadOp(None, ctx, work).on_progress(
        lambda fraction, text: seen.append((fraction, text, threading.current_thread() is threading.main_thread()))
    ).success(results.append).run_in_background()
    settle(qtbot, ctx)
    assert results == [3]
    assert [(round(f, 2), t) for f, t, _ in seen] == [(0.33, "1 of 3"), (0.67, "2 of 3"), (1.0, "3 of 3"),
                                                      (-1.0, "finishing")]
    assert all(on_gui for *_, on_gui in seen)


def test_a_write_with_its_own_progress_still_publishes_its_changes(qtbot, ctx, school):
    published: list[Changes] = []
    ctx.events.changed.connect(lambda changes, initiator: published.append(changes))
    seen: list[float] = []
    enrollment, admin, chess, sid = school.services.enrollment, school.admin, school.chess, school.student.id

    def work(state: TaskState) -> object:
        state.set_progress(1, 2)
        return enrollment.set_completed_by_hand(admin, chess, sid, "done")

    WriteOp(None, ctx, work).on_progress(lambda fraction, text: seen.append(fraction)).run_in_background()
    settle(qtbot, ctx)
    assert seen == [0.5]
    assert any(c.touches(ChangeKind.ENROLLMENT) for c in published)
