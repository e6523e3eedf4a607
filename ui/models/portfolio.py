"""The data of the Portfolio page: one student's portfolio as the viewer may see it, read in one
background load with what the page needs around it (whom the viewer may pick, the badges'
pictures, which certificate files exist), and the wording of its lines.

Everything comes from the services as they are: a lead's portfolio holds only the activities
they lead (the service scopes it), and whether the viewer may feature items and write
reflections is the portfolio's own ``editable`` (the student, nobody else).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tracker.domain.enums import Role
from tracker.domain.policy import Actor
from tracker.domain.portfolio import ActivityRecord, Portfolio, SkillItem
from tracker.services import Services
from tracker.services.certificates import CertificateStatus
from ui.widgets.badge_picture import BadgeArt
from ui.widgets.style import day

BADGE_PICTURE = 40  # pixels of a badge's picture in a portfolio card


@dataclass(frozen=True)
class PortfolioSnapshot:
    """``students`` are whom the viewer may pick (empty for a student: themself only); ``art``
    is each badge's picture by badge id; ``files`` each certificate's PDF that exists, by id."""

    portfolio: Portfolio | None
    students: tuple[tuple[int, str], ...] = ()
    art: dict[int, BadgeArt] = field(default_factory=dict)
    files: dict[int, str] = field(default_factory=dict)


def read_portfolio(services: Services, actor: Actor, student_id: int | None) -> PortfolioSnapshot:
    """The portfolio of ``student_id`` (a student: always their own; anyone else without a
    choice yet: the first student they may pick), off the GUI thread."""
    students: tuple[tuple[int, str], ...] = ()
    if actor.role is Role.STUDENT:
        student_id = actor.id
    else:
        students = tuple((u.id, u.display_name) for u in services.people.find_users(
            actor, Role.STUDENT, include_inactive=False))
        if student_id is None:
            student_id = students[0][0] if students else None
        if student_id is not None and student_id not in dict(students):  # opened on a student not listed
            students += ((student_id, services.people.get_user(actor, student_id).display_name),)
    if student_id is None:
        return PortfolioSnapshot(None, students)
    portfolio = services.portfolios.portfolio(actor, student_id)
    return PortfolioSnapshot(portfolio, students, _art(services, actor, portfolio), _files(services, actor, portfolio))


def _art(services: Services, actor: Actor, portfolio: Portfolio) -> dict[int, BadgeArt]:
    held = {b.badge_id for a in portfolio.activities for b in a.badges} | {b.badge_id for b in portfolio.badges}
    if not held:
        return {}
    infos = {b.id: b for b in services.badges.list_badges(actor, include_archived=True) if b.id in held}
    return {bid: BadgeArt.of(info, services.badges.image(actor, bid, 2 * BADGE_PICTURE)
                             if info.has_custom_image else None) for bid, info in infos.items()}


def _files(services: Services, actor: Actor, portfolio: Portfolio) -> dict[int, str]:
    wanted = {c.id for a in portfolio.activities for c in a.certificates}
    if not wanted:
        return {}
    return {c.id: c.path for c in services.certificates.list_for_student(actor, portfolio.student_id)
            if c.id in wanted and c.path and Path(c.path).is_file()}


# --------------------------------------------------------------------------- wording


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def dates_text(a: ActivityRecord) -> str:
    """"3 Sep 2026 – 12 Dec 2026", or "since 3 Sep 2026" while it goes on."""
    end = a.completed_on or a.dropped_on
    if a.enrolled_on is None:
        return f"until {day(end)}" if end else ""
    return f"{day(a.enrolled_on)} – {day(end)}" if end else f"since {day(a.enrolled_on)}"


def attendance_text(a: ActivityRecord) -> str:
    """"Attendance 18 of 20 sessions (90%)"; "No sessions counted yet"."""
    if not a.counted:
        return "No sessions counted yet"
    rate = f" ({a.attendance_rate:.0f}%)" if a.attendance_rate is not None else ""
    return f"Attendance {a.present} of {plural(a.counted, 'session')}{rate}"


def facts_text(a: ActivityRecord) -> str:
    """The activity's facts line: category, dates, attendance."""
    return "  ·  ".join(part for part in (a.category, dates_text(a), attendance_text(a)) if part)


def skill_text(s: SkillItem) -> str:
    """"Teamwork: Developing (2) → Proficient (3)"; one assessment: its level alone."""
    first, latest = f"{s.first_level_name} ({s.first_level})", f"{s.latest_level_name} ({s.latest_level})"
    if s.assessments < 2:
        return f"{s.name}: {latest}, assessed once"
    return f"{s.name}: {first} → {latest}"


def growth_text(s: SkillItem) -> str:
    """"↑ 2", "↓ 1", "=" (no change) — the growth arrow beside a skill."""
    if s.assessments < 2 or s.growth == 0:
        return "" if s.assessments < 2 else "="
    return f"{'↑' if s.growth > 0 else '↓'} {abs(s.growth)}"


def stands(status: str) -> bool:
    """A certificate that still stands (valid): one revoked or superseded is shown, not featured."""
    return status.upper() == CertificateStatus.VALID.value


def breakable(text: str, longest: int = 28) -> str:
    """Text with a zero-width space every ``longest`` characters of a very long word (a link
    kept as evidence), so a wrapped label breaks it instead of widening the page."""
    words = text.split(" ")
    return " ".join("\u200b".join(w[i:i + longest] for i in range(0, len(w), longest)) if len(w) > longest else w
                    for w in words)
