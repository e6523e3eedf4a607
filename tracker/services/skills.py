"""Skills and competencies (school-wide catalog, rubrics, target skills, assessments) and the
participation summary of an activity's students.

Assessments are history: a new assessment is a new row, never an overwrite, so growth over time
can be shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from tracker.db.models import (
    Activity,
    ActivityProgress,
    ActivitySession,
    ActivitySkill,
    AttendanceRecord,
    RubricLevel,
    Skill,
    SkillAssessment,
    User,
    utcnow,
)
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus
from tracker.domain.events import SkillAssessed
from tracker.domain.participation import ParticipationSummary, summarize
from tracker.domain.policy import Actor, Permission
from tracker.domain.text import check_name
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services import stats
from tracker.services.base import Service, activity_or_404, require, require_active
from tracker.services.scoping import visible

_ENROLLED = (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)


@dataclass(frozen=True)
class SkillRow:
    id: int
    name: str
    category: str
    description: str
    version: int


@dataclass(frozen=True)
class CatalogRow:
    """A catalog skill as the management screen shows it: its rubric and how much it is used."""

    id: int
    name: str
    category: str
    description: str
    version: int
    own_levels: int  # levels of its own rubric; 0: it uses the school default
    activities: int  # activities that target it
    assessments: int


@dataclass(frozen=True)
class RubricLevelRow:
    level: int
    name: str
    description: str


@dataclass(frozen=True)
class ActivitySkillRow:
    skill_id: int
    name: str
    category: str
    target_level: int | None
    target: bool = True  # False: not a target skill of the activity (only assessed there)


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    student_id: int
    student: str
    skill_id: int
    skill: str
    activity_id: int | None
    activity: str | None
    level: int
    level_name: str
    evidence: str
    assessed_by: int | None
    assessor: str | None
    assessed_at: datetime


@dataclass(frozen=True)
class StudentRef:
    id: int
    name: str


@dataclass(frozen=True)
class SkillsGrid:
    """An activity's students × skills with each student's latest level (a snapshot)."""

    activity_id: int
    activity: str
    students: tuple[StudentRef, ...]
    skills: tuple[ActivitySkillRow, ...]  # target skills, then others assessed here
    latest: dict[tuple[int, int], tuple[int, datetime]]  # (student, skill) -> (level, when)
    rubrics: dict[int, tuple[RubricLevelRow, ...]]  # skill -> its rubric


@dataclass(frozen=True)
class ParticipationRow:
    student_id: int
    student: str
    progress_percentage: float
    summary: ParticipationSummary


# --------------------------------------------------------------------------- helpers


def _skill(s: Session, skill_id: int) -> Skill:
    sk = s.get(Skill, skill_id)
    if sk is None:
        raise NotFound(f"No skill with id {skill_id}.")
    return sk


def rubrics_for(s: Session, skill_ids: Iterable[int]) -> dict[int, tuple[RubricLevelRow, ...]]:
    """Each skill's rubric: its own levels when it has any, else the school default."""
    ids = list(skill_ids)
    default: list[RubricLevelRow] = []
    own: dict[int, list[RubricLevelRow]] = defaultdict(list)
    q = select(RubricLevel).where(
        RubricLevel.skill_id.is_(None) | RubricLevel.skill_id.in_(ids)
    ).order_by(RubricLevel.level)
    for r in s.scalars(q):
        row = RubricLevelRow(r.level, r.name, r.description)
        if r.skill_id is None:
            default.append(row)
        else:
            own[r.skill_id].append(row)
    return {i: tuple(own.get(i) or default) for i in ids}


def _enrolled(s: Session, activity_id: int) -> list[StudentRef]:
    return [
        StudentRef(i, n) for i, n in s.execute(
            select(User.id, User.display_name)
            .join(ActivityProgress, ActivityProgress.user_id == User.id)
            .where(ActivityProgress.activity_id == activity_id,
                   ActivityProgress.status.in_(_ENROLLED))
            .order_by(User.display_name, User.id)
        )
    ]


