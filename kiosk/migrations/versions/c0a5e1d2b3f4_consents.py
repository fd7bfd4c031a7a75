"""Consent signed on the tablet

Each step of a consultation's consent (signed on the kiosk or again on a staff
device, or withdrawn) is a row of ``consents``: the exact words signed, their
version and digest, the signature's strokes or a typed name, and the photo
choice. ``consultations.consent`` keeps where it stands, for the queue.

Revision ID: c0a5e1d2b3f4
Revises: e1f2a3b4c5d6
Create Date: 2026-12-07 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c0a5e1d2b3f4'
down_revision = 'e1f2a3b4c5d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.String(length=32), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('version', sa.String(length=30), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('text_sha256', sa.String(length=64), nullable=True),
        sa.Column('signature', sa.JSON(), nullable=True),
        sa.Column('typed_name', sa.String(length=120), nullable=True),
        sa.Column('photos', sa.Boolean(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index('ix_consents_consultation_id', ['consultation_id'], unique=False)
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('consent')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index('ix_consents_consultation_id')
    op.drop_table('consents')
