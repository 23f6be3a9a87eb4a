"""Archive schema migrations: an ordered list, each applied once and recorded in `migrations`.

Add a new function and append it to `MIGRATIONS`; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

__all__ = ["ARTICLE_COLUMNS", "HEALTH_COUNTERS", "MIGRATIONS", "SCHEMA_VERSION"]

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


# crawl_sites counters added by migration 50 (health): see `_health_counters`.
HEALTH_COUNTERS = ("responses", "status_403", "status_429", "status_5xx", "empty_text", "short_text")


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


def _health_counters(db: sqlite_utils.Database) -> None:
    """Per-run, per-site counters read by `diplomatic-crawler health`: responses received and how many were
    403, 429 or 5xx (retries included), article pages without text and articles with very short text.
    Runs recorded before this migration keep NULL there (not measured), never a misleading 0."""
    for column in ("responses", "status_403", "status_429", "status_5xx", "empty_text", "short_text"):
        if column not in db["crawl_sites"].columns_dict:
            db["crawl_sites"].add_column(column, int)


def _article_id(db: sqlite_utils.Database) -> None:
    """`articles.article_id`: a stable id derived from the canonical URL (see `diplomatic_crawler.ids`), used
    by every export; existing rows are backfilled and new rows get it from `Archive.write_articles`."""
    from .ids import article_id

    if "article_id" not in db["articles"].columns_dict:
        db["articles"].add_column("article_id", str)
    db.conn.create_function("_dc_article_id", 1, article_id, deterministic=True)
    db.execute("UPDATE articles SET article_id = _dc_article_id(canonical_url) WHERE article_id IS NULL")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_articles_article_id ON articles (article_id)")


# The publication year as `articles_browse` computes it; idx_articles_year is an index on this expression.
_YEAR = "CAST(substr(published, 1, 4) AS INTEGER)"


def _browse_view(db: sqlite_utils.Database) -> None:
    """View `articles_browse` for Datasette: every article column (`*` is expanded when the view is read, so
    columns added later appear too), the publication `year` to facet on, and `rowid` for full-text search."""
    db.execute(
        "CREATE VIEW IF NOT EXISTS articles_browse AS SELECT articles.rowid AS rowid, articles.*,"
        " CAST(substr(articles.published, 1, 4) AS INTEGER) AS year FROM articles"
    )


def _extraction_failed(db: sqlite_utils.Database) -> None:
    """`crawl_sites.extraction_failed`: pages whose extraction ran out of its budget (EXTRACTION_TIMEOUT,
    EXTRACTION_MAX_BYTES) or crashed its worker. Earlier runs keep NULL (not measured)."""
    if "extraction_failed" not in db["crawl_sites"].columns_dict:
        db["crawl_sites"].add_column("extraction_failed", int)


def _enrichments(db: sqlite_utils.Database) -> None:
    """Research enrichments (`diplomatic_crawler.enrich`): article columns content_type, linked_from, doc_type,
    doc_type_reason, countries, alternates, statement_group, cluster_id (NULL for rows archived before:
    `diplomatic-crawler enrich` fills them); the MinHash/LSH index of the near-duplicate clusters
    (`minhash`, `minhash_bands`) and the declared translations (`language_links`, `statement_members`)."""
    from .enrich.hooks import ENRICH_COLUMNS

    columns = db["articles"].columns_dict
    for name, kind in ENRICH_COLUMNS.items():
        if name not in columns:
            db["articles"].add_column(name, kind)
    for column in ("doc_type", "cluster_id", "statement_group", "linked_from"):
        db.execute(f"CREATE INDEX IF NOT EXISTS idx_articles_{column} ON articles ({column})")
    db.execute(
        "CREATE TABLE IF NOT EXISTS minhash (canonical_url TEXT PRIMARY KEY, shingles INTEGER NOT NULL,"
        " signature BLOB NOT NULL)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS minhash_bands (band INTEGER NOT NULL, bucket INTEGER NOT NULL,"
        " canonical_url TEXT NOT NULL, PRIMARY KEY (band, bucket, canonical_url)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_minhash_bands_url ON minhash_bands (canonical_url)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS language_links (url TEXT NOT NULL, alternate_url TEXT NOT NULL,"
        " hreflang TEXT, source TEXT, PRIMARY KEY (url, alternate_url))"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_language_links_alternate ON language_links (alternate_url)")
    db.execute("CREATE TABLE IF NOT EXISTS statement_members (url TEXT PRIMARY KEY, statement_group TEXT NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_statement_members_group ON statement_members (statement_group)")


def _article_http_status(db: sqlite_utils.Database) -> None:
    """`articles.http_status` and `http_status_at`: what the article's URL answered when it was last
    fetched again (404, 410, 500, ... or 200). Metadata only: an error answer never touches the stored
    text or dates (see `diplomatic_crawler.status_tracking`). NULL until the article is re-fetched."""
    columns = db["articles"].columns_dict
    if "http_status" not in columns:
        db["articles"].add_column("http_status", int)
    if "http_status_at" not in columns:
        db["articles"].add_column("http_status_at", str)


def _own_minhash(db: sqlite_utils.Database) -> None:
    """Recompute the stored MinHash signatures with the project's own hashing (see
    `enrich.clusters.signature`); signatures of the datasketch hashing never compare with the new ones.
    Cluster ids already assigned stay as they are. The LSH index is rebuilt from the new signatures
    (its table changed in migration 80: an archive that old gets it rebuilt there)."""
    from .enrich.clusters import rebuild_buckets, signature

    if not db["minhash"].exists():
        return
    rows = db.execute(
        "SELECT m.canonical_url, a.text FROM minhash AS m LEFT JOIN articles AS a USING (canonical_url)"
    ).fetchall()
    for key, text in rows:
        if (sig := signature(text)) is None:
            db.execute("DELETE FROM minhash WHERE canonical_url = ?", [key])
        else:
            db.execute(
                "UPDATE minhash SET shingles = ?, signature = ? WHERE canonical_url = ?", [sig.size, sig.to_blob(), key]
            )
    if db["minhash_bands"].exists():
        db.execute("DELETE FROM minhash_bands")
    if db["minhash_buckets"].exists():
        rebuild_buckets(db)


# Previous versions of changed articles: written by the archive (migration 20) and by `merge` (60).
_ARTICLE_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS article_versions (canonical_url TEXT NOT NULL, version INTEGER NOT NULL,"
    " fetched_at TEXT, content_hash TEXT, title TEXT, text TEXT, published TEXT, extractor_version TEXT,"
    " crawl_id INTEGER, superseded_at TEXT NOT NULL, row TEXT NOT NULL, PRIMARY KEY (canonical_url, version))"
)


def _record(db: sqlite_utils.Database) -> None:
    """The archive as a record (see `captures`, `versions`, `withdrawals`): raw captures of every fetched
    article (`captures`, bodies deduplicated by SHA-256 in `capture_bodies`), previous versions of changed
    articles (`article_versions`), withdrawals and restorations (`article_events`), and the article columns
    `withdrawn_at`, `withdrawn_reason` and `seed_hash`. Rows archived before keep NULL there."""
    columns = db["articles"].columns_dict
    for name in ("withdrawn_at", "withdrawn_reason", "seed_hash"):
        if name not in columns:
            db["articles"].add_column(name, str)
    db.execute(
        "CREATE TABLE IF NOT EXISTS capture_bodies (sha256 TEXT PRIMARY KEY, codec TEXT NOT NULL,"
        " raw_size INTEGER NOT NULL, stored_size INTEGER NOT NULL, data BLOB NOT NULL)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS captures (id INTEGER PRIMARY KEY, canonical_url TEXT NOT NULL, url TEXT NOT NULL,"
        " site TEXT, status INTEGER NOT NULL, headers TEXT NOT NULL, fetched_at TEXT NOT NULL, crawl_id INTEGER,"
        " sha256 TEXT NOT NULL, raw_size INTEGER NOT NULL, stored_size INTEGER NOT NULL, store TEXT NOT NULL,"
        " warc_file TEXT, warc_offset INTEGER)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_captures_url ON captures (canonical_url, fetched_at)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_captures_site ON captures (site)")
    db.execute(_ARTICLE_VERSIONS)
    db.execute(
        "CREATE TABLE IF NOT EXISTS article_events (id INTEGER PRIMARY KEY, canonical_url TEXT NOT NULL,"
        " at TEXT NOT NULL, event TEXT NOT NULL, reason TEXT, http_status INTEGER, url TEXT, crawl_id INTEGER)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_article_events_url ON article_events (canonical_url, at)")


def _band_index(db: sqlite_utils.Database) -> None:
    """Drop `idx_minhash_bands_url`: band rows are deleted by primary key (from the stored signature), and
    the second index doubled the cost of the 37 band rows written for every article."""
    db.execute("DROP INDEX IF EXISTS idx_minhash_bands_url")


def _merge_sources(db: sqlite_utils.Database) -> None:
    """`merge_sources`: which crawl row of which shard became which crawl row here, so merging a shard
    again (`diplomatic-crawler merge`) updates its crawls instead of adding them twice; and `article_versions`
    (if missing), where a merge keeps the content an article had before a newer fetch replaced it."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS merge_sources (shard TEXT NOT NULL, shard_crawl_id INTEGER NOT NULL,"
        " crawl_id INTEGER NOT NULL, merged_at TEXT NOT NULL, PRIMARY KEY (shard, shard_crawl_id))"
    )
    db.execute(_ARTICLE_VERSIONS)


