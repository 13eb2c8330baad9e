"""The ballot box: every change of dots and scores in this process, written by one thread in batches.

Whoever sends it (the phone's + and -, the JSON API's PUT, a scoring tap), a change reaches the
database only through here: the route turns the request into one command (app/services/voting.py),
hands it over with the key that asks, awaits the commit and answers.

Why: under a vote storm (2,000 phones, 200 taps/s) request threads each ran their own small
transaction. SQLite lets one writer in at a time, so they queued on the write lock while passing
the interpreter lock back and forth with the event loop: acknowledgements took seconds with the
CPU not even busy (the phone's + button, on that path, took 14 s at p50 at 200 taps/s). One
thread taking the commands in arrival order, all that are waiting in one transaction, keeps the
write lock busy only for the work itself: who is asking, the rounds, projects and earlier votes
are read once for the whole batch (voting.record), and a command is acknowledged only after the
commit that holds it.

A command refused by a rule (over the budget, wrong phase, unknown key) writes nothing and the
others go on. If the batch itself fails (a lock race with another process, a deadlock on
PostgreSQL), it is rolled back and every command in it is run again on its own, with the usual
retries; one that still cannot be written gets a "try again" (503).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import with_retry
from app.errors import DomainError, Unavailable
from app.services import voting
from app.services.voting import Admit, Ballot, Command

log = logging.getLogger(__name__)


@dataclass
class _Queued:
    request: voting.Request
    future: Future[Ballot] = field(default_factory=Future)


class BallotBox:
    def __init__(self, engine: Engine, *, max_batch: int = 64,
                 on_committed: Callable[[set[str]], None] = lambda _codes: None) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.on_committed = on_committed  # gets the workshop codes a batch changed
        self._queue: queue.SimpleQueue[_Queued | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._sqlite = engine.dialect.name == "sqlite"
        self.batches = self.commands = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ballot-box", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def cast(self, *, code: str, key: str | None, command: Command,
             admit: Admit = lambda _participant_id: None) -> Future[Ballot]:
        """Queue a command with the key that sends it; the future holds the ballot once committed,
        or the domain error that refused it. Not started (a script, a test): written here and now."""
        queued = _Queued(voting.Request(code=code, key=key, command=command, admit=admit))
        if self._thread is None:
            self._write_alone(queued)
        else:
            self._queue.put(queued)
        return queued.future

    async def submit(self, *, code: str, key: str | None, command: Command,
                     admit: Admit = lambda _participant_id: None) -> Ballot:
        """cast() for a request handler: waits for the commit without holding a thread."""
        if self._thread is None:  # never block the event loop on an inline write
            return await asyncio.to_thread(
                lambda: self.cast(code=code, key=key, command=command, admit=admit).result())
        return await asyncio.wrap_future(self.cast(code=code, key=key, command=command, admit=admit))

    # --- the writer thread ---

    def _run(self) -> None:
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
                log.exception("Writing a batch of %d commands failed", len(batch))
                for queued in batch:
                    if not queued.future.done():
                        queued.future.set_exception(_try_again())
            if stopping:
                return

    def _write(self, batch: list[_Queued]) -> None:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                if self._sqlite:
                    # Take the write lock first: a transaction that read before another
                    # writer committed could not write afterwards (SQLITE_BUSY_SNAPSHOT).
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                answers, codes = voting.record(session, [q.request for q in batch])
                session.commit()
        except Exception:  # noqa: BLE001
            log.warning("A batch of %d commands failed as a whole; writing them one by one", len(batch),
                        exc_info=True)
            for queued in batch:
                self._write_alone(queued)
            return
        self.batches += 1
        self.commands += len(batch)
        if codes:
            self.on_committed(codes)
        for queued, answer in zip(batch, answers, strict=True):
            _settle(queued, answer)

    def _write_alone(self, queued: _Queued) -> None:
        def attempt() -> tuple[list[Ballot | DomainError], set[str]]:
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    outcome = voting.record(session, [queued.request])
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
                return outcome

        try:
            answers, codes = with_retry(attempt)
        except DomainError as error:
            queued.future.set_exception(error)
            return
        except Exception:  # noqa: BLE001  (the database is away: the caller is told to try again)
            log.warning("A %s could not be written", type(queued.request.command).__name__, exc_info=True)
            queued.future.set_exception(_try_again())
            return
        if codes:
            self.on_committed(codes)
        _settle(queued, answers[0])


def _try_again() -> Unavailable:
    return Unavailable("Your change could not be saved just now; nothing was changed. Try again in a moment.",
                       seconds=2)


def _settle(queued: _Queued, answer: Ballot | DomainError) -> None:
    if isinstance(answer, DomainError):
        queued.future.set_exception(answer)
    else:
        queued.future.set_result(answer)
