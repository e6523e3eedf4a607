"""The layout check: what a user would see cut off or piled up, read from the widgets on screen.

For a staged view (:func:`ui.screenshot.stage_view`, so exactly what a screenshot shows) it
reports, as plain sentences:

* a visible button's, label's or combo box's text that does not fit the room its style gives it
  (font metrics of the text shown, against the widget's content rectangle less padding, icon
  and menu arrow, the blank side bearings at the line's ends allowed to go; a word-wrapped
  label against the height its text needs at its width). The
  text shown is what is measured, so a text elided on purpose ("…", the whole text in the
  tooltip) fits by construction; it is forgiven up to the width of its "…" (elided to a width a
  pixel or two off), never more. Widgets our own code paints are not measured;
* two visible sibling widgets that overlap, and a widget that sticks out of its parent (off the
  window's edge) — except what Qt places itself: the parts of scroll areas, tab widgets,
  splitters, spin and combo boxes (object names "qt_…"), content scrolled in a viewport, pages
  of a stack that are not current (hidden), and windows of their own (popups, tooltips);
* a window or dialog that needs more than the screen (:func:`ui.screenshot.too_large`), and a
  dialog that opens larger than the screen. Under a dialog only the dialog's content is read
  (the page behind it has a view of its own).

``python -m ui.layout_check --db school.db --size 1024x768 --json`` checks every screenshot
view, each as the user the screenshot command renders it as by default, in one process whose
offscreen screen is that size; ``tests/ui/test_layout_fit.py`` runs it in ``make test``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSettings, QSize, Qt
from PySide6.QtGui import QFontMetrics, QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizeGrip,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionToolButton,
    QToolButton,
    QWidget,
)

from ui.screenshot import TITLE_BAR, Stage, too_large, widget_name

if TYPE_CHECKING:
    from tracker.domain.policy import Actor

ELLIPSIS = "…"
TOLERANCE = 1  # px: rounding
LINE_TOLERANCE = 2  # px: a line's height has leading above and below the ink
RICH_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>")
MARGIN = 1  # px: siblings touching, or a tab pane tucked under its tab bar, do not count


# --- the text a widget shows, and its room -------------------------------------------------------
def _paints_itself(widget: QWidget) -> bool:
    """Whether a class of ours paints the widget (then what it draws is not its text())."""
    for cls in type(widget).__mro__:
        if cls.__module__.startswith(("PySide6", "shiboken6")):
            return False
        if "paintEvent" in vars(cls):
            return True
    return False


def _overflow(fm: QFontMetrics, lines: list[str], room: int) -> tuple[int, int]:
    """(width of the widest line, how far its ink goes past ``room``): a line's advance includes
    the blank side bearings of its first and last glyph, which may be cut without harm."""
    widest = max(lines, key=fm.horizontalAdvance)
    width = fm.horizontalAdvance(widest)
    blank = max(0, fm.leftBearing(widest[0])) + max(0, fm.rightBearing(widest[-1])) if widest else 0
    return width, width - room - max(blank, TOLERANCE)


def _without_mnemonic(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _plain(text: str) -> str:
    return QTextDocumentFragment.fromHtml(text).toPlainText() if "<" in text else text


def _forgiven(shown: str, tooltip: str, overflow: int, fm: QFontMetrics) -> bool:
    """Text cut by its own code: "…" at the end, the whole text in the tooltip, and off by less
    than the width of the "…" (elided to a width a little different from what it got)."""
    return (shown.endswith(ELLIPSIS) and bool(tooltip) and _plain(tooltip).startswith(shown[:-1].rstrip())
            and overflow <= fm.horizontalAdvance(ELLIPSIS))


def _button_room(button: QAbstractButton) -> int | None:
    """The width a button's style gives its text (None: no text of its own is drawn)."""
    style = button.style()
    icon = 0 if button.icon().isNull() else button.iconSize().width() + 4
    if isinstance(button, QPushButton):
        opt = QStyleOptionButton()
        button.initStyleOption(opt)
        room = style.subElementRect(QStyle.SubElement.SE_PushButtonContents, opt, button).width()
        menu = style.pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, opt, button) if button.menu() else 0
        return room - icon - menu
    if isinstance(button, QCheckBox | QRadioButton):
        opt = QStyleOptionButton()
        button.initStyleOption(opt)
        element = (QStyle.SubElement.SE_CheckBoxContents if isinstance(button, QCheckBox)
                   else QStyle.SubElement.SE_RadioButtonContents)
        return style.subElementRect(element, opt, button).width() - icon
    if isinstance(button, QToolButton):
        return _tool_button_room(button)
    return button.contentsRect().width() - icon


