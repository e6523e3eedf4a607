"""Where the database and the log live by default, and how their files are created.

Kept free of SQLAlchemy so the GUI can find the file (and show its login window) before the
heavier imports. On a shared workstation every local account can read files made with the usual
0644 / 0755, so what holds students' data is created private to the user (0600 / 0700 on POSIX;
on Windows the files live in the user's own profile) and a copy keeps the original's mode.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

APP_NAME = "ActivityTracker"
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
POSIX = os.name == "posix"


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return default_data_dir() / "tracker.db"


def default_log_dir() -> Path:
    """``$TRACKER_LOG_DIR``, else the per-user log folder."""
    override = os.environ.get("TRACKER_LOG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def make_private_dir(path: Path) -> None:
    """Create the folder (and missing parents) readable by the user only; an existing one is
    left as it is (it may be a shared folder on purpose)."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    path.mkdir(parents=True, exist_ok=True)
    if POSIX:
        for made in missing:
            os.chmod(made, PRIVATE_DIR)


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def create_private_file(path: Path, *, like: Path | None = None) -> None:
    """Create an empty file private to the user, or with the mode of ``like`` (a copy keeps the
    mode of what it copies); an existing file is left alone."""
    mode = file_mode(like) if like is not None and like.exists() else PRIVATE_FILE
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    except FileExistsError:
        return
    os.close(fd)
    if POSIX:
        os.chmod(path, mode)  # exactly this mode, whatever the umask
