"""The application's look: a calm light theme (palette + one style sheet) shared by every window.

Style hooks for pages and dialogs (set the dynamic property, the style sheet does the rest)::

    frame.setProperty("card", True)          # QFrame[card="true"]: white panel, 1px #dfe3e8 border,
                                             #   8px radius (put content in its own layout)
    label.setProperty("heading", "1")        # QLabel[heading="1"]: page title, ~20pt bold
    label.setProperty("heading", "2")        # QLabel[heading="2"]: section title, ~14pt semibold
    label.setProperty("muted", True)         # QLabel[muted="true"]: secondary text, grey #5f6b7a
    label.setProperty("kpi", True)           # QLabel[kpi="true"]: big number on a card, ~26pt bold
    label.setProperty("kpiCaption", True)    # QLabel[kpiCaption="true"]: caption under a KPI
    label.setProperty("error", True)         # QLabel[error="true"]: inline error text (red)
    field.setProperty("invalid", True)       # QLineEdit[invalid="true"]: red border on a bad field
    button.setProperty("primary", True)      # QPushButton[primary="true"]: accent-filled button
    button.setProperty("link", True)         # QPushButton[link="true"]: flat, link-like button
    list.setObjectName("sidebar")            # QListWidget#sidebar: dark slate navigation list

Tables (QTableView / QTreeView) get alternating rows and a clean header automatically; call
``view.setAlternatingRowColors(True)`` to turn the alternation on.

Colours are the Okabe-Ito palette (safe for the common kinds of colour blindness). Use the
constants below and :func:`status_colour` instead of literal colours in widgets and charts.
If a property is set after the widget is shown, call :func:`repolish` to apply it.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# --- colours -------------------------------------------------------------------------------
ACCENT = "#0072B2"  # blue: primary actions, "active"
ACCENT_HOVER = "#005f94"
ACCENT_SOFT = "#e5f1f8"  # selection background
OK = "#009E73"  # bluish green: completed, good
WARN = "#E69F00"  # orange: waitlisted, needs attention
RISK = "#D55E00"  # vermillion: at risk, errors
MUTED = "#5f6b7a"  # secondary text
DROPPED = "#8a94a3"  # grey: dropped
ERROR = "#c0392b"  # inline error text (AA contrast on white)

TEXT = "#1f2933"
WINDOW = "#f4f6f8"  # window background behind cards
SURFACE = "#ffffff"  # cards, inputs, tables
BORDER = "#dfe3e8"
BORDER_STRONG = "#c5ccd4"
SIDEBAR = "#1f2a37"  # dark slate
SIDEBAR_HOVER = "#2c3a4b"
SIDEBAR_TEXT = "#e6ebf1"
SIDEBAR_CURRENT = "#0a5a8c"

#: sequence for charts with several series (Okabe-Ito order, without black/yellow)
SERIES = (ACCENT, WARN, OK, RISK, "#56B4E9", "#CC79A7", "#F0E442")

_STATUS = {
    "active": ACCENT,
    "completed": OK,
    "dropped": DROPPED,
    "waitlisted": WARN,
}


def status_colour(status_value: str) -> str:
    """Colour of an enrollment status ("active", "completed", "dropped", "waitlisted")."""
    return _STATUS.get(str(status_value).lower(), MUTED)


# --- style sheet ---------------------------------------------------------------------------
STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: {WINDOW}; }}
QWidget {{ color: {TEXT}; }}
QToolTip {{ background: {TEXT}; color: white; border: none; padding: 4px 6px; }}

QFrame[card="true"] {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px;
}}
QFrame[card="true"] QLabel {{ background: transparent; }}

QLabel[heading="1"] {{ font-size: 19pt; font-weight: 700; }}
QLabel[heading="2"] {{ font-size: 13pt; font-weight: 600; }}
QLabel[muted="true"] {{ color: {MUTED}; }}
QLabel[kpi="true"] {{ font-size: 25pt; font-weight: 700; }}
QLabel[kpiCaption="true"] {{ color: {MUTED}; font-size: 9pt; }}
QLabel[error="true"] {{ color: {ERROR}; }}

QPushButton {{
    background: {SURFACE}; border: 1px solid {BORDER_STRONG}; border-radius: 6px;
    padding: 6px 14px; min-height: 18px;
}}
QPushButton:hover {{ background: #eef2f6; }}
QPushButton:pressed {{ background: #e2e8ef; }}
QPushButton:focus {{ border: 1px solid {ACCENT}; }}
QPushButton:disabled {{ color: #9aa5b1; background: #f1f3f5; border-color: {BORDER}; }}
QPushButton[primary="true"] {{
    background: {ACCENT}; color: white; border: 1px solid {ACCENT}; font-weight: 600;
}}
QPushButton[primary="true"]:hover {{ background: {ACCENT_HOVER}; border-color: {ACCENT_HOVER}; }}
QPushButton[primary="true"]:focus {{ border: 1px solid #003f63; }}
QPushButton[primary="true"]:disabled {{ background: #8fb9d6; border-color: #8fb9d6; color: white; }}
QPushButton[link="true"] {{
    background: transparent; border: none; color: {ACCENT}; padding: 2px 4px;
}}
QPushButton[link="true"]:hover {{ text-decoration: underline; }}

QLineEdit, QSpinBox, QComboBox, QPlainTextEdit, QTextEdit, QDateEdit {{
    background: {SURFACE}; border: 1px solid {BORDER_STRONG}; border-radius: 6px;
    padding: 5px 8px; selection-background-color: {ACCENT}; selection-color: white;
}}
QLineEdit:focus, QSpinBox:focus, QComboBox:focus, QPlainTextEdit:focus, QTextEdit:focus,
QDateEdit:focus {{ border: 1px solid {ACCENT}; }}
QLineEdit[invalid="true"] {{ border: 1px solid {ERROR}; }}
QSpinBox, QDateEdit {{ padding-right: 22px; }}
QSpinBox::up-button, QDateEdit::up-button {{
    subcontrol-origin: border; subcontrol-position: top right; width: 20px;
    border: none; border-left: 1px solid {BORDER}; border-top-right-radius: 6px;
}}
QSpinBox::down-button, QDateEdit::down-button {{
    subcontrol-origin: border; subcontrol-position: bottom right; width: 20px;
    border: none; border-left: 1px solid {BORDER}; border-bottom-right-radius: 6px;
}}
QSpinBox::up-button:hover, QSpinBox::down-button:hover,
QDateEdit::up-button:hover, QDateEdit::down-button:hover {{ background: #eef2f6; }}
QSpinBox::up-arrow, QDateEdit::up-arrow {{ image: url("{{chevron_up}}"); width: 10px; height: 10px; }}
QSpinBox::down-arrow, QDateEdit::down-arrow {{ image: url("{{chevron_down}}"); width: 10px; height: 10px; }}
QComboBox {{ padding-right: 24px; }}
QComboBox::drop-down {{
    subcontrol-origin: padding; subcontrol-position: center right; width: 22px; border: none;
}}
QComboBox::down-arrow {{ image: url("{{chevron_down}}"); width: 10px; height: 10px; }}
QComboBox QAbstractItemView {{
    background: {SURFACE}; border: 1px solid {BORDER_STRONG}; selection-background-color: {ACCENT_SOFT};
    selection-color: {TEXT}; outline: 0;
}}

QListWidget#sidebar {{
    background: {SIDEBAR}; color: {SIDEBAR_TEXT}; border: none; outline: 0;
    padding: 8px 8px; font-size: 10.5pt;
}}
QListWidget#sidebar::item {{
    padding: 9px 10px; margin: 2px 0; border-radius: 6px; color: {SIDEBAR_TEXT};
}}
QListWidget#sidebar::item:hover {{ background: {SIDEBAR_HOVER}; }}
QListWidget#sidebar::item:selected {{ background: {SIDEBAR_CURRENT}; color: white; }}
QWidget#sidebarPanel {{ background: {SIDEBAR}; }}
QLabel#sidebarTitle {{ color: white; font-size: 11.5pt; font-weight: 700; background: transparent; }}
QLabel#sidebarSubtitle {{ color: #9fb0c3; font-size: 9pt; background: transparent; }}
QLabel#sidebarUser {{ color: {SIDEBAR_TEXT}; font-weight: 600; background: transparent; }}

QWidget#pageHeader {{ background: {SURFACE}; border-bottom: 1px solid {BORDER}; }}
QLabel#pageTitle {{ font-size: 10.5pt; font-weight: 600; background: transparent; }}
QLabel#pageCrumb {{ color: {MUTED}; font-size: 10.5pt; background: transparent; }}
QToolButton#headerButton {{
    border: 1px solid transparent; border-radius: 6px; padding: 4px 10px; color: {MUTED};
}}
QToolButton#headerButton:hover {{ background: #eef2f6; border-color: {BORDER}; color: {TEXT}; }}

QTableView, QTreeView, QListView {{
    background: {SURFACE}; alternate-background-color: #f7f9fb; border: 1px solid {BORDER};
    border-radius: 6px; gridline-color: #edf0f3;
    selection-background-color: {ACCENT_SOFT}; selection-color: {TEXT};
}}
QHeaderView::section {{
    background: #f0f3f6; color: #3e4c59; border: none; border-bottom: 1px solid {BORDER};
    border-right: 1px solid #e6eaee; padding: 6px 8px; font-weight: 600;
}}
QTableCornerButton::section {{ background: #f0f3f6; border: none; }}

QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 0 6px; }}
QStatusBar::item {{ border: none; }}

QMenuBar {{ background: {SURFACE}; border-bottom: 1px solid {BORDER}; }}
QMenuBar::item {{ padding: 4px 10px; background: transparent; }}
QMenuBar::item:selected {{ background: #e8edf2; border-radius: 4px; }}
QMenuBar::item:disabled {{ color: #9aa5b1; }}
QMenu {{ background: {SURFACE}; border: 1px solid {BORDER_STRONG}; padding: 4px; }}
QMenu::item {{ padding: 6px 28px 6px 24px; border-radius: 4px; }}
QMenu::item:selected {{ background: {ACCENT_SOFT}; color: {TEXT}; }}
QMenu::item:disabled {{ color: #9aa5b1; }}
QMenu::separator {{ height: 1px; background: {BORDER}; margin: 4px 8px; }}

QProgressBar {{
    border: 1px solid {BORDER}; border-radius: 5px; background: #eef1f4; text-align: center;
    min-height: 14px;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}

QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: 6px; background: {SURFACE}; top: -1px; }}
QTabBar::tab {{ padding: 7px 14px; border: none; color: {MUTED}; background: transparent; }}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; font-weight: 600; }}

QGroupBox {{
    border: 1px solid {BORDER}; border-radius: 8px; margin-top: 14px; padding: 12px 10px 10px 10px;
    background: {SURFACE}; font-weight: 600;
}}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: #3e4c59; }}
"""


