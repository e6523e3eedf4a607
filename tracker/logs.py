"""The support log: warnings and errors with tracebacks, in a rotating file in the per-user log
folder (``$TRACKER_LOG_DIR`` overrides it), to be sent to IT when something goes wrong.

What is logged never carries passwords or students' data beyond ids: SQLAlchemy's error texts
(which quote the SQL parameters — every student's name and e-mail in a failed bulk import) are
cut at the parameters, in messages and in tracebacks alike.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from tracker.paths import POSIX, create_private_file, default_log_dir, make_private_dir

LOG_NAME = "activity-tracker.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\n|$)|\[SQL parameters: .*?\](?=\n|$)", re.DOTALL)
_handler: logging.Handler | None = None


def redact(text: str) -> str:
    """The text without the SQL parameters a database error quotes."""
    return _PARAMETERS.sub("[parameters: hidden]", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def log_file() -> Path:
    return default_log_dir() / LOG_NAME


def setup_logging() -> Path | None:
    """Send warnings and errors to the support log (once per process); the file's path, or None
    when the folder cannot be written (then nothing is logged to a file)."""
    global _handler
    path = log_file()
    if _handler is not None:
        return path
    try:
        make_private_dir(path.parent)
        create_private_file(path)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                       encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setLevel(logging.WARNING)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if POSIX:
        handler.rotator = _private_rotate
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    _handler = handler
    return path


def _private_rotate(source: str, dest: str) -> None:
    Path(source).replace(dest)
    create_private_file(Path(source))
