"""Archive schema migrations: an ordered list, each applied once and recorded in `migrations`.

Add a new function and append it to `MIGRATIONS`; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

__all__ = ["ARTICLE_COLUMNS", "MIGRATIONS", "SCHEMA_VERSION"]

# Every field of the extraction record (`Article`) plus what the crawl adds.
ARTICLE_COLUMNS: dict[str, type] = {
    "canonical_url": str,
    "url": str,
    "site": str,
    "country": str,
    "issuer": str,
    "site_name": str,
    "title": str,
    "authors": str,  # JSON array
    "published": str,
    "published_raw": str,
    "published_source": str,
    "published_precision": str,
    "timezone_assumed": int,
    "modified": str,
    "modified_raw": str,
    "modified_source": str,
    "modified_precision": str,
    "language": str,
    "description": str,
    "section": str,
    "tags": str,  # JSON array
    "image": str,
    "dateline": str,
    "text": str,
    "word_count": int,
    "content_hash": str,
    "extractor_version": str,
    "fetched_at": str,
    "first_seen": str,
    "last_checked": str,
    "crawl_id": int,
}


def _initial(db: sqlite_utils.Database) -> None:
    db["crawls"].create({"id": int, "started": str, "finished": str, "status": str, "args": str, "sites": str}, pk="id")
    db["crawl_sites"].create(
        {
            "crawl_id": int,
            "site": str,
            "discovered": int,
            "fetched": int,
            "new": int,
            "updated": int,
            "unchanged": int,
            "skipped_known": int,
            "non_article": int,
            "failed": int,
            "without_date": int,
        },
        pk=("crawl_id", "site"),
        foreign_keys=[("crawl_id", "crawls", "id")],
    )
    db["articles"].create(ARTICLE_COLUMNS, pk="canonical_url", not_null={"url", "site"})
    db["articles"].create_index(["site", "published"])
    db["articles"].create_index(["published"])
    db["articles"].create_index(["crawl_id"])
    db["articles"].enable_fts(["title", "text"], fts_version="FTS5", create_triggers=True)
    db["pages"].create({"url": str, "site": str, "kind": str, "first_seen": str, "last_seen": str}, pk="url")
    db["pages"].create_index(["site"])
    db["http_cache"].create({"url": str, "site": str, "etag": str, "last_modified": str, "checked_at": str}, pk="url")


MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "initial schema: articles (+FTS5), crawls, crawl_sites, pages, http_cache", _initial),
]
SCHEMA_VERSION = max(v for v, _, _ in MIGRATIONS)
