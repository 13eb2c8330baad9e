"""Voting rounds and scores, moderation flags, the phase timer and the screen view.

Every existing workshop gets round 1 (dot voting), which becomes its current round and
receives its existing votes; the vote table is rebuilt so that round_id joins its key.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:53:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("dots_per_participant", sa.Integer(), nullable=True),
        sa.Column("max_dots_per_project", sa.Integer(), nullable=True),
        sa.Column("per_strategy_budget", sa.Boolean(), nullable=False),
        sa.Column("criteria", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column("scope_top_n", sa.Integer(), nullable=True),
        sa.Column("scope_round_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["scope_round_id"], ["round.id"]),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "round_project",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id", "project_id"),
    )
    op.create_table(
        "score",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id", "project_id", "round_id", "criterion"),
    )
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_score_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_score_workshop_id"), ["workshop_id"], unique=False)

    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("approved", sa.Boolean(), nullable=False, server_default=sa.true()))

    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("premoderate", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("screen_view", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default="auto"))
        batch_op.add_column(sa.Column("timer_ends_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("timer_remaining", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("timer_phase", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column("timer_auto_advance", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("current_round_id", sa.Integer(), nullable=True))

    # Round 1 for every existing workshop, made current.
    op.execute("INSERT INTO round (workshop_id, number, title, mode, per_strategy_budget, criteria, created_at) "
               "SELECT id, 1, '', 'dots', false, '[]', created_at FROM workshop")
    op.execute("UPDATE workshop SET current_round_id = "
               "(SELECT round.id FROM round WHERE round.workshop_id = workshop.id AND round.number = 1)")

    # The vote table again, with round_id in its key; the existing votes go to round 1.
    op.create_table(
        "vote_new",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("dots", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id", "project_id", "round_id"),
    )
    op.execute("INSERT INTO vote_new (participant_id, project_id, round_id, workshop_id, dots) "
               "SELECT vote.participant_id, vote.project_id, workshop.current_round_id, vote.workshop_id, vote.dots "
               "FROM vote JOIN workshop ON workshop.id = vote.workshop_id")
    op.drop_table("vote")
    op.rename_table("vote_new", "vote")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_workshop_id"), ["workshop_id"], unique=False)


def downgrade() -> None:
    # Later rounds' votes cannot live in the old table: only round 1 (each workshop's first) is kept.
    op.create_table(
        "vote_old",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("dots", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id", "project_id"),
    )
    op.execute("INSERT INTO vote_old (participant_id, project_id, workshop_id, dots) "
               "SELECT vote.participant_id, vote.project_id, vote.workshop_id, vote.dots FROM vote "
               "JOIN round ON round.id = vote.round_id WHERE round.number = 1")
    op.drop_table("vote")
    op.rename_table("vote_old", "vote")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_workshop_id"), ["workshop_id"], unique=False)

    with op.batch_alter_table("workshop", schema=None) as batch_op:
        for column in ("current_round_id", "timer_auto_advance", "timer_phase", "timer_remaining",
                       "timer_ends_at", "screen_view", "premoderate"):
            batch_op.drop_column(column)
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("approved")
        batch_op.drop_column("pinned")
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_score_round_id"))
        batch_op.drop_index(batch_op.f("ix_score_project_id"))
    op.drop_table("score")
    op.drop_table("round_project")
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_workshop_id"))
    op.drop_table("round")
