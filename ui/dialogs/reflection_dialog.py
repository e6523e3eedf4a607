"""Write a reflection: a student's own words on one activity of their portfolio.

At most :data:`~tracker.domain.portfolio.MAX_REFLECTION` characters, counted live under the text
("1,234 / 2,000", red and Save disabled beyond). Saving is one ``portfolios.save_reflection``
write with the version read, so a reflection changed meanwhile (another window) is not
overwritten: the conflict is shown the standard way and nothing is lost from the box.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.portfolio import MAX_REFLECTION
from ui.context import AppContext
from ui.ops import WriteOp
from ui.widgets.style import colour, styled_label


def counter_text(length: int, limit: int = MAX_REFLECTION) -> str:
    """"1,234 / 2,000"."""
    return f"{length:,} / {limit:,}"


class ReflectionDialog(QDialog):
    """The reflection's text with its live counter; Save is enabled within the limit."""

    def __init__(self, ctx: AppContext, student_id: int, activity_id: int, activity: str, text: str,
                 version: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.student_id, self.activity_id, self.version = student_id, activity_id, version
        self.setWindowTitle(f"Reflection — {activity}")
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 16)
        lay.setSpacing(8)
        hint = styled_label("What did you do, learn or enjoy? Your reflection is part of your portfolio "
                            "and of your transcript.", muted=True)
        hint.setWordWrap(True)
        lay.addWidget(hint)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Reflection")
        self.editor.setPlainText(text)
        self.editor.setTabChangesFocus(True)
        self.editor.setMinimumHeight(180)
        self.editor.textChanged.connect(self._count)
        lay.addWidget(self.editor, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.counter = QLabel()
        self.counter.setAccessibleName("Characters used")
        row.addWidget(self.counter)
        lay.addLayout(row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self._count()
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def text(self) -> str:
        return self.editor.toPlainText()

    def _count(self) -> None:
        length = len(self.text())
        over = length > MAX_REFLECTION
        self.counter.setText(counter_text(length))
        self.counter.setStyleSheet(f"color: {colour('RISK').name()}; font-weight: 600;" if over else "")
        self.counter.setToolTip(f"{length - MAX_REFLECTION:,} characters too many" if over else
                                f"At most {MAX_REFLECTION:,} characters")
        self.save_button.setEnabled(not over)

    def save(self) -> None:
        """Save on the writer thread; close once saved (the page reloads on the change)."""
        if len(self.text()) > MAX_REFLECTION:
            return
        service, actor, sid, aid, version = (self.ctx.services.portfolios, self.ctx.user, self.student_id,
                                             self.activity_id, self.version)
        text = self.text()
        self.save_button.setEnabled(False)

        def failed(_exc: BaseException) -> bool:
            self.save_button.setEnabled(True)
            return False  # shown the standard way; the text stays in the box

        WriteOp(self, self.ctx, lambda state: service.save_reflection(actor, sid, aid, text, version=version),
                label="Saving the reflection").success(lambda _version: self.accept()).failure(failed) \
            .run_in_background()


def open_reflection_dialog(parent: QWidget, ctx: AppContext, student_id: int, activity_id: int, activity: str,
                           text: str, version: int | None) -> ReflectionDialog:
    """The dialog, window-modal, deleted when closed."""
    dialog = ReflectionDialog(ctx, student_id, activity_id, activity, text, version, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