def _tool_button_room(button: QToolButton) -> int | None:
    """A tool button's room for its text: its width less what its style adds around the icon
    and text (what its size hint adds, less the two spaces of slack Qt gives the text)."""
    opt = QStyleOptionToolButton()
    button.initStyleOption(opt)
    kind = Qt.ToolButtonStyle
    has_icon = not button.icon().isNull()
    if opt.toolButtonStyle == kind.ToolButtonIconOnly and has_icon:
        return None
    fm = button.fontMetrics()
    text_w = fm.horizontalAdvance(_without_mnemonic(button.text())) + 2 * fm.horizontalAdvance(" ")
    icon_w = button.iconSize().width() if has_icon else 0
    beside = opt.toolButtonStyle == kind.ToolButtonTextBesideIcon and has_icon
    if beside:
        content = icon_w + 4 + text_w
    elif opt.toolButtonStyle == kind.ToolButtonTextUnderIcon:
        content = max(icon_w, text_w)
    else:
        content = text_w
    around = button.sizeHint().width() - content
    if button.popupMode() == QToolButton.ToolButtonPopupMode.MenuButtonPopup:
        around -= button.style().pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, opt, button)
    return button.width() - max(around, 0) - (icon_w + 4 if beside else 0)


def _combo_room(combo: QComboBox) -> int:
    opt = QStyleOptionComboBox()
    combo.initStyleOption(opt)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    icon = combo.iconSize().width() + 4 if not combo.itemIcon(combo.currentIndex()).isNull() else 0
    return field.width() - icon


def _label_room(label: QLabel) -> QRect:
    """Where a label draws its text: the contents less its margin and indent."""
    room = label.contentsRect().adjusted(label.margin(), label.margin(), -label.margin(), -label.margin())
    indent = label.indent()
    if indent < 0 and label.frameWidth() > 0:
        indent = label.fontMetrics().horizontalAdvance("x") // 2
    if indent > 0:
        align = label.alignment()
        if align & Qt.AlignmentFlag.AlignLeft or align & Qt.AlignmentFlag.AlignRight:
            room.setWidth(room.width() - indent)
        if align & Qt.AlignmentFlag.AlignTop or align & Qt.AlignmentFlag.AlignBottom:
            room.setHeight(room.height() - indent)
    return room


def _is_rich(label: QLabel) -> bool:
    """Whether the label shows its text as rich text (Qt's guess for AutoText: a tag on the
    first line; Qt.mightBeRichText is not in the binding)."""
    fmt = label.textFormat()
    if fmt == Qt.TextFormat.AutoText:
        return RICH_TAG.search(label.text().split("\n", 1)[0]) is not None
    return fmt in (Qt.TextFormat.RichText, Qt.TextFormat.MarkdownText)


