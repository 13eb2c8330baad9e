"""Pre-moderation of edits and typed agencies.

A proposer's edit of an approved proposal waits in the project's pending_* columns (the
approved text stays shown until the facilitator approves the edit); agency_review keeps the
facilitator's decision on each agency name typed at join.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 06:25:02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('agency_review',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workshop_id', 'name_key')
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('pending_description', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=True))
        batch_op.add_column(sa.Column('pending_agency', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('pending_tags', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
        batch_op.add_column(sa.Column('pending_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_column('pending_since')
        batch_op.drop_column('pending_tags')
        batch_op.drop_column('pending_agency')
        batch_op.drop_column('pending_description')
        batch_op.drop_column('pending_title')

    op.drop_table('agency_review')
