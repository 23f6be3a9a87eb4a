"""Merge worker shards (distributed mode writes `output/shards/<worker>.db`) into one archive.

    diplomatic-crawler merge output/shards/*.db -o output/archive.db

Idempotent: merging the same shards again, in any order, changes nothing. Per canonical URL the newest
fetch wins; the content it replaces (or an older shard's different content), and the earlier states each
shard kept in its own `article_versions`, are kept in `article_versions` once per content hash (with the
earliest fetch of that content), numbered in the order they were fetched; `first_seen` is the earliest
and `last_checked` the latest of all copies; values are never overwritten with NULL. Crawl rows are copied
once per shard crawl (`merge_sources` remembers which), with their `crawl_sites` counters; raw captures,
withdrawal events, non-article pages and HTTP validators are combined. Each shard is merged in one
transaction: a failure leaves the archive as it was before that shard.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .archive import Archive, ArchiveError, connect_read_only, utcnow
from .enrich.clusters import Signature, index_buckets
from .export.schema import utc_instant
from .migrations import SCHEMA_VERSION
from .progress import Progress
from .readonly import placeholders

logger = logging.getLogger(__name__)

CONTENT_KEEP = ("fetched_at", "content_hash", "title", "text", "published", "extractor_version", "crawl_id")


class MergeError(ArchiveError):
    """A shard cannot be merged (missing, not an archive, newer schema, or the target itself)."""


@dataclass
class MergeReport:
    shards: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    versions: int = 0
    crawls: int = 0

    def __str__(self) -> str:
        return (
            f"{self.shards} shard(s): {self.new} new, {self.updated} updated, {self.unchanged} unchanged"
            f" article(s), {self.versions} older version(s) kept, {self.crawls} crawl(s) added"
        )


def merge_shards(shards: Iterable[str | Path], target: str | Path, *, progress: Progress | None = None) -> MergeReport:
    """Merge every shard into `target` (created if missing); return what changed. With `progress`, its line
    counts the shards' articles merged."""
    report = MergeReport()
    target = Path(target)
    paths = [Path(s) for s in shards]
    total = sum(_check_shard(path, target) for path in paths)  # every shard is checked before anything is written
    if progress is not None:
        progress.start(total)
    with Archive(target) as archive:
        for path in paths:
            with _open_shard(path) as shard, archive.write_transaction():
                _merge_one(archive.db.conn, shard, path.stem, report, progress)
            report.shards += 1
            logger.info("merged %s into %s", path, target)
    return report


def _check_shard(path: Path, target: Path) -> int:
    """The shard's number of articles, once it is known to be a shard that can be merged into `target`."""
    if not path.is_file():
        raise MergeError(f"{path}: no such shard")
    if target.exists() and path.resolve() == target.resolve():
        raise MergeError(f"{path}: is the merge target itself")
    with _open_shard(path) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"articles", "crawls", "migrations"} <= tables:
            raise MergeError(f"{path}: not a diplomatic-crawler archive (no articles, crawls or migrations table)")
        version = conn.execute("SELECT max(version) FROM migrations").fetchone()[0] or 0
        if version > SCHEMA_VERSION:
            raise MergeError(f"{path}: schema version {version} is newer than this program ({SCHEMA_VERSION})")
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


