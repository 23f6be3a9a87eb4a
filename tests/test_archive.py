"""The SQLite archive: schema, migrations, insert / update / unchanged, no NULL overwrites."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from diplomatic_crawler.archive import Archive, ArchiveError
from diplomatic_crawler.migrations import SCHEMA_VERSION


def record(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "canonical_url": "https://mfa.gov.az/en/news/1",
        "url": "https://mfa.gov.az/en/news/1?utm_source=x",
        "site": "mfa-az",
        "country": "AZ",
        "issuer": "Ministry of Foreign Affairs of the Republic of Azerbaijan",
        "title": "Minister receives ambassador",
        "authors": ["Press Service"],
        "tags": ["bilateral"],
        "published": "2024-05-01T10:00:00+04:00",
        "text": "The minister received the ambassador.",
        "word_count": 5,
        "content_hash": "h1",
        "timezone_assumed": True,
        "fetched_at": "2024-05-02T00:00:00+00:00",
    }
    base.update(changes)
    return base


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "sub" / "archive.db") as a:
        yield a


def test_schema_wal_and_migrations(archive: Archive) -> None:
    assert archive.schema_version == SCHEMA_VERSION
    assert archive.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert int(archive.db.execute("PRAGMA busy_timeout").fetchone()[0]) > 0
    assert {"articles", "articles_fts", "crawls", "crawl_sites", "pages", "http_cache", "migrations"} <= set(
        archive.db.table_names()
    )
    assert archive.migrate() == []  # re-opening applies nothing twice


def test_insert_unchanged_update_and_never_null(archive: Archive) -> None:
    crawl = archive.start_crawl({"seeds": "seeds"}, ["mfa-az"])
    assert archive.write_articles([record()], crawl) == ["new"]
    row = next(archive.db["articles"].rows)
    assert json.loads(row["authors"]) == ["Press Service"] and row["timezone_assumed"] == 1
    assert row["first_seen"] == row["fetched_at"] == "2024-05-02T00:00:00+00:00"

    later = "2024-06-01T00:00:00+00:00"
    assert archive.write_articles([record(fetched_at=later)], 2) == ["unchanged"]
    row = next(archive.db["articles"].rows)
    assert row["fetched_at"] == "2024-05-02T00:00:00+00:00" and row["last_checked"] == later
    assert row["crawl_id"] == crawl

    changed = record(
        content_hash="h2", text="Corrected text.", title=None, authors=[], published=None, fetched_at=later
    )
    assert archive.write_articles([changed], 3) == ["updated"]
    row = next(archive.db["articles"].rows)
    assert row["text"] == "Corrected text." and row["crawl_id"] == 3
    assert row["title"] == "Minister receives ambassador"  # not overwritten with NULL
    assert json.loads(row["authors"]) == ["Press Service"]  # not overwritten with []
    assert row["published"] == "2024-05-01T10:00:00+04:00"
    assert row["first_seen"] == "2024-05-02T00:00:00+00:00"
    hits = archive.db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'corrected'").fetchone()
    assert hits[0] == 1


def test_full_text_index_follows_title_and_text_only(tmp_path: Path) -> None:
    """Migration 70: an UPDATE of other columns (cluster id, last_checked, withdrawal) leaves the FTS index
    alone, a changed text re-indexes it; an archive with sqlite-utils' catch-all trigger is migrated."""
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        archive.write_articles([record()], None)
        # as archives before migration 70 were: the trigger fires on any UPDATE
        archive.db.execute("DROP TRIGGER articles_au")
        archive.db.execute(
            "CREATE TRIGGER articles_au AFTER UPDATE ON articles BEGIN"
            " INSERT INTO articles_fts (articles_fts, rowid, title, text)"
            " VALUES('delete', old.rowid, old.title, old.text);"
            " INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text); END"
        )
        archive.db.execute("DELETE FROM migrations WHERE version = 70")
        archive.db.conn.commit()
    with Archive(path) as archive:
        sql = archive.db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_au'").fetchone()[0]
        assert "UPDATE OF title, text ON articles" in sql

        def changes_of(statement: str) -> int:
            before = archive.db.execute("SELECT total_changes()").fetchone()[0]
            archive.db.execute(statement)
            return archive.db.execute("SELECT total_changes()").fetchone()[0] - before

        # one changed row: the article alone, no FTS rows written
        assert changes_of("UPDATE articles SET cluster_id = 'c-1', last_checked = 'x', withdrawn_at = 'y'") == 1
        assert changes_of("UPDATE articles SET text = 'A corrected statement.'") > 1

        def hits(term: str) -> int:
            sql = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?"
            return archive.db.execute(sql, [term]).fetchone()[0]

        assert hits("corrected") == 1 and hits("received") == 0 and hits("receives") == 1
        archive.db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_batch_is_atomic_per_article(archive: Archive) -> None:
    good = record(canonical_url="https://mfa.gov.az/en/news/2")
    bad = record(canonical_url=None, url=None)
    with pytest.raises(ArchiveError):
        archive.write_articles([good, bad], None)
    assert archive.db["articles"].count == 0  # the whole batch rolled back, nothing half-written


