"""Qt table models over in-memory snapshots of service results."""

from ui.models.activities import ActivitiesModel
from ui.models.base import Column, FilterProxy, RecordRole, SearchRole, SnapshotModel, SortRole, ValueRole
from ui.models.dashboard import ActivityFiguresModel, AtRiskModel
from ui.models.people import UsersModel

__all__ = [
    "ActivitiesModel",
    "ActivityFiguresModel",
    "AtRiskModel",
    "Column",
    "FilterProxy",
    "RecordRole",
    "SearchRole",
    "SnapshotModel",
    "SortRole",
    "UsersModel",
    "ValueRole",
]