def _fts_update_trigger(db: sqlite_utils.Database) -> None:
    """The full-text index follows `title` and `text` only. sqlite-utils' trigger fired on every UPDATE of
    `articles` and re-indexed the whole text each time a cluster id, a withdrawal, a status or
    `last_checked` changed: a third of the archive writer's time in a crawl."""
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(
        'CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN'
        " INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES('delete', old.rowid, old.title, old.text);"
        " INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text); END"
    )


def _compact_lsh_index(db: sqlite_utils.Database) -> None:
    """`minhash_buckets (bucket, ref)` replaces `minhash_bands (band, bucket, canonical_url)`: 37 rows per
    article of two integers instead of a URL each (the band index was the archive's third largest
    table, ~3.7 kB an article), and `minhash` gets an integer id for them to point at. Rebuilt from the
    stored signatures."""
    from .enrich.clusters import rebuild_buckets

    db.execute(
        "CREATE TABLE minhash_new (id INTEGER PRIMARY KEY, canonical_url TEXT NOT NULL UNIQUE,"
        " shingles INTEGER NOT NULL, signature BLOB NOT NULL)"
    )
    if db["minhash"].exists():
        db.execute(
            "INSERT INTO minhash_new (canonical_url, shingles, signature)"
            " SELECT canonical_url, shingles, signature FROM minhash ORDER BY rowid"
        )
        db.execute("DROP TABLE minhash")
    db.execute("ALTER TABLE minhash_new RENAME TO minhash")
    db.execute("DROP TABLE IF EXISTS minhash_bands")
    db.execute(
        "CREATE TABLE minhash_buckets (bucket INTEGER NOT NULL, ref INTEGER NOT NULL, PRIMARY KEY (bucket, ref))"
        " WITHOUT ROWID"
    )
    rebuild_buckets(db)


