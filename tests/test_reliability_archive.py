"""Reliability cases 5, 31-36: the archive loses nothing. SIGKILL at random points, SIGTERM, concurrent
crawls and exports, error answers for archived articles, edits, new fields, unusable archive files, a
full disk and bad seeds. Real `scrapy crawl news` subprocesses, real SQLite files."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faultserver import (
    PROJECT_ROOT,
    FaultServer,
    Reply,
    as_plain_user,
    crawl,
    lock_dir,
    make_site,
    served,
    start_crawl,
    stats_value,
    stop,
    wait_for,
    write_seed,
)
from faultserver import archive_rows as _rows

from diplomatic_crawler.archive import Archive
from diplomatic_crawler.demo.sitegen import SiteSpec, build_site, sample_articles

ARTICLE_PATTERN = r"/news/[^/]+\.html$"
INCOMPLETE = (
    "SELECT count(*) FROM articles WHERE text IS NULL OR text = '' OR site IS NULL OR url IS NULL"
    " OR content_hash IS NULL OR fetched_at IS NULL OR first_seen IS NULL OR title IS NULL"
)


def _healthy(db: Path) -> None:
    """integrity_check ok, the full-text index consistent with its table, no incomplete row."""
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    conn = sqlite3.connect(db)
    try:
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    finally:
        conn.close()
    assert _rows(db, INCOMPLETE) == [(0,)]


def _expected_keys(server: FaultServer, spec: SiteSpec) -> set[str]:
    return {f"http://{server.netloc}/news/{a.slug}.html" for a in spec.articles}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _move_lastmod(root: Path, slug: str) -> None:
    """Give one article a sitemap lastmod in the future, so that the next run fetches it again."""
    for sitemap in root.glob("sitemap-*.xml"):
        text = sitemap.read_text()
        if slug in text:
            sitemap.write_text(re.sub(rf"({re.escape(slug)}\.html</loc><lastmod>)[^<]+", r"\g<1>2999-01-01", text))
            return
    raise AssertionError(f"{slug} not in a plain sitemap")


# -- case 31: SIGKILL at random points, then rerun ------------------------------------------------------


def test_case31_sigkill_at_random_points_loses_nothing(tmp_path: Path) -> None:
    """Ten crawls killed with SIGKILL at random moments (each run has new articles to write, so kills land
    while pages are fetched and batches committed): after every kill the archive opens, passes
    integrity_check and holds only complete rows; a final run completes it, every article exactly once."""
    rnd = random.Random(int(os.environ.get("KILL_SEED", "20240531")))
    server, spec = make_site(tmp_path, "mfa", 12, latency=0.3, per_page=50)  # crawls outlast most kill delays
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN)
    db = tmp_path / "archive.db"
    killed_running = 0
    kills: list[str] = []
    missing: list[int] = []
    with served(server):
        for run in range(10):
            new = sample_articles(
                100 + run, 6, spec.articles[-1].published.replace(hour=0) + _days(1), prefix=f"r{run}-"
            )
            spec.articles.extend(new)
            build_site(server.root, spec)
            launched = time.monotonic()  # a killed run's last requests may still be answered after this
            proc = start_crawl(
                "-a",
                f"seeds={seeds}",
                log=tmp_path / f"run{run}.log",
                ARCHIVE_DB=str(db),
                ARCHIVE_BATCH_SIZE="2",
                CONCURRENT_REQUESTS_PER_DOMAIN="2",
            )
            assert wait_for(lambda t=launched, p=proc: server.arrived_since(t) or p.poll() is not None, 60)
            delay = rnd.uniform(0.05, 1.6)
            time.sleep(delay)
            running = proc.poll() is None
            killed_running += running
            assert stop(proc, signal.SIGKILL) in (-signal.SIGKILL, 0)
            kills.append(f"run {run}: +{delay:.2f}s {'killed' if running else 'had finished'}")
            _healthy(db)
            keys = {k for (k,) in _rows(db, "SELECT canonical_url FROM articles")}
            assert keys <= _expected_keys(server, spec), kills
            missing.append(len(_expected_keys(server, spec) - keys))
        assert killed_running >= 6, kills  # most kills hit a running crawl
        assert max(missing) > 0, kills  # some kills left articles for a rerun to add
        final = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "news",
                "-a",
                f"seeds={seeds}",
                "-s",
                f"ARCHIVE_DB={db}",
                "-s",
                "ALLOW_PRIVATE_NETWORKS=True",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=False",
                "-s",
                "PROGRESS_INTERVAL=0",
                "-s",
                "CONCURRENT_REQUESTS_PER_DOMAIN=4",
            ],
            cwd=PROJECT_ROOT,
            env=dict(os.environ, SCRAPY_SETTINGS_MODULE="diplomatic_crawler.settings"),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert final.returncode == 0, final.stderr[-3000:]
    _healthy(db)
    keys = [k for (k,) in _rows(db, "SELECT canonical_url FROM articles")]
    assert sorted(keys) == sorted(_expected_keys(server, spec)), kills  # every article, exactly once
    assert len(keys) == 12 + 60
    # the killed runs stay visible as such: started, never finished, recorded as interrupted by the next
    # start (a kill during the closing seconds of a run finds its record already written as finished)
    runs = _rows(db, "SELECT status, finished FROM crawls ORDER BY id")
    assert runs[-1][0] == "finished" and {s for s, _ in runs} <= {"interrupted", "finished"}
    assert [s for s, _ in runs].count("interrupted") >= killed_running - 3, repr((runs, kills))
    assert all(finished is None for s, finished in runs if s == "interrupted")


def _days(n: int):
    from datetime import timedelta

    return timedelta(days=n)


# -- SIGTERM: a clean stop -------------------------------------------------------------------------------


def test_sigterm_stops_cleanly_and_commits_what_was_extracted(tmp_path: Path) -> None:
    server, _spec = make_site(tmp_path, "mfa", 40, latency=0.15, per_page=50)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN, feeds=[], start_urls=[])
    db = tmp_path / "archive.db"
    log = tmp_path / "crawl.log"
    with served(server):
        proc = start_crawl(
            "-a",
            f"seeds={seeds}",
            log=log,
            ARCHIVE_DB=str(db),
            ARCHIVE_BATCH_SIZE="100",
            CONCURRENT_REQUESTS_PER_DOMAIN="2",
        )
        assert wait_for(lambda: len(server.hits_for("/news/")) >= 8 or proc.poll() is not None, 90)
        assert proc.poll() is None, log.read_text()[-3000:]
        code = stop(proc, signal.SIGTERM, timeout=90)
    text = log.read_text()
    assert code == 1, text[-3000:]  # interrupted: not everything was crawled
    assert "Received SIGTERM, shutting down gracefully" in text
    _healthy(db)
    stored = _rows(db, "SELECT count(*) FROM articles")[0][0]
    scraped = stats_value(text, "item_scraped_count")
    # the whole in-memory batch (ARCHIVE_BATCH_SIZE=100 was never reached) was committed on the way out
    assert scraped and stored == scraped and 0 < stored < 40
    status, finished = _rows(db, "SELECT status, finished FROM crawls")[0]
    assert status == "shutdown" and finished


# -- case 32: concurrent crawls, and a crawl while exporting -------------------------------------------


def test_case32_two_crawls_on_one_archive(tmp_path: Path) -> None:
    """Two crawls writing one archive at the same time (one article per transaction, to maximise
    contention): no 'database is locked', both crawls' rows present."""
    one, spec_one = make_site(tmp_path, "one", 25, latency=0.01, per_page=50)
    two, spec_two = make_site(tmp_path, "two", 25, host="127.0.0.2", seed=9, latency=0.01, per_page=50)
    db = tmp_path / "archive.db"
    Archive(db).close()  # both start from an existing archive (no race on creating it)
    procs = []
    with served(one, two):
        for name, server in (("one", one), ("two", two)):
            seeds = tmp_path / f"seeds-{name}"
            write_seed(seeds, name, server.netloc, article_pattern=ARTICLE_PATTERN)
            procs.append(
                start_crawl(
                    "-a", f"seeds={seeds}", log=tmp_path / f"{name}.log", ARCHIVE_DB=str(db), ARCHIVE_BATCH_SIZE="1"
                )
            )
        codes = [p.wait(timeout=180) for p in procs]
    logs = [(tmp_path / f"{n}.log").read_text() for n in ("one", "two")]
    assert codes == [0, 0], [lg[-2000:] for lg in logs]
    assert not any("database is locked" in lg for lg in logs)
    _healthy(db)
    assert _rows(db, "SELECT site, count(*) FROM articles GROUP BY site ORDER BY site") == [("one", 25), ("two", 25)]
    assert _rows(db, "SELECT status FROM crawls ORDER BY id") == [("finished",), ("finished",)]
    assert sorted(k for (k,) in _rows(db, "SELECT canonical_url FROM articles")) == sorted(
        _expected_keys(one, spec_one) | _expected_keys(two, spec_two)
    )


