"""A stop that stops (issue 21, item 1): SIGTERM during any download pause ends the crawl within seconds
with every fetched article committed; articles are committed within seconds while the crawl runs; a
killed run is recorded as interrupted by the next start. Real `scrapy crawl news` subprocesses against
real HTTP servers on 127.0.0.1 / 127.0.0.2, real SQLite archives."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from faultserver import (
    FaultServer,
    Reply,
    crawl,
    make_site,
    served,
    start_crawl,
    stats_value,
    stop,
    wait_for,
    write_seed,
)

from diplomatic_crawler.archive import Archive

ARTICLE_PATTERN = r"/news/[^/]+\.html$"
FAST_ARTICLES = 3
SLOW_ARTICLES = 5
# Wide bounds: the machine has 2 shared cores, and a test that fails 1 run in 10 is a red CI.
STOP_WITHIN = 30.0
STOP_TARGET = 10.0  # issue 21's target for the signal-to-exit time (0.8-1.1 s seen on the loaded machine)
COMMITTED_WITHIN = 20.0


def _rows(db: Path, sql: str, *params: object) -> list[tuple]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # the crawl has not created its tables yet
        return []
    finally:
        conn.close()


def _pause_routes(slow: FaultServer, pause: str) -> dict[str, str]:
    """Make the slow host pause the crawl in one of the ways a download slot waits; the settings it
    needs."""
    if pause == "crawl_delay":
        slow.routes["/robots.txt"] = lambda p, q: Reply(
            200, b"User-agent: *\nCrawl-delay: 100000\n", {"Content-Type": "text/plain"}
        )
        return {"ROBOTSTXT_CRAWL_DELAY_MAX": "100000"}
    if pause == "retry_after":
        slow.routes["/news/*"] = lambda p, q: Reply(429, b"slow down", {"Retry-After": "100000"})
        return {"RETRY_AFTER_MAX": "100000", "RETRY_AFTER_HOST_BUDGET": "0", "RETRY_TIMES": "2"}
    if pause == "download_slot":
        return {"DOWNLOAD_SLOTS": json.dumps({slow.host: {"delay": 100000, "jitter": 0}})}
    if pause == "autothrottle":  # AutoThrottle's delay of the slow host grows with its latency
        slow.latency = 2.0  # 2 s / 0.02 = a 100 s delay; the fast host's few ms stay a fraction of a second
        return {
            "AUTOTHROTTLE_ENABLED": "True",
            "AUTOTHROTTLE_START_DELAY": "0.1",
            "AUTOTHROTTLE_MAX_DELAY": "100000",
            "AUTOTHROTTLE_TARGET_CONCURRENCY": "0.02",
        }
    raise ValueError(pause)


def _site(tmp_path: Path, pause: str) -> tuple[FaultServer, FaultServer, Path, dict[str, str]]:
    """A site on two hosts serving the same pages: a sitemap on the fast one (127.0.0.1) lists 3 of its
    articles and 5 of the slow one (127.0.0.2), where the crawl has to wait. (The fast host's pages link
    to its other articles, which are fetched too.)"""
    fast, spec = make_site(tmp_path, "mfa", FAST_ARTICLES + SLOW_ARTICLES, per_page=50)
    slow = FaultServer(fast.root, host="127.0.0.2")
    settings = _pause_routes(slow, pause)
    slugs = [a.slug for a in spec.articles]

    def sitemap(path: str, query: object) -> Reply:
        locs = [f"http://{fast.netloc}/news/{s}.html" for s in slugs[:FAST_ARTICLES]]
        locs += [f"http://{slow.netloc}/news/{s}.html" for s in slugs[FAST_ARTICLES:]]
        body = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
        xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'
        return Reply(200, xml.encode(), {"Content-Type": "application/xml"})

    fast.routes["/stop-sitemap.xml"] = sitemap
    seeds = tmp_path / "seeds"
    write_seed(
        seeds,
        "mfa",
        fast.netloc,
        allowed_domains=[fast.netloc, slow.netloc],
        sitemaps=[f"http://{fast.netloc}/stop-sitemap.xml"],
        start_urls=[],
        feeds=[],
        article_pattern=ARTICLE_PATTERN,
    )
    return fast, slow, seeds, settings


def _fetched_articles(*servers: FaultServer) -> set[str]:
    """Article pages the servers answered with 200, as the archive keys them."""
    return {
        f"http://{s.netloc}{h.path}"
        for s in servers
        for h in s.hits_for("/news/")
        if h.status == 200 and re.search(ARTICLE_PATTERN, h.path)
    }


def _archived(db: Path) -> set[str]:
    return {k for (k,) in _rows(db, "SELECT canonical_url FROM articles")}


def _paused(slow: FaultServer, pause: str) -> bool:
    """The slow host has answered what makes its slot wait (a slot delay from the settings may hold even
    its first request: Scrapy counts the delay from a last request at time 0 of the monotonic clock)."""
    if pause == "download_slot":
        return True
    return bool(slow.hits_for("/news/" if pause == "retry_after" else "/robots.txt"))


@pytest.mark.parametrize("pause", ["crawl_delay", "retry_after", "download_slot", "autothrottle"])
def test_sigterm_during_a_pause_stops_within_seconds_and_commits_every_fetched_article(
    tmp_path: Path, pause: str
) -> None:
    fast, slow, seeds, settings = _site(tmp_path, pause)
    db = tmp_path / "archive.db"
    log = tmp_path / "crawl.log"
    with served(fast, slow):
        proc = start_crawl("-a", f"seeds={seeds}", log=log, ARCHIVE_DB=str(db), **settings)
        assert wait_for(
            lambda: (len(_fetched_articles(fast)) >= FAST_ARTICLES and _paused(slow, pause)) or proc.poll() is not None,
            90,
        ), log.read_text()[-3000:]
        assert proc.poll() is None, log.read_text()[-3000:]
        # Committed on the timer while the crawl waits (the batch of 25 is never filled).
        assert wait_for(lambda: _fetched_articles(fast) <= _archived(db), COMMITTED_WITHIN), log.read_text()[-3000:]
        time.sleep(0.5)  # well inside the pause
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=STOP_WITHIN)
        finally:
            stop(proc, signal.SIGKILL)
        took = time.monotonic() - signalled
        print(f"{pause}: exit {code} {took:.1f} s after SIGTERM")
        fetched = _fetched_articles(fast, slow)
    text = log.read_text()
    assert code == 1, text[-3000:]
    assert took < STOP_TARGET, took
    assert "Received SIGTERM, shutting down gracefully" in text
    assert fetched and fetched <= _archived(db), text[-3000:]
    assert len(_fetched_articles(slow)) < SLOW_ARTICLES  # the pause really held requests back
    assert stats_value(text, "shutdown/dropped"), text[-3000:]
    assert "Traceback" not in text
    status, finished = _rows(db, "SELECT status, finished FROM crawls")[0]
    assert (status, bool(finished)) == ("shutdown", True)


# -- a killed run is recorded as interrupted by the next start ---------------------------------------------


def test_a_killed_run_is_recorded_as_interrupted_by_the_next_start(tmp_path: Path) -> None:
    fast, slow, seeds, settings = _site(tmp_path, "retry_after")
    db = tmp_path / "archive.db"
    log = tmp_path / "killed.log"
    with served(fast, slow):
        proc = start_crawl("-a", f"seeds={seeds}", log=log, ARCHIVE_DB=str(db), **settings)
        assert wait_for(
            lambda: (
                (len(_fetched_articles(fast)) >= FAST_ARTICLES and _paused(slow, "retry_after"))
                or proc.poll() is not None
            ),
            90,
        ), log.read_text()[-3000:]
        assert wait_for(lambda: _fetched_articles(fast) <= _archived(db), COMMITTED_WITHIN), log.read_text()[-3000:]
        assert stop(proc, signal.SIGKILL) == -signal.SIGKILL
        committed = _archived(db)
        assert _rows(db, "SELECT id, status, finished FROM crawls") == [(1, "running", None)]
        # The next run (the fast host alone: it finishes at once) finds the row of a dead process.
        quick = tmp_path / "quick-seeds"
        write_seed(quick, "mfa", fast.netloc, sitemaps=[], feeds=[], article_pattern=ARTICLE_PATTERN)
        result = crawl("-a", f"seeds={quick}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert _rows(db, "SELECT id, status FROM crawls ORDER BY id") == [(1, "interrupted"), (2, "finished")]
    assert "Crawl 1 (started" in result.stderr and f"mfa: {len(committed)} new, 0 updated" in result.stderr
    assert json.loads(_rows(db, "SELECT sites FROM crawls WHERE id = 1")[0][0]) == {
        "mfa": {"new": len(committed), "updated": 0}
    }
    assert _archived(db) == committed  # nothing lost, nothing twice
    assert not list(tmp_path.glob("archive.db.crawl-*.lock"))


def test_only_runs_whose_process_is_gone_are_marked_interrupted(tmp_path: Path) -> None:
    """Two archives open on one file in this process stand for two crawl processes: a run whose holder is
    alive stays "running" whatever the others do; once its holder has gone (closed without finishing, as a
    killed process does), the next start records it as interrupted."""
    db = tmp_path / "archive.db"
    first, second = Archive(db), Archive(db)
    try:
        alive = first.start_crawl({}, ["mfa"])
        other = second.start_crawl({}, ["mfa"])
        status = dict(_rows(db, "SELECT id, status FROM crawls"))
        assert status == {alive: "running", other: "running"}
        second.finish_crawl(other, "finished", {"mfa": {}})
        first.close()  # gone without finishing
        third = Archive(db)
        try:
            third.start_crawl({}, ["mfa"])
        finally:
            third.close()
        status = dict(_rows(db, "SELECT id, status FROM crawls"))
        assert status[alive] == "interrupted" and status[other] == "finished"
    finally:
        first.close()
        second.close()
