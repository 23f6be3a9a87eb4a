"""`diplomatic-crawler probe`: drafts seeds for local test sites in three CMS shapes, and the drafts crawl."""

from __future__ import annotations

import re
import sqlite3
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_crawl
from probesites import SITES, ProbeSite

from diplomatic_crawler.cli import main
from diplomatic_crawler.demo.server import Reply, SiteServer
from diplomatic_crawler.discovery import Link
from diplomatic_crawler.ops.probe import (
    detect_language,
    guess_country,
    guess_name,
    infer_date_order,
    infer_follow_pattern,
    infer_url_pattern,
    zone_candidates,
)
from diplomatic_crawler.ops.probe.infer import pagination_links
from diplomatic_crawler.seeds import load_seed

# What probe must find on each shape: (country given, sitemap path, feed path, start path, language,
# date order, time zone, article-like paths that must NOT match article_pattern, listing pages that
# follow_pattern must match, paths never to request).
EXPECTED = {
    "wordpress": dict(
        country="PK",
        sitemap="/wp-sitemap.xml",
        feed="/feed/",
        start="/",
        language="en",
        date_order="MDY",
        timezone="Asia/Karachi",
        not_articles=["/", "/about/", "/category/news/", "/tag/energy/", "/author/editor/", "/page/2/"],
        listings=["/", "/page/2/", "/page/13/"],
        forbidden=["/wp-admin/", "/comments/feed/"],
    ),
    "drupal": dict(
        country="DE",
        sitemap="/sitemap.xml",
        feed="/rss.xml",
        start="/aktuelles",
        language="de",
        date_order="DMY",
        timezone="Europe/Berlin",
        not_articles=["/", "/aktuelles", "/aktuelles?page=1", "/kontakt", "/presse"],
        listings=["/aktuelles", "/aktuelles?page=1", "/aktuelles?page=12"],
        forbidden=["/admin/", "/user/login"],
    ),
    "mfa": dict(
        country="AZ",
        sitemap=None,
        feed=None,
        start="/en/news",
        language="en",
        date_order="DMY",
        timezone="Asia/Baku",
        not_articles=["/en", "/en/news", "/en/news?page=2", "/en/minister", "/en/search"],
        listings=["/en/news", "/en/news?page=2", "/en/news?page=40"],
        forbidden=["/en/search", "/en/search?q="],
    ),
}


@pytest.fixture(params=sorted(SITES))
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProbeSite]:
    built = SITES[request.param](tmp_path / "www")
    built.server.start()
    try:
        yield built
    finally:
        built.server.stop()


def _probe(site: ProbeSite, target: Path, *extra: str):
    args = ["probe", site.home, "-o", str(target), "--delay", "0", "--name", site.kind, *extra]
    return CliRunner().invoke(main, args)


def test_probe_writes_a_valid_commented_draft(site: ProbeSite, tmp_path: Path) -> None:
    want = EXPECTED[site.kind]
    target = tmp_path / "seeds" / f"{site.kind}.toml"
    result = _probe(site, target, "--country", want["country"], "--max-requests", "30")
    assert result.exit_code == 0, result.output
    assert f"Draft written to {target}" in result.output

    seed = load_seed(target)  # exactly what `seeds validate` runs
    base = site.base
    assert seed.name == site.kind
    assert seed.allowed_domains == (site.server.netloc,)
    assert seed.sitemaps == ((base + want["sitemap"],) if want["sitemap"] else ())
    assert seed.feeds == ((base + want["feed"],) if want["feed"] else ())
    assert seed.start_urls == (base + want["start"],)
    assert seed.language == want["language"]
    assert seed.date_order == want["date_order"]
    assert seed.timezone == want["timezone"]
    assert seed.country == want["country"]
    assert seed.issuer

    assert seed.article_pattern is not None and seed.follow_pattern is not None
    for post in site.posts:
        assert seed.article_pattern.search(base + post.path), post.path
        assert not seed.follow_pattern.search(base + post.path), post.path
    for path in want["not_articles"]:
        assert not seed.article_pattern.search(base + path), path
    for path in want["listings"]:
        assert seed.follow_pattern.search(base + path), path
    # Dated URL parts generalise: next year's articles still match.
    later = site.posts[0].path.replace("2024", "2031").replace("/03/", "/11/")
    assert seed.article_pattern.search(base + later)

    text = target.read_text(encoding="utf-8")
    assert text.startswith("# DRAFT seed written by `diplomatic-crawler probe")
    for expected_comment in ("# Shape ", "samples fetched read as articles", "robots.txt read and obeyed"):
        assert expected_comment in text
    comments_before = {m.group(1) for m in re.finditer(r"^# [^\n]*\n([a-z_]+) = ", text, re.M)}
    assert {"article_pattern", "follow_pattern", "language", "timezone", "date_order", "start_urls"} <= comments_before

    requested = site.requested()
    assert len(requested) <= 30
    assert not any(p.startswith(tuple(want["forbidden"])) for p in requested), requested
    assert requested[0] == "/robots.txt"


