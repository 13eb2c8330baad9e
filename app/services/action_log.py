"""The action log of an event: who did what, when (phase changes, merges, hides, edits,
promotions, links). Services record into it in the same transaction as the change itself, so
an entry exists exactly when the change does.

An entry's detail is a message (an N_() literal, the catalogs translate it) and its params,
so each reader sees it in their own language. Params that name a phase, a role or a setting
are kept as terms ({"phase": "vote"}) and shown by their label; the JSON API shows them as the
API's own words (`propose → vote`). Entries older than the params (or imported as text only)
are shown as they were written."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.i18n import N_
from app.models import ActionLogEntry, Workshop
from app.services.access import Actor
from app.services.rules import Action

MAX_DETAIL = 2000
MAX_PARAMS = 20000  # the params column's length

# What each kind of entry is called in the console and the exports (the catalogs translate it).
LABELS: dict[str, str] = {
    Action.set_phase: N_("Phase changed"),
    Action.change_settings: N_("Settings changed"),
    Action.run_timer: N_("Timer"),  # started, extended, paused, resumed
    Action.control_timer: N_("Timer stopped"),
    Action.edit_project: N_("Project edited"),
    Action.moderate_edit: N_("Proposer's edit reviewed"),
    Action.approve_project: N_("Project approved"),
    Action.hide_project: N_("Project hidden"),
    Action.restore_project: N_("Project restored"),
    Action.merge_projects: N_("Projects merged"),
    Action.manage_links: N_("Facilitator links"),
    Action.manage_groups: N_("Groups"),
    Action.move_participant: N_("Participant moved"),
    Action.promote_to_plenary: N_("Promoted to the plenary"),
}


def label(action: str) -> str:
    """The untranslated name of a kind of entry (an unknown one is shown as it is)."""
    return LABELS.get(action, action)


# What the details say, one message per kind of detail. Only these are ever formatted (an
# imported entry naming another is kept as plain text: a format string is never taken from a file).
PHASE_CHANGE = N_("{before} → {after}")
EVERY_GROUP_TO = N_("every group to {phase}")
SETTINGS = N_("{changes}")
TIMER_STARTED = N_("started, {minutes} min")
TIMER_EXTENDED = N_("{minutes} min added")
TIMER_PAUSED = N_("paused, {left} left")
TIMER_RESUMED = N_("resumed, {left} left")
TIMER_STOPPED = N_("stopped")
PROJECT = N_("#{id} {title}")
EDIT_APPROVED = N_("#{id} {title} (edit approved)")
EDIT_REJECTED = N_("#{id} {title} (edit rejected)")
MERGE = N_("#{source} {source_title} → #{target} {target_title}")
LINK_ISSUED = N_("issued a {role} link to {name}")
LINK_REVOKED = N_("revoked the {role} link of {name}")
GROUPS_ADDED = N_("added {names}")
GROUP_LINKS_RENEWED = N_("renewed the links of group {name}")
PARTICIPANT_MOVED = N_("{name}: {left} → {joined}")
PROMOTED_TOP = N_("top {top}: {moves}")
PROMOTED_PICKED = N_("hand-picked: {moves}")
MESSAGES = frozenset({PHASE_CHANGE, EVERY_GROUP_TO, SETTINGS, TIMER_STARTED, TIMER_EXTENDED, TIMER_PAUSED,
                      TIMER_RESUMED, TIMER_STOPPED, PROJECT, EDIT_APPROVED, EDIT_REJECTED, MERGE, LINK_ISSUED,
                      LINK_REVOKED, GROUPS_ADDED, GROUP_LINKS_RENEWED, PARTICIPANT_MOVED, PROMOTED_TOP,
                      PROMOTED_PICKED})

# Terms a detail names by their label: phases as the console's phase buttons name them, roles as
# the Facilitators card does, settings as the settings do.
TERMS: dict[str, dict[str, str]] = {
    "phase": {"setup": N_("Getting ready"), "propose": N_("Proposing"), "vote": N_("Voting"),
              "results": N_("Results"), "closed": N_("Closed")},
    "role": {"facilitator": N_("Facilitator"), "co_facilitator": N_("Co-facilitator"), "moderator": N_("Moderator"),
             "group_facilitator": N_("Group facilitator")},
    "setting": {"title": N_("Title"), "description": N_("Description"), "show_live_tallies": N_("Live tallies"),
                "premoderate": N_("Pre-moderation"), "time_zone": N_("Time zone"),
                "shuffle_projects": N_("Shuffled project order"), "require_strategy": N_("A strategy asked for"),
                "typed_agencies": N_("Typed agency names"), "strategies_label": N_("Name of the strategies"),
                "reform_areas_label": N_("Name of the reform areas")},
}
ON, OFF = N_("on"), N_("off")


def term(kind: str, value: str) -> dict[str, str]:
    """A param shown by its label in the reader's language (kind: a key of TERMS)."""
    return {kind: str(value)}


def change(setting: str, value: object) -> dict[str, object]:
    """A param saying one setting's new value (a list of these: the settings changed; a long
    description is cut, the log says it changed)."""
    return {"setting": setting, "to": value[:300] if isinstance(value, str) else value}


def record(session: Session, *, workshop: Workshop, actor: Actor, action: str, message: str = "",
           **params: object) -> None:
    """Add an entry (no commit: the caller commits it with the change). `message` is one of
    MESSAGES, filled from `params` when the entry is read."""
    event_id = workshop.parent_id if workshop.parent_id is not None else workshop.id
    kept = {key: value[:MAX_DETAIL] if isinstance(value, str) else value for key, value in params.items()}
    session.add(ActionLogEntry(event_id=event_id, workshop_id=workshop.id, who=actor.label[:120],
                               action=str(action)[:40], detail=message[:MAX_DETAIL],
                               params=json.dumps(kept, ensure_ascii=False) if message else None))


