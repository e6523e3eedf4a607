"""Each role's dashboard shows what that person may see, with real progress."""

from __future__ import annotations

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle, show_page
from tracker.domain.enums import Role
from tracker.domain.policy import Actor
from tracker.services.outcome import perform
from tracker.services.people import UserInput
from ui.models.base import RecordRole
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


# --------------------------------------------------------------------------- fit at 1024 × 768
# The main window's sidebar takes 232 px: a page gets 792 px of a 1024 px screen.
PAGE_AT_1024 = 792


def _fits(label) -> bool:  # type: ignore[no-untyped-def]
    """The label's text fits its width, or is cut on purpose with "…" and the whole in the tooltip."""
    text = label.text()
    if text.endswith("…"):
        return bool(label.toolTip())
    return label.fontMetrics().horizontalAdvance(text) <= label.contentsRect().width()


def test_kpi_captions_fit_a_1024_screen(qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.admin)
    page = show_page(qtbot, ctx, DashboardPage(ctx), width=PAGE_AT_1024)
    kpis = page.staff.kpi  # type: ignore[union-attr]
    assert kpis["average_attendance_rate"].caption_label.full_text() == "Attendance"
    assert kpis["average_attendance_rate"].hint_label.full_text() == "average rate"
    for card in kpis.values():
        assert card.geometry().right() <= page.width()
        assert _fits(card.caption_label) and _fits(card.hint_label), card.caption_label.full_text()


def test_a_cut_kpi_caption_ends_with_an_ellipsis_and_says_it_all_in_the_tooltip(qtbot) -> None:
    from ui.widgets.kpi import KpiCard

    card = KpiCard("Average attendance of every enrollment this term", "90%")
    qtbot.addWidget(card)
    card.resize(130, card.sizeHint().height())
    card.show()
    qtbot.waitExposed(card)
    assert card.caption_label.text().endswith("…")
    assert card.caption_label.toolTip() == "Average attendance of every enrollment this term"
    assert card.width() == 130  # the caption did not widen the card


def test_staff_tables_never_scroll_sideways_and_drop_the_least_needed_columns(
        qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.admin)
    page = show_page(qtbot, ctx, DashboardPage(ctx), width=PAGE_AT_1024)
    staff = page.staff
    m = staff.activities_model  # type: ignore[union-attr]
    view = staff.activities_view  # type: ignore[union-attr]
    assert not view.horizontalScrollBar().isVisible()
    header = view.horizontalHeader()
    shown = [c for c in range(m.columnCount()) if not header.isSectionHidden(c)]
    assert {m.NAME, m.ENROLLED, m.COMPLETED, m.ATTENDANCE, m.PROGRESS} <= set(shown)
    assert header.length() <= view.viewport().width()
    risk = staff.risk_view  # type: ignore[union-attr]
    assert not risk.horizontalHeader().isSectionHidden(staff.risk_model.REASON)  # type: ignore[union-attr]
    assert risk.horizontalHeader().length() <= risk.viewport().width()
    page.resize(1300, 760)  # a wide screen shows every figure again
    qtbot.waitUntil(lambda: not any(header.isSectionHidden(c) for c in range(m.columnCount())))


# --------------------------------------------------------------------------- what is next
def _upcoming(school: School, activity: int, days: int, where: str = "Room 12") -> int:
    from datetime import datetime, timedelta

    start = (datetime.now() + timedelta(days=days)).replace(hour=15, minute=30, second=0, microsecond=0)
    return school.services.calendar.add_extra_session(school.admin, activity, start, start + timedelta(hours=1),
                                                      location=where).id


