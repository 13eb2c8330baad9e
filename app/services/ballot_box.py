"""The ballot box: every dot change of this process, written by one thread in batches.

Why: under a vote storm (2,000 phones, 200 votes/s) forty request threads each ran their own
small transaction. SQLite lets one writer in at a time, so they queued on the write lock
while passing the interpreter lock back and forth with the event loop, and the transaction
holding the write lock advanced only in the slices of time it got: acknowledgements took
seconds with the CPU not even busy. One thread taking the votes in arrival order, several to
a transaction (one savepoint-free batch, one commit), keeps the write lock busy only for the
work itself, and a vote is acknowledged only after the commit that holds it.

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
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import with_retry
from app.errors import DomainError

log = logging.getLogger(__name__)
T = TypeVar("T")

# A vote function runs inside the batch's transaction and must not commit; it gets the
# session and a dict it may use to remember what the batch has already read.
VoteWork = Callable[[Session, dict[Any, Any]], Any]


@dataclass
class _Ballot:
    work: VoteWork
    future: Future[Any] = field(default_factory=Future)


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

    def cast(self, work: VoteWork) -> Future[Any]:
        """Queue a vote; the future holds its result once committed, or its error."""
        ballot = _Ballot(work)
        if self._thread is None:  # not started (a script, a test): write it here and now
            self._write_alone(ballot)
        else:
            self._queue.put(ballot)
        return ballot.future

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
                log.exception("Writing a batch of %d votes failed", len(batch))
                for ballot in batch:
                    if not ballot.future.done():
                        ballot.future.set_exception(RuntimeError("The vote could not be recorded."))
            if stopping:
                return

    def _write(self, batch: list[_Ballot]) -> None:
        outcomes: list[tuple[_Ballot, Any, BaseException | None]] = []
        codes: set[str] = set()
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                if self._sqlite:
                    # Take the write lock first: a transaction that read before another
                    # writer committed could not write afterwards (SQLITE_BUSY_SNAPSHOT).
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                memo: dict[Any, Any] = {"changed": codes}
                for ballot in batch:
                    try:
                        outcomes.append((ballot, ballot.work(session, memo), None))
                    except DomainError as refused:
                        outcomes.append((ballot, None, refused))
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
        for ballot, result, error in outcomes:
            if error is not None:
                ballot.future.set_exception(error)
            else:
                ballot.future.set_result(result)

    def _write_alone(self, ballot: _Ballot) -> None:
        codes: set[str] = set()

        def attempt() -> Any:
            codes.clear()
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    result = ballot.work(session, {"changed": codes})
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
                return result

        try:
            result = with_retry(attempt)
        except Exception as error:  # noqa: BLE001  (the caller's future carries it)
            ballot.future.set_exception(error)
            return
        if codes:
            self.on_committed(codes)
        ballot.future.set_result(result)
