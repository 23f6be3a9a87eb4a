"""`diplomatic-crawler merge`: worker shards into one archive, idempotently (real SQLite files)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.cli import main
from diplomatic_crawler.merge import MergeError, merge_shards

TABLES = ("articles", "article_versions", "crawls", "crawl_sites", "pages", "http_cache", "merge_sources")


def record(key: str, text: str, fetched_at: str, **extra: Any) -> dict[str, Any]:
    return {
        "canonical_url": f"https://mfa.test/news/{key}",
        "url": f"https://mfa.test/news/{key}",
        "site": "mfa",
        "title": f"Title of {key}",
        "text": text,
        "word_count": len(text.split()),
        "fetched_at": fetched_at,
        "description": extra.pop("description", f"About {key}"),
        **extra,
    }


def make_shard(path: Path, records: list[dict[str, Any]], pages: list[str] = (), validators: tuple = ()) -> Path:
    with Archive(path) as archive:
        crawl = archive.start_crawl({"archive_db": str(path)}, ["mfa"])
        archive.write_articles(records, crawl)
        archive.add_pages({"url": url, "site": "mfa", "kind": "listing"} for url in pages)
        for url, etag, checked in validators:
            archive.db["http_cache"].insert(
                {"url": url, "site": "mfa", "etag": etag, "last_modified": None, "checked_at": checked}, replace=True
            )
        archive.finish_crawl(crawl, "finished", {"mfa": {"new": len(records)}})
    return path


def dump(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        out = {}
        for table in TABLES:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in ("merged_at",)]
            out[table] = sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)
        return out


@pytest.fixture
def shards(tmp_path: Path) -> tuple[Path, Path]:
    a = make_shard(
        tmp_path / "shards" / "w0.db",
        [
            record("one", "first version of one " * 10, "2026-01-01T10:00:00+00:00"),
            record("two", "text of two " * 10, "2026-01-01T10:00:00+00:00"),
        ],
        pages=["https://mfa.test/news/"],
        validators=[("https://mfa.test/sitemap.xml", '"old"', "2026-01-01T10:00:00+00:00")],
    )
    b = make_shard(
        tmp_path / "shards" / "w1.db",
        [
            record("one", "second version of one " * 10, "2026-01-02T10:00:00+00:00", description=None),
            record("two", "text of two " * 10, "2026-01-03T10:00:00+00:00"),
            record("three", "text of three " * 10, "2026-01-02T10:00:00+00:00"),
        ],
        pages=["https://mfa.test/news/", "https://mfa.test/about"],
        validators=[("https://mfa.test/sitemap.xml", '"new"', "2026-01-02T10:00:00+00:00")],
    )
    return a, b


def test_newest_fetch_wins_and_older_content_is_kept(tmp_path: Path, shards: tuple[Path, Path]) -> None:
    target = tmp_path / "archive.db"
    report = merge_shards(shards, target)
    assert (report.shards, report.new, report.updated, report.versions, report.crawls) == (2, 3, 1, 1, 2)
    with sqlite3.connect(target) as conn:
        conn.row_factory = sqlite3.Row
        rows = {r["canonical_url"].rsplit("/", 1)[1]: dict(r) for r in conn.execute("SELECT * FROM articles")}
        assert sorted(rows) == ["one", "three", "two"]
        one = rows["one"]
        assert one["text"].startswith("second version")  # the newer fetch
        assert one["description"] == "About one"  # a NULL in the newer copy overwrites nothing
        assert one["first_seen"] == "2026-01-01T10:00:00+00:00" and one["last_checked"] == "2026-01-02T10:00:00+00:00"
        assert rows["two"]["last_checked"] == "2026-01-03T10:00:00+00:00"  # same content: only checked later
        versions = conn.execute("SELECT canonical_url, version, text, superseded_at FROM article_versions").fetchall()
        assert [(v[0].rsplit("/", 1)[1], v[1], v[2][:13], v[3]) for v in versions] == [
            ("one", 1, "first version", "2026-01-02T10:00:00+00:00")
        ]
        # Crawl rows combined, articles point at the merged crawl rows, full-text index follows.
        crawls = conn.execute("SELECT id, args FROM crawls ORDER BY id").fetchall()
        assert len(crawls) == 2 and "w0.db" in crawls[0][1] and "w1.db" in crawls[1][1]
        assert {k: r["crawl_id"] for k, r in rows.items()} == {
            "one": crawls[1][0],
            "two": crawls[0][0],
            "three": crawls[1][0],
        }
        assert rows["two"]["fetched_at"] == "2026-01-01T10:00:00+00:00"  # first fetched then, content unchanged since
        assert conn.execute("SELECT count(*) FROM crawl_sites").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'second'").fetchone()[0] == 1
        assert {r[0] for r in conn.execute("SELECT url FROM pages")} == {
            "https://mfa.test/news/",
            "https://mfa.test/about",
        }
        assert [tuple(r) for r in conn.execute("SELECT etag FROM http_cache")] == [('"new"',)]


def test_merging_again_in_any_order_changes_nothing(tmp_path: Path, shards: tuple[Path, Path]) -> None:
    forward, backward = tmp_path / "forward.db", tmp_path / "backward.db"
    merge_shards(shards, forward)
    once = dump(forward)
    again = merge_shards(shards, forward)
    assert (again.new, again.updated, again.versions, again.crawls) == (0, 0, 0, 0)
    assert dump(forward) == once
    merge_shards(list(reversed(shards)), backward)
    assert content(backward) == content(forward)


def content(db: Path) -> dict[str, list[tuple]]:
    """What must not depend on the merge order: articles and versions (crawl ids aside), pages, validators."""
    with sqlite3.connect(db) as conn:
        out = {}
        for table in ("articles", "article_versions", "pages", "http_cache"):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in ("crawl_id", "row")]
            out[table] = sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)
        return out


def test_a_shard_merged_mid_run_is_updated_not_duplicated(tmp_path: Path, shards: tuple[Path, Path]) -> None:
    target = tmp_path / "archive.db"
    merge_shards(shards[:1], target)
    with Archive(shards[0]) as archive:  # the worker goes on: one more article, the crawl finishes
        archive.write_articles([record("four", "text of four " * 10, "2026-01-04T10:00:00+00:00")], 1)
        archive.finish_crawl(1, "finished", {"mfa": {"new": 3}})
    report = merge_shards(shards[:1], target)
    assert (report.new, report.crawls) == (1, 0)
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM crawls").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 3


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.db", "no such shard"),
        (lambda tmp: _write(tmp / "notes.db", b"not a database at all" * 100), "notes.db: not a SQLite database"),
        (lambda tmp: _empty_db(tmp / "empty.db"), "not a diplomatic-crawler archive"),
        (lambda tmp: tmp / "archive.db", "is the merge target itself"),
    ],
)
def test_bad_shards_are_refused_and_nothing_is_written(
    tmp_path: Path, shards: tuple[Path, Path], make, message
) -> None:
    target = tmp_path / "archive.db"
    merge_shards(shards[:1], target)
    before = dump(target)
    with pytest.raises(MergeError, match=message):
        merge_shards([shards[1], make(tmp_path)], target)
    assert dump(target) == before  # checked before the first shard was merged


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _empty_db(path: Path) -> Path:
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    return path


def test_merge_command(tmp_path: Path, shards: tuple[Path, Path]) -> None:
    target = tmp_path / "out" / "archive.db"
    runner = CliRunner()
    result = runner.invoke(main, ["merge", *map(str, shards), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "2 shard(s): 3 new" in result.output
    result = runner.invoke(main, ["merge", *map(str, shards), "-o", str(target)])
    assert "0 new, 0 updated" in result.output
    result = runner.invoke(main, ["merge", str(tmp_path / "nope.db"), "-o", str(target)])
    assert result.exit_code == 1 and "no such shard" in result.output and "Traceback" not in result.output


def test_captures_and_events_are_merged_once(tmp_path: Path) -> None:
    """Raw captures (content-addressed bodies) and withdrawal events travel with the articles, so `reextract`
    and `history` work on the merged archive; merging again copies nothing twice."""
    from diplomatic_crawler.captures import Capture, read_body

    def captured(key: str, body: bytes, fetched_at: str) -> dict[str, Any]:
        capture = Capture(f"https://mfa.test/news/{key}", 200, [("Content-Type", "text/html")], body, fetched_at)
        return record(key, f"text of {key} " * 10, fetched_at, _capture=capture)

    page = b"<html><body><p>" + b"Statement on consultations. " * 40 + b"</p></body></html>"
    a = make_shard(tmp_path / "w0.db", [captured("one", page, "2026-01-01T10:00:00+00:00")])
    b = make_shard(tmp_path / "w1.db", [captured("two", page, "2026-01-02T10:00:00+00:00")])
    with sqlite3.connect(b) as conn:
        conn.execute(
            "INSERT INTO article_events (canonical_url, at, event, reason, http_status, crawl_id)"
            " VALUES ('https://mfa.test/news/two', '2026-01-03T10:00:00+00:00', 'withdrawn', 'http_404', 404, 1)"
        )
    target = tmp_path / "archive.db"
    merge_shards([a, b], target)
    merge_shards([b, a], target)
    with Archive(target) as archive:
        captures = [dict(r) for r in archive.db.query("SELECT * FROM captures ORDER BY canonical_url")]
        assert [c["canonical_url"].rsplit("/", 1)[1] for c in captures] == ["one", "two"]
        assert all(read_body(archive.db, c) == page for c in captures)
        assert archive.db.execute("SELECT count(*) FROM capture_bodies").fetchone()[0] == 1  # one body, stored once
        crawl_of_two = archive.db.execute(
            "SELECT crawl_id FROM articles WHERE canonical_url = 'https://mfa.test/news/two'"
        ).fetchone()[0]
        assert captures[1]["crawl_id"] == crawl_of_two
        events = archive.db.execute("SELECT canonical_url, event, crawl_id FROM article_events").fetchall()
        assert events == [("https://mfa.test/news/two", "withdrawn", crawl_of_two)]


def _changing_shard(path: Path, states: list[tuple[str, str]]) -> Path:
    """A shard whose worker archived article "one" once per crawl, with the text and fetch time of each
    state: every change leaves the state before it in the shard's own `article_versions`."""
    with Archive(path) as archive:
        for text, at in states:
            crawl = archive.start_crawl({"archive_db": str(path)}, ["mfa"])
            archive.write_articles([record("one", text * 10, at)], crawl)
            archive.finish_crawl(crawl, "finished", {"mfa": {"updated": 1}})
    return path