class _open_shard:
    """A read-only connection to a shard (a running worker may still be writing it: WAL gives a snapshot;
    a shard copied to a read-only place is read there too, see `connect_read_only`)."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.conn = connect_read_only(self.path)
        except ArchiveError as exc:
            raise MergeError(str(exc).replace("no such archive", "no such shard")) from exc
        self.conn.row_factory = sqlite3.Row
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]


def _merge_one(
    db: sqlite3.Connection, shard: sqlite3.Connection, name: str, report: MergeReport, progress: Progress | None
) -> None:
    crawl_ids = _merge_crawls(db, shard, name, report)
    touched: set[str] = set()  # articles whose versions changed here: renumbered in time order
    _merge_articles(db, shard, crawl_ids, report, touched, progress)
    _merge_versions(db, shard, crawl_ids, report, touched)
    _renumber_versions(db, touched)
    _merge_pages(db, shard)
    _merge_enrichment_tables(db, shard)
    _merge_record_tables(db, shard, crawl_ids)


def _merge_crawls(db: sqlite3.Connection, shard: sqlite3.Connection, name: str, report: MergeReport) -> dict[int, int]:
    """Copy the shard's crawl rows once (a shard merged again, or mid-run, updates them) -> id mapping."""
    mapping: dict[int, int] = {}
    for row in shard.execute("SELECT id, started, finished, status, args, sites FROM crawls ORDER BY id"):
        values = (row["started"], row["finished"], row["status"], row["args"], row["sites"])
        known = db.execute(
            "SELECT crawl_id FROM merge_sources WHERE shard = ? AND shard_crawl_id = ?", (name, row["id"])
        ).fetchone()
        if known:
            crawl_id = known[0]
            db.execute(
                "UPDATE crawls SET started = ?, finished = ?, status = ?, args = ?, sites = ? WHERE id = ?",
                (*values, crawl_id),
            )
        else:
            cursor = db.execute(
                "INSERT INTO crawls (started, finished, status, args, sites) VALUES (?, ?, ?, ?, ?)", values
            )
            crawl_id = int(cursor.lastrowid)
            db.execute(
                "INSERT INTO merge_sources (shard, shard_crawl_id, crawl_id, merged_at) VALUES (?, ?, ?, ?)",
                (name, row["id"], crawl_id, utcnow()),
            )
            report.crawls += 1
        mapping[row["id"]] = crawl_id
    target_cols = set(_columns(db, "crawl_sites"))
    cols = [c for c in _columns(shard, "crawl_sites") if c in target_cols]
    for row in shard.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM crawl_sites"):
        values = dict(zip(cols, row, strict=True))
        values["crawl_id"] = mapping.get(values["crawl_id"], values["crawl_id"])
        names = ", ".join(f"[{c}]" for c in values)
        db.execute(
            f"INSERT OR REPLACE INTO crawl_sites ({names}) VALUES ({placeholders(len(values))})",
            list(values.values()),
        )
    return mapping


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == "[]"


def _merge_articles(
    db: sqlite3.Connection,
    shard: sqlite3.Connection,
    crawl_ids: Mapping[int, int],
    report: MergeReport,
    touched: set[str],
    progress: Progress | None = None,
) -> None:
    target_cols = set(_columns(db, "articles"))
    for col in _columns(shard, "articles"):  # a shard written by a newer worker may have more columns
        if col not in target_cols:
            db.execute(f"ALTER TABLE articles ADD COLUMN [{col}]")
            target_cols.add(col)
    rows: Iterable[sqlite3.Row] = shard.execute("SELECT * FROM articles")
    if progress is not None:
        rows = progress.iterate(rows)
    for shard_row in rows:
        row = dict(shard_row)
        if row.get("crawl_id") is not None:
            row["crawl_id"] = crawl_ids.get(row["crawl_id"], row["crawl_id"])
        key = row["canonical_url"]
        cursor = db.execute("SELECT * FROM articles WHERE canonical_url = ?", (key,))
        found = cursor.fetchone()
        if found is None:
            names = ", ".join(f"[{k}]" for k in row)
            db.execute(f"INSERT INTO articles ({names}) VALUES ({placeholders(len(row))})", list(row.values()))
            report.new += 1
            continue
        current = dict(zip([d[0] for d in cursor.description], found, strict=True))
        updates: dict[str, Any] = {}
        first = (
            min(x for x in (current.get("first_seen"), row.get("first_seen")) if x)
            if (current.get("first_seen") or row.get("first_seen"))
            else None
        )
        last = max((x for x in (current.get("last_checked"), row.get("last_checked")) if x), default=None)
        fixed = ("canonical_url", "first_seen", "last_checked", "fetched_at")
        fill = {k: v for k, v in row.items() if k not in fixed and _empty(current.get(k)) and not _empty(v)}
        if current.get("content_hash") == row.get("content_hash"):
            # The same content fetched twice: it was first fetched at the earlier time.
            fetched = min(x for x in (current.get("fetched_at"), row.get("fetched_at"), "9999") if x)
            updates.update(fill, fetched_at=fetched if fetched != "9999" else None)
        else:
            newer = (row.get("fetched_at") or "") > (current.get("fetched_at") or "")
            old, new = (current, row) if newer else (row, current)
            if _keep_version(db, old, superseded_at=new.get("fetched_at") or utcnow(), touched=touched):
                report.versions += 1
            if newer:  # the newer content wins; a NULL in it overwrites nothing
                updates.update({k: v for k, v in row.items() if k not in fixed[:3] and not _empty(v)})
            else:  # the older copy only fills in what the newer one lacks
                updates.update(fill)
        if first and first != current.get("first_seen"):
            updates["first_seen"] = first
        if last and last != current.get("last_checked"):
            updates["last_checked"] = last
        if "published_utc" in target_cols:  # the instant always goes with the date kept (NULL for a day)
            updates["published_utc"] = utc_instant(updates.get("published") or current.get("published"))
        updates = {k: v for k, v in updates.items() if current.get(k) != v}
        if updates:
            assignments = ", ".join(f"[{k}] = ?" for k in updates)
            db.execute(f"UPDATE articles SET {assignments} WHERE canonical_url = ?", [*updates.values(), key])
            report.updated += "content_hash" in updates
            report.unchanged += "content_hash" not in updates
        else:
            report.unchanged += 1


