"""The Activities page: admins manage activities, teachers see theirs read-only."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton

from tests.conftest import School
from tests.ui.conftest import settle, show_page
from tracker.domain.changes import ChangeKind
from ui.dialogs.activity_dialog import ActivityDialog
from ui.views.activities import ActivitiesPage


def _page(qtbot, ctx) -> ActivitiesPage:  # type: ignore[no-untyped-def]
    return show_page(qtbot, ctx, ActivitiesPage(ctx))


def names(page: ActivitiesPage) -> list[str]:
    return [page.proxy.record(r).name for r in range(page.proxy.rowCount())]


def buttons(page: ActivitiesPage) -> set[str]:
    return {b.text() for b in page.findChildren(QPushButton) if b.isVisibleTo(page)}


def test_admin_sees_every_activity_with_figures(qtbot, ctx, school: School) -> None:
    page = _page(qtbot, ctx)
    assert names(page) == ["Chess Club", "Drama"]
    chess = page.proxy.record(0)
    assert (chess.enrolled, chess.active, chess.leads) == (2, 2, ("Tina Teacher",))
    assert {"New activity…", "Edit…", "Archive"} <= buttons(page)


def test_search_and_category_filter(qtbot, ctx, school: School) -> None:
    from tracker.services.activities import ActivityInput

    school.services.activities.create_activity(school.admin, ActivityInput("Football", category="Sport"))
    page = _page(qtbot, ctx)
    page.search.setText("drama")
    page.search.flush()
    assert names(page) == ["Drama"]
    page.search.setText("")
    page.search.flush()
    page.category.setCurrentIndex(page.category.findData("Sport"))
    assert names(page) == ["Football"]
    assert page.count.text() == "1 of 3 activities"


def test_teacher_sees_only_their_activities_without_editing(qtbot, make_ctx, school: School) -> None:
    page = _page(qtbot, make_ctx(school.teacher))
    assert names(page) == ["Chess Club"]
    assert page.new_action is None
    assert not {"New activity…", "Edit…", "Archive"} & buttons(page)
    assert page.new_activity() is None


def test_admin_creates_an_activity_through_the_dialog(qtbot, ctx, school: School) -> None:
    page = _page(qtbot, ctx)
    dialog = page.new_activity()
    assert isinstance(dialog, ActivityDialog)
    settle(qtbot, ctx)  # teachers loaded into the lists
    assert dialog.leads.count() == 2
    dialog.name.setText("Robotics")
    dialog.category.setCurrentText("STEM")
    dialog.capacity.setValue(12)
    dialog.min_attendance.setValue(80)
    dialog.signoff.setChecked(True)
    dialog.check(dialog.leads, school.teacher.id)
    dialog.check(dialog.co_leads, school.other_teacher.id)
    dialog.accept()
    settle(qtbot, ctx)
    assert "Robotics" in names(page)
    assert page.selected().name == "Robotics"  # type: ignore[union-attr]
    made = [a for a in school.services.activities.list_activities(school.admin) if a.name == "Robotics"][0]
    assert (made.category, made.capacity, made.min_attendance_pct, made.requires_signoff) == (
        "STEM", 12, 80.0, True)
    assert made.lead_ids[0] == school.teacher.id
    assert made.co_lead_ids == (school.other_teacher.id,)


def test_empty_name_is_shown_inline_and_nothing_is_created(qtbot, ctx, school: School) -> None:
    page = _page(qtbot, ctx)
    dialog = page.new_activity()
    settle(qtbot, ctx)
    dialog.accept()
    settle(qtbot, ctx)
    assert "needs a name" in dialog.field_errors["name"][0].text()
    assert len(school.services.activities.list_activities(school.admin)) == 2
    dialog.reject()


def test_admin_edits_an_activity(qtbot, ctx, school: School) -> None:
    page = _page(qtbot, ctx)
    assert page.select_activity(school.drama)
    dialog = page.edit_activity()
    settle(qtbot, ctx)
    assert dialog.name.text() == "Drama"
    dialog.name.setText("Drama Society")
    dialog.location.setText("Hall")
    dialog.accept()
    settle(qtbot, ctx)
    edited = school.services.activities.get_activity(school.admin, school.drama)
    assert (edited.name, edited.location) == ("Drama Society", "Hall")
    assert edited.lead_ids == (school.other_teacher.id,)  # leads kept
    assert "Drama Society" in names(page)


def test_the_certificate_switch_is_on_by_default_and_saved(qtbot, ctx, school: School) -> None:
    page = _page(qtbot, ctx)
    assert page.select_activity(school.drama)
    dialog = page.edit_activity()
    settle(qtbot, ctx)
    assert dialog.certificate.isChecked()
    assert dialog.certificate.text() == "Issue a certificate on completion"
    dialog.certificate.setChecked(False)
    dialog.accept()
    settle(qtbot, ctx)
    assert not school.services.activities.get_activity(school.admin, school.drama).certificate_on_completion


def test_admin_archives_and_unarchives(qtbot, monkeypatch, ctx, school: School) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page = _page(qtbot, ctx)
    assert page.select_activity(school.drama)
    page.archive_action.trigger()  # type: ignore[union-attr]
    settle(qtbot, ctx)
    assert school.services.activities.get_activity(school.admin, school.drama).archived
    assert names(page) == ["Chess Club"]
    page.show_archived.setChecked(True)
    assert names(page) == ["Chess Club", "Drama"]
    assert page.select_activity(school.drama)
    assert page.archive_action.text() == "Unarchive"  # type: ignore[union-attr]
    page.archive_action.trigger()  # type: ignore[union-attr]
    settle(qtbot, ctx)
    assert not school.services.activities.get_activity(school.admin, school.drama).archived


def test_archiving_refreshes_the_open_dashboard_and_marks_hidden_pages_stale(
        qtbot, monkeypatch, ctx, school: School) -> None:
    """The archive is published from what its unit of work committed, with the page that ran it:
    a dashboard on screen drops the activity at once; a page hidden meanwhile reloads when shown."""
    from ui.views.dashboard import DashboardPage

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    seen: list[tuple[object, object]] = []
    ctx.events.changed.connect(lambda changes, initiator: seen.append((changes, initiator)))
    page = _page(qtbot, ctx)
    dashboard = show_page(qtbot, ctx, DashboardPage(ctx))
    hidden = show_page(qtbot, ctx, ActivitiesPage(ctx))
    hidden.hide()
    assert page.select_activity(school.drama)
    page.archive_action.trigger()  # type: ignore[union-attr]
    settle(qtbot, ctx)
    (changes, initiator), = seen
    assert school.drama in changes.of(ChangeKind.ACTIVITY) and initiator is page
    model = dashboard.staff.activities_model  # type: ignore[union-attr]
    assert [model.record(r).summary.name for r in range(model.rowCount())] == ["Chess Club"]
    assert hidden.stale and names(hidden) == ["Chess Club", "Drama"]
    hidden.show()
    settle(qtbot, ctx)
    assert not hidden.stale and names(hidden) == ["Chess Club"]


# --------------------------------------------------------------------------- fit and keyboard
def _many_activities(school: School) -> None:
    from tracker.services.activities import ActivityInput

    for i in range(6):
        school.services.activities.create_activity(school.admin, ActivityInput(
            f"Club {i}", category="Clubs", capacity=20,
            lead_ids=[school.teacher.id, school.other_teacher.id]))


@pytest.mark.parametrize("width", [792, 1048])  # 1024 and 1280 px screens, less the sidebar
def test_no_sideways_scrollbar_and_the_leads_are_readable(qtbot, ctx, school: School, width: int) -> None:
    from ui.models.activities import ActivitiesModel as M

    _many_activities(school)
    page = show_page(qtbot, ctx, ActivitiesPage(ctx), width=width)
    header = page.table.horizontalHeader()
    assert header.length() <= page.table.viewport().width()
    assert not page.table.horizontalScrollBar().isVisible()
    assert not header.isSectionHidden(M.LEADS)
    row = next(r for r in range(page.proxy.rowCount()) if page.proxy.record(r).name == "Club 0")
    leads = "Otto Other, Tina Teacher"
    assert page.table.fontMetrics().horizontalAdvance(leads) + 16 <= header.sectionSize(M.LEADS)
    assert page.proxy.index(row, M.LEADS).data() == leads
    for c in (M.NAME, M.ENROLLED, M.ACTIVE, M.COMPLETED):
        assert not header.isSectionHidden(c)


def test_the_details_card_tells_what_hidden_columns_say(qtbot, ctx, school: School) -> None:
    from tracker.services.activities import ActivityInput

    a = school.services.activities.create_activity(school.admin, ActivityInput("Robotics", capacity=10))
    school.services.milestones.create_milestone(school.admin, a.id, title="Build")
    page = show_page(qtbot, ctx, ActivitiesPage(ctx), width=792)
    assert page.columns.hidden  # a small screen hides some figures…
    assert page.select_activity(a.id)
    facts = page.detail_facts.text()
    assert "0 enrolled of 10" in facts and "1 milestone" in facts  # …the card below has them


def test_filter_bar_fits_at_1024(qtbot, ctx, school: School) -> None:
    page = show_page(qtbot, ctx, ActivitiesPage(ctx), width=792)
    row = [page.search, page.category, page.show_archived, page.action_bar]
    for i, a in enumerate(row):
        assert a.geometry().right() <= page.filter_bar.width()
        for b in row[i + 1:]:
            assert not a.geometry().intersects(b.geometry())


def test_focus_lands_in_the_list_and_enter_opens_the_activity(qtbot, ctx, school: School) -> None:
    from PySide6.QtCore import Qt

    page = _page(qtbot, ctx)
    page.focus_main()
    assert page.table.hasFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    assert page.selected().name == "Drama"  # type: ignore[union-attr]
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    settle(qtbot, ctx)
    assert page.detail_page is not None and page.detail_page.activity_id == school.drama
    page.focus_main()  # on the activity's own page: its roster (the focus the window gives back)
    assert page.focusWidget() is page.detail_page.roster.table
    page.close_activity()


def test_enter_in_the_search_box_opens_the_only_match(qtbot, ctx, school: School) -> None:
    from PySide6.QtCore import Qt

    page = _page(qtbot, ctx)
    page.search.setFocus()
    qtbot.keyClicks(page.search, "chess")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    settle(qtbot, ctx)
    assert page.detail_page is not None and page.detail_page.activity_id == school.chess
    page.close_activity()