Translate = Callable[[str], str]


def describe(entry: ActionLogEntry, gettext: Translate | None = None) -> str:
    """The entry's detail in a reader's language (gettext), or in the API's words (None)."""
    if entry.params is None or entry.detail not in MESSAGES:
        return entry.detail
    try:
        params = json.loads(entry.params)
    except ValueError:
        return entry.detail
    text = gettext(entry.detail) if gettext else entry.detail
    shown = {key: _show(value, gettext) for key, value in params.items()} if isinstance(params, dict) else {}
    try:
        return text.format(**shown)[:MAX_DETAIL]
    except (KeyError, IndexError, ValueError):  # a catalog or an imported entry that does not fit
        return entry.detail


def who(entry: ActionLogEntry, gettext: Translate) -> str:
    """Who did it in a reader's language: stored as the role (Actor.label), or as the link's name
    and its role in brackets; a role ruamkit does not name (an imported file's) stays as written."""
    name, bracket, role = entry.who.rpartition(" (")
    if bracket and role.endswith(")"):
        label = TERMS["role"].get(role[:-1])
        return f"{name} ({gettext(label)})" if label else entry.who
    label = TERMS["role"].get(entry.who)
    return gettext(label) if label else entry.who


def _show(value: Any, gettext: Translate | None) -> str:
    if isinstance(value, bool):
        return (gettext(ON if value else OFF)) if gettext else str(value)
    if isinstance(value, list):
        return "; ".join(_show(item, gettext) for item in value)
    if isinstance(value, Mapping):
        if set(value) == {"setting", "to"}:
            return f"{_show(term('setting', str(value['setting'])), gettext)}: {_show(value['to'], gettext)}"
        if len(value) == 1:
            ((kind, raw),) = value.items()
            label = TERMS.get(str(kind), {}).get(str(raw))
            return gettext(label) if gettext and label else str(raw)
        return ""
    return "" if value is None else str(value)


def message_of(entry: ActionLogEntry) -> dict[str, Any] | None:
    """The entry's message and params, for the JSON export (None: a detail kept as text)."""
    if entry.params is None or entry.detail not in MESSAGES:
        return None
    try:
        params = json.loads(entry.params)
    except ValueError:
        return None
    return {"text": entry.detail, "params": params} if isinstance(params, dict) else None


def stored(detail: str, message: str | None, params: Mapping[str, Any] | None) -> tuple[str, str | None]:
    """An imported entry's detail and params columns: its message and params when the message
    is one of ours and the params fit, else the detail as text."""
    if message in MESSAGES and params is not None and _fits(dict(params)):
        text = json.dumps(dict(params), ensure_ascii=False)
        if len(text) <= MAX_PARAMS:
            return message, text
    return detail[:MAX_DETAIL], None


def _fits(value: object, depth: int = 0) -> bool:
    """Params as record() writes them: values, terms, and lists of values or terms (a file's
    deeper nesting is no detail of ours)."""
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if depth > 2:
        return False
    if isinstance(value, list):
        return all(_fits(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _fits(item, depth + 1) for key, item in value.items())
    return False


def entries(session: Session, *, event: Workshop, limit: int | None = None) -> list[ActionLogEntry]:
    """Newest first."""
    query = select(ActionLogEntry).where(ActionLogEntry.event_id == event.id).order_by(col(ActionLogEntry.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def entries_in(session: Session, *, workshop: Workshop) -> list[ActionLogEntry]:
    """One workshop's (a group's) own entries, newest first."""
    return list(session.exec(select(ActionLogEntry).where(ActionLogEntry.workshop_id == workshop.id)
                             .order_by(col(ActionLogEntry.id).desc())))


PAGE_SIZE = 20  # the console shows the newest entries and pages back through the rest


@dataclass(frozen=True)
class Page:
    """A page of the log, newest first, with where each entry happened (a workshop's code)."""

    entries: list[ActionLogEntry]
    total: int
    offset: int
    size: int
    where: dict[int, str]  # workshop id -> code (the event's or a group's)

    @staticmethod
    def label(action: str) -> str:
        return label(action)

    @staticmethod
    def describe(entry: ActionLogEntry, gettext: Translate) -> str:
        return describe(entry, gettext)

    @staticmethod
    def who(entry: ActionLogEntry, gettext: Translate) -> str:
        return who(entry, gettext)

    @property
    def older(self) -> int | None:
        """The offset of the next (older) page, if there is one."""
        return self.offset + self.size if self.offset + self.size < self.total else None

    @property
    def newer(self) -> int | None:
        return max(0, self.offset - self.size) if self.offset > 0 else None


def page(session: Session, *, workshop: Workshop, offset: int = 0, size: int = PAGE_SIZE) -> Page:
    """One page of a workshop's log, newest first: an event's has its groups' entries too, a
    group's only its own (so a link issued for one group reads no other's)."""
    offset, size = max(0, offset), max(1, min(size, 500))
    if workshop.parent_id is None:
        wanted = [ActionLogEntry.event_id == workshop.id]
    else:
        wanted = [ActionLogEntry.event_id == workshop.parent_id, ActionLogEntry.workshop_id == workshop.id]
    total = session.exec(select(func.count()).select_from(ActionLogEntry).where(*wanted)).one()
    rows = list(session.exec(select(ActionLogEntry).where(*wanted)
                             .order_by(col(ActionLogEntry.id).desc()).offset(offset).limit(size)))
    ids = {row.workshop_id for row in rows}
    where = dict(session.exec(select(Workshop.id, Workshop.code).where(col(Workshop.id).in_(ids))).all()) if ids else {}
    return Page(rows, total, offset, size, where)
