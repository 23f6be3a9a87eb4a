"""Deterministic generator of small sample news sites (static files) for the demo and the tests.

A site gets a home page, a paginated listing (`/news/`, `/news/page/N/`), tag and author pages, an
RSS feed, a sitemap index with a plain and a gzipped child sitemap, robots.txt, an 'about' page and
article pages wrapped in the boilerplate real sites carry (breadcrumbs, author boxes, "Follow us",
"Most Popular"). URLs are written with a `{{BASE}}` placeholder that the server fills in.
"""

from __future__ import annotations

import gzip
import html
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["ArticleSpec", "SiteSpec", "build_site", "sample_articles"]


@dataclass(frozen=True)
class ArticleSpec:
    slug: str
    title: str
    published: datetime
    author: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...] = ()
    dateline: str = ""
    # How the page declares itself: "og" (og:type article), "jsonld" (NewsArticle) or "plain" (no markup).
    markup: str = "og"


@dataclass
class SiteSpec:
    name: str
    title: str
    issuer: str
    language: str = "en"
    per_page: int = 5
    articles: list[ArticleSpec] = field(default_factory=list)
    disallow: tuple[str, ...] = ("/private/",)
    extra_links: tuple[str, ...] = ()  # raw <li> items added to the home page (tests: traps, dupes, ...)


_FICTIONAL = [
    ("Veloria", "Velorian", "Port Aster"),
    ("Mardovia", "Mardovian", "Kelsk"),
    ("Ostrana", "Ostranian", "Vell"),
    ("Quellan Republic", "Quellan", "Dunmere"),
    ("Teravia", "Teravian", "Sorrow Bay"),
    ("Lumeria", "Lumerian", "Caldon"),
    ("Novaris", "Novarian", "Irth"),
    ("Estmark", "Estmarkian", "Holm"),
]
_TOPICS = [
    ("trade", "a memorandum on trade and investment", "customs procedures and tariff schedules"),
    ("energy", "an agreement on energy cooperation", "the planned interconnector and gas storage"),
    ("climate", "a joint statement on climate adaptation", "river basin management and early warning"),
    ("education", "a programme of student exchanges", "scholarships and university partnerships"),
    ("security", "consultations on regional security", "border management and confidence building"),
    ("culture", "a cultural cooperation plan", "museum loans and a festival of film"),
    ("health", "a protocol on public health", "vaccine logistics and hospital twinning"),
    ("transport", "talks on transport corridors", "rail freight and port modernisation"),
]
_AUTHORS = ["Press Service", "Amira Haldane", "Tomas Reiner", "Lena Okafor", "Jonas Whitfield", "Sara Mendel"]


def sample_articles(seed: int, count: int, start: datetime, *, prefix: str = "") -> list[ArticleSpec]:
    """`count` distinct, deterministic diplomatic news articles, one day apart, newest last."""
    rnd = random.Random(seed)
    articles = []
    for i in range(count):
        host, host_adj, capital = _FICTIONAL[i % len(_FICTIONAL)]
        guest, guest_adj, _ = _FICTIONAL[(i * 3 + 1 + seed) % len(_FICTIONAL)]
        if guest == host:
            guest, guest_adj, _ = _FICTIONAL[(i + 4) % len(_FICTIONAL)]
        topic, deal, detail = _TOPICS[(i + seed) % len(_TOPICS)]
        minister = rnd.choice(["Foreign Minister", "Deputy Foreign Minister", "Ambassador", "State Secretary"])
        published = start + timedelta(days=i, hours=rnd.randint(8, 17), minutes=rnd.choice([0, 15, 30, 45]))
        title = f"{host_adj} and {guest_adj} delegations discuss {topic} in {capital}"
        if i % 5 == 4:
            title = f"{minister} of {host} receives the {guest_adj} envoy on {topic}"
        paragraphs = (
            f"On {published:%d %B %Y}, the {minister} of {host} held talks in {capital} with a delegation "
            f"from {guest}. The sides reviewed the state of bilateral relations and prepared {deal}.",
            f"The {minister} noted that relations between {host} and {guest} have grown steadily and "
            f"that the new document on {topic} opens practical opportunities in {detail}.",
            f"The {guest_adj} side thanked its hosts and confirmed its interest in regular political "
            f"consultations. Experts will meet again before the end of the quarter (item {i + 1}, "
            f"reference {seed}-{rnd.randint(1000, 9999)}).",
            "The parties also exchanged views on regional developments, multilateral cooperation within "
            "international organisations, and the schedule of visits at the highest level.",
        )
        articles.append(
            ArticleSpec(
                slug=f"{prefix}{published:%Y-%m-%d}-{host.split()[0].lower()}-{guest.split()[0].lower()}-{topic}",
                title=title,
                published=published,
                author=_AUTHORS[(i + seed) % len(_AUTHORS)],
                paragraphs=paragraphs,
                tags=(topic, guest.split()[0].lower()),
                dateline=capital.upper(),
                markup=("og", "jsonld", "plain")[i % 3],
            )
        )
    return articles


