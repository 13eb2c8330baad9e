"""Framework library: dimension labels, strategy and reform-area hierarchy, own presets.

A workshop may rename its two dimensions (strategies_label, reform_areas_label; null: its
preset's or the usual names); strategies and reform areas may sit under a parent of their own
dimension (parent_id, null at the top); a facilitator's own presets are kept in saved_framework.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 14:24:06.585583

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('saved_framework',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=200000), nullable=False),
    sa.Column('source_workshop_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['source_workshop_id'], ['workshop.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('saved_framework', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_framework_key'), ['key'], unique=True)

    with op.batch_alter_table('reform_area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_reform_area_parent_id', 'reform_area', ['parent_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('strategy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_strategy_parent_id', 'strategy', ['parent_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('strategies_label', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
        batch_op.add_column(sa.Column('reform_areas_label', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('reform_areas_label')
        batch_op.drop_column('strategies_label')

    with op.batch_alter_table('strategy', schema=None) as batch_op:
        batch_op.drop_constraint('fk_strategy_parent_id', type_='foreignkey')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('reform_area', schema=None) as batch_op:
        batch_op.drop_constraint('fk_reform_area_parent_id', type_='foreignkey')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('saved_framework', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_framework_key'))

    op.drop_table('saved_framework')
