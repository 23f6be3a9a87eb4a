#!/usr/bin/env python3
"""Crawl throughput: the project's `scrapy crawl news` beside a naive Scrapy baseline, same site, same run.

    python bench/crawl_throughput.py                       # 3,000 articles: (a), (b), the floor, a rerun
    python bench/crawl_throughput.py --articles 20000      # memory at scale (add --no-baseline to skip b)
    python bench/crawl_throughput.py --workers 1           # EXTRACTION_WORKERS for the project
    python bench/crawl_throughput.py --rounds 3            # (a), (b), (c), floor three times in turn: medians

A benchmark, not a test. It generates a local news site of N realistic article pages (~90 kB each:
mega-menu, inline CSS/JS and a JSON state blob, breadcrumbs, related and "most read" boxes, footer;
og / JSON-LD / plain markup in turn; paginated listings, section pages, a sitemap index with children
of 1,000 URLs and ETags), renders its article pages once, serves it on 127.0.0.1 with politeness
delays off (the server's own CPU is printed: it shares the cores with the crawler), and crawls it with

  (a) the project: `scrapy crawl news` (worker-process extraction, batched archive writes), and
  (b) a naive baseline written here: a Scrapy SitemapSpider that calls `trafilatura.bare_extraction`
      in its callback and inserts each item with sqlite-utils (one INSERT and commit per item), and
  (c) the same spider fetching and decoding the pages, nothing more: what Scrapy itself costs a page,
      a part of (a)'s and (b)'s CPU that no extraction or storage design removes,

both as subprocesses with the same concurrency. For each it prints articles/s (wall), CPU seconds per
article (user + system of the crawl process and every worker it started, from `getrusage`; and of the
crawl process alone: reactor, pipelines, archive writer), and peak
RSS (sampled from /proc every 0.1 s: the sum over the crawl's process tree, and its largest process).
The extraction floor is the CPU per article of bare trafilatura (with metadata, as in (b)) over the
same pages in one process, measured just before and just after (a) (the mean of the two). Finally 1%
new articles are published and the project re-crawls its archive (the incremental rerun), timed against
its first run.

Targets (2 cores): (a) >= 1.7x the articles/s of (b); (a)'s CPU per article <= 1.3x the floor; peak
RSS <= 350 MB for 20,000 articles and < 10% growth from 5,000 to 20,000; rerun <= 10% of the first
run's wall time. The machine is shared, so absolute figures are noisy: compare within one run.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PER_LISTING = 30
PER_SITEMAP = 1000
START = datetime(2015, 1, 5, 8, 0)
TARGETS = {"throughput": 1.7, "cpu": 1.3, "rss_mb": 350, "rss_growth": 0.10, "rerun": 0.10}

# --- the generated site ----------------------------------------------------------------------------------

SECTIONS = [
    "bilateral-relations", "multilateral-diplomacy", "consular-affairs", "economic-diplomacy",
    "security-policy", "human-rights", "climate-diplomacy", "development-cooperation", "public-diplomacy",
    "treaties", "speeches", "press-briefings",
]
COUNTRIES = [
    ("Veloria", "Velorian", "Port Aster"), ("Mardovia", "Mardovian", "Kelsk"), ("Ostrana", "Ostranian", "Vell"),
    ("Quellan Republic", "Quellan", "Dunmere"), ("Teravia", "Teravian", "Sorrow Bay"),
    ("Lumeria", "Lumerian", "Caldon"), ("Novaris", "Novarian", "Irth"), ("Estmark", "Estmarkian", "Holm"),
    ("Palisand", "Palisandian", "Ferro"), ("Caldria", "Caldrian", "Oston"),
]
AUTHORS = ["Press Service", "Amira Haldane", "Tomas Reiner", "Lena Okafor", "Jonas Whitfield", "Sara Mendel",
           "Press Office of the Spokesperson", "Ilya Markov", "Chiara Benetti", "Omar Haddad"]
WORDS = (  # noqa: SIM905 - a readable word list
    "the minister delegation talks bilateral cooperation agreement memorandum signed parties discussed regional "
    "security trade investment energy climate adaptation dialogue consultations embassy ambassador visit summit "
    "framework partnership strategic economic development humanitarian assistance sanctions negotiations treaty "
    "ratification parliament committee government statement joint declaration protocol infrastructure transport "
    "corridor digital education culture exchange scholarship health vaccine logistics border management "
    "confidence building peace process ceasefire monitoring mission observers election support reform "
    "governance rule law judicial independence media freedom civil society organisations initiative programme "
    "funding budget implementation roadmap timeline experts working group session plenary agenda priorities"
).split()


def _sentence(rnd: random.Random, words: int) -> str:
    text = " ".join(rnd.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


@dataclass
class BenchSite:
    """N deterministic article pages (page i is always the same); the newest article has the highest index.
    `grow(k)` publishes k newer articles. `prerender()` renders every article page once before the crawls:
    rendering costs ~1.3 ms of Python a page, which the server would otherwise spend on the same 2 cores
    as the crawler under test (the naive baseline, using one core, left it a core of its own)."""

    count: int
    base: str = ""
    rendered: dict[int, bytes] = field(default_factory=dict)

    def prerender(self) -> None:
        for i in range(self.count):
            if i not in self.rendered:
                self.rendered[i] = self.article(i)

    def grow(self, k: int) -> None:
        """Publish k newer articles; the newest old page links to the next one now, so it is rendered anew."""
        self.rendered.pop(self.count - 1, None)
        self.count += k

    def published(self, i: int) -> datetime:
        return START + timedelta(hours=3 * i, minutes=(i * 7) % 60)

    def section(self, i: int) -> str:
        return SECTIONS[i % len(SECTIONS)]

    def path(self, i: int) -> str:
        host = COUNTRIES[i % len(COUNTRIES)][0].split()[0].lower()
        return f"/news/{self.published(i):%Y-%m-%d}-{host}-{self.section(i)}-{i:06d}.html"

    def title(self, i: int) -> str:
        host, host_adj, capital = COUNTRIES[i % len(COUNTRIES)]
        guest, guest_adj, _ = COUNTRIES[(i * 3 + 1) % len(COUNTRIES)]
        if guest == host:
            guest_adj = COUNTRIES[(i + 5) % len(COUNTRIES)][1]
        topic = self.section(i).replace("-", " ")
        if i % 4 == 3:
            return f"Foreign Minister of {host} receives the {guest_adj} envoy on {topic} (No. {i})"
        return f"{host_adj} and {guest_adj} delegations hold talks on {topic} in {capital} (No. {i})"

    def index_of(self, path: str) -> int | None:
        if not (path.startswith("/news/") and path.endswith(".html")):
            return None
        try:
            i = int(path[:-5].rsplit("-", 1)[1])
        except (IndexError, ValueError):
            return None
        return i if 0 <= i < self.count and self.path(i) == path else None

    # -- rendering ------------------------------------------------------------------------------------

    def _chrome_top(self, title: str, head: str) -> str:
        e = html.escape
        menu = "".join(
            f'<li class="menu-item has-children"><a href="{self.base}/section/{s}/">{e(s.replace("-", " ").title())}'
            f'</a><ul class="sub-menu">'
            + "".join(f'<li><a href="{self.base}/section/{s}/#t{k}">{e(s.title())} {k}</a></li>' for k in range(12))
            + "</ul></li>"
            for s in SECTIONS
        )
        css = "".join(
            f".c{k}{{margin:{k % 7}px {k % 5}px;padding:{k % 3}em;color:#{k * 4099 % 0xFFFFFF:06x};"
            f"font:{12 + k % 6}px/1.{k % 9} Georgia,serif}}\n"
            for k in range(180)
        )
        return f"""<!DOCTYPE html>