def _label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text.strip():
        return None
    fm = label.fontMetrics()
    room = _label_room(label)
    if label.wordWrap():
        needed = QLabel.heightForWidth(label, label.width())
        if needed > label.height() + LINE_TOLERANCE:
            return f"its wrapped text needs {needed} px of height, it has {label.height()}"
        if not _is_rich(label):
            word = max(text.split(), key=fm.horizontalAdvance)
            width, past = _overflow(fm, [word], room.width())
            if past > 0:
                return f"the word {word!r} needs {width} px, it has {room.width()}"
        return None
    if _is_rich(label):
        hint = QLabel.sizeHint(label)
        if hint.width() > label.width() + TOLERANCE:
            return f"its text needs {hint.width()} px, it has {label.width()}"
        return None
    shown = _without_mnemonic(text) if label.buddy() is not None else text
    lines = shown.split("\n")
    width, past = _overflow(fm, lines, room.width())
    if past > 0 and not _forgiven(shown, label.toolTip(), width - room.width(), fm):
        return f"its text needs {width} px, it has {room.width()}"
    height = fm.height() * len(lines) + fm.leading() * (len(lines) - 1)
    if height > room.height() + LINE_TOLERANCE:
        return f"its text needs {height} px of height, it has {room.height()}"
    return None


def text_problem(widget: QWidget) -> str | None:
    """Why the text of a visible label, button or combo box does not fit (None: it fits)."""
    if _paints_itself(widget) and not callable(getattr(widget, "shown_text", None)):
        return None
    if isinstance(widget, QLabel):
        return _label_problem(widget)
    if isinstance(widget, QAbstractButton):
        shown, room = _without_mnemonic(widget.text()), _button_room(widget)
    elif isinstance(widget, QComboBox) and not widget.isEditable():
        shown_text = getattr(widget, "shown_text", None)
        shown, room = (shown_text() if callable(shown_text) else widget.currentText()), _combo_room(widget)
    else:
        return None
    if not shown.strip() or room is None:
        return None
    fm = widget.fontMetrics()
    width, past = _overflow(fm, shown.split("\n"), room)
    if past > 0 and not _forgiven(shown, widget.toolTip(), width - room, fm):
        return f"its text needs {width} px, it has {room}"
    return None


# --- where widgets are ----------------------------------------------------------------------------
def _placed_by_qt(widget: QWidget) -> bool:
    """Parts Qt positions itself (scroll bars, viewports, tab bars, splitter handles…)."""
    parent = widget.parentWidget()
    return (widget.objectName().startswith("qt_") or isinstance(parent, QAbstractScrollArea | QComboBox)
            or (parent is not None and parent.objectName() == "qt_scrollarea_viewport"))


def _shown_children(widget: QWidget) -> list[QWidget]:
    """Visible child widgets, a dialog's size grip aside (it sits on the content by design)."""
    return [c for c in widget.children() if isinstance(c, QWidget) and c.isVisible() and not c.isWindow()
            and not isinstance(c, QSizeGrip)]


def describe(widget: QWidget) -> str:
    """A widget as a sentence names it: class, object name, its text, and the nearest of our
    own classes around it (the page, tab or dialog it is on)."""
    text = ""
    if isinstance(widget, QLabel | QAbstractButton):
        text = _plain(widget.text())
    elif isinstance(widget, QComboBox):
        text = widget.currentText()
    text = text or widget.accessibleName()
    name = widget_name(widget) + (f" {text[:60]!r}" if text else "")
    owner = widget.parentWidget()
    while owner is not None and type(owner).__module__.startswith("PySide6"):
        owner = owner.parentWidget()
    return f"{name} in {type(owner).__name__}" if owner is not None else name


def _overlap(a: QRect, b: QRect) -> QRect | None:
    both = a.intersected(b)
    return both if both.width() > MARGIN and both.height() > MARGIN else None


def _walk(widget: QWidget) -> Iterator[QWidget]:
    for child in _shown_children(widget):
        yield child
        yield from _walk(child)


def find_problems(stage: Stage, screen: QSize) -> list[str]:
    """Everything on the staged view that does not fit, as sentences (empty: all fits)."""
    out = list(too_large(stage, screen))
    # under a dialog, the page is dimmed and checked by its own view: the dialog is what counts
    for top in [stage.dialog] if stage.dialog is not None else stage.widgets():
        if isinstance(top, QDialog) and (top.width() > screen.width()
                                         or top.height() + TITLE_BAR > screen.height()):
            out.append(f"{widget_name(top)} opens at {top.width()}x{top.height()} (plus a {TITLE_BAR} px "
                       f"title bar): larger than the {screen.width()}x{screen.height()} screen")
        for widget in [top, *_walk(top)]:
            why = text_problem(widget)
            if why:
                out.append(f"text cut: {describe(widget)}: {why}")
            out += _placement_problems(widget)
    return out


