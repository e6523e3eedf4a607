"""Board settings: whether a leaderboard is on, and how it names students.

For an activity's leads (and admins; the school's board: admins only). Each privacy mode comes
with a sentence saying what students will see, so the lead chooses knowingly. Saving is one
``leaderboards.set_leaderboard`` write (audited); the change it publishes reloads the page.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.leaderboard import ANONYMOUS, FULL, INITIAL, PRIVACY_LABELS, PRIVACY_MODES, Leaderboard
from ui.context import AppContext
from ui.ops import WriteOp
from ui.widgets.style import styled_label

#: what each privacy mode means for the people looking at the board
PRIVACY_MEANING = {
    FULL: "Everyone sees everyone's full name.",
    INITIAL: "“Ana P.”: classmates recognise each other, a stranger learns little.",
    ANONYMOUS: "Everyone else is “Student 17”; each student sees only their own name (“You”). "
               "Staff see the same labels.",
}


class BoardSettingsDialog(QDialog):
    """The board's switch and privacy mode; Save writes both."""

    def __init__(self, ctx: AppContext, board: Leaderboard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.board = board
        self.setWindowTitle(f"Board settings — {board.title}")
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 16)
        lay.setSpacing(8)
        who = "students and parents of this activity" if board.activity_id is not None else "everyone"
        self.enabled = QCheckBox(f"Leaderboard on: {who} can see it")
        self.enabled.setChecked(board.enabled)
        lay.addWidget(self.enabled)
        lay.addSpacing(6)
        heading = QLabel("How students are named")
        heading.setStyleSheet("font-weight: 600;")
        lay.addWidget(heading)
        self.modes = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for mode in PRIVACY_MODES:
            button = QRadioButton(PRIVACY_LABELS[mode])
            button.setChecked(mode == board.privacy)
            self.modes.addButton(button)
            self.buttons[mode] = button
            meaning = styled_label(PRIVACY_MEANING[mode], muted=True)
            meaning.setWordWrap(True)
            meaning.setContentsMargins(24, 0, 0, 4)
            lay.addWidget(button)
            lay.addWidget(meaning)
        note = QLabel("A student who chose not to be shown is never listed, not even in an export. "
                      "Boards show points only, never attendance or standing.")
        note.setWordWrap(True)
        lay.addSpacing(4)
        lay.addWidget(note)
        lay.addStretch(1)
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                           | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.button_box.button(QDialogButtonBox.StandardButton.Save)
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)
        lay.addWidget(self.button_box)

    def privacy(self) -> str:
        return next((mode for mode, b in self.buttons.items() if b.isChecked()), self.board.privacy)

    def save(self) -> None:
        """Write the switch and mode on the writer thread; close once saved."""
        service, actor, aid = self.ctx.services.leaderboards, self.ctx.user, self.board.activity_id
        enabled, privacy = self.enabled.isChecked(), self.privacy()
        self.save_button.setEnabled(False)

        def failed(_exc: BaseException) -> bool:
            self.save_button.setEnabled(True)
            return False  # shown the standard way

        WriteOp(self, self.ctx, lambda state: service.set_leaderboard(actor, aid, enabled=enabled, privacy=privacy),
                label="Saving the board settings").success(lambda _board: self.accept()).failure(failed) \
            .run_in_background()


def open_board_settings(parent: QWidget, ctx: AppContext, board: Leaderboard) -> BoardSettingsDialog:
    """The dialog, window-modal, deleted when closed."""
    dialog = BoardSettingsDialog(ctx, board, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
