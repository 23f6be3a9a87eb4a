"""Child sitemaps of an index are fetched one at a time, after the article pages of the one before
(the scheduler holds one child's worth of requests, not the whole index's), and the chain goes on past
a child that fails. Real `scrapy crawl news` against a server on 127.0.0.1, real SQLite."""

from __future__ import annotations

import itertools
import sqlite3
import time
from pathlib import Path

import pytest
from faultserver import FaultServer, Reply, crawl, make_site, served, stats_value, summary_row, write_seed

PER_CHILD = 20


def _urlset(base: str, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


def _serve_index(server: FaultServer, children: dict[str, list[str]]) -> None:
    """`/sitemap-index.xml` listing the child sitemaps (paths) in order."""
    index = "".join(f"<sitemap><loc>{{base}}{c}</loc></sitemap>" for c in children)
    head = '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    server.route(
        "/sitemap-index.xml",
        lambda p, q: Reply(200, (head + index.format(base=server.base_url) + "</sitemapindex>").encode()),
    )


def test_child_sitemaps_follow_each_other_and_survive_a_failed_child(tmp_path: Path) -> None:
    server, spec = make_site(tmp_path, "mfa", 3 * PER_CHILD)
    paths = [f"/news/{a.slug}.html" for a in spec.articles]
    children = {f"/sm-{n}.xml": paths[n * PER_CHILD : (n + 1) * PER_CHILD] for n in range(3)}
    _serve_index(server, children)
    server.route("/sm-0.xml", lambda p, q: Reply(200, _urlset(server.base_url, children["/sm-0.xml"])))
    server.route("/sm-1.xml", lambda p, q: Reply(500, b"broken"))
    server.route("/sm-2.xml", lambda p, q: Reply(200, _urlset(server.base_url, children["/sm-2.xml"])))
    seeds = tmp_path / "seeds"
    index_url = f"http://{server.netloc}/sitemap-index.xml"
    write_seed(seeds, "mfa", server.netloc, start_urls=[], feeds=[], sitemaps=[index_url])
    db = tmp_path / "a.db"
    with served(server):
        result = crawl(
            "-a", f"seeds={seeds}", ARCHIVE_DB=str(db), CONCURRENT_REQUESTS="2", CONCURRENT_REQUESTS_PER_DOMAIN="2"
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    for child in children:
        assert len(server.hits_for(child)) == 1, child
    # with two connections, the second child is asked for only once the first child's pages have left the
    # queue: at least all but two of them have been answered by then
    second = server.hits_for("/sm-1.xml")[0]
    answered = [h for h in server.hits if h.path in children["/sm-0.xml"] and h.end <= second.start]
    assert len(answered) >= PER_CHILD - 2, (len(answered), second)
    # the failed child does not end the chain: the third child's articles are archived (articles found
    # through the links of other articles are archived too)
    with sqlite3.connect(db) as conn:
        archived = {row[0] for row in conn.execute("SELECT url FROM articles")}
    expected = {f"http://{server.netloc}{p}" for p in children["/sm-0.xml"] + children["/sm-2.xml"]}
    assert expected <= archived


def test_depth_limit_neither_cuts_the_chain_nor_hides_articles_a_sitemap_lists(tmp_path: Path) -> None:
    """A chain of child sitemaps longer than DEPTH_LIMIT is read to the end (each child is an entry point),
    and an article first linked from a page at the depth limit is still archived when a sitemap lists it:
    links over the limit are not followed, rather than marked seen and dropped by Scrapy's DepthMiddleware."""
    server, spec = make_site(tmp_path, "mfa", 12, per_page=3)
    paths = [f"/news/{a.slug}.html" for a in spec.articles]
    children = {f"/sm-{n}.xml": paths[n * 3 : (n + 1) * 3] for n in range(4)}
    _serve_index(server, children)

    def child(path: str) -> Reply:
        time.sleep(0.5)  # the listings are read first: their deep links come before the sitemaps'
        return Reply(200, _urlset(server.base_url, children[path]))

    for path in children:
        server.route(path, lambda p, q: child(p))
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, feeds=[], sitemaps=[f"http://{server.netloc}/sitemap-index.xml"])
    db = tmp_path / "a.db"
    with served(server):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), DEPTH_LIMIT="2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        archived = {row[0] for row in conn.execute("SELECT url FROM articles")}
    assert archived == {f"http://{server.netloc}{p}" for p in paths}
    assert "Ignoring link (depth > 2)" not in result.stderr


