"""The PDF reports of the records (issue 15), read back with pdftotext and pypdf."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import School
from tracker.errors import Cancelled, PermissionDenied
from tracker.reports.records_pdf import (
    ActivityReportData,
    ReportHead,
    StudentLine,
    write_activity_report,
    write_student_report,
)
from tracker.services.report_data import activity_report_data, period_text, student_report_data

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")


def text_of(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pages_of(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def png(shade: int = 95, width: int = 160, height: int = 90) -> bytes:
    """A picture; give each chart its own shade (reportlab stores identical pictures once)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (31, 58, shade)).save(out, "PNG")
    return out.getvalue()


def images_on(path: Path) -> int:
    from pypdf import PdfReader

    count = 0
    for page in PdfReader(str(path)).pages:
        xobjects = page["/Resources"].get("/XObject", {})
        count += sum(1 for ref in xobjects.values() if ref.get_object()["/Subtype"] == "/Image")
    return count


def report(students: int, name: str = "Student") -> ActivityReportData:
    lines = tuple(StudentLine(f"{name} {n:03}", "On track", 40.0 + n % 60, "91%", n % 8, 8)
                  for n in range(students))
    return ActivityReportData(ReportHead("Riverside Academy", date(2026, 12, 1), "Whole term"), "Chess Club",
                              "Clubs", ("Tina Teacher",), "", students, students - 2, 1, 1, 91.0, 62.5, lines)


@pytest.fixture
def chess_ticked(school: School) -> School:
    """Chess Club with two milestones; Sam has done the first."""
    s = school.services
    first = s.milestones.create_milestone(school.admin, school.chess, title="Opening principles", points=10)
    s.milestones.create_milestone(school.admin, school.chess, title="Endgame basics", points=10)
    s.milestones.complete_milestone(school.admin, first.id, school.student.id)
    return school


def test_activity_report_lists_figures_and_every_student(chess_ticked: School, tmp_path: Path) -> None:
    school = chess_ticked
    data = activity_report_data(school.services.db, school.admin, school.chess)
    out = tmp_path / "chess.pdf"
    write_activity_report(out, data)
    text = text_of(out)
    assert "Activity report" in text and "Chess Club" in text and "Led by Tina Teacher" in text
    assert "Enrolled" in text and "Average progress" in text
    for name in ("Sam Student", "Olga Other"):
        assert name in text
    sam = next(line for line in text.splitlines() if "Sam Student" in line)
    assert "1 of 2" in sam  # milestones done of total
    assert "Whole term" in text and "Page 1 of 1" in text
    assert (data.enrolled, data.active) == (2, 2)


def test_a_long_table_flows_over_pages_with_its_header_and_page_numbers(tmp_path: Path) -> None:
    out = tmp_path / "big.pdf"
    write_activity_report(out, report(140))
    text, pages = text_of(out), pages_of(out)
    assert pages >= 3
    assert f"Page {pages} of {pages}" in text and f"Page 2 of {pages}" in text
    assert text.count("Standing") >= pages - 1  # the header row repeats on the table's pages
    assert "Student 000" in text and "Student 139" in text


def test_names_with_markup_characters_print_as_typed(tmp_path: Path) -> None:
    out = tmp_path / "amp.pdf"
    data = replace(report(2, name="Tom & <Jerry>"), activity="R&D <Club>")
    write_activity_report(out, data)
    text = text_of(out)
    assert "Tom & <Jerry> 000" in text and "R&D <Club>" in text


def test_charts_are_embedded_when_given_and_left_out_otherwise(tmp_path: Path) -> None:
    plain, charted = tmp_path / "plain.pdf", tmp_path / "charted.pdf"
    write_activity_report(plain, report(3))
    write_activity_report(charted, report(3), charts={"progress_histogram": png(1), "weekly_attendance": png(2),
                                                      "unknown": png(3)})
    assert images_on(plain) == 0
    assert images_on(charted) == 2
    assert "Progress distribution" in text_of(charted) and "Weekly attendance" in text_of(charted)


def test_a_cancelled_report_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "cancelled.pdf"
    with pytest.raises(Cancelled):
        write_activity_report(out, report(5), cancelled=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_student_report_has_each_activity_milestones_done_and_missing(chess_ticked: School, tmp_path: Path) -> None:
    school = chess_ticked
    data = student_report_data(school.services.db, school.admin, school.student.id)
    out = tmp_path / "sam.pdf"
    write_student_report(out, data, charts={"student_progress": png()})
    text = text_of(out)
    assert "Student progress report" in text and "Sam Student" in text and "Grade 7" in text
    assert "Chess Club" in text
    done = text.index("Milestones done")
    missing = text.index("Milestones still needed")
    assert done < text.index("Opening principles") < missing < text.index("Endgame basics")
    assert images_on(out) == 1 and "Page 1 of 1" in text


def test_the_period_narrows_what_is_dated(chess_ticked: School) -> None:
    school = chess_ticked
    data = student_report_data(school.services.db, school.admin, school.student.id,
                               date(2000, 1, 1), date(2000, 12, 31))
    assert data.head.period == period_text(date(2000, 1, 1), date(2000, 12, 31)) == "1 January 2000 – 31 December 2000"
    assert data.activities[0].milestones_done == ()  # ticked today, outside the period
    assert data.activities[0].milestones_missing == ("Endgame basics",)


def test_reports_follow_the_policy(school: School) -> None:
    db = school.services.db
    with pytest.raises(PermissionDenied):
        activity_report_data(db, school.other_teacher, school.chess)
    with pytest.raises(PermissionDenied):
        activity_report_data(db, school.student, school.chess)
    with pytest.raises(PermissionDenied):
        student_report_data(db, school.other_student, school.student.id)
    teacher_view = student_report_data(db, school.other_teacher, school.other_student.id)
    assert [a.activity for a in teacher_view.activities] == ["Drama"]  # a lead sees their activities only
