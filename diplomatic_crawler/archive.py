"""The SQLite archive (sqlite-utils): articles, crawl runs, known pages and HTTP validators.

One row per canonical URL. Writes are batched in transactions and every article sits in its own
savepoint, so an article is either fully written (row and full-text index) or not at all. Re-running is
always safe: a new article is inserted, a changed one (different `content_hash`) updated, an unchanged
one left alone apart from its `last_checked` time. Existing values are never overwritten with NULL.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .migrations import ARTICLE_COLUMNS, MIGRATIONS, SCHEMA_VERSION

__all__ = ["ARTICLE_COLUMNS", "COUNTERS", "Archive", "ArchiveError", "get_archive", "utcnow"]

logger = logging.getLogger(__name__)

# Per-site counters recorded for every run (crawls.sites and crawl_sites).
COUNTERS = (
    "discovered",
    "fetched",
    "new",
    "updated",
    "unchanged",
    "skipped_known",
    "non_article",
    "failed",
    "without_date",
)
JSON_LIST_COLUMNS = ("authors", "tags")


class ArchiveError(RuntimeError):
    """The archive cannot be opened, migrated or written."""


def utcnow() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


class Archive:
    """An open archive database. Use as a context manager or call `close()`."""

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 30_000):
        self.path = Path(path)
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite_utils.Database(str(self.path))
            self.db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if str(self.path) != ":memory:":
                self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            self.migrate()
            # Prove we can write (a read-only file or directory fails here, before the crawl starts).
            with self.db.atomic():
                self.db.execute("UPDATE migrations SET version = version WHERE 0")
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS _probe (x)")
        except (sqlite3.Error, OSError) as exc:
            raise ArchiveError(f"{self.path}: cannot open archive: {exc}") from exc

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def migrate(self) -> list[int]:
        """Apply pending migrations in order, each in its own transaction; return the versions applied."""
        if not self.db["migrations"].exists():
            self.db["migrations"].create(
                {"version": int, "name": str, "applied_at": str}, pk="version", not_null={"name"}
            )
        done = {row["version"] for row in self.db["migrations"].rows}
        newer = [v for v in done if v > SCHEMA_VERSION]
        if newer:
            raise ArchiveError(
                f"{self.path}: schema version {max(newer)} is newer than this program ({SCHEMA_VERSION});"
                " upgrade diplomatic-crawler"
            )
        applied = []
        for version, name, func in MIGRATIONS:
            if version in done:
                continue
            with self.db.atomic():
                func(self.db)
                self.db["migrations"].insert({"version": version, "name": name, "applied_at": utcnow()})
            applied.append(version)
        return applied

    @property
    def schema_version(self) -> int:
        row = self.db.execute("SELECT max(version) FROM migrations").fetchone()
        return int(row[0] or 0)

    # -- crawls ------------------------------------------------------------------------------------

    def start_crawl(self, args: Mapping[str, Any], sites: Iterable[str]) -> int:
        with self._writing():
            table = self.db["crawls"]
            table.insert(
                {
                    "started": utcnow(),
                    "finished": None,
                    "status": "running",
                    "args": json.dumps(dict(args), sort_keys=True),
                    "sites": json.dumps({s: dict.fromkeys(COUNTERS, 0) for s in sites}),
                }
            )
            return int(table.last_pk)

    def finish_crawl(self, crawl_id: int, status: str, counts: Mapping[str, Mapping[str, int]]) -> None:
        with self._writing():
            self.db["crawls"].update(
                crawl_id,
                {
                    "finished": utcnow(),
                    "status": status,
                    "sites": json.dumps({s: dict(c) for s, c in counts.items()}, sort_keys=True),
                },
            )
            for site, c in counts.items():
                row = {"crawl_id": crawl_id, "site": site, **{k: int(c.get(k, 0)) for k in COUNTERS}}
                self.db["crawl_sites"].insert(row, replace=True)

    # -- what we already know ----------------------------------------------------------------------

    def known_articles(self, sites: Iterable[str] | None = None) -> dict[str, str]:
        """Canonical URL -> when it was last fetched or checked (ISO UTC), for the given sites."""
        sql = "SELECT canonical_url, coalesce(last_checked, fetched_at) FROM articles"
        params: list[str] = []
        if sites is not None:
            sites = list(sites)
            sql += f" WHERE site IN ({', '.join('?' * len(sites))})"
            params = sites
        return {url: when or "" for url, when in self.db.execute(sql, params)}

    def known_pages(self, sites: Iterable[str] | None = None) -> set[str]:
        """URLs seen before that are not articles (listings, tag pages, 'about' pages, ...)."""
        sql = "SELECT url FROM pages"
        params: list[str] = []
        if sites is not None:
            sites = list(sites)
            sql += f" WHERE site IN ({', '.join('?' * len(sites))})"
            params = sites
        return {url for (url,) in self.db.execute(sql, params)}

    def add_pages(self, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = [dict(r) for r in rows]
        if not rows:
            return
        now = utcnow()
        with self._writing():
            for row in rows:
                self.db.execute(
                    "INSERT INTO pages (url, site, kind, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen",
                    (row["url"], row.get("site"), row.get("kind", "listing"), now, now),
                )

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """Stored (ETag, Last-Modified) of a feed or sitemap URL, for a conditional GET."""
        row = self.db.execute("SELECT etag, last_modified FROM http_cache WHERE url = ?", [url]).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_validators(self, url: str, site: str | None, etag: str | None, last_modified: str | None) -> None:
        with self._writing():
            self.db["http_cache"].insert(
                {
                    "url": url,
                    "site": site,
                    "etag": etag,
                    "last_modified": last_modified,
                    "checked_at": utcnow(),
                },
                replace=True,
            )

    # -- articles ----------------------------------------------------------------------------------

    def write_articles(self, records: Iterable[Mapping[str, Any]], crawl_id: int | None) -> list[str]:
        """Store a batch of article records in one transaction; return "new", "updated" or "unchanged"
        for each. Each record is a dict of `Article` fields plus site, country, issuer, fetched_at;
        `canonical_url` is the key."""
        outcomes: list[str] = []
        with self._writing():
            for record in records:
                with self.db.atomic():  # savepoint: this article entirely, or not at all
                    outcomes.append(self._write_article(dict(record), crawl_id))
        return outcomes

    def _write_article(self, record: dict[str, Any], crawl_id: int | None) -> str:
        key = record.get("canonical_url") or record.get("url")
        if not key:
            raise ArchiveError("article record without url")
        record["canonical_url"] = key
        if not record.get("content_hash"):
            digest = hashlib.sha256(f"{record.get('title') or ''}\n{record.get('text') or ''}".encode())
            record["content_hash"] = digest.hexdigest()
        fetched_at = record.get("fetched_at") or utcnow()
        for col in JSON_LIST_COLUMNS:
            if isinstance(record.get(col), list | tuple):
                record[col] = json.dumps(list(record[col]), ensure_ascii=False)
        if isinstance(record.get("timezone_assumed"), bool):
            record["timezone_assumed"] = int(record["timezone_assumed"])
        existing = self.db.execute("SELECT content_hash FROM articles WHERE canonical_url = ?", [key]).fetchone()
        table = self.db["articles"]
        if existing is None:
            record.update(fetched_at=fetched_at, first_seen=fetched_at, last_checked=fetched_at, crawl_id=crawl_id)
            table.insert({k: v for k, v in record.items() if not _is_empty(v) or k in ("text",)}, alter=True)
            return "new"
        if existing[0] == record["content_hash"]:
            table.update(key, {"last_checked": fetched_at})
            return "unchanged"
        updates = {
            k: v
            for k, v in record.items()
            if k not in ("canonical_url", "first_seen") and not _is_empty(v) and v != "[]"
        }
        updates.update(fetched_at=fetched_at, last_checked=fetched_at, crawl_id=crawl_id)
        table.update(key, updates, alter=True)
        return "updated"

    # -- helpers -----------------------------------------------------------------------------------

    def _writing(self) -> Any:
        return _WriteGuard(self)

    def count(self, table: str) -> int:
        return self.db[table].count if self.db[table].exists() else 0


class _WriteGuard:
    """`with db.atomic()` that turns SQLite errors into ArchiveError."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self._cm: Any = None

    def __enter__(self) -> sqlite_utils.Database:
        try:
            self._cm = self.archive.db.atomic()
            return self._cm.__enter__()
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.archive.path}: cannot write: {exc}") from exc

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        try:
            self._cm.__exit__(exc_type, exc, tb)
        except sqlite3.Error as err:
            raise ArchiveError(f"{self.archive.path}: cannot write: {err}") from err
        if isinstance(exc, sqlite3.Error):
            raise ArchiveError(f"{self.archive.path}: cannot write: {exc}") from exc
        return False


def get_archive(crawler: Any) -> Archive:
    """The crawl's one `Archive` (opened from the ARCHIVE_DB setting on first use and shared by the
    spider, the pipeline and the extensions)."""
    archive = getattr(crawler, "_diplomatic_archive", None)
    if archive is None:
        archive = Archive(crawler.settings.get("ARCHIVE_DB") or "output/archive.db")
        crawler._diplomatic_archive = archive
    return archive
