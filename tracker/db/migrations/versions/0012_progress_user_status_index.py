"""enrollments by student carry their status and activity: the school's participation by grade
counts each student's places from the index alone, where the index on the student alone sent
every place to the table for its status

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # replaces the index on user_id alone (same leading column; a status seldom changes)
    op.drop_index('ix_activity_progress_user_id', table_name='activity_progress')
    op.create_index('ix_activity_progress_user_status', 'activity_progress', ['user_id', 'status', 'activity_id'])


def downgrade() -> None:
    op.drop_index('ix_activity_progress_user_status', table_name='activity_progress')
    op.create_index('ix_activity_progress_user_id', 'activity_progress', ['user_id'])
