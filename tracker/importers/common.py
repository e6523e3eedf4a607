"""What every roster reader produces, and the helpers they share (headers, names, dates).

Readers turn a file (CSV, XLSX, OneRoster bundle) into a :class:`RosterData`: plain records
that say where they came from (file, row), plus every :class:`~tracker.errors.Problem` found.
They never touch the database; :mod:`tracker.services.imports` matches the records with what
is already there and writes, all or nothing.

Row numbers are the spreadsheet's: the header is row 1, the first record row 2 (a record whose
quoted field spans several lines is still one row, as Excel shows it). Files are read through
:mod:`tracker.importers.sources`, which bounds what a damaged or hostile file can cost.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tracker.domain.enums import Role
from tracker.domain.text import has_control_characters
from tracker.errors import Problem

#: "3/4/2025" with both parts ≤ 12 is read month first (the OneRoster / US Excel convention)
AMBIGUOUS_SLASH_DATES_MONTH_FIRST = True
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's leap-year bug folded in

#: the longest values the database columns take
LIMITS = {
    "first_name": 100, "last_name": 100, "preferred_name": 100, "display_name": 200, "grade": 20,
    "class_name": 40, "student_number": 40, "external_id": 120, "email": 200, "username": 80,
    "activity": 200, "guardian_email": 200, "guardian_name": 200,
}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,79}$")


@dataclass
class PersonIn:
    """A person as the file describes them. ``external_id`` or ``student_number`` identifies them."""

    role: Role
    file: str
    row: int
    first_name: str | None = None
    last_name: str | None = None
    preferred_name: str | None = None
    display_name: str = ""
    student_number: str | None = None
    external_id: str | None = None
    grade: str | None = None
    class_name: str | None = None
    email: str | None = None
    username: str | None = None
    password: str | None = None
    deactivate: bool = False  # OneRoster status=tobedeleted / enabledUser=false

    @property
    def key(self) -> str:
        return f"ext:{self.external_id}" if self.external_id else f"num:{self.student_number}"


@dataclass
class GroupIn:
    """An activity the file asks for (a OneRoster class, or a CSV 'activity' value)."""

    key: str  # class sourcedId, or "name:<lower name>"
    name: str
    file: str
    row: int
    source_id: str | None = None  # OneRoster class sourcedId
    location: str = ""
    category: str = "Club"
    start_date: date | None = None
    end_date: date | None = None


@dataclass
class MemberIn:
    """Someone in an activity: a student (enrolled) or a teacher (lead / co-lead)."""

    group_key: str
    person_key: str
    role: str  # "student" or "teacher"
    file: str
    row: int
    primary: bool = True
    begin: date | None = None


@dataclass
class LinkIn:
    guardian_key: str
    student_key: str
    file: str
    row: int


@dataclass
class RosterData:
    format: str
    people: list[PersonIn] = field(default_factory=list)
    groups: list[GroupIn] = field(default_factory=list)
    members: list[MemberIn] = field(default_factory=list)
    links: list[LinkIn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: what was left out on purpose and why (enrollments in a deleted class…): shown, never blocking
    warnings: list[Problem] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # target field → the file's column name
    unrecognised: list[str] = field(default_factory=list)
    needs_mapping: bool = False
    skipped: int = 0  # rows deliberately left out (other roles, deleted records)
    rows: int = 0


# --------------------------------------------------------------------------- values


def blank(record: list[str]) -> bool:
    return not any((c or "").strip() for c in record)


def norm_header(h: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (h or "").replace("\ufeff", "").lower())


def clean(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date().isoformat()
    elif isinstance(value, date):
        value = value.isoformat()
    text = " ".join(str(value).replace("\x00", "").split())  # new lines inside a quoted name too
    return text or None


def normalise_grade(value: str | None) -> str | None:
    """'07' → '7', 'Grade 7' → '7', 'Year 10' → '10'; anything else as given."""
    if not value:
        return None
    v = value.strip()
    m = re.fullmatch(r"(?i)(?:grade|year|yr|gr)?\s*0*(\d{1,2})", v)
    if m:
        return m.group(1) if m.group(1) else "0"
    return v


def parse_date(value: object) -> date | None:
    """Dates as SIS and Excel write them: ISO, Excel serials, d/m/y or m/d/y, '1 Sep 2025'.

    Raises ValueError for text that is not a date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(float(value))
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{1,5}(\.\d+)?", text):
        return _serial(float(text))
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?", text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?: .*)?", text)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if y < 100:
            y += 2000 if y < 70 else 1900
        if a > 12:
            day_, month = a, b
        elif b > 12:
            month, day_ = a, b
        elif AMBIGUOUS_SLASH_DATES_MONTH_FIRST:
            month, day_ = a, b
        else:
            day_, month = a, b
        return date(y, month, day_)
    for fmt in ("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y", "%b %d, %Y", "%B %d, %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text[:40]!r} is not a date")


