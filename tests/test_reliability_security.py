"""Reliability cases 7, 8, 9 (private-network guard, non-network schemes, DNS rebinding) and the
seed-name part of 37: real `scrapy crawl news` against servers on 127.0.0.x."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from faultserver import FaultServer, Reply, crawl, make_site, served, stats_value, write_seed

from diplomatic_crawler.cli import main
from diplomatic_crawler.security import NetworkPolicy, blocked_address_reason, parse_allow_setting, seed_host_refusals
from diplomatic_crawler.seeds import parse_seed


def _count(db: Path, sql: str = "SELECT count(*) FROM articles") -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("192.168.1.20", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("100.100.100.200", "not a public"),  # Alibaba metadata, carrier-grade NAT range
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64 form of the metadata address
        ("2002:7f00:1::", "127.0.0.1"),  # 6to4
        ("fd00:ec2::254", "private"),  # AWS IPv6 metadata
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_classification(address: str, blocked: str | None) -> None:
    reason = blocked_address_reason(address)
    if blocked is None:
        assert reason is None
    else:
        assert reason is not None and blocked in reason


@pytest.mark.parametrize(
    ("allow", "url", "refused"),
    [
        (False, "http://127.0.0.1:8080/admin", "loopback"),
        (False, "http://[::ffff:10.0.0.1]/", "10.0.0.1"),
        (False, "http://169.254.169.254/latest/meta-data/", "link-local"),
        (False, "http://localhost:8000/", "local machine"),
        (False, "http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        (False, "file:///etc/passwd", "scheme 'file'"),
        (False, "data:text/html,<p>x</p>", "scheme 'data'"),
        (False, "ftp://ftp.example.org/pub/", "scheme 'ftp'"),
        (False, "https://mfa.gov.az/en/news/1", None),  # names are checked again when resolved
        ("127.0.0.2", "http://127.0.0.2:81/", None),
        ("127.0.0.2", "http://127.0.0.1:81/", "loopback"),
        ("10.20.0.0/16", "http://10.20.3.4/", None),
        ("10.20.0.0/16", "http://10.21.3.4/", "private"),
        (True, "http://127.0.0.1/", None),
        (True, "file:///etc/passwd", "scheme"),  # never, whatever the setting
    ],
)
def test_url_policy(allow: object, url: str, refused: str | None) -> None:
    reason = NetworkPolicy(parse_allow_setting(allow)).url_reason(url)
    assert (reason is None) if refused is None else (reason is not None and refused in reason)


@pytest.mark.parametrize("value", ["10.0.0.0/33", "not-a-network", ["127.0.0.1", "x"]])
def test_bad_allow_setting_is_rejected(value: object) -> None:
    with pytest.raises(ValueError, match="ALLOW_PRIVATE_NETWORKS"):
        parse_allow_setting(value)


def test_default_setting_refuses_a_loopback_seed_before_any_request(tmp_path: Path) -> None:
    """Production default: a seed naming 127.0.0.1 is refused before the crawl, in one line naming the seed,
    the host and the setting, not request by request; with that setting the same seed is crawled."""
    server, _ = make_site(tmp_path, "local", 3)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "local", server.netloc)
    db = tmp_path / "a.db"
    with served(server):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), ALLOW_PRIVATE_NETWORKS="False")
        assert server.hits == []
        allowed = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), ALLOW_PRIVATE_NETWORKS="127.0.0.1")
    assert result.returncode == 1, result.stderr[-3000:]  # a configuration error, like an invalid seed
    lines = [line for line in result.stderr.splitlines() if "names host 127.0.0.1" in line]
    assert lines == [
        f"{seeds / 'local.toml'}: allowed_domains: seed 'local' names host 127.0.0.1 (loopback), which the"
        " private-network guard refuses; to crawl it, run with -s ALLOW_PRIVATE_NETWORKS=127.0.0.1"
    ]
    assert "Blocked request" not in result.stderr and "Traceback" not in result.stderr
    assert allowed.returncode == 0, allowed.stderr[-3000:]
    assert _count(db) == 3
    validated = CliRunner().invoke(main, ["seeds", "validate", str(seeds)])  # says the same, word for word
    assert validated.exit_code == 1 and lines[0] in validated.output.splitlines()[-1], validated.output


@pytest.mark.parametrize(
    ("fields", "allow", "expected"),
    [
        ({"allowed_domains": ["10.20.3.4:8080"]}, False, ["10.20.3.4 (private network)", "=10.20.3.4"]),
        ({"allowed_domains": ["10.20.3.4:8080"]}, "10.20.0.0/16", []),
        ({"allowed_domains": ["10.20.3.4"]}, "10.21.0.0/16", ["10.20.3.4 (private network)"]),
        ({"allowed_domains": ["localhost:8000"]}, False, ["localhost (the local machine)", "=127.0.0.1,::1"]),
        ({"allowed_domains": ["metadata.google.internal"]}, "10.0.0.0/8", ["cloud metadata", "=True"]),
        ({"allowed_domains": ["mfa.example", "192.168.1.20"]}, False, ["'x' names host 192.168.1.20"]),
        ({"allowed_domains": ["mfa.example"], "aliases": ["127.0.0.1"]}, False, ["aliases: seed 'x'"]),
        ({"allowed_domains": ["mfa.example"]}, False, []),  # names are judged when they are resolved
        ({"allowed_domains": ["127.0.0.1"]}, True, []),
    ],
)
def test_seed_host_refusals(fields: dict[str, object], allow: object, expected: list[str]) -> None:
    first = fields["allowed_domains"][0]  # type: ignore[index]
    seed = parse_seed(
        {"name": "x", "start_urls": [f"http://{first}/"], **fields}, source="seeds/x.toml", expected_name="x"
    )
    lines = seed_host_refusals([seed], NetworkPolicy(parse_allow_setting(allow)))
    if not expected:
        assert lines == []
    else:
        assert len(lines) == 1 and lines[0].startswith("seeds/x.toml: ")
        assert all(fragment in lines[0] for fragment in expected), lines[0]
        assert "ALLOW_PRIVATE_NETWORKS=" in lines[0]


def test_seeds_validate_reports_private_hosts(tmp_path: Path) -> None:
    write_seed(tmp_path, "intranet", "10.20.3.4:8080")
    runner = CliRunner()
    refused = runner.invoke(main, ["seeds", "validate", str(tmp_path)])
    assert refused.exit_code == 1, refused.output
    assert "intranet.toml: allowed_domains: seed 'intranet' names host 10.20.3.4 (private network)" in refused.output
    assert "-s ALLOW_PRIVATE_NETWORKS=10.20.3.4" in refused.output
    allowed = runner.invoke(main, ["seeds", "validate", str(tmp_path), "--allow-private-networks", "10.20.0.0/16"])
    assert allowed.exit_code == 0 and "1 seed(s) OK" in allowed.output
    bad = runner.invoke(main, ["seeds", "validate", str(tmp_path), "--allow-private-networks", "nope"])
    assert bad.exit_code == 2 and "ALLOW_PRIVATE_NETWORKS" in bad.output


def test_case7_redirects_to_private_addresses_are_blocked(tmp_path: Path) -> None:
    """Articles that redirect to loopback, the metadata address or a v4-mapped private address: blocked
    before connecting, counted as ssrf/blocked, no row; the rest of the site is archived."""
    server, spec = make_site(tmp_path, "mfa", 4, host="127.0.0.2")
    trap, _ = make_site(tmp_path, "intranet", 1, host="127.0.0.1")  # must never be reached
    targets = {
        "/news/go-loopback.html": f"http://127.0.0.1:{trap.port}/news/",
        "/news/go-metadata.html": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "/news/go-mapped.html": "http://[::ffff:10.0.0.1]/",
        "/news/go-localhost.html": f"http://localhost:{trap.port}/",
    }
    for path, location in targets.items():
        server.route(path, lambda p, q, loc=location: Reply(302, b"", {"Location": loc}))
    spec.extra_links = tuple(f'<li><a href="{{{{BASE}}}}{p}">Moved</a></li>' for p in targets)
    from diplomatic_crawler.demo.sitegen import build_site

    build_site(server.root, spec)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=r"/news/[^/]+\.html$")
    db = tmp_path / "a.db"
    with served(server, trap):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), ALLOW_PRIVATE_NETWORKS="127.0.0.2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert trap.hits == []  # nothing ever connected to the loopback server
    assert {p for p in targets} <= {h.path for h in server.hits}  # the redirects were served ...
    assert stats_value(result.stderr, "ssrf/blocked") >= len(targets)  # ... and every hop refused
    for fragment in ("169.254.169.254", "::ffff:10.0.0.1", "127.0.0.1", "localhost"):
        assert f"Blocked request to http://{fragment}" in result.stderr.replace("[", "").replace("]", "")
    assert _count(db) == 4
    assert _count(db, "SELECT count(*) FROM articles WHERE url LIKE '%go-%' OR url NOT LIKE '%127.0.0.2%'") == 0


def test_case8_non_network_urls_in_feeds_and_sitemaps(tmp_path: Path) -> None:
    """file:, data: and ftp: entries in a feed and a sitemap are never fetched; the crawl goes on."""
    server, _ = make_site(tmp_path, "mfa", 3)
    secret = tmp_path / "secret.html"
    secret.write_text("<html><body><article><p>TOP SECRET LOCAL FILE " * 20 + "</p></article></body></html>")
    bad = [f"file://{secret}", "data:text/html,<p>injected</p>", "ftp://127.0.0.1/pub/x.html"]
    items = "".join(f"<item><title>x</title><link>{u}</link></item>" for u in bad)
    urls = "".join(f"<url><loc>{u}</loc></url>" for u in bad)
    server.route(
        "/evil-feed.xml",
        lambda p, q: Reply(
            200,
            f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode(),
            {"Content-Type": "application/rss+xml"},
        ),
    )
    server.route(
        "/evil-sitemap.xml",
        lambda p, q: Reply(
            200,
            f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>".encode(),
            {"Content-Type": "application/xml"},
        ),
    )
    seeds = tmp_path / "seeds"
    base = f"http://{server.netloc}"
    write_seed(
        seeds,
        "mfa",
        server.netloc,
        feeds=[f"{base}/evil-feed.xml", f"{base}/feed.xml"],
        sitemaps=[f"{base}/evil-sitemap.xml"],
    )
    db = tmp_path / "a.db"
    with served(server):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert _count(db) == 3
    assert _count(db, "SELECT count(*) FROM articles WHERE instr(text, 'TOP SECRET') OR instr(text, 'injected')") == 0
    assert "TOP SECRET" not in result.stderr


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("start_urls", ["file:///etc/passwd"], "only http(s) URLs are allowed, got file scheme"),
        ("feeds", ["data:text/xml,<rss/>"], "only http(s) URLs are allowed, got data scheme"),
        ("sitemaps", ["ftp://127.0.0.1/sitemap.xml"], "only http(s) URLs are allowed, got ftp scheme"),
    ],
)
def test_case8_seed_with_non_network_url_is_rejected(
    tmp_path: Path, field: str, value: list[str], message: str
) -> None:
    server = FaultServer(tmp_path)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, **{field: value})
    with served(server):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(tmp_path / "a.db"))
    assert result.returncode == 1
    assert f"mfa.toml: {field}: {message}" in result.stderr
    assert server.hits == []


def test_case9_allowed_name_resolving_to_loopback_is_blocked_at_resolution(tmp_path: Path) -> None:
    """DNS rebinding: the seed's own host name resolves to a private address. The guard refuses it when
    the name is resolved, before any connection; the same crawl with that address allowed works (so the
    stub resolver is what was tested)."""
    server, _ = make_site(tmp_path, "rebind", 3, host="127.0.0.3")
    netloc = f"news.rebind.test:{server.port}"
    seeds = tmp_path / "seeds"
    write_seed(seeds, "rebind", netloc)
    db = tmp_path / "a.db"
    hosts = {"news.rebind.test": "127.0.0.3"}
    with served(server):
        blocked = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), hosts=hosts, ALLOW_PRIVATE_NETWORKS="127.0.0.2")
        assert server.hits == []
        allowed = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), hosts=hosts, ALLOW_PRIVATE_NETWORKS="127.0.0.3")
    assert blocked.returncode == 2, blocked.stderr[-3000:]
    assert "news.rebind.test resolves to 127.0.0.3 (loopback)" in blocked.stderr
    assert stats_value(blocked.stderr, "ssrf/blocked") >= 3
    assert allowed.returncode == 0, allowed.stderr[-3000:]
    assert _count(db) == 3
    assert all(h.headers.get("host") == netloc for h in server.hits)


@pytest.mark.parametrize("name", ["../../x", "..", "a/b", "/etc/passwd", "Mfa"])
def test_case37_site_name_with_path_is_rejected(tmp_path: Path, name: str) -> None:
    """A `-a site=` value is only ever matched against seed names, never used as a path."""
    server = FaultServer(tmp_path)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc)
    with served(server):
        result = crawl("-a", f"seeds={seeds}", "-a", f"site={name}", ARCHIVE_DB=str(tmp_path / "a.db"))
    assert result.returncode == 1
    assert f"unknown site(s) {name}" in result.stderr
    assert server.hits == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seeds"]  # nothing written, not even the archive


def test_no_request_leaves_the_seeds_host_and_port(tmp_path: Path) -> None:
    """Issue 21, item 5: every way a site can point elsewhere (a link, a sitemap entry, a child sitemap of
    an index, which is requested with dont_filter, a feed item, a meta refresh, an HTTP redirect) names
    another port of the seed's own host. None of them is requested; the site's own articles are all
    archived. The same crawl with that port among the seed's domains reaches it along every one of those
    ways, so the paths are real."""
    server, spec = make_site(tmp_path, "mfa", 4)
    other = FaultServer(server.root)  # same host, another port, the same pages: must never be asked
    away = f"http://{other.netloc}"
    head = '<?xml version="1.0"?>'
    xmlns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    routes = {
        "/away-sitemap.xml": f"{head}<urlset {xmlns}><url><loc>{away}/news/from-sitemap.html</loc></url></urlset>",
        "/away-index.xml": (
            f"{head}<sitemapindex {xmlns}><sitemap><loc>{away}/child-sitemap.xml</loc></sitemap>"
            f"<sitemap><loc>{server.base_url}/sitemap-recent.xml</loc></sitemap></sitemapindex>"
        ),
        "/away-feed.xml": (
            "<rss version='2.0'><channel><title>t</title>"
            f"<item><title>x</title><link>{away}/news/from-feed.html</link></item></channel></rss>"
        ),
        "/news/refresh.html": f'<html><head><meta http-equiv="refresh" content="0; url={away}/news/refreshed.html">',
    }
    for path, body in routes.items():
        server.route(path, lambda p, q, body=body: Reply(200, body.encode()))
    server.route("/news/moved.html", lambda p, q: Reply(301, b"", {"Location": f"{away}/news/redirected.html"}))
    spec.extra_links = (
        f'<li><a href="{away}/news/linked.html">Linked</a></li>',
        '<li><a href="{{BASE}}/news/refresh.html">Refresh</a></li>',
        '<li><a href="{{BASE}}/news/moved.html">Moved</a></li>',
    )
    from diplomatic_crawler.demo.sitegen import build_site

    build_site(server.root, spec)
    base = server.base_url
    fields = {
        "sitemaps": [f"{base}/away-sitemap.xml", f"{base}/away-index.xml", f"{base}/sitemap.xml"],
        "feeds": [f"{base}/away-feed.xml"],
        "article_pattern": r"/news/[^/]+\.html$",
    }
    write_seed(tmp_path / "seeds", "mfa", server.netloc, **fields)
    write_seed(tmp_path / "both", "mfa", server.netloc, allowed_domains=[server.netloc, other.netloc], **fields)
    ways = {"/news/linked.html", "/news/from-sitemap.html", "/child-sitemap.xml", "/news/from-feed.html"}
    ways |= {"/news/refreshed.html", "/news/redirected.html"}
    with served(server, other):
        result = crawl("-a", f"seeds={tmp_path / 'seeds'}", ARCHIVE_DB=str(tmp_path / "a.db"))
        assert other.hits == [], sorted(h.path for h in other.hits)
        control = crawl("-a", f"seeds={tmp_path / 'both'}", ARCHIVE_DB=str(tmp_path / "b.db"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    own = {f"{base}/news/{a.slug}.html" for a in spec.articles}
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert {r[0] for r in conn.execute("SELECT url FROM articles")} == own
    assert control.returncode == 0, control.stderr[-3000:]
    assert ways <= {h.path for h in other.hits}, sorted(h.path for h in other.hits)