def test_listing_links_repeated_on_every_page_count_once_against_the_page_cap(tmp_path: Path) -> None:
    """A menu of section listings on every article page: each section is requested once, and counted
    once against the site's page cap, however many pages repeat it. Counting every repetition stopped
    a chain of articles (each linking to the next) after a few pages with the cap far from reached."""
    sections, articles = 8, 15  # a chain shorter than DEPTH_LIMIT
    menu = "".join(f'<a href="/section/s{j}/">Section {j}</a>' for j in range(sections))
    paragraph = "<p>The minister met the ambassador to discuss regional cooperation and trade in detail.</p>"
    root = tmp_path / "site"
    (root / "news").mkdir(parents=True)
    for j in range(sections):
        (root / "section" / f"s{j}").mkdir(parents=True)
        (root / "section" / f"s{j}" / "index.html").write_text(f"<html><body><nav>{menu}</nav></body></html>")
    for i in range(articles):
        follow = f'<a href="/news/a{i + 1}.html">Next statement</a>' if i + 1 < articles else ""
        (root / "news" / f"a{i}.html").write_text(
            f"<html><head><title>Statement {i}</title></head><body><nav>{menu}</nav><article>"
            f"<h1>Statement number {i}</h1>{paragraph * 6}</article>{follow}</body></html>"
        )
    (root / "index.html").write_text(f'<html><body><nav>{menu}</nav><a href="/news/a0.html">First</a></body></html>')
    server = FaultServer(root)
    seeds = tmp_path / "seeds"
    write_seed(
        seeds,
        "mfa",
        server.netloc,
        sitemaps=[],
        feeds=[],
        article_pattern="/news/",
        follow_pattern="/section/",
        max_pages=1 + sections + articles + 2,
    )
    db = tmp_path / "a.db"
    with served(server):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "page cap" not in result.stderr
    for j in range(sections):
        assert len(server.hits_for(f"/section/s{j}/")) == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == articles


@pytest.mark.parametrize(
    ("target", "why", "allow"),
    [
        ("http://10.0.0.1/sm.xml", "blocked", "127.0.0.1"),  # a private address: the guard refuses it
        ("http://127.0.0.1:{trap}/sm.xml", "offsite", "127.0.0.1"),  # another port of the seed's host
        ("http://127.0.0.2:{trap}/sm.xml", "offsite", "127.0.0.1,127.0.0.2"),  # another host
    ],
)
def test_a_refused_redirect_hop_is_a_failed_request_and_the_chain_goes_on(
    tmp_path: Path, target: str, why: str, allow: str
) -> None:
    """The first child sitemap, and one article, redirect to an address the crawl must not reach: both
    hops are refused where the redirect is made, the child's errback continues the chain, the second child's
    articles are archived and the summary counts the refusals. The other server is never asked."""
    server, spec = make_site(tmp_path, "mfa", 5)
    trap = FaultServer(server.root, host="127.0.0.2" if "127.0.0.2" in target else "127.0.0.1")
    location = target.format(trap=trap.port)
    paths = [f"/news/{a.slug}.html" for a in spec.articles]
    children = {"/sm-0.xml": [], "/sm-1.xml": [*paths, "/news/moved.html"]}
    _serve_index(server, children)
    server.route("/sm-0.xml", lambda p, q: Reply(302, b"", {"Location": location}))
    server.route("/sm-1.xml", lambda p, q: Reply(200, _urlset(server.base_url, children["/sm-1.xml"])))
    server.route("/news/moved.html", lambda p, q: Reply(301, b"", {"Location": location.replace("sm.xml", "a.html")}))
    seeds = tmp_path / "seeds"
    write_seed(
        seeds, "mfa", server.netloc, start_urls=[], feeds=[], sitemaps=[f"http://{server.netloc}/sitemap-index.xml"]
    )
    db = tmp_path / "a.db"
    with served(server, trap):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), ALLOW_PRIVATE_NETWORKS=allow)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert trap.hits == []
    assert len(server.hits_for("/sm-1.xml")) == 1
    with sqlite3.connect(db) as conn:
        archived = {row[0] for row in conn.execute("SELECT url FROM articles")}
    assert archived == {f"http://{server.netloc}{p}" for p in paths}
    assert stats_value(result.stderr, f"diplomatic/mfa/refused/{why}") == 2
    row = summary_row(result.stderr, "mfa")
    assert (row.get("refused"), row.get("status")) == ("2", "ok"), result.stderr[-1500:]


def test_a_huge_sitemap_does_not_stall_the_other_hosts(tmp_path: Path) -> None:
    """A 24 MiB sitemap of 200,000 entries is parsed, and its entries keyed, in an extraction worker, and
    its 200,000 entries beyond the site's cap cost a set lookup each: another host's requests keep going
    meanwhile. (Parsed in the callback, and with Scrapy's 5 MB SCRAPER_SLOT_MAX_ACTIVE_SIZE, the other host
    waited 16 s.)"""
    big, _ = make_site(tmp_path, "big", 2)
    steady, _ = make_site(tmp_path, "steady", 60, host="127.0.0.2", per_page=100, latency=0.02)
    locs = "".join(
        f"<url><loc>http://{big.netloc}/news/item-{i:07d}-a-long-slug-of-an-article.html</loc></url>"
        for i in range(200_000)
    )
    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    big.route("/big.xml", lambda p, q: Reply(200, body.encode(), {"Content-Type": "application/xml"}))
    seeds = tmp_path / "seeds"
    big_sitemap = f"http://{big.netloc}/big.xml"
    write_seed(seeds, "big", big.netloc, sitemaps=[big_sitemap], start_urls=[], feeds=[], max_pages=20)
    write_seed(
        seeds,
        "steady",
        steady.netloc,
        sitemaps=[],
        feeds=[],
        start_urls=[f"http://{steady.netloc}/news/"],
        article_pattern=r"/news/[^/]+\.html$",
    )
    db = tmp_path / "a.db"
    with served(big, steady):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), CONCURRENT_REQUESTS_PER_DOMAIN="1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    starts = sorted(h.start for h in steady.hits)
    assert len(starts) > 60
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert max(gaps) < 6.0, sorted(gaps)[-3:]  # 0.7 s on the test machine
    assert stats_value(result.stderr, "diplomatic/big/capped") == 200_000 - 19  # the cap counts the sitemap
