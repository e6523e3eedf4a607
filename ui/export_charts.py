"""The charts of a PDF report, drawn by the same pyqtgraph panels the Analytics screens show.

``tracker/`` cannot import Qt, so :mod:`tracker.reports.records_pdf` takes its charts as PNG bytes
under the keys it names (``ACTIVITY_CHARTS``, ``STUDENT_CHARTS``). Two steps, because widgets
live on the GUI thread and the database must stay off it:

* :func:`read_chart_data` reads the analytics (a background read) and turns them into plain
  :class:`~ui.charts.base.ChartData` with the chart modules of ``ui/charts`` (any thread);
* :func:`render_pngs` draws each on a hidden :class:`~ui.charts.base.ChartPanel` at print size and
  exports it as the panel's own "Export image…" does, without the title the report
  prints above it (GUI thread).

:func:`render_export_charts` does both for the CLI (``tracker.cli_export.CHART_RENDERER``, set by
``ui.launcher``): an offscreen application, a read, the pictures.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tracker.domain.analytics_types import ActivityAnalytics
from tracker.domain.policy import Actor
from ui.charts.base import ChartData

if TYPE_CHECKING:
    from tracker.services import Database, Services

#: logical pixels of a chart; exported at twice that (1600 × 900), sharp on paper
PRINT_SIZE = (800, 450)


class ChartRequest(Protocol):
    """What of an export request decides its charts (``tracker.services.exports.ExportRequest``)."""

    @property
    def format(self) -> str: ...
    @property
    def activity_id(self) -> int | None: ...
    @property
    def student_id(self) -> int | None: ...
    @property
    def start(self) -> date | None: ...
    @property
    def end(self) -> date | None: ...


def in_period(a: ActivityAnalytics, start: date | None, end: date | None) -> ActivityAnalytics:
    """The analytics with the weekly attendance narrowed to the weeks of the period."""
    weeks = tuple(w for w in a.weekly_attendance if (start is None or w.week_start >= start - _WEEK)
                  and (end is None or w.week_start <= end))
    return dataclasses.replace(a, weekly_attendance=weeks)


_WEEK = date(2000, 1, 8) - date(2000, 1, 2)  # a week starting before the period still has days in it


def read_chart_data(services: Services, actor: Actor, request: ChartRequest) -> dict[str, ChartData]:
    """The charts a PDF report of ``request`` shows, by key (off the GUI thread: reads the
    database); charts with nothing to draw are left out, none for other formats."""
    from ui.charts.activity import attendance_trend, milestone_funnel, progress_distribution
    from ui.charts.student import progress_over_time

    if request.format != "pdf":
        return {}
    if request.student_id is not None:
        charts = {"student_progress": progress_over_time(services.analytics.progress_history(actor,
                                                                                            request.student_id))}
    elif request.activity_id is not None:
        a = in_period(services.analytics.activity_analytics(actor, request.activity_id), request.start, request.end)
        charts = {"progress_histogram": progress_distribution(a), "weekly_attendance": attendance_trend(a),
                  "milestone_funnel": milestone_funnel(a)}
    else:
        return {}
    return {key: data for key, data in charts.items() if not data.is_empty}


def render_pngs(charts: Mapping[str, ChartData], size: tuple[int, int] = PRINT_SIZE) -> dict[str, bytes]:
    """Each chart as PNG bytes, drawn by a hidden panel (GUI thread only: widgets)."""
    from PySide6.QtCore import Qt

    from ui.charts.base import ChartPanel
    from ui.charts.export import write_image

    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="tracker-charts-") as folder:
        for key, data in charts.items():
            panel = ChartPanel(data, show_title=False)
            panel.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
            panel.resize(*size)
            panel.show()  # laid out as on screen: the legend and ticks fit their room
            try:
                target = Path(folder) / f"{key}.png"
                write_image(panel.plot, data.title, target)  # untitled: the report heads it
                out[key] = target.read_bytes()
            finally:
                panel.close()
                panel.deleteLater()
    return out


def render_export_charts(db: Database, actor: Actor, request: ChartRequest) -> dict[str, bytes]:
    """The CLI's chart renderer: an (offscreen when there is no display) application, the
    analytics read, the pictures."""
    import os

    from tracker.services import Services
    from ui.launcher import has_display

    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from ui.app import ensure_app

    ensure_app()
    return render_pngs(read_chart_data(Services(db), actor, request))