def _serial(n: float) -> date:
    if not 1 <= n < 2958466:
        raise ValueError(f"{n:g} is not a date")
    return EXCEL_EPOCH + timedelta(days=int(n))


#: Greek vowel pairs written with upsilon are one sound (ELOT 743): "ου" is "ou", not "oy";
#: "αυ"/"ευ"/"ηυ" are "av"/"ev"/"iv", or "af"/"ef"/"if" before a voiceless consonant or at a word's end
_GREEK_UPSILON_PAIR = re.compile(r"([αεηο])υ")
_GREEK_VOICELESS = set("θκξπστςφχψ")


def _greek_digraphs(text: str) -> str:
    def pair(m: re.Match[str]) -> str:
        vowel = m.group(1)
        if vowel == "ο":
            return "ou"
        after = text[m.end():m.end() + 1]
        voiceless = not after or after in _GREEK_VOICELESS or not "α" <= after <= "ω"
        return {"α": "a", "ε": "e", "η": "i"}[vowel] + ("f" if voiceless else "v")

    return _GREEK_UPSILON_PAIR.sub(pair, text)


def ascii_slug(text: str) -> str:
    """"Łucja Wiśniewska" → "lucja.wisniewska", "Анна Смирнова" → "anna.smirnova": names in any
    script become readable ASCII usernames. ``anyascii`` transliterates what Unicode does not
    decompose (Ł, Ø, ß, whole scripts); accents other than the diaeresis are dropped first so
    that Greek vowel pairs are recognised ("Παύλος" → "pavlos", but "Μαϊμού" keeps its "i")."""
    from anyascii import anyascii

    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = unicodedata.normalize("NFC", "".join(
        c for c in decomposed if not unicodedata.combining(c) or c == "\u0308"))
    t = anyascii(_greek_digraphs(bare)).lower()
    return re.sub(r"[^a-z0-9]+", ".", t).strip(".")


def check_person(p: PersonIn, problems: list[Problem], columns: dict[str, str]) -> None:
    """Field checks every format shares; ``columns`` names the file's column for each field."""

    def bad(fld: str, message: str) -> None:
        problems.append(Problem(message, file=p.file, row=p.row, column=columns.get(fld, fld)))

    if not p.display_name:
        bad("last_name" if "last_name" in columns else "full_name", "A name is required.")
    if not (p.external_id or p.student_number):
        bad("student_number", "A student number or source id is required to recognise the person "
                              "next time.")
    for fld, limit in LIMITS.items():
        value = getattr(p, fld, None)
        if isinstance(value, str) and len(value) > limit:
            bad(fld, f"Too long ({len(value)} characters; at most {limit}).")
        elif isinstance(value, str) and has_control_characters(value):
            bad(fld, "Must be one line of text, without line breaks, tabs or other control characters.")
    if p.email and not EMAIL_RE.match(p.email):
        bad("email", f"{p.email[:60]!r} is not an email address.")
    if p.username and not USERNAME_RE.match(p.username):
        bad("username", f"{p.username[:60]!r} is not a valid username (letters, digits, . _ @ -).")


def display_name(first: str | None, last: str | None, preferred: str | None,
                 full: str | None = None) -> str:
    given = preferred or first
    name = " ".join(x for x in (given, last) if x)
    return (name or full or "").strip()
