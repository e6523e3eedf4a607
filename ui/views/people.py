"""People (admins): every account, its role and sign-in state, passwords and guardian links.

One background read loads the whole list (users and the names of the activities teachers lead);
the search box and role filter work on that snapshot. Every write is a ``WriteOp`` (ui/ops.py):
the changes it commits reload this page (and any other page that shows people).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.enums import Role
from tracker.domain.policy import Permission
from tracker.services.people import UserInfo
from tracker.services.progress_rows import ProgressRow
from ui.context import AppContext
from ui.dialogs.guardian_dialog import GuardianDialog
from ui.dialogs.user_dialog import ResetPasswordDialog, UserDialog
from ui.models.base import FilterProxy
from ui.models.people import UsersModel, account_status
from ui.ops import ReadOp, WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState, show_error
from ui.views.base import Page
from ui.widgets import SearchBox, StatusPill, apply_widths, make_table
from ui.widgets.action_bar import ActionBar, action_button
from ui.widgets.actions import widget_action
from ui.widgets.column_fit import fit_columns
from ui.widgets.elided import ElidedLabel
from ui.widgets.search import attach_search, focus_list
from ui.widgets.style import set_style_flag, styled_label, when
from ui.widgets.tables import with_side_panel


class PersonPanel(QFrame):
    """Details of the selected person, with what their role links them to."""

    def __init__(self, page: PeoplePage) -> None:
        super().__init__()
        self.page = page
        set_style_flag(self, "card")
        self.setMinimumWidth(280)
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(16, 14, 16, 14)
        self.lay.setSpacing(6)
        self.content: QWidget | None = None
        self.show_user(None)

    def show_user(self, u: UserInfo | None) -> None:
        try:
            self._build(u)
        finally:
            if self.content is not None:
                self.content.show()

    def _build(self, u: UserInfo | None) -> None:
        if self.content is not None:
            self.lay.removeWidget(self.content)
            self.content.hide()
            self.content.deleteLater()
        self.content = QWidget()
        lay = QVBoxLayout(self.content)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.lay.addWidget(self.content)
        if u is None:
            lay.addWidget(styled_label("No one selected", heading="2"))
            lay.addWidget(styled_label("Select a person to see their details.", muted=True))
            lay.addStretch(1)
            return
        name = styled_label(u.display_name, heading="2")
        name.setWordWrap(True)
        lay.addWidget(name)
        lay.addWidget(styled_label(f"{u.role.label} · {u.username}", muted=True))
        form = QFormLayout()
        form.setContentsMargins(0, 6, 0, 6)
        status = account_status(u)
        if not u.can_sign_in and u.active:
            status += " (no password: cannot sign in)"
        rows: list[tuple[str, str]] = [("Status", status)]
        if u.role is Role.STUDENT:
            rows += [("Grade", u.grade or "—"), ("Class", u.class_name or "—"),
                     ("Student no.", u.student_number or "—")]
        rows += [("Email", u.email or "—"), ("Last sign-in", when(u.last_login_at, empty="Never"))]
        for k, v in rows:
            # an address cannot wrap: it is cut with "…" (whole in the tooltip); the rest wraps
            value = ElidedLabel(v) if k == "Email" else QLabel(v)
            value.setWordWrap(k != "Email")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setToolTip(v)
            form.addRow(styled_label(k + ":", muted=True), value)
        lay.addLayout(form)
        people = self.page.by_id
        if u.role is Role.PARENT:
            lay.addWidget(styled_label("Children", heading="2"))
            self._links(lay, [people[i] for i in u.children if i in people],
                        lambda c: (u.id, c.id), "No children linked yet.")
        elif u.role is Role.STUDENT:
            lay.addWidget(styled_label("Parents / guardians", heading="2"))
            self._links(lay, [people[i] for i in u.guardians if i in people],
                        lambda g: (g.id, u.id), "No parent or guardian linked yet.")
            lay.addWidget(styled_label("Activities", heading="2"))
            self.enrolments = QVBoxLayout()
            self.enrolments.setSpacing(2)
            self.enrolments.addWidget(styled_label("Loading…", muted=True))
            lay.addLayout(self.enrolments)
            self._load_enrolments(u.id, self.content)
        elif u.role is Role.TEACHER:
            lay.addWidget(styled_label("Leads", heading="2"))
            names = sorted(self.page.activity_names.get(i, f"Activity {i}") for i in u.activities)
            if names:
                for n in names:
                    lay.addWidget(QLabel("• " + n))
            else:
                lay.addWidget(styled_label("Leads no activity yet.", muted=True))
        lay.addStretch(1)

    def _load_enrolments(self, student_id: int, content: QWidget) -> None:
        """The student's activities, read in the background for the person shown."""
        ctx = self.page.ctx
        actor, progress = ctx.user, ctx.services.progress

        def show(rows: list[ProgressRow]) -> None:
            if self.content is not content:  # another person was selected meanwhile
                return
            while (item := self.enrolments.takeAt(0)) is not None:
                if (widget := item.widget()) is not None:
                    widget.deleteLater()
            if not rows:
                self.enrolments.addWidget(styled_label("Not enrolled in any activity.", muted=True))
            for r in rows:
                line = QHBoxLayout()
                line.addWidget(ElidedLabel(r.activity), 1)
                pill = StatusPill(r.status)
                completion = r.completion
                if completion is None:
                    line.addWidget(styled_label(f"{r.progress_percentage:.0f}%", muted=True))
                else:  # the pill says "Completed"; a partial figure beside it would contradict it
                    pill.setToolTip(completion.tooltip)
                line.addWidget(pill)
                self.enrolments.addLayout(line)

        def failed(exc: BaseException) -> bool:
            if self.content is content:
                self.enrolments.addWidget(styled_label(f"Could not load: {exc}", muted=True))
            return True  # shown in the panel, not in a message box

        ReadOp(self, ctx, lambda state: progress.get_user_progress(actor, student_id),
               label="Loading enrolments").success(show).failure(failed).run_in_background()

    def _links(self, lay: QVBoxLayout, others: list[UserInfo],
               pair: Callable[[UserInfo], tuple[int, int]], empty: str) -> None:
        if not others:
            lay.addWidget(styled_label(empty, muted=True))
        for other in others:
            row = QHBoxLayout()
            text = other.display_name
            if other.role is Role.STUDENT and other.class_name:
                text += f"  ({other.class_name})"
            row.addWidget(QLabel(text), 1)
            unlink = QPushButton("Unlink")
            set_style_flag(unlink, "link")
            unlink.setToolTip(f"Remove the link with {other.display_name}")
            unlink.setAccessibleName(f"Unlink {other.display_name}")
            g, s = pair(other)
            unlink.clicked.connect(lambda _=False, g=g, s=s: self.page.unlink(g, s))
            row.addWidget(unlink)
            lay.addLayout(row)
        if self.page.ctx.can(Permission.LINK_GUARDIANS):
            link = QPushButton("Link parent/guardian…")
            set_style_flag(link, "link")
            link.clicked.connect(self.page.link_guardian)
            lay.addWidget(link, 0, Qt.AlignmentFlag.AlignLeft)