# --- rendering ------------------------------------------------------------------------------------


def _page(spec: SiteSpec, title: str, main: str, *, head: str = "", crumbs: str = "") -> str:
    e = html.escape
    popular = "".join(
        f'<li><a href="{{{{BASE}}}}/news/{a.slug}.html">{e(a.title)}</a></li>'
        for a in sorted(spec.articles, key=lambda a: a.published)[-3:]
    )
    return f"""<!DOCTYPE html>
<html lang="{spec.language}">
<head>
<meta charset="utf-8">
<title>{e(title)} | {e(spec.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="alternate" type="application/rss+xml" href="{{{{BASE}}}}/feed.xml">
{head}
</head>
<body>
<header class="site-header">
  <a class="logo" href="{{{{BASE}}}}/">{e(spec.title)}</a>
  <nav class="main-nav"><ul>
    <li><a href="{{{{BASE}}}}/">Home</a></li>
    <li><a href="{{{{BASE}}}}/news/">News</a></li>
    <li><a href="{{{{BASE}}}}/about.html">About the Ministry</a></li>
    <li><a href="{{{{BASE}}}}/search?q=">Search</a></li>
  </ul></nav>
</header>
{crumbs}
<div class="container">
<main id="content">
{main}
</main>
<aside class="sidebar">
  <section class="most-popular"><h3>Most Popular</h3><ul>{popular}</ul></section>
  <section class="follow-us"><h3>Follow us</h3><p><a href="https://twitter.example/ministry">Twitter</a>
  <a href="https://facebook.example/ministry">Facebook</a> <a href="https://t.me.example/ministry">Telegram</a></p></section>
</aside>
</div>
<footer class="site-footer"><p>&copy; {e(spec.issuer)}. All rights reserved.
<a href="{{{{BASE}}}}/about.html">Contacts</a> · <a href="{{{{BASE}}}}/private/intranet.html">Staff intranet</a></p>
<p>Subscribe to our newsletter to receive the latest press releases.</p></footer>
</body>
</html>
"""


def _article_html(spec: SiteSpec, a: ArticleSpec) -> str:
    e = html.escape
    url = f"{{{{BASE}}}}/news/{a.slug}.html"
    iso = a.published.isoformat()
    head = f'<link rel="canonical" href="{url}">\n<meta name="description" content="{e(a.paragraphs[0][:150])}">'
    if a.markup == "og":
        head += (
            f'\n<meta property="og:type" content="article">\n<meta property="og:title" content="{e(a.title)}">'
            f'\n<meta property="article:published_time" content="{iso}">'
            f'\n<meta name="author" content="{e(a.author)}">'
        )
    elif a.markup == "jsonld":
        authors = f'{{"@type": "Person", "name": "{e(a.author)}"}}'
        head += (
            '\n<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
            f'"headline": "{e(a.title)}", "datePublished": "{iso}", "author": {authors}, '
            f'"publisher": {{"@type": "Organization", "name": "{e(spec.issuer)}"}}}}</script>'
        )
    crumbs = (
        '<nav class="breadcrumb"><a href="{{BASE}}/">Home</a> &raquo; <a href="{{BASE}}/news/">News</a>'
        f" &raquo; <span>{e(a.title)}</span></nav>"
    )
    tags = " ".join(f'<a href="{{{{BASE}}}}/tag/{t}/" rel="tag">{e(t)}</a>' for t in a.tags)
    author_slug = a.author.lower().replace(" ", "-")
    body = "\n".join(
        f"<p>{e(a.dateline)} — {e(p)}</p>" if n == 0 and a.dateline else f"<p>{e(p)}</p>"
        for n, p in enumerate(a.paragraphs)
    )
    main = f"""<article class="post">
<h1 class="entry-title">{e(a.title)}</h1>
<div class="meta">By <a class="author-name" href="{{{{BASE}}}}/author/{author_slug}/">{e(a.author)}</a>
 · <time datetime="{iso}">{a.published:%d.%m.%Y %H:%M}</time></div>
<div class="entry-content">
{body}
</div>
<div class="share">Share this article: <a href="https://twitter.example/share">Twitter</a></div>
<div class="tags">Tags: {tags}</div>
<div class="author-box"><h4>About the author</h4><p>{e(a.author)} writes about foreign policy for the
press service. Read more articles by this author on the author page.</p></div>
</article>"""
    return _page(spec, a.title, main, head=head, crumbs=crumbs)