def test_case32_export_while_crawling(tmp_path: Path) -> None:
    """`diplomatic-crawler export` reads while a crawl writes: every export succeeds without waiting for
    the crawl, each is a consistent snapshot (whole rows, no duplicates) and they only grow."""
    server, _spec = make_site(tmp_path, "mfa", 40, latency=0.05, per_page=50)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN)
    db = tmp_path / "archive.db"
    Archive(db).close()
    counts: list[int] = []
    with served(server):
        proc = start_crawl(
            "-a",
            f"seeds={seeds}",
            log=tmp_path / "crawl.log",
            ARCHIVE_DB=str(db),
            ARCHIVE_BATCH_SIZE="1",
            CONCURRENT_REQUESTS_PER_DOMAIN="2",
        )
        n = 0
        while proc.poll() is None or n < 2:
            out = tmp_path / f"export-{n}.jsonl"
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "diplomatic_crawler.cli",
                    "export",
                    "--db",
                    str(db),
                    "--format",
                    "jsonl",
                    "-o",
                    str(out),
                ],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert "locked" not in result.stderr
            lines = out.read_text(encoding="utf-8").splitlines()
            records = [json.loads(line) for line in lines]
            urls = [r.get("canonical_url") or r.get("url") for r in records]
            assert len(urls) == len(set(urls))
            assert all(r.get("text") and r.get("title") for r in records)
            counts.append(len(records))
            n += 1
        assert proc.wait(timeout=120) == 0, (tmp_path / "crawl.log").read_text()[-3000:]
    assert counts == sorted(counts), counts
    assert counts[-1] == 40
    assert len(set(counts)) >= 2, counts  # at least one export ran while the crawl was writing


