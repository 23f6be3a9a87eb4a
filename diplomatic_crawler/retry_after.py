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

Stats: `retry_after/paused` (pauses), `retry_after/max_seconds` (longest pause).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

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
    def __init__(self, crawler: Crawler, max_pause: float, default_429: float):
        self.crawler = crawler
        self.max_pause = max_pause
        self.default_429 = default_429

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            max(0.0, settings.getfloat("RETRY_AFTER_MAX", 120.0)),
            max(0.0, settings.getfloat("RETRY_AFTER_DEFAULT", 5.0)),
        )

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
            self.pause(request, pause, asked, response.status)
        return response

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
