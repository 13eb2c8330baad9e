"""Voting rounds: which round is current, its limits and its scope."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Round, RoundProject, Workshop


def ensure_first_round(session: Session, *, workshop: Workshop) -> Round:
    """Round 1 (dot voting on all projects), made current; every workshop has one."""
    first = Round(workshop_id=workshop.id, number=1, mode="dots")
    session.add(first)
    session.flush()
    workshop.current_round_id = first.id
    session.add(workshop)
    return first


def current_round(session: Session, *, workshop: Workshop) -> Round:
    round_ = session.get(Round, workshop.current_round_id) if workshop.current_round_id else None
    if round_ is None or round_.workshop_id != workshop.id:
        round_ = session.exec(select(Round).where(Round.workshop_id == workshop.id)
                              .order_by(col(Round.number).desc())).first()
    if round_ is None:
        round_ = ensure_first_round(session, workshop=workshop)
        session.commit()
    return round_


def list_rounds(session: Session, *, workshop: Workshop) -> list[Round]:
    return list(session.exec(select(Round).where(Round.workshop_id == workshop.id).order_by(Round.number)))


def budget(round_: Round, workshop: Workshop) -> int:
    return round_.dots_per_participant or workshop.dots_per_participant


def cap(round_: Round, workshop: Workshop) -> int:
    return round_.max_dots_per_project or workshop.max_dots_per_project


def scope(session: Session, *, round_: Round) -> set[int] | None:
    """The project ids a scoped round is limited to, or None for all visible projects."""
    if round_.scope_top_n is None:
        return None
    return set(session.exec(select(RoundProject.project_id).where(RoundProject.round_id == round_.id)))