def test_probe_draft_crawls_the_site(site: ProbeSite, tmp_path: Path) -> None:
    """The draft is good enough to archive every article of the site with `scrapy crawl news`."""
    want = EXPECTED[site.kind]
    target = tmp_path / "seeds" / f"{site.kind}.toml"
    assert _probe(site, target, "--country", want["country"]).exit_code == 0
    db = tmp_path / "archive.db"
    result = run_crawl("-a", f"seeds={target}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        urls = {row[0] for row in conn.execute("SELECT canonical_url FROM articles")}
        undated = conn.execute("SELECT count(*) FROM articles WHERE published IS NULL").fetchone()[0]
    assert urls == {site.base + p.path for p in site.posts}
    assert undated == 0


def test_probe_without_feeds_or_sitemaps_respects_budget(tmp_path: Path) -> None:
    site = SITES["mfa"](tmp_path / "www")
    with site.server:
        result = _probe(site, tmp_path / "mfa.toml", "--max-requests", "6")
        requested = site.requested()
    assert result.exit_code == 0, result.output
    assert len(requested) == 6
    seed = load_seed(tmp_path / "mfa.toml")
    assert seed.start_urls  # a usable, valid draft even when the budget ran out
    assert "not fetched: disallowed or over budget" in (tmp_path / "mfa.toml").read_text()


def test_probe_output_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = SITES["drupal"](tmp_path / "www")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    with site.server:
        first = runner.invoke(main, ["probe", site.home, "--delay", "0", "--max-requests", "12"])
        assert first.exit_code == 0, first.output
        default = tmp_path / "seeds" / f"{guess_name(site.server.netloc)}.toml"
        assert default.is_file()
        # the suggested test crawl carries the setting a site on 127.0.0.1 needs, in the output and the draft
        assert "-s SITE_MAX_PAGES=50" in first.output and "-s ALLOW_PRIVATE_NETWORKS=127.0.0.1" in first.output
        assert "-s ALLOW_PRIVATE_NETWORKS=127.0.0.1" in default.read_text()
        again = runner.invoke(main, ["probe", site.home, "--delay", "0", "--max-requests", "12"])
        assert again.exit_code == 1 and "exists; use --force" in again.output
        forced = runner.invoke(main, ["probe", site.home, "--delay", "0", "--max-requests", "12", "--force"])
        assert forced.exit_code == 0
        stdout = runner.invoke(main, ["probe", site.home, "--delay", "0", "--max-requests", "12", "-o", "-"])
    assert stdout.exit_code == 0
    assert tomllib.loads(stdout.stdout)["allowed_domains"] == [site.server.netloc]


@pytest.mark.parametrize(
    ("robots", "status", "message"),
    [
        ("User-agent: *\nDisallow: /\n", 200, "robots.txt disallows this page"),
        ("User-agent: diplomatic-crawler\nDisallow: /\n", 200, "robots.txt disallows this page"),
        ("", 403, "HTTP 403 (the site refuses this client"),
        ("", 500, "cannot fetch the start page: HTTP 500"),
    ],
)
def test_probe_refusals(tmp_path: Path, robots: str, status: int, message: str) -> None:
    server = SiteServer(tmp_path)
    server.route("/robots.txt", lambda p, q: Reply(200 if robots else 404, robots.encode()))
    server.route("/", lambda p, q: Reply(status, b"<html><body>x</body></html>"))
    with server:
        result = CliRunner().invoke(
            main, ["probe", server.base_url + "/", "--delay", "0", "-o", str(tmp_path / "x.toml")]
        )
        requested = server.paths()
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.toml").exists()
    if robots:
        assert requested == ["/robots.txt"]  # the disallowed page itself is never fetched


def test_probe_rejects_bad_arguments() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["probe", "ftp://example.org/", "-o", "-"]).exit_code == 1
    assert runner.invoke(main, ["probe", "https://example.org/", "--name", "Bad Name"]).exit_code == 2
    assert runner.invoke(main, ["probe", "https://example.org/", "--country", "AZE"]).exit_code == 2


