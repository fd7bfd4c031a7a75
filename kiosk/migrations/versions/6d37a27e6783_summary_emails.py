"""The patient's summary e-mailed: one row per consultation

Revision ID: 6d37a27e6783
Revises: c0a5e1d2b3f4
Create Date: 2026-12-07 08:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d37a27e6783'
down_revision = 'c0a5e1d2b3f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('summary_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_summary_emails_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_emails'))
    )
    with op.batch_alter_table('summary_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_summary_emails_consultation_id'), ['consultation_id'], unique=True)


def downgrade():
    with op.batch_alter_table('summary_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_summary_emails_consultation_id'))

    op.drop_table('summary_emails')
