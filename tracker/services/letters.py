"""Letters to parents and carers (issue 14): printed for families who have no account or no
e-mail, one student or a batch ("the parents of students at risk in Athletics").

Who may write them: whoever may update the activity's progress (``UPDATE_PROGRESS`` on it: its
leads and co-leads, and admins); the policy is checked before anything is read. Only enrolled
students get a letter (active or completed): a waitlisted or dropped student has no standing to
report. The figures are the ones every screen shows (:func:`progress_rows`, the standing's rule
and its reasons), read in one session; :mod:`tracker.reports.parent_letter` lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivityLead, User
from tracker.db.uow import read_only
from tracker.domain.enums import LeadRole, ProgressStatus
from tracker.domain.policy import Actor, Permission
from tracker.domain.standing import Standing
from tracker.errors import NotFound, ValidationError
from tracker.reports.parent_letter import LetterData, Letterhead, MilestoneNeeded
from tracker.services import stats
from tracker.services.base import Service, require
from tracker.services.progress_rows import ProgressRow, progress_rows
from tracker.services.settings import SettingsService

#: the standings a letter can be about, as the CLI and the dialog's filter name them
STANDINGS = {"at-risk": Standing.AT_RISK, "behind": Standing.BEHIND, "on-track": Standing.ON_TRACK,
             "completed": Standing.COMPLETED}
_WRITTEN_TO = (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)


class LetterStudent(NamedTuple):
    student_id: int
    name: str
    standing: Standing


@dataclass(frozen=True)
class LetterBatch:
    """Everything the letters print, read once: the dialog previews from it without the database."""

    head: Letterhead
    letters: tuple[LetterData, ...]


def parse_standing(text: str | Standing | None) -> Standing | None:
    """"at-risk", "at_risk", "At risk" → Standing.AT_RISK; None or "" → no filter."""
    if text is None or isinstance(text, Standing):
        return text
    key = text.strip().lower().replace("_", "-").replace(" ", "-")
    if not key:
        return None
    if key not in STANDINGS:
        raise ValidationError.field("standing", f"{text!r} is not a standing; choose one of {', '.join(STANDINGS)}.")
    return STANDINGS[key]


class LetterService(Service):
    def students_for(self, actor: Actor, activity_id: int, *,
                     standing: str | Standing | None = None) -> list[LetterStudent]:
        """The enrolled students one may write to, by name, with their standing; ``standing``
        keeps only those in it ("at-risk", "behind", "on-track", "completed")."""
        with read_only(self.db) as s:
            _check(s, actor, activity_id)
            wanted = parse_standing(standing)
            return [LetterStudent(r.user_id, r.student, r.standing) for r in _rows(s, activity_id, None)
                    if wanted is None or r.standing is wanted]

    def letter_data(self, actor: Actor, activity_id: int, student_ids: Iterable[int], *,
                    paper: str = "A4") -> LetterBatch:
        """What the letters to these students' parents say, in the students' name order."""
        ids = list(dict.fromkeys(student_ids))
        with read_only(self.db) as s:
            _check(s, actor, activity_id)
            if not ids:
                raise ValidationError.field("students", "Choose at least one student to write to.")
            rows = _rows(s, activity_id, ids)
            missing = set(ids) - {r.user_id for r in rows}
            if missing:
                raise ValidationError.field("students", f"{len(missing)} of the students chosen are not enrolled "
                                                        "in this activity (or have left it).")
            letters = _letters(s, activity_id, rows)
        school = SettingsService(self.db).get()
        head = Letterhead(school.school_name, date.today(), school.logo_path or None, paper)
        return LetterBatch(head, letters)

    def letters_pdf(self, actor: Actor, activity_id: int, student_ids: Iterable[int], *, note: str = "",
                    paper: str = "A4") -> bytes:
        """One combined PDF: a letter per student (each on its own pages), the teacher's note in
        every one."""
        from tracker.reports.parent_letter import letters_bytes

        batch = self.letter_data(actor, activity_id, student_ids, paper=paper)
        return letters_bytes(batch.head, batch.letters, note=note)


def _check(s: Session, actor: Actor, activity_id: int) -> None:
    require(s, actor, Permission.UPDATE_PROGRESS, activity_id=activity_id)
    if s.get(Activity, activity_id) is None:
        raise NotFound(f"There is no activity {activity_id}.")


def _rows(s: Session, activity_id: int, student_ids: list[int] | None) -> list[ProgressRow]:
    return [r for r in progress_rows(s, activity_ids=[activity_id], student_ids=student_ids)
            if r.status in _WRITTEN_TO]


def _letters(s: Session, activity_id: int, rows: list[ProgressRow]) -> tuple[LetterData, ...]:
    ids = [r.user_id for r in rows]
    counts = stats.attendance_counts(s, activity_ids=[activity_id], student_ids=ids)
    milestones = stats.milestones_of(s, [activity_id]).get(activity_id, [])
    done = stats.completed_milestones(s, activity_ids=[activity_id], student_ids=ids)
    signed_by = _lead_name(s, activity_id)
    out = []
    for r in rows:
        count = counts.get((r.user_id, activity_id), stats.AttendanceCount(0, 0, 0))
        mine = done.get(r.user_id, set())
        out.append(LetterData(
            student=r.student, activity=r.activity, progress=r.progress_percentage,
            completed=r.status is ProgressStatus.COMPLETED, present=count.present, counted=count.counted,
            attendance=r.attendance_shown if count.counted else "", standing=r.standing.value,
            reasons=r.standing_reasons,
            needed=tuple(MilestoneNeeded(m.title, m.due_date, m.required) for m in milestones if m.id not in mine),
            signed_by=signed_by, student_id=r.user_id))
    return tuple(out)


def _lead_name(s: Session, activity_id: int) -> str:
    """The activity's lead teacher (the first named lead; a co-lead when there is no lead)."""
    names = s.execute(
        select(User.display_name).join(ActivityLead, ActivityLead.user_id == User.id)
        .where(ActivityLead.activity_id == activity_id)
        .order_by(ActivityLead.lead_role != LeadRole.LEAD, ActivityLead.id)).scalars().first()
    return names or ""
