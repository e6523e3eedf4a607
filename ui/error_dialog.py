"""An unexpected error (a bug, not a refused input) shown the same way everywhere: a plain
message, "Copy details" for IT, and where the support log is; the error and its traceback go to
the log (``tracker/logs.py``), with SQL parameters cut out."""

from __future__ import annotations

import logging
import platform
import traceback

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from tracker import __version__
from tracker.logs import log_file, redact

log = logging.getLogger("ui")


def details_of(exc: BaseException) -> str:
    """What IT needs: versions and the traceback (of the worker thread, when it failed there)."""
    text = getattr(exc, "__traceback_text__", "") or "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__))
    head = f"Activity Tracker {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
    return redact(head + text)


def open_log_folder() -> bool:
    folder = log_file().parent
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def unexpected_error_box(parent: QWidget | None, exc: BaseException, title: str) -> QMessageBox:
    """The dialog (not shown yet): logs the error when built."""
    log.error("unexpected error: %s", title, exc_info=(type(exc), exc, exc.__traceback__))
    details = details_of(exc)
    first = (redact(str(exc)).splitlines() or [type(exc).__name__])[0][:200]
    box = QMessageBox(QMessageBox.Icon.Critical, title,
                      f"Something went wrong that Activity Tracker did not expect ({type(exc).__name__}: "
                      f"{first}).\n\nWhat you saved before is safe. The details are in the support log:\n"
                      f"{log_file()}", QMessageBox.StandardButton.Ok, parent)
    box.setDetailedText(details)
    copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
    folder = box.addButton("Open log folder", QMessageBox.ButtonRole.ActionRole)
    # action buttons would close the box: keep it open and do the action instead
    copy.clicked.disconnect()
    folder.clicked.disconnect()
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(details))
    folder.clicked.connect(open_log_folder)
    return box


def show_unexpected_error(parent: QWidget | None, exc: BaseException, title: str = "Activity Tracker") -> None:
    unexpected_error_box(parent, exc, title).exec()
