"""Reusable widgets: KPI card, delegates, status pill, search box, empty state, progress card."""

from ui.widgets.delegates import ProgressBarDelegate, StatusPillDelegate
from ui.widgets.empty import EmptyState
from ui.widgets.kpi import KpiCard
from ui.widgets.pill import StatusPill
from ui.widgets.search import SearchBox
from ui.widgets.tables import apply_widths, make_table

__all__ = [
    "EmptyState",
    "KpiCard",
    "ProgressBarDelegate",
    "SearchBox",
    "StatusPill",
    "StatusPillDelegate",
    "apply_widths",
    "make_table",
]
