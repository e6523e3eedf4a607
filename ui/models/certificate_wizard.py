"""The certificate wizard's two lists: the activities with certificates waiting, and the
students of one activity, each with a tick box.

Both are snapshots (``data()`` never reads the database). Only a student who may get a
certificate can be ticked: one who completed the activity, or anyone when an administrator
issues "even though not completed". The others stay in the list, greyed, with what they still
need, so the teacher sees who is missing what.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from tracker.domain.enums import ProgressStatus
from tracker.domain.policy import Actor, Permission, Scope, scopes
from tracker.services.certificates import AwaitingCertificates, CertificateInfo, CertificateStatus
from tracker.services.progress_rows import ProgressRow
from ui.models.base import RIGHT, Column, SnapshotModel

Index = QModelIndex | QPersistentModelIndex


def may_force(actor: Actor | None) -> bool:
    """Whether the user may tick a student who has not completed ("issue even though not
    completed"): the service lets only an administrator force one, and the administrators are
    who the policy lets issue school-wide."""
    return actor is not None and Scope.ANY in scopes(actor.role, Permission.ISSUE_CERTIFICATES)


@dataclass(frozen=True)
class StudentChoice:
    """One enrolled student as the wizard lists them."""

    student_id: int
    name: str
    status: ProgressStatus
    progress: float
    missing: tuple[str, ...]  # what completion still needs, in plain words
    serial: str | None  # their valid certificate, if they hold one
    has_file: bool = False  # ... and its PDF is on disk (a stopped run registers without writing)

    @property
    def completed(self) -> bool:
        return self.status is ProgressStatus.COMPLETED

    @property
    def standing(self) -> str:
        """Status and progress, as the Status column reads: "Completed", "Active · 45%"."""
        if self.status is ProgressStatus.ACTIVE:
            return f"Active · {self.progress:.0f}%"
        return self.status.label

    @property
    def still_needed(self) -> str:
        if self.completed:
            return "—"
        return "; ".join(self.missing) or "Not marked completed yet"


    @property
    def wants_certificate(self) -> bool:
        """Ticked by default: completed, and no certificate on paper yet (none valid, or one
        registered whose file was never written)."""
        return self.completed and not self.has_file


def student_choices(rows: Iterable[ProgressRow], certificates: Iterable[CertificateInfo]) -> list[StudentChoice]:
    """The activity's students by name, each with their valid certificate's serial and whether
    its file exists (runs on a worker thread, from what the progress and certificate services
    return)."""
    valid: dict[int, CertificateInfo] = {}
    for c in certificates:  # newest first: the first valid one is the one that stands
        if c.status is CertificateStatus.VALID:
            valid.setdefault(c.student_id, c)
    files = {sid: c.path is not None and Path(c.path).is_file() for sid, c in valid.items()}
    return sorted((StudentChoice(r.user_id, r.student, r.status, r.progress_percentage, r.missing,
                                 valid[r.user_id].serial if r.user_id in valid else None,
                                 files.get(r.user_id, False)) for r in rows),
                  key=lambda s: (s.name.casefold(), s.student_id))


def certificate_tip(choice: StudentChoice) -> str:
    if choice.serial is None:
        return "No certificate yet"
    if not choice.has_file:
        return f"{choice.serial} is registered but its file was not written: tick to write it"
    return f"Already holds {choice.serial}: ticked, its file is written again with the same serial"


class AwaitingModel(SnapshotModel[AwaitingCertificates]):
    """Activities the user issues for: how many completed, how many still need a certificate."""

    NAME, COMPLETED, TO_ISSUE = range(3)

    columns = (
        Column("Activity", lambda a: a.activity + (" (archived)" if a.archived else ""), width=300,
               tooltip=lambda a: a.activity + (" (archived)" if a.archived else "")),
        Column("Completed", lambda a: str(a.completed), value=lambda a: a.completed, align=RIGHT, width=100,
               header_tooltip="Students who completed the activity"),
        Column("To issue", lambda a: str(a.to_issue), value=lambda a: a.to_issue, align=RIGHT, width=100,
               header_tooltip="Completed students who hold no valid certificate yet"),
    )

    def muted(self, record: AwaitingCertificates) -> bool:
        return record.to_issue == 0


class StudentChoiceModel(SnapshotModel[StudentChoice]):
    """The students with a tick box in the first column; ``checked_changed`` on every change."""

    NAME, STATUS, MISSING, CERTIFICATE = range(4)

    columns = (
        Column("Student", lambda s: s.name, width=200, tooltip=lambda s: s.name),
        Column("Status", lambda s: s.standing, width=130,  # completed first (by name), then the closest
               sort=lambda s: (not s.completed, 0.0 if s.completed else -s.progress)),
        Column("Still needed", lambda s: s.still_needed, width=260, tooltip=lambda s: s.still_needed),
        Column("Certificate", lambda s: (s.serial or "—") + ("" if s.has_file or not s.serial else " (no file)"),
               width=140, tooltip=lambda s: certificate_tip(s)),
    )

    checked_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._checked: set[int] = set()
        self.force = False  # an administrator issues even though not completed

    def eligible(self, choice: StudentChoice) -> bool:
        return choice.completed or self.force

    def muted(self, record: StudentChoice) -> bool:
        return not self.eligible(record)

    def set_rows(self, rows: Any) -> None:
        super().set_rows(rows)
        self._checked &= {r.student_id for r in self.rows() if self.eligible(r)}
        self.checked_changed.emit()

    # ------------------------------------------------------------------ ticks
    def checked(self) -> list[StudentChoice]:
        """The ticked students, in the order shown."""
        return [r for r in self.rows() if r.student_id in self._checked]

    def set_checked(self, student_ids: Iterable[int]) -> None:
        """Tick exactly these (those who may get one)."""
        wanted = set(student_ids)
        self._checked = {r.student_id for r in self.rows() if r.student_id in wanted and self.eligible(r)}
        self._changed_all()

    def check_all(self, on: bool) -> None:
        self.set_checked([r.student_id for r in self.rows()] if on else [])

    def toggle(self, rows: Iterable[int]) -> None:
        """Space on the selected rows: tick them all, or untick them all when all are ticked."""
        chosen = [self.record(r) for r in rows if self.eligible(self.record(r))]
        ids = {c.student_id for c in chosen}
        if ids:
            self.set_checked(self._checked - ids if ids <= self._checked else self._checked | ids)

    def set_force(self, on: bool) -> None:
        """Let every student be ticked (on), or only the completed ones again (off)."""
        self.force = on
        self._checked = {r.student_id for r in self.rows() if r.student_id in self._checked and self.eligible(r)}
        self._changed_all()

    def _changed_all(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))
        self.checked_changed.emit()

    # ------------------------------------------------------------------ Qt model API
    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if not self.eligible(self.record(index.row())):
            return Qt.ItemFlag.ItemNeverHasChildren  # greyed: shown, but not to be ticked
        flags = super().flags(index)
        if index.column() == self.NAME:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.CheckStateRole and index.isValid() and index.column() == self.NAME:
            ticked = self.record(index.row()).student_id in self._checked
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.column() == self.NAME:
            record = self.record(index.row())
            if not self.eligible(record):
                return f"{record.name} has not completed the activity: {record.still_needed}"
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or index.column() != self.NAME:
            return False
        record = self.record(index.row())
        if not self.eligible(record):
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(value)
        if state == Qt.CheckState.Checked:
            self._checked.add(record.student_id)
        else:
            self._checked.discard(record.student_id)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checked_changed.emit()
        return True