<html lang="en" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} | Ministry of Foreign Affairs of Veloria</title>
<meta property="og:site_name" content="Ministry of Foreign Affairs of Veloria">
<link rel="alternate" type="application/rss+xml" href="{self.base}/feed.xml">
<link rel="stylesheet" href="{self.base}/static/main.css">
<style>{css}</style>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}
gtag('js',new Date());</script>
{head}
</head>
<body class="page">
<div class="cookie-banner"><p>We use cookies to improve your experience on our website. By browsing this
website, you agree to our use of cookies.</p><button>Accept</button><a href="{self.base}/privacy/">More</a></div>
<header class="site-header"><div class="top-bar"><a href="{self.base}/">Home</a> <a href="{self.base}/contacts/">
Contacts</a> <a href="{self.base}/press/">Press</a> <a href="{self.base}/accessibility/">Accessibility</a>
<form class="search" action="{self.base}/search/"><input name="q" placeholder="Search"></form></div>
<a class="logo" href="{self.base}/"><img src="{self.base}/static/logo.svg" alt="Ministry of Foreign Affairs"></a>
<nav class="main-navigation" aria-label="Main"><ul class="menu">{menu}</ul></nav></header>
"""

    def _chrome_bottom(self, i: int | None) -> str:
        e = html.escape
        ref = i if i is not None else self.count - 1
        popular = "".join(
            f'<li><a href="{self.base}{self.path(j)}">{e(self.title(j))}</a></li>'
            for j in sorted({(ref * 7 + k * 131) % max(1, self.count) for k in range(6)})
        )
        footer = "".join(
            f'<div class="col"><h4>{e(s.replace("-", " ").title())}</h4><ul>'
            + "".join(f'<li><a href="{self.base}/section/{s}/#f{k}">{e(s.title())} {k}</a></li>' for k in range(5))
            + "</ul></div>"
            for s in SECTIONS
        )
        state = json.dumps(
            {"page": {"id": ref, "type": "article" if i is not None else "list", "tags": SECTIONS},
             "config": {"cdn": "https://cdn.example", "features": {f"flag{k}": k % 2 == 0 for k in range(400)}},
             "translations": {f"key_{k}": f"Translated interface string number {k}" for k in range(900)}},
            separators=(",", ":"),
        )
        return f"""<aside class="sidebar"><section class="most-read"><h3>Most read</h3><ul>{popular}</ul></section>
