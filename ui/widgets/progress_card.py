"""A student's standing in one activity, as a card (student and parent dashboards).

A completed student's card says why it is completed instead of showing a partial bar
(:attr:`ProgressRow.completion`); every line wraps, so two cards fit side by side at 1024 px.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from tracker.domain.enums import ProgressStatus
from tracker.domain.standing import HOW_JUDGED
from tracker.services.progress_rows import ProgressRow
from ui.widgets.elided import ElidedLabel
from ui.widgets.pill import StatusPill
from ui.widgets.style import colour, day, pct, set_style_flag, standing_colour, status_colour


class ProgressCard(QFrame):
    def __init__(self, row: ProgressRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        set_style_flag(self, "card")
        self.setObjectName("progressCard")
        self.setAccessibleName(f"{row.activity}: {row.status.label}")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 14)
        lay.setSpacing(6)

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.title = ElidedLabel(row.activity)
        set_style_flag(self.title, "heading", "2")
        self.category = QLabel(row.category)
        set_style_flag(self.category, "muted")
        titles.addWidget(self.title)
        titles.addWidget(self.category)
        top.addLayout(titles, 1)
        self.pill = StatusPill(row.status)
        top.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)

        progress = QHBoxLayout()
        progress.setSpacing(10)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setValue(round(row.progress_percentage))
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setAccessibleName("Progress")
        self.bar.setAccessibleDescription(f"{row.progress_percentage:.0f}%")
        if row.status is not ProgressStatus.ACTIVE:  # completed green, dropped grey, waitlisted orange
            self.bar.setStyleSheet(
                f"QProgressBar::chunk {{ background: {status_colour(row.status).name()}; }}")
        self.percent = QLabel(f"{row.progress_percentage:.0f}%")
        set_style_flag(self.percent, "heading", "2")
        progress.addWidget(self.bar, 1)
        progress.addWidget(self.percent)
        completion = row.completion
        self.completion: QLabel | None = None
        if completion is not None:  # "Completed — …" where a partial bar would contradict it
            self.bar.hide()
            self.percent.hide()
            self.completion = QLabel("✓ " + completion.reason)
            self.completion.setWordWrap(True)
            self.completion.setToolTip(completion.points)
            self.completion.setStyleSheet(f"color: {colour('OK').darker(125).name()}; font-weight: 600;")
            progress.addWidget(self.completion, 1)
        lay.addLayout(progress)

        facts = [
            f"Attendance {pct(row.attendance_rate)}" if row.attendance_rate is not None
            else "No attendance taken yet",
            f"Milestones {row.milestones_done}/{row.milestones_total}",
            f"{row.points} point{'s' if row.points != 1 else ''}"
            + (f" of {row.points_total}" if row.points_total else ""),
        ]
        self.facts = QLabel("   ·   ".join(facts))
        self.facts.setWordWrap(True)
        lay.addWidget(self.facts)

        self.standing: QLabel | None = None
        if row.status is ProgressStatus.ACTIVE and row.standing_reasons:
            self.standing = QLabel(f"{row.standing.label} — {row.standing_reasons[0]}")
            self.standing.setStyleSheet(f"color: {standing_colour(row.standing).name()}; font-weight: 600;")
            self.standing.setToolTip("\n".join(row.standing_reasons) + "\n\n" + HOW_JUDGED)
            self.standing.setWordWrap(True)
            lay.addWidget(self.standing)

        if completion is not None:
            text = f"Completed on {day(row.completed_at)}." if row.completed_at else ""
            self.detail = QLabel(f"{text} {completion.points}".strip())
            set_style_flag(self.detail, "muted")
        elif row.status is ProgressStatus.DROPPED:
            reason = f": {row.drop_reason}" if row.drop_reason else ""
            self.detail = QLabel(f"Left on {day(row.dropped_on)}{reason}")
            set_style_flag(self.detail, "muted")
        elif row.status is ProgressStatus.WAITLISTED:
            self.detail = QLabel("On the waiting list for a place.")
            set_style_flag(self.detail, "muted")
        elif row.missing:
            self.detail = QLabel("Still needed: " + "; ".join(row.missing))
            set_style_flag(self.detail, "muted")
        else:
            self.detail = QLabel("Everything needed for completion is done.")
            set_style_flag(self.detail, "muted")
        self.detail.setWordWrap(True)
        lay.addWidget(self.detail)
        lay.addStretch(1)
