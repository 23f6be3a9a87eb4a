"""Growing-URL traps (issue 21, item 6): paths that grow a segment per hop (`/g/kx/qz/…`) and query values
that grow in length (`?x=a`, `?x=ab`, …). Each hop is a new URL and, with words as segments, a new URL
pattern: without a rule they eat the site's whole request budget. Real crawls against a site on 127.0.0.1."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from faultserver import FaultServer, Reply, crawl_twice, make_site, stats_value, write_seed

from diplomatic_crawler.demo.sitegen import build_site
from diplomatic_crawler.traps import Growth, link_pattern

HTML = {"Content-Type": "text/html; charset=utf-8"}
FANOUT = 4


@pytest.mark.parametrize(
    ("url", "page", "growth", "pattern", "hops"),
    [
        ("http://h/g/kx/", "http://h/", Growth(), "h/g/kx/", 1),  # one hop: its own pattern
        ("http://h/g/kx/qz/", "http://h/g/kx/", Growth(1, "h/g/kx"), "h/g/kx/…", 2),
        ("http://h/g/kx/qz/mv/", "http://h/g/kx/qz/", Growth(2, "h/g/kx"), "h/g/kx/…", 3),
        ("http://h/g/kx/qz/", "http://h/g/kx/", Growth(), "h/g/kx/qz/", 1),  # the page grew from nothing
        ("http://h/news/page/3/", "http://h/news/page/2/", Growth(1, "h/news"), "h/news/page/#/", 0),
        ("http://h/news/2021/a.html", "http://h/news/2021/", Growth(1, "h/news/#"), "h/news/#/…", 2),
        ("http://other/g/kx/qz/", "http://h/g/kx/", Growth(1, "h/g/kx"), "other/g/kx/qz/", 0),
        ("http://h/q?x=ab&l=en", "http://h/q?x=a&l=en", Growth(), "h/q?l&x=…", 0),  # the value grew
        ("http://h/q?x=a", "http://h/q", Growth(), "h/q?x", 0),
        ("http://h/q?x=b", "http://h/q?x=a", Growth(), "h/q?x", 0),  # changed, not grown
        ("http://h/q?page=12", "http://h/q?page=1", Growth(), "h/q?page", 0),  # a number: pagination
        ("http://h/q?x=ab", None, Growth(), "h/q?x", 0),
    ],
)
def test_link_pattern(url: str, page: str | None, growth: Growth, pattern: str, hops: int) -> None:
    got, grown = link_pattern(url, page, growth)
    assert (got, grown.hops) == (pattern, hops)


def _word(text: str) -> str:
    """A letters-only segment that differs for every parent (no digits: digit runs collapse in patterns)."""
    digest = hashlib.sha1(text.encode()).hexdigest()
    return "".join(chr(ord("a") + int(c, 16) % 26) for c in digest[:6])


def _page(title: str, links: list[str]) -> Reply:
    items = "".join(f'<li><a href="{href}">{href[-12:]}</a></li>' for href in links)
    body = (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>Nothing here.</p>"
        f"<ul>{items}</ul></body></html>"
    )
    return Reply(200, body.encode(), HTML)


def _add_traps(server: FaultServer) -> None:
    def grow_path(path: str, query: dict[str, list[str]]) -> Reply:
        base = path.rstrip("/")
        return _page("Section", [f"{base}/{_word(base + str(n))}/" for n in range(FANOUT)])

    def grow_value(path: str, query: dict[str, list[str]]) -> Reply:
        x = query.get("x", ["a"])[0]
        hidden = [f"/found/{n}.html" for n in range(2)] if x == "a" else []  # search results: new articles
        return _page("Search", hidden + [f"/q?x={x}{chr(ord('a') + n)}" for n in range(FANOUT)])

    def found(path: str, query: dict[str, list[str]]) -> Reply:
        title = f"Minister meets counterpart {path}"
        prose = "".join(
            f"<p>The minister discussed regional cooperation, trade and energy security with the visiting"
            f" delegation, paragraph {n}, and both sides agreed to continue the dialogue next year.</p>"
            for n in range(6)
        )
        body = (
            f'<html><head><title>{title}</title><meta property="og:type" content="article"></head>'
            f"<body><article><h1>{title}</h1>{prose}</article></body></html>"
        )
        return Reply(200, body.encode(), HTML)

    server.route("/g/*", grow_path)
    server.route("/q", grow_value)
    server.route("/found/*", found)


def _hits(server: FaultServer) -> dict[str, int]:
    paths = [h.path for h in server.hits]
    return {"path": sum(p.startswith("/g/") for p in paths), "value": sum(p.startswith("/q") for p in paths)}


def test_growing_paths_and_values_are_traps_learnt_for_the_next_run(tmp_path: Path) -> None:
    server, spec = make_site(tmp_path, "mfa", 12, per_page=4)
    _add_traps(server)
    spec.extra_links = (
        '<li><a href="{{BASE}}/g/start/">Sections</a></li>',
        '<li><a href="{{BASE}}/q?x=a">Search</a></li>',
    )
    build_site(server.root, spec)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc)
    db = tmp_path / "a.db"
    settings = {"ARCHIVE_DB": str(db), "SITE_MAX_PAGES": "600"}
    first, run1, second, run2 = crawl_twice(server, seeds, _hits, **settings)
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    print("growing-trap requests, run 1:", run1, "run 2:", run2)
    assert run1["path"] <= 20 and run1["value"] <= 10, run1
    assert run2["path"] <= 4 and run2["value"] <= 1, run2
    assert "Traceback" not in first.stderr + second.stderr
    assert stats_value(first.stderr, "diplomatic/mfa/capped") is None  # the budget was not eaten
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 12 + 2  # nothing lost
        trapped = {r[0] for r in conn.execute("SELECT pattern FROM url_patterns WHERE trapped = 1")}
        credited = {r[0] for r in conn.execute("SELECT pattern FROM url_patterns WHERE articles > 0")}
    host = server.netloc.split(":")[0]
    assert trapped == {f"{host}/g/start/…", f"{host}/q?x=…"}
    assert f"{host}/q?x" in credited  # the search page's results credit it, not the values grown from it
    assert f"links like {host}/g/start/… yielded no new article" in first.stderr
