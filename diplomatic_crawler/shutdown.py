"""A stop that stops: when the crawl closes early, the requests waiting in the downloader are dropped.

Scrapy 2.19's graceful stop (SIGTERM, Ctrl-C, `CLOSESPIDER_*`, `engine.close_spider_async`) stops taking
requests from the scheduler but waits for every request already handed to the downloader (scrapy#4749).
Those wait in their download slot for the slot's delay: `DOWNLOAD_DELAY`, a robots.txt `Crawl-delay`,
AutoThrottle's delay, a `Retry-After` pause. With 16 requests behind a 60 s Crawl-delay the "stop" goes on
at the paused pace for 16 minutes, until a scheduler's kill loses what was not committed. (Scrapy gained a
fast stop after 2.19, scrapy#7455; this extension does the same for 2.19.)

`DropPendingOnClose` (an extension) runs first whenever the spider is closed for any reason but
"finished" (a finished crawl has nothing pending):

* every request queued in a download slot fails at once with `CrawlStopped` (an `IgnoreRequest`): its
  errback runs, nothing retries it, and it is counted as `shutdown/dropped`;
* the slots' pause timers are cancelled;
* a request that reaches the downloader later (one that was waiting for its robots.txt, say) is
  dropped the same way on the next turn of the event loop.

Downloads already on the wire finish (or time out, `DOWNLOAD_TIMEOUT`); the pages fetched are parsed and
their articles committed by the archive pipeline as the spider closes. The run is recorded with the
close reason (`shutdown` for a signal) and `scrapy crawl` exits 1.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import call_later
from twisted.python.failure import Failure

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

__all__ = ["DROPPED_STAT", "CrawlStopped", "DropPendingOnClose", "drop_queued"]

logger = logging.getLogger(__name__)

DROPPED_STAT = "shutdown/dropped"


class CrawlStopped(IgnoreRequest):
    """A request dropped because the crawl is stopping: not an error of the site, not retried."""


def drop_queued(
    downloader: Any, reason: str, *, slot_key: str | None = None, error: type[Exception] = CrawlStopped
) -> int:
    """Fail every request waiting in a slot of `downloader` (a Scrapy `Downloader`), or in its slot
    `slot_key` only, with `error` (`CrawlStopped` by default) and cancel those slots' pause timers; return
    how many were dropped. Requests being transferred are left to finish."""
    dropped = 0
    slots = getattr(downloader, "slots", {})
    for key, slot in list(slots.items()):
        if slot_key is not None and key != slot_key:
            continue
        slot.close()  # cancels the slot's delayed call (the pause before its next request)
        while slot.queue:
            request, deferred = slot.queue.popleft()
            if not deferred.called:
                deferred.errback(Failure(error(f"{reason}: {request.url} not fetched")))
                dropped += 1
    return dropped


class DropPendingOnClose:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.reason: str | None = None  # set once the crawl is stopping
        self._again = False  # a drop is scheduled for the next turn of the event loop

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.request_reached_downloader, signal=signals.request_reached_downloader)
        return ext

    def spider_opened(self) -> None:
        """Every early close goes through `engine.close_spider_async` (the engine's own stop, the
        CloseSpider extension, the archive pipeline): drop the pending requests before Scrapy's close
        starts waiting for them."""
        engine = self.crawler.engine
        if engine is None:
            return
        close = engine.close_spider_async

        async def close_spider_async(*, reason: str = "cancelled") -> None:
            if reason != "finished":
                self.stop(reason)
            await close(reason=reason)

        engine.close_spider_async = close_spider_async  # type: ignore[method-assign]

    def stop(self, reason: str) -> None:
        self._again = False
        first = self.reason is None
        self.reason = self.reason or reason
        downloader = getattr(self.crawler.engine, "downloader", None)
        dropped = drop_queued(downloader, f"crawl stopping ({self.reason})") if downloader is not None else 0
        if dropped and self.crawler.stats is not None:
            self.crawler.stats.inc_value(DROPPED_STAT, dropped)
        if first:
            logger.info(
                "Stopping (%s): %d queued request(s) dropped, download pauses cancelled; waiting for the"
                " downloads in progress and committing the articles fetched",
                reason,
                dropped,
            )

    def request_reached_downloader(self, request: Request, spider: Any = None) -> None:
        """A request entering a download slot once the crawl is stopping is dropped as soon as it is queued
        (the signal comes just before it joins its slot's queue)."""
        if self.reason is not None and not self._again:
            self._again = True
            call_later(0, self.stop, self.reason)
