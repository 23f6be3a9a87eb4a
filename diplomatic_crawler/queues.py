"""A memory queue for Scrapy's scheduler that keeps queued requests as compact pickled records.

A news site links every article page to a dozen others ("related", "most read"), so a crawl discovers
the whole site long before it has fetched it: on a 20,000-article site the scheduler holds over 15,000
requests within the first minute. Scrapy's `LifoMemoryQueue` keeps each one as a live `Request` (about
0.9 kB of objects: the request, its meta dict, headers, flags), which made the crawl process grow with
the size of the site. Here a queued request is one bytes object of its non-default fields (about 0.25
kB), rebuilt with Scrapy's own `request_from_dict` when the scheduler pops it. Pickling a request costs
some 20 µs, nothing beside the milliseconds its page takes to download and extract.

Only requests the spider built are packed: those whose callback is one of its methods. Any other request
(a callback that is not a spider method, an unpicklable meta value, and a request without a callback) is
kept as it is, in the same queue and order. A request without a callback is one that Scrapy's own commands
schedule: `scrapy shell` gives its request a callback only after `engine.crawl` has queued it, so a copy
rebuilt from a record would have lost it and the shell would wait for ever. Enable with
`SCHEDULER_MEMORY_QUEUE = "diplomatic_crawler.queues.CompactLifoMemoryQueue"` (the project default).
"""

from __future__ import annotations

import pickle
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.pqueues import DownloaderAwarePriorityQueue
from scrapy.utils.request import request_from_dict

try:  # the name of a slot's directory in a persistent queue: Scrapy's own helper where it has one
    from scrapy.pqueues import _path_safe
except ImportError:  # pragma: no cover - a Scrapy release without it: such directories are left in place
    _path_safe = None

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

__all__ = ["CompactLifoMemoryQueue", "SlotFairPriorityQueue", "pack_request", "unpack_request"]

# Fields of `Request.to_dict()` left out when they hold these values: `Request()` restores them.
_DEFAULTS: dict[str, Any] = {
    "headers": {},
    "body": b"",
    "cookies": {},
    "encoding": "utf-8",
    "flags": [],
    "cb_kwargs": {},
    "dont_filter": False,
    "method": "GET",
    "priority": 0,
    "meta": {},
}
_SAME_AS_URL = "\x00url"  # meta["key"] (the archive key) is usually the URL itself: stored as this marker


def pack_request(request: Request, spider: Spider | None) -> bytes:
    """The request as a pickled dict of its non-default fields, in the form of `Request.to_dict()`.
    Raises ValueError when the callback is not a method of `spider` (or there is none: see the module
    docstring), TypeError/pickle.PicklingError (and others) for an unpicklable value."""
    if request.callback is None:
        raise ValueError("a request without a callback may be given one after it is queued")
    record: dict[str, Any] = {
        "url": request.url,
        "callback": _method_name(request.callback, spider),
        "errback": _method_name(request.errback, spider),
        "headers": dict(request.headers),
    }
    for name in request.attributes:
        record.setdefault(name, getattr(request, name))
    if type(request) is not Request:
        record["_class"] = f"{type(request).__module__}.{type(request).__name__}"
    meta = record.get("meta")
    if meta and meta.get("key") == record["url"]:
        record["meta"] = {**meta, "key": _SAME_AS_URL}
    compact = {name: value for name, value in record.items() if name not in _DEFAULTS or value != _DEFAULTS[name]}
    return pickle.dumps(compact, protocol=pickle.HIGHEST_PROTOCOL)


def _method_name(func: Any, spider: Spider | None) -> str | None:
    """The name of a spider method. Written here rather than `Request.to_dict`'s lookup, which lists every
    member of the spider with `inspect.getmembers` for each request (70 µs of the 75 it took)."""
    if func is None or isinstance(func, str):
        return func
    name = getattr(func, "__name__", None)
    bound_to_spider = spider is not None and getattr(func, "__self__", None) is spider
    if name and bound_to_spider and getattr(spider, name, None) == func:
        return name
    raise ValueError(f"{func!r} is not a method of the spider")


def unpack_request(data: bytes, spider: Spider | None) -> Request:
    record = pickle.loads(data)
    meta = record.get("meta")
    if meta and meta.get("key") == _SAME_AS_URL:
        meta["key"] = record["url"]
    return request_from_dict(record, spider=spider)


