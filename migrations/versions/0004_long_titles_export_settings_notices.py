"""Long titles, export and phone settings, co-proposing agencies, phone notices.

Titles of projects and workshops grow to 500 characters; a workshop gains its time zone (for
exports' dates), shuffled project order, the "at least one strategy" warning, whether typed
agencies are allowed (true for workshops made before the invited-agency rule, as they did),
and the big screen's held page; a project keeps the agencies merged into it; a participant a
notice for their phone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 13:07:48.765912

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True))

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('co_agencies', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False, server_default=''))
        batch_op.alter_column('title',
               existing_type=sa.VARCHAR(length=200),
               type_=sqlmodel.sql.sqltypes.AutoString(length=500),
               existing_nullable=False)
        batch_op.alter_column('pending_title',
               existing_type=sa.VARCHAR(length=200),
               type_=sqlmodel.sql.sqltypes.AutoString(length=500),
               existing_nullable=True)

    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default='Asia/Bangkok'))
        batch_op.add_column(sa.Column('shuffle_projects', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('require_strategy', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('typed_agencies', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('screen_page', sa.Integer(), nullable=True))
        batch_op.alter_column('title',
               existing_type=sa.VARCHAR(length=200),
               type_=sqlmodel.sql.sqltypes.AutoString(length=500),
               existing_nullable=False)



def downgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.alter_column('title',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=500),
               type_=sa.VARCHAR(length=200),
               existing_nullable=False)
        batch_op.drop_column('screen_page')
        batch_op.drop_column('typed_agencies')
        batch_op.drop_column('require_strategy')
        batch_op.drop_column('shuffle_projects')
        batch_op.drop_column('time_zone')

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.alter_column('pending_title',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=500),
               type_=sa.VARCHAR(length=200),
               existing_nullable=True)
        batch_op.alter_column('title',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=500),
               type_=sa.VARCHAR(length=200),
               existing_nullable=False)
        batch_op.drop_column('co_agencies')

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('notice')

