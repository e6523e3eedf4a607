"""attendance aggregates: per-enrollment and per-session mark counts kept with every write

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# a version-4 UUID made by the database for every row of the backfill
_UID = {
    'sqlite': "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)"
              " || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-'"
              " || hex(randomblob(6)))",
    'postgresql': "CAST(gen_random_uuid() AS VARCHAR)",
}
_COUNTS = ("count(*), sum(CASE WHEN st.counts_in_rate THEN 1 ELSE 0 END), "
           "sum(CASE WHEN st.counts_in_rate AND st.counts_as_present THEN 1 ELSE 0 END)")


def _table(name: str, key: str, parent: str) -> None:
    op.create_table(
        name,
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column('marks', sa.Integer(), nullable=False),
        sa.Column('counted', sa.Integer(), nullable=False),
        sa.Column('present', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint([key], [f'{parent}.id'], name=op.f(f'fk_{name}_{key}_{parent}'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
        sa.UniqueConstraint(key, name=op.f(f'uq_{name}_{key}')),
        sa.UniqueConstraint('uid', name=op.f(f'uq_{name}_uid')),
    )


def upgrade() -> None:
    _table('enrollment_attendance', 'progress_id', 'activity_progress')
    _table('session_attendance', 'session_id', 'activity_sessions')
    # the statuses of a session's marks without reading the records themselves: "absences in a
    # row" reads the marks of each activity's last twelve sessions on every dashboard
    op.create_index('ix_attendance_records_session_status', 'attendance_records',
                    ['session_id', 'student_id', 'status_id'])
    bind = op.get_bind()
    uid = _UID.get(bind.dialect.name, _UID['postgresql'])
    now = sa.bindparam('now', datetime.now(UTC).replace(tzinfo=None), type_=sa.DateTime())
    # the same rule as tracker.services.attendance_aggregates (and tracker.domain.attendance):
    # a mark is in an enrollment's counts when its session is not cancelled and starts on or after
    # the enrollment day, before the drop day
    bind.execute(sa.text(f"""
        INSERT INTO enrollment_attendance (progress_id, marks, counted, present, version, uid, created_at, updated_at)
        SELECT p.id, {_COUNTS}, 1, {uid}, :now, :now
        FROM attendance_records r
        JOIN activity_sessions s ON s.id = r.session_id
        JOIN activity_progress p ON p.user_id = r.student_id AND p.activity_id = s.activity_id
        JOIN attendance_statuses st ON st.id = r.status_id
        WHERE NOT s.cancelled
          AND (p.enrolled_on IS NULL OR s.starts_at >= p.enrolled_on)
          AND (p.dropped_on IS NULL OR s.starts_at < p.dropped_on)
        GROUP BY p.id""").bindparams(now))
    bind.execute(sa.text(f"""
        INSERT INTO session_attendance (session_id, marks, counted, present, version, uid, created_at, updated_at)
        SELECT r.session_id, {_COUNTS}, 1, {uid}, :now, :now
        FROM attendance_records r
        JOIN attendance_statuses st ON st.id = r.status_id
        GROUP BY r.session_id""").bindparams(now))


def downgrade() -> None:
    op.drop_index('ix_attendance_records_session_status', table_name='attendance_records')
    op.drop_table('session_attendance')
    op.drop_table('enrollment_attendance')
