"""Report branding: one row per engagement with the firm name, two colours, footer text and an optional logo.

Reviewed: one new table (NOT NULL columns only in it, so no server defaults), nothing altered or dropped.

Revision ID: 0007_report_branding
Revises: 0006_archimate
Create Date: 2026-11-26 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_report_branding'
down_revision = '0006_archimate'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_brandings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('firm_name', sa.String(length=120), nullable=False),
    sa.Column('primary_colour', sa.String(length=7), nullable=False),
    sa.Column('accent_colour', sa.String(length=7), nullable=False),
    sa.Column('footer_text', sa.String(length=300), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_media_type', sa.String(length=20), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_report_brandings_engagement_id_engagements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_report_brandings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_brandings')),
    sa.UniqueConstraint('engagement_id', name=op.f('uq_report_brandings_engagement_id'))
    )


def downgrade():
    op.drop_table('report_brandings')
