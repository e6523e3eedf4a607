"""Alembic environment: always run with a connection handed in by tracker.db.migrate."""

from __future__ import annotations

from alembic import context

from tracker.db.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # `alembic` CLI use: build an engine from the configured URL
        from tracker.db.engine import make_engine

        engine = make_engine(context.config.get_main_option("sqlalchemy.url") or None)
        with engine.connect() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
