"""A testbed of four local sites in the shapes of real diplomatic sites (issue 20), served on 127.0.0.0/8:

* `courier` (127.0.0.2) - a WordPress news portal: /YYYY/MM/DD/slug/ posts, a home blog, category, tag,
  author and search pages of post teasers, /page/N/ pagination, an RSS feed of the 10 newest posts, a
  wp-sitemap.xml index whose `lastmod` is the site's naive local time (UTC-5), an `?day=N` events calendar.
* `mid` (127.0.0.3) - a ministry with English and Russian press releases reached only through paginated
  listings (`/en/press/?page=N`, `/ru/press/?page=N`), home pages of teaser cards, no sitemap, no feed.
* `state` (127.0.0.4) - a State-Department-like site reached only through its sitemap, whose `lastmod` is a
  backfilled date (day precision, years behind our fetches); country pages in the sitemap; pages answer
  with Last-Modified and no ETag.
* `fr` (127.0.0.5) - a French ministry (DSFR markup) with an Atom feed of its 15 newest articles (links
  carrying `?xtor=` tracking), country dossiers, a home page, tag, author and search pages, a paginated
  press room, related-article cards on every article and an `?jour=N` agenda.

Every page links a disallowed path (/private/) and a page on another host (`outside`, 127.0.0.9). Article
pages are static files (ETag and Last-Modified from the file, 304 to conditional requests); listings,
feeds, sitemaps and calendars are routes built from the current state, so `publish` and `edit` between
two crawls are "a few days later".
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from faultserver import FaultServer, Reply, write_seed

HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/xml; charset=utf-8"}
FILE_TIME = datetime(2024, 6, 1, tzinfo=UTC).timestamp()  # mtime of every page not edited since
EDIT = {
    "en": "Correction: the talks took place in the capital, not at the border, as first reported.",
    "ru": "Уточнение: переговоры состоялись в столице, а не на границе, как сообщалось ранее.",
    "fr": "Rectificatif : l'entretien a eu lieu dans la capitale, et non à la frontière, comme annoncé.",
}
e = html.escape

COUNTRIES = {
    "en": ["Veloria", "Mardovia", "Ostrana", "Quellan", "Teravia", "Lumeria", "Novaris", "Estmark"],
    "ru": ["Велории", "Мардовии", "Остраны", "Квеллана", "Теравии", "Люмерии", "Новариса", "Эстмарка"],
    "fr": ["vélorien", "mardovien", "ostranien", "quellanais", "téravien", "lumérien", "novarien", "estmarkois"],
}
TOPICS = {
    "en": ["trade", "energy", "climate", "education", "security", "culture", "health", "transport"],
    "ru": ["торговли", "энергетики", "климата", "образования", "безопасности", "культуры", "здравоохранения",
           "транспорта"],
    "fr": ["le commerce", "l'énergie", "le climat", "l'éducation", "la sécurité", "la culture", "la santé",
           "les transports"],
}  # fmt: skip


@dataclass(frozen=True)
class Art:
    site: str
    path: str
    title: str
    author: str  # "" where the site names none
    published: datetime  # aware, in the site's time zone
    lang: str
    paras: tuple[str, ...]
    n: int  # its number on the site (and language)
    twin: str | None = None  # the other language version's path (mid)


def texts(lang: str, n: int, site: str, published: datetime) -> tuple[str, tuple[str, ...]]:
    """A distinct title and four paragraphs in `lang` for the site's `n`-th article."""
    country, topic = COUNTRIES[lang][n % 8], TOPICS[lang][(n % 8 + n // 8) % 8]
    if lang == "ru":
        title = f"Министр провёл переговоры с делегацией {country} по вопросам {topic}"
        paras = (
            f"{published.day:02d}.{published.month:02d}.{published.year} министр иностранных дел провёл переговоры с "
            f"делегацией {country} по вопросам {topic}. Стороны обсудили состояние двусторонних отношений.",
            f"Было отмечено, что сотрудничество в сфере {topic} последовательно развивается, а рабочая группа "
            f"представит доклад до конца года (справка {site}-{n}).",
            "Стороны также обменялись мнениями по региональной проблематике, многостороннему взаимодействию в "
            "международных организациях и графику визитов на высшем уровне.",
            f"Делегация {country} поблагодарила за гостеприимство и пригласила продолжить диалог в ходе "
            "следующего раунда консультаций.",
        )
    elif lang == "fr":
        title = f"Entretien du ministre avec son homologue {country} sur {topic}"
        paras = (
            f"Le ministre s'est entretenu le {published.day} avec son homologue {country} au sujet de {topic}. "
            "Les deux parties ont passé en revue l'état des relations bilatérales.",
            f"Ils ont souligné que la coopération sur {topic} progresse régulièrement et qu'un groupe de travail "
            f"remettra ses conclusions avant la fin de l'année (référence {site}-{n}).",
            "Les ministres ont également échangé sur la situation régionale, la coopération multilatérale au sein "
            "des organisations internationales et le calendrier des visites à haut niveau.",
            "La partie invitée a remercié ses hôtes et proposé de poursuivre ce dialogue lors de la prochaine "
            "session de consultations politiques.",
        )
    else:
        title = f"Minister meets the {country} delegation on {topic}"
        paras = (
            f"On {published:%d %B %Y} the Minister held talks with the delegation of {country} on {topic}. "
            "The sides reviewed the state of bilateral relations and agreed on a schedule of consultations.",
            f"Both delegations stressed that cooperation on {topic} has grown steadily and that a working group "
            f"will report before the end of the year (reference {site}-{n}).",
            "The parties also exchanged views on regional developments, multilateral cooperation within "
            "international organisations and the preparation of visits at the highest level.",
            f"The {country} side thanked its hosts and invited the Minister to continue the dialogue at the "
            "next round of political consultations.",
        )
    return title, paras


class LastModifiedOnly(FaultServer):
    """A site whose pages carry Last-Modified and no ETag (revalidated with If-Modified-Since only)."""

    def reply_for(self, path: str, query: str, headers: dict[str, str], host: str | None = None) -> Reply:
        reply = super().reply_for(path, query, {k: v for k, v in headers.items() if k != "if-none-match"}, host)
        reply.headers.pop("ETag", None)
        return reply


@dataclass
class Site:
    name: str
    server: FaultServer
    tz: timezone
    langs: tuple[str, ...]
    arts: list[Art] = field(default_factory=list)
    lastmod: dict[str, str] = field(default_factory=dict)  # path -> what the sitemap says
    updated: dict[str, str] = field(default_factory=dict)  # path -> what the feed says
    hubs: set[str] = field(default_factory=set)  # paths of the hub pages it serves

    @property
    def root(self) -> Path:
        return Path(self.server.root)

    def newest(self, lang: str | None = None) -> list[Art]:
        return sorted((a for a in self.arts if lang in (None, a.lang)), key=lambda a: a.published, reverse=True)

    def url(self, path: str) -> str:
        return self.server.base_url + path


def _write(root: Path, path: str, text: str, mtime: float = FILE_TIME) -> None:
    target = root / path.lstrip("/")
    if path.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    os.utime(target, (mtime, mtime))


def _paras(a: Art) -> str:
    return "".join(f"<p>{e(p)}</p>" for p in a.paras)


class Testbed:
    """The four sites, their seeds and what they hold; `publish` and `edit` change them between runs."""

    __test__ = False  # not a test class

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.outside = FaultServer(self._dir("outside"), host="127.0.0.9")
        _write(Path(self.outside.root), "/partner/", "<html><body><h1>Partner</h1></body></html>")
        self.sites = {
            "courier": Site("courier", FaultServer(self._dir("courier"), host="127.0.0.2"), _tz(-5), ("en",)),
            "mid": Site("mid", FaultServer(self._dir("mid"), host="127.0.0.3"), _tz(3), ("en", "ru")),
            "state": Site("state", LastModifiedOnly(self._dir("state"), host="127.0.0.4"), _tz(-5), ("en",)),
            "fr": Site("fr", FaultServer(self._dir("fr"), host="127.0.0.5"), _tz(1), ("fr",)),
        }
        self.edited: dict[str, Art] = {}
        for site in self.sites.values():
            self._routes(site)
        self.publish({"courier": 40, "mid": 45, "state": 40, "fr": 36})

    def _dir(self, name: str) -> Path:
        path = self.tmp / "sites" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def servers(self) -> list[FaultServer]:
        return [self.outside, *(s.server for s in self.sites.values())]

    def write_seeds(self, directory: Path) -> Path:
        c, m, s, f = (self.sites[n] for n in ("courier", "mid", "state", "fr"))
        write_seed(directory, "courier", c.server.netloc, start_urls=[c.url("/")], sitemaps=[c.url("/wp-sitemap.xml")],
                   feeds=[c.url("/feed/")], timezone="America/Bogota")  # fmt: skip
        write_seed(directory, "mid", m.server.netloc, start_urls=[m.url("/en/"), m.url("/ru/")], sitemaps=[],
                   feeds=[], timezone="Europe/Moscow")  # fmt: skip
        write_seed(directory, "state", s.server.netloc, start_urls=[], sitemaps=[s.url("/sitemap.xml")], feeds=[],
                   timezone="America/Bogota")  # fmt: skip
        write_seed(directory, "fr", f.server.netloc, start_urls=[f.url("/fr/")], sitemaps=[],
                   feeds=[f.url("/fr/actualites.atom")], timezone="Europe/Paris")  # fmt: skip
        return directory

    # -- content ---------------------------------------------------------------------------------

    def publish(self, counts: dict[str, int]) -> list[Art]:
        """Add `counts[site]` articles to each site (per language), one day apart after its newest."""
        added = []
        for name, count in counts.items():
            site = self.sites[name]
            for _ in range(count):
                n = len(site.arts) // len(site.langs)
                when = datetime(2024, 2, 1, 9, 30, tzinfo=site.tz) + timedelta(days=n, hours=n % 7)
                for lang in site.langs:
                    title, paras = texts(lang, n, name, when)
                    path = PATHS[name](n, lang, when)
                    twin = PATHS[name](n, "ru" if lang == "en" else "en", when) if len(site.langs) > 1 else None
                    author = {"courier": ["Anna Keller", "Marc Olsen", "Lena Okafor"][n % 3]}.get(name, "")
                    art = Art(name, path, title, author, when, lang, paras, n, twin)
                    site.arts.append(art)
                    site.lastmod[path] = _lastmod(name, when)
                    site.updated[path] = when.isoformat()
                    added.append(art)
            self.render(site)
        return added

    def edit(self, name: str, art: Art, *, lastmod: str | None = None, updated: str | None = None) -> None:
        """Add a correction to the article's page (its file's time now) and say so where the site does."""
        site = self.sites[name]
        edited = replace(art, paras=(*art.paras, EDIT[art.lang]))
        site.arts[site.arts.index(art)] = edited
        self.edited[name] = edited
        if lastmod:
            site.lastmod[art.path] = lastmod
        if updated:
            site.updated[art.path] = updated
        _write(site.root, art.path, ARTICLE[name](self, site, edited), mtime=datetime.now(UTC).timestamp())

    def render(self, site: Site) -> None:
        """Write the site's static pages (robots.txt, articles, hubs) from its current state."""
        disallow = "Disallow: /private/\n" + ("Disallow: /en/search/\n" if site.name == "mid" else "")
        _write(site.root, "/robots.txt", f"User-agent: *\n{disallow}")
        for art in site.arts:
            if art.path not in (a.path for a in self.edited.values()):
                _write(site.root, art.path, ARTICLE[site.name](self, site, art))
        site.hubs = set()
        for path, page in HUBS[site.name](self, site).items():
            _write(site.root, path, page)
            site.hubs.add(path)

    def shell(self, site: Site, lang: str, title: str, main: str, *, body: str = "", head: str = "") -> str:
        nav = "".join(f'<li><a href="{h}">{e(t)}</a></li>' for h, t in NAV[site.name])
        return (
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(title)}</title>{head}</head>'
            f'<body class="{body}"><header class="site-header"><nav class="main-nav"><ul>{nav}</ul></nav></header>'
            f'<main id="main">{main}</main><footer class="site-footer"><p>{e(site.name)} press service.'
            f' <a href="/private/staff.html">Staff intranet</a>'
            f' <a href="{self.outside.base_url}/partner/">Partner site</a></p></footer></body></html>'
        )

    # -- routes ----------------------------------------------------------------------------------

    def _routes(self, site: Site) -> None:
        for path, func in ROUTES[site.name](self, site).items():
            site.server.route(path, func)


def _tz(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


def _lastmod(name: str, when: datetime) -> str:
    if name == "state":  # backfilled: the day only, a day before publication
        return (when - timedelta(days=1)).date().isoformat()
    return when.replace(tzinfo=None).isoformat()  # naive local time


PATHS: dict[str, Callable[[int, str, datetime], str]] = {
    "courier": lambda n, lang, d: f"/{d:%Y/%m/%d}/minister-meets-delegation-{n}/",
    "mid": lambda n, lang, d: f"/{lang}/press/{4100 + n}/",
    "state": lambda n, lang, d: f"/releases/{d:%Y/%m}/readout-of-the-ministers-meeting-{n}/",
    "fr": lambda n, lang, d: f"/fr/actualites/article/entretien-du-ministre-{n}/",
}
NAV = {
    "courier": [("/", "Home"), ("/category/diplomacy/", "Diplomacy"), ("/tag/sanctions/", "Sanctions"),
                ("/search/ceasefire/", "Search")],
    "mid": [("/en/", "English"), ("/ru/", "Русский"), ("/en/press/", "Press releases"),
            ("/ru/press/", "Пресс-релизы"), ("/en/search/?q=", "Search")],
    "state": [("/", "Home")],
    "fr": [("/fr/", "Accueil"), ("/fr/salle-de-presse/", "Salle de presse"), ("/fr/dossiers-pays/egypte/", "Égypte"),
           ("/fr/dossiers-pays/liban/", "Liban"), ("/fr/dossiers-pays/senegal/", "Sénégal"),
           ("/fr/recherche/?q=climat", "Rechercher"), ("/fr/mot-cle/diplomatie/", "Diplomatie"),
           ("/fr/auteur/porte-parole/", "Porte-parole"), ("/fr/agenda/?jour=1", "Agenda")],
}  # fmt: skip


# --- courier: WordPress ---------------------------------------------------------------------------


def _wp_article(bed: Testbed, site: Site, a: Art) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
          "datePublished": a.published.isoformat(), "author": {"@type": "Person", "name": a.author}}  # fmt: skip
    related = "".join(_wp_teaser(r, "related") for r in site.newest()[:3] if r.path != a.path)
    main = (
        f'<article id="post-{a.n}" class="post-{a.n} post type-post status-publish hentry">'
        f'<header class="entry-header"><h1 class="entry-title">{e(a.title)}</h1><div class="entry-meta">'
        f'<span class="byline">By <a class="url fn n" href="/author/{_slug(a.author)}/">{e(a.author)}</a></span> '
        f'<time class="entry-date published" datetime="{a.published.isoformat()}">{a.published:%B %d, %Y}</time>'
        f'</div></header><div class="entry-content">{_paras(a)}</div></article>'
        f'<section class="related-posts"><h2>Related</h2>{related}</section>'
        f'<aside class="widget-area"><a href="/events/?day={a.n}">Events of the day</a></aside>'
    )
    head = (f'<link rel="canonical" href="{site.url(a.path)}"><meta property="og:type" content="article">'
            f'<script type="application/ld+json">{json.dumps(ld)}</script>')  # fmt: skip
    body = f"post-template-default single single-post postid-{a.n} single-format-standard"
    return bed.shell(site, "en-US", a.title, main, body=body, head=head)


def _wp_teaser(a: Art, kind: str = "post") -> str:
    return (
        f'<article class="{kind} type-post hentry"><header class="entry-header"><h2 class="entry-title">'
        f'<a href="{a.path}" rel="bookmark">{e(a.title)}</a></h2><div class="entry-meta"><time class="entry-date" '
        f'datetime="{a.published.isoformat()}">{a.published:%B %d, %Y}</time> by <a class="url fn n" '
        f'href="/author/{_slug(a.author)}/">{e(a.author)}</a></div></header><div class="entry-summary">'
        f'<p>{e(a.paras[0][:160])} <a class="more-link" href="{a.path}">Continue reading</a></p></div></article>'
    )


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def _wp_hubs(bed: Testbed, site: Site) -> dict[str, str]:
    arts = site.newest()
    pages = [arts[i : i + 10] for i in range(0, len(arts), 10)]

    def archive(title: str, items: list[Art], body: str, desc: str = "", pager: str = "") -> str:
        teasers = "".join(_wp_teaser(a) for a in items)
        head = f'<header class="page-header"><h1 class="page-title">{e(title)}</h1>{desc}</header>'
        return bed.shell(site, "en-US", title, head + teasers + pager, body=body)

    out = {}
    for i, items in enumerate(pages, start=1):
        pager = f'<nav class="pagination"><a class="next" href="/page/{i + 1}/">Older posts</a></nav>'
        path = "/" if i == 1 else f"/page/{i}/"
        # The home page links its first post again with a tracking parameter (a newsletter link).
        extra = f'<p><a href="{items[0].path}?utm_source=newsletter">Read the lead story</a></p>' if i == 1 else ""
        body = "home blog" + (" paged" if i > 1 else "")
        out[path] = archive("The Diplomatic Courier", items, body, extra, pager if i < len(pages) else "")
    out["/category/diplomacy/"] = archive("Category: Diplomacy", arts[:10], "archive category category-diplomacy")
    out["/tag/sanctions/"] = archive(
        "Tag: Sanctions", arts[2:12], "archive tag tag-sanctions",
        '<div class="archive-description"><p>Restrictive measures adopted by governments.</p></div>',
    )  # fmt: skip
    for author in sorted({a.author for a in arts}):
        bio = f'<div class="author-bio"><p>{e(author)} covers foreign policy for the Courier.</p></div>'
        mine = [a for a in arts if a.author == author][:10]
        out[f"/author/{_slug(author)}/"] = archive(f"Author: {author}", mine, "archive author", bio)
    out["/search/ceasefire/"] = archive("Search Results for: ceasefire", arts[1:9], "search search-results")
    return out


def _wp_routes(bed: Testbed, site: Site) -> dict[str, Callable[..., Reply]]:
    feed = _feed(
        site,
        10,
        lambda a: (
            f"<item><title>{e(a.title)}</title><link>{site.url(a.path)}</link>"
            f"<pubDate>{a.published:%a, %d %b %Y %H:%M:%S %z}</pubDate></item>"
        ),
        f'<rss version="2.0"><channel><title>Courier</title><link>{site.url("/")}</link>{{}}</channel></rss>',
        "application/rss+xml",
    )

    def index(path: str, query: dict[str, list[str]]) -> Reply:
        loc = site.url("/wp-sitemap-posts-post-1.xml")
        body = f'<sitemapindex xmlns="{SM}"><sitemap><loc>{loc}</loc></sitemap></sitemapindex>'
        return Reply(200, body.encode(), XML)

    return {"/feed/": feed, "/wp-sitemap.xml": index, "/wp-sitemap-posts-post-1.xml": _urlset(site),
            "/events/": _calendar(bed, site, "day", "Events")}  # fmt: skip


SM = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _feed(site: Site, count: int, entry: Callable[[Art], str], wrap: str, ctype: str) -> Callable[..., Reply]:
    """A feed of the site's `count` newest articles: `wrap` with its entries in place of `{}`."""

    def route(path: str, query: dict[str, list[str]]) -> Reply:
        body = wrap.replace("{}", "".join(entry(a) for a in site.newest()[:count]))
        return Reply(200, body.encode(), {"Content-Type": f"{ctype}; charset=utf-8"})

    return route


def _urlset(site: Site, extra: tuple[str, ...] = ()) -> Callable[..., Reply]:
    def route(path: str, query: dict[str, list[str]]) -> Reply:
        urls = "".join(
            f"<url><loc>{site.url(a.path)}</loc><lastmod>{site.lastmod[a.path]}</lastmod></url>" for a in site.arts
        )
        urls += "".join(f"<url><loc>{site.url(p)}</loc></url>" for p in extra)
        return Reply(200, f'<urlset xmlns="{SM}">{urls}</urlset>'.encode(), XML)

    return route


def _calendar(bed: Testbed, site: Site, key: str, title: str) -> Callable[..., Reply]:
    """An endless calendar: every day's page links the day before and after, and holds no article."""

    def route(path: str, query: dict[str, list[str]]) -> Reply:
        n = int((query.get(key) or ["1"])[0] or 1)
        links = f'<a href="{path}?{key}={n - 1}">&laquo;</a> <a href="{path}?{key}={n + 1}">&raquo;</a>'
        main = f"<h1>{title} {n}</h1><p>Nothing scheduled.</p><p>{links}</p>"
        return Reply(200, bed.shell(site, site.langs[0], f"{title} {n}", main).encode(), HTML)

    return route


# --- mid: a ministry reached through its listings -----------------------------------------------------

MID = {"en": ("Press releases", "Ministry of Foreign Affairs", "All press releases"),
       "ru": ("Пресс-релизы", "Министерство иностранных дел", "Все пресс-релизы")}  # fmt: skip


def _mid_article(bed: Testbed, site: Site, a: Art) -> str:
    head = (
        f'<meta property="og:type" content="article"><meta property="article:published_time" '
        f'content="{a.published.isoformat()}"><link rel="alternate" hreflang="{"ru" if a.lang == "en" else "en"}" '
        f'href="{site.url(a.twin or "")}">'
    )
    main = (
        f'<div class="news-detail"><h1>{e(a.title)}</h1><div class="news-date">{a.published:%d.%m.%Y}</div>'
        f'<div class="news-text">{_paras(a)}</div></div>'
    )
    return bed.shell(site, a.lang, a.title, main, body="page-news-detail", head=head)


def _mid_card(a: Art) -> str:
    return (
        f'<div class="news-card"><a class="news-card__link" href="{a.path}"><h3>{e(a.title)}</h3></a>'
        f'<span class="news-card__date">{a.published:%d.%m.%Y}</span></div>'
    )


def _mid_hubs(bed: Testbed, site: Site) -> dict[str, str]:
    out = {}
    for lang in site.langs:
        _, ministry, more = MID[lang]
        cards = "".join(_mid_card(a) for a in site.newest(lang)[:6])
        main = (f'<h1>{e(ministry)}</h1><div class="news-cards">{cards}</div>'
                f'<p><a href="/{lang}/press/">{e(more)}</a></p>')  # fmt: skip
        out[f"/{lang}/"] = bed.shell(site, lang, ministry, main, body="front")
    return out


def _mid_routes(bed: Testbed, site: Site) -> dict[str, Callable[..., Reply]]:
    def listing(lang: str) -> Callable[..., Reply]:
        def route(path: str, query: dict[str, list[str]]) -> Reply:
            page = int((query.get("page") or ["1"])[0] or 1)
            arts = site.newest(lang)
            items = "".join(_mid_card(a) for a in arts[(page - 1) * 10 : page * 10])
            pager = (
                f'<a class="next" href="/{lang}/press/?page={page + 1}">&raquo;</a>' if page * 10 < len(arts) else ""
            )
            main = f'<h1>{e(MID[lang][0])}</h1><div class="news-list">{items}</div><div class="pager">{pager}</div>'
            return Reply(200, bed.shell(site, lang, MID[lang][0], main, body="page-news-list").encode(), HTML)

        return route

    return {f"/{lang}/press/": listing(lang) for lang in site.langs}


# --- state: reached through its sitemap -----------------------------------------------------------------


def _state_article(bed: Testbed, site: Site, a: Art) -> str:
    head = (f'<meta property="og:type" content="article"><meta property="article:published_time" '
            f'content="{a.published.isoformat()}"><link rel="canonical" href="{site.url(a.path)}">')  # fmt: skip
    main = (
        f'<article class="featured-content"><h1 class="featured-content__headline">{e(a.title)}</h1>'
        f'<p class="article-meta__publish-date">{a.published:%B %d, %Y}</p>'
        f'<div class="entry-content">{_paras(a)}</div></article>'
    )
    return bed.shell(site, "en", a.title, main, body="single single-state_readout", head=head)


def _state_hubs(bed: Testbed, site: Site) -> dict[str, str]:
    out = {}
    for country in ("egypt", "senegal"):
        items = "".join(
            f'<li class="collection-result"><a class="collection-result__link" href="{a.path}">{e(a.title)}</a>'
            f'<div class="collection-result-meta"><span>Readout</span><span>{a.published:%B %d, %Y}</span></div></li>'
            for a in site.newest()[:6]
        )
        main = (
            f'<div class="page-header"><h1>{country.title()}</h1></div><div class="entry-content">'
            f'<div class="summary-module"><p>The two countries have a long-standing partnership.</p></div>'
            f'<section class="collection-list"><h2>Latest</h2><ul class="collection-results">{items}</ul>'
            "</section></div>"
        )
        out[f"/countries-areas/{country}/"] = bed.shell(site, "en", country.title(), main, body="page-country")
    return out


def _state_routes(bed: Testbed, site: Site) -> dict[str, Callable[..., Reply]]:
    return {"/sitemap.xml": _urlset(site, ("/countries-areas/egypt/", "/countries-areas/senegal/"))}


# --- fr: a French ministry ------------------------------------------------------------------------------


def _fr_card(a: Art) -> str:
    return (
        f'<div class="fr-col-12 fr-col-md-4"><div class="fr-card fr-enlarge-link"><div class="fr-card__body">'
        f'<div class="fr-card__content"><h3 class="fr-card__title"><a href="{a.path}">{e(a.title)}</a></h3>'
        f'<p class="fr-card__desc">{e(a.paras[0][:140])}</p><p class="fr-card__detail">'
        f"{a.published.day} {MOIS[a.published.month - 1]} {a.published.year}</p></div></div></div></div>"
    )


MOIS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
        "décembre"]  # fmt: skip


