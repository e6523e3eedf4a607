"""Use cases, one module per capability. Every public method takes the acting user first."""

from __future__ import annotations

from tracker.db.engine import Database
from tracker.services.activities import ActivityService
from tracker.services.analytics import AnalyticsService
from tracker.services.attendance import AttendanceService
from tracker.services.audit import AuditService
from tracker.services.auth import AuthService
from tracker.services.backups import BackupService
from tracker.services.badges import BadgeService
from tracker.services.calendar import CalendarService
from tracker.services.certificates import CertificateService
from tracker.services.email_outbox import EmailService
from tracker.services.enrollment import EnrollmentService
from tracker.services.exports import ExportService
from tracker.services.ical import IcalService
from tracker.services.imports import ImportService
from tracker.services.jobs import JobService
from tracker.services.leaderboards import LeaderboardService
from tracker.services.letters import LetterService
from tracker.services.milestones import MilestoneService
from tracker.services.notifications import NotificationService
from tracker.services.people import PeopleService
from tracker.services.portfolios import PortfolioService
from tracker.services.privacy import PrivacyService
from tracker.services.progress import ProgressService
from tracker.services.settings import SettingsService
from tracker.services.skills import SkillService


class Services:
    """All services over one database: what the GUI's AppContext and the façade hold."""

    def __init__(self, db: Database) -> None:
        if db.bus is None:
            from tracker.services.bootstrap import bootstrap

            bootstrap(db)
        self.db = db
        self.auth = AuthService(db)
        self.people = PeopleService(db)
        self.activities = ActivityService(db)
        self.progress = ProgressService(db)
        self.milestones = MilestoneService(db)
        self.enrollment = EnrollmentService(db)
        self.imports = ImportService(db)
        self.analytics = AnalyticsService(db)
        self.settings = SettingsService(db)
        self.audit = AuditService(db)
        self.backups = BackupService(db)
        self.privacy = PrivacyService(db)
        self.calendar = CalendarService(db)
        self.ical = IcalService(db)
        self.attendance = AttendanceService(db)
        self.skills = SkillService(db)
        self.jobs = JobService(db)
        self.certificates = CertificateService(db)
        self.badges = BadgeService(db)
        self.leaderboards = LeaderboardService(db)
        self.portfolios = PortfolioService(db)
        self.notifications = NotificationService(db)
        self.email = EmailService(db)
        self.letters = LetterService(db)
        self.exports = ExportService(db)


__all__ = ["Database", "Services"]
