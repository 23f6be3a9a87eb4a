"""The export record: one schema, in one stable field order, for every format and for the Scrapy feeds.

A record is a dict built from one `articles` row: JSON arrays of strings (`authors`, `tags`, `countries`)
become lists of strings, JSON arrays of objects (`alternates`) lists of dicts, `timezone_assumed` a
boolean, and `article_id` is derived from the canonical URL. Columns that later migrations add to
`articles` follow the core fields in table order (BLOB columns are never exported).
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
    "EXTRA_DOCS",
    "FIELD_DOCS",
    "JSON_LIST_COLUMNS",
    "LIST_FIELDS",
    "RECORD_COLUMNS",
    "ExportSchema",
    "as_list",
    "parse_iso",
    "record_from_row",
    "rfc3339",
    "utc_instant",
]

# name -> (kind, description). kind: str | int | bool | list (of strings) | utc (ISO UTC datetime) | date
# (ISO with offset or a day) -- used for the Parquet types and the dataset card. Extra columns may also be
# of kind records (JSON arrays of objects, RECORD_COLUMNS).
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
    "published_utc": (
        "utc",
        "`published` as a UTC instant, `YYYY-MM-DDTHH:MM:SSZ` (sorts chronologically across time zones); NULL "
        "when only the day is known (no time is made up: sort those by `published`)",
    ),
    "published_raw": ("str", "the string the publication date was read from"),
    "published_source": (
        "str",
        "where the date came from: jsonld, meta, microdata, time, text, selector, url, htmldate",
    ),
    "published_precision": ("str", "day, minute or second"),
    "published_calendar": (
        "str",
        "the calendar the page wrote the date in: gregorian, solar_hijri, hijri (Umm al-Qura), japanese (era), "
        "buddhist (Thai), minguo, ethiopian or hebrew; `published` is always the Gregorian ISO 8601 day",
    ),
    "timezone_assumed": ("bool", "true when the offset came from the seed's time zone, not from the page"),
    "modified": ("date", "last modification date, as archived (never used as `published`)"),
    "modified_raw": ("str", "the string the modification date was read from"),
    "modified_source": ("str", "where the modification date came from"),
    "modified_precision": ("str", "day, minute or second"),
    "language": ("str", "ISO 639-1 language of the article"),
    "language_source": (
        "str",
        "where `language` came from: jsonld, html, og, meta, seed, or detected (py3langid, from the text, when "
        "nothing is declared or the text is certainly in another language than declared)",
    ),
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
# Descriptions of the columns later migrations add to `articles` (exported after the core fields, in table
# order): the dataset card and the Parquet field metadata describe every column.
EXTRA_DOCS: dict[str, str] = {
    "content_type": "html, or pdf for a PDF statement",
    "linked_from": "for a PDF: the canonical URL of the page that linked it",
    "doc_type": (
        "kind of document: press_release, statement, joint_statement, readout, briefing, speech, interview, op_ed, "
        "news_report or other (rules in `diplomatic_crawler.enrich.doctype`)"
    ),
    "doc_type_reason": "the evidence for `doc_type`, e.g. `title[en] «joint statement»`",
    "countries": "ISO 3166-1 alpha-2 codes of the countries named in title and text, in order of first mention",
    "alternates": "the translations the page declares: url, hreflang and source (hreflang link or language switcher)",
    "statement_group": "shared by the pages that declare each other as translations of one statement",
    "cluster_id": "shared by near-duplicates (MinHash): the same statement on the ministry, embassies, agencies",
    "http_status": "what the article's URL answered when last fetched again (200, 404, 410, 5xx); NULL until then",
    "http_status_at": "when `http_status` was received (UTC)",
}

LIST_FIELDS = frozenset(name for name, (kind, _) in FIELD_DOCS.items() if kind == "list")
_INTERNAL = frozenset({"rowid"})
# Columns holding JSON arrays of objects (kind "records"), with the keys every object has, in order: the
# Parquet struct fields; JSON formats write the objects, CSV a JSON array in the cell.
RECORD_COLUMNS: dict[str, tuple[str, ...]] = {"alternates": ("url", "hreflang", "source")}
# Columns the archive stores as JSON arrays (`Archive.write_articles` encodes them; countries and alternates:
# migration 10).
JSON_LIST_COLUMNS = ("authors", "tags", "countries", "alternates")


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
        """Core list fields plus the extra columns the archive stores as JSON arrays of strings."""
        return LIST_FIELDS | {name for name, _ in self.extras if self.extra_kind(name) == "list"}

    @property
    def record_fields(self) -> frozenset[str]:
        """The extra columns the archive stores as JSON arrays of objects (`RECORD_COLUMNS`)."""
        return frozenset(name for name, _ in self.extras if name in RECORD_COLUMNS)

    def describe(self, name: str) -> str:
        """The description of a field (a column newer than this program: where it came from)."""
        if name in FIELD_DOCS:
            return FIELD_DOCS[name][1]
        return EXTRA_DOCS.get(name, "added to the archive by a later migration (not described by this version)")

    def kind(self, name: str) -> str:
        return FIELD_DOCS[name][0] if name in FIELD_DOCS else self.extra_kind(name)

    def extra_kind(self, name: str) -> str:
        if name in RECORD_COLUMNS:
            return "records"
        if name in JSON_LIST_COLUMNS:
            return "list"
        decl = dict(self.extras).get(name, "")
        if "INT" in decl:
            return "int"
        if any(t in decl for t in ("REAL", "FLOA", "DOUB", "NUM")):
            return "float"
        return "str"


def as_list(value: Any) -> list[str]:
    """A JSON array of strings (or the list itself) as a list of strings; empty for NULL, '' and '[]'."""
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


def _as_records(value: Any) -> list[dict[str, Any]]:
    """A JSON array of objects (or the list itself) as a list of dicts; anything else gives []."""
    if isinstance(value, str):
        try:
            value = _loads(value) if value else None
        except ValueError:
            return []
    if not isinstance(value, list | tuple):
        return []
    return [dict(v) for v in value if isinstance(v, Mapping)]


def record_from_row(
    fields: tuple[str, ...],
    row: Iterable[Any],
    list_fields: Iterable[str] = LIST_FIELDS,
    record_fields: Iterable[str] = (),
) -> dict[str, Any]:
    """One export record from a row tuple in `fields` order."""
    record = dict(zip(fields, row, strict=True))
    return normalise_record(record, list_fields, record_fields)


def normalise_record(
    record: dict[str, Any], list_fields: Iterable[str] = LIST_FIELDS, record_fields: Iterable[str] = ()
) -> dict[str, Any]:
    for name in list_fields:
        record[name] = as_list(record.get(name))
    for name in record_fields:
        record[name] = _as_records(record.get(name))
    tz = record.get("timezone_assumed")
    record["timezone_assumed"] = None if tz is None else bool(tz)
    if record.get("published_utc") is None and record.get("published"):  # archives from before migration 95
        record["published_utc"] = utc_instant(record["published"])
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


def utc_instant(value: str | None) -> str | None:
    """`published_utc`: a datetime with an offset as UTC, `YYYY-MM-DDTHH:MM:SSZ` (fixed width, so the strings
    sort chronologically; fractions of a second dropped). None for a day-only date and for a datetime without
    offset: the instant is unknown, and none is invented (the day stays in `published`)."""
    if not value:
        return None
    text = value.strip()
    if len(text) <= 10:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
