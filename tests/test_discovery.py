"""Pure discovery helpers: sitemaps, feeds, links, page classification, crawl traps."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from diplomatic_crawler.discovery import (
    Link,
    calendar_key,
    classify_page,
    is_pagination,
    looks_like_listing_url,
    page_links,
    parse_date,
    parse_feed,
    parse_sitemap,
    trap_reason,
)
from diplomatic_crawler.seeds import parse_seed

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://mfa.gov.az/en/news/1</loc><lastmod>2024-05-01</lastmod></url>
<url><loc>https://mfa.gov.az/en/news/2</loc>
  <news:news><news:publication_date>2024-05-02T10:00:00+04:00</news:publication_date></news:news></url>
</urlset>"""
INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://mfa.gov.az/sitemap-1.xml.gz</loc></sitemap></sitemapindex>"""


def test_sitemap_urlset_with_lastmod_and_news_dates() -> None:
    entries = parse_sitemap(URLSET, "https://mfa.gov.az/sitemap.xml")
    assert [e.loc for e in entries] == ["https://mfa.gov.az/en/news/1", "https://mfa.gov.az/en/news/2"]
    assert entries[0].lastmod == datetime(2024, 5, 1, tzinfo=UTC)
    assert entries[1].lastmod == datetime(2024, 5, 2, 6, tzinfo=UTC)
    assert not entries[0].is_sitemap


def test_sitemap_index_and_gzip_with_size_cap() -> None:
    assert [e.is_sitemap for e in parse_sitemap(INDEX)] == [True]
    assert len(parse_sitemap(gzip.compress(URLSET))) == 2
    bomb = gzip.compress(b"<urlset>" + b" " * 2_000_000 + b"</urlset>")
    assert parse_sitemap(bomb, max_size=100_000) == []
    assert parse_sitemap(b"<html><body>not a sitemap</body></html>") == []


