"""Meta refresh redirects (`<meta http-equiv="refresh">`, common on ministry home pages that send visitors to
a language section) are followed; the project's middleware skips Scrapy's decoding of pages that cannot hold
one. Real `scrapy crawl news` against a server on 127.0.0.1, real SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from faultserver import FaultServer, crawl, served, write_seed

PARAGRAPH = "<p>The minister met the ambassador to discuss regional cooperation and trade in some detail.</p>"


def _article(i: int) -> str:
    return (
        f"<html><head><title>Statement {i}</title></head><body><article><h1>Statement number {i}</h1>"
        f"{PARAGRAPH * 6}</article></body></html>"
    )


def _refresh(target: str, before: str = "") -> str:
    return f'<html><head><title>{before}</title><META HTTP-EQUIV="Refresh" CONTENT="0; URL={target}"></head></html>'


def test_meta_refresh_is_followed_in_any_encoding(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "news").mkdir(parents=True)
    for i in range(4):
        (root / "news" / f"a{i}.html").write_text(_article(i))
    pages = {
        "index.html": _refresh("/en/").encode(),  # the home page sends visitors to a language section
        "en/index.html": b'<html><body><a href="/news/a0.html">A0</a> Refresh the page for news.</body></html>',
        **{
            f"list{i}/index.html": f'<html><body><a href="/news/a{i}.html">A</a></body></html>'.encode()
            for i in (1, 2, 3)
        },
        # UTF-16 with a BOM: no ASCII bytes to test, Scrapy's own check decides
        "old/index.html": b"\xff\xfe" + _refresh("/list1/").encode("utf-16-le"),
        # the refresh after 3,000 Cyrillic characters (6 kB of UTF-8), within Scrapy's 4,096 characters
        "ru/index.html": _refresh("/list2/", "Заявление" * 333).encode("utf-8"),
        # a refresh after 4,096 characters is not one for Scrapy either
        "late/index.html": _refresh("/list3/", "x" * 5000).encode(),
    }
    for path, body in pages.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(body)
    server = FaultServer(root)
    seeds = tmp_path / "seeds"
    base = f"http://{server.netloc}"
    write_seed(
        seeds, "mfa", server.netloc, sitemaps=[], feeds=[], article_pattern="/news/",
        start_urls=[f"{base}/", f"{base}/old/", f"{base}/ru/", f"{base}/late/"],
    )
    db = tmp_path / "a.db"
    with served(server):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(server.hits_for("/en/")) == 1
    with sqlite3.connect(db) as conn:
        archived = {row[0] for row in conn.execute("SELECT url FROM articles")}
    assert archived == {f"{base}/news/a{i}.html" for i in range(3)}
    assert not server.hits_for("/list3/")