def _fr_article(bed: Testbed, site: Site, a: Art) -> str:
    head = (f'<meta property="og:type" content="article"><meta property="article:published_time" '
            f'content="{a.published.isoformat()}"><link rel="canonical" href="{site.url(a.path)}">')  # fmt: skip
    related = "".join(_fr_card(r) for r in [r for r in site.newest()[:4] if r.path != a.path][:3])
    crumbs = ('<nav class="fr-breadcrumb"><ol><li><a href="/fr/">Accueil</a></li>'
              '<li><a href="/fr/salle-de-presse/">Salle de presse</a></li></ol></nav>')  # fmt: skip
    main = (
        f'{crumbs}<div class="article"><h1 class="titre-article">{e(a.title)}</h1>'
        f'<p class="date">Publié le {a.published.day} {MOIS[a.published.month - 1]} {a.published.year}</p>'
        f'<div class="texte">{_paras(a)}</div></div><section class="a-lire-aussi"><h2>À lire aussi</h2>'
        f'<div class="fr-grid-row">{related}</div></section>'
    )
    return bed.shell(site, "fr", a.title, main, body="page-article", head=head)


def _fr_hubs(bed: Testbed, site: Site) -> dict[str, str]:
    arts = site.newest()
    out = {}
    lead = arts[0]
    tiles = "".join(
        f'<li><a href="/fr/dossiers-pays/{c}/">{c.title()}</a></li>' for c in ("egypte", "liban", "senegal")
    )
    out["/fr/"] = bed.shell(site, "fr", "France Diplomatie", (
        f'<section class="une"><div class="fr-card fr-card--horizontal"><div class="fr-card__body"><h2 class="fr-card__'
        f'title"><a href="{lead.path}">{e(lead.title)}</a></h2><p class="fr-card__desc">{e(lead.paras[0][:140])}</p>'
        f'</div></div></section><section class="actualites"><h2>À la une</h2><div class="fr-grid-row">'
        f'{"".join(_fr_card(a) for a in arts[1:7])}</div></section><section class="thematiques"><h2>Dossiers pays'
        f"</h2><ul>{tiles}</ul></section>"
    ), body="page-sommaire")  # fmt: skip
    for i, (slug, name) in enumerate((("egypte", "Égypte"), ("liban", "Liban"), ("senegal", "Sénégal"))):
        cards = "".join(_fr_card(a) for a in arts[3 + 6 * i : 9 + 6 * i])
        out[f"/fr/dossiers-pays/{slug}/"] = bed.shell(site, "fr", name, (
            '<nav class="fr-breadcrumb"><ol><li><a href="/fr/">Accueil</a></li><li><a href="/fr/dossiers-pays/'
            f'egypte/">Dossiers pays</a></li></ol></nav><div class="rubrique-entete"><h1>{name}</h1><div class="chapo">'
            f"<p>La France et ce pays entretiennent un partenariat ancien fondé sur un dialogue politique régulier.</p>"
            f'</div></div><section class="derniers-articles"><h2>Actualités</h2><div class="fr-grid-row">{cards}</div>'
            f'</section><section><h2>Dans cette rubrique</h2><ul><li><a href="/fr/dossiers-pays/{slug}/">Présentation'
            f"</a></li></ul></section>"
        ), head='<meta property="og:type" content="article">', body="page-rubrique")  # fmt: skip
    for path, title, items in (
        ("/fr/mot-cle/diplomatie/", "Mot-clé : diplomatie", arts[4:12]),
        ("/fr/auteur/porte-parole/", "Porte-parole du ministère", arts[:8]),
        ("/fr/recherche/", "Résultats de la recherche : climat", arts[2:10]),
    ):
        main = f'<h1>{e(title)}</h1><div class="fr-grid-row">{"".join(_fr_card(a) for a in items)}</div>'
        out[path] = bed.shell(site, "fr", title, main, body="page-liste")
    return out


