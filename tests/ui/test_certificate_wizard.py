"""The certificate wizard (issue 11): activity → students → template with the live preview →
folder → writing with progress and Cancel → summary with Open folder, Print… (one job) and Save
as one PDF…; and where it opens from (the dashboard, the roster, the Certificates tab)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWizard
from sqlalchemy import update

import ui.printing as printing
from tracker.db.models import Activity
from tracker.domain.enums import Role
from tracker.services.people import UserInput
from ui.context import AppContext
from ui.dialogs import alive
from ui.dialogs.certificate_wizard import CertificateWizard, open_certificate_wizard
from ui.dialogs.certificate_wizard_design import folder_problem
from ui.models.certificate_wizard import StudentChoiceModel

from ..conftest import School
from .conftest import lp_at, settle, show_page

NEXT, BACK, CANCEL, FINISH = (QWizard.WizardButton.NextButton, QWizard.WizardButton.BackButton,
                              QWizard.WizardButton.CancelButton, QWizard.WizardButton.FinishButton)
WRITING = 60_000  # ms: thirty certificates on every core (worker processes start first)


@pytest.fixture(autouse=True)
def certificate_folder(school: School, tmp_path: Path) -> Path:
    """The school's certificate folder is the test's own; completions issue nothing by themselves,
    so the certificates wait for the wizard."""
    folder = tmp_path / "certificates"
    school.services.settings.update(school.admin, certificate_folder=str(folder))
    with school.services.db.session_factory() as s, s.begin():
        s.execute(update(Activity).values(certificate_on_completion=False))
    return folder


@pytest.fixture
def wizards() -> Iterator[list[CertificateWizard]]:
    """Wizards the test opened without a parent, closed at the end."""
    opened: list[CertificateWizard] = []
    yield opened
    for wizard in opened:
        if alive(wizard):
            wizard.done(0)


def complete(school: School, *student_ids: int) -> None:
    school.services.progress.override_progress_for(school.admin, school.chess, list(student_ids),
                                                   status="completed", note="finished")


def completed_class(school: School, n: int) -> list[int]:
    """``n`` more students in chess, all completed (Sam stays active)."""
    ids = [school.services.people.create_user(school.admin, UserInput(
        f"pupil{i:02d}", f"Pupil {i:02d} Ångström", Role.STUDENT)).id for i in range(n)]
    school.services.enrollment.enroll(school.admin, school.chess, ids)
    complete(school, *ids)
    return ids


def wizard_for(qtbot, ctx: AppContext, wizards: list[CertificateWizard], **kw) -> CertificateWizard:  # type: ignore[no-untyped-def]
    wizard = open_certificate_wizard(None, ctx, **kw)
    wizards.append(wizard)
    settle(qtbot, ctx)
    return wizard


def click(qtbot, wizard: QWizard, which: QWizard.WizardButton) -> None:  # type: ignore[no-untyped-def]
    button = wizard.button(which)
    qtbot.waitUntil(button.isEnabled)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def ticked(wizard: CertificateWizard) -> set[str]:
    return {c.name for c in wizard.students_page.model.checked()}


def row_of(model: StudentChoiceModel, name: str) -> int:
    return model.row_of(lambda c: c.name == name)


def to_output(qtbot, ctx: AppContext, wizard: CertificateWizard) -> None:  # type: ignore[no-untyped-def]
    """From the students page to the folder page, its folder checked (Generate enabled)."""
    click(qtbot, wizard, NEXT)
    settle(qtbot, ctx)
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.output_page
    qtbot.waitUntil(lambda: wizard.button(NEXT).isEnabled())


# --------------------------------------------------------------------------- every page
def test_every_page_in_order_and_back(qtbot, ctx, school, wizards, certificate_folder):
    ids = completed_class(school, 3)
    wizard = wizard_for(qtbot, ctx, wizards)
    assert wizard.currentPage() is wizard.activity_page
    page = wizard.activity_page
    assert page.model.record(page.table.currentIndex().row()).activity == "Chess Club"  # the most waiting
    assert page.note.full_text() == "2 activities; 3 completed students without a certificate"
    assert not wizard.button(BACK).isVisible()  # nothing before the first page

    click(qtbot, wizard, NEXT)
    settle(qtbot, ctx)
    assert wizard.currentPage() is wizard.students_page
    assert wizard.students_page.heading.full_text() == "Chess Club"
    assert ticked(wizard) == {"Pupil 00 Ångström", "Pupil 01 Ångström", "Pupil 02 Ångström"}
    assert wizard.students_page.count.full_text() == "3 certificates will be issued"
    click(qtbot, wizard, BACK)
    assert wizard.currentPage() is wizard.activity_page
    click(qtbot, wizard, NEXT)
    assert len(ticked(wizard)) == 3  # the ticks are kept

    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.template_page
    with qtbot.waitSignal(wizard.template_page.preview.rendered, timeout=10_000):
        pass
    assert wizard.template_page.combo.currentText() == "classic"
    assert wizard.template_page.caption.full_text() == "The certificate of Pupil 00 Ångström, as it will print"

    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.output_page
    qtbot.waitUntil(lambda: wizard.output_page.folder.text() == str(certificate_folder))
    assert wizard.button(NEXT).text() == "Generate"
    names = [wizard.output_page.names.item(i).text() for i in range(wizard.output_page.names.count())]
    assert len(names) == 3 and names[0].startswith("Chess Club - Pupil 00 Ångström - ")
    click(qtbot, wizard, NEXT)  # Generate
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=WRITING)
    settle(qtbot, ctx)
    summary = wizard.summary_page
    assert summary.headline.full_text() == f"3 certificates written to {certificate_folder}"
    files = sorted(certificate_folder.glob("*.pdf"))
    assert len(files) == 3 and summary.files.count() == 3
    assert {summary.files.item(i).toolTip() for i in range(3)} == {str(f) for f in files}
    issued = school.services.certificates.list_for_activity(school.admin, school.chess)
    assert sorted(c.student_id for c in issued) == sorted(ids)

    click(qtbot, wizard, BACK)  # what was written stays said
    assert wizard.currentPage() is wizard.generate_page
    assert wizard.generate_page.status.full_text() == "3 certificates written"
    click(qtbot, wizard, BACK)
    assert wizard.currentPage() is wizard.output_page
    click(qtbot, wizard, CANCEL)  # closes at once: nothing is being written
    assert not wizard.isVisible()


def test_an_activity_given_opens_on_its_students_and_back_leads_to_the_list(qtbot, make_ctx, school, wizards):
    completed_class(school, 2)
    ctx = make_ctx(school.teacher)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    assert wizard.currentPage() is wizard.students_page
    assert wizard.students_page.heading.full_text() == "Chess Club"
    click(qtbot, wizard, BACK)
    assert wizard.currentPage() is wizard.activity_page
    page = wizard.activity_page
    assert [r.activity for r in page.model.rows()] == ["Chess Club"]  # a teacher: what they lead


def test_the_keyboard_goes_through_the_wizard(qtbot, ctx, school, wizards):
    completed_class(school, 2)
    school.services.enrollment.set_completed_by_hand(school.admin, school.drama, school.other_student.id, "done")
    wizard = wizard_for(qtbot, ctx, wizards)
    wizard.activateWindow()
    table = wizard.activity_page.table
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert wizard.plan.activity == "Drama"
    qtbot.keyClick(table, Qt.Key.Key_Up)
    assert wizard.plan.activity == "Chess Club"
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.students_page
    settle(qtbot, ctx)
    assert wizard.students_page.table.hasFocus()
    qtbot.keyClick(wizard.students_page.table, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.template_page
    assert wizard.template_page.combo.hasFocus()
    settle(qtbot, ctx)


# --------------------------------------------------------------------------- students
def test_a_teacher_sees_who_is_missing_what_and_cannot_tick_them(qtbot, make_ctx, school, wizards):
    completed_class(school, 2)
    ctx = make_ctx(school.teacher)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    page, model = wizard.students_page, wizard.students_page.model
    assert not page.force.isVisibleTo(page)
    sam = row_of(model, "Sam Student")
    assert model.index(sam, model.STATUS).data() == "Active · 0%"
    assert model.index(sam, model.MISSING).data() != "—"
    assert model.index(sam, model.NAME).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert not model.flags(model.index(sam, model.NAME)) & Qt.ItemFlag.ItemIsEnabled
    assert "has not completed" in model.index(sam, model.NAME).data(Qt.ItemDataRole.ToolTipRole)
    assert not model.setData(model.index(sam, model.NAME), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    # the completed ones come first, ticked; Space unticks the selected one, and ticks it again
    first = model.record(0)
    assert first.completed and first.name in ticked(wizard)
    page.table.setFocus()
    page.table.selectRow(0)
    qtbot.keyClick(page.table, Qt.Key.Key_Space)
    assert first.name not in ticked(wizard)
    assert page.count.full_text() == "1 certificate will be issued"
    qtbot.keyClick(page.table, Qt.Key.Key_Space)
    assert first.name in ticked(wizard)


def test_select_all_and_none_and_the_count(qtbot, ctx, school, wizards):
    completed_class(school, 3)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    page = wizard.students_page
    qtbot.mouseClick(page.none_button, Qt.MouseButton.LeftButton)
    assert ticked(wizard) == set() and page.count.full_text() == "Nobody is ticked yet."
    assert not wizard.button(NEXT).isEnabled()
    qtbot.mouseClick(page.all_button, Qt.MouseButton.LeftButton)
    assert len(ticked(wizard)) == 3 and "Sam Student" not in ticked(wizard)  # only those who completed
    assert page.count.full_text() == "3 certificates will be issued"
    assert wizard.button(NEXT).isEnabled()


def test_an_admin_may_issue_even_though_not_completed(qtbot, ctx, school, wizards, certificate_folder):
    completed_class(school, 1)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    page, model = wizard.students_page, wizard.students_page.model
    assert page.force.isVisibleTo(page)
    sam = row_of(model, "Sam Student")
    assert not model.flags(model.index(sam, model.NAME)) & Qt.ItemFlag.ItemIsUserCheckable
    page.force.click()
    assert model.flags(model.index(sam, model.NAME)) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.setData(model.index(sam, model.NAME), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert "Sam Student" in ticked(wizard)
    to_output(qtbot, ctx, wizard)
    click(qtbot, wizard, NEXT)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=WRITING)
    certificates = school.services.certificates.list_for_student(school.admin, school.student.id)
    assert [c.activity for c in certificates] == ["Chess Club"]
    page.force.click()  # off again: Sam cannot stay ticked
    assert "Sam Student" not in ticked(wizard)


def test_the_roster_selection_is_what_is_ticked(qtbot, make_ctx, school, wizards):
    ids = completed_class(school, 3)
    ctx = make_ctx(school.teacher)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess, student_ids=[ids[1], school.student.id])
    assert ticked(wizard) == {"Pupil 01 Ångström"}
    assert wizard.students_page.message.full_text() == (
        "1 selected student cannot be ticked: only those who completed the activity get a certificate.")


def test_a_student_already_holding_one_is_not_ticked_and_says_so(qtbot, ctx, school, wizards, tmp_path):
    ids = completed_class(school, 2)
    [held] = school.services.certificates.issue(school.admin, school.chess, [ids[0]], out_dir=tmp_path)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    model = wizard.students_page.model
    row = row_of(model, "Pupil 00 Ångström")
    assert model.index(row, model.CERTIFICATE).data() == held.serial
    assert held.serial in model.index(row, model.CERTIFICATE).data(Qt.ItemDataRole.ToolTipRole)
    assert ticked(wizard) == {"Pupil 01 Ångström"}
    model.set_checked([ids[0], ids[1]])
    assert wizard.students_page.count.full_text() == "2 certificates will be written (1 already issued: same serial)"


def test_a_long_activity_name_is_elided_with_the_whole_in_its_tooltip(qtbot, ctx, school, wizards):
    long_name = ("The Riverside Academy Saturday Morning Chess, Go and Strategy Games Club for Beginners " * 2).strip()
    with school.services.db.session_factory() as s, s.begin():
        s.execute(update(Activity).where(Activity.id == school.chess).values(name=long_name))
    completed_class(school, 1)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    wizard.show()
    wizard.resize(700, 520)
    heading = wizard.students_page.heading
    qtbot.waitUntil(lambda: heading.text() != long_name)
    assert heading.text().endswith("…") and heading.toolTip() == long_name
    assert heading.fontMetrics().horizontalAdvance(heading.text()) <= heading.width()


def test_the_wizard_fits_a_1024_by_768_screen(qtbot, ctx, school, wizards):
    wizard = wizard_for(qtbot, ctx, wizards)
    minimum = wizard.minimumSize().expandedTo(wizard.minimumSizeHint())
    assert minimum.width() <= 1024 and minimum.height() + 32 <= 768  # with a title bar
    assert wizard.width() <= 1024 and wizard.height() + 32 <= 768


# --------------------------------------------------------------------------- template
def test_changing_the_template_renders_the_preview_again(qtbot, ctx, school, wizards):
    completed_class(school, 1)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    preview = wizard.template_page.preview
    with qtbot.waitSignal(preview.rendered, timeout=10_000):
        click(qtbot, wizard, NEXT)
    classic = preview.image
    assert classic is not None
    assert wizard.template_page.about.full_text() == "classic design, A4 landscape"
    with qtbot.waitSignal(preview.rendered, timeout=10_000) as drawn:
        wizard.template_page.combo.setCurrentText("modern")
    assert drawn.args[0] < 2_000  # milliseconds from the choice to the page on screen
    assert preview.image is not None and preview.image != classic
    assert wizard.template_page.about.full_text().startswith("modern design")
    to_output_page = wizard.button(NEXT)
    qtbot.mouseClick(to_output_page, Qt.MouseButton.LeftButton)
    assert wizard.plan.template == "modern"


# --------------------------------------------------------------------------- folder
def test_a_folder_that_cannot_be_written_is_said_and_generate_waits(qtbot, ctx, school, wizards, tmp_path):
    completed_class(school, 1)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    to_output(qtbot, ctx, wizard)
    page = wizard.output_page
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    page.folder.setText(str(a_file / "certificates"))
    qtbot.waitUntil(lambda: page.problem.full_text() != "")
    assert page.problem.full_text().startswith("This folder cannot be written")
    assert not wizard.button(NEXT).isEnabled()
    page.folder.setText("relative/folder")
    qtbot.waitUntil(lambda: "whole path" in page.problem.full_text())
    page.folder.setText(str(tmp_path / "new" / "folder"))  # made when written
    qtbot.waitUntil(lambda: wizard.button(NEXT).isEnabled())
    assert page.problem.full_text() == ""


def test_folder_problems_in_plain_words(tmp_path):
    assert folder_problem("") == "Choose the folder the certificates are written into."
    assert folder_problem(str(tmp_path)) is None
    assert folder_problem(str(tmp_path / "a" / "b")) is None
    (tmp_path / "f").write_text("x")
    assert folder_problem(str(tmp_path / "f")) == f"{tmp_path / 'f'} is a file, not a folder."


# --------------------------------------------------------------------------- writing
def test_cancel_stops_after_the_files_being_written_and_leaves_only_whole_pdfs(
        qtbot, ctx, school, wizards, certificate_folder):
    completed_class(school, 30)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    to_output(qtbot, ctx, wizard)
    click(qtbot, wizard, NEXT)
    page = wizard.generate_page
    assert page.running and not wizard.button(BACK).isEnabled()  # no going back while writing
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running, timeout=WRITING)
    settle(qtbot, ctx)
    assert wizard.currentPage() is page  # stays, saying how many were written
    files = sorted(certificate_folder.iterdir())
    assert 0 <= len(files) < 30
    assert page.status.full_text() == f"Stopped: {len(files)} of 30 certificates written"
    for f in files:  # no temporary or half-written file: each one a whole certificate
        assert f.suffix == ".pdf" and len(PdfReader(f).pages) == 1
    assert wizard.button(BACK).isEnabled()
    click(qtbot, wizard, NEXT)
    assert wizard.summary_page.files.count() == len(files)


def test_closing_while_writing_asks_then_closes_once_stopped(qtbot, ctx, school, wizards, monkeypatch):
    completed_class(school, 12)
    asked: list[str] = []

    def answer(parent, title, text, *args):  # type: ignore[no-untyped-def]
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    click(qtbot, wizard, CANCEL)  # nothing is written on the students page: no question
    assert asked == [] and not wizard.isVisible()

    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    to_output(qtbot, ctx, wizard)
    click(qtbot, wizard, NEXT)
    assert wizard.generate_page.running
    with qtbot.waitSignal(wizard.finished, timeout=WRITING):
        qtbot.mouseClick(wizard.button(CANCEL), Qt.MouseButton.LeftButton)
    assert asked == ["Stop writing certificates?"]
    settle(qtbot, ctx)


# --------------------------------------------------------------------------- summary
@pytest.fixture
def summary(qtbot, ctx, school, wizards) -> CertificateWizard:  # type: ignore[no-untyped-def]
    """A wizard on its summary, having written three certificates."""
    completed_class(school, 3)
    wizard = wizard_for(qtbot, ctx, wizards, activity_id=school.chess)
    to_output(qtbot, ctx, wizard)
    click(qtbot, wizard, NEXT)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=WRITING)
    settle(qtbot, ctx)
    return wizard


def test_open_folder_shows_the_folder(qtbot, summary, certificate_folder, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.mouseClick(summary.summary_page.open_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(certificate_folder))]


def test_save_as_one_pdf_has_every_certificate(qtbot, ctx, summary, tmp_path, monkeypatch):
    target = tmp_path / "kept" / "Chess Club certificates"
    (tmp_path / "kept").mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF files (*.pdf)"))
    page = summary.summary_page
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    saved = target.with_name(target.name + ".pdf")
    qtbot.waitUntil(lambda: page.message.full_text() == f"3 certificates saved in {saved}")
    assert len(PdfReader(saved).pages) == 3
    text = subprocess.run(["pdftotext", str(saved), "-"], check=True, capture_output=True, text=True).stdout
    for name in ("Pupil 00 Ångström", "Pupil 01 Ångström", "Pupil 02 Ångström"):
        assert name in text.splitlines()
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]  # no temporary file left


# --------------------------------------------------------------------------- the click budget
class FakePrintDialog:
    """The print dialog, where the user presses Print (a click), as QPrintDialog is used."""

    clicks: list[str] = []

    def __init__(self, printer, parent=None) -> None:  # type: ignore[no-untyped-def]
        self.printer = printer

    def setWindowTitle(self, title: str) -> None:  # noqa: N802 - Qt's name
        self.title = title

    def exec(self) -> QDialog.DialogCode:
        FakePrintDialog.clicks.append("Print")
        return QDialog.DialogCode.Accepted


def test_thirty_certificates_from_the_dashboard_to_the_printer_in_six_clicks(
        qtbot, make_ctx, school, monkeypatch, tmp_path):
    from ui.views.dashboard import DashboardPage

    completed_class(school, 30)
    jobs: list[tuple[list[str], int]] = []

    def spool(command, **kw):  # type: ignore[no-untyped-def]
        jobs.append((command, len(PdfReader(command[-1]).pages)))  # the pages the printer gets
        return subprocess.CompletedProcess(command, 0, "", "")

    FakePrintDialog.clicks = []
    monkeypatch.setattr(printing, "QPrintDialog", FakePrintDialog)
    monkeypatch.setattr(printing.shutil, "which", lp_at("/usr/bin/lp"))
    monkeypatch.setattr(printing.subprocess, "run", spool)
    ctx = make_ctx(school.teacher)
    page = show_page(qtbot, ctx, DashboardPage(ctx))
    clicks = 0

    def press(button) -> None:  # type: ignore[no-untyped-def]
        nonlocal clicks
        qtbot.waitUntil(lambda: button.isEnabled() and button.isVisible(), timeout=WRITING)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        clicks += 1

    card = page.staff.certificates
    [issue] = card.buttons()
    assert issue.text() == "Chess Club: 30 to issue — Issue…"
    press(issue)  # 1
    wizard = page.certificate_wizard
    assert isinstance(wizard, CertificateWizard)
    settle(qtbot, ctx)
    assert wizard.students_page.count.full_text() == "30 certificates will be issued"
    press(wizard.button(NEXT))  # 2: the template
    press(wizard.button(NEXT))  # 3: the folder
    press(wizard.button(NEXT))  # 4: Generate
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=WRITING)
    press(wizard.summary_page.print_button)  # 5, then the print dialog's Print: 6
    qtbot.waitUntil(lambda: bool(jobs), timeout=WRITING)
    assert clicks + len(FakePrintDialog.clicks) <= 6
    assert len(jobs) == 1 and jobs[0][1] == 30  # one job carrying the thirty certificates
    assert wizard.summary_page.message.full_text() == "30 certificates sent to the printer as one job."
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: not card.isVisible())  # nothing waits any more: the card goes
    wizard.done(0)


# --------------------------------------------------------------------------- where it opens from
def test_the_certificates_tab_opens_the_wizard_on_its_activity(qtbot, make_ctx, school):
    from ui.views.activity_certificates import CertificatesTab

    completed_class(school, 2)
    ctx = make_ctx(school.teacher)
    tab = CertificatesTab(ctx, school.chess)
    qtbot.addWidget(tab)
    tab.resize(1000, 600)
    tab.show()
    settle(qtbot, ctx)
    assert tab.wizard_button.text() == "Certificate wizard…"
    assert tab.issue_button.isVisible()  # the one-go issue stays
    qtbot.mouseClick(tab.wizard_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    wizard = tab.wizard
    assert isinstance(wizard, CertificateWizard) and wizard.isVisible()
    assert wizard.currentPage() is wizard.students_page
    assert wizard.students_page.heading.full_text() == "Chess Club" and len(ticked(wizard)) == 2
    wizard.done(0)


def test_the_roster_opens_the_wizard_with_the_selected_students(qtbot, make_ctx, school):
    from ui.views.activity_roster import RosterTab

    ids = completed_class(school, 3)
    ctx = make_ctx(school.teacher)
    tab = RosterTab(ctx, school.chess)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    settle(qtbot, ctx)
    assert tab.certificates_action.isVisible() and not tab.certificates_action.isEnabled()
    tab.select_student(school.student.id)  # active: nothing to issue for a teacher
    assert not tab.certificates_action.isEnabled()
    tab.select_student(ids[2])
    assert tab.certificates_action.isEnabled()
    tab.certificates_action.trigger()
    settle(qtbot, ctx)
    wizard = tab.wizard
    assert isinstance(wizard, CertificateWizard)
    assert ticked(wizard) == {"Pupil 02 Ångström"}
    wizard.done(0)


def test_students_and_parents_see_no_certificate_action(qtbot, make_ctx, school):
    from ui.views.dashboard import DashboardPage

    completed_class(school, 1)
    ctx = make_ctx(school.student)
    page = show_page(qtbot, ctx, DashboardPage(ctx))
    assert page.awaiting_reloader is None and page.staff is None


def test_the_dashboard_lists_each_activity_waiting_most_first(qtbot, ctx, school):
    from ui.views.dashboard import DashboardPage

    completed_class(school, 2)
    school.services.enrollment.set_completed_by_hand(school.admin, school.drama, school.other_student.id, "done")
    page = show_page(qtbot, ctx, DashboardPage(ctx), width=1400)
    card = page.staff.certificates
    assert card.isVisible()
    assert [b.text() for b in card.buttons()] == ["Chess Club: 2 to issue — Issue…", "Drama: 1 to issue — Issue…"]
    assert "2 of the 2 students who completed Chess Club" in card.buttons()[0].toolTip()


def test_the_wizard_models_pass_the_model_tester(qtmodeltester, school, tmp_path):
    from tracker.services.certificates import AwaitingCertificates
    from ui.models.certificate_wizard import AwaitingModel, student_choices

    completed_class(school, 2)
    school.services.certificates.issue(school.admin, school.chess, out_dir=tmp_path)
    rows = school.services.progress.activity_progress(school.admin, school.chess)
    model = StudentChoiceModel()
    model.set_rows(student_choices(rows, school.services.certificates.list_for_activity(school.admin, school.chess)))
    assert [c.has_file for c in model.rows() if c.completed] == [True, True]
    model.set_checked(c.student_id for c in model.rows())
    qtmodeltester.check(model)
    awaiting = AwaitingModel()
    awaiting.set_rows([AwaitingCertificates(1, "Chess Club", False, 3, 2),
                       AwaitingCertificates(2, "Old Club", True, 0, 0)])
    assert awaiting.index(1, awaiting.NAME).data() == "Old Club (archived)"
    qtmodeltester.check(awaiting)