def _listing_html(spec: SiteSpec, title: str, items: list[ArticleSpec], prev: str | None, nxt: str | None) -> str:
    e = html.escape
    lis = "\n".join(
        f'<li class="news-item"><a href="{{{{BASE}}}}/news/{a.slug}.html">{e(a.title)}</a>'
        f' <span class="date">{a.published:%d.%m.%Y}</span></li>'
        for a in items
    )
    pager = []
    head = '<meta property="og:type" content="website">'
    if prev:
        pager.append(f'<a href="{prev}" rel="prev">Previous</a>')
    if nxt:
        pager.append(f'<a href="{nxt}" rel="next">Next</a>')
        head += f'\n<link rel="next" href="{nxt}">'
    main = f'<h1>{e(title)}</h1>\n<ul class="news-list">\n{lis}\n</ul>\n<div class="pager">{" ".join(pager)}</div>'
    return _page(spec, title, main, head=head)


def _write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def build_site(root: str | Path, spec: SiteSpec) -> Path:
    """Write the whole site under `root` (created if needed) and return it."""
    root = Path(root)
    arts = sorted(spec.articles, key=lambda a: a.published, reverse=True)  # newest first
    e = html.escape
    for a in arts:
        _write(root, f"news/{a.slug}.html", _article_html(spec, a))
    pages = [arts[i : i + spec.per_page] for i in range(0, len(arts), spec.per_page)] or [[]]
    for n, items in enumerate(pages, start=1):
        rel = "news/index.html" if n == 1 else f"news/page/{n}/index.html"
        prev = None if n == 1 else ("{{BASE}}/news/" if n == 2 else f"{{{{BASE}}}}/news/page/{n - 1}/")
        nxt = f"{{{{BASE}}}}/news/page/{n + 1}/" if n < len(pages) else None
        _write(root, rel, _listing_html(spec, "News" if n == 1 else f"News — page {n}", items, prev, nxt))
    tags = sorted({t for a in arts for t in a.tags})
    for t in tags:
        _write(
            root, f"tag/{t}/index.html", _listing_html(spec, f"Tag: {t}", [a for a in arts if t in a.tags], None, None)
        )
    for author in sorted({a.author for a in arts}):
        slug = author.lower().replace(" ", "-")
        _write(
            root,
            f"author/{slug}/index.html",
            _listing_html(spec, author, [a for a in arts if a.author == author], None, None),
        )
    latest = "\n".join(f'<li><a href="{{{{BASE}}}}/news/{a.slug}.html">{e(a.title)}</a></li>' for a in arts[:5])
    extra = "\n".join(spec.extra_links)
    home = (
        f'<h1>{e(spec.title)}</h1>\n<h2>Latest news</h2>\n<ul class="latest">\n{latest}\n{extra}\n</ul>'
        '\n<p><a href="{{BASE}}/news/">All news</a></p>'
    )
    _write(root, "index.html", _page(spec, "Home", home, head='<meta property="og:type" content="website">'))
    about = (
        f"<h1>About</h1><p>{e(spec.issuer)} publishes statements, press releases and news about its "
        "foreign policy activities. This is a fictional site generated for the diplomatic-crawler demo.</p>"
    )
    _write(root, "about.html", _page(spec, "About", about))
    _write(root, "search/index.html", _page(spec, "Search", "<h1>Search</h1><form><input name='q'></form>"))
    _write(root, "private/intranet.html", _page(spec, "Intranet", "<h1>Staff only</h1><p>Not for crawlers.</p>"))
    # Feed: the ten newest articles.
    items = "\n".join(
        f"<item><title>{escape(a.title)}</title><link>{{{{BASE}}}}/news/{a.slug}.html</link>"
        f"<guid>{{{{BASE}}}}/news/{a.slug}.html</guid>"
        f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S')} +0000</pubDate></item>"
        for a in arts[:10]
    )
    _write(
        root,
        "feed.xml",
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{escape(spec.title)}</title>'
        f"<link>{{{{BASE}}}}/</link><description>Latest news</description>\n{items}\n</channel></rss>\n",
    )
    # Sitemaps: an index with a plain child (newest half) and a gzipped child (older half).
    half = (len(arts) + 1) // 2

    def urlset(entries: list[ArticleSpec]) -> str:
        urls = "\n".join(
            f"<url><loc>{{{{BASE}}}}/news/{a.slug}.html</loc><lastmod>{a.published.date().isoformat()}</lastmod></url>"
            for a in entries
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}\n</urlset>\n'
        )

    _write(root, "sitemap-recent.xml", urlset(arts[:half]))
    # The server fills `{{BASE}}` in gzipped files too (it decompresses and recompresses them).
    _write(root, "sitemap-archive.xml.gz", gzip.compress(urlset(arts[half:]).encode(), mtime=0))
    _write(
        root,
        "sitemap.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        "<sitemap><loc>{{BASE}}/sitemap-recent.xml</loc></sitemap>\n"
        "<sitemap><loc>{{BASE}}/sitemap-archive.xml.gz</loc></sitemap>\n</sitemapindex>\n",
    )
    disallow = "\n".join(f"Disallow: {p}" for p in spec.disallow)
    _write(root, "robots.txt", f"User-agent: *\n{disallow}\n\nSitemap: {{{{BASE}}}}/sitemap.xml\n")
    return root
