"""The activities list: what runs, who leads it and how full it is."""

from __future__ import annotations

from datetime import date, datetime

from tracker.services.activities import ActivitySummary
from ui.models.base import RIGHT, Column, SnapshotModel
from ui.widgets.style import term, when


def places(a: ActivitySummary) -> str:
    return f"{a.enrolled} / {a.capacity}" if a.capacity else f"{a.enrolled}"


def _name(a: ActivitySummary) -> str:
    return f"{a.name} (archived)" if a.archived else a.name


class ActivitiesModel(SnapshotModel[ActivitySummary]):
    (NAME, CATEGORY, LEADS, ENROLLED, ACTIVE, COMPLETED, DROPPED, WAITLISTED, MILESTONES,
     NEXT_SESSION, TERM) = range(11)

    columns = (
        Column("Activity", _name, width=200, sort=lambda a: a.name.lower(),
               tooltip=lambda a: a.description or a.name),
        Column("Category", lambda a: a.category, width=100),
        Column("Leads", lambda a: ", ".join(a.leads) or "—", width=170,
               tooltip=lambda a: ", ".join(a.leads)),
        Column("Enrolled", places, width=86, align=RIGHT,
               sort=lambda a: a.enrolled, tooltip=lambda a: "enrolled / capacity"),
        Column("Active", lambda a: str(a.active), value=lambda a: a.active, width=68, align=RIGHT),
        Column("Completed", lambda a: str(a.completed), value=lambda a: a.completed, width=98,
               align=RIGHT),
        Column("Dropped", lambda a: str(a.dropped), value=lambda a: a.dropped, width=86, align=RIGHT),
        Column("Waitlist", lambda a: str(a.waitlisted), value=lambda a: a.waitlisted, width=82,
               align=RIGHT),
        Column("Milestones", lambda a: str(a.milestones), value=lambda a: a.milestones, width=100,
               align=RIGHT),
        Column("Next session", lambda a: when(a.next_session), width=150,
               sort=lambda a: (a.next_session or datetime.max).isoformat()),
        Column("Term", lambda a: term(a.start_date, a.end_date), width=170,
               sort=lambda a: (a.start_date or date.max).isoformat()),
    )

    def search_text(self, a: ActivitySummary) -> str:
        return " ".join((a.name, a.category, a.location, " ".join(a.leads), a.description[:200]))

    def muted(self, a: ActivitySummary) -> bool:
        return a.archived
