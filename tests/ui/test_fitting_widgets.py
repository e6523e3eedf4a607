"""The widgets that keep pages within a small screen: a row of actions with a "More" menu, table
columns that give way, and text cut with "…" and never with a dangling space."""

from __future__ import annotations

from PySide6.QtGui import QAction, QFont, QFontMetrics
from PySide6.QtWidgets import QTableView, QWidget

from ui.models.base import Column, SnapshotModel
from ui.widgets import apply_widths, make_table
from ui.widgets.action_bar import ActionBar
from ui.widgets.column_fit import fit_columns
from ui.widgets.style import elide_text


def _bar(qtbot, width: int) -> tuple[ActionBar, list[QAction]]:  # type: ignore[no-untyped-def]
    owner = _bar.owner = QWidget()  # type: ignore[attr-defined]  # kept alive for the test
    qtbot.addWidget(owner)
    actions = [QAction(text, owner) for text in ("Edit…", "Reset password…", "Disable", "Unlock")]
    bar = ActionBar(actions, owner)
    bar.resize(width, bar.sizeHint().height())
    owner.show()
    bar.layout().activate()
    return bar, actions


def test_actions_that_do_not_fit_go_into_more_in_order(qtbot) -> None:
    bar, actions = _bar(qtbot, 200)
    shown = [b.text() for b in bar.buttons if b.isVisible()]
    assert shown == ["Edit…"]
    assert [a.text() for a in bar.overflow()] == ["Reset password…", "Disable", "Unlock"]
    assert bar.more.isVisible()
    assert sum(b.width() for b in bar.buttons if b.isVisible()) + bar.more.width() <= 200


def test_all_actions_are_buttons_when_there_is_room_and_hidden_ones_are_left_out(qtbot) -> None:
    bar, actions = _bar(qtbot, 900)
    actions[3].setVisible(False)  # "Unlock": only for locked accounts
    assert [b.text() for b in bar.buttons if b.isVisible()] == ["Edit…", "Reset password…", "Disable"]
    assert not bar.more.isVisible() and bar.overflow() == []
    actions[0].setText("Open…")  # buttons follow their actions
    assert bar.buttons[0].text() == "Open…"
    actions[1].setEnabled(False)
    assert not bar.buttons[1].isEnabled()
    bar.resize(150, bar.height())
    assert bar.more.isVisible() and "Unlock" not in [a.text() for a in bar.overflow()]


def test_a_bar_with_a_cap_on_buttons_puts_the_rest_in_more_even_with_room(qtbot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    actions = [QAction(f"Club {i}: 1 to issue", owner) for i in range(9)]
    bar = ActionBar(actions, owner, buttons_at_most=3)
    bar.resize(3000, bar.sizeHint().height())
    owner.show()
    bar.layout().activate()
    assert len(bar.buttons) == 3
    assert [b.text() for b in bar.buttons if b.isVisible()] == ["Club 0: 1 to issue", "Club 1: 1 to issue",
                                                               "Club 2: 1 to issue"]
    assert bar.more.isVisible() and [a.text() for a in bar.overflow()] == [f"Club {i}: 1 to issue" for i in range(3, 9)]
    actions[5].setVisible(False)  # a hidden action is left out of the menu too
    assert "Club 5: 1 to issue" not in [a.text() for a in bar.overflow()]
    bar.resize(150, bar.height())  # too narrow for any button: everything is in More, in order
    assert [a.text() for a in bar.overflow()] == [f"Club {i}: 1 to issue" for i in (0, 1, 2, 3, 4, 6, 7, 8)]
    for a in actions[3:]:
        a.setVisible(False)
    bar.resize(3000, bar.height())
    assert not bar.more.isVisible() and bar.overflow() == []


class _Wide(SnapshotModel[int]):
    columns = tuple(Column(f"Column {i}", str, width=120) for i in range(6))


def _table(qtbot, width: int) -> QTableView:  # type: ignore[no-untyped-def]
    model = _Wide()
    model.set_rows([1, 2, 3])
    view = make_table({i: c.width for i, c in enumerate(_Wide.columns)})
    view.setModel(model)
    apply_widths(view)
    qtbot.addWidget(view)
    view.resize(width, 200)
    view.show()
    return view


def test_columns_give_way_least_needed_first_and_come_back(qtbot) -> None:
    view = _table(qtbot, 500)
    fitter = fit_columns(view, stretch=0, drop=(5, 4, 3, 2), minimum=150)
    fitter.fit()
    header = view.horizontalHeader()
    assert fitter.hidden == [5, 4, 3]
    assert header.length() <= view.viewport().width()
    assert header.sectionSize(0) >= 150  # the stretch column takes what is left
    view.resize(1000, 200)
    qtbot.waitUntil(lambda: fitter.hidden == [])
    assert all(header.sectionSize(c) == 120 for c in range(1, 6))


def test_elided_text_never_leaves_a_dangling_space_before_the_ellipsis() -> None:
    fm = QFontMetrics(QFont())
    text = "12:40 Chess Club"
    assert elide_text(fm, text, fm.horizontalAdvance(text)) == text
    for chars in range(3, len(text)):
        room = fm.horizontalAdvance(text[:chars] + "…")
        if room >= fm.horizontalAdvance(text):
            continue
        cut = elide_text(fm, text, room)
        assert cut.endswith("…") and not cut[:-1].endswith((" ", "·"))
        assert fm.horizontalAdvance(cut) <= fm.horizontalAdvance(text[:chars] + "…")


def test_an_elided_combo_filled_silently_still_has_its_whole_text_in_the_tooltip(qtbot) -> None:
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication

    from ui.widgets.elided_combo import ElidedComboBox

    combo = ElidedComboBox()
    qtbot.addWidget(combo)
    combo.blockSignals(True)  # as a view refilling it does
    combo.addItems(["Safety and warm-up routine before every training session", "Baseline"])
    combo.blockSignals(False)
    assert combo.toolTip() == ""  # nothing painted, nothing hovered yet
    QApplication.sendEvent(combo, QHelpEvent(QEvent.Type.ToolTip, QPoint(5, 5), combo.mapToGlobal(QPoint(5, 5))))
    assert combo.toolTip() == "Safety and warm-up routine before every training session"
