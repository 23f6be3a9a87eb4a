"""Hub pages (country and topic dossiers, section fronts, tag, author, search and home pages) are never
archived as articles, by the page's shape (diplomatic_crawler.extraction.page_kind), not by URL lists."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from faultserver import Reply, build_site, crawl, make_site, served, stats_value, write_seed

from diplomatic_crawler.discovery import page_links
from diplomatic_crawler.extraction.article import Article
from diplomatic_crawler.extraction.document import parse_html
from diplomatic_crawler.extraction.page_kind import hub_evidence, hub_reason
from diplomatic_crawler.seeds import Seed
from diplomatic_crawler.workers import analyse_page

FIXTURES = Path(__file__).parent / "fixtures" / "hubs"
CASES = json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8"))


def test_the_fixtures_are_varied_enough() -> None:
    hubs = [c for c in CASES if c["kind"] == "hub"]
    assert len(hubs) >= 25 and len(CASES) > len(hubs)
    assert {"ar", "ru", "zh-CN", "ja"} <= {
        re.search(r'lang="([^"]+)"', (FIXTURES / f"{c['id']}.html").read_text())[1] for c in hubs
    }


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_hub_or_article_whatever_the_url_says(case: dict) -> None:
    """Under an `article_pattern` that matches every URL, the shape alone decides; without one, the
    crawl's classification plus the hub rule. A hub is a listing (its links followed), an article keeps
    its record."""
    html = (FIXTURES / f"{case['id']}.html").read_bytes()
    host = urlsplit(case["url"]).hostname or ""
    every_url = Seed(name="t", allowed_domains=(host.removeprefix("www."),), article_pattern=re.compile("."))
    for seed in (every_url, None):
        page = analyse_page(html, case["url"], seed)
        if case["kind"] == "hub":
            assert page.kind == "listing" and page.article is None, (case["shape"], page.hub)
            assert page.links, "a hub's links are still followed"
        else:
            assert page.kind == "article" and page.hub is None, (case["shape"], page.hub)
            assert page.article is not None and page.article.word_count > 40


ARTICLE_PAGES = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*/*/input.html"))


@pytest.mark.parametrize("path", ARTICLE_PAGES, ids=[f"{p.parent.parent.name}/{p.parent.name}" for p in ARTICLE_PAGES])
def test_the_extraction_fixtures_stay_articles(path: Path) -> None:
    """The stored article pages of the extraction fixtures (curated seeds, news portals) are no hubs."""
    meta = path.parent / "meta.json"
    url = json.loads(meta.read_text(encoding="utf-8")).get("url", "") if meta.exists() else ""
    every_url = Seed(name="t", allowed_domains=("invalid",), article_pattern=re.compile("."))
    assert analyse_page(path.read_bytes(), url or "https://mfa.example/news/1", every_url).hub is None


def _page(main: str, *, head: str = "", body_class: str = "") -> bytes:
    return (
        f'<html><head><title>T</title>{head}</head><body class="{body_class}"><header><nav><ul>'
        '<li><a href="/a">Home page link</a></li><li><a href="/b">Another menu link</a></li>'
        f"<li><a href='/c'>A third menu link</a></li></ul></nav></header><main>{main}</main></body></html>"
    ).encode()


def _cards(n: int, *, href: str = "/news/{i}", heading: bool = True, extra: str = "") -> str:
    def one(i: int) -> str:
        link = f'<a href="{href.format(i=i)}">Minister meets counterpart number {i} in the capital</a>'
        title = f"<h3>{link}</h3>" if heading else link
        return f'<div class="teaser">{title}<span class="date">{i} May 2024</span>{extra}</div>'

    return '<div class="list">' + "".join(one(i) for i in range(n)) + "</div>"


PROSE = "".join(
    f"<p>Paragraph {i} of the statement says what the ministry did and why it matters to the region, "
    f"with enough words to be a body of its own and not a teaser summary.</p>"
    for i in range(12)
)


@pytest.mark.parametrize(
    ("main", "url", "cards"),
    [
        (_cards(5), "https://x.org/p", 5),
        (_cards(5, heading=False), "https://x.org/p", 5),  # a link of several words is the headline
        (_cards(2), "https://x.org/p", 0),  # two are no series
        (_cards(4, href="https://elsewhere.example/{i}"), "https://x.org/p", 0),  # a listicle linking out
        (_cards(4, href="https://www.x.org/n/{i}"), "https://x.org/p", 4),  # the site's own host
        # paragraphs with an inline link are prose, not cards
        (
            "".join(
                f'<p>Text text text text text <a href="/n/{i}">a link in it</a> and much more text that goes '
                f"on for a while, as paragraphs of articles do when they cite.</p>"
                for i in range(6)
            ),
            "https://x.org/p",
            0,
        ),
        # a body section with a subheading and an inline link is no teaser
        (
            "".join(
                f'<div class="sec"><h2>Part {i} of the report</h2><p>{"Long text of the section. " * 8}'
                f'<a href="/n/{i}">source</a></p></div>'
                for i in range(4)
            ),
            "https://x.org/p",
            0,
        ),
        (f'<div class="related-posts">{_cards(6)}</div>', "https://x.org/p", 0),  # boxes beside the content
        (f"<aside>{_cards(6)}</aside>", "https://x.org/p", 0),
    ],
    ids=["headings", "long-links", "two", "other-site", "www-host", "inline-links", "sections", "related", "aside"],
)
def test_teaser_cards(main: str, url: str, cards: int) -> None:
    _, tree = parse_html(_page(main))
    assert hub_evidence(tree, url).cards == cards


def _article(text: str, **fields: object) -> Article:
    return Article(url="https://x.org/p", text=text, word_count=len(text.split()), **fields)  # type: ignore[arg-type]


INTRO = "Our relations with the country are close and old, and this page gathers the news about them."
BODY = "\n\n".join(["The minister said the talks had been constructive and would go on next week in Geneva. " * 3] * 6)


@pytest.mark.parametrize(
    ("main", "head", "body_class", "article", "templates", "expected"),
    [
        (_cards(6), "", "", _article(INTRO), (), "no text of its own"),
        (
            _cards(6),
            "",
            "",
            _article(
                BODY, published="2024-05-01", published_source="meta", published_raw="2024-05-01", authors=["Jane Roe"]
            ),
            (),
            None,
        ),
        # the extractor took the first teaser's date and the site's name: neither is the page's own
        (
            _cards(8, extra="<p>" + "A summary of the teaser's story in a sentence or two. " * 3 + "</p>"),
            "",
            "",
            _article(
                INTRO * 8,
                published="2024-05-00",
                published_source="text",
                published_raw="0 May 2024",
                authors=["Ministry"],
                site_name="Ministry",
            ),
            (),
            "outweigh its text",
        ),
        (_cards(6), "", "archive category category-news", _article(INTRO * 10), (), "listing template"),
        (_cards(6), "", "single single-post postid-7", _article(INTRO), (), None),  # WordPress: a post
        (
            "<p>x</p>",
            '<script type="application/ld+json">{"@type": "CollectionPage"}</script>',
            "",
            _article(BODY),
            (),
            "collection",
        ),
        # a teaser grid under a real (undated) text passes alone, but the site's listings use its template
        (_cards(8), "", "", _article(INTRO * 6), (), None),
        (_cards(8), "", "", _article(INTRO * 6), ("main. > div.list",), None),
        (_cards(8), "", "", _article(INTRO * 6), ("div.list > div.teaser",), "the site's listings use"),
    ],
    ids=[
        "bare",
        "article-with-box",
        "teaser-date",
        "wp-archive",
        "wp-single",
        "collection",
        "undated-text",
        "other-template",
        "shared-template",
    ],
)
def test_hub_reason(
    main: str, head: str, body_class: str, article: Article, templates: tuple[str, ...], expected: str | None
) -> None:
    _, tree = parse_html(_page(main, head=head, body_class=body_class))
    reason = hub_reason(hub_evidence(tree, "https://x.org/p"), article, site_templates=templates)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason


def test_an_href_that_is_no_url_loses_nothing() -> None:
    """Python refuses a bracketed host that is no IPv6 address; the page's other links stay (it was an
    exception that lost the whole page, 5 of the eval pages)."""
    html = b'<a href="http://[ccpa-preferences]">Privacy</a><a href="/news/1">One</a>'
    assert [lk.url for lk in page_links(html, "https://x.org/")] == ["https://x.org/news/1"]


# --- a real crawl ------------------------------------------------------------------------------------

DOSSIER = """<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:type" content="article"></head>
<body><header><nav><a href="/">Accueil</a> <a href="/news/">Actualités</a></nav></header><main>
<h1>{title}</h1><div class="chapo"><p>{intro}</p></div><section class="derniers-articles"><h2>Actualités</h2>
<div class="fr-grid-row">{cards}</div></section><section><h2>Dans cette rubrique</h2><ul>
<li><a href="/dossiers/presentation.html">Présentation du pays</a></li>
<li><a href="/dossiers/relations.html">Relations bilatérales</a></li>
</ul></section></main><footer><p>Ministère des Affaires étrangères</p></footer></body></html>"""
CARD = """<div class="fr-col-4"><div class="fr-card"><h3 class="fr-card__title"><a href="{href}">{title}</a></h3>
<p class="fr-card__desc">Le ministre s'est entretenu avec son homologue de la situation régionale
et des relations bilatérales.</p>
<p class="fr-card__detail">{date}</p></div></div>"""
HIDDEN = """<html lang="fr"><head><meta charset="utf-8"><title>Visite du ministre au Caire</title>
<meta property="og:type" content="article"><meta property="article:published_time" content="2024-03-20T10:00:00+01:00">
</head><body><main><article><h1>Visite du ministre au Caire</h1><p class="date">20 mars 2024</p>
{paras}</article></main></body></html>"""


def test_crawl_archives_no_hub_and_every_article(tmp_path: Path) -> None:
    """Dossiers and a front page that match the seed's `article_pattern` and are linked like articles:
    0 hub rows, every article archived, including one reached only through a dossier (hubs are
    followed), and the skips counted as `diplomatic/SITE/hub_pages`."""
    server, spec = make_site(tmp_path, "mfa", 6)
    arts = spec.articles
    hidden = "/news/visite-du-ministre-au-caire.html"
    targets = [f"/news/{a.slug}.html" for a in arts] + [hidden]
    hubs = {}
    for n, (slug, title) in enumerate(
        [("dossier-egypte", "Égypte"), ("dossier-liban", "Liban"), ("a-la-une", "À la une")]
    ):
        cards = "".join(
            CARD.format(href=h, title=f"Entretien du ministre, épisode {i}", date=f"{i + 1} mars 2024")
            for i, h in enumerate(targets[n:] + targets[:n])
        )
        body = DOSSIER.format(
            title=title, intro="La France et ce pays entretiennent un partenariat ancien.", cards=cards
        )
        hubs[f"/news/{slug}.html"] = body.encode()
    paras = "".join(
        f"<p>Le ministre s'est rendu au Caire pour la {i}e session du dialogue stratégique, consacrée "
        f"à la situation régionale, à l'énergie et à la coopération universitaire.</p>"
        for i in range(6)
    )
    pages = {**hubs, hidden: HIDDEN.format(paras=paras).encode()}
    for path, body in pages.items():
        server.route(path, lambda p, q, body=body: Reply(200, body, {"Content-Type": "text/html; charset=utf-8"}))
    spec.extra_links = tuple(f'<li><a href="{{{{BASE}}}}{p}">Dossier {i}</a></li>' for i, p in enumerate(hubs))
    build_site(server.root, spec)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc, article_pattern=r"/news/[^/]+\.html$")
    db = tmp_path / "a.db"
    with served(server):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        urls = {row[0] for row in conn.execute("SELECT url FROM articles")}
    paths = {u.split(server.netloc, 1)[1] for u in urls}
    assert paths == set(targets)
    assert not paths & set(hubs)
    assert stats_value(result.stderr, "diplomatic/mfa/hub_pages") == len(hubs)
    assert "hub page, not archived" in result.stderr


TOPIC_CARD = (
    '<div class="teaser"><h3><a href="{href}">Entretien du ministre, épisode {i}</a></h3>'
    "<p>Compte rendu de l'entretien.</p></div>"
)
TOPIC = """<html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head><body>
<header><nav><a href="/">Accueil</a></nav></header><main><h1>{title}</h1>{intro}
<div class="list">{cards}</div></main><footer><p>Ministère des Affaires étrangères</p></footer></body></html>"""


def test_crawl_weighs_a_teaser_template_the_sites_listings_use(tmp_path: Path) -> None:
    """A topic page with an introduction longer than its teasers (no date, no byline) passes for an article
    on its own; the crawl learns the teaser template from the site's listing (its start URL) and archives
    no topic page, while the article it links is archived."""
    server, spec = make_site(tmp_path, "mfa", 2)
    targets = [f"/news/{a.slug}.html" for a in spec.articles]
    intro = "".join(
        f"<p>La France et ses partenaires conduisent depuis {i + 2} ans un dialogue régulier sur le climat, "
        f"l'énergie et la biodiversité, dont cette page réunit les étapes principales.</p>"
        for i in range(5)
    )
    topic = TOPIC.format(
        title="Climat et biodiversité",
        intro=intro,
        cards="".join(TOPIC_CARD.format(href=targets[i % 2], i=i) for i in range(8)),
    ).encode()
    listing = TOPIC.format(
        title="Dossiers",
        intro="",
        cards="".join(TOPIC_CARD.format(href=h, i=i) for i, h in enumerate(["/news/climat.html", *targets, *targets])),
    ).encode()
    alone = analyse_page(topic, f"http://{server.netloc}/news/climat.html")
    assert alone.kind == "article" and alone.hub is None, "passes alone: the test needs the site's evidence"
    for path, body in {"/dossiers/": listing, "/news/climat.html": topic}.items():
        server.route(path, lambda p, q, body=body: Reply(200, body, {"Content-Type": "text/html; charset=utf-8"}))
    seeds = tmp_path / "seeds"
    write_seed(
        seeds,
        "mfa",
        server.netloc,
        start_urls=[f"http://{server.netloc}/dossiers/"],
        sitemaps=None,
        feeds=None,
        article_pattern=r"/news/[^/]+\.html$",
    )
    db = tmp_path / "a.db"
    with served(server):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        paths = {row[0].split(server.netloc, 1)[1] for row in conn.execute("SELECT url FROM articles")}
    assert paths == set(targets)
    assert stats_value(result.stderr, "diplomatic/mfa/hub_pages") == 1
    assert "of the template the site's listings use" in result.stderr
