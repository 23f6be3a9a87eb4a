"""Scrapy feed exporters (registered in `FEED_EXPORTERS`): `scrapy crawl news -O new.jsonl` or
`-O feed.json:jsonfeed` writes exactly the articles this run added or changed, with the same records as
`diplomatic-crawler export --crawl ID`.

How: the archive pipeline writes articles in batches, so whether an item was new, changed or unchanged is only
known once its batch is stored. Scrapy closes the item pipelines before it sends `spider_closed`, when feeds
are finished; at that point the exporter reads, from the archive, the rows whose `crawl_id` is this run (the
run that last wrote their content): the new and updated articles, unchanged ones excluded. The rows are streamed
from one read snapshot, exactly as the `export` command does.

Without the archive pipeline (no crawl id) every scraped article is written as it arrives, in the same schema.
Feed batches (`batch_item_count`) are not supported: the rows are only known at the end (`check_feeds`
refuses them before the crawl, as it refuses appending with `-o` to a file of a format that is one document).

Every format Scrapy offers takes the export records: `jsonl`, `jsonlines` and `jl` are JSON Lines, `json` a
JSON array, `csv` the CSV of `diplomatic-crawler export`; `xml`, `pickle` and `marshal` are written by Scrapy's
own exporters from the same records (XML: lists as `<value>` elements, the objects of `alternates` as nested
elements, missing values left out, booleans `true`/`false`; pickle and marshal: one dict per article). Ours
besides: `jsonfeed`, `atom` (`-O items.atom`), `parquet`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from scrapy.exporters import BaseItemExporter, MarshalItemExporter, PickleItemExporter, XmlItemExporter

from ..crawl_state import crawl_id_of
from ..errors import DiplomaticCrawlerError
from . import ExportFilter, export_stream, writer_class
from .atom import NOT_XML
from .base import Writer
from .filters import ArchiveReader
from .schema import CORE_FIELDS, ExportSchema, record_from_mapping

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

__all__ = [
    "AtomFeedExporter",
    "CsvFeedExporter",
    "JsonArrayFeedExporter",
    "JsonFeedExporter",
    "JsonLinesFeedExporter",
    "MarshalFeedExporter",
    "ParquetFeedExporter",
    "PickleFeedExporter",
    "XmlFeedExporter",
    "check_feeds",
]

logger = logging.getLogger(__name__)


class _ArchiveRunExporter(BaseItemExporter):
    format = "jsonl"

    def __init__(self, file: BinaryIO, *, crawler: Crawler | None = None, **kwargs: Any):
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.crawler = crawler
        self.direct: Writer | None = None
        self.mode: str | None = None  # "archive" or "direct", chosen at the first item or at the end
        self.items_seen = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: BinaryIO, *args: Any, **kwargs: Any) -> Self:
        return cls(file, crawler=crawler, **kwargs)

    def _crawl_id(self) -> int | None:
        return crawl_id_of(self.crawler) if self.crawler is not None else None

    def _options(self) -> dict[str, Any]:
        return {}

    def _writer(self) -> type[Writer]:
        return writer_class(self.format)

    def start_exporting(self) -> None:
        """Nothing yet: feeds are opened with the spider, and the run's crawl row is only written once the
        spider starts crawling its seeds (`pipelines.CRAWL_STARTED`)."""

    def _choose_mode(self) -> None:
        if self.mode is not None:
            return
        self.mode = "archive" if self._crawl_id() is not None else "direct"
        if self.mode == "direct":  # no archive pipeline in this crawl: write items as they come
            self.direct = self._writer()(self.file, ExportSchema(), **self._options())
            self.direct.start()

    def export_item(self, item: Any) -> None:
        self.items_seen += 1
        self._choose_mode()
        if self.direct is None:
            return  # written from the archive when the feed is finished
        to_record = getattr(item, "to_record", None)
        data = to_record() if callable(to_record) else dict(item)
        self.direct.write(record_from_mapping(data, CORE_FIELDS))

    def finish_exporting(self) -> None:
        self._choose_mode()
        if self.direct is not None:
            self.direct.finish()
            return
        crawl_id = self._crawl_id()
        archive = getattr(self.crawler, "_diplomatic_archive", None)
        path = Path(archive.path if archive is not None else self.crawler.settings.get("ARCHIVE_DB"))
        with ArchiveReader(path) as reader:
            flt = ExportFilter(crawl_id=crawl_id)
            count = export_stream(reader, self.format, self.file, flt, writer=self._writer(), **self._options())
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

    def _options(self) -> dict[str, Any]:
        """`-o` appending to a CSV file that has rows already: no second header line."""
        try:
            appending = self.file.tell() > 0
        except (OSError, AttributeError, ValueError):
            appending = False
        return {"header": not appending}


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


class AtomFeedExporter(JsonFeedExporter):
    """Atom 1.0 (`-O items.atom`), with the JSON Feed's options (title, feed_url, home_page_url, description)."""

    format = "atom"


