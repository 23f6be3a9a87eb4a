"""scrapy-redis's scheduler and duplicate filter, adapted to our crawl (distributed mode only).

Checked against scrapy-redis 0.9.1 on Scrapy 2.19: its `Scheduler` implements the interface Scrapy's engine
calls (`from_crawler`, `open(spider)`, `close(reason)`, `enqueue_request`, `next_request`,
`has_pending_requests`) and serializes requests with `Request.to_dict(spider=...)`, which keeps our
callbacks and errback (spider methods) and meta. What we change, and why:

* `enqueue_request` checks the duplicate filter and pushes in one Lua call (scrapy-redis does it in two:
  a worker killed in between leaves a URL marked seen that is in no queue);
* `next_request` pops through `Frontier.pop`, which moves the request into this worker's in-flight hash
  in the same Lua call, so a worker killed between pop and fetch loses nothing (scrapy-redis's pop simply
  removes it);
* a request handed back by a downloader middleware (redirect, retry) carries its in-flight token: it is
  released once the follow-up request is queued (or filtered);
* the duplicate filter identifies an article page by its canonical URL (`meta["key"]`), so two workers that
  met the same article under two addresses (tracking parameters, print views) do not both fetch it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from .distributed import TOKEN_META, frontier_of

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class FrontierScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        instance = super().from_crawler(crawler)
        instance.crawler = crawler
        return instance

    def open(self, spider: Any) -> None:
        super().open(spider)
        self.frontier = frontier_of(self.crawler)

    def enqueue_request(self, request: Request) -> bool:
        token = request.meta.pop(TOKEN_META, None)
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        added = self.frontier.push(fingerprint, request.priority, self.queue._encode_request(request))
        if added:
            self.stats.inc_value("scheduler/enqueued/redis")
        else:
            self.df.log(request, self.spider)
        if token:  # a redirect or retry of a popped request: after the push, the original is done
            self.frontier.done(token)
        self.frontier.tracker.scheduled(request)
        return added

    def next_request(self) -> Request | None:
        popped = self.frontier.pop()
        if popped is None:
            return None
        token, data = popped
        request = self.queue._decode_request(data)
        request.meta[TOKEN_META] = token
        self.stats.inc_value("scheduler/dequeued/redis")
        return request


class CanonicalDupeFilter(RFPDupeFilter):
    def request_fingerprint(self, request: Request) -> str:
        key = request.meta.get("key")
        if key and request.meta.get("kind") == "page" and not request.meta.get("redirect_urls"):
            return hashlib.sha1(f"page {request.method} {key}".encode()).hexdigest()
        return super().request_fingerprint(request)
