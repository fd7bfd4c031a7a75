"""The Done page shown once, to the tablet that sent the answers

A consultation keeps a one-time token for its Done page while it has not been
shown: the tablet's session holds the same token, and showing the page clears
it, so a copy of the session cookie shows nothing.

Revision ID: e1f2a3b4c5d6
Revises: e1a4c7f2b9d3
Create Date: 2026-12-07 03:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1f2a3b4c5d6'
down_revision = 'e1a4c7f2b9d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_token', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_consultations_done_token', ['done_token'], unique=True)


def downgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_done_token')
        batch_op.drop_column('done_token')
