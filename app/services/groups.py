"""Breakout groups of a large event: each a workshop of its own under the event's workshop.

A group keeps its own phase, timer, projects, rounds, votes, results and screen, so every rule
and view of a workshop works inside it unchanged; it shares the event's framework and agency
list (Workshop.framework_id). Its code is the event's code, a dash and its number (MDES26-3).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.errors import Invalid, NotFound
from app.models import FacilitatorLink, LinkRole, Participant, Phase, Project, Score, Vote, Workshop, utcnow
from app.services import action_log, links, rounds, rules, workshops
from app.services.access import Actor, hash_key, new_key, screen_key_for
from app.services.rules import Action
from app.versions import Memo

MAX_GROUPS = 200  # a national event has 20 to 60 tables; more is a mistake, not an event


@dataclass(frozen=True)
class NewGroup:
    group: Workshop
    group_facilitator_key: str  # shown once, as every key
    screen_key: str


def event_of(session: Session, workshop: Workshop, kept: Memo | None = None) -> Workshop:
    """The event's workshop: this one, or the workshop this group belongs to. With `kept` (the
    hub's projects-only Memo), a group's redraw takes the event's row as read until the event
    changes (any change to it moves that version), not read again for each of 40 groups' redraws."""
    if workshop.parent_id is None:
        return workshop
    parent_id = workshop.parent_id

    def read() -> Workshop:
        event = session.get(Workshop, parent_id)
        assert event is not None
        return event

    return read() if kept is None else kept.get(workshops.event_code(workshop.code), ("event", parent_id), read)


def list_groups(session: Session, *, event: Workshop) -> list[Workshop]:
    return list(session.exec(select(Workshop).where(Workshop.parent_id == event.id)
                             .order_by(col(Workshop.group_number))))


def group_ids(session: Session, *, event: Workshop) -> list[int]:
    return list(session.exec(select(Workshop.id).where(Workshop.parent_id == event.id)
                             .order_by(col(Workshop.group_number))))


def group_codes(session: Session, *, event: Workshop) -> list[str]:
    return list(session.exec(select(Workshop.code).where(Workshop.parent_id == event.id)
                             .order_by(col(Workshop.group_number))))


def has_groups(session: Session, *, event: Workshop) -> bool:
    return session.exec(select(func.count()).select_from(Workshop).where(Workshop.parent_id == event.id)).one() > 0


def pasted_names(text: str) -> list[str]:
    """Group names from a pasted list: one a line, blank lines and numbering bullets dropped."""
    names = []
    for line in text.splitlines():
        name = " ".join(line.split()).lstrip("-•*").strip()
        if name:
            names.append(name[:100])
    return names


def add_groups(session: Session, *, event: Workshop, actor: Actor, names: Sequence[str],
               facilitator_key: str | None = None) -> list[NewGroup]:
    """Groups named `names` (one, or many pasted at once), numbered after the event's last
    group, each with its own group-facilitator link and screen key. Commits.

    Given the event's facilitator key, each group's keys are drawn from it (group_keys), so the
    main console can show every group's links again later; otherwise they are shown once."""
    rules.require(Action.manage_groups, actor, event)
    if event.parent_id is not None:
        raise Invalid("A group cannot have groups of its own; add groups to the workshop.")
    names = [name for name in names if name]
    if not names:
        raise Invalid("Give each group a name.")
    last = session.exec(select(func.max(Workshop.group_number)).where(Workshop.parent_id == event.id)).one() or 0
    if last + len(names) > MAX_GROUPS:
        raise Invalid("A workshop has at most {max} groups.", max=MAX_GROUPS)
    derive = facilitator_key is not None and hmac.compare_digest(hash_key(facilitator_key),
                                                                 event.facilitator_key_hash)
    made = []
    for number, name in enumerate(names, start=last + 1):
        group = Workshop(
            code=f"{event.code}-{number}", title=name, description="", language=event.language,
            framework=event.framework, dots_per_participant=event.dots_per_participant,
            max_dots_per_project=event.max_dots_per_project, show_live_tallies=event.show_live_tallies,
            premoderate=event.premoderate, time_zone=event.time_zone, shuffle_projects=event.shuffle_projects,
            require_strategy=event.require_strategy, typed_agencies=event.typed_agencies,
            strategies_label=event.strategies_label, reform_areas_label=event.reform_areas_label,
            # The event's facilitator key opens every group's console too (rotate_keys keeps them equal).
            facilitator_key_hash=event.facilitator_key_hash, screen_key_hash=unused_key_hash(),
            parent_id=event.id, group_number=number)
        session.add(group)
        session.flush()
        rounds.ensure_first_round(session, workshop=group)
        link, group_key = links.issue(session, event=event, workshop=group, name=name,
                                      role=LinkRole.group_facilitator, commit=False)
        if derive:
            assert facilitator_key is not None
            group_key = derived_key(facilitator_key, link.id)
            link.key_hash = hash_key(group_key)
            session.add(link)
        # The group's screen key is drawn from its facilitator's: the group console shows it too.
        screen_key = screen_key_for(group_key)
        group.screen_key_hash = hash_key(screen_key)
        session.add(group)
        made.append(NewGroup(group, group_key, screen_key))
    action_log.record(session, workshop=event, actor=actor, action=Action.manage_groups,
                      message=action_log.GROUPS_ADDED, names=", ".join(g.group.title for g in made))
    session.commit()
    return made


