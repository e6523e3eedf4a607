"""The erase confirmation and "Everything about this student…" from the People page."""

from __future__ import annotations

import zipfile
from pathlib import Path

from PySide6.QtCore import Qt

from tests.conftest import School
from tests.ui.conftest import settle, show_page
from tracker.db.models import User
from tracker.db.uow import read_only
from ui.dialogs.privacy_dialogs import EraseDialog
from ui.views.people import PeoplePage


def _select(page: PeoplePage, name: str) -> None:
    row = next(r for r in range(page.proxy.rowCount()) if page.proxy.record(r).display_name == name)
    page.table.selectRow(row)


def test_erase_is_enabled_only_when_the_name_matches(qtbot, ctx, school: School) -> None:
    dialog = EraseDialog(ctx, school.student.id, "Sam Student")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.erase_button.isEnabled()
    qtbot.keyClicks(dialog.typed, "Sam Stud")
    assert not dialog.erase_button.isEnabled()
    qtbot.keyClicks(dialog.typed, "ent ")
    assert dialog.erase_button.isEnabled()
    erased: list[object] = []
    dialog.erased.connect(erased.append)
    qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert erased and not dialog.isVisible()
    with read_only(school.services.db) as s:
        assert s.get(User, school.student.id).display_name == f"Former student #{school.student.id}"  # type: ignore[union-attr]


def test_people_page_offers_the_privacy_actions_for_students(qtbot, ctx, school: School, tmp_path: Path) -> None:
    page = show_page(qtbot, ctx, PeoplePage(ctx))
    _select(page, "Tina Teacher")
    assert not page.erase_action.isEnabled() and not page.subject_access_action.isEnabled()
    _select(page, "Sam Student")
    assert page.erase_action.isEnabled() and page.subject_access_action.isEnabled()
    out = tmp_path / "sam.zip"
    page.subject_access(str(out))
    settle(qtbot, ctx)
    with zipfile.ZipFile(out) as z:
        assert set(z.namelist()) == {"student.json", "student.pdf"}
    dialog = page.erase_student()
    assert isinstance(dialog, EraseDialog) and dialog.isVisible()
    assert "Sam Student" in dialog.findChild(type(dialog.typed)).placeholderText()
    dialog.reject()
