"""Where the database lives by default. Kept free of SQLAlchemy so the GUI can find the file
(and show its login window) before the heavier imports."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "ActivityTracker"


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return default_data_dir() / "tracker.db"
