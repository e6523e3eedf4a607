"""Letters to parents (issue 14): the text read back with pdftotext, one letter per chosen
student, the standing filter, who may write them, and the CLI."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from tracker import cli
from tracker.domain.standing import Standing
from tracker.errors import NotFound, PermissionDenied, ValidationError
from tracker.reports.parent_letter import LetterData, Letterhead, letters_bytes

from ..conftest import School
from .letters_support import at_risk_in_chess


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "letters.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return out.stdout


def pages(pdf: bytes) -> list[str]:
    import io

    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def chess(school: School) -> School:
    return at_risk_in_chess(school)


def test_letter_says_progress_attendance_standing_milestones_note_and_signature(chess: School, tmp_path):
    s = chess.services
    pdf = s.letters.letters_pdf(chess.teacher, chess.chess, [chess.student.id], note="Sam shines at blitz.")
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Dear parent/carer of Sam Student," in text
    assert "Chess Club" in text and s.settings.get().school_name in text
    assert "Present at 1 of 4 sessions (25%)." in text
    assert "Sam Student is at risk of not completing Chess Club." in text
    assert "Absent the last 3 sessions" in text
    assert "Opening principles, due 3 November 2031" in text and "Endgame puzzles (optional)" in text
    assert "Sam shines at blitz." in text
    assert "Yours sincerely, Tina Teacher" in text
    assert "Page 1 of 1" in text
    assert f"{date.today().day} {date.today():%B %Y}" in text


def test_a_batch_is_one_pdf_with_one_letter_per_chosen_student(chess: School, tmp_path):
    s = chess.services
    pdf = s.letters.letters_pdf(chess.teacher, chess.chess, [chess.other_student.id, chess.student.id], note="")
    texts = pages(pdf)
    assert len(texts) == 2
    assert "Dear parent/carer of Olga Other" in texts[0]  # the students' name order
    assert "Dear parent/carer of Sam Student" in texts[1]
    assert "Opening principles" not in texts[0] and "Checkmate in two" in texts[0]  # Olga did the first
    assert "Present at 4 of 4 sessions (100%)" in texts[0]
    assert "A note from the teacher" not in texts[0]


def test_a_long_letter_numbers_its_own_pages(tmp_path):
    head = Letterhead("Hillside School", date(2026, 3, 2))
    long = LetterData("Sam Student", "Chess Club", 10.0, False, 1, 4, "25%", "at_risk", ("Absent",),
                      (), "Tina Teacher")
    short = LetterData("Olga Other", "Chess Club", 90.0, False, 4, 4, "100%", "on_track", ("Fine",), (), "")
    note = "\n".join(f"Line {n} of a long note." for n in range(60))
    footers = [" ".join(re.search(r"(\w+ \w+) · Chess Club (Page \d+ of \d+)$", t).groups())  # type: ignore[union-attr]
               for t in pages(letters_bytes(head, [long, short], note=note))]
    sam = [f for f in footers if f.startswith("Sam Student")]
    olga = [f for f in footers if f.startswith("Olga Other")]
    assert len(sam) >= 2 and len(sam) + len(olga) == len(footers)
    assert sam == [f"Sam Student Page {n} of {len(sam)}" for n in range(1, len(sam) + 1)]
    assert olga == [f"Olga Other Page {n} of {len(olga)}" for n in range(1, len(olga) + 1)]
    assert footers[len(sam)].startswith("Olga Other")  # the second letter starts on its own page


def test_standing_filter(chess: School):
    s = chess.services
    at_risk = s.letters.students_for(chess.teacher, chess.chess, standing="at-risk")
    assert [(st.name, st.standing) for st in at_risk] == [("Sam Student", Standing.AT_RISK)]
    assert {st.name for st in s.letters.students_for(chess.teacher, chess.chess)} == {"Sam Student", "Olga Other"}
    assert s.letters.students_for(chess.teacher, chess.chess, standing="completed") == []
    with pytest.raises(ValidationError, match="not a standing"):
        s.letters.students_for(chess.teacher, chess.chess, standing="sleepy")


def test_dropped_students_get_no_letter(chess: School):
    s = chess.services
    s.enrollment.drop(chess.admin, chess.chess, chess.student.id, "moved away", date.today())
    assert [st.name for st in s.letters.students_for(chess.admin, chess.chess)] == ["Olga Other"]
    with pytest.raises(ValidationError, match="not enrolled"):
        s.letters.letters_pdf(chess.admin, chess.chess, [chess.student.id])


def test_teacher_of_another_activity_is_refused(chess: School):
    s = chess.services
    with pytest.raises(PermissionDenied):
        s.letters.students_for(chess.other_teacher, chess.chess)
    with pytest.raises(PermissionDenied):
        s.letters.letters_pdf(chess.other_teacher, chess.chess, [chess.student.id])
    for reader in (chess.parent, chess.student):
        with pytest.raises(PermissionDenied):
            s.letters.letters_pdf(reader, chess.chess, [chess.student.id])
    assert s.letters.letters_pdf(chess.admin, chess.chess, [chess.student.id]).startswith(b"%PDF")


def test_unknown_activity_and_empty_choice(chess: School):
    s = chess.services
    with pytest.raises(NotFound):
        s.letters.students_for(chess.admin, 9999)
    with pytest.raises(ValidationError, match="at least one"):
        s.letters.letters_pdf(chess.teacher, chess.chess, [])


def test_a_name_the_font_cannot_draw_is_refused(tmp_path):
    head = Letterhead("Hillside School", date(2026, 3, 2))
    letter = LetterData("Sam 𓀀", "Chess Club", 10.0, False, 0, 0, "", "on_track", (), (), "")
    with pytest.raises(ValidationError, match="font cannot draw"):
        letters_bytes(head, [letter])


def test_cli_writes_the_letters_of_the_students_at_risk(chess: School, db_path, tmp_path, capsys):
    out = tmp_path / "at-risk.pdf"
    code = cli.main(["letters", "--db", str(db_path), "--activity", str(chess.chess), "--standing", "at-risk",
                     "--out", str(out), "--note", "Please call us.", "--json"])
    assert code == 0
    said = json.loads(capsys.readouterr().out)
    assert said["letters"] == 1 and said["students"][0]["name"] == "Sam Student"
    texts = pages(out.read_bytes())
    assert len(texts) == 1 and "Please call us." in texts[0]


def test_cli_refuses_nobody_to_write_to_and_other_teachers(chess: School, db_path, tmp_path, capsys,
                                                           monkeypatch):
    out = tmp_path / "none.pdf"
    assert cli.main(["letters", "--db", str(db_path), "--activity", str(chess.chess), "--standing", "completed",
                     "--out", str(out)]) == 1
    assert "No completed students" in capsys.readouterr().err
    assert not out.exists()
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("correct horse battery staple\n"))
    from ..conftest import PASSWORD

    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    assert cli.main(["letters", "--db", str(db_path), "--activity", str(chess.chess), "--out", str(out),
                     "--user", "otto", "--password-stdin"]) == 1
    assert "may not" in capsys.readouterr().err
    assert not out.exists()
