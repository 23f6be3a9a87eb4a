"""What the downloader middlewares and the spider learn of archived articles (the status their URL answers,
withdrawals) is written by the archive pipeline's writer, in order with the articles, never on the reactor
thread: a commit in progress cannot stall the downloads, and the writer's flush at close keeps every event.
A real `scrapy crawl news` against a local server, and the real middlewares and pipeline in-process against
a real SQLite file held locked by another connection."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import ClassVar

from faultserver import Reply, archive_rows, crawl, make_site, served, stats_value, write_seed
from scrapy import Spider
from scrapy.http import HtmlResponse, Request
from scrapy.utils.reactor import install_reactor, is_reactor_installed
from scrapy.utils.test import get_crawler

from diplomatic_crawler.archive import Archive, get_archive
from diplomatic_crawler.pipelines import ArchivePipeline
from diplomatic_crawler.status_tracking import ArchivedStatusMiddleware
from diplomatic_crawler.withdrawals import WithdrawalMiddleware

ARTICLE_PATTERN = r"/news/[^/]+\.html$"
KEY = "https://mfa.example.org/news/talks.html"


def test_a_recheck_crawl_commits_status_and_withdrawals_with_the_last_flush(tmp_path: Path) -> None:
    """Batches far larger than the crawl and no commit timer: the events reach the archive only through the
    writer's flush when the crawl goes idle and closes, and all of them are there."""
    server, spec = make_site(tmp_path, "mfa", 4, per_page=50)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN, feeds=[], start_urls=[])
    db = tmp_path / "archive.db"
    gone404, gone500, to_home, kept = (f"/news/{a.slug}.html" for a in spec.articles)
    base = server.base_url
    settings = {"ARCHIVE_DB": str(db), "ARCHIVE_BATCH_SIZE": "1000", "ARCHIVE_COMMIT_INTERVAL": "0"}
    with served(server):
        assert crawl("-a", f"seeds={seeds}", **settings).returncode == 0
        server.route(gone404, lambda p, q: Reply(404, b"<html><body>Not found</body></html>"))
        server.route(gone500, lambda p, q: Reply(500, b"<html><body>Error</body></html>"))
        server.route(to_home, lambda p, q: Reply(301, b"", {"Location": f"{base}/"}))
        result = crawl("-a", f"seeds={seeds}", "-a", "recheck=3650", **settings)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {
        url.removeprefix(base): (status, withdrawn)
        for url, status, withdrawn in archive_rows(db, "SELECT url, http_status, withdrawn_reason FROM articles")
    }
    assert rows[gone404] == (404, "HTTP 404")
    assert rows[gone500] == (500, None)  # an error answer is metadata only, never a withdrawal
    assert rows[to_home][1].startswith("redirects to the site's home")
    assert rows[kept] == (200, None)
    events = archive_rows(db, "SELECT canonical_url, event, http_status, crawl_id FROM article_events")
    crawl_id = archive_rows(db, "SELECT max(id) FROM crawls")[0][0]
    assert sorted((u.removeprefix(base), e, s, c) for u, e, s, c in events) == sorted(
        [(gone404, "withdrawn", 404, crawl_id), (to_home, "withdrawn", None, crawl_id)]
    )
    assert stats_value(result.stderr, "diplomatic/mfa/withdrawn") == 2  # counted once committed
    assert result.stderr.count("archived article withdrawn") == 2
    assert "archived article now answers HTTP 500, stored copy kept" in result.stderr


class Archived(Spider):
    """A spider that knows one archived article (what `NewsSpider` keeps in `known`)."""

    name = "archived"
    known: ClassVar[dict[str, str]] = {KEY: "2024-03-01T00:00:00+00:00"}


def _crawler(db: Path):
    if not is_reactor_installed():  # the pipeline's writer reports to the reactor (never run here)
        install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    crawler = get_crawler(Archived, {"ARCHIVE_DB": str(db), "ARCHIVE_COMMIT_INTERVAL": 0})
    crawler.spider = crawler._create_spider()
    return crawler


def test_middlewares_return_at_once_while_another_connection_holds_the_write_lock(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        record = {"canonical_url": KEY, "url": KEY, "site": "mfa", "title": "Talks", "text": "The ministers met."}
        assert archive.write_articles([record], None) == ["new"]
    crawler = _crawler(db)
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    middlewares = [WithdrawalMiddleware.from_crawler(crawler), ArchivedStatusMiddleware.from_crawler(crawler)]
    statements: list[str] = []  # everything the calling thread's own connection runs
    get_archive(crawler).db.conn.set_trace_callback(statements.append)
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process committing: the write lock is taken
    try:
        request = Request(KEY, meta={"key": KEY, "kind": "page", "site": "mfa"})
        response = HtmlResponse(KEY, status=410, body=b"<html><body>Gone</body></html>", request=request)
        started = time.monotonic()
        for middleware in middlewares:  # in Scrapy's order: 545 before 540 on the way back
            assert middleware.process_response(request, response) is response
        pipeline.flush()  # handed to the writer, not waited for
        elapsed = time.monotonic() - started
        writers = [t for t in threading.enumerate() if t.name.startswith("archive-writer")]
        assert writers and all(t.is_alive() for t in writers)  # the writer thread waits for the lock
        assert archive_rows(db, "SELECT withdrawn_at, http_status FROM articles") == [(None, None)]  # not yet
    finally:
        blocker.rollback()
        blocker.close()
    pipeline.close_spider()  # waits for the writer
    get_archive(crawler).close()
    assert elapsed < 5.0, elapsed  # the busy timeout the middlewares waited for before is 30 s
    assert statements == []  # not one statement ran on the calling thread
    assert archive_rows(db, "SELECT withdrawn_reason, http_status FROM articles") == [("HTTP 410", 410)]
    assert archive_rows(db, "SELECT event, http_status FROM article_events") == [("withdrawn", 410)]
    assert crawler.stats.get_value("diplomatic/mfa/withdrawn") == 1