<section class="follow-us"><h3>Follow us</h3><a href="https://twitter.example/mfa">Twitter</a>
<a href="https://facebook.example/mfa">Facebook</a> <a href="https://youtube.example/mfa">YouTube</a></section>
<section class="newsletter"><h3>Newsletter</h3><p>Subscribe to receive our press releases.</p>
<form><input type="email" name="email"><button>Subscribe</button></form></section></aside>
<footer class="site-footer"><div class="footer-menu"><ul>{footer}</ul></div>
<p>&copy; Ministry of Foreign Affairs of Veloria. All rights reserved. <a href="{self.base}/privacy/">Privacy</a>
<a href="{self.base}/about/">About the Ministry</a> <a href="{self.base}/archive/">Archive</a></p></footer>
<script id="__STATE__" type="application/json">{state}</script>
<script>(function(){{var s=document.createElement('script');s.src='{self.base}/static/app.js';
document.body.appendChild(s)}})();</script>
</body>
</html>
"""

    def article(self, i: int) -> bytes:
        e = html.escape
        rnd = random.Random(i)
        title = self.title(i)
        when = self.published(i).isoformat() + "+02:00"
        author = AUTHORS[i % len(AUTHORS)]
        url = f"{self.base}{self.path(i)}"
        paragraphs = [_sentence(rnd, rnd.randint(12, 28)) + " " + _sentence(rnd, rnd.randint(10, 25))
                      + " " + _sentence(rnd, rnd.randint(8, 20)) for _ in range(rnd.randint(7, 13))]
        capital = COUNTRIES[i % len(COUNTRIES)][2].upper()
        paragraphs[0] = f"{capital}, {self.published(i):%-d %B %Y} — {paragraphs[0]}"
        head = f'<link rel="canonical" href="{url}">\n<meta name="description" content="{e(paragraphs[0][:160])}">'
        markup = ("og", "jsonld", "plain")[i % 3]
        if markup == "og":
            head += (f'\n<meta property="og:type" content="article"><meta property="og:title" content="{e(title)}">'
                     f'\n<meta property="article:published_time" content="{when}">'
                     f'\n<meta name="author" content="{e(author)}">')
        elif markup == "jsonld":
            head += ('\n<script type="application/ld+json">' + json.dumps({
                "@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": when,
                "author": {"@type": "Person", "name": author},
                "publisher": {"@type": "Organization", "name": "Ministry of Foreign Affairs of Veloria"},
            }) + "</script>")
        related = "".join(
            f'<li><a href="{self.base}{self.path(j)}">{e(self.title(j))}</a></li>'
            for j in (i - 1, i - 2, i - 3, i + 1) if 0 <= j < self.count
        )
        body = "\n".join(
            f"<p>{e(p)}</p>" if n % 3 else
            f"<p><strong>{e(p[:40])}</strong>{e(p[40:80])}<a href=\"{self.base}/section/{self.section(i)}/\">"
            f"{e(p[80:110])}</a><em>{e(p[110:])}</em></p>"
            for n, p in enumerate(paragraphs)
        )
        body += (f'\n<figure class="wp-block-image"><img src="{self.base}/media/{i}.jpg" alt="">'
                 f"<figcaption>Photo: press service of the Ministry ({i})</figcaption></figure>"
                 f"\n<blockquote><p>{e(_sentence(rnd, 20))}</p></blockquote>"
                 f"\n<ul>{''.join(f'<li>{e(_sentence(rnd, 9))}</li>' for _ in range(4))}</ul>")
        comments = "".join(
            f'<div class="comment" id="c{i}-{k}"><div class="comment-author"><img src="{self.base}/a.png" alt="">'
            f"<span>Reader {k}</span> <time>{self.published(i):%d.%m.%Y}</time></div>"
            f'<div class="comment-body"><p>{e(_sentence(rnd, rnd.randint(6, 25)))}</p></div>'
            f'<a class="reply" href="#c{i}-{k}">Reply</a></div>'
            for k in range(rnd.randint(3, 9))
        )
        cards = "".join(
            f'<div class="card"><a href="{self.base}{self.path(j)}"><div class="thumb"><img src="{self.base}/media/'
            f'{j}.jpg" alt=""></div><h4>{e(self.title(j))}</h4></a><span class="date">'
            f"{self.published(j):%d.%m.%Y}</span></div>"
            for j in (i - 4, i - 5, i - 6, i - 7, i - 8, i - 9) if 0 <= j < self.count
        )
        main = f"""<nav class="breadcrumb"><a href="{self.base}/">Home</a> &raquo; <a href="{self.base}/news/">News</a>
 &raquo; <a href="{self.base}/section/{self.section(i)}/">{e(self.section(i).replace("-", " ").title())}</a></nav>
