"""robots.txt as RFC 9309 says, plus `Crawl-delay`.

Scrapy's `RobotsTxtMiddleware` treats every robots.txt it cannot read as "allow everything": a site whose
robots.txt answers 503 during an outage (or a rate-limit 429) gets crawled without its rules. RFC 9309
§2.3.1.3-2.3.1.4 says the opposite:

| robots.txt answer | this middleware |
|---|---|
| 2xx | its rules apply (parsed by Scrapy's `ROBOTSTXT_PARSER`, Protego by default) |
| 4xx other than 429 ("unavailable") | no rules: everything allowed |
| 429, 5xx, network error after the retries ("unreachable") | **complete disallow** for this run; asked again next run |

A request refused that way raises `IgnoreRequest` like any robots.txt refusal, and the stats count
`robotstxt/unreachable`; a site whose start pages are all refused counts as failed (exit status 2).

Where robots.txt fails because the host itself cannot be reached (DNS failure, connection refused, TLS
error, timeout: `failures.network_cause`), the robots.txt is not to blame: one warning names the site, the
host and the real cause, and the host's requests fail with `HostUnreachable` (an `IgnoreRequest` that
says the cause), counted as failed requests, not as refused by robots.txt. No traceback either way (Scrapy
logs one at ERROR for every robots.txt it cannot download).

Only the first `ROBOTSTXT_MAX_SIZE` bytes (500 KiB, RFC 9309 2.5 asks for at least that much and Google
reads that much) of a robots.txt are parsed, cut at the last line break before the limit; the rest is
ignored (a 30 MiB robots.txt would otherwise be parsed on the reactor thread, stalling every download),
counted as `robotstxt/truncated`. The rules are parsed in a thread of the reactor's pool, not on the
reactor thread itself: the downloads of other hosts go on meanwhile.

`Crawl-delay` (not part of RFC 9309, but widely used) is honoured up to `ROBOTSTXT_CRAWL_DELAY_MAX`
seconds (default 60): the host's download slot waits at least that long between two requests (without
the random jitter, which could shorten a gap) and AutoThrottle may not lower it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from .failures import describe_failure, network_cause

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = ["DisallowAll", "HostUnreachable", "RobotsPolicyMiddleware", "robots_outcome", "truncate_robots"]

logger = logging.getLogger(__name__)

UNREACHABLE_STAT = "robotstxt/unreachable"
TRUNCATED_STAT = "robotstxt/truncated"
DEFAULT_MAX_SIZE = 500 * 1024
CRAWL_DELAY_STAT = "robotstxt/crawl_delay"


class DisallowAll(RobotParser):
    """The rules of an unreachable robots.txt: nothing may be fetched."""

    def __init__(self, reason: str = "robots.txt unreachable"):
        self.reason = reason

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> Self:
        return cls()

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        return None


class Unreachable(DisallowAll):
    """The rules of a host that could not be reached at all (`cause`: DNS failure, connection refused, ...)."""

    def __init__(self, netloc: str, cause: str, detail: str):
        super().__init__(f"{netloc} unreachable: {detail}")
        self.cause = cause


class HostUnreachable(IgnoreRequest):
    """A request not sent because its host could not be reached for robots.txt: `cause` says why."""

    def __init__(self, message: str, cause: str):
        super().__init__(message)
        self.cause = cause


def robots_outcome(status: int) -> str:
    """RFC 9309 reading of a robots.txt HTTP status: "rules", "allow-all" or "disallow-all"."""
    if status == 429 or status >= 500:
        return "disallow-all"
    if 400 <= status < 500 or 300 <= status < 400:  # 3xx here: the redirect limit was reached
        return "allow-all"
    return "rules"


def truncate_robots(body: bytes, limit: int) -> bytes:
    """The first `limit` bytes of a robots.txt, ending at a line break (a rule cut in half is dropped,
    not read as a shorter rule: `Disallow: /private` cut to `Disallow: /pri` would still be safe, but
    `Allow: /public-x` cut to `Allow: /p` would allow more)."""
    if limit <= 0 or len(body) <= limit:
        return body
    head = body[:limit]
    end = max(head.rfind(b"\n"), head.rfind(b"\r"))
    return head[: end + 1] if end >= 0 else b""


class RobotsPolicyMiddleware(RobotsTxtMiddleware):
    """Drop-in replacement for Scrapy's `RobotsTxtMiddleware` (same priority, same `ROBOTSTXT_*`
    settings) that follows RFC 9309 for unreachable robots.txt files and honours `Crawl-delay`."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.max_delay = max(0.0, crawler.settings.getfloat("ROBOTSTXT_CRAWL_DELAY_MAX", 60.0))
        self.max_size = crawler.settings.getint("ROBOTSTXT_MAX_SIZE", DEFAULT_MAX_SIZE)
        self.crawl_delays: dict[str, float] = {}  # host -> seconds between requests

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _useragent(self, request: Request) -> str | bytes:
        return self._robotstxt_useragent or request.headers.get(b"User-Agent", self._default_useragent) or ""

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        await super().process_request(request)
        host = urlparse_cached(request).hostname or ""
        delay = self.crawl_delays.get(host)
        if delay:
            self._apply_delay(request, delay)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """Scrapy's version hands the parsed rules to the first request waiting for robots.txt only:
        the others waiting on the same Deferred get None (`Deferred.asFuture` passes None down the
        chain) and are let through unchecked. Read the stored parser once it is there instead."""
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            robots = Request(
                f"{url.scheme}://{netloc}/robots.txt",
                priority=self.DOWNLOAD_PRIORITY,
                meta={"dont_obey_robotstxt": True},
                callback=NO_CALLBACK,
            )
            try:
                response = await self.crawler.engine.download_async(robots)
                await self._parse_robots(response, netloc, request)
            except Exception as exc:  # Scrapy logs a traceback at ERROR here: a cause in one line instead
                self._robots_failed(exc, netloc, request)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            parser = await maybe_deferred_to_future(parser)
            stored = self._parsers.get(netloc)
            return parser if stored is None or isinstance(stored, Deferred) else stored
        return parser

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if isinstance(rp, Unreachable):
            self._stats.inc_value("robotstxt/host_unreachable")
            raise HostUnreachable(rp.reason, rp.cause)
        super().process_request_2(rp, request)

    def _robots_failed(self, exc: Exception, netloc: str, request: Request) -> None:
        cause = network_cause(exc)
        if cause is None:
            if not isinstance(exc, IgnoreRequest):
                logger.warning("robots.txt of %s could not be read: %s", netloc, describe_failure(exc))
                logger.debug("robots.txt of %s", netloc, exc_info=exc)
            self._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        detail = describe_failure(exc)
        site = request.meta.get("site")
        logger.warning(
            "%s%s unreachable (%s): nothing fetched from it in this run; the next run tries again",
            f"{site}: " if site else "",
            netloc,
            detail,
        )
        deferred = self._parsers[netloc]
        self._parsers[netloc] = Unreachable(netloc, cause, detail)
        deferred.callback(self._parsers[netloc])  # type: ignore[union-attr]

    def _apply_delay(self, request: Request, delay: float) -> None:
        """Make the request's download slot wait `delay` seconds between requests, whatever
        DOWNLOAD_DELAY, its jitter or AutoThrottle would do."""
        request.meta["autothrottle_dont_adjust_delay"] = True
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return
        key = downloader.get_slot_key(request)
        base = downloader.per_slot_settings.get(key, {})
        downloader.per_slot_settings[key] = {**base, "delay": max(float(base.get("delay", 0)), delay), "jitter": 0}
        slot = downloader.slots.get(key)
        if slot is not None and (slot.delay < delay or slot.jitter):
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        outcome = robots_outcome(response.status)
        if outcome == "disallow-all":
            rp: RobotParser = DisallowAll(f"robots.txt answered HTTP {response.status}")
            self._unreachable(netloc, f"HTTP {response.status}")
        else:
            body = response.body if outcome == "rules" else b""
            if len(body) > self.max_size > 0:
                body = truncate_robots(body, self.max_size)
                self._stats.inc_value(TRUNCATED_STAT)
                logger.info(
                    "robots.txt of %s is %d bytes: its first %d bytes are read (ROBOTSTXT_MAX_SIZE)",
                    netloc,
                    len(response.body),
                    len(body),
                )
            # In a thread, off the reactor: 500 KiB of wildcard rules take Protego ~2 s, every download waiting
            rp = await maybe_deferred_to_future(deferToThread(build_from_crawler, self._parserimpl, self.crawler, body))
            self._record_delay(rp, request)
        await self.crawler.signals.send_catch_log_async(signal=signals.robots_parsed, robotparser=rp, request=request)
        deferred = self._parsers[netloc]
        self._parsers[netloc] = rp
        deferred.callback(rp)  # type: ignore[union-attr]

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):  # refused by us (private-network guard, offsite): nothing to read
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._unreachable(netloc, f"{type(exc).__name__}: {exc}")
        deferred = self._parsers[netloc]
        self._parsers[netloc] = DisallowAll(str(exc))
        deferred.callback(self._parsers[netloc])  # type: ignore[union-attr]

    def _unreachable(self, netloc: str, why: str) -> None:
        self._stats.inc_value(UNREACHABLE_STAT)
        logger.warning(
            "robots.txt of %s is unreachable (%s): nothing is fetched from %s in this run (RFC 9309 2.3.1.4);"
            " the next run asks again",
            netloc,
            why,
            netloc,
        )

    def _record_delay(self, rp: RobotParser, request: Request) -> None:
        try:
            delay = rp.crawl_delay(self._useragent(request))
        except Exception:  # a parser without Crawl-delay support
            delay = None
        if not delay or delay <= 0:
            return
        host = urlparse_cached(request).hostname or ""
        applied = min(float(delay), self.max_delay)
        if applied < delay:
            logger.info(
                "%s: Crawl-delay %.1f s capped at ROBOTSTXT_CRAWL_DELAY_MAX = %.1f s", host, delay, self.max_delay
            )
        else:
            logger.info("%s: honouring Crawl-delay of %.1f s", host, applied)
        self.crawl_delays[host] = applied
        self._stats.max_value(CRAWL_DELAY_STAT, applied)
