"""Highest severity dropped

Each consultation kept its most serious flag's severity beside the counts of
flags per severity, but nothing read it: the queue and its filters use the
counts, from which the most serious severity follows. Going down fills the
column again from the counts.

Revision ID: b6d0e2f4a8c1
Revises: 5390751f5d33
Create Date: 2026-11-22 12:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6d0e2f4a8c1'
down_revision = '5390751f5d33'
branch_labels = None
depends_on = None

SEVERITIES = ('do_not_treat', 'review', 'note')  # most serious first


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('highest_severity')


def downgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('highest_severity', sa.String(length=20), nullable=True))
    consultations = sa.table(
        'consultations',
        *(sa.column(f'flags_{severity}', sa.Integer) for severity in SEVERITIES),
        sa.column('highest_severity', sa.String),
    )
    most_serious = sa.case(
        *((consultations.c[f'flags_{s}'] > 0, sa.literal(s)) for s in SEVERITIES),
        else_=sa.null(),
    )
    op.execute(consultations.update().values(highest_severity=most_serious))
