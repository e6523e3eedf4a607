"""The dashboard's "Certificates to issue": one button per activity whose completed students still
lack a certificate ("Chess Club: 30 to issue — Issue…"), most waiting first. A button opens the
certificate wizard on that activity's students. The six most waiting get a button; those that do
not fit the row, and the rest, go into "More".
Hidden while nothing waits.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QWidget

from tracker.services.certificates import AwaitingCertificates
from ui.widgets.action_bar import ActionBar
from ui.widgets.style import set_style_flag, styled_label

#: the most waiting get a button each (a wide screen shows five or six), the rest are in "More"
BUTTONS = 6


def waiting(rows: list[AwaitingCertificates]) -> list[AwaitingCertificates]:
    """The activities of this term with certificates to issue, most waiting first."""
    return sorted((r for r in rows if r.to_issue and not r.archived), key=lambda r: (-r.to_issue, r.activity))


class CertificatesToIssue(QFrame):
    """A one-line card; ``issue(activity_id)`` when one of its buttons is pressed."""

    issue = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_style_flag(self, "card")
        self.setAccessibleName("Certificates to issue")
        self.rows: list[AwaitingCertificates] = []
        self.actions_shown: list[QAction] = []
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(14, 8, 14, 8)
        self.title = styled_label("Certificates to issue", heading="2")
        self._layout.addWidget(self.title)
        self.bar = ActionBar([])
        self._layout.addWidget(self.bar, 1)
        self.hide()

    def set_rows(self, rows: list[AwaitingCertificates]) -> None:
        self.rows = waiting(rows)
        for action in self.actions_shown:
            action.deleteLater()
        self.actions_shown = [self._action(r) for r in self.rows]
        bar = ActionBar(self.actions_shown, buttons_at_most=BUTTONS)
        self._layout.replaceWidget(self.bar, bar)
        self.bar.hide()  # out of the layout, it would show at its own geometry until deleted
        self.bar.deleteLater()
        self.bar = bar
        self.setVisible(bool(self.rows))

    def _action(self, row: AwaitingCertificates) -> QAction:
        action = QAction(f"{row.activity}: {row.to_issue} to issue — Issue…", self)
        action.setToolTip(f"{row.to_issue} of the {row.completed} students who completed {row.activity} "
                          "have no certificate yet: open the certificate wizard")
        activity_id = row.activity_id
        action.triggered.connect(lambda: self.issue.emit(activity_id))
        return action

    def buttons(self) -> list[QWidget]:
        """The buttons shown now (the rest are in "More")."""
        return [b for b in self.bar.buttons if b.isVisibleTo(self)]
