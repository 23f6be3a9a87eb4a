"""The end-of-run summary says what happened (issue 21, item 7): a site whose pages held no article is not
"ok", the table has columns for blocked requests, extraction failures and the page cap, and the health
counters count every response the server sent, retried ones included. Real crawls on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from faultserver import Reply, crawl, make_site, served, stats_value, write_seed

from diplomatic_crawler.demo.sitegen import build_site

ARTICLES = r"/news/[^/]+\.html$"


def _table(log: str) -> dict[str, dict[str, str]]:
    lines = log.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("site ") and "status" in line)
    header = lines[start].split()
    rows = {}
    for line in lines[start + 2 :]:
        if not line or line.startswith("20"):  # the next log record
            break
        cells = line.split(None, len(header) - 1)
        rows[cells[0]] = dict(zip(header, cells, strict=True))
    return rows


def test_summary_columns_no_articles_and_retried_responses(tmp_path: Path) -> None:
    busy, spec = make_site(tmp_path, "busy", 12, per_page=4)
    storm = {"n": 0}

    def flaky(path: str, query: dict[str, list[str]]) -> Reply:  # 503 twice, then the page
        if busy.count(path) <= 2:
            storm["n"] += 1
            return Reply(503, b"busy")
        return Reply(200, (busy.root / "news" / "index.html").read_bytes())

    busy.route("/robots.txt", lambda p, q: Reply(200, b"User-agent: *\nDisallow: /private/\n", {}))
    busy.route("/news/flaky/", flaky)
    busy.route(
        "/news/big.html", lambda p, q: Reply(200, b"<html><body><p>" + b"word " * 60_000 + b"</p></body></html>")
    )
    spec.extra_links = tuple(
        f'<li><a href="{{{{BASE}}}}{p}">x</a></li>'
        for p in ("/private/a.html", "/private/b.html", "/news/flaky/", "/news/big.html")
    )
    build_site(busy.root, spec)
    empty, _ = make_site(tmp_path, "empty", 3, host="127.0.0.2", seed=5)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "busy", busy.netloc, article_pattern=ARTICLES, max_pages=20)
    write_seed(seeds, "empty", empty.netloc, article_pattern=r"/nowhere/", sitemaps=[], feeds=[])
    db = tmp_path / "a.db"
    with served(busy, empty):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), RETRY_TIMES="2", EXTRACTION_MAX_BYTES="200000")
    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "Traceback" not in log
    table = _table(log)
    busy_row, empty_row = table["busy"], table["empty"]
    assert busy_row["status"] == "ok" and empty_row["status"] == "NO ARTICLES", table
    assert int(busy_row["blocked"]) == 2  # the two /private/ links, refused by robots.txt
    assert int(busy_row["extraction_failed"]) == 1  # big.html, over EXTRACTION_MAX_BYTES
    assert int(busy_row["capped"]) > 0 and int(busy_row["fetched"]) <= 20
    assert int(empty_row["fetched"]) > 0 and empty_row["new"] == "0"
    assert "empty: " in log and "no article among them" in log
    # Every response the server sent is counted, the two 503s the retry middleware answered included.
    sent = [h for h in busy.hits if h.path != "/robots.txt"]
    with sqlite3.connect(db) as conn:
        responses, status_5xx = conn.execute(
            "SELECT responses, status_5xx FROM crawl_sites WHERE site = 'busy'"
        ).fetchone()
    assert storm["n"] == 2 and status_5xx == 2
    assert responses == len(sent), (responses, len(sent))
    assert stats_value(log, "retry/count") == 2
