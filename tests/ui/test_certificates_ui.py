"""Certificates in the GUI (issue 11): the Verify dialog, an activity's Certificates tab, and the
certificate folder in Settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from sqlalchemy import update

from tracker.db.models import Activity
from tracker.services.certificates import CertificateInfo
from ui.context import AppContext
from ui.dialogs.settings import SettingsDialog
from ui.dialogs.verify_dialog import VerifyDialog
from ui.main_window import MainWindow
from ui.views.activity_certificates import CertificatesModel, CertificatesTab
from ui.views.activity_detail import ActivityDetailPage
from ui.widgets.style import colour

from ..conftest import School
from .conftest import settle


@pytest.fixture(autouse=True)
def certificate_folder(school: School, tmp_path: Path) -> Path:
    """Certificates are written into the test's own folder, never beside a real database."""
    folder = tmp_path / "certificates"
    folder.mkdir()
    school.services.settings.update(school.admin, certificate_folder=str(folder))
    return folder


def complete(school: School, student_id: int) -> None:
    """The student completes chess: the completion issues the certificate."""
    school.services.enrollment.set_completed_by_hand(school.admin, school.chess, student_id, "finished")


def certificate_of(school: School, student_id: int) -> CertificateInfo:
    return school.services.certificates.list_for_student(school.admin, student_id)[0]


# --------------------------------------------------------------------------- Verify dialog
def verify_dialog(qtbot, ctx: AppContext) -> VerifyDialog:  # type: ignore[no-untyped-def]
    dialog = VerifyDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def check(qtbot, ctx: AppContext, dialog: VerifyDialog, text: str) -> None:  # type: ignore[no-untyped-def]
    dialog.input.clear()
    qtbot.keyClicks(dialog.input, text)
    qtbot.keyClick(dialog.input, Qt.Key.Key_Return)
    settle(qtbot, ctx)


def test_a_student_verifies_their_certificate_by_its_code_and_sees_valid_in_green(qtbot, make_ctx, school):
    complete(school, school.student.id)
    cert = certificate_of(school, school.student.id)
    ctx = make_ctx(school.student)  # anyone signed in may verify
    dialog = verify_dialog(qtbot, ctx)
    check(qtbot, ctx, dialog, cert.code.lower())
    assert dialog.status.text() == "VALID"
    assert colour("OK").name() in dialog.status.styleSheet()
    assert dialog.details["student"].full_text() == "Sam Student"
    assert dialog.details["activity"].full_text() == cert.activity
    assert dialog.details["serial"].full_text() == cert.serial
    assert dialog.details["reason"].full_text() == "—"
    assert dialog.details["issued_at"].full_text() not in ("", "—")


def test_a_revoked_certificate_shows_amber_with_the_reason(qtbot, ctx, school):
    complete(school, school.student.id)
    cert = certificate_of(school, school.student.id)
    school.services.certificates.revoke(school.admin, cert.serial, reason="Issued by mistake")
    dialog = verify_dialog(qtbot, ctx)
    check(qtbot, ctx, dialog, cert.code)
    assert dialog.status.text() == "REVOKED"
    assert colour("WARN").name() in dialog.status.styleSheet()
    assert "Issued by mistake" in dialog.details["reason"].full_text()


def test_an_unknown_code_shows_red_and_a_bad_pdf_is_invalid(qtbot, ctx, school, tmp_path):
    dialog = verify_dialog(qtbot, ctx)
    check(qtbot, ctx, dialog, "ZZZZZZZZZZ")
    assert dialog.status.text() == "UNKNOWN"
    assert colour("RISK").name() in dialog.status.styleSheet()
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"%PDF-1.4 not a certificate")
    dialog.input.setText(str(fake))
    dialog.verify()
    settle(qtbot, ctx)
    assert dialog.status.text() == "INVALID"
    assert dialog.details["student"].full_text() == "—"


