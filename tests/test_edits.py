"""Edits seen through sitemaps, feeds and page validators (issue 20, item 3): an archived article is fetched
again when what discovery says of it changes, not when a date is later than our last fetch, so a site whose
clock or time zone runs behind still triggers; a listing-only site gets its newest articles asked again,
conditionally. Real crawls against sites on 127.0.0.1 and a real SQLite archive."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from faultserver import FaultServer, Reply, crawl, make_site, served, stats_value, write_seed

EDIT = "<p>Correction: the meeting took place in the capital, not at the border, as first reported.</p>"


def _edit(server: FaultServer, slug: str) -> None:
    page = server.root / "news" / f"{slug}.html"
    html = page.read_text()
    page.write_text(html.replace("</article>", f"{EDIT}</article>", 1) if "</article>" in html else html + EDIT)


def _versions(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT canonical_url, count(*) FROM article_versions GROUP BY canonical_url"))


def _with_edit(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM articles WHERE text LIKE '%Correction: the meeting%'").fetchone()[0]


def test_changed_lastmod_and_feed_date_refetch_though_they_run_behind(tmp_path: Path) -> None:
    """Sitemap lastmod and feed dates written in a lagging clock (naive local times days before our fetch):
    a change of the value is what counts. Unchanged articles are not fetched again."""
    server, spec = make_site(tmp_path, "mfa", 10)
    slugs = [a.slug for a in spec.articles]
    lastmod = dict.fromkeys(slugs, "2024-03-01T09:00:00")  # naive: the site's local time, behind UTC
    updated = dict.fromkeys(slugs, "2024-03-01T09:00:00Z")

    def sitemap(path: str, query: dict[str, list[str]]) -> Reply:
        urls = "".join(
            f"<url><loc>{server.base_url}/news/{s}.html</loc><lastmod>{lastmod[s]}</lastmod></url>" for s in slugs
        )
        return Reply(200, f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode())

    def feed(path: str, query: dict[str, list[str]]) -> Reply:
        link = server.base_url + "/news/{}.html"
        entries = "".join(
            f'<entry><title>{s}</title><link href="{link.format(s)}"/><updated>{updated[s]}</updated></entry>'
            for s in slugs[:5]
        )
        return Reply(200, f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{entries}</feed>'.encode())

    server.route("/sitemap.xml", sitemap)
    server.route("/feed.xml", feed)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, start_urls=[])
    db = tmp_path / "a.db"
    with served(server):
        first = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
        run1 = len(server.hits)
        server.hits.clear()
        edited = {slugs[7]: "sitemap", slugs[2]: "feed"}
        for slug in edited:
            _edit(server, slug)
        lastmod[slugs[7]] = "2024-03-02T10:30:00"  # a day later, still years before our first fetch
        updated[slugs[2]] = "2024-03-01T11:00:00Z"
        second = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
        refetched = sorted(h.path for h in server.hits if h.path.startswith("/news/"))
        run2 = len(server.hits)
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    print(f"requests: run 1 {run1}, run 2 {run2} ({len(refetched)} article pages)")
    assert refetched == sorted(f"/news/{s}.html" for s in edited)  # the edited ones, and only them
    assert stats_value(second.stderr, "diplomatic/mfa/refetch_changed") == 2
    assert _with_edit(db) == 2
    assert len(_versions(db)) == 2  # the state before the edit kept in article_versions
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute("SELECT canonical_url, lastmod FROM article_signals"))
    assert stored[f"{server.base_url}/news/{slugs[7]}.html"].startswith("2024-03-02")


def test_listing_only_site_rechecks_its_newest_articles_conditionally(tmp_path: Path) -> None:
    """No sitemap, no feed: the newest RECHECK_NEWEST_ARTICLES (3 here) are asked again with If-None-Match;
    the unchanged ones answer 304, the edited one 200 and gets a new version."""
    server, spec = make_site(tmp_path, "mfa", 12, per_page=4)
    newest = sorted(spec.articles, key=lambda a: a.published, reverse=True)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, start_urls=[f"http://{server.netloc}/news/"], sitemaps=[], feeds=[])
    db = tmp_path / "a.db"
    settings = {"ARCHIVE_DB": str(db), "RECHECK_NEWEST_ARTICLES": "3"}
    with served(server):
        first = crawl("-a", f"seeds={seeds}", **settings)
        run1 = len(server.hits)
        server.hits.clear()
        _edit(server, newest[1].slug)
        second = crawl("-a", f"seeds={seeds}", **settings)
        rechecks = [h for h in server.hits if h.path.startswith("/news/") and h.path.endswith(".html")]
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    print(f"requests: run 1 {run1}, run 2 {len(server.hits)} ({len(rechecks)} rechecks)")
    assert sorted(h.path for h in rechecks) == sorted(f"/news/{a.slug}.html" for a in newest[:3])
    assert all("if-none-match" in h.headers for h in rechecks)
    assert sorted(h.status for h in rechecks) == [200, 304, 304]
    assert stats_value(second.stderr, "diplomatic/mfa/not_modified") == 2
    assert _with_edit(db) == 1 and len(_versions(db)) == 1
    assert len(server.hits) <= 3 + 3  # robots.txt, listing page(s), the 3 rechecks


@pytest.mark.parametrize("concurrency", ["1", "8"])
def test_feed_date_of_a_tracking_link_refetches_its_canonical_article(tmp_path: Path, concurrency: str) -> None:
    """A feed whose links carry a tracking parameter the crawl does not strip (`?xtor=RSS-1`): each link is
    a copy of the archived article (its rel=canonical names it). When the feed's `updated` of one changes,
    the copy and the archived article are asked again and the article gets a new version, whichever of
    the copy and the article was fetched first in the first run (the home page links the articles too)."""
    server, spec = make_site(tmp_path, "mfa", 6)
    slugs = [a.slug for a in sorted(spec.articles, key=lambda a: a.published, reverse=True)]
    updated = dict.fromkeys(slugs, "2024-03-01T09:00:00+01:00")

    def feed(path: str, query: dict[str, list[str]]) -> Reply:
        link = server.base_url + "/news/{}.html?xtor=RSS-1"
        entries = "".join(
            f'<entry><title>{s}</title><link href="{link.format(s)}"/><updated>{updated[s]}</updated></entry>'
            for s in slugs
        )
        return Reply(200, f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{entries}</feed>'.encode())

    server.route("/feed.xml", feed)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, sitemaps=[])
    db = tmp_path / "a.db"
    settings = {
        "ARCHIVE_DB": str(db),
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
    }
    with served(server):
        first = crawl("-a", f"seeds={seeds}", **settings)
        server.hits.clear()
        _edit(server, slugs[1])
        updated[slugs[1]] = "2024-03-01T11:00:00+01:00"  # still years before our first fetch
        second = crawl("-a", f"seeds={seeds}", **settings)
        asked = sorted(h.path for h in server.hits if h.path.startswith("/news/2"))
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    page = f"/news/{slugs[1]}.html"
    assert asked == [page, f"{page}?xtor=RSS-1"]  # the copy the feed names, then the article itself
    assert _with_edit(db) == 1 and list(_versions(db)) == [f"{server.base_url}{page}"]
    assert stats_value(second.stderr, "diplomatic/mfa/refetch_changed") == 1
