"""the milestones done are read by milestone from one index: (milestone, student) covers the
dashboards' and progress rows' read of who did which milestone, where the index on the milestone
alone sent each of its entries to the table for the student

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # replaces the index on milestone_id alone (same leading column, same cost to keep)
    op.drop_index('ix_user_milestones_milestone_id', table_name='user_milestones')
    op.create_index('ix_user_milestones_milestone_user', 'user_milestones', ['milestone_id', 'user_id'])


def downgrade() -> None:
    op.drop_index('ix_user_milestones_milestone_user', table_name='user_milestones')
    op.create_index('ix_user_milestones_milestone_id', 'user_milestones', ['milestone_id'])
