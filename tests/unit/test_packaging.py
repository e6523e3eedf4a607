"""Packaging (issue 16): the desktop entry and AppStream metainfo validate, the one version of
pyproject.toml is the one the program, the metainfo and the changelog report, the icons come in
the hicolor sizes, and the bundle's spec keeps its two programs and leaves development out."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image

import tracker

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / "org.activitytracker.ActivityTracker.desktop"
METAINFO = LINUX / "org.activitytracker.ActivityTracker.metainfo.xml"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]


def test_the_version_is_the_one_in_pyproject_everywhere() -> None:
    assert tracker.__version__ == VERSION
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--version"], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == f"activity-tracker {VERSION}"
    releases = [r.get("version") for r in ET.parse(METAINFO).getroot().iter("release")]
    assert releases[0] == VERSION
    assert f"## {VERSION} " in (ROOT / "CHANGELOG.md").read_text("utf-8")


def test_the_desktop_entry_starts_the_windowed_program_with_its_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP, encoding="utf-8")
    group = entry["Desktop Entry"]
    assert group["Type"] == "Application" and group["Exec"].split()[0] == "ActivityTracker"
    assert group["Icon"] == DESKTOP.stem and group["Terminal"] == "false"
    assert "Education" in group["Categories"].split(";")
    if shutil.which("desktop-file-validate"):  # desktop-file-utils, installed by `make sysdeps`
        done = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "error" not in done.stdout, done.stdout


def test_the_metainfo_names_the_desktop_entry_and_validates() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == DESKTOP.stem
    assert root.findtext("launchable") == DESKTOP.name
    if shutil.which("appstreamcli"):  # appstream, installed by `make sysdeps`
        done = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


def test_icons_are_made_in_the_hicolor_sizes_and_for_windows_and_macos(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "make_icons.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for size in (16, 32, 48, 64, 128, 256, 512):
        with Image.open(tmp_path / "hicolor" / f"{size}x{size}" / "apps" / "activity-tracker.png") as png:
            assert png.size == (size, size)
            assert png.getextrema()[3][1] == 255  # the picture is there, not a transparent square
    with Image.open(tmp_path / "app.ico") as ico:
        assert ico.format == "ICO"
    with Image.open(tmp_path / "app.icns") as icns:
        assert icns.format == "ICNS"


def test_the_spec_builds_two_programs_and_leaves_development_out() -> None:
    spec = (ROOT / "packaging" / "activity-tracker.spec").read_text("utf-8")
    compile(spec, "activity-tracker.spec", "exec")
    assert 'exe(gui, "ActivityTracker", console=False)' in spec
    assert 'exe(cli, "activity-tracker", console=True)' in spec
    for package in ("pytest", "hypothesis", "mypy", "ruff", "PyInstaller"):
        assert f'"{package}"' in spec
    assert '"tracker/resources"' in spec  # where tracker.resource_files looks when installed
