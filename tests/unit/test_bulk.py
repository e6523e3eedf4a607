"""Rows prepared for the driver before the write lock are stored exactly as SQLAlchemy stores them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, text

from tracker.db.bulk import PreparedInsert
from tracker.db.models import User
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.enums import Role


def test_a_prepared_insert_stores_what_core_stores(services) -> None:
    db = services.db
    table = User.__table__
    at = datetime(2026, 12, 1, 15, 4, 5, 123456)
    row = {"display_name": "Đặng Văn Lâm", "role": Role.STUDENT, "active": True, "created_at": at,
           "updated_at": at}
    prepared = PreparedInsert(db.engine.dialect, table, insert(table), [{**row, "username": "prepared", "uid": "u1"}])
    assert prepared.sql is not None  # SQLite: values converted now, before any lock
    with unit_of_work(db) as tx:
        prepared.run(tx.session)
        tx.session.execute(insert(table), [{**row, "username": "core", "uid": "u2"}])
    with read_only(db) as s:
        raw = s.execute(text("SELECT username, display_name, role, active, created_at, version, failed_logins "
                             "FROM users WHERE username IN ('prepared', 'core') ORDER BY username DESC")).all()
        assert raw[0][1:] == raw[1][1:]  # same text, same enum value, same date format, same defaults
        users = s.scalars(select(User).where(User.username.in_(["prepared", "core"]))).all()
        assert {(u.role, u.created_at, u.version) for u in users} == {(Role.STUDENT, at, 1)}
