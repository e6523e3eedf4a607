"""Certificates waiting to be issued (``CertificateService.awaiting``): what the dashboard's
"Certificates to issue" and the certificate wizard's first page show."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from tracker.db.models import Activity
from tracker.errors import PermissionDenied
from tracker.services.certificates import AwaitingCertificates

from ..conftest import School


@pytest.fixture
def quiet(school: School) -> School:
    """Completions issue nothing by themselves: certificates wait for someone to issue them."""
    with school.services.db.session_factory() as s, s.begin():
        s.execute(update(Activity).values(certificate_on_completion=False))
    return school


def complete(school: School, activity: int, student_id: int) -> None:
    school.services.enrollment.set_completed_by_hand(school.admin, activity, student_id, "finished")


def by_activity(rows: list[AwaitingCertificates]) -> dict[int, tuple[int, int]]:
    return {r.activity_id: (r.completed, r.to_issue) for r in rows}


def test_completed_students_without_a_valid_certificate_are_counted_most_waiting_first(quiet, tmp_path: Path):
    s, admin = quiet.services, quiet.admin
    complete(quiet, quiet.chess, quiet.student.id)
    complete(quiet, quiet.chess, quiet.other_student.id)
    complete(quiet, quiet.drama, quiet.other_student.id)
    rows = s.certificates.awaiting(admin)
    assert [(r.activity, r.completed, r.to_issue) for r in rows] == [("Chess Club", 2, 2), ("Drama", 1, 1)]
    [sam] = s.certificates.issue(admin, quiet.chess, [quiet.student.id], out_dir=tmp_path)
    assert by_activity(s.certificates.awaiting(admin)) == {quiet.chess: (2, 1), quiet.drama: (1, 1)}
    s.certificates.revoke(admin, sam.serial, reason="Issued by mistake")  # no valid one any more
    assert by_activity(s.certificates.awaiting(admin))[quiet.chess] == (2, 2)
    again = s.certificates.issue(admin, quiet.chess, [quiet.student.id], out_dir=tmp_path)
    s.certificates.reissue(admin, again[0].serial, reason="Name corrected", out_dir=tmp_path)
    assert by_activity(s.certificates.awaiting(admin))[quiet.chess] == (2, 1)  # the new one is valid


def test_a_teacher_sees_the_activities_they_lead_and_a_student_none(quiet):
    s = quiet.services
    complete(quiet, quiet.chess, quiet.student.id)
    complete(quiet, quiet.drama, quiet.other_student.id)
    assert by_activity(s.certificates.awaiting(quiet.teacher)) == {quiet.chess: (1, 1)}
    assert by_activity(s.certificates.awaiting(quiet.other_teacher)) == {quiet.drama: (1, 1)}
    assert s.certificates.awaiting(quiet.student) == []
    assert s.certificates.awaiting(quiet.parent) == []


def test_activities_with_nobody_waiting_and_archived_ones_are_listed_flagged(quiet):
    s, admin = quiet.services, quiet.admin
    complete(quiet, quiet.chess, quiet.student.id)
    s.activities.set_archived(admin, quiet.drama, True)
    rows = {r.activity: r for r in s.certificates.awaiting(admin)}
    assert rows["Chess Club"] == AwaitingCertificates(quiet.chess, "Chess Club", False, 1, 1)
    assert rows["Drama"] == AwaitingCertificates(quiet.drama, "Drama", True, 0, 0)


def test_a_disabled_account_is_refused(quiet):
    quiet.services.people.set_active(quiet.admin, quiet.teacher.id, False)
    with pytest.raises(PermissionDenied):
        quiet.services.certificates.awaiting(quiet.teacher)
