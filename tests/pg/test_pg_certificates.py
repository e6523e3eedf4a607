"""The certificate registry on PostgreSQL: the same tests as on SQLite (tests/unit), with the
`school` fixture on the server (tests/pg/conftest.py overrides `db`)."""

from __future__ import annotations

import threading

from tests.conftest import PASSWORD, School
from tests.unit.test_certificates import (  # noqa: F401 - collected here as PostgreSQL tests
    test_a_file_that_cannot_be_written_stays_pending_and_is_retried,
    test_completing_again_keeps_the_certificate_and_reverting_does_not_delete_it,
    test_issue_writes_into_out_dir_and_reuses_a_valid_certificate,
    test_reissue_gives_a_new_serial_and_supersedes_the_old_one,
    test_revoke_needs_a_reason_and_verifies_as_revoked,
    test_rotation_keeps_old_certificates_verifiable,
    test_tampered_foreign_and_unknown_tokens,
    test_the_token_verifies_with_an_independent_jose_library,
)
from tracker.domain.enums import Role
from tracker.services import Services
from tracker.services.people import UserInput


def test_workstations_issuing_at_the_same_moment_never_share_a_serial(school: School, db) -> None:
    """Serials count up within the year; two servers' sessions reading the same maximum would
    collide. The signing key's row lock orders them: every issue succeeds, every serial differs."""
    s = school.services
    s.certificates.public_key()  # the key exists before the race (created once, at setup)
    students = [s.people.create_user(school.admin, UserInput(f"race{i}", f"Race Student {i}", Role.STUDENT,
                                                             password=PASSWORD)).id for i in range(12)]
    stations = [s, Services(type(db).connect(db.url)), Services(type(db).connect(db.url))]
    barrier = threading.Barrier(len(stations), timeout=20)
    errors: list[BaseException] = []

    def issue(services: Services, mine: list[int]) -> None:
        barrier.wait()
        for student in mine:
            try:
                services.certificates.issue(school.admin, school.chess, [student], force=True)
            except BaseException as exc:  # noqa: BLE001 - the test asserts there are none
                errors.append(exc)

    threads = [threading.Thread(target=issue, args=(station, students[i::len(stations)]))
               for i, station in enumerate(stations)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for station in stations[1:]:
            station.db.dispose()
    assert errors == []
    serials = [c.serial for c in s.certificates.list_for_activity(school.admin, school.chess)]
    assert len(serials) == len(students) == len(set(serials))