def test_feeds_rss_and_atom_without_entity_expansion() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel>
    <item><title>A</title><link>https://x.org/a</link><pubDate>Wed, 01 May 2024 10:00:00 +0400</pubDate></item>
    <item><guid isPermaLink="true">https://x.org/b</guid></item></channel></rss>"""
    entries = parse_feed(rss, "https://x.org/feed")
    assert [e.link for e in entries] == ["https://x.org/a", "https://x.org/b"]
    assert entries[0].date == datetime(2024, 5, 1, 6, tzinfo=UTC)
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="/c"/>
    <updated>2024-05-03T00:00:00Z</updated></entry></feed>"""
    assert parse_feed(atom, "https://x.org/atom")[0].link == "https://x.org/c"
    laughs = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">
    <!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss><channel><item><title>&b;&xxe;</title>
    <link>https://x.org/d</link></item></channel></rss>"""
    (entry,) = parse_feed(laughs)
    assert entry.link == "https://x.org/d" and "root:" not in (entry.title or "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("Wed, 01 May 2024 10:00:00 GMT", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
    ],
)
def test_parse_date(value: str | None, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_page_links_absolute_without_nofollow_files_and_fragments() -> None:
    html = b"""<html><head><link rel="next" href="/news?page=2"></head><body>
    <a href="/a#x">A</a><a href="/a">A again</a><a href="b.pdf">PDF</a><a rel="nofollow" href="/c">C</a>
    <a href="mailto:x@y">mail</a><a href="https://other.org/d">D</a></body></html>"""
    links = page_links(html, "https://x.org/news/")
    assert [lk.url for lk in links] == ["https://x.org/news?page=2", "https://x.org/a", "https://other.org/d"]
    assert links[0].rel == "next"


def test_page_links_rel_handling() -> None:
    """A <link> needs rel next/prev (exactly); nofollow is found in any case among rel's tokens; a later
    duplicate with a rel lends it to the first link."""
    html = b"""<html><head><link href="/no-rel"><link rel="prev" href="/p"></head><body>
    <a href="/a">A</a><a rel="NoFollow noopener" href="/b">B</a><a rel="noopener" href="/c">C</a>
    <a rel="Next" href="/a">next</a></body></html>"""
    links = page_links(html, "https://x.org/news/")
    assert [(lk.url, lk.text, lk.rel) for lk in links] == [
        ("https://x.org/p", "", "prev"), ("https://x.org/a", "A", "next"), ("https://x.org/c", "C", "noopener"),
    ]


def test_link_and_evidence_walks_keep_xpath_semantics() -> None:
    """The iterator walks that replaced XPath: the first element *with* the attribute wins (as
    `string(//meta[@property='og:type']/@content)`), the whole document is searched from any element,
    and only <link> elements with rel exactly next/prev are links."""
    import lxml.html

    from diplomatic_crawler.discovery import page_evidence

    html = (
        "<html><head><base><base href='https://cdn.x.org/sub/'><meta property='og:type'>"
        "<meta property='og:type' content='Article'><link rel='stylesheet' href='/s.css'>"
        "<link rel='NEXT' href='/n2'><link rel='prev' href='/p1'><link rel='canonical'>"
        "<link rel='canonical' href='/c'></head><body><a>no href</a><a href='rel'>R</a>"
        "<div itemscope itemtype='https://schema.org/NewsArticle/'><p>x</p></div></body></html>"
    )
    tree = lxml.html.fromstring(html)
    assert [lk.url for lk in page_links(tree, "https://x.org/news/")] == [
        "https://cdn.x.org/p1", "https://cdn.x.org/sub/rel",
    ]
    evidence = page_evidence(tree)
    assert (evidence.og_type, evidence.canonical) == ("article", "/c")
    assert evidence.schema_types == frozenset({"newsarticle"})
    assert page_evidence(tree.find("body")).canonical == "/c"  # a subtree still reads the document's head


def test_page_evidence_leaves_the_tree_as_it_was() -> None:
    """Evidence is measured with scripts, navigation, headers, footers and asides set aside (nested ones
    too, the text after them kept) and the page is given back unchanged for the extractor."""
    import lxml.etree
    import lxml.html

    from diplomatic_crawler.discovery import page_evidence

    html = (
        "<html><head><meta property='og:type' content='article'><link rel='canonical' href='/a'></head><body>"
        "<header>Site <nav>Home <script>var x;</script>News</nav> tail of nav</header>"
        "<article><p>" + "Long paragraph text about the talks between the two ministers. " * 3 + "<script>s()</script>"
        " after the script</p><aside>Related <a href='/b'>B</a></aside>text after the aside"
        "<p>Second paragraph that is long enough to count as real text here.</p></article>"
        "<script type='application/ld+json'>{\"@type\": \"NewsArticle\"}</script>"
        "<footer>Footer <a href='/c'>C</a></footer> tail of footer</body></html>"
    )
    tree = lxml.html.fromstring(html)
    before = lxml.etree.tostring(tree)
    evidence = page_evidence(tree)
    assert lxml.etree.tostring(tree) == before
    assert evidence == page_evidence(html)  # the same as from a tree of its own
    assert evidence.og_type == "article" and evidence.canonical == "/a" and evidence.paragraphs == 2
    assert evidence.schema_types == frozenset()  # a body script is set aside before schema types are read
    assert evidence.link_density == 0.0 and evidence.has_article_element


def test_page_links_root_relative_resolution_is_shared_per_host_only() -> None:
    """Root-relative hrefs are resolved once per host (a cache across pages): the result must still be
    urljoin's for every page, with dot segments, queries, <base> on another host and ports."""
    from urllib.parse import urljoin

    hrefs = ["/news/1", "/a/../b/./c", "/x?q=1&page=", "/en/", "/file.PDF", "/y#frag"]
    body = "".join(f'<a href="{h}">L</a>' for h in hrefs)
    for page, base in [
        ("https://x.org/news/2024/item", ""),
        ("http://x.org:8080/deep/er/page.html", ""),
        ("https://x.org/news/", '<base href="https://cdn.x.org/sub/">'),
    ]:
        html = f"<html><head>{base}</head><body>{body}</body></html>".encode()
        got = [lk.url for lk in page_links(html, page)]
        root = "https://cdn.x.org/sub/" if base else page
        expected = [urljoin(root, h).split("#")[0] for h in hrefs if not h.lower().endswith(".pdf")]
        assert got == expected


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (Link("https://x.org/news?page=3"), True),
        (Link("https://x.org/news/page/3/"), True),
        (Link("https://x.org/news/", "Next"), True),
        (Link("https://x.org/news/", "", "next"), True),
        (Link("https://x.org/news/minister-visits-baku", "Minister visits Baku"), False),
    ],
)
def test_is_pagination(link: Link, expected: bool) -> None:
    assert is_pagination(link) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.org/", True),
        ("https://x.org/tag/nato/", True),
        ("https://x.org/author/jane-doe/", True),
        ("https://x.org/search?q=nato", True),
        ("https://x.org/category/news/page/2/", True),
        ("https://x.org/news/2024/05/minister-visits-baku", False),
    ],
)
def test_listing_urls(url: str, expected: bool) -> None:
    assert looks_like_listing_url(url) is expected


