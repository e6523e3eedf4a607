"""Create or edit an account; reset a password. Problems appear under their fields."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.enums import Role
from tracker.services.people import UserInfo, UserInput
from ui.context import AppContext
from ui.widgets.forms import FormDialog


def _field(widget: QWidget, error: QLabel) -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lay.addWidget(widget)
    lay.addWidget(error)
    return box


class UserDialog(FormDialog):
    """New person (user is None) or edit; saving calls services.people in the background."""

    def __init__(self, ctx: AppContext, user: UserInfo | None = None, *,
                 role: Role | None = None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.user = user
        self.setWindowTitle(f"Edit {user.display_name}" if user else "New person")
        self.setMinimumWidth(460)
        outer = QVBoxLayout(self)
        outer.addWidget(self.general_error)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(form)

        def add(label: str, widget: QWidget, field: str, *aliases: str) -> QWidget:
            widget.setAccessibleName(label.rstrip(":"))
            row = _field(widget, self.field_error(field, widget, *aliases))
            form.addRow(label, row)
            return row

        self.role = QComboBox()
        for r in Role:
            self.role.addItem(r.label, r.value)
        add("Role:", self.role, "role")
        self.username = QLineEdit()
        self.username.setPlaceholderText("e.g. j.smith")
        add("Username:", self.username, "username")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("as shown everywhere in the app")
        add("Display name:", self.display_name, "display name", "display_name")

        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.preferred_name = QLineEdit()
        self.grade = QLineEdit()
        self.class_name = QLineEdit()
        self.student_number = QLineEdit()
        self.student_rows = [
            add("First name:", self.first_name, "first name", "first_name"),
            add("Last name:", self.last_name, "last name", "last_name"),
            add("Preferred name:", self.preferred_name, "preferred name", "preferred_name"),
            add("Grade:", self.grade, "grade"),
            add("Class:", self.class_name, "class", "class_name"),
            add("Student number:", self.student_number, "student number", "student_number"),
        ]
        self._form = form
        self.email = QLineEdit()
        self.email.setPlaceholderText("optional")
        add("Email:", self.email, "email")

        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("leave empty: cannot sign in yet")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_rows: list[QWidget] = []
        if user is None:
            self.password_rows = [
                add("Password:", self.password, "password"),
                add("Confirm password:", self.confirm, "confirm password", "confirm"),
            ]
        self.active = QCheckBox("Account is active (can be used)")
        self.active.setChecked(True)
        form.addRow("", self.active)
        outer.addStretch(1)
        outer.addWidget(self.buttons)
        self.ok_button.setText("Save" if user else "Create")

        self.role.currentIndexChanged.connect(self._role_changed)
        if user is not None:
            self._load(user)
        elif role is not None:
            self.role.setCurrentIndex(self.role.findData(Role(role).value))
        self._role_changed()
        self.username.setFocus()

    def _load(self, u: UserInfo) -> None:
        self.role.setCurrentIndex(self.role.findData(u.role.value))
        self.username.setText(u.username)
        self.display_name.setText(u.display_name)
        self.first_name.setText(u.first_name or "")
        self.last_name.setText(u.last_name or "")
        self.preferred_name.setText(u.preferred_name or "")
        self.grade.setText(u.grade or "")
        self.class_name.setText(u.class_name or "")
        self.student_number.setText(u.student_number or "")
        self.email.setText(u.email or "")
        self.active.setChecked(u.active)

    def _role_changed(self) -> None:
        student = self.role_value() is Role.STUDENT
        for row in self.student_rows:
            row.setVisible(student)
            label = self._form.labelForField(row)
            if label is not None:
                label.setVisible(student)
        self.adjustSize()

    def role_value(self) -> Role:
        return Role(self.role.currentData())

    def values(self) -> UserInput:
        role = self.role_value()
        student = role is Role.STUDENT
        first, last = self.first_name.text().strip(), self.last_name.text().strip()
        preferred = self.preferred_name.text().strip()
        display = self.display_name.text().strip()
        if not display and student and (first or last):
            display = f"{preferred or first} {last}".strip()
        return UserInput(
            username=self.username.text().strip(),
            display_name=display,
            role=role,
            password=(self.password.text() or None) if self.user is None else None,
            first_name=first if student else None,
            last_name=last if student else None,
            preferred_name=preferred if student else None,
            grade=self.grade.text() if student else None,
            class_name=self.class_name.text() if student else None,
            student_number=self.student_number.text() if student else None,
            email=self.email.text(),
            active=self.active.isChecked(),
        )

    def submit(self) -> Callable[[], Any] | None:
        if self.user is None and self.password.text() != self.confirm.text():
            self.local_problem("confirm password", "The two passwords are not the same.")
            return None
        data = self.values()
        people, actor = self.ctx.services.people, self.ctx.user
        if self.user is None:
            return lambda: people.create_user(actor, data)
        uid, version = self.user.id, self.user.version
        return lambda: people.update_user(actor, uid, data, expected_version=version)


def generate_password() -> str:
    """A readable temporary password: three short words of letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


class ResetPasswordDialog(FormDialog):
    def __init__(self, ctx: AppContext, user: UserInfo, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.user = user
        self.setWindowTitle(f"Reset password of {user.display_name}")
        self.setMinimumWidth(420)
        outer = QVBoxLayout(self)
        intro = QLabel(f"Set a new password for <b>{user.display_name}</b> ({user.username}). "
                       "Tell them the new password; they can change it after signing in. "
                       "This also unlocks the account.")
        intro.setWordWrap(True)
        outer.addWidget(intro)
        outer.addWidget(self.general_error)
        form = QFormLayout()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("New password")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName("Confirm new password")
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        self.generate = QPushButton("Generate")
        self.generate.setToolTip("Make up a readable random password and show it")
        self.generate.clicked.connect(self._generate)
        row.addWidget(self.generate)
        holder = QWidget()
        holder_lay = QVBoxLayout(holder)
        holder_lay.setContentsMargins(0, 0, 0, 0)
        holder_lay.addLayout(row)
        holder_lay.addWidget(self.field_error("password", self.password, "new password"))
        form.addRow("New password:", holder)
        form.addRow("Confirm:", _field(self.confirm, self.field_error("confirm password", self.confirm)))
        self.show_text = QCheckBox("Show the password")
        self.show_text.toggled.connect(self._show)
        form.addRow("", self.show_text)
        outer.addLayout(form)
        outer.addWidget(self.buttons)
        self.ok_button.setText("Set password")

    def _show(self, on: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
        self.password.setEchoMode(mode)
        self.confirm.setEchoMode(mode)

    def _generate(self) -> None:
        pw = generate_password()
        self.password.setText(pw)
        self.confirm.setText(pw)
        self.show_text.setChecked(True)

    def submit(self) -> Callable[[], Any] | None:
        pw = self.password.text()
        if not pw:
            self.local_problem("password", "Type a new password (or press Generate).")
            return None
        if pw != self.confirm.text():
            self.local_problem("confirm password", "The two passwords are not the same.")
            return None
        auth, actor, uid = self.ctx.services.auth, self.ctx.user, self.user.id
        return lambda: auth.reset_password(actor, uid, pw)


__all__ = ["ResetPasswordDialog", "UserDialog", "generate_password"]