def _published_calendar(db: sqlite_utils.Database) -> None:
    """`articles.published_calendar`: the calendar the page wrote its date in (`gregorian`, `solar_hijri`,
    `hijri`, `japanese`, `buddhist`, `minguo`, `ethiopian`); every date archived before was Gregorian."""
    if "published_calendar" not in db["articles"].columns_dict:
        db.execute("ALTER TABLE articles ADD COLUMN published_calendar TEXT")
    db.execute("UPDATE articles SET published_calendar = 'gregorian'"
               " WHERE published IS NOT NULL AND published_calendar IS NULL")


def _language_source(db: sqlite_utils.Database) -> None:
    """`articles.language_source`: where `language` came from (jsonld, html, og, meta, seed, or detected
    from the text); NULL for rows archived before, until they are re-extracted."""
    if "language_source" not in db["articles"].columns_dict:
        db.execute("ALTER TABLE articles ADD COLUMN language_source TEXT")


def _url_patterns(db: sqlite_utils.Database) -> None:
    """`url_patterns`: what the crawl learnt of each site's link patterns (see `diplomatic_crawler.traps`):
    pages fetched, new articles they yielded, and whether the pattern is a trap no longer followed."""
    db["url_patterns"].create(
        {"site": str, "pattern": str, "pages": int, "articles": int, "trapped": int, "updated": str},
        pk=("site", "pattern"),
        not_null={"site", "pattern"},
        defaults={"pages": 0, "articles": 0, "trapped": 0},
        if_not_exists=True,
    )


