"""The demo school built in memory: activities, calendar, enrollments, attendance, milestones.

Everything is generated as plain tuples with ids assigned here, then written in bulk. Because the
whole school is in memory, each enrollment's progress and completion are derived with the very
rules the services use (:mod:`tracker.domain.progress`), so the stored status agrees with what
``progress_rows`` computes later.
"""

from __future__ import annotations

import bisect
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from tracker.demo import catalogue as cat
from tracker.demo.badges import DemoBadges
from tracker.demo.people import People, Person, Table, build_people
from tracker.domain.enums import LeadRole, ProgressStatus
from tracker.domain.notification_text import About, grouped, single
from tracker.domain.percent import format_percent, format_threshold
from tracker.domain.progress import (
    CompletionRule,
    MilestoneState,
    attendance_rate,
    check_completion,
    progress_percentage,
)

NORMAL_SESSIONS = 32  # twice a week over a sixteen-week term
LARGEST_SESSIONS = 200  # the benchmark activity at BENCHMARK_STUDENTS
BENCHMARK_STUDENTS = 2000
TERM_WEEKS = 16
WEEKS_BEFORE_TODAY = 10


def sessions_for_largest(students: int) -> int:
    """How many sessions the largest activity has: 200 from 2,000 students (the benchmark size),
    proportionally fewer below, never fewer than an ordinary twice-weekly activity."""
    scaled = round(LARGEST_SESSIONS * students / BENCHMARK_STUDENTS)
    return max(NORMAL_SESSIONS, min(LARGEST_SESSIONS, scaled))


def term_dates(today: date) -> tuple[date, date]:
    """The term starts on the Monday ten weeks before ``today``'s week and ends on the Friday
    of its sixteenth week, so there is history to show and sessions still to come."""
    start = today - timedelta(days=today.weekday(), weeks=WEEKS_BEFORE_TODAY)
    return start, start + timedelta(weeks=TERM_WEEKS, days=-3)


@dataclass(frozen=True)
class StatusCodes:
    """Attendance status ids by code, and which ids count as present / in the rate."""

    ids: dict[str, int]
    present: frozenset[int]
    counted: frozenset[int]


@dataclass
class Mile:
    id: int
    points: int
    required: bool


@dataclass
class Act:
    id: int
    spec: cat.ActivitySpec
    lead: int
    start: date
    end: date
    capacity: int | None = None
    held_days: list[date] = field(default_factory=list)  # non-cancelled sessions before today
    held: list[tuple[int, datetime]] = field(default_factory=list)  # (session id, ends_at)
    upcoming: datetime | None = None
    milestones: list[Mile] = field(default_factory=list)
    skills: list[int] = field(default_factory=list)


@dataclass
class Enrollment:
    id: int
    student: int
    act: Act
    status: ProgressStatus
    enrolled_on: date | None
    dropped_on: date | None = None
    drop_reason: str | None = None
    waitlist_position: int | None = None
    reliability: float = 0.92
    lateness: float = 0.03
    pace: float = 1.0
    present: int = 0
    counted: int = 0
    done: dict[int, datetime] = field(default_factory=dict)
    signed_off_at: datetime | None = None
    completed_at: datetime | None = None
    note: str | None = None

    @property
    def rate(self) -> float | None:
        return attendance_rate(self.present, self.counted)


Step = Callable[[str, float], None]  # (what is being built, fraction of the plan done)