def test_student_sees_next_sessions_and_milestones_due_soon(qtbot, make_ctx, school: School) -> None:
    from datetime import date, timedelta

    s = school.services
    _upcoming(school, school.chess, 2, "Library")
    _upcoming(school, school.drama, 1)  # not the student's activity
    s.milestones.create_milestone(school.admin, school.chess, title="Openings", points=5,
                                  due_date=date.today() + timedelta(days=3))
    s.milestones.create_milestone(school.admin, school.chess, title="Someday",
                                  due_date=date.today() + timedelta(days=40))
    page = _page(qtbot, make_ctx(school.student))
    [block] = page.learner.next  # type: ignore[union-attr]
    day = date.today() + timedelta(days=2)
    assert block.sessions.count() == 1
    assert block.sessions.item(0).text() == f"{day:%a} {day.day} {day:%b}, 15:30–16:30\nChess Club · Library"
    due = date.today() + timedelta(days=3)
    assert [block.due.item(i).text() for i in range(block.due.count())] == [
        f"Due {due:%a} {due.day} {due:%b} (in 3 days)\nOpenings · Chess Club · required, 5 points"]
    assert block.sessions_card.title.text() == "Next sessions"
    assert block.due_card.title.text() == "Due soon"


def test_nothing_coming_is_said_plainly(qtbot, make_ctx, school: School) -> None:
    page = _page(qtbot, make_ctx(school.student))
    [block] = page.learner.next  # type: ignore[union-attr]
    assert block.sessions.isHidden() and block.due.isHidden()
    assert [n.text() for n in block.notes] == ["No sessions in the next 14 days.",
                                               "No milestone due in the next 14 days."]


def test_parent_sees_what_is_next_for_each_child(qtbot, make_ctx, school: School) -> None:
    _upcoming(school, school.chess, 1)
    _upcoming(school, school.drama, 1)  # the other student's activity
    page = _page(qtbot, make_ctx(school.parent))
    [block] = page.learner.next  # type: ignore[union-attr]
    assert [block.sessions.item(i).text().split("\n")[1] for i in range(block.sessions.count())] == [
        "Chess Club · Room 12"]


def test_many_sessions_show_the_first_six_and_say_how_many_more(qtbot, make_ctx, school: School) -> None:
    for day in range(1, 10):
        _upcoming(school, school.chess, day)
    page = _page(qtbot, make_ctx(school.student))
    [block] = page.learner.next  # type: ignore[union-attr]
    assert block.sessions.count() == 6
    assert [n.text() for n in block.notes][0] == "3 more in the Calendar"
    assert block.sessions.height() >= 6 * block.sessions.sizeHintForRow(0)  # no scrolling inside


def test_learner_dashboard_fits_1024_without_a_sideways_scrollbar(qtbot, make_ctx, school: School) -> None:
    from tracker.services.activities import ActivityInput

    s = school.services
    for name in ("Environmental Club and Sustainability Action Group", "Robotics"):
        a = s.activities.create_activity(school.admin, ActivityInput(name))
        s.progress.update_progress(school.admin, a.id, school.student.id, status="active")
    ctx = make_ctx(school.student)
    page = show_page(qtbot, ctx, DashboardPage(ctx), width=PAGE_AT_1024)
    learner = page.learner
    assert not learner.horizontalScrollBar().isVisible()  # type: ignore[union-attr]
    inner = learner.widget()  # type: ignore[union-attr]
    assert inner.width() <= learner.viewport().width()  # type: ignore[union-attr]
    for card in learner.cards:  # type: ignore[union-attr]
        assert card.mapTo(inner, card.rect().topRight()).x() <= inner.width()
        assert _fits(card.title)


def test_enter_on_whats_next_opens_the_calendar_and_the_progress_page(qtbot, make_ctx, school: School) -> None:
    from datetime import date, timedelta

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStackedWidget

    from ui.views.calendar import CalendarPage
    from ui.views.my_progress import MyProgressPage

    session = _upcoming(school, school.chess, 3)
    school.services.milestones.create_milestone(school.admin, school.chess, title="Openings",
                                                due_date=date.today() + timedelta(days=2))
    ctx = make_ctx(school.parent)

    class Window(QStackedWidget):
        """Stands in for the main window: pages by key."""

        def __init__(self) -> None:
            super().__init__()
            self.pages = {"dashboard": DashboardPage(ctx), "calendar": CalendarPage(ctx),
                          "progress": MyProgressPage(ctx)}
            for p in self.pages.values():
                self.addWidget(p)

        def show_page(self, key: str):  # type: ignore[no-untyped-def]
            page = self.pages[key]
            self.setCurrentWidget(page)
            page.on_shown()
            return page

    window = Window()
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    dashboard = window.show_page("dashboard")
    settle(qtbot, ctx)
    dashboard.focus_main()
    [block] = dashboard.learner.next
    assert block.sessions.hasFocus() and block.sessions.currentRow() == 0
    qtbot.keyClick(block.sessions, Qt.Key.Key_Return)
    settle(qtbot, ctx)
    calendar = window.pages["calendar"]
    assert window.currentWidget() is calendar
    assert calendar.current == date.today() + timedelta(days=3)
    assert calendar.selected() is not None and calendar.selected().id == session
    window.show_page("dashboard")
    settle(qtbot, ctx)
    [block] = dashboard.learner.next
    block.due.setCurrentRow(0)
    qtbot.keyClick(block.due, Qt.Key.Key_Return)
    settle(qtbot, ctx)
    progress = window.pages["progress"]
    assert window.currentWidget() is progress
    assert progress.student_id == school.student.id
    assert progress.selected_row().activity_id == school.chess


