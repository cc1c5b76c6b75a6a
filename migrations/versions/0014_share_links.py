"""Review links: share links for clients (hashed token and passphrase), their scenarios, and their uses; stakeholder
questionnaires: links, responses and the priority changes they propose.

Reviewed: six new tables, nothing altered or dropped.

Revision ID: 0014_share_links
Revises: 0013_account_tokens
Create Date: 2026-12-07 23:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014_share_links'
down_revision = '0013_account_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'share_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('passphrase_hash', sa.String(length=255), nullable=True),
        sa.Column('report_job_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('read', 'comment', 'signoff')", name=op.f('ck_share_links_role')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_share_links_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                                name=op.f('fk_share_links_engagement_id_engagements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['report_job_id'], ['report_jobs.id'],
                                name=op.f('fk_share_links_report_job_id_report_jobs'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_share_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_share_links_token_hash')),
    )
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_links_engagement_id'), ['engagement_id'], unique=False)
    op.create_table(
        'share_link_scenarios',
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['link_id'], ['share_links.id'],
                                name=op.f('fk_share_link_scenarios_link_id_share_links'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_share_link_scenarios_scenario_id_scenarios'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('link_id', 'scenario_id', name=op.f('pk_share_link_scenarios')),
    )
    with op.batch_alter_table('share_link_scenarios', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_link_scenarios_scenario_id'), ['scenario_id'], unique=False)
    op.create_table(
        'share_link_uses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('client_address', sa.String(length=64), nullable=False),
        sa.Column('path', sa.String(length=300), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['link_id'], ['share_links.id'], name=op.f('fk_share_link_uses_link_id_share_links'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_share_link_uses')),
    )
    with op.batch_alter_table('share_link_uses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_link_uses_link_id'), ['link_id'], unique=False)

    op.create_table(
        'questionnaire_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=False),
        sa.Column('stakeholder_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_questionnaire_links_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                                name=op.f('fk_questionnaire_links_engagement_id_engagements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholders.id'],
                                name=op.f('fk_questionnaire_links_stakeholder_id_stakeholders'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_questionnaire_links_token_hash')),
    )
    with op.batch_alter_table('questionnaire_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_links_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_links_stakeholder_id'), ['stakeholder_id'], unique=False)
    op.create_table(
        'questionnaire_responses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('stakeholder_id', sa.Integer(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('pain_points', sa.Text(), nullable=False),
        sa.Column('expectations', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'],
                                name=op.f('fk_questionnaire_responses_engagement_id_engagements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['link_id'], ['questionnaire_links.id'],
                                name=op.f('fk_questionnaire_responses_link_id_questionnaire_links'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholders.id'],
                                name=op.f('fk_questionnaire_responses_stakeholder_id_stakeholders'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_responses')),
    )
    with op.batch_alter_table('questionnaire_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_responses_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_responses_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_responses_stakeholder_id'), ['stakeholder_id'], unique=False)
    op.create_table(
        'priority_proposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('requirement_id', sa.Integer(), nullable=False),
        sa.Column('proposed', sa.String(length=10), nullable=False),
        sa.Column('seen', sa.String(length=10), nullable=True),
        sa.Column('previous', sa.String(length=10), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'accepted', 'rejected')", name=op.f('ck_priority_proposals_state')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_priority_proposals_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['requirement_id'], ['requirements.id'],
                                name=op.f('fk_priority_proposals_requirement_id_requirements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['response_id'], ['questionnaire_responses.id'],
                                name=op.f('fk_priority_proposals_response_id_questionnaire_responses'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_proposals')),
    )
    with op.batch_alter_table('priority_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_priority_proposals_requirement_id'), ['requirement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_priority_proposals_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('priority_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_priority_proposals_response_id'))
        batch_op.drop_index(batch_op.f('ix_priority_proposals_requirement_id'))
    op.drop_table('priority_proposals')
    with op.batch_alter_table('questionnaire_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_responses_stakeholder_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_responses_link_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_responses_engagement_id'))
    op.drop_table('questionnaire_responses')
    with op.batch_alter_table('questionnaire_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_links_stakeholder_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_links_engagement_id'))
    op.drop_table('questionnaire_links')
    with op.batch_alter_table('share_link_uses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_link_uses_link_id'))
    op.drop_table('share_link_uses')
    with op.batch_alter_table('share_link_scenarios', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_link_scenarios_scenario_id'))
    op.drop_table('share_link_scenarios')
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_links_engagement_id'))
    op.drop_table('share_links')
