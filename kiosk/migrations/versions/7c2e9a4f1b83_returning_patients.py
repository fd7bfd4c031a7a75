"""A patient back for a later session of their course

Drafts and consultations link to the earlier consultation they follow (set to
NULL when retention deletes it) and keep what they need of it as JSON: its
reference, when it was sent, and its answers to the questions asked again.

Revision ID: 7c2e9a4f1b83
Revises: 6d37a27e6783
Create Date: 2026-12-07 08:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2e9a4f1b83'
down_revision = '6d37a27e6783'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('previous', sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            'fk_drafts_previous_id_consultations', 'consultations', ['previous_id'], ['id'],
            ondelete='SET NULL',
        )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('previous', sa.JSON(), nullable=True))
        batch_op.create_index('ix_consultations_previous_id', ['previous_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_consultations_previous_id_consultations', 'consultations', ['previous_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_consultations_previous_id_consultations', type_='foreignkey')
        batch_op.drop_index('ix_consultations_previous_id')
        batch_op.drop_column('previous')
        batch_op.drop_column('previous_id')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_drafts_previous_id_consultations', type_='foreignkey')
        batch_op.drop_column('previous')
        batch_op.drop_column('previous_id')
