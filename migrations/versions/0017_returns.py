"""Returns anywhere: a return policy per scenario (JSON document), dataset kind "returns" and engine runs of
kind "returns".

Reviewed: one new table (NOT NULL columns only in it, so no server defaults), and the datasets and engine_runs
kind checks widened (batch mode, so SQLite recreates the tables; nothing dropped or renamed). Existing
engagements need no data migration: without a return_policies row a scenario reads the default policy.

Revision ID: 0017_returns
Revises: 0016_signoffs
Create Date: 2026-12-07 23:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017_returns'
down_revision = '0016_signoffs'
branch_labels = None
depends_on = None

OLD_DATASETS = "kind IN ('locations', 'inventory', 'orders', 'receipts', 'customers')"
NEW_DATASETS = "kind IN ('locations', 'inventory', 'orders', 'receipts', 'customers', 'returns')"
OLD_RUNS = "kind IN ('atp', 'replay', 'routing', 'identity')"
NEW_RUNS = "kind IN ('atp', 'replay', 'routing', 'identity', 'returns')"


def upgrade():
    op.create_table(
        'return_policies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                                name=op.f('fk_return_policies_engagement_id_engagements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_return_policies_scenario_id_scenarios'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_return_policies_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_return_policies')),
        sa.UniqueConstraint('scenario_id', name=op.f('uq_return_policies_scenario_id')),
    )
    with op.batch_alter_table('return_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_policies_engagement_id'), ['engagement_id'], unique=False)
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_datasets_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_datasets_kind'), NEW_DATASETS)
    with op.batch_alter_table('engine_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_engine_runs_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_engine_runs_kind'), NEW_RUNS)


def downgrade():
    op.execute("DELETE FROM engine_runs WHERE kind = 'returns'")
    op.execute("DELETE FROM dataset_versions WHERE dataset_id IN (SELECT id FROM datasets WHERE kind = 'returns')")
    op.execute("DELETE FROM datasets WHERE kind = 'returns'")
    with op.batch_alter_table('engine_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_engine_runs_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_engine_runs_kind'), OLD_RUNS)
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_datasets_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_datasets_kind'), OLD_DATASETS)
    with op.batch_alter_table('return_policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_policies_engagement_id'))
    op.drop_table('return_policies')
