"""What the PDF reports of :mod:`tracker.reports.records_pdf` print, read from the database.

Built from the reads every screen already uses, so a report never says something another screen
contradicts: the activity's figures are :meth:`AnalyticsService.activity_analytics` (the Analytics
tab's), its table is :func:`progress_rows` (the roster's standing, progress and attendance), and a
student's report is their :meth:`PortfolioService.portfolio` (milestones, skills, badges, as far as
the viewer may see them) with the same progress rows. The policy is the one of those reads:
VIEW_ANALYTICS on the activity, VIEW_PROGRESS on the student (a lead sees their activities only).

``start`` / ``end`` narrow what is dated (milestones done, badges earned); the figures and
standings are today's, as on screen. The period is printed under the title.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tracker.db.engine import Database
from tracker.db.models import Activity, ActivityLead, ActivityProgress, User
from tracker.db.uow import read_only
from tracker.domain.enums import LeadRole, ProgressStatus
from tracker.domain.percent import format_percent
from tracker.domain.policy import Actor, Permission
from tracker.domain.portfolio import ActivityRecord
from tracker.reports.records_pdf import (
    ActivityReportData,
    ReportHead,
    StudentActivity,
    StudentLine,
    StudentReportData,
)
from tracker.reports.transcript_pdf import long_date
from tracker.services import stats
from tracker.services.analytics import AnalyticsService
from tracker.services.portfolios import PortfolioService
from tracker.services.progress_rows import ProgressRow, progress_rows
from tracker.services.scoping import visible
from tracker.services.settings import SettingsService

WHOLE_TERM = "Whole term"


def period_text(start: date | None, end: date | None) -> str:
    """How a report names its dates: "Whole term", "From 1 September 2026", "1 Sep… – 20 Dec…"."""
    if start and end:
        return f"{long_date(start)} – {long_date(end)}"
    if start:
        return f"From {long_date(start)}"
    if end:
        return f"Up to {long_date(end)}"
    return WHOLE_TERM


def within(day: date | None, start: date | None, end: date | None) -> bool:
    return day is None or ((start is None or day >= start) and (end is None or day <= end))


def _head(db: Database, start: date | None, end: date | None) -> ReportHead:
    school = SettingsService(db).get()
    return ReportHead(school.school_name, date.today(), period_text(start, end), school.logo_path or None)


def activity_report_data(db: Database, actor: Actor, activity_id: int, start: date | None = None,
                         end: date | None = None) -> ActivityReportData:
    """The activity report's data: its figures (the Analytics tab's) and one line per student
    holding a place (active, completed or dropped), by name."""
    a = AnalyticsService(db).activity_analytics(actor, activity_id)  # checks the policy first
    with read_only(db) as s:
        act = s.get(Activity, activity_id)
        assert act is not None  # the analytics read found it
        leads = tuple(s.execute(
            select(User.display_name).join(ActivityLead, ActivityLead.user_id == User.id)
            .where(ActivityLead.activity_id == activity_id)
            .order_by(ActivityLead.lead_role != LeadRole.LEAD, User.display_name)).scalars())
        rows = [r for r in progress_rows(s, activity_ids=[activity_id]) if r.status is not ProgressStatus.WAITLISTED]
        term = f"{long_date(act.start_date)} – {long_date(act.end_date)}" if act.start_date and act.end_date else ""
        category = act.category
    students = tuple(StudentLine(r.student, _standing(r), r.progress_percentage,
                                 r.attendance_shown if r.attendance_rate is not None else "",
                                 r.milestones_done, r.milestones_total) for r in rows)
    return ActivityReportData(_head(db, start, end), a.activity, category, leads, term, a.enrolled, a.active,
                              a.completed, a.dropped, a.average_attendance_rate, a.average_progress, students)


def student_report_data(db: Database, actor: Actor, student_id: int, start: date | None = None,
                        end: date | None = None) -> StudentReportData:
    """The student report's data: each activity the viewer may see the student in, with the
    milestones done (in the period) and still needed, skill levels and badges."""
    portfolio = PortfolioService(db).portfolio(actor, student_id)  # checks the policy first
    ids = [r.id for r in portfolio.activities]
    with read_only(db) as s:
        where = visible(s, actor, Permission.VIEW_PROGRESS, student=ActivityProgress.user_id,
                        activity=ActivityProgress.activity_id)
        rows = {r.activity_id: r for r in progress_rows(s, student_ids=[student_id], where=where)}
        milestones = stats.milestones_of(s, ids)
        done = stats.completed_milestones(s, activity_ids=ids, student_ids=[student_id]).get(student_id, set())
    activities = tuple(_student_activity(r, rows.get(r.id), [m.title for m in milestones.get(r.id, [])
                                                             if m.id not in done], start, end)
                       for r in portfolio.activities)
    badges = tuple(_badge(b.name, b.awarded_on) for b in portfolio.badges if within(b.awarded_on, start, end))
    return StudentReportData(_head(db, start, end), portfolio.student, portfolio.grade, activities, badges)


def _standing(r: ProgressRow) -> str:
    if r.status is ProgressStatus.DROPPED:
        return "Dropped"
    return r.standing.label


def _student_activity(a: ActivityRecord, row: ProgressRow | None, missing: list[str], start: date | None,
                      end: date | None) -> StudentActivity:
    if a.counted:
        rate = format_percent(a.attendance_rate) if a.attendance_rate is not None else ""
        shown = row.attendance_shown if row is not None and row.attendance_rate is not None else rate
        attendance = f"present at {a.present} of {a.counted} sessions ({shown})"
    else:
        attendance = "no sessions counted yet"
    return StudentActivity(
        activity=a.name, category=a.category, status=a.status,
        standing=_standing(row) if row is not None else a.status.capitalize(),
        progress=row.progress_percentage if row is not None else 0.0, attendance=attendance,
        milestones_done=tuple(f"{m.name}, {long_date(m.completed_on)}" for m in a.milestones
                              if within(m.completed_on, start, end)),
        milestones_missing=tuple(missing) if a.status == "active" else (),
        skills=tuple(f"{k.name}: {k.first_level_name} → {k.latest_level_name}" for k in a.skills),
        badges=tuple(_badge(b.name, b.awarded_on) for b in a.badges if within(b.awarded_on, start, end)))


def _badge(name: str, day: date) -> str:
    return f"{name}, {long_date(day)}"