class SchoolPlan:
    """Builds every table of the demo school; ``tables`` is in foreign-key order."""

    def __init__(self, *, students: int, seed: int, today: date, password_hash: str,
                 statuses: StatusCodes, step: Step) -> None:
        self.rng = random.Random(seed)
        self.students = students
        self.seed = seed
        self.today = today
        self.statuses = statuses
        self.step = step
        self.term_start, self.term_end = term_dates(today)
        self.school_name = self.rng.choice(cat.SCHOOL_NAMES)
        self.tables: dict[str, Table] = {}
        self.acts: list[Act] = []
        self.enrollments: list[Enrollment] = []
        self.boards: dict[int, str] = {}  # activity id -> leaderboard privacy, for the boards switched on
        step("Creating people", 0.0)
        self.people: People = build_people(self.rng, students, self.school_name, password_hash,
                                           self.term_start.year)
        self.tables["users"] = self.people.users
        self.tables["guardian_links"] = self.people.links

    def _table(self, name: str, *keys: str) -> Table:
        self.tables[name] = table = Table(keys)
        return table

    def build(self) -> None:
        self.step("Creating activities", 0.1)
        self._settings()
        self._activities()
        self.step("Planning the calendar", 0.2)
        self._calendar()
        self._milestones()
        self._skills()
        self.step("Enrolling students", 0.3)
        self._enrollments()
        self.step("Taking attendance", 0.4)
        self._attendance()
        self.step("Completing milestones", 0.7)
        self._progress()
        self.step("Assessing skills", 0.8)
        self._assessments()
        self._badges()
        self._notifications()
        self._achievements()
        self._finish()

    # ------------------------------------------------------------------ reference data

    def _settings(self) -> None:
        t = self._table("settings", "key", "value")
        season = ("Spring", "Summer", "Autumn", "Winter")[(self.term_start.month - 1) // 3]
        for key, value in (("school_name", self.school_name), ("idle_lock_minutes", 10),
                           ("term_name", f"{season} term {self.term_start.year}")):
            t.rows.append((key, json.dumps(value)))

    def _activities(self) -> None:
        leads = self._table("activity_leads", "activity_id", "user_id", "lead_role")
        teachers = self.people.teachers
        for i, spec in enumerate(cat.ACTIVITIES):
            act = Act(i + 1, spec, teachers[i % len(teachers)].id, self.term_start, self.term_end)
            self.acts.append(act)
            leads.rows.append((act.id, act.lead, LeadRole.LEAD))
            if i == 0 or self.rng.random() < 0.3:
                co = teachers[(i + 5) % len(teachers)].id
                leads.rows.append((act.id, co, LeadRole.CO_LEAD))

    def _calendar(self) -> None:
        hol = self._table("holidays", "id", "day", "name")
        holidays = {}
        for n, (week, weekday, name) in enumerate(cat.HOLIDAYS, start=1):
            day = self.term_start + timedelta(weeks=week, days=weekday)
            holidays[day] = name
            hol.rows.append((n, day, name))
        sched = self._table("schedules", "id", "activity_id", "weekdays", "start_time", "end_time",
                            "start_date", "end_date", "location", "timezone")
        sess = self._table("activity_sessions", "id", "activity_id", "schedule_id", "starts_at",
                           "ends_at", "original_starts_at", "location", "cancelled", "note")
        rnd = self.rng.random
        now = datetime.combine(self.today, time(0, 0))
        schedules: list[list[object]] = []  # end dates of the largest activity are fixed below
        for act in self.acts:
            spec = act.spec
            patterns = [(spec.weekdays, spec.start)]
            limit: int | None = None
            if act is self.acts[0]:
                limit = sessions_for_largest(self.students)
                days = (0, 2) if limit <= NORMAL_SESSIONS else (0, 1, 2, 3, 4)
                patterns = [(days, spec.start)]
                if limit > 5 * (TERM_WEEKS - 1):
                    patterns.append((days, "12:40"))
            slots = []
            for weekdays, start in patterns:
                begins = time.fromisoformat(start)
                ends = (datetime.combine(act.start, begins) + timedelta(minutes=spec.minutes)).time()
                slots.append((len(schedules) + 1, frozenset(weekdays), begins, ends))
                schedules.append([len(schedules) + 1, act.id, ",".join(map(str, weekdays)),
                                   begins, ends, act.start, act.end, spec.location, None])
            day, count, last = act.start, 0, act.start
            while (limit is None and day <= act.end) or (limit is not None and count < limit):
                if day not in holidays:
                    for sid, on_days, begins, ends in slots:
                        if day.weekday() not in on_days or (limit is not None and count >= limit):
                            continue
                        count += 1
                        last = day
                        session_id = len(sess.rows) + 1
                        starts = datetime.combine(day, begins)
                        cancelled = rnd() < 0.025
                        note = self.rng.choice(cat.CANCEL_NOTES) if cancelled else ""
                        sess.rows.append((session_id, act.id, sid, starts, datetime.combine(day, ends),
                                          None, spec.location, cancelled, note))
                        if cancelled:
                            continue
                        if starts < now:
                            act.held_days.append(day)
                            act.held.append((session_id, datetime.combine(day, ends)))
                        elif act.upcoming is None:
                            act.upcoming = starts
                day += timedelta(days=1)
            if limit is not None:
                act.end = max(act.end, last)
                for row in schedules:
                    if row[1] == act.id:
                        row[6] = act.end
        sched.rows = [tuple(r) for r in schedules]

    def _milestones(self) -> None:
        t = self._table("milestones", "id", "activity_id", "title", "description", "order_index",
                        "points", "required", "due_date")
        rng = self.rng
        for act in self.acts:
            count = rng.randint(4, 8)
            optional = set(rng.sample(range(1, count), rng.randint(1, 2)))
            span = (act.end - act.start).days
            for i, title in enumerate(cat.MILESTONES[act.spec.category][:count]):
                mile = Mile(len(t.rows) + 1, rng.choice((5, 10, 10, 15, 20)), i not in optional)
                due = act.start + timedelta(days=span * (i + 1) // count) if rng.random() < 0.7 else None
                act.milestones.append(mile)
                t.rows.append((mile.id, act.id, title, f"{title} ({act.spec.name}).", i,
                               mile.points, mile.required, due))

    def _skills(self) -> None:
        skills = self._table("skills", "id", "name", "category", "description")
        ids = {}
        for n, (name, category, text) in enumerate(cat.SKILLS, start=1):
            skills.rows.append((n, name, category, text))
            ids[name] = n
        links = self._table("activity_skills", "activity_id", "skill_id", "target_level")
        for act in self.acts:
            for i, name in enumerate(act.spec.skills):
                act.skills.append(ids[name])
                target = 4 if i == 0 and self.rng.random() < 0.3 else 3
                links.rows.append((act.id, ids[name], target))

    # ------------------------------------------------------------------ enrollments

    def _enrollments(self) -> None:
        """Each student picks one to four activities; capped activities fill up and the
        latecomers wait; a few join late and about one in twenty drops out."""
        rng = self.rng
        largest, others = self.acts[0], self.acts[1:]
        weights = [a.spec.popularity for a in others]
        picks: dict[int, list[tuple[int, bool]]] = {a.id: [] for a in self.acts}
        for person in self.people.students:
            want = rng.choices((1, 2, 3, 4), (30, 38, 22, 10))[0]
            chosen: list[Act] = [largest] if rng.random() < 0.6 else []
            while len(chosen) < want:
                act = rng.choices(others, weights)[0]
                if act not in chosen:
                    chosen.append(act)
            for n, act in enumerate(chosen):
                picks[act.id].append((person.id, n == 0))
        accepted: list[tuple[Act, int, int | None]] = []
        for act in self.acts:
            wanted = picks[act.id]
            if act is not largest:
                firsts = sum(1 for _, first in wanted if first)
                if act.spec.capped:
                    act.capacity = max(firsts, 8, int(len(wanted) * 0.9))
                else:
                    act.capacity = (len(wanted) // 5 + 2) * 5
            wanted.sort(key=lambda p: not p[1])  # first choices get a place first
            for n, (student, _first) in enumerate(wanted):
                if act.capacity is None or n < act.capacity:
                    accepted.append((act, student, None))
                elif n - act.capacity < 6:
                    accepted.append((act, student, n - act.capacity + 1))
        accepted.sort(key=lambda x: (x[1], x[0].id))
        today = self.today
        for act, student, waiting in accepted:
            e = Enrollment(len(self.enrollments) + 1, student, act, ProgressStatus.ACTIVE, act.start)
            self.enrollments.append(e)
            if waiting is not None:
                e.status, e.enrolled_on, e.waitlist_position = ProgressStatus.WAITLISTED, None, waiting
                continue
            if rng.random() < 0.15:
                late = act.start + timedelta(weeks=rng.randint(1, 6), days=rng.randint(0, 4))
                e.enrolled_on = min(late, today - timedelta(days=1))
            r = rng.random()
            if r < 0.1:
                e.reliability, e.pace = rng.uniform(0.5, 0.7), rng.uniform(0.4, 0.9)
            elif r < 0.2:
                e.reliability, e.pace = rng.uniform(0.88, 1.0), rng.uniform(1.6, 2.2)
            else:
                e.reliability, e.pace = rng.uniform(0.85, 1.0), rng.uniform(0.85, 1.3)
            e.lateness = 0.15 if rng.random() < 0.12 else 0.03
            assert e.enrolled_on is not None
            days = (today - e.enrolled_on).days
            if days > 12 and rng.random() < 0.05:
                e.status = ProgressStatus.DROPPED
                e.dropped_on = e.enrolled_on + timedelta(days=rng.randint(10, days - 1))
                e.drop_reason = rng.choice(cat.DROP_REASONS)
        self._irregular_attenders()

    def _irregular_attenders(self) -> None:
        """Every big club has a couple of irregular attenders: the largest activity with an
        attendance minimum gets at least two among its first enrolled (whatever the seed and the
        day), so its lead's inbox shows the grouped notice the rules send about them. Present about
        one session in five, they stay below any minimum over a term's sessions."""
        counts: dict[int, list[Enrollment]] = {}
        for e in self.enrollments:
            if e.status is ProgressStatus.ACTIVE and e.act.spec.min_attendance_pct is not None:
                counts.setdefault(e.act.id, []).append(e)
        if not counts:
            return
        group = max(counts.values(), key=len)
        for e in sorted(group, key=lambda e: (e.enrolled_on or self.today, e.id))[:2]:
            e.reliability, e.pace = min(e.reliability, 0.2), min(e.pace, 0.7)

    def _attendance(self) -> None:
        """One record per held session for every enrolled student, with believable habits."""
        t = self._table("attendance_records", "session_id", "student_id", "status_id",
                        "participation", "remark", "recorded_by", "recorded_at")
        ids = self.statuses.ids
        p_id, l_id, e_id, a_id = ids["P"], ids["L"], ids["E"], ids["A"]
        present_ids, counted_ids = self.statuses.present, self.statuses.counted
        rnd = self.rng.random
        append = t.rows.append
        for e in self.enrollments:
            if e.enrolled_on is None:
                continue
            act = e.act
            lo = bisect.bisect_left(act.held_days, e.enrolled_on)
            hi = (bisect.bisect_left(act.held_days, e.dropped_on) if e.dropped_on
                  else len(act.held_days))
            reliability, lateness = e.reliability, e.lateness
            base = 3 + int(rnd() * 2) if reliability > 0.8 else 2 + int(rnd() * 2)  # keeps 1..5
            present = counted = 0
            for session_id, ends in act.held[lo:hi]:
                if rnd() < reliability:
                    late = rnd() < lateness
                    status = l_id if late else p_id
                    r = rnd()
                    part = None if r < 0.1 else base + (0 if r < 0.7 else 1 if r < 0.85 else -1)
                    append((session_id, e.student, status, part, "Arrived late" if late else "",
                            act.lead, ends))
                else:
                    status = e_id if rnd() < 0.25 else a_id
                    append((session_id, e.student, status, None, "", act.lead, ends))
                present += status in present_ids
                counted += status in counted_ids
            e.present, e.counted = present, counted

    def _progress(self) -> None:
        """Milestones done at each student's pace, sign-offs, then the completion rule decides
        who is complete: exactly the enrollments ``check_completion`` accepts."""
        um = self._table("user_milestones", "user_id", "milestone_id", "completed_at", "notes",
                         "completed_by")
        prog = self._table("activity_progress", "id", "user_id", "activity_id", "status",
                           "progress_percentage", "progress_manual", "status_manual", "started_at",
                           "completed_at", "enrolled_on", "dropped_on", "drop_reason",
                           "waitlist_position", "signed_off_at", "signed_off_by", "note")
        hist = self._table("progress_status_history", "progress_id", "from_status", "to_status",
                           "changed_by", "changed_at", "note")
        rng, today = self.rng, self.today
        for e in self.enrollments:
            act = e.act
            if e.enrolled_on is not None:
                self._complete_milestones(e, um)
            states = [MilestoneState(m.points, m.required, m.id in e.done) for m in act.milestones]
            if (act.spec.requires_signoff and e.status is ProgressStatus.ACTIVE and e.done
                    and all(s.done for s in states if s.required) and rng.random() < 0.75):
                last = max(e.done.values())
                e.signed_off_at = max(last + timedelta(minutes=30),
                                      min(last + timedelta(days=1),
                                          datetime.combine(today - timedelta(days=1), time(17))))
            rule = CompletionRule(True, act.spec.min_attendance_pct, act.spec.requires_signoff)
            check = check_completion(rule, states, e.rate, e.signed_off_at is not None)
            if e.status is ProgressStatus.ACTIVE and check.complete:
                e.status = ProgressStatus.COMPLETED
                times = [t for m, t in e.done.items() if any(x.id == m and x.required
                                                               for x in act.milestones)]
                e.completed_at = max(times + ([e.signed_off_at] if e.signed_off_at else []))
            elif (e.status is ProgressStatus.ACTIVE and e.rate is not None
                  and e.rate < (act.spec.min_attendance_pct or 70) and rng.random() < 0.3):
                e.note = rng.choice(cat.PROGRESS_NOTES[:2])
            started = datetime.combine(e.enrolled_on, time(9)) if e.enrolled_on else None
            prog.rows.append((e.id, e.student, act.id, e.status, progress_percentage(states), False,
                              False, started, e.completed_at, e.enrolled_on, e.dropped_on,
                              e.drop_reason, e.waitlist_position, e.signed_off_at,
                              act.lead if e.signed_off_at else None, e.note))
            if e.status is ProgressStatus.WAITLISTED:
                hist.rows.append((e.id, None, "waitlisted", self.people.admin.id,
                                  datetime.combine(act.start, time(9)), "Added to the waiting list"))
                continue
            hist.rows.append((e.id, None, "active", act.lead, started, "Enrolled"))
            if e.dropped_on is not None:
                hist.rows.append((e.id, "active", "dropped", act.lead,
                                  datetime.combine(e.dropped_on, time(9)), e.drop_reason))
            if e.completed_at is not None:
                hist.rows.append((e.id, "active", "completed", None, e.completed_at,
                                  "Completion rules met"))

    def _complete_milestones(self, e: Enrollment, um: Table) -> None:
        assert e.enrolled_on is not None
        rng, act = self.rng, e.act
        stop = e.dropped_on or self.today
        elapsed = (stop - e.enrolled_on).days
        span = max(1, (act.end - max(act.start, e.enrolled_on)).days)  # as tracker.domain.standing expects
        count = min(len(act.milestones), int(len(act.milestones) * e.pace * elapsed / span + rng.random()))
        window = max(0, elapsed - 1)  # everything happens before the drop date and before today
        for i, mile in enumerate(act.milestones[:count]):
            if not mile.required and rng.random() < 0.4:
                continue
            day = e.enrolled_on + timedelta(days=window * (i + 1) // (count + 1))
            at = datetime.combine(day, time(15, 45)) + timedelta(minutes=rng.randint(0, 90))
            e.done[mile.id] = at
            note = rng.choice(cat.MILESTONE_NOTES) if rng.random() < 0.05 else ""
            um.rows.append((e.student, mile.id, at, note, act.lead))

    # ------------------------------------------------------------------ extras

    def _assessments(self) -> None:
        t = self._table("skill_assessments", "student_id", "skill_id", "activity_id", "level",
                        "evidence", "assessed_by", "assessed_at")
        rng = self.rng
        names = {n: name for n, (name, _c, _d) in enumerate(cat.SKILLS, start=1)}
        for e in self.enrollments:
            if e.enrolled_on is None or rng.random() < 0.5:
                continue
            skill = rng.choice(e.act.skills)
            stop = e.dropped_on or self.today
            span = max(1, (stop - e.enrolled_on).days - 1)
            level = rng.randint(1, 2)
            times = rng.randint(1, 3)
            for k in range(times):
                day = e.enrolled_on + timedelta(days=span * (k + 1) // (times + 1))
                text = rng.choice(cat.EVIDENCE).format(activity=e.act.spec.name,
                                                       skill=names[skill].lower())
                t.rows.append((e.student, skill, e.act.id, level, text, e.act.lead,
                               datetime.combine(day, time(16, 30))))
                if rng.random() < (0.7 if e.pace > 1 else 0.4):
                    level = min(4, level + 1)

    def _badges(self) -> None:
        """Badge definitions of every kind, and the awards their rules give in this school
        (:mod:`tracker.demo.badges`), a few by hand, one revoked."""
        DemoBadges(self).write()

    def _notifications(self) -> None:
        t = self._table("notifications", "user_id", "kind", "title", "body", "link", "read_at", "student_id",
                        "activity_id", "count")
        read = datetime.combine(self.today - timedelta(days=1), time(18))
        t.rows.append((self.people.admin.id, "info", "Welcome to the demo school",
                       "Every demo account uses the same password. Try signing in as a teacher, "
                       "a student or a parent to see what each of them sees.", None, None, None, None, 1))
        reminded: set[int] = set()
        for act in self.acts:
            if act.lead not in reminded and act.upcoming is not None:
                reminded.add(act.lead)
                t.rows.append((act.lead, "reminder", f"Next {act.spec.name} session",
                               f"{act.upcoming:%A %d %B at %H:%M} in {act.spec.location}.",
                               None, None, None, act.id, 1))
        self._progress_notifications(t, read)

    def _progress_notifications(self, t: Table, read: datetime) -> None:
        """What the rules of :mod:`tracker.services.notification_rules` would have told, in their
        words: milestones and completions to students and parents, low attendance to parents, and
        one grouped notice per activity to its lead (the students below the minimum); every other
        one read, so that each role's inbox has read, unread and grouped items."""
        names = {p.id: p.display_name for p in self.people.students}
        titles = {row[0]: row[2] for row in self.tables["milestones"].rows}
        n = 0

        def tell(to: list[int], kind: str, e: Enrollment, about: About) -> None:
            nonlocal n
            title, body = single(kind, e.act.spec.name, about)
            for user in to:
                n += 1
                t.rows.append((user, kind, title, body, f"activity:{e.act.id}", read if n % 2 else None,
                               e.student, e.act.id, 1))

        family = self.people.guardians_of
        # families first, by student id: the accounts the demo's list names are among them
        ordered = sorted(self.enrollments, key=lambda e: (not family.get(e.student), e.student))
        ticked = [e for e in ordered if e.done and e.status is ProgressStatus.ACTIVE]
        for e in ticked[:12]:
            last = max(e.done, key=lambda m: e.done[m])
            tell([e.student, *family.get(e.student, [])], "milestone_completed", e,
                 About(names[e.student], titles[last]))
        for e in [e for e in ordered if e.status is ProgressStatus.COMPLETED][:10]:
            tell([e.student, *family.get(e.student, [])], "activity_completed", e, About(names[e.student]))
        low: dict[int, list[Enrollment]] = {}
        for e in self.enrollments:
            minimum = e.act.spec.min_attendance_pct
            if (e.status is ProgressStatus.ACTIVE and minimum is not None and e.rate is not None
                    and e.counted >= 3 and e.rate < minimum):
                low.setdefault(e.act.id, []).append(e)
        for group in low.values():
            act = group[0].act
            below = format_threshold(float(act.spec.min_attendance_pct or 0))
            abouts = [About(names[e.student], below, format_percent(e.rate or 0)) for e in group]
            for e, about in list(zip(group, abouts, strict=True))[:3]:
                tell(family.get(e.student, [])[:1], "low_attendance", e, about)
            title, body = grouped("low_attendance", act.spec.name, abouts)
            t.rows.append((act.lead, "low_attendance", title, body, f"activity:{act.id}", None,
                           group[0].student if len(group) == 1 else None, act.id, len(group)))

    def _achievements(self) -> None:
        """Leaderboards on for two activities (one by first name and initial, one anonymous), two
        students off every board, and the portfolios of the students the demo's account list names
        filled in (features, reflections), so that the leaderboard and portfolio screens show
        something from the first sign-in."""
        opt_outs = self._table("leaderboard_opt_outs", "student_id", "set_by")
        features = self._table("portfolio_features", "student_id", "kind", "ref_id")
        reflections = self._table("portfolio_reflections", "student_id", "activity_id", "text")
        places: dict[int, list[Enrollment]] = {}
        for e in self.enrollments:
            if e.status in (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED):
                places.setdefault(e.student, []).append(e)
        # as tracker.demo.sample_accounts picks them: two places or more and a parent, by id
        showcase = [p.id for p in self.people.students
                    if len(places.get(p.id, ())) >= 2 and self.people.guardians_of.get(p.id)][:6]
        if not showcase:
            return
        first, second = places[showcase[0]][0].act, places[showcase[0]][1].act
        self.boards = {first.id: "initial", second.id: "anonymous"}
        quiet = [e.student for e in self.enrollments if e.act is first and e.student not in showcase
                 and e.status in (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)][:2]
        for n, student in enumerate(quiet):
            parents = self.people.guardians_of.get(student) or [student]
            opt_outs.rows.append((student, student if n == 0 else parents[0]))
        awards = self.tables["badge_awards"]
        column = {key: i for i, key in enumerate(awards.keys)}
        held: dict[int, list[int]] = {}  # student -> award ids (not revoked), in award order
        for n, row in enumerate(awards.rows, start=1):
            if "revoked_at" not in column or row[column["revoked_at"]] is None:
                held.setdefault(row[column["student_id"]], []).append(row[column["id"]] if "id" in column else n)
        assessed = {(row[0], row[1]) for row in self.tables["skill_assessments"].rows}  # (student, skill)
        texts = ("I was nervous at first, but by the end I looked forward to every session. The best part "
                 "was helping the newer members.", "I learnt to keep going when something did not work the "
                 "first time. Next term I want to take on a bigger part.", "Working with the others taught "
                 "me more than I expected; I am proud of what we made together.")
        for n, student in enumerate(showcase):
            chosen = places[student][0]
            features.rows.append((student, "activity", chosen.act.id))
            features.rows.extend((student, "milestone", m) for m in sorted(chosen.done)[:2])
            features.rows.extend((student, "skill", k) for k in chosen.act.skills[:1] if (student, k) in assessed)
            features.rows.extend((student, "badge", award) for award in held.get(student, [])[:2])
            if n < 4:
                reflections.rows.append((student, chosen.act.id, texts[n % len(texts)]))

    def _finish(self) -> None:
        """Activity rows (now that capacities and end dates are known), table order, audit."""
        acts = self._table("activities", "id", "name", "category", "description", "start_date",
                           "end_date", "capacity", "location", "archived", "require_milestones",
                           "min_attendance_pct", "requires_signoff", "leaderboard_enabled",
                           "leaderboard_privacy")
        for act in self.acts:
            s = act.spec
            acts.rows.append((act.id, s.name, s.category, s.description, act.start, act.end,
                              act.capacity, s.location, False, True, s.min_attendance_pct,
                              s.requires_signoff, act.id in self.boards, self.boards.get(act.id, "initial")))
        order = ["users", "guardian_links", "settings", "activities", "activity_leads", "holidays",
                 "schedules", "activity_sessions", "milestones", "skills", "activity_skills",
                 "activity_progress", "progress_status_history", "attendance_records",
                 "user_milestones", "skill_assessments", "badges", "badge_awards", "notifications",
                 "leaderboard_opt_outs", "portfolio_features", "portfolio_reflections"]
        self.tables = {name: self.tables[name] for name in order}
        counts = {name: len(t.rows) for name, t in self.tables.items()}
        audit = self._table("audit_log", "at", "actor_id", "action", "entity", "entity_id", "before",
                            "after")
        audit.rows.extend(self._history())
        after = {"students": self.students, "seed": self.seed, "today": self.today.isoformat(),
                 "rows": counts}
        audit.rows.append((datetime.combine(self.today, time(7, 30)), self.people.admin.id, "demo.generate",
                           "school", None, None, json.dumps(after, sort_keys=True)))

    def _history(self) -> list[tuple[Any, ...]]:
        """A term's worth of what the audit log would hold, in the words the services write it
        (enrolments by the leads, milestones ticked, students dropped with their reason), so
        that the Audit page of the demo school shows a real history, oldest first."""
        rows: list[tuple[Any, ...]] = []
        placed = [e for e in self.enrollments if e.enrolled_on is not None]
        for e in sorted(placed, key=lambda e: (e.enrolled_on or self.today, e.id))[:25]:
            assert e.enrolled_on is not None
            rows.append((datetime.combine(e.enrolled_on, time(8, 5 + e.id % 50)), e.act.lead, "enroll",
                         "activity_progress", e.id, None,
                         json.dumps({"user_id": e.student, "activity_id": e.act.id, "status": "active",
                                     "enrolled_on": e.enrolled_on.isoformat(), "waitlist_position": None})))
        ticks = sorted(((when, e, mid) for e in placed for mid, when in e.done.items()),
                       key=lambda t: (t[0], t[1].id, t[2]))
        for when, e, mid in ticks[-40:]:
            rows.append((when, e.act.lead, "complete", "milestone", mid, None,
                         json.dumps({"user_id": e.student, "notes": ""})))
        for e in [e for e in placed if e.status is ProgressStatus.DROPPED and e.dropped_on][:8]:
            assert e.dropped_on is not None
            rows.append((datetime.combine(e.dropped_on, time(15, 40)), e.act.lead, "drop", "activity_progress",
                         e.id, json.dumps({"status": "active"}),
                         json.dumps({"status": "dropped", "dropped_on": e.dropped_on.isoformat(),
                                     "reason": e.drop_reason})))
        return sorted(rows, key=lambda r: r[0])


__all__ = ["Person", "SchoolPlan", "StatusCodes", "sessions_for_largest", "term_dates"]
