"""Review comments anchored to any object, the review events the digest reads, and each user's digest marks.

Reviewed: three new tables, nothing altered or dropped. comments.share_link_id refers to the review link a
holder wrote through (0014); the comment outlives the link (SET NULL) under its author's name.

Revision ID: 0015_comments
Revises: 0014_share_links
Create Date: 2026-12-07 23:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015_comments'
down_revision = '0014_share_links'
branch_labels = None
depends_on = None

ANCHOR_KINDS = "'requirement', 'decision', 'system', 'flow', 'ownership', 'finding', 'section'"


def upgrade():
    op.create_table(
        'comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=True),
        sa.Column('anchor_kind', sa.String(length=20), nullable=False),
        sa.Column('anchor_key', sa.String(length=200), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('author_user_id', sa.Integer(), nullable=True),
        sa.Column('share_link_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_by_name', sa.String(length=200), nullable=False),
        sa.Column('include_in_report', sa.Boolean(), nullable=False),
        sa.Column('mentions', sa.JSON(), nullable=False),
        sa.CheckConstraint(f"anchor_kind IN ({ANCHOR_KINDS})", name=op.f('ck_comments_anchor_kind')),
        sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_comments_author_user_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                                name=op.f('fk_comments_engagement_id_engagements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['parent_id'], ['comments.id'], name=op.f('fk_comments_parent_id_comments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], name=op.f('fk_comments_scenario_id_scenarios'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['share_link_id'], ['share_links.id'],
                                name=op.f('fk_comments_share_link_id_share_links'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_anchor', ['engagement_id', 'anchor_kind', 'anchor_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_parent_id'), ['parent_id'], unique=False)
    op.create_table(
        'review_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('summary', sa.String(length=300), nullable=False),
        sa.Column('anchor_kind', sa.String(length=20), nullable=True),
        sa.Column('anchor_key', sa.String(length=200), nullable=True),
        sa.Column('actor_name', sa.String(length=200), nullable=False),
        sa.Column('actor_user_id', sa.Integer(), nullable=True),
        sa.Column('mentioned_user_ids', sa.JSON(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_review_events_actor_user_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                                name=op.f('fk_review_events_engagement_id_engagements'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_events')),
    )
    with op.batch_alter_table('review_events', schema=None) as batch_op:
        batch_op.create_index('ix_review_events_engagement_id_id', ['engagement_id', 'id'], unique=False)
    op.create_table(
        'digest_marks',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('seen_event_id', sa.Integer(), nullable=False),
        sa.Column('mailed_event_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_marks_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_digest_marks')),
    )


def downgrade():
    op.drop_table('digest_marks')
    with op.batch_alter_table('review_events', schema=None) as batch_op:
        batch_op.drop_index('ix_review_events_engagement_id_id')
    op.drop_table('review_events')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_parent_id'))
        batch_op.drop_index(batch_op.f('ix_comments_engagement_id'))
        batch_op.drop_index('ix_comments_anchor')
    op.drop_table('comments')
