"""Scenarios as branches: values an element holds in one scenario only, and the scenario of each change.

Reviewed: one new table and one nullable column; nothing altered or dropped. Existing engagements need no
data migration: with no scenario_values row every scenario reads the element's own values, exactly as
before, so every analysis result is unchanged (tests/test_migrations.py checks this on the demo).

Revision ID: 0010_scenario_values
Revises: 0009_work_heartbeat
Create Date: 2026-12-07 13:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010_scenario_values'
down_revision = '0009_work_heartbeat'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scenario_values',
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('element_id', sa.Integer(), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['element_id'], ['elements.id'], name=op.f('fk_scenario_values_element_id_elements'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_scenario_values_scenario_id_scenarios'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('scenario_id', 'element_id', name=op.f('pk_scenario_values')),
    )
    with op.batch_alter_table('scenario_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scenario_values_element_id'), ['element_id'], unique=False)
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scenario_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_changes_scenario_id'), ['scenario_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_changes_scenario_id_scenarios'), 'scenarios', ['scenario_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_changes_scenario_id_scenarios'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_changes_scenario_id'))
        batch_op.drop_column('scenario_id')
    with op.batch_alter_table('scenario_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenario_values_element_id'))
    op.drop_table('scenario_values')
