"""Customer identity resolution: dataset kind "customers" and engine runs of kind "identity".

Reviewed: no new table; two check constraints widened (batch mode, so SQLite recreates the tables; nothing
dropped or renamed). Runs, review decisions and customer extracts live in the existing tables.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 20:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_datasets_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_datasets_kind'), "kind IN ('locations', 'inventory', 'orders', 'receipts', 'customers')")
    with op.batch_alter_table('engine_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_engine_runs_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_engine_runs_kind'),
                                         "kind IN ('atp', 'replay', 'routing', 'identity')")


def downgrade():
    op.execute("DELETE FROM engine_runs WHERE kind = 'identity'")
    op.execute("DELETE FROM datasets WHERE kind = 'customers'")
    with op.batch_alter_table('engine_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_engine_runs_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_engine_runs_kind'), "kind IN ('atp', 'replay', 'routing')")
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_datasets_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_datasets_kind'), "kind IN ('locations', 'inventory', 'orders', 'receipts')")