# --- pure helpers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "order"),
    [
        (["Published 15.03.2024", "04.04.2024"], "DMY"),
        (["03/15/2024 and 04/04/2024"], "MDY"),
        (["March 5, 2024", "Dec. 7th, 2021"], "MDY"),
        (["5 March 2024", "7 décembre 2021", "6 декабря 2021"], "DMY"),
        (["7 Aralık 2021"], "DMY"),
        (["2024-03-05", "2024/03/06"], "YMD"),
        (["2024年3月5日"], "YMD"),
        (["04.04.2024", "01/02/2023"], None),  # day and month both <= 12: not proved
        (["no dates here at all"], None),
        (["13.03.2024", "March 5, 2024"], "DMY"),  # a numeric proof beats month-name placement
    ],
)
def test_infer_date_order(texts: list[str], order: str | None) -> None:
    assert infer_date_order(texts).order == order


def test_infer_date_order_reports_ambiguity() -> None:
    guess = infer_date_order(["04.04.2024", "01.02.2023"])
    assert guess.counts == {"ambiguous": 2}
    assert "ambiguous x2" in guess.evidence


@pytest.mark.parametrize(
    ("host", "country"),
    [
        ("mfa.gov.az", "AZ"),
        ("www.gov.uk", "GB"),
        ("www.state.gov", "US"),
        ("www.eeas.europa.eu", "EU"),
        ("press.un.org", None),
        ("thediplomaticinsight.com", None),
        ("www.mofa.go.jp", "JP"),
        ("127.0.0.1:8080", None),
    ],
)
def test_guess_country(host: str, country: str | None) -> None:
    assert guess_country(host) == country


