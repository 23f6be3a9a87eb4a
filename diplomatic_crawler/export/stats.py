"""`diplomatic-crawler stats`: per-site figures from one read snapshot of the archive."""

from __future__ import annotations

from typing import Any

from ..tables import format_table
from .filters import ArchiveReader

__all__ = ["STATS_COLUMNS", "archive_stats", "capture_stats", "format_stats"]

STATS_COLUMNS = (
    "articles",
    "first_published",
    "last_published",
    "without_date",
    "empty_text",
    "last_crawl",
    "last_crawl_finished",
    "last_crawl_status",
    "last_crawl_new",
    "last_crawl_updated",
    "last_crawl_failed",
)


def archive_stats(reader: ArchiveReader) -> dict[str, Any]:
    """{"sites": [per-site dicts], "total": {...}, "crawls": n, "last_crawl": {...}|None}.

    Per site: articles, first/last publication day, share without date, share with empty text, and for the
    last crawl that covered the site its id, end time, status and new/updated/failed counts."""
    rows = reader.query(
        "SELECT site, count(*), min(substr(published, 1, 10)), max(substr(published, 1, 10)),"
        " sum(published IS NULL OR published = ''), sum(text IS NULL OR trim(text) = '') FROM articles GROUP BY site"
    )
    sites: dict[str, dict[str, Any]] = {}
    for site, count, first, last, undated, empty in rows:
        sites[site] = {
            "site": site,
            "articles": count,
            "first_published": first,
            "last_published": last,
            "without_date": round((undated or 0) / count, 4) if count else 0.0,
            "empty_text": round((empty or 0) / count, 4) if count else 0.0,
            "last_crawl": None,
            "last_crawl_finished": None,
            "last_crawl_status": None,
            "last_crawl_new": None,
            "last_crawl_updated": None,
            "last_crawl_failed": None,
        }
    last_crawl = None
    crawl_count = 0
    if {"crawls", "crawl_sites"} <= reader.tables:
        crawl_count = reader.query("SELECT count(*) FROM crawls")[0][0]
        latest = reader.query(
            "SELECT cs.site, c.id, c.finished, c.status, cs.new, cs.updated, cs.failed FROM crawl_sites cs"
            " JOIN crawls c ON c.id = cs.crawl_id"
            " WHERE cs.crawl_id = (SELECT max(crawl_id) FROM crawl_sites WHERE site = cs.site)"
        )
        for site, crawl_id, finished, status, new, updated, failed in latest:
            entry = sites.setdefault(
                site,
                {
                    "site": site,
                    "articles": 0,
                    "first_published": None,
                    "last_published": None,
                    "without_date": 0.0,
                    "empty_text": 0.0,
                },
            )
            entry.update(
                last_crawl=crawl_id,
                last_crawl_finished=finished,
                last_crawl_status=status,
                last_crawl_new=new,
                last_crawl_updated=updated,
                last_crawl_failed=failed,
            )
        rows = reader.query("SELECT id, started, finished, status FROM crawls ORDER BY id DESC LIMIT 1")
        if rows:
            last_crawl = dict(zip(("id", "started", "finished", "status"), rows[0], strict=True))
    ordered = [sites[s] for s in sorted(sites)]
    total_articles = sum(s["articles"] for s in ordered)
    total = reader.query(
        "SELECT count(*), min(substr(published, 1, 10)), max(substr(published, 1, 10)),"
        " sum(published IS NULL OR published = ''), sum(text IS NULL OR trim(text) = '') FROM articles"
    )[0]
    return {
        "archive": str(reader.path),
        "sites": ordered,
        "total": {
            "sites": len(ordered),
            "articles": total_articles,
            "first_published": total[1],
            "last_published": total[2],
            "without_date": round((total[3] or 0) / total[0], 4) if total[0] else 0.0,
            "empty_text": round((total[4] or 0) / total[0], 4) if total[0] else 0.0,
        },
        "crawls": crawl_count,
        "last_crawl": last_crawl,
        "captures": capture_stats(reader),
    }


def capture_stats(reader: ArchiveReader) -> dict[str, Any] | None:
    """Raw captures (migration 20): how many, and bytes per capture as received (`raw`) and as stored
    (`stored`: zstd in the archive, each body once however often it was fetched, or gzip WARC records).
    None for an archive from before captures."""
    if "captures" not in reader.tables:
        return None
    count, raw, warc_stored = reader.query(
        "SELECT count(*), coalesce(sum(raw_size), 0), coalesce(sum(CASE WHEN store = 'warc' THEN stored_size END), 0)"
        " FROM captures"
    )[0]
    db_stored = reader.query(
        "SELECT coalesce(sum(stored_size), 0) FROM capture_bodies"
        " WHERE sha256 IN (SELECT sha256 FROM captures WHERE store = 'db')"
    )[0][0]
    stored = int(db_stored) + int(warc_stored)
    return {
        "captures": count,
        "raw_bytes": int(raw),
        "stored_bytes": stored,
        "raw_bytes_per_capture": round(raw / count) if count else 0,
        "stored_bytes_per_capture": round(stored / count) if count else 0,
        "compression_ratio": round(raw / stored, 2) if stored else None,
    }


def _fmt(value: Any, column: str) -> str:
    if value is None:
        return "-"
    if column in ("without_date", "empty_text"):
        return f"{value * 100:.1f}%"
    if column == "last_crawl_finished":
        return str(value)[:16].replace("T", " ")
    return str(value)


def format_stats(data: dict[str, Any]) -> str:
    """A table for humans, one row per site and a total line."""
    header = (
        "site",
        "articles",
        "first",
        "last",
        "no date",
        "empty",
        "last crawl",
        "finished",
        "status",
        "new",
        "upd",
        "failed",
    )
    cols = ("site", *STATS_COLUMNS)
    body = [tuple(_fmt(row.get(c), c) for c in cols) for row in data["sites"]]
    total = data["total"]
    footer = [
        (
            "TOTAL",
            str(total["articles"]),
            _fmt(total["first_published"], ""),
            _fmt(total["last_published"], ""),
            _fmt(total["without_date"], "without_date"),
            _fmt(total["empty_text"], "empty_text"),
            "",
            "",
            "",
            "",
            "",
            "",
        )
    ]
    lines = [format_table(header, body, right={1, 4, 5, 6, 9, 10, 11}, footer=footer)]
    last = data.get("last_crawl")
    footer = f"{data['crawls']} crawl run(s)"
    if last:
        footer += (
            f"; last: #{last['id']} {last['status']}, started {last['started']}, finished {last['finished'] or '-'}"
        )
    caps = data.get("captures")
    if caps:
        footer += (
            f"\n{caps['captures']} raw capture(s): {caps['raw_bytes_per_capture']:,} bytes per capture as received,"
            f" {caps['stored_bytes_per_capture']:,} stored"
            + (f" ({caps['compression_ratio']}x smaller)" if caps["compression_ratio"] else "")
        )
    return "\n".join([*lines, "", footer])
