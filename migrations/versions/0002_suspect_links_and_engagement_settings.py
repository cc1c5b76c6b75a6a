"""Suspect links (versions of both ends at review) and per-engagement settings.

Reviewed: existing rows get server defaults ({} settings, version 1), so the upgrade works on live data.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:06:32.840497

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settings', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))

    with op.batch_alter_table('trace_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('target_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_trace_links_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('trace_links', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trace_links_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('target_version')
        batch_op.drop_column('source_version')

    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.drop_column('settings')

