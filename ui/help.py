"""The Help menu's windows: the user guide and the keyboard shortcuts.

The user guide is the README's "User guide" section (up to "Developer guide") rendered
offline in a QTextBrowser, so the guide and the README never disagree; the screenshots it shows
are read from the same folder. The shortcuts window is built from the window's own QActions,
QShortcuts and buttons with a shortcut each time it opens, never from a list kept by hand: what
it lists is what the keys do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QAction, QImage, QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import resources

GUIDE_START = "## User guide"
GUIDE_END = "## Developer guide"
EVERYWHERE = "Everywhere"
PICTURE_WIDTH = 720
NO_GUIDE = ("The user guide could not be found: it is the README.md file that comes with Activity "
            "Tracker, and it is missing from this installation.")


def user_guide(readme: str) -> str | None:
    """The README's user guide (Markdown), from its heading up to the developer guide."""
    start = readme.find(GUIDE_START)
    if start < 0:
        return None
    end = readme.find(GUIDE_END, start)
    return readme[start:end if end >= 0 else None].strip()


def _fit_to_screen(window: QWidget, width: int, height: int) -> None:
    screen = window.screen().availableGeometry()
    window.resize(min(width, screen.width() * 9 // 10), min(height, screen.height() * 85 // 100))


class GuideBrowser(QTextBrowser):
    """The guide's text; its screenshots scaled down to fit the window (a 1280 px picture would
    make the text scroll sideways)."""

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802 - Qt's name
        found = super().loadResource(kind, name)
        if kind == QTextDocument.ResourceType.ImageResource.value:
            image = found if isinstance(found, QImage) else QImage.fromData(found) if found else QImage()
            if image.width() > PICTURE_WIDTH:
                return image.scaledToWidth(PICTURE_WIDTH, Qt.TransformationMode.SmoothTransformation)
        return found


class GuideWindow(QDialog):
    """The user guide, offline; links to web pages open in the browser."""

    def __init__(self, markdown: str, base: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("User guide")
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        lay = QVBoxLayout(self)
        self.browser = GuideBrowser()
        self.browser.setAccessibleName("User guide")
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([base])  # the guide's screenshots, next to the README
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(base + "/"))
        self.browser.setMarkdown(markdown)
        lay.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay.addWidget(buttons)
        _fit_to_screen(self, 900, 760)
        self.browser.setFocus()


def open_user_guide(parent: QWidget) -> QDialog:
    """The guide window, or a plain message when the README is not installed."""
    path = resources.readme_path()
    markdown = user_guide(path.read_text(encoding="utf-8")) if path is not None else None
    if path is None or markdown is None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Information, "User guide", NO_GUIDE, QMessageBox.StandardButton.Ok,
                          parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box
    window = GuideWindow(markdown, str(path.parent), parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    return window


# --- keyboard shortcuts -----------------------------------------------------------------------
@dataclass(frozen=True)
class Shortcut:
    where: str  # "Everywhere", a page ("People"), or a tab ("Activities ▸ Attendance")
    what: str
    sequences: tuple[str, ...]  # each key sequence in portable text ("Ctrl+T")

    @property
    def keys(self) -> str:
        """The keys as the platform writes them ("Ctrl+T", "⌘T")."""
        return ", ".join(QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText) for s in self.sequences)


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").replace("…", "").strip()


def _sequences(sequences: Iterable[QKeySequence]) -> tuple[str, ...]:
    return tuple(s.toString(QKeySequence.SequenceFormat.PortableText) for s in sequences if not s.isEmpty())


def _where(obj: QObject, places: dict[QWidget, str]) -> str:
    """The page (and tab) an action or shortcut lives in; ``places`` maps pages to titles."""
    tabs: list[str] = []
    node: QObject | None = obj
    while node is not None:
        if isinstance(node, QWidget):
            if node in places:
                return " ▸ ".join([places[node], *reversed(tabs)])
            parent = node.parentWidget()
            stack = parent.parentWidget() if parent is not None else None
            if isinstance(stack, QTabWidget) and stack.indexOf(node) >= 0:
                tabs.append(_plain(stack.tabText(stack.indexOf(node))))
        node = node.parent()
    return EVERYWHERE


def shortcuts(window: QWidget, places: dict[QWidget, str]) -> list[Shortcut]:
    """Every shortcut the window's actions, QShortcuts and buttons answer to (hidden actions,
    whose keys do nothing, left out), grouped by where they work."""
    found: list[Shortcut] = []
    for action in window.findChildren(QAction):
        keys = _sequences(action.shortcuts())
        if keys and action.isVisible():
            found.append(Shortcut(_where(action, places), _plain(action.text() or action.toolTip()), keys))
    for shortcut in window.findChildren(QShortcut):
        keys = _sequences([shortcut.key()])
        if keys and shortcut.isEnabled():
            what = shortcut.whatsThis() or shortcut.objectName() or "(a shortcut of this view)"
            found.append(Shortcut(_where(shortcut, places), _plain(what), keys))
    for button in window.findChildren(QAbstractButton):
        keys = _sequences([button.shortcut()])
        if keys and button.text():
            found.append(Shortcut(_where(button, places), _plain(button.text() or button.toolTip()), keys))
    unique = {(s.where, s.what, s.sequences): s for s in found}
    return sorted(unique.values(), key=lambda s: (s.where != EVERYWHERE, s.where, s.what.lower()))


def clashes(found: list[Shortcut]) -> list[str]:
    """A page's shortcut on the keys of a window-wide one: Qt then runs neither ("ambiguous
    shortcut"), so the window-wide command is dead on that page. One sentence each."""
    everywhere = {key: s for s in found if s.where == EVERYWHERE for key in s.sequences}
    return [f"{s.where}: {s.what!r} takes {key}, which is {everywhere[key].what!r} everywhere"
            for s in found if s.where != EVERYWHERE for key in s.sequences if key in everywhere]


class ShortcutsWindow(QDialog):
    """Every keyboard shortcut of the window, grouped by where it works."""

    def __init__(self, found: list[Shortcut], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        lay = QVBoxLayout(self)
        note = QLabel("Read from the window's own commands: what is listed is what the keys do. "
                      "An open activity adds the shortcuts of its tabs.")
        note.setWordWrap(True)
        note.setProperty("muted", True)
        lay.addWidget(note)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Keyboard shortcuts")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Command", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        groups: dict[str, QTreeWidgetItem] = {}
        for s in found:
            group = groups.get(s.where)
            if group is None:
                group = groups[s.where] = QTreeWidgetItem(self.tree, [s.where])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFirstColumnSpanned(True)
            item = QTreeWidgetItem(group, [s.what, s.keys])
            item.setToolTip(0, s.what)
        self.tree.expandAll()
        lay.addWidget(self.tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay.addWidget(buttons)
        _fit_to_screen(self, 620, 720)
        self.tree.setFocus()

    def rows(self) -> list[tuple[str, str, str]]:
        """(where, command, keys) as listed (tests)."""
        out = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            assert group is not None
            for i in range(group.childCount()):
                item = group.child(i)
                assert item is not None
                out.append((group.text(0), item.text(0), item.text(1)))
        return out

