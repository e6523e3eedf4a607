"""offline work on a shared database: applied change keys, the replica's queue, decisions, info

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _base() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'sync_applied',
        sa.Column('key', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        *_base(),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_applied_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_applied')),
        sa.UniqueConstraint('key', name=op.f('uq_sync_applied_key')),
        sa.UniqueConstraint('uid', name=op.f('uq_sync_applied_uid')),
    )
    op.create_table(
        'sync_queue',
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('base', sa.Text(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        *_base(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_queue')),
        sa.UniqueConstraint('uid', name=op.f('uq_sync_queue_uid')),
    )
    op.create_table(
        'sync_decisions',
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('key', sa.String(length=36), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('mine', sa.String(length=300), nullable=False),
        sa.Column('mine_by', sa.String(length=200), nullable=False),
        sa.Column('mine_at', sa.DateTime(), nullable=False),
        sa.Column('theirs', sa.String(length=300), nullable=False),
        sa.Column('theirs_by', sa.String(length=200), nullable=False),
        sa.Column('theirs_at', sa.DateTime(), nullable=True),
        sa.Column('theirs_version', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        *_base(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_decisions')),
        sa.UniqueConstraint('uid', name=op.f('uq_sync_decisions_uid')),
    )
    op.create_table(
        'replica_info',
        sa.Column('server', sa.String(length=64), nullable=False),
        sa.Column('server_label', sa.String(length=300), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('activity_ids', sa.Text(), nullable=False),
        sa.Column('everything', sa.Boolean(), nullable=False),
        sa.Column('revision', sa.String(length=40), nullable=False),
        sa.Column('synced_at', sa.DateTime(), nullable=False),
        *_base(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_replica_info')),
        sa.UniqueConstraint('uid', name=op.f('uq_replica_info_uid')),
    )


def downgrade() -> None:
    op.drop_table('replica_info')
    op.drop_table('sync_decisions')
    op.drop_table('sync_queue')
    op.drop_table('sync_applied')
