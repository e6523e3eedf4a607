"""Where the application's files are: fonts, icons, badge designs, samples and the user guide.

One place answers it for every way the program runs:

* **installed** (a wheel, or the PyInstaller bundle): the build copies the checkout's top-level
  ``resources/`` folder (and the README with its screenshots, the in-app user guide) into the
  ``tracker`` package as ``tracker/resources``; it is found through :mod:`importlib.resources`,
  never through a path relative to a checkout;
* **from the source tree** (``make run``, an editable install): that copy does not exist, so the
  checkout's own ``resources/`` is used.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: the checkout's top level (where ``resources/`` and ``README.md`` are in a source tree)
CHECKOUT = Path(__file__).resolve().parents[1]


def packaged(*parts: str) -> Path:
    """The installed package's copy: ``tracker/resources/<parts>`` (it may not exist)."""
    return Path(str(resources.files("tracker").joinpath("resources", *parts)))


def resource_dirs(name: str) -> tuple[Path, ...]:
    """The folders that may hold ``resources/<name>``, the installed copy first."""
    return packaged(name), CHECKOUT / "resources" / name


def resource_dir(name: str) -> Path:
    """The first existing folder of :func:`resource_dirs` (the checkout's when neither exists,
    so that an error names the folder a developer would look in)."""
    return next((d for d in resource_dirs(name) if d.is_dir()), resource_dirs(name)[-1])


def readme() -> Path | None:
    """The README (its "User guide" section is the in-app guide), installed copy first."""
    return next((p for p in (packaged("README.md"), CHECKOUT / "README.md") if p.is_file()), None)
