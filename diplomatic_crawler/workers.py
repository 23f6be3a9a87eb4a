"""Page analysis in a pool of worker processes, with a hard per-page time, size and memory budget.

Scrapy runs every callback on one reactor thread. Parsing, classifying and extracting a page costs tens
of milliseconds of CPU (far more for a pathological page), so doing it in the callback stalls downloads
and leaves the other cores idle. `ExtractionPool` moves that work into worker processes:

* one worker per core by default (`EXTRACTION_WORKERS`; 0 runs everything in-process, for debugging);
* tasks are handed over without blocking the reactor: `submit()` returns a `concurrent.futures.Future`,
  `await pool.run(...)` awaits it from an `async def` callback (asyncio or plain Twisted reactor), so
  results come back in order of completion, not of submission;
* a task that runs longer than `EXTRACTION_TIMEOUT` seconds gets its worker killed (SIGKILL) and
  replaced, and raises `ExtractionTimeout`; a worker that dies (segfault, out of memory) is replaced
  and its task raises `WorkerCrashed`; the other workers never wait for either;
* workers are fresh interpreters started with `subprocess` (never `fork()` of the running reactor, and
  not multiprocessing's `spawn`, which would re-import the parent's `__main__`, i.e. all of Scrapy, into
  every worker); each has an address-space limit (`EXTRACTION_MAX_MEMORY`), ignores the terminal's
  Ctrl-C (the crawl drains its pending pages first), dies with its parent, and is recycled after
  `EXTRACTION_MAX_TASKS_PER_WORKER` pages so memory stays flat over long crawls;
* log records emitted in a worker are shipped back and re-emitted in the crawl's log.

`analyse_page` is the task the spider runs: one parse of the page gives its links, its kind (article
or listing) and, for an article, the `Article` record.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import os
import pickle
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import Self

    from scrapy.settings import BaseSettings

    from .discovery import Link
    from .extraction import Article
    from .seeds import Seed

__all__ = [
    "ExtractionFailed",
    "ExtractionPool",
    "ExtractionTimeout",
    "OutOfMemory",
    "PageAnalysis",
    "PoolClosed",
    "WorkerCrashed",
    "analyse_page",
    "await_future",
    "default_workers",
]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_MEMORY_MB = 2048
DEFAULT_MAX_TASKS = 2000
STARTUP_TIMEOUT = 120.0  # a cold start on a loaded machine can take a while; it never counts against a page
# Links read from one page: a real listing or article has a few hundred; a hostile page of 400,000 cost a
# worker 35 s and 600 MB to key them all. The first ones are kept (a listing lists its newest first).
MAX_LINKS_PER_PAGE = 10_000
PRELOAD = ("diplomatic_crawler.workers", "diplomatic_crawler.extraction", "diplomatic_crawler.discovery")
# The worker leaves with os._exit once its input ends: its results and logs have all been sent, and
# tearing down a warm interpreter (trafilatura, dateparser, lxml trees) cost 0.05-0.09 s of CPU per worker.
_BOOT = (
    "import os, sys; from diplomatic_crawler.workers import _worker_main; _worker_main(int(sys.argv[1])); os._exit(0)"
)


# --- failures ------------------------------------------------------------------------------------------


SWITCH_INTERVAL = 0.001  # seconds; see ExtractionPool.start


class ExtractionFailed(RuntimeError):
    """A page could not be analysed within its budget. `reason` is a short stat-friendly word."""

    reason = "error"


class ExtractionTimeout(ExtractionFailed):
    """The page exceeded the per-page time budget; its worker was killed and replaced."""

    reason = "timeout"


class WorkerCrashed(ExtractionFailed):
    """The worker died while handling the page (or could not be started)."""

    reason = "crashed"


class OutOfMemory(ExtractionFailed, MemoryError):
    """The page needed more than the worker's address-space limit (`EXTRACTION_MAX_MEMORY`); the worker
    was replaced. A `MemoryError` too, so code that asks for one still gets it."""

    reason = "memory"


class PoolClosed(ExtractionFailed):
    """The pool was closed before the task ran."""

    reason = "closed"


class _RemoteTraceback(Exception):
    """The formatted traceback of an exception raised in a worker (set as `__cause__`)."""

    def __str__(self) -> str:
        return str(self.args[0])


def default_workers() -> int:
    """One worker per core this process may run on (CPU affinity and cgroup-restricted sets respected)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --- the pool --------------------------------------------------------------------------------------------


