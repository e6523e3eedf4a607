"""The certificate registry on PostgreSQL: the same tests as on SQLite (tests/unit), with the
`school` fixture on the server (tests/pg/conftest.py overrides `db`)."""

from __future__ import annotations

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