@dataclass(frozen=True)
class Status:
    """A group as the console's Groups card lists it, live: its phase (the group's own) and counts."""

    group: Workshop
    participants: int
    projects: int


def status(session: Session, *, event: Workshop) -> list[Status]:
    """Every group of the event in number order, with its counts (nothing more asked of an
    event without groups)."""
    found = list_groups(session, event=event)
    counted = _counts(session, [group.id for group in found]) if found else {}
    return [Status(group, *counted.get(group.id, (0, 0))) for group in found]


def counts(session: Session, *, event: Workshop) -> dict[int, tuple[int, int]]:
    """(participants, visible projects) per group id."""
    return _counts(session, group_ids(session, event=event))


def _counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    people = dict(session.exec(select(Participant.workshop_id, func.count()).where(
        col(Participant.workshop_id).in_(ids)).group_by(col(Participant.workshop_id))).all())
    projects = dict(session.exec(select(Project.workshop_id, func.count()).where(
        col(Project.workshop_id).in_(ids), col(Project.hidden).is_(False),
        col(Project.merged_into_id).is_(None)).group_by(col(Project.workshop_id))).all())
    return {gid: (people.get(gid, 0), projects.get(gid, 0)) for gid in ids}


def derived_key(facilitator_key: str, link_id: int) -> str:
    """A group facilitator's key drawn from the event's facilitator key and its link's id: who
    holds the event's key can show it again; no one else can work it out."""
    digest = hmac.new(facilitator_key.encode(), f"ruamkit group link {link_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class GroupKeys:
    group_facilitator_key: str | None  # None: not drawn from this key (shown once, or renewed)
    screen_key: str | None


def group_keys(session: Session, *, event: Workshop, facilitator_key: str) -> dict[int, GroupKeys]:
    """Each group's live facilitator and screen keys, as far as they are drawn from this key (the
    event's facilitator key); a key it does not give back is None."""
    if not hmac.compare_digest(hash_key(facilitator_key), event.facilitator_key_hash):
        return {}
    live = session.exec(select(FacilitatorLink).where(
        FacilitatorLink.event_id == event.id, FacilitatorLink.role == LinkRole.group_facilitator.value,
        col(FacilitatorLink.revoked_at).is_(None)).order_by(col(FacilitatorLink.id))).all()
    keys: dict[int, str] = {}
    for link in live:
        key = derived_key(facilitator_key, link.id)
        if hmac.compare_digest(hash_key(key), link.key_hash):
            keys[link.workshop_id] = key
    found = {}
    for group in list_groups(session, event=event):
        mine = keys.get(group.id)
        screen = screen_key_for(mine) if mine else None
        if screen is not None and not hmac.compare_digest(hash_key(screen), group.screen_key_hash):
            screen = None
        found[group.id] = GroupKeys(mine, screen)
    return found


def renew_links(session: Session, *, event: Workshop, group: Workshop, actor: Actor,
                facilitator_key: str | None = None) -> NewGroup:
    """A new group-facilitator link and screen link for a group (the old ones stop working). Commits."""
    rules.require(Action.manage_groups, actor, event)
    now = utcnow()
    for old in session.exec(select(FacilitatorLink).where(
            FacilitatorLink.workshop_id == group.id, FacilitatorLink.role == LinkRole.group_facilitator.value,
            col(FacilitatorLink.revoked_at).is_(None))):
        old.revoked_at = now
        session.add(old)
    link, key = links.issue(session, event=event, workshop=group, name=group.title,
                            role=LinkRole.group_facilitator, commit=False)
    if facilitator_key is not None and hmac.compare_digest(hash_key(facilitator_key), event.facilitator_key_hash):
        key = derived_key(facilitator_key, link.id)
        link.key_hash = hash_key(key)
        session.add(link)
    screen_key = screen_key_for(key)
    group.screen_key_hash = hash_key(screen_key)
    session.add(group)
    action_log.record(session, workshop=group, actor=actor, action=Action.manage_groups,
                      message=action_log.GROUP_LINKS_RENEWED, name=group.title)
    session.commit()
    return NewGroup(group, key, screen_key)


def console_keys(session: Session, *, workshop: Workshop, key: str) -> tuple[str | None, str | None]:
    """The facilitator and screen keys a console held with `key` shows for its workshop: its
    own key and the screen key drawn from it; on a group's console opened with the event's key,
    the group's own links (None where they cannot be shown again)."""
    if workshop.parent_id is not None and hmac.compare_digest(hash_key(key), workshop.facilitator_key_hash):
        found = group_keys(session, event=event_of(session, workshop), facilitator_key=key).get(workshop.id)
        return (found.group_facilitator_key, found.screen_key) if found else (None, None)
    screen = screen_key_for(key)
    return key, screen if hmac.compare_digest(hash_key(screen), workshop.screen_key_hash) else None


MOVE_LIST = 20  # participants listed at once by the console's search (a hall has 2,000)


@dataclass(frozen=True)
class Seat:
    participant: Participant
    place: Workshop  # the group they sit in, or the event (no group)


def find_participants(session: Session, *, event: Workshop, query: str) -> list[Seat]:
    """Participants of the event and its groups whose name or agency holds `query` (at most MOVE_LIST)."""
    places = {event.id: event, **{g.id: g for g in list_groups(session, event=event)}}
    wanted = select(Participant).where(col(Participant.workshop_id).in_(list(places)))
    words = query.strip()[:100]
    if words:
        like = f"%{words}%"
        wanted = wanted.where(col(Participant.name).ilike(like) | col(Participant.agency).ilike(like))
    found = session.exec(wanted.order_by(col(Participant.name), col(Participant.id)).limit(MOVE_LIST)).all()
    return [Seat(p, places[p.workshop_id]) for p in found]


def plenary_vote_open(session: Session, *, workshop: Workshop, kept: Memo | None = None) -> Workshop | None:
    """For a group: its event, while the plenary is voting on projects of its own (the group's
    phones then point to it); else None. `kept`: as event_of's."""
    if workshop.parent_id is None:
        return None
    event = event_of(session, workshop, kept)
    if event.phase != Phase.vote:
        return None
    plenary = session.exec(select(func.count()).select_from(Project).where(
        Project.workshop_id == event.id, col(Project.hidden).is_(False),
        col(Project.merged_into_id).is_(None))).one()
    return event if plenary else None


def get_group(session: Session, *, event: Workshop, group_id: int) -> Workshop:
    """A group of this event by its id; NotFound otherwise."""
    group = session.get(Workshop, group_id) if 0 < group_id < 2**62 else None  # the database's integer range
    if group is None or group.parent_id != event.id:
        raise NotFound("This workshop has no group with id {id}.", id=group_id)
    return group


def joining(session: Session, *, workshop: Workshop, group_id: int | None) -> Workshop:
    """Where a join lands: the group chosen by id on the event's join (`group_id`), else the
    workshop or group whose code was used."""
    if group_id is None or group_id == workshop.id:
        return workshop
    if workshop.parent_id is not None:
        raise Invalid("This is a group's code: join it as it is, without choosing another group.")
    return chosen_group(session, event=workshop, group_id=group_id)


def chosen_group(session: Session, *, event: Workshop, group_id: int | None) -> Workshop:
    """The group a request's body chose (None: the event itself); 422 for a group not of this event."""
    if group_id is None:
        return event
    try:
        return get_group(session, event=event, group_id=group_id)
    except NotFound:  # a choice in the body, not the address: like an unknown strategy id
        raise Invalid("This workshop has no group with id {id}.", id=group_id) from None


def set_phase_all(session: Session, *, event: Workshop, actor: Actor, phase: Phase) -> list[Workshop]:
    """Move every group to `phase` at once (the main facilitator's button). Commits once."""
    rules.require(Action.manage_groups, actor, event)
    every = list_groups(session, event=event)
    for group in every:
        rules.require(Action.set_phase, actor, group)
    for group in every:
        workshops.set_phase(session, workshop=group, actor=actor, phase=phase, commit=False)
    action_log.record(session, workshop=event, actor=actor, action=Action.set_phase,
                      message=action_log.EVERY_GROUP_TO, phase=action_log.term("phase", phase.value))
    session.commit()
    return every


def move_participant(session: Session, *, event: Workshop, actor: Actor, participant_id: int,
                     group_id: int | None) -> tuple[Participant, Workshop, Workshop]:
    """Put a participant in another group (None: in none, the plenary only). Their dots and
    scores in the group they leave go back (their proposals stay there). Commits; returns the
    participant, the workshop or group left and the one joined."""
    rules.require(Action.move_participant, actor, event)
    participant = session.get(Participant, participant_id) if 0 < participant_id < 2**62 else None
    ids = [event.id, *group_ids(session, event=event)]
    if participant is None or participant.workshop_id not in ids:
        raise NotFound("This workshop has no participant with id {id}.", id=participant_id)
    target = event if group_id is None else get_group(session, event=event, group_id=group_id)
    left = session.get(Workshop, participant.workshop_id)
    assert left is not None
    if left.id != target.id:
        if left.id != event.id:  # dots on the plenary stay: everyone votes there
            for table in (Vote, Score):
                session.exec(delete(table).where(col(table.participant_id) == participant.id,
                                                 col(table.workshop_id) == left.id))
        participant.workshop_id = target.id
        participant.ballot_version += 1
        session.add(participant)
        action_log.record(session, workshop=event, actor=actor, action=Action.move_participant,
                          message=action_log.PARTICIPANT_MOVED, name=participant.name, left=left.title,
                          joined=target.title)
        session.commit()
    return participant, left, target


# Table cards as a file drawn by a render worker (app/render_worker.py): the kind names the size
# and, URL-safe, where phones join (the worker has no request to read it from).
CARDS_KIND = "cards-"


def cards_kind(size: str, base: str) -> str:
    return f"{CARDS_KIND}{size}~" + base64.urlsafe_b64encode(base.encode()).decode().rstrip("=")


def parse_cards_kind(kind: str) -> tuple[str, str]:
    """(size, base) of a cards_kind()."""
    size, _, packed = kind.removeprefix(CARDS_KIND).partition("~")
    if size not in ("a4", "a5"):
        raise Invalid("Table cards come in A4 or A5.")
    return size, base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)).decode()


def table_cards(session: Session, *, event: Workshop, base: str) -> dict[str, Any]:
    """What the table cards show: each group's name, join code and the link its QR code holds."""
    return {"workshop": event, "cards": [(g, f"{base}/j/{g.code}") for g in list_groups(session, event=event)],
            "base": base}


def unused_key_hash() -> str:
    """A key hash no one holds (for rows that need one)."""
    return hash_key(new_key())
