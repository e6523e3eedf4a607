"""`activity-tracker export`: one activity's records or the whole school's as a workbook, CSV
files, a PDF report or the end-of-year archive, with a progress bar on a terminal.

Bad input (an unknown activity, a bad or reversed date range, a path that cannot be written, a
school-wide PDF) is a usage error: a line on stderr and exit 2, nothing written. A refusal (a
teacher asking for another's activity) is exit 1, like every refused command.

``CHART_RENDERER``: the PDF report's charts need Qt, which ``tracker`` never imports; the
desktop launcher sets this hook (rendering the charts offscreen) before it runs the command line.
Without it a PDF report still has its tables.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import NotFound, ValidationError

if TYPE_CHECKING:
    from tracker.db.engine import Database
    from tracker.domain.policy import Actor
    from tracker.services.exports import ExportRequest

CHART_RENDERER: Callable[[Database, Actor, ExportRequest], Mapping[str, bytes]] | None = None
BAR_WIDTH = 30


def progress_bar(fraction: float, what: str, *, width: int = BAR_WIDTH) -> str:
    """``\\r[#####     ] 50% Attendance``: the line a terminal shows while an export runs."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return f"\r[{'#' * filled}{' ' * (width - filled)}] {round(fraction * 100):3d}% {what:<20.20}"


def cmd_export(args: argparse.Namespace) -> int:
    from tracker.cli import _actor, _services
    from tracker.services.exports import ExportRequest

    if args.start is not None and args.end is not None and args.end < args.start:
        return _usage("--to is before --from; nothing was written.")
    if args.format == "pdf" and args.school:
        return _usage("a PDF report is per activity: use --activity ID (or --format xlsx for the school).")
    if args.student is not None and args.format != "pdf":
        return _usage("--student writes a student's progress report: use it with --format pdf.")
    request = ExportRequest(args.format, activity_id=args.activity, start=args.start, end=args.end,
                            bom=not args.no_bom, student_id=args.student)
    out = Path(args.out)
    terminal = sys.stderr.isatty()

    def show(fraction: float, what: str) -> None:
        if terminal:
            print(progress_bar(fraction, what), end="", file=sys.stderr, flush=True)

    with _services(args) as services:
        actor = _actor(args, services)
        try:  # the charts read the same records: an unknown id is the same usage error
            charts = CHART_RENDERER(services.db, actor, request) if (
                CHART_RENDERER is not None and request.format == "pdf") else None
            result = services.exports.export(actor, request, out, progress=show, chart_images=charts)
        except NotFound:
            if args.student is not None:
                return _usage(f"there is no student with id {args.student} "
                              "(activity-tracker users --role student lists them).")
            return _usage(f"there is no activity with id {args.activity} (activity-tracker activities lists them).")
        except ValidationError as exc:
            return _usage(str(exc))
        except OSError as exc:
            return _usage(f"cannot write {out}: {exc.strerror or exc}")
        finally:
            if terminal:
                print(file=sys.stderr)
    print(f"Wrote {result.path}")
    return 0


def _usage(message: str) -> int:
    print(f"activity-tracker: {message}", file=sys.stderr)
    return 2


__all__ = ["CHART_RENDERER", "cmd_export", "progress_bar"]
