"""certificates: the school's signing keys, signed tokens, issue-on-completion setting

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signing_keys',
        sa.Column('private_pem', sa.Text(), nullable=False),
        sa.Column('public_raw', sa.LargeBinary(length=32), nullable=False),
        sa.Column('did', sa.String(length=120), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_keys')),
        sa.UniqueConstraint('did', name=op.f('uq_signing_keys_did')),
        sa.UniqueConstraint('uid', name=op.f('uq_signing_keys_uid')),
    )
    # plain ADD COLUMN, never a batch (table copy): on SQLite, dropping the old ``activities`` table
    # would cascade-delete every enrollment, session and attendance record that points at it
    op.add_column('certificates', sa.Column('supersede_reason', sa.String(length=500), nullable=True))
    op.add_column('certificates', sa.Column('token', sa.Text(), nullable=True))
    op.add_column('activities', sa.Column('certificate_on_completion', sa.Boolean(), nullable=False,
                                          server_default=sa.true()))


def downgrade() -> None:
    op.drop_column('activities', 'certificate_on_completion')  # ALTER TABLE DROP COLUMN: no table copy
    op.drop_column('certificates', 'token')
    op.drop_column('certificates', 'supersede_reason')
    op.drop_table('signing_keys')
