"""Item pipeline: batch articles into the SQLite archive.

Each batch is one transaction and each article one savepoint inside it, so an article is either fully
written or not at all. A batch is handed over when it holds `ARCHIVE_BATCH_SIZE` articles or when its
oldest article has waited `ARCHIVE_COMMIT_INTERVAL` seconds, whichever comes first: a crawl that slows
down (a Crawl-delay, a Retry-After pause) still commits each article within seconds, so a killed process
loses at most those seconds of work. Batches are written by a background thread with its own connection
(`ARCHIVE_WRITER_THREAD`, on by default), so commits never hold up the reactor; they are written in
order, and closing the spider waits for all of them. If the archive cannot be written the crawl stops
(reason `archive_error`) and `scrapy crawl` exits non-zero.

The downloader middlewares and the spider write nothing themselves: what they learn of an archived article
(the status its URL answers now, a withdrawal; `article_events`) is sent with `ARTICLE_EVENT` and goes into
the same batches, in the order it happened, so it is committed by the writer with the articles and flushed
with them when the spider closes. No SQLite write lock is ever waited for on the reactor thread.

The run's `crawls` row is written when the spider starts crawling its seeds (`CRAWL_STARTED`, sent by
`NewsSpider.start`), not when the spider is opened: `scrapy shell`, `scrapy fetch` and `scrapy parse` open
the project's spider too (shell without ever starting it, fetch and parse with their own `start`), and
each left a "running" or empty crawl in the archive.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from .archive import Archive, ArchiveError, get_archive
from .article_events import WITHDRAWN, ArticleEvent, Withdrawal
from .crawl_state import crawl_id_of, set_crawl_id
from .items import ArchivedArticle

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

ARCHIVE_ERROR_STAT = "diplomatic/archive_error"
# Signal sent with `items=[ArchivedArticle, ...]` once a batch is committed (distributed mode marks them
# archived for every worker and releases their requests).
ARTICLES_WRITTEN = object()
# Signal sent with `spider=` by `NewsSpider.start` when a crawl of the seeds begins: the crawl row is written.
CRAWL_STARTED = object()
# Signal sent with `event=` (an `article_events.ArticleEvent`) by the middlewares and the spider: the pipeline
# writes it in its next batch, after the articles received before it.
ARTICLE_EVENT = object()


class ArchivePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.batch_size = max(1, crawler.settings.getint("ARCHIVE_BATCH_SIZE", 25))
        self.commit_interval = max(0.0, crawler.settings.getfloat("ARCHIVE_COMMIT_INTERVAL", 2.0))
        self._oldest: float | None = None  # time.monotonic() when the oldest buffered article arrived
        self._timer: Any = None
        self.buffer: list[ArchivedArticle | ArticleEvent] = []
        self._articles = 0  # articles in `buffer` (events do not count towards ARCHIVE_BATCH_SIZE)
        self.failed = False
        self._closing: asyncio.Future[None] | None = None
        self.background = crawler.settings.getbool("ARCHIVE_WRITER_THREAD", True)
        self._writer: ThreadPoolExecutor | None = None
        self._writer_archive: Archive | None = None
        self._in_flight: deque[tuple[list[ArchivedArticle | ArticleEvent], Future[list[str | None]]]] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        # An idle crawl commits what it holds (a distributed worker may stay idle, waiting for the others).
        crawler.signals.connect(pipeline.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(pipeline.crawl_started, signal=CRAWL_STARTED)
        crawler.signals.connect(pipeline.article_event, signal=ARTICLE_EVENT)
        return pipeline

    def spider_idle(self) -> None:
        self.flush(wait=True)

    def open_spider(self) -> None:
        archive = get_archive(self.crawler)
        if self.background and str(archive.path) != ":memory:":
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="archive-writer")
        if self.commit_interval > 0:
            self._timer = create_looping_call(self._commit_due)
            self._timer.start(min(1.0, self.commit_interval), now=False)

    def _commit_due(self) -> None:
        """Timer: hand over the buffered articles once the oldest has waited `commit_interval`."""
        if self.buffer and self._oldest is not None and time.monotonic() - self._oldest >= self.commit_interval:
            self.flush()

    def crawl_started(self, spider: Any) -> None:
        """Record the run in `crawls` (once; its id goes on every article the run writes)."""
        if crawl_id_of(self.crawler) is not None:
            return
        archive = get_archive(self.crawler)
        args = {
            "seeds": getattr(spider, "seeds_arg", None) or self.crawler.settings.get("SEEDS_PATH"),
            "site": getattr(spider, "site_arg", None),
            "archive_db": str(archive.path),
        }
        try:
            seeds = getattr(spider, "seeds", {}) or {}
            set_crawl_id(self.crawler, archive.start_crawl(args, list(seeds)))
            archive.save_seed_files(seeds.values())
        except ArchiveError as exc:
            self._fail(exc)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArchivedArticle):
            return item
        if not self.failed:
            self._buffer(item)
        return item

    def article_event(self, event: ArticleEvent) -> None:
        """`ARTICLE_EVENT`: buffered like an article, so the writer commits it in order with them."""
        if not self.failed:
            self._buffer(event)

    def _buffer(self, entry: ArchivedArticle | ArticleEvent) -> None:
        if not self.buffer:
            self._oldest = time.monotonic()
        self.buffer.append(entry)
        if isinstance(entry, ArchivedArticle):
            self._articles += 1
        if self._articles >= self.batch_size:
            self.flush()
        else:
            self._harvest()

    def flush(self, *, wait: bool = False) -> None:
        """Hand the buffered articles to the writer as one batch (or write them here without a writer
        thread); count the outcomes of the batches written so far, or of all of them with `wait`."""
        batch, self.buffer = self.buffer, []
        self._oldest = None
        self._articles = 0
        if batch and not self.failed:
            records = [e.to_record() if isinstance(e, ArchivedArticle) else e for e in batch]
            crawl_id = crawl_id_of(self.crawler)
            if self._writer is not None:
                future = self._writer.submit(self._write, records, crawl_id)
                future.add_done_callback(self._written)
                self._in_flight.append((batch, future))
                self.crawler.stats.max_value("diplomatic/archive/batches_in_flight_max", len(self._in_flight))
            else:
                try:
                    self._counted(batch, get_archive(self.crawler).write_batch(records, crawl_id))
                except ArchiveError as exc:
                    self._fail(exc)
        self._harvest(wait=wait)

    def _write(self, records: list[dict[str, Any] | ArticleEvent], crawl_id: int | None) -> list[str | None]:
        """Writer thread: its own connection to the archive (SQLite connections stay in their thread)."""
        if self._writer_archive is None:
            self._writer_archive = Archive(get_archive(self.crawler).path)
        return self._writer_archive.write_batch(records, crawl_id)

    def _written(self, future: Future[list[str | None]]) -> None:
        """Writer thread, a batch committed: count it on the reactor right away, not at the next item. In
        distributed mode this is when the batch's requests are released; a worker killed in between has
        them fetched again by another."""
        from twisted.internet import reactor

        reactor.callFromThread(self._harvest)  # type: ignore[attr-defined]

    def _close_writer_archive(self) -> None:
        if self._writer_archive is not None:
            self._writer_archive.close()
            self._writer_archive = None

    def _harvest(self, *, wait: bool = False) -> None:
        while self._in_flight and (wait or self._in_flight[0][1].done()):
            batch, future = self._in_flight.popleft()
            try:
                outcomes = future.result()
            except ArchiveError as exc:
                self._fail(exc)
            except Exception as exc:  # anything else lost in the writer must stop the crawl just the same
                self._fail(ArchiveError(f"{type(exc).__name__}: {exc}"))
            else:
                self._counted(batch, outcomes)

    def _fail(self, exc: ArchiveError) -> None:
        if self.failed:
            return
        self.failed = True
        self.crawler.stats.set_value(ARCHIVE_ERROR_STAT, str(exc))
        logger.error("Archive write failed, stopping the crawl: %s", exc)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            self._closing = asyncio.ensure_future(engine.close_spider_async(reason="archive_error"))

    def _counted(self, batch: list[ArchivedArticle | ArticleEvent], outcomes: list[str | None]) -> None:
        stats = self.crawler.stats
        items = []
        for entry, outcome in zip(batch, outcomes, strict=True):
            if isinstance(entry, ArchivedArticle):
                stats.inc_value(f"diplomatic/{entry.site}/{outcome}")
                if not entry.article.published:
                    stats.inc_value(f"diplomatic/{entry.site}/without_date")
                items.append(entry)
            elif isinstance(entry, Withdrawal) and outcome == WITHDRAWN:
                logger.warning(
                    "%s: archived article withdrawn (%s), kept as it was: %s", entry.site, entry.reason, entry.key
                )
                stats.inc_value(f"diplomatic/{entry.site}/{WITHDRAWN}")
        if items:
            self.crawler.signals.send_catch_log(ARTICLES_WRITTEN, items=items)

    def close_spider(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush(wait=True)
        if self._writer is not None:
            self._writer.submit(self._close_writer_archive).result()
            self._writer.shutdown(wait=True)
            self._writer = None