def palette() -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    pal.setColor(role.Window, QColor(WINDOW))
    pal.setColor(role.WindowText, QColor(TEXT))
    pal.setColor(role.Base, QColor(SURFACE))
    pal.setColor(role.AlternateBase, QColor("#f7f9fb"))
    pal.setColor(role.Text, QColor(TEXT))
    pal.setColor(role.Button, QColor(SURFACE))
    pal.setColor(role.ButtonText, QColor(TEXT))
    pal.setColor(role.Highlight, QColor(ACCENT))
    pal.setColor(role.HighlightedText, QColor("white"))
    pal.setColor(role.ToolTipBase, QColor(TEXT))
    pal.setColor(role.ToolTipText, QColor("white"))
    pal.setColor(role.Link, QColor(ACCENT))
    pal.setColor(role.PlaceholderText, QColor("#8a94a3"))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.WindowText, role.ButtonText):
        pal.setColor(disabled, r, QColor("#9aa5b1"))
    return pal


def style_sheet() -> str:
    """The style sheet with the paths of its arrow images filled in."""
    from ui.resources import icon_path

    sheet = STYLE_SHEET
    for key, name in (("{chevron_up}", "chevron-up"), ("{chevron_down}", "chevron-down")):
        path = icon_path(name)
        sheet = sheet.replace(key, path.as_posix() if path else "")
    return sheet


def apply(app: QApplication) -> None:
    """Fusion style, the palette, a readable default font and the style sheet."""
    app.setStyle("Fusion")
    app.setPalette(palette())
    font = QFont(app.font())
    if font.pointSizeF() < 9.5 or font.pointSizeF() > 10.5:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(style_sheet())


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after changing a dynamic property on a visible widget."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
