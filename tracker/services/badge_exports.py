"""A badge's picture and an award as an Open Badges 3.0 credential (baked PNG / SVG, a zip).

The picture is the badge's bundled design in its colours, or its custom PNG/SVG
(:mod:`tracker.reports.badge_image`); drawn pictures are cached per process, keyed by what they
are drawn from. A credential names the recipient by a salted hash of the student's e-mail, or
of ``school-identifier:<student number or uid>`` when they have none
(:mod:`tracker.domain.open_badges`), and is signed with the school's active certificate key, so
anyone verifies it offline against the school's did:key (docs/badges.md).
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, Badge, BadgeAward, Setting, User
from tracker.domain import badge_rules, open_badges
from tracker.domain.open_badges import AwardFacts
from tracker.reports import badge_image

EXPORT_SIZE = 512  # the baked PNG: sharp when printed or shown large
CREDENTIAL_SIZE = 256  # the picture inside the credential (a data: URI)


@dataclass(frozen=True)
class Picture:
    """What a badge's picture is drawn from (hashable: the drawing cache's key)."""

    design: str
    primary: str
    secondary: str
    custom: bytes | None = None
    custom_type: str | None = None


def picture_of(badge: Badge) -> Picture:
    design = badge.design if badge.design in badge_image.DESIGNS else badge_image.DESIGNS[0]
    primary, secondary = badge_image.DEFAULT_COLOURS.get(design, ("#1f5fbf", "#f4b400"))
    return Picture(design, badge.primary_colour or primary, badge.secondary_colour or secondary,
                   badge.image_data if badge.image_type in ("png", "svg") else None,
                   badge.image_type if badge.image_data else None)


def svg_of(picture: Picture) -> str:
    """The picture as SVG: the design, a custom SVG, or a custom PNG wrapped in an SVG."""
    if picture.custom is None:
        return badge_image.design_svg(picture.design, picture.primary, picture.secondary)
    if picture.custom_type == "svg":
        return picture.custom.decode("utf-8-sig")
    width, height = _png_size(picture.custom)
    data = base64.b64encode(picture.custom).decode("ascii")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><image width="{width}" height="{height}" '
            f'href="data:image/png;base64,{data}"/></svg>')


@lru_cache(maxsize=256)
def png_of(picture: Picture, size: int) -> bytes:
    """The picture as a ``size``-pixel square PNG with a transparent background."""
    if picture.custom is not None and picture.custom_type == "png":
        return _fit_png(picture.custom, size)
    return badge_image.png_of_svg(svg_of(picture), size)


def _png_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.size


def _fit_png(png: bytes, size: int) -> bytes:
    """A custom PNG scaled to fit a square, centred on transparency."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        picture = image.convert("RGBA")
    scale = size / max(picture.size)
    picture = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
                             Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    canvas.paste(picture, ((size - picture.width) // 2, (size - picture.height) // 2))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


def recipient_identity(student: User) -> str:
    """What the credential's hash is of: the e-mail, else the school's identifier."""
    if student.email and student.email.strip():
        return student.email.strip().lower()
    return f"school-identifier:{student.student_number or student.uid}"


def award_facts(s: Session, award: BadgeAward) -> AwardFacts:
    """Everything a credential says about one award, read in one session."""
    badge = s.get(Badge, award.badge_id)
    student = s.get(User, award.student_id)
    assert badge is not None and student is not None
    activity = s.scalar(select(Activity.name).where(Activity.id == (award.activity_id or badge.activity_id)))
    settings = {k: json.loads(v) for k, v in s.execute(
        select(Setting.key, Setting.value).where(Setting.key.in_(("school_name", "school_url"))))}
    # the wording saved with the badge names its milestones and skill as they were then
    criteria = badge.criteria or badge_rules.describe(badge_rules.stored(badge.rule), badge_rules.RuleNames(
        activity=s.scalar(select(Activity.name).where(Activity.id == badge.activity_id))))
    return AwardFacts(
        award_uid=award.uid, badge_uid=badge.uid, badge_name=badge.name, badge_description=badge.description,
        criteria_text=criteria, image_png=png_of(picture_of(badge), CREDENTIAL_SIZE),
        awarded_at=award.awarded_at, recipient_identity=recipient_identity(student), salt=award.salt,
        activity_name=activity, school_name=str(settings.get("school_name") or "Our School"),
        school_url=str(settings["school_url"]) if settings.get("school_url") else None)


def signed(facts: AwardFacts, private_pem: bytes, did: str) -> str:
    """The award's credential as a VC-JWT signed with the school's key."""
    return open_badges.sign_credential(private_pem, did, open_badges.credential(facts, did))


def baked_png(badge: Badge, jwt: str) -> bytes:
    return badge_image.bake_png(png_of(picture_of(badge), EXPORT_SIZE), jwt)


def baked_svg(badge: Badge, jwt: str) -> str:
    return badge_image.bake_svg(svg_of(picture_of(badge)), jwt)


def file_stem(badge_name: str, awarded_at: datetime) -> str:
    """``<badge>-<date>``, with characters no file system takes replaced."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", badge_name).strip(" .") or "badge"
    return f"{name}-{awarded_at:%Y-%m-%d}"


def zip_of(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip of (name, data); a name taken twice gets " (2)", " (3)"… before its extension."""
    out = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            stem, dot, ext = name.rpartition(".")
            unique, n = name, 1
            while unique.lower() in seen:
                n += 1
                unique = f"{stem} ({n}){dot}{ext}"
            seen.add(unique.lower())
            archive.writestr(unique, data)
    return out.getvalue()
