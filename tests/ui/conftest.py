"""Fixtures for widget tests: an AppContext over the small `school` database."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import School
from tracker.domain.policy import Actor
from ui.context import AppContext
from ui.events import EventBus
from ui.tasks import TaskRunner

UI_DIR = Path(__file__).resolve().parents[2] / "ui"


@pytest.fixture(autouse=True)
def no_database_on_the_gui_thread() -> Iterator[None]:
    """Fail any widget test in which code of ``ui/`` opens a database connection on the GUI
    thread: widgets reach services only through operations run off the GUI thread (ui/ops.py).
    (The test's own set-up, which calls services directly, is not ui/ code and is allowed.)"""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    found: list[str] = []
    ui_prefix = str(UI_DIR) + os.sep

    def checkout(*_args: object) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        frame = sys._getframe(1)
        ui_frames = []
        while frame is not None:
            if frame.f_code.co_filename.startswith(ui_prefix):
                ui_frames.append(f"{Path(frame.f_code.co_filename).relative_to(UI_DIR.parent)}:"
                                 f"{frame.f_lineno} {frame.f_code.co_name}")
            frame = frame.f_back
        if ui_frames:
            found.append(" <- ".join(ui_frames[:4]))

    event.listen(Pool, "checkout", checkout)
    try:
        yield
    finally:
        event.remove(Pool, "checkout", checkout)
    if found:
        pytest.fail("database opened on the GUI thread by ui/ code (use ui/ops.py):\n  "
                    + "\n  ".join(dict.fromkeys(found)), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def collect_on_the_gui_thread(qapp):  # type: ignore[no-untyped-def]
    """As the application does (ui.collector): cyclic garbage — closed widgets of earlier tests
    among it — is never collected on a background task's thread."""
    from ui import collector

    yield collector.install(qapp)


@pytest.fixture(autouse=True)
def private_preferences(tmp_path_factory: pytest.TempPathFactory, qapp) -> None:  # type: ignore[no-untyped-def]
    """Widget tests never read or write the real user's preferences (QSettings, INI format)."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("prefs")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


@pytest.fixture
def make_ctx(qapp, school: School) -> Iterator:  # type: ignore[no-untyped-def]
    """make_ctx(actor) -> AppContext signed in as that actor."""
    made: list[AppContext] = []

    def make(actor: Actor | None = None) -> AppContext:
        ctx = AppContext(
            services=school.services,
            events=EventBus(),
            tasks=TaskRunner(),
            actor=actor if actor is not None else school.admin,
            db_description=school.services.db.describe(),
        )
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.tasks.cancel_all()
        ctx.tasks.wait(10_000)
    import gc

    gc.collect(0)  # the youngest garbage of this test, on the GUI thread


@pytest.fixture
def ctx(make_ctx, school: School) -> AppContext:  # type: ignore[no-untyped-def]
    return make_ctx(school.admin)


def lp_at(path: str | None):  # type: ignore[no-untyped-def]
    """A ``shutil.which`` that finds the ``lp`` print command at ``path`` (None: not installed) and
    every other program where it really is. Tests patch it on the shared ``shutil`` module, so it
    must not hide other programs: pypdf looks ``jbig2dec`` up the first time it reads a PDF, and
    an answer of "/usr/bin/lp" made it refuse every PDF for the rest of the process."""
    real = shutil.which
    return lambda name, *args, **kw: path if name == "lp" else real(name, *args, **kw)


def settle(qtbot, ctx: AppContext, timeout: int = 10_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until every background task has finished and delivered its result."""
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=timeout)


def show_page(qtbot, ctx: AppContext, page, width: int = 1200, height: int = 760):  # type: ignore[no-untyped-def]
    """Show a page as the main window would (sized, shown, told it is on screen) and wait for
    its first load."""
    qtbot.addWidget(page)
    page.resize(width, height)
    page.show()
    page.on_shown()
    settle(qtbot, ctx)
    return page
