"""What the editing dialogs share: inline error labels per field, and saving in the background.

A dialog lists its fields by the names services use in ``Problem.field``; a ValidationError
then shows each message under its field (and the rest at the top) and nothing closes.
OK runs the dialog's service call as a write operation (``ui/ops.py``): on the writer thread,
with OK disabled and a busy pointer meanwhile, and the changes it committed published for every
view when it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton, QWidget

from tracker.errors import Problem, ValidationError
from ui.context import AppContext
from ui.dialogs import WaitingDialog
from ui.ops import WriteOp
from ui.tasks import show_error
from ui.widgets.style import set_style_flag


def error_label() -> QLabel:
    label = QLabel()
    set_style_flag(label, "error")
    label.setWordWrap(True)
    label.hide()
    return label


class FormDialog(WaitingDialog):
    """A dialog whose OK runs a service call; errors stay in the dialog."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result_value: Any = None
        self.general_error = error_label()
        self.field_errors: dict[str, tuple[QLabel, QWidget | None]] = {}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        set_style_flag(ok, "primary")

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    @property
    def saving(self) -> bool:
        return self.waiting

    def field_error(self, name: str, widget: QWidget | None = None, *aliases: str) -> QLabel:
        label = error_label()
        for key in (name, *aliases):
            self.field_errors[key] = (label, widget)
        return label

    def clear_errors(self) -> None:
        self.general_error.hide()
        for label, widget in self.field_errors.values():
            label.hide()
            label.clear()
            if widget is not None and widget.property("invalid"):
                set_style_flag(widget, "invalid", False)

    def show_problems(self, exc: ValidationError) -> None:
        """Messages under their fields; anything without a known field at the top."""
        self.clear_errors()
        loose: list[str] = []
        first: QWidget | None = None
        for p in exc.problems or []:
            target = self.field_errors.get((p.field or "").lower())
            if target is None:
                loose.append(p.message)
                continue
            label, widget = target
            label.setText((label.text() + "\n" if label.text() else "") + p.message)
            label.show()
            if widget is not None:
                set_style_flag(widget, "invalid", True)
                first = first or widget
        if loose or not exc.problems:
            self.general_error.setText("\n".join(loose) or exc.message)
            self.general_error.show()
        if first is not None:
            first.setFocus()

    def local_problem(self, field: str, message: str) -> None:
        self.show_problems(ValidationError("Please check the form.", [Problem(message, field=field)]))

    # ------------------------------------------------------------------ saving
    def submit(self) -> Callable[[], Any] | None:
        """Return the service call to run (or None after showing a local problem). It runs on
        the writer thread: read what it needs from the widgets here, not in the call."""
        raise NotImplementedError

    def saved(self, result: Any) -> None:
        """On the GUI thread after a successful save, before the dialog closes (the committed
        changes are published right after)."""

    def accept(self) -> None:
        if self.waiting:
            return
        self.clear_errors()
        call = self.submit()
        if call is None:
            return
        self.start_waiting(self.ok_button)
        WriteOp(self, self.ctx, lambda state: call(), label=self.windowTitle()) \
            .success(self._done).failure(self._failed).run_in_background()

    def _done(self, result: Any) -> None:
        if not self.finish_waiting():  # closed while saving: the change is published all the same
            return
        self.result_value = result
        self.saved(result)
        super().accept()

    def _failed(self, exc: BaseException) -> bool:
        if self.finish_waiting():
            if isinstance(exc, ValidationError):
                self.show_problems(exc)
            else:
                show_error(self, exc)
        return True
