"""Reliability cases 13 and 24: pathological pages and a failing extractor. Extraction runs in the worker
pool (issue 6: EXTRACTION_WORKERS, EXTRACTION_TIMEOUT, EXTRACTION_MAX_BYTES) under a hard per-page time
and size budget; the crawl and the other downloads go on."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import textwrap
from pathlib import Path

import pytest
from faultserver import Reply, crawl, make_site, served, stats_value, write_seed

from diplomatic_crawler.demo.sitegen import build_site

ARTICLE_PATTERN = r"/news/[^/]+\.html$"


def _rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def _nested_divs(depth: int = 100_000) -> bytes:
    return (
        b"<!doctype html><html><head><title>Deep</title></head><body><article><h1>Deep page</h1>"
        + b"<div>" * depth
        + b"<p>Deep inside.</p>"
        + b"</div>" * depth
        + b"</article></body></html>"
    )


def _huge_table(rows: int = 1_000_000) -> bytes:
    return (
        b"<!doctype html><html><head><title>Table</title></head><body><article><h1>Statistics</h1>"
        b"<p>Annual figures of the ministry follow in the table below.</p><table>"
        + b"<tr><td>1</td><td>figure</td></tr>" * rows
        + b"</table></article></body></html>"
    )


@pytest.mark.parametrize(
    ("page", "settings", "reasons"),
    [
        (_huge_table, {"EXTRACTION_TIMEOUT": "2", "EXTRACTION_MAX_BYTES": str(64 * 1024 * 1024)}, {"timeout"}),
        (_huge_table, {"EXTRACTION_TIMEOUT": "30"}, {"too_large"}),  # the size budget (8 MiB) refuses it first
        (_nested_divs, {"EXTRACTION_TIMEOUT": "2"}, {"timeout", "error", None}),  # lxml's depth limit may end it early
    ],
    ids=["table-time-budget", "table-size-budget", "nested-divs"],
)
def test_case13_pathological_pages_do_not_stall_the_crawl(
    tmp_path: Path, page, settings: dict[str, str], reasons: set[str | None]
) -> None:
    server, spec = make_site(tmp_path, "mfa", 4)
    body = page()
    server.route("/news/pathological.html", lambda p, q: Reply(200, body))
    spec.extra_links = ('<li><a href="{{BASE}}/news/pathological.html">Figures</a></li>',)
    build_site(server.root, spec)
    other, _ = make_site(tmp_path, "other", 12, host="127.0.0.2", seed=4, latency=0.2)  # downloads keep going
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN)
    write_seed(seeds, "other", other.netloc, article_pattern=ARTICLE_PATTERN)
    db = tmp_path / "a.db"
    with served(server, other):
        result = crawl(
            "-a",
            f"seeds={seeds}",
            ARCHIVE_DB=str(db),
            DOWNLOAD_TIMEOUT="5",
            DOWNLOAD_MAXSIZE=str(64 << 20),
            EXTRACTION_WORKERS="2",
            CONCURRENT_REQUESTS_PER_DOMAIN="2",
            **settings,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    failed = {
        reason
        for reason in ("timeout", "too_large", "error")
        if stats_value(result.stderr, f"diplomatic/mfa/extraction_failed/{reason}")
    }
    assert failed <= reasons and (failed or None in reasons), failed
    if failed:
        assert "extraction failed" in result.stderr and "/news/pathological.html" in result.stderr
    assert not _rows(db, "SELECT url FROM articles WHERE url LIKE '%pathological%' AND length(text) > 100000")
    # the other downloads were not stalled: no timeouts anywhere, every other article archived
    assert not re.search(r"downloader/exception_type_count/[\w.]*Timeout", result.stderr)
    assert "Getting " not in result.stderr  # Scrapy's "Getting <url> took longer than N seconds"
    assert _rows(db, "SELECT site, count(*) FROM articles GROUP BY site ORDER BY site") == [("mfa", 4), ("other", 12)]


SITECUSTOMIZE = textwrap.dedent('''
    """Fault injection for the crawl and its extraction workers: the extractor raises on pages whose URL
    contains 'explode' and finds nothing on pages whose URL contains 'hollow'."""
    import dataclasses

    import diplomatic_crawler.extraction.core as core

    _real = core.extract_parsed

    def extract_parsed(decoded, tree, url, **kwargs):  # what the crawl's workers call
        if "explode" in url:
            raise RuntimeError("injected extractor failure")
        article = _real(decoded, tree, url, **kwargs)
        if "hollow" in url:
            article = dataclasses.replace(article, text="", word_count=0)
        return article

    core.extract_parsed = extract_parsed
''')


def _crawl_with_hook(
    tmp_path: Path, hook_source: str, names: tuple[str, ...], **settings: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Crawl a 4-article site that also links `/news/<name>.html` for each of `names` (copies of its first
    article under that name), with `hook_source` as the sitecustomize of the crawl and its workers."""
    server, spec = make_site(tmp_path, "mfa", 4)
    good = (server.root / "news" / f"{spec.articles[0].slug}.html").read_bytes()
    for name in names:
        server.route(
            f"/news/{name}.html",
            lambda p, q: Reply(
                200,
                good.replace(b"{{BASE}}", server.base_url.encode()).replace(
                    spec.articles[0].slug.encode(), p[6:-5].encode()
                ),
            ),
        )
    spec.extra_links = tuple(f'<li><a href="{{{{BASE}}}}/news/{n}.html">x</a></li>' for n in names)
    build_site(server.root, spec)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(hook_source)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=ARTICLE_PATTERN)
    db = tmp_path / "a.db"
    with served(server):
        result = crawl(
            "-a", f"seeds={seeds}", ARCHIVE_DB=str(db), pythonpath=(str(hook),), EXTRACTION_WORKERS="1", **settings
        )
    return result, db


