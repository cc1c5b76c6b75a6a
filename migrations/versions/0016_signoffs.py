"""Sign-offs of decisions and requirements by reviewers (members or share-link holders).

Reviewed: one new table, nothing altered or dropped. share_link_id refers to the review link a link holder
signed through (0014); the sign-off outlives the link (SET NULL) under its author's name.

Revision ID: 0016_signoffs
Revises: 0015_comments
Create Date: 2026-12-07 23:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016_signoffs'
down_revision = '0015_comments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signoffs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=False),
        sa.Column('target_kind', sa.String(length=12), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('target_version', sa.Integer(), nullable=False),
        sa.Column('verdict', sa.String(length=10), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('author_user_id', sa.Integer(), nullable=True),
        sa.Column('share_link_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("target_kind IN ('decision', 'requirement')", name=op.f('ck_signoffs_target_kind')),
        sa.CheckConstraint("verdict IN ('approved', 'rejected')", name=op.f('ck_signoffs_verdict')),
        sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_signoffs_author_user_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                                name=op.f('fk_signoffs_engagement_id_engagements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['share_link_id'], ['share_links.id'],
                                name=op.f('fk_signoffs_share_link_id_share_links'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['target_id'], ['elements.id'], name=op.f('fk_signoffs_target_id_elements'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signoffs')),
    )
    with op.batch_alter_table('signoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signoffs_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signoffs_author_user_id'), ['author_user_id'], unique=False)
        batch_op.create_index('ix_signoffs_target', ['target_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('signoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_signoffs_target')
        batch_op.drop_index(batch_op.f('ix_signoffs_author_user_id'))
        batch_op.drop_index(batch_op.f('ix_signoffs_engagement_id'))
    op.drop_table('signoffs')