def _placement_problems(parent: QWidget) -> list[str]:
    out = []
    children = [c for c in _shown_children(parent) if not _placed_by_qt(c)]
    inside = parent.rect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
    for i, child in enumerate(children):
        box = child.geometry()
        if not inside.contains(box):
            out.append(f"cut off: {describe(child)} at {_rect(box)} sticks out of its parent "
                       f"{widget_name(parent)} ({parent.width()}x{parent.height()})")
        for other in children[i + 1:]:
            both = _overlap(box, other.geometry())
            if both is not None:
                out.append(f"overlap: {describe(child)} and {describe(other)} overlap by "
                           f"{both.width()}x{both.height()} px")
    return out


def _rect(r: QRect) -> str:
    return f"{r.width()}x{r.height()}+{r.x()}+{r.y()}"


# --- every view -----------------------------------------------------------------------------------
def check_views(target: str, size: QSize, names: list[str] | None = None,
                shots: Path | None = None) -> dict[str, list[str]]:
    """Stage each screenshot view at ``size`` and list its problems (``shots``: a folder to
    keep each view's picture in, to look at what was reported)."""
    from tracker.cli import DEMO_PASSWORD
    from tracker.errors import TrackerError
    from ui import screenshot
    from ui.app import ensure_app

    with screenshot.offscreen_screen(size):
        app = ensure_app()
    opened = screenshot.open_context(app, target)
    if isinstance(opened, str):
        raise SystemExit(opened)
    ctx = opened
    results: dict[str, list[str]] = {}
    actors: dict[str, Actor] = {}
    try:
        for view in names or list(screenshot.views()):
            made: list[QWidget] = []
            try:
                ctx.actor = None
                if view not in screenshot.NO_USER_VIEWS:
                    username = screenshot.default_username(app, ctx, view)
                    if username not in actors:
                        actors[username] = screenshot.sign_in(app, ctx, username, DEMO_PASSWORD)
                    ctx.actor = actors[username]
                stage = screenshot.stage_view(app, ctx, view, size, made)
                results[view] = find_problems(stage, size)
                if shots is not None:
                    screenshot.compose(stage, size).save(str(shots / f"{view}-{size.width()}x{size.height()}.png"))
            except TrackerError as exc:
                results[view] = [f"cannot be shown: {exc}"]
            finally:
                screenshot.close_all(app, made)
    finally:
        screenshot.close_context(ctx)
    return results


def main(argv: list[str] | None = None) -> int:
    from ui import screenshot

    parser = argparse.ArgumentParser(prog="python -m ui.layout_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="the database to render (a demo school)")
    parser.add_argument("--size", default="1024x768", help="screen size WxH (default 1024x768)")
    parser.add_argument("--view", action="append", help="only this view (repeatable)")
    parser.add_argument("--shots", type=Path, help="also save each view's screenshot in this folder")
    parser.add_argument("--json", action="store_true", help="print {view: [problems]} as JSON")
    args = parser.parse_args(argv)
    size = screenshot.parse_size(args.size)
    if size is None:
        parser.error(f"--size must be WIDTHxHEIGHT (got {args.size!r})")
    if args.shots is not None:
        args.shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="layout-check-prefs-") as prefs:
        # dialogs remember things (the last import folder): not in the user's preferences
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, prefs)
        results = check_views(args.db, size, args.view, args.shots)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for view, problems in results.items():
            print(f"{view}: {'fits' if not problems else f'{len(problems)} problem(s)'}")
            for problem in problems:
                print(f"  - {problem}")
    return 1 if any(results.values()) else 0


if __name__ == "__main__":
    import os

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.exit(main())
