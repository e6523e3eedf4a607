"""Signing in, lockout, passwords and the first administrator (issue 2, part 4)."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

import tracker.services.auth as auth
from tracker.db.models import User, utcnow
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.enums import Role
from tracker.errors import AuthError, PermissionDenied, ValidationError
from tracker.services.people import UserInput

from ..conftest import CHEAP_HASHER, PASSWORD


def _user(services, username: str) -> SimpleNamespace:
    """The stored row, as plain values (read-only sessions expire their objects)."""
    with read_only(services.db) as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        return SimpleNamespace(**{c.key: getattr(user, c.key) for c in User.__table__.columns})


def _fail(services, username: str, times: int) -> list[str]:
    messages = []
    for _ in range(times):
        with pytest.raises(AuthError) as err:
            services.auth.login(username, "wrong-password")
        messages.append(str(err.value))
    return messages


def test_user_signs_in_with_the_right_password(school):
    actor = school.services.auth.login("tina", PASSWORD)
    assert (actor.id, actor.username, actor.role) == (school.teacher.id, "tina", Role.TEACHER)
    assert _user(school.services, "tina").last_login_at is not None


def test_username_is_matched_without_case_and_spaces(school):
    assert school.services.auth.login("  TINA ", PASSWORD).id == school.teacher.id


def test_wrong_password_and_unknown_user_get_the_same_message(school):
    with pytest.raises(AuthError) as wrong:
        school.services.auth.login("tina", "not-the-password")
    with pytest.raises(AuthError) as unknown:
        school.services.auth.login("nobody", "not-the-password")
    assert str(wrong.value) == str(unknown.value) == "Wrong username or password."


def test_wrong_password_counts_and_success_resets_the_counter(school):
    _fail(school.services, "tina", 3)
    assert _user(school.services, "tina").failed_logins == 3
    school.services.auth.login("tina", PASSWORD)
    assert _user(school.services, "tina").failed_logins == 0


def test_five_wrong_passwords_lock_the_account_for_five_minutes(school):
    messages = _fail(school.services, "tina", 5)
    # the same words as for an unknown username until the account is actually locked
    assert messages[:4] == ["Wrong username or password."] * 4
    assert "locked for 5 minutes" in messages[4]
    user = _user(school.services, "tina")
    assert user.locked_until is not None
    assert timedelta(minutes=4) < user.locked_until - utcnow() <= timedelta(minutes=5)
    # even the right password is refused while locked, with a plain message
    with pytest.raises(AuthError) as err:
        school.services.auth.login("tina", PASSWORD)
    assert "locked" in str(err.value) and "Try again in 5 minutes" in str(err.value)


def test_lock_expires_after_five_minutes(school, monkeypatch):
    _fail(school.services, "tina", 5)
    later = utcnow() + auth.LOCKOUT + timedelta(seconds=1)
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    assert school.services.auth.login("tina", PASSWORD).id == school.teacher.id
    assert _user(school.services, "tina").locked_until is None


def test_lock_expires_when_locked_until_has_passed_in_the_database(school):
    _fail(school.services, "tina", 5)
    with unit_of_work(school.services.db) as tx:
        user = tx.session.scalar(select(User).where(User.username == "tina"))
        user.locked_until = utcnow() - timedelta(seconds=1)
    assert school.services.auth.login("tina", PASSWORD).username == "tina"


def test_locked_account_does_not_count_more_failures(school):
    _fail(school.services, "tina", 5)
    until = _user(school.services, "tina").locked_until
    _fail(school.services, "tina", 3)
    user = _user(school.services, "tina")
    assert user.locked_until == until and user.failed_logins == 0


def test_disabled_account_cannot_sign_in(school):
    school.services.people.set_active(school.admin, school.teacher.id, False)
    with pytest.raises(AuthError, match="disabled"):
        school.services.auth.login("tina", PASSWORD)


def test_account_without_password_cannot_sign_in(school):
    s = school.services
    info = s.people.create_user(school.admin, UserInput("nopw", "No Password", Role.STUDENT))
    assert not info.can_sign_in
    for attempt in ("", "anything-at-all"):
        with pytest.raises(AuthError):
            s.auth.login("nopw", attempt)
    s.auth.reset_password(school.admin, school.teacher.id, None)
    with pytest.raises(AuthError):
        s.auth.login("tina", PASSWORD)


def test_user_changes_own_password(school):
    s = school.services
    s.auth.change_password(school.teacher, PASSWORD, "a-brand-new-one")
    with pytest.raises(AuthError):
        s.auth.login("tina", PASSWORD)
    assert s.auth.login("tina", "a-brand-new-one").id == school.teacher.id


def test_change_password_with_wrong_current_password_changes_nothing(school):
    s = school.services
    before = _user(s, "tina").password_hash
    with pytest.raises(ValidationError) as err:
        s.auth.change_password(school.teacher, "not-my-password", "a-brand-new-one")
    assert err.value.problems and err.value.problems[0].field == "current password"
    assert _user(s, "tina").password_hash == before


@pytest.mark.parametrize("new", ["short", "       ", " padded password "])
def test_change_password_refuses_a_weak_new_password(school, new):
    s = school.services
    before = _user(s, "tina").password_hash
    with pytest.raises(ValidationError):
        s.auth.change_password(school.teacher, PASSWORD, new)
    assert _user(s, "tina").password_hash == before


def test_admin_resets_a_password_and_unlocks(school):
    s = school.services
    _fail(s, "tina", 5)
    s.auth.reset_password(school.admin, school.teacher.id, "reset-by-admin")
    user = _user(s, "tina")
    assert user.locked_until is None and user.failed_logins == 0
    assert s.auth.login("tina", "reset-by-admin").id == school.teacher.id


def test_admin_unlocks_a_locked_account(school):
    s = school.services
    _fail(s, "tina", 5)
    s.auth.unlock(school.admin, school.teacher.id)
    assert s.auth.login("tina", PASSWORD).id == school.teacher.id


def test_reset_password_refuses_a_short_password(school):
    with pytest.raises(ValidationError):
        school.services.auth.reset_password(school.admin, school.teacher.id, "short")
    assert school.services.auth.login("tina", PASSWORD)


def test_only_an_admin_resets_passwords_or_unlocks(school):
    s = school.services
    for actor in (school.teacher, school.student, school.parent):
        with pytest.raises(PermissionDenied):
            s.auth.reset_password(actor, school.other_student.id, "hijacked-pass")
        with pytest.raises(PermissionDenied):
            s.auth.unlock(actor, school.other_student.id)
    assert s.auth.login("olga", PASSWORD)


def test_first_admin_is_created_only_when_none_exists(services):
    assert not services.auth.has_admin()
    admin = services.auth.create_first_admin("head", PASSWORD, "Head Teacher")
    assert admin.role is Role.ADMIN and admin.display_name == "Head Teacher"
    assert services.auth.has_admin()
    with pytest.raises(ValidationError, match="already exists"):
        services.auth.create_first_admin("second", PASSWORD)
    with read_only(services.db) as s:
        assert s.scalar(select(User).where(User.username == "second")) is None


def test_first_admin_needs_a_valid_username_and_password(services):
    with pytest.raises(ValidationError):
        services.auth.create_first_admin("x", PASSWORD)
    with pytest.raises(ValidationError):
        services.auth.create_first_admin("head", "short")
    assert not services.auth.has_admin()


def test_passwords_are_stored_as_argon2id_hashes(services, real_hasher):
    services.auth.create_first_admin("head", PASSWORD)
    stored = _user(services, "head").password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert not real_hasher.check_needs_rehash(stored)


def test_weak_hash_parameters_are_upgraded_at_sign_in(services, real_hasher):
    services.auth.create_first_admin("head", PASSWORD)
    with unit_of_work(services.db) as tx:
        user = tx.session.scalar(select(User).where(User.username == "head"))
        user.password_hash = CHEAP_HASHER.hash(PASSWORD)
    services.auth.login("head", PASSWORD)
    stored = _user(services, "head").password_hash
    assert stored.startswith("$argon2id$") and not real_hasher.check_needs_rehash(stored)


def test_verify_password_unlocks_an_idle_window_with_the_same_lockout(school):
    s = school.services
    assert s.auth.verify_password(school.teacher, PASSWORD).id == school.teacher.id
    _fail(s, "tina", 5)
    with pytest.raises(AuthError, match="locked"):
        s.auth.verify_password(school.teacher, PASSWORD)


def test_two_workstations_signing_in_at_once_both_succeed(school, monkeypatch):
    """Both read the account, then both record the sign-in: neither may get a conflict."""
    barrier = threading.Barrier(2, timeout=10)
    check = auth.password_matches

    def slow_check(stored: str | None, password: str) -> bool:
        ok = check(stored, password)
        barrier.wait()  # both have read the row before either writes
        return ok

    monkeypatch.setattr(auth, "password_matches", slow_check)
    results: list[str] = []

    def sign_in(password: str) -> None:
        try:
            results.append(school.services.auth.login("tina", password).username)
        except Exception as exc:  # noqa: BLE001 - the test reports what happened
            results.append(type(exc).__name__ + (f": {exc}" if isinstance(exc, AuthError) else ""))

    threads = [threading.Thread(target=sign_in, args=(PASSWORD,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == ["tina", "tina"]

    results.clear()  # two wrong passwords at once: both count, none is lost
    threads = [threading.Thread(target=sign_in, args=("wrong-password",)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["AuthError: Wrong username or password."] * 2
    assert _user(school.services, "tina").failed_logins == 2


def test_signing_in_does_not_make_an_open_edit_form_conflict(school):
    s = school.services
    opened = s.people.get_user(school.admin, school.teacher.id)
    s.auth.login("tina", PASSWORD)
    with pytest.raises(AuthError):
        s.auth.login("tina", "wrong-password")
    saved = s.people.update_user(school.admin, school.teacher.id,
                                 UserInput("tina", "Tina T.", Role.TEACHER),
                                 expected_version=opened.version)
    assert saved.display_name == "Tina T."


def test_an_unknown_username_gets_the_same_answer_after_the_same_work(school, monkeypatch):
    """No account enumeration: an unknown name is refused with the same message, after one
    password hash check just like a known one (so it takes as long)."""
    checks: list[str] = []
    real = auth.password_matches

    def counted(stored, password):  # type: ignore[no-untyped-def]
        checks.append(stored)
        return real(stored, password)

    monkeypatch.setattr(auth, "password_matches", counted)
    answers = []
    for name in ("tina", "nobody-here"):
        with pytest.raises(AuthError) as err:
            school.services.auth.login(name, "wrong-password")
        answers.append(str(err.value))
    assert answers == ["Wrong username or password."] * 2
    assert len(checks) == 2 and all(c.startswith("$argon2id$") for c in checks)


def test_guessing_in_parallel_gets_no_more_checks_than_the_limit(school, monkeypatch):
    """Eight workstations guessing at once: at most five passwords are ever checked."""
    checks: list[int] = []
    real = auth.password_matches
    barrier = threading.Barrier(5, timeout=2)

    def slow(stored, password):  # type: ignore[no-untyped-def]
        checks.append(1)
        try:
            barrier.wait()  # the first five are all checking at the same moment
        except threading.BrokenBarrierError:
            pass
        return real(stored, password)

    monkeypatch.setattr(auth, "password_matches", slow)
    errors: list[str] = []

    def guess() -> None:
        try:
            school.services.auth.login("tina", "wrong-password")
        except AuthError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(errors) == 8 and len(checks) <= auth.MAX_FAILED_LOGINS
    assert _user(school.services, "tina").locked_until is not None
    with pytest.raises(AuthError, match="locked"):
        school.services.auth.login("tina", PASSWORD)
