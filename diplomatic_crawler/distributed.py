"""Distributed mode: several `scrapy crawl news` workers, on one or many machines, share a Redis frontier.

    scrapy crawl news -s REDIS_URL=redis://frontier:6379/0        # or -s DISTRIBUTED=True (localhost)

The queue and the duplicate filter are scrapy-redis's (`diplomatic_crawler.scheduler`); this module adds
what scrapy-redis leaves to its users and a crawl of record needs:

* seeds are pushed once per crawl run: the first worker takes a Redis lock and yields the seed requests,
  the others just pull;
* every request a worker pops is kept in its Redis *in-flight* hash until it is done (for an article:
  until the article is committed to the worker's shard), so the requests of a worker that dies (SIGKILL,
  power loss) go back to the queue once its heartbeat expires, and a stopped worker hands its own back;
* a worker closes only when the queue is empty and every live worker is idle (scrapy-redis's own
  spiders wait for a fixed idle time instead, which either stops too early or never);
* "already archived" is a Redis hash (canonical URL -> last fetch) filled from every worker's shard,
  from the merged archive, and by every worker as it commits articles; non-articles a Redis set.

Each worker writes its own SQLite shard, `output/shards/<WORKER_NAME>.db`; `diplomatic-crawler merge`
combines shards into one archive (`diplomatic_crawler.merge`).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.asyncio import create_looping_call

from .discovery import parse_date
from .errors import DiplomaticCrawlerError
from .items import ArchivedArticle
from .pipelines import ARTICLES_WRITTEN
from .readonly import placeholders

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
TOKEN_META = "_frontier_token"  # request.meta key: the request's field in its worker's in-flight hash
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
LOAD_CHUNK = 5000


class DistributedError(DiplomaticCrawlerError, RuntimeError):
    """Distributed mode is misconfigured or its Redis server is unusable."""


def enabled(settings: BaseSettings) -> bool:
    return settings.getbool("DISTRIBUTED") or bool(settings.get("REDIS_URL"))


def default_worker_name() -> str:
    host = re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname()) or "worker"
    return f"{host}-{os.getpid()}"


def check_name(kind: str, value: str) -> str:
    if not NAME_RE.match(value):
        raise DistributedError(
            f"{kind} {value!r}: use 1-100 letters, digits, '.', '_' or '-' (it names Redis keys and a shard file)"
        )
    return value


def configure_distributed(settings: BaseSettings) -> None:
    """Switch the scheduler, duplicate filter, shard path and the components below on, in one place; a
    no-op unless REDIS_URL or DISTRIBUTED is set. Called from `NewsSpider.update_settings`, i.e. before
    the spider is created (Scrapy >= 2.13 creates it before loading add-ons, and the spider opens its
    archive, the shard, in `from_crawler`)."""
    if not enabled(settings):
        return
    try:
        import redis  # noqa: F401
        import scrapy_redis  # noqa: F401
    except ImportError as exc:
        raise DistributedError(
            f"distributed mode needs scrapy-redis and redis ({exc}): pip install 'diplomatic-crawler[distributed]'"
        ) from exc
    # At "spider" priority, like the spider's own settings: above the project's, below `-s` (Scrapy 2.19
    # re-applies the process settings to a crawler after update_settings, replacing same-priority values).
    project, spider = SETTINGS_PRIORITIES["project"], SETTINGS_PRIORITIES["spider"]
    if not settings.get("REDIS_URL"):
        settings.set("REDIS_URL", DEFAULT_REDIS_URL, spider)
    worker = check_name("WORKER_NAME", settings.get("WORKER_NAME") or default_worker_name())
    name = check_name("DISTRIBUTED_NAME", settings.get("DISTRIBUTED_NAME") or "archive")
    settings.set("WORKER_NAME", worker, spider)
    prefix = f"diplomatic:{name}"
    settings.set("DISTRIBUTED_PREFIX", prefix, spider)
    settings.set("SCHEDULER", "diplomatic_crawler.scheduler.FrontierScheduler", spider)
    settings.set("DUPEFILTER_CLASS", "diplomatic_crawler.scheduler.CanonicalDupeFilter", spider)
    settings.set("SCHEDULER_PERSIST", True, spider)  # a stopped worker must not flush the shared queue
    settings.set("SCHEDULER_QUEUE_KEY", f"{prefix}:requests", spider)
    settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", spider)
    settings.set("SCHEDULER_DUPEFILTER_KEY", f"{prefix}:dupefilter", spider)
    if (settings.getpriority("ARCHIVE_DB") or 0) <= project:  # -s ARCHIVE_DB=... still wins
        shards = settings.get("SHARDS_DIR") or "output/shards"
        settings.set("ARCHIVE_DB", str(Path(shards) / f"{worker}.db"), spider)
    for setting, component, order in (
        ("SPIDER_MIDDLEWARES", "diplomatic_crawler.distributed.InFlightMiddleware", 10),
        ("EXTENSIONS", "diplomatic_crawler.distributed.FrontierExtension", 490),
    ):
        settings.set(setting, {**settings.getdict(setting), component: order}, spider)


# -- Redis: one Lua script per step that must be atomic across workers --------------------------------

# KEYS: queue, inflight(me), idle. ARGV: token, me. Pop the best request into my in-flight hash.
_POP = """
local got = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #got == 0 then return nil end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
local field = got[2] .. ':' .. ARGV[1]
redis.call('HSET', KEYS[2], field, got[1])
redis.call('SREM', KEYS[3], ARGV[2])
return {field, got[1]}
"""

# KEYS: dupefilter, queue. ARGV: fingerprint ('' for dont_filter), score, request. Seen-check and push in
# one step: a worker killed in between would otherwise leave a URL marked seen that is in no queue.
_PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: queue, workers, idle. ARGV: prefix, me ('' for nobody), mine (1: hand back my own in-flight).
# Dead workers (heartbeat expired) give their in-flight requests back to the queue, at their priority.
_RECLAIM = """
local moved = 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local mine = (w == ARGV[2])
  if (mine and ARGV[3] == '1') or (not mine and redis.call('EXISTS', ARGV[1] .. ':hb:' .. w) == 0) then
    local key = ARGV[1] .. ':inflight:' .. w
    local entries = redis.call('HGETALL', key)
    for i = 1, #entries, 2 do
      local score = tonumber(string.match(entries[i], '^([^:]+):'))
      redis.call('ZADD', KEYS[1], score, entries[i + 1])
      moved = moved + 1
    end
    redis.call('DEL', key)
    redis.call('SREM', KEYS[2], w)
    redis.call('SREM', KEYS[3], w)
  end
