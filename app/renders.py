"""Files drawn from a workshop (the report's PDF, the XLSX, CSV and JSON exports), away from the
server's own process, each drawn once per version of its workshop.

Why: one PDF of a big imported workshop took minutes at 100 % CPU inside the server, its memory
climbing by gigabytes, and the server ignored SIGTERM until it was done. Here:

- Each file is drawn by a render worker: a child process forked from a forkserver that has
  loaded WeasyPrint and the templates (app/render_worker.py), so it starts in milliseconds.
  At most `workers` draw at once, more wait in line (at most `queue`); a worker is killed after
  `timeout` seconds, and caps its own address space at `memory_mb` (RLIMIT_AS).
- A drawn file is kept until its workshop changes (app/versions.py): it is served only while
  the workshop is at the version it was drawn from. A failure (too slow, too big) is kept the same way, so asking
  again does not cost another minute of CPU.
- A request waits for its file at most `wait` seconds (and only a few requests wait at once,
  so they cannot fill the admission slots); then it is told to try again in a few seconds.
- On SIGTERM (or at shutdown) every worker is killed at once and every waiting request answered,
  so the server stops within moments whatever it is drawing.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from app.config import Settings
from app.errors import DomainError, TooLarge, Unavailable
from app.i18n import N_
from app.versions import Versions

log = logging.getLogger(__name__)

# What the forkserver imports before it forks any worker.
PRELOAD = ["app.render_worker"]
# How long a "try again" answer asks the client to wait.
RETRY_SECONDS = 3


@dataclass
class Failure:
    """Why a file could not be drawn: a domain error raised again for every asker."""

    template: str
    params: dict[str, Any]
    status_code: int

    def error(self) -> DomainError:
        kind = {413: TooLarge, 503: Unavailable}.get(self.status_code)
        if kind is not None:
            return kind(self.template, **self.params)
        error = DomainError(self.template, **self.params)
        error.status_code = self.status_code
        return error


@dataclass
class Job:
    code: str
    kind: str
    lang: str
    version: int = -1
    started: float | None = None
    done: threading.Event = field(default_factory=threading.Event)
    # A change arrived while this job was drawing: draw again once it ends.
    again: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.code, self.kind, self.lang)


class RenderPool:
    def __init__(self, settings: Settings, versions: Versions) -> None:
        self.settings, self.versions = settings, versions
        self.workers = max(1, settings.render_workers)
        self.timeout = settings.render_timeout
        self.memory_bytes = settings.render_memory_mb * 2**20
        self.wait = settings.render_wait
        self.max_queue = settings.render_queue
        self.cache_bytes = settings.render_cache_mb * 2**20
        self._lock = threading.Lock()
        # key -> (version drawn from, file or failure, expiry for a passing failure)
        self._cache: OrderedDict[tuple[str, str, str], tuple[int, bytes | Failure, float | None]] = OrderedDict()
        self._cached_bytes = 0
        self._jobs: dict[tuple[str, str, str], Job] = {}
        self._queue: deque[Job] = deque()
        self._running: dict[int, Any] = {}  # supervisor thread id -> worker process
        self._waiting = 0
        self._closing = threading.Event()
        self._context: Any = None
        self.drawn = 0  # files drawn by workers since start (tests read it)

    # --- asking for a file ---

    def get(self, code: str, kind: str, lang: str) -> bytes:
        """The file, drawn for the workshop as it is now; raises Unavailable (try again in a few
        seconds) or the failure that drawing it met (e.g. TooLarge)."""
        key = (code, kind, lang)
        deadline = time.monotonic() + self.wait
        waiting = False
        try:
            while True:
                with self._lock:
                    kept, job = self._kept_or_scheduled(key)
                    if kept is not None:
                        return _unwrap(kept)
                    if not waiting:
                        # Few wait at once: each holds one of the server's admission slots.
                        if self._waiting >= self.workers + 2:
                            break
                        self._waiting += 1
                        waiting = True
                left = deadline - time.monotonic()
                if left <= 0 or self._closing.is_set():
                    break
                job.done.wait(min(left, 0.2))
        finally:
            if waiting:
                with self._lock:
                    self._waiting -= 1
        if self._closing.is_set():
            raise _stopping().error()
        elapsed = int(time.monotonic() - job.started) if job.started is not None else 0
        raise Unavailable("This file is being prepared (for {elapsed} seconds so far; at most {limit}). "
                          "Try again in {seconds} seconds.",
                          elapsed=elapsed, limit=f"{self.timeout:g}", seconds=RETRY_SECONDS)

    def _kept_or_scheduled(self, key: tuple[str, str, str]) -> tuple[bytes | Failure | None, Job]:
        """The kept file for the workshop's current version, or the job that will draw it
        (queued now if there is none). Called with the lock held."""
        if self._closing.is_set():
            raise _stopping().error()
        version = self.versions.of(key[0])
        kept = self._cache.get(key)
        if kept is not None and kept[0] == version and (kept[2] is None or kept[2] > time.monotonic()):
            self._cache.move_to_end(key)
            return kept[1], Job(*key)
        job = self._jobs.get(key)
        if job is None:
            if len(self._queue) >= self.max_queue:
                raise Unavailable("The server is busy drawing other files; try again in {seconds} seconds.",
                                  seconds=RETRY_SECONDS)
            job = self._jobs[key] = Job(*key)
            self._queue.append(job)
            self._dispatch()
        elif job.started is not None and job.version != version:
            job.again = True  # drawn from an older version: draw once more when it ends
        return None, job

    # --- drawing ---

    def _dispatch(self) -> None:
        """Start queued jobs while a worker is free (called with the lock held)."""
        while self._queue and len(self._running) < self.workers and not self._closing.is_set():
            job = self._queue.popleft()
            job.version = self.versions.of(job.code)
            job.started = time.monotonic()
            thread = threading.Thread(target=self._supervise, args=(job,), name=f"render-{job.kind}", daemon=True)
            self._running[id(thread)] = None
            thread.start()

    def _supervise(self, job: Job) -> None:
        """Run one worker for a job: its answer, or a failure if it is too slow or too big."""
        me = id(threading.current_thread())
        result: bytes | Failure
        try:
            result = self._run_worker(job, me)
        except Exception as exc:  # a worker that could not even start
            log.exception("A render worker could not run")
            result = Failure(N_("This file could not be drawn ({problem}); try again in {seconds} seconds."),
                             {"problem": type(exc).__name__, "seconds": RETRY_SECONDS}, 503)
        with self._lock:
            self._running.pop(me, None)
            if not self._closing.is_set():
                self._keep(job, result)
                self.drawn += isinstance(result, bytes)
            if self._jobs.get(job.key) is job:
                del self._jobs[job.key]
                if job.again and not self._closing.is_set():
                    fresh = self._jobs[job.key] = Job(job.code, job.kind, job.lang)
                    self._queue.append(fresh)
            job.done.set()
            self._dispatch()

    def _run_worker(self, job: Job, me: int) -> bytes | Failure:
        context = self._get_context()
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(sender, self.memory_bytes, self.settings, job.code,
                                                       job.kind, job.lang), daemon=True)
        if self._closing.is_set():
            return _stopping()
        process.start()  # outside the lock: the first start also starts the forkserver (seconds)
        with self._lock:
            self._running[me] = process
        if self._closing.is_set():  # close() ran before the process was registered
            process.kill()
        sender.close()
        try:
            if receiver.poll(self.timeout):
                status, detail = receiver.recv()
            else:
                status, detail = "timeout", None
        except (EOFError, OSError):
            status, detail = "died", process.exitcode
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join(5)
        if self._closing.is_set():
            return _stopping()
        if status == "ok":
            return detail
        if status == "refused":
            template, params, status_code = detail
            return Failure(template, params, status_code)
        log.warning("Drawing %s of %s failed: %s %s", job.kind, job.code, status, detail or "")
        if status == "error":
            return Failure(N_("This file could not be drawn ({problem}); try again later."),
                           {"problem": str(detail)[:200]}, 503)
        # Too slow, too big, or killed by the system for its memory: too large for this server.
        return Failure(N_("This workshop is too large to draw as {kind} on this server (at most {seconds} "
                          "seconds and {megabytes} MB per file); download the CSV or JSON export, or print the "
                          "report page from the browser."),
                       {"kind": job.kind.upper(), "seconds": f"{self.timeout:g}",
                        "megabytes": self.memory_bytes // 2**20}, 413)

    def _get_context(self) -> Any:
        with self._lock:
            if self._context is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOAD)
                self._context = context
            return self._context

    def _keep(self, job: Job, result: bytes | Failure) -> None:
        """Remember the file (or failure) for the version it was drawn from (lock held). A
        failure that may pass (503) is kept only a few seconds."""
        old = self._cache.pop(job.key, None)
        if old is not None:
            self._cached_bytes -= _size(old[1])
        if _size(result) > self.cache_bytes:
            return
        passing = isinstance(result, Failure) and result.status_code == 503
        self._cache[job.key] = (job.version, result, time.monotonic() + 2 * RETRY_SECONDS if passing else None)
        self._cached_bytes += _size(result)
        while self._cached_bytes > self.cache_bytes and self._cache:
            _key, (_version, dropped, _expiry) = self._cache.popitem(last=False)
            self._cached_bytes -= _size(dropped)

    # --- stopping ---

    def install_signal_handlers(self) -> None:
        """Kill the workers the moment SIGTERM or SIGINT arrives, then let the server's own
        handler (uvicorn's graceful shutdown) go on: it waits for requests in flight, and
        requests waiting for a file end at once."""
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)

            def handler(signum: int, frame: Any, previous: Any = previous) -> None:
                self.close()
                if callable(previous):
                    previous(signum, frame)
                elif previous == signal.SIG_DFL:
                    signal.signal(signum, signal.SIG_DFL)
                    signal.raise_signal(signum)

            signal.signal(sig, handler)

    def close(self) -> None:
        """Kill every worker now and answer every waiting request."""
        with self._lock:
            self._closing.set()
            processes = [p for p in self._running.values() if p is not None]
            self._queue.clear()
            for job in self._jobs.values():
                job.done.set()
        for process in processes:
            if process.is_alive():
                process.kill()


def _child(*args: Any) -> None:
    # Imported here: in the forkserver it already is; the server itself never loads WeasyPrint.
    from app import render_worker

    render_worker.child_main(*args)


def _unwrap(result: bytes | Failure) -> bytes:
    if isinstance(result, Failure):
        raise result.error()
    return result


def _size(result: bytes | Failure) -> int:
    return len(result) if isinstance(result, bytes) else 100


def _stopping() -> Failure:
    return Failure(N_("The server is stopping; try again in {seconds} seconds."), {"seconds": RETRY_SECONDS}, 503)
