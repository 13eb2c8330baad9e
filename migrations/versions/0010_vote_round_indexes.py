"""Votes indexed for what every redraw reads of a round: the tallies (project, dots) and who has
voted (participant, dots), each answered from its index alone; they replace the index on the
round alone, which sent each of a big workshop's 6,000 votes' rows to be read from the table.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 00:30:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index('ix_vote_round_tally', ['round_id', 'project_id', 'workshop_id', 'dots'], unique=False)
        batch_op.create_index('ix_vote_round_voter', ['round_id', 'participant_id', 'dots'], unique=False)
        batch_op.drop_index('ix_vote_round_id')


def downgrade() -> None:
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index('ix_vote_round_id', ['round_id'], unique=False)
        batch_op.drop_index('ix_vote_round_voter')
        batch_op.drop_index('ix_vote_round_tally')
