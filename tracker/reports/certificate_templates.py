"""Certificate designs as plain data: what an admin edits in the template dialog.

Kept apart from the drawing code (:mod:`tracker.reports.certificate_pdf`) so the editor and the
registry can list, copy and change templates without importing reportlab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Paper = Literal["A4", "Letter"]
Orientation = Literal["landscape", "portrait"]
Design = Literal["classic", "modern", "minimal"]

#: The placeholders a template's wording may use; anything else in braces is a mistake.
PLACEHOLDERS: tuple[str, ...] = ("student", "activity", "completed_on", "hours", "skills", "school")


@dataclass(frozen=True)
class Signature:
    """One signature line: the signer's name and title, and an optional scanned signature."""

    name: str
    title: str
    image_path: str | None = None


@dataclass(frozen=True)
class TemplateSpec:
    """A certificate design with its wording, paper and colours.

    ``design`` picks the drawing (border, fonts, layout); ``name`` is what the registry stores,
    so an edited copy of "classic" can be called "classic-2026" and still draw as classic.
    """

    name: str
    title: str = "Certificate of Completion"
    paper: Paper = "A4"
    orientation: Orientation = "landscape"
    wording: str = (
        "has successfully completed {activity} at {school} on {completed_on}, "
        "attending {hours} hours."
    )
    primary: str = "#1F3A5F"
    accent: str = "#B8860B"
    signatures: tuple[Signature, ...] = ()
    design: Design = "classic"
    presented_to: str = "This certificate is presented to"
    skills_label: str = "Skills reached: {skills}"

    def __post_init__(self) -> None:
        if len(self.signatures) > 2:
            raise ValueError("a certificate has at most two signature lines")


TEMPLATES: dict[str, TemplateSpec] = {
    "classic": TemplateSpec(
        name="classic",
        design="classic",
        signatures=(Signature("", "Head of School"), Signature("", "Activity Lead")),
    ),
    "modern": TemplateSpec(
        name="modern",
        design="modern",
        title="Certificate of Achievement",
        presented_to="Awarded to",
        wording="for completing {activity} on {completed_on} — {hours} hours of attendance.",
        primary="#0E6E6E",
        accent="#F2A541",
        signatures=(Signature("", "Activity Lead"),),
    ),
    "minimal": TemplateSpec(
        name="minimal",
        design="minimal",
        title="Certificate",
        presented_to="",
        wording="completed {activity} on {completed_on} ({hours} hours).",
        primary="#222222",
        accent="#888888",
        signatures=(Signature("", "Activity Lead"),),
    ),
}
DEFAULT_TEMPLATE = "classic"