def test_the_certificate_pdf_itself_verifies(qtbot, ctx, school, certificate_folder):
    complete(school, school.student.id)
    pdfs = list(certificate_folder.glob("*.pdf"))
    assert len(pdfs) == 1
    dialog = verify_dialog(qtbot, ctx)
    dialog.input.setText(str(pdfs[0]))
    dialog.verify()
    settle(qtbot, ctx)
    assert dialog.status.text() == "VALID"
    assert dialog.details["student"].full_text() == "Sam Student"


def test_help_menu_opens_the_verify_dialog_for_a_parent(qtbot, make_ctx, school):
    window = MainWindow(make_ctx(school.parent), persist=False)
    qtbot.addWidget(window)
    assert window.verify_action in window.help_menu.actions()
    window.verify_action.trigger()
    dialogs = window.findChildren(VerifyDialog)
    assert dialogs and dialogs[0].isVisible()
    assert dialogs[0].windowTitle() == "Verify a certificate"


# --------------------------------------------------------------------------- Certificates tab
def certificates_tab(qtbot, ctx: AppContext, school: School) -> CertificatesTab:  # type: ignore[no-untyped-def]
    tab = CertificatesTab(ctx, school.chess)
    qtbot.addWidget(tab)
    tab.resize(1000, 600)
    tab.show()  # a tab reads when first shown
    settle(qtbot, ctx)
    return tab


def texts(tab: CertificatesTab, column: int) -> list[str]:
    return [tab.model.index(r, column).data() for r in range(tab.model.rowCount())]


def test_the_tab_lists_the_activity_certificates_with_status(qtbot, ctx, school):
    complete(school, school.student.id)
    tab = certificates_tab(qtbot, ctx, school)
    cert = certificate_of(school, school.student.id)
    assert texts(tab, CertificatesModel.STUDENT) == ["Sam Student"]
    assert texts(tab, CertificatesModel.SERIAL) == [cert.serial]
    assert texts(tab, CertificatesModel.CODE) == [cert.code]
    assert texts(tab, CertificatesModel.STATUS) == ["Valid"]
    assert tab.counts.text() == "1 certificate, 1 valid"
    assert not tab.revoke_action.isEnabled()  # nothing selected yet
    tab.table.selectRow(0)
    assert tab.revoke_action.isEnabled() and tab.reissue_action.isEnabled() and tab.open_action.isEnabled()


def test_the_tab_is_shown_to_admins_and_not_to_students(qtbot, make_ctx, school):
    admin_page = ActivityDetailPage(make_ctx(school.admin), school.chess)
    qtbot.addWidget(admin_page)
    assert admin_page.certificates is not None
    titles = [admin_page.tabs.tabText(i) for i in range(admin_page.tabs.count())]
    assert "Certificates" in titles
    student_page = ActivityDetailPage(make_ctx(school.student), school.chess)
    qtbot.addWidget(student_page)
    assert student_page.certificates is None
    assert "Certificates" not in [student_page.tabs.tabText(i) for i in range(student_page.tabs.count())]


def test_a_teacher_who_does_not_lead_the_activity_is_told_why_nothing_shows(qtbot, make_ctx, school):
    complete(school, school.student.id)
    ctx = make_ctx(school.other_teacher)
    tab = certificates_tab(qtbot, ctx, school)
    assert tab.model.rowCount() == 0
    assert tab.counts.text() == ("The certificates could not be loaded: "
                                 "You may not issue certificates for this activity.")
    assert not tab.revoke_action.isEnabled()


