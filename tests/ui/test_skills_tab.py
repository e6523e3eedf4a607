"""The Skills tab: students × skills, assessing a selection, the growth chart, participation."""

from __future__ import annotations

import sys
from datetime import date, datetime

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
    assert m.headerData(SkillsGridModel.PARTICIPATION, Qt.Orientation.Horizontal,
                        Qt.ItemDataRole.ToolTipRole) == HOW_COMPUTED
    assert tab.help.toolTip() == HOW_COMPUTED
    assert m.index(1, SkillsGridModel.FIRST_SKILL).data() == "Developing"
    assert m.index(0, SkillsGridModel.FIRST_SKILL).data() == "—"
    assert "Proficient" in tab.targets.text()
    assert m.index(0, SkillsGridModel.PARTICIPATION).data() == "— · — · —"


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
