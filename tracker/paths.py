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

from tracker.errors import TrackerError

APP_NAME = "ActivityTracker"
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
POSIX = os.name == "posix"


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return default_data_dir() / "tracker.db"


#: the machine's configuration file, for IT: ``[database] url = "postgresql://…"`` points every
#: account of the workstation at the school's shared database
SYSTEM_CONFIG_NAME = "activity-tracker.toml"
SYSTEM_CONFIG_ENV = "TRACKER_SYSTEM_CONFIG"  # another file (tests, or a non-standard deployment)


def system_config_file() -> Path:
    """``$TRACKER_SYSTEM_CONFIG``, else ``activity-tracker.toml`` in the system's configuration
    folder (Linux ``/etc/xdg/ActivityTracker``, Windows ``C:\\ProgramData\\ActivityTracker``,
    macOS ``/Library/Application Support/ActivityTracker``)."""
    override = os.environ.get(SYSTEM_CONFIG_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / SYSTEM_CONFIG_NAME


class ConfigError(TrackerError):
    """The machine's configuration file exists but cannot be used (said with the file's name)."""


def system_database() -> str | None:
    """The database set once per machine in :func:`system_config_file` (None: no file, or no
    ``[database] url``). A file that is not valid TOML is an error, not silently ignored: the
    workstation would otherwise quietly open a private database instead of the school's."""
    path = system_config_file()
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"The workstation's configuration {path} cannot be read ({exc.strerror or exc}).") from None
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The workstation's configuration {path} is not valid TOML ({exc}).") from None
    section = data.get("database")
    url = section.get("url") if isinstance(section, dict) else None
    if url is not None and not isinstance(url, str):
        raise ConfigError(f"In {path}, [database] url must be text, e.g. url = \"postgresql://host/school\".")
    return url.strip() or None if url else None


def configured_database() -> str | None:
    """Where the database is when no --db and no per-user choice says: ``$TRACKER_DB``, else the
    machine's configuration, else None (the per-user default, :func:`default_db_path`)."""
    return os.environ.get("TRACKER_DB") or system_database()


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
