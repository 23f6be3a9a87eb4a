"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), streamed item by item.

Item mapping: `id` = `article_id` (stable: derived from the canonical URL, unchanged when the article is
edited), `url` = canonical URL, `external_url` = the fetched URL when it differs, `title`, `content_text` =
the plain-text body (never HTML: the feed has no `content_html`), `summary` = description, `image`,
`date_published` / `date_modified` in RFC 3339 (a day-only date becomes midnight UTC of that day),
`authors` = `[{"name": ...}]` (left out when no author is named), `language`, `tags`.

Everything else sits in the `_diplomatic` extension object of each item (ignored by readers that do not
know it): `article_id`, `canonical_url`, `site`, `site_name`, `country`, `issuer`, `section`, `dateline`,
the archived `published` / `modified` values exactly as stored with their `_raw`, `_source` and
`_precision` fields and `timezone_assumed`, `word_count`, `content_hash`, `extractor_version`,
`fetched_at`, `first_seen`, `last_checked`, `crawl_id`, and any column added to the archive later. The
feed's own `_diplomatic` object records the generator, the filters and when the feed was generated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .. import __version__
from .base import Writer
from .jsonl import dumps, dumps_bytes
from .schema import rfc3339

__all__ = ["EXTENSION_ABOUT", "JSONFEED_VERSION", "JsonFeedWriter", "feed_item"]

JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
# The documentation of the `_diplomatic` extension (JSON Feed 1.1: "about" is a URL describing it);
# tests/test_docs.py checks that the page and its anchor exist.
EXTENSION_ABOUT = "https://github.com/diplomatic-crawler/diplomatic-crawler/blob/main/docs/exports.md#json-feed"
# Item fields that map onto JSON Feed's own; the other record fields go into `_diplomatic`.
_MAPPED = frozenset({"title", "text", "description", "image", "language", "tags", "authors", "url"})


def feed_item(record: dict[str, Any]) -> dict[str, Any]:
    """One JSON Feed item (keys in a fixed order) from an export record."""
    url = record.get("canonical_url") or record.get("url")
    item: dict[str, Any] = {"id": record.get("article_id") or url, "url": url}
    if record.get("url") and record.get("url") != url:
        item["external_url"] = record["url"]
    if record.get("title"):
        item["title"] = record["title"]
    item["content_text"] = record.get("text") or ""
    if record.get("description"):
        item["summary"] = record["description"]
    if record.get("image"):
        item["image"] = record["image"]
    published = rfc3339(record.get("published"))
    if published:
        item["date_published"] = published
    modified = rfc3339(record.get("modified"))
    if modified:
        item["date_modified"] = modified
    authors = [{"name": name} for name in record.get("authors") or [] if name]
    if authors:
        item["authors"] = authors
    if record.get("tags"):
        item["tags"] = list(record["tags"])
    if record.get("language"):
        item["language"] = record["language"]
    item["_diplomatic"] = {k: v for k, v in record.items() if k not in _MAPPED}
    return item


class JsonFeedWriter(Writer):
    """Options: `title`, `feed_url`, `home_page_url`, `description`, `filters` (a dict recorded in the feed)."""

    extension = "json"
    media_type = "application/feed+json"

    def start(self) -> None:
        title = self.options.get("title") or "Diplomatic news archive"
        head: dict[str, Any] = {"version": JSONFEED_VERSION, "title": title}
        for key in ("home_page_url", "feed_url", "description", "language"):
            if self.options.get(key):
                head[key] = self.options[key]
        head["_diplomatic"] = {
            "about": EXTENSION_ABOUT,
            "generator": f"diplomatic-crawler/{__version__}",
            "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "filters": self.options.get("filters") or {},
        }
        text = dumps(head)
        self.stream.write(text[:-1].encode("utf-8") + b',"items":[')

    def write(self, record: dict[str, Any]) -> None:
        prefix = b",\n" if self.count else b"\n"
        self.stream.write(prefix + dumps_bytes(feed_item(record)))
        self.count += 1

    def finish(self) -> int:
        self.stream.write(b"\n]}\n")
        return super().finish()
