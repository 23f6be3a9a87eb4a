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
import os
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .article_events import ArticleEvent, StatusAnswer, Withdrawal, clear_withdrawn
from .captures import store_capture
from .changes import keep_summary
from .enrich.hooks import ArchiveEnricher, enrich_record
from .export.schema import JSON_LIST_COLUMNS, utc_instant
from .ids import article_id
from .migrations import ARTICLE_COLUMNS, HEALTH_COUNTERS, MIGRATIONS, SCHEMA_VERSION
from .readonly import ArchiveError, connect_read_only, open_problem, placeholders
from .versions import keep_previous

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: a killed run keeps its status "running"
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "ARTICLE_COLUMNS",
    "COUNTERS",
    "Archive",
    "ArchiveError",
    "connect_read_only",
    "get_archive",
    "open_problem",
    "utcnow",
]

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
    "extraction_failed",  # over the extraction time/size budget, or the worker crashed (migration 40)
    *HEALTH_COUNTERS,  # responses, status_403/429/5xx, empty_text, short_text (migration 50)
)
INTERRUPTED = "interrupted"  # status of a run whose process died without recording its end


def utcnow() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


class Archive:
    """An open archive database. Use as a context manager or call `close()`."""

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 30_000, check: bool = False):
        self.path = Path(path)
        self._crawl_locks: dict[int, int] = {}  # crawl id -> descriptor of its lock file (held while it runs)
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite_utils.Database(str(self.path))
            self.db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if check:
                # Before anything writes to the file (even switching to WAL rewrites its header): a
                # damaged archive is reported and left exactly as it is.
                self._check_integrity()
            if str(self.path) != ":memory:":
                self.db.enable_wal()
                # WAL with synchronous=NORMAL: a commit is in the WAL file once COMMIT returns, so a killed
                # crawl loses nothing it committed and the file never tears; only a power cut or OS crash
                # can undo the last commits (never corrupt). FULL would fsync on every batch.
                self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.migrate()
            # Prove we can write (a read-only file or directory fails here, before the crawl starts).
            with self.db.atomic():
                self.db.execute("UPDATE migrations SET version = version WHERE 0")
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS _probe (x)")
        except (sqlite3.Error, OSError) as exc:
            problem = open_problem(self.path, exc, writing=True)
            raise ArchiveError(problem or f"{self.path}: cannot open archive: {exc}") from exc

    def _check_integrity(self) -> None:
        """`PRAGMA quick_check` (reads every page once; no index cross-check): raise `ArchiveError` for a
        damaged file instead of crawling into it."""
        try:
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check(5)").fetchall()]
        except sqlite3.DatabaseError as exc:
            if (problem := open_problem(self.path, exc, writing=True)) is not None:
                self.close()  # not damaged: not SQLite at all, or in a place that cannot be written
                raise ArchiveError(problem) from exc
            problems = [str(exc)]
        if problems != ["ok"]:
            self.close()
            raise ArchiveError(
                f"{self.path}: the archive is damaged ({'; '.join(problems)}); it was not modified."
                " Restore a backup, or recover the rows with: sqlite3 damaged.db .recover | sqlite3 new.db"
            )

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        for fd in self._crawl_locks.values():  # a run not finished stays locked until here: then "interrupted"
            with contextlib.suppress(OSError):
                os.close(fd)
        self._crawl_locks.clear()
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
        """Record a new run as "running" and hold its lock file while it runs (see `_interrupted`); runs
        left "running" by a process that died are recorded as "interrupted" first."""
        with self.write_transaction():
            interrupted = self._mark_interrupted()
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
            crawl_id = int(table.last_pk)
            # Locked inside the transaction that adds the row: no other process sees the row unlocked.
            self._lock_crawl(crawl_id)
        for old_id, started, counts in interrupted:
            known = "; ".join(f"{site}: {c['new']} new, {c['updated']} updated" for site, c in counts.items())
            logger.warning(
                "Crawl %d (started %s) did not finish: its process was killed. Recorded as %s; it had committed %s",
                old_id,
                started,
                INTERRUPTED,
                known or "no article",
            )
        return crawl_id

    def finish_crawl(self, crawl_id: int, status: str, counts: Mapping[str, Mapping[str, int]]) -> None:
        with self.write_transaction():
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
        self._unlock_crawl(crawl_id, remove=True)

    # A running crawl holds an exclusive flock on `<archive>.crawl-<id>.lock` for its lifetime; the kernel
    # releases it when the process ends, however it ends (SIGKILL, OOM killer, power cut). A "running" row
    # whose lock can be taken, or whose file is missing (a run of an older version), belongs to a process
    # that is gone. A pid would not do: pids are reused (a container's crawl is often pid 1 every time).

    def _lock_path(self, crawl_id: int) -> Path:
        return self.path.with_name(f"{self.path.name}.crawl-{crawl_id}.lock")

    def _locks_usable(self) -> bool:
        return fcntl is not None and str(self.path) != ":memory:"

    def _lock_crawl(self, crawl_id: int) -> None:
        if not self._locks_usable():
            return
        try:
            fd = os.open(self._lock_path(crawl_id), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            logger.warning("No lock file for crawl %d (%s): a killed run stays 'running'", crawl_id, exc)
            return
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a fresh id: nobody else holds it
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for people looking at the file
        self._crawl_locks[crawl_id] = fd

    def _unlock_crawl(self, crawl_id: int, *, remove: bool) -> None:
        fd = self._crawl_locks.pop(crawl_id, None)
        if fd is None:
            return
        if remove:
            with contextlib.suppress(OSError):
                self._lock_path(crawl_id).unlink()
        with contextlib.suppress(OSError):
            os.close(fd)

    def _owner_gone(self, crawl_id: int) -> bool:
        try:
            fd = os.open(self._lock_path(crawl_id), os.O_RDWR)
        except FileNotFoundError:
            return True
        except OSError:
            return False  # cannot tell
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # held: the run is alive
        finally:
            os.close(fd)  # closing releases a lock just taken
        return True

    def _mark_interrupted(self) -> list[tuple[int, str, dict[str, dict[str, int]]]]:
        """Inside a write transaction: record the runs left "running" by a dead process as interrupted,
        with the per-site counts the archive still knows (articles it committed as new or updated)."""
        if not self._locks_usable():
            return []
        found = []
        rows = self.db.execute("SELECT id, started FROM crawls WHERE status = 'running'").fetchall()
        for crawl_id, started in rows:
            if crawl_id in self._crawl_locks or not self._owner_gone(crawl_id):
                continue
            counts: dict[str, dict[str, int]] = {}
            for site, new, updated in self.db.execute(
                "SELECT site, sum(first_seen = fetched_at), sum(first_seen != fetched_at) FROM articles"
                " WHERE crawl_id = ? GROUP BY site",
                [crawl_id],
            ):
                counts[site] = {"new": int(new or 0), "updated": int(updated or 0)}
            self.db.execute(
                "UPDATE crawls SET status = ?, sites = ? WHERE id = ?",
                [INTERRUPTED, json.dumps(counts, sort_keys=True), crawl_id],
            )
            with contextlib.suppress(OSError):
                self._lock_path(crawl_id).unlink()
            found.append((int(crawl_id), str(started), counts))
        return found

    # -- what we already know ----------------------------------------------------------------------

    def known_articles(self, sites: Iterable[str] | None = None) -> dict[str, str]:
        """Canonical URL -> when it was last fetched or checked (ISO UTC), for the given sites."""
        sql = "SELECT canonical_url, coalesce(last_checked, fetched_at) FROM articles"
        params: list[str] = []
        if sites is not None:
            sites = list(sites)
            sql += f" WHERE site IN ({placeholders(len(sites))})"
            params = sites
        return {url: when or "" for url, when in self.db.execute(sql, params)}

    def known_pages(self, sites: Iterable[str] | None = None) -> set[str]:
        """URLs seen before that are not articles (listings, tag pages, 'about' pages, ...)."""
        sql = "SELECT url FROM pages"
        params: list[str] = []
        if sites is not None:
            sites = list(sites)
            sql += f" WHERE site IN ({placeholders(len(sites))})"
            params = sites
        return {url for (url,) in self.db.execute(sql, params)}

    def alias_pages(self, sites: Iterable[str]) -> set[str]:
        """URLs seen before as copies of another page (a tracking or print address whose rel=canonical, or
        redirect, names the archived article), for `sites`."""
        sites = list(sites)
        sql = f"SELECT url FROM pages WHERE kind = 'alias' AND site IN ({placeholders(len(sites))})"
        return {url for (url,) in self.db.execute(sql, sites)}

    def add_pages(self, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = [dict(r) for r in rows]
        if not rows:
            return
        now = utcnow()
        with self.write_transaction():
            for row in rows:
                self.db.execute(
                    "INSERT INTO pages (url, site, kind, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen",
                    (row["url"], row.get("site"), row.get("kind", "listing"), now, now),
                )

    def url_patterns(self, sites: Iterable[str]) -> dict[tuple[str, str], dict[str, Any]]:
        """(site, pattern) -> pages, articles, trapped: what earlier crawls learnt (`traps.TrapGuard`)."""
        sites = list(sites)
        sql = (
            "SELECT site, pattern, pages, articles, trapped FROM url_patterns"
            f" WHERE site IN ({placeholders(len(sites))})"
        )
        return {
            (site, pattern): {"pages": pages, "articles": articles, "trapped": trapped}
            for site, pattern, pages, articles, trapped in self.db.execute(sql, sites)
        }

    def save_url_patterns(self, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = [{**r, "updated": utcnow()} for r in rows]
        if rows:
            with self.write_transaction():
                self.db["url_patterns"].insert_all(rows, pk=("site", "pattern"), replace=True)

    def save_seed_files(self, seeds: Iterable[Any]) -> None:
        """Keep the text of each seed file a crawl runs with (`seed_files`, by its hash: once per version)."""
        rows = [
            {"seed_hash": s.file_hash, "site": s.name, "toml": s.text, "path": s.path, "first_used": utcnow()}
            for s in seeds
            if s.file_hash and s.text is not None
        ]
        if rows:
            with self.write_transaction():
                self.db["seed_files"].insert_all(rows, pk="seed_hash", ignore=True)

    def seed_files(self) -> dict[str, tuple[str, str]]:
        """seed_hash -> (site, TOML text) of every seed file archived crawls ran with."""
        if not self.db["seed_files"].exists():
            return {}
        return {h: (site, toml) for h, site, toml in self.db.execute("SELECT seed_hash, site, toml FROM seed_files")}

    SIGNALS = ("lastmod", "feed_updated", "etag", "last_modified")

    def article_signals(self, sites: Iterable[str]) -> dict[str, dict[str, str | None]]:
        """canonical URL -> what discovery and the page last said of it (`SIGNALS`), for `sites`."""
        sites = list(sites)
        sql = (
            f"SELECT canonical_url, {', '.join(self.SIGNALS)} FROM article_signals"
            f" WHERE site IN ({placeholders(len(sites))})"
        )
        return {row[0]: dict(zip(self.SIGNALS, row[1:], strict=True)) for row in self.db.execute(sql, sites)}

    def save_article_signals(self, rows: Mapping[str, Mapping[str, Any]]) -> None:
        """Upsert signals (canonical URL -> site and any of `SIGNALS`); a signal not given is kept."""
        if not rows:
            return
        now = utcnow()
        cols = ", ".join(self.SIGNALS)
        updates = ", ".join(f"{c} = coalesce(excluded.{c}, {c})" for c in self.SIGNALS)
        with self.write_transaction():
            for url, row in rows.items():
                self.db.execute(
                    f"INSERT INTO article_signals (canonical_url, site, {cols}, updated)"
                    f" VALUES (?, ?, {placeholders(len(self.SIGNALS))}, ?)"
                    f" ON CONFLICT(canonical_url) DO UPDATE SET {updates}, updated = excluded.updated",
                    [url, row.get("site"), *(row.get(c) for c in self.SIGNALS), now],
                )

    def newest_articles(self, site: str, count: int) -> list[tuple[str, str]]:
        """(canonical_url, url) of a site's `count` newest archived articles (not withdrawn)."""
        return list(
            self.db.execute(
                "SELECT canonical_url, url FROM articles WHERE site = ? AND withdrawn_at IS NULL"
                " ORDER BY coalesce(published, first_seen) DESC LIMIT ?",
                [site, count],
            )
        )

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """Stored (ETag, Last-Modified) of a feed or sitemap URL, for a conditional GET."""
        row = self.db.execute("SELECT etag, last_modified FROM http_cache WHERE url = ?", [url]).fetchone()
        return (row[0], row[1]) if row else (None, None)

    # A crawl defers validators to its clean end (`commit_validators`): if it is killed or stops on an
    # error, the next run must not get 304 for a sitemap whose articles were never archived.
    defer_validators = False

    def save_validators(self, url: str, site: str | None, etag: str | None, last_modified: str | None) -> None:
        row = {"url": url, "site": site, "etag": etag, "last_modified": last_modified, "checked_at": utcnow()}
        if self.defer_validators:
            self.__dict__.setdefault("_pending_validators", {})[url] = row
            return
        with self.write_transaction():
            self.db["http_cache"].insert(row, replace=True)

    def commit_validators(self) -> int:
        """Write the validators deferred by a crawl (called when it ends cleanly); return how many."""
        rows = list(self.__dict__.pop("_pending_validators", {}).values())
        if rows:
            with self.write_transaction():
                self.db["http_cache"].insert_all(rows, pk="url", replace=True)
        return len(rows)

    # -- articles ----------------------------------------------------------------------------------

    def write_articles(
        self, records: Iterable[Mapping[str, Any]], crawl_id: int | None, *, revise: bool = False
    ) -> list[str]:
        """Store a batch of article records in one transaction; return "new", "updated" or "unchanged"
        for each. Each record is a dict of `Article` fields plus site, country, issuer, fetched_at;
        `canonical_url` is the key. A record's `_capture` (the raw response, `captures.Capture`) is stored
        in the same savepoint. `revise` (re-extraction) updates a row even when its text hash is the same,
        keeping the previous version like any other change."""
        with self.write_transaction():
            return [self._write_record(record, crawl_id, revise) for record in records]

    def write_batch(
        self, entries: Iterable[Mapping[str, Any] | ArticleEvent], crawl_id: int | None
    ) -> list[str | None]:
        """A crawl's batch in one transaction, in the order given: article records (as `write_articles`,
        outcome "new", "updated" or "unchanged") and article events (`article_events`: a status answer,
        outcome None; a withdrawal, outcome "withdrawn" when it marked its article, else None)."""
        outcomes: list[str | None] = []
        with self.write_transaction():
            for entry in entries:
                if isinstance(entry, StatusAnswer | Withdrawal):
                    outcomes.append(entry.apply(self.db))
                else:
                    outcomes.append(self._write_record(entry, crawl_id, False))
        return outcomes

    def _write_record(self, record: Mapping[str, Any], crawl_id: int | None, revise: bool) -> str:
        with self.db.atomic():  # savepoint: this article entirely, or not at all
            # Enrichments (diplomatic_crawler.enrich): doc_type, countries before the write;
            # near-duplicate cluster and statement group after it, in the same savepoint.
            record = enrich_record(dict(record))
            row = {k: v for k, v in record.items() if not k.startswith("_")}  # "_minhash": index only
            # `_revise`: an article read again in the same run to correct its date (site_stamps.py)
            outcome = self._write_article(row, crawl_id, revise=revise or bool(record.get("_revise")))
            self._enricher().after_write(record, outcome)
            self._record_fetch(record, row["canonical_url"], crawl_id, fetched=not revise)
            return outcome

    def _enricher(self) -> ArchiveEnricher:
        enricher = getattr(self, "_enricher_cache", None)
        if enricher is None:
            enricher = self._enricher_cache = ArchiveEnricher(self.db)
        return enricher

    def _record_fetch(self, record: Mapping[str, Any], key: str, crawl_id: int | None, fetched: bool) -> None:
        """The archive as a record: the raw capture, and a withdrawn article that answered again (only a
        fresh fetch restores it, never a re-extraction of an old capture)."""
        if (capture := record.get("_capture")) is not None:
            store_capture(self.db, capture, key, record.get("site"), crawl_id)
        if fetched:
            clear_withdrawn(self.db, key, utcnow(), record.get("url"), crawl_id)

    def _write_article(self, record: dict[str, Any], crawl_id: int | None, revise: bool = False) -> str:
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
        record["published_utc"] = utc_instant(record.get("published"))  # migration 95
        existing = self.db.execute("SELECT content_hash FROM articles WHERE canonical_url = ?", [key]).fetchone()
        if existing is None:
            record.update(fetched_at=fetched_at, first_seen=fetched_at, last_checked=fetched_at, crawl_id=crawl_id)
            record["article_id"] = article_id(key)  # stable id for exports (migration 2)
            self._insert_article({k: v for k, v in record.items() if not _is_empty(v) or k in ("text",)})
            return "new"
        if existing[0] == record["content_hash"] and not revise:
            self.db.execute("UPDATE articles SET last_checked = ? WHERE canonical_url = ?", [fetched_at, key])
            return "unchanged"
        updates = {
            k: v
            for k, v in record.items()
            if k not in ("canonical_url", "first_seen") and not _is_empty(v) and v != "[]"
        }
        updates.update(fetched_at=fetched_at, last_checked=fetched_at, crawl_id=crawl_id)
        if updates.get("published"):  # a new date replaces the instant, NULL (a day) included
            updates["published_utc"] = record["published_utc"]
            self._keep_precise_date(key, updates)
        version = keep_previous(self.db, key, utcnow())  # article_versions: the row as it was (versions.py)
        self._update_article(key, updates)
        if version is not None:  # the word summary `changes` reports, from both rows as stored (migration 99)
            keep_summary(self.db, key, version)
        return "updated"

    _PUBLISHED_FIELDS = (
        "published",
        "published_utc",
        "published_raw",
        "published_source",
        "published_precision",
        "published_calendar",
        "timezone_assumed",
    )

    def _keep_precise_date(self, key: str, updates: dict[str, Any]) -> None:
        """An edited page that only yields the day (say, from its URL) of a publication time stored to
        the minute keeps the stored, more precise value; a different day replaces it."""
        row = self.db.execute("SELECT published FROM articles WHERE canonical_url = ?", [key]).fetchone()
        stored, new = (row[0] if row else None) or "", str(updates["published"])
        if len(new) == 10 and len(stored) > 10 and stored[:10] == new:
            for name in self._PUBLISHED_FIELDS:
                updates.pop(name, None)

    # Rows are written with plain SQL against the column set read once per connection: no schema lookup
    # per article (sqlite-utils' `alter=True` reads the table's columns on every call).

    def _article_columns(self, row: Mapping[str, Any]) -> None:
        """Make sure `articles` has a column for every key of `row` (a record field newer than the schema
        gets one); the known columns are cached, so this is a set lookup per key."""
        columns = getattr(self, "_columns_cache", None)
        if columns is None:
            columns = self._columns_cache = set(self.db["articles"].columns_dict)
        missing = [k for k in row if k not in columns]
        for name in missing:
            value = row[name]
            self.db["articles"].add_column(name, type(value) if value is not None else str)
            columns.add(name)

    def _insert_article(self, row: Mapping[str, Any]) -> None:
        self._article_columns(row)
        names = ", ".join(f"[{k}]" for k in row)
        self.db.execute(f"INSERT INTO articles ({names}) VALUES ({placeholders(len(row))})", list(row.values()))

    def _update_article(self, key: str, updates: Mapping[str, Any]) -> None:
        self._article_columns(updates)
        assignments = ", ".join(f"[{k}] = ?" for k in updates)
        self.db.execute(f"UPDATE articles SET {assignments} WHERE canonical_url = ?", [*updates.values(), key])

    # -- helpers -----------------------------------------------------------------------------------

    def write_transaction(self) -> _WriteTransaction:
        """The archive's one way to write: `with archive.write_transaction() as db:` runs its statements in
        one transaction that takes the write lock at BEGIN (`BEGIN IMMEDIATE`, waiting up to the busy
        timeout for another writer) and commits on exit, or rolls back on an exception; inside another
        write transaction it is a savepoint. SQLite errors come out as `ArchiveError`."""
        return _WriteTransaction(self)

    def count(self, table: str) -> int:
        return self.db[table].count if self.db[table].exists() else 0


class _WriteTransaction:
    """`Archive.write_transaction()`: `with db.atomic()` in a `BEGIN IMMEDIATE` transaction, SQLite errors as
    ArchiveError."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self._cm: Any = None

    def __enter__(self) -> sqlite_utils.Database:
        db = self.archive.db
        try:
            self._outer = not db.conn.in_transaction
            if self._outer:
                # Take the write lock at BEGIN (waiting up to busy_timeout if another crawl is writing).
                # A deferred transaction that reads first fails at once with "database is locked" when
                # another process commits before it writes (WAL snapshot upgrade), busy timeout or not.
                db.execute("BEGIN IMMEDIATE")
            self._cm = db.atomic()  # a savepoint inside our transaction
            return self._cm.__enter__()
        except sqlite3.Error as exc:
            if self._outer and db.conn.in_transaction:
                db.conn.rollback()
            raise ArchiveError(f"{self.archive.path}: cannot write: {exc}") from exc

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        db = self.archive.db
        try:
            self._cm.__exit__(exc_type, exc, tb)
            if self._outer and db.conn.in_transaction:
                if exc_type is None:
                    db.execute("COMMIT")
                else:
                    db.conn.rollback()
        except sqlite3.Error as err:
            if self._outer and db.conn.in_transaction:
                db.conn.rollback()
            raise ArchiveError(f"{self.archive.path}: cannot write: {err}") from err
        if isinstance(exc, sqlite3.Error):
            raise ArchiveError(f"{self.archive.path}: cannot write: {exc}") from exc
        return False


def get_archive(crawler: Any) -> Archive:
    """The crawl's one `Archive` (opened from the ARCHIVE_DB setting on first use and shared by the
    spider, the pipeline and the extensions)."""
    archive = getattr(crawler, "_diplomatic_archive", None)
    if archive is None:
        archive = Archive(
            crawler.settings.get("ARCHIVE_DB") or "output/archive.db",
            check=crawler.settings.getbool("ARCHIVE_CHECK_ON_OPEN", True),
        )
        archive.defer_validators = True
        crawler._diplomatic_archive = archive
    return archive