@pytest.mark.parametrize(
    ("host", "name"),
    [("www.mfa.gov.az", "mfa-gov-az"), ("press.un.org", "press-un-org"), ("127.0.0.1:8080", "127-0-0-1-8080")],
)
def test_guess_name(host: str, name: str) -> None:
    assert guess_name(host) == name


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The minister said that the talks with the delegation were held in a constructive atmosphere " * 3, "en"),
        ("Le ministre a déclaré que les entretiens avec la délégation se sont déroulés dans une atmosphère " * 3, "fr"),
        ("Der Minister sagte, dass die Gespräche mit der Delegation in einer konstruktiven Atmosphäre " * 3, "de"),
        ("Министр заявил, что переговоры с делегацией прошли в конструктивной атмосфере и по " * 3, "ru"),
        ("Міністр заявив, що переговори з делегацією пройшли в конструктивній атмосфері і по " * 3, "uk"),
        ("外交部发言人表示，双方在建设性气氛中举行了会谈。" * 5, "zh"),
        ("外務省の報道官は、会談が建設的な雰囲気の中で行われたと述べた。" * 5, "ja"),
        ("too short", None),
    ],
)
def test_detect_language(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def test_infer_url_pattern_prefers_feed_shapes_and_generalises_numbers() -> None:
    host = "www.example.org"
    feed = [(f"https://www.example.org/en/news/{n}/minister-meets-counterpart-{n}", 3.0) for n in (101, 205, 330)]
    nav = [(f"https://www.example.org/en/{p}", 0.2) for p in ("about", "contact", "ministry", "embassies", "visa")]
    guesses = infer_url_pattern(feed + nav, host)
    best = re.compile(guesses[0].regex)
    assert guesses[0].shape == "/en/news/<number>/<text>"
    assert best.search("https://example.org/en/news/999999/another-story")
    assert not best.search("https://www.example.org/en/news")
    assert not best.search("https://www.example.org/en/news/12/a/b")
    dated = [(f"https://x.org/2024/03/{d:02d}/story-{d}/", 1.0) for d in (1, 2, 3)]
    rx = re.compile(infer_url_pattern(dated, "x.org")[0].regex)
    assert rx.search("https://x.org/2027/12/31/new-story/")
    query = [(f"https://x.org/eng/brd/view.do?seq={n}", 1.0) for n in (5, 6, 7)]
    rx = re.compile(infer_url_pattern(query, "x.org")[0].regex)
    assert rx.search("https://x.org/eng/brd/view.do?seq=321&page=2")
    assert not rx.search("https://x.org/eng/brd/list.do?seq=1")
    assert infer_url_pattern(feed[:2], host) == []  # two URLs are no evidence of a shape


@pytest.mark.parametrize(
    ("country", "offsets", "first"),
    [("AZ", [], "Asia/Baku"), ("US", ["-05:00"], "America/New_York"), ("PK", ["+05:00"], "Asia/Karachi"),
     ("RU", ["+03:00"], "Europe/Moscow"), (None, ["+04:00"], None)],
)  # fmt: skip
def test_zone_candidates(country: str | None, offsets: list[str], first: str | None) -> None:
    zones = zone_candidates(country, offsets, 2024)
    assert (zones[0] if zones else None) == first


@pytest.mark.parametrize(
    ("listing", "links", "style", "matches", "rejects"),
    [
        ("https://x.org/aktuelles", ["/aktuelles?page=1", "/aktuelles?page=2", "/kontakt"], "?page=N",
         ["/aktuelles", "/aktuelles?page=12"], ["/aktuelles/story", "/aktuelles?page=2&sort=x"]),
        ("https://x.org/en/news", ["/en/news?page=2&lang=en", "/en/news?page=3&lang=en"], "?page=N",
         ["/en/news?page=2&lang=en", "/en/news"], ["/en/news/story"]),
        ("https://x.org/", ["/page/2/", "/page/3/", "/about/"], "/page/N/",
         ["/", "/page/13/"], ["/2024/03/01/story/", "/about/"]),
        ("https://x.org/press", ["/press/p/2", "/press/p/3"], "/p/N/",
         ["/press", "/press/p/9", "/press/p/9/"], ["/press/story"]),
    ],
)  # fmt: skip
def test_infer_follow_pattern(listing: str, links: list[str], style: str, matches: list[str], rejects: list[str]):
    """A listing's pagination links (other queries of its path, or /page/N) give its follow_pattern."""
    pages = pagination_links(listing, [Link("https://x.org" + p, "2") for p in links])
    assert [p.url for p in pages] == ["https://x.org" + p for p in links if p not in ("/kontakt", "/about/")]
    regex, got_style = infer_follow_pattern(listing, pages, "x.org")
    assert got_style == style
    for path in matches:
        assert re.search(regex, "https://x.org" + path), (regex, path)
    for path in rejects:
        assert not re.search(regex, "https://x.org" + path), (regex, path)
