"""No RF flag counts

RF-only contraindications (an implanted electronic device, metal in the area,
a gold allergy) became a severity of their own, "No RF", apart from "Do not
treat today": a treatment without RF may still be possible. Each stored
consultation's flags are counted again with the app's plan (its content and
policy settings), dated from the day it was sent, so that flags counted as
"Do not treat today" before move to "No RF". A consultation whose plan cannot
be made is left with no counts, which the queue takes as "not known".

Revision ID: e1a4c7f2b9d3
Revises: c3e5a7b9d1f0
Create Date: 2026-12-07 03:20:00

"""
import datetime as dt
import logging

from alembic import op
import sqlalchemy as sa
from flask import current_app

log = logging.getLogger('alembic.runtime.migration')

# revision identifiers, used by Alembic.
revision = 'e1a4c7f2b9d3'
down_revision = 'c3e5a7b9d1f0'
branch_labels = None
depends_on = None

SEVERITIES = ('do_not_treat', 'no_rf', 'review', 'note')  # most serious first
BEFORE = ('do_not_treat', 'review', 'note')


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags_no_rf', sa.Integer(), nullable=True))
    count_again(SEVERITIES)


def downgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('flags_no_rf')
    # The counts again as three severities: No RF flags were "Do not treat today".
    count_again(BEFORE, merge={'no_rf': 'do_not_treat'})


def count_again(severities, merge=None):
    engine = current_app.extensions['kiosk.core.plan']
    language = current_app.config['CLINIC_LANGUAGE']
    consultations = sa.table(
        'consultations',
        sa.column('id', sa.String),
        sa.column('reference', sa.String),
        sa.column('answers', sa.JSON),
        sa.column('submitted_at', sa.DateTime),
        *(sa.column(f'flags_{severity}', sa.Integer) for severity in severities),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            consultations.c.id,
            consultations.c.reference,
            consultations.c.answers,
            consultations.c.submitted_at,
        )
    ).all()
    for row in rows:
        sent_on = row.submitted_at.replace(tzinfo=dt.timezone.utc).astimezone().date()
        try:
            plan = engine.build(row.answers, language=language, today=sent_on)
        except Exception:
            log.exception('flags of consultation %s could not be counted', row.reference)
            values = {f'flags_{severity}': None for severity in severities}
        else:
            fired = [(merge or {}).get(flag.severity, flag.severity) for flag in plan.flags]
            values = {f'flags_{severity}': fired.count(severity) for severity in severities}
        connection.execute(
            consultations.update().where(consultations.c.id == row.id).values(**values)
        )
