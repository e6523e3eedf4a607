"""The writes of the Roster tab (:class:`ui.views.activity_roster.RosterTab` inherits them):
the actions that open a dialog (enroll, drop, mark completed, set progress by hand, import) and
the ones that write at once (re-enroll, promote, back to computed, sign off and its undoing).

Each is a write operation (``ui/ops.py``; the dialogs run their own): it runs on the writer
thread, says what it did on the tab's message line, and what it committed is published, which
reloads the tab and every page showing figures of the activity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from tracker.domain.enums import ProgressStatus
from tracker.errors import ValidationError
from tracker.services.enrollment import RosterRow
from ui.context import AppContext
from ui.models.roster import ACTIVE_OR_COMPLETED
from ui.ops import WriteOp


class RosterWrites(QWidget):
    """The Roster tab's write actions; the tab supplies the attributes and selection below
    (and ``refresh``, to show what is stored after a refused write)."""

    ctx: AppContext
    activity_id: int
    activity_name: str
    can_import: bool
    dialog: Any
    message: QLabel
    selected: Callable[[], list[RosterRow]]
    _with: Callable[[ProgressStatus], list[RosterRow]]
    _to_sign: Callable[..., list[RosterRow]]
    refresh: Callable[[], None]

    def _open(self, dialog: Any, after: Callable[[Any], str]) -> Any:
        """Open a dialog that saves by itself; once it has, say what it did."""
        self.dialog = dialog

        def finished(code: int) -> None:
            if code:
                self.message.setText(after(dialog))
            dialog.deleteLater()
            self.dialog = None

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def enroll(self) -> Any:
        from ui.dialogs.enroll_dialog import EnrollDialog

        def after(d: Any) -> str:
            done = [o for o in d.outcomes if o.outcome in ("enrolled", "re-enrolled")]
            wait = [o for o in d.outcomes if o.outcome == "waitlisted"]
            same = [o for o in d.outcomes if o.outcome == "already"]
            parts = [f"{len(done)} enrolled"]
            if wait:
                parts.append(f"{len(wait)} on the waitlist (" + ", ".join(
                    f"{o.name} #{o.waitlist_position}" for o in wait[:5]) + ")")
            if same:
                parts.append(f"{len(same)} already on the roster")
            return "; ".join(parts) + "."

        return self._open(EnrollDialog(self.ctx, self.activity_id, self.activity_name or "the activity", self),
                          after)

    def drop(self) -> Any:
        from ui.dialogs.enroll_dialog import DropDialog

        chosen = [r for r in self.selected() if r.status is not ProgressStatus.DROPPED]
        if not chosen:
            return None
        starts = [r.enrolled_on for r in chosen if r.enrolled_on and r.status is not ProgressStatus.WAITLISTED]
        dialog = DropDialog(self.ctx, self.activity_id, [(r.student_id, r.name) for r in chosen], self,
                            earliest=max(starts) if starts else None)

        def after(d: Any) -> str:
            text = f"Dropped {len(chosen)} student{'s' if len(chosen) != 1 else ''}."
            if d.offers:
                o = d.offers[-1]
                text += f" A place is free: {o.name} is first on the waitlist — select them and press Promote."
            return text

        return self._open(dialog, after)

    def complete(self) -> Any:
        from ui.dialogs.enroll_dialog import CompleteDialog

        chosen = self._with(ProgressStatus.ACTIVE)
        if not chosen:
            return None
        return self._open(CompleteDialog(self.ctx, self.activity_id, [(r.student_id, r.name) for r in chosen],
                                         self),
                          lambda d: f"Marked {len(chosen)} completed.")

    def _write_each(self, rows: list[RosterRow], call: Callable[[int], Any], label: str,
                    done_text: Callable[[list[Any]], str]) -> None:
        """Run ``call`` for each student on the writer thread (re-enroll, promote: each student is
        a transaction of its own, as each one takes or frees a place)."""
        if not rows:
            return
        ids = [r.student_id for r in rows]
        self._write_all(lambda: [call(sid) for sid in ids], label, done_text)

    def _write_all(self, call: Callable[[], list[Any]], label: str, done_text: Callable[[list[Any]], str]) -> None:
        """Run one service call for the whole selection (one unit of work: all or nothing). What
        the service refuses, and for whom, goes to the message line, and the tab shows what is
        stored again."""

        def refused(exc: BaseException) -> bool:
            self.refresh()
            if isinstance(exc, ValidationError):
                named = [p.message for p in exc.problems if p.message != exc.message]
                self.message.setText("Nothing changed: " + " ".join([exc.message, *named]))
                return True
            self.message.setText("")
            return False  # shown the standard way

        WriteOp(self, self.ctx, lambda state: call(), label=label) \
            .success(lambda out: self.message.setText(done_text(out))).failure(refused).run_in_background()

    def reenroll(self) -> None:
        service, actor, aid = self.ctx.services.enrollment, self.ctx.user, self.activity_id
        self._write_each(self._with(ProgressStatus.DROPPED), lambda sid: service.reenroll(actor, aid, sid),
                         "Re-enroll", lambda out: "Re-enrolled: " + ", ".join(
                             f"{o.name}" + (f" (waitlist #{o.waitlist_position})" if o.waitlist_position else "")
                             for o in out) + ".")

    def promote(self) -> None:
        service, actor, aid = self.ctx.services.enrollment, self.ctx.user, self.activity_id
        rows = sorted(self._with(ProgressStatus.WAITLISTED), key=lambda r: r.waitlist_position or 0)
        self._write_each(rows, lambda sid: service.promote_from_waitlist(actor, aid, sid), "Promote",
                         lambda out: "Promoted from the waitlist: " + ", ".join(o.name for o in out) + ".")

    def set_progress(self) -> Any:
        from ui.dialogs.progress_dialog import ProgressOverrideDialog

        chosen = [r for r in self.selected() if r.status in ACTIVE_OR_COMPLETED]
        if not chosen:
            return None
        dialog = ProgressOverrideDialog(self.ctx, self.activity_id, [(r.student_id, r.name) for r in chosen], self,
                                        progress=chosen[0].progress_percentage if len(chosen) == 1 else None)
        return self._open(dialog, lambda d: f"Set by hand for {_students(len(chosen))}.")

    def back_to_computed(self) -> None:
        service, actor, aid = self.ctx.services.progress, self.ctx.user, self.activity_id
        ids = [r.student_id for r in self.selected() if r.overridden]
        if ids:
            self._write_all(lambda: service.clear_override_for(actor, aid, ids), "Back to computed",
                            lambda out: f"Back to the computed progress for {_students(len(out))}.")

    def sign_off(self) -> None:
        self._sign(signed=True)

    def undo_sign_off(self) -> None:
        self._sign(signed=False)

    def _sign(self, *, signed: bool) -> None:
        service, actor, aid = self.ctx.services.progress, self.ctx.user, self.activity_id
        rows = self._to_sign(self.selected(), signed=signed)

        def done_text(out: list[Any]) -> str:
            if not signed:
                return f"Sign-off taken back for {_students(len(out))}."
            completed = sum(1 for p in out if p.status is ProgressStatus.COMPLETED)
            return f"Signed off {_students(len(out))}" + (f"; {completed} completed." if completed else ".")

        ids = [r.student_id for r in rows]
        if ids:
            self._write_all(lambda: service.sign_off_for(actor, aid, ids, signed=signed),
                            "Sign off" if signed else "Undo sign-off", done_text)

    def import_roster(self) -> Any:
        from ui.dialogs.import_dialog import ImportDialog

        if not self.can_import:
            return None
        dialog = ImportDialog(self.ctx, self)
        dialog.finished.connect(lambda _c: dialog.deleteLater())
        dialog.open()
        self.dialog = dialog
        return dialog


def _students(n: int) -> str:
    return f"{n} student{'s' if n != 1 else ''}"
