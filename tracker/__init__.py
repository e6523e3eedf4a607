"""Activity Tracker core library: domain, services and persistence (no Qt)."""

from __future__ import annotations


def _version() -> str:
    """The one version, ``[project] version`` in pyproject.toml: read from the checkout's file in
    a source tree, else from the installed distribution's metadata (the wheel, and the bundle,
    which carries that metadata)."""
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            return str(tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("activity-tracker")
    except PackageNotFoundError:
        return "0+unknown"


__version__ = _version()
