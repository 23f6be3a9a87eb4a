"""Item pipeline: batch articles into the SQLite archive.

Each batch is one transaction and each article one savepoint inside it, so an article is either fully
written or not at all. If the archive cannot be written the crawl stops (reason `archive_error`) and
`scrapy crawl` exits non-zero.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from .archive import ArchiveError, get_archive
from .items import ArchivedArticle

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

ARCHIVE_ERROR_STAT = "diplomatic/archive_error"


def crawl_id_of(crawler: Crawler) -> int | None:
    return getattr(crawler, "_diplomatic_crawl_id", None)


class ArchivePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.batch_size = max(1, crawler.settings.getint("ARCHIVE_BATCH_SIZE", 25))
        self.buffer: list[ArchivedArticle] = []
        self.failed = False
        self._closing: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        archive = get_archive(self.crawler)
        sites = list(getattr(spider, "seeds", {}) or {})
        args = {
            "seeds": getattr(spider, "seeds_arg", None) or self.crawler.settings.get("SEEDS_PATH"),
            "site": getattr(spider, "site_arg", None),
            "archive_db": str(archive.path),
        }
        self.crawler._diplomatic_crawl_id = archive.start_crawl(args, sites)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArchivedArticle):
            return item
        if self.failed:
            return item
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        batch, self.buffer = self.buffer, []
        if not batch or self.failed:
            return
        stats = self.crawler.stats
        try:
            outcomes = get_archive(self.crawler).write_articles(
                [i.to_record() for i in batch], crawl_id_of(self.crawler)
            )
        except ArchiveError as exc:
            self.failed = True
            stats.set_value(ARCHIVE_ERROR_STAT, str(exc))
            logger.error("Archive write failed, stopping the crawl: %s", exc)
            engine = self.crawler.engine
            if engine is not None and engine.spider is not None:
                self._closing = asyncio.ensure_future(engine.close_spider_async(reason="archive_error"))
            return
        for item, outcome in zip(batch, outcomes, strict=True):
            stats.inc_value(f"diplomatic/{item.site}/{outcome}")
            if not item.article.published:
                stats.inc_value(f"diplomatic/{item.site}/without_date")

    def close_spider(self) -> None:
        self.flush()
