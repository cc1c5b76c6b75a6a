"""Engagement revision: a counter bumped by every write to an engagement, the key of cached analyses.

Reviewed: one NOT NULL integer column on engagements with a server default of 0, so existing rows start at
revision 0 (nothing is cached across a restart, so any starting value is safe). The downgrade drops it.

Revision ID: 0012_cache_engagement_revision
Revises: 0011_archimate_views
Create Date: 2026-12-07 19:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012_cache_engagement_revision'
down_revision = '0011_archimate_views'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engagements') as batch:
        batch.add_column(sa.Column('revision', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade():
    with op.batch_alter_table('engagements') as batch:
        batch.drop_column('revision')
