"""The certificate template editor (issue 11): an administrator edits a design and sees the real
certificate page change; problems show at their field and keep Save disabled; copies, deletes,
resets; nothing unsaved is lost without asking. Also its entry in Settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QColorDialog, QFileDialog, QInputDialog, QMessageBox, QWidget

from tracker.reports.certificate_templates import TEMPLATES, TemplateSpec
from ui.context import AppContext
from ui.dialogs.settings import SettingsDialog
from ui.dialogs.template_editor import SAMPLE_STUDENT, TemplateEditor, open_template_editor

from ..conftest import School
from .conftest import settle


class Answers:
    """What the patched QMessageBox.question answers (Cancel unless a test says otherwise), and
    the questions it was asked: a test never blocks on a real modal box."""

    def __init__(self) -> None:
        self.answer = QMessageBox.StandardButton.Cancel
        self.asked: list[str] = []

    def __call__(self, parent: object, title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        self.asked.append(text)
        return self.answer


@pytest.fixture(autouse=True)
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    found = Answers()
    monkeypatch.setattr(QMessageBox, "question", found)
    return found


@pytest.fixture(autouse=True)
def parents() -> Iterator[list[QWidget]]:
    """The windows the editors open over, kept alive for the test (a parent collected by Python
    would take its editor with it)."""
    kept: list[QWidget] = []
    PARENTS.append(kept)
    yield kept
    PARENTS.remove(kept)


PARENTS: list[list[QWidget]] = []


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    return shown


@pytest.fixture
def editor(qtbot, ctx: AppContext) -> Iterator[TemplateEditor]:  # type: ignore[no-untyped-def]
    yield open_editor(qtbot, ctx)
    settle(qtbot, ctx)


def open_editor(qtbot, ctx: AppContext, name: str | None = None) -> TemplateEditor:  # type: ignore[no-untyped-def]
    """The editor as Settings opens it, loaded and with its first page drawn."""
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.resize(1200, 820)
    parent.show()
    PARENTS[-1].append(parent)
    dialog = open_template_editor(parent, ctx, name)
    qtbot.waitUntil(lambda: dialog.preview.image is not None, timeout=15_000)
    settle(qtbot, ctx)
    return dialog


def redrawn(qtbot, dialog: TemplateEditor, edit) -> QImage:  # type: ignore[no-untyped-def]
    """Make ``edit()`` and wait until the preview shows the page drawn for it."""
    with qtbot.waitSignal(dialog.preview.rendered, timeout=10_000):
        edit()
    assert dialog.preview.image is not None
    return dialog.preview.image


def type_into(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def stored(school: School, name: str) -> TemplateSpec | None:
    return next((t for t in school.services.certificates.templates(school.admin) if t.name == name), None)


def names_of(school: School) -> list[str]:
    return [t.name for t in school.services.certificates.templates(school.admin)]


def item_texts(dialog: TemplateEditor) -> list[str]:
    return [dialog.list.item(i).text() for i in range(dialog.list.count())]


# --------------------------------------------------------------------------- opening and preview
def test_the_editor_opens_on_classic_with_the_real_page_of_a_sample_student(editor: TemplateEditor):
    assert item_texts(editor) == ["classic — built-in", "modern — built-in", "minimal — built-in"]
    assert editor.list.currentItem().text() == "classic — built-in"
    assert editor.form.name.text() == "classic" and editor.form.name.isReadOnly()
    assert editor.form.name_hint.isVisible()  # says why the name cannot change
    assert editor.form.title.text() == TEMPLATES["classic"].title
    assert editor.preview.image is not None and editor.preview.image.width() >= 240
    assert SAMPLE_STUDENT in editor.preview_caption.full_text()
    assert not editor.save_button.isEnabled()  # nothing changed yet
    assert not editor.remove_button.isEnabled() and editor.remove_button.text() == "Reset to default"
    assert editor.form.logo_note.text().startswith("Without one")


def test_editing_the_title_redraws_the_preview_page(qtbot, editor: TemplateEditor):
    before = editor.preview.image
    after = redrawn(qtbot, editor, lambda: type_into(qtbot, editor.form.title, " 2026"))
    assert after != before
    assert editor.form.spec().title == "Certificate of Completion 2026"
    assert editor.save_button.isEnabled() and editor.windowTitle().endswith("*")


def test_the_design_paper_and_orientation_change_the_page_shape(qtbot, editor: TemplateEditor):
    landscape = editor.preview.image
    portrait = redrawn(qtbot, editor, lambda: editor.form.orientation.setCurrentIndex(
        editor.form.orientation.findData("portrait")))
    assert landscape.width() > landscape.height() and portrait.height() > portrait.width()
    redrawn(qtbot, editor, lambda: editor.form.paper.setCurrentIndex(editor.form.paper.findData("Letter")))
    assert editor.form.spec().paper == "Letter" and editor.form.paper.currentText() == "US Letter"


def test_insert_placeholder_types_it_at_the_cursor(qtbot, editor: TemplateEditor):
    wording = editor.form.wording
    wording.setPlainText("Well done, !")
    cursor = wording.textCursor()
    cursor.setPosition(len("Well done, "))
    wording.setTextCursor(cursor)
    menu = editor.form.placeholder_button.menu()
    assert [a.data() for a in menu.actions()] == ["student", "activity", "completed_on", "hours", "skills",
                                                  "school"]
    student = next(a for a in menu.actions() if a.data() == "student")
    assert "{student}" in student.text()
    redrawn(qtbot, editor, student.trigger)
    assert wording.toPlainText() == "Well done, {student}!"
    assert wording.hasFocus()


def test_picking_a_colour_shows_its_swatch_and_hex(qtbot, editor: TemplateEditor, monkeypatch):
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor("#117733"))
    redrawn(qtbot, editor, lambda: qtbot.mouseClick(editor.form.primary, Qt.MouseButton.LeftButton))
    assert editor.form.primary.text() == "#117733"
    assert editor.form.spec().primary == "#117733" and editor.save_button.isEnabled()
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor())  # the chooser cancelled
    qtbot.mouseClick(editor.form.accent, Qt.MouseButton.LeftButton)
    assert editor.form.spec().accent == TEMPLATES["classic"].accent


def tiny_png(path: Path) -> Path:
    image = QImage(40, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("#0072B2"))
    assert image.save(str(path), "PNG")
    return path


def test_choosing_a_logo_reads_the_file_and_shows_a_thumbnail(qtbot, editor: TemplateEditor, tmp_path, monkeypatch):
    logo = tiny_png(tmp_path / "crest.png")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(logo), ""))
    field = editor.form.logo
    assert not field.remove_button.isEnabled() and field.thumb.text() == "None"
    redrawn(qtbot, editor, lambda: qtbot.mouseClick(field.choose_button, Qt.MouseButton.LeftButton))
    assert editor.form.spec().logo == logo.read_bytes()
    assert not field.thumb.pixmap().isNull() and field.remove_button.isEnabled()
    redrawn(qtbot, editor, lambda: qtbot.mouseClick(field.remove_button, Qt.MouseButton.LeftButton))
    assert editor.form.spec().logo is None


def test_a_file_too_large_or_not_an_image_is_refused_naming_the_file(qtbot, editor: TemplateEditor, tmp_path,
                                                                    monkeypatch, warnings):
    huge = tmp_path / "scan-of-the-crest.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2_100_000)
    fake = tmp_path / "notes.jpg"
    fake.write_text("not a picture")
    for path in (huge, fake):
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, p=path, **k: (str(p), ""))
        qtbot.mouseClick(editor.form.signature1.image.choose_button, Qt.MouseButton.LeftButton)
    assert len(warnings) == 2
    assert "scan-of-the-crest.png" in warnings[0] and "2 MB" in warnings[0]
    assert "notes.jpg" in warnings[1] and "PNG or JPEG" in warnings[1]
    assert editor.form.spec().signatures[0].image is None and not editor.is_dirty()


def test_an_unknown_placeholder_disables_save_and_says_why(qtbot, editor: TemplateEditor):
    type_into(qtbot, editor.form.title, "!")
    assert editor.save_button.isEnabled()
    editor.form.wording.moveCursor(editor.form.wording.textCursor().MoveOperation.End)
    type_into(qtbot, editor.form.wording, " Well done {studnet}.")
    assert not editor.save_button.isEnabled()
    label, _ = editor.form.errors["wording"]
    assert label.isVisible() and "Unknown placeholder {studnet}" in label.text()
    assert editor.summary.isVisible() and "Wording: Unknown placeholder {studnet}" in editor.summary.text()
    qtbot.keyClick(editor.form.wording, Qt.Key.Key_Backspace)  # "." off, still wrong
    assert not editor.save_button.isEnabled()
    text = editor.form.wording.toPlainText().replace("{studnet}", "{student}")
    editor.form.wording.setPlainText(text)
    assert editor.save_button.isEnabled() and not label.isVisible() and not editor.summary.isVisible()


def test_a_character_the_font_cannot_draw_is_shown_at_its_field(editor: TemplateEditor):
    editor.form.title.setText("修了証 Certificate")  # set directly: keyClicks aborts on some characters
    label, _ = editor.form.errors["title"]
    assert label.isVisible() and "cannot draw 修 了 証" in label.text()
    assert not editor.save_button.isEnabled()


def test_the_second_signature_can_be_turned_off(qtbot, editor: TemplateEditor):
    assert len(editor.form.spec().signatures) == 2
    redrawn(qtbot, editor, lambda: editor.form.signature2.setChecked(False))
    assert [s.title for s in editor.form.spec().signatures] == ["Head of School"]
    redrawn(qtbot, editor, lambda: editor.form.signature1.setChecked(False))
    assert editor.form.spec().signatures == () and not editor.form.signature2.isEnabled()


# --------------------------------------------------------------------------- saving
def test_saving_stores_the_edited_built_in_template(qtbot, ctx, school: School, editor: TemplateEditor):
    type_into(qtbot, editor.form.title, " of Excellence")
    with qtbot.waitSignal(editor.saved, timeout=10_000) as saved:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == ["classic"]
    settle(qtbot, ctx)
    assert stored(school, "classic").title == "Certificate of Completion of Excellence"  # type: ignore[union-attr]
    assert item_texts(editor)[0] == "classic — built-in, edited"
    assert not editor.save_button.isEnabled() and not editor.is_dirty()
    assert editor.remove_button.isEnabled() and "Saved" in editor.status.full_text()


def test_new_from_this_saves_a_copy_under_the_name_given(qtbot, ctx, school: School, editor: TemplateEditor,
                                                        monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda parent, title, label, *a, text="", **k: (asked.append(text), ("Spring awards", True))[1])
    type_into(qtbot, editor.form.title, " (spring)")  # the copy takes what the form shows
    qtbot.mouseClick(editor.new_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert asked == ["classic copy"]
    copy = stored(school, "Spring awards")
    assert copy is not None and copy.title == "Certificate of Completion (spring)" and copy.design == "classic"
    assert stored(school, "classic") == TEMPLATES["classic"]  # the original stays as saved
    assert item_texts(editor)[-1] == "Spring awards" and editor.list.currentItem().text() == "Spring awards"
    assert not editor.form.name.isReadOnly() and editor.remove_button.text() == "Delete"
    assert not editor.is_dirty()


def test_new_from_this_suggests_a_free_name_and_refuses_a_taken_one(qtbot, ctx, school: School, monkeypatch,
                                                                    warnings):
    school.services.certificates.save_template(school.admin, TemplateSpec(name="classic copy"))
    dialog = open_editor(qtbot, ctx)
    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda parent, title, label, *a, text="", **k: (asked.append(text), ("modern", True))[1])
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert asked == ["classic copy 2"]
    assert warnings == ["There is already a template called 'modern'."]
    assert names_of(school) == ["classic", "modern", "minimal", "classic copy"]


def test_a_long_template_name_is_elided_in_the_list_with_the_whole_name_in_its_tooltip(qtbot, ctx,
                                                                                      school: School):
    long_name = "Autumn term inter-school chess tournament, junior section"
    school.services.certificates.save_template(school.admin, TemplateSpec(name=long_name))
    dialog = open_editor(qtbot, ctx, long_name)
    item = dialog.list.currentItem()
    assert item.text() == long_name and item.toolTip() == long_name
    assert dialog.list.textElideMode() == Qt.TextElideMode.ElideRight
    assert dialog.list.fontMetrics().horizontalAdvance(long_name) > dialog.list.viewport().width()  # elided
    assert dialog.form.name.text() == long_name


def test_ctrl_s_saves(qtbot, ctx, school: School, editor: TemplateEditor):
    type_into(qtbot, editor.form.title, "!")
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    with qtbot.waitSignal(editor.saved, timeout=10_000):
        qtbot.keyClick(editor.form.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ctx)
    assert stored(school, "classic").title.endswith("!")  # type: ignore[union-attr]


def test_renaming_a_template_of_ones_own_replaces_it(qtbot, ctx, school: School):
    school.services.certificates.save_template(school.admin, TemplateSpec(name="Sports day", design="modern"))
    dialog = open_editor(qtbot, ctx, "Sports day")
    dialog.form.name.setText("Sports day 2026")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert stored(school, "Sports day") is None and stored(school, "Sports day 2026") is not None
    assert "Sports day 2026" in item_texts(dialog) and "Sports day" not in item_texts(dialog)


def test_a_name_another_template_has_is_refused_before_saving(qtbot, ctx, school: School):
    school.services.certificates.save_template(school.admin, TemplateSpec(name="Sports day"))
    dialog = open_editor(qtbot, ctx, "Sports day")
    dialog.form.name.setText("modern")
    label, _ = dialog.form.errors["name"]
    assert "already a template called 'modern'" in label.text() and not dialog.save_button.isEnabled()
    settle(qtbot, ctx)


def test_deleting_a_template_of_ones_own_asks_first(qtbot, ctx, school: School, answers: Answers):
    school.services.certificates.save_template(school.admin, TemplateSpec(name="Sports day"))
    dialog = open_editor(qtbot, ctx, "Sports day")
    assert dialog.remove_button.text() == "Delete" and dialog.remove_button.isEnabled()
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)  # Cancel
    settle(qtbot, ctx)
    assert len(answers.asked) == 1 and "Delete the template “Sports day”" in answers.asked[0]
    assert stored(school, "Sports day") is not None
    answers.answer = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert stored(school, "Sports day") is None and "Sports day" not in item_texts(dialog)
    assert dialog.current is not None and dialog.current.name == "classic"


def test_reset_puts_an_edited_built_in_template_back_as_shipped(qtbot, ctx, school: School, answers: Answers):
    from dataclasses import replace

    school.services.certificates.save_template(school.admin, replace(TEMPLATES["modern"], title="Well done"))
    dialog = open_editor(qtbot, ctx, "modern")
    assert dialog.form.title.text() == "Well done" and "modern — built-in, edited" in item_texts(dialog)
    answers.answer = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert "Put the built-in template “modern” back" in answers.asked[0]
    assert stored(school, "modern") == TEMPLATES["modern"]
    assert dialog.form.title.text() == TEMPLATES["modern"].title and not dialog.remove_button.isEnabled()
    assert "modern — built-in" in item_texts(dialog)


def test_a_teacher_whose_save_is_refused_sees_the_standard_message(qtbot, make_ctx, school: School, warnings):
    ctx = make_ctx(school.teacher)
    dialog = open_editor(qtbot, ctx)
    type_into(qtbot, dialog.form.title, "!")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert len(warnings) == 1 and "may not" in warnings[0].lower()
    assert stored(school, "classic") == TEMPLATES["classic"] and dialog.save_button.isEnabled()
    dialog.form.title.setText(TEMPLATES["classic"].title)  # nothing unsaved left to ask about


# --------------------------------------------------------------------------- unsaved changes
def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_editor(qtbot, editor: TemplateEditor,
                                                                       answers: Answers):
    type_into(qtbot, editor.form.title, "!")
    editor.reject()
    assert answers.asked and "not saved" in answers.asked[0] and editor.isVisible()
    answers.answer = QMessageBox.StandardButton.Discard
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.isVisible() and len(answers.asked) == 2


def test_closing_without_changes_does_not_ask(editor: TemplateEditor, answers: Answers):
    editor.reject()
    assert not editor.isVisible() and answers.asked == []


def test_switching_templates_with_unsaved_changes_asks_first(qtbot, editor: TemplateEditor, answers: Answers):
    type_into(qtbot, editor.form.title, "!")
    editor.list.setCurrentRow(1)  # Cancel: stay on classic with the edit
    assert answers.asked and editor.list.currentRow() == 0 and editor.form.title.text().endswith("!")
    answers.answer = QMessageBox.StandardButton.Discard
    redrawn(qtbot, editor, lambda: editor.list.setCurrentRow(1))
    assert editor.form.name.text() == "modern" and editor.form.title.text() == TEMPLATES["modern"].title


def test_a_page_drawn_after_the_editor_is_gone_is_dropped(qtbot, ctx: AppContext):
    dialog = open_editor(qtbot, ctx)
    dialog.form.title.setText("Last-minute title")
    qtbot.waitUntil(lambda: ctx.tasks.busy, timeout=2_000)  # the page is being drawn
    shiboken6.delete(dialog)
    settle(qtbot, ctx)  # its answer arrives for a deleted widget: nothing is raised


# --------------------------------------------------------------------------- Settings
def test_settings_offers_the_template_editor_to_administrators(qtbot, ctx: AppContext):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    assert dialog.templates_button is not None and dialog.templates_button.text() == "Certificate templates…"
    qtbot.mouseClick(dialog.templates_button, Qt.MouseButton.LeftButton)
    editors = dialog.findChildren(TemplateEditor)
    assert len(editors) == 1 and editors[0].isVisible()
    qtbot.waitUntil(lambda: editors[0].preview.image is not None, timeout=15_000)
    settle(qtbot, ctx)


def test_settings_has_no_template_button_for_others(qtbot, make_ctx, school: School):
    ctx = make_ctx(school.teacher)
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.templates_button is None
    settle(qtbot, ctx)
