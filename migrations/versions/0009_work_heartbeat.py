"""Heartbeats on engine runs and report jobs, so work interrupted by a restart is marked failed, not "running".

Reviewed: two nullable columns added, nothing altered or dropped; existing rows keep NULL (their start or
creation time stands in).

Revision ID: 0009_work_heartbeat
Revises: 0008_report_jobs
Create Date: 2026-11-26 22:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009_work_heartbeat'
down_revision = '0008_report_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engine_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
    with op.batch_alter_table('engine_runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