def _history(db: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT version, substr(text, 1, 6), fetched_at FROM article_versions ORDER BY version"
        )
        return [tuple(r) for r in rows]


def test_a_shards_own_versions_are_merged_once_in_time_order(tmp_path: Path) -> None:
    """Worker w0 saw the text change from "first" to "second"; w1 saw "first" (later) and then "third". The
    merged archive keeps each earlier text once, numbered in time order, whatever the merge order, and
    `history` shows all three; merging again changes nothing."""
    a = _changing_shard(
        tmp_path / "w0.db", [("first text ", "2026-01-01T10:00:00+00:00"), ("second text ", "2026-01-02T10:00")]
    )
    b = _changing_shard(
        tmp_path / "w1.db", [("first text ", "2026-01-01T12:00:00+00:00"), ("third text ", "2026-01-03T10:00")]
    )
    forward, backward = tmp_path / "forward.db", tmp_path / "backward.db"
    report = merge_shards([a, b], forward)
    assert report.versions == 2
    expected = [
        (1, "first ", "2026-01-01T10:00:00+00:00"),  # the earliest fetch of that text
        (2, "second", "2026-01-02T10:00"),
    ]
    assert _history(forward) == expected
    once = dump(forward)
    again = merge_shards([b, a], forward)
    assert (again.new, again.updated, again.versions, again.crawls) == (0, 0, 0, 0)
    assert dump(forward) == once
    merge_shards([b, a], backward)
    assert _history(backward) == expected
    assert content(backward) == content(forward)

    result = CliRunner().invoke(main, ["history", "--db", str(forward), "https://mfa.test/news/one"])
    assert result.exit_code == 0, result.output
    assert "one version only" not in result.output
    assert [line.split()[0] for line in result.output.splitlines()[2:5]] == ["v1", "v2", "current"]
    assert "third text" in result.output


