"""Help menu: the user guide (the README's, offline, F1) and the keyboard shortcuts read from the
window's own actions."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import School
from tests.ui.conftest import settle
from ui import resources
from ui.dialogs import app_settings
from ui.help import NO_GUIDE, GuideWindow, ShortcutsWindow, clashes, user_guide
from ui.main_window import MainWindow

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def prefs(tmp_path: Path, qapp) -> QSettings:  # type: ignore[no-untyped-def]
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "prefs"))
    return app_settings()


@pytest.fixture
def window(qtbot, make_ctx, school: School) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(make_ctx(school.teacher), persist=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    settle(qtbot, win.ctx)
    return win


def press(qtbot, window: MainWindow, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window.focusWidget() or window, key, modifiers)


def test_the_guide_is_the_readme_section_from_user_guide_to_developer_guide():
    text = user_guide(README.read_text(encoding="utf-8"))
    assert text is not None
    assert text.startswith("## User guide") and "### First steps" in text
    assert "Developer guide" not in text
    assert user_guide("# Something else\n") is None


def test_f1_opens_the_user_guide_offline(qtbot, window: MainWindow):
    assert window.guide_action in window.help_menu.actions()
    assert window.guide_action.shortcut().toString() == "F1"
    press(qtbot, window, Qt.Key.Key_F1)
    guide = window.help_windows["guide"]
    assert isinstance(guide, GuideWindow) and guide.isVisible()
    text = guide.browser.toPlainText()
    assert "First steps" in text and "Take attendance" in text
    assert "Developer guide" not in text
    assert guide.width() <= guide.screen().availableGeometry().width()
    press(qtbot, window, Qt.Key.Key_F1)
    assert window.help_windows["guide"] is guide  # one guide window, brought to the front
    guide.close()


def test_without_the_readme_the_guide_says_so_plainly(qtbot, window: MainWindow, monkeypatch):
    monkeypatch.setattr(resources.resource_files, "readme", lambda: None)
    box = window.open_user_guide()
    assert isinstance(box, QMessageBox) and box.text() == NO_GUIDE
    box.close()


def test_shortcuts_window_lists_what_the_actions_say(qtbot, window: MainWindow):
    assert window.shortcuts_action in window.help_menu.actions()
    shortcuts = window.open_shortcuts()
    assert isinstance(shortcuts, ShortcutsWindow)
    rows = shortcuts.rows()
    native = QKeySequence.SequenceFormat.NativeText
    assert ("Everywhere", "Take attendance now", QKeySequence("Ctrl+T").toString(native)) in rows
    assert ("Everywhere", "User guide", "F1") in rows
    assert ("Everywhere", "Dashboard", QKeySequence("Ctrl+1").toString(native)) in rows
    assert any(where == "Everywhere" and what == "Next tab" and "Ctrl+Tab" in keys for where, what, keys in rows)
    pages = {where for where, _what, _keys in rows}
    assert "Activities" in pages  # the pages' own actions count, opened or not
    shortcuts.close()


def test_a_new_action_shows_up_without_anyone_listing_it(qtbot, window: MainWindow):
    extra = QAction("Print the register", window)
    extra.setShortcut(QKeySequence("Ctrl+Shift+R"))
    window.addAction(extra)
    hidden = QAction("Not a real command", window)
    hidden.setShortcut(QKeySequence("Ctrl+Shift+H"))
    hidden.setVisible(False)  # a hidden action's keys do nothing: not listed
    window.addAction(hidden)
    rows = window.open_shortcuts().rows()
    assert ("Everywhere", "Print the register", QKeySequence("Ctrl+Shift+R").toString(
        QKeySequence.SequenceFormat.NativeText)) in rows
    assert not any(what == "Not a real command" for _where, what, _keys in rows)


@pytest.mark.parametrize("who", ["admin", "teacher"])
def test_no_page_takes_the_keys_of_a_window_wide_command(qtbot, make_ctx, school: School, who: str):
    """Two shortcuts on the same keys are "ambiguous" to Qt and neither runs: a page's own
    Ctrl+T would make the window's "Take attendance now" dead on that page."""
    win = MainWindow(make_ctx(getattr(school, who)), persist=False)
    qtbot.addWidget(win)
    win.show()
    settle(qtbot, win.ctx)
    page = win.show_page("activities")
    settle(qtbot, win.ctx)
    page.open_activity(school.chess)  # an activity's tabs have shortcuts of their own
    settle(qtbot, win.ctx)
    win.show_page("dashboard")
    settle(qtbot, win.ctx)
    assert clashes(win.shortcut_list()) == []
