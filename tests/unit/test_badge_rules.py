"""Badge criteria (issue 13): the JSON format and its words, and the rule engine that awards them
on the domain events, each kind on a small school (also run on PostgreSQL: tests/pg)."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from tests.conftest import School
from tracker.domain import badge_rules
from tracker.domain.badge_rules import Criterion, CriterionKind, RuleNames
from tracker.errors import ValidationError
from tracker.services import Services
from tracker.services.activities import ActivityInput
from tracker.services.bootstrap import open_database

from .badge_support import (
    award_rows,
    earned_in,
    enrolled_since,
    holders,
    last_month,
    make_badge,
    mark,
    sessions_on,
)

K = CriterionKind

# --------------------------------------------------------------------------- the criterion as data

EVERY_KIND = [
    Criterion(K.MANUAL),
    Criterion(K.MILESTONES),
    Criterion(K.MILESTONES, count=3),
    Criterion(K.MILESTONES, milestone_ids=(4, 7)),
    Criterion(K.POINTS, points=50),
    Criterion(K.ATTENDANCE_RATE, percent=90, start=date(2026, 9, 1), end=date(2026, 12, 18), min_sessions=8),
    Criterion(K.ATTENDANCE_RATE, percent=87.5),
    Criterion(K.PERFECT_MONTH),
    Criterion(K.ATTENDANCE_STREAK, count=10),
    Criterion(K.ACTIVITY_COMPLETED),
    Criterion(K.ACTIVITIES_COMPLETED, count=3),
    Criterion(K.SKILL_LEVEL, skill_id=2, level=3),
]


@pytest.mark.parametrize("criterion", EVERY_KIND, ids=lambda c: c.kind.value)
def test_every_kind_survives_its_json(criterion):
    text = badge_rules.to_json(criterion)
    assert json.loads(text)["kind"] == criterion.kind.value
    assert badge_rules.from_json(text) == criterion


def test_the_stored_json_names_the_period_from_and_to():
    c = Criterion(K.ATTENDANCE_RATE, percent=90, start=date(2026, 9, 1), end=date(2026, 12, 18))
    assert json.loads(badge_rules.to_json(c)) == {"kind": "attendance_rate", "percent": 90.0,
                                                   "from": "2026-09-01", "to": "2026-12-18"}


@pytest.mark.parametrize(("text", "field"), [
    ("{not json", "rule"),
    ("[1, 2]", "rule"),
    ('{"kind": "telepathy"}', "kind"),
    ('{"kind": "points"}', "points"),
    ('{"kind": "points", "points": "lots"}', "points"),
    ('{"kind": "points", "points": true}', "points"),
    ('{"kind": "points", "points": 0}', "points"),
    ('{"kind": "milestones", "count": 2, "colour": "red"}', "colour"),
    ('{"kind": "milestones", "count": 2, "milestone_ids": [1, 2]}', "milestone_ids"),
    ('{"kind": "milestones", "milestone_ids": [1, 1]}', "milestone_ids"),
    ('{"kind": "milestones", "milestone_ids": ["a"]}', "milestone_ids"),
    ('{"kind": "attendance_rate", "percent": 120}', "percent"),
    ('{"kind": "attendance_rate", "percent": 90, "from": "yesterday"}', "from"),
    ('{"kind": "attendance_rate", "percent": 90, "from": "2026-12-01", "to": "2026-09-01"}', "to"),
    ('{"kind": "skill_level", "skill_id": 1}', "level"),
    ('{"kind": "attendance_streak", "count": -2}', "count"),
])
def test_a_bad_rule_is_refused_naming_the_field(text, field):
    with pytest.raises(ValidationError) as caught:
        badge_rules.from_json(text)
    assert field in {p.field for p in caught.value.problems}


def test_an_empty_rule_is_manual():
    assert badge_rules.from_json(None) == badge_rules.from_json("  ") == badge_rules.MANUAL


def test_which_kinds_need_an_activity_and_which_must_be_school_wide():
    assert [p.field for p in badge_rules.check(Criterion(K.MILESTONES, count=2), None)] == ["activity"]
    assert [p.field for p in badge_rules.check(Criterion(K.ACTIVITIES_COMPLETED, count=2), 3)] == ["activity"]
    for c in EVERY_KIND:
        if c.kind not in (K.MILESTONES, K.ACTIVITIES_COMPLETED):
            assert badge_rules.check(c, None) == [] and badge_rules.check(c, 3) == [], c.kind


def test_criteria_read_as_a_student_and_a_parent_understand_them():
    robotics = RuleNames(activity="Robotics Club", milestones={4: "Prototype", 7: "Presentation"},
                         skill="Teamwork", level="Proficient")
    school = RuleNames(skill="Teamwork", level="Proficient")
    said = {c: badge_rules.describe(c, robotics) for c in EVERY_KIND}
    assert said[EVERY_KIND[2]] == "Complete 3 milestones in Robotics Club"
    assert said[EVERY_KIND[1]] == "Complete every milestone in Robotics Club"
    assert said[EVERY_KIND[3]] == "Complete Prototype and Presentation in Robotics Club"
    assert said[EVERY_KIND[5]] == ("Attend at least 90% of sessions in Robotics Club from 1 Sep 2026 to 18 Dec 2026 "
                                   "(at least 8 sessions counted)")
    assert said[EVERY_KIND[9]] == "Complete Robotics Club"
    assert badge_rules.describe(EVERY_KIND[4], school) == "Earn 50 milestone points across all activities"
    assert badge_rules.describe(EVERY_KIND[8], school) == "Be present at 10 sessions in a row in any activity"
    assert badge_rules.describe(EVERY_KIND[10], school) == "Complete 3 activities"
    assert badge_rules.describe(EVERY_KIND[11], school) == "Reach level 3 (Proficient) in Teamwork"
    assert badge_rules.describe(EVERY_KIND[7], school) == ("Be present at every session of a calendar month in any "
                                                           "activity (at least 4 sessions that month)")
    assert badge_rules.describe(Criterion(K.POINTS, points=1), robotics) == "Earn 1 milestone point in Robotics Club"


def test_progress_and_what_is_missing_in_words():
    rate = Criterion(K.ATTENDANCE_RATE, percent=90)
    assert badge_rules.progress_text(rate, 82, 90) == "attendance 82% of 90%"
    assert badge_rules.progress_text(rate, 89.8, 90) == "attendance 89.8% of 90%"  # never rounded onto the line
    assert badge_rules.progress_text(Criterion(K.MILESTONES, count=3), 2, 3) == "2 of 3 milestones"
    names = RuleNames(activity="Chess Club")
    assert badge_rules.missing(Criterion(K.MILESTONES, count=3), 2, 3, names) == "1 more milestone in Chess Club"
    assert badge_rules.missing(Criterion(K.ATTENDANCE_STREAK, count=5), 3, 5) == "2 more sessions present in a row"
    assert badge_rules.missing(Criterion(K.SKILL_LEVEL, skill_id=1, level=3), 2, 3,
                               RuleNames(skill="Teamwork")) == "reach level 3 in Teamwork (now 2)"


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(list(K)), count=st.integers(1, 50), points=st.integers(1, 500),
       percent=st.floats(0.5, 100), ids=st.lists(st.integers(1, 99), unique=True, max_size=4),
       minimum=st.one_of(st.none(), st.integers(1, 20)))
def test_any_valid_criterion_survives_its_json(kind, count, points, percent, ids, minimum):
    fields = {K.MILESTONES: {"milestone_ids": tuple(ids)} if ids else {"count": count},
              K.POINTS: {"points": points}, K.ATTENDANCE_RATE: {"percent": percent, "min_sessions": minimum},
              K.PERFECT_MONTH: {"min_sessions": minimum}, K.ATTENDANCE_STREAK: {"count": count},
              K.ACTIVITIES_COMPLETED: {"count": count}, K.SKILL_LEVEL: {"skill_id": count, "level": 1 + count % 4}}
    c = Criterion(kind, **fields.get(kind, {}))
    assert badge_rules.from_json(badge_rules.to_json(c)) == c


# --------------------------------------------------------------------------- the engine, kind by kind


def _milestones(school: School, *points: int) -> list[int]:
    s = school.services
    return [s.milestones.create_milestone(school.admin, school.chess, title=f"Step {n}", points=p).id
            for n, p in enumerate(points, start=1)]


def test_milestones_at_least_n_awards_on_the_tick_that_meets_it(school):
    s, sam = school.services, school.student.id
    a, b, c = _milestones(school, 5, 5, 5)
    badge = make_badge(school, "Two steps", Criterion(K.MILESTONES, count=2), school.chess, actor=school.teacher)
    s.milestones.complete_milestone(school.teacher, a, sam)
    assert holders(s, badge.id) == set()
    s.milestones.complete_for_students(school.teacher, b, [sam, school.other_student.id])  # a bulk tick
    assert holders(s, badge.id) == {sam}
    assert earned_in(s, badge.id, sam) == school.chess
    s.milestones.complete_milestone(school.teacher, c, sam)  # still true: nothing more
    assert award_rows(s, badge.id, sam) == 1


def test_every_milestone_and_chosen_milestones(school):
    s, sam = school.services, school.student.id
    a, b, c = _milestones(school, 0, 0, 0)
    every = make_badge(school, "All", Criterion(K.MILESTONES), school.chess)
    chosen = make_badge(school, "A and C", Criterion(K.MILESTONES, milestone_ids=(a, c)), school.chess)
    s.milestones.complete_milestone(school.teacher, a, sam)
    s.milestones.complete_milestone(school.teacher, b, sam)
    assert holders(s, every.id) == holders(s, chosen.id) == set()
    s.milestones.complete_milestone(school.teacher, c, sam)
    assert holders(s, every.id) == holders(s, chosen.id) == {sam}
    assert s.badges.get(school.student, chosen.id).criteria_text == "Complete Step 1 and Step 3 in Chess Club"


def test_points_in_the_activity_and_across_the_school(school):
    s, olga = school.services, school.other_student.id
    (chess_step,) = _milestones(school, 10)
    drama_step = s.milestones.create_milestone(school.admin, school.drama, title="Monologue", points=10).id
    in_chess = make_badge(school, "Chess 15", Criterion(K.POINTS, points=15), school.chess)
    school_wide = make_badge(school, "Twenty", Criterion(K.POINTS, points=20))
    s.milestones.complete_milestone(school.teacher, chess_step, olga)
    assert holders(s, in_chess.id) == holders(s, school_wide.id) == set()
    s.milestones.complete_milestone(school.other_teacher, drama_step, olga)
    assert holders(s, school_wide.id) == {olga} and holders(s, in_chess.id) == set()
    assert earned_in(s, school_wide.id, olga) == school.drama  # the activity whose event earned it


def test_attendance_rate_needs_the_minimum_sessions_and_counts_only_its_period(school):
    s, sam = school.services, school.student.id
    days = [date.today() - timedelta(days=n) for n in (30, 20, 10, 5, 2)]
    enrolled_since(s, school.chess, days[0] - timedelta(days=1), sam)
    sessions = sessions_on(school, school.chess, days)
    whole = make_badge(school, "Regular", Criterion(K.ATTENDANCE_RATE, percent=75, min_sessions=4))
    recent = make_badge(school, "Lately", Criterion(K.ATTENDANCE_RATE, percent=100, start=days[2], end=days[4],
                                                    min_sessions=2), school.chess)
    for session, code in zip(sessions[:3], "PAP", strict=True):
        mark(school, session, sam, code)
    assert holders(s, whole.id) == set()  # 67% and only 3 counted
    mark(school, sessions[3], sam, "P")
    assert holders(s, whole.id) == {sam}  # 75% of 4
    assert holders(s, recent.id) == {sam}  # P, P from days[2]: the absence before is outside the period
    assert earned_in(s, whole.id, sam) == school.chess


def test_an_excused_absence_neither_counts_nor_breaks_a_streak(school):
    s, sam = school.services, school.student.id
    days = [date.today() - timedelta(days=n) for n in (12, 10, 8, 6, 4, 2)]
    enrolled_since(s, school.chess, days[0], sam)
    sessions = sessions_on(school, school.chess, days)
    streak = make_badge(school, "Three in a row", Criterion(K.ATTENDANCE_STREAK, count=3))
    for session, code in zip(sessions[:5], "PAPEL", strict=True):  # late counts as present
        mark(school, session, sam, code)
    assert holders(s, streak.id) == set()  # runs: 1, then P E L = 2
    mark(school, sessions[5], sam, "P")
    assert holders(s, streak.id) == {sam}
    assert earned_in(s, streak.id, sam) == school.chess


def test_a_perfect_month_is_a_month_that_has_ended_with_every_counted_session_present(school):
    s, sam, olga = school.services, school.student.id, school.other_student.id
    days = [last_month(d) for d in (2, 9, 16, 23)]
    enrolled_since(s, school.chess, days[0], sam, olga)
    sessions = sessions_on(school, school.chess, days)
    perfect = make_badge(school, "Perfect month", Criterion(K.PERFECT_MONTH, min_sessions=3), school.chess)
    for session, code in zip(sessions, "PPEP", strict=True):
        mark(school, session, sam, code)
    for session, code in zip(sessions, "APPP", strict=True):
        mark(school, session, olga, code)
    assert holders(s, perfect.id) == {sam}  # three counted, all present; Olga missed one
    this_month = [date.today().replace(day=1) + timedelta(days=n) for n in range(3)]
    if this_month[-1] < date.today():  # three sessions this month, all present: the month goes on
        enrolled_since(s, school.drama, this_month[0], olga)
        for session in sessions_on(school, school.drama, this_month):
            mark(school, session, olga, "P")
        assert holders(s, perfect.id) == {sam}
        drama = make_badge(school, "Drama month", Criterion(K.PERFECT_MONTH, min_sessions=3), school.drama,
                           award_existing=True)
        assert drama.newly_awarded == 0 and holders(s, drama.id) == set()


def test_completing_an_activity_and_a_number_of_activities(school):
    s, olga = school.services, school.other_student.id
    (chess_step,) = _milestones(school, 5)
    drama_step = s.milestones.create_milestone(school.admin, school.drama, title="Monologue").id
    finished_chess = make_badge(school, "Chess done", Criterion(K.ACTIVITY_COMPLETED), school.chess)
    finished_any = make_badge(school, "Finisher", Criterion(K.ACTIVITY_COMPLETED))
    two = make_badge(school, "Two done", Criterion(K.ACTIVITIES_COMPLETED, count=2))
    s.milestones.complete_milestone(school.other_teacher, drama_step, olga)
    assert holders(s, finished_any.id) == {olga} and earned_in(s, finished_any.id, olga) == school.drama
    assert holders(s, finished_chess.id) == holders(s, two.id) == set()
    s.milestones.complete_milestone(school.teacher, chess_step, olga)
    assert holders(s, finished_chess.id) == holders(s, two.id) == {olga}


def test_skill_level_is_the_latest_assessment(school):
    s, sam = school.services, school.student.id
    skill = s.skills.create_skill(school.admin, "Teamwork").id
    in_chess = make_badge(school, "Team player", Criterion(K.SKILL_LEVEL, skill_id=skill, level=3), school.chess)
    s.skills.assess(school.teacher, school.chess, [sam], skill, 2)
    assert holders(s, in_chess.id) == set()
    s.skills.assess(school.teacher, school.chess, [sam], skill, 4, assessed_at=date.today() - timedelta(days=30))
    assert holders(s, in_chess.id) == set()  # an older assessment, however high, is not the latest
    s.skills.assess(school.teacher, school.chess, [sam, school.other_student.id], skill, 3)
    assert holders(s, in_chess.id) == {sam, school.other_student.id}
    assert s.badges.get(school.student, in_chess.id).criteria_text == "Reach level 3 (Proficient) in Teamwork in Chess Club"


# --------------------------------------------------------------------------- once, and for good


def test_events_fired_again_and_again_award_once(school):
    s, sam = school.services, school.student.id
    a, b = _milestones(school, 5, 5)
    badge = make_badge(school, "One step", Criterion(K.MILESTONES, count=1), school.chess)
    for _ in range(3):
        s.milestones.complete_milestone(school.teacher, a, sam)
        s.milestones.uncomplete_milestone(school.teacher, a, sam)
    s.milestones.complete_for_students(school.teacher, b, [sam])
    s.milestones.update_milestone(school.teacher, b, title="Renamed")  # the whole activity is looked at again
    assert award_rows(s, badge.id, sam) == 1


def test_a_badge_is_not_taken_away_and_a_revoked_one_stays_revoked(school):
    s, sam, olga = school.services, school.student.id, school.other_student.id
    a, b = _milestones(school, 5, 5)
    badge = make_badge(school, "One step", Criterion(K.MILESTONES, count=1), school.chess)
    s.milestones.complete_for_students(school.teacher, a, [sam, olga])
    s.milestones.uncomplete_milestone(school.teacher, a, sam)  # no longer true: kept all the same
    assert holders(s, badge.id) == {sam, olga}
    [award] = [x for x in s.badges.student_badges(school.teacher, olga).earned if x.badge_id == badge.id]
    s.badges.revoke(school.teacher, award.id, reason="Ticked by mistake")
    s.milestones.complete_milestone(school.teacher, b, olga)
    again = s.badges.save(school.admin, _input_of(s, school, badge.id), badge_id=badge.id, award_existing=True)
    assert again.newly_awarded == 0
    assert holders(s, badge.id) == {sam} and award_rows(s, badge.id, olga) == 1


def _input_of(s: Services, school: School, badge_id: int):
    from tracker.services.badges import BadgeInput

    info = s.badges.get(school.admin, badge_id)
    return BadgeInput(info.name, info.description, info.activity_id, info.points, info.criterion, info.design,
                      info.primary_colour, info.secondary_colour)


def test_an_archived_badge_is_no_longer_awarded(school):
    s, sam = school.services, school.student.id
    (a,) = _milestones(school, 5)
    badge = make_badge(school, "One step", Criterion(K.MILESTONES, count=1), school.chess)
    s.badges.archive(school.teacher, badge.id)
    s.milestones.complete_milestone(school.teacher, a, sam)
    assert holders(s, badge.id) == set()


def test_a_mark_runs_no_badge_query_when_no_badge_could_be_affected(school):
    """Only the short read of the badges table's version; no measuring query. With an attendance
    badge of the activity: one query for it."""
    from tracker.db.uow import unit_of_work
    from tracker.domain.events import AttendanceChanged
    from tracker.services import badge_engine

    s = school.services
    make_badge(school, "Milestone badge", Criterion(K.MILESTONES, count=1), school.chess)
    make_badge(school, "Drama streak", Criterion(K.ATTENDANCE_STREAK, count=3), school.drama)

    def queries() -> list[str]:
        seen: list[str] = []

        def record(conn, cursor, statement, *rest) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
            seen.append(statement)

        with unit_of_work(s.db) as tx:
            event.listen(s.db.engine, "before_cursor_execute", record)
            try:
                badge_engine.on_attendance_changed(tx, AttendanceChanged(school.student.id, school.chess))
            finally:
                event.remove(s.db.engine, "before_cursor_execute", record)
        return seen

    queries()  # the badge list is read once, when the badges change
    assert len(queries()) == 1  # the version of the badges table, nothing else
    make_badge(school, "Chess streak", Criterion(K.ATTENDANCE_STREAK, count=3), school.chess)
    queries()
    found = queries()
    assert len(found) == 2 and "attendance_records" in found[1]


def test_a_badge_made_or_archived_between_two_marks_counts_from_the_next_mark(school):
    """A single mark reads the badges' fingerprint with its cell: the cached rules are still
    checked against the badges table as it is when the mark is made."""
    s, sam = school.services, school.student.id
    days = [date.today() - timedelta(days=n) for n in (8, 6, 4, 2)]
    enrolled_since(s, school.chess, days[0], sam)
    sessions = sessions_on(school, school.chess, days)
    for session in sessions[:2]:
        mark(school, session, sam, "P")  # the rules (none yet) are cached
    two = make_badge(school, "Two in a row", Criterion(K.ATTENDANCE_STREAK, count=2))
    three = make_badge(school, "Three in a row", Criterion(K.ATTENDANCE_STREAK, count=3), school.chess)
    s.badges.archive(school.admin, three.id)
    mark(school, sessions[2], sam, "P")
    assert holders(s, two.id) == {sam}
    assert holders(s, three.id) == set()  # archived before the mark
    four = make_badge(school, "Four in a row", Criterion(K.ATTENDANCE_STREAK, count=4), school.chess)
    mark(school, sessions[3], sam, "P")
    assert holders(s, four.id) == {sam}


# --------------------------------------------------------------------------- any sequence of events

STUDENTS = ("sam", "olga")
STEPS = st.lists(st.one_of(
    st.tuples(st.just("tick"), st.integers(0, 2), st.sampled_from(STUDENTS)),
    st.tuples(st.just("untick"), st.integers(0, 2), st.sampled_from(STUDENTS)),
    st.tuples(st.just("mark"), st.integers(0, 4), st.sampled_from(STUDENTS), st.sampled_from(["P", "L", "E", "A", None])),
), max_size=14)
POINTS = (5, 10, 10)
RULES = {
    "two milestones": (Criterion(K.MILESTONES, count=2), True),
    "fifteen points": (Criterion(K.POINTS, points=15), False),
    "three in a row": (Criterion(K.ATTENDANCE_STREAK, count=3), True),
    "three quarters": (Criterion(K.ATTENDANCE_RATE, percent=75, min_sessions=3), False),
    "perfect month": (Criterion(K.PERFECT_MONTH, min_sessions=3), True),
}


def _holds(rule: str, ticks: set[int], marks: dict[int, str]) -> bool:
    """The rules, written again the plain way, over what the test did (the oracle)."""
    counted = [marks[i] in "PLA" for i in range(5) if i in marks and marks[i] != "E"]
    present = [marks[i] for i in range(5) if i in marks and marks[i] != "E"]
    if rule == "two milestones":
        return len(ticks) >= 2
    if rule == "fifteen points":
        return sum(POINTS[i] for i in ticks) >= 15
    if rule == "three in a row":
        run = best = 0
        for code in present:
            run = run + 1 if code in "PL" else 0
            best = max(best, run)
        return best >= 3
    if rule == "three quarters":
        return len(counted) >= 3 and sum(code in "PL" for code in present) / len(present) >= 0.75
    return len(present) >= 3 and all(code in "PL" for code in present)  # every session is last month


Prepared = tuple[Path, dict[str, int], list[int], list[int], dict[str, int]]


@pytest.fixture(scope="session")
def prepared(school_template: tuple[Path, School], tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """The small school with three milestones, five sessions last month and the five badges,
    built once; each example runs on its own copy."""
    path = tmp_path_factory.mktemp("badges") / "prepared.db"
    shutil.copyfile(school_template[0], path)
    db, _ = open_database(path)
    try:
        school = School(**{**school_template[1].__dict__, "services": Services(db)})
        ids = {"sam": school.student.id, "olga": school.other_student.id}
        milestones = _milestones(school, *POINTS)
        days = [last_month(d) for d in (3, 6, 9, 12, 15)]
        enrolled_since(school.services, school.chess, days[0], *ids.values())
        sessions = sessions_on(school, school.chess, days)
        badges = {name: make_badge(school, name, c, school.chess if in_chess else None).id
                  for name, (c, in_chess) in RULES.items()}
    finally:
        db.dispose()
    return path, ids, milestones, sessions, badges


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
@example(steps=[("tick", 0, "sam"), ("tick", 1, "sam"), ("untick", 0, "sam"), ("mark", 0, "olga", "P"),
                ("mark", 1, "olga", "E"), ("mark", 2, "olga", "L"), ("mark", 3, "olga", "A"), ("mark", 4, "olga", "P"),
                ("mark", 3, "olga", "P"), ("mark", 3, "olga", None)])  # every badge, and an untick after
def test_random_ticks_and_marks_never_award_twice_and_always_award_when_the_criterion_holds(
        school_template, prepared, steps):
    path, ids, milestones, sessions, badges = prepared
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "example.db"
        shutil.copyfile(path, copy)
        db, _ = open_database(copy)
        try:
            school = School(**{**school_template[1].__dict__, "services": Services(db)})
            s = school.services
            ticks: dict[str, set[int]] = {who: set() for who in STUDENTS}
            marks: dict[str, dict[int, str]] = {who: {} for who in STUDENTS}
            ever: set[tuple[str, str]] = set()
            for step in steps:
                who = step[2]
                if step[0] == "tick":
                    s.milestones.complete_milestone(school.teacher, milestones[step[1]], ids[who])
                    ticks[who].add(step[1])
                elif step[0] == "untick":
                    s.milestones.uncomplete_milestone(school.teacher, milestones[step[1]], ids[who])
                    ticks[who].discard(step[1])
                else:
                    code = step[3]
                    if code is None and step[1] not in marks[who]:
                        continue
                    mark(school, sessions[step[1]], ids[who], code, school.teacher)
                    if code is None:
                        marks[who].pop(step[1])
                    else:
                        marks[who][step[1]] = code
                for name, badge in badges.items():
                    for student in STUDENTS:
                        if _holds(name, ticks[student], marks[student]):
                            ever.add((name, student))
                        rows = award_rows(s, badge, ids[student])
                        assert rows == int((name, student) in ever), (name, student, step, rows)
        finally:
            db.dispose()


def test_a_second_activity_leaves_the_first_ones_badges_alone(school):
    """A badge of chess is not awarded for drama's events, nor a drama badge for chess's."""
    s, olga = school.services, school.other_student.id
    robotics = s.activities.create_activity(school.admin, ActivityInput("Robotics", lead_ids=[school.teacher.id])).id
    s.progress.update_progress(school.admin, robotics, olga, status="active")
    step = s.milestones.create_milestone(school.admin, robotics, title="Build").id
    chess_badge = make_badge(school, "Chess step", Criterion(K.MILESTONES, count=1), school.chess)
    s.milestones.complete_milestone(school.teacher, step, olga)
    assert holders(s, chess_badge.id) == set()


def test_a_session_marked_before_it_starts_does_not_count_yet(school):
    """Marks may be taken 15 minutes early; until the session starts it is not held, so an early
    absence does not spoil a rate read from the maintained counts."""
    s, sam = school.services, school.student.id
    days = [date.today() - timedelta(days=n) for n in (6, 4, 2)]
    enrolled_since(s, school.chess, days[0], sam)
    sessions = sessions_on(school, school.chess, days)
    soon = datetime.now().replace(second=0, microsecond=0) + timedelta(minutes=10)
    upcoming = s.calendar.add_extra_session(school.admin, school.chess, soon, soon + timedelta(hours=1)).id
    perfect = make_badge(school, "Every time", Criterion(K.ATTENDANCE_RATE, percent=100, min_sessions=3))
    mark(school, upcoming, sam, "A")
    for session in sessions:
        mark(school, session, sam, "P")
    assert holders(s, perfect.id) == {sam}
