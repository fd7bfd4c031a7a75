"""No RF flag counts

RF-only contraindications (an implanted electronic device, metal in the area,
a gold allergy) became a severity of their own, "No RF", apart from "Do not
treat today": a treatment without RF may still be possible. Consultations kept
before have no count for it (None), so the queue works theirs out from their
answers, as it does for any consultation whose counts are not known.

Revision ID: e1a4c7f2b9d3
Revises: c3e5a7b9d1f0
Create Date: 2026-12-07 03:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a4c7f2b9d3'
down_revision = 'c3e5a7b9d1f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags_no_rf', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('flags_no_rf')
