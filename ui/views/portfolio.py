"""The Portfolio page: a student's record of extracurricular achievement, and its transcript.

Students see their own (sidebar), parents their children's (a picker), staff open it from the
People page or a roster ("Portfolio…", :func:`open_portfolio`: a window on that student, with a
picker of the students they may see; a lead sees only the activities they lead). A card per
activity (:mod:`ui.views.portfolio_cards`): dates, final status, attendance, milestones with
their notes, skills with their growth, badges, certificates (Open, Verify) and the student's
reflection. The student alone stars what their transcript features and writes reflections
(:mod:`ui.dialogs.reflection_dialog`); "Transcript PDF" opens, saves or prints the signed
co-curricular record through :func:`ui.documents.produce`.

One background load reads the portfolio and what the cards need (:func:`read_portfolio`);
a reload rebuilds only the cards whose data changed, so a starred item keeps the keyboard.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.enums import Role
from tracker.domain.portfolio import ActivityRecord, Portfolio
from ui.context import AppContext
from ui.documents import Delivery, Document, produce
from ui.models.portfolio import PortfolioSnapshot, read_portfolio
from ui.ops import WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Page
from ui.views.portfolio_cards import ActivityCard, BadgesCard, PortfolioCard, Star
from ui.widgets import EmptyState
from ui.widgets.elided import ElidedLabel
from ui.widgets.elided_combo import ElidedComboBox
from ui.widgets.style import set_style_flag, styled_label

PICKER_SEARCH_FROM = 12  # students in the picker from which it takes typing to find one


class PortfolioPage(Page):
    #: the name of the student shown, once a portfolio is loaded (a window's title follows it)
    student_shown = Signal(str)

    title = "Portfolio"
    watches = frozenset({ChangeKind.PORTFOLIO, ChangeKind.ENROLLMENT, ChangeKind.PROGRESS, ChangeKind.MILESTONE,
                         ChangeKind.ATTENDANCE, ChangeKind.SKILL, ChangeKind.BADGE, ChangeKind.CERTIFICATE,
                         ChangeKind.USER, ChangeKind.GUARDIAN_LINK, ChangeKind.ACTIVITY})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, student_id: int | None = None) -> None:
        super().__init__(ctx, parent)
        self.student_id = student_id
        self.snapshot: PortfolioSnapshot | None = None
        self.cards: list[PortfolioCard] = []
        self.signatures: list[object] = []
        self.dialog: QWidget | None = None
        self.status = ""
        self.reloader: Reloader[PortfolioSnapshot] = Reloader(ctx, self._load, self._loaded, self._failed,
                                                              label="Loading the portfolio")
        picks = ctx.actor is not None and ctx.actor.role is not Role.STUDENT

        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(8)
        head = QHBoxLayout()
        self.heading = ElidedLabel("Portfolio")
        set_style_flag(self.heading, "heading", "2")
        head.addWidget(self.heading, 1)
        self.picker_label = QLabel("Student:")
        self.picker = ElidedComboBox()
        self.picker.setAccessibleName("Student")
        self.picker.setToolTip("Whose portfolio to show")
        self.picker.setMinimumWidth(200)
        self.picker.setMaximumWidth(280)
        self.picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.picker_label.setBuddy(self.picker)
        self.picker.activated.connect(self._student_chosen)
        for w in (self.picker_label, self.picker):
            w.setVisible(picks)
            head.addWidget(w)
        self.transcript_button = QPushButton("Transcript PDF")
        self.transcript_button.setToolTip("The signed co-curricular record: what is featured, with the "
                                          "reflections and a verification code")
        menu = QMenu(self.transcript_button)
        for text, delivery in (("Open", Delivery.OPEN), ("Save as…", Delivery.SAVE), ("Print…", Delivery.PRINT)):
            menu.addAction(text, partial(self.transcript, delivery))
        self.transcript_button.setMenu(menu)
        head.addWidget(self.transcript_button)
        lay.addLayout(head)
        self.facts = ElidedLabel("")
        set_style_flag(self.facts, "muted")
        lay.addWidget(self.facts)
        self.hint = styled_label("", muted=True)
        self.hint.setWordWrap(True)
        lay.addWidget(self.hint)

        self.column = QWidget()
        self.cards_layout = QVBoxLayout(self.column)
        self.cards_layout.setContentsMargins(0, 4, 4, 4)
        self.cards_layout.setSpacing(12)
        self.cards_layout.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self.column)
        self.empty = EmptyState("Loading…")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.scroll_area)
        self.stack.addWidget(self.empty)
        self.stack.setCurrentWidget(self.empty)
        lay.addWidget(self.stack, 1)
        self.transcript_button.setEnabled(False)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], PortfolioSnapshot]:
        services, actor, student = self.ctx.services, self.ctx.user, self.student_id
        return lambda state: read_portfolio(services, actor, student)

    def _loaded(self, snapshot: PortfolioSnapshot) -> None:
        self.snapshot = snapshot
        self._fill_picker(snapshot)
        p = snapshot.portfolio
        self.transcript_button.setEnabled(p is not None)
        if p is None:
            self.heading.setText("Portfolio")
            self.facts.setText("")
            self.hint.setText("")
            self._show_cards([])
            self.empty.set_text("No student to show",
                                "The school links parents to their children's accounts." if
                                self.ctx.user.role is Role.PARENT else "There is no student you may follow.")
            self.stack.setCurrentWidget(self.empty)
            return
        self.student_id = p.student_id
        self.heading.setText(p.student)
        self.student_shown.emit(p.student)
        count = len(p.activities)
        where = [f"Grade {p.grade}" if p.grade else "", f"Class {p.class_name}" if p.class_name else "",
                 f"{count} {'activity' if count == 1 else 'activities'}"]
        self.facts.setText("  ·  ".join(x for x in where if x))
        self.hint.setText(self._hint(p))
        self._show_cards(self._cards_for(snapshot, p))
        if not p.activities and not p.badges:
            self.empty.set_text("Nothing in the portfolio yet", self._nothing_yet(p))
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.scroll_area)

    def _failed(self, exc: BaseException) -> None:
        self.snapshot = None
        self._show_cards([])
        self.transcript_button.setEnabled(False)
        self.empty.set_text("The portfolio could not be loaded", str(exc))
        self.stack.setCurrentWidget(self.empty)

    def _fill_picker(self, snapshot: PortfolioSnapshot) -> None:
        if not snapshot.students:
            return
        self.picker.blockSignals(True)
        self.picker.clear()
        for sid, name in snapshot.students:
            self.picker.addItem(name, sid)
        searchable = len(snapshot.students) >= PICKER_SEARCH_FROM
        self.picker.setEditable(searchable)
        if searchable:
            completer = QCompleter(self.picker.model(), self.picker)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.activated.connect(lambda text: self._student_chosen(self.picker.findText(text)))
            self.picker.setCompleter(completer)
        shown = snapshot.portfolio.student_id if snapshot.portfolio is not None else None
        self.picker.setCurrentIndex(self.picker.findData(shown))
        self.picker.blockSignals(False)

    def _student_chosen(self, index: int) -> None:
        student = self.picker.itemData(index) if index >= 0 else None
        if student is not None and student != self.student_id:
            self.student_id = int(student)
            self.refresh()

    def show_student(self, student_id: int) -> None:
        """Show another student's portfolio (staff, parents)."""
        self.student_id = student_id
        self.refresh()

    def _hint(self, p: Portfolio) -> str:
        if p.editable:
            return ("Star ☆ what your transcript should show (nothing starred: it lists everything), and "
                    "write a reflection on each activity.")
        first = p.student.split()[0] if p.student.split() else p.student
        scope = " You see the activities you lead." if self.ctx.user.role is Role.TEACHER else ""
        return f"★ marks what {first} chose to feature on their transcript.{scope}"

    def _nothing_yet(self, p: Portfolio) -> str:
        if self.ctx.user.role is Role.TEACHER:
            return f"{p.student} takes part in none of the activities you lead."
        return "Activities appear here with their milestones, skills, badges and certificates."

    # ------------------------------------------------------------------ the cards
    def _cards_for(self, snapshot: PortfolioSnapshot, p: Portfolio) -> list[tuple[object, Callable[[], PortfolioCard]]]:
        """(signature, maker) per card: a card whose signature is unchanged is kept as it is."""
        out: list[tuple[object, Callable[[], PortfolioCard]]] = []
        for a in p.activities:
            sig: object = (a, p.editable, tuple(snapshot.art.get(b.badge_id) for b in a.badges),
                   tuple(snapshot.files.get(c.id) for c in a.certificates))
            out.append((sig, partial(self._activity_card, a, snapshot, p.editable)))
        if p.badges:
            sig = (p.badges, p.editable, tuple(snapshot.art.get(b.badge_id) for b in p.badges))
            out.append((sig, partial(self._badges_card, p, snapshot)))
        return out

    def _activity_card(self, a: ActivityRecord, snapshot: PortfolioSnapshot, editable: bool) -> PortfolioCard:
        card = ActivityCard(a, snapshot.art, snapshot.files, editable)
        card.reflect.connect(self.write_reflection)
        card.open_file.connect(self.open_file)
        card.verify.connect(self.verify)
        return self._wire(card)

    def _badges_card(self, p: Portfolio, snapshot: PortfolioSnapshot) -> PortfolioCard:
        return self._wire(BadgesCard(p.badges, snapshot.art, p.editable))

    def _wire(self, card: PortfolioCard) -> PortfolioCard:
        card.feature.connect(self.set_featured)
        return card

    def _show_cards(self, wanted: list[tuple[object, Callable[[], PortfolioCard]]]) -> None:
        focused = QGuiApplication.focusObject()
        focus_key = focused.key if isinstance(focused, Star) and focused.window() is self.window() else None
        kept = dict(zip(self.signatures, self.cards, strict=True))
        cards, signatures = [], []
        for sig, make in wanted:
            card = kept.pop(sig, None) or make()
            cards.append(card)
            signatures.append(sig)
        for old in kept.values():
            old.hide()
            old.deleteLater()
        while self.cards_layout.count() > 1:
            self.cards_layout.takeAt(0)
        for i, card in enumerate(cards):
            self.cards_layout.insertWidget(i, card)
            card.show()
        self.cards, self.signatures = cards, signatures
        if focus_key is not None:
            star = next((s for c in cards for s in c.stars if s.key == focus_key), None)
            if star is not None:
                star.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_main(self) -> None:
        star = next((s for c in self.cards for s in c.stars if s.isEnabled()), None)
        if star is not None:
            star.setFocus()
        elif self.picker.isVisible():
            self.picker.setFocus()
        else:
            self.scroll_area.setFocus()

    # ------------------------------------------------------------------ actions
    def set_featured(self, kind: str, ref_id: int, on: bool) -> None:
        """A star pressed: feature the item on the transcript, or stop (the student only)."""
        p = self.snapshot.portfolio if self.snapshot is not None else None
        if p is None or not p.editable:
            return
        service, actor, sid = self.ctx.services.portfolios, self.ctx.user, p.student_id

        def failed(_exc: BaseException) -> bool:
            self.refresh()  # the star shows what is stored again
            return False

        WriteOp(self, self.ctx, lambda state: service.set_featured(actor, sid, kind, ref_id, on),
                label="Featuring" if on else "No longer featuring", idempotent=True).failure(failed) \
            .run_in_background()

    def write_reflection(self, record: ActivityRecord) -> QWidget | None:
        p = self.snapshot.portfolio if self.snapshot is not None else None
        if p is None or not p.editable:
            return None
        from ui.dialogs.reflection_dialog import open_reflection_dialog

        self.dialog = open_reflection_dialog(self, self.ctx, p.student_id, record.id, record.name,
                                             record.reflection, record.reflection_version)
        return self.dialog

    def open_file(self, path: str) -> None:
        if path and Path(path).is_file():
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def verify(self, text: str) -> QWidget:
        """The Verify dialog, checking the certificate at once."""
        from ui.dialogs.verify_dialog import open_verify_dialog

        dialog = open_verify_dialog(self.ctx, self)
        dialog.input.setText(text)
        dialog.verify()
        self.dialog = dialog
        return dialog

    def transcript(self, delivery: Delivery) -> bool:
        """The co-curricular record, written off the GUI thread, then opened, saved or printed."""
        p = self.snapshot.portfolio if self.snapshot is not None else None
        if p is None:
            return False
        service, actor, sid = self.ctx.services.portfolios, self.ctx.user, p.student_id
        document = Document("Co-curricular record", f"Co-curricular record {p.student} {date.today():%Y-%m-%d}.pdf",
                            lambda state, path: path.write_bytes(service.transcript_pdf(actor, sid)),
                            noun="co-curricular record")
        return produce(self, self.ctx, document, delivery, done=self._said)

    def _said(self, text: str) -> None:
        self.status = text
        self.hint.setText(text)


class PortfolioWindow(QDialog):
    """A student's portfolio in a window of its own, for staff (from People and rosters)."""

    def __init__(self, ctx: AppContext, student_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Portfolio")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 10)
        self.page = PortfolioPage(ctx, self, student_id=student_id)
        self.page.student_shown.connect(lambda name: self.setWindowTitle(f"Portfolio — {name}"))
        lay.addWidget(self.page, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.setContentsMargins(0, 0, 20, 0)
        lay.addWidget(buttons)
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        width, height = 900, 700
        if screen is not None:
            width, height = min(width, int(screen.width() * 0.9)), min(height, int(screen.height() * 0.9))
        self.resize(width, height)


def open_portfolio(parent: QWidget, ctx: AppContext, student_id: int) -> PortfolioWindow:
    """People ▸ Portfolio…, a roster's Portfolio…: the window on that student, deleted when closed."""
    window = PortfolioWindow(ctx, student_id, parent)
    window.finished.connect(window.deleteLater)
    window.open()
    return window