class CompactLifoMemoryQueue:
    """Last in, first out, like Scrapy's default `LifoMemoryQueue`; see the module docstring."""

    def __init__(self, spider: Spider | None):
        self.spider = spider
        self._items: list[bytes | Request] = []
        self.kept_as_objects = 0  # requests that could not be packed

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        return cls(crawler.spider)

    def push(self, request: Request) -> None:
        try:
            item: bytes | Request = pack_request(request, self.spider)
        except Exception:  # not storable as a record: keep the object (same queue, same order)
            item = request
            self.kept_as_objects += 1
        self._items.append(item)

    def pop(self) -> Request | None:
        if not self._items:
            return None
        return self._restore(self._items.pop())

    def peek(self) -> Request | None:
        if not self._items:
            return None
        return self._restore(self._items[-1])

    def close(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def _restore(self, item: bytes | Request) -> Request:
        return unpack_request(item, self.spider) if isinstance(item, bytes) else item


class SlotFairPriorityQueue(DownloaderAwarePriorityQueue):
    """Scrapy's `DownloaderAwarePriorityQueue` (the host with the fewest requests in the downloader goes
    first) that hands out nothing for a host whose downloader slot already holds its concurrency's worth.

    Why: the engine moves requests from the scheduler into the downloader until `CONCURRENT_REQUESTS` of
    them are there, and a request sits in its host's slot until the host's delay lets it go. With Scrapy's
    queue, a host that asked for a pause (`Retry-After`, a long Crawl-delay) soaks up all the places as
    soon as the other hosts' queues are empty for a moment (their next links are still being parsed); then
    every other host waits out that pause too: nothing of theirs is in flight, so nothing completes to let
    the engine take their new requests. Here a host never has more waiting in the downloader than it may
    download at once (`slot.concurrency`), so the other places stay free for the other hosts. A host's own
    pace is unchanged: a slot never sends more than its concurrency at once, and each finished download
    makes the engine ask the scheduler again. When only full hosts have requests, `pop()` returns None
    while the scheduler still reports them pending; the engine asks again after each finished download and
    on its heartbeat (the case Scrapy's engine documents as "pending requests but returns none").

    This also holds a host to `CONCURRENT_REQUESTS_PER_DOMAIN` where Scrapy alone does not: with the asyncio
    reactor and no download delay, Scrapy 2.19's slot loop (`Downloader._process_queue`) starts every
    queued request of a slot at once, because a download counts as transferring only once its task runs
    (seen: 13 requests at once at a host allowed 2).

    It relies on the parent's `pqueues` and on the downloader's `slots`, `active` and `get_slot_key`;
    with a Scrapy release that lacks them, `pop()` and `peek()` are the parent's own (fair by activity,
    without the hold).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fair_last: str | None = None
        interface = getattr(self, "_downloader_interface", None)
        self._downloader = getattr(interface, "downloader", None)
        self._per_slot = self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        self._holds = isinstance(getattr(self, "pqueues", None), dict) and all(
            hasattr(self._downloader, name) for name in ("slots", "active", "get_slot_key")
        )

    def _ready_slot(self, *, update_state: bool) -> str | None:
        """The host with room in the downloader and the fewest requests there; ties go round the hosts
        in name order from the last one served, as in the parent.

        A request is counted from the moment the engine hands it to the downloader (`downloader.active`),
        not from when it reaches its slot (`slot.active`): between the two it passes the downloader
        middlewares, and the engine takes several requests in one go, so counting the slots alone let a
        whole host's queue through at once."""
        downloader = self._downloader
        held = Counter(downloader.get_slot_key(request) for request in downloader.active)  # type: ignore[union-attr]
        slots = downloader.slots  # type: ignore[union-attr]
        best: tuple[int, str] | None = None
        after_last: tuple[int, str] | None = None
        last = self._fair_last
        for key in self.pqueues:
            slot = slots.get(key)
            active = held.get(key, 0)
            if active >= max(1, slot.concurrency if slot is not None else self._per_slot):
                continue
            entry = (active, key)
            if best is None or entry < best:
                best = entry
            if last is not None and key > last and (after_last is None or entry < after_last):
                after_last = entry
        if best is None:
            return None
        chosen = after_last[1] if after_last is not None and after_last[0] == best[0] else best[1]
        if update_state:
            self._fair_last = chosen
        return chosen

    def pop(self) -> Request | None:
        if not self._holds:
            return super().pop()
        slot = self._ready_slot(update_state=True) if self.pqueues else None
        if slot is None:
            return None  # every host with queued requests is full in the downloader: see the docstring
        queue = self.pqueues[slot]
        request = queue.pop()
        if len(queue) == 0:
            del self.pqueues[slot]
            queue.close()
            if self.key and _path_safe is not None:  # as the parent: reclaim a JOBDIR queue's slot directory
                with suppress(OSError):
                    Path(self.key, _path_safe(slot)).rmdir()
        return request

    def peek(self) -> Request | None:
        if not self._holds:
            return super().peek()
        slot = self._ready_slot(update_state=False) if self.pqueues else None
        return self.pqueues[slot].peek() if slot is not None else None