PARAS = "".join(f"<p>{'The minister held talks with his counterpart on trade and energy. ' * 3}</p>" for _ in range(4))


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        ('<meta property="og:type" content="article">', PARAS, "article"),
        ('<script type="application/ld+json">{"@type": "NewsArticle"}</script>', PARAS, "article"),
        (
            '<script type="application/ld+json">{"@graph": [{"@type": "WebSite"}, {"@type": "NewsArticle"}]}</script>',
            PARAS,
            "article",
        ),
        ("", PARAS, "article"),  # no markup: long text, few links
        ('<script type="application/ld+json">{"@type": "CollectionPage"}</script>', PARAS, "listing"),
        (
            "",
            "".join(f'<p><a href="/n/{i}">Headline number {i} about diplomacy and talks</a></p>' for i in range(30)),
            "listing",
        ),
        ('<meta property="og:type" content="article">', "<p>Short.</p>", "listing"),
    ],
)
def test_classify_page_by_evidence(head: str, body: str, expected: str) -> None:
    html = f"<html><head>{head}</head><body><main>{body}</main></body></html>"
    assert classify_page(html, "https://x.org/news/some-story") == expected


def test_classify_listing_urls_and_article_pattern() -> None:
    html = f'<html><head><meta property="og:type" content="article"></head><body>{PARAS}</body></html>'
    assert classify_page(html, "https://x.org/tag/nato/") == "listing"
    seed = parse_seed(
        {"name": "x", "allowed_domains": ["x.org"], "feeds": ["https://x.org/f"], "article_pattern": r"/n/\d+$"}
    )
    assert classify_page(html, "https://x.org/n/12", seed) == "article"
    assert classify_page(html, "https://x.org/news/some-story", seed) == "listing"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://x.org/news/story", None),
        ("https://x.org/" + "a" * 1100, "url-length"),
        ("https://x.org/news/news/news/story", "repeated-segment"),
        ("https://x.org/a/b/a/b/c", "repeated-segment"),
        ("https://x.org/list?" + "&".join(f"f{i}=1" for i in range(8)), "query-explosion"),
        ("https://x.org/calendar?month=1850-01", "calendar"),
        ("https://x.org/calendar?month=2024-01", None),  # bounded by the per-calendar page budget
    ],
)
def test_trap_reason(url: str, reason: str | None) -> None:
    assert trap_reason(url) == reason


def test_calendar_key_groups_calendar_pages() -> None:
    a = calendar_key("https://x.org/calendar?month=2024-01")
    assert a is not None and a == calendar_key("https://x.org/calendar?month=1999-12")
    assert calendar_key("https://x.org/events/2024/05/") == calendar_key("https://x.org/events/2023/11/")
    assert calendar_key("https://x.org/news/2024/05/minister-visits.html") is None
    assert calendar_key("https://x.org/news/story") is None


@pytest.mark.parametrize(("count", "max_links", "kept"), [(25, 10, 10), (25, 0, 25), (5, 10, 5)])
def test_page_links_stop_at_max_links_keeping_the_first(count: int, max_links: int, kept: int) -> None:
    pair = '<a href="/news/item-{i}.html">Item {i}</a><a href="/news/item-{i}.html">again</a>'  # duplicates count once
    anchors = "".join(pair.format(i=i) for i in range(count))
    links = page_links(f"<html><body>{anchors}</body></html>", "https://example.org/news/", max_links)
    assert [lk.url for lk in links] == [f"https://example.org/news/item-{i}.html" for i in range(kept)]


def test_a_page_of_a_hundred_thousand_links_is_analysed_for_its_first_ten_thousand() -> None:
    from diplomatic_crawler.workers import MAX_LINKS_PER_PAGE, analyse_page

    seed = parse_seed(
        {"name": "x", "allowed_domains": ["example.org"], "start_urls": ["https://example.org/"]}, expected_name="x"
    )
    anchors = "".join(f'<a href="/news/item-{i}.html">i{i}</a>' for i in range(100_000))
    page = analyse_page(f"<html><body><p>{anchors}</p></body></html>", "https://example.org/list.html", seed)
    assert len(page.links) == len(page.keys) == MAX_LINKS_PER_PAGE == 10_000
    assert page.keys[0] == "https://example.org/news/item-0.html"
