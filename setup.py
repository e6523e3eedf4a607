"""Build hook: the wheel (and the bundle built from an installed tree) carries the top-level
``resources/`` folder and the README with its screenshots inside the ``tracker`` package, where
:mod:`tracker.resource_files` finds them through importlib.resources. Everything else is in
pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "tracker" / "resources"
        shutil.copytree(HERE / "resources", target, dirs_exist_ok=True)
        shutil.copy2(HERE / "README.md", target / "README.md")
        shutil.copytree(HERE / "docs" / "screenshots", target / "docs" / "screenshots", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithResources})
