"""The `news` spider: crawl every seed's sitemaps, feeds and listing pages, archive the articles.

    scrapy crawl news [-a seeds=PATH] [-a site=NAME[,NAME]] [-a recheck=DAYS] [-s ARCHIVE_DB=PATH]

Reruns are cheap: article pages already in the archive are not fetched again unless a sitemap
`lastmod` or a feed date is newer than our last fetch; pagination stops on a page that holds only known
links; feeds and sitemaps are fetched with conditional GET. `recheck=DAYS` re-requests the archived
articles of the last DAYS days to find withdrawn ones (see `diplomatic_crawler.withdrawals`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import IgnoreRequest
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
    parse_sitemap,
    trap_reason,
)
from ..distributed import TOKEN_META, DistributedError, Frontier, attach_frontier, configure_distributed
from ..enrich.hooks import item_extra
from ..enrich.pdf import extract_pdf_enriched, is_pdf
from ..items import ArchivedArticle
from ..seeds import Seed, SeedError, load_seeds
from ..urls import canonical_url, clean_url, resolve_canonical
from ..withdrawals import check_redirect, parse_recheck, recheck_requests
from ..workers import DEFAULT_MAX_BYTES, ExtractionFailed, ExtractionPool, PageAnalysis, analyse_page

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

STATS_PREFIX = "diplomatic"
SITEMAP_CHILD_PRIORITY = -1  # below article pages (0): see NewsSpider._next_sitemap


def stat_key(site: str, counter: str) -> str:
    return f"{STATS_PREFIX}/{site}/{counter}"


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

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # Before the spider exists and opens its archive: distributed mode chooses the shard path.
        configure_distributed(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler)
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
        try:  # distributed mode: a shared frontier and shared "already archived" checks (Redis)
            self.frontier = attach_frontier(self, crawler)
        except DistributedError as exc:
            logger.error("Distributed mode unusable, nothing crawled: %s", exc)
            raise
        self.seen_keys: set[str] = set()
        self.requested_listings: set[str] = set()
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
        logger.info(
            "Crawling %d site(s): %s; %d article(s) already archived",
            len(self.seeds),
            ", ".join(self.seeds),
            len(self.known),
        )

    def inc(self, site: str, counter: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(stat_key(site, counter), count)

    # -- start ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        self.extraction.start()  # the workers import while the first requests go out
        if self.frontier is not None and not self.frontier.claim_seeding():
            logger.info("Seeds already pushed by another worker: pulling from the shared frontier")
            return
        for req in recheck_requests(self):
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

    def _allowed(self, url: str, seed: Seed) -> bool:
        """Per-site cap and crawl-trap guards; counts what it refuses."""
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
        cap = seed.max_pages or self.default_max_pages
        if self.page_counts[seed.name] >= cap:
            self.inc(seed.name, "capped")
            if self.page_counts[seed.name] == cap:
                logger.warning("%s: page cap of %d requests reached", seed.name, cap)
                self.page_counts[seed.name] += 1
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
        url = clean_url(url)
        key = key or canonical_url(url, seed)
        if kind == "listing" and not dont_filter and key in self.requested_listings:
            return None  # navigation repeats listing links on every page: one request a run, counted once
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
        self, url: str, seed: Seed, changed: datetime | None = None, *, key: str | None = None
    ) -> Request | None:
        """A link that may be an article: request it unless archived already (and not changed since
        our last fetch) or known not to be an article. A `key` comes from `analyse_page`, which has
        checked already that the site owns the link and computed its canonical URL."""
        if key is None:
            if not seed.owns(url):
                return None
            key = canonical_url(url, seed)
        if key in self.seen_keys:
            return None
        self.seen_keys.add(key)
        self.inc(seed.name, "discovered")
        if key in self.known:
            last = self.known[key]
            if changed is None or last is None or changed <= last:
                self.inc(seed.name, "skipped_known")
                return None
            self.inc(seed.name, "refetch_changed")
        elif key in self.known_pages and not self.refetch_non_articles:
            self.inc(seed.name, "skipped_known")
            return None
        return self._request(url, seed, kind="page", key=key)

    # -- callbacks -----------------------------------------------------------------------------

    def _got_response(self, response: Response) -> tuple[Seed, str]:
        site = response.meta["site"]
        self.inc(site, "fetched")
        if response.meta.get("entry"):
            self.inc(site, "entry_ok")
        return self.seeds[site], site

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

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        seed, site = self._got_response(response)
        chain = list(response.meta.get("sitemap_chain") or ())
        if response.status == 304:
            self.inc(site, "not_modified")
            if req := self._next_sitemap(seed, chain):
                yield req
            return
        entries = parse_sitemap(response.body, response.url, self.max_size)
        if not entries:
            logger.warning("%s: empty or invalid sitemap %s", site, response.url)
        children = []
        for entry in entries:
            if entry.is_sitemap:
                if seed.owns(entry.loc):
                    children.append(entry.loc)
            elif req := self._candidate(entry.loc, seed, entry.lastmod):
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

    def parse_feed(self, response: Response) -> Iterator[Request]:
        seed, site = self._got_response(response)
        if response.status == 304:
            self.inc(site, "not_modified")
            return
        entries = parse_feed(response.body, response.url)
        if not entries:
            logger.warning("%s: empty or invalid feed %s", site, response.url)
        for entry in entries:
            if req := self._candidate(entry.link, seed, entry.date):
                yield req
        self._save_validators(response, site)

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        seed, site = self._got_response(response)
        kind = response.meta.get("kind")
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
        check_redirect(self, response, seed, page, page_kind)
        if page_kind == "article":
            item = self._article(response, seed, page, fetched_at)
            own_key = canonical_url(response.url, seed)
            if item is not None and item.key != own_key and not response.meta.get("via_canonical"):
                # A copy (print view, tracking URL, ...) whose rel=canonical names another page of the
                # site: archive the canonical page itself, fetched under its own address.
                self.seen_articles.discard(item.key)
                self._remember(requested_key or own_key, site, "alias")
                if item.key not in self.known and (req := self._request(item.key, seed, kind="page")):
                    req.meta["via_canonical"] = True
                    req.dont_filter = False
                    yield req
                self.inc(site, "non_article")
                return
            if item is not None:
                if requested_key and requested_key != item.key:
                    # Reached through a redirect or a non-canonical URL: remember the alias.
                    self._remember(requested_key, site, "alias")
                if (item.article.word_count or 0) < self.short_text_words:
                    self.inc(site, "short_text")  # a health signal (see `diplomatic-crawler health`)
                yield item
            else:
                self.inc(site, "non_article")
                self._remember_page(response, site, "other")
        else:
            self.inc(site, "non_article")
            self._remember_page(response, site, page_kind)
        if self._at_depth_limit(response, site):
            return
        for request in self._follow(response, seed, page.links, page.keys):
            yield request
        for request in self._pdf_requests(response, seed, page.enrichment.get("pdf_links") or ()):
            yield request

    async def _analyse(
        self, response: Response, seed: Seed, *, classify: bool, fetched_at: str
    ) -> PageAnalysis | None:
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
            )
        except ExtractionFailed as exc:
            return self._extraction_failed(seed.name, response.url, exc.reason, str(exc))
        except Exception as exc:  # a bug met on one page must not stop the crawl
            logger.error("%s: extraction error on %s", seed.name, response.url, exc_info=exc)
            return self._extraction_failed(seed.name, response.url, "error", f"{type(exc).__name__}: {exc}")

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
        key = resolve_canonical(response.url, article.canonical_url, seed)
        if key in self.seen_articles:
            self.inc(seed.name, "duplicate")
            return None
        self.seen_articles.add(key)
        self.seen_keys.add(key)
        return ArchivedArticle(
            key=key,
            site=seed.name,
            article=article,
            fetched_at=fetched_at,
            country=seed.country,
            issuer=seed.issuer,
            extra=item_extra(page.enrichment, seed),
            seed_hash=seed.file_hash,
            capture=capture_for(self, response, fetched_at),
        )

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

    def _follow(
        self, response: Response, seed: Seed, links: Iterable[Link], keys: Iterable[str]
    ) -> Iterable[Request]:
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
            if req := self._candidate(url, seed, key=key):
                yield req
        if pagination and only_known and self.stop_pagination:
            self.inc(seed.name, "pagination_stopped")
            logger.debug("%s: only known links on %s, not paginating further", seed.name, response.url)
            pagination = []
        for url, key in listings + pagination:
            if req := self._request(url, seed, kind="listing", key=key):
                yield req

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
        if key in self.known_pages or key in self.remembered:
            return
        self.remembered.add(key)
        self.pending_pages.append({"url": key, "site": site, "kind": kind})
        if len(self.pending_pages) >= 50:
            self.flush_pages()

    def flush_pages(self) -> None:
        """Write the non-article pages seen so far (called in batches, and by the report extension
        when the crawl closes)."""
        pages, self.pending_pages = self.pending_pages, []
        self.archive.add_pages(pages)

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
        self._log_error(failure, request, site)
        chain = request.meta.get("sitemap_chain")
        if chain is not None and site in self.seeds and (req := self._next_sitemap(self.seeds[site], list(chain))):
            yield req  # a failed child sitemap does not end its index's chain

    def _log_error(self, failure: Failure, request: Request, site: str) -> None:
        if failure.check(HttpError):
            status = failure.value.response.status
            self.inc(site, "failed")
            self.inc(site, f"http_{status}")
            logger.warning("%s: HTTP %s for %s", site, status, request.url)
        elif failure.check(IgnoreRequest):
            self.inc(site, "ignored")
            logger.info("%s: not fetched (%s): %s", site, failure.value, request.url)
        else:
            self.inc(site, "failed")
            logger.warning("%s: %s for %s", site, failure.getErrorMessage(), request.url)
        if request.meta.get("entry"):
            self.inc(site, "entry_failed")
        if self.frontier is not None and (token := request.meta.get(TOKEN_META)):
            self.frontier.done(token)  # a failed request is done: the next run tries it again
