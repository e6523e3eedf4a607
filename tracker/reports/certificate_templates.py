"""Certificate designs as plain data: what an admin edits in the template dialog.

Kept apart from the drawing code (:mod:`tracker.reports.certificate_pdf`) so the editor and the
registry can list, copy and change templates without importing reportlab.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, fields, replace
from typing import Any, Literal, get_args

from tracker.errors import Problem, ValidationError

Paper = Literal["A4", "Letter"]
Orientation = Literal["landscape", "portrait"]
Design = Literal["classic", "modern", "minimal"]

#: The placeholders a template's wording may use; anything else in braces is a mistake.
PLACEHOLDERS: tuple[str, ...] = ("student", "activity", "completed_on", "hours", "skills", "school")


@dataclass(frozen=True)
class Signature:
    """One signature line: the signer's name and title, and an optional scanned signature
    (PNG or JPEG bytes: kept in the database, so every workstation prints the same one)."""

    name: str
    title: str
    image: bytes | None = None


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
    logo: bytes | None = None  # PNG/JPEG; without one the school's logo (a setting) is used

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


BUILT_IN: frozenset[str] = frozenset(TEMPLATES)
MAX_IMAGE_BYTES = 2_000_000  # a scanned signature or logo; larger ones slow every certificate
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_TEXTS = ("title", "presented_to", "wording", "skills_label")
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def check(spec: TemplateSpec) -> None:
    """Raise :class:`ValidationError` naming every field an edited template gets wrong."""
    problems: list[Problem] = []
    if not spec.name.strip() or len(spec.name) > 60 or not spec.name.isprintable():
        problems.append(Problem("Give the template a name of 1 to 60 characters.", field="name"))
    for field in _TEXTS:
        text = getattr(spec, field)
        if len(text) > 600:
            problems.append(Problem("At most 600 characters.", field=field))
        used = set(re.findall(r"\{(\w+)\}", text))  # as certificate_layout.fill_wording reads it
        if unknown := sorted(used - set(PLACEHOLDERS)):
            problems.append(Problem(
                f"Unknown placeholder {', '.join('{' + u + '}' for u in unknown)}; use one of "
                f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}.", field=field))
    if not spec.title.strip():
        problems.append(Problem("A certificate needs a title.", field="title"))
    for field in ("primary", "accent"):
        if not _COLOUR.match(getattr(spec, field)):
            problems.append(Problem("A colour is written #RRGGBB.", field=field))
    if spec.paper not in get_args(Paper):
        problems.append(Problem("Paper is A4 or Letter.", field="paper"))
    if spec.orientation not in get_args(Orientation):
        problems.append(Problem("Orientation is landscape or portrait.", field="orientation"))
    if spec.design not in get_args(Design):
        problems.append(Problem(f"Design is one of {', '.join(get_args(Design))}.", field="design"))
    images = [("logo", spec.logo)] + [(f"signature {i + 1}", s.image) for i, s in enumerate(spec.signatures)]
    for field, image in images:
        if image is None:
            continue
        if len(image) > MAX_IMAGE_BYTES:
            problems.append(Problem(f"The image is larger than {MAX_IMAGE_BYTES // 1_000_000} MB.", field=field))
        elif not image.startswith(_IMAGE_MAGIC):
            problems.append(Problem("The image must be a PNG or JPEG file.", field=field))
    for i, sig in enumerate(spec.signatures):
        if len(sig.name) > 80 or len(sig.title) > 80:
            problems.append(Problem("A signer's name and title have at most 80 characters each.",
                                    field=f"signature {i + 1}"))
    if problems:
        raise ValidationError(f"The template {spec.name!r} cannot be saved.", problems)


def to_json(spec: TemplateSpec) -> dict[str, Any]:
    """Plain JSON data (images as base64) for the settings table."""
    data: dict[str, Any] = {f.name: getattr(spec, f.name) for f in fields(spec)}
    data["logo"] = _b64(spec.logo)
    data["signatures"] = [{"name": s.name, "title": s.title, "image": _b64(s.image)} for s in spec.signatures]
    return data


def from_json(data: dict[str, Any]) -> TemplateSpec:
    """The inverse of :func:`to_json`; unknown keys are ignored, missing ones take the default."""
    known = {f.name for f in fields(TemplateSpec)}
    values = {k: v for k, v in data.items() if k in known and k not in ("logo", "signatures")}
    try:
        spec = TemplateSpec(**values)
        sigs = tuple(Signature(str(s.get("name", "")), str(s.get("title", "")), _unb64(s.get("image")))
                     for s in data.get("signatures", ())[:2])
        return replace(spec, logo=_unb64(data.get("logo")), signatures=sigs)
    except (TypeError, ValueError, AttributeError, binascii.Error) as exc:
        raise ValidationError(f"A stored certificate template is damaged ({exc}).") from exc


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data else None


def _unb64(text: Any) -> bytes | None:
    return base64.b64decode(text, validate=True) if text else None
