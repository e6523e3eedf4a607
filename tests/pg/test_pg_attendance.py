"""Attendance on PostgreSQL: two workstations marking the same cell (issue 4, conflicts).

The later one is told, with the value it would overwrite; nothing is lost silently, and two
inserts racing for one (session, student) end in a conflict, never an IntegrityError."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

import pytest

import tracker.services.attendance_marks as attendance_marks
from tracker.services import Services
from tracker.services.activities import ActivityInput
from tracker.services.attendance import AttendanceConflict, MarkChange

from ..conftest import School

pytestmark = pytest.mark.pg


def _club(school: School) -> tuple[int, int, dict[str, int]]:
    s = school.services
    club = s.activities.create_activity(school.admin, ActivityInput("Athletics", lead_ids=[school.teacher.id])).id
    s.enrollment.enroll(school.admin, club, [school.student.id], enrolled_on=date.today() - timedelta(days=7))
    start = datetime.combine(date.today() - timedelta(days=1), time(15))
    session = s.calendar.add_extra_session(school.admin, club, start, start + timedelta(hours=1)).id
    codes = {st.code: st.id for st in s.attendance.statuses(school.admin)}
    return club, session, codes


def test_the_later_workstation_is_told_what_it_would_overwrite(school: School, db):
    club, session, codes = _club(school)
    first, second = school.services, Services(type(db).connect(db.url))
    try:
        seen_a = first.attendance.grid(school.teacher, club)
        seen_b = second.attendance.grid(school.admin, club)
        assert seen_a.versions[0] == seen_b.versions[0] == 0
        first.attendance.apply(school.teacher, [MarkChange(session, school.student.id, codes["P"])])
        with pytest.raises(AttendanceConflict) as err:
            second.attendance.apply(school.admin, [MarkChange(session, school.student.id, codes["A"])])
        assert [(m.status_id, m.version, m.recorded_by) for m in err.value.current] == [
            (codes["P"], 1, "Tina Teacher")]
        assert "Tina Teacher marked Sam Student Present" in str(err.value)
        # both now at version 1: the first edits again, the second's edit of version 1 conflicts
        first.attendance.apply(school.teacher, [MarkChange(session, school.student.id, codes["L"],
                                                           expected_version=1)])
        with pytest.raises(AttendanceConflict) as err:
            second.attendance.apply(school.admin, [MarkChange(session, school.student.id, codes["E"],
                                                              expected_version=1)])
        assert err.value.current[0].status_id == codes["L"] and err.value.current[0].version == 2
        # told, the second chooses to overwrite
        second.attendance.apply(school.admin, [MarkChange(session, school.student.id, codes["E"],
                                                          expected_version=2)])
        sheet = first.attendance.sheet(school.teacher, session)
        assert (sheet.marks[school.student.id].status_id, sheet.marks[school.student.id].version) == (
            codes["E"], 3)
    finally:
        second.db.dispose()


@pytest.mark.parametrize("first_mark", [False, True], ids=["both-insert", "both-update"])
def test_two_writes_racing_for_one_cell_give_one_mark_and_one_conflict(school: School, db, monkeypatch,
                                                                        first_mark: bool):
    club, session, codes = _club(school)
    version = None
    if first_mark:
        version = school.services.attendance.apply(
            school.teacher, [MarkChange(session, school.student.id, codes["P"])])[0].version
    other = Services(type(db).connect(db.url))
    barrier = threading.Barrier(2, timeout=10)
    waited: set[int] = set()
    read = attendance_marks._read

    def read_then_wait(*args):  # type: ignore[no-untyped-def]
        """Both workstations have read the cell before either writes it."""
        result = read(*args)
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()
        return result

    monkeypatch.setattr(attendance_marks, "_read", read_then_wait)
    outcomes: dict[str, object] = {}

    def mark(name: str, services: Services, code: str) -> None:
        try:
            services.attendance.apply(school.teacher, [
                MarkChange(session, school.student.id, codes[code], expected_version=version)])
            outcomes[name] = "saved"
        except Exception as exc:  # noqa: BLE001 - the test asserts which
            outcomes[name] = exc

    threads = [threading.Thread(target=mark, args=("a", school.services, "L")),
               threading.Thread(target=mark, args=("b", other, "A"))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        other.db.dispose()
    assert sorted(type(v).__name__ if not isinstance(v, str) else v for v in outcomes.values()) == [
        "AttendanceConflict", "saved"], outcomes
    loser = next(v for v in outcomes.values() if isinstance(v, AttendanceConflict))
    winner_code = "L" if outcomes["a"] == "saved" else "A"
    assert loser.current[0].status_id == codes[winner_code]
    monkeypatch.setattr(attendance_marks, "_read", read)
    sheet = school.services.attendance.sheet(school.teacher, session)
    assert sheet.marks[school.student.id].status_id == codes[winner_code]
    assert sheet.marks[school.student.id].version == (2 if first_mark else 1)


def test_grid_and_rates_on_postgresql_match_progress_rows(school: School):
    club, session, codes = _club(school)
    s = school.services
    s.attendance.apply(school.teacher, [MarkChange(session, school.student.id, codes["A"])])
    assert s.attendance.mark_rest_present(school.teacher, session) == []
    grid = s.attendance.grid(school.teacher, club)
    rows = {r.user_id: r.attendance_rate for r in s.progress.activity_progress(school.admin, club)}
    assert dict(zip([st.id for st in grid.students], grid.rates, strict=True)) == rows == {school.student.id: 0.0}