def _clean_text(value: str | None, limit: int, label: str, field: str,
                problems: list[Problem], *, required: bool = False, one_line: bool = False) -> str:
    text = (value or "").strip()
    if one_line:
        check_name(text, label, field, problems)
    if required and not text:
        problems.append(Problem(f"A {label} is needed.", field=field))
    elif len(text) > limit:
        problems.append(Problem(f"The {label} is longer than {limit} characters.", field=field))
    return text


class SkillService(Service):
    # ----------------------------------------------------------------- catalog

    def list_skills(self, actor: Actor) -> list[SkillRow]:
        """The school-wide catalog (any signed-in user may read it)."""
        with read_only(self.db) as s:
            require_active(s, actor)
            return [SkillRow(k.id, k.name, k.category, k.description, k.version)
                    for k in s.scalars(select(Skill).order_by(Skill.category, Skill.name))]

    def catalog(self, actor: Actor) -> list[CatalogRow]:
        """The catalog for those who manage it: each skill with the size of its own rubric and
        how many activities target it and assessments use it (three grouped counts)."""
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_SETTINGS)
            own = _counts(s, RubricLevel.skill_id, RubricLevel.skill_id.is_not(None))
            targets = _counts(s, ActivitySkill.skill_id)
            assessed = _counts(s, SkillAssessment.skill_id)
            return [CatalogRow(k.id, k.name, k.category, k.description, k.version,
                               own.get(k.id, 0), targets.get(k.id, 0), assessed.get(k.id, 0))
                    for k in s.scalars(select(Skill).order_by(Skill.category, Skill.name))]

    def delete_skill(self, actor: Actor, skill_id: int) -> None:
        """Remove a skill nobody uses yet (a typo, a duplicate). A skill that activities target
        or that has assessments stays: assessments are history."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.MANAGE_SETTINGS)
            k = _skill(s, skill_id)
            problems: list[Problem] = []
            assessed = s.scalar(select(func.count()).select_from(SkillAssessment)
                                .where(SkillAssessment.skill_id == skill_id)) or 0
            if assessed:
                problems.append(Problem(
                    f"{k.name} has {assessed} assessment{'s' if assessed != 1 else ''}; "
                    "assessments are kept as history, so it cannot be deleted.", field="skill"))
            targeted = s.scalar(select(func.count()).select_from(ActivitySkill)
                                .where(ActivitySkill.skill_id == skill_id)) or 0
            if targeted:
                problems.append(Problem(
                    f"{targeted} {'activity targets' if targeted == 1 else 'activities target'} "
                    f"{k.name}; remove it from their target skills first.", field="skill"))
            if problems:
                raise ValidationError("The skill was not deleted.", problems)
            levels = [RubricLevelRow(r.level, r.name, r.description) for r in s.scalars(
                select(RubricLevel).where(RubricLevel.skill_id == skill_id).order_by(RubricLevel.level))]
            before = {"name": k.name, "category": k.category, "description": k.description,
                      "levels": [vars(r) for r in levels]}
            s.execute(delete(RubricLevel).where(RubricLevel.skill_id == skill_id))
            s.delete(k)
            s.flush()
            tx.audit(actor, "delete", "skill", skill_id, before, None)
            tx.changes.add(ChangeKind.SKILL, skill_id)

    def _validated(self, s: Session, name: str, category: str, description: str,
                   skill_id: int | None) -> tuple[str, str, str]:
        problems: list[Problem] = []
        name = _clean_text(name, 120, "skill name", "name", problems, required=True, one_line=True)
        category = _clean_text(category, 80, "category", "category", problems, one_line=True)
        if name and s.scalar(select(Skill.id).where(Skill.name == name, Skill.id != (skill_id or -1))):
            problems.append(Problem(f"There is already a skill called {name!r}.", field="name"))
        if problems:
            raise ValidationError("The skill was not saved.", problems)
        return name, category, (description or "").strip()

    def create_skill(self, actor: Actor, name: str, category: str = "",
                     description: str = "") -> SkillRow:
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.MANAGE_SETTINGS)
            name, category, description = self._validated(s, name, category, description, None)
            k = Skill(name=name, category=category, description=description)
            s.add(k)
            s.flush()
            tx.audit(actor, "create", "skill", k.id, None,
                     {"name": name, "category": category, "description": description})
            tx.changes.add(ChangeKind.SKILL, k.id)
            return SkillRow(k.id, k.name, k.category, k.description, k.version)

    def update_skill(self, actor: Actor, skill_id: int, name: str, category: str = "",
                     description: str = "") -> SkillRow:
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.MANAGE_SETTINGS)
            k = _skill(s, skill_id)
            name, category, description = self._validated(s, name, category, description, skill_id)
            before = {"name": k.name, "category": k.category, "description": k.description}
            after = {"name": name, "category": category, "description": description}
            if before != after:
                k.name, k.category, k.description = name, category, description
                s.flush()
                tx.audit(actor, "update", "skill", k.id, before, after)
                tx.changes.add(ChangeKind.SKILL, k.id)
            return SkillRow(k.id, k.name, k.category, k.description, k.version)

    def rubric(self, actor: Actor, skill_id: int | None = None) -> list[RubricLevelRow]:
        """The levels a skill is assessed on (its own, else the default); None: the default."""
        with read_only(self.db) as s:
            require_active(s, actor)
            if skill_id is None:
                return [RubricLevelRow(r.level, r.name, r.description) for r in s.scalars(
                    select(RubricLevel).where(RubricLevel.skill_id.is_(None)).order_by(RubricLevel.level))]
            _skill(s, skill_id)
            return list(rubrics_for(s, [skill_id])[skill_id])

    def set_rubric(self, actor: Actor, skill_id: int | None,
                   levels: Sequence[tuple[int, str, str]]) -> list[RubricLevelRow]:
        """Replace a skill's own rubric (None: the school default) with ``(level, name,
        description)`` triples. An empty list for a skill goes back to the default rubric.
        A level that assessments use cannot be removed."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.MANAGE_SETTINGS)
            if skill_id is not None:
                _skill(s, skill_id)
            problems: list[Problem] = []
            clean: list[RubricLevelRow] = []
            for level, name, description in levels:
                if isinstance(level, bool) or not isinstance(level, int) or level < 0:
                    problems.append(Problem(f"{level!r} is not a level number.", field="level"))
                    continue
                text = _clean_text(name, 60, "level name", "name", problems, required=True, one_line=True)
                clean.append(RubricLevelRow(level, text, (description or "").strip()))
            numbers = [r.level for r in clean]
            if len(set(numbers)) != len(numbers):
                problems.append(Problem("Each level number may appear once.", field="level"))
            if skill_id is None and not clean:
                problems.append(Problem("The default rubric needs at least one level.", field="level"))
            # the levels that would apply afterwards, for every skill this rubric governs
            governed = [skill_id] if skill_id is not None else list(s.scalars(
                select(Skill.id).where(~Skill.id.in_(
                    select(RubricLevel.skill_id).where(RubricLevel.skill_id.is_not(None))))))
            new_levels = set(numbers) if clean or skill_id is None else {
                r.level for r in self._default_levels(s)}
            used = set(s.scalars(select(SkillAssessment.level).distinct()
                                 .where(SkillAssessment.skill_id.in_(governed)))) if governed else set()
            lost = sorted(used - new_levels)
            if lost:
                problems.append(Problem(
                    f"Level{'s' if len(lost) > 1 else ''} {', '.join(map(str, lost))} "
                    "cannot be removed: assessments use them.", field="level"))
            if problems:
                raise ValidationError("The rubric was not saved.", problems)
            old = [RubricLevelRow(r.level, r.name, r.description) for r in s.scalars(
                select(RubricLevel).where(RubricLevel.skill_id.is_(None) if skill_id is None
                                          else RubricLevel.skill_id == skill_id)
                .order_by(RubricLevel.level))]
            new = sorted(clean, key=lambda r: r.level)
            if old != new:
                s.execute(delete(RubricLevel).where(
                    RubricLevel.skill_id.is_(None) if skill_id is None else RubricLevel.skill_id == skill_id))
                s.add_all(RubricLevel(skill_id=skill_id, level=r.level, name=r.name,
                                      description=r.description) for r in new)
                tx.audit(actor, "update", "rubric", skill_id,
                         {"levels": [vars(r) for r in old]}, {"levels": [vars(r) for r in new]})
                tx.changes.add(ChangeKind.SKILL, *( [skill_id] if skill_id is not None else governed))
            return new

    @staticmethod
    def _default_levels(s: Session) -> list[RubricLevel]:
        return list(s.scalars(select(RubricLevel).where(RubricLevel.skill_id.is_(None))))

    # ----------------------------------------------------------------- activities

    def activity_skills(self, actor: Actor, activity_id: int) -> list[ActivitySkillRow]:
        with read_only(self.db) as s:
            activity_or_404(s, activity_id)
            require(s, actor, Permission.VIEW_ACTIVITY, activity_id=activity_id)
            return _activity_skills(s, activity_id)

    def set_activity_skills(self, actor: Actor, activity_id: int,
                            skills: Sequence[tuple[int, int | None]]) -> list[ActivitySkillRow]:
        """Replace the activity's target skills with ``(skill_id, target_level)`` pairs."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            activity_or_404(s, activity_id)
            require(s, actor, Permission.ASSESS_SKILLS, activity_id=activity_id)
            wanted: dict[int, int | None] = {}
            problems: list[Problem] = []
            for skill_id, target in skills:
                if s.get(Skill, skill_id) is None:
                    problems.append(Problem(f"No skill with id {skill_id}.", field="skill"))
                    continue
                if skill_id in wanted:
                    problems.append(Problem("A skill may be chosen once.", field="skill"))
                wanted[skill_id] = target
            rubrics = rubrics_for(s, wanted)
            for skill_id, target in wanted.items():
                if target is not None and target not in {r.level for r in rubrics[skill_id]}:
                    problems.append(Problem(f"Level {target} is not in the rubric of this skill.",
                                            field="target_level"))
            if problems:
                raise ValidationError("The target skills were not saved.", problems)
            current = {a.skill_id: a for a in s.scalars(
                select(ActivitySkill).where(ActivitySkill.activity_id == activity_id))}
            before = {k: v.target_level for k, v in current.items()}
            if before != wanted:
                for skill_id, row in current.items():
                    if skill_id not in wanted:
                        s.delete(row)
                    else:
                        row.target_level = wanted[skill_id]
                s.add_all(ActivitySkill(activity_id=activity_id, skill_id=k, target_level=t)
                          for k, t in wanted.items() if k not in current)
                s.flush()
                tx.audit(actor, "set_skills", "activity", activity_id,
                         {"skills": before}, {"skills": wanted})
                tx.changes.add(ChangeKind.SKILL, *wanted, *before)
                tx.changes.add(ChangeKind.ACTIVITY, activity_id)
            return _activity_skills(s, activity_id)

    # ----------------------------------------------------------------- assessments

    def assess(self, actor: Actor, activity_id: int, student_ids: Sequence[int], skill_id: int,
               level: int, evidence: str = "",
               assessed_at: datetime | date | None = None) -> list[AssessmentRow]:
        """Assess one student or a selection on one skill: a new history row for each."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            act = activity_or_404(s, activity_id)
            require(s, actor, Permission.ASSESS_SKILLS, activity_id=activity_id)
            skill = _skill(s, skill_id)
            problems: list[Problem] = []
            ids = list(dict.fromkeys(student_ids))
            if not ids:
                problems.append(Problem("Choose at least one student.", field="students"))
            enrolled = {st.id: st.name for st in _enrolled(s, activity_id)}
            outside = [i for i in ids if i not in enrolled]
            if outside:
                problems.append(Problem(
                    f"{len(outside)} of the students chosen {'is' if len(outside) == 1 else 'are'} "
                    "not enrolled in this activity.", field="students"))
            levels = {r.level: r.name for r in rubrics_for(s, [skill_id])[skill_id]}
            if isinstance(level, bool) or level not in levels:
                problems.append(Problem(f"Level {level!r} is not in the rubric of {skill.name}.",
                                        field="level"))
            when = _when(assessed_at)
            if when.date() > date.today():
                problems.append(Problem("An assessment cannot be dated in the future.", field="assessed_at"))
            evidence = (evidence or "").strip()
            if problems:
                raise ValidationError("Nothing was assessed.", problems)
            rows = [SkillAssessment(student_id=i, skill_id=skill_id, activity_id=activity_id,
                                    level=level, evidence=evidence, assessed_by=actor.id,
                                    assessed_at=when) for i in ids]
            s.add_all(rows)
            s.flush()
            for r in rows:
                tx.audit(actor, "assess", "skill_assessment", r.id, None,
                         {"student_id": r.student_id, "skill_id": skill_id, "activity_id": activity_id,
                          "level": level, "evidence": evidence, "assessed_at": when})
            tx.changes.add(ChangeKind.SKILL, skill_id)
            tx.changes.add(ChangeKind.PROGRESS, *ids)
            tx.emit(SkillAssessed(tuple(ids), skill_id, activity_id))  # badges for skill levels
            return [AssessmentRow(r.id, r.student_id, enrolled[r.student_id], skill_id, skill.name,
                                  activity_id, act.name, level, levels[level], evidence, actor.id,
                                  actor.display_name, when) for r in rows]

    def history(self, actor: Actor, student_id: int,
                skill_id: int | None = None) -> list[AssessmentRow]:
        """A student's assessments, oldest first: all of them for the student, their parent and
        admins; for a teacher, those made in the activities they lead."""
        with read_only(self.db) as s:
            if s.get(User, student_id) is None:
                raise NotFound(f"No user with id {student_id}.")
            require(s, actor, Permission.VIEW_PROGRESS, student_id=student_id)
            if skill_id is not None:
                _skill(s, skill_id)
            shown = visible(s, actor, Permission.VIEW_PROGRESS, student=SkillAssessment.student_id,
                            activity=SkillAssessment.activity_id)
            return _history(s, [student_id], skill_id, shown)

    def skills_grid(self, actor: Actor, activity_id: int) -> SkillsGrid:
        """The activity's students × skills with the latest level of each (for the Skills tab)."""
        with read_only(self.db) as s:
            act = activity_or_404(s, activity_id)
            require(s, actor, Permission.ASSESS_SKILLS, activity_id=activity_id)
            students = _enrolled(s, activity_id)
            targets = _activity_skills(s, activity_id)
            known = {t.skill_id for t in targets}
            extra = [ActivitySkillRow(k.id, k.name, k.category, None, False) for k in s.scalars(
                select(Skill).where(Skill.id.in_(
                    select(SkillAssessment.skill_id).where(SkillAssessment.activity_id == activity_id)),
                    ~Skill.id.in_(known) if known else Skill.id.is_not(None))
                .order_by(Skill.name))]
            skills = tuple(targets + extra)
            latest: dict[tuple[int, int], tuple[int, datetime]] = {}
            ids = [st.id for st in students]
            if ids and skills:
                q = (select(SkillAssessment.student_id, SkillAssessment.skill_id,
                            SkillAssessment.level, SkillAssessment.assessed_at)
                     .join(ActivityProgress, (ActivityProgress.user_id == SkillAssessment.student_id)
                           & (ActivityProgress.activity_id == activity_id))
                     .where(SkillAssessment.skill_id.in_([k.skill_id for k in skills]),
                            ActivityProgress.status.in_(_ENROLLED))
                     .order_by(SkillAssessment.assessed_at, SkillAssessment.id))
                for sid, kid, lvl, at in s.execute(q):
                    latest[(sid, kid)] = (lvl, at)  # later rows win
            return SkillsGrid(activity_id, act.name, tuple(students), skills, latest,
                              rubrics_for(s, [k.skill_id for k in skills]))

    # ----------------------------------------------------------------- participation

    def participation_summary(self, actor: Actor, activity_id: int, *,
                              today: date | None = None) -> list[ParticipationRow]:
        """Per enrolled student: average rating, trend, attendance rate and pace
        (:func:`tracker.domain.participation.summarize`)."""
        with read_only(self.db) as s:
            act = activity_or_404(s, activity_id)
            require(s, actor, Permission.VIEW_ANALYTICS, activity_id=activity_id)
            students = _enrolled(s, activity_id)
            ratings: dict[int, list[int | None]] = defaultdict(list)
            for sid, value in s.execute(
                select(AttendanceRecord.student_id, AttendanceRecord.participation)
                .join(ActivitySession, ActivitySession.id == AttendanceRecord.session_id)
                .where(ActivitySession.activity_id == activity_id,
                       ActivitySession.cancelled.is_(False),
                       AttendanceRecord.participation.is_not(None))
                .order_by(ActivitySession.starts_at, ActivitySession.id)
            ):
                ratings[sid].append(value)
            counts = stats.attendance_counts(s, activity_ids=[activity_id])
            progress = {u: (pct, joined) for u, pct, joined in s.execute(
                select(ActivityProgress.user_id, ActivityProgress.progress_percentage,
                       ActivityProgress.enrolled_on)
                .where(ActivityProgress.activity_id == activity_id))}
            day = today or date.today()
            out = []
            for st in students:
                count = counts.get((st.id, activity_id))
                done, joined = progress.get(st.id, (0.0, None))
                pct = float(done or 0.0)
                out.append(ParticipationRow(st.id, st.name, pct, summarize(
                    ratings.get(st.id, []), count.rate if count else None, pct,
                    act.start_date, act.end_date, day, joined)))
            return out


