"""The cards of the Portfolio page: one an activity, with its milestones, skills, badges,
certificates and the student's reflection; and one for the badges earned school-wide.

A card only shows a snapshot record and says what the user asked for through its signals (the
page writes): ``feature(kind, ref_id, on)`` from a star, ``reflect(record)``, ``open_file(path)``
and ``verify(text)``. Stars are buttons for the student only (their own choice); anyone else sees
a still star on what the student featured. Text wraps (never widening the page); long words in
notes are made breakable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.portfolio import ActivityRecord, BadgeItem
from ui.models.portfolio import BADGE_PICTURE, breakable, facts_text, growth_text, plural, skill_text, stands
from ui.widgets.badge_picture import BadgeArt, badge_pixmap
from ui.widgets.elided import ElidedLabel
from ui.widgets.pill import StatusPill
from ui.widgets.style import colour, day, set_style_flag, styled_label

STAR_ON, STAR_OFF = "★", "☆"
STAR_WIDTH = 28
GOLD = "#b7791f"  # a featured star: warm, readable on white
HOVER = "#eef2f6"


def wrapped(text: str, *, muted: bool = False) -> QLabel:
    """A plain-text label that wraps at the room it is given and never asks for more width."""
    label = styled_label(breakable(text), muted=muted) if muted else QLabel(breakable(text))
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(40)
    return label


class Star(QToolButton):
    """Feature an item on the transcript: ★ featured, ☆ not. A student's button; for everyone
    else a still mark (disabled, nothing to click) on what the student featured."""

    def __init__(self, kind: str, ref_id: int, what: str, featured: bool, editable: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = (kind, ref_id)
        self.what = what
        self.editable = editable
        self.setCheckable(True)
        self.setAutoRaise(True)
        self.setFixedSize(QSize(STAR_WIDTH, STAR_WIDTH - 4))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if editable else Qt.FocusPolicy.NoFocus)
        self.setEnabled(editable)
        self.toggled.connect(self._show)
        self.setChecked(featured)
        self._show(featured)

    def _show(self, on: bool) -> None:
        self.setText(STAR_ON if on else (STAR_OFF if self.editable else ""))
        self.setStyleSheet(  # no pressed-in look when on: the gold star says it
            f"QToolButton {{ color: {GOLD if on else colour('MUTED').name()}; font-size: 13pt; background: "
            f"transparent; border: 1px solid transparent; border-radius: 4px; }} QToolButton:hover {{ background: "
            f"{HOVER}; }} QToolButton:focus {{ border-color: {colour('ACCENT').name()}; }}")
        if self.editable:
            self.setToolTip(f"Featured on your transcript: {self.what}" if on else
                            f"Feature on your transcript: {self.what}")
        else:
            self.setToolTip("Featured by the student" if on else "")
        self.setAccessibleName(f"{'Featured' if on else 'Feature'}: {self.what}")


class PortfolioCard(QFrame):
    """The card frame every section shares: ``body`` is its column; ``stars`` the stars in it."""

    feature = Signal(str, int, bool)

    def __init__(self, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_style_flag(self, "card")
        self.editable = editable
        self.stars: list[Star] = []
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 12, 14, 12)
        self.body.setSpacing(4)

    def star(self, kind: str, ref_id: int, what: str, featured: bool) -> Star:
        star = Star(kind, ref_id, what, featured, self.editable)
        star.clicked.connect(lambda on, s=star: self.feature.emit(s.key[0], s.key[1], on))
        self.stars.append(star)
        return star

    def section(self, title: str) -> None:
        label = QLabel(title)
        label.setStyleSheet("font-weight: 600; margin-top: 6px;")
        self.body.addWidget(label)

    def item(self, star: Star | None, *widgets: QWidget, stretch_first: bool = True) -> QHBoxLayout:
        """A line: the star (or the room of one), then the widgets; the first one stretches."""
        row = QHBoxLayout()
        row.setSpacing(6)
        if star is not None:
            row.addWidget(star, 0, Qt.AlignmentFlag.AlignTop)
        else:
            row.addSpacing(STAR_WIDTH)
        for i, w in enumerate(widgets):
            row.addWidget(w, 1 if i == 0 and stretch_first else 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(row)
        return row

    def badge_lines(self, badges: Sequence[BadgeItem], art: dict[int, BadgeArt]) -> None:
        """A badge a line: star, its small picture, name, date and points."""
        ratio = self.devicePixelRatioF() or 1.0
        for b in badges:
            picture = QLabel()
            picture.setFixedSize(BADGE_PICTURE, BADGE_PICTURE)
            picture.setPixmap(badge_pixmap(art.get(b.badge_id, BadgeArt()), BADGE_PICTURE, ratio=ratio))
            picture.setAccessibleName(f"Badge {b.name}")
            text = wrapped(f"{b.name}\nEarned {day(b.awarded_on)}" + (f"  ·  {plural(b.points, 'point')}"
                                                                      if b.points else ""))
            row = self.item(self.star("badge", b.id, f"badge {b.name}", b.featured), picture, text,
                            stretch_first=False)
            row.setStretch(2, 1)


class ActivityCard(PortfolioCard):
    """One activity of the portfolio."""

    reflect = Signal(object)  # the ActivityRecord
    open_file = Signal(str)
    verify = Signal(str)

    def __init__(self, record: ActivityRecord, art: dict[int, BadgeArt], files: dict[int, str], editable: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(editable, parent)
        self.record = record
        name = QLabel(record.name)
        set_style_flag(name, "heading", "2")
        name.setWordWrap(True)
        name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        pill = StatusPill(record.status)
        head = self.item(self.star("activity", record.id, record.name, record.featured), name, pill)
        head.setAlignment(pill, Qt.AlignmentFlag.AlignTop)
        self.item(None, wrapped(facts_text(record), muted=True))
        if record.milestones:
            self.section(f"Milestones ({len(record.milestones)} done)")
            self._milestones(record)
        if record.skills:
            self.section("Skills")
            self._skills(record)
        if record.badges:
            self.section("Badges")
            self.badge_lines(record.badges, art)
        if record.certificates:
            self.section("Certificates")
            for c in record.certificates:
                self._certificate(c.id, c.serial, c.status, c.issued_on, c.token or c.code, c.featured, files)
        self.section("Reflection")
        self._reflection(record)

    def _milestones(self, record: ActivityRecord) -> None:
        """A milestone a line with the day it was done, and the note kept with it under it."""
        for m in record.milestones:
            text = f"{m.name}  ·  done {day(m.completed_on)}"
            self.item(self.star("milestone", m.id, f"milestone {m.name}", m.featured), wrapped(text))
            if m.note.strip():
                self.item(None, wrapped(m.note.strip(), muted=True))

    def _skills(self, record: ActivityRecord) -> None:
        """A skill a line: first level → latest, and the growth arrow beside it."""
        for skill in record.skills:
            growth = styled_label(growth_text(skill))
            growth.setToolTip(f"From level {skill.first_level} to level {skill.latest_level} over "
                              f"{plural(skill.assessments, 'assessment')}")
            if skill.growth:
                tone = colour("OK" if skill.growth > 0 else "WARN").darker(130).name()
                growth.setStyleSheet(f"color: {tone}; font-weight: 600;")
            text = ElidedLabel(skill_text(skill))  # elided on a narrow card, whole in its tooltip
            text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            row = self.item(self.star("skill", skill.id, f"skill {skill.name}", skill.featured), text, growth,
                            stretch_first=False)
            row.addStretch(1)

    def _reflection(self, record: ActivityRecord) -> None:
        """The student's words, and for the student the button that writes them."""
        empty = "No reflection written yet." if self.editable else "The student has not written a reflection yet."
        self.reflection = wrapped(record.reflection or empty, muted=not record.reflection)
        self.reflection.setAccessibleName(f"Reflection on {record.name}")
        if not self.editable:
            self.item(None, self.reflection)
            return
        self.reflect_button = QPushButton("Edit the reflection…" if record.reflection else "Write a reflection…")
        self.reflect_button.setToolTip("Your own words on this activity (at most 2,000 characters)")
        self.reflect_button.clicked.connect(lambda: self.reflect.emit(self.record))
        self.item(None, self.reflection, self.reflect_button)

    def _certificate(self, cid: int, serial: str, status: str, issued_on: date, check: str, featured: bool,
                     files: dict[int, str]) -> None:
        valid = stands(status)
        text = wrapped(f"{serial}  ·  {status.capitalize()}  ·  issued {day(issued_on)}", muted=not valid)
        star = self.star("certificate", cid, f"certificate {serial}", featured)
        if not valid:  # only a certificate that stands can be featured
            star.setEnabled(False)
            star.setToolTip(f"A {status.lower()} certificate is not featured")
        open_button = QPushButton("Open")
        path = files.get(cid)
        open_button.setEnabled(path is not None)
        open_button.setToolTip("Open the certificate's PDF" if path else "The certificate's file is not on this computer")
        open_button.clicked.connect(lambda: self.open_file.emit(path or ""))
        verify_button = QPushButton("Verify")
        verify_button.setToolTip("Check the certificate against the school's signature")
        verify_button.clicked.connect(lambda: self.verify.emit(check))
        self.item(star, text, open_button, verify_button)


class BadgesCard(PortfolioCard):
    """The badges earned school-wide (in no activity listed)."""

    def __init__(self, badges: Sequence[BadgeItem], art: dict[int, BadgeArt], editable: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(editable, parent)
        title = QLabel("School-wide badges")
        set_style_flag(title, "heading", "2")
        self.item(None, title)
        self.badge_lines(badges, art)