end
return moved
"""

# KEYS: queue, workers, idle. ARGV: prefix, me. 1 when nothing is queued and no other live worker is busy.
_ALL_IDLE = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if w ~= ARGV[2] then
    if redis.call('EXISTS', ARGV[1] .. ':hb:' .. w) == 1 then
      if redis.call('SISMEMBER', KEYS[3], w) == 0 then return 0 end
    elseif redis.call('EXISTS', ARGV[1] .. ':inflight:' .. w) == 1 then
      return 0
    end
  end
end
return 1
"""

# KEYS: seeded, queue, workers, dupefilter. ARGV: prefix, me. 1: I push the seeds (a new crawl run, with a
# fresh duplicate filter; requests a finished run handed back stay queued and are fetched in this one).
_CLAIM_SEEDS = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
  for _, w in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    if w ~= ARGV[2] and (redis.call('EXISTS', ARGV[1] .. ':hb:' .. w) == 1
        or redis.call('EXISTS', ARGV[1] .. ':inflight:' .. w) == 1) then
      return 0
    end
  end
end
redis.call('DEL', KEYS[4])
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""

# KEYS: hash. ARGV: url, when, url, when, ... Keep the later time of each URL (ISO strings sort).
_HSET_MAX = """
local n = 0
for i = 1, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  if (not old) or old < ARGV[i + 1] then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    n = n + 1
  end
end
return n
"""


