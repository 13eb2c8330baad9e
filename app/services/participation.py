"""Participation numbers: who has joined, who has voted in the current round (by its voting
method's measure: a dot in a dot round, a score in a scoring round), the dots cast, and the
roster of agencies: every invited agency, joined or not, then the agencies people typed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, bindparam, func
from sqlmodel import Session, col, select

from app.models import Agency, Participant, Vote, Workshop
from app.services import agencies, methods, moderation, rounds, workshops

# The console lists at most this many participants who have not voted yet (with the total).
NOT_VOTED_SHOWN = 300


@dataclass(frozen=True)
class AgencyRow:
    """One line of the agency roster.

    `name` is the agency as stored (an invited agency: its name in the workshop's language;
    "" for participants who named none; None for the screen's one line of typed names not yet
    approved under pre-moderation). `agency` is the invited agency, for its name in another
    language (`name_in`)."""

    name: str | None
    joined: int
    voted: int
    invited: bool
    agency: Agency | None = None

    @property
    def not_voted(self) -> int:
        return self.joined - self.voted

    @property
    def status(self) -> str:
        """not_joined (an invited agency nobody came from), not_voted (people came, none has
        voted yet), some_voted, all_voted."""
        if self.joined == 0:
            return "not_joined"
        if self.voted == 0:
            return "not_voted"
        return "all_voted" if self.voted >= self.joined else "some_voted"

    def name_in(self, language: str) -> str | None:
        return self.agency.name_in(language) if self.agency is not None else self.name

    def __iter__(self) -> Iterator[Any]:  # unpacks as the (name, joined, voted) rows it extends
        return iter((self.name, self.joined, self.voted))


@dataclass(frozen=True)
class Waiting:
    """A participant who has joined but not voted in the current round."""

    name: str
    agency: str


def counts(session: Session, workshop: Workshop, *, by_agency: bool = True) -> dict[str, Any]:
    """Participation numbers, from aggregate queries: a redraw in a 5,000-phone room must not
    load 5,000 participant rows (that was 50 ms of every 60 ms render at 2,000 phones).

    Keys: participant_count; voter_count (took part in the current round by its method's
    measure); dots_cast (0 in a scoring round); measure (the round's mode). With by_agency:
    agency_rows ((name, joined, voted) tuples in roster order), agency_roster (AgencyRow, the
    same rows with the invited flag and status), not_voted (Waiting, up to NOT_VOTED_SHOWN) and
    not_voted_count."""
    round_ = rounds.current_round(session, workshop=workshop)
    # Core rows on the session's connection (same transaction), no ORM step: these queries run
    # on every redraw of a big workshop's views and of each of 40 groups'.
    connection = session.connection()
    participant_count, voter_count, dots_cast = connection.execute(
        _numbers(round_.mode, group=workshop.parent_id is not None),
        {"workshop_id": workshop.id, "round_id": round_.id}).one()
    values: dict[str, Any] = {
        "participant_count": int(participant_count),
        "voter_count": int(voter_count),
        "dots_cast": int(dots_cast),
        "measure": round_.mode,
        "agency_rows": [],
    }
    if by_agency:
        voters = _voters(methods.of(round_.mode).took_part(round_.id))
        member = workshops.members(workshop)  # an event's: its groups' people too (the plenary is everyone's)
        agency = func.coalesce(Participant.agency, "")
        joined = connection.execute(select(agency, func.count(), func.min(Participant.id))
                                    .where(member).group_by(agency)).all()
        voted = {name: n for name, n in connection.execute(select(agency, func.count())
                                                           .where(member, col(Participant.id).in_(voters))
                                                           .group_by(agency))}
        roster = _roster(workshops.list_agencies(session, workshop=workshop), workshop.language,
                         [(a, int(n), int(voted.get(a, 0)), first) for a, n, first in joined])
        waiting = select(Participant.name, Participant.agency).where(
            member, col(Participant.id).not_in(voters))
        values.update(
            agency_roster=roster,
            agency_rows=[(r.name or "", r.joined, r.voted) for r in roster],
            not_voted=[Waiting(name, agency or "") for name, agency in connection.execute(
                waiting.order_by(col(Participant.agency), col(Participant.name), col(Participant.id))
                .limit(NOT_VOTED_SHOWN))],
            not_voted_count=int(participant_count) - int(voter_count),
        )
    return values


def _voters(took_part: Any) -> Any:
    """The distinct participants in a method's took_part."""
    return select(took_part.subquery().c.participant_id).distinct()


_NUMBERS: dict[tuple[str, bool], Any] = {}


def _numbers(mode: str, *, group: bool) -> Any:
    """participant_count, voter_count and dots_cast in one statement, built once per voting
    method and kind of workshop (group or not), with the workshop's and round's ids bound at
    each use: a group's redraw (40 groups, several a second) paid more for building and
    compiling three statements than SQLite took to run them."""
    made = _NUMBERS.get((mode, group))
    if made is None:
        workshop_id, round_id = bindparam("workshop_id", type_=Integer), bindparam("round_id", type_=Integer)
        voters = _voters(methods.of(mode).took_part(round_id))
        made = _NUMBERS[(mode, group)] = select(
            select(func.count()).select_from(Participant).where(workshops.members_of(workshop_id, group=group))
            .scalar_subquery(),
            select(func.count()).select_from(voters.subquery()).scalar_subquery(),
            select(func.coalesce(func.sum(Vote.dots), 0))
            .where(Vote.workshop_id == workshop_id, Vote.round_id == round_id).scalar_subquery())
    return made


def _roster(invited: list[Agency], language: str, joined: list[tuple[str, int, int, int]]) -> list[AgencyRow]:
    """Invited agencies in the list's order (those nobody came from included), then the names
    participants typed (most participants first, then first arrival), then "no agency given".
    A stored name that is a spelling of an invited agency counts for it (participants who
    joined before the list matched their spelling, or who typed where typing is allowed)."""
    on_list: dict[int, list[int]] = {a.id: [0, 0] for a in invited}
    typed: dict[str, list[int]] = {}
    for name, n, voted, first in joined:
        found = agencies.match(invited, name) if name.strip() else None
        if found is not None:
            on_list[found.id][0] += n
            on_list[found.id][1] += voted
        else:
            row = typed.setdefault(name.strip(), [0, 0, first])
            row[0], row[1], row[2] = row[0] + n, row[1] + voted, min(row[2], first)
    rows = [AgencyRow(name=a.name_in(language), joined=on_list[a.id][0], voted=on_list[a.id][1],
                      invited=True, agency=a) for a in invited]
    ordered = sorted(typed.items(), key=lambda item: (item[0] == "", -item[1][0], item[1][2]))
    rows += [AgencyRow(name=name, joined=n, voted=voted, invited=False) for name, (n, voted, _first) in ordered]
    return rows


def screen_roster(session: Session, *, workshop: Workshop, roster: list[AgencyRow]) -> list[AgencyRow]:
    """The big screen's roster: with pre-moderation on, typed names the facilitator has not
    approved are counted together in one row named None ("other agencies"), after the others."""
    if not workshop.premoderate:
        return list(roster)
    # The rule of which typed names may show is moderation's: ask it about the typed rows.
    typed = [(r.name or "", r.joined, r.voted) for r in roster if not r.invited]
    allowed = {name for name, _joined, _voted in moderation.screen_agency_rows(session, workshop=workshop, rows=typed)
               if name is not moderation.OTHER_AGENCIES}
    shown = [r for r in roster if r.invited or r.name in allowed]
    others = [r for r in roster if not (r.invited or r.name in allowed)]
    if others:
        shown.append(AgencyRow(name=None, joined=sum(r.joined for r in others), voted=sum(r.voted for r in others),
                               invited=False))
    return shown

