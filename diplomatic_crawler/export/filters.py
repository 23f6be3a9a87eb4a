"""Selecting articles for an export: validated filters, a read-only snapshot of the archive, streamed rows.

`ArchiveReader` opens the archive read-only and holds one read transaction for its whole life, so an export
sees one consistent snapshot while a crawl keeps writing (WAL mode), and rows are fetched in small batches:
memory stays flat whatever the archive's size.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import DiplomaticCrawlerError
from ..readonly import ArchiveError, connect_read_only, placeholders
from .schema import ExportSchema, record_from_row

__all__ = ["ArchiveReader", "ExportError", "ExportFilter", "parse_date_bound"]

SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
FETCH_BATCH = 500


class ExportError(DiplomaticCrawlerError, RuntimeError):
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


# Crawl statuses of a run that did its job (see `extensions.CrawlReport`): it ran to its end and reached at
# least one site ("partial": some sites failed entirely; "enrichment_failed": archived, not enriched).
SUCCESSFUL_STATUSES = ("finished", "partial", "enrichment_failed")


def _did_something(sites: str | None) -> bool:
    """Whether a crawl row's per-site counters (`crawls.sites`, JSON) show any work."""
    try:
        counts = json.loads(sites or "{}")
        return any(int(v or 0) > 0 for c in counts.values() for v in c.values())
    except (ValueError, TypeError, AttributeError):
        return False


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
    new: bool = False  # the articles added or changed since the successful crawl before the latest one

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
        try:
            self.conn = connect_read_only(self.path, timeout=busy_timeout, isolation_level=None)
        except ArchiveError as exc:
            raise ExportError(str(exc), hint=exc.hint) from exc
        try:
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

    def successful_crawls(self, limit: int = 2) -> list[int]:
        """Ids of the latest crawls that did their job, newest first: ran to their end with at least one
        site reached (`SUCCESSFUL_STATUSES`) and did something (a counter above zero). Runs that failed,
        were interrupted or are still running, and empty rows that earlier versions wrote for `scrapy
        shell`, `fetch` and `parse`, are not among them."""
        if "crawls" not in self.tables:
            return []
        marks = placeholders(len(SUCCESSFUL_STATUSES))
        found: list[int] = []
        for crawl_id, sites in self.query(
            f"SELECT id, sites FROM crawls WHERE status IN ({marks}) AND finished IS NOT NULL ORDER BY id DESC",
            SUCCESSFUL_STATUSES,
        ):
            if _did_something(sites):
                found.append(int(crawl_id))
                if len(found) == limit:
                    break
        return found

    def new_window(self) -> tuple[int, int]:
        """`--new`: the crawl ids (after, upto] whose articles are new: written by the latest successful
        crawl or by any run since the successful crawl before it (a failed or interrupted run's articles
        come with the next successful one). The same answer until the next successful crawl."""
        latest = self.successful_crawls()
        if not latest:
            raise ExportError(f"{self.path}: --new: no successful crawl recorded yet")
        return (latest[1] if len(latest) > 1 else 0), latest[0]

    def sites(self) -> list[str]:
        return [s for (s,) in self.query("SELECT DISTINCT site FROM articles ORDER BY site")]

    def resolve(self, flt: ExportFilter) -> tuple[int, int] | None:
        """Check the filters against the archive; return the crawl ids (after, upto] to select (for
        --crawl / --new)."""
        if flt.sites:
            known = set(self.sites())
            unknown = [s for s in flt.sites if s not in known]
            if unknown:
                listed = ", ".join(sorted(known)) or "none"
                raise ExportError(f"unknown site {unknown[0]!r} in {self.path} (sites: {listed})")
        crawl_id = flt.crawl_id
        window = None
        if flt.new:
            window = self.new_window()
        elif crawl_id is not None:
            if "crawls" in self.tables and not self.query("SELECT 1 FROM crawls WHERE id = ?", [crawl_id]):
                raise ExportError(f"{self.path}: no crawl with id {crawl_id}")
            window = (crawl_id - 1, crawl_id)
        if flt.query is not None and "articles_fts" not in self.tables:
            raise ExportError(f"{self.path}: no full-text index (articles_fts) for --query")
        return window

    def conditions(self, flt: ExportFilter, table: str = "articles") -> tuple[list[str], list[Any]]:
        """SQL conditions and parameters of the filters other than the full-text query (checked against the
        archive by `resolve`), on `table` (the `articles` table or its alias)."""
        window = self.resolve(flt)
        where: list[str] = []
        params: list[Any] = []
        if flt.since:
            where.append(f"substr({table}.published, 1, 10) >= ?")
            params.append(flt.since)
        if flt.until:
            where.append(f"substr({table}.published, 1, 10) <= ?")
            params.append(flt.until)
        if flt.sites:
            where.append(f"{table}.site IN ({placeholders(len(flt.sites))})")
            params.extend(flt.sites)
        if flt.language:
            where.append(f"{table}.language = ?")
            params.append(flt.language)
        if window is not None and window[1] - window[0] == 1:
            where.append(f"{table}.crawl_id = ?")
            params.append(window[1])
        elif window is not None:
            where.append(f"{table}.crawl_id > ? AND {table}.crawl_id <= ?")
            params.extend(window)
        return where, params

    def select(self, flt: ExportFilter, *, order: str = "stable") -> tuple[str, list[Any]]:
        """The SQL and parameters of a filtered export. `order`: `stable` (site, publication date, URL) for
        datasets and files, `newest` (latest publication first) for feeds. Publication dates compare as
        stored (ISO strings: local time of the publisher)."""
        cols = ", ".join(self.schema.select_columns(self.columns))
        where, params = self._where(flt)
        sql = f"SELECT {cols} FROM articles{where}"
        if order == "newest":
            sql += f" ORDER BY {self.newest_first()}, articles.canonical_url"  # undated last
        else:
            sql += " ORDER BY articles.site, articles.published, articles.canonical_url"  # undated first per site
        return sql, params

    def _where(self, flt: ExportFilter) -> tuple[str, list[Any]]:
        """` WHERE ...` (or nothing) and its parameters: the filters, the full-text query first."""
        where, params = self.conditions(flt)
        if flt.query is not None:
            where.insert(0, "articles.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            params.insert(0, flt.query)
        return (" WHERE " + " AND ".join(where) if where else ""), params

    def count(self, flt: ExportFilter) -> int:
        """How many articles `records(flt)` yields (for a progress line's total)."""
        where, params = self._where(flt)
        try:
            return self.conn.execute(f"SELECT count(*) FROM articles{where}", params).fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise self._query_error(flt, exc) from exc

    def _query_error(self, flt: ExportFilter, exc: sqlite3.OperationalError) -> ExportError:
        if flt.query is not None and ("fts5" in str(exc) or "syntax" in str(exc)):
            return ExportError(f"invalid full-text query {flt.query!r}: {exc}")
        return ExportError(f"{self.path}: {exc}")

    def newest_first(self, table: str = "articles") -> str:
        """ORDER BY terms, latest publication first and undated last: by the UTC instant (chronological across
        time zones) where the archive has one (migration 95), a day-only date by its day."""
        if "published_utc" in self.columns:
            return f"coalesce({table}.published_utc, {table}.published) DESC"
        return f"{table}.published DESC"

    def records(self, flt: ExportFilter, *, order: str = "stable") -> Iterator[dict[str, Any]]:
        """Export records, fetched in batches of FETCH_BATCH rows."""
        sql, params = self.select(flt, order=order)
        fields = self.schema.fields
        list_fields = self.schema.list_fields
        record_fields = self.schema.record_fields
        try:
            cursor = self.conn.execute(sql, params)
            while True:
                rows = cursor.fetchmany(FETCH_BATCH)
                if not rows:
                    break
                for row in rows:
                    yield record_from_row(fields, row, list_fields, record_fields)
        except sqlite3.OperationalError as exc:
            raise self._query_error(flt, exc) from exc
