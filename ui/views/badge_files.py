"""Saving badges as files: one award as a baked PNG or SVG ("Save badge…"), or all of a
student's badges as a zip ("Export all my badges…").

The user picks the file first (Save As, the suggested name ``<badge>-<date>.png`` as the service
names them in its zip); the credential is signed and baked off the GUI thread
(``badges.export_png`` / ``export_svg`` / ``export_all`` in a read operation: signing reads the
school's key) and written into a temporary file beside the target that replaces it only once
complete, so a failure never leaves half a badge where the user asked for it. The PNG carries
the Open Badges 3.0 ``openbadgecredential`` chunk, which another system can verify.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from tracker.services.badge_exports import file_stem
from tracker.services.badges import AwardInfo
from ui.context import AppContext
from ui.ops import ReadOp

PNG_FILTER = "PNG image, baked with the credential (*.png)"
SVG_FILTER = "SVG image, baked with the credential (*.svg)"
ZIP_FILTER = "Zip archive (*.zip)"


def write_whole(target: Path, data: bytes) -> Path:
    """Write into a temporary file beside ``target``, then put it in place (or leave nothing)."""
    fd, name = tempfile.mkstemp(prefix=".writing-", suffix=target.suffix, dir=target.parent)
    part = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(part, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    return target


def award_file_name(award: AwardInfo, suffix: str = ".png") -> str:
    return file_stem(award.badge_name, award.awarded_at) + suffix


def save_award_to(parent: QWidget, ctx: AppContext, award: AwardInfo, target: Path, *,
                  done: Callable[[str], object] | None = None) -> None:
    """Sign, bake and write the award at ``target`` (PNG, or SVG when it ends with .svg)."""
    service, actor, award_id = ctx.services.badges, ctx.user, award.id
    svg = target.suffix.lower() == ".svg"

    def write(_state: object) -> Path:
        data = service.export_svg(actor, award_id).encode("utf-8") if svg else service.export_png(actor, award_id)
        return write_whole(target, data)

    ReadOp(parent, ctx, write, label="Saving the badge") \
        .success(lambda path: done(f"Saved {path.name}") if done is not None else None).run_in_background()


def save_award(parent: QWidget, ctx: AppContext, award: AwardInfo, *,
               done: Callable[[str], object] | None = None) -> bool:
    """Ask where to save the award (PNG or SVG), then save it there. False: the user cancelled."""
    chosen, kind = QFileDialog.getSaveFileName(parent, f"Save the badge {award.badge_name}",
                                               str(Path.home() / award_file_name(award)),
                                               f"{PNG_FILTER};;{SVG_FILTER}")
    if not chosen:
        return False
    target = Path(chosen)
    if target.suffix.lower() not in (".png", ".svg"):
        target = target.with_suffix(".svg" if kind == SVG_FILTER else ".png")
    save_award_to(parent, ctx, award, target, done=done)
    return True


def export_all_to(parent: QWidget, ctx: AppContext, student_id: int, target: Path, *,
                  done: Callable[[str], object] | None = None) -> None:
    """Every badge the student holds, baked PNG and SVG each, zipped at ``target``."""
    service, actor = ctx.services.badges, ctx.user

    def write(_state: object) -> Path:
        return write_whole(target, service.export_all(actor, student_id))

    ReadOp(parent, ctx, write, label="Exporting the badges") \
        .success(lambda path: done(f"Saved {path.name}") if done is not None else None).run_in_background()


def export_all(parent: QWidget, ctx: AppContext, student_id: int, student_name: str, *,
               done: Callable[[str], object] | None = None) -> bool:
    """Ask where to save the zip of the student's badges, then write it. False: cancelled."""
    suggested = file_stem(f"Badges of {student_name}", datetime.now()) + ".zip"
    chosen, _ = QFileDialog.getSaveFileName(parent, f"Export the badges of {student_name}",
                                            str(Path.home() / suggested), ZIP_FILTER)
    if not chosen:
        return False
    target = Path(chosen)
    if target.suffix.lower() != ".zip":
        target = target.with_suffix(".zip")
    export_all_to(parent, ctx, student_id, target, done=done)
    return True