class Frontier:
    """The Redis state shared by the workers of one distributed crawl (keys under `prefix`)."""

    def __init__(self, server: Any, prefix: str, worker: str, *, heartbeat: float = 30.0):
        self.server = server
        self.prefix = prefix
        self.worker = worker
        self.heartbeat_ms = max(100, int(heartbeat * 1000))
        self.queue = f"{prefix}:requests"
        self.dupefilter = f"{prefix}:dupefilter"
        self.seeded = f"{prefix}:seeded"
        self.workers = f"{prefix}:workers"
        self.idle = f"{prefix}:idle"
        self.archived = f"{prefix}:archived"
        self.pages = f"{prefix}:pages"
        self.hb = f"{prefix}:hb:{worker}"
        self.inflight = f"{prefix}:inflight:{worker}"
        self._pop = server.register_script(_POP)
        self._reclaim = server.register_script(_RECLAIM)
        self._all_idle = server.register_script(_ALL_IDLE)
        self._claim = server.register_script(_CLAIM_SEEDS)
        self._hset_max = server.register_script(_HSET_MAX)
        self.registered = False
        self.reclaimed = 0  # requests of dead workers this worker put back in the queue
        self.tracker = InFlight(self)
        self._push = server.register_script(_PUSH)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Frontier:
        import redis
        from scrapy_redis.connection import get_redis_from_settings

        server = get_redis_from_settings(settings)
        try:
            server.ping()
        except redis.RedisError as exc:
            raise DistributedError(f"Redis at {settings.get('REDIS_URL')}: {exc}") from exc
        return cls(
            server,
            settings.get("DISTRIBUTED_PREFIX") or "diplomatic:archive",
            settings.get("WORKER_NAME") or default_worker_name(),
            heartbeat=settings.getfloat("DISTRIBUTED_HEARTBEAT", 30.0),
        )

    # -- membership ------------------------------------------------------------------------------

    def register(self) -> None:
        """Join the crawl; a live worker of the same name is an error (two processes, one shard). The first
        heartbeat lasts at least 30 s: starting up (extraction workers, the engine) must not look like death."""
        if not self.server.set(self.hb, "1", nx=True, px=max(self.heartbeat_ms, 30_000)):
            raise DistributedError(
                f"a live worker named {self.worker!r} already uses this frontier ({self.prefix}), or one of that"
                " name stopped less than DISTRIBUTED_HEARTBEAT seconds ago; give each process its own WORKER_NAME"
            )
        self.server.sadd(self.workers, self.worker)
        self.server.srem(self.idle, self.worker)
        self.registered = True

    def beat(self) -> int:
        """Refresh the heartbeat (rejoining if the others took us for dead) and reclaim dead workers'
        requests; return how many were reclaimed."""
        if not self.server.set(self.hb, "1", xx=True, px=self.heartbeat_ms):
            logger.warning("%s: heartbeat had expired; rejoining the frontier", self.worker)
            self.server.set(self.hb, "1", px=self.heartbeat_ms)
            self.server.sadd(self.workers, self.worker)
        return self.reclaim()

    def reclaim(self, *, mine: bool = False) -> int:
        moved = int(
            self._reclaim(keys=[self.queue, self.workers, self.idle], args=[self.prefix, self.worker, int(mine)])
        )
        if moved and not mine:
            self.reclaimed += moved
            logger.info("%s: %d in-flight request(s) of dead workers put back in the queue", self.worker, moved)
        return moved

    def leave(self) -> int:
        """Hand back our unfinished requests and leave the crawl."""
        moved = self.reclaim(mine=True)
        self.server.srem(self.workers, self.worker)
        self.server.srem(self.idle, self.worker)
        self.server.delete(self.hb)
        self.registered = False
        return moved

    # -- the queue -------------------------------------------------------------------------------

    def claim_seeding(self) -> bool:
        """True for exactly one worker per crawl run: the one that pushes the seed requests."""
        self.reclaim()
        keys = [self.seeded, self.queue, self.workers, self.dupefilter]
        return bool(self._claim(keys=keys, args=[self.prefix, self.worker]))

    def pop(self) -> tuple[str, bytes] | None:
        """The next request (encoded), moved atomically into our in-flight hash; None when the queue is empty."""
        got = self._pop(keys=[self.queue, self.inflight, self.idle], args=[uuid.uuid4().hex, self.worker])
        if not got:
            return None
        field, data = got
        return (field.decode() if isinstance(field, bytes) else field), data

    def push(self, fingerprint: str | None, priority: int, data: bytes) -> bool:
        """Queue an encoded request unless its fingerprint was seen (None: always); True when queued."""
        return bool(self._push(keys=[self.dupefilter, self.queue], args=[fingerprint or "", -priority, data]))

    def done(self, *tokens: str) -> None:
        if tokens:
            self.server.hdel(self.inflight, *tokens)

    def settle(self) -> bool:
        """Called when this worker is idle: True when the whole crawl is done (nothing queued, every
        other live worker idle, no dead worker's requests left), which also ends the crawl run."""
        self.server.sadd(self.idle, self.worker)
        self.reclaim()
        if not self._all_idle(keys=[self.queue, self.workers, self.idle], args=[self.prefix, self.worker]):
            return False
        self.server.delete(self.seeded)
        return True

    def in_flight(self) -> int:
        return int(self.server.hlen(self.inflight))

    # -- what is archived --------------------------------------------------------------------------

    def load_known(self, articles: Mapping[str, str], pages: Iterable[str] = ()) -> None:
        items = [(url, when or "") for url, when in articles.items()]
        for start in range(0, len(items), LOAD_CHUNK):
            chunk = items[start : start + LOAD_CHUNK]
            self._hset_max(keys=[self.archived], args=[x for pair in chunk for x in pair])
        pages = list(pages)
        for start in range(0, len(pages), LOAD_CHUNK):
            self.server.sadd(self.pages, *pages[start : start + LOAD_CHUNK])

    def mark_archived(self, articles: Mapping[str, str]) -> None:
        if articles:
            self.server.hset(self.archived, mapping=dict(articles))

    def status(self) -> dict[str, Any]:
        """Counts for `diplomatic-crawler frontier status`."""
        members = sorted(m.decode() if isinstance(m, bytes) else m for m in self.server.smembers(self.workers))
        idle = {m.decode() if isinstance(m, bytes) else m for m in self.server.smembers(self.idle)}
        workers = []
        for w in members:
            alive = bool(self.server.exists(f"{self.prefix}:hb:{w}"))
            state = ("idle" if w in idle else "busy") if alive else "dead"
            workers.append(
                {"worker": w, "state": state, "in_flight": int(self.server.hlen(f"{self.prefix}:inflight:{w}"))}
            )
        return {
            "prefix": self.prefix,
            "queued": int(self.server.zcard(self.queue)),
            "seen": int(self.server.scard(self.dupefilter)),
            "archived": int(self.server.hlen(self.archived)),
            "pages": int(self.server.scard(self.pages)),
            "run_active": bool(self.server.exists(self.seeded)),
            "workers": workers,
        }

    def reset(self) -> int:
        """Delete the crawl's queue, duplicate filter and worker state (keeps what is archived)."""
        keys = [self.queue, self.dupefilter, self.seeded, self.workers, self.idle]
        keys += list(self.server.scan_iter(f"{self.prefix}:inflight:*")) + list(
            self.server.scan_iter(f"{self.prefix}:hb:*")
        )
        return int(self.server.delete(*keys))


