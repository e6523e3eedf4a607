"""The side panel of the Roster tab: the selected student's facts (status, standing and why, what
was set by hand, the sign-off, what completion still needs) and their status history.

The tab decides what is selected and reads the history; the panel only shows it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QListView, QListWidget, QScrollArea, QVBoxLayout, QWidget

from tracker.domain.enums import ProgressStatus
from tracker.domain.progress import CompletionRule
from tracker.domain.standing import Standing
from tracker.services.enrollment import RosterRow, StatusChange
from ui.models.roster import ACTIVE_OR_COMPLETED, OVERRIDE_MARK, completion_of, override_line
from ui.widgets.style import day, set_style_flag, styled_label, when


class RosterPanel(QFrame):
    """Facts and status history of the one selected student (or how many are selected)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_style_flag(self, "card")
        self.setMinimumWidth(210)
        panel = QVBoxLayout(self)
        panel.setContentsMargins(14, 12, 14, 12)
        self.title = styled_label("No one selected", heading="2")
        self.title.setWordWrap(True)
        self.facts = styled_label("Select a student to see their status history.", muted=True)
        self.facts.setWordWrap(True)
        self.facts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # standing reasons and a note set by hand can be long: the facts scroll, the history keeps room
        facts = QScrollArea()
        facts.setWidget(self.facts)
        facts.setWidgetResizable(True)
        facts.setFrameShape(QFrame.Shape.NoFrame)
        facts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        facts.viewport().setAutoFillBackground(False)
        self.facts.setAutoFillBackground(False)
        panel.addWidget(self.title)
        panel.addWidget(facts, 3)
        panel.addWidget(styled_label("Status history", heading="2"))
        self.history = QListWidget()
        self.history.setAccessibleName("Status history")
        self.history.setWordWrap(True)
        # re-wrap the entries when the panel is narrowed (else their text is cut)
        self.history.setResizeMode(QListView.ResizeMode.Adjust)
        self.history.setFrameShape(QFrame.Shape.NoFrame)
        self.history.setSpacing(4)
        self.history.setMinimumHeight(90)
        panel.addWidget(self.history, 2)

    def show_count(self, n: int) -> None:
        """Nobody or several students selected: no facts, no history."""
        self.history.clear()
        self.title.setText(f"{n} students selected" if n else "No one selected")
        self.facts.setText("Select one student to see their status history." if n else
                           "Select a student to see their status history.")

    def show_student(self, r: RosterRow, requires_signoff: bool, signed: frozenset[int] | None,
                     rule: CompletionRule | None = None) -> None:
        """One student's facts (a completed student: why, and the points earned); the history says
        "Loading…" until :meth:`show_history`."""
        self.history.clear()
        self.title.setText(r.name)
        facts = [f"Grade {r.grade}" if r.grade else "", r.class_name or "", r.student_number or ""]
        line = " · ".join(f for f in facts if f)
        done = completion_of(r, rule)
        status = done.reason if done else \
            r.status.label + (f" (#{r.waitlist_position} on the waitlist)" if r.waitlist_position else "")
        text = f"{line}\n{status} · enrolled {day(r.enrolled_on)}" if line else status
        if done is not None:
            text += f"\n{done.points}"
        text += standing_facts(r, requires_signoff, signed)
        if r.status is ProgressStatus.DROPPED:
            text += f"\nLeft on {day(r.dropped_on)}: {r.drop_reason or ''}"
        elif r.missing and r.status is ProgressStatus.ACTIVE:
            text += "\nStill needed: " + "; ".join(r.missing)
        self.facts.setText(text)
        self.history.addItem("Loading…")

    def show_history(self, changes: list[StatusChange]) -> None:
        self.history.clear()
        for c in reversed(changes):
            was = f" (was {c.from_status})" if c.from_status else ""
            who = c.changed_by or "automatically"
            note = f"\n“{c.note}”" if c.note else ""
            self.history.addItem(f"{c.to_status.capitalize()}{was}\n{when(c.changed_at)} · {who}{note}")
        if not changes:
            self.history.addItem("No changes recorded.")


def standing_facts(r: RosterRow, requires_signoff: bool, signed: frozenset[int] | None) -> str:
    """Standing with its reasons, what was set by hand and the sign-off."""
    lines = []
    if r.standing in (Standing.ON_TRACK, Standing.BEHIND, Standing.AT_RISK):
        lines.append(f"Standing: {r.standing.label}")
        lines += [f"• {reason}" for reason in r.standing_reasons]
    if r.overridden:
        lines.append(f"{OVERRIDE_MARK} {override_line(r)}")
    if requires_signoff and signed is not None and r.status in ACTIVE_OR_COMPLETED:
        lines.append("Signed off" if r.student_id in signed else "Not signed off yet")
    return "".join("\n" + line for line in lines)