def test_staff_dashboard_focus_lands_in_the_activities_table(qtbot, make_ctx, school: School) -> None:
    from PySide6.QtCore import Qt

    ctx = make_ctx(school.admin)
    page = _page(qtbot, ctx)
    page.focus_main()
    view = page.staff.activities_view  # type: ignore[union-attr]
    assert view.hasFocus() and view.currentIndex().row() == 0
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 1
    opened: list[int] = []
    page.staff.activity_activated.connect(opened.append)  # type: ignore[union-attr]
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened == [view.currentIndex().data(RecordRole).summary.id]


def test_a_completed_card_says_why_instead_of_a_partial_bar(qtbot, make_ctx, school: School) -> None:
    s = school.services
    m = s.milestones.create_milestone(school.admin, school.chess, title="Openings", points=3, required=True)
    s.milestones.create_milestone(school.admin, school.chess, title="Extra", points=7, required=False)
    s.milestones.complete_milestone(school.admin, m.id, school.student.id)  # the rule completes it
    page = _page(qtbot, make_ctx(school.student))
    card = page.learner.cards[0]  # type: ignore[union-attr]
    assert card.pill.text() == "Completed"
    assert card.bar.isHidden() and card.percent.isHidden()
    assert card.completion is not None
    assert card.completion.text() == "✓ Completed — required milestones met"
    assert "30% of the milestone points earned: completion does not need them all." in card.detail.text()


def test_focus_asked_while_loading_lands_once_loaded(qtbot, make_ctx, school: School) -> None:
    ctx = make_ctx(school.admin)
    page = DashboardPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    page.on_shown()
    page.focus_main()  # as the main window does on switching, before the first read is back
    settle(qtbot, ctx)
    assert page.focusWidget() is page.staff.activities_view  # type: ignore[union-attr]
    assert page.staff.activities_view.currentIndex().row() == 0  # type: ignore[union-attr]


def test_staff_charts_are_built_when_their_tab_is_shown_and_follow_changes(qtbot, make_ctx, school: School) -> None:
    from ui.views.staff_charts import StaffCharts

    page = _page(qtbot, make_ctx(school.teacher))
    staff = page.staff
    assert staff is not None and page.staff_charts is None  # nothing built for whoever keeps to the list
    assert [staff.views.tabText(i) for i in range(staff.views.count())] == ["List", "Charts"]
    staff.views.setCurrentIndex(1)
    settle(qtbot, page.ctx)
    charts = page.staff_charts
    assert isinstance(charts, StaffCharts) and staff.views.currentWidget() is charts
    assert charts.data is not None
    # the teacher's one activity, by name, in the standing chart's table
    assert "Chess Club" in charts.standing.data.categories
    # back on the list, a change marks the charts stale; showing them again reads them again
    staff.views.setCurrentIndex(0)
    first = charts.data
    perform(lambda: school.services.enrollment.set_completed_by_hand(
        school.teacher, school.chess, school.student.id, "finished"))
    page.refresh()
    settle(qtbot, page.ctx)
    assert page.charts_stale and charts.data is first
    staff.views.setCurrentIndex(1)
    settle(qtbot, page.ctx)
    assert not page.charts_stale and charts.data is not first
