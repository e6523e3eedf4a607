"""The Skills tab: students × skills, assessing a selection, the growth chart, participation."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QDate, QItemSelectionModel, Qt

from tests.conftest import School
from tests.ui.conftest import settle
from tracker.domain.participation import HOW_COMPUTED
from ui.dialogs.assess_dialog import AssessDialog
from ui.models.skills import SkillsGridModel
from ui.views.activity_skills import SkillsTab


def _tab(qtbot, ctx, activity: int) -> SkillsTab:  # type: ignore[no-untyped-def]
    tab = SkillsTab(ctx, activity)
    qtbot.addWidget(tab)
    tab.resize(1100, 600)
    tab.show()
    settle(qtbot, ctx)
    return tab


def _select_all(tab: SkillsTab) -> None:
    tab.table.selectAll()


def _select_row(tab: SkillsTab, row: int) -> None:
    tab.table.selectionModel().setCurrentIndex(
        tab.model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


def test_pyqtgraph_is_not_imported_by_the_module() -> None:
    import importlib

    import ui.views.activity_skills as mod

    importlib.reload(mod)  # importing the module alone must not need pyqtgraph
    assert "import pyqtgraph" not in open(mod.__file__, encoding="utf-8").read().split("class SkillsTab")[0]


def test_tab_shows_students_skills_and_participation_help(qtbot, ctx, school: School) -> None:
    s = school.services
    k = s.skills.create_skill(school.admin, "Strategy", "Thinking")
    s.skills.set_activity_skills(school.admin, school.chess, [(k.id, 3)])
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 2)
    tab = _tab(qtbot, ctx, school.chess)
    m = tab.model
    assert [st.name for st in m.students] == ["Olga Other", "Sam Student"]
    assert m.headerData(SkillsGridModel.FIRST_SKILL, Qt.Orientation.Horizontal) == "Strategy ◎"
    assert tab.help.toolTip() == HOW_COMPUTED
    assert m.index(1, SkillsGridModel.FIRST_SKILL).data() == "Developing"
    assert m.index(0, SkillsGridModel.FIRST_SKILL).data() == "—"
    assert "Proficient" in tab.targets.text()
    assert [m.index(0, c).data() for c in SkillsGridModel.PARTICIPATION] == ["—", "—", "—"]


def test_assess_a_selection_is_persisted_and_charted(qtbot, ctx, school: School) -> None:
    s = school.services
    k = s.skills.create_skill(school.admin, "Strategy")
    s.skills.set_activity_skills(school.admin, school.chess, [(k.id, None)])
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 1, "", date(2025, 9, 1))
    tab = _tab(qtbot, ctx, school.chess)
    _select_all(tab)
    assert tab.selected_ids() == [school.other_student.id, school.student.id]
    dialog = tab.open_assess()
    assert isinstance(dialog, AssessDialog)
    assert dialog.skill.currentData() == k.id
    assert [dialog.level.itemData(i) for i in range(dialog.level.count())] == [1, 2, 3, 4]
    dialog.level.setCurrentIndex(dialog.level.findData(3))
    dialog.day.setDate(QDate(2026, 1, 15))
    dialog.evidence.setPlainText("Won the club tournament")
    dialog.accept()
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: tab.model.index(0, SkillsGridModel.FIRST_SKILL).data() == "Proficient")
    for sid in (school.student.id, school.other_student.id):
        last = s.skills.history(school.admin, sid, k.id)[-1]
        assert (last.level, last.evidence, last.assessed_at) == (3, "Won the club tournament",
                                                                  datetime(2026, 1, 15))
    # the chart: Sam's two assessments over time
    _select_row(tab, 1)
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: len(tab.history) == 2)
    xs, ys = tab.curve.getData()
    assert list(ys) == [1.0, 3.0] and xs[0] < xs[1]
    assert "2 assessments" in tab.chart_note.text()
    assert "pyqtgraph" in sys.modules


def test_skills_model_passes_the_model_tester(qtbot, qtmodeltester, ctx, school: School) -> None:
    s = school.services
    k = s.skills.create_skill(school.admin, "Strategy")
    s.skills.set_activity_skills(school.admin, school.chess, [(k.id, 2)])
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 2)
    tab = _tab(qtbot, ctx, school.chess)
    qtmodeltester.check(tab.model)


def test_activity_page_has_a_skills_tab_for_its_teacher(qtbot, make_ctx, school: School) -> None:
    from ui.views.activity_detail import ActivityDetailPage

    ctx = make_ctx(school.teacher)
    page = ActivityDetailPage(ctx, school.chess)
    qtbot.addWidget(page)
    settle(qtbot, ctx)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "Skills" in titles and page.skills is not None
    student_ctx = make_ctx(school.student)
    student_page = ActivityDetailPage(student_ctx, school.chess)
    qtbot.addWidget(student_page)
    settle(qtbot, student_ctx)
    assert student_page.skills is None


def test_student_sees_their_own_skills_growth(qtbot, make_ctx, school: School) -> None:
    from ui.views.student_skills import StudentSkillsView

    s = school.services
    k = s.skills.create_skill(school.admin, "Strategy")
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 1, "", date(2025, 9, 1))
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 2, "better", date(2025, 11, 1))
    ctx = make_ctx(school.student)
    view = StudentSkillsView(ctx, school.student.id)
    qtbot.addWidget(view)
    settle(qtbot, ctx)
    assert view.skills.count() == 1
    assert "Developing" in view.skills.item(0).text() and "up from Beginning" in view.skills.item(0).text()
    xs, ys = view.curve.getData()
    assert list(ys) == [1.0, 2.0]
    assert "better" in view.note.text()
    other = make_ctx(school.other_student)
    denied = StudentSkillsView(other, school.student.id)
    qtbot.addWidget(denied)
    settle(qtbot, other)
    assert "may not" in denied.note.text()


@pytest.mark.parametrize("view, user", [("skills", "tina"), ("skills", "admin"), ("student-progress", "sam"),
                                        ("student-progress", "pat")])
def test_skills_screenshot_views_render(tmp_path, school: School, view: str, user: str) -> None:
    from PySide6.QtGui import QImage

    from tests.conftest import PASSWORD
    from tracker.cli import build_parser
    from ui.screenshot import run_screenshot

    s = school.services
    k = s.skills.create_skill(school.admin, "Strategy")
    s.skills.set_activity_skills(school.admin, school.chess, [(k.id, 3)])
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 1, "", date(2025, 9, 1))
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 2, "", date(2025, 11, 1))
    out = tmp_path / f"{view}.png"
    args = build_parser().parse_args(["screenshot", "--db", str(s.db.url.database), "--user", user,
                                      "--password", PASSWORD, "--view", view, "--out", str(out)])
    assert run_screenshot(args) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)


def test_hidden_tab_loads_only_when_shown(qtbot, ctx, school: School) -> None:
    from ui.ops import WriteOp

    tab = SkillsTab(ctx, school.chess)
    qtbot.addWidget(tab)
    skills = school.services.skills
    with qtbot.waitSignal(ctx.events.changed, timeout=10_000):  # a change the tab watches, while hidden
        WriteOp(None, ctx, lambda state: skills.create_skill(school.admin, "Strategy")).run_in_background()
    settle(qtbot, ctx)
    assert tab.snapshot is None  # an activity page does not pay for a tab nobody opened
    tab.show()
    settle(qtbot, ctx)
    assert tab.snapshot is not None and len(tab.model.students) == 2


def test_choose_target_skills_in_the_dialog(qtbot, make_ctx, school: School) -> None:
    from ui.dialogs.target_skills_dialog import TargetSkillsDialog

    s = school.services
    a = s.skills.create_skill(school.admin, "Strategy")
    b = s.skills.create_skill(school.admin, "Focus")
    s.skills.set_activity_skills(school.admin, school.chess, [(a.id, 2)])
    ctx = make_ctx(school.teacher)
    tab = _tab(qtbot, ctx, school.chess)
    dialog = tab.open_targets()
    assert isinstance(dialog, TargetSkillsDialog)
    assert dialog.value() == [(a.id, 2)]
    dialog.set_checked(a.id, False)
    dialog.set_checked(b.id, True, 4)
    dialog.accept()
    settle(qtbot, ctx)
    assert [(k.skill_id, k.target_level) for k in s.skills.activity_skills(school.teacher, school.chess)] == [
        (b.id, 4)]
    qtbot.waitUntil(lambda: "Focus → Advanced" in tab.targets.text())


# --------------------------------------------------------------------------- labelled parts, fit, chart


def _rated_and_dated(school: School) -> None:
    """Sam: three rated sessions (2, 3, 4: rising), all present; the activity has dates (pace)."""
    from datetime import time, timedelta

    from tracker.services.activities import ActivityInput
    from tracker.services.attendance import MarkChange

    s, today = school.services, date.today()
    s.activities.update_activity(school.admin, school.chess, ActivityInput(
        "Chess Club", lead_ids=[school.teacher.id], start_date=today - timedelta(days=30),
        end_date=today + timedelta(days=30)))
    codes = {st.code: st.id for st in s.attendance.statuses(school.admin)}
    sessions = []
    for i in range(3):
        start = datetime.combine(today, time(0, 1 + i))
        sessions.append(s.calendar.add_extra_session(school.admin, school.chess, start,
                                                     start + timedelta(minutes=1)).id)
    s.attendance.apply(school.teacher, [MarkChange(sid, school.student.id, codes["P"], participation=r,
                                                   check_version=False)
                                        for sid, r in zip(sessions, (2, 3, 4), strict=True)])


def test_participation_is_three_labelled_columns_each_explained(qtbot, ctx, school: School) -> None:
    _rated_and_dated(school)
    tab = _tab(qtbot, ctx, school.chess)
    m = tab.model
    heads = [m.headerData(c, Qt.Orientation.Horizontal) for c in SkillsGridModel.PARTICIPATION]
    assert heads == ["Rating", "Attendance", "Pace"]
    tips = [m.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
            for c in SkillsGridModel.PARTICIPATION]
    assert tips[0].startswith("Average rating:") and "\nTrend:" in tips[0]
    assert tips[1].startswith("Attendance:") and "Pace" not in tips[1]
    assert tips[2].startswith("Pace:") and "rating" not in tips[2]
    row = [st.id for st in m.students].index(school.student.id)
    rating, attendance, pace = (m.index(row, c).data() for c in SkillsGridModel.PARTICIPATION)
    assert (rating, attendance) == ("3.0 ↗", "100%")
    assert re.fullmatch(r"0 pts|[+−]\d+ pts", pace)
    assert "3 rated sessions" in m.index(row, SkillsGridModel.PACE).data(Qt.ItemDataRole.ToolTipRole)


def _three_skills(school: School) -> None:
    s = school.services
    skills = [s.skills.create_skill(school.admin, n) for n in ("Resilience", "Teamwork", "Time management")]
    s.skills.set_activity_skills(school.admin, school.chess, [(k.id, 3) for k in skills])
    for k in skills:
        s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 1, "", date(2025, 9, 1))


def test_at_1024_level_names_are_whole_or_elided_never_cut(qtbot, ctx, school: School) -> None:
    _three_skills(school)
    tab = _tab(qtbot, ctx, school.chess)
    tab.resize(752, 560)  # the tab's width in a 1024-pixel window
    qtbot.waitUntil(lambda: tab.split.orientation() == Qt.Orientation.Vertical)  # the chart under the table
    header, viewport = tab.table.horizontalHeader(), tab.table.viewport().width()
    qtbot.waitUntil(lambda: header.sectionViewportPosition(tab.model.columnCount() - 1)
                    + header.sectionSize(tab.model.columnCount() - 1) <= viewport)
    row = [st.id for st in tab.model.students].index(school.student.id)
    fm = tab.table.fontMetrics()
    for col in range(SkillsGridModel.FIRST_SKILL, tab.model.columnCount()):
        index = tab.model.index(row, col)
        assert index.data() == "Beginning"
        assert index.data(Qt.ItemDataRole.ToolTipRole).startswith("Beginning (level 1), assessed")
        whole = fm.horizontalAdvance("Beginning") + 12 <= header.sectionSize(col)
        assert whole or tab.table.textElideMode() == Qt.TextElideMode.ElideRight
    assert header.textElideMode() == Qt.TextElideMode.ElideRight  # a narrowed title ends with "…"
    # a wide tab has the chart beside the table and every column at its full width
    tab.resize(1500, 700)
    qtbot.waitUntil(lambda: tab.split.orientation() == Qt.Orientation.Horizontal)
    last = tab.model.columnCount() - 1
    assert header.sectionSize(last) >= tab.table.horizontalHeader().fontMetrics().horizontalAdvance(
        "Time management ◎")


def test_no_assessments_shows_an_empty_state_not_empty_axes(qtbot, ctx, school: School) -> None:
    s = school.services
    k = s.skills.create_skill(school.admin, "Strategy")
    s.skills.set_activity_skills(school.admin, school.chess, [(k.id, 2)])
    tab = _tab(qtbot, ctx, school.chess)
    assert tab.chart.is_empty() and not tab.plot.isVisible()  # nobody selected yet
    _select_row(tab, [st.id for st in tab.model.students].index(school.student.id))
    settle(qtbot, ctx)
    assert tab.chart.is_empty() and tab.chart.empty.isVisible()
    assert tab.chart.empty.title_label.text() == "No assessments yet"
    assert "Sam Student has not been assessed on Strategy yet." in tab.chart.empty.message_label.text()
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 1, "", date(2025, 9, 1))
    s.skills.assess(school.admin, school.chess, [school.student.id], k.id, 2, "", date(2026, 1, 20))
    tab.refresh()
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: len(tab.history) == 2)
    assert not tab.chart.is_empty() and tab.plot.isVisible()
    ticks = tab.plot.getAxis("bottom")._tickLevels[0]
    labels = [label for _x, label in ticks]
    assert labels == ["Sep 2025", "Oct", "Nov", "Dec", "Jan 2026"]  # one a month, none twice


def test_pace_reads_with_a_true_minus_sign_and_no_signed_zero() -> None:
    from ui.models.skills import pace_text

    def pace(value: float | None) -> str:
        return pace_text(SimpleNamespace(pace=value))  # type: ignore[arg-type]

    assert [pace(v) for v in (-21.4, -0.4, 0.0, 5.2, None)] == ["−21 pts", "0 pts", "0 pts", "+5 pts", "—"]
    assert pace_text(None) == "—"


def test_time_ticks_one_a_week_over_weeks_and_one_a_month_over_months() -> None:
    from ui.views.growth_chart import time_ticks

    weeks = [label for _x, label in time_ticks(datetime(2026, 10, 28), datetime(2026, 11, 20))]
    assert weeks == ["2 Nov", "9 Nov", "16 Nov"]
    months = [label for _x, label in time_ticks(datetime(2026, 8, 20), datetime(2027, 2, 10))]
    assert months == ["Sep 2026", "Oct", "Nov", "Dec", "Jan 2027", "Feb"]
    years = [label for _x, label in time_ticks(datetime(2025, 1, 1), datetime(2026, 12, 31))]
    assert len(years) == len(set(years)) and len(years) <= 9  # every third month over two years
    narrow = [label for _x, label in time_ticks(datetime(2026, 9, 1), datetime(2026, 11, 2), most=3)]
    assert narrow == ["7 Sep", "28 Sep", "19 Oct"]  # a narrow chart: every third week
    assert time_ticks(datetime(2026, 1, 1), datetime(2026, 1, 1)) == []


def test_a_student_without_assessments_sees_an_empty_state(qtbot, make_ctx, school: School) -> None:
    from ui.views.student_skills import StudentSkillsView

    ctx = make_ctx(school.student)
    view = StudentSkillsView(ctx, school.student.id)
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    settle(qtbot, ctx)
    assert view.chart.is_empty() and view.chart.empty.title_label.text() == "No assessments yet"
    assert not view.skills.isVisible() and not view.plot.isVisible()