# -- case 5 and 33: archived articles that break, change or lose fields --------------------------------


@pytest.mark.parametrize("status", [404, 410, 500])
def test_case5_archived_article_now_failing_keeps_its_row(tmp_path: Path, status: int) -> None:
    server, spec = make_site(tmp_path, "mfa", 4, per_page=50)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN, feeds=[], start_urls=[])
    db = tmp_path / "archive.db"
    target = spec.articles[-1]
    with served(server):
        assert crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 0
        before = _rows(db, "SELECT * FROM articles WHERE url LIKE ?", f"%{target.slug}%")
        assert len(before) == 1
        server.route(f"/news/{target.slug}.html", lambda p, q: Reply(status, b"<html><body>Gone</body></html>"))
        _move_lastmod(server.root, target.slug)
        server.clear_log()
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), RETRY_TIMES="1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"/news/{target.slug}.html" in server.paths()  # it was asked again
    columns = [c for (_, c, *_) in _rows(db, "PRAGMA table_info(articles)")]
    after = dict(zip(columns, _rows(db, "SELECT * FROM articles WHERE url LIKE ?", f"%{target.slug}%")[0], strict=True))
    old = dict(zip(columns, before[0], strict=False))
    for field in ("text", "title", "published", "content_hash", "fetched_at", "authors", "first_seen", "crawl_id"):
        assert after[field] == old[field], field
    assert after["http_status"] == status and after["http_status_at"]  # recorded as metadata only
    assert _rows(db, "SELECT count(*) FROM articles") == [(4,)]
    assert f"archived article now answers HTTP {status}, stored copy kept" in result.stderr


