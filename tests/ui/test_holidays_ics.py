"""Calendar ▸ School holidays ▸ Import .ics…: a district's holiday calendar becomes the school's
holidays, after a preview of how many days are new (issue 10)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from tests.conftest import School
from tests.ui.conftest import settle
from ui.dialogs.holidays_dialog import HolidaysDialog

DATA = Path(__file__).resolve().parents[1] / "data" / "ics"


def _dialog(qtbot, ctx) -> HolidaysDialog:  # type: ignore[no-untyped-def]
    dialog = HolidaysDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    return dialog


def test_importing_a_holiday_calendar_asks_with_the_count_then_lists_the_days(qtbot, ctx, school: School,
                                                                                monkeypatch) -> None:
    school.services.calendar.add_holiday(school.admin, date(2026, 12, 24), "Christmas Eve")
    dialog = _dialog(qtbot, ctx)
    asked: list[str] = []

    def answer(_parent, _title, text, *args):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    assert dialog.import_button.text() == "Import .ics…" and dialog.import_button.isEnabled()
    dialog.import_ics(str(DATA / "district_holidays.ics"))
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert asked == [
        "district_holidays.ics closes 17 days between Thu 15 Oct 2026 and Fri 15 Oct 2027: 16 new, 1 already "
        "holidays. Its 1 timed meeting is not holidays and will be ignored.\n\nSessions generated for the new "
        "holidays are removed (sessions with attendance stay). Import the 16 days?"]
    assert len(dialog.holidays) == 17 and dialog.list.count() == 17
    assert dialog.list.item(0).text() == "Thu 15 Oct 2026  —  Founders' Day"
    assert dialog.status.isVisible() and dialog.status.text().startswith("district_holidays.ics: 16 holidays added")
    dialog.import_ics(str(DATA / "district_holidays.ics"))  # again: nothing new, nothing asked
    settle(qtbot, ctx)
    assert len(asked) == 1
    assert dialog.status.text() == "district_holidays.ics: all 17 days are already holidays; nothing to add."


def test_declining_the_preview_writes_nothing(qtbot, ctx, school: School, monkeypatch) -> None:
    dialog = _dialog(qtbot, ctx)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    dialog.import_ics(str(DATA / "district_holidays.ics"))
    settle(qtbot, ctx)
    assert school.services.calendar.list_holidays(school.admin) == [] and dialog.list.count() == 0


def test_a_calendar_without_all_day_events_is_refused_in_the_dialog(qtbot, ctx, school: School) -> None:
    dialog = _dialog(qtbot, ctx)
    dialog.import_ics(str(DATA / "robotics_weekly.ics"))
    settle(qtbot, ctx)
    assert dialog.error.isVisible() and "holds no all-day events" in dialog.error.text()
    assert dialog.list.count() == 0
