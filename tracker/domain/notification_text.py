"""What a notification says: the kinds, and their wording for one student or for a group.

One place for the words, so that the rules, the demo school and the tests write the same sentences
a parent understands ("Sam completed the milestone “First competition” in Athletics."). A bulk change
(a whole class marked, a milestone ticked for thirty students) is one *grouped* notice per
recipient: a title with the count and a body naming the students, at most ten, then "and N more".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: kind -> what it is, in words for the preferences screen and the inbox filter
KINDS: dict[str, str] = {
    "milestone_completed": "A milestone completed",
    "activity_completed": "An activity completed",
    "certificate_ready": "A certificate ready",
    "badge_earned": "A badge earned",
    "low_attendance": "Attendance below the minimum",
    "absences_in_a_row": "Absent several sessions in a row",
    "at_risk": "At risk in an activity",
    "waitlist_offer": "A place offered from the waitlist",
    "progress_override": "Progress set by a teacher",
}

NAMES_SHOWN = 10  # a grouped notice names this many students, then "and N more"


@dataclass(frozen=True)
class Wording:
    """Templates of one kind. Fields: {student}, {activity}, {in_activity} (" in Athletics" or
    ""), {detail} (what the notice is about: a milestone, a badge, a threshold), {note} (this
    student's own figure or reason), {n} (how many a group holds)."""

    title: str
    sentence: str
    group_title: str
    group_line: str  # leads one line of a group's body, per distinct detail: "Completed “X”: Sam, Ana."


WORDING: dict[str, Wording] = {
    "milestone_completed": Wording(
        "{student} completed a milestone{in_activity}",
        "{student} completed the milestone “{detail}”{in_activity}.",
        "{n} students completed a milestone{in_activity}",
        "Completed “{detail}”"),
    "activity_completed": Wording(
        "{student} completed {activity}",
        "{student} met everything needed to complete {activity}. Well done!",
        "{n} students completed {activity}",
        "Completed {activity}"),
    "certificate_ready": Wording(
        "Certificate ready: {student}",
        "{student}'s certificate for completing {activity} is ready.",
        "{n} certificates ready for {activity}",
        "Certificates ready for"),
    "badge_earned": Wording(
        "{student} earned a badge",
        "{student} earned the badge “{detail}”{in_activity}.",
        "{n} students earned a badge{in_activity}",
        "Earned “{detail}”"),
    "low_attendance": Wording(
        "Low attendance: {student} in {activity}",
        "{student}'s attendance in {activity} is {note}, below the minimum of {detail}.",
        "{n} students below the attendance minimum in {activity}",
        "Below {detail}"),
    "absences_in_a_row": Wording(
        "{student} was absent {detail} sessions in a row",
        "{student} was absent from the last {detail} sessions of {activity}.",
        "{n} students absent several sessions in a row in {activity}",
        "Absent the last {detail} sessions"),
    "at_risk": Wording(
        "{student} is at risk in {activity}",
        "{student} is now at risk in {activity}: {note}.",
        "{n} students are now at risk in {activity}",
        "At risk"),
    "waitlist_offer": Wording(
        "A place is free in {activity}",
        "A place is free in {activity} and {student} is first on the waitlist. "
        "A teacher gives them the place from the roster.",
        "{n} places offered in {activity}",
        "First on the waitlist"),
    "progress_override": Wording(
        "Progress updated by a teacher: {student}",
        "{detail} set {student}'s progress in {activity} by hand: {note}.",
        "{n} students' progress set by hand in {activity}",
        "Set by {detail}"),
}


@dataclass(frozen=True)
class About:
    """One student's part of a notice: who, and the kind's detail and note for them."""

    student: str
    detail: str = ""
    note: str = ""


def _fields(activity: str | None, about: About) -> dict[str, str]:
    return {"student": about.student, "activity": activity or "the school",
            "in_activity": f" in {activity}" if activity else "", "detail": about.detail, "note": about.note}


def single(kind: str, activity: str | None, about: About) -> tuple[str, str]:
    """(title, body) of a notice about one student."""
    w, f = WORDING[kind], _fields(activity, about)
    return w.title.format(**f), w.sentence.format(**f)


def name_list(names: Sequence[str], limit: int = NAMES_SHOWN) -> str:
    """"Sam, Ana and Li"; past ``limit`` names: "Sam, Ana, … and 23 more"."""
    if len(names) <= limit:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def grouped(kind: str, activity: str | None, abouts: Sequence[About]) -> tuple[str, str]:
    """(title, body) of one notice about several students: the count in the title, then one line
    per distinct detail naming the students (with their own note in brackets)."""
    if len(abouts) == 1:
        return single(kind, activity, abouts[0])
    w = WORDING[kind]
    base = _fields(activity, abouts[0])
    title = w.group_title.format(**{**base, "n": str(len(abouts))})
    by_detail: dict[str, list[str]] = {}
    for a in abouts:
        by_detail.setdefault(a.detail, []).append(f"{a.student} ({a.note})" if a.note else a.student)
    lines = [w.group_line.format(**{**base, "detail": detail}) + ": " + name_list(names) + "."
             for detail, names in by_detail.items()]
    return title, "\n".join(lines)
