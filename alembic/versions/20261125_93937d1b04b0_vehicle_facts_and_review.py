"""vehicle facts and review

Provenance rows (vehicle_fact), the review state of documents, the CO2 column
named as in the vehicle schema, the Euro norm, and readings typed by the owner
stored as "proprietaire" (the domain's word) instead of "owner".

Revision ID: 93937d1b04b0
Revises: b946c1fdbdf5
Create Date: 2026-11-25 15:41:17.506922
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '93937d1b04b0'
down_revision: str | None = 'b946c1fdbdf5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('vehicle_fact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('source_date', sa.Date(), nullable=True),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('corrected', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_vehicle_fact_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_vehicle_fact_vehicle_id_vehicle'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle_fact'))
    )
    with op.batch_alter_table('vehicle_fact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_fact_document_id'), ['document_id'], unique=False)
        batch_op.create_index('ix_vehicle_fact_vehicle_field', ['vehicle_id', 'field'], unique=False)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('review_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))

    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.alter_column('co2_g_km', new_column_name='co2', existing_type=sa.Integer())
        batch_op.add_column(sa.Column('euro_class', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
        batch_op.add_column(sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True))
        batch_op.add_column(sa.Column('insurance_monthly', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('battery_rental_monthly', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('battery_soh', sa.Integer(), nullable=True))

    with op.batch_alter_table('mileage_reading', schema=None) as batch_op:
        batch_op.add_column(sa.Column('typo', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.execute("UPDATE mileage_reading SET source = 'proprietaire' WHERE source = 'owner'")
    # Documents read before the review step were applied as soon as they were read.
    op.execute("UPDATE document SET review_status = 'applied' WHERE status = 'processed'")


def downgrade() -> None:
    op.execute("UPDATE mileage_reading SET source = 'owner' WHERE source = 'proprietaire'")
    with op.batch_alter_table('mileage_reading', schema=None) as batch_op:
        batch_op.drop_column('typo')
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_column('battery_soh')
        batch_op.drop_column('battery_rental_monthly')
        batch_op.drop_column('insurance_monthly')
        batch_op.drop_column('postcode')
        batch_op.alter_column('co2', new_column_name='co2_g_km', existing_type=sa.Integer())
        batch_op.drop_column('euro_class')

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('review_reason')
        batch_op.drop_column('review_status')

    with op.batch_alter_table('vehicle_fact', schema=None) as batch_op:
        batch_op.drop_index('ix_vehicle_fact_vehicle_field')
        batch_op.drop_index(batch_op.f('ix_vehicle_fact_document_id'))

    op.drop_table('vehicle_fact')
