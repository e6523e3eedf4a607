"""Demo people: the admin, teachers, and students grouped into families with their parents.

Rows are plain tuples in :class:`Table` s, so that thousands of accounts cost almost nothing to
build; ids are assigned here (the database is new) so that later tables can refer to them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from tracker.demo import catalogue as cat
from tracker.domain.enums import Role


@dataclass
class Table:
    """Rows for one table: the column names once, then one tuple per row."""

    keys: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


USER_KEYS = ("id", "username", "display_name", "role", "password_hash", "active", "first_name",
             "last_name", "preferred_name", "grade", "class_name", "student_number", "email")


@dataclass(frozen=True)
class Person:
    id: int
    display_name: str


@dataclass
class People:
    admin: Person
    teachers: list[Person]
    students: list[Person]
    guardians_of: dict[int, list[int]]  # student id -> parent ids
    users: Table
    links: Table


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


class _Usernames:
    """Hands out readable usernames, adding 2, 3, … when a name is taken."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, base: str) -> str:
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}{n}"
        self.taken.add(name)
        return name


def build_people(rng: random.Random, students: int, school_name: str, password_hash: str,
                 year: int) -> People:
    """The admin, twelve teachers and ``students`` students in families of one to three."""
    domain = _slug(school_name.split()[0]) + ".example.org"
    names = _Usernames()
    users = Table(USER_KEYS)
    links = Table(("guardian_id", "student_id", "relationship"))

    def add(username: str, display: str, role: Role, first: str, last: str, **extra: Any) -> int:
        uid = len(users.rows) + 1
        users.rows.append((uid, username, display, role, password_hash, True, first, last,
                           extra.get("preferred"), extra.get("grade"), extra.get("class_name"),
                           extra.get("number"), extra.get("email")))
        return uid

    admin_id = add(names.claim("admin"), "Alex Morgan", Role.ADMIN, "Alex", "Morgan",
                   email=f"office@{domain}")
    teachers = []
    for last in rng.sample(cat.LAST_NAMES, 12):
        first = rng.choice(cat.FIRST_NAMES)
        # no honorifics: a random "Mr"/"Mrs" beside a random first name reads as a mistake
        display = f"{first} {last}"
        tid = add(names.claim(f"t.{_slug(last)}"), display, Role.TEACHER, first, last,
                  email=f"{_slug(first)}.{_slug(last)}@{domain}")
        teachers.append(Person(tid, display))

    # Families first, so siblings share a surname and their parents.
    families: list[tuple[str, list[str], int]] = []
    planned = 0
    while planned < students:
        children = min(students - planned, rng.choices((1, 2, 3), (80, 17, 3))[0])
        parents = [rng.choice(cat.FIRST_NAMES) for _ in range(1 if rng.random() < 0.35 else 2)]
        families.append((rng.choice(cat.LAST_NAMES), parents, children))
        planned += children

    student_people: list[Person] = []
    kids_of_family: list[list[int]] = []
    for last, parents, children in families:
        kids = []
        for _ in range(children):
            number = len(student_people) + 1
            first = rng.choice(cat.FIRST_NAMES)
            while first in parents:  # a child named after a parent reads like a mistake
                first = rng.choice(cat.FIRST_NAMES)
            preferred = cat.NICKNAMES.get(first) if rng.random() < 0.7 else None
            grade = rng.randint(7, 12)
            username = names.claim(f"s.{_slug(first)}.{_slug(last)}")
            display = f"{preferred or first} {last}"
            sid = add(username, display, Role.STUDENT, first, last, preferred=preferred,
                      grade=str(grade), class_name=f"{grade}{rng.choice('ABCD')}",
                      number=f"S{year}-{number:04d}", email=f"{username[2:]}@students.{domain}")
            kids.append(sid)
            student_people.append(Person(sid, display))
        kids_of_family.append(kids)

    guardians_of: dict[int, list[int]] = {}
    for (last, parents, _children), kids in zip(families, kids_of_family, strict=True):
        relationship = "guardian" if len(parents) == 1 and rng.random() < 0.3 else "parent"
        ids = []
        for first in parents:
            username = names.claim(f"p.{_slug(last)}.{_slug(first)}")
            ids.append(add(username, f"{first} {last}", Role.PARENT, first, last,
                           email=f"{_slug(first)}.{_slug(last)}@mail.example.com"))
        for kid in kids:
            guardians_of[kid] = ids
            links.rows.extend((pid, kid, relationship) for pid in ids)
    return People(Person(admin_id, "Alex Morgan"), teachers, student_people, guardians_of,
                  users, links)
