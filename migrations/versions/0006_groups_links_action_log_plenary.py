"""Large events: breakout groups, named facilitator links, the action log, plenary lineage.

A group is a workshop row under its event's workshop (parent_id, group_number); its code is
the event's code, a dash and its number, so codes grow to 12 characters.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 16:43:38.321664

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('action_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['workshop.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('action_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_log_event_id'), ['event_id'], unique=False)

    op.create_table('facilitator_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['workshop.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('facilitator_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facilitator_link_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilitator_link_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('plenary_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('source_project_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('dots', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['workshop.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_project_id'], ['project.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plenary_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plenary_source_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('group_number', sa.Integer(), nullable=True))
        batch_op.alter_column('code',
               existing_type=sa.VARCHAR(length=8),
               type_=sqlmodel.sql.sqltypes.AutoString(length=12),
               existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_workshop_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key('fk_workshop_parent_id', 'workshop', ['parent_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_constraint('fk_workshop_parent_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_workshop_parent_id'))
        batch_op.alter_column('code',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=12),
               type_=sa.VARCHAR(length=8),
               existing_nullable=False)
        batch_op.drop_column('group_number')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('plenary_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plenary_source_project_id'))

    op.drop_table('plenary_source')
    with op.batch_alter_table('facilitator_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facilitator_link_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_facilitator_link_event_id'))

    op.drop_table('facilitator_link')
    with op.batch_alter_table('action_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_log_event_id'))

    op.drop_table('action_log')