def test_stored_summaries_of_renumbered_versions_are_not_used(tmp_path: Path) -> None:
    """Merged in the other order, the versions are renumbered: the changes feed reads the same as one
    computed without any stored summary (none is left keyed to a number that now names another pair)."""
    from diplomatic_crawler.changes import list_changes

    a = _changing_shard(
        tmp_path / "w0.db", [("first text ", "2026-01-01T10:00:00+00:00"), ("second text ", "2026-01-02T10:00")]
    )
    b = _changing_shard(
        tmp_path / "w1.db", [("first text ", "2026-01-01T12:00:00+00:00"), ("third text ", "2026-01-03T10:00")]
    )
    merged = tmp_path / "backward.db"
    merge_shards([b, a], merged)
    bare = tmp_path / "bare.db"
    shutil.copy(merged, bare)
    with sqlite3.connect(bare) as conn:
        conn.execute("DELETE FROM revision_summaries")
    feeds = []
    for path in (merged, bare):
        with sqlite3.connect(path) as conn:
            feeds.append([(c["id"], c.get("summary")) for c in list_changes(conn)])
    assert feeds[0] == feeds[1] and len(feeds[0]) >= 2


def test_a_single_shard_keeps_its_versions(tmp_path: Path) -> None:
    shard = _changing_shard(
        tmp_path / "w0.db", [("first text ", "2026-01-01T10:00:00+00:00"), ("second text ", "2026-01-02T10:00")]
    )
    target = tmp_path / "archive.db"
    assert merge_shards([shard], target).versions == 1
    with sqlite3.connect(shard) as conn:
        kept = conn.execute("SELECT content_hash, fetched_at, title, text FROM article_versions").fetchall()
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT content_hash, fetched_at, title, text FROM article_versions").fetchall() == kept
        crawl = conn.execute("SELECT crawl_id FROM article_versions").fetchone()[0]
        first_crawl = conn.execute("SELECT crawl_id FROM merge_sources WHERE shard_crawl_id = 1").fetchone()[0]
        assert crawl == first_crawl  # the shard's crawl id, mapped to the merged crawl row


def test_shards_in_a_read_only_place_are_merged(tmp_path: Path, shards: tuple[Path, Path]) -> None:
    """Issue 22, item 11: shards copied to a read-only directory (a collected set, a read-only mount) are
    read where they are; the merge process runs without root's right to ignore file modes."""
    from faultserver import as_plain_user, lock_dir, run_cli

    folder = shards[0].parent
    lock_dir(folder)
    try:
        target = tmp_path / "out" / "archive.db"
        result = run_cli("merge", *map(str, shards), "-o", str(target), preexec_fn=as_plain_user)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "2 shard(s): 3 new" in result.stdout + result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["w0.db", "w1.db"]