def _counts(s: Session, key: Any, *where: Any) -> dict[int, int]:
    """Rows per value of ``key`` (one GROUP BY)."""
    return {k: n for k, n in s.execute(select(key, func.count()).where(*where).group_by(key))}


def _when(value: datetime | date | None) -> datetime:
    if value is None:
        return utcnow()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, datetime.min.time())


def _activity_skills(s: Session, activity_id: int) -> list[ActivitySkillRow]:
    return [ActivitySkillRow(k.id, k.name, k.category, t) for k, t in s.execute(
        select(Skill, ActivitySkill.target_level)
        .join(ActivitySkill, ActivitySkill.skill_id == Skill.id)
        .where(ActivitySkill.activity_id == activity_id)
        .order_by(Skill.name))]


def _history(s: Session, student_ids: list[int], skill_id: int | None,
             shown: ColumnElement[bool]) -> list[AssessmentRow]:
    assessor = User.__table__.alias("assessor")
    q = (select(SkillAssessment, User.display_name, Skill.name, Activity.name, assessor.c.display_name)
         .join(User, User.id == SkillAssessment.student_id)
         .join(Skill, Skill.id == SkillAssessment.skill_id)
         .outerjoin(Activity, Activity.id == SkillAssessment.activity_id)
         .outerjoin(assessor, assessor.c.id == SkillAssessment.assessed_by)
         .where(SkillAssessment.student_id.in_(student_ids), shown)
         .order_by(SkillAssessment.assessed_at, SkillAssessment.id))
    if skill_id is not None:
        q = q.where(SkillAssessment.skill_id == skill_id)
    rows = s.execute(q).all()
    rubrics = rubrics_for(s, {r[0].skill_id for r in rows})
    out = []
    for a, student, skill, activity, by in rows:
        names = {lv.level: lv.name for lv in rubrics[a.skill_id]}
        out.append(AssessmentRow(a.id, a.student_id, student, a.skill_id, skill, a.activity_id,
                                 activity, a.level, names.get(a.level, str(a.level)), a.evidence,
                                 a.assessed_by, by, a.assessed_at))
    return out
