"""Follow-up work that failed after a change was saved: the user is told once, the status bar
shows what is still pending, and it is retried after signing in and on "Retry now"."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from tests.conftest import School
from tests.ui.conftest import settle
from tracker.db.uow import unit_of_work
from tracker.services.bootstrap import bootstrap
from ui.dialogs import app_settings
from ui.main_window import MainWindow
from ui.ops import WriteOp


class Delivery:
    """An after-commit job (a message to deliver) that fails while the mail server is down."""

    def __init__(self) -> None:
        self.down = True
        self.delivered: list[str] = []

    def __call__(self, db: object, payload: dict[str, str]) -> None:
        if self.down:
            raise ConnectionError(f"mail server unreachable for {payload['to']}")
        self.delivered.append(payload["to"])


@pytest.fixture(autouse=True)
def prefs(tmp_path: Path, qapp) -> QSettings:  # type: ignore[no-untyped-def]
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "prefs"))
    return app_settings()


@pytest.fixture
def delivery(school: School) -> Delivery:
    job = Delivery()
    bootstrap(school.services.db, jobs={"deliver": job})
    return job


@pytest.fixture
def window(qtbot, make_ctx, school: School, delivery: Delivery) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow(make_ctx(school.admin), persist=False, idle_timeout_ms=0)
    qtbot.addWidget(w)
    w.show()
    settle(qtbot, w.ctx)
    return w


def queue(school: School, *recipients: str) -> None:
    """A committed change whose follow-up work is one delivery per recipient."""
    with unit_of_work(school.services.db) as tx:
        for to in recipients:
            tx.after_commit("deliver", to=to)


def save_with_follow_up(qtbot, window: MainWindow, school: School, *recipients: str) -> None:  # type: ignore[no-untyped-def]
    """What a widget's save looks like when the service queues after-commit work."""
    WriteOp(window, window.ctx, lambda state: queue(school, *recipients), label="Save").run_in_background()
    settle(qtbot, window.ctx)


def warnings(window: MainWindow) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox) if b.isVisible()]


def test_nothing_pending_shows_nothing(window: MainWindow) -> None:
    assert not window.pending.isVisible()
    assert window.jobs_warning is None


def test_a_failed_follow_up_is_announced_once_and_stays_pending(qtbot, window: MainWindow, school: School,
                                                                 delivery: Delivery) -> None:
    save_with_follow_up(qtbot, window, school, "pat@example.org", "sam@example.org")

    [box] = warnings(window)
    assert box.text().startswith("Your change was saved, but 2 follow-up tasks could not finish: ")
    assert "deliver: mail server unreachable for pat@example.org" in box.text()
    assert box.text().endswith("They will be retried automatically; you can also retry from the status bar.")
    assert not box.isModal()  # work goes on behind it

    assert window.pending.isVisible()
    assert window.pending.label.text() == "2 tasks pending"
    assert "deliver: mail server unreachable for sam@example.org" in window.pending.toolTip()
    assert window.pending.retry_button.isVisible() and window.pending.retry_button.isEnabled()

    save_with_follow_up(qtbot, window, school, "tina@example.org")  # fails too: the same warning
    [again] = warnings(window)
    assert again is box and "1 follow-up task could not finish" in box.text()
    assert window.pending.label.text() == "3 tasks pending"
    assert delivery.delivered == []


def test_retry_now_empties_the_indicator_once_the_work_succeeds(qtbot, window: MainWindow, school: School,
                                                                delivery: Delivery) -> None:
    save_with_follow_up(qtbot, window, school, "pat@example.org")
    assert window.jobs_warning is not None
    window.jobs_warning.close()

    qtbot.mouseClick(window.pending.retry_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window.ctx)
    assert window.pending.label.text() == "1 task pending"  # still down
    assert window.statusBar().currentMessage() == (
        "Retried 1 task: 0 done, 1 still pending (deliver: mail server unreachable for pat@example.org).")
    assert not warnings(window)  # a retry the user asked for reports in the status bar only

    delivery.down = False
    qtbot.mouseClick(window.pending.retry_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window.ctx)
    assert not window.pending.isVisible()
    assert delivery.delivered == ["pat@example.org"]
    assert window.statusBar().currentMessage() == "Retried 1 task: all done."


def test_pending_work_is_retried_after_signing_in(qtbot, make_ctx, school: School, delivery: Delivery) -> None:
    queue(school, "pat@example.org", "sam@example.org")  # failed earlier (another session)
    assert [j.attempts for j in school.services.jobs.pending(school.admin)] == [1, 1]
    delivery.down = False

    window = MainWindow(make_ctx(school.teacher), persist=False, idle_timeout_ms=0)
    qtbot.addWidget(window)
    window.show()
    settle(qtbot, window.ctx)
    assert delivery.delivered == ["pat@example.org", "sam@example.org"]
    assert school.services.jobs.pending(school.admin) == []
    assert not window.pending.isVisible()
    assert not warnings(window)


def test_what_still_fails_after_signing_in_shows_in_the_status_bar(qtbot, make_ctx, school: School,
                                                                     delivery: Delivery) -> None:
    queue(school, "pat@example.org")
    window = MainWindow(make_ctx(school.student), persist=False, idle_timeout_ms=0)
    qtbot.addWidget(window)
    window.show()
    settle(qtbot, window.ctx)
    assert window.pending.isVisible() and window.pending.label.text() == "1 task pending"
    assert [j.attempts for j in school.services.jobs.pending(school.admin)] == [2]  # tried again
    assert not warnings(window)  # no pop-up at sign-in: the status bar says it
