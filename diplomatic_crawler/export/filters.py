"""Selecting articles for an export: validated filters, a read-only snapshot of the archive, streamed rows.

`ArchiveReader` opens the archive read-only and holds one read transaction for its whole life, so an export
sees one consistent snapshot while a crawl keeps writing (WAL mode), and rows are fetched in small batches:
memory stays flat whatever the archive's size.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .schema import ExportSchema, record_from_row

__all__ = ["ArchiveReader", "ExportError", "ExportFilter", "parse_date_bound"]

SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
FETCH_BATCH = 500


class ExportError(RuntimeError):
    """The export cannot be made: bad filter, missing or unreadable archive, unwritable target."""


def parse_date_bound(value: str, *, end: bool) -> str:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as the first (or, with `end`, last) day it covers, `YYYY-MM-DD`."""
    text = value.strip()
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not match:
        raise ExportError(f"invalid date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.group(1), match.group(2), match.group(3)
    try:
        if day:
            return date(int(year), int(month), int(day)).isoformat()
        if month:
            first = date(int(year), int(month), 1)
            if not end:
                return first.isoformat()
            nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return date.fromordinal(nxt.toordinal() - 1).isoformat()
        return f"{int(year):04d}-12-31" if end else f"{int(year):04d}-01-01"
    except ValueError as exc:
        raise ExportError(f"invalid date {value!r}: {exc}") from exc


@dataclass
class ExportFilter:
    """Which articles to export. Dates compare with the local publication day (`published`'s first ten
    characters); with `since` or `until` set, articles without a date are left out."""

    since: str | None = None
    until: str | None = None
    sites: Sequence[str] = field(default_factory=tuple)
    language: str | None = None
    query: str | None = None
    crawl_id: int | None = None
    new: bool = False  # the articles the latest crawl added or changed

    def __post_init__(self) -> None:
        if self.since:
            self.since = parse_date_bound(self.since, end=False)
        if self.until:
            self.until = parse_date_bound(self.until, end=True)
        if self.since and self.until and self.since > self.until:
            raise ExportError(f"--since {self.since} is after --until {self.until}")
        for site in self.sites:
            if not SITE_NAME.match(site):
                raise ExportError(f"invalid site name {site!r}: lower-case letters, digits, '-' and '_' only")
        self.sites = tuple(dict.fromkeys(self.sites))
        if self.language is not None:
            self.language = self.language.strip().lower()
            if not LANGUAGE.match(self.language):
                raise ExportError(f"invalid language {self.language!r}: use an ISO 639-1 code such as 'en'")
        if self.query is not None and not self.query.strip():
            raise ExportError("empty --query")
        if self.crawl_id is not None and self.new:
            raise ExportError("use either --crawl ID or --new, not both")
        if self.crawl_id is not None and self.crawl_id < 1:
            raise ExportError(f"invalid crawl id {self.crawl_id}")

    def describe(self) -> dict[str, Any]:
        """The filters as JSON-ready data (for feeds, dataset cards and manifests)."""
        out: dict[str, Any] = {}
        for name in ("since", "until", "language", "query", "crawl_id"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.sites:
            out["sites"] = list(self.sites)
        if self.new:
            out["new"] = True
        return out


class ArchiveReader:
    """A read-only snapshot of an archive. Use as a context manager."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0):
        self.path = Path(path)
        if not self.path.is_file():
            raise ExportError(f"{self.path}: no such archive")
        try:
            self.conn = sqlite3.connect(
                f"file:{quote(str(self.path.resolve()))}?mode=ro", uri=True, timeout=busy_timeout, isolation_level=None
            )
            self.conn.execute("BEGIN")  # one read transaction: every query below sees the same snapshot
            tables = {name for (name,) in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as exc:
            raise ExportError(f"{self.path}: cannot read archive: {exc}") from exc
        if "articles" not in tables:
            self.close()
            raise ExportError(f"{self.path}: not a diplomatic-crawler archive (no articles table)")
        self.tables = tables
        self.columns = [row[1] for row in self.conn.execute("PRAGMA table_info(articles)")]
        self.schema = ExportSchema.from_connection(self.conn)

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("ROLLBACK")
        self.conn.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers -----------------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise ExportError(f"{self.path}: {exc}") from exc

    def latest_crawl(self) -> int | None:
        """The most recent finished crawl (any status), else the most recent one."""
        if "crawls" not in self.tables:
            return None
        rows = self.query("SELECT id FROM crawls ORDER BY (finished IS NULL), id DESC LIMIT 1")
        return int(rows[0][0]) if rows else None

    def sites(self) -> list[str]:
        return [s for (s,) in self.query("SELECT DISTINCT site FROM articles ORDER BY site")]

    def resolve(self, flt: ExportFilter) -> int | None:
        """Check the filters against the archive; return the crawl id to select (for --crawl / --new)."""
        if flt.sites:
            known = set(self.sites())
            unknown = [s for s in flt.sites if s not in known]
            if unknown:
                listed = ", ".join(sorted(known)) or "none"
                raise ExportError(f"unknown site {unknown[0]!r} in {self.path} (sites: {listed})")
        crawl_id = flt.crawl_id
        if flt.new:
            crawl_id = self.latest_crawl()
            if crawl_id is None:
                raise ExportError(f"{self.path}: --new: no crawl recorded yet")
        elif (
            crawl_id is not None
            and "crawls" in self.tables
            and not self.query("SELECT 1 FROM crawls WHERE id = ?", [crawl_id])
        ):
            raise ExportError(f"{self.path}: no crawl with id {crawl_id}")
        if flt.query is not None and "articles_fts" not in self.tables:
            raise ExportError(f"{self.path}: no full-text index (articles_fts) for --query")
        return crawl_id

    def select(self, flt: ExportFilter, *, order: str = "stable") -> tuple[str, list[Any]]:
        """The SQL and parameters of a filtered export. `order`: `stable` (site, publication date, URL) for
        datasets and files, `newest` (latest publication first) for feeds. Publication dates compare as
        stored (ISO strings: local time of the publisher)."""
        crawl_id = self.resolve(flt)
        cols = ", ".join(self.schema.select_columns(self.columns))
        sql = f"SELECT {cols} FROM articles"
        where: list[str] = []
        params: list[Any] = []
        if flt.query is not None:
            where.append("articles.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            params.append(flt.query)
        if flt.since:
            where.append("substr(articles.published, 1, 10) >= ?")
            params.append(flt.since)
        if flt.until:
            where.append("substr(articles.published, 1, 10) <= ?")
            params.append(flt.until)
        if flt.sites:
            where.append(f"articles.site IN ({', '.join('?' * len(flt.sites))})")
            params.extend(flt.sites)
        if flt.language:
            where.append("articles.language = ?")
            params.append(flt.language)
        if crawl_id is not None:
            where.append("articles.crawl_id = ?")
            params.append(crawl_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        if order == "newest":
            sql += " ORDER BY articles.published DESC, articles.canonical_url"  # undated last
        else:
            sql += " ORDER BY articles.site, articles.published, articles.canonical_url"  # undated first per site
        return sql, params

    def records(self, flt: ExportFilter, *, order: str = "stable") -> Iterator[dict[str, Any]]:
        """Export records, fetched in batches of FETCH_BATCH rows."""
        sql, params = self.select(flt, order=order)
        fields = self.schema.fields
        list_fields = self.schema.list_fields
        try:
            cursor = self.conn.execute(sql, params)
            while True:
                rows = cursor.fetchmany(FETCH_BATCH)
                if not rows:
                    break
                for row in rows:
                    yield record_from_row(fields, row, list_fields)
        except sqlite3.OperationalError as exc:
            if flt.query is not None and ("fts5" in str(exc) or "syntax" in str(exc)):
                raise ExportError(f"invalid full-text query {flt.query!r}: {exc}") from exc
            raise ExportError(f"{self.path}: {exc}") from exc
