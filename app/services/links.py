"""Named facilitator links: issued by the main facilitator, listed with their last use,
revoked at once (identify() stops knowing a revoked key; the hub closes its open consoles)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.errors import NotFound
from app.models import FacilitatorLink, LinkRole, Workshop, utcnow
from app.services import action_log, rules
from app.services.access import Actor, hash_key, new_key
from app.services.rules import Action


def issue(session: Session, *, event: Workshop, workshop: Workshop, name: str, role: LinkRole,
          actor: Actor | None = None, commit: bool = True) -> tuple[FacilitatorLink, str]:
    """A new link acting in `workshop` (the event's or one of its groups: a link of a group acts
    in that group only, rules.check); returns it and its raw key, shown once. `actor` is checked
    (the services that make groups check their own)."""
    if actor is not None:
        rules.require(Action.manage_links, actor, event)
    assert workshop.id == event.id or workshop.parent_id == event.id, "a link acts in its event or a group of it"
    key = new_key()
    link = FacilitatorLink(workshop_id=workshop.id, event_id=event.id, name=name, role=role.value,
                           key_hash=hash_key(key))
    session.add(link)
    session.flush()
    if actor is not None:
        action_log.record(session, workshop=event, actor=actor, action=Action.manage_links,
                          message=action_log.LINK_ISSUED, role=action_log.term("role", role.value), name=name)
    if commit:
        session.commit()
    return link, key


def list_links(session: Session, *, event: Workshop) -> list[FacilitatorLink]:
    return list(session.exec(select(FacilitatorLink).where(FacilitatorLink.event_id == event.id)
                             .order_by(col(FacilitatorLink.id))))


def revoke(session: Session, *, event: Workshop, actor: Actor, link_id: int) -> FacilitatorLink:
    """Stop a link at once. The caller tells the hub to close its consoles (hub.revoke_link)."""
    rules.require(Action.manage_links, actor, event)
    link = session.get(FacilitatorLink, link_id) if 0 < link_id < 2**62 else None
    if link is None or link.event_id != event.id:
        raise NotFound("This workshop has no link with id {id}.", id=link_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        session.add(link)
        action_log.record(session, workshop=event, actor=actor, action=Action.manage_links,
                          message=action_log.LINK_REVOKED, role=action_log.term("role", link.role), name=link.name)
        session.commit()
    return link


def is_revoked(engine: Engine, link_id: int) -> bool:
    """Read now, on a session of its own (a socket that opened just as its link was revoked)."""
    with Session(engine) as session:
        link = session.get(FacilitatorLink, link_id) if 0 < link_id < 2**62 else None
        return link is None or link.revoked_at is not None


def where_they_act(session: Session, links: list[FacilitatorLink]) -> dict[int, str]:
    """Workshop id -> code, for the workshops (the event's, its groups') these links act in."""
    ids = {link.workshop_id for link in links}
    if not ids:
        return {}
    return dict(session.exec(select(Workshop.id, Workshop.code).where(col(Workshop.id).in_(ids))).all())
