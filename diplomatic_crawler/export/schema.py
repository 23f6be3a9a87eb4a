"""The export record: one schema, in one stable field order, for every format and for the Scrapy feeds.

A record is a dict built from one `articles` row: JSON arrays (`authors`, `tags`) become lists,
`timezone_assumed` a boolean, and `article_id` is derived from the canonical URL. Columns that later
migrations add to `articles` follow the core fields in table order (BLOB columns are never exported).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ..ids import article_id

try:
    from orjson import loads as _loads  # its JSONDecodeError is a ValueError
except ImportError:  # pragma: no cover - orjson is a dependency
    _loads = json.loads

__all__ = [
    "CORE_FIELDS",
    "FIELD_DOCS",
    "LIST_FIELDS",
    "ExportSchema",
    "parse_iso",
    "record_from_row",
    "rfc3339",
]

# name -> (kind, description). kind: str | int | bool | list | utc (ISO UTC datetime) | date (ISO with offset
# or a day) -- used for the Parquet types and the dataset card.
FIELD_DOCS: dict[str, tuple[str, str]] = {
    "article_id": ("str", "stable id: first 16 hex digits of SHA-256 of `canonical_url`"),
    "canonical_url": ("str", "the archive key: canonical URL (tracking parameters, fragments dropped)"),
    "url": ("str", "the address fetched"),
    "site": ("str", "site id (seed file name)"),
    "country": ("str", "ISO 3166 alpha-2 country of the issuer (from the seed)"),
    "issuer": ("str", "who publishes (from the seed)"),
    "site_name": ("str", "the site's own name (og:site_name or JSON-LD publisher)"),
    "title": ("str", "the headline"),
    "authors": ("list", "person names (or a named office); empty when the page names none"),
    "published": ("date", "publication date as archived: ISO 8601 day, or datetime with offset"),
    "published_raw": ("str", "the string the publication date was read from"),
    "published_source": (
        "str",
        "where the date came from: jsonld, meta, microdata, time, text, selector, url, htmldate",
    ),
    "published_precision": ("str", "day, minute or second"),
    "timezone_assumed": ("bool", "true when the offset came from the seed's time zone, not from the page"),
    "modified": ("date", "last modification date, as archived (never used as `published`)"),
    "modified_raw": ("str", "the string the modification date was read from"),
    "modified_source": ("str", "where the modification date came from"),
    "modified_precision": ("str", "day, minute or second"),
    "language": ("str", "ISO 639-1 language of the article"),
    "description": ("str", "summary from meta tags / JSON-LD"),
    "section": ("str", "section from meta tags / JSON-LD"),
    "tags": ("list", "keywords from meta tags / JSON-LD"),
    "image": ("str", "lead image URL"),
    "dateline": ("str", "the place in a dateline such as 'Baku, 7 December 2021'"),
    "text": ("str", "the article body as plain text, paragraphs separated by a blank line; never HTML"),
    "word_count": ("int", "number of word tokens in `text`"),
    "content_hash": ("str", "SHA-256 of the whitespace-normalised text"),
    "extractor_version": ("str", "diplomatic-crawler, trafilatura and dateparser versions that extracted the row"),
    "fetched_at": ("utc", "when the content was last written (UTC)"),
    "first_seen": ("utc", "when the article was first archived (UTC)"),
    "last_checked": ("utc", "last fetch, even when unchanged (UTC)"),
    "crawl_id": ("int", "the crawl run that last wrote the content (table `crawls`)"),
    "seed_hash": ("str", "SHA-256 of the seed file (the site's rules) that the row was extracted with"),
    "withdrawn_at": ("utc", "when the article was found withdrawn (404/410, redirect to a generic page); text kept"),
    "withdrawn_reason": ("str", "why it counts as withdrawn (HTTP status or the generic page it redirects to)"),
}
CORE_FIELDS: tuple[str, ...] = tuple(FIELD_DOCS)
LIST_FIELDS = frozenset(name for name, (kind, _) in FIELD_DOCS.items() if kind == "list")
_INTERNAL = frozenset({"rowid"})


@dataclass(frozen=True)
class ExportSchema:
    """The fields of one export: the core fields plus `extras` (name, SQLite declared type) that later
    migrations added to `articles`."""

    extras: tuple[tuple[str, str], ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return CORE_FIELDS + tuple(name for name, _ in self.extras)

    @classmethod
    def from_connection(cls, conn: sqlite3.Connection) -> ExportSchema:
        extras = []
        for _cid, name, decl, *_ in conn.execute("PRAGMA table_info(articles)"):
            if name in FIELD_DOCS or name in _INTERNAL:
                continue
            decl = (decl or "").upper()
            if "BLOB" in decl:
                continue  # raw bytes are never exported
            extras.append((name, decl))
        return cls(tuple(extras))

    def select_columns(self, available: Iterable[str]) -> list[str]:
        """SQL expressions for the row tuple, in `fields` order (NULL for a core column an older archive lacks;
        `article_id` is recomputed from the canonical URL anyway)."""
        have = set(available)
        return [f"articles.[{name}]" if name in have else f"NULL AS [{name}]" for name in self.fields]

    @property
    def list_fields(self) -> frozenset[str]:
        """Core list fields plus the extra columns the archive stores as JSON arrays (`JSON_LIST_COLUMNS`)."""
        return LIST_FIELDS | {name for name, _ in self.extras if self.extra_kind(name) == "list"}

    def kind(self, name: str) -> str:
        return FIELD_DOCS[name][0] if name in FIELD_DOCS else self.extra_kind(name)

    def extra_kind(self, name: str) -> str:
        from ..archive import JSON_LIST_COLUMNS

        if name in JSON_LIST_COLUMNS:
            return "list"
        decl = dict(self.extras).get(name, "")
        if "INT" in decl:
            return "int"
        if any(t in decl for t in ("REAL", "FLOA", "DOUB", "NUM")):
            return "float"
        return "str"


def _as_list(value: Any) -> list[str]:
    if value is None or value == "" or value == "[]":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    try:
        parsed = _loads(value)
    except (TypeError, ValueError):
        return [str(value)]
    if isinstance(parsed, list):
        return [str(v) for v in parsed]
    return [str(parsed)]


def record_from_row(
    fields: tuple[str, ...], row: Iterable[Any], list_fields: Iterable[str] = LIST_FIELDS
) -> dict[str, Any]:
    """One export record from a row tuple in `fields` order."""
    record = dict(zip(fields, row, strict=True))
    return normalise_record(record, list_fields)


def normalise_record(record: dict[str, Any], list_fields: Iterable[str] = LIST_FIELDS) -> dict[str, Any]:
    for name in list_fields:
        record[name] = _as_list(record.get(name))
    tz = record.get("timezone_assumed")
    record["timezone_assumed"] = None if tz is None else bool(tz)
    if not record.get("article_id") and record.get("canonical_url"):  # archives from before migration 2
        record["article_id"] = article_id(record["canonical_url"])
    return record


def record_from_mapping(data: Mapping[str, Any], fields: tuple[str, ...] = CORE_FIELDS) -> dict[str, Any]:
    """An export record from an item dict (used when a Scrapy feed runs without the archive pipeline)."""
    return normalise_record({name: data.get(name) for name in fields})


def parse_iso(value: str | None) -> datetime | date | None:
    """A `date` for a day-only value, an aware `datetime` otherwise (naive ones are read as UTC); None when
    the value is missing or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def rfc3339(value: str | None) -> str | None:
    """RFC 3339 date-time for JSON Feed: a datetime keeps its offset; a day-only date becomes midnight UTC of
    that day (the exact value and its precision stay in the `_diplomatic` extension)."""
    parsed = parse_iso(value)
    if parsed is None:
        return None
    if not isinstance(parsed, datetime):
        return f"{parsed.isoformat()}T00:00:00Z"
    text = parsed.isoformat(timespec="microseconds" if parsed.microsecond else "seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text
