"""notifications: what each is about, grouped counts, conditions notified once, preferences, the e-mail outbox

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _base() -> list[sa.Column[object]]:
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    # nothing points at notifications yet, so on SQLite a batch (a copy of the table) is safe
    with op.batch_alter_table('notifications', recreate='auto') as batch:
        batch.add_column(sa.Column('student_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('count', sa.Integer(), nullable=False, server_default='1'))
        batch.create_foreign_key(op.f('fk_notifications_student_id_users'), 'users',
                                 ['student_id'], ['id'], ondelete='SET NULL')
        batch.create_foreign_key(op.f('fk_notifications_activity_id_activities'), 'activities',
                                 ['activity_id'], ['id'], ondelete='SET NULL')
    op.create_index('ix_notifications_user_read', 'notifications', ['user_id', 'read_at'])
    op.create_table(
        'notification_conditions',
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=True),
        sa.Column('activity_id', sa.Integer(), nullable=True),
        *_base(),
        sa.ForeignKeyConstraint(['student_id'], ['users.id'],
                                name=op.f('fk_notification_conditions_student_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                                name=op.f('fk_notification_conditions_activity_id_activities'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_conditions')),
        sa.UniqueConstraint('key', name=op.f('uq_notification_conditions_key')),
        sa.UniqueConstraint('uid', name=op.f('uq_notification_conditions_uid')),
    )
    op.create_index(op.f('ix_notification_conditions_student_id'), 'notification_conditions', ['student_id'])
    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('inbox', sa.Boolean(), nullable=False),
        sa.Column('desktop', sa.Boolean(), nullable=False),
        sa.Column('email', sa.Boolean(), nullable=False),
        sa.Column('digest', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        *_base(),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
        sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_preferences_user_id_kind')),
        sa.UniqueConstraint('uid', name=op.f('uq_notification_preferences_uid')),
    )
    op.create_table(
        'email_outbox',
        sa.Column('notification_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=250), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('message_id', sa.String(length=250), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('digest', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        *_base(),
        sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'],
                                name=op.f('fk_email_outbox_notification_id_notifications'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_email_outbox_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_email_outbox')),
        sa.UniqueConstraint('message_id', name=op.f('uq_email_outbox_message_id')),
        sa.UniqueConstraint('uid', name=op.f('uq_email_outbox_uid')),
    )
    op.create_index('ix_email_outbox_status_next', 'email_outbox', ['status', 'next_attempt_at'])


def downgrade() -> None:
    op.drop_index('ix_email_outbox_status_next', table_name='email_outbox')
    op.drop_table('email_outbox')
    op.drop_table('notification_preferences')
    op.drop_index(op.f('ix_notification_conditions_student_id'), table_name='notification_conditions')
    op.drop_table('notification_conditions')
    op.drop_index('ix_notifications_user_read', table_name='notifications')
    with op.batch_alter_table('notifications', recreate='auto') as batch:
        batch.drop_constraint(op.f('fk_notifications_activity_id_activities'), type_='foreignkey')
        batch.drop_constraint(op.f('fk_notifications_student_id_users'), type_='foreignkey')
        for column in ('count', 'activity_id', 'student_id'):
            batch.drop_column(column)
