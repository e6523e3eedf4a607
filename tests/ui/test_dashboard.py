"""Each role's dashboard shows what that person may see, with real progress."""

from __future__ import annotations

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle, show_page
from tracker.domain.enums import Role
from tracker.domain.policy import Actor
from tracker.services.outcome import perform
from tracker.services.people import UserInput
from ui.views.dashboard import DashboardPage


def _page(qtbot, ctx) -> DashboardPage:  # type: ignore[no-untyped-def]
    return show_page(qtbot, ctx, DashboardPage(ctx), width=1100)


def _activity_names(page: DashboardPage) -> list[str]:
    model = page.staff.activities_model  # type: ignore[union-attr]
    return [model.record(r).summary.name for r in range(model.rowCount())]


def test_admin_sees_school_overview_with_every_activity(qtbot, make_ctx, school: School) -> None:
    page = _page(qtbot, make_ctx(school.admin))
    assert page.heading.text() == "School overview"
    assert page.stack.currentWidget() is page.staff
    assert _activity_names(page) == ["Chess Club", "Drama"]
    assert page.staff.kpi["activities"].value() == "2"  # type: ignore[union-attr]
    assert page.staff.kpi["students"].value() == "2"  # type: ignore[union-attr]


def test_teacher_sees_only_the_activities_they_lead(qtbot, make_ctx, school: School) -> None:
    page = _page(qtbot, make_ctx(school.teacher))
    assert page.heading.text() == "My activities"
    assert _activity_names(page) == ["Chess Club"]
    assert page.staff.kpi["activities"].value() == "1"  # type: ignore[union-attr]


def test_teacher_without_activities_gets_a_friendly_empty_state(qtbot, make_ctx, school: School) -> None:
    info = school.services.people.create_user(
        school.admin, UserInput("nina", "Nina New", Role.TEACHER, password=PASSWORD))
    page = _page(qtbot, make_ctx(Actor(info.id, info.username, info.display_name, info.role)))
    assert page.stack.currentWidget() is page.empty
    assert "don't lead any activities" in page.empty.title_label.text()
    assert "administrator can assign you" in page.empty.message_label.text()


def test_student_sees_own_card_with_progress(qtbot, make_ctx, school: School) -> None:
    s = school.services
    m = s.milestones.create_milestone(school.admin, school.chess, title="Learn the moves", points=5)
    s.milestones.create_milestone(school.admin, school.chess, title="Play a game", points=5)
    s.milestones.complete_milestone(school.admin, m.id, school.student.id)
    page = _page(qtbot, make_ctx(school.student))
    assert page.heading.text() == "My progress"
    cards = page.learner.cards  # type: ignore[union-attr]
    assert [c.row.activity for c in cards] == ["Chess Club"]
    card = cards[0]
    assert card.bar.value() == 50
    assert card.pill.text() == "Active"
    assert "Milestones 1/2" in card.facts.text()
    assert "5 points" in card.facts.text()
    assert card.detail.text().startswith("Still needed")


def test_completed_card_says_when(qtbot, make_ctx, school: School) -> None:
    school.services.progress.update_progress(school.admin, school.chess, school.student.id,
                                             status="completed")
    page = _page(qtbot, make_ctx(school.student))
    card = page.learner.cards[0]  # type: ignore[union-attr]
    assert card.pill.text() == "Completed"
    assert "Completed on" in card.detail.text()


def test_parent_sees_their_child_and_not_the_other_student(qtbot, make_ctx, school: School) -> None:
    page = _page(qtbot, make_ctx(school.parent))
    assert page.heading.text() == "My children"
    cards = page.learner.cards  # type: ignore[union-attr]
    assert {c.row.student for c in cards} == {"Sam Student"}
    assert [c.row.activity for c in cards] == ["Chess Club"]
    texts = " ".join(w.text() for w in page.findChildren(type(page.heading)))
    assert "Sam Student" in texts
    assert "Olga Other" not in texts
    assert "Drama" not in texts


def test_dashboard_refreshes_when_progress_changes(qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.student)
    page = _page(qtbot, ctx)
    assert page.learner.cards[0].bar.value() == 0  # type: ignore[union-attr]
    written = perform(lambda: school.services.progress.update_progress(
        school.admin, school.chess, school.student.id, progress_percentage=40))
    ctx.events.publish(written.changes)  # as a write on another page would
    settle(qtbot, ctx)
    assert page.learner.cards[0].bar.value() == 40  # type: ignore[union-attr]


def test_double_click_on_an_activity_opens_it_on_the_activities_page(qtbot, make_ctx, school: School) -> None:
    from PySide6.QtWidgets import QStackedWidget

    from ui.views.activities import ActivitiesPage

    ctx = make_ctx(school.admin)

    class Window(QStackedWidget):
        """Stands in for the main window: pages by key."""

        def __init__(self) -> None:
            super().__init__()
            self.dashboard = DashboardPage(ctx)
            self.activities = ActivitiesPage(ctx)
            self.addWidget(self.dashboard)
            self.addWidget(self.activities)

        def show_page(self, key: str):  # type: ignore[no-untyped-def]
            page = self.activities if key == "activities" else self.dashboard
            self.setCurrentWidget(page)
            page.on_shown()
            return page

    window = Window()
    qtbot.addWidget(window)
    window.show()
    window.show_page("dashboard")
    settle(qtbot, ctx)
    view = window.dashboard.staff.activities_view  # type: ignore[union-attr]
    drama_row = [r for r in range(view.model().rowCount())
                 if view.model().index(r, 0).data() == "Drama"][0]
    view.activated.emit(view.model().index(drama_row, 0))
    settle(qtbot, ctx)
    assert window.currentWidget() is window.activities
    assert window.activities.selected().id == school.drama  # type: ignore[union-attr]


def test_needs_attention_lists_students_behind_with_the_reason(qtbot, make_ctx, school: School) -> None:
    from datetime import date, timedelta

    from PySide6.QtCore import Qt

    ctx = make_ctx(school.teacher)
    page = _page(qtbot, ctx)
    staff = page.staff
    assert staff.risk_stack.currentWidget() is staff.risk_empty  # type: ignore[union-attr]
    assert staff.risk_card.title.text() == "Needs attention"  # type: ignore[union-attr]
    school.services.milestones.create_milestone(school.teacher, school.chess, title="Openings",
                                                due_date=date.today() - timedelta(days=1))
    page.refresh()
    settle(qtbot, ctx)
    model = staff.risk_model  # type: ignore[union-attr]
    assert staff.risk_card.title.text() == "Needs attention (2)"  # type: ignore[union-attr]
    assert {model.record(r).student for r in range(model.rowCount())} == {"Sam Student", "Olga Other"}
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row[model.STANDING] == "Behind" and row[model.REASON].startswith("1 milestone overdue: Openings")
    header_tip = model.headerData(model.STANDING, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "At risk" in header_tip
    assert staff.kpi["at_risk"].value() == "0"  # type: ignore[union-attr]