def _fr_routes(bed: Testbed, site: Site) -> dict[str, Callable[..., Reply]]:
    feed = _feed(
        site,
        15,
        lambda a: (
            f'<entry><title>{e(a.title)}</title><link href="{site.url(a.path)}?xtor=RSS-1"/>'
            f"<id>{site.url(a.path)}</id><updated>{site.updated[a.path]}</updated></entry>"
        ),
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>France Diplomatie</title>{}</feed>',
        "application/atom+xml",
    )

    def press(path: str, query: dict[str, list[str]]) -> Reply:
        page = int((query.get("page") or ["1"])[0] or 1)
        arts = site.newest()
        cards = "".join(_fr_card(a) for a in arts[(page - 1) * 10 : page * 10])
        pager = (
            f'<a class="fr-pagination__link--next" href="?page={page + 1}">Suivant</a>' if page * 10 < len(arts) else ""
        )
        main = f'<h1>Salle de presse</h1><div class="fr-grid-row">{cards}</div><nav class="fr-pagination">{pager}</nav>'
        return Reply(200, bed.shell(site, "fr", "Salle de presse", main, body="page-liste").encode(), HTML)

    return {
        "/fr/actualites.atom": feed,
        "/fr/salle-de-presse/": press,
        "/fr/agenda/": _calendar(bed, site, "jour", "Agenda"),
    }


ARTICLE: dict[str, Callable[[Testbed, Site, Art], str]] = {
    "courier": _wp_article, "mid": _mid_article, "state": _state_article, "fr": _fr_article,
}  # fmt: skip
HUBS: dict[str, Callable[[Testbed, Site], dict[str, str]]] = {
    "courier": _wp_hubs, "mid": _mid_hubs, "state": _state_hubs, "fr": _fr_hubs,
}  # fmt: skip
ROUTES: dict[str, Callable[[Testbed, Site], dict[str, Any]]] = {
    "courier": _wp_routes, "mid": _mid_routes, "state": _state_routes, "fr": _fr_routes,
}  # fmt: skip
