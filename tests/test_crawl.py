"""End-to-end: `scrapy crawl news` as a subprocess against local test sites, real SQLite files."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from conftest import SiteUnderTest, run_crawl


def _rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_full_crawl_then_cheap_rerun(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    db = tmp_path / "out" / "archive.db"
    server = test_site.server

    # --- first run: everything is new ---------------------------------------------------------
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    paths = server.paths()
    urls = [u for (u,) in _rows(db, "SELECT canonical_url FROM articles ORDER BY canonical_url")]
    expected = sorted(f"{test_site.base}{p}" for p in test_site.article_paths())
    assert urls == expected  # every article once: no utm/fbclid/fragment/print/redirect duplicates
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+/news/[\w-]+\.html", u) for u in urls)
    # no listing, tag, author, calendar or about page was archived
    assert not _rows(db, "SELECT url FROM articles WHERE url NOT LIKE '%/news/%.html%'")
    # robots.txt obeyed: nothing under /private/ fetched
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith("/private/")]
    # the calendar trap is bounded by CALENDAR_PAGES_LIMIT (5)
    assert 1 <= len([p for p in paths if p.startswith("/calendar")]) <= 5
    # the redirect chain was followed, and the page it leads to stored once
    assert "/go/old" in paths and "/go/older" in paths
    # every article row carries the seed's fields and a full-text index entry
    row = _rows(db, "SELECT site, country, issuer, authors, tags, first_seen, crawl_id FROM articles LIMIT 1")[0]
    assert row[:3] == ("testsite", "VL", "Ministry of Foreign Affairs of Veloria")
    assert isinstance(json.loads(row[3]), list) and isinstance(json.loads(row[4]), list)
    assert row[5] and row[6] == 1
    assert _rows(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'delegation*'")[0][0] > 0
    crawl = _rows(db, "SELECT status, finished, sites FROM crawls WHERE id = 1")[0]
    assert crawl[0] == "finished" and crawl[1]
    counts = json.loads(crawl[2])["testsite"]
    assert counts["new"] == 12 and counts["updated"] == 0 and counts["failed"] >= 2  # the 404 and the 500
    assert _rows(db, "SELECT new, unchanged FROM crawl_sites WHERE crawl_id = 1") == [(12, 0)]
    first_seen = dict(_rows(db, "SELECT canonical_url, first_seen FROM articles"))

    # --- second run after three new articles: only those are fetched --------------------------
    old_articles = set(test_site.article_paths())
    new_articles = test_site.add_articles(3)
    server.clear_log()
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    paths = server.paths()
    assert not [p for p in paths if p.split("?")[0] in old_articles], " ".join(paths)  # none for old articles
    assert not [p for p in paths if p.startswith(("/print/", "/go/"))], paths  # known aliases not refetched
    assert set(new_articles) <= set(paths)
    assert _rows(db, "SELECT count(*) FROM articles")[0][0] == 15
    assert _rows(db, "SELECT new, updated FROM crawl_sites WHERE crawl_id = 2") == [(3, 0)]
    for url, seen in first_seen.items():  # old rows untouched
        assert _rows(db, "SELECT first_seen, crawl_id FROM articles WHERE canonical_url = ?", url) == [(seen, 1)]

    # --- third run, nothing new: feed and child sitemaps answer 304, no article is fetched ------
    server.clear_log()
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 0
    statuses = {r.path: r.status for r in server.requests}
    assert statuses["/feed.xml"] == 304  # conditional GET
    assert statuses["/sitemap.xml"] == 200  # an index is always read in full ...
    assert statuses["/sitemap-recent.xml"] == 304 and statuses["/sitemap-archive.xml.gz"] == 304  # ... not its children
    fetched_articles = [p for p in statuses if p.startswith("/news/") and p.endswith(".html")]
    assert fetched_articles == ["/news/missing-page.html"]  # failures are retried on the next run
    assert "Crawl 3 finished" in result.stderr


def test_changed_lastmod_refetches_and_updates(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds, start_urls=[], feeds=[])  # sitemap only
    db = tmp_path / "archive.db"
    assert run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db)).returncode == 0
    assert _rows(db, "SELECT count(*) FROM articles")[0][0] == 12
    # Edit one article and move its lastmod into the future.
    target = test_site.spec.articles[-1]
    page = test_site.root / "news" / f"{target.slug}.html"
    page.write_text(page.read_text().replace("The parties also", "Correction: the parties also"))
    sitemap = next(p for p in test_site.root.glob("sitemap-*.xml") if target.slug in p.read_text())
    sitemap.write_text(
        re.sub(
            rf"({re.escape(target.slug)}\.html</loc><lastmod>)[^<]+",
            r"\g<1>2999-01-01T00:00:00+00:00",
            sitemap.read_text(),
        )
    )
    test_site.server.clear_log()
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-2000:]
    fetched = [p for p in test_site.server.paths() if p.startswith("/news/")]
    assert fetched == [f"/news/{target.slug}.html"]
    text, crawl_id = _rows(db, "SELECT text, crawl_id FROM articles WHERE url LIKE ?", f"%{target.slug}%")[0]
    assert "Correction" in text and crawl_id == 2
    assert _rows(db, "SELECT updated, unchanged FROM crawl_sites WHERE crawl_id = 2") == [(1, 0)]


def test_invalid_seed_fails_before_any_request(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds, timezone="Mars/Olympus")
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(tmp_path / "a.db"))
    assert result.returncode != 0
    assert "testsite.toml: timezone: unknown time zone 'Mars/Olympus'" in result.stderr
    assert test_site.server.paths() == []


def test_unknown_site_argument_fails(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    result = run_crawl("-a", f"seeds={seeds}", "-a", "site=nope", ARCHIVE_DB=str(tmp_path / "a.db"))
    assert result.returncode != 0
    assert "unknown site(s) nope" in result.stderr
    assert test_site.server.paths() == []


def test_unwritable_archive_fails(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(blocker / "archive.db"))
    assert result.returncode != 0
    assert "cannot open archive" in result.stderr
    assert test_site.server.paths() == []


def test_site_that_fails_entirely_gives_exit_status_2(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds, start_urls=[f"{test_site.base}/broken"], sitemaps=[], feeds=[])
    db = tmp_path / "a.db"
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 2, result.stderr[-2000:]
    assert _rows(db, "SELECT status FROM crawls") == [("failed",)]
    assert "FAILED" in result.stderr


def test_progress_lines_while_running(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    # A small delay keeps the crawl running long enough for several progress ticks.
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(tmp_path / "a.db"), PROGRESS_INTERVAL="0.2",
                       DOWNLOAD_DELAY="0.05")
    assert result.returncode == 0, result.stderr[-2000:]
    progress = re.findall(r"testsite: (\d+) fetched, (\d+) new, \d+ updated", result.stderr)
    assert len(progress) >= 2
    fetched = [int(f) for f, _ in progress]
    assert fetched == sorted(fetched) and fetched[-1] > 0  # counts only grow