def _article_signals(db: sqlite_utils.Database) -> None:
    """`article_signals`: what discovery last said of each archived article (sitemap `lastmod`, feed
    `updated`) and the validators of its page (ETag, Last-Modified): a change of any of them, not a
    comparison with our fetch time, makes the next crawl fetch it again, conditionally."""
    db["article_signals"].create(
        {
            "canonical_url": str,
            "site": str,
            "lastmod": str,
            "feed_updated": str,
            "etag": str,
            "last_modified": str,
            "updated": str,
        },
        pk="canonical_url",
        if_not_exists=True,
    )


def _published_utc(db: sqlite_utils.Database) -> None:
    """`articles.published_utc`: `published` as a UTC instant (`YYYY-MM-DDTHH:MM:SSZ`), so that ordering by
    time is chronological whatever each publisher's offset; NULL for a day-only date (no time is invented)
    or a datetime without offset. Backfilled from `published`, which is kept exactly as read; indexed."""
    from .export.schema import utc_instant

    if "published_utc" not in db["articles"].columns_dict:
        db.execute("ALTER TABLE articles ADD COLUMN published_utc TEXT")
    db.conn.create_function("_dc_utc_instant", 1, utc_instant, deterministic=True)
    db.execute("UPDATE articles SET published_utc = _dc_utc_instant(published) WHERE published IS NOT NULL")
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_published_utc ON articles (published_utc)")


def _seed_files(db: sqlite_utils.Database) -> None:
    """`seed_files`: the text of every seed file a crawl ran with, keyed by its SHA-256 (the `seed_hash` on
    each article), so an article can be re-extracted with the rules it was crawled with after the file is
    gone or changed (the demo's seeds are temporary). Rows archived before have no seed text here."""
    db["seed_files"].create(
        {"seed_hash": str, "site": str, "toml": str, "path": str, "first_used": str},
        pk="seed_hash",
        not_null={"seed_hash", "site", "toml"},
        if_not_exists=True,
    )
# Columns of `articles_browse` since migration 97: what a reader scans in a list (the text is on the reading page).
_BROWSE_COLUMNS = (
    "article_id", "title", "published", "published_precision", "site", "country", "language", "doc_type",
    "authors", "word_count", "withdrawn_at", "canonical_url",
)
# Since migration 98: the title first, what tells articles apart next, the ids last.
_BROWSE_ORDER = (
    "title", "published", "site", "language", "country", "doc_type", "authors", "word_count",
    "published_precision", "withdrawn_at", "article_id", "canonical_url",
)
# Tables whose rows belong to one article (`canonical_url`): foreign keys since migration 97.
_ARTICLE_CHILDREN = ("article_versions", "captures", "article_events")


def _create_browse_view(db: sqlite_utils.Database, names: tuple[str, ...]) -> None:
    columns = db["articles"].columns_dict
    shown = ", ".join(f"articles.{name}" for name in names if name in columns)
    db.execute("DROP VIEW IF EXISTS articles_browse")
    db.execute(f"CREATE VIEW articles_browse AS SELECT articles.rowid AS rowid, {shown}, {_YEAR} AS year FROM articles")