def _keep_version(db: sqlite3.Connection, row: Mapping[str, Any], *, superseded_at: str, touched: set[str]) -> bool:
    """Store `row`'s content as an older version unless that content is stored already."""
    values = {
        "canonical_url": row["canonical_url"],
        **{k: row.get(k) for k in CONTENT_KEEP},
        "superseded_at": superseded_at,
        "row": json.dumps(dict(row), ensure_ascii=False, sort_keys=True, default=str),
    }
    return _add_version(db, values, touched)


# Taken from the earliest copy of a version's content.
_EARLIEST = ("fetched_at", "published", "extractor_version", "crawl_id", "row")


def _add_version(db: sqlite3.Connection, values: dict[str, Any], touched: set[str]) -> bool:
    """Store one earlier state of an article (an `article_versions` row without its number) unless its
    content is stored already. Copies of the same content (two workers fetched it) become one version with
    the earliest fetch and the earliest supersession among them, so the result does not depend on the order
    in which shards are merged. Return whether a version was added."""
    key = values["canonical_url"]
    found = db.execute(
        "SELECT version, fetched_at, superseded_at FROM article_versions WHERE canonical_url = ? AND content_hash IS ?",
        (key, values.get("content_hash")),
    ).fetchone()
    if found is not None:
        number, fetched_at, superseded_at = found
        changes: dict[str, Any] = {}
        if values.get("fetched_at") and (fetched_at is None or values["fetched_at"] < fetched_at):
            changes.update({k: values.get(k) for k in _EARLIEST})
        if values["superseded_at"] < superseded_at:
            changes["superseded_at"] = values["superseded_at"]
        if changes:
            assignments = ", ".join(f"[{k}] = ?" for k in changes)
            db.execute(
                f"UPDATE article_versions SET {assignments} WHERE canonical_url = ? AND version = ?",
                [*changes.values(), key, number],
            )
            touched.add(key)
        return False
    (number,) = db.execute(
        "SELECT coalesce(max(version), 0) + 1 FROM article_versions WHERE canonical_url = ?", (key,)
    ).fetchone()
    values = {**values, "version": number}
    names = ", ".join(f"[{k}]" for k in values)
    db.execute(f"INSERT INTO article_versions ({names}) VALUES ({placeholders(len(values))})", list(values.values()))
    touched.add(key)
    return True


def _merge_versions(
    db: sqlite3.Connection,
    shard: sqlite3.Connection,
    crawl_ids: Mapping[int, int],
    report: MergeReport,
    touched: set[str],
) -> None:
    """The earlier states the shard itself kept (its articles changed between two of its crawls), with their
    crawl ids mapped like the articles'."""
    if "article_versions" not in _tables(shard):
        return
    have = set(_columns(db, "article_versions"))
    cols = [c for c in _columns(shard, "article_versions") if c != "version" and c in have]
    names = ", ".join(f"[{c}]" for c in cols)
    for shard_row in shard.execute(f"SELECT {names} FROM article_versions ORDER BY canonical_url, version"):
        values = dict(zip(cols, shard_row, strict=True))
        if values.get("crawl_id") is not None:
            values["crawl_id"] = crawl_ids.get(values["crawl_id"], values["crawl_id"])
        if values.get("row"):
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                row = json.loads(values["row"])
                if row.get("crawl_id") is not None:
                    row["crawl_id"] = crawl_ids.get(row["crawl_id"], row["crawl_id"])
                values["row"] = json.dumps(row, ensure_ascii=False, sort_keys=True)
        if _add_version(db, values, touched):
            report.versions += 1


def _renumber_versions(db: sqlite3.Connection, keys: Iterable[str]) -> None:
    """Number each article's versions 1, 2, ... in the order their content was fetched (`history` lists
    them by number)."""
    summaries = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'revision_summaries'"
    ).fetchone()
    for key in keys:
        numbers = [
            n
            for (n,) in db.execute(
                "SELECT version FROM article_versions WHERE canonical_url = ?"
                " ORDER BY fetched_at IS NULL, fetched_at, superseded_at, version",
                (key,),
            )
        ]
        if numbers == list(range(1, len(numbers) + 1)):
            continue
        # Stored word summaries are keyed by version number: renumbered, they would name other pairs (their
        # hash check misses pairs of versions with the same text). The export computes them again instead.
        if summaries:
            db.execute("DELETE FROM revision_summaries WHERE canonical_url = ?", (key,))
        db.execute("UPDATE article_versions SET version = -version WHERE canonical_url = ?", (key,))
        for new, old in enumerate(numbers, 1):
            db.execute(
                "UPDATE article_versions SET version = ? WHERE canonical_url = ? AND version = ?", (new, key, -old)
            )


