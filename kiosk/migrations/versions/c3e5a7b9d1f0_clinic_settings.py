"""Clinic settings changed on the settings page

Revision ID: c3e5a7b9d1f0
Revises: b6d0e2f4a8c1
Create Date: 2026-11-22 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f0'
down_revision = 'b6d0e2f4a8c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clinic_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_settings'))
    )


def downgrade():
    op.drop_table('clinic_settings')
