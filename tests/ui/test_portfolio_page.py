"""The Portfolio page (issue 13): what a card shows, a lead's view (their activities only), the
student's stars and reflections, the transcript PDF, a parent's child picker, and staff opening
it from People and from a roster."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices

from tests.conftest import School
from tests.ui.conftest import settle, show_page
from tests.unit.achievement_support import award, mark_present, milestone_done
from tracker.domain.policy import Actor
from ui.dialogs.reflection_dialog import ReflectionDialog
from ui.documents import Delivery
from ui.views.portfolio import PortfolioPage, PortfolioWindow
from ui.views.portfolio_cards import ActivityCard, BadgesCard, Star


@pytest.fixture
def record(school: School, tmp_path: Path) -> School:
    """Olga: Chess (a milestone with a note, present once, Strategy from 1 to 3, a badge) and
    Drama (completed by hand: a certificate, a badge), and a school-wide badge."""
    s, admin = school.services, school.admin
    folder = tmp_path / "certificates"
    folder.mkdir()
    s.settings.update(admin, certificate_folder=str(folder))
    s.milestones.create_milestone(admin, school.chess, title="Keeps chess open")
    milestone_done(school, school.chess, school.other_student.id, "Opening principles", 10,
                   notes="Played the Italian, see https://example.org/games/" + "x" * 80)
    mark_present(school, school.chess, [school.other_student.id])
    skill = s.skills.create_skill(admin, "Strategy").id
    s.skills.assess(school.teacher, school.chess, [school.other_student.id], skill, 1)
    s.skills.assess(school.teacher, school.chess, [school.other_student.id], skill, 3)
    award(s, school.other_student.id, 5, school.chess, name="Quick thinker")
    award(s, school.other_student.id, 7, school.drama, name="Stage debut")
    award(s, school.other_student.id, 3, None, name="All-rounder")
    s.enrollment.set_completed_by_hand(admin, school.drama, school.other_student.id, "Performed in the play")
    return school


def page_as(qtbot, make_ctx, actor: Actor, student_id: int | None = None) -> PortfolioPage:  # type: ignore[no-untyped-def]
    ctx = make_ctx(actor)
    return show_page(qtbot, ctx, PortfolioPage(ctx, student_id=student_id), 1000, 740)


def cards(page: PortfolioPage) -> dict[str, ActivityCard]:
    return {c.record.name: c for c in page.cards if isinstance(c, ActivityCard)}


def texts(card: ActivityCard) -> str:
    from PySide6.QtWidgets import QLabel

    return "\n".join(label.text().replace("\u200b", "") for label in card.findChildren(QLabel))


def star(page: PortfolioPage, kind: str, what: str) -> Star:
    return next(s for c in page.cards for s in c.stars if s.key[0] == kind and what in s.what)


def test_a_student_sees_a_card_per_activity_with_everything_in_it(qtbot, make_ctx, record):
    page = page_as(qtbot, make_ctx, record.other_student)
    assert page.heading.full_text() == "Olga Other"
    assert page.facts.full_text() == "Grade 8  ·  Class 8A  ·  2 activities"
    assert not page.picker.isVisible()
    shown = cards(page)
    assert list(shown) == ["Chess Club", "Drama"]
    chess = texts(shown["Chess Club"])
    for expected in ("Attendance 1 of 1 session (100%)", "Opening principles", "Played the Italian",
                     "Strategy: Beginning (1) → Proficient (3)", "↑ 2", "Quick thinker", "No reflection written yet."):
        assert expected in chess
    drama = texts(shown["Drama"])
    assert "Stage debut" in drama and "Valid" in drama
    assert any(isinstance(c, BadgesCard) for c in page.cards)  # All-rounder, earned school-wide
    assert all(s.isEnabled() for s in shown["Chess Club"].stars)
    assert page.scroll_area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert page.column.minimumSizeHint().width() <= page.scroll_area.viewport().width()  # nothing sideways


def test_the_student_features_an_item_and_the_star_keeps_the_keyboard(qtbot, make_ctx, record):
    page = page_as(qtbot, make_ctx, record.other_student)
    milestone = star(page, "milestone", "Opening principles")
    assert not milestone.isChecked() and milestone.text() == "☆"
    milestone.setFocus()
    qtbot.keyClick(milestone, Qt.Key.Key_Space)
    settle(qtbot, page.ctx)
    p = record.services.portfolios.portfolio(record.admin, record.other_student.id)
    chess = next(a for a in p.activities if a.name == "Chess Club")
    assert chess.milestones[0].featured
    after = star(page, "milestone", "Opening principles")
    assert after.isChecked() and after.text() == "★" and after.hasFocus()
    qtbot.mouseClick(after, Qt.MouseButton.LeftButton)
    settle(qtbot, page.ctx)
    p = record.services.portfolios.portfolio(record.admin, record.other_student.id)
    assert not next(a for a in p.activities if a.name == "Chess Club").milestones[0].featured


def test_a_lead_sees_only_the_activities_they_lead_and_no_stars_to_press(qtbot, make_ctx, record):
    page = page_as(qtbot, make_ctx, record.teacher, record.other_student.id)
    assert list(cards(page)) == ["Chess Club"]  # not Drama, which Otto leads
    assert "You see the activities you lead" in page.hint.text()
    assert not any(s.isEnabled() for c in page.cards for s in c.stars)
    assert not hasattr(cards(page)["Chess Club"], "reflect_button")


def test_the_reflection_counts_characters_refuses_too_many_and_saves(qtbot, make_ctx, record):
    page = page_as(qtbot, make_ctx, record.other_student)
    card = cards(page)["Chess Club"]
    assert card.reflect_button.text() == "Write a reflection…"
    qtbot.mouseClick(card.reflect_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, ReflectionDialog)
    assert dialog.counter.text() == "0 / 2,000"
    dialog.editor.setPlainText("x" * 2001)
    assert dialog.counter.text() == "2,001 / 2,000" and not dialog.save_button.isEnabled()
    dialog.editor.clear()
    qtbot.keyClicks(dialog.editor, "I learnt the Italian game.")
    assert dialog.counter.text() == "26 / 2,000" and dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page.ctx)
    p = record.services.portfolios.portfolio(record.admin, record.other_student.id)
    assert next(a for a in p.activities if a.name == "Chess Club").reflection == "I learnt the Italian game."
    card = cards(page)["Chess Club"]
    assert card.reflection.text() == "I learnt the Italian game."
    assert card.reflect_button.text() == "Edit the reflection…"


def test_the_transcript_is_written_and_opened(qtbot, make_ctx, record, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    page = page_as(qtbot, make_ctx, record.other_student)
    assert page.transcript(Delivery.OPEN)
    settle(qtbot, page.ctx)
    assert len(opened) == 1 and opened[0].endswith(".pdf")
    text = subprocess.run(["pdftotext", opened[0], "-"], capture_output=True, text=True, check=True).stdout
    assert "Olga Other" in text
    assert page.hint.text().startswith("Saved ")


def test_a_parent_switches_between_their_children(qtbot, make_ctx, record):
    record.services.people.link_guardian(record.admin, record.parent.id, record.other_student.id)
    page = page_as(qtbot, make_ctx, record.parent)
    assert page.picker.isVisible()
    names = [page.picker.itemText(i) for i in range(page.picker.count())]
    assert sorted(names) == ["Olga Other", "Sam Student"]
    page.picker.setCurrentIndex(names.index("Olga Other"))
    page.picker.activated.emit(names.index("Olga Other"))
    settle(qtbot, page.ctx)
    assert page.heading.full_text() == "Olga Other"
    assert list(cards(page)) == ["Chess Club", "Drama"]
    assert not any(s.isEnabled() for c in page.cards for s in c.stars)  # the student's choice alone


def test_staff_open_a_portfolio_from_people_and_from_the_roster(qtbot, make_ctx, record, monkeypatch):
    from ui.views.activity_roster import RosterTab
    from ui.views.people import PeoplePage

    ctx = make_ctx(record.admin)
    people = show_page(qtbot, ctx, PeoplePage(ctx))
    people.select_user(record.other_student.id)
    assert people.portfolio_action.isEnabled()
    window = people.open_portfolio()
    assert isinstance(window, PortfolioWindow)
    qtbot.addWidget(window)
    settle(qtbot, ctx)
    assert window.page.heading.full_text() == "Olga Other"
    people.select_user(record.teacher.id)
    assert not people.portfolio_action.isEnabled()  # a teacher has no portfolio

    lead = make_ctx(record.teacher)
    roster = RosterTab(lead, record.chess)
    qtbot.addWidget(roster)
    roster.resize(1100, 700)
    roster.show()
    roster.refresh()
    settle(qtbot, lead)
    row = roster.model.row_of(lambda r: r.student_id == record.other_student.id)
    roster.table.selectRow(roster.proxy.mapFromSource(roster.model.index(row, 0)).row())
    window = roster.open_portfolio()
    assert isinstance(window, PortfolioWindow)
    qtbot.addWidget(window)
    settle(qtbot, lead)
    assert list(cards(window.page)) == ["Chess Club"]


def test_a_certificate_opens_its_pdf_and_verifies_as_valid(qtbot, make_ctx, record, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    page = page_as(qtbot, make_ctx, record.other_student)
    drama = cards(page)["Drama"]
    from PySide6.QtWidgets import QPushButton

    buttons = {b.text(): b for b in drama.findChildren(QPushButton)}
    assert buttons["Open"].isEnabled()
    qtbot.mouseClick(buttons["Open"], Qt.MouseButton.LeftButton)
    assert len(opened) == 1 and opened[0].endswith(".pdf") and Path(opened[0]).is_file()
    qtbot.mouseClick(buttons["Verify"], Qt.MouseButton.LeftButton)
    settle(qtbot, page.ctx)
    from ui.dialogs.verify_dialog import VerifyDialog

    dialog = page.dialog
    assert isinstance(dialog, VerifyDialog)
    assert dialog.status.text() == "VALID"
    assert dialog.details["student"].full_text() == "Olga Other"


def test_a_long_name_is_elided_with_the_whole_name_in_its_tooltip(qtbot, make_ctx, record):
    from tracker.services.people import UserInput

    info = record.services.people.get_user(record.admin, record.other_student.id)
    long_name = "Olga Alexandrovna Konstantinopolskaya-Vandermeulen de la Fontaine-Whitmore"
    record.services.people.update_user(record.admin, info.id, UserInput(
        info.username, long_name, info.role, grade=info.grade, class_name=info.class_name))
    ctx = make_ctx(record.other_student)
    page = show_page(qtbot, ctx, PortfolioPage(ctx), 520, 600)
    assert page.heading.is_elided() and page.heading.text().endswith("…")
    assert page.heading.toolTip() == long_name
