"""Extension `CrawlReport`: per-site progress lines while crawling, the `crawls` row and a summary table
at the end, and the run's exit status.

Exit status (read by our `scrapy crawl` command, see `diplomatic_crawler.commands.crawl`):

* 0 - the run did its job (some pages may have failed; see the `failed` column);
* 1 - invalid seeds, an unusable archive at start-up, or the crawl was interrupted;
* 2 - at least one site failed entirely (none of its start URLs, sitemaps or feeds could be fetched);
* 3 - the archive could not be written during the crawl.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import Spider, signals
from scrapy.utils.asyncio import create_looping_call

from .archive import COUNTERS, ArchiveError, get_archive
from .pipelines import ARCHIVE_ERROR_STAT, crawl_id_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

EXIT_CODE_STAT = "diplomatic/exit_code"
EXIT_OK, EXIT_ERROR, EXIT_SITE_FAILED, EXIT_ARCHIVE = 0, 1, 2, 3
SUMMARY_COLUMNS = ("discovered", "fetched", "new", "updated", "unchanged", "skipped_known", "failed")


def site_counts(stats: dict[str, Any], site: str) -> dict[str, int]:
    return {c: int(stats.get(f"diplomatic/{site}/{c}", 0)) for c in COUNTERS}


def site_failed(stats: dict[str, Any], site: str) -> bool:
    """A site failed entirely when none of its entry points (start URLs, sitemaps, feeds) was fetched. A
    distributed worker may never be handed one: it judges only the entry points it tried."""
    if int(stats.get(f"diplomatic/{site}/entry_ok", 0)):
        return False
    return "diplomatic/distributed/worker" not in stats or int(stats.get(f"diplomatic/{site}/entry_failed", 0)) > 0


def format_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    header = ("site", *columns, "status")
    table = [header] + [tuple(str(r.get(c, "")) for c in header) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for n, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [
            row[i].rjust(widths[i]) if i < len(header) - 1 else row[i].ljust(widths[i]) for i in range(1, len(header))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


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
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    def response_received(self, response: Any, request: Any, spider: Spider) -> None:
        """Count every response of a site (retried ones included) and its 403 / 429 / 5xx share, which
        `diplomatic-crawler health` compares across runs to spot blocking and failing servers."""
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

        rows = [{"site": s, **counts[s], "status": "FAILED" if s in failed_sites else "ok"} for s in sites]
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
        archive = getattr(self.crawler, "_diplomatic_archive", None)
        if archive is not None:
            archive.close()
