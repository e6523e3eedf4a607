"""Offline work on a shared school database, as the GUI sees it (``tracker.offline``).

A workstation whose database is a server gets :class:`~tracker.offline.router.RoutedServices` as
``ctx.services``; :func:`router_of` is how widgets find it (None on a single-workstation SQLite
file, where there is nothing to take offline).
"""

from __future__ import annotations

from tracker.offline.router import RoutedServices
from ui.context import AppContext


def router_of(ctx: AppContext) -> RoutedServices | None:
    services = ctx.services
    return services if isinstance(services, RoutedServices) else None


def is_offline(ctx: AppContext) -> bool:
    router = router_of(ctx)
    return router is not None and not router.online
