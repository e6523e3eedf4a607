"""Shared set-up of the badge widget tests: badges made through the badge service (the test's
own set-up, not ui code), milestones ticked, and a Save As dialog answered without a window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import School
from tracker.domain.badge_rules import MANUAL, Criterion, CriterionKind
from tracker.services.badges import AwardInfo, BadgeInfo, BadgeInput


def make_badge(school: School, name: str, *, activity_id: int | None = None,
               criterion: Criterion = MANUAL, points: int = 10, description: str = "",
               design: str = "star") -> BadgeInfo:
    """A badge defined by the administrator."""
    return school.services.badges.save(school.admin, BadgeInput(
        name=name, description=description, activity_id=activity_id, points=points, criterion=criterion,
        design=design))


def award(school: School, badge: BadgeInfo, student_id: int, note: str = "Well done") -> AwardInfo:
    return school.services.badges.award(school.admin, badge.id, student_id, note=note)


def chess_milestones(school: School, count: int) -> list[int]:
    """``count`` milestones of Chess Club (ids, in order)."""
    return [school.services.milestones.create_milestone(school.admin, school.chess, title=f"Opening {i + 1}",
                                                        points=10).id
            for i in range(count)]


def tick(school: School, milestone_id: int, student_id: int) -> None:
    school.services.milestones.complete_milestone(school.admin, milestone_id, student_id)


def milestones_rule(count: int | None = None) -> Criterion:
    return Criterion(CriterionKind.MILESTONES, count=count)


def answer_save_as(monkeypatch: pytest.MonkeyPatch, path: Path, kind: str = "") -> list[str]:
    """The next Save As dialogs answer ``path`` at once; returns the suggested names seen."""
    from PySide6.QtWidgets import QFileDialog

    asked: list[str] = []

    def answer(_parent: object, _title: str, suggested: str, _filters: str = "") -> tuple[str, str]:
        asked.append(suggested)
        return str(path), kind

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    return asked


def baked_credential(path: Path) -> str | None:
    """The ``openbadgecredential`` text chunk of a PNG, read by Pillow (not our own reader)."""
    with Image.open(path) as picture:
        picture.load()
        return picture.text.get("openbadgecredential")  # type: ignore[attr-defined]