def test_revoke_asks_for_a_reason_and_the_row_turns_revoked(qtbot, ctx, school):
    complete(school, school.student.id)
    tab = certificates_tab(qtbot, ctx, school)
    tab.table.selectRow(0)
    tab.revoke_action.trigger()
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.ok.isEnabled()  # a revocation needs a reason
    qtbot.keyClicks(dialog.reason, "Wrong student")
    assert dialog.ok.isEnabled()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert texts(tab, CertificatesModel.STATUS) == ["Revoked"]
    assert texts(tab, CertificatesModel.REASON) == ["Wrong student"]
    assert tab.model.index(0, CertificatesModel.REASON).data(Qt.ItemDataRole.ToolTipRole) == "Wrong student"
    assert "revoked" in tab.message.text()
    assert not tab.revoke_action.isEnabled()


def test_reissue_gives_a_new_serial_and_supersedes_the_old(qtbot, ctx, school):
    complete(school, school.student.id)
    old = certificate_of(school, school.student.id)
    tab = certificates_tab(qtbot, ctx, school)
    tab.table.selectRow(0)
    tab.reissue_action.trigger()
    assert tab.dialog is not None
    tab.dialog.reason.setText("Name corrected")
    tab.dialog.ok.click()
    settle(qtbot, ctx)
    assert sorted(texts(tab, CertificatesModel.STATUS)) == ["Superseded", "Valid"]
    new = certificate_of(school, school.student.id)
    assert new.serial != old.serial
    assert f"reissued as {new.serial}" in tab.message.text()


def test_cancelling_the_reason_changes_nothing(qtbot, ctx, school):
    complete(school, school.student.id)
    tab = certificates_tab(qtbot, ctx, school)
    tab.table.selectRow(0)
    tab.revoke_action.trigger()
    assert tab.dialog is not None
    tab.dialog.reject()
    settle(qtbot, ctx)
    assert texts(tab, CertificatesModel.STATUS) == ["Valid"]


def test_issue_for_completed_students_says_how_many_and_offers_the_folder(qtbot, ctx, school, certificate_folder):
    with school.services.db.session_factory() as s, s.begin():  # completions that issue nothing by themselves
        s.execute(update(Activity).where(Activity.id == school.chess).values(certificate_on_completion=False))
    complete(school, school.student.id)
    complete(school, school.other_student.id)
    tab = certificates_tab(qtbot, ctx, school)
    assert tab.model.rowCount() == 0
    assert "No certificates yet" in tab.counts.text()
    qtbot.mouseClick(tab.issue_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert tab.model.rowCount() == 2
    box = tab.message_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text().startswith("2 certificates issued")
    assert any(b.text() == "Open folder" for b in box.findChildren(QPushButton))
    assert len(list(certificate_folder.glob("*.pdf"))) == 2
    box.close()
    qtbot.mouseClick(tab.issue_button, Qt.MouseButton.LeftButton)  # again: nobody is missing one
    settle(qtbot, ctx)
    assert tab.model.rowCount() == 2
    assert tab.message_box is not None
    assert "already has a certificate" in tab.message_box.text()


def test_the_tab_follows_a_completion_made_elsewhere(qtbot, ctx, school):
    tab = certificates_tab(qtbot, ctx, school)
    assert tab.model.rowCount() == 0
    from ui.ops import WriteOp

    enrollment, admin, chess, sid = school.services.enrollment, school.admin, school.chess, school.student.id
    WriteOp(None, ctx, lambda state: enrollment.set_completed_by_hand(admin, chess, sid, "done")).run_in_background()
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1)
    settle(qtbot, ctx)
    assert texts(tab, CertificatesModel.STUDENT) == ["Sam Student"]


# --------------------------------------------------------------------------- Settings
def test_the_certificate_folder_is_shown_and_saved(qtbot, ctx, school, certificate_folder, tmp_path):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    assert dialog.certificate_folder.text() == str(certificate_folder)
    assert dialog.certificate_folder.placeholderText() == "Beside the database file"
    dialog.certificate_folder.setText(str(tmp_path / "printed"))
    with qtbot.waitSignal(dialog.accepted):
        assert dialog.save()
    settle(qtbot, ctx)
    assert school.services.settings.get().certificate_folder == str(tmp_path / "printed")
