"""Scrapy feed exporters (registered in `FEED_EXPORTERS`): `scrapy crawl news -O new.jsonl` or
`-O feed.json:jsonfeed` writes exactly the articles this run added or changed, with the same records as
`diplomatic-crawler export --crawl ID`.

How: the archive pipeline writes articles in batches, so whether an item was new, changed or unchanged is only
known once its batch is stored. Scrapy closes the item pipelines before it sends `spider_closed`, when feeds
are finished; at that point the exporter reads, from the archive, the rows whose `crawl_id` is this run (the
run that last wrote their content): the new and updated articles, unchanged ones excluded. The rows are streamed
from one read snapshot, exactly as the `export` command does.

Without the archive pipeline (no crawl id) every scraped article is written as it arrives, in the same schema.
Feed batches (`batch_item_count`) are not supported by these formats: the rows are only known at the end.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from scrapy.exporters import BaseItemExporter

from . import ExportFilter, export_stream, writer_class
from .filters import ArchiveReader
from .schema import CORE_FIELDS, ExportSchema, record_from_mapping

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from .base import Writer

__all__ = [
    "CsvFeedExporter",
    "JsonArrayFeedExporter",
    "JsonFeedExporter",
    "JsonLinesFeedExporter",
    "ParquetFeedExporter",
]

logger = logging.getLogger(__name__)


class _ArchiveRunExporter(BaseItemExporter):
    format = "jsonl"

    def __init__(self, file: BinaryIO, *, crawler: Crawler | None = None, **kwargs: Any):
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.crawler = crawler
        self.direct: Writer | None = None
        self.items_seen = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: BinaryIO, *args: Any, **kwargs: Any) -> Self:
        return cls(file, crawler=crawler, **kwargs)

    def _crawl_id(self) -> int | None:
        return getattr(self.crawler, "_diplomatic_crawl_id", None) if self.crawler is not None else None

    def _options(self) -> dict[str, Any]:
        return {}

    def start_exporting(self) -> None:
        if self._crawl_id() is None:  # no archive pipeline in this crawl: write items as they come
            self.direct = writer_class(self.format)(self.file, ExportSchema(), **self._options())
            self.direct.start()

    def export_item(self, item: Any) -> None:
        self.items_seen += 1
        if self.direct is None:
            return  # written from the archive when the feed is finished
        to_record = getattr(item, "to_record", None)
        data = to_record() if callable(to_record) else dict(item)
        self.direct.write(record_from_mapping(data, CORE_FIELDS))

    def finish_exporting(self) -> None:
        if self.direct is not None:
            self.direct.finish()
            return
        crawl_id = self._crawl_id()
        archive = getattr(self.crawler, "_diplomatic_archive", None)
        path = Path(archive.path if archive is not None else self.crawler.settings.get("ARCHIVE_DB"))
        with ArchiveReader(path) as reader:
            count = export_stream(reader, self.format, self.file, ExportFilter(crawl_id=crawl_id), **self._options())
        logger.info(
            "%s feed: %d new or updated article(s) of crawl %s (%d scraped this run)",
            self.format,
            count,
            crawl_id,
            self.items_seen,
        )
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.set_value(f"diplomatic/feed/{self.format}", count)


class JsonLinesFeedExporter(_ArchiveRunExporter):
    format = "jsonl"


class JsonArrayFeedExporter(_ArchiveRunExporter):
    format = "json"


class CsvFeedExporter(_ArchiveRunExporter):
    format = "csv"


class ParquetFeedExporter(_ArchiveRunExporter):
    format = "parquet"


class JsonFeedExporter(_ArchiveRunExporter):
    """JSON Feed 1.1. Feed options (`FEEDS = {"feed.json": {"format": "jsonfeed", "item_export_kwargs":
    {"title": ..., "feed_url": ..., "home_page_url": ...}}}`) set the feed's title and links."""

    format = "jsonfeed"

    def __init__(self, file: BinaryIO, *, crawler: Crawler | None = None, **kwargs: Any):
        self.feed_options = {
            k: kwargs.pop(k) for k in ("title", "feed_url", "home_page_url", "description") if k in kwargs
        }
        super().__init__(file, crawler=crawler, **kwargs)

    def _options(self) -> dict[str, Any]:
        options = dict(self.feed_options)
        crawl_id = self._crawl_id()
        options.setdefault(
            "title", "Diplomatic news: new and updated articles" + (f" (crawl {crawl_id})" if crawl_id else "")
        )
        options["filters"] = {"crawl_id": crawl_id} if crawl_id else {}
        return options