def test_case33_edited_article_updates_without_losing_fields(tmp_path: Path) -> None:
    """A re-crawl of an edited article (new headline, no byline, no date any more) updates title, text,
    hash and fetch time; `published` and `authors` keep their stored values (never NULL)."""
    server, spec = make_site(tmp_path, "mfa", 4, per_page=50)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN, feeds=[], start_urls=[])
    db = tmp_path / "archive.db"
    target = spec.articles[-1]
    url = f"http://{server.netloc}/news/{target.slug}.html"
    with served(server):
        assert crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 0
        (old,) = _rows(
            db,
            "SELECT title, authors, published, content_hash, fetched_at, first_seen, text "
            "FROM articles WHERE canonical_url = ?",
            url,
        )
        assert json.loads(old[1]) and old[2]
        paragraphs = "".join(f"<p>{p} (updated)</p>" for p in target.paragraphs)
        edited = (
            f'<!doctype html><html lang="en"><head><title>Corrected: talks on trade</title>'
            f'<link rel="canonical" href="{url}"><meta property="og:type" content="article"></head>'
            f"<body><article><h1>Corrected: talks on trade</h1>{paragraphs}</article></body></html>"
        )
        (server.root / "news" / f"{target.slug}.html").write_text(edited, encoding="utf-8")
        _move_lastmod(server.root, target.slug)
        time.sleep(1.1)  # fetched_at has second resolution
        assert crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 0
    (new,) = _rows(
        db,
        "SELECT title, authors, published, content_hash, fetched_at, first_seen, text "
        "FROM articles WHERE canonical_url = ?",
        url,
    )
    assert new[0] == "Corrected: talks on trade"
    assert "(updated)" in new[6]
    assert new[3] != old[3] and new[4] > old[4]  # content hash and fetch time change
    assert new[1] == old[1] and new[2] == old[2] and new[5] == old[5]  # authors, published, first_seen kept
    assert _rows(db, "SELECT updated FROM crawl_sites WHERE crawl_id = 2") == [(1,)]


def test_case34_new_field_mid_batch(tmp_path: Path) -> None:
    """A record with a field the schema does not have yet, in the middle of a batch: the column is added,
    no record of the batch is lost, later records without it are fine."""
    db = tmp_path / "archive.db"
    base = {
        "site": "mfa",
        "title": "T",
        "text": "Body text of the statement.",
        "fetched_at": "2025-01-01T00:00:00+00:00",
    }
    records = [
        {**base, "canonical_url": "https://x.test/1", "url": "https://x.test/1"},
        {**base, "canonical_url": "https://x.test/2", "url": "https://x.test/2", "subtitle": "A new field"},
        {**base, "canonical_url": "https://x.test/3", "url": "https://x.test/3"},
    ]
    with Archive(db) as archive:
        assert archive.write_articles(records, None) == ["new", "new", "new"]
        assert archive.write_articles([{**records[0], "subtitle": "Later", "text": "Changed text."}], None) == [
            "updated"
        ]
    assert _rows(db, "SELECT canonical_url, subtitle FROM articles ORDER BY canonical_url") == [
        ("https://x.test/1", "Later"),
        ("https://x.test/2", "A new field"),
        ("https://x.test/3", None),
    ]
    _healthy(db)


