"""The import dialog: choose, map columns (remembered), preview, import in the background."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import School
from tests.ui.conftest import settle
from tracker.domain.changes import ChangeKind
from tracker.services.imports import ImportCancelled
from ui.dialogs.import_dialog import ImportDialog, PreviewModel, saved_mapping
from ui.views.people import PeoplePage

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "roster" / "students.csv"
ONEROSTER = Path(__file__).resolve().parents[1] / "data" / "oneroster" / "v1.2.zip"


def _dialog(qtbot, ctx) -> ImportDialog:  # type: ignore[no-untyped-def]
    d = ImportDialog(ctx)
    qtbot.addWidget(d)
    d.show()
    return d


def outcomes(d: ImportDialog) -> list[str]:
    return [d.model.record(i).outcome for i in range(d.model.rowCount())]


def test_preview_then_import_in_the_background(qtbot, ctx, school: School) -> None:
    seen = []
    ctx.events.changed.connect(lambda changes, initiator: seen.append((changes, initiator)))
    d = _dialog(qtbot, ctx)
    assert d.steps.currentIndex() == d.CHOOSE and not d.import_button.isVisible()
    d.set_path(SAMPLE)
    settle(qtbot, ctx)
    assert d.steps.currentIndex() == d.PREVIEW
    assert outcomes(d) == ["New"] * 8 and "8</b> new" in d.summary.text()
    assert d.import_button.isEnabled()
    d.run_import()
    settle(qtbot, ctx)
    assert d.steps.currentIndex() == d.DONE
    assert d.done_text.text().startswith("8 people created")
    assert seen and seen[-1][0].touches(ChangeKind.USER, ChangeKind.ENROLLMENT) and seen[-1][1] is d
    assert any(u.student_number == "1006" for u in school.services.people.find_users(school.admin))


def test_same_file_again_has_nothing_to_import(qtbot, ctx, school: School) -> None:
    school.services.imports.apply(school.admin, SAMPLE)
    d = _dialog(qtbot, ctx)
    d.set_path(SAMPLE)
    settle(qtbot, ctx)
    assert set(outcomes(d)) == {"Unchanged"} and not d.import_button.isEnabled()
    assert "already up to date" in d.summary.text()


def test_errors_are_listed_with_file_row_and_column_and_block_the_import(qtbot, ctx, tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("Student ID,First Name,Surname,Email\nX1,Al,Ok,al@school.example\nX2,Bo,Bad,nope\n")
    d = _dialog(qtbot, ctx)
    d.set_path(path)
    settle(qtbot, ctx)
    assert d.show_filter.currentText() == "Errors" and outcomes(d) == ["Error"]
    assert d.model.record(0).where == "bad.csv, row 3, column Email"
    assert not d.import_button.isEnabled()


def test_unrecognised_columns_are_mapped_and_remembered(qtbot, ctx, tmp_path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Pupil,Ref,Tutor\nGrace Hopper,P-77,10H\n")
    d = _dialog(qtbot, ctx)
    d.set_path(path)
    settle(qtbot, ctx)
    assert d.steps.currentIndex() == d.MAPPING and set(d.mapping_combos) == {"Pupil", "Ref", "Tutor"}
    assert d.mapping_combos["Tutor"].currentData() == ""  # not recognised: ignored until mapped
    d.set_mapping({"Pupil": "full_name", "Ref": "student_number", "Tutor": "class_name"})
    d.apply_mapping()
    settle(qtbot, ctx)
    assert d.steps.currentIndex() == d.PREVIEW and outcomes(d) == ["New"]
    assert saved_mapping(("Pupil", "Ref", "Tutor"))["Ref"] == "student_number"
    again = _dialog(qtbot, ctx)
    again.set_path(path)
    settle(qtbot, ctx)
    assert again.steps.currentIndex() == again.PREVIEW  # no mapping step the second time
    assert again.columns_button.isVisible()


def test_oneroster_zip_preview(qtbot, ctx, school: School) -> None:
    d = _dialog(qtbot, ctx)
    d.set_path(ONEROSTER)
    settle(qtbot, ctx)
    assert "OneRoster 1.2" in d.summary.text() and "3 parent/guardian links" in d.summary.text()
    assert d.columns_button.isVisible() and d.columns_button.text() == "Classes…"
    d.columns_button.click()
    assert d.steps.currentIndex() == d.MAPPING and set(d.mapping_combos) == {"class:cls-chess", "class:cls-choir"}
    combo = d.mapping_combos["class:cls-chess"]
    combo.setCurrentIndex(combo.findData(str(school.chess)))
    d.mapping_combos["class:cls-choir"].setCurrentIndex(1)  # skip
    d.apply_mapping()
    settle(qtbot, ctx)
    assert d.steps.currentIndex() == d.PREVIEW and d.preview.activities_new == []
    assert d.mapping == {"class:cls-chess": str(school.chess), "class:cls-choir": "skip"}


def test_cancelled_import_says_nothing_was_written(qtbot, ctx, school: School, monkeypatch) -> None:
    def cancelled(*a: object, **k: object) -> None:
        raise ImportCancelled("The import was cancelled; nothing was written.")

    monkeypatch.setattr(school.services.imports, "apply", cancelled)
    d = _dialog(qtbot, ctx)
    d.set_path(SAMPLE)
    settle(qtbot, ctx)
    d.run_import()
    settle(qtbot, ctx)
    assert d.steps.currentIndex() == d.PREVIEW and "nothing was written" in d.status.text()


def test_preview_model_passes_the_model_tester(qtbot, qtmodeltester, ctx) -> None:
    d = _dialog(qtbot, ctx)
    d.set_path(SAMPLE)
    settle(qtbot, ctx)
    assert isinstance(d.model, PreviewModel)
    qtmodeltester.check(d.model)


def test_people_page_offers_import_to_admins(qtbot, ctx) -> None:
    page = PeoplePage(ctx)
    qtbot.addWidget(page)
    page.show()
    assert page.import_action.isVisible()
    dialog = page.import_roster()
    assert isinstance(dialog, ImportDialog)
    dialog.reject()


def test_warnings_of_a_real_export_are_listed_and_do_not_block_the_import(qtbot, ctx) -> None:
    """A OneRoster export with a class marked for deletion that enrollments still name."""
    quirks = ONEROSTER.with_name("v1.1-quirks.zip")
    d = _dialog(qtbot, ctx)
    d.set_path(quirks)
    settle(qtbot, ctx)
    assert d.steps.currentIndex() == d.PREVIEW
    assert "Warning" in outcomes(d) and "Error" not in outcomes(d)
    assert "warning" in d.summary.text() and d.import_button.isEnabled()
    d.show_filter.setCurrentText("Warnings")
    assert set(outcomes(d)) == {"Warning"}
    first = d.model.record(0)
    assert first.details and first.where  # what and where (file, row)


def test_long_details_and_paths_end_with_an_ellipsis_and_nothing_scrolls_sideways(qtbot, ctx, tmp_path) -> None:
    from PySide6.QtCore import Qt

    from ui.layout_check import text_problem

    folder = tmp_path / ("a folder with a rather long name for the school's exports " * 3).strip()
    folder.mkdir()
    path = folder / "bad.csv"
    path.write_text("Student ID,First Name,Surname,Email\nX1,Al,Ok,al@school.example\n"
                    f"X2,Bo,Bad,{'not-an-email-address-' * 6}\n")
    d = _dialog(qtbot, ctx)
    d.resize(d.minimumSize())  # the smallest the dialog gets
    d.set_path(path)
    settle(qtbot, ctx)
    assert d.where.text().endswith("…") and d.where.toolTip() == str(path)
    assert text_problem(d.where) is None
    qtbot.waitUntil(lambda: d.table.horizontalHeader().length() <= d.table.viewport().width())
    assert not d.table.horizontalScrollBar().isVisible()  # the details column is not cut off the edge
    details = d.model.index(0, PreviewModel.DETAILS)
    assert d.table.textElideMode() == Qt.TextElideMode.ElideRight  # so a long message ends with "…"
    assert d.model.data(details, Qt.ItemDataRole.ToolTipRole) == d.model.record(0).details  # whole in the tip
