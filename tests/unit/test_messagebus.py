"""The one write path: changes from the transaction, a bus wired by bootstrap(db), after-commit jobs
that run only once the change committed and are kept and retried when they fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.db.messagebus import MessageBus
from tracker.db.models import ActivityProgress, PendingJob, Setting
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.events import (
    ActivityCompleted,
    MilestoneCompletionChanged,
    MilestonesTicked,
)
from tracker.errors import ValidationError
from tracker.services import Services
from tracker.services.bootstrap import AFTER_COMMIT_JOBS, EVENT_HANDLERS, bootstrap, open_database
from tracker.services.outcome import perform


def _pending(db) -> list[tuple[str, int, str | None]]:
    with read_only(db) as s:
        return [tuple(r) for r in s.execute(select(PendingJob.kind, PendingJob.attempts, PendingJob.last_error)
                                            .order_by(PendingJob.id))]


def _progress(db, student_id: int, activity_id: int) -> float:
    with read_only(db) as s:
        return s.scalar(select(ActivityProgress.progress_percentage).where(
            ActivityProgress.user_id == student_id, ActivityProgress.activity_id == activity_id))


class FlakyFile:
    """An after-commit job that writes a file, failing while ``broken`` is set (a full disk)."""

    def __init__(self) -> None:
        self.broken = False
        self.runs: list[dict] = []

    def __call__(self, db, payload: dict) -> None:
        self.runs.append(payload)
        if self.broken:
            raise OSError(28, "No space left on device", payload["path"])
        Path(payload["path"]).write_text(payload["text"])


@pytest.fixture
def flaky(school) -> FlakyFile:
    job = FlakyFile()
    bootstrap(school.services.db, jobs={"write_file": job})
    return job


def _queue_write(school, path: Path, *, fail_after: bool = False) -> None:
    """A change (a setting) plus a file to write once it is committed."""
    with unit_of_work(school.services.db) as tx:
        tx.session.add(Setting(key=f"k-{path.name}", value="1"))
        tx.changes.add(ChangeKind.SETTING)
        tx.after_commit("write_file", path=str(path), text="certificate")
        if fail_after:
            raise ValidationError("The second half of the change was refused.")


def test_an_after_commit_job_runs_once_the_change_is_committed(school, flaky, tmp_path):
    target = tmp_path / "done.txt"
    outcome = perform(lambda: _queue_write(school, target))
    assert target.read_text() == "certificate"
    assert _pending(school.services.db) == []  # done: nothing left pending
    assert outcome.changes.touches(ChangeKind.SETTING, ChangeKind.JOB) and not outcome.failed_jobs


def test_an_after_commit_job_does_not_run_when_the_transaction_rolls_back(school, flaky, tmp_path):
    target = tmp_path / "never.txt"
    with pytest.raises(ValidationError):
        _queue_write(school, target, fail_after=True)
    assert flaky.runs == [] and not target.exists()
    assert _pending(school.services.db) == []
    with read_only(school.services.db) as s:
        assert s.scalar(select(func.count()).select_from(Setting).where(Setting.key == "k-never.txt")) == 0


def test_a_failed_job_keeps_the_change_is_recorded_and_is_retried(school, flaky, tmp_path):
    db = school.services.db
    target = tmp_path / "later.txt"
    flaky.broken = True
    outcome = perform(lambda: _queue_write(school, target))
    # the change itself is committed …
    with read_only(db) as s:
        assert s.scalar(select(Setting.value).where(Setting.key == "k-later.txt")) == "1"
    # … the job is pending with its error, and the caller is told
    assert not target.exists()
    assert _pending(db) == [("write_file", 1, f"No space left on device: {target}")]
    assert [f.kind for f in outcome.failed_jobs] == ["write_file"]
    assert "No space left on device" in str(outcome.failed_jobs[0])
    # retried while still broken: still pending, one more attempt
    report = school.services.jobs.retry(school.admin)
    assert (report.done, len(report.failed)) == (0, 1)
    assert _pending(db)[0][1] == 2
    # the disk has room again: the retry writes the file and the job is gone
    flaky.broken = False
    report = school.services.jobs.retry(school.teacher)
    assert (report.done, report.failed) == (1, ())
    assert target.read_text() == "certificate" and _pending(db) == []
    assert [r["path"] for r in flaky.runs] == [str(target)] * 3


def test_pending_jobs_survive_a_restart_and_are_retried_on_the_next_start(db_path, tmp_path):
    target = tmp_path / "after-restart.txt"
    broken = FlakyFile()
    broken.broken = True
    db, _ = open_database(db_path)
    bootstrap(db, jobs={"write_file": broken})
    with unit_of_work(db) as tx:
        tx.after_commit("write_file", path=str(target), text="x")
    db.dispose()

    working = FlakyFile()
    db, _ = open_database(db_path)  # the next start
    bootstrap(db, jobs={"write_file": working})
    services = Services(db)
    admin = services.auth.create_first_admin("head", "correct-horse")
    assert [j.kind for j in services.jobs.pending(admin)] == ["write_file"]
    assert services.jobs.pending(admin)[0].last_error.startswith("No space left on device")
    assert services.jobs.retry(admin).done == 1
    assert target.read_text() == "x" and services.jobs.pending(admin) == []
    db.dispose()


def test_queueing_a_job_that_is_not_wired_is_refused_before_anything_is_written(school):
    with pytest.raises(LookupError), unit_of_work(school.services.db) as tx:
        tx.after_commit("no_such_job")
    assert _pending(school.services.db) == []


def test_bootstrap_with_no_handlers_runs_no_side_effect(school):
    s = school.services
    m = s.milestones.create_milestone(school.teacher, school.chess, title="Only one", points=10)
    bootstrap(s.db, handlers={})
    s.milestones.complete_milestone(school.teacher, m.id, school.student.id)
    assert _progress(s.db, school.student.id, school.chess) == 0  # nothing recomputed it
    bootstrap(s.db)  # the real table
    s.milestones.complete_milestone(school.teacher, m.id, school.other_student.id)
    assert _progress(s.db, school.other_student.id, school.chess) == 100


def test_a_new_handler_is_one_function_and_one_line_and_sees_bulk_ticks(school):
    """What a badge rule will do: count ticks, whether single or bulk, inside the transaction."""
    s = school.services
    seen: list[tuple[int, ...]] = []

    def count_ticks(tx, event) -> None:
        ids = event.student_ids if isinstance(event, MilestonesTicked) else (event.student_id,)
        if event.completed:
            seen.append(tuple(ids))

    handlers = {**EVENT_HANDLERS,
                MilestoneCompletionChanged: [*EVENT_HANDLERS[MilestoneCompletionChanged], count_ticks],
                MilestonesTicked: [*EVENT_HANDLERS[MilestonesTicked], count_ticks]}
    bootstrap(s.db, handlers=handlers, jobs=AFTER_COMMIT_JOBS)
    a = s.milestones.create_milestone(school.teacher, school.chess, title="A", points=10)
    b = s.milestones.create_milestone(school.teacher, school.chess, title="B", points=10)
    s.milestones.complete_milestone(school.teacher, a.id, school.student.id)
    s.milestones.complete_for_students(school.teacher, b.id, [school.student.id, school.other_student.id])
    assert seen == [(school.student.id,), (school.student.id, school.other_student.id)]
    # and the bulk tick still recomputed progress through the wired handler
    assert _progress(s.db, school.student.id, school.chess) == 100
    assert _progress(s.db, school.other_student.id, school.chess) == 50


def test_a_handler_that_fails_rolls_back_the_whole_change(school):
    s = school.services
    m = s.milestones.create_milestone(school.teacher, school.chess, title="Only", points=10)

    def refuse(tx, event: ActivityCompleted) -> None:
        raise ValidationError("The certificate could not be registered.")

    bootstrap(s.db, handlers={**EVENT_HANDLERS, ActivityCompleted: [refuse]})
    with pytest.raises(ValidationError):
        s.milestones.complete_milestone(school.teacher, m.id, school.student.id)
    assert _progress(s.db, school.student.id, school.chess) == 0
    with read_only(s.db) as session:
        assert session.scalar(select(func.count()).select_from(ActivityProgress).where(
            ActivityProgress.status == "completed")) == 0


def test_a_write_returns_the_changes_its_unit_of_work_collected(school):
    s = school.services
    outcome = perform(lambda: s.milestones.create_milestone(school.teacher, school.chess, title="New"))
    assert outcome.result.title == "New"
    assert outcome.changes.of(ChangeKind.MILESTONE) == {outcome.result.id}
    # a refused write collects nothing
    with pytest.raises(ValidationError):
        perform(lambda: s.milestones.create_milestone(school.teacher, school.chess, title=" "))


def test_a_partly_committed_write_carries_what_was_committed(school):
    s = school.services

    def two_steps() -> None:
        s.milestones.create_milestone(school.teacher, school.chess, title="First")
        s.milestones.create_milestone(school.teacher, school.chess, title=" ")

    with pytest.raises(ValidationError) as e:
        perform(two_steps)
    assert e.value.committed.changes.touches(ChangeKind.MILESTONE)  # type: ignore[attr-defined]


def test_change_kinds_are_checked():
    changes = Changes()
    with pytest.raises(TypeError):
        changes.add("attendance_status", 1)  # type: ignore[arg-type]
    changes.add(ChangeKind.ATTENDANCE, 4, None)
    assert changes.of(ChangeKind.ATTENDANCE) == {4} and changes.kinds == {ChangeKind.ATTENDANCE}


def test_a_database_without_a_bus_refuses_to_write(db_path):
    from tracker.db.engine import Database

    db = Database.connect(db_path)
    try:
        with pytest.raises(RuntimeError, match="bootstrap"), unit_of_work(db):
            pass
        assert isinstance(bootstrap(db), MessageBus)
    finally:
        db.dispose()


def test_a_write_that_is_safe_to_repeat_is_retried_while_the_database_is_busy(school):
    from tracker.errors import DatabaseBusy

    calls: list[int] = []

    def busy_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise DatabaseBusy("The database is busy with another change; try again in a moment.")
        return "saved"

    assert perform(busy_twice, busy_retries=3, pause=0).result == "saved" and len(calls) == 3
    calls.clear()
    with pytest.raises(DatabaseBusy):
        perform(busy_twice, busy_retries=0, pause=0)
    assert len(calls) == 1
