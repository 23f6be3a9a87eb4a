"""Middlewares: every request carries its seed; every redirect hop stays on its seed's hosts and off private
addresses; redirects to known articles are not followed; meta refreshes are looked for without decoding every
page in the reactor."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import Request, Spider, signals
from scrapy.downloadermiddlewares.redirect import BaseRedirectMiddleware, MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from .security import NetworkPolicy, refuse

if TYPE_CHECKING:
    from typing import Any, Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class SeedMiddleware(BaseSpiderMiddleware):
    """Copy `meta["site"]` from a response to every follow-up request that lacks one, and drop start
    requests that carry no site at all: every request in the crawl is attributed to one seed, so it is
    capped, counted and parsed with that seed's rules. Only in a crawl of the seeds: the one request of
    Scrapy's `fetch`, `parse` or `check` goes out as it is, to any host (the spider parses it with the
    seed that owns its URL, or as a site of its own; the private-network guard still applies)."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if "site" in request.meta:
            return request
        if not getattr(self.crawler.spider, "crawling_seeds", False):
            request.meta.setdefault("allow_offsite", True)  # the spider's allowed_domains are its seeds'
            return request
        if response is not None and "site" in response.meta:
            request.meta["site"] = response.meta["site"]
            return request
        logger.warning("Dropping request without a seed: %s", request)
        self.crawler.stats.inc_value("diplomatic/request_without_seed")
        return None


class KnownRedirectMiddleware:
    """Downloader middleware: a redirect that lands on an article already archived (or already fetched
    in this run) is not followed; the redirecting URL is remembered as an alias of it, so the next run
    does not request it at all."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownRedirectMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.request_dropped, signal=signals.request_dropped)
        return mw

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        if not request.meta.get("redirect_urls") or not hasattr(spider, "redirect_target_known"):
            return
        if spider.redirect_target_known(request):
            raise IgnoreRequest(f"redirect to a known article: {request.url}")

    def request_dropped(self, request: Request, spider: Spider) -> None:
        """The scheduler's duplicate filter dropped a redirect to a page fetched in this run."""
        if request.meta.get("redirect_urls") and hasattr(spider, "redirect_target_known"):
            spider.redirect_target_known(request, dropped=True)


class GuardedRedirectMixin(BaseRedirectMiddleware):
    """Check every redirect hop (HTTP 3xx and meta refresh) where it is made, before the new request
    exists: a hop to a refused address (the private-network guard) or off its seed's hosts and ports is
    refused with `IgnoreRequest`, so the request's errback runs as for any failed request (a child
    sitemap's chain goes on), and it is counted per site as `refused` (`refused/blocked`,
    `refused/offsite`). Checked at scheduling time instead, the hop was dropped without its errback; and
    child sitemaps, requested with `dont_filter`, are let through by Scrapy's offsite filter to any host.
    A request of no seed (robots.txt) may be redirected anywhere public (RFC 9309 2.3.1.2)."""

    policy: NetworkPolicy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = super().from_crawler(crawler)
        mw.policy = NetworkPolicy.from_settings(crawler.settings)
        return mw

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        site = request.meta.get("site")
        seed = (getattr(self.crawler.spider, "seeds", None) or {}).get(site) if site else None
        if (why := self.policy.url_reason(redirected.url)) is not None:
            self._count(site, "blocked")
            raise refuse(self.crawler, redirected, f"{why} (redirected from {request.url})")
        if seed is not None and not seed.owns(redirected.url):
            self._count(site, "offsite")
            logger.info("%s: redirect leaves the site, not followed: %s -> %s", site, request.url, redirected.url)
            raise IgnoreRequest(f"redirect off the site's hosts: {redirected.url}")
        return super()._redirect(redirected, request, reason)

    def _count(self, site: str | None, why: str) -> None:
        stats = self.crawler.stats
        if site and stats is not None:
            stats.inc_value(f"diplomatic/{site}/refused")
            stats.inc_value(f"diplomatic/{site}/refused/{why}")


class GuardedRedirectMiddleware(GuardedRedirectMixin, RedirectMiddleware):
    """Scrapy's RedirectMiddleware with every hop checked (`GuardedRedirectMixin`)."""


class QuickMetaRefreshMiddleware(GuardedRedirectMixin, MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware with a byte test in front. Scrapy decodes every HTML page in the
    reactor (`response.text`, charset detection included) to read its first 4,096 characters, and
    nothing else in this crawl needs the decoded page there (the extraction workers decode it): ~3% of
    the reactor's time. A page whose first 16 kB (4,096 characters of up to four bytes) never spell
    "refresh" in any case has no meta refresh in an ASCII-compatible encoding; pages with NUL bytes
    there (UTF-16/32) go to Scrapy's full check."""

    _HEAD = 16384

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if isinstance(response, HtmlResponse):
            head = response.body[: self._HEAD]
            if b"refresh" not in head.lower() and b"\x00" not in head:
                return response
        return super().process_response(request, response)