class PeoplePage(Page):
    title = "People"
    watches = frozenset({ChangeKind.USER, ChangeKind.GUARDIAN_LINK, ChangeKind.ACTIVITY})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.users: list[UserInfo] = []
        self.by_id: dict[int, UserInfo] = {}
        self.activity_names: dict[int, str] = {}
        self.reloader = Reloader(ctx, self._load, self._loaded, self._load_failed, label="Loading people")
        self._keep_id: int | None = None

        self.model = UsersModel(self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.setSpacing(12)

        self._make_actions()
        head = QHBoxLayout()
        head.addWidget(styled_label("People", heading="1"))
        self.count = styled_label("", muted=True)
        head.addWidget(self.count, 0, Qt.AlignmentFlag.AlignBottom)
        head.addStretch(1)
        head.addWidget(action_button(self.import_action))
        head.addWidget(action_button(self.link_action))
        head.addWidget(action_button(self.new_action, primary=True))
        outer.addLayout(head)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.search = SearchBox("Search people…")
        self.search.setToolTip("Matches name, username, class, student number and email; "
                               "several words must all match")
        self.search.search.connect(self._apply_filter)
        bar.addWidget(self.search, 1)
        self.role_filter = QComboBox()
        self.role_filter.setAccessibleName("Role filter")
        self.role_filter.addItem("All roles", None)
        for r in Role:
            self.role_filter.addItem(r.label + "s", r.value)
        self.role_filter.currentIndexChanged.connect(lambda _i: self._apply_filter())
        bar.addWidget(self.role_filter)
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Status filter")
        for text in ("Any status", "Active", "Disabled", "Locked", "Cannot sign in"):
            self.status_filter.addItem(text)
        self.status_filter.currentIndexChanged.connect(lambda _i: self._apply_filter())
        bar.addWidget(self.status_filter)
        self.action_bar = ActionBar((self.edit_action, self.reset_action, self.toggle_action, self.unlock_action))
        bar.addWidget(self.action_bar)  # its buttons first; the search box takes what is left
        outer.addLayout(bar)

        m = UsersModel
        self.table = make_table({i: c.width for i, c in enumerate(m.columns)})
        self.table.setModel(self.proxy)
        apply_widths(self.table)
        # what a hidden column says is in the panel beside the table
        self.columns = fit_columns(self.table, stretch=m.NAME, minimum=150, drop=(
            m.LAST_LOGIN, m.EMAIL, m.NUMBER, m.SIGN_IN, m.CLASS, m.GRADE, m.USERNAME))
        self.table.setAccessibleName("People")
        attach_search(self.search, self.table, self.edit_action.trigger)
        find = QAction("Find", self)
        find.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        find.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.triggered.connect(self.search.focus_all)
        self.addAction(find)
        self.table.sortByColumn(m.NAME, Qt.SortOrder.AscendingOrder)
        self.table.activated.connect(lambda _i: self.edit_action.trigger())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.panel = PersonPanel(self)

        outer.addWidget(with_side_panel(self.table, self.panel, (740, 290)), 1)
        self._update_actions()

    # ------------------------------------------------------------------ actions
    def _make_actions(self) -> None:
        def act(text: str, slot: Callable[[], Any], tip: str, *keys: Any) -> QAction:
            return widget_action(self, text, slot, tip, *keys)

        self.new_action = act("New person…", self.new_person, "Create an account (Ctrl+N)",
                              QKeySequence.StandardKey.New)
        self.edit_action = act("Edit…", self.edit_person, "Edit the selected person (Enter)")
        self.reset_action = act("Reset password…", self.reset_password,
                                "Set a new password for the selected person")
        self.toggle_action = act("Disable", self.toggle_active,
                                 "Disable or enable the selected account")
        self.unlock_action = act("Unlock", self.unlock,
                                 "Let a person locked out after wrong passwords sign in again")
        self.link_action = act("Link parent/guardian…", self.link_guardian,
                               "Link a parent/guardian account to a student")
        self.link_action.setVisible(self.ctx.can(Permission.LINK_GUARDIANS))
        self.import_action = act("Import roster…", self.import_roster,
                                 "Import students from a CSV/XLSX file or a OneRoster export")
        self.import_action.setVisible(self.ctx.can(Permission.MANAGE_USERS))
        self.portfolio_action = act("Portfolio…", self.open_portfolio,
                                    "The selected student's portfolio: activities, achievements, reflections")
        self.report_action = act("Progress report (PDF)…", self.progress_report,
                                 "The selected student's progress report: every activity, as a PDF")
        self.subject_access_action = act("Everything about this student…", self.subject_access,
                                         "Save every record that names the selected student (a zip: JSON and PDF)")
        self.erase_action = act("Erase personal details…", self.erase_student,
                                "Erase the selected student's personal details, keeping their counted records")

    def selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.record(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        u = self.selected()
        self.edit_action.setEnabled(u is not None)
        self.reset_action.setEnabled(u is not None)
        self.toggle_action.setEnabled(u is not None and u.id != self.ctx.user.id)
        self.toggle_action.setText("Enable" if u is not None and not u.active else "Disable")
        self.unlock_action.setVisible(bool(u and u.locked))
        self.unlock_action.setEnabled(bool(u and u.locked))
        self.portfolio_action.setEnabled(u is not None and u.role is Role.STUDENT)
        self.report_action.setEnabled(u is not None and u.role is Role.STUDENT)
        for privacy in (self.subject_access_action, self.erase_action):  # admins: policy in the service
            privacy.setEnabled(u is not None and u.role is Role.STUDENT and self.ctx.can(Permission.MANAGE_USERS))

    def _selection_changed(self, *_: object) -> None:
        self._update_actions()
        self.panel.show_user(self.selected())

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.selectRow(index.row())
        menu = QMenu(self)
        for a in (self.edit_action, self.reset_action, self.toggle_action, self.unlock_action):
            if a.isVisible():
                menu.addAction(a)
        if self.portfolio_action.isEnabled():
            menu.addAction(self.portfolio_action)
            menu.addAction(self.report_action)
        if self.erase_action.isEnabled():
            menu.addAction(self.subject_access_action)
            menu.addAction(self.erase_action)
        menu.addSeparator()
        if self.link_action.isVisible():
            menu.addAction(self.link_action)
        menu.addAction(self.new_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def focus_main(self) -> None:
        """After switching to the page: the list, so that Down and Enter work at once (the
        search box when the list is empty)."""
        if not focus_list(self.table):
            self.search.setFocus()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], tuple[list[UserInfo], dict[int, str]]]:
        actor, services = self.ctx.user, self.ctx.services

        def load(state: object) -> tuple[list[UserInfo], dict[int, str]]:
            users = services.people.find_users(actor)
            names = {a.id: a.name for a in services.activities.list_activities(actor)}
            return users, names

        return load

    def _load_failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def _loaded(self, result: tuple[list[UserInfo], dict[int, str]]) -> None:
        keep = self._keep_id
        if keep is None:
            current = self.selected()
            keep = current.id if current else None
        self._keep_id = None
        self.users, self.activity_names = result
        self.by_id = {u.id: u for u in self.users}
        self.model.set_rows(self.users)
        self._update_count()
        if keep is None or not self.select_user(keep):
            if self.proxy.rowCount():
                self.table.selectRow(0)
        self._selection_changed()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{total:,} people" if shown == total else f"{shown:,} of {total:,} people")

    def _apply_filter(self, *_: object) -> None:
        role = Role(self.role_filter.currentData()) if self.role_filter.currentData() else None
        status = self.status_filter.currentText()
        tests: list[Callable[[UserInfo], bool]] = []
        if role is not None:
            tests.append(lambda u: u.role is role)
        if status == "Active":
            tests.append(lambda u: u.active and not u.locked)
        elif status == "Disabled":
            tests.append(lambda u: not u.active)
        elif status == "Locked":
            tests.append(lambda u: u.locked)
        elif status == "Cannot sign in":
            tests.append(lambda u: not u.can_sign_in)
        self.proxy.set_predicate((lambda u: all(t(u) for t in tests)) if tests else None)
        self.proxy.set_search(self.search.text())
        self._update_count()
        self._selection_changed()

    def select_user(self, user_id: int) -> bool:
        row = self.model.row_of(lambda u: u.id == user_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    # ------------------------------------------------------------------ writes
    def _open(self, dialog: Any, keep: Callable[[Any], int | None]) -> Any:
        def finished(code: int) -> None:
            if code:
                self._keep_id = keep(dialog.result_value)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def open_portfolio(self) -> QWidget | None:
        """The selected student's portfolio, in a window of its own."""
        u = self.selected()
        if u is None or u.role is not Role.STUDENT:
            return None
        from ui.views.portfolio import open_portfolio

        return open_portfolio(self, self.ctx, u.id)

    def progress_report(self) -> QWidget | None:
        u = self.selected()
        if u is None or u.role is not Role.STUDENT:
            return None
        from ui.dialogs.export_dialog import open_export_dialog

        return open_export_dialog(self, self.ctx, student=(u.id, u.display_name))

    def subject_access(self, path: str | None = None) -> None:
        u = self.selected()
        if u is not None and u.role is Role.STUDENT:
            from ui.dialogs.privacy_dialogs import save_subject_access

            save_subject_access(self, self.ctx, u.id, u.display_name, path)

    def erase_student(self) -> QWidget | None:
        u = self.selected()
        if u is None or u.role is not Role.STUDENT:
            return None
        from ui.dialogs.privacy_dialogs import open_erase_dialog

        return open_erase_dialog(self, self.ctx, u.id, u.display_name)

    def new_person(self) -> UserDialog:
        data = self.role_filter.currentData()
        role = Role(data) if data else None
        dialog = UserDialog(self.ctx, None, role=role, parent=self)
        return self._open(dialog, lambda r: r.id if r is not None else None)

    def edit_person(self) -> UserDialog | None:
        u = self.selected()
        if u is None:
            return None
        dialog = UserDialog(self.ctx, u, parent=self)
        return self._open(dialog, lambda r: u.id)

    def reset_password(self) -> ResetPasswordDialog | None:
        u = self.selected()
        if u is None:
            return None
        dialog = ResetPasswordDialog(self.ctx, u, parent=self)
        return self._open(dialog, lambda r: u.id)

    def import_roster(self) -> Any:
        from ui.dialogs.import_dialog import ImportDialog

        dialog = ImportDialog(self.ctx, self)
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        dialog.open()
        return dialog

    def link_guardian(self) -> GuardianDialog:
        u = self.selected()
        dialog = GuardianDialog(
            self.ctx, self.users,
            guardian_id=u.id if u and u.role is Role.PARENT else None,
            student_id=u.id if u and u.role is Role.STUDENT else None, parent=self)
        return self._open(dialog, lambda r: u.id if u else None)

    def toggle_active(self) -> None:
        u = self.selected()
        if u is None:
            return
        if u.active:
            answer = QMessageBox.question(
                self, "Disable account",
                f"Disable {u.display_name}'s account? They can no longer sign in, and their "
                "records stay as they are. You can enable it again at any time.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        people, actor, active = self.ctx.services.people, self.ctx.user, not u.active
        WriteOp(self, self.ctx, lambda state: people.set_active(actor, u.id, active),
                label="Enable account" if active else "Disable account").run_in_background()

    def unlock(self) -> None:
        u = self.selected()
        if u is None or not u.locked:
            return
        auth, actor = self.ctx.services.auth, self.ctx.user
        WriteOp(self, self.ctx, lambda state: auth.unlock(actor, u.id),
                label="Unlock account").run_in_background()

    def unlink(self, guardian_id: int, student_id: int) -> None:
        g, s = self.by_id.get(guardian_id), self.by_id.get(student_id)
        names = (g.display_name if g else "the parent", s.display_name if s else "the student")
        answer = QMessageBox.question(
            self, "Unlink", f"Remove the link between {names[0]} and {names[1]}? "
            f"{names[0]} will no longer see {names[1]}'s progress.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        people, actor = self.ctx.services.people, self.ctx.user
        WriteOp(self, self.ctx, lambda state: people.unlink_guardian(actor, guardian_id, student_id),
                label="Unlink").run_in_background()