def _browse_indexes(db: sqlite_utils.Database) -> None:
    """Datasette at 100,000 articles: indexes for the default facets (language, country and the year of
    `published`, the expression `articles_browse.year` is computed with), `articles_browse` narrowed to the
    columns a list shows (the text is read on the reading page), and foreign keys from the rows that belong
    to an article (versions, captures, withdrawal events) to `articles`, so Datasette links them. Rows that
    refer to no archived article would break the foreign keys: the migration names them and stops."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_language ON articles (language)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_country ON articles (country)")
    db.execute(f"CREATE INDEX IF NOT EXISTS idx_articles_year ON articles ({_YEAR})")
    _create_browse_view(db, _BROWSE_COLUMNS)
    for table in _ARTICLE_CHILDREN:
        if not db[table].exists():
            continue
        orphans = db.execute(
            f"SELECT count(*) FROM [{table}] WHERE canonical_url NOT IN (SELECT canonical_url FROM articles)"
        ).fetchone()[0]
        if orphans:
            raise sqlite3.IntegrityError(
                f"{orphans} row(s) of {table} refer to no archived article; list them with: SELECT * FROM {table}"
                " WHERE canonical_url NOT IN (SELECT canonical_url FROM articles), then delete or restore them"
            )
    wanted = [
        (table, "canonical_url", "articles", "canonical_url")
        for table in _ARTICLE_CHILDREN
        if db[table].exists() and not any(fk.column == "canonical_url" for fk in db[table].foreign_keys)
    ]
    if wanted:
        db.add_foreign_keys(wanted)


def _browse_order(db: sqlite_utils.Database) -> None:
    """`articles_browse` with the title as its first column and the ids last: the list reads as headlines."""
    _create_browse_view(db, _BROWSE_ORDER)


# Frozen: the table as migration 99 created it (the archive's writer and `changes` read it by these names).
_REVISION_SUMMARIES = (
    "CREATE TABLE IF NOT EXISTS revision_summaries (canonical_url TEXT NOT NULL, version INTEGER NOT NULL,"
    " old_hash TEXT NOT NULL, new_hash TEXT NOT NULL, text_changed INTEGER NOT NULL, summary TEXT NOT NULL,"
    " words_added INTEGER NOT NULL, words_removed INTEGER NOT NULL, PRIMARY KEY (canonical_url, version),"
    " FOREIGN KEY (canonical_url) REFERENCES articles (canonical_url))"
)


def _revision_summaries(db: sqlite_utils.Database) -> None:
    """`revision_summaries`: the word-level summary of the text change from version N of an article to the
    next one (`changes`' `summary`, `words_added`, `words_removed`, and whether the text changed), stored
    by the archive when it writes the superseding version, with the content hashes of both sides: valid
    only while both still match, so `changes` computes it for any other revision (archived before, merged,
    renumbered). Empty here: revisions archived before are summarised when exported, as they were."""
    db.execute(_REVISION_SUMMARIES)


MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "initial schema: articles (+FTS5), crawls, crawl_sites, pages, http_cache", _initial),
    (2, "articles.article_id: stable id from the canonical URL (backfilled)", _article_id),
    (3, "view articles_browse: articles with a year column, for Datasette facets", _browse_view),
    (10, "enrichments: doc_type, countries, language versions, near-duplicate clusters, PDF statements", _enrichments),
    (20, "the archive as a record: captures, article_versions, article_events, withdrawn_at, seed_hash", _record),
    (30, "articles.http_status / http_status_at: last answer of an archived article's URL", _article_http_status),
    (40, "crawl_sites.extraction_failed: pages over the extraction time or size budget", _extraction_failed),
    (41, "minhash: signatures recomputed with the project's own MinHash (no datasketch at run time)", _own_minhash),
    (42, "minhash_bands: no index on canonical_url (rows are deleted by primary key)", _band_index),
    (50, "crawl_sites: response status and text-quality counters for health checks", _health_counters),
    (60, "merge_sources (shard crawl -> crawl) and article_versions, for merging worker shards", _merge_sources),
    (70, "articles_au: the full-text index follows title and text, not every UPDATE", _fts_update_trigger),
    (80, "minhash_buckets (bucket, ref) instead of minhash_bands: a compact LSH index", _compact_lsh_index),
    (90, "articles.published_calendar: the calendar of the page's date (backfilled gregorian)", _published_calendar),
    (91, "articles.language_source: declared (jsonld, html, og, meta, seed) or detected", _language_source),
    (93, "url_patterns: link patterns per site, their yield of new articles, learnt traps", _url_patterns),
    (94, "article_signals: sitemap lastmod, feed updated, ETag and Last-Modified of each article", _article_signals),
    (95, "articles.published_utc: the publication instant in UTC, NULL for a day (backfilled)", _published_utc),
    (96, "seed_files: the text of each seed file crawled with, by seed_hash (for reextract)", _seed_files),
    (97, "Datasette: facet indexes, articles_browse narrowed, foreign keys to articles", _browse_indexes),
    (98, "articles_browse: title first, ids last", _browse_order),
    (99, "revision_summaries: word summaries of revisions, stored when written, with both hashes", _revision_summaries),
]
SCHEMA_VERSION = max(v for v, _, _ in MIGRATIONS)
