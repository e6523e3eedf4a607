"""Progress on PostgreSQL (issue 5): standing with absences in a row and overdue milestones,
overrides with their note, sign-off completing in the same transaction."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from tracker.domain.enums import ProgressStatus
from tracker.domain.standing import Standing
from tracker.services.activities import ActivityInput
from tracker.services.attendance import MarkChange

from ..conftest import School

pytestmark = pytest.mark.pg


def test_standing_override_and_sign_off_on_postgresql(school: School):
    s = school.services
    today = date.today()
    club = s.activities.create_activity(school.admin, ActivityInput(
        "Robotics", lead_ids=[school.teacher.id], start_date=today - timedelta(days=30),
        end_date=today + timedelta(days=30), requires_signoff=True)).id
    s.enrollment.enroll(school.admin, club, [school.student.id], enrolled_on=today - timedelta(days=30))
    codes = {st.code: st.id for st in s.attendance.statuses(school.admin)}
    sessions = []
    for days_ago in (6, 4, 2):
        start = datetime.combine(today - timedelta(days=days_ago), time(15))
        sessions.append(s.calendar.add_extra_session(school.admin, club, start, start + timedelta(hours=1)).id)
    s.attendance.apply(school.teacher, [MarkChange(sid, school.student.id, codes["A"]) for sid in sessions])
    m = s.milestones.create_milestone(school.teacher, club, title="Chassis", points=1,
                                      due_date=today - timedelta(days=1))
    [row] = s.progress.activity_progress(school.teacher, club)
    assert row.standing is Standing.AT_RISK and row.trailing_absences == 3
    assert "Absent the last 3 sessions" in row.standing_reasons
    assert any(r.startswith("1 milestone overdue: Chassis") for r in row.standing_reasons)

    [row] = s.progress.override_progress_for(school.teacher, club, [school.student.id],
                                             progress_percentage=40, note="Built at home")
    assert row.override_note == "Built at home" and row.override_by == "Tina Teacher"
    s.milestones.complete_milestone(school.teacher, m.id, school.student.id)
    [row] = s.progress.sign_off_for(school.teacher, club, [school.student.id])
    assert row.status is ProgressStatus.COMPLETED and row.completed_at is not None
    [row] = s.progress.sign_off_for(school.teacher, club, [school.student.id], signed=False)
    assert row.status is ProgressStatus.ACTIVE
