"""Start-up: the sign-in window is usable before the database has finished opening."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle
from ui.dialogs.login import LoginDialog


def test_sign_in_pressed_while_database_opens_runs_when_it_is_ready(qtbot, ctx, school: School):
    dialog = LoginDialog(None, remember=False)
    qtbot.addWidget(dialog)
    assert "Opening" in dialog.prompt_label.text()
    dialog.username.setText("tina")
    dialog.password.setText(PASSWORD)
    assert dialog.sign_in() is False  # not yet: remembered for when the database is ready
    assert dialog.actor is None
    dialog.attach(ctx)
    settle(qtbot, ctx)  # the password is checked and the school's name read in the background
    assert dialog.actor is not None and dialog.actor.username == "tina"
    assert dialog.school_label.text() == school.services.settings.get().school_name


def test_login_window_module_loads_without_sqlalchemy():
    """What start-up imports before showing the window must not pull in the database stack."""
    code = (
        "import sys; import ui.app, ui.dialogs.login, ui.launcher; "
        "heavy = [m for m in ('sqlalchemy', 'alembic', 'tracker.services') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
