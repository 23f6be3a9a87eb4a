"""Extension `CrawlReport`: per-site progress lines while crawling, the `crawls` row and a summary table
at the end, and the run's exit status.

Exit status (read by our `scrapy crawl` command, see `diplomatic_crawler.commands.crawl`):

* 0 - the run did its job (some pages may have failed; see the `failed` column);
* 1 - invalid seeds, an unusable archive at start-up, or the crawl was interrupted;
* 2 - at least one site failed entirely (none of its start URLs, sitemaps or feeds could be fetched);
* 3 - the archive could not be written during the crawl;
* 4 - the enrichments (countries, document types, ...) failed for every article archived: the articles are
  stored, the run is recorded with status `enrichment_failed` (typically a broken installation: the
  package or one of its data libraries cannot read its data). Fix it, then `diplomatic-crawler enrich`.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import Spider, signals
from scrapy.utils.asyncio import create_looping_call

from . import tables
from .archive import COUNTERS, ArchiveError, get_archive
from .crawl_state import crawl_id_of
from .pipelines import ARCHIVE_ERROR_STAT

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

EXIT_CODE_STAT = "diplomatic/exit_code"
EXIT_OK, EXIT_ERROR, EXIT_SITE_FAILED, EXIT_ARCHIVE, EXIT_ENRICHMENT = 0, 1, 2, 3, 4
SUMMARY_COLUMNS = (
    "discovered",
    "fetched",
    "new",
    "updated",
    "unchanged",
    "skipped_known",
    "failed",
    "refused",
    "blocked",
    "extraction_failed",
    "capped",
)
# Table columns read from the site's stats beside its COUNTERS: requests robots.txt or a filter did not let
# through (`ignored`), links over the site's page cap (`capped`).
EXTRA_COLUMNS = {"blocked": "ignored", "capped": "capped"}
# What shows that a site's run met articles at all (archived now, or known and unchanged).
ARTICLE_SIGNS = ("new", "updated", "unchanged", "skipped_known", "not_modified", "duplicate")


def site_counts(stats: dict[str, Any], site: str) -> dict[str, int]:
    """The site's COUNTERS (recorded in `crawls.sites` and `crawl_sites`), `refused` (requests and redirect
    hops refused: a private address, off the seed's hosts) and `enrichment_failed` when there were any
    (`crawls.sites` only)."""
    counts = {c: int(stats.get(f"diplomatic/{site}/{c}", 0)) for c in (*COUNTERS, "refused")}
    if failed := int(stats.get(f"diplomatic/{site}/enrichment_failed", 0)):
        counts["enrichment_failed"] = failed
    return counts


def enrichment_verdict(stats: dict[str, Any]) -> tuple[bool, str | None]:
    """(whether the enrichments failed for every article of the run, one line saying so or saying how many
    failed; None when none did)."""
    articles = int(stats.get("diplomatic/enrichment/articles", 0))
    failed = int(stats.get("diplomatic/enrichment/failed", 0))
    if not failed:
        return False, None
    error = stats.get("diplomatic/enrichment/error") or "?"
    if failed >= articles:
        return True, (
            f"Enrichment failed for all {failed} article(s) (no countries or document types): {error}."
            " The articles are archived; fix the installation, then run `diplomatic-crawler enrich`."
        )
    return False, f"Enrichment failed for {failed} of {articles} article(s): {error}"


def site_failed(stats: dict[str, Any], site: str) -> bool:
    """A site failed entirely when none of its entry points (start URLs, sitemaps, feeds) was fetched. A
    distributed worker may never be handed one: it judges only the entry points it tried."""
    if int(stats.get(f"diplomatic/{site}/entry_ok", 0)):
        return False
    return "diplomatic/distributed/worker" not in stats or int(stats.get(f"diplomatic/{site}/entry_failed", 0)) > 0


def failure_cause(stats: dict[str, Any], site: str) -> str | None:
    """The most frequent reason the site's requests failed: a network cause counted by the spider
    (`cause/DNS failure`, `cause/connection refused`, `cause/TLS error`, `cause/timeout`, ...), else the
    most frequent HTTP error status ("HTTP 404"); None when nothing failed."""
    network: dict[str, int] = {}
    http: dict[str, int] = {}
    prefix = f"diplomatic/{site}/"
    for key, value in stats.items():
        name = key[len(prefix) :] if key.startswith(prefix) else ""
        if name.startswith("cause/"):
            network[name[6:]] = int(value)
        elif name.startswith("http_") and name[5:].isdigit():
            http[f"HTTP {name[5:]}"] = int(value)
    counted = network or http
    return max(counted.items(), key=lambda kv: kv[1])[0] if counted else None


def no_articles(stats: dict[str, Any], site: str) -> bool:
    """The site's pages were fetched, but none was an article, new or known: the run archived nothing and
    found nothing it had archived before (a wrong `article_pattern`, a changed layout, a blocking page)."""
    if not int(stats.get(f"diplomatic/{site}/fetched", 0)):
        return False
    return not any(int(stats.get(f"diplomatic/{site}/{sign}", 0)) for sign in ARTICLE_SIGNS)


def format_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """The closing summary: a row per site, the counts right-aligned between the name and the status."""
    header = ("site", *columns, "status")
    body = [[str(r.get(c, "")) for c in header] for r in rows]
    return tables.format_table(header, body, right=range(1, len(header) - 1))


class ProgressLogStats:
    """Scrapy add-on: Scrapy's own LogStats line ("Crawled 420 pages (at 180 pages/min), scraped 300 items
    (at 140 items/min)") at the pace of our per-site progress lines: LOGSTATS_INTERVAL follows
    PROGRESS_INTERVAL (0 switches both off) unless LOGSTATS_INTERVAL is set where PROGRESS_INTERVAL is
    (both with -s, say) or higher."""

    def update_settings(self, settings: BaseSettings) -> None:
        if (settings.getpriority("LOGSTATS_INTERVAL") or 0) < (settings.getpriority("PROGRESS_INTERVAL") or 0):
            settings.set(
                "LOGSTATS_INTERVAL",
                settings.getfloat("PROGRESS_INTERVAL", 30.0),
                priority=settings.getpriority("PROGRESS_INTERVAL"),
            )


class CrawlReport:
    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.task: Any = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler, crawler.settings.getfloat("PROGRESS_INTERVAL", 30.0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        return ext

    def response_downloaded(self, response: Any, request: Any, spider: Spider) -> None:
        """Count every response of a site and its 403 / 429 / 5xx share, which `diplomatic-crawler health`
        compares across runs to spot blocking and failing servers. `response_downloaded`, not
        `response_received`: a response the retry middleware answers with a new request never reaches the
        engine (a 503 storm counted 30 responses of the 95 the server sent)."""
        site = request.meta.get("site")
        if not site:
            return  # robots.txt and other requests of no site
        stats = self.crawler.stats
        stats.inc_value(f"diplomatic/{site}/responses")
        status = response.status
        if status in (403, 429):
            stats.inc_value(f"diplomatic/{site}/status_{status}")
        elif 500 <= status <= 599:
            stats.inc_value(f"diplomatic/{site}/status_5xx")

    def _sites(self, spider: Spider) -> list[str]:
        return list(getattr(spider, "seeds", {}) or {})

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        if self.interval > 0:
            self.task = create_looping_call(self.log_progress, spider)
            self.task.start(self.interval, now=False)

    def log_progress(self, spider: Spider) -> None:
        stats = self.crawler.stats.get_stats()
        for site in self._sites(spider):
            c = site_counts(stats, site)
            logger.info(
                "%s: %d fetched, %d new, %d updated, %d unchanged, %d skipped as known, %d failed",
                site,
                c["fetched"],
                c["new"],
                c["updated"],
                c["unchanged"],
                c["skipped_known"],
                c["failed"],
            )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if not getattr(spider, "crawling_seeds", False):
            # `scrapy shell`, `fetch` or `parse` (or another spider): no crawl of the seeds, nothing to
            # record or report.
            self._close_archive()
            return
        stats = self.crawler.stats
        all_stats = stats.get_stats()
        sites = self._sites(spider)
        counts = {site: site_counts(all_stats, site) for site in sites}
        failed_sites = [s for s in sites if site_failed(all_stats, s)]
        archive_error = all_stats.get(ARCHIVE_ERROR_STAT)

        if archive_error or reason == "archive_error":
            status, code = "archive_error", EXIT_ARCHIVE
        elif reason != "finished":
            status, code = reason, EXIT_ERROR
        elif failed_sites:
            status, code = ("failed" if len(failed_sites) == len(sites) else "partial"), EXIT_SITE_FAILED
        else:
            status, code = "finished", EXIT_OK
        all_failed, enrichment_line = enrichment_verdict(all_stats)
        if enrichment_line:
            (logger.error if all_failed else logger.warning)("%s", enrichment_line)
        if all_failed and code == EXIT_OK:
            status, code = "enrichment_failed", EXIT_ENRICHMENT

        crawl_id = crawl_id_of(self.crawler)
        try:
            archive = get_archive(self.crawler)
            if hasattr(spider, "flush_pages"):
                spider.flush_pages()
            if code in (EXIT_OK, EXIT_SITE_FAILED):  # ran to its end: the next run may ask conditionally
                archive.commit_validators()
            if crawl_id is not None:
                archive.finish_crawl(crawl_id, status, counts)
        except ArchiveError as exc:
            logger.error("Could not record the crawl in the archive: %s", exc)
            status, code = "archive_error", EXIT_ARCHIVE
        stats.set_value(EXIT_CODE_STAT, code)
        stats.set_value("diplomatic/status", status)

        causes = {site: failure_cause(all_stats, site) for site in failed_sites}

        empty = [s for s in sites if s not in failed_sites and no_articles(all_stats, s)]

        def site_status(site: str) -> str:
            if site in failed_sites:
                return f"FAILED ({causes[site]})" if causes[site] else "FAILED"
            if site in empty:
                return "NO ARTICLES"
            return "NO ENRICHMENT" if all_failed and counts[site].get("enrichment_failed") else "ok"

        rows = [
            {
                "site": s,
                **counts[s],
                **{c: int(all_stats.get(f"diplomatic/{s}/{k}", 0)) for c, k in EXTRA_COLUMNS.items()},
                "status": site_status(s),
            }
            for s in sites
        ]
        for site in empty:
            c = counts[site]
            logger.warning(
                "%s: %d page(s) fetched, no article among them (%d not articles, %d without prose, %d extraction"
                " failures, %d blocked): check the seed's article_pattern and entry points",
                site,
                c["fetched"],
                c["non_article"],
                int(all_stats.get(f"diplomatic/{site}/no_prose", 0)),
                c["extraction_failed"],
                int(all_stats.get(f"diplomatic/{site}/ignored", 0)),
            )
        if sites and len(failed_sites) == len(sites) and status == "failed":
            tally: dict[str, int] = {}
            for cause in causes.values():
                tally[cause or "no entry point fetched"] = tally.get(cause or "no entry point fetched", 0) + 1
            logger.error(
                "No site reachable: all %d site(s) failed (%s). Check the network connection, DNS and proxy"
                " settings, then run again; nothing was archived.",
                len(sites),
                ", ".join(f"{cause}: {n}" for cause, n in sorted(tally.items(), key=lambda kv: -kv[1])),
            )
        elapsed = time.monotonic() - self.started
        logger.info(
            "Crawl %s %s in %.1f s (exit status %d). Archive: %s\n%s",
            crawl_id if crawl_id is not None else "-",
            status,
            elapsed,
            code,
            getattr(getattr(self.crawler, "_diplomatic_archive", None), "path", "?"),
            format_table(rows, SUMMARY_COLUMNS),
        )
        self._close_archive()

    def _close_archive(self) -> None:
        archive = getattr(self.crawler, "_diplomatic_archive", None)
        if archive is not None:
            archive.close()
