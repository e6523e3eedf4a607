"""records and privacy: when a student left, and when their personal details were erased

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (nullable, no default): no table copy, so the many tables that point at
    # users are untouched on SQLite
    op.add_column('users', sa.Column('left_on', sa.Date(), nullable=True))
    op.add_column('users', sa.Column('erased_at', sa.DateTime(), nullable=True))
    # people who are already inactive left on the day they were last changed: the retention
    # setting can then propose them without anyone re-entering dates
    users = sa.table('users', sa.column('left_on', sa.Date()), sa.column('updated_at', sa.DateTime()),
                     sa.column('active', sa.Boolean()), sa.column('role', sa.String()))
    op.execute(users.update()
               .where(users.c.active.is_(False), users.c.role == 'student')
               .values(left_on=sa.cast(users.c.updated_at, sa.Date())))


def downgrade() -> None:
    # ALTER TABLE DROP COLUMN (SQLite ≥ 3.35), not a batch copy: dropping the users table to
    # copy it would cascade-delete every row that points at a user
    op.drop_column('users', 'erased_at')
    op.drop_column('users', 'left_on')
