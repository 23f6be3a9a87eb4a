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
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.utils.request import request_from_dict

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

__all__ = ["CompactLifoMemoryQueue", "pack_request", "unpack_request"]

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
