"""The table models keep snapshots, answer the custom roles and pass Qt's model tester."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.conftest import School
from tracker.domain.enums import Role
from ui.models import (
    ActivitiesModel,
    ActivityFiguresModel,
    AtRiskModel,
    FilterProxy,
    RecordRole,
    SortRole,
    UsersModel,
    ValueRole,
)


def test_users_model_passes_the_model_tester_and_returns_records(qtmodeltester, school: School) -> None:
    users = school.services.people.find_users(school.admin)
    model = UsersModel()
    model.set_rows(users)
    qtmodeltester.check(model)
    assert model.rowCount() == len(users)
    assert model.columnCount() == len(UsersModel.columns)
    first = model.index(0, UsersModel.NAME)
    assert model.data(first, RecordRole) == users[0]
    assert model.data(first) == users[0].display_name
    assert model.headerData(UsersModel.STATUS, Qt.Orientation.Horizontal) == "Status"


def test_activities_model_passes_the_model_tester(qtmodeltester, school: School) -> None:
    model = ActivitiesModel()
    model.set_rows(school.services.activities.list_activities(school.admin))
    qtmodeltester.check(model)
    names = [model.data(model.index(r, ActivitiesModel.NAME)) for r in range(model.rowCount())]
    assert names == ["Chess Club", "Drama"]
    assert model.data(model.index(0, ActivitiesModel.ACTIVE), ValueRole) == 2


def test_dashboard_models_pass_the_model_tester(qtmodeltester, school: School) -> None:
    dash = school.services.analytics.dashboard(school.admin)
    figures = ActivityFiguresModel()
    figures.set_rows(dash.activities)
    qtmodeltester.check(figures)
    risk = AtRiskModel()
    rows = school.services.progress.activity_progress(school.admin, school.chess)
    risk.set_rows(rows)
    qtmodeltester.check(risk)
    assert risk.data(risk.index(0, AtRiskModel.PROGRESS), ValueRole) == rows[0].progress_percentage


def test_proxy_filters_by_words_and_predicate_and_sorts_by_key(qtmodeltester, school: School) -> None:
    model = UsersModel()
    model.set_rows(school.services.people.find_users(school.admin))
    proxy = FilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_search("sam")
    assert [proxy.record(r).username for r in range(proxy.rowCount())] == ["sam"]
    proxy.set_search("")
    proxy.set_predicate(lambda u: u.role is Role.TEACHER)
    assert {proxy.record(r).username for r in range(proxy.rowCount())} == {"tina", "otto"}
    proxy.set_predicate(None)
    proxy.sort(UsersModel.NAME, Qt.SortOrder.DescendingOrder)
    names = [proxy.index(r, UsersModel.NAME).data() for r in range(proxy.rowCount())]
    assert names == sorted(names, key=str.lower, reverse=True)
    assert proxy.index(0, UsersModel.NAME).data(SortRole) == names[0].lower()


def test_set_rows_replaces_the_snapshot(qtmodeltester, school: School) -> None:
    model = UsersModel()
    users = school.services.people.find_users(school.admin)
    model.set_rows(users)
    model.set_rows(users[:2])
    assert model.rowCount() == 2
    model.set_rows([])
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_header_sort_keeps_the_selected_record_selected(qtbot, school: School) -> None:
    from PySide6.QtWidgets import QTableView

    model = UsersModel()
    model.set_rows(school.services.people.find_users(school.admin))
    proxy = FilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(UsersModel.NAME, Qt.SortOrder.AscendingOrder)
    view.selectRow(0)
    chosen = proxy.record(0)
    view.sortByColumn(UsersModel.NAME, Qt.SortOrder.DescendingOrder)
    rows = view.selectionModel().selectedRows()
    assert [proxy.record(i.row()) for i in rows] == [chosen]
    assert proxy.record(proxy.rowCount() - 1) == chosen
    model.set_rows(model.rows())  # a reload keeps the sort order
    assert proxy.record(proxy.rowCount() - 1).display_name == chosen.display_name


def test_whats_next_reads_like_people_say_it() -> None:
    from datetime import date, datetime

    from tracker.services.calendar import SessionInfo
    from tracker.services.milestones import DueMilestone
    from ui.models.dashboard import day_word, due_what, due_when, session_what, session_when

    today = date(2026, 3, 2)  # a Monday
    assert [day_word(date(2026, 3, d), today) for d in (2, 3, 4)] == ["Today", "Tomorrow", "Wed 4 Mar"]
    s = SessionInfo(1, "u", 1, "Chess Club", None, datetime(2026, 3, 3, 15, 30), datetime(2026, 3, 3, 16, 30),
                    None, "Room 12", False, "", False)
    assert session_when(s, today) == "Tomorrow, 15:30–16:30"
    assert session_what(s) == "Chess Club · Room 12"
    off = SessionInfo(2, "v", 1, "Chess Club", 1, datetime(2026, 3, 5, 15, 30), datetime(2026, 3, 5, 16, 30),
                      None, "", True, "Exams", False)
    assert session_what(off) == "Chess Club · Cancelled: Exams"
    m = DueMilestone(7, 1, "Chess Club", 3, "Openings", date(2026, 3, 5), True, 5)
    assert due_when(m, today) == "Due Thu 5 Mar (in 3 days)"
    assert due_what(m) == "Openings · Chess Club · required, 5 points"
    soon = DueMilestone(7, 1, "Chess Club", 4, "Moves", today, False, 1)
    assert (due_when(soon, today), due_what(soon)) == ("Due today", "Moves · Chess Club · optional, 1 point")


def test_a_completed_row_reads_completed_with_why_in_the_tooltip(school: School) -> None:
    import dataclasses

    from tracker.domain.enums import ProgressStatus
    from tracker.domain.progress import CompletionRule
    from ui.models.my_progress import EnrollmentsModel

    [row] = school.services.progress.get_user_progress(school.admin, school.student.id)
    done = dataclasses.replace(row, status=ProgressStatus.COMPLETED, progress_percentage=38.0,
                               rule=CompletionRule(True, 75.0, False), status_manual=False)
    model = EnrollmentsModel()
    model.set_rows([row, done])
    index = model.index(1, EnrollmentsModel.PROGRESS)
    assert model.data(index) == "Completed" and model.data(index, ValueRole) == "Completed"
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == (
        "Completed — attendance and required milestones met\n"
        "38% of the milestone points earned: completion does not need them all.")
    assert model.data(model.index(0, EnrollmentsModel.PROGRESS), ValueRole) == 0.0
    assert model.data(index, SortRole) == 38.0  # sorts by the figure
