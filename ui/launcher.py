"""Console entry point: GUI commands go to Qt, everything else to tracker.cli.

Kept free of Qt imports so that CLI subcommands start fast and work without a display.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tracker import cli

if TYPE_CHECKING:
    from tracker.domain.policy import Actor
    from tracker.services import Database
    from tracker.services.exports import ExportRequest

HEADLESS_MESSAGE = """\
activity-tracker: no display to show the window on.
Run it in a desktop session, or on a server:
  xvfb-run -a activity-tracker            (a virtual X display)
  QT_QPA_PLATFORM=offscreen activity-tracker   (no window at all, for testing)
Command-line subcommands (activity-tracker --help) work without a display."""


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _gui(args: argparse.Namespace) -> int:
    if not has_display():
        print(HEADLESS_MESSAGE, file=sys.stderr)
        return 2
    from ui.app import run_gui

    return run_gui(args)


def _screenshot(args: argparse.Namespace) -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from ui.screenshot import run_screenshot

    return run_screenshot(args)


def _render_charts(db: Database, actor: Actor, request: ExportRequest) -> Mapping[str, bytes]:
    """``activity-tracker export --format pdf``: the report's charts, drawn offscreen by Qt."""
    from ui.export_charts import render_export_charts

    return render_export_charts(db, actor, request)


def main(argv: Sequence[str] | None = None) -> int:
    from tracker import cli_export  # light: the hook only, no database code

    cli_export.CHART_RENDERER = _render_charts
    return cli.main(argv, gui={"gui": _gui, "screenshot": _screenshot})


if __name__ == "__main__":
    sys.exit(main())