def frontier_of(crawler: Crawler) -> Frontier:
    """The crawl's one Frontier (shared by the spider, scheduler, middleware and extension)."""
    frontier = getattr(crawler, "_diplomatic_frontier", None)
    if frontier is None:
        frontier = crawler._diplomatic_frontier = Frontier.from_settings(crawler.settings)
    return frontier


# -- the spider's view of "already archived" ------------------------------------------------------


class SharedKnownArticles(Mapping[str, Any]):
    """`spider.known` backed by the Redis hash: canonical URL -> date of the last fetch (or None)."""

    def __init__(self, frontier: Frontier):
        self.frontier = frontier

    def __contains__(self, key: object) -> bool:
        return bool(self.frontier.server.hexists(self.frontier.archived, str(key)))

    def __getitem__(self, key: str) -> Any:
        value = self.frontier.server.hget(self.frontier.archived, key)
        if value is None:
            raise KeyError(key)
        return parse_date(value.decode() if isinstance(value, bytes) else value)

    def __len__(self) -> int:
        return int(self.frontier.server.hlen(self.frontier.archived))

    def __iter__(self) -> Iterator[str]:
        for key in self.frontier.server.hscan_iter(self.frontier.archived, no_values=True):
            yield key.decode() if isinstance(key, bytes) else key


