"""The ballot box: every dot change of this process, written by one thread in batches.

Why: under a vote storm (2,000 phones, 200 votes/s) forty request threads each ran their own
small transaction. SQLite lets one writer in at a time, so they queued on the write lock
while passing the interpreter lock back and forth with the event loop, and the transaction
holding the write lock advanced only in the slices of time it got: acknowledgements took
seconds with the CPU not even busy. One thread taking the votes in arrival order, all that
are waiting in one transaction, keeps the write lock busy only for the work itself: who is
asking, the rounds, projects and earlier votes are read with one query for the whole batch
(on PostgreSQL each statement is a round trip, and those, not the CPU, were the limit), and a
vote is acknowledged only after the commit that holds it.

A vote refused by a rule (over the budget, wrong phase, unknown key) raises a domain error
before it writes anything the batch keeps, and the others go on. If the batch itself fails
(a lock race with another process, a deadlock on PostgreSQL), it is rolled back and every
vote in it is run again on its own, with the usual retries.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import with_retry
from app.errors import DomainError
from app.models.vote import VoteResult
from app.services import access, voting, workshops
from app.services.access import Role

log = logging.getLogger(__name__)

Admit = Callable[[int], None]  # the rate limit for a participant id; raises RateLimited


@dataclass
class _Ballot:
    code: str
    key: str | None
    project_id: int
    dots: int
    admit: Admit
    future: Future[VoteResult] = field(default_factory=Future)


def count(session: Session, ballots: list[_Ballot]) -> tuple[list[VoteResult | DomainError], set[str]]:
    """Record ballots in the session's transaction (no commit), in order: (each one's answer,
    the codes of the workshops that changed)."""
    answers: dict[int, VoteResult | DomainError] = {}
    changed: set[str] = set()
    by_code: dict[str, list[int]] = {}
    for i, ballot in enumerate(ballots):
        by_code.setdefault(ballot.code, []).append(i)
    for code, indexes in by_code.items():
        try:
            workshop = workshops.get_workshop(session, code=code)
        except DomainError as unknown:
            answers.update(dict.fromkeys(indexes, unknown))
            continue
        actors = access.identify_many(session, workshop=workshop, keys=[ballots[i].key for i in indexes])
        votes: list[tuple[int, int, int]] = []
        voting_indexes: list[int] = []
        for i, actor in zip(indexes, actors, strict=True):
            try:
                actor = access.require(actor, Role.participant, action="vote")
                assert actor.participant_id is not None
                ballots[i].admit(actor.participant_id)
            except DomainError as refused:
                answers[i] = refused
                continue
            votes.append((actor.participant_id, ballots[i].project_id, ballots[i].dots))
            voting_indexes.append(i)
        if votes:
            results = voting.set_dots_together(session, workshop=workshop, votes=votes)
            answers.update(zip(voting_indexes, results, strict=True))
            if any(isinstance(r, VoteResult) for r in results):
                changed.add(workshop.code)
    return [answers[i] for i in range(len(ballots))], changed


class BallotBox:
    def __init__(self, engine: Engine, *, max_batch: int = 64,
                 on_committed: Callable[[set[str]], None] = lambda _codes: None) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.on_committed = on_committed  # gets the workshop codes a batch changed
        self._queue: queue.SimpleQueue[_Ballot | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._sqlite = engine.dialect.name == "sqlite"
        self.batches = self.votes = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ballot-box", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def cast(self, *, code: str, key: str | None, project_id: int, dots: int,
             admit: Admit = lambda _participant_id: None) -> Future[VoteResult]:
        """Queue a vote (set_dots, with the key that asks); the future holds its result once
        committed, or the domain error that refused it."""
        ballot = _Ballot(code=code, key=key, project_id=project_id, dots=dots, admit=admit)
        if self._thread is None:  # not started (a script, a test): write it here and now
            self._write_alone(ballot)
        else:
            self._queue.put(ballot)
        return ballot.future

    # --- the writer thread ---

    def _run(self) -> None:  # the writer thread
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            try:
                self._write(batch)
            except Exception:  # noqa: BLE001  (never let the writer die: the next batch must run)
                log.exception("Writing a batch of %d votes failed", len(batch))
                for ballot in batch:
                    if not ballot.future.done():
                        ballot.future.set_exception(RuntimeError("The vote could not be recorded."))
            if stopping:
                return

    def _write(self, batch: list[_Ballot]) -> None:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                if self._sqlite:
                    # Take the write lock first: a transaction that read before another
                    # writer committed could not write afterwards (SQLITE_BUSY_SNAPSHOT).
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                answers, codes = count(session, batch)
                session.commit()
        except Exception:  # noqa: BLE001
            log.warning("A batch of %d votes failed as a whole; writing them one by one", len(batch),
                        exc_info=True)
            for ballot in batch:
                self._write_alone(ballot)
            return
        self.batches += 1
        self.votes += len(batch)
        if codes:
            self.on_committed(codes)
        for ballot, answer in zip(batch, answers, strict=True):
            _settle(ballot, answer)

    def _write_alone(self, ballot: _Ballot) -> None:
        def attempt() -> tuple[list[VoteResult | DomainError], set[str]]:
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    outcome = count(session, [ballot])
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
                return outcome

        try:
            answers, codes = with_retry(attempt)
        except Exception as error:  # noqa: BLE001  (the caller's future carries it)
            ballot.future.set_exception(error)
            return
        if codes:
            self.on_committed(codes)
        _settle(ballot, answers[0])


def _settle(ballot: _Ballot, answer: VoteResult | DomainError) -> None:
    if isinstance(answer, DomainError):
        ballot.future.set_exception(answer)
    else:
        ballot.future.set_result(answer)
