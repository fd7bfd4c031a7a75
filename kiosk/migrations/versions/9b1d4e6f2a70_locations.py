"""A chain of clinics: locations

Every installation has a first location (id 1, its address "/"). Existing
consultations, drafts and staff accounts become the first location's; audit
entries may name the location they concern.

Revision ID: 9b1d4e6f2a70
Revises: 7c2e9a4f1b83
Create Date: 2026-12-07 13:40:00

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b1d4e6f2a70'
down_revision = '7c2e9a4f1b83'
branch_labels = None
depends_on = None


def upgrade():
    locations = op.create_table(
        'locations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=40), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('slug'),
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.bulk_insert(locations, [{'id': 1, 'slug': 'main', 'values': {}, 'created_at': now}])
    if op.get_bind().dialect.name == 'postgresql':
        # The row above was given its id: the next one made is 2.
        op.execute("SELECT setval('locations_id_seq', 1)")
    op.create_table(
        'staff_locations',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'location_id'),
    )
    op.execute('INSERT INTO staff_locations (user_id, location_id) SELECT id, 1 FROM staff_users')
    for table in ('drafts', 'consultations'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('location_id', sa.Integer(), server_default='1', nullable=False)
            )
            batch_op.create_foreign_key(
                f'fk_{table}_location_id_locations', 'locations', ['location_id'], ['id']
            )
            if table == 'consultations':
                batch_op.create_index('ix_consultations_location_id', ['location_id'])
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_events_location_id', ['location_id'])


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_location_id')
        batch_op.drop_column('location_id')
    for table in ('consultations', 'drafts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == 'consultations':
                batch_op.drop_index('ix_consultations_location_id')
            batch_op.drop_constraint(f'fk_{table}_location_id_locations', type_='foreignkey')
            batch_op.drop_column('location_id')
    op.drop_table('staff_locations')
    op.drop_table('locations')
