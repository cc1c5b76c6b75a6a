"""ArchiMate models kept whole: views, folders, property definitions and metadata; fields that may be unknown.

Reviewed: two new tables (archimate_models, one row per engagement imported from ArchiMate; archimate_views,
one row per view; both ON DELETE CASCADE with the engagement). Columns Throughline used to fill with a default
even when nobody stated a value become nullable, so an imported model says "unknown" instead of inventing
Hosting=SaaS, Lifecycle=Active, Category=Custom, Customer facing=Yes or Status=Proposed: systems' category,
hosting and lifecycle; channels' customer_facing; entities' time_critical; stakeholders' area, influence and
interest; requirements' type, priority and status; decisions' status. Existing rows keep their values (no data
migration); the downgrade puts the old defaults into NULLs before making the columns NOT NULL again.

Revision ID: 0011_archimate_views
Revises: 0010_scenario_values
Create Date: 2026-12-07 15:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0011_archimate_views'
down_revision = '0010_scenario_values'
branch_labels = None
depends_on = None

# table -> [(column, type, the default a downgrade writes into NULLs)]
NULLABLE = {
    'systems': [('category', sa.String(length=30), 'custom'), ('hosting', sa.String(length=20), 'saas'),
                ('lifecycle', sa.String(length=20), 'active')],
    'channels': [('customer_facing', sa.Boolean(), True)],
    'data_entities': [('time_critical', sa.Boolean(), False)],
    'stakeholders': [('area', sa.String(length=30), 'other'), ('influence', sa.String(length=10), 'medium'),
                     ('interest', sa.String(length=10), 'medium')],
    'requirements': [('type', sa.String(length=20), 'functional'), ('priority', sa.String(length=10), 'should'),
                     ('status', sa.String(length=10), 'draft')],
    'decisions': [('status', sa.String(length=12), 'proposed')],
}


def upgrade():
    op.create_table(
        'archimate_models',
        sa.Column('engagement_id', sa.Integer(), nullable=False),
        sa.Column('identifier', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=35), nullable=True),
        sa.Column('attributes', sa.JSON(), nullable=False),
        sa.Column('head', sa.JSON(), nullable=False),
        sa.Column('organizations', sa.JSON(), nullable=False),
        sa.Column('property_definitions', sa.JSON(), nullable=False),
        sa.Column('unstated_refs', sa.JSON(), nullable=False),
        sa.Column('texts', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                                name=op.f('fk_archimate_models_engagement_id_engagements'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('engagement_id', name=op.f('pk_archimate_models')),
    )
    op.create_table(
        'archimate_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('identifier', sa.String(length=200), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('xml', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                                name=op.f('fk_archimate_views_engagement_id_engagements'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_archimate_views')),
        sa.UniqueConstraint('engagement_id', 'identifier', name=op.f('uq_archimate_views_engagement_id_identifier')),
    )
    with op.batch_alter_table('archimate_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archimate_views_engagement_id'), ['engagement_id'], unique=False)
    for table, columns in NULLABLE.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, type_, _default in columns:
                batch_op.alter_column(column, existing_type=type_, nullable=True)


def downgrade():
    for table, columns in NULLABLE.items():
        for column, _type, default in columns:
            op.execute(sa.table(table, sa.column(column)).update()
                       .where(sa.column(column).is_(None)).values({column: default}))
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, type_, _default in columns:
                batch_op.alter_column(column, existing_type=type_, nullable=False)
    with op.batch_alter_table('archimate_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archimate_views_engagement_id'))
    op.drop_table('archimate_views')
    op.drop_table('archimate_models')
