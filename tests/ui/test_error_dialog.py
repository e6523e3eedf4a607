"""An unexpected error is shown with a plain message, "Copy details" and where the support log
is; the log gets the traceback without any SQL parameters."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox

import tracker.logs
from ui.error_dialog import unexpected_error_box


@pytest.fixture
def support_log(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACKER_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(tracker.logs, "_handler", None)
    path = tracker.logs.setup_logging()
    yield path
    if tracker.logs._handler is not None:
        logging.getLogger().removeHandler(tracker.logs._handler)
        tracker.logs._handler.close()


def _failing() -> BaseException:
    try:
        raise RuntimeError("boom while saving\n[SQL: INSERT INTO users]\n[parameters: ('Jürgen Groß',)]")
    except RuntimeError as exc:
        return exc


def test_unexpected_error_says_where_the_log_is_and_copies_details(qtbot, support_log) -> None:
    box = unexpected_error_box(None, _failing(), "Save person")
    qtbot.addWidget(box)
    assert str(support_log) in box.text() and "RuntimeError: boom while saving" in box.text()
    assert "Jürgen" not in box.text() and "Jürgen" not in box.detailedText()
    assert "Traceback" in box.detailedText() and "_failing" in box.detailedText()
    box.show()
    copy = next(b for b in box.buttons() if b.text() == "Copy details")
    copy.click()
    assert QGuiApplication.clipboard().text() == box.detailedText()
    assert box.isVisible()  # copying does not close the box
    for h in logging.getLogger().handlers:
        h.flush()
    logged = support_log.read_text(encoding="utf-8")
    assert "unexpected error: Save person" in logged and "Traceback" in logged and "Jürgen" not in logged
    box.done(QMessageBox.StandardButton.Ok)


def test_help_menu_opens_the_log_folder(qtbot, make_ctx, school, support_log, monkeypatch) -> None:
    from ui.main_window import MainWindow

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    window = MainWindow(make_ctx(school.teacher), persist=False)
    qtbot.addWidget(window)
    assert window.log_action in window.help_menu.actions()
    window.log_action.trigger()
    assert opened == [str(support_log.parent)]
