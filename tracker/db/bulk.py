"""Bulk inserts prepared ahead of the write lock.

A roster import writes tens of thousands of rows. Through the ORM or Core, most of the time goes
into SQLAlchemy turning each value into what the driver takes (dates to text, enums to their
values) — time during which SQLite's one write lock would be held, and every other workstation
would wait. A :class:`PreparedInsert` does that conversion when it is made (before the lock),
with SQLAlchemy's own bind processors for the database's dialect, so that under the lock only the
driver's ``executemany`` runs. Rows that refer to rows inserted in the same write name them by
``uid`` in a scalar subquery, so that nothing needs an id before the lock is taken.

Dialects whose parameters are not positional (psycopg) take the Core path: on PostgreSQL a
writer locks only the rows it writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

CHUNK = 2000


class PreparedInsert:
    def __init__(self, dialect: Dialect, table: Table, stmt: Insert, rows: Sequence[Mapping[str, Any]]) -> None:
        self.stmt = stmt
        self.rows = list(rows)
        self.sql: str | None = None
        self.values: list[tuple[Any, ...]] = []
        if not self.rows or dialect.paramstyle != "qmark":
            return
        compiled = stmt.compile(dialect=dialect, column_keys=list(self.rows[0]))
        names = compiled.positiontup or []
        processors: Mapping[str, Any] = compiled._bind_processors  # what SQLAlchemy applies to each value
        defaults = {c.key: c.default for c in table.c if c.default is not None}

        def value(row: Mapping[str, Any], name: str) -> Any:
            if name in row:
                v = row[name]
            else:  # a column default SQLAlchemy would have filled in
                default: Any = defaults[name]
                v = default.arg(None) if default.is_callable else default.arg
            process = processors.get(name)
            return process(v) if process is not None and v is not None else v

        self.sql = compiled.string
        self.values = [tuple(value(row, n) for n in names) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def run(self, session: Session) -> None:
        """Insert the rows (under the write lock: only the driver's work is left)."""
        if not self.rows:
            return
        if self.sql is not None:
            session.connection().exec_driver_sql(self.sql, self.values)  # type: ignore[arg-type]
            return
        for i in range(0, len(self.rows), CHUNK):
            session.execute(self.stmt, self.rows[i:i + CHUNK])