# -- case 35: unusable archives ---------------------------------------------------------------------------


def _corrupt(path: Path) -> None:
    """Overwrite the middle of a valid archive with garbage (pages of the articles table and its index)."""
    data = bytearray(path.read_bytes())
    page = 4096
    rnd = random.Random(7)
    for n in range(2, len(data) // page - 1):
        if n % 2 == 0:
            data[n * page + 8 : n * page + 600] = bytes(rnd.randrange(256) for _ in range(592))
    path.write_bytes(bytes(data))


def _valid_archive(tmp_path: Path) -> Path:
    db = tmp_path / "valid.db"
    with Archive(db) as archive:
        archive.write_articles(
            [
                {
                    "canonical_url": f"https://x.test/{i}",
                    "url": f"https://x.test/{i}",
                    "site": "mfa",
                    "title": f"T{i}",
                    "text": f"Statement number {i}. " * 200,
                }
                for i in range(60)
            ],
            None,
        )
        archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("parent-is-a-file", "cannot open archive"),
        ("read-only-filesystem", "cannot open archive"),
        # issue 22, item 11: not writable, or not SQLite at all, is not "damaged"; each says what to do
        ("read-only-directory", "cannot open archive for writing: its directory {dir} is not writable"),
        ("new-file-in-read-only-directory", "cannot open archive for writing: its directory {dir} is not writable"),
        ("read-only-file", "cannot open archive for writing: archive.db is read-only"),
        ("not-sqlite", "not a SQLite database (file is not a database"),
        ("empty-header", "not a SQLite database (file is not a database"),
        ("corrupted", "the archive is damaged"),
        ("truncated", "the archive is damaged"),
        ("newer-schema", "is newer than this program"),
    ],
)
def test_case35_unusable_archive_fails_before_any_request(tmp_path: Path, kind: str, message: str) -> None:
    server, _ = make_site(tmp_path, "mfa", 2)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc)
    path = tmp_path / "archive.db"
    if kind == "parent-is-a-file":
        (tmp_path / "blocker").write_text("x")
        path = tmp_path / "blocker" / "archive.db"
    elif kind == "read-only-filesystem":
        path = Path("/proc/self/archive.db")
    elif kind in ("read-only-directory", "new-file-in-read-only-directory", "read-only-file"):
        path = tmp_path / "place" / "archive.db"
        path.parent.mkdir()
        if kind != "new-file-in-read-only-directory":
            path.write_bytes(_valid_archive(tmp_path).read_bytes())
    elif kind == "not-sqlite":
        path.write_text("These are my research notes, not a database.\n" * 100)
    elif kind == "empty-header":
        path.write_bytes(b"\0" * 8192)
    elif kind in ("corrupted", "truncated"):
        valid = _valid_archive(tmp_path)
        data = valid.read_bytes()
        path.write_bytes(data[: len(data) // 2] if kind == "truncated" else data)
        if kind == "corrupted":
            _corrupt(path)
    elif kind == "newer-schema":
        Archive(path).close()
        _rows(path, "SELECT 1")
        conn = sqlite3.connect(path)
        conn.execute("INSERT INTO migrations (version, name, applied_at) VALUES (9999, 'future', '2099-01-01')")
        conn.commit()
        conn.close()
    before = _sha(path) if path.is_file() else None
    writable = kind in ("read-only-directory", "new-file-in-read-only-directory", "read-only-file")
    if kind == "read-only-file":
        path.chmod(0o444)
    elif "read-only-directory" in kind:
        lock_dir(path.parent)
    try:
        with served(server):
            result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(path), preexec_fn=as_plain_user)
    finally:
        if writable:
            path.parent.chmod(0o755)
    assert result.returncode == 1, result.stderr[-3000:]
    (error,) = [line for line in result.stderr.splitlines() if "Unusable archive, nothing crawled" in line]
    assert message.format(dir=path.parent) in error
    assert ("Crawl into a writable place" in error) == writable
    if kind not in ("corrupted", "truncated"):
        assert "damaged" not in error and "Restore a backup" not in error
    assert "Traceback" not in result.stderr
    assert server.hits == []
    if before is not None:
        assert _sha(path) == before  # never written to


def test_case35_disk_full_during_crawl(tmp_path: Path) -> None:
    """The archive's file system fills up in the middle of the crawl (RLIMIT_FSIZE: writes past the
    limit fail with EFBIG, as on a full disk): the crawl stops with exit status 3, the archive stays
    consistent and every row in it is complete; a later run with space completes it."""
    server, _spec = make_site(tmp_path, "mfa", 60, per_page=100)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN)
    db = tmp_path / "archive.db"
    Archive(db).close()
    limit = db.stat().st_size + 150_000

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    with served(server):
        full = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), ARCHIVE_BATCH_SIZE="3", preexec_fn=small_disk)
        assert full.returncode == 3, full.stderr[-3000:]
        assert "Archive write failed, stopping the crawl" in full.stderr
        assert re.search(r"cannot write: (database or disk is full|disk I/O error)", full.stderr)
        _healthy(db)
        stored = _rows(db, "SELECT count(*) FROM articles")[0][0]
        assert stored < 60
        again = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert again.returncode == 0, again.stderr[-3000:]
    _healthy(db)
    assert _rows(db, "SELECT count(*) FROM articles") == [(60,)], again.stderr[-2500:]