@dataclass
class _Task:
    future: concurrent.futures.Future[Any]
    payload: bytes


@dataclass
class PoolStats:
    submitted: int = 0
    completed: int = 0
    timeouts: int = 0
    crashes: int = 0
    errors: int = 0
    started: int = 0  # worker processes started (initial ones, replacements and recycled ones)
    worker_cpu: float = 0.0  # CPU seconds the workers spent on tasks
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: float) -> None:
        with self.lock:  # feeder threads update concurrently
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class ExtractionPool:
    """A small pool of worker processes that can kill and replace a worker stuck on one task.

    `concurrent.futures.ProcessPoolExecutor` cannot do this (a running task cannot be cancelled, and a
    killed worker breaks the whole executor), so each worker has a feeder thread here that sends it one
    task at a time over a socket pair and waits for the answer with a deadline.
    """

    def __init__(
        self,
        workers: int | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        *,
        max_tasks_per_worker: int = DEFAULT_MAX_TASKS,
        max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
        log_level: int = logging.INFO,
        preload: tuple[str, ...] = PRELOAD,
        name: str = "extraction",
    ):
        self.workers = default_workers() if workers is None or workers < 0 else int(workers)
        self.timeout = timeout if timeout and timeout > 0 else None
        self.max_tasks_per_worker = max(0, int(max_tasks_per_worker))
        self.max_memory_mb = max(0, int(max_memory_mb))
        self.log_level = log_level
        self.preload = preload
        self.name = name
        self.stats = PoolStats()
        self._queue: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()
        self._closed = False
        self._started = False

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        """EXTRACTION_WORKERS (default: one per core; 0 = in-process), EXTRACTION_TIMEOUT (30 s; 0 = none),
        EXTRACTION_MAX_MEMORY (MiB of address space per worker, 2048; 0 = unlimited),
        EXTRACTION_MAX_TASKS_PER_WORKER (2000; 0 = never recycle)."""
        raw_workers = settings.get("EXTRACTION_WORKERS")
        workers = None if raw_workers in (None, "") else settings.getint("EXTRACTION_WORKERS")
        level = settings.get("LOG_LEVEL", "INFO")
        return cls(
            workers,
            settings.getfloat("EXTRACTION_TIMEOUT", DEFAULT_TIMEOUT),
            max_tasks_per_worker=settings.getint("EXTRACTION_MAX_TASKS_PER_WORKER", DEFAULT_MAX_TASKS),
            max_memory_mb=settings.getint("EXTRACTION_MAX_MEMORY", DEFAULT_MAX_MEMORY_MB),
            log_level=logging.getLevelName(level) if isinstance(level, str) else int(level),
        )

    @property
    def in_process(self) -> bool:
        return self.workers == 0

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the workers and wait until each has imported the extraction code (so start-up time never
        counts against a page's budget). Raises `WorkerCrashed` when a worker cannot start at all."""
        with self._lock:
            if self._started:
                return self
            if self._closed:
                raise PoolClosed("pool is closed")
            self._started = True
        if self.in_process:
            return self
        self._slots = [_Slot(self, n) for n in range(self.workers)]
        try:
            for slot in self._slots:  # launch all, then wait: the interpreters start in parallel
                slot.launch()
            for slot in self._slots:
                slot.wait_ready()
        except BaseException:
            self.close(wait=False)
            raise
        # The feeder threads wait on sockets with the GIL released, then need it for a moment to hand over
        # a result and send the next page. With Python's default 5 ms switch interval they queue behind
        # the reactor and the archive writer, leaving the workers idle for a good part of each page.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        for slot in self._slots:
            slot.thread.start()
        logger.info(
            "Extraction pool: %d worker process(es), %s per page",
            self.workers,
            f"{self.timeout:g} s" if self.timeout else "no time limit",
        )
        return self

    def close(self, *, wait: bool = True, grace: float = 5.0) -> None:
        """Stop the pool. Queued tasks are cancelled; with `wait`, running tasks finish first (each still
        bounded by the time budget), otherwise their workers are killed."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        while True:  # cancel what no worker has taken yet
            try:
                task = self._queue.get_nowait()
            except queue.Empty:
                break
            if task is not None and not task.future.cancel() and not task.future.done():
                task.future.set_exception(PoolClosed("pool closed before the task ran"))
        for _ in self._slots:
            self._queue.put(None)
        for slot in self._slots:
            if not wait:
                slot.kill()
            if slot.thread.is_alive():
                slot.thread.join((self.timeout or 0) + grace if wait else grace)
            slot.stop(grace)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- submitting ------------------------------------------------------------------------------------

    def submit(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        """Run `func(*args, **kwargs)` in a worker (a module-level function: it is pickled by reference).
        In-process pools run it right here and return a finished future."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        if self._closed:
            future.set_exception(PoolClosed("pool is closed"))
            return future
        self.stats.add(submitted=1)
        if self.in_process:
            try:
                future.set_result(func(*args, **kwargs))
                self.stats.add(completed=1)
            except Exception as exc:
                self.stats.add(errors=1)
                future.set_exception(exc)
            return future
        if not self._started:
            self.start()
        payload = pickle.dumps((func, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        self._queue.put(_Task(future, payload))
        return future

    async def run(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """`submit` and await the result from a coroutine (a Scrapy `async def` callback)."""
        return await await_future(self.submit(func, *args, **kwargs))

    def map_unordered(
        self, func: Callable[..., Any], items: Iterable[Any], *, max_pending: int | None = None
    ) -> Iterator[tuple[Any, concurrent.futures.Future[Any]]]:
        """Apply `func` to every item, yielding `(item, finished future)` in order of completion; at most
        `max_pending` tasks (default: 4 per worker) are queued at a time, so memory stays bounded over
        an archive of any size. Read the outcome with `future.result()` (it raises on failure)."""
        limit = max_pending or max(2, 4 * max(1, self.workers))
        pending: dict[concurrent.futures.Future[Any], Any] = {}
        source = iter(items)
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                pending[self.submit(func, item)] = item
            if not pending:
                return
            done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), future

    def stats_dict(self) -> dict[str, Any]:
        s = self.stats
        return {
            "workers": self.workers,
            "submitted": s.submitted,
            "completed": s.completed,
            "timeouts": s.timeouts,
            "crashes": s.crashes,
            "errors": s.errors,
            "workers_started": s.started,
            "worker_cpu_seconds": round(s.worker_cpu, 3),
        }


async def await_future(future: concurrent.futures.Future[Any]) -> Any:
    """Await a thread-side future from a coroutine: through asyncio when an asyncio loop runs (Scrapy's
    default reactor), else through a Twisted Deferred (any other reactor)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return await asyncio.wrap_future(future)
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred

    deferred: Deferred[Any] = Deferred()

    def resolve(done: concurrent.futures.Future[Any]) -> None:
        if done.cancelled():
            deferred.cancel()
        elif (exc := done.exception()) is not None:
            deferred.errback(exc)
        else:
            deferred.callback(done.result())

    future.add_done_callback(lambda done: reactor.callFromThread(resolve, done))  # type: ignore[attr-defined]
    return await deferred


class _Slot:
    """One worker process and the feeder thread that talks to it."""

    def __init__(self, pool: ExtractionPool, index: int):
        self.pool = pool
        self.index = index
        self.proc: subprocess.Popen[bytes] | None = None
        self.conn: Connection | None = None
        self.tasks_done = 0
        self.thread = threading.Thread(target=self._loop, name=f"{pool.name}-feeder-{index}", daemon=True)

    # -- the worker process ----------------------------------------------------------------------------

    def launch(self) -> None:
        parent_sock, child_sock = socket.socketpair()
        env = dict(os.environ)
        # The worker imports what this process can import (tests and scripts may extend sys.path).
        env["PYTHONPATH"] = os.pathsep.join(p for p in [*sys.path, env.get("PYTHONPATH", "")] if p)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(child_sock.fileno())],
                pass_fds=(child_sock.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            parent_sock.close()
            raise WorkerCrashed(f"cannot start an extraction worker: {exc}") from exc
        finally:
            child_sock.close()
        self.conn = Connection(parent_sock.detach())
        self.tasks_done = 0
        self.pool.stats.add(started=1)
        self.conn.send(
            {
                "max_memory_mb": self.pool.max_memory_mb,
                "log_level": self.pool.log_level,
                "preload": self.pool.preload,
                "parent": os.getpid(),
            }
        )

    def wait_ready(self) -> None:
        assert self.conn is not None and self.proc is not None
        try:
            ready = self.conn.poll(STARTUP_TIMEOUT)
            message = self.conn.recv() if ready else None
        except (EOFError, OSError):
            message = None
        if not (isinstance(message, tuple) and message[:1] == ("ready",)):
            detail = message[1] if isinstance(message, tuple) and message[:1] == ("failed",) else "no answer"
            self.kill()
            raise WorkerCrashed(f"extraction worker did not start: {detail}")

    def spawn(self) -> None:
        self.launch()
        self.wait_ready()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.kill()
        self._reap(5.0)

    def stop(self, grace: float) -> None:
        """Let the worker exit on end-of-input; kill it if it does not within `grace` seconds."""
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
            self.conn = None
        if self.proc is not None:
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._reap(grace)

    def _reap(self, timeout: float) -> int | None:
        code = None
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
            self.conn = None
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.proc.wait(timeout)
            self.proc = None
        return code

    # -- the feeder thread -----------------------------------------------------------------------------

    def _loop(self) -> None:
        pool = self.pool
        while True:
            task = pool._queue.get()
            if task is None:
                return
            if not task.future.set_running_or_notify_cancel():
                continue
            try:
                self._run(task)
            except BaseException as exc:  # never let the feeder die with a task unanswered
                if not task.future.done():
                    task.future.set_exception(exc)
                logger.exception("Extraction feeder %d failed", self.index)
                self.kill()

    def _ensure_worker(self) -> None:
        recycle = self.pool.max_tasks_per_worker and self.tasks_done >= self.pool.max_tasks_per_worker
        if self.proc is not None and (recycle or self.proc.poll() is not None):
            self.stop(2.0)
        if self.proc is None:
            self.spawn()

    def _run(self, task: _Task) -> None:
        pool = self.pool
        try:
            self._ensure_worker()
        except WorkerCrashed as exc:
            pool.stats.add(crashes=1)
            task.future.set_exception(exc)
            return
        assert self.conn is not None and self.proc is not None
        pid = self.proc.pid
        try:
            self.conn.send_bytes(task.payload)
            answered = self.conn.poll(pool.timeout)
            message = self.conn.recv() if answered else None
        except (EOFError, OSError):
            code = self._reap(5.0)
            pool.stats.add(crashes=1)
            task.future.set_exception(WorkerCrashed(f"extraction worker {pid} died ({_exit_reason(code)})"))
            return
        if not answered:
            self.kill()
            pool.stats.add(timeouts=1)
            task.future.set_exception(
                ExtractionTimeout(f"took longer than {pool.timeout:g} s; worker {pid} killed and replaced")
            )
            self._respawn_quietly()
            return
        self.tasks_done += 1
        status, value, records, cpu = message
        _emit(records)
        if status == "ok":
            pool.stats.add(completed=1, worker_cpu=cpu)
            task.future.set_result(value)
            return
        pool.stats.add(errors=1, worker_cpu=cpu)
        exc, remote_tb = value
        if not isinstance(exc, BaseException):
            exc = ExtractionFailed(str(exc))
        elif isinstance(exc, MemoryError) and not isinstance(exc, ExtractionFailed):  # a page, not a bug
            exc = OutOfMemory(
                f"needed more than EXTRACTION_MAX_MEMORY = {pool.max_memory_mb} MiB; worker {pid} replaced"
            )
        exc.__cause__ = _RemoteTraceback(remote_tb)
        task.future.set_exception(exc)
        if isinstance(exc, MemoryError):
            self.stop(2.0)  # the worker leaves after a MemoryError; start a clean one next time

    def _respawn_quietly(self) -> None:
        """Have a replacement ready for the next task (a failure here is reported with that task)."""
        with contextlib.suppress(WorkerCrashed):
            self.spawn()


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit status {code}"


def _emit(records: list[dict[str, Any]]) -> None:
    for data in records:
        record = logging.makeLogRecord(data)
        logging.getLogger(record.name).handle(record)


# --- the worker side -------------------------------------------------------------------------------------


class _Collector(logging.Handler):
    """Keeps the log records of the current task, to be sent back with its result."""

    def __init__(self, level: int):
        super().__init__(level)
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        data = dict(record.__dict__)
        data["msg"] = record.getMessage()
        data["args"] = None
        if record.exc_info:
            data["exc_text"] = self.format(record) if not record.exc_text else record.exc_text
            data["exc_info"] = None
        data["processName"] = f"extraction-worker-{os.getpid()}"
        self.records.append(data)

    def take(self) -> list[dict[str, Any]]:
        records, self.records = self.records, []
        return records


def _die_with_parent(parent: int) -> None:
    """Linux: get SIGKILL when the parent dies, so a killed crawl leaves no worker behind."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)


def _worker_main(fd: int) -> None:
    # The crawl decides when workers stop: a Ctrl-C or SIGTERM meant for the crawl must not kill pages
    # it is draining. Workers leave on end-of-input, or die with the parent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    conn = Connection(fd)
    try:
        config = conn.recv()
    except (EOFError, OSError):
        return
    _die_with_parent(int(config.get("parent", 0)))
    try:
        limit = int(config.get("max_memory_mb") or 0)
        if limit > 0:
            import resource

            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            wanted = limit * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (wanted if hard < 0 else min(wanted, hard), hard))
        collector = _Collector(int(config.get("log_level") or logging.INFO))
        root = logging.getLogger()
        root.handlers[:] = [collector]
        root.setLevel(collector.level)
        import importlib

        for module in config.get("preload") or ():
            warm_up = getattr(importlib.import_module(module), "warm_up", None)
            if callable(warm_up):  # one-time loads (a model) before the first page's time limit runs
                warm_up()
        collector.take()  # import-time chatter is not a page's
    except BaseException as exc:
        with contextlib.suppress(Exception):
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        started = time.process_time()
        fatal = False
        try:
            func, args, kwargs = pickle.loads(data)
            del data
            reply: tuple[str, Any] = ("ok", func(*args, **kwargs))
        except BaseException as exc:
            fatal = isinstance(exc, MemoryError)
            reply = ("error", (_portable(exc), traceback.format_exc()))
        cpu = time.process_time() - started
        try:
            conn.send((*reply, collector.take(), cpu))
        except (EOFError, OSError):
            return
        except Exception as exc:  # the result itself cannot be pickled
            conn.send(("error", (ExtractionFailed(f"unpicklable result: {exc}"), ""), collector.take(), cpu))
        if fatal:
            return


def _portable(exc: BaseException) -> BaseException | str:
    """The exception itself when it survives pickling, else its description."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return f"{type(exc).__name__}: {exc}"


# --- the page task ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageAnalysis:
    """What the spider needs from one HTML page: its kind, its links and (for an article) the record.

    `links` are the page's followable links that the seed owns (all of them without a seed), `keys` their
    canonical URLs (the archive keys), in the same order. `error` says why an article page gave no record
    (not HTML, empty, ...): a normal outcome, not a failure of the budget."""

    kind: str  # "article" or "listing"
    links: list[Link]
    article: Article | None = None
    error: str | None = None
    # Declared translations (article pages) and PDF links, see diplomatic_crawler.enrich.hooks.page_enrichment.
    enrichment: dict[str, Any] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    # Why a page that read as an article is a hub (a listing: followed, never archived), see
    # diplomatic_crawler.extraction.page_kind; and the page's teaser-card templates (the spider keeps a
    # listing's, the evidence "a template shared with the site's listings").
    hub: str | None = None
    templates: frozenset[str] = frozenset()


def analyse_page(
    body: bytes | str,
    url: str,
    seed: Seed | None = None,
    *,
    classify: bool = True,
    fetched_at: datetime | None = None,
    content_type: str | None = None,
    site_templates: frozenset[str] = frozenset(),
    site_stamps: frozenset[str] = frozenset(),
) -> PageAnalysis:
    """Parse the page once for its links (and their archive keys), classify it (unless `classify` is
    false: a known listing) and extract the article; `content_type` is the response's header (its
    charset decodes the page after a BOM, before the page's own declaration). A page that reads as an
    article but has a hub's shape (`page_kind.hub_reason`; `site_templates` are the teaser templates of
    the site's listings) is a listing with its reason in `hub`; `site_stamps` are the timestamps the
    crawl found on many of the site's articles (never a publication date, see site_stamps.py).
    Everything CPU-heavy about a page happens here, so the reactor only looks keys up in sets. Pure (a
    function of its arguments): it runs the same in a worker or in-process."""
    from .discovery import classify_page, page_links
    from .enrich.hooks import article_enrichment, tree_enrichment
    from .extraction import ExtractionError
    from .extraction.core import extract_parsed
    from .extraction.document import parse_html
    from .extraction.page_kind import hub_evidence, hub_reason

    error = None
    try:
        decoded, tree = parse_html(body, content_type)
    except ExtractionError as exc:
        decoded, tree, error = "", None, str(exc)

    links, keys = [], []
    for link in page_links(tree, url, MAX_LINKS_PER_PAGE) if tree is not None else ():
        if (key := _owned_key(link.url, seed)) is not None:
            links.append(link)
            keys.append(key)
    # Everything read from the tree comes first: the extractor prunes it (one parse per page, not two).
    evidence = hub_evidence(tree, url)
    if not classify:
        enrichment = tree_enrichment(tree, url, translations=False)
        return PageAnalysis("listing", links, enrichment=enrichment, keys=keys, templates=evidence.templates)
    kind = classify_page(tree if tree is not None else b"", url, seed)
    enrichment = tree_enrichment(tree, url, translations=kind == "article")
    article = hub = None
    if kind == "article" and error is None:
        try:
            article = extract_parsed(decoded, tree, url, seed=seed, fetched_at=fetched_at, site_stamps=site_stamps)
        except ExtractionError as exc:
            error = str(exc)
        if (hub := hub_reason(evidence, article, site_templates=site_templates)) is not None:
            kind, article = "listing", None
    if article:
        enrichment.update(article_enrichment(article))
    else:
        enrichment.pop("alternates", None)
    return PageAnalysis(kind, links, article, error, enrichment, keys=keys, hub=hub, templates=evidence.templates)


def sitemap_entries(body: bytes, url: str, max_size: int, seed: Seed) -> tuple[list[Any], list[str | None], str | None]:
    """A sitemap's entries (`discovery.parse_sitemap`) and, for each, its archive key when the seed owns it
    (None when it does not): the parse and the URL work of a sitemap of 50,000 entries are seconds of CPU
    that the reactor would otherwise spend while no download moves; without entries, why
    (`discovery.sitemap_problem`). Pure, like `analyse_page`."""
    from .discovery import parse_sitemap, sitemap_problem
    from .urls import canonical_url

    entries = parse_sitemap(body, url, max_size)
    keys: list[str | None] = []
    for entry in entries:
        if not seed.owns(entry.loc):
            keys.append(None)
        else:
            keys.append(entry.loc if entry.is_sitemap else canonical_url(entry.loc, seed))
    return entries, keys, None if entries else sitemap_problem(body, max_size)


@functools.lru_cache(maxsize=16384)
def _owned_key(url: str, seed: Seed | None) -> str | None:
    """The link's canonical URL when the seed owns it (any link without a seed), else None; remembered:
    navigation, footers and related-article boxes repeat the same links on every page of a site."""
    from .urls import canonical_url

    if seed is not None and not seed.owns(url):
        return None
    return canonical_url(url, seed)
