"""`published_utc`: the publication instant in UTC, in the archive (migration 95, backfilled) and in every
export, so that sorting by time is chronological whatever each publisher's offset. A day-only date gives
NULL: no time is invented, and `published` keeps the value exactly as read."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.export import ArchiveReader, ExportFilter, export_file
from diplomatic_crawler.export.schema import utc_instant
from diplomatic_crawler.migrations import MIGRATIONS


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("2025-03-12T14:30:00+04:00", "2025-03-12T10:30:00Z"),
        ("2025-03-12T01:15:00+09:00", "2025-03-11T16:15:00Z"),  # the day before in UTC
        ("2025-03-11T20:00:00-05:00", "2025-03-12T01:00:00Z"),  # the day after in UTC
        ("2025-03-12T10:30:00Z", "2025-03-12T10:30:00Z"),
        ("2025-03-12T10:30:00+00:00", "2025-03-12T10:30:00Z"),
        ("2025-03-12T10:30:00.250+05:30", "2025-03-12T05:00:00Z"),  # fixed width: fractions dropped
        ("2025-03-12T10:30+03:00", "2025-03-12T07:30:00Z"),
        ("2025-03-12", None),  # only the day is known: no time invented
        ("2025-03-12T10:30:00", None),  # no offset: the instant is unknown
        ("", None),
        (None, None),
        ("12 March 2025", None),
    ],
)
def test_utc_instant(published: str | None, expected: str | None) -> None:
    assert utc_instant(published) == expected


# Written in this order; chronologically (UTC) it is day-only (from its day's start), tokyo, baku, washington.
ROWS = [
    ("https://x.example/washington", "2025-03-11T20:00:00-05:00"),  # 2025-03-12T01:00Z
    ("https://x.example/baku", "2025-03-12T00:30:00+04:00"),  # 2025-03-11T20:30Z
    ("https://x.example/tokyo", "2025-03-12T01:15:00+09:00"),  # 2025-03-11T16:15Z
    ("https://x.example/day", "2025-03-11"),
    ("https://x.example/undated", None),
]
CHRONOLOGICAL = ["day", "tokyo", "baku", "washington"]


def _build(path: Path) -> Path:
    with Archive(path) as archive:
        archive.write_articles(
            [
                {"canonical_url": url, "url": url, "site": "x", "title": url.rsplit("/", 1)[1], "text": "Text.",
                 "published": published, "fetched_at": "2025-03-13T00:00:00+00:00"}
                for url, published in ROWS
            ],
            None,
        )
    return path


def _stored(path: Path) -> dict[str, tuple[str | None, str | None]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT canonical_url, published, published_utc FROM articles")
        return {url.rsplit("/", 1)[1]: (published, utc) for url, published, utc in rows}


EXPECTED = {
    "washington": ("2025-03-11T20:00:00-05:00", "2025-03-12T01:00:00Z"),
    "baku": ("2025-03-12T00:30:00+04:00", "2025-03-11T20:30:00Z"),
    "tokyo": ("2025-03-12T01:15:00+09:00", "2025-03-11T16:15:00Z"),
    "day": ("2025-03-11", None),
    "undated": (None, None),
}


def test_archive_stores_the_instant_and_keeps_the_raw_date(tmp_path: Path) -> None:
    db = _build(tmp_path / "a.db")
    assert _stored(db) == EXPECTED
    with sqlite3.connect(db) as conn:
        by_utc = [r[0].rsplit("/", 1)[1] for r in conn.execute(
            "SELECT canonical_url FROM articles WHERE published IS NOT NULL"
            " ORDER BY coalesce(published_utc, published)")]
        by_raw = [r[0].rsplit("/", 1)[1] for r in conn.execute(
            "SELECT canonical_url FROM articles WHERE published IS NOT NULL ORDER BY published")]
        plan = " ".join(r[-1] for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT canonical_url FROM articles ORDER BY published_utc DESC"))
    assert by_utc == CHRONOLOGICAL
    assert by_raw != CHRONOLOGICAL  # the raw strings do not sort by time
    assert "idx_articles_published_utc" in plan


def test_a_changed_date_replaces_the_instant(tmp_path: Path) -> None:
    db = _build(tmp_path / "a.db")
    url = "https://x.example/baku"
    with Archive(db) as archive:  # the page now gives a different day only: the old instant must go
        archive.write_articles([{"canonical_url": url, "url": url, "site": "x", "title": "baku",
                                 "text": "Edited text.", "published": "2025-03-14"}], None)
    assert _stored(db)["baku"] == ("2025-03-14", None)
    with Archive(db) as archive:  # the same day only: the stored, more precise value stays
        archive.write_articles([{"canonical_url": url, "url": url, "site": "x", "title": "baku",
                                 "text": "Edited again.", "published": "2025-03-14T09:00:00+04:00"}], None)
        archive.write_articles([{"canonical_url": url, "url": url, "site": "x", "title": "baku",
                                 "text": "And again.", "published": "2025-03-14"}], None)
    assert _stored(db)["baku"] == ("2025-03-14T09:00:00+04:00", "2025-03-14T05:00:00Z")


def test_migration_backfills_archives_from_before(tmp_path: Path) -> None:
    db = _build(tmp_path / "old.db")
    with sqlite3.connect(db) as conn:  # as an archive from before migration 95 was
        conn.execute("DROP INDEX idx_articles_published_utc")
        conn.execute("DROP VIEW articles_browse")
        conn.execute("ALTER TABLE articles DROP COLUMN published_utc")
        conn.execute("DELETE FROM migrations WHERE version = 95")
        conn.execute(
            "CREATE VIEW articles_browse AS SELECT articles.rowid AS rowid, articles.*,"
            " CAST(substr(articles.published, 1, 4) AS INTEGER) AS year FROM articles"
        )
    with ArchiveReader(db) as reader:  # read-only, not migrated: the export computes it
        assert {r["title"]: r["published_utc"] for r in reader.records(ExportFilter())} == {
            k: v[1] for k, v in EXPECTED.items()}
    with Archive(db) as archive:
        assert 95 in archive.migrate() or archive.schema_version >= 95
    assert _stored(db) == EXPECTED
    assert any(version == 95 for version, _, _ in MIGRATIONS)


def _csv(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["title"]: row["published_utc"] for row in csv.DictReader(handle)}


def _jsonl(path: Path) -> dict[str, str | None]:
    return {r["title"]: r["published_utc"] for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def _parquet(path: Path) -> dict[str, str | None]:
    rows = pq.read_table(path, columns=["title", "published_utc"]).to_pylist()
    return {r["title"]: r["published_utc"] and r["published_utc"].strftime("%Y-%m-%dT%H:%M:%SZ") for r in rows}


@pytest.mark.parametrize(("fmt", "read", "null"), [("csv", _csv, ""), ("jsonl", _jsonl, None),
                                                   ("parquet", _parquet, None)])
def test_exports_carry_published_utc(tmp_path: Path, fmt: str, read, null) -> None:
    db = _build(tmp_path / "a.db")
    out = tmp_path / f"out.{fmt}"
    export_file(db, fmt, out)
    assert read(out) == {k: v[1] if v[1] is not None else null for k, v in EXPECTED.items()}


def test_newest_first_feed_is_chronological(tmp_path: Path) -> None:
    db = _build(tmp_path / "a.db")
    out = tmp_path / "feed.json"
    export_file(db, "jsonfeed", out)
    titles = [item["title"] for item in json.loads(out.read_text(encoding="utf-8"))["items"]]
    assert titles == [*reversed(CHRONOLOGICAL), "undated"]


def test_merge_takes_the_instant_with_the_newer_date(tmp_path: Path) -> None:
    """A shard's newer fetch that only has the day replaces the older shard's instant with NULL."""
    from diplomatic_crawler.merge import merge_shards

    url = "https://x.example/edited"
    row = {"canonical_url": url, "url": url, "site": "x", "title": "Edited"}
    older, newer, target = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "all.db"
    for path, text, published, fetched in (
        (older, "First text.", "2025-03-12T00:30:00+04:00", "2025-03-13T00:00:00+00:00"),
        (newer, "Second text.", "2025-03-14", "2025-03-15T00:00:00+00:00"),
    ):
        with Archive(path) as archive:
            archive.write_articles([{**row, "text": text, "published": published, "fetched_at": fetched}], None)
    merge_shards([older, newer], target)
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT published, published_utc FROM articles").fetchall() == [("2025-03-14", None)]
    merge_shards([older], target)  # the older shard again: nothing changes
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT published, published_utc FROM articles").fetchall() == [("2025-03-14", None)]