def _merge_pages(db: sqlite3.Connection, shard: sqlite3.Connection) -> None:
    for row in shard.execute("SELECT url, site, kind, first_seen, last_seen FROM pages"):
        db.execute(
            "INSERT INTO pages (url, site, kind, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET"
            " kind = CASE WHEN excluded.last_seen > pages.last_seen THEN excluded.kind ELSE pages.kind END,"
            " first_seen = min(pages.first_seen, excluded.first_seen),"
            " last_seen = max(pages.last_seen, excluded.last_seen)",
            tuple(row),
        )
    for row in shard.execute("SELECT url, site, etag, last_modified, checked_at FROM http_cache"):
        db.execute(
            "INSERT INTO http_cache (url, site, etag, last_modified, checked_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET site = excluded.site, etag = excluded.etag,"
            " last_modified = excluded.last_modified, checked_at = excluded.checked_at"
            " WHERE excluded.checked_at > http_cache.checked_at",
            tuple(row),
        )


def _merge_enrichment_tables(db: sqlite3.Connection, shard: sqlite3.Connection) -> None:
    """Near-duplicate signatures and declared translations: keyed by URL, identical in every shard that
    holds the same content, so the first copy stays (INSERT OR IGNORE). A signature gets this archive's
    own id and LSH buckets (ids are per archive)."""
    have = _tables(shard) & _tables(db)
    if "minhash" in have:
        for key, blob, size in shard.execute("SELECT canonical_url, signature, shingles FROM minhash"):
            cursor = db.execute(
                "INSERT OR IGNORE INTO minhash (canonical_url, shingles, signature) VALUES (?, ?, ?)", (key, size, blob)
            )
            if cursor.rowcount == 1:
                index_buckets(db, cursor.lastrowid, Signature.from_blob(blob, size))
    for table in ("language_links", "statement_members", "seed_files"):
        if table not in have:
            continue
        cols = [c for c in _columns(shard, table) if c in set(_columns(db, table))]
        names = ", ".join(f"[{c}]" for c in cols)
        marks = placeholders(len(cols))
        db.executemany(
            f"INSERT OR IGNORE INTO [{table}] ({names}) VALUES ({marks})",
            (tuple(r) for r in shard.execute(f"SELECT {names} FROM [{table}]")),
        )


# What makes a row of these tables the same row in two archives (their ids are per archive).
_RECORD_KEYS = {
    "captures": ("canonical_url", "fetched_at", "sha256"),
    "article_events": ("canonical_url", "at", "event"),
}


def _merge_record_tables(db: sqlite3.Connection, shard: sqlite3.Connection, crawl_ids: Mapping[int, int]) -> None:
    """Raw captures and withdrawal events (see `captures`, `withdrawals`), so `reextract` and `history` work
    on the merged archive: bodies are content-addressed (INSERT OR IGNORE by SHA-256); a capture or an event
    is copied once (the same URL, time and body or event is already there after an earlier merge), with its
    crawl id mapped like the articles'. WARC captures keep pointing at the shard's WARC file (absolute path)."""
    have = _tables(shard) & _tables(db)
    if "capture_bodies" in have:
        db.executemany(
            "INSERT OR IGNORE INTO capture_bodies (sha256, codec, raw_size, stored_size, data) VALUES (?, ?, ?, ?, ?)",
            (tuple(r) for r in shard.execute("SELECT sha256, codec, raw_size, stored_size, data FROM capture_bodies")),
        )
    for table, same in _RECORD_KEYS.items():
        if table not in have:
            continue
        cols = [c for c in _columns(shard, table) if c != "id" and c in set(_columns(db, table))]
        match = " AND ".join(f"[{c}] IS ?" for c in same)
        for shard_row in shard.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{table}] ORDER BY id"):
            row = dict(zip(cols, shard_row, strict=True))
            if row.get("crawl_id") is not None:
                row["crawl_id"] = crawl_ids.get(row["crawl_id"], row["crawl_id"])
            if db.execute(f"SELECT 1 FROM [{table}] WHERE {match}", [row[c] for c in same]).fetchone():
                continue
            names = ", ".join(f"[{c}]" for c in row)
            db.execute(f"INSERT INTO [{table}] ({names}) VALUES ({placeholders(len(row))})", list(row.values()))
