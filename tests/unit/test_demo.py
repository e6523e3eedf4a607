"""The demo school: deterministic, safe with existing files, consistent with the progress rules."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.api import TrackerAPI
from tracker.cli import main
from tracker.db.models import Activity, ActivityProgress, ActivitySession, AttendanceRecord, Holiday
from tracker.demo import (
    DemoCancelled,
    DemoOptions,
    DemoResult,
    describe_accounts,
    generate_demo,
    sessions_for_largest,
)
from tracker.demo.school import term_dates
from tracker.domain.enums import ProgressStatus
from tracker.domain.progress import CompletionRule, check_completion, progress_percentage
from tracker.errors import NotFound, ValidationError
from tracker.services import stats
from tracker.services.bootstrap import open_database
from tracker.services.progress_rows import progress_rows

PASSWORD = "demo-pass-2026"
TODAY = date(2026, 3, 18)  # a fixed day in the past: the same school every run


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult]:
    """One small school shared by the read-only tests (built with the real today)."""
    path = tmp_path_factory.mktemp("demo") / "school.db"
    return path, generate_demo(path, DemoOptions(students=60, seed=7))


def _snapshot(path: Path) -> tuple[list[tuple[object, ...]], ...]:
    con = sqlite3.connect(path)
    try:
        return (
            con.execute("SELECT username, display_name, role FROM users ORDER BY id").fetchall(),
            con.execute("SELECT session_id, student_id, status_id, participation "
                        "FROM attendance_records ORDER BY id").fetchall(),
            con.execute("SELECT user_id, activity_id, status, progress_percentage "
                        "FROM activity_progress ORDER BY id").fetchall(),
        )
    finally:
        con.close()


def test_same_seed_and_day_give_the_same_school(tmp_path: Path) -> None:
    opts = DemoOptions(students=40, seed=3, today=TODAY)
    generate_demo(tmp_path / "a.db", opts)
    generate_demo(tmp_path / "b.db", opts)
    first, second = _snapshot(tmp_path / "a.db"), _snapshot(tmp_path / "b.db")
    assert first == second
    assert len(first[1]) > 100  # attendance was taken
    generate_demo(tmp_path / "c.db", DemoOptions(students=40, seed=4, today=TODAY))
    assert _snapshot(tmp_path / "c.db")[0] != first[0]


def test_refuses_to_overwrite_an_existing_file_without_force(tmp_path: Path) -> None:
    path = tmp_path / "school.db"
    path.write_bytes(b"precious data")
    with pytest.raises(ValidationError, match="--force"):
        generate_demo(path, DemoOptions(students=10))
    assert path.read_bytes() == b"precious data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["school.db"]


def test_force_replaces_an_existing_school(tmp_path: Path) -> None:
    path = tmp_path / "school.db"
    generate_demo(path, DemoOptions(students=30, seed=1, today=TODAY))
    result = generate_demo(path, DemoOptions(students=12, seed=2, today=TODAY, force=True))
    users = _snapshot(path)[0]
    assert sum(1 for _, _, role in users if role == "student") == 12
    assert result.counts["users"] == len(users)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["school.db"]


@pytest.mark.parametrize("students", [0, -5, 20_001])
def test_bad_student_count_is_refused_before_anything_is_written(tmp_path: Path, students: int) -> None:
    with pytest.raises(ValidationError, match="between 1 and 20,000"):
        DemoOptions(students=students)
    path = tmp_path / "school.db"
    assert main(["demo", "--db", str(path), "--students", str(students)]) == 1
    assert not path.exists()


def test_short_password_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 8"):
        DemoOptions(password="short")


def test_cancel_leaves_no_file_behind(tmp_path: Path) -> None:
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 6

    with pytest.raises(DemoCancelled, match="nothing was written"):
        generate_demo(tmp_path / "school.db", DemoOptions(students=40), cancelled=cancelled)
    assert list(tmp_path.iterdir()) == []


def test_cancel_while_writing_rolls_back_and_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "school.db"
    generate_demo(path, DemoOptions(students=10, seed=1, today=TODAY))
    before = _snapshot(path)
    writing: list[str] = []

    def progress(_done: int, _total: int, text: str) -> None:
        if text.startswith("Writing attendance"):
            writing.append(text)

    with pytest.raises(DemoCancelled):
        generate_demo(path, DemoOptions(students=40, seed=2, force=True), progress=progress,
                      cancelled=lambda: bool(writing))
    assert _snapshot(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["school.db"]


def test_progress_is_reported_up_to_done(tmp_path: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    generate_demo(tmp_path / "s.db", DemoOptions(students=5), progress=lambda d, t, x: seen.append((d, t, x)))
    assert seen[-1] == (100, 100, "Done")
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)


def test_every_kind_of_demo_account_can_sign_in(demo: tuple[Path, DemoResult]) -> None:
    path, result = demo
    roles = {role for role, _, _ in result.accounts}
    assert roles == {"admin", "teacher", "student", "parent"}
    api = TrackerAPI.open(path)
    try:
        for role in ("admin", "teacher", "student", "parent"):
            username = next(u for r, u, _ in result.accounts if r == role)
            actor = api.login(username, PASSWORD)
            assert actor.role.value == role
        admin = api.login("admin", PASSWORD)
        assert len(api.list_activities(admin)) == 25
    finally:
        api.close()


def test_describe_accounts_names_real_users_and_the_password(demo: tuple[Path, DemoResult]) -> None:
    path, result = demo
    text = describe_accounts(path, PASSWORD)
    assert PASSWORD in text
    assert "  admin     admin" in text
    for _role, username, _name in result.accounts:
        assert username in text
    assert "leads " in text and "parent of " in text
    with pytest.raises(NotFound):
        describe_accounts(path.with_name("missing.db"), PASSWORD)


def test_stored_progress_and_status_agree_with_the_services(demo: tuple[Path, DemoResult]) -> None:
    path, _ = demo
    db, _ = open_database(path)
    try:
        with db.session_factory() as s:
            rows = progress_rows(s)
            acts = {r.activity_id for r in rows}
            milestones = stats.milestones_of(s, acts)
            done = stats.completed_milestones(s)
            counts = stats.attendance_counts(s)
            enrollments = {p.id: p for p in s.scalars(select(ActivityProgress))}
            rules = {a.id: CompletionRule(a.require_milestones, a.min_attendance_pct, a.requires_signoff)
                     for a in s.scalars(select(Activity))}
    finally:
        db.dispose()
    statuses = {r.status for r in rows}
    assert {ProgressStatus.ACTIVE, ProgressStatus.COMPLETED, ProgressStatus.DROPPED} <= statuses
    for r in rows:
        states = stats.milestone_states(milestones[r.activity_id], done.get(r.user_id, set()))
        assert r.progress_percentage == progress_percentage(states), r
        count = counts.get((r.user_id, r.activity_id), stats.AttendanceCount(0, 0, 0))
        signed = enrollments[r.id].signed_off_at is not None
        check = check_completion(rules[r.activity_id], states, count.rate, signed)
        if r.status is ProgressStatus.ACTIVE:
            assert r.missing, f"{r.student} meets the rule of {r.activity} but is still active"
            assert not check.complete
        if r.status is ProgressStatus.COMPLETED:
            assert check.complete, (r, check)
            assert r.completed_at is not None and not enrollments[r.id].status_manual


def test_attendance_only_for_held_sessions_while_enrolled(demo: tuple[Path, DemoResult]) -> None:
    path, _ = demo
    db, _ = open_database(path)
    try:
        with db.session_factory() as s:
            bad = s.execute(
                select(AttendanceRecord.id)
                .join(ActivitySession, ActivitySession.id == AttendanceRecord.session_id)
                .join(ActivityProgress, (ActivityProgress.activity_id == ActivitySession.activity_id)
                      & (ActivityProgress.user_id == AttendanceRecord.student_id))
                .where(ActivitySession.cancelled
                       | (ActivitySession.starts_at > datetime.now())
                       | (ActivityProgress.enrolled_on.is_(None))
                       | (ActivityProgress.enrolled_on > ActivitySession.starts_at)
                       | (ActivityProgress.dropped_on <= ActivitySession.starts_at))
            ).all()
            holidays = set(s.scalars(select(Holiday.day)))
            days = {t.date() for t in s.scalars(select(ActivitySession.starts_at))}
    finally:
        db.dispose()
    assert bad == []
    start, end = term_dates(date.today())
    assert len(holidays) >= 2 and all(start <= d <= end for d in holidays)
    assert not holidays & days


def test_largest_activity_scales_to_two_hundred_sessions() -> None:
    assert sessions_for_largest(2000) == 200
    assert sessions_for_largest(20_000) == 200
    assert sessions_for_largest(1000) == 100
    assert sessions_for_largest(600) == 60
    assert sessions_for_largest(10) == 32


def test_largest_activity_has_the_planned_sessions(demo: tuple[Path, DemoResult]) -> None:
    path, result = demo
    con = sqlite3.connect(path)
    try:
        per_activity = con.execute(
            "SELECT count(*) FROM activity_sessions GROUP BY activity_id ORDER BY activity_id"
        ).fetchall()
        enrolled = con.execute(
            "SELECT activity_id, count(*) FROM activity_progress GROUP BY activity_id ORDER BY 2 DESC"
        ).fetchone()
    finally:
        con.close()
    assert per_activity[0][0] == sessions_for_largest(60)
    assert enrolled[0] == 1  # the first activity is the largest
    assert result.counts["activity_sessions"] == sum(n for (n,) in per_activity)


def test_cli_creates_a_demo_and_prints_the_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cli.db"
    assert main(["demo", "--db", str(path), "--students", "50", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Created demo school" in out and "admin" in out and PASSWORD in out
    assert main(["demo", "--db", str(path), "--students", "50"]) == 1
    assert "--force" in capsys.readouterr().err


def test_cli_names_every_teacher_and_writes_every_account_to_a_private_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import stat

    path = tmp_path / "cli.db"
    assert main(["demo", "--db", str(path), "--students", "30", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    con = sqlite3.connect(path)
    try:
        accounts = con.execute("SELECT role, username FROM users").fetchall()
    finally:
        con.close()
    teachers = [u for role, u in accounts if role == "teacher"]
    assert len(teachers) == 12 and all(f"  teacher   {u} (" in out for u in teachers)
    assert "more teachers" not in out
    listing = tmp_path / "cli-accounts.txt"
    assert f"All {len(accounts)} accounts (students and parents too) are listed in {listing}\n" in out
    text = listing.read_text(encoding="utf-8")
    assert f"Password for every account: {PASSWORD}" in text
    assert all(f" {u} " in text for _, u in accounts)
    assert "leads " in text and "parent of " in text
    if os.name == "posix":
        assert stat.S_IMODE(listing.stat().st_mode) == 0o600
    assert main(["demo", "--db", str(path), "--if-missing"]) == 0
    again = capsys.readouterr().out
    assert all(u in again for u in teachers) and f"Every account is listed in {listing}" in again


def test_the_short_block_keeps_three_teachers_unless_asked(demo: tuple[Path, DemoResult]) -> None:
    path, _ = demo
    assert "… and 9 more teachers" in describe_accounts(path, PASSWORD)
    assert describe_accounts(path, PASSWORD, every_teacher=True).count("  teacher   ") == 12


def test_every_demo_account_has_notifications_read_unread_and_grouped(demo: tuple[Path, DemoResult]) -> None:
    path, result = demo
    api = TrackerAPI.open(path)
    try:
        seen: list[dict[str, object]] = []
        for role, username, _name in result.accounts:
            mine = api.notifications(api.login(username, PASSWORD))
            assert mine, f"{role} {username} has an empty inbox"
            seen += mine
        with api.db.engine.connect() as con:
            counts = [c for (c,) in con.exec_driver_sql("SELECT count FROM notifications")]
        assert any(n["read"] for n in seen) and not all(n["read"] for n in seen)
        assert max(counts) > 1  # a grouped notice
        assert {"milestone_completed", "low_attendance"} <= {n["kind"] for n in seen}
    finally:
        api.close()
