"""Honour `Retry-After` on 429 and 503 answers: pause the host, not just the one request.

Scrapy's `RetryMiddleware` retries a 429/503 at once and keeps sending the host's other queued requests
(scrapy#3849), so a site that asks for a break gets hammered instead. This downloader middleware, placed
just before `RetryMiddleware`, reads `Retry-After` (seconds or an HTTP date) and holds the host's whole
download slot: no request to that host starts before the time is up (plus the usual delay), while other
hosts go on. The retry itself is still `RetryMiddleware`'s (and bounded by `RETRY_TIMES`).

Settings:

* `RETRY_AFTER_MAX` (120 s): a longer `Retry-After` is capped to this, so one answer cannot stall a
  scheduled run for hours; the host is paused this long and the request retried (or given up after
  `RETRY_TIMES`).
* `RETRY_AFTER_DEFAULT` (5 s): pause after a 429 that gives no usable `Retry-After`; 0 disables.
* `RETRY_AFTER_HOST_BUDGET` (600 s): the pauses one host may impose on a run, in total. The answer that
  would go beyond it stands (not retried: the request fails with its status), and the host's other
  requests fail without being sent, those already waiting in the downloader included: a 503 storm with
  `Retry-After: 120` holds a run ten minutes at most instead of one pause per request (about 90 minutes
  for a site's worth of retries). The next run asks again. 0: no budget.

Stats: `retry_after/paused` (pauses), `retry_after/max_seconds` (longest pause), `retry_after/given_up`
(hosts whose budget was spent), `retry_after/refused` (requests not sent to them).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest

from .shutdown import drop_queued

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

__all__ = ["RetryAfterMiddleware", "parse_retry_after"]

logger = logging.getLogger(__name__)

PAUSE_STATUSES = frozenset({429, 503})
# A slot needs a non-zero delay for Scrapy to look at its `lastseen` time at all.
_MIN_SLOT_DELAY = 0.001


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta-seconds or HTTP-date, RFC 9110 §10.2.3);
    None when absent or unreadable; never negative."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler, max_pause: float, default_429: float, host_budget: float = 0.0):
        self.crawler = crawler
        self.max_pause = max_pause
        self.default_429 = default_429
        self.host_budget = host_budget
        self.paused: dict[str, float] = {}  # slot key -> seconds of pause imposed so far
        self.given_up: set[str] = set()  # slot keys whose budget is spent

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            max(0.0, settings.getfloat("RETRY_AFTER_MAX", 120.0)),
            max(0.0, settings.getfloat("RETRY_AFTER_DEFAULT", 5.0)),
            max(0.0, settings.getfloat("RETRY_AFTER_HOST_BUDGET", 600.0)),
        )

    def _slot_key(self, request: Request) -> str | None:
        downloader = getattr(self.crawler.engine, "downloader", None)
        if downloader is None:
            return None
        return request.meta.get("download_slot") or downloader.get_slot_key(request)

    def process_request(self, request: Request) -> None:
        if self.given_up and self._slot_key(request) in self.given_up:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("retry_after/refused")
            raise IgnoreRequest("the host's Retry-After pauses are over RETRY_AFTER_HOST_BUDGET for this run")

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in PAUSE_STATUSES or request.meta.get("dont_retry"):
            return response
        asked = parse_retry_after(response.headers.get(b"Retry-After"))
        if asked is None:
            if response.status != 429 or not self.default_429:
                return response
            pause = self.default_429
        else:
            pause = min(asked, self.max_pause)
        if pause > 0:
            key = self._slot_key(request)
            spent = self.paused.get(key, 0.0) if key is not None else 0.0
            if key is not None and self.host_budget and spent + pause > self.host_budget:
                self._give_up(key, spent, pause, response.status)
                request.meta["dont_retry"] = True  # this answer stands: the request fails with its status
                return response
            if key is not None:
                self.paused[key] = spent + pause
            self.pause(request, pause, asked, response.status)
        return response

    def _give_up(self, key: str, spent: float, pause: float, status: int) -> None:
        if key in self.given_up:
            return
        self.given_up.add(key)
        # Its requests already waiting in the downloader fail too (they have passed process_request).
        dropped = drop_queued(
            self.crawler.engine.downloader, "over RETRY_AFTER_HOST_BUDGET", slot_key=key, error=IgnoreRequest
        )
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("retry_after/given_up")
            self.crawler.stats.inc_value("retry_after/refused", dropped)
        logger.warning(
            "%s answered %d asking for another %.0f s pause after %.0f s of pauses: over"
            " RETRY_AFTER_HOST_BUDGET (%.0f s), nothing more is asked of it in this run",
            key,
            status,
            pause,
            spent,
            self.host_budget,
        )

    def pause(self, request: Request, seconds: float, asked: float | None, status: int) -> None:
        """Hold the request's download slot: its next request starts `seconds` from now at the
        earliest (the slot's own delay comes on top)."""
        downloader = getattr(self.crawler.engine, "downloader", None)
        if downloader is None:
            return
        key = request.meta.get("download_slot") or downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None:
            return
        until = time.monotonic() + seconds
        slot.lastseen = max(slot.lastseen, until)
        if slot.delay <= 0:
            slot.delay = _MIN_SLOT_DELAY
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("retry_after/paused")
            stats.max_value("retry_after/max_seconds", round(seconds, 3))
        if asked is not None and asked > seconds:
            logger.warning(
                "%s answered %d with Retry-After %.0f s: pausing the host for %.0f s (RETRY_AFTER_MAX)",
                key,
                status,
                asked,
                seconds,
            )
        else:
            logger.info("%s answered %d: pausing the host for %.1f s", key, status, seconds)
