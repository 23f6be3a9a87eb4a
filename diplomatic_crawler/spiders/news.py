"""The `news` spider: crawl every seed's sitemaps, feeds and listing pages, archive the articles.

    scrapy crawl news [-a seeds=PATH] [-a site=NAME[,NAME]] [-a recheck=DAYS] [-s ARCHIVE_DB=PATH]

Reruns are cheap: article pages already in the archive are not fetched again unless their sitemap
`lastmod` or feed date changed since the last run (then conditionally, with the page's ETag /
Last-Modified); a site without sitemaps and feeds has its newest articles asked again conditionally;
pagination stops on a page that holds only known links; feeds and sitemaps are fetched with conditional
GET; link patterns that yield no new article are followed a few pages only (`diplomatic_crawler.traps`).
`recheck=DAYS` re-requests the archived articles of the last DAYS days to find withdrawn ones (see
`diplomatic_crawler.withdrawals`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from ..archive import ArchiveError, get_archive, utcnow
from ..captures import capture_for, capture_store
from ..discovery import (
    Link,
    calendar_key,
    is_pagination,
    parse_date,
    parse_feed,
    trap_reason,
)
from ..distributed import TOKEN_META, DistributedError, Frontier, attach_frontier, configure_distributed
from ..enrich.hooks import ENRICHMENT_ERROR, extract_pdf_enriched, item_extra
from ..enrich.pdf import is_pdf
from ..failures import describe_failure, network_cause
from ..items import ArchivedArticle
from ..pipelines import CRAWL_STARTED
from ..robots import HostUnreachable
from ..security import NetworkPolicy, seed_host_refusals
from ..seeds import Seed, SeedError, load_seeds
from ..shutdown import CrawlStopped
from ..site_stamps import SiteStamps
from ..traps import Growth, TrapGuard, link_pattern
from ..urls import canonical_url, clean_url, resolve_canonical
from ..withdrawals import check_redirect, parse_recheck, recheck_requests
from ..workers import (
    DEFAULT_MAX_BYTES,
    ExtractionFailed,
    ExtractionPool,
    PageAnalysis,
    analyse_page,
    sitemap_entries,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

STATS_PREFIX = "diplomatic"
SITEMAP_CHILD_PRIORITY = -1  # below article pages (0): see NewsSpider._next_sitemap
MAX_LISTING_TEMPLATES = 64  # teaser-card templates kept per site (a listing has a few; a hostile page no more)


def stat_key(site: str, counter: str) -> str:
    return f"{STATS_PREFIX}/{site}/{counter}"


def _validators(response: Response) -> dict[str, str]:
    """The page's ETag and Last-Modified, to ask for it conditionally next time."""
    out = {}
    for header, name in ((b"ETag", "etag"), (b"Last-Modified", "last_modified")):
        if value := response.headers.get(header):
            out[name] = value.decode("latin-1")
    return out


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self, seeds: str | None = None, site: str | None = None, recheck: str | None = None, *args: Any, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.seeds_arg = seeds
        self.site_arg = site
        self.recheck_arg = recheck
        self.seeds: dict[str, Seed] = {}
        self.frontier: Frontier | None = None
        self.crawling_seeds = False  # set by `start`

    @classmethod
    def handles_request(cls, request: Request) -> bool:
        """Any http(s) page: the project's one, generic spider is the one Scrapy's `parse`, `fetch` and
        `shell` pick for a URL without `--spider` (its `allowed_domains` exist only once the seeds load)."""
        return urlsplit(request.url).scheme in ("http", "https")

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # Before the spider exists and opens its archive: distributed mode chooses the shard path.
        configure_distributed(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler)
        crawler.signals.connect(spider._release_parked, signal=signals.spider_idle)
        return spider

    # -- set-up: everything that can fail does so here, before any request ---------------------

    def _configure(self, crawler: Crawler) -> None:
        settings = crawler.settings
        path = self.seeds_arg or settings.get("SEEDS_PATH", "seeds")
        names = self.site_arg.split(",") if self.site_arg else None
        try:
            seeds = load_seeds(path, names)
        except SeedError as exc:
            logger.error("Invalid seeds, nothing crawled:\n%s", exc)
            raise
        if not seeds:
            raise SeedError(f"{path}: site: no seeds selected")
        # A seed naming a private or loopback host is refused once, here, not request by request.
        if refusals := seed_host_refusals(seeds, NetworkPolicy.from_settings(settings)):
            logger.error("Private or loopback hosts in seeds, nothing crawled:\n%s", "\n".join(refusals))
            raise SeedError("\n".join(refusals))
        self.seeds = {s.name: s for s in seeds}
        self.recheck_days = parse_recheck(self.recheck_arg)  # the archive as a record (issue 7)
        self.captures_store = capture_store(settings)
        hosts = {d.partition(":")[0] for s in seeds for d in s.allowed_domains + s.aliases}
        self.allowed_domains = sorted(hosts)
        try:
            self.archive = get_archive(crawler)
        except ArchiveError as exc:
            logger.error("Unusable archive, nothing crawled: %s", exc)
            raise
        self.known = {url: parse_date(when) for url, when in self.archive.known_articles(self.seeds).items()}
        self.known_pages = self.archive.known_pages(self.seeds)
        # What discovery and the page said of each article last time (lastmod, feed updated, validators).
        self.signals = self.archive.article_signals(self.seeds)
        self.alias_pages = self.archive.alias_pages(self.seeds)  # copies of archived articles (tracking links)
        self.pending_signals: dict[str, dict[str, Any]] = {}
        self.recheck_newest = settings.getint("RECHECK_NEWEST_ARTICLES", 10)
        # Link patterns that yield no new article are followed a few pages only (see traps.py).
        self.traps = TrapGuard(settings.getint("TRAP_PATTERN_PAGES", 5), self.archive.url_patterns(self.seeds))
        try:  # distributed mode: a shared frontier and shared "already archived" checks (Redis)
            self.frontier = attach_frontier(self, crawler)
        except DistributedError as exc:
            logger.error("Distributed mode unusable, nothing crawled: %s", exc)
            raise
        self.seen_keys: set[str] = set()
        self.unchanged_known: set[str] = set()  # archived articles seen this run and not requested
        self.requested_listings: set[str] = set()
        # Teaser-card templates of each site's listing pages: a page that reads as an article but uses one
        # is weighed as a hub (diplomatic_crawler.extraction.page_kind).
        self.listing_templates: dict[str, frozenset[str]] = {}
        self.site_stamps = SiteStamps()  # publication timestamps that are the site's (site_stamps.py)
        self.restamped: set[str] = set()  # articles read again without them (once each)
        self.requested_sitemaps: set[str] = set()
        self.page_counts: dict[str, int] = dict.fromkeys(self.seeds, 0)
        self.calendar_counts: dict[str, int] = {}
        self.pending_pages: list[dict[str, str]] = []
        self.remembered: set[str] = set()
        self.max_size = settings.getint("DOWNLOAD_MAXSIZE")
        self.default_max_pages = settings.getint("SITE_MAX_PAGES", 5000)
        self.calendar_limit = settings.getint("CALENDAR_PAGES_LIMIT", 24)
        self.stop_pagination = settings.getbool("STOP_PAGINATION_ON_KNOWN", True)
        self.refetch_non_articles = settings.getbool("REFETCH_NON_ARTICLES", False)
        self.short_text_words = settings.getint("SHORT_TEXT_WORDS", 50)
        self.url_limit = settings.getint("URLLENGTH_LIMIT", 1024) or 1024
        # Parsing and extraction run in worker processes, within a per-page time and size budget.
        self.extraction = ExtractionPool.from_settings(settings)
        self.extraction_max_bytes = settings.getint("EXTRACTION_MAX_BYTES", DEFAULT_MAX_BYTES)

    def inc(self, site: str, counter: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(stat_key(site, counter), count)

    # -- start ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        # A crawl of the seeds begins: the archive pipeline records the run and the `CrawlReport` reports it
        # (not `scrapy shell`, `fetch` or `parse`, which never call this start).
        self.crawling_seeds = True
        logger.info(
            "Crawling %d site(s): %s; %d article(s) already archived",
            len(self.seeds),
            ", ".join(self.seeds),
            len(self.known),
        )
        self.crawler.signals.send_catch_log(CRAWL_STARTED, spider=self)
        self.extraction.start()  # the workers import while the first requests go out
        if self.frontier is not None and not self.frontier.claim_seeding():
            logger.info("Seeds already pushed by another worker: pulling from the shared frontier")
            return
        for req in recheck_requests(self):
            yield req
        for req in self._recheck_newest():
            yield req
        for seed in self.seeds.values():
            for url in seed.sitemaps:
                self.requested_sitemaps.add(clean_url(url))
                if req := self._feed_request(url, seed, self.parse_sitemap, entry=True):
                    yield req
            for url in seed.feeds:
                if req := self._feed_request(url, seed, self.parse_feed, entry=True):
                    yield req
            for url in seed.start_urls:
                if req := self._request(url, seed, kind="listing", entry=True):
                    yield req

    # -- request helpers -----------------------------------------------------------------------

    def _capped(self, seed: Seed) -> bool:
        """The site's request cap is reached (counted): checked before any URL work, so the entries of a
        sitemap far larger than the cap cost a set lookup each, not a parse of their URL."""
        cap = seed.max_pages or self.default_max_pages
        if self.page_counts[seed.name] < cap:
            return False
        self.inc(seed.name, "capped")
        if self.page_counts[seed.name] == cap:
            logger.warning("%s: page cap of %d requests reached", seed.name, cap)
            self.page_counts[seed.name] += 1
        return True

    def _allowed(self, url: str, seed: Seed) -> bool:
        """Crawl-trap guards; counts what it refuses (the cap is checked before, `_capped`)."""
        if not seed.owns(url):
            return False
        if reason := trap_reason(url, max_length=self.url_limit):
            self.inc(seed.name, f"trap/{reason}")
            return False
        if key := calendar_key(url):
            self.calendar_counts[key] = self.calendar_counts.get(key, 0) + 1
            if self.calendar_counts[key] > self.calendar_limit:
                self.inc(seed.name, "trap/calendar")
                return False
        return True

    def _request(
        self,
        url: str,
        seed: Seed,
        *,
        kind: str,
        entry: bool = False,
        callback: Any = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        dont_filter: bool = False,
    ) -> Request | None:
        if key is not None and kind == "listing" and not dont_filter and key in self.requested_listings:
            return None  # navigation repeats listing links on every page: one request a run, counted once
        if self._capped(seed):
            return None
        url = clean_url(url)
        key = key or canonical_url(url, seed)
        if kind == "listing" and not dont_filter and key in self.requested_listings:
            return None
        if not self._allowed(url, seed):
            return None
        if kind == "listing" and not dont_filter:
            self.requested_listings.add(key)
        self.page_counts[seed.name] += 1
        meta = {"site": seed.name, "kind": kind, "entry": entry, "key": key}
        if kind in ("sitemap", "feed"):
            meta["handle_httpstatus_list"] = [304]
        return Request(
            url,
            callback=callback or self.parse_page,
            errback=self.on_error,
            meta=meta,
            headers=headers,
            dont_filter=dont_filter,
            priority=10 if kind in ("sitemap", "feed") else (5 if kind == "listing" else 0),
        )

    def _feed_request(self, url: str, seed: Seed, callback: Any, entry: bool = False) -> Request | None:
        etag, last_modified = self.archive.validators(clean_url(url))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        kind = "sitemap" if callback == self.parse_sitemap else "feed"
        return self._request(url, seed, kind=kind, entry=entry, callback=callback, headers=headers)

    def _candidate(
        self,
        url: str,
        seed: Seed,
        changed: datetime | None = None,
        *,
        key: str | None = None,
        source: str | None = None,
    ) -> Request | None:
        """A link that may be an article: request it unless archived already (and unchanged) or known
        not to be an article. `changed` is what a sitemap (`source="lastmod"`) or a feed
        (`"feed_updated"`) says of it: an archived article is fetched again, conditionally, when that
        differs from what was said last time. A `key` comes from `analyse_page`, which has checked
        already that the site owns the link and computed its canonical URL."""
        if key is None:
            if not seed.owns(url):
                return None
            key = canonical_url(url, seed)
        said = {source: changed.isoformat()} if source and changed is not None else {}
        if key in self.seen_keys:
            if said and key not in self.known:
                self._note_signals(key, seed.name, said)  # found by a listing first: keep what the sitemap says
            elif said and key in self.unchanged_known:
                # Seen first where nothing was said of it (a link on a page fetched before the sitemap was
                # parsed): what the sitemap or feed says of it still counts, whichever came first.
                return self._refetch_if_changed(url, seed, key, changed, said)
            return None
        self.seen_keys.add(key)
        self.inc(seed.name, "discovered")
        if key in self.known:
            req = self._refetch_if_changed(url, seed, key, changed, said)
            if req is None:
                self.inc(seed.name, "skipped_known")
            return req
        if key in self.known_pages and not self.refetch_non_articles:
            if (req := self._refetch_alias(url, seed, key, said)) is not None:
                return req
            self.inc(seed.name, "skipped_known")
            return None
        if said:
            self._note_signals(key, seed.name, said)
        return self._request(url, seed, kind="page", key=key)

    def _refetch_if_changed(
        self, url: str, seed: Seed, key: str, changed: datetime | None, said: dict[str, str]
    ) -> Request | None:
        """A conditional request for an archived article that discovery says has changed, else None (the
        key is then remembered as unchanged, so that a later sitemap or feed entry may still say so)."""
        if not self._changed(key, seed.name, changed, said):
            self.unchanged_known.add(key)
            return None
        self.unchanged_known.discard(key)
        self.inc(seed.name, "refetch_changed")
        if req := self._request(url, seed, kind="page", key=key):
            self._conditional(req, key)
            req.meta["signals"] = said  # recorded once the page has been fetched (or is unchanged)
        return req

    def _refetch_alias(self, url: str, seed: Seed, key: str, said: dict[str, str]) -> Request | None:
        """A copy of an archived article (a feed's tracking link, a print view: its page names the article
        as canonical) that discovery says has changed: asked again, and its canonical page with it
        (`parse_page`), since what discovery says is kept under the address discovery gives. None when it
        says nothing new (what it says is kept for the next run)."""
        if not said or key not in self.alias_pages:
            return None
        ((source, value),) = said.items()
        stored = self.signals.get(key, {}).get(source)
        if stored is None or stored == value:
            self._note_signals(key, seed.name, said)
            return None
        self.inc(seed.name, "refetch_changed")
        if req := self._request(url, seed, kind="page", key=key):
            req.meta["signals"] = said
        return req

    def _changed(self, key: str, site: str, changed: datetime | None, said: dict[str, str]) -> bool:
        """Whether an archived article is to be fetched again: what discovery says of it now differs from
        what it said last time (whatever the site's clock or time zone). Where nothing was recorded yet,
        the date is compared with our last fetch once, and recorded."""
        if not said:
            return False
        ((source, value),) = said.items()
        stored = self.signals.get(key, {}).get(source)
        if stored is None:
            self._note_signals(key, site, said)
            last = self.known[key]
            return changed is not None and last is not None and changed > last
        return stored != value

    def _conditional(self, request: Request, key: str) -> None:
        """Ask for an archived article with its page's validators (If-None-Match / If-Modified-Since)."""
        stored = self.signals.get(key, {})
        if stored.get("etag"):
            request.headers["If-None-Match"] = stored["etag"]
        if stored.get("last_modified"):
            request.headers["If-Modified-Since"] = stored["last_modified"]
        request.meta["handle_httpstatus_list"] = [304]

    def _note_signals(self, key: str | None, site: str, values: dict[str, Any]) -> None:
        values = {k: v for k, v in values.items() if v}
        if not key or not values:
            return
        self.signals.setdefault(key, {}).update(values)
        self.pending_signals.setdefault(key, {"site": site}).update(values)
        if len(self.pending_signals) >= 200:
            self.flush_pages()

    def _recheck_newest(self) -> Iterator[Request]:
        """A site without sitemaps and feeds says nothing of edits: its RECHECK_NEWEST_ARTICLES newest
        archived articles are asked again each run, conditionally (304 when the page's validators hold)."""
        if self.recheck_newest <= 0:
            return
        for seed in self.seeds.values():
            if seed.sitemaps or seed.feeds:
                continue
            for key, url in self.archive.newest_articles(seed.name, self.recheck_newest):
                if key in self.seen_keys:
                    continue
                if req := self._request(key or url, seed, kind="page", key=key, dont_filter=True):
                    self._conditional(req, key)
                    self.inc(seed.name, "recheck_newest")
                    yield req

    # -- callbacks -----------------------------------------------------------------------------

    def _got_response(self, response: Response) -> tuple[Seed, str]:
        site = response.meta.get("site")
        seed = self.seeds.get(site) if site else self.seed_for(response.url)
        self.inc(seed.name, "fetched")
        if response.meta.get("entry"):
            self.inc(seed.name, "entry_ok")
        return seed, seed.name

    def seed_for(self, url: str) -> Seed:
        """The seed that owns `url`, else a seed of the URL's host alone (no entry points): a page given to
        Scrapy's `shell`, `fetch`, `parse` or `check` is parsed with its site's rules when it has a seed, as
        a page of a site of its own otherwise."""
        for seed in self.seeds.values():
            if seed.owns(url):
                return seed
        netloc = urlsplit(url).netloc.rpartition("@")[2].lower()
        return Seed(name=netloc or "page", allowed_domains=(netloc,))

    async def parse(self, response: Response, **kwargs: Any) -> AsyncIterator[Any]:
        """Scrapy's default callback (`scrapy parse URL`, `scrapy check`): the article callback,
        `parse_page`. Outside a crawl of the seeds it yields the page's item only and follows no link.
        The contracts below run on the offline demo site (`scrapy check news`).

        @url_path /news/2024-05-01-veloria-ostrana-energy.html
        @returns items 1 1
        @returns requests 0 0
        @scrapes key site article fetched_at
        @article title text published language
        """
        async for result in self.parse_page(response):
            yield result

    def _save_validators(self, response: Response, site: str) -> None:
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if etag or last_modified:
            self.archive.save_validators(
                response.request.url if response.request else response.url,
                site,
                etag.decode("latin-1") if etag else None,
                last_modified.decode("latin-1") if last_modified else None,
            )

    async def _parse_document(self, func: Any, response: Response, site: str, *args: Any) -> Any:
        """Parse a sitemap or feed in the worker pool (`func` is `sitemap_entries` or `parse_feed`), off the
        reactor thread: a 24 MiB sitemap parsed in the callback stalled every download for 16 s. A parse
        over EXTRACTION_TIMEOUT, or one that crashes its worker, gives None (counted, logged)."""
        try:
            return await self.extraction.run(func, response.body, response.url, *args)
        except ExtractionFailed as exc:
            self._extraction_failed(site, response.url, exc.reason, str(exc))
            return None

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Request]:
        seed, site = self._got_response(response)
        chain = list(response.meta.get("sitemap_chain") or ())
        if response.status == 304:
            self.inc(site, "not_modified")
            if req := self._next_sitemap(seed, chain):
                yield req
            return
        parsed = await self._parse_document(sitemap_entries, response, site, self.max_size, seed)
        entries, keys, problem = parsed or ([], [], None)
        if parsed is not None and not entries:
            self.inc(site, "sitemap_invalid")
            logger.warning("%s: no entries in sitemap %s: %s", site, response.url, problem)
        children = []
        for entry, key in zip(entries, keys, strict=True):
            if key is None:
                continue  # not the site's
            if entry.is_sitemap:
                children.append(entry.loc)
            elif req := self._candidate(entry.loc, seed, entry.lastmod, key=key, source="lastmod"):
                yield req
        if entries and not entries[0].is_sitemap:
            # Only for URL sets: an index often stays the same while its child sitemaps change, so
            # it is always fetched in full and its children are asked conditionally.
            self._save_validators(response, site)
        if req := self._next_sitemap(seed, children + chain):
            yield req

    def _next_sitemap(self, seed: Seed, urls: list[str]) -> Request | None:
        """The next child sitemap of an index, carrying the ones after it (`sitemap_chain`).

        Children are fetched one at a time, each after the article pages of the one before have left the
        queue (a priority below theirs): the scheduler holds one child's worth of requests, not the whole
        index's (20,000 queued requests are some 20 MB). The chain travels in the request, not in the
        spider, so it continues whichever process handles the child (distributed crawls), and after a
        failed or unchanged (304) child. Requests are `dont_filter`, deduplicated here instead: a chain
        must not end silently on a URL Scrapy's duplicate filter drops."""
        while urls:
            url, urls = urls[0], urls[1:]
            key = clean_url(url)
            if key in self.requested_sitemaps:
                continue
            self.requested_sitemaps.add(key)
            if (req := self._feed_request(url, seed, self.parse_sitemap)) is not None:
                req.meta["sitemap_chain"] = urls
                req.meta["depth_reset"] = True  # an entry point like its index: DEPTH_LIMIT counts from here
                req.priority = SITEMAP_CHILD_PRIORITY
                req.dont_filter = True
                return req
        return None

    async def parse_feed(self, response: Response) -> AsyncIterator[Request]:
        seed, site = self._got_response(response)
        if response.status == 304:
            self.inc(site, "not_modified")
            return
        entries = await self._parse_document(parse_feed, response, site) or []
        if not entries:
            logger.warning("%s: empty or invalid feed %s", site, response.url)
        for entry in entries:
            if req := self._candidate(entry.link, seed, entry.date, source="feed_updated"):
                yield req
        self._save_validators(response, site)

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        seed, site = self._got_response(response)
        kind = response.meta.get("kind")
        self.traps.answered(site, response.meta.get("pattern"))
        if response.status == 304:  # an archived article asked conditionally: unchanged
            self.inc(site, "not_modified")
            self._note_signals(response.meta.get("key"), site, response.meta.get("signals") or {})
            return
        if not isinstance(response, TextResponse) or b"html" not in (
            response.headers.get("Content-Type") or b"text/html"
        ):
            if self._pdf_enabled and is_pdf(response.body, response.headers.get("Content-Type")):
                if (item := await self._pdf(response, seed)) is not None:
                    yield item
                return
            self.inc(site, "non_article")
            self._remember_page(response, site, "other")
            return
        fetched_at = utcnow()
        page = await self._analyse(response, seed, classify=kind != "listing", fetched_at=fetched_at)
        if page is None:
            return
        requested_key = response.meta.get("key")
        page_kind = "listing" if kind == "listing" else page.kind
        if page.hub is not None:
            # A hub (dossier, section front, tag, author or search page): followed like a listing, never archived.
            self.inc(site, "hub_pages")
            logger.info("%s: hub page, not archived: %s (%s)", site, response.url, page.hub)
        if page_kind != "article" and page.templates:
            self._learn_templates(site, page.templates)
        if self.crawling_seeds:
            check_redirect(self, response, seed, page, page_kind)
        if page_kind == "article":
            item = self._article(response, seed, page, fetched_at)
            own_key = canonical_url(response.url, seed)
            copy = item is not None and item.key != own_key and not response.meta.get("via_canonical")
            if copy and self.crawling_seeds:
                # A copy (print view, tracking URL, ...) whose rel=canonical names another page of the
                # site: archive the canonical page itself, fetched under its own address.
                self.seen_articles.discard(item.key)
                self._remember(requested_key or own_key, site, "alias")
                # Asked again because discovery said the copy changed: the archived article is asked too.
                said = response.meta.get("signals") or {}
                self._note_signals(requested_key or own_key, site, said)
                if (item.key not in self.known or said) and (req := self._request(item.key, seed, kind="page")):
                    req.meta["via_canonical"] = True
                    req.dont_filter = False
                    if said and item.key in self.known:
                        self._conditional(req, item.key)
                        req.meta["signals"] = said
                    yield req
                self.inc(site, "non_article")
                return
            if item is not None:
                if requested_key and requested_key != item.key:
                    # Reached through a redirect or a non-canonical URL: remember the alias.
                    self._remember(requested_key, site, "alias")
                if (item.article.word_count or 0) < self.short_text_words:
                    self.inc(site, "short_text")  # a health signal (see `diplomatic-crawler health`)
                self._count_enrichment(site, page.enrichment)  # archived articles only, not their copies
                yield item
                for request in self._restamp(seed, item, response.url):
                    yield request
                self._note_signals(item.key, site, {**(response.meta.get("signals") or {}), **_validators(response)})
                # A new article: its page's pattern, and the pattern of the page that linked it, yield.
                sources = (response.meta.get("pattern"), response.meta.get("via_pattern"))
                for released in self.traps.credit(site, sources):
                    yield released
            else:
                self.inc(site, "non_article")
                self._remember_page(response, site, "other")
        else:
            self.inc(site, "non_article")
            self._remember_page(response, site, page_kind)
        if not self.crawling_seeds or self._at_depth_limit(response, site):
            return  # one page given to Scrapy's commands: nothing followed
        for request in self._follow(response, seed, page.links, page.keys):
            yield request
        for request in self._pdf_requests(response, seed, page.enrichment.get("pdf_links") or ()):
            yield request

    async def _analyse(self, response: Response, seed: Seed, *, classify: bool, fetched_at: str) -> PageAnalysis | None:
        """Parse, classify and extract the page in the worker pool without blocking the reactor. A page
        over EXTRACTION_MAX_BYTES, or one that exceeds EXTRACTION_TIMEOUT or crashes its worker, gives None:
        counted as `extraction_failed` (and by reason), logged, and tried again on the next run."""
        size = len(response.body)
        if self.extraction_max_bytes and size > self.extraction_max_bytes:
            reason = f"{size} bytes, over EXTRACTION_MAX_BYTES = {self.extraction_max_bytes}"
            return self._extraction_failed(seed.name, response.url, "too_large", reason)
        try:
            return await self.extraction.run(
                analyse_page,
                response.body,
                response.url,
                seed,
                classify=classify,
                fetched_at=datetime.fromisoformat(fetched_at),
                site_templates=self.listing_templates.get(seed.name, frozenset()),
                site_stamps=self.site_stamps.of(seed.name),
                content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            )
        except ExtractionFailed as exc:
            return self._extraction_failed(seed.name, response.url, exc.reason, str(exc))
        except Exception as exc:  # a bug met on one page must not stop the crawl
            logger.error("%s: extraction error on %s", seed.name, response.url, exc_info=exc)
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return self._extraction_failed(seed.name, response.url, "error", detail)

    def _restamp(self, seed: Seed, item: ArchivedArticle, url: str) -> Iterator[Request]:
        """A publication timestamp found on several articles of the site is the site's (site_stamps.py):
        the articles archived with it are read again without it."""
        article = item.article
        learnt = self.site_stamps.of(seed.name)
        if article.published_raw in learnt:  # extracted while the stamp was being learnt
            yield from self._read_again(seed, {item.key: url})
            return
        pages = self.site_stamps.saw(seed.name, item.key, url, article.published_raw, article.published_precision)
        if not pages:
            return
        self.inc(seed.name, "dates/site_stamps")
        logger.info(
            "%s: the timestamp %r is on %d articles: the site's, not their publication date; reading"
            " them again without it",
            seed.name,
            article.published_raw,
            len(pages),
        )
        yield from self._read_again(seed, pages)

    def _read_again(self, seed: Seed, pages: dict[str, str]) -> Iterator[Request]:
        for key, url in pages.items():
            if key in self.restamped:
                continue
            self.restamped.add(key)
            if req := self._request(url, seed, kind="page", key=key, dont_filter=True):
                req.meta["restamp"] = True
                self.inc(seed.name, "dates/restamped")
                yield req

    def _learn_templates(self, site: str, templates: frozenset[str]) -> None:
        """Keep a listing's teaser-card templates (the first MAX_LISTING_TEMPLATES of a site)."""
        known = self.listing_templates.get(site, frozenset())
        if len(known) < MAX_LISTING_TEMPLATES and not templates <= known:
            self.listing_templates[site] = known | frozenset(sorted(templates)[: MAX_LISTING_TEMPLATES - len(known)])

    def _extraction_failed(self, site: str, url: str, reason: str, detail: str) -> None:
        self.inc(site, "extraction_failed")
        self.inc(site, f"extraction_failed/{reason}")
        logger.warning("%s: extraction failed (%s) for %s: %s", site, reason, url, detail)
        return None

    def _article(self, response: Response, seed: Seed, page: PageAnalysis, fetched_at: str) -> ArchivedArticle | None:
        article = page.article
        if article is None:
            if page.error:
                logger.info("%s: not extractable: %s (%s)", seed.name, response.url, page.error)
            self.inc(seed.name, "empty_text")
            return None
        if not article.text or not article.word_count:
            self.inc(seed.name, "empty_text")  # an article page without body text: a health signal
            return None
        if not article.has_prose():  # one 7 MB "word", a blob: not an article, whatever the URL says
            self.inc(seed.name, "no_prose")
            logger.info(
                "%s: not an article (no prose: %d character(s), %d word(s)): %s",
                seed.name,
                len(article.text),
                article.word_count,
                response.url,
            )
            return None
        key = resolve_canonical(response.url, article.canonical_url, seed)
        restamp = bool(response.meta.get("restamp"))  # read again without the site's timestamp
        if key in self.seen_articles and not restamp:
            self.inc(seed.name, "duplicate")
            if (requested := response.meta.get("key")) and requested != key:
                # A copy of an article archived this run (a feed's tracking link, fetched after the article
                # itself): an alias, so that what discovery says of it next time still counts.
                self._remember(requested, seed.name, "alias")
            return None
        self.seen_articles.add(key)
        self.seen_keys.add(key)
        extra = item_extra(page.enrichment, seed)
        if restamp:
            extra["_revise"] = True  # the archive rewrites its date though its text is the same
        return ArchivedArticle(
            key=key,
            site=seed.name,
            article=article,
            fetched_at=fetched_at,
            country=seed.country,
            issuer=seed.issuer,
            extra=extra,
            seed_hash=seed.file_hash,
            capture=capture_for(self, response, fetched_at),
        )

    def _count_enrichment(self, site: str, enrichment: dict[str, Any]) -> None:
        """Count the articles whose enrichment ran and those where it failed (the `CrawlReport` reports a
        run where it failed for every article, as a broken installation does), keeping the first error."""
        stats = self.crawler.stats
        stats.inc_value(f"{STATS_PREFIX}/enrichment/articles")
        error = enrichment.get(ENRICHMENT_ERROR)
        if error:
            self.inc(site, "enrichment_failed")
            stats.inc_value(f"{STATS_PREFIX}/enrichment/failed")
            if stats.get_value(f"{STATS_PREFIX}/enrichment/error") is None:
                stats.set_value(f"{STATS_PREFIX}/enrichment/error", str(error))

    # -- PDF statements (diplomatic_crawler.enrich.pdf) -------------------------------------------

    @property
    def _pdf_enabled(self) -> bool:
        return self.settings.getbool("FOLLOW_PDF_LINKS", True)

    def _pdf_requests(self, response: Response, seed: Seed, links: Iterable[str]) -> Iterator[Request]:
        """PDF links of an article or listing page on the site's domains: fetched once (skipped when
        archived), at most PDF_MAX_SIZE bytes, remembering the page that linked them."""
        if not self._pdf_enabled:
            return
        referrer = canonical_url(response.url, seed)
        for url in links:
            if seed.owns(url) and (req := self._candidate(url, seed)):
                req.meta["linked_from"] = referrer
                req.meta["download_maxsize"] = self.settings.getint("PDF_MAX_SIZE", 20 * 1024 * 1024)
                self.inc(seed.name, "pdf_requested")
                yield req

    async def _pdf(self, response: Response, seed: Seed) -> ArchivedArticle | None:
        """A fetched PDF as an archived article (content_type "pdf", linked_from the referring page)."""
        fetched_at = utcnow()
        try:
            article, enrichment = await self.extraction.run(
                extract_pdf_enriched, response.body, response.url, seed, fetched_at=datetime.fromisoformat(fetched_at)
            )
        except ExtractionFailed as exc:
            return self._extraction_failed(seed.name, response.url, exc.reason, str(exc))
        except Exception as exc:  # not a readable PDF (ExtractionError), or a bug met on one file
            logger.info("%s: PDF not extractable: %s (%s)", seed.name, response.url, exc)
            self.inc(seed.name, "non_article")
            self._remember_page(response, seed.name, "other")
            return None
        if not article.text or not article.word_count:
            self.inc(seed.name, "empty_text")
            self._remember_page(response, seed.name, "other")
            return None
        key = canonical_url(response.url, seed)
        if key in self.seen_articles:
            self.inc(seed.name, "duplicate")
            return None
        self.seen_articles.add(key)
        self.seen_keys.add(key)
        self.inc(seed.name, "pdf")
        self._count_enrichment(seed.name, enrichment)
        enrichment = {k: v for k, v in enrichment.items() if k != ENRICHMENT_ERROR}
        referer = response.request.headers.get("Referer") if response.request is not None else None
        linked_from = response.meta.get("linked_from") or (
            canonical_url(referer.decode("latin-1"), seed) if referer else None
        )
        return ArchivedArticle(
            key=key,
            site=seed.name,
            article=article,
            fetched_at=fetched_at,
            country=seed.country,
            issuer=seed.issuer,
            extra={**enrichment, "content_type": "pdf", "linked_from": linked_from},
            seed_hash=seed.file_hash,
            capture=capture_for(self, response, fetched_at),
        )

    @property
    def seen_articles(self) -> set[str]:
        if not hasattr(self, "_seen_articles"):
            self._seen_articles: set[str] = set()
        return self._seen_articles

    def _at_depth_limit(self, response: Response, site: str) -> bool:
        """True when links of this page would be over DEPTH_LIMIT. They are then not followed at all, rather
        than requested and dropped by Scrapy's DepthMiddleware: a link marked as seen but never fetched would
        be skipped when a sitemap or feed lists it later."""
        limit = self.settings.getint("DEPTH_LIMIT")
        if limit and response.meta.get("depth", 0) + 1 > limit:
            self.inc(site, "depth_limited")
            return True
        return False

    def _follow(self, response: Response, seed: Seed, links: Iterable[Link], keys: Iterable[str]) -> Iterable[Request]:
        """Links of a listing (or article) page: pagination and `follow_pattern` links are listings,
        re-fetched on every run; everything else is a candidate, skipped when known. Pagination stops
        when the page holds only known links (STOP_PAGINATION_ON_KNOWN). `links` are the site's own links
        and `keys` their canonical URLs, both computed by `analyse_page` in the extraction workers."""
        links, keys = list(links), list(keys)
        if len(keys) != len(links):  # not from analyse_page: filter and key the links here
            links = [link for link in links if seed.owns(link.url)]
            keys = [canonical_url(link.url, seed) for link in links]
        listings = []
        pagination = []
        candidates = []
        seen, listed = self.seen_keys, self.requested_listings
        for link, key in zip(links, keys, strict=True):
            if key in seen or key in listed:
                continue  # asked for already in this run (menus, footers, related boxes on every page)
            if seed.follow_pattern is not None and seed.follow_pattern.search(link.url):
                (pagination if is_pagination(link) else listings).append((link.url, key))
            elif seed.article_pattern is not None and seed.article_pattern.search(link.url):
                candidates.append((link.url, key))
            elif is_pagination(link):
                pagination.append((link.url, key))
            elif seed.follow_pattern is None or seed.article_pattern is None:
                candidates.append((link.url, key))
        # Links first met on this page (navigation repeated on every page does not count, see above)
        # decide whether the listing still holds anything new.
        fresh = {k for _, k in candidates}
        only_known = bool(fresh) and all(k in self.known or k in self.known_pages for k in fresh)
        for url, key in candidates:
            if (req := self._candidate(url, seed, key=key)) and self._admit(req, seed, response):
                yield req
        if pagination and only_known and self.stop_pagination:
            self.inc(seed.name, "pagination_stopped")
            logger.debug("%s: only known links on %s, not paginating further", seed.name, response.url)
            pagination = []
        for url, key in listings + pagination:
            if (req := self._request(url, seed, kind="listing", key=key)) and self._admit(req, seed, response):
                yield req

    def _admit(self, request: Request, seed: Seed, page: Response) -> bool:
        """A followed link, tagged with its URL pattern (and how it grew from `page`, see
        `traps.link_pattern`) and its page's: sent now (True), or held back until the pattern yields an
        article, or dropped when the pattern is a known trap (traps.py). Links the seed's `follow_pattern`
        names are the seed author's word and always followed."""
        site = seed.name
        meta = page.meta
        pattern, growth = link_pattern(request.url, page.url, Growth(meta.get("growth", 0), meta.get("growth_root")))
        request.meta["pattern"] = pattern
        if growth.hops:
            request.meta["growth"], request.meta["growth_root"] = growth.hops, growth.root
        if via := meta.get("pattern"):
            request.meta["via_pattern"] = via
        if seed.follow_pattern is not None and seed.follow_pattern.search(request.url):
            return True
        verdict = self.traps.admit(site, pattern, request)
        if verdict == "parked":
            self.inc(site, "trap/parked")
            if self.frontier is not None:  # its page stays in flight while the link waits (distributed.InFlight)
                self.frontier.tracker.hold(meta.get(TOKEN_META), request)
        elif verdict == "trap":
            self.inc(site, "trap/pattern")
        return verdict == "go"

    def _release_parked(self) -> None:
        """spider_idle: links held back by their pattern are sent (another few pages) or, when the pattern's
        pages yielded no new article, dropped as a trap (traps.py)."""
        dropped_links: list[Request] = []
        released, trapped = self.traps.on_idle(dropped_links)
        for site, pattern, dropped in trapped:
            self.inc(site, "trap/pattern", dropped)
            self.inc(site, "trap/patterns")
            logger.info(
                "%s: links like %s yielded no new article in %d page(s): %d more not followed, nor in later runs",
                site,
                pattern,
                self.traps.limit,
                dropped,
            )
        for request in released:
            self.crawler.engine.crawl(request)
        if self.frontier is not None:  # sent (queued or refused on the way) or dropped: no page waits for them
            self.frontier.tracker.unhold(released + dropped_links)
        if released:
            raise DontCloseSpider

    def redirect_target_known(self, request: Request, dropped: bool = False) -> bool:
        """Called for a redirected request: True (and the redirecting URL remembered as an alias) when
        it leads to an article archived before or already fetched in this run."""
        site = request.meta.get("site")
        seed = self.seeds.get(site) if site else None
        origin = request.meta.get("key")
        if seed is None or not origin:
            return False
        target = canonical_url(request.url, seed)
        if dropped or target in self.known or target in self.seen_articles:
            self._remember(origin, seed.name, "alias")
            self.inc(seed.name, "redirect_to_known")
            return True
        return False

    def _remember_page(self, response: Response, site: str, kind: str) -> None:
        self._remember(response.meta.get("key") or canonical_url(response.url), site, kind)

    def _remember(self, key: str, site: str, kind: str) -> None:
        if not self.crawling_seeds or key in self.known_pages or key in self.remembered:
            return  # Scrapy's own commands leave the archive as it was
        self.remembered.add(key)
        self.pending_pages.append({"url": key, "site": site, "kind": kind})
        if len(self.pending_pages) >= 50:
            self.flush_pages()

    def flush_pages(self) -> None:
        """Write the non-article pages seen so far (called in batches, and by the report extension
        when the crawl closes)."""
        pages, self.pending_pages = self.pending_pages, []
        self.archive.add_pages(pages)
        self.archive.save_url_patterns(self.traps.dirty_rows())
        signals, self.pending_signals = self.pending_signals, {}
        self.archive.save_article_signals(signals)

    def closed(self, reason: str) -> None:
        """Stop the extraction workers (every pending page has been handled by now) and keep their counts."""
        pool = getattr(self, "extraction", None)
        if pool is None:
            return
        pool.close()
        for name, value in pool.stats_dict().items():
            self.crawler.stats.set_value(f"{STATS_PREFIX}/extraction/{name}", value)

    def on_error(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        site = request.meta.get("site", "?")
        if failure.check(CrawlStopped):  # dropped because the crawl is stopping: asked again next run
            logger.debug("%s: %s", site, failure.value)
            return
        self._log_error(failure, request, site)
        self.traps.answered(site, request.meta.get("pattern"))
        chain = request.meta.get("sitemap_chain")
        if chain is not None and site in self.seeds and (req := self._next_sitemap(self.seeds[site], list(chain))):
            yield req  # a failed child sitemap does not end its index's chain

    def _log_error(self, failure: Failure, request: Request, site: str) -> None:
        if failure.check(HttpError):
            status = failure.value.response.status
            self.inc(site, "failed")
            self.inc(site, f"http_{status}")
            logger.warning("%s: HTTP %s for %s", site, status, request.url)
        elif failure.check(HostUnreachable):  # the host could not be reached: said once, with its cause
            self.inc(site, "failed")
            self.inc(site, f"cause/{failure.value.cause}")
            logger.debug("%s: not fetched (%s): %s", site, failure.value, request.url)
        elif failure.check(IgnoreRequest):
            self.inc(site, "ignored")
            logger.info("%s: not fetched (%s): %s", site, failure.value, request.url)
        else:
            self.inc(site, "failed")
            if cause := network_cause(failure.value):
                self.inc(site, f"cause/{cause}")
            logger.warning("%s: %s for %s", site, describe_failure(failure.value), request.url)
        if request.meta.get("entry"):
            self.inc(site, "entry_failed")
        if self.frontier is not None and (token := request.meta.get(TOKEN_META)):
            self.frontier.done(token)  # a failed request is done: the next run tries it again
