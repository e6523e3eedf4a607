"""The chart base (ui/charts): what every chart shows and offers — values drawn by kind, hover
tooltips with exact values, export to PNG/SVG, copied data, the table alternative, the empty
state, elided category names and the colour-blind safe palette."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QFontMetrics, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QToolTip

from tracker.domain.standing import Standing
from ui.charts import palette
from ui.charts.axes import category_ticks, number_text, to_x
from ui.charts.base import Y_TITLE_REACH, ChartData, ChartPanel, Series, legend_columns

WEEKS = tuple(date(2026, 10, 20) + timedelta(weeks=i) for i in range(4))  # 20 Oct … 10 Nov
LONG = ("Chess Club", "Robotics and Engineering Society of Riverside", "Choir", "Debate and Public Speaking",
        "Drama Workshop for Beginners", "Football", "Art", "Coding Club", "Photography", "Model United Nations")


def _attendance() -> ChartData:
    return ChartData("Weekly attendance", "Week", "Attendance", (
        Series("Chess Club", tuple(zip(WEEKS, (80.0, 92.25, 86.5, 90.0), strict=True))),
        Series("Choir", tuple(zip(WEEKS, (70.0, 75.0, 60.0, 65.5), strict=True))),
    ), x_kind="date", y_unit="%", y_range=(0, 100), x_hover="week of {}")


def _standings() -> ChartData:
    return ChartData("Standing over time", "Week", "Students", tuple(
        Series(s.label, tuple((d, float(n)) for d, n in zip(WEEKS, counts, strict=True)), kind="bar",
               colour=palette.standing_colour(s))
        for s, counts in ((Standing.ON_TRACK, (10, 9, 8, 8)), (Standing.BEHIND, (3, 4, 4, 5)),
                          (Standing.AT_RISK, (1, 1, 2, 1)))), x_kind="date", stacked=True)


def _comparison() -> ChartData:
    return ChartData("Activity comparison", "Attendance", "Completion", (
        Series("Activities", ((92.0, 80.0), (70.0, 45.5), (85.0, 60.0)), kind="scatter",
               sizes=(24.0, 6.0, 12.0), labels=("Chess Club", "Choir", "Debate")),
    ), x_unit="%", y_unit="%")


def _participation() -> ChartData:
    return ChartData("Participation by activity", "Activity", "Students", (
        Series("Enrolled", tuple((float(i), float(10 + i)) for i in range(len(LONG))), kind="bar"),
    ), x_kind="category", categories=LONG)


def _panel(qtbot, data: ChartData, size: tuple[int, int] = (600, 360)) -> ChartPanel:  # type: ignore[no-untyped-def]
    panel = ChartPanel(data)
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _scene_pos(panel: ChartPanel, x: object, y: float) -> QPointF:
    return panel.plot.plotItem.vb.mapViewToScene(QPointF(to_x(x), y))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- drawing by kind
def test_each_kind_draws_one_item_with_every_point(qtbot) -> None:
    import pyqtgraph as pg

    line = _panel(qtbot, _attendance())
    assert len(line.items) == 2 and all(isinstance(i, pg.PlotDataItem) for i in line.items)
    xs, ys = line.items[0].getData()
    assert list(ys) == [80.0, 92.25, 86.5, 90.0] and list(xs) == [to_x(d) for d in WEEKS]

    bars = _panel(qtbot, _participation())
    (bar,) = bars.items
    assert isinstance(bar, pg.BarGraphItem) and list(bar.opts["height"]) == [10.0 + i for i in range(len(LONG))]

    scatter = _panel(qtbot, _comparison())
    (dots,) = scatter.items
    assert isinstance(dots, pg.ScatterPlotItem) and len(dots.data) == 3
    sizes = list(dots.data["size"])
    assert sizes[0] > sizes[2] > sizes[1]  # drawn by enrolment

    steps = _panel(qtbot, ChartData("Points", "Date", "Points", (
        Series("Sam", ((date(2026, 9, 1), 0.0), (date(2026, 9, 20), 15.0), (date(2026, 10, 3), 40.0)), kind="step"),),
        x_kind="date"))
    (step,) = steps.items
    assert step.opts["stepMode"] == "left" and list(step.getData()[1]) == [0.0, 15.0, 40.0]


def test_stacked_bars_start_where_the_one_below_ends(qtbot) -> None:
    panel = _panel(qtbot, _standings())
    on_track, behind, at_risk = panel.items
    assert list(behind.opts["y0"]) == [10, 9, 8, 8]
    assert list(at_risk.opts["y0"]) == [13, 13, 12, 13]
    assert list(at_risk.opts["height"]) == [1, 1, 2, 1]
    assert list(on_track.opts["x"]) == list(at_risk.opts["x"])  # one bar a week


def test_bars_of_several_series_stand_side_by_side(qtbot) -> None:
    data = ChartData("Enrolled and completed", "Activity", "Students", (
        Series("Enrolled", ((0, 10.0), (1, 12.0)), kind="bar"),
        Series("Completed", ((0, 4.0), (1, 6.0)), kind="bar")), x_kind="category", categories=("Chess", "Choir"))
    panel = _panel(qtbot, data)
    enrolled, completed = panel.items
    width = enrolled.opts["width"]
    assert all(c - e >= width - 1e-9 for e, c in zip(enrolled.opts["x"], completed.opts["x"], strict=True))
    assert list(completed.opts["y0"]) == [0, 0]


def test_a_redraw_keeps_the_items_of_the_same_kind(qtbot) -> None:
    panel = _panel(qtbot, _attendance())
    first = list(panel.items)
    panel.set_data(_attendance())
    assert panel.items == first
    panel.set_data(_participation())
    assert len(panel.items) == 1 and panel.items[0] is not first[0]


# --------------------------------------------------------------------------- hover
def test_hovering_a_point_tells_its_series_date_and_exact_value(qtbot) -> None:
    panel = _panel(qtbot, _attendance())
    assert panel.tooltip_at(_scene_pos(panel, WEEKS[2], 86.5)) == "Chess Club · week of 3 Nov 2026 · 86.5 %"
    assert panel.tooltip_at(_scene_pos(panel, WEEKS[1], 75.0)) == "Choir · week of 27 Oct 2026 · 75 %"
    assert panel.tooltip_at(_scene_pos(panel, WEEKS[1], 20.0)) == ""  # far from every point


def test_hovering_a_stacked_bar_tells_its_own_count(qtbot) -> None:
    panel = _panel(qtbot, _standings())
    assert panel.tooltip_at(_scene_pos(panel, WEEKS[2], 11.0)) == "Behind · 3 Nov 2026 · 4"
    assert panel.tooltip_at(_scene_pos(panel, WEEKS[2], 13.5)) == "At risk · 3 Nov 2026 · 2"


def test_hovering_a_scatter_dot_names_it_and_both_values(qtbot) -> None:
    panel = _panel(qtbot, _comparison())
    assert panel.tooltip_at(_scene_pos(panel, 70.0, 45.5)) == "Choir · Attendance: 70 % · Completion: 45.5 %"


def test_moving_the_mouse_onto_a_point_shows_the_tooltip(qtbot) -> None:
    panel = _panel(qtbot, _attendance())
    where = panel.plot.mapFromScene(_scene_pos(panel, WEEKS[2], 86.5))
    qtbot.mouseMove(panel.plot.viewport(), where)
    qtbot.waitUntil(lambda: QToolTip.text() == "Chess Club · week of 3 Nov 2026 · 86.5 %", timeout=2000)
    QToolTip.hideText()


# --------------------------------------------------------------------------- categories
@pytest.mark.parametrize("width", [1024, 600, 320])
def test_long_category_names_are_elided_and_never_overlap(qtbot, width: int) -> None:
    panel = _panel(qtbot, _participation(), size=(width, 360))
    ticks = panel.plot.getAxis("bottom")._tickLevels[0]
    labels = dict(ticks)
    robotics = LONG[1]
    assert any(label.endswith("…") for label in labels.values())
    assert all(LONG[int(x)].startswith(label.removesuffix("…")) for x, label in ticks)
    if 1.0 in labels:
        assert labels[1.0].endswith("…") and len(labels[1.0]) < len(robotics)
    if width >= 600:
        assert labels[6.0] == "Art" and labels[2.0] == "Choir"  # short names stay whole
    fm = QFontMetrics(panel.tick_font)
    spacing = (ticks[1][0] - ticks[0][0]) * panel.plot.plotItem.vb.width() / len(LONG)
    assert all(fm.horizontalAdvance(label) < spacing for label in labels.values())  # no two labels touch


def test_the_full_category_name_is_in_the_tooltip(qtbot) -> None:
    panel = _panel(qtbot, _participation())
    axis_row = panel.plot.getAxis("bottom").sceneBoundingRect().center().y()
    on_axis = QPointF(_scene_pos(panel, 1, 0).x(), axis_row)
    assert panel.tooltip_at(on_axis) == "Robotics and Engineering Society of Riverside"
    assert panel.tooltip_at(_scene_pos(panel, 1, 5.0)) == "Enrolled · Robotics and Engineering Society of Riverside · 11"


def test_a_narrow_chart_labels_every_other_category() -> None:
    from PySide6.QtGui import QFont

    fm = QFontMetrics(QFont())
    ticks = category_ticks(LONG, 20.0, fm)
    assert len(ticks) < len(LONG) and ticks[0][0] == 0.0
    assert all(fm.horizontalAdvance(label) <= 20.0 * (ticks[1][0] - ticks[0][0]) for _x, label in ticks)


# --------------------------------------------------------------------------- export, copy, table
def test_export_writes_a_valid_png_and_svg(qtbot, tmp_path: Path) -> None:
    from PySide6.QtSvg import QSvgRenderer

    panel = _panel(qtbot, _standings())
    panel.export_image(tmp_path / "standing.png")
    image = QImage()
    assert image.load(str(tmp_path / "standing.png")) and image.width() >= panel.plot.width()
    panel.export_image(tmp_path / "standing.svg")
    root = ET.parse(tmp_path / "standing.svg").getroot()
    assert root.tag.endswith("svg")
    assert QSvgRenderer(str(tmp_path / "standing.svg")).isValid()
    assert "Standing over time" in (tmp_path / "standing.svg").read_text()  # the file says what it shows
    assert not panel.plot.plotItem.titleLabel.isVisible()  # the title is in the file, not the chart
    assert sorted(p.name for p in tmp_path.iterdir()) == ["standing.png", "standing.svg"]


def test_export_image_asks_where_and_adds_the_chosen_format(qtbot, tmp_path: Path, monkeypatch) -> None:
    panel = _panel(qtbot, _attendance())
    asked: list[str] = []

    def save_as(_parent, _caption, suggested, filters):  # type: ignore[no-untyped-def]
        asked.append(filters)
        assert suggested.endswith("Weekly attendance.png")
        return str(tmp_path / "attendance"), "SVG image (*.svg)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    panel.export_action.trigger()
    assert asked == ["PNG image (*.png);;SVG image (*.svg)"]
    assert (tmp_path / "attendance.svg").stat().st_size > 0


def test_copy_data_puts_tab_separated_numbers_with_a_header_on_the_clipboard(qtbot) -> None:
    panel = _panel(qtbot, _attendance())
    panel.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == (
        "Week\tChess Club (%)\tChoir (%)\n"
        "2026-10-20\t80\t70\n2026-10-27\t92.25\t75\n2026-11-03\t86.5\t60\n2026-11-10\t90\t65.5\n")
    scatter = _panel(qtbot, _comparison())
    scatter.copy_data()
    assert QGuiApplication.clipboard().text().splitlines()[:2] == [
        "Series\tName\tAttendance (%)\tCompletion (%)\tSize", "Activities\tChess Club\t92\t80\t24"]


def test_show_as_table_lists_the_same_numbers_and_takes_the_keyboard(qtbot) -> None:
    panel = _panel(qtbot, _attendance())
    assert panel.table_action.text() == "Show as table"
    panel.table_action.trigger()
    assert panel.table.isVisible() and not panel.plot.isVisible()
    qtbot.waitUntil(panel.table.hasFocus)
    model = panel.table.model()
    assert (model.rowCount(), model.columnCount()) == (4, 3)
    header = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
    assert header == ["Week", "Chess Club (%)", "Choir (%)"]
    rows = [[model.index(r, c).data() for c in range(3)] for r in range(4)]
    assert rows == [["20 Oct 2026", "80", "70"], ["27 Oct 2026", "92.25", "75"],
                    ["3 Nov 2026", "86.5", "60"], ["10 Nov 2026", "90", "65.5"]]
    qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    assert panel.table.currentIndex().row() == 1
    assert panel.table_action.text() == "Show as chart"
    panel.table_action.trigger()
    assert panel.plot.isVisible() and panel.table_action.text() == "Show as table"


def test_the_table_model_passes_the_model_tester(qtbot, qtmodeltester) -> None:
    panel = _panel(qtbot, _comparison())
    qtmodeltester.check(panel.model)


def test_the_options_are_on_a_button_and_the_context_menu(qtbot) -> None:
    panel = _panel(qtbot, _attendance())
    button = panel.menu_button
    assert button.focusPolicy() & Qt.FocusPolicy.TabFocus and button.accessibleName() == "Chart options"
    assert [a.text() for a in button.menu().actions()] == ["Export image…", "Copy data", "Show as table"]
    opened: list[QPoint] = []
    panel.plot.customContextMenuRequested.connect(opened.append)
    at = QPoint(50, 50)
    QApplication.sendEvent(panel.plot.viewport(),
                           QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, panel.plot.viewport().mapToGlobal(at)))
    assert opened
    for menu in QApplication.topLevelWidgets():
        if isinstance(menu, QMenu):
            menu.close()


# --------------------------------------------------------------------------- empty, names, size
def test_an_empty_chart_says_why_instead_of_empty_axes(qtbot) -> None:
    data = ChartData("Weekly attendance", "Week", "Attendance", (Series("Chess Club", ()),), x_kind="date",
                     empty_reason="No sessions held yet")
    panel = _panel(qtbot, data)
    assert panel.empty.isVisible() and not panel.plot.isVisible()
    assert panel.empty.title_label.text() == "No sessions held yet"
    assert not panel.copy_action.isEnabled() and not panel.menu_button.isVisible()
    panel.set_data(_attendance())
    assert panel.plot.isVisible() and not panel.empty.isVisible() and panel.menu_button.isVisible()
    assert ChartPanel(ChartData("x", "", "", ())).empty.title_label.text() == "No data yet"


def test_the_chart_is_named_by_its_title(qtbot) -> None:
    panel = _panel(qtbot, _attendance())
    assert panel.accessibleName() == "Weekly attendance" == panel.plot.accessibleName()
    assert panel.title_label.text() == "Weekly attendance"


def test_a_small_chart_keeps_everything_inside(qtbot) -> None:
    panel = _panel(qtbot, _standings(), size=(320, 220))
    assert panel.minimumSizeHint().width() <= 320 and panel.minimumSizeHint().height() <= 220
    plot_item = panel.plot.plotItem
    qtbot.waitUntil(lambda: plot_item.geometry().width() <= panel.plot.viewport().width())
    legend = panel.legend.mapRectToScene(panel.legend.boundingRect())
    assert legend.right() <= panel.plot.viewport().width() and legend.bottom() <= panel.plot.viewport().height()
    assert len(panel.legend.items) == 3
    panel.grab()  # renders offscreen


def test_a_long_series_name_is_elided_in_a_narrow_legend_with_the_whole_name_in_its_tooltip(qtbot) -> None:
    data = ChartData("Progress", "Week", "Progress", (
        Series("Robotics and Engineering Society of Riverside", ((WEEKS[0], 10.0), (WEEKS[1], 20.0))),
        Series("Chess Club", ((WEEKS[0], 15.0), (WEEKS[1], 25.0)))), x_kind="date", y_unit="%")
    panel = _panel(qtbot, data, size=(320, 220))
    label = panel.legend.items[0][1]
    assert label.text.endswith("…") and label.toolTip() == "Robotics and Engineering Society of Riverside"


def test_a_single_series_has_no_legend_its_axis_names_it(qtbot) -> None:
    panel = _panel(qtbot, _participation())
    assert not panel.legend.isVisible() and panel.legend.items == []
    two = _panel(qtbot, _attendance())
    assert [label.text for _s, label in two.legend.items] == ["Chess Club", "Choir"]


# --------------------------------------------------------------------------- colours
def test_series_take_the_okabe_ito_colours_in_order(qtbot) -> None:
    panel = _panel(qtbot, _attendance())
    for i, item in enumerate(panel.items):
        assert item.opts["pen"].color() == QColor(palette.series_colour(i))
    assert all(palette.series_colour(i) in palette.OKABE_ITO for i in range(10))
    assert palette.series_colour(0) == palette.series_colour(len(palette.SERIES_ORDER))


def test_standings_are_drawn_in_the_tables_colours(qtbot) -> None:
    from ui import theme

    panel = _panel(qtbot, _standings())
    on_track, behind, at_risk = (item.opts["brush"] for item in panel.items)
    assert QColor(on_track).rgb() == QColor(theme.OK).rgb()
    assert QColor(behind).rgb() == QColor(theme.WARN).rgb()
    assert QColor(at_risk).rgb() == QColor(theme.RISK).rgb()
    assert {theme.OK, theme.WARN, theme.RISK, theme.ACCENT} <= set(palette.OKABE_ITO)
    completed = QColor(palette.standing_colour(Standing.COMPLETED))
    assert completed.value() < QColor(theme.OK).value() and abs(completed.hue() - QColor(theme.OK).hue()) <= 2  # darker green


# --------------------------------------------------------------------------- small helpers
@pytest.mark.parametrize(("value", "text"), [(86.5, "86.5"), (80.0, "80"), (2 / 3, "0.67"), (1204.0, "1,204")])
def test_numbers_read_plainly(value: float, text: str) -> None:
    assert number_text(value) == text


def test_legend_takes_as_many_columns_as_fit() -> None:
    assert legend_columns([100, 100, 100], 400) == 3
    assert legend_columns([100, 250, 100], 400) == 2  # the widest column sets the width
    assert legend_columns([300, 300], 200) == 1


def test_growth_chart_draws_on_the_base_with_levels_by_name(qtbot) -> None:
    from tracker.services.skills import AssessmentRow, RubricLevelRow
    from ui.views.growth_chart import GrowthChart

    def row(level: int, day: datetime) -> AssessmentRow:
        return AssessmentRow(id=level, student_id=1, student="Sam", skill_id=1, skill="Strategy", activity_id=1,
                             activity="Chess", level=level, level_name="", evidence="", assessed_by=None,
                             assessor=None, assessed_at=day)

    levels = [RubricLevelRow(n, name, "") for n, name in ((1, "Beginning"), (2, "Developing"), (3, "Proficient"))]
    chart = GrowthChart()
    qtbot.addWidget(chart)
    chart.resize(500, 260)
    chart.show()
    curve = chart.curve
    chart.show_levels([row(1, datetime(2026, 9, 1)), row(2, datetime(2026, 10, 5))], levels, target=3)
    assert chart.curve is curve and list(curve.getData()[1]) == [1.0, 2.0]
    assert chart.tooltip_at(_scene_pos(chart, datetime(2026, 10, 5), 2.0)) == "Level · 5 Oct 2026 · Developing"
    assert list(chart.target_line.getData()[1]) == [3.0, 3.0]
    chart.show_empty("No assessments yet", "Sam has not been assessed yet.")
    assert chart.is_empty() and chart.empty.message_label.text() == "Sam has not been assessed yet."


def test_a_short_chart_elides_its_y_title_centred_with_the_whole_title_on_hover(qtbot) -> None:
    """A dashboard's chart beside a list may be too short for "Attendance (%)": the title is cut
    with "…", stays centred on the plot, and hovering the axis gives it whole; given room again
    the whole title comes back."""
    panel = _panel(qtbot, _attendance(), size=(420, 150))
    axis = panel.plot.getAxis("left")
    qtbot.waitUntil(lambda: panel.y_title_shown is not None and panel.y_title_shown.endswith("…"))
    label = axis.label.mapRectToScene(axis.label.boundingRect())
    margin = axis.label.document().documentMargin()  # around the text, in the (turned) item's box
    text = label.adjusted(0, margin, 0, -margin)
    vb = panel.plot.plotItem.vb.sceneBoundingRect()
    assert text.top() >= max(0.0, vb.top() - Y_TITLE_REACH - 1) and text.bottom() <= vb.bottom() + Y_TITLE_REACH + 1
    assert abs(label.center().y() - vb.center().y()) <= 3  # centred on it
    assert panel.tooltip_at(label.center()) == "Attendance (%)"  # the pointer on the cut title
    panel.resize(600, 400)
    qtbot.waitUntil(lambda: panel.y_title_shown == "Attendance (%)")
    whole = axis.label.mapRectToScene(axis.label.boundingRect())
    assert panel.tooltip_at(whole.center()) == ""  # nothing hidden to tell
