"""The extraction pool: worker processes with a hard per-page time budget, and the crawl that uses it.

Pool tests use real worker processes (module-level functions such as `time.sleep` are the tasks); the
crawl tests run `scrapy crawl news` against a local site holding one pathological page.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import SiteUnderTest, run_crawl

from diplomatic_crawler.demo.server import Reply
from diplomatic_crawler.seeds import Seed
from diplomatic_crawler.workers import (
    ExtractionFailed,
    ExtractionPool,
    ExtractionTimeout,
    OutOfMemory,
    PoolClosed,
    WorkerCrashed,
    analyse_page,
    await_future,
)

ARTICLE = (
    "<html lang='en'><head><title>Talks on trade | Ministry</title>"
    "<meta property='og:type' content='article'>"
    "<meta property='article:published_time' content='2024-03-01T10:00:00+01:00'></head><body>"
    "<nav><a href='/'>Home</a> <a href='/news/'>News</a> <a href='https://other.example/x'>Elsewhere</a></nav>"
    "<article><h1>Talks on trade</h1>"
    + "".join(
        f"<p>Paragraph {n}: the delegations discussed trade, customs and investment at length.</p>" for n in range(6)
    )
    + "<p><a href='/news/older.html#top'>Older news</a> <a href='/files/report.pdf'>Report</a></p>"
    "</article></body></html>"
)
SEED = Seed(name="site", allowed_domains=("example.org",), language="en", timezone="Europe/Berlin")


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _log_and_return(value: int) -> int:
    logging.getLogger("diplomatic_crawler.test_worker").warning("worker says %d", value)
    return value


@pytest.fixture(scope="module")
def pool():
    with ExtractionPool(2, timeout=1.5) as p:
        yield p


# --- the pool ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "args", "expected"),
    [
        (pow, (2, 10), 1024),
        (sorted, ([3, 1, 2],), [1, 2, 3]),
        (analyse_page, (b"<html><body><a href='/a'>A</a></body></html>", "https://example.org/"), None),
    ],
)
def test_results_come_back(pool: ExtractionPool, func, args, expected) -> None:
    result = pool.submit(func, *args).result(timeout=30)
    if expected is not None:
        assert result == expected
    else:
        assert result.kind == "listing" and [link.url for link in result.links] == ["https://example.org/a"]


def test_worker_exception_is_raised_with_its_remote_traceback(pool: ExtractionPool) -> None:
    future = pool.submit(int, "not a number")
    with pytest.raises(ValueError, match="invalid literal") as info:
        future.result(timeout=30)
    assert "Traceback" in str(info.value.__cause__)


def test_a_page_over_the_time_budget_is_killed_while_the_others_finish(pool: ExtractionPool) -> None:
    started_before = pool.stats.started
    stuck = pool.submit(time.sleep, 60)
    quick = [pool.submit(pow, 3, n) for n in range(20)]
    # All quick tasks finish on the other worker while the stuck one is still within its budget.
    assert [f.result(timeout=1.4) for f in quick] == [3**n for n in range(20)]
    assert not stuck.done()
    with pytest.raises(ExtractionTimeout, match=r"longer than 1\.5 s; worker \d+ killed") as info:
        stuck.result(timeout=30)
    assert info.value.reason == "timeout"
    # The slot gets a fresh worker, and the pool keeps working at full width.
    deadline = time.monotonic() + 30
    while pool.stats.started == started_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.stats.started == started_before + 1 and pool.stats.timeouts >= 1
    assert [f.result(timeout=30) for f in [pool.submit(pow, 2, n) for n in range(4)]] == [1, 2, 4, 8]


def test_a_crashed_worker_is_replaced(pool: ExtractionPool) -> None:
    with pytest.raises(WorkerCrashed, match="killed by SIGKILL") as info:
        pool.submit(_crash).result(timeout=30)
    assert info.value.reason == "crashed"
    assert pool.submit(pow, 2, 5).result(timeout=30) == 32


def test_results_stream_back_in_order_of_completion(pool: ExtractionPool) -> None:
    delays = [0.6, 0.0, 0.3]
    order = [item for item, future in pool.map_unordered(time.sleep, delays) if future.result() is None]
    assert order[0] == 0.0 and order[-1] == 0.6


def test_awaiting_from_asyncio_does_not_block_the_loop(pool: ExtractionPool) -> None:
    async def main() -> tuple[int, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.ensure_future(ticker())
        result = await pool.run(time.sleep, 0.4)
        task.cancel()
        return (0 if result is None else 1), ticks

    status, ticks = asyncio.run(main())
    assert status == 0 and ticks >= 10  # the loop kept running while the worker slept


def test_worker_log_records_reach_the_crawl_log(pool: ExtractionPool, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        assert pool.submit(_log_and_return, 7).result(timeout=30) == 7
    record = next(r for r in caplog.records if r.name == "diplomatic_crawler.test_worker")
    assert record.getMessage() == "worker says 7" and record.levelno == logging.WARNING


def test_workers_are_recycled_and_memory_capped() -> None:
    with ExtractionPool(1, timeout=30, max_tasks_per_worker=2, max_memory_mb=400) as pool:
        pids = [pool.submit(os.getpid).result(timeout=30) for _ in range(5)]
        assert len(set(pids)) == 3 and pids[0] == pids[1] != pids[2]
        # A page that needs more memory than the cap fails alone; the next one gets a clean worker.
        with pytest.raises(MemoryError) as info:
            pool.submit(bytearray, 1024 * 1024 * 1024).result(timeout=30)
        # an extraction failure of its own, with a reason a log line can name (MemoryError() has none)
        assert isinstance(info.value, OutOfMemory) and info.value.reason == "memory"
        assert "needed more than EXTRACTION_MAX_MEMORY = 400 MiB" in str(info.value)
        assert pool.submit(pow, 2, 3).result(timeout=30) == 8


def test_in_process_pool_and_closed_pool() -> None:
    pool = ExtractionPool(0)
    assert pool.in_process
    future = pool.submit(pow, 2, 4)
    assert future.done() and future.result() == 16
    with pytest.raises(ZeroDivisionError):
        asyncio.run(await_future(pool.submit(divmod, 1, 0)))
    pool.close()
    with pytest.raises(PoolClosed):
        pool.submit(pow, 1, 1).result()


def test_close_cancels_queued_tasks() -> None:
    pool = ExtractionPool(1, timeout=5).start()
    running = pool.submit(time.sleep, 0.5)
    deadline = time.monotonic() + 30
    while not running.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    queued = [pool.submit(pow, 2, n) for n in range(3)]
    pool.close()
    assert running.result(timeout=10) is None  # a running task finishes
    for future in queued:
        assert future.cancelled() or isinstance(future.exception(timeout=10), ExtractionFailed)


# --- the page task -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "classify", "kind", "has_article", "error"),
    [
        (ARTICLE, True, "article", True, None),
        (ARTICLE, False, "listing", False, None),  # a known listing: links only
        (b"\x00\x01\x02binary", True, "listing", False, "not HTML"),
        (b"", True, "listing", False, "empty page"),
    ],
)
def test_analyse_page(body, classify, kind, has_article, error) -> None:
    page = analyse_page(body, "https://example.org/news/trade.html", SEED, classify=classify)
    assert page.kind == kind
    assert (page.article is not None) == has_article
    assert (error is None and page.error is None) or (error and error in (page.error or ""))
    if body == ARTICLE:
        # Only the site's own links, fragments dropped, files skipped; keys are the archive keys.
        assert [link.url for link in page.links] == [
            "https://example.org/",
            "https://example.org/news/",
            "https://example.org/news/older.html",
        ]
        assert page.keys == [link.url for link in page.links]
    if has_article:
        assert page.article.title == "Talks on trade"
        assert page.article.published == "2024-03-01T10:00:00+01:00"


# --- the crawl -----------------------------------------------------------------------------------------------


def _pathological_page() -> bytes:
    """~5 MB of an article of 60,000 short paragraphs: trafilatura needs many seconds of CPU on it (a page of
    links alone is no longer slow: it is a listing, and link discovery stops at MAX_LINKS_PER_PAGE)."""
    paragraphs = "".join(
        f"<p>Paragraph {i} of the minister's very long statement, with a few more words.</p>" for i in range(60_000)
    )
    return (
        f"<html><head><title>Huge</title></head><body><article><h1>A very long statement</h1>"
        f"<p class='date'>7 December 2021</p>{paragraphs}</article></body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"EXTRACTION_WORKERS": "1", "EXTRACTION_TIMEOUT": "1"}, "timeout"),
        ({"EXTRACTION_MAX_BYTES": "1000000"}, "too_large"),
    ],
)
def test_pathological_page_fails_alone(test_site: SiteUnderTest, tmp_path: Path, settings, reason) -> None:
    server = test_site.server
    huge = _pathological_page()
    server.route("/news/huge.html", lambda path, query: Reply(200, huge, {"Content-Type": "text/html"}))
    listing = b"<html><body><h1>More</h1><a href='/news/huge.html'>A very long page</a></body></html>"
    server.route("/more.html", lambda path, query: Reply(200, listing, {"Content-Type": "text/html"}))
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds, start_urls=[f"{test_site.base}/more.html", f"{test_site.base}/"])
    db = tmp_path / "archive.db"

    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), **settings)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "/news/huge.html" in server.paths()
    assert f"extraction failed ({reason}) for {test_site.base}/news/huge.html" in result.stderr
    assert f"'diplomatic/testsite/extraction_failed/{reason}': 1" in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT extraction_failed, new FROM crawl_sites").fetchall() == [(1, 12)]
        assert conn.execute("SELECT count(*) FROM articles WHERE url LIKE '%huge%'").fetchone() == (0,)


def test_in_process_extraction_crawls_the_same(test_site: SiteUnderTest, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    test_site.write_seed(seeds)
    db = tmp_path / "archive.db"
    result = run_crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), EXTRACTION_WORKERS="0", ARCHIVE_WRITER_THREAD="0")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Extraction pool:" not in result.stderr  # no worker process was started
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT new, extraction_failed FROM crawl_sites").fetchall() == [(12, 0)]


def test_future_helper_propagates_cancellation() -> None:
    future: concurrent.futures.Future[int] = concurrent.futures.Future()
    future.cancel()

    async def main() -> None:
        await await_future(future)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(main())
