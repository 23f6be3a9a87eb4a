"""A page without prose is not an article, whatever its URL (issue 21, item 8): a 7 MB one-word "page"
matching the seed's `article_pattern` was archived as an article. Table tests of `Article.has_prose` and a
real crawl of such pages on 127.0.0.1 (counted skips, no traceback, the real article archived)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from faultserver import crawl_pages, stats_value

from diplomatic_crawler.extraction.article import Article

PROSE = "The minister met the delegation and discussed trade, energy and the next round of talks."


@pytest.mark.parametrize(
    ("text", "prose"),
    [
        ("a" * 7_000_000, False),  # one 7 MB word
        ("a " * 50_000, False),  # one word, repeated
        ("Hello", False),
        ("QUJD" * 5_000 + " ok", False),  # a blob and a word
        (PROSE, True),
        ("Talks held.", True),  # a two-word readout is short, not empty
        (PROSE * 10 + " " + "QUJD" * 5_000, True),  # an article holding a blob: the prose counts
        ("外交部发言人宣布，国务委员兼外交部长将于12月7日访问巴库。双方将讨论合作。", True),  # CJK: runs between marks
        ("กระทรวงการต่างประเทศ แถลงข่าว เรื่อง การเยือนของรัฐมนตรี", True),  # Thai: runs between spaces
        ("", False),
    ],
)
def test_has_prose(text: str, prose: bool) -> None:
    assert Article(url="https://example.org/a", text=text).has_prose() is prose


def test_pages_without_prose_are_counted_skips_not_articles(tmp_path: Path) -> None:
    one_word = (
        b"<html><head><title>News</title></head><body><article><p>" + b"a" * 7_000_000 + b"</p></article></body></html>"
    )
    repeated = b"<html><body><article><p>" + b"word " * 20_000 + b"</p></article></body></html>"
    result, db = crawl_pages(
        tmp_path,
        {"/news/huge.html": (one_word, "text/html; charset=utf-8"), "/news/same.html": (repeated, "text/html")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert stats_value(result.stderr, "diplomatic/mfa/no_prose") == 2
    assert "not an article (no prose: 7000000 character(s), 1 word(s))" in result.stderr
    with sqlite3.connect(db) as conn:
        urls = [r[0] for r in conn.execute("SELECT url FROM articles")]
        pages = {r[0].rsplit("/", 1)[1] for r in conn.execute("SELECT url FROM pages WHERE kind = 'other'")}
    assert len(urls) == 1 and not any(u.endswith(("huge.html", "same.html")) for u in urls), urls
    assert {"huge.html", "same.html"} <= pages  # remembered: not fetched again as an article next run
