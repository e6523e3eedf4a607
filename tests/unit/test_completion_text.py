"""The one wording of a completed student's progress: "Completed", why, and the points earned."""

from __future__ import annotations

import pytest

from tracker.domain.completion_text import COMPLETED, completion_text
from tracker.domain.progress import CompletionRule

RULE = CompletionRule(require_milestones=True, min_attendance_pct=70.0, requires_signoff=False)


def test_completed_at_38_percent_says_why_instead_of_a_bare_figure() -> None:
    text = completion_text(37.5, RULE)
    assert text.label == COMPLETED == "Completed"
    assert text.reason == "Completed — attendance and required milestones met"
    assert text.points == "38% of the milestone points earned: completion does not need them all."
    assert text.tooltip == f"{text.reason}\n{text.points}"


@pytest.mark.parametrize("rule, reason", [
    (CompletionRule(True, None, False), "Completed — required milestones met"),
    (CompletionRule(False, 80.0, False), "Completed — attendance met"),
    (CompletionRule(True, 70.0, True), "Completed — attendance and required milestones met, signed off by a teacher"),
    (CompletionRule(False, None, True), "Completed — signed off by a teacher"),
    (CompletionRule(False, None, False), "Completed — marked completed by a teacher"),
    (None, "Completed — the activity's completion rule was met"),
])
def test_the_reason_names_what_the_rule_asked_for(rule: CompletionRule | None, reason: str) -> None:
    assert completion_text(50.0, rule).reason == reason


def test_completed_by_hand_says_so_and_claims_nothing_about_the_rule() -> None:
    text = completion_text(20.0, RULE, by_hand=True)
    assert text.reason == "Completed — marked completed by a teacher"
    assert text.points == "20% of the milestone points earned."


def test_every_point_earned_and_almost_every_point_never_read_alike() -> None:
    assert completion_text(100.0, RULE).points == "All milestone points earned."
    assert completion_text(99.8, RULE).points.startswith("99.8% of the milestone points")
