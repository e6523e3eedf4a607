"""Reverting a completion offers to revoke the certificate it earned (issue 11)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QWidget

from tracker.services.certificates import CertificateStatus
from ui.notices import NoticeDesk
from ui.ops import WriteOp

from ..conftest import School
from .conftest import settle


def _revert(qtbot, ctx, school: School, window: QWidget) -> None:  # type: ignore[no-untyped-def]
    service, actor = ctx.services.progress, ctx.user
    WriteOp(window, ctx, lambda state: service.override_progress(
        actor, school.chess, school.student.id, status="active", note="ticked by mistake")).run_in_background()
    settle(qtbot, ctx)


def _desk(qtbot, ctx, school: School) -> tuple[QWidget, NoticeDesk, list[str], str]:  # type: ignore[no-untyped-def]
    school.services.enrollment.set_completed_by_hand(school.admin, school.chess, school.student.id, "done")
    [cert] = school.services.certificates.list_for_activity(school.admin, school.chess)
    window = QWidget()
    qtbot.addWidget(window)
    said: list[str] = []
    return window, NoticeDesk(ctx, window, said.append), said, cert.serial


def test_the_user_who_reverts_a_completion_may_revoke_its_certificate(qtbot, ctx, school: School) -> None:
    window, desk, said, serial = _desk(qtbot, ctx, school)
    _revert(qtbot, ctx, school, window)
    dialog = desk.dialog
    assert dialog is not None and dialog.isVisible()
    question = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Sam Student no longer has Chess Club completed" in question and serial in question
    assert not dialog.ok.isEnabled()  # a revocation needs a reason
    dialog.reason.setText("Completion was recorded by mistake")
    dialog.ok.click()
    settle(qtbot, ctx)
    assert school.services.certificates.verify(serial).status is CertificateStatus.REVOKED
    assert said == [f"Certificate {serial} revoked."]
    assert desk.dialog is None


def test_keeping_it_leaves_the_certificate_valid(qtbot, ctx, school: School) -> None:
    window, desk, said, serial = _desk(qtbot, ctx, school)
    _revert(qtbot, ctx, school, window)
    dialog = desk.dialog
    assert dialog is not None
    keep = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert keep.text() == "Keep it valid"
    keep.click()
    settle(qtbot, ctx)
    assert school.services.certificates.verify(serial).status is CertificateStatus.VALID
    assert said == [] and desk.dialog is None


def test_a_bulk_revert_asks_once_for_all_its_certificates(qtbot, ctx, school: School) -> None:
    ids = [school.student.id, school.other_student.id]
    for sid in ids:
        school.services.enrollment.set_completed_by_hand(school.admin, school.chess, sid, "done")
    serials = sorted(c.serial for c in school.services.certificates.list_for_activity(school.admin, school.chess))
    window = QWidget()
    qtbot.addWidget(window)
    said: list[str] = []
    desk = NoticeDesk(ctx, window, said.append)
    service, actor = ctx.services.progress, ctx.user
    WriteOp(window, ctx, lambda state: service.override_progress_for(
        actor, school.chess, ids, status="active", note="completed by mistake")).run_in_background()
    settle(qtbot, ctx)
    dialog = desk.dialog
    assert dialog is not None and dialog.windowTitle() == "Certificates still valid"
    question = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "2 students" in question and all(s in question for s in serials)
    assert dialog.ok.text() == "Revoke 2"
    dialog.reason.setText("Completions were recorded by mistake")
    dialog.ok.click()
    settle(qtbot, ctx)
    assert [school.services.certificates.verify(s).status for s in serials] == [CertificateStatus.REVOKED] * 2
    assert said == ["2 certificates revoked."] and desk.dialog is None
