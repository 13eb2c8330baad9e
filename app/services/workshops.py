"""Creating workshops, finding them by join code, phases and settings."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from app.errors import Conflict, Invalid, NotFound
from app.models.workshop import framework_of
from app.models import Agency, Participant, Phase, ReformArea, SavedFramework, Strategy, Workshop, core_table, utcnow
from app.models.workshop import (
    OWN_PRESET_PREFIX,
    FrameworkFile,
    SCREEN_VIEWS,
    TALLY_VIEWS,
    AgencyPublic,
    CustomFramework,
    FrameworkEntryIn,
    TagPublic,
    TimerPublic,
    WorkshopCreate,
    WorkshopPublic,
    WorkshopSettingsUpdate,
)
from app.services import action_log, frameworks, presets, rounds, timer
from app.services.access import Actor, Role, hash_key, new_key, screen_key_for
from app.services.rules import Action, allows, check
from app.versions import Memo

# No 0/O, 1/I/L: a code read off a projector is typed without guessing.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return code.strip().upper()


def _code_or_refuse(code: str) -> str:
    """A well-formed code: a workshop's (5 to 8 letters and digits) or a group's (a workshop's
    code, a dash and the group's number, MDES26-3)."""
    code = normalise_code(code)
    event, dash, number = code.partition("-")
    if not (5 <= len(event) <= 8 and all(c in CODE_ALPHABET for c in event)):
        raise _no_such(code)
    if dash and not (number.isascii() and number.isdigit() and 1 <= len(number) <= 3 and number[0] != "0"):
        raise _no_such(code)
    return code


def _no_such(code: str) -> NotFound:
    return NotFound("No workshop has the join code '{code}'. Check the code and try again.", code=code[:20])


def get_workshop(session: Session, *, code: str) -> Workshop:
    """The workshop with this join code, ignoring case; NotFound otherwise."""
    code = _code_or_refuse(code)
    workshop = session.exec(select(Workshop).where(Workshop.code == code)).first()
    if workshop is None:
        raise _no_such(code)
    return workshop


WORKSHOP = core_table(Workshop)
# What the vote path reads of a workshop: a plain row with the entity's attribute names.
VOTING_COLUMNS = [WORKSHOP.c[name] for name in ("id", "code", "phase", "language", "dots_per_participant",
                                                "max_dots_per_project", "current_round_id",
                                                "facilitator_key_hash", "screen_key_hash", "parent_id")]


_VOTING_ROW = select(*VOTING_COLUMNS).where(WORKSHOP.c.code == bindparam("code"))


def voting_row(session: Session, *, code: str) -> Any:
    """get_workshop() for the ballot box: the columns the vote rules read, as a plain row (on this
    hot path, loading the entity was a measurable part of each batch)."""
    code = _code_or_refuse(code)
    row = session.connection().execute(_VOTING_ROW, {"code": code}).first()
    if row is None:
        raise _no_such(code)
    return row


def saved_framework(session: Session, *, key: str) -> SavedFramework:
    """An own preset by its id; NotFound otherwise."""
    saved = session.exec(select(SavedFramework).where(SavedFramework.key == key)).first()
    if saved is None:
        raise NotFound("No saved framework has the id '{id}'. Check the id and try again.", id=key[:40])
    return saved


def _resolve_own_preset(session: Session, workshop_in: WorkshopCreate) -> tuple[WorkshopCreate, str | None]:
    """The request with an own preset's id replaced by the framework it keeps (and its agencies,
    unless the request lists some), and the built-in preset that framework was based on."""
    if not (isinstance(workshop_in.framework, str) and workshop_in.framework.startswith(OWN_PRESET_PREFIX)):
        return workshop_in, None
    kept = FrameworkFile.model_validate_json(saved_framework(session, key=workshop_in.framework).body)
    english = workshop_in.language == "en"
    agencies = workshop_in.agencies or [((a.name_en or a.name_th) if english else (a.name_th or a.name_en)) or ""
                                        for a in kept.agencies]
    return workshop_in.model_copy(update={"framework": kept.custom(), "agencies": agencies}), kept.based_on


def create_workshop(session: Session, *, workshop_in: WorkshopCreate,
                    code: str | None = None) -> tuple[Workshop, str, str]:
    """Make a workshop with its framework copied in (a preset, an own preset or a custom one);
    returns it with the two raw keys."""
    workshop_in, based_on = _resolve_own_preset(session, workshop_in)
    facilitator_key = new_key()
    screen_key = screen_key_for(facilitator_key)
    for _attempt in range(10):
        workshop = Workshop(
            code=code or new_code(),
            title=workshop_in.title,
            description=workshop_in.description,
            language=workshop_in.language,
            framework=based_on or ("custom" if isinstance(workshop_in.framework, CustomFramework)
                                   else workshop_in.framework),
            dots_per_participant=workshop_in.dots_per_participant,
            max_dots_per_project=workshop_in.max_dots_per_project,
            show_live_tallies=workshop_in.show_live_tallies,
            premoderate=workshop_in.premoderate,
            time_zone=workshop_in.time_zone,
            shuffle_projects=workshop_in.shuffle_projects,
            require_strategy=workshop_in.require_strategy,
            typed_agencies=workshop_in.typed_agencies,
            facilitator_key_hash=hash_key(facilitator_key),
            screen_key_hash=hash_key(screen_key),
        )
        session.add(workshop)
        try:
            session.flush()
            break
        except IntegrityError:  # join code already taken: draw another
            session.rollback()
    else:
        raise Conflict("Could not find a free join code; try again.")
    _copy_framework(session, workshop=workshop, workshop_in=workshop_in)
    rounds.ensure_first_round(session, workshop=workshop)
    session.commit()
    return workshop, facilitator_key, screen_key


def _copy_framework(session: Session, *, workshop: Workshop, workshop_in: WorkshopCreate) -> None:
    lang = workshop_in.language
    if isinstance(workshop_in.framework, CustomFramework):
        custom = workshop_in.framework
        _add_tree(session, Strategy, workshop=workshop, entries=custom.strategies, language=lang)
        _add_tree(session, ReformArea, workshop=workshop, entries=custom.reform_areas, language=lang)
        if custom.labels is not None:
            workshop.strategies_label = custom.labels.strategies
            workshop.reform_areas_label = custom.labels.reform_areas
            session.add(workshop)
    else:
        preset = presets.PRESETS[workshop_in.framework]  # own presets are resolved by now
        for position, entry in enumerate(preset.strategies):
            session.add(Strategy(workshop_id=workshop.id, code=entry.code, name_th=entry.name_th,
                                 name_en=entry.name_en, position=position))
        for position, entry in enumerate(preset.reform_areas):
            session.add(ReformArea(workshop_id=workshop.id, code=entry.code, name_th=entry.name_th,
                                   name_en=entry.name_en, position=position))
    # An agency a preset knows gets both its names, whichever language it was given in.
    known = {spelling.casefold(): entry for preset in presets.PRESETS.values() for entry in preset.agencies
             for spelling in (entry.name_th, entry.name_en) if spelling}
    seen: set[str] = set()
    for position, name in enumerate(workshop_in.agencies):
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        match = known.get(name.casefold())
        name_th, name_en = (match.name_th, match.name_en) if match else _both(name, lang)
        session.add(Agency(workshop_id=workshop.id, position=position, name_th=name_th, name_en=name_en))


def _add_tree(session: Session, model: type[Strategy] | type[ReformArea], *, workshop: Workshop,
              entries: list[FrameworkEntryIn], language: str) -> None:
    """A dimension's entries, parents before children, in reading order (position counts
    through the whole tree). A parent is flushed for its id: at most 100 entries a dimension."""
    position = 0

    def add(level: list[FrameworkEntryIn], parent_id: int | None) -> None:
        nonlocal position
        for entry in level:
            name_th, name_en = (entry.name_th, entry.name_en) if entry.name_th or entry.name_en \
                else _both(entry.name, language)
            row = model(workshop_id=workshop.id, code=entry.code, name_th=name_th, name_en=name_en,
                        position=position, parent_id=parent_id)
            position += 1
            session.add(row)
            if entry.children:
                session.flush()
                add(entry.children, row.id)

    add(entries, None)


def _both(name: str, language: str) -> tuple[str | None, str | None]:
    """A name given in one language, stored as (Thai, English)."""
    return (None, name) if language == "en" else (name, None)


def rotate_keys(session: Session, *, workshop: Workshop) -> tuple[str, str]:
    """New facilitator and screen keys (the old links stop working); returns the raw keys."""
    facilitator_key = new_key()
    screen_key = screen_key_for(facilitator_key)
    workshop.facilitator_key_hash, workshop.screen_key_hash = hash_key(facilitator_key), hash_key(screen_key)
    session.add(workshop)
    # The event's facilitator key opens its groups' consoles too (app/services/groups.py).
    for group in session.exec(select(Workshop).where(Workshop.parent_id == workshop.id)):
        group.facilitator_key_hash = workshop.facilitator_key_hash
        session.add(group)
    session.commit()
    return facilitator_key, screen_key


def event_code(code: str) -> str:
    """The event's code for a group's code (MDES26-3 -> MDES26); a workshop's own code as it is.
    A workshop's code has no dash (_code_or_refuse), so this needs no database."""
    return code.partition("-")[0]


def framework(session: Session, *, workshop: Workshop,
              kept: Memo | None = None) -> tuple[list[Strategy], list[ReformArea]]:
    """The workshop's strategies and reform areas (a group's are its event's: framework_of).
    With `kept` (a projects-only Memo), read once until its event's projects change (any change
    to the event or its groups but votes): each group's redraw read them twice, 40 groups at once."""
    def read() -> tuple[list[Strategy], list[ReformArea]]:
        return list_strategies(session, workshop=workshop), list_reform_areas(session, workshop=workshop)

    if kept is None:
        return read()
    return kept.get(event_code(workshop.code), ("framework", framework_of(workshop)), read)


def list_strategies(session: Session, *, workshop: Workshop) -> list[Strategy]:
    return list(session.exec(select(Strategy).where(Strategy.workshop_id == framework_of(workshop))
                             .order_by(col(Strategy.position), col(Strategy.id))))


def list_reform_areas(session: Session, *, workshop: Workshop) -> list[ReformArea]:
    return list(session.exec(select(ReformArea).where(ReformArea.workshop_id == framework_of(workshop))
                             .order_by(col(ReformArea.position), col(ReformArea.id))))


def list_agencies(session: Session, *, workshop: Workshop) -> list[Agency]:
    return list(session.exec(select(Agency).where(Agency.workshop_id == framework_of(workshop))
                             .order_by(col(Agency.position), col(Agency.id))))


def members(workshop: Workshop) -> ColumnElement[bool]:
    """Who takes part in this workshop: its own participants, and for an event its groups' as
    well (they all vote in the plenary). A group's are its own."""
    return members_of(workshop.id, group=workshop.parent_id is not None)


def members_of(workshop_id: int | ColumnElement[int] | None, *, group: bool) -> ColumnElement[bool]:
    """members() by the workshop's id, which may be a bound parameter (a statement built once)."""
    if group:
        return col(Participant.workshop_id) == workshop_id
    event = select(Workshop.id).where((col(Workshop.id) == workshop_id) | (col(Workshop.parent_id) == workshop_id))
    return col(Participant.workshop_id).in_(event.scalar_subquery())


def participant_count(session: Session, *, workshop: Workshop) -> int:
    return session.exec(select(func.count()).select_from(Participant).where(members(workshop))).one()


def room_size(session: Session, *, workshop: Workshop) -> int:
    """How many phones may reach this workshop's pages (rate limits per address grow with it)."""
    return participant_count(session, workshop=workshop)


def describe(session: Session, *, workshop: Workshop, language: str | None = None) -> WorkshopPublic:
    """The workshop as the API shows it, names in the given language (default: the workshop's)."""
    lang = language or workshop.language
    return WorkshopPublic(
        code=workshop.code,
        title=workshop.title,
        description=workshop.description,
        phase=Phase(workshop.phase),
        language=workshop.language,
        framework=workshop.framework,
        strategies=[TagPublic(id=s.id, code=s.code, name=s.name_in(lang), parent_id=s.parent_id)
                    for s in list_strategies(session, workshop=workshop)],
        reform_areas=[TagPublic(id=r.id, code=r.code, name=r.name_in(lang), parent_id=r.parent_id)
                      for r in list_reform_areas(session, workshop=workshop)],
        agencies=[AgencyPublic(id=a.id, name=a.name_in(lang))
                  for a in list_agencies(session, workshop=workshop)],
        dots_per_participant=workshop.dots_per_participant,
        max_dots_per_project=workshop.max_dots_per_project,
        show_live_tallies=workshop.show_live_tallies,
        participant_count=participant_count(session, workshop=workshop),
        premoderate=workshop.premoderate,
        screen_view=workshop.screen_view,
        screen_page=workshop.screen_page,
        screen_drill=workshop.screen_drill_id,
        screen_area_drill=workshop.screen_area_drill_id,
        timer=timer_public(workshop),
        time_zone=workshop.time_zone,
        shuffle_projects=workshop.shuffle_projects,
        require_strategy=workshop.require_strategy,
        typed_agencies=workshop.typed_agencies,
        labels=frameworks.labels(workshop, lang),
    )


def timer_public(workshop: Workshop, *, now: timer.Clock = utcnow) -> TimerPublic | None:
    current = timer.state(workshop, now=now)
    if current is None:
        return None
    return TimerPublic(running=current.running, remaining=round(current.remaining, 3), ends_at=current.ends_at,
                       phase=current.phase, auto_advance=current.auto_advance, server_now=now())


def set_phase(session: Session, *, workshop: Workshop, actor: Actor, phase: Phase, commit: bool = True) -> Workshop:
    """The facilitator may move to any phase, back included (e.g. reopen voting). A timer
    set for another phase is dropped. (commit=False: many groups moved in one transaction.)"""
    check(Action.set_phase, actor, workshop)
    before = workshop.phase
    workshop.phase = phase
    if workshop.timer_phase is not None and workshop.timer_phase != phase:
        timer.clear(workshop)
    session.add(workshop)
    action_log.record(session, workshop=workshop, actor=actor, action=Action.set_phase, message=action_log.PHASE_CHANGE,
                      before=action_log.term("phase", before), after=action_log.term("phase", phase))
    if commit:
        session.commit()
    return workshop


def update_settings(session: Session, *, workshop: Workshop, actor: Actor,
                    settings_in: WorkshopSettingsUpdate) -> Workshop:
    check(Action.change_settings, actor, workshop)
    changed = []
    for field, value in settings_in.model_dump(exclude_none=True).items():
        value = value or None if field.endswith("_label") else value
        if getattr(workshop, field) != value:
            changed.append(action_log.change(field, value))
        setattr(workshop, field, value)
    session.add(workshop)
    if changed:
        action_log.record(session, workshop=workshop, actor=actor, action=Action.change_settings,
                          message=action_log.SETTINGS, changes=changed)
    session.commit()
    return workshop


def set_screen_view(session: Session, *, workshop: Workshop, actor: Actor, view: str) -> Workshop:
    """What the big screen shows: one of SCREEN_VIEWS ("auto" follows the phase). Allowed in
    every phase: the screen is presentation, not workshop content."""
    check(Action.choose_screen_view, actor, workshop)
    if view not in SCREEN_VIEWS:
        raise Invalid("Unknown screen view '{view}'; choose one of: {views}.", view=view[:20],
                      views=", ".join(SCREEN_VIEWS))
    if view != workshop.screen_view:
        workshop.screen_page = None  # another view: its pages turn from the start
    workshop.screen_view = view
    session.add(workshop)
    session.commit()
    return workshop


def set_screen_page(session: Session, *, workshop: Workshop, actor: Actor, page: int | None) -> Workshop:
    """Hold the big screen on one page of its view (1-based; a page past the last holds the
    last), or let it turn them again (None). The facilitator's call, in every phase."""
    check(Action.hold_screen_page, actor, workshop)
    if page is not None and not 1 <= page <= 1000:
        raise Invalid("A screen page is a number from 1 to 1000.")
    workshop.screen_page = page
    session.add(workshop)
    session.commit()
    return workshop


def set_screen_drill(session: Session, *, workshop: Workshop, actor: Actor, strategy_id: int | None = None,
                     area_id: int | None = None, areas: bool = False) -> Workshop:
    """Drill the big screen into a strategy (its per-strategy views, the wall and the coverage
    map show that strategy's children, with their rolled-up figures) or, with `areas`, into a
    reform area (the coverage map shows its children); None: back to the top level. Its pages
    turn from the start."""
    check(Action.drill_screen, actor, workshop)
    _check_drill(session, workshop, area_id if areas else strategy_id, areas)
    if areas:
        workshop.screen_area_drill_id = area_id
    else:
        workshop.screen_drill_id = strategy_id
    workshop.screen_page = None
    session.add(workshop)
    session.commit()
    return workshop


def _check_drill(session: Session, workshop: Workshop, entry_id: int | None, areas: bool) -> None:
    """A drill goes into an entry of this workshop's framework that has entries under it."""
    if entry_id is None:
        return
    if areas:
        if frameworks.drill(list_reform_areas(session, workshop=workshop), entry_id).focus is None:
            raise Invalid("Reform area {id} is not a reform area of this workshop with areas under it.", id=entry_id)
    elif frameworks.drill(list_strategies(session, workshop=workshop), entry_id).focus is None:
        raise Invalid("Strategy {id} is not a strategy of this workshop with strategies under it.", id=entry_id)


def set_screen(session: Session, *, workshop: Workshop, actor: Actor, view: str | None = None,
               page: int | None = None, hold: bool = False, drill: int | None = None,
               drilling: bool = False, area_drill: int | None = None, area_drilling: bool = False) -> Workshop:
    """The API's screen door: the view, the page held (hold=True: `page`, None to turn), the
    strategy drilled into (drilling=True: `drill`, None for the top level), the reform area
    drilled into (area_drilling=True: `area_drill`), or several;
    everything is checked before anything changes."""
    if view is not None:
        check(Action.choose_screen_view, actor, workshop)
    if hold:
        check(Action.hold_screen_page, actor, workshop)
    if drilling or area_drilling:
        check(Action.drill_screen, actor, workshop)
        _check_drill(session, workshop, drill if drilling else None, False)
        _check_drill(session, workshop, area_drill if area_drilling else None, True)
    if drilling:
        set_screen_drill(session, workshop=workshop, actor=actor, strategy_id=drill)
    if area_drilling:
        set_screen_drill(session, workshop=workshop, actor=actor, area_id=area_drill, areas=True)
    if view is not None:
        set_screen_view(session, workshop=workshop, actor=actor, view=view)
    if hold:
        set_screen_page(session, workshop=workshop, actor=actor, page=page)
    return workshop


# What "auto" shows in each phase; "newest" (the latest proposals) and "slides" (ranking,
# strategies and coverage in turn) are shown only by auto.
AUTO_VIEWS = {Phase.setup: "join", Phase.propose: "newest", Phase.vote: "tallies", Phase.results: "slides",
              Phase.closed: "slides"}


def screen_body(workshop: Workshop, *, view: str | None = None) -> str:
    """The view the big screen draws now: the chosen one (or `view`) or the phase's, and
    "hidden" in place of any view that shows dots or scores while tallies are hidden. An
    event's groups grid is chosen in group_grid.screen_body, which knows the event's groups."""
    view = view or workshop.screen_view
    view = view if view in SCREEN_VIEWS else "auto"
    if view == "auto":
        view = AUTO_VIEWS[Phase(workshop.phase)]
    if (view in TALLY_VIEWS or view == "slides") and not tallies_visible(workshop):
        return "hidden"
    return view


def tallies_visible(workshop: Workshop, *, to_facilitator: bool = False) -> bool:
    """Whether tallies may be shown on phones and the screen (or the facilitator's console)
    right now: the one rule /results follows too (app/services/rules.py, see_tallies)."""
    return allows(Action.see_tallies, _FACILITATOR if to_facilitator else _ROOM, workshop)


# The screen and the phones see tallies under one rule (LIVE_TALLIES): a participant stands for both.
_FACILITATOR, _ROOM = Actor(Role.facilitator), Actor(Role.participant)