# -- Scrapy's own formats, from the same records -------------------------------------------------------------


class _ScrapyExporterWriter(Writer):
    """A `Writer` over one of Scrapy's item exporters: the export records go in as dicts. Options are the
    exporter's (`encoding`, `indent`, `fields_to_export`, and the feed's `item_export_kwargs`)."""

    exporter_class: type[BaseItemExporter] = PickleItemExporter

    def start(self) -> None:
        self.exporter = self.exporter_class(self.stream, **self.options)
        self.exporter.start_exporting()

    def prepare(self, record: dict[str, Any]) -> dict[str, Any]:
        return record

    def write(self, record: dict[str, Any]) -> None:
        self.exporter.export_item(self.prepare(record))
        self.count += 1

    def finish(self) -> int:
        self.exporter.finish_exporting()
        return super().finish()


def _xml_value(value: Any) -> Any:
    """What Scrapy's XML exporter writes as text, nested elements or `<value>` lists: never "None",
    "True" or a character XML 1.0 cannot hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    if isinstance(value, Mapping):
        return {k: _xml_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_xml_value(v) for v in value if v is not None]
    return value


class _XmlWriter(_ScrapyExporterWriter):
    exporter_class = XmlItemExporter

    def prepare(self, record: dict[str, Any]) -> dict[str, Any]:
        return {k: _xml_value(v) for k, v in record.items() if v is not None}


class _MarshalWriter(_ScrapyExporterWriter):
    exporter_class = MarshalItemExporter


class _ScrapyFormatExporter(_ArchiveRunExporter):
    writer: type[_ScrapyExporterWriter] = _ScrapyExporterWriter

    def __init__(self, file: BinaryIO, *, crawler: Crawler | None = None, **kwargs: Any):
        self.exporter_options = dict(kwargs)  # for Scrapy's exporter (this one ignores them)
        super().__init__(file, crawler=crawler, **kwargs)

    def _options(self) -> dict[str, Any]:
        return dict(self.exporter_options)

    def _writer(self) -> type[Writer]:
        return self.writer


class XmlFeedExporter(_ScrapyFormatExporter):
    format = "xml"
    writer = _XmlWriter


class PickleFeedExporter(_ScrapyFormatExporter):
    format = "pickle"


class MarshalFeedExporter(_ScrapyFormatExporter):
    format = "marshal"
    writer = _MarshalWriter


# -- checked before the crawl --------------------------------------------------------------------------------

# Formats whose file is one document: a second run appended to it (`-o`) would make it unreadable.
ONE_DOCUMENT = frozenset({"json", "jsonfeed", "atom", "parquet", "xml"})


class FeedError(DiplomaticCrawlerError, ValueError):
    """A feed the crawl would write wrong: refused before the crawl, in one line."""


def _local_path(uri: str) -> Path | None:
    if "%(" in uri:
        return None  # a name made per run (%(time)s, %(batch_id)d): a new file
    if uri.startswith("file://"):
        return Path(uri[len("file://") :])
    if "://" in uri:
        return None  # S3, FTP, GCS, stdout: not a local file
    return Path(uri)


def check_feeds(settings: Any) -> None:
    """Refuse, before the crawl, the feeds of `settings` (FEEDS, `-o`/`-O`) that the archive exporters
    cannot write right: an unknown format, feed batches (`batch_item_count`: the run's articles are only known
    at its end), or `-o` appending to an existing file of a one-document format. Raise `FeedError`."""
    feeds = settings.getdict("FEEDS")
    if not feeds:
        return
    exporters = {**settings.getdict("FEED_EXPORTERS_BASE"), **settings.getdict("FEED_EXPORTERS")}
    default_batch = settings.getint("FEED_EXPORT_BATCH_ITEM_COUNT")
    for uri, options in feeds.items():
        options = options or {}
        fmt = options.get("format")
        if fmt not in exporters:
            raise FeedError(f"{uri}: unknown feed format {fmt!r} (formats: {', '.join(sorted(exporters))})")
        exporter = exporters[fmt] if isinstance(exporters[fmt], str) else ""
        if not exporter.startswith(__name__):
            continue  # not one of ours
        if int(options.get("batch_item_count") or default_batch or 0) > 0:
            raise FeedError(
                f"{uri}: feed batches (batch_item_count) are not supported: the run's new and updated articles"
                " are only known at its end"
            )
        path = _local_path(str(uri))
        overwrite = bool(options.get("overwrite", False))
        if fmt in ONE_DOCUMENT and not overwrite and path is not None and path.is_file() and path.stat().st_size:
            raise FeedError(
                f"{uri}: -o would append a second {fmt} document to this existing file; use -O to overwrite it"
                " (or a jsonl feed, which appends)"
            )
