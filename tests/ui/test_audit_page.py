"""An administrator reads the audit log on the Audit page: filters, the details pane, Load more,
the CSV export, and the Privacy tab's retention list."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt

from tests.conftest import School
from tests.ui.conftest import settle, show_page
from tracker.db.models import User
from tracker.db.uow import unit_of_work
from tracker.services.people import UserInput
from ui.views.audit import AuditModel, AuditPage
from ui.views.registry import pages_for


@pytest.fixture
def page(qtbot, ctx, school: School) -> AuditPage:  # type: ignore[no-untyped-def]
    s = school.services
    info = s.people.get_user(school.admin, school.student.id)
    s.people.update_user(school.admin, info.id, UserInput("sam", "Sam Smith", info.role, grade="7",
                                                          class_name="7B", student_number="S001"))
    s.milestones.create_milestone(school.teacher, school.chess, title="Opening", required=True)
    return show_page(qtbot, ctx, AuditPage(ctx))


def shown(page: AuditPage) -> list[str]:
    m = page.log.model
    return [m.data(m.index(r, AuditModel.RECORD)) for r in range(m.rowCount())]


def test_only_administrators_see_the_page(school: School) -> None:
    assert "audit" in [p.key for p in pages_for(school.admin)]
    for who in (school.teacher, school.student, school.parent):
        assert "audit" not in [p.key for p in pages_for(who)]


def test_newest_first_with_the_diff_and_the_details_pane(page: AuditPage) -> None:
    m = page.log.model
    assert m.rowCount() > 5
    top = m.index(0, AuditModel.WHAT)
    assert m.data(top) == "Created" and "Milestone Opening" in shown(page)[0]
    assert page.log.selected() is m.record(0)
    assert "Title: Opening" in page.log.details.toPlainText()
    renamed = next(r for r in range(m.rowCount()) if "Sam Smith" in shown(page)[r])
    page.log.table.selectRow(renamed)
    changes = m.index(renamed, AuditModel.CHANGES)
    assert "Display name: Sam Student → Sam Smith" in m.data(changes)
    assert m.data(changes, Qt.ItemDataRole.ToolTipRole) == m.record(renamed).details
    assert "Display name: Sam Student → Sam Smith" in page.log.details.toPlainText()


def test_long_values_are_elided_with_the_whole_text_in_the_tooltip(qtbot, page: AuditPage, ctx,
                                                                  school: School) -> None:
    s = school.services
    s.settings.update(school.admin, school_name="A" * 150)
    page.refresh()
    settle(qtbot, ctx)
    m = page.log.model
    text = m.data(m.index(0, AuditModel.CHANGES))
    assert text.endswith("…") and "A" * 150 not in text
    assert "A" * 150 in m.data(m.index(0, AuditModel.CHANGES), Qt.ItemDataRole.ToolTipRole)


def test_filters_by_person_type_text_and_dates(qtbot, page: AuditPage, ctx, school: School) -> None:
    log = page.log
    log.person.setCurrentIndex(log.person.findText("Tina Teacher"))
    settle(qtbot, ctx)
    assert {r.actor for r in log.model.rows()} == {"Tina Teacher"}
    log.person.setCurrentIndex(0)
    log.entity.setCurrentIndex(log.entity.findData("user"))
    settle(qtbot, ctx)
    assert log.model.rows() and {r.entity for r in log.model.rows()} == {"user"}
    qtbot.keyClicks(log.search, "smith")
    qtbot.keyClick(log.search, Qt.Key.Key_Return)
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: len(log.model.rows()) == 1)
    assert log.model.rows()[0].action == "update"
    log.search.clear()
    log.entity.setCurrentIndex(0)
    yesterday = date.today() - timedelta(days=2)
    log.end.setDate(QDate(yesterday.year, yesterday.month, yesterday.day))
    settle(qtbot, ctx)
    assert log.model.rowCount() == 0
    assert log.details.toPlainText() == "Select an entry to see everything it changed."


def test_load_more_reads_the_next_older_entries(qtbot, page: AuditPage, ctx) -> None:
    everything = [r.id for r in page.log.model.rows()]
    page.log.page_size = 3
    page.refresh()
    settle(qtbot, ctx)
    assert [r.id for r in page.log.model.rows()] == everything[:3]
    assert page.log.more_button.isVisible() and "Load more" in page.log.status.text()
    qtbot.mouseClick(page.log.more_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert [r.id for r in page.log.model.rows()] == everything[:6]


def test_export_writes_the_filtered_entries(qtbot, page: AuditPage, ctx, tmp_path: Path) -> None:
    page.log.entity.setCurrentIndex(page.log.entity.findData("milestone"))
    settle(qtbot, ctx)
    out = tmp_path / "audit.csv"
    page.log.export(str(out))
    settle(qtbot, ctx)
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r[4] for r in rows[1:]] == ["milestone"]
    assert page.log.status.text() == "Saved audit.csv (1 entries)."


def test_privacy_tab_proposes_students_who_left_long_ago(qtbot, page: AuditPage, ctx, school: School) -> None:
    s = school.services
    s.people.set_active(school.admin, school.student.id, False)
    with unit_of_work(s.db) as tx:
        tx.session.get(User, school.student.id).left_on = date.today() - timedelta(days=365 * 9)  # type: ignore[union-attr]
    page.tabs.setCurrentIndex(1)
    page.privacy.refresh()
    settle(qtbot, ctx)
    panel = page.privacy
    assert [c.display_name for c in panel.model.rows()] == ["Sam Smith"]
    assert "7 or more years ago" in panel.about.text()
    assert not panel.erase_button.isEnabled()
    panel.table.selectRow(0)
    assert panel.erase_button.isEnabled()
    dialog = panel.erase_selected()
    assert dialog is not None and dialog.isVisible()
    dialog.typed.setText("sam smith")
    qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
