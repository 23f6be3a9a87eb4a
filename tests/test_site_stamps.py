"""A timestamp a site writes on every page is the site's, not the articles' publication date (issue 17):
learnt during the crawl from the articles that carry it, then passed over (site_stamps.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from faultserver import crawl_pages, stats_value

from diplomatic_crawler.site_stamps import SiteStamps

PROSE = "".join(f"<p>Paragraph {i} of the statement on bilateral relations and regional security, with enough "
                "words to look like a real paragraph of a press release.</p>" for i in range(6))


def article(n: int, stamp: str) -> bytes:
    return (f'<html lang="en"><head><meta charset="utf-8"><title>Statement {n}</title>'
            f'<meta property="article:published_time" content="{stamp}"></head><body><article>'
            f'<h1>Statement number {n} on the talks</h1><p class="date">{n} March 2024</p>{PROSE}'
            "</article></body></html>").encode()


@pytest.mark.parametrize(
    ("stamp", "pages", "learnt"),
    [
        ("2024-05-01T08:00:17+00:00", 4, True),  # the same second on every page: the site's
        ("2024-05-01T09:00+00:00", 4, False),  # several releases at 09:00: a ministry's routine
        ("2024-05-01T09:00+00:00", 6, True),  # ... but not on every one of six
    ],
    ids=["seconds", "minutes-few", "minutes-many"],
)
def test_a_timestamp_on_every_page_is_the_sites(tmp_path: Path, stamp: str, pages: int, learnt: bool) -> None:
    paths = {f"/news/statement-{n}.html": (article(n, stamp), "text/html; charset=utf-8") for n in range(1, pages + 1)}
    result, db = crawl_pages(tmp_path, paths)
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        rows = {url: (published, raw) for url, published, raw in conn.execute(
            "SELECT canonical_url, published, published_raw FROM articles WHERE canonical_url LIKE '%statement-%'")}
    assert len(rows) == pages
    days = sorted(published for published, _ in rows.values())
    if learnt:
        # Every article keeps the day it shows, those archived before the stamp was learnt included.
        assert days == [f"2024-03-0{n}" for n in range(1, pages + 1)]
        assert result.stderr.count(f"the timestamp {stamp!r} is on") == 1
        assert stats_value(result.stderr, "diplomatic/mfa/dates/site_stamps") == 1
    else:
        assert {raw for _, raw in rows.values()} == {stamp}  # kept: the time the site wrote
        assert "the timestamp" not in result.stderr


def test_only_timestamps_with_a_time_and_enough_articles_count() -> None:
    stamps = SiteStamps(second_pages=3, minute_pages=5)
    assert stamps.saw("s", "a", "u/a", "2024-05-01", "day") == {}  # statements rightly share a day
    assert stamps.saw("s", "a", "u/a", "T1", "second") == {}
    assert stamps.saw("s", "a", "u/a", "T1", "second") == {}  # the same article again: still one
    assert stamps.saw("s", "b", "u/b", "T1", "second") == {}
    assert stamps.saw("other", "c", "u/c", "T1", "second") == {}  # another site's pages do not count
    assert stamps.saw("s", "c", "u/c", "T1", "second") == {"a": "u/a", "b": "u/b", "c": "u/c"}
    assert stamps.of("s") == {"T1"} and stamps.of("other") == frozenset()
    assert stamps.saw("s", "d", "u/d", "T1", "second") == {}  # learnt once
