"""Every screen fits 1024×768 and 1366×768: no text cut off, nothing on top of something else,
no dialog larger than the screen.

Every screenshot view (``activity-tracker screenshot --list-views``) is rendered at both sizes
on a small demo school, as the user the screenshot command renders it as by default, and read
back by :mod:`ui.layout_check`. Qt sizes dialogs against the screen, and an offscreen screen's
size is fixed when the application starts, so each size is checked in a process of its own
(both at once, every view built once); the tests of the views only read the results.
The checker itself is tested first, on widgets made to fail it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.layout_check import find_problems, text_problem
from ui.screenshot import Stage, views
from ui.widgets.elided import ElidedLabel

ROOT = Path(__file__).resolve().parents[2]
SIZES = ("1024x768", "1366x768")
STUDENTS = 150
SEED = 7


# --- the checker --------------------------------------------------------------------------------
def shown(qtbot, widget: QWidget, size: QSize = QSize(400, 200)) -> QWidget:  # type: ignore[no-untyped-def]
    qtbot.addWidget(widget)
    widget.resize(size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_button_narrower_than_its_text_is_reported(qtbot):
    button = QPushButton("Enroll students…")
    shown(qtbot, button)
    assert text_problem(button) is None
    button.setFixedWidth(80)
    assert "needs" in (text_problem(button) or "")


def test_a_label_cut_short_is_reported_but_one_elided_with_its_tooltip_is_not(qtbot):
    page = QWidget()
    row = QHBoxLayout(page)
    cut = QLabel("79 active, 11 completed, 2 dropped")
    cut.setMinimumWidth(1)
    cut.setFixedWidth(60)
    elided = ElidedLabel("79 active, 11 completed, 2 dropped")
    elided.setFixedWidth(60)
    row.addWidget(cut)
    row.addWidget(elided)
    shown(qtbot, page)
    assert elided.text().endswith("…") and elided.toolTip()
    assert text_problem(elided) is None
    problems = find_problems(Stage(page, None), QSize(1024, 768))
    assert len(problems) == 1 and "79 active" in problems[0] and "text cut" in problems[0]


def test_a_word_wrapped_label_without_the_height_it_needs_is_reported(qtbot):
    label = QLabel("Every mark is saved as you make it; a mark for a session that has not begun is refused.")
    label.setWordWrap(True)
    shown(qtbot, label, QSize(160, 20))
    label.setFixedSize(160, 20)
    assert "height" in (text_problem(label) or "")
    label.setFixedSize(160, label.heightForWidth(160))
    assert text_problem(label) is None


def test_overlapping_siblings_are_reported_and_touching_ones_are_not(qtbot):
    page = shown(qtbot, QWidget())
    status, search = QPushButton("All statuses", page), QPushButton("Search", page)
    status.setGeometry(QRect(0, 0, 120, 30))
    search.setGeometry(QRect(120, 0, 120, 30))  # side by side
    status.show()
    search.show()
    assert find_problems(Stage(page, None), QSize(1024, 768)) == []
    search.move(100, 0)
    problems = find_problems(Stage(page, None), QSize(1024, 768))
    assert any("overlap" in p and "All statuses" in p and "Search" in p for p in problems)


def test_a_widget_sticking_out_of_its_window_is_reported(qtbot):
    page = shown(qtbot, QWidget(), QSize(300, 100))
    done = QPushButton("Done", page)
    done.setGeometry(QRect(260, 10, 80, 30))
    done.show()
    problems = find_problems(Stage(page, None), QSize(1024, 768))
    assert any(p.startswith("cut off") and "Done" in p for p in problems)


def test_a_dialog_larger_than_the_screen_is_reported_with_its_name(qtbot):
    dialog = QDialog()
    dialog.setObjectName("takeAttendance")
    QVBoxLayout(dialog).addWidget(QLabel("Register"))
    dialog.setMinimumSize(900, 760)
    shown(qtbot, dialog, QSize(900, 760))
    problems = find_problems(Stage(None, dialog), QSize(1024, 768))
    assert any("QDialog 'takeAttendance' needs at least 900x760" in p for p in problems)
    assert any("larger than the 1024x768 screen" in p for p in problems)
    assert find_problems(Stage(None, dialog), QSize(1366, 900)) == []


def test_text_our_own_code_paints_is_not_measured(qtbot):
    class Painted(QLabel):
        def paintEvent(self, event):  # type: ignore[no-untyped-def]  # noqa: N802
            pass

    label = Painted("a long text painted some other way")
    shown(qtbot, label).setFixedWidth(20)
    assert text_problem(label) is None


# --- every view at both sizes -------------------------------------------------------------------
@pytest.fixture(scope="session")
def demo_school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tracker.demo import DemoOptions, generate_demo

    path = tmp_path_factory.mktemp("layout") / "school.db"
    generate_demo(path, DemoOptions(students=STUDENTS, seed=SEED))
    return path


@pytest.fixture(scope="session")
def layout(demo_school: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[str]]]:
    """{size: {view: problems}}: one process per screen size, both at once."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               XDG_CONFIG_HOME=str(tmp_path_factory.mktemp("layout-config")))
    runs = {size: subprocess.Popen([sys.executable, "-m", "ui.layout_check", "--db", str(demo_school),
                                    "--size", size, "--json"], cwd=ROOT, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for size in SIZES}
    results = {}
    for size, run in runs.items():
        out, err = run.communicate(timeout=240)
        assert run.returncode in (0, 1), f"the layout check at {size} failed:\n{err}"
        results[size] = json.loads(out)
    return results


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", list(views()))
def test_every_view_fits_the_screen(layout: dict[str, dict[str, list[str]]], view: str, size: str):
    problems = layout[size][view]
    assert not problems, f"{view} at {size}:\n  " + "\n  ".join(problems)