<div class="container"><main id="content"><article class="post">
<h1 class="entry-title">{e(title)}</h1>
<div class="meta">By <a class="author-name" href="{self.base}/about/">{e(author)}</a> ·
<time datetime="{when}">{self.published(i):%d.%m.%Y %H:%M}</time></div>
<div class="entry-content">
{body}
</div>
<div class="share">Share: <a href="https://twitter.example/share?u={i}">Twitter</a>
<a href="https://facebook.example/share?u={i}">Facebook</a> <a href="mailto:?subject=news">E-mail</a></div>
<div class="tags">Tags: <a href="{self.base}/section/{self.section(i)}/" rel="tag">{self.section(i)}</a></div>
<section class="related"><h3>Related news</h3><ul>{related}</ul></section>
</article>
<section class="more-news"><h3>More news</h3><div class="cards">{cards}</div></section>
<section class="comments"><h3>Comments</h3>{comments}<form class="comment-form"><textarea name="c"></textarea>
<button>Post comment</button></form></section>
</main></div>
"""
        return (self._chrome_top(title, head) + main + self._chrome_bottom(i)).encode()

    def listing(self, page: int, section: str | None = None) -> bytes | None:
        e = html.escape
        indices = [i for i in range(self.count - 1, -1, -1) if section is None or self.section(i) == section]
        chunk = indices[(page - 1) * PER_LISTING: page * PER_LISTING]
        if page > 1 and not chunk:
            return None
        pages = max(1, -(-len(indices) // PER_LISTING))
        base = f"{self.base}/news/" if section is None else f"{self.base}/section/{section}/"
        items = "\n".join(
            f'<li class="news-item"><a href="{self.base}{self.path(i)}">{e(self.title(i))}</a>'
            f' <span class="date">{self.published(i):%d.%m.%Y}</span><p>{e(_sentence(random.Random(i), 18))}</p></li>'
            for i in chunk
        )
        pager = []
        if page > 1:
            pager.append(f'<a rel="prev" href="{base}{"" if page == 2 else f"page/{page - 1}/"}">Previous</a>')
        if page < pages and section is None:  # sections show their newest page only
            pager.append(f'<a rel="next" href="{base}page/{page + 1}/">Next</a>')
        title = "News" if section is None else section.replace("-", " ").title()
        main = (f'<div class="container"><main id="content"><h1>{e(title)}</h1><ul class="news-list">{items}</ul>'
                f'<div class="pager">{" ".join(pager)}</div></main></div>')
        return (self._chrome_top(title, '<meta property="og:type" content="website">') + main
                + self._chrome_bottom(None)).encode()

    def simple(self, title: str) -> bytes:
        main = f"<main><h1>{html.escape(title)}</h1><p>Information about the Ministry.</p></main>"
        return (self._chrome_top(title, "") + main + self._chrome_bottom(None)).encode()

    def sitemap_index(self) -> bytes:
        n = -(-self.count // PER_SITEMAP)
        items = "".join(f"<sitemap><loc>{self.base}/sitemap-{k}.xml</loc></sitemap>" for k in range(1, n + 1))
        return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9">{items}</sitemapindex>').encode()

    def sitemap(self, k: int) -> bytes | None:
        lo, hi = (k - 1) * PER_SITEMAP, min(self.count, k * PER_SITEMAP)
        if lo >= hi:
            return None
        urls = "".join(f"<url><loc>{self.base}{self.path(i)}</loc><lastmod>{self.published(i).date()}</lastmod></url>"
                       for i in range(lo, hi))
        return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{urls}</urlset>").encode()

    def reply(self, path: str) -> tuple[int, bytes, str]:
        xml, htm = "application/xml; charset=utf-8", "text/html; charset=utf-8"
        if path == "/robots.txt":
            return 200, f"User-agent: *\nAllow: /\nSitemap: {self.base}/sitemap.xml\n".encode(), "text/plain"
        if path == "/sitemap.xml":
            return 200, self.sitemap_index(), xml
        if path.startswith("/sitemap-") and path.endswith(".xml"):
            body = self.sitemap(int(path[9:-4])) if path[9:-4].isdigit() else None
            return (200, body, xml) if body else (404, b"not found", "text/plain")
        if (i := self.index_of(path)) is not None:
            body = self.rendered.get(i)
            return 200, body if body is not None else self.article(i), htm
        if path in ("/", "/news/") or path.startswith("/news/page/"):
            number = path.removeprefix("/news/page/").strip("/")
            body = self.listing(int(number) if number.isdigit() else 1)
            return (200, body, htm) if body else (404, b"not found", "text/plain")
        if path.startswith("/section/") and path.strip("/").split("/")[-1] in SECTIONS:
            return 200, self.listing(1, path.strip("/").split("/")[-1]) or b"", htm
        if path.strip("/") in ("about", "contacts", "press", "privacy", "accessibility", "archive", "search"):
            return 200, self.simple(path.strip("/").title()), htm
        return 404, b"<html><body>Not found</body></html>", htm


def serve(site: BenchSite) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, body, ctype = site.reply(urlsplit(self.path).path)
            etag = f'"{zlib.crc32(body):08x}-{len(body):x}"'  # cheap: the server shares the cores under test
            if "sitemap" in self.path and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    site.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


# --- measuring a subprocess ------------------------------------------------------------------------------


def _tree_memory(root: int) -> tuple[int, int]:
    """(sum of RSS, largest RSS) in bytes over `root` and its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = largest = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                rss = int(fh.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        total += rss
        largest = max(largest, rss)
    return total, largest


def _own_cpu(pid: int) -> float:
    """User + system CPU seconds of one process so far (not its children), from /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


@dataclass
class Run:
    label: str
    wall: float
    cpu: float
    peak_rss: int
    peak_single: int
    articles: int
    returncode: int
    log: str
    main_cpu: float = 0.0  # the crawl process alone (reactor, pipelines, archive writer), sampled to its end
    server_cpu: float = 0.0  # this process meanwhile: the site's server (and the sampling loop)

    @property
    def rate(self) -> float:
        return self.articles / self.wall if self.wall else 0.0

    @property
    def cpu_per_article(self) -> float:
        return self.cpu / self.articles if self.articles else float("nan")


def measure(label: str, cmd: list[str], env: dict[str, str], cwd: Path, count_db: Path | None) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_before = time.process_time()
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        peak = single = 0
        main_cpu = 0.0
        while proc.poll() is None:
            total, largest = _tree_memory(proc.pid)
            peak, single = max(peak, total), max(single, largest)
            main_cpu = max(main_cpu, _own_cpu(proc.pid))
            time.sleep(0.1)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_cpu = time.process_time() - own_before
        log.seek(0)
        text = log.read()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    articles = 0
    if count_db is not None and count_db.exists():
        with sqlite3.connect(count_db) as conn:
            articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return Run(label, wall, cpu, peak, single, articles, proc.returncode, text, main_cpu, server_cpu)


# --- (b) the naive baseline, run as `crawl_throughput.py --naive-crawl URL DB` ------------------------------


def naive_crawl(sitemap_url: str, db_path: str, concurrency: int, *, extract: bool = True) -> None:
    """(b); with `extract` false, (c): the same spider fetching and decoding every page, nothing more
    (the pages it saw are counted in `db_path`, once, at the end)."""
    import sqlite_utils
    import trafilatura
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiders import SitemapSpider

    class NaiveSpider(SitemapSpider):
        name = "naive"

        def __init__(self, *args: object, **kwargs: object):
            super().__init__(*args, **kwargs)
            self.sitemap_urls = [sitemap_url]
            self.db = sqlite_utils.Database(db_path)

        def parse(self, response):  # type: ignore[override]
            if not extract:
                response.text  # noqa: B018 - decoding is part of any crawl that reads pages
                fetched.append(response.url)
                return
            doc = trafilatura.bare_extraction(response.text, url=response.url, with_metadata=True)
            if doc is None or not doc.text:
                return
            self.db["articles"].insert(
                {"url": response.url, "title": doc.title, "author": doc.author, "date": doc.date,
                 "description": doc.description, "language": doc.language, "text": doc.text},
                pk="url", replace=True,
            )
            yield {"url": response.url}

    process = CrawlerProcess(settings={
        "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False, "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "INFO", "LOGSTATS_INTERVAL": 0,
        "COOKIES_ENABLED": False, "RETRY_TIMES": 0,
    })
    fetched: list[str] = []
    process.crawl(NaiveSpider)
    process.start()
    if not extract:
        sqlite_utils.Database(db_path)["articles"].insert_all(({"url": u} for u in fetched), pk="url")


# --- (floor) bare trafilatura in one process, run as `crawl_throughput.py --floor N` -----------------------


def floor(count: int, base: str) -> None:
    import trafilatura

    site = BenchSite(count, base=base)
    pages = range(count)
    trafilatura.bare_extraction(site.article(0).decode(), url=base, with_metadata=True)  # warm-up
    cpu = 0.0
    for i in pages:
        text = site.article(i).decode()  # rendering is not timed
        started = time.process_time()
        trafilatura.bare_extraction(text, url=f"{base}{site.path(i)}", with_metadata=True)
        cpu += time.process_time() - started
    print(json.dumps({"pages": count, "cpu": cpu}))


# --- the run ------------------------------------------------------------------------------------------------


def project_cmd(seeds: Path, db: Path, count: int, concurrency: int, workers: int | None) -> list[str]:
    settings = {
        "ARCHIVE_DB": str(db), "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": str(concurrency), "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "SITE_MAX_PAGES": str(count * 3 + 1000), "PROGRESS_INTERVAL": "0", "RETRY_TIMES": "0", "LOG_LEVEL": "INFO",
        "ALLOW_PRIVATE_NETWORKS": "True",  # the bench site is on 127.0.0.1
    }
    if workers is not None:
        settings["EXTRACTION_WORKERS"] = str(workers)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"seeds={seeds}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def naive_cmd(base: str, db: Path, concurrency: int, *extra: str) -> list[str]:
    """(b), or (c) with "--fetch-only": this script's naive spider over the site's sitemap."""
    return [sys.executable, str(Path(__file__).resolve()), "--naive-crawl", f"{base}/sitemap.xml", str(db),
            "--concurrency", str(concurrency), *extra]


def _print_ratios(label: str, ratios: list[float]) -> None:
    if ratios:
        ratios = sorted(ratios)
        print(f"over {len(ratios)} rounds: {label} {', '.join(f'{r:.2f}x' for r in ratios)}; "
              f"median {statistics.median(ratios):.2f}x")


def _print_round(number: int, a: Run, b: Run | None, floor_cpu: float | None) -> None:
    parts = [f"round {number}: (a) {a.rate:.1f} articles/s, {a.cpu_per_article:.4f} CPU s/article"]
    if b is not None and b.rate:
        parts.append(f"(b) {b.rate:.1f} articles/s: {a.rate / b.rate:.2f}x")
    if floor_cpu:
        parts.append(f"floor {floor_cpu:.4f} CPU s/article: {a.cpu_per_article / floor_cpu:.2f}x")
    print("; ".join(parts), flush=True)


def mb(n: int) -> str:
    return f"{n / 2**20:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=3000, help="article pages on the site (default 3000)")
    parser.add_argument("--new-share", type=float, default=0.01, help="share of new articles for the rerun (0.01)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests, both crawlers (16)")
    parser.add_argument("--workers", type=int, default=None, help="EXTRACTION_WORKERS for the project")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run (a), (b), (c) and the floor this many times in turn; ratios per round and median")
    parser.add_argument("--no-baseline", action="store_true", help="skip (b) and the floor (memory runs)")
    parser.add_argument("--no-rerun", action="store_true", help="skip the incremental rerun")
    parser.add_argument("--keep", type=Path, help="keep the archives and logs in this directory")
    parser.add_argument("--naive-crawl", nargs=2, metavar=("SITEMAP", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--floor", metavar="BASE", help=argparse.SUPPRESS)
    parser.add_argument("--fetch-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.naive_crawl:
        naive_crawl(*args.naive_crawl, args.concurrency, extract=not args.fetch_only)
        return 0
    if args.floor:
        floor(args.articles, args.floor)
        return 0

    work = Path(args.keep or tempfile.mkdtemp(prefix="crawl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    site = BenchSite(args.articles)
    site.prerender()
    httpd = serve(site)
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="diplomatic_crawler.settings", PYTHONUNBUFFERED="1")
    seeds = work / "seeds"
    seeds.mkdir(exist_ok=True)
    netloc = site.base.removeprefix("http://")
    (seeds / "bench.toml").write_text(
        f"name = 'bench'\nallowed_domains = ['{netloc}']\nstart_urls = ['{site.base}/news/']\n"
        f"sitemaps = ['{site.base}/sitemap.xml']\nlanguage = 'en'\ntimezone = 'Europe/Berlin'\n"
    )
    sample = site.article(args.articles // 2)
    print(f"site: {args.articles} articles (~{len(sample) / 1024:.0f} kB each), {-(-args.articles // PER_LISTING)} "
          f"listing pages, {len(SECTIONS)} sections, sitemap index + {-(-args.articles // PER_SITEMAP)} children; "
          f"{os.cpu_count()} CPUs; work dir {work}", flush=True)

    runs: dict[str, Run] = {}
    db_a = work / "project.db"
    rounds: list[tuple[Run, Run | None, float | None]] = []
    fetch_shares: list[float] = []  # (c)'s CPU per page / the floor, each round
    def measure_floor() -> float:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--floor", site.base, "--articles", str(args.articles)]
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])["cpu"] / args.articles

    for number in range(1, max(1, args.rounds) + 1):
        # The machine may be shared: (a), (b) and the floor of one round run back to back, so their ratios
        # compare like with like; several rounds show how much the ratios themselves move. The floor is
        # measured just before and just after (a), and their mean taken: on a machine whose load drifts,
        # a floor measured a minute later (after (b)) paired (a) with a different machine.
        for path in work.glob("*.db*"):
            path.unlink()
        floor_before = None if args.no_baseline else measure_floor()
        runs["a"] = measure("(a) project", project_cmd(seeds, db_a, args.articles, args.concurrency, args.workers),
                            env, ROOT, db_a)
        print(f"(a) done: {runs['a'].articles} articles in {runs['a'].wall:.1f} s", flush=True)
        floor_cpu = None
        if floor_before is not None:
            floor_after = measure_floor()
            floor_cpu = (floor_before + floor_after) / 2
            print(f"floor: {floor_before:.4f} CPU s/article before (a), {floor_after:.4f} after", flush=True)
            db_b = work / "naive.db"
            runs["b"] = measure("(b) naive baseline", naive_cmd(site.base, db_b, args.concurrency), env, ROOT, db_b)
            print(f"(b) done: {runs['b'].articles} articles in {runs['b'].wall:.1f} s", flush=True)
            db_c = work / "fetch.db"
            cmd = naive_cmd(site.base, db_c, args.concurrency, "--fetch-only")
            runs["c"] = measure("(c) Scrapy alone", cmd, env, ROOT, db_c)
            print(f"(c) done: {runs['c'].articles} pages in {runs['c'].wall:.1f} s", flush=True)
        rounds.append((runs["a"], runs.get("b"), floor_cpu))
        if "c" in runs and floor_cpu:
            fetch_shares.append(runs["c"].cpu_per_article / floor_cpu)
        if args.rounds > 1:
            _print_round(number, *rounds[-1])
    rerun = None
    if not args.no_rerun:
        new = max(1, round(args.articles * args.new_share))
        site.grow(new)
        rerun = measure("(a) rerun", project_cmd(seeds, db_a, site.count, args.concurrency, args.workers), env, ROOT,
                        db_a)
        rerun.articles -= runs["a"].articles
        runs["rerun"] = rerun
    httpd.shutdown()

    for run in runs.values():
        (work / f"{run.label.split()[-1].strip('()')}.log").write_text(run.log)
        if run.returncode != 0:
            print(f"\n{run.label} exited with {run.returncode}; last lines of its log:\n{run.log[-3000:]}")

    print("\n| crawler | articles | wall s | articles/s | CPU s | CPU s/article | of which crawl process |"
          " peak RSS MB (tree) | largest process MB | server CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs.values():
        own = run.main_cpu / run.articles if run.articles else float("nan")
        print(f"| {run.label} | {run.articles} | {run.wall:.1f} | {run.rate:.1f} | {run.cpu:.1f} | "
              f"{run.cpu_per_article:.4f} | {own:.4f} | {mb(run.peak_rss)} | {mb(run.peak_single)} | "
              f"{run.server_cpu:.1f} |")
    if floor_cpu is not None:
        print(f"| floor: bare trafilatura, one process (mean of before/after (a)) | {args.articles} | | | | "
              f"{floor_cpu:.4f} | | | | |")

    def verdict(ok: bool) -> str:
        return "ok" if ok else "NOT MET"

    if len(rounds) > 1:
        print()
        _print_ratios("throughput (a)/(b)", [a.rate / b.rate for a, b, _ in rounds if b is not None and b.rate])
        _print_ratios("CPU (a)/floor", [a.cpu_per_article / f for a, _, f in rounds if f])
        _print_ratios("CPU (c)/floor", fetch_shares)
        print("the table and the verdicts below are the last round's")
    a = runs["a"]
    print()
    for run in (r for key, r in runs.items() if key in ("a", "b")):
        if run.articles != args.articles:  # a fast crawl that loses pages proves nothing
            print(f"{run.label}: archived {run.articles} of {args.articles} articles: INCOMPLETE")
    if "b" in runs and runs["b"].rate:
        ratio = a.rate / runs["b"].rate
        print(f"throughput (a)/(b): {ratio:.2f}x (target >= {TARGETS['throughput']}x) {verdict(ratio >= 1.7)}")
    if floor_cpu:
        ratio = a.cpu_per_article / floor_cpu
        print(f"CPU per article (a)/floor: {ratio:.2f}x (target <= {TARGETS['cpu']}x) {verdict(ratio <= 1.3)}")
        if "c" in runs and runs["c"].articles:
            print(f"  of which Scrapy alone, fetching and decoding the same pages (c): "
                  f"{runs['c'].cpu_per_article / floor_cpu:.2f}x the floor")
    print(f"peak RSS (a): {mb(a.peak_rss)} MB summed over its processes, largest process {mb(a.peak_single)} MB "
          f"(target <= {TARGETS['rss_mb']} MB at 20,000 articles; this run: {args.articles})")
    if rerun is not None:
        ratio = rerun.wall / a.wall
        print(f"incremental rerun ({rerun.articles} new of {site.count}): {rerun.wall:.1f} s = {ratio:.1%} of the "
              f"first run (target <= {TARGETS['rerun']:.0%}) {verdict(ratio <= 0.10)}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r.returncode == 0 for r in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
