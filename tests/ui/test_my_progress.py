"""The Progress page of students and parents: activities, standing and why, milestones, skills."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle, show_page
from tracker.domain.enums import Role
from tracker.domain.policy import Actor
from tracker.domain.standing import HOW_JUDGED
from tracker.services.outcome import perform
from tracker.services.people import UserInput
from ui.models.my_progress import EnrollmentsModel
from ui.views.my_progress import NOT_ENROLLED, MyProgressPage
from ui.views.registry import pages_for


def _page(qtbot, ctx) -> MyProgressPage:  # type: ignore[no-untyped-def]
    return show_page(qtbot, ctx, MyProgressPage(ctx), width=1100)


def _cells(page: MyProgressPage, row: int = 0) -> list[str]:
    return [page.proxy.index(row, c).data() for c in range(page.proxy.columnCount())]


@pytest.fixture
def chess_milestones(school: School) -> None:
    """Two milestones in chess, the first done by the student, the second overdue."""
    s = school.services
    m = s.milestones.create_milestone(school.teacher, school.chess, title="Learn the moves", points=5)
    s.milestones.create_milestone(school.teacher, school.chess, title="Openings", points=5,
                                  due_date=date.today() - timedelta(days=1))
    s.milestones.complete_milestone(school.teacher, m.id, school.student.id)


def test_student_sees_their_chess_row_with_progress_and_standing(qtbot, make_ctx, school: School,
                                                                 chess_milestones: None) -> None:
    page = _page(qtbot, make_ctx(school.student))
    assert page.stack.currentWidget() is page.tabs
    assert not page.child.isVisible()
    assert page.heading.text() == "Sam Student"
    assert page.model.rowCount() == 1
    cells = _cells(page)
    m = EnrollmentsModel
    assert cells[m.ACTIVITY] == "Chess Club"
    assert cells[m.STATUS] == "Active"
    assert cells[m.PROGRESS] == "50%"
    assert cells[m.STANDING] == "Behind"
    assert cells[m.MILESTONES] == "1/2"
    tip = page.proxy.headerData(m.STANDING, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert tip == HOW_JUDGED


def test_selecting_an_activity_shows_the_reasons_and_the_students_own_milestones(
        qtbot, make_ctx, school: School, chess_milestones: None) -> None:
    ctx = make_ctx(school.student)
    page = _page(qtbot, ctx)
    assert page.select_activity(school.chess)
    settle(qtbot, ctx)
    panel = page.panel
    assert panel.title.text() == "Chess Club"
    assert panel.standing.text() == "Standing: Behind"
    assert "1 milestone overdue: Openings" in panel.reasons.text()
    assert panel.standing.toolTip() == HOW_JUDGED
    assert panel.completion.text().startswith("Still needed for completion:")
    assert "Milestones 1/2" in panel.facts.text()
    model = panel.milestones_model
    items = [model.record(r) for r in range(model.rowCount())]
    assert [(i.milestone.title, i.done) for i in items] == [("Learn the moves", True), ("Openings", False)]
    assert model.index(1, model.DONE_ON).data() == "not yet"
    assert "1 of 2 done" in panel.milestones_note.text()


def test_other_students_completions_are_not_shown(qtbot, make_ctx, school: School) -> None:
    s = school.services
    m = s.milestones.create_milestone(school.teacher, school.chess, title="Learn the moves", points=5)
    s.milestones.complete_milestone(school.teacher, m.id, school.other_student.id)
    ctx = make_ctx(school.student)
    page = _page(qtbot, ctx)
    settle(qtbot, ctx)
    items = page.panel.milestones_model.rows()
    assert [(i.milestone.title, i.done) for i in items] == [("Learn the moves", False)]


def test_override_and_completion_are_explained(qtbot, make_ctx, school: School) -> None:
    school.services.progress.override_progress(school.teacher, school.chess, school.student.id,
                                               note="Finished the project early", status="completed")
    ctx = make_ctx(school.student)
    page = _page(qtbot, ctx)
    settle(qtbot, ctx)
    panel = page.panel
    assert panel.override.text().startswith("Set by hand by Tina Teacher: Finished the project early")
    # completed by hand: said so, with the date, and the points earned without a contradicting bar
    assert panel.completion.text().startswith("✓ Completed — marked completed by a teacher\nCompleted on ")
    assert "0% of the milestone points earned" in panel.completion.text()
    assert _cells(page)[EnrollmentsModel.STATUS] == "Completed"
    assert _cells(page)[EnrollmentsModel.PROGRESS] == "Completed"


def test_parent_chooses_among_their_linked_children(qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.parent)
    page = _page(qtbot, ctx)
    assert page.child.isVisible()
    assert [page.child.itemText(i) for i in range(page.child.count())] == ["Sam Student"]
    assert page.child.currentData() == school.student.id
    assert page.heading.text() == "Sam Student"
    assert "Grade 7" in page.subheading.text()
    assert [page.model.record(r).activity for r in range(page.model.rowCount())] == ["Chess Club"]
    assert page.choose_child(school.student.id)
    assert not page.choose_child(school.other_student.id)  # not their child: not offered


def test_student_without_activities_gets_the_empty_state(qtbot, make_ctx, school: School) -> None:
    info = school.services.people.create_user(
        school.admin, UserInput("nina", "Nina New", Role.STUDENT, password=PASSWORD))
    ctx = make_ctx(Actor(info.id, info.username, info.display_name, info.role))
    page = _page(qtbot, ctx)
    assert page.activities_stack.currentWidget() is page.empty
    assert page.empty.title_label.text() == NOT_ENROLLED


def test_skills_growth_tab_shows_the_chosen_student(qtbot, make_ctx, school: School) -> None:
    s = school.services
    k = s.skills.create_skill(school.admin, "Strategy")
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 1, "", date(2025, 9, 1))
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 2, "better", date(2025, 11, 1))
    ctx = make_ctx(school.parent)
    page = _page(qtbot, ctx)
    assert page.skills is None  # built when the tab is first opened
    view = page.show_skills()
    settle(qtbot, ctx)
    assert view.student_id == school.student.id
    assert view.skills.count() == 1 and "Developing" in view.skills.item(0).text()
    assert "Sam Student" in view.heading.text()


def test_page_reloads_when_progress_changes(qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.student)
    page = _page(qtbot, ctx)
    assert _cells(page)[EnrollmentsModel.PROGRESS] == "0%"
    written = perform(lambda: school.services.progress.update_progress(
        school.admin, school.chess, school.student.id, progress_percentage=40))
    ctx.events.publish(written.changes)  # as a write on another page would
    settle(qtbot, ctx)
    assert _cells(page)[EnrollmentsModel.PROGRESS] == "40%"


@pytest.mark.parametrize("who, sees", [("student", True), ("parent", True), ("teacher", False),
                                       ("admin", False)])
def test_only_students_and_parents_get_the_page(school: School, who: str, sees: bool) -> None:
    assert ("progress" in [p.key for p in pages_for(getattr(school, who))]) is sees


def test_parent_with_two_children_switches_between_them(qtbot, make_ctx, school: School) -> None:
    school.services.people.link_guardian(school.admin, school.parent.id, school.other_student.id)
    ctx = make_ctx(school.parent)
    page = _page(qtbot, ctx)
    assert sorted(page.child.itemText(i) for i in range(page.child.count())) == ["Olga Other", "Sam Student"]
    assert page.child.isEnabled()
    view = page.show_skills()
    assert page.choose_child(school.other_student.id)
    settle(qtbot, ctx)
    assert page.heading.text() == "Olga Other"
    assert sorted(page.model.record(r).activity for r in range(page.model.rowCount())) == ["Chess Club", "Drama"]
    assert page.panel.row is not None and page.panel.row.student == "Olga Other"
    assert view.student_id == school.other_student.id


def test_only_a_required_milestone_past_its_due_date_is_shown_overdue() -> None:
    from tracker.services.milestones import MilestoneRow
    from ui.models.my_progress import MilestoneItem

    today = date(2026, 11, 25)

    def item(required: bool, due: date | None, done: bool = False) -> MilestoneItem:
        from datetime import datetime

        row = MilestoneRow(1, 1, "M", "", 0, 5, required, due, 0, 1)
        return MilestoneItem(row, datetime(2026, 11, 1) if done else None)

    assert item(True, today - timedelta(days=1)).overdue(today)
    assert not item(False, today - timedelta(days=1)).overdue(today)  # as the standing rule says
    assert not item(True, today).overdue(today)
    assert not item(True, today - timedelta(days=1), done=True).overdue(today)
    assert not item(True, None).overdue(today)


def test_completed_by_the_rule_reads_completed_not_a_partial_figure(qtbot, make_ctx, school: School) -> None:
    s = school.services
    m = s.milestones.create_milestone(school.teacher, school.chess, title="Moves", points=2)
    s.milestones.create_milestone(school.teacher, school.chess, title="Bonus", points=8, required=False)
    s.milestones.complete_milestone(school.teacher, m.id, school.student.id)  # the rule completes it
    ctx = make_ctx(school.student)
    page = _page(qtbot, ctx)
    settle(qtbot, ctx)
    m_ = EnrollmentsModel
    index = page.proxy.index(0, m_.PROGRESS)
    assert index.data() == "Completed"
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert tip == ("Completed — required milestones met\n"
                   "20% of the milestone points earned: completion does not need them all.")
    assert page.panel.facts.text().startswith("Completed")
    assert page.panel.completion.text().startswith("✓ Completed — required milestones met\nCompleted on ")
    page.table.grab()  # the bar delegate paints the word, not a 20% bar


def test_reveal_shows_a_childs_activity_and_focus_lands_in_the_table(qtbot, make_ctx, school: School) -> None:
    other = school.services.people.create_user(
        school.admin, UserInput("kim", "Kim Kid", Role.STUDENT, password=PASSWORD))
    school.services.people.link_guardian(school.admin, school.parent.id, other.id)
    school.services.progress.update_progress(school.admin, school.drama, other.id, status="active")
    school.services.progress.update_progress(school.admin, school.chess, other.id, status="active")
    ctx = make_ctx(school.parent)
    page = MyProgressPage(ctx)
    page.reveal(other.id, school.drama)  # asked before the page has loaded
    show_page(qtbot, ctx, page, width=1100)
    assert page.student_id == other.id
    assert page.selected_row().activity == "Drama"  # type: ignore[union-attr]
    page.focus_main()
    assert page.focusWidget() is page.table
    page.reveal(school.student.id, school.chess)  # and once it has
    assert page.student_id == school.student.id
    assert page.selected_row().activity == "Chess Club"  # type: ignore[union-attr]
