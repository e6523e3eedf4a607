"""analytics read from indexes: enrollments by activity and status carry what the school's
figures need, sessions by activity and start carry whether they were cancelled

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:30:00
"""

from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

#: the analytics page's GROUP BYs over enrollments and sessions read these indexes alone
#: (covering), never the wide rows; each replaces a shorter index with the same leading columns
PROGRESS = ['activity_id', 'status', 'user_id', 'progress_percentage', 'completed_at', 'enrolled_on', 'started_at']
SESSIONS = ['activity_id', 'starts_at', 'cancelled']


def upgrade() -> None:
    op.drop_index('ix_activity_progress_activity_status', table_name='activity_progress')
    op.create_index('ix_activity_progress_activity_status', 'activity_progress', PROGRESS)
    op.drop_index('ix_activity_sessions_activity_start', table_name='activity_sessions')
    op.create_index('ix_activity_sessions_activity_start', 'activity_sessions', SESSIONS)


def downgrade() -> None:
    op.drop_index('ix_activity_sessions_activity_start', table_name='activity_sessions')
    op.create_index('ix_activity_sessions_activity_start', 'activity_sessions', ['activity_id', 'starts_at'])
    op.drop_index('ix_activity_progress_activity_status', table_name='activity_progress')
    op.create_index('ix_activity_progress_activity_status', 'activity_progress', ['activity_id', 'status'])
