"""The audit log on screen (issue 15): the before → after diff in words, the filters, the CSV
export read back with the csv module, and reading it is for administrators only."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from tracker.domain.audit_diff import audit_diff, change_line, diff_summary, diff_text
from tracker.errors import PermissionDenied
from tracker.services.audit import AuditFilters
from tracker.services.people import UserInput

from ..conftest import School


def test_diff_lists_only_the_fields_that_changed():
    changes = audit_diff({"status": "active", "progress": 40, "name": "Chess"},
                         {"status": "completed", "progress": 40, "name": "Chess", "note": "well done"})
    assert [change_line(c) for c in changes] == ["Note: well done", "Status: active → completed"]


def test_diff_of_a_creation_a_deletion_and_plain_values():
    assert diff_text(audit_diff(None, {"active": True})) == "Active: yes"
    assert diff_text(audit_diff({"title": "Opening"}, None)) == "Title: Opening → —"
    assert diff_text(audit_diff(None, None)) == "No fields recorded."
    assert diff_text(audit_diff([1, 2], [1, 2, 3])) == "Value: [1, 2] → [1, 2, 3]"
    # an empty field on creation says nothing; emptied later, it does
    assert diff_text(audit_diff(None, {"user_id": 7, "notes": ""})) == "User id: 7"
    assert diff_text(audit_diff({"notes": "late"}, {"notes": ""})) == "Notes: late → —"


def test_summary_shortens_long_values_the_details_keep_them():
    long = "x" * 200
    changes = audit_diff({"note": ""}, {"note": long})
    assert len(diff_summary(changes)) < 80 and diff_summary(changes).endswith("…")
    assert long in diff_text(changes)


def test_rows_carry_the_record_name_and_the_diff(school: School):
    s = school.services
    row = s.audit.search(school.admin, entity="activity_progress")[0]
    assert row.record == "Olga Other — Drama"
    assert row.record_text == f"Activity progress Olga Other — Drama (#{row.entity_id})"
    assert row.actor == "Ada Admin"
    # the ids in a change read as names: "Person: Olga Other (#7)", "Activity: Drama (#2)"
    enrolled = next(r for r in s.audit.search(school.admin, entity="activity_progress") if r.action == "enroll")
    assert f"Person: Olga Other (#{school.other_student.id})" in enrolled.details
    assert f"Activity: Drama (#{school.drama})" in enrolled.details
    assert "User id" not in enrolled.details and enrolled.after["user_id"] == school.other_student.id  # as stored


def test_filters_person_type_dates_and_text(school: School):
    s, admin = school.services, school.admin
    s.people.update_user(admin, school.student.id, UserInput("sam", "Sam Smith", s.people.get_user(
        admin, school.student.id).role, grade="7", class_name="7B", student_number="S001"))
    s.milestones.create_milestone(school.teacher, school.chess, title="Opening", required=True)
    everything = s.audit.search(admin)
    assert [r.id for r in everything] == sorted((r.id for r in everything), reverse=True)  # newest first
    by_teacher = s.audit.search(admin, person_id=school.teacher.id)
    assert by_teacher and {r.actor for r in by_teacher} == {"Tina Teacher"}
    assert {r.entity for r in s.audit.search(admin, entity="milestone")} == {"milestone"}
    renamed = s.audit.search(admin, text="smith")
    assert [r.action for r in renamed] == ["update"]
    assert "Display name: Sam Student → Sam Smith" in renamed[0].details
    assert s.audit.search(admin, text="sam smith update") == renamed  # every word must match
    today = date.today()
    assert len(s.audit.search(admin, start=today - timedelta(days=1), end=today + timedelta(days=1))) == len(everything)
    assert s.audit.search(admin, end=today - timedelta(days=2)) == []
    first_page = s.audit.search(admin, limit=3)
    next_page = s.audit.search(admin, limit=3, before_id=first_page[-1].id)
    assert [r.id for r in first_page + next_page] == [r.id for r in everything[:6]]
    choices = s.audit.entities(admin)
    assert "milestone" in choices.entities and "Tina Teacher" in [p.name for p in choices.people]


def test_csv_export_reads_back_with_formulas_neutralised(school: School, tmp_path: Path):
    s, admin = school.services, school.admin
    s.people.update_user(admin, school.student.id, UserInput(
        "sam", "=HYPERLINK(\"http://evil\")", s.people.get_user(admin, school.student.id).role))
    out = tmp_path / "audit.csv"
    count = s.audit.export_csv(admin, AuditFilters(entity="user", limit=1), out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with the mark
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:4] == ["id", "when", "who", "action"]
    assert len(rows) - 1 == count == len(s.audit.search(admin, entity="user"))  # not only the page
    renamed = next(r for r in rows[1:] if r[3] == "Changed")
    assert renamed[6].startswith("'=HYPERLINK")  # the record's name, neutralised
    assert "=HYPERLINK" in renamed[7]
    assert not any(cell.startswith("=") for row in rows for cell in row)


@pytest.mark.parametrize("who", ["teacher", "student", "parent"])
def test_reading_the_audit_log_is_for_administrators(school: School, who: str, tmp_path: Path):
    s, actor = school.services, getattr(school, who)
    with pytest.raises(PermissionDenied):
        s.audit.search(actor)
    with pytest.raises(PermissionDenied):
        s.audit.entities(actor)
    with pytest.raises(PermissionDenied):
        s.audit.export_csv(actor, AuditFilters(), tmp_path / "a.csv")
    assert not (tmp_path / "a.csv").exists()
