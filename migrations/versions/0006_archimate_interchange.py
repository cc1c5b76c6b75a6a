"""ArchiMate interchange: generic elements and relationships, and the identifiers imported models carry.

Reviewed: two new tables (generic_elements joined to elements; archimate_relationships, engagement-scoped,
both ends ON DELETE CASCADE) and three nullable columns (external_id on elements, trace_links and scenarios).
Nothing dropped or renamed; no server defaults needed (new NOT NULL columns are only in the new tables).

Revision ID: 0006_archimate
Revises: 0005
Create Date: 2026-11-26 21:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_archimate'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('generic_elements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('archimate_type', sa.String(length=40), nullable=False),
    sa.Column('documentation', sa.Text(), nullable=False),
    sa.Column('properties', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['elements.id'], name=op.f('fk_generic_elements_id_elements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generic_elements'))
    )
    op.create_table('archimate_relationships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('documentation', sa.Text(), nullable=False),
    sa.Column('properties', sa.JSON(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_archimate_relationships_engagement_id_engagements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['elements.id'], name=op.f('fk_archimate_relationships_source_id_elements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['elements.id'], name=op.f('fk_archimate_relationships_target_id_elements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archimate_relationships')),
    sa.UniqueConstraint('engagement_id', 'identifier', name=op.f('uq_archimate_relationships_engagement_id_identifier')),
    )
    with op.batch_alter_table('archimate_relationships', schema=None) as batch_op:
        batch_op.create_index('ix_archimate_relationships_engagement_type', ['engagement_id', 'type'], unique=False)
        batch_op.create_index(batch_op.f('ix_archimate_relationships_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_archimate_relationships_target_id'), ['target_id'], unique=False)
    with op.batch_alter_table('elements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=200), nullable=True))
    with op.batch_alter_table('trace_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=200), nullable=True))
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_column('external_id')
    with op.batch_alter_table('trace_links', schema=None) as batch_op:
        batch_op.drop_column('external_id')
    with op.batch_alter_table('elements', schema=None) as batch_op:
        batch_op.drop_column('external_id')
    with op.batch_alter_table('archimate_relationships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archimate_relationships_target_id'))
        batch_op.drop_index(batch_op.f('ix_archimate_relationships_source_id'))
        batch_op.drop_index('ix_archimate_relationships_engagement_type')
    op.drop_table('archimate_relationships')
    # Generic elements' rows in `elements` would be orphans of an unknown kind: remove them first.
    op.execute("DELETE FROM generic_elements")
    op.execute("DELETE FROM elements WHERE kind = 'generic'")
    op.drop_table('generic_elements')
