"""achievements: badge rules, points and pictures, award revocation, leaderboards, portfolios

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# a fresh 32-hex-digit salt per existing award (the recipient hash of its Open Badges export)
_SALT = {
    'sqlite': "lower(hex(randomblob(16)))",
    'postgresql': "md5(random()::text || clock_timestamp()::text)",
}


def _base() -> list[sa.Column[object]]:
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    # plain ADD COLUMN, never a batch (table copy): on SQLite a copy of ``activities`` would
    # cascade-delete everything that points at it
    op.add_column('badges', sa.Column('points', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('badges', sa.Column('rule', sa.Text(), nullable=False,
                                      server_default='{"kind": "manual"}'))
    op.add_column('badges', sa.Column('design', sa.String(length=40), nullable=True))
    op.add_column('badges', sa.Column('primary_colour', sa.String(length=7), nullable=True))
    op.add_column('badges', sa.Column('secondary_colour', sa.String(length=7), nullable=True))
    op.add_column('badges', sa.Column('image_data', sa.LargeBinary(), nullable=True))
    op.add_column('badges', sa.Column('image_type', sa.String(length=8), nullable=True))
    op.add_column('badges', sa.Column('archived', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    # who made it, for the record (no foreign key: users are deactivated, never deleted)
    op.add_column('badges', sa.Column('created_by', sa.Integer(), nullable=True))
    bind = op.get_bind()
    salt = _SALT.get(bind.dialect.name, _SALT['postgresql'])
    # nothing points at badge_awards, so on SQLite a batch (a copy of the table) is safe and
    # gives it its foreign keys and the NOT NULL salt
    with op.batch_alter_table('badge_awards', recreate='auto') as batch:
        batch.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('salt', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('revoked_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('revoke_reason', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    bind.execute(sa.text(f"UPDATE badge_awards SET salt = {salt}"))
    # an activity's badge was earned in that activity
    bind.execute(sa.text("UPDATE badge_awards SET activity_id = (SELECT b.activity_id FROM badges b"
                         " WHERE b.id = badge_awards.badge_id)"))
    with op.batch_alter_table('badge_awards', recreate='auto') as batch:
        batch.alter_column('salt', existing_type=sa.String(length=32), nullable=False)
        batch.create_foreign_key(op.f('fk_badge_awards_activity_id_activities'), 'activities',
                                 ['activity_id'], ['id'], ondelete='SET NULL')
        batch.create_foreign_key(op.f('fk_badge_awards_revoked_by_users'), 'users',
                                 ['revoked_by'], ['id'], ondelete='SET NULL')
    op.create_index(op.f('ix_badge_awards_activity_id'), 'badge_awards', ['activity_id'])
    op.add_column('activities', sa.Column('leaderboard_enabled', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.add_column('activities', sa.Column('leaderboard_privacy', sa.String(length=12),
                                          nullable=False, server_default='initial'))
    op.create_table(
        'leaderboard_opt_outs',
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('set_by', sa.Integer(), nullable=True),
        *_base(),
        sa.ForeignKeyConstraint(['student_id'], ['users.id'],
                                name=op.f('fk_leaderboard_opt_outs_student_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['set_by'], ['users.id'],
                                name=op.f('fk_leaderboard_opt_outs_set_by_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_leaderboard_opt_outs')),
        sa.UniqueConstraint('student_id', name=op.f('uq_leaderboard_opt_outs_student_id')),
        sa.UniqueConstraint('uid', name=op.f('uq_leaderboard_opt_outs_uid')),
    )
    op.create_table(
        'portfolio_features',
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('ref_id', sa.Integer(), nullable=False),
        *_base(),
        sa.ForeignKeyConstraint(['student_id'], ['users.id'],
                                name=op.f('fk_portfolio_features_student_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_features')),
        sa.UniqueConstraint('student_id', 'kind', 'ref_id',
                            name=op.f('uq_portfolio_features_student_id_kind_ref_id')),
        sa.UniqueConstraint('uid', name=op.f('uq_portfolio_features_uid')),
    )
    op.create_table(
        'portfolio_reflections',
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        *_base(),
        sa.ForeignKeyConstraint(['student_id'], ['users.id'],
                                name=op.f('fk_portfolio_reflections_student_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                                name=op.f('fk_portfolio_reflections_activity_id_activities'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_reflections')),
        sa.UniqueConstraint('student_id', 'activity_id',
                            name=op.f('uq_portfolio_reflections_student_id_activity_id')),
        sa.UniqueConstraint('uid', name=op.f('uq_portfolio_reflections_uid')),
    )


def downgrade() -> None:
    op.drop_table('portfolio_reflections')
    op.drop_table('portfolio_features')
    op.drop_table('leaderboard_opt_outs')
    op.drop_column('activities', 'leaderboard_privacy')
    op.drop_column('activities', 'leaderboard_enabled')
    op.drop_index(op.f('ix_badge_awards_activity_id'), table_name='badge_awards')
    with op.batch_alter_table('badge_awards', recreate='auto') as batch:
        batch.drop_constraint(op.f('fk_badge_awards_revoked_by_users'), type_='foreignkey')
        batch.drop_constraint(op.f('fk_badge_awards_activity_id_activities'), type_='foreignkey')
        for column in ('version', 'revoke_reason', 'revoked_by', 'revoked_at', 'salt', 'note', 'activity_id'):
            batch.drop_column(column)
    for column in ('created_by', 'archived', 'image_type', 'image_data', 'secondary_colour',
                   'primary_colour', 'design', 'rule', 'points'):
        op.drop_column('badges', column)
