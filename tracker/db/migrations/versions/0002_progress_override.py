"""progress override: why, who and when a teacher set status or progress by hand

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 04:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activity_progress') as batch:
        batch.add_column(sa.Column('override_note', sa.Text(), nullable=True))
        batch.add_column(sa.Column('override_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('override_at', sa.DateTime(), nullable=True))
        batch.create_foreign_key(op.f('fk_activity_progress_override_by_users'), 'users',
                                 ['override_by'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('activity_progress') as batch:
        batch.drop_constraint(op.f('fk_activity_progress_override_by_users'), type_='foreignkey')
        batch.drop_column('override_at')
        batch.drop_column('override_by')
        batch.drop_column('override_note')