def test_case24_extractor_raising_or_returning_nothing(tmp_path: Path) -> None:
    result, db = _crawl_with_hook(tmp_path, SITECUSTOMIZE, ("explode", "hollow"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats_value(result.stderr, "diplomatic/mfa/extraction_failed") == 1
    assert "/news/explode.html" in result.stderr and "injected extractor failure" in result.stderr
    assert stats_value(result.stderr, "diplomatic/mfa/empty_text") >= 1  # the hollow page: counted, not stored
    assert not _rows(db, "SELECT url FROM articles WHERE url LIKE '%explode%' OR url LIKE '%hollow%' OR text = ''")
    assert _rows(db, "SELECT count(*) FROM articles") == [(4,)]  # the crawl went on


GREEDY = textwrap.dedent('''
    """Fault injection: extracting a page whose URL contains 'greedy' asks for 2 GiB (over the workers'
    address-space limit, so a real MemoryError)."""
    import diplomatic_crawler.extraction.core as core

    _real = core.extract_parsed

    def extract_parsed(decoded, tree, url, **kwargs):
        if "greedy" in url:
            bytearray(2 << 30)
        return _real(decoded, tree, url, **kwargs)

    core.extract_parsed = extract_parsed
''')


def test_a_page_over_the_workers_memory_limit_is_a_named_extraction_failure(tmp_path: Path) -> None:
    """A page that needs more than EXTRACTION_MAX_MEMORY fails alone: one WARNING naming the limit (a
    MemoryError has no message of its own: it came out as "extraction failed (error) ...: MemoryError: "
    after an ERROR with a traceback), no traceback, the worker replaced, the other articles archived."""
    result, db = _crawl_with_hook(tmp_path, GREEDY, ("greedy",), EXTRACTION_MAX_MEMORY="1024")
    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "Traceback" not in log and " ERROR: " not in log, log[-3000:]
    assert stats_value(log, "diplomatic/mfa/extraction_failed/memory") == 1, log[-3000:]
    assert re.search(
        r"WARNING: mfa: extraction failed \(memory\) for \S+/news/greedy\.html: needed more than"
        r" EXTRACTION_MAX_MEMORY = 1024 MiB; worker \d+ replaced$",
        log,
        re.MULTILINE,
    ), log[-3000:]
    assert _rows(db, "SELECT count(*) FROM articles") == [(4,)]