# -- case 36: bad seeds --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a.toml": "allowed_domains = ['HOST']\nstart_urls = ['http://HOST/']\n"}, "a.toml: name: required"),
        (
            {
                "a.toml": "name = 'a'\nallowed_domains = ['HOST']\nstart_urls = ['http://HOST/']\n",
                "b.toml": "name = 'a'\nallowed_domains = ['HOST']\nstart_urls = ['http://HOST/']\n",
            },
            "b.toml: name: must equal the file name stem 'b'",
        ),
        (
            {
                "a.toml": "name = 'a'\nallowed_domains = ['HOST']\nstart_urls = ['http://HOST/']\n"
                "article_pattern = '(['\n"
            },
            "a.toml: article_pattern: invalid regular expression",
        ),
        (
            {"a.toml": "name = 'a'\nallowed_domains = ['HOST']\nstart_urls = ['http://HOST/']\nstart_url = 'x'\n"},
            "a.toml: start_url: unknown key",
        ),
        ({"a.toml": "name = 'a'\nallowed_domains = ['HOST']]\nstart_urls = []\n"}, "a.toml: toml: "),
        ({"a.toml": "name = 'a'\nallowed_domains = ['HOST']\nstart_urls = ['http://HOST/']\n"}, "unknown site(s) zz"),
    ],
    ids=["missing-name", "duplicate-name", "invalid-regex", "unknown-key", "toml-syntax", "site-not-found"],
)
def test_case36_bad_seeds_fail_before_any_request(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    server = FaultServer(tmp_path)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, text in files.items():
        (seeds / name).write_text(text.replace("HOST", server.netloc), encoding="utf-8")
    args = ["-a", f"seeds={seeds}"] + (["-a", "site=zz"] if "zz" in expected else [])
    with served(server):
        result = crawl(*args, ARCHIVE_DB=str(tmp_path / "archive.db"))
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert server.hits == []
    assert not (tmp_path / "archive.db").exists()  # nothing written either
    if expected.endswith("toml: "):
        assert re.search(r"a\.toml: toml: .*line 2", result.stderr)
    elif "regular expression" in expected or "unknown key" in expected:
        assert re.search(r"a\.toml: .* \(line 4\)", result.stderr)  # where to look