def _seen_by_another_connection(archive: Archive) -> list[str]:
    conn = sqlite3.connect(archive.path, timeout=5)
    try:
        return [url for (url,) in conn.execute("SELECT url FROM pages ORDER BY url")]
    finally:
        conn.close()


def _add_page(db, url: str) -> None:
    db.execute("INSERT INTO pages (url, site, kind) VALUES (?, 'mfa-az', 'listing')", [url])


def test_write_transaction_commits_rolls_back_and_nests(archive: Archive) -> None:
    """The archive's one public way to write: committed at exit, rolled back by an exception, a savepoint when
    nested (the inner part undone alone), SQLite errors as ArchiveError with nothing kept."""
    with archive.write_transaction() as db:
        _add_page(db, "https://a/1")
        with pytest.raises(ValueError), archive.write_transaction() as inner:
            _add_page(inner, "https://a/2")
            raise ValueError("inner part undone")
        assert archive.db.conn.in_transaction and _seen_by_another_connection(archive) == []  # not yet committed
    assert not archive.db.conn.in_transaction
    assert _seen_by_another_connection(archive) == ["https://a/1"]
    with pytest.raises(RuntimeError), archive.write_transaction() as db:
        _add_page(db, "https://a/3")
        raise RuntimeError("all undone")
    with pytest.raises(ArchiveError, match="cannot write: UNIQUE constraint failed"), archive.write_transaction() as db:
        _add_page(db, "https://a/4")
        _add_page(db, "https://a/1")
    assert _seen_by_another_connection(archive) == ["https://a/1"] and not archive.db.conn.in_transaction


def test_crawls_pages_and_validators(archive: Archive) -> None:
    crawl = archive.start_crawl({"site": None}, ["a", "b"])
    archive.finish_crawl(crawl, "finished", {"a": {"new": 2, "failed": 1}, "b": {}})
    row = next(archive.db["crawls"].rows)
    assert row["status"] == "finished" and row["finished"]
    assert json.loads(row["sites"])["a"]["new"] == 2
    assert archive.db.execute("SELECT site, new, failed FROM crawl_sites ORDER BY site").fetchall() == [
        ("a", 2, 1),
        ("b", 0, 0),
    ]
    archive.add_pages([{"url": "https://x.org/", "site": "a", "kind": "listing"}])
    archive.add_pages([{"url": "https://x.org/", "site": "a", "kind": "listing"}])
    assert archive.known_pages(["a"]) == {"https://x.org/"} and archive.known_pages(["b"]) == set()
    archive.save_validators("https://x.org/feed", "a", '"abc"', "Wed, 01 May 2024 10:00:00 GMT")
    assert archive.validators("https://x.org/feed") == ('"abc"', "Wed, 01 May 2024 10:00:00 GMT")
    assert archive.validators("https://x.org/other") == (None, None)


def test_unwritable_or_newer_archive_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ArchiveError, match="cannot open archive"):
        Archive(tmp_path / "file" / "archive.db")
    path = tmp_path / "a.db"
    Archive(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO migrations VALUES (999, 'future', '2099-01-01')")
    with pytest.raises(ArchiveError, match="newer than this program"):
        Archive(path)
