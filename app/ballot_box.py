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
import contextlib
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
    # A thread's future, or the event loop's where the box writes on the loop.
    future: Future[Ballot] | asyncio.Future[Ballot] = field(default_factory=Future)


class BallotBox:
    def __init__(self, engine: Engine, *, max_batch: int = 64, on_loop: bool | None = None,
                 on_committed: Callable[[set[str]], None] = lambda _codes: None) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.on_committed = on_committed  # gets the workshop codes a batch changed
        self._queue: queue.SimpleQueue[_Queued | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._sqlite = engine.dialect.name == "sqlite"
        # On the loop (the server's default, RUAMKIT_DB_ON_LOOP): batches are written on the
        # event loop itself. A writer thread bought nothing but contention: it gave up the
        # interpreter lock at every row it read and waited for the loop, busy with thousands of
        # phones, to hand it back (2,000 phones, 200 taps/s, SQLite: the core at 93-99 %, p95 ack
        # 134 ms; 4,000 phones on two processes with PostgreSQL: ratio 2.0 against 0.97). A
        # PostgreSQL across a slow network would make the loop wait on each round trip: there the
        # setting is turned off and the batches have their own thread. Scripts: a thread.
        self.on_loop = self._sqlite if on_loop is None else on_loop
        self._waiting: list[_Queued] = []
        self.gather_seconds = 0.01
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.batches = self.commands = 0

    def start(self) -> None:
        if self.on_loop:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._drain_forever())
            return
        self._thread = threading.Thread(target=self._run, name="ballot-box", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop (the writer thread)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    async def close(self) -> None:
        """Write what is queued, then stop: for the server's shutdown, on its loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            while self._waiting:
                self._write_waiting()
        else:
            await asyncio.to_thread(self.stop)

    @property
    def running(self) -> bool:
        return self._thread is not None or self._task is not None

    def cast(self, *, code: str, key: str | None, command: Command,
             admit: Admit = lambda _participant_id: None) -> Future[Ballot]:
        """Queue a command with the key that sends it; the future holds the ballot once committed,
        or the domain error that refused it. Not started (a script, a test): written here and now."""
        future: Future[Ballot] = Future()
        queued = _Queued(voting.Request(code=code, key=key, command=command, admit=admit), future=future)
        if self._thread is None:
            self._write_alone(queued)
        else:
            self._queue.put(queued)
        return future

    async def submit(self, *, code: str, key: str | None, command: Command,
                     admit: Admit = lambda _participant_id: None) -> Ballot:
        """cast() for a request handler: waits for the commit without holding a thread."""
        if self._task is not None:
            future: asyncio.Future[Ballot] = asyncio.get_running_loop().create_future()
            self._waiting.append(_Queued(voting.Request(code=code, key=key, command=command, admit=admit),
                                         future=future))
            assert self._wake is not None
            self._wake.set()
            return await future
        if self._thread is None:  # never block the event loop on an inline write
            return await asyncio.to_thread(
                lambda: self.cast(code=code, key=key, command=command, admit=admit).result())
        return await asyncio.wrap_future(self.cast(code=code, key=key, command=command, admit=admit))

    # --- the writer on the event loop (SQLite) ---

    async def _drain_forever(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        last_write = 0.0
        while True:
            await self._wake.wait()
            self._wake.clear()
            # Group commit: in a storm (the last batch was just written) wait a few milliseconds
            # so that several taps share one transaction: a batch's fixed cost (about 1 ms of
            # CPU: its reads and its commit) was paid by nearly every tap alone at 200 taps/s.
            # A quiet room's tap is written at once.
            busy = loop.time() - last_write < self.gather_seconds
            await asyncio.sleep(self.gather_seconds if busy else 0)
            while self._waiting:
                written_here = await self._write_waiting_async()
                last_write = loop.time()
                if not written_here:
                    break

    async def _write_waiting_async(self) -> bool:
        """Write the next batch; False if it went to a thread because another writer held the lock."""
        batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                raw = session.connection().connection.dbapi_connection
                if getattr(raw, "try_hold", lambda: True)():
                    self._write(batch, session)
                    return True
        except Exception:  # never let the writer die: the next batch must run
            log.exception("Writing a batch of %d commands failed", len(batch))
            for queued in batch:
                _settle(queued, _try_again())
            return True
        # Another writer (an import, a facilitator's action) holds SQLite's write lock: wait
        # for it in a thread, never on the loop, which serves every phone.
        await asyncio.to_thread(self._write, batch)
        return False

    def _write_waiting(self) -> None:
        batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
        self._write(batch)

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
            except Exception:  # never let the writer die: the next batch must run
                log.exception("Writing a batch of %d commands failed", len(batch))
                for queued in batch:
                    if not queued.future.done():
                        queued.future.set_exception(_try_again())
            if stopping:
                return

    def _write(self, batch: list[_Queued], session: Session | None = None) -> None:
        try:
            with session or Session(self.engine, expire_on_commit=False) as session:
                if self._sqlite:
                    # Take the write lock first: a transaction that read before another
                    # writer committed could not write afterwards (SQLITE_BUSY_SNAPSHOT).
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                answers, codes = voting.record(session, [q.request for q in batch])
                session.commit()
        except Exception:
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
            _settle(queued, error)
            return
        except Exception:  # the database is away: the caller is told to try again
            log.warning("A %s could not be written", type(queued.request.command).__name__, exc_info=True)
            _settle(queued, _try_again())
            return
        if codes:
            self.on_committed(codes)
        _settle(queued, answers[0])


def _try_again() -> Unavailable:
    return Unavailable("Your change could not be saved just now; nothing was changed. Try again in a moment.",
                       seconds=2)


def _settle(queued: _Queued, answer: Ballot | DomainError) -> None:
    future = queued.future
    if isinstance(future, asyncio.Future) and not _on_loop_of(future):
        # Written in a thread for a waiter on the loop: hand the answer over there.
        future.get_loop().call_soon_threadsafe(_settle_now, future, answer)
    else:
        _settle_now(future, answer)


def _settle_now(future: Future[Ballot] | asyncio.Future[Ballot], answer: Ballot | DomainError) -> None:
    if future.done():  # its request went away
        return
    if isinstance(answer, DomainError):
        future.set_exception(answer)
    else:
        future.set_result(answer)


def _on_loop_of(future: asyncio.Future[Ballot]) -> bool:
    try:
        return asyncio.get_running_loop() is future.get_loop()
    except RuntimeError:
        return False