class SharedKnownPages:
    """`spider.known_pages` backed by the Redis set of URLs known not to be articles."""

    def __init__(self, frontier: Frontier):
        self.frontier = frontier

    def __contains__(self, key: object) -> bool:
        return bool(self.frontier.server.sismember(self.frontier.pages, str(key)))

    def __len__(self) -> int:
        return int(self.frontier.server.scard(self.frontier.pages))


def _read_known(path: Path, sites: list[str]) -> tuple[dict[str, str], list[str]]:
    """Known articles and pages of a merged archive, read-only (it is never migrated or locked here)."""
    marks = placeholders(len(sites))
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            articles = dict(
                conn.execute(
                    "SELECT canonical_url, coalesce(last_checked, fetched_at, '') FROM articles"
                    f" WHERE site IN ({marks})",
                    sites,
                )
            )
            pages = [url for (url,) in conn.execute(f"SELECT url FROM pages WHERE site IN ({marks})", sites)]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DistributedError(f"{path}: cannot read the merged archive: {exc}") from exc
    return articles, pages


def attach_frontier(spider: Any, crawler: Crawler) -> Frontier | None:
    """In distributed mode: join the frontier, share what this shard and the merged archive
    (DISTRIBUTED_KNOWN_DB) hold, and point the spider's "already archived" checks at Redis."""
    if not enabled(crawler.settings):
        return None
    frontier = frontier_of(crawler)
    frontier.register()
    sites = list(spider.seeds)
    frontier.load_known(spider.archive.known_articles(sites), spider.archive.known_pages(sites))
    merged = Path(crawler.settings.get("DISTRIBUTED_KNOWN_DB") or "output/archive.db")
    if merged.is_file() and merged.resolve() != Path(spider.archive.path).resolve():
        articles, pages = _read_known(merged, sites)
        frontier.load_known(articles, pages)
    spider.known = SharedKnownArticles(frontier)
    spider.known_pages = SharedKnownPages(frontier)
    logger.info(
        "Distributed worker %s on %s (%s)", frontier.worker, frontier.prefix, crawler.settings.get("ARCHIVE_DB")
    )
    return frontier


# -- Scrapy components ---------------------------------------------------------------------------


class InFlight:
    """When is a popped request done? When its callback has returned, every request it yielded is in the
    Redis queue (or filtered there), and every article it yielded is committed to the shard. Only then
    is it deleted from the worker's in-flight hash; until then a dead worker's copy goes back to the queue.
    (Scrapy hands a callback's output to the scheduler and the pipelines concurrently, after the callback's
    iterator has moved on, so the end of the iteration alone is not enough.)

    A link the trap guard holds back ("parked", traps.py) lives in this worker's memory only, so it keeps
    the page it was found on in flight until it is sent (queued, or yielded by another callback, which then
    answers for it) or dropped as a trap: a worker stopped or killed meanwhile hands that page back, and
    the next worker finds the link again, instead of the link being lost with the process."""

    def __init__(self, frontier: Frontier):
        self.frontier = frontier
        self.pending: dict[str, list[int]] = {}  # token -> [requests not yet queued, articles not yet committed]
        self.finished: set[str] = set()  # tokens whose callback is over
        self.parents: dict[int, tuple[Any, str]] = {}  # id(request) -> (request, token of its response)
        self.tokens_of: dict[str, list[str]] = {}  # article key -> tokens waiting for it
        self.held: dict[int, tuple[Any, str]] = {}  # id(parked request) -> (request, token of its page)
        self.holds: dict[str, int] = {}  # token -> parked requests found on its page

    def hold(self, token: str | None, request: Any) -> None:
        """`request`, found on the page of `token`, is parked by the trap guard (not yielded)."""
        if token and id(request) not in self.held:
            self.held[id(request)] = (request, token)
            self.holds[token] = self.holds.get(token, 0) + 1

    def unhold(self, requests: Iterable[Any]) -> None:
        """These parked requests were sent or dropped: their pages no longer wait for them."""
        for request in requests:
            entry = self.held.get(id(request))
            if entry is None or entry[0] is not request:
                continue
            del self.held[id(request)]
            token = entry[1]
            self.holds[token] -= 1
            if self.holds[token] <= 0:
                del self.holds[token]
            self._maybe_done(token)

    def saw(self, token: str | None, obj: Any) -> None:
        if isinstance(obj, Request):
            self.unhold((obj,))  # a released parked link, yielded by another callback: that one answers for it
        if not token:
            return
        if isinstance(obj, Request):
            self.pending.setdefault(token, [0, 0])[0] += 1
            self.parents[id(obj)] = (obj, token)
        elif isinstance(obj, ArchivedArticle):
            self.pending.setdefault(token, [0, 0])[1] += 1
            self.tokens_of.setdefault(obj.key, []).append(token)

    def callback_done(self, token: str | None) -> None:
        if token:
            self.finished.add(token)
            self._maybe_done(token)

    def scheduled(self, request: Any) -> None:
        """The scheduler has queued (or filtered) `request`."""
        entry = self.parents.pop(id(request), None)
        if entry is not None and entry[0] is request:
            self.pending[entry[1]][0] -= 1
            self._maybe_done(entry[1])
        self.unhold((request,))  # a parked link released straight to the engine (spider_idle)

    def committed(self, keys: Iterable[str]) -> None:
        for key in keys:
            for token in self.tokens_of.pop(key, ()):
                self.pending[token][1] -= 1
                self._maybe_done(token)

    def idle(self) -> None:
        """The worker is idle: Scrapy has handled every output, so a request never queued was dropped
        on the way (e.g. the private-network guard raised IgnoreRequest in `request_scheduled`)."""
        self.parents.clear()
        for token in list(self.finished):
            self.pending.get(token, [0, 0])[0] = 0
            self._maybe_done(token)

    def _maybe_done(self, token: str) -> None:
        counts = self.pending.get(token, [0, 0])
        if token in self.finished and counts[0] <= 0 and counts[1] <= 0 and token not in self.holds:
            self.finished.discard(token)
            self.pending.pop(token, None)
            self.frontier.done(token)


class InFlightMiddleware:
    """Spider middleware (outermost, so it sees the output Scrapy acts on): tells `InFlight` what each
    callback yielded and when it returned."""

    def __init__(self, crawler: Crawler):
        self.frontier = frontier_of(crawler)
        self.tracker = self.frontier.tracker
        crawler.signals.connect(self.articles_written, signal=ARTICLES_WRITTEN)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not enabled(crawler.settings):
            raise NotConfigured
        return cls(crawler)

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterator[Any]:
        token = response.meta.get(TOKEN_META)
        try:
            for obj in result:
                self.tracker.saw(token, obj)
                yield obj
        finally:  # a callback that raised is done too: refetching would only fail again
            self.tracker.callback_done(token)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        token = response.meta.get(TOKEN_META)
        try:
            async for obj in result:
                self.tracker.saw(token, obj)
                yield obj
        finally:
            self.tracker.callback_done(token)

    def articles_written(self, items: list[ArchivedArticle]) -> None:
        self.frontier.mark_archived({item.key: item.fetched_at for item in items})
        self.tracker.committed(item.key for item in items)


class FrontierExtension:
    """Heartbeat, reclaiming dead workers' requests, and closing only when the whole crawl is idle."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.frontier = frontier_of(crawler)
        self.poll = crawler.settings.getfloat("DISTRIBUTED_POLL_INTERVAL", 1.0)
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not enabled(crawler.settings):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self.crawler.stats.set_value("diplomatic/distributed/worker", self.frontier.worker)
        if not self.frontier.registered:
            self.frontier.register()
        self.task = create_looping_call(self._beat)
        self.task.start(self.frontier.heartbeat_ms / 3000, now=True)

    def _beat(self) -> None:
        self.frontier.beat()

    def spider_idle(self) -> None:
        self.frontier.tracker.idle()
        if self.frontier.settle():
            logger.info("%s: the frontier is empty and every worker idle: closing", self.frontier.worker)
            return
        # Scrapy looks at the scheduler again only every 5 s when idle; ask sooner.
        from twisted.internet import reactor

        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            reactor.callLater(self.poll, slot.nextcall.schedule)
        raise DontCloseSpider

    def spider_closed(self, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        moved = self.frontier.leave()
        if moved:
            logger.warning("%s: %d unfinished request(s) handed back to the frontier", self.frontier.worker, moved)
        self.crawler.stats.set_value("diplomatic/distributed/handed_back", moved)
        self.crawler.stats.set_value("diplomatic/distributed/reclaimed", self.frontier.reclaimed)
