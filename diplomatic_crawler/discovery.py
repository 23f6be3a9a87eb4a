"""Pure discovery helpers: sitemaps, feeds, links, page classification and crawl-trap guards.

Nothing here touches the network or Scrapy's engine, so every rule is testable on inline bytes.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import lxml.etree
import lxml.html

if TYPE_CHECKING:
    from .seeds import Seed

__all__ = [
    "ARTICLE_TYPES",
    "FeedEntry",
    "Link",
    "PageEvidence",
    "SitemapEntry",
    "calendar_key",
    "classify_page",
    "is_pagination",
    "looks_like_listing_url",
    "page_evidence",
    "page_links",
    "parse_date",
    "parse_feed",
    "parse_sitemap",
    "schema_types",
    "trap_reason",
]

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "blogposting",
        "socialmediaposting",
        "report",
        "pressrelease",
        "scholarlyarticle",
    }
)
LISTING_TYPES = frozenset(
    {
        "collectionpage",
        "searchresultspage",
        "profilepage",
        "itemlist",
        "aboutpage",
        "contactpage",
    }
)
# Path segments that mark a listing-type page (never archived, only followed).
_LISTING_SEGMENTS = frozenset(
    {
        "tag",
        "tags",
        "topic",
        "topics",
        "author",
        "authors",
        "category",
        "categories",
        "section",
        "search",
        "page",
        "archive",
        "archives",
        "calendar",
        "feed",
        "rss",
        "login",
        "contact",
        "about",
    }
)
_LISTING_QUERY_KEYS = frozenset({"s", "q", "query", "search", "page", "p", "paged", "tag", "author", "cat"})
_PAGINATION_QUERY_KEYS = frozenset({"page", "p", "paged", "pg", "start", "offset"})
_PAGINATION_PATH_RE = re.compile(r"/(page|p|pages?)/\d+/?$", re.IGNORECASE)
_PAGINATION_TEXT_RE = re.compile(
    r"^\s*(next|older|more|previous|prev|»|›|→|>|>>|\d{1,4}|next page|older posts|older entries|load more)"
    r"\s*$",
    re.IGNORECASE,
)
_DATE_QUERY_KEYS = frozenset(
    {"date", "day", "month", "year", "from", "to", "start_date", "end_date", "d", "m", "y", "ym", "week"}
)
_YEAR_RE = re.compile(r"(?<!\d)((?:1[89]|2[01])\d{2})(?!\d)")
_CALENDAR_PATH_RE = re.compile(r"/(19|20)\d{2}[/-](0?[1-9]|1[0-2])([/-](0?[1-9]|[12]\d|3[01]))?/?$")
_SKIP_EXTENSIONS = frozenset(
    {
        "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "rar", "gz", "7z", "jpg", "jpeg", "png",
        "gif", "webp", "svg", "ico", "mp3", "mp4", "avi", "mov", "webm", "css", "js", "json", "woff", "woff2",
        "ttf", "eot", "exe", "dmg", "apk",
    }
)  # fmt: skip


# --- dates ---------------------------------------------------------------------------------------------


def parse_date(value: str | None) -> datetime | None:
    """Parse a sitemap `lastmod`, a feed date (RFC 822 or ISO 8601) or an HTTP date into an aware UTC
    datetime; a naive value is taken as UTC (it is only compared with our own fetch times)."""
    if not value:
        return None
    value = value.strip()
    dt: datetime | None = None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


# Entities are never expanded and nothing is fetched from the network (billion laughs, XXE).
_SAFE_XML = _FEED_PARSER = lxml.etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, recover=True, remove_comments=True
)


# --- sitemaps ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None
    is_sitemap: bool = False


def sitemap_body(body: bytes, url: str = "", max_size: int = 0) -> bytes | None:
    """Return the XML of a sitemap response, gunzipping `.gz` bodies with a size cap (a zip bomb gives
    None instead of exhausting memory)."""
    # Scrapy's helpers are imported here, not at the top: the extraction workers import this module
    # for `page_links` and `classify_page`, and Scrapy with Twisted would add some 20 MB to each of them.
    from scrapy.utils._compression import _DecompressionMaxSizeExceeded
    from scrapy.utils.gz import gunzip

    if body[:3] == b"\x1f\x8b\x08":
        try:
            return gunzip(body, max_size=max_size)
        except (_DecompressionMaxSizeExceeded, OSError, EOFError):
            return None
    return body


def sitemap_problem(body: bytes, max_size: int = 0) -> str:
    """Why `parse_sitemap` found no entry in `body`, in words for the log (asked only then)."""
    from scrapy.utils._compression import _DecompressionMaxSizeExceeded
    from scrapy.utils.gz import gunzip

    if not body.strip():
        return "empty body"
    xml = body
    if body[:3] == b"\x1f\x8b\x08":
        try:
            xml = gunzip(body, max_size=max_size)
        except _DecompressionMaxSizeExceeded:
            return (
                f"gzip body of {len(body)} bytes expands beyond DOWNLOAD_MAXSIZE = {max_size} bytes"
                " (a compression bomb?): not read"
            )
        except (OSError, EOFError) as exc:
            return f"corrupt gzip data ({exc or type(exc).__name__})"
    start = xml.lstrip()[:200]
    if not start.startswith((b"<", b"\xef\xbb\xbf")):
        return f"not XML (starts with {start[:40]!r})"
    if b"<html" in start.lower():
        return "an HTML page, not a sitemap"
    return "no <url> or <sitemap> entries with a <loc> (not a urlset or sitemapindex, or broken XML)"


def parse_sitemap(body: bytes, url: str = "", max_size: int = 0) -> list[SitemapEntry]:
    """Entries of a sitemap or sitemap index (`is_sitemap` marks child sitemaps). News sitemaps
    (`news:publication_date`) count as a change date when `lastmod` is missing."""
    from scrapy.utils.sitemap import Sitemap

    xml = sitemap_body(body, url, max_size)
    if not xml or not xml.lstrip().startswith((b"<", b"\xef\xbb\xbf")):
        return []
    try:
        sitemap = Sitemap(xml)
    except (lxml.etree.XMLSyntaxError, StopIteration):
        return []
    if sitemap.type not in ("urlset", "sitemapindex"):
        return []
    news_dates = _news_dates(xml) if b"sitemap-news" in xml else {}
    entries: list[SitemapEntry] = []
    try:
        for item in sitemap:
            raw_loc = (item.get("loc") or "").strip()
            loc = urljoin(url, raw_loc) if raw_loc else None
            if not loc:
                continue
            lastmod = parse_date(item.get("lastmod")) or parse_date(news_dates.get(raw_loc))
            entries.append(SitemapEntry(loc, lastmod, is_sitemap=sitemap.type == "sitemapindex"))
    except lxml.etree.XMLSyntaxError:
        pass
    return entries


def _news_dates(xml: bytes) -> dict[str, str]:
    """loc -> news:publication_date of a Google News sitemap (nested below <url>, which Scrapy's
    `Sitemap` does not read)."""
    dates: dict[str, str] = {}
    try:
        root = lxml.etree.fromstring(xml, parser=_SAFE_XML)
    except (lxml.etree.XMLSyntaxError, ValueError):
        return dates
    if root is None:
        return dates
    for node in root:
        loc = date = None
        for el in node.iter():
            name = _local(el.tag)
            if name == "loc" and loc is None:
                loc = (el.text or "").strip()
            elif name == "publication_date":
                date = (el.text or "").strip()
        if loc and date:
            dates[loc] = date
    return dates


# --- feeds -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    link: str
    date: datetime | None = None
    title: str | None = None


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2].lower() if isinstance(tag, str) else ""


def parse_feed(body: bytes, url: str = "") -> list[FeedEntry]:
    """Links and dates from an RSS 2.0, RSS 1.0 or Atom feed. Entities are never expanded and no
    network access happens (billion-laughs / XXE safe)."""
    try:
        root = lxml.etree.fromstring(body.strip(), parser=_FEED_PARSER)
    except (lxml.etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    entries: list[FeedEntry] = []
    for node in root.iter():
        name = _local(node.tag)
        if name not in ("item", "entry"):
            continue
        link = None
        date = None
        title = None
        for child in node:
            cname = _local(child.tag)
            if cname == "link":
                href = child.get("href")
                rel = child.get("rel", "alternate")
                if href and rel == "alternate":
                    link = link or href.strip()
                elif child.text and child.text.strip():
                    link = link or child.text.strip()
            elif cname == "guid" and child.get("isPermaLink", "true") == "true" and child.text:
                if child.text.strip().startswith("http"):
                    link = link or child.text.strip()
            elif cname in ("pubdate", "updated", "published", "date", "modified"):
                parsed = parse_date(child.text)
                if parsed and (date is None or parsed > date):
                    date = parsed
            elif cname == "title":
                title = (child.text or "").strip() or None
        if link:
            entries.append(FeedEntry(urljoin(url, link), date, title))
    return entries


# --- links -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    url: str
    text: str = ""
    rel: str = ""


def _parse_html(html: bytes | str) -> lxml.html.HtmlElement | None:
    if not html:
        return None
    try:
        return lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def _first_attribute(tree: Any, tag: str, wanted: str, key: str | None = None, value: str | None = None) -> str:
    """XPath's `string(//tag[@key='value']/@wanted)`: `wanted` of the document's first such element that
    has it ("" if none)."""
    for el in tree.getroottree().iter(tag):
        if (key is None or el.get(key) == value) and (found := el.get(wanted)) is not None:
            return found
    return ""


def page_links(html: bytes | str | lxml.html.HtmlElement, base_url: str, max_links: int = 0) -> list[Link]:
    """Every followable http(s) link of a page (anchors and `<link rel=next>`), absolute, without
    `nofollow` links, files (PDF, images, ...) and duplicate targets; the first `max_links` of them when
    that is set (a hostile page of 400,000 links cost a worker 35 s and 600 MB to key them all)."""
    tree = html if isinstance(html, lxml.html.HtmlElement) else _parse_html(html)
    if tree is None:
        return []
    base = _first_attribute(tree, "base", "href") or base_url
    base = urljoin(base_url, base)
    parts = urlsplit(base)
    any_host, this_host = f"{parts.scheme}://base.invalid/", f"{parts.scheme}://{parts.netloc}/"
    links: list[Link] = []
    seen: set[str] = set()
    for el in tree.getroottree().iter("a", "link"):  # `//a[@href] | //link[@rel='next' or @rel='prev'][@href]`
        href = el.get("href")
        if href is None:
            continue
        rel = el.get("rel")
        if rel is None:  # most links: nothing more to read
            if el.tag == "link":
                continue
            rel = ""
        else:
            if el.tag == "link" and rel not in ("next", "prev"):
                continue
            rel = rel.lower()
            if "nofollow" in rel.split():
                continue
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        if href.startswith(("http://", "https://", "//")):
            url = _shared_target(any_host, href)  # does not depend on the page: cached across pages
        elif href.startswith("/"):
            url = _shared_target(this_host, href)  # nor does a root-relative one, beyond the host
        else:
            url = _resolved(base, href)
        if url is None:
            continue
        if url in seen:  # menus repeat links: the first one's text is kept
            if rel:  # keep the rel of a duplicate link (e.g. <a rel=next> after a plain one)
                links = [Link(lk.url, lk.text, lk.rel or rel) if lk.url == url else lk for lk in links]
            continue
        seen.add(url)
        text = " ".join(el.text_content().split())[:200] if el.tag == "a" else ""
        links.append(Link(url, text, rel))
        if max_links and len(links) >= max_links:
            break
    return links


def _followable(url: str) -> str | None:
    """The link target without its fragment, or None for a non-http(s) URL or a file type never followed."""
    url = url.split("#", 1)[0]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    ext = parts.path.rsplit(".", 1)[-1].lower() if "." in parts.path.rsplit("/", 1)[-1] else ""
    return None if ext in _SKIP_EXTENSIONS else url


@functools.lru_cache(maxsize=32768)
def _shared_target(base: str, href: str) -> str | None:
    """`_followable(urljoin(base, href))` for an href whose target does not depend on the page's path:
    `base` is then only "scheme://base.invalid/" (an href with a host) or "scheme://host/" (an href
    starting with "/"), so the result is shared by every page of the site (menus, footers and
    related-article boxes repeat on each)."""
    return _resolved(base, href)


def _resolved(base: str, href: str) -> str | None:
    """`_followable(urljoin(base, href))`, None for an href that is no URL at all: Python refuses a
    bracketed host that is not an IPv6 address ("http://[ccpa-preferences]"), which lost the whole page."""
    try:
        return _followable(urljoin(base, href))
    except ValueError:
        return None


def is_pagination(link: Link) -> bool:
    """True for 'next page' style links of listings: rel=next/prev, `?page=N`, `/page/N`, or a link text
    that is a page number or 'Next'/'Older'."""
    if link.rel in ("next", "prev") or "next" in link.rel.split():
        return True
    parts = urlsplit(link.url)
    if _PAGINATION_PATH_RE.search(parts.path):
        return True
    if any(k.lower() in _PAGINATION_QUERY_KEYS for k, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return True
    return bool(link.text and _PAGINATION_TEXT_RE.match(link.text))


def looks_like_listing_url(url: str) -> bool:
    """Home, tag, author, category, search, archive and pagination URLs: followed, never archived."""
    parts = urlsplit(url)
    segments = [s.lower() for s in parts.path.split("/") if s]
    if not segments or segments in (["index.html"], ["index.php"], ["en"], ["home"]):
        return True
    if any(seg in _LISTING_SEGMENTS for seg in segments[:-1]) or segments[-1] in _LISTING_SEGMENTS:
        return True
    if _PAGINATION_PATH_RE.search(parts.path):
        return True
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return bool(keys & _LISTING_QUERY_KEYS)


# --- crawl traps -------------------------------------------------------------------------------------


def trap_reason(url: str, *, max_length: int = 1024, max_query_params: int = 6, max_repeats: int = 2) -> str | None:
    """Why `url` looks like a crawl trap on its own (None when it does not): over-long, a path segment
    repeated (`/a/b/a/b/`), too many query parameters, or a calendar date far from today."""
    if len(url) > max_length:
        return "url-length"
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    counts: dict[str, int] = {}
    for seg in segments:
        counts[seg] = counts.get(seg, 0) + 1
        if counts[seg] > max_repeats:
            return "repeated-segment"
    for i in range(len(segments) - 1):  # the same pair twice in a row: /a/b/a/b
        if segments[i : i + 2] == segments[i + 2 : i + 4]:
            return "repeated-segment"
    query = parse_qsl(parts.query, keep_blank_values=True)
    if len(query) > max_query_params:
        return "query-explosion"
    years = [int(y) for y in _YEAR_RE.findall(parts.path + "?" + parts.query)]
    if calendar_key(url) and any(abs(y - datetime.now(UTC).year) > 30 for y in years):
        return "calendar"
    return None


def calendar_key(url: str) -> str | None:
    """A key shared by all pages of one calendar-like listing (date query parameters or a `/calendar/`
    or `/YYYY/MM/` listing path), None for other URLs. The spider caps how many pages it fetches per
    key, so an endless 'next month' chain stays bounded."""
    parts = urlsplit(url)
    query_keys = sorted({k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    segments = [s.lower() for s in parts.path.split("/") if s]
    date_query = any(k in _DATE_QUERY_KEYS for k in query_keys)
    calendar_path = any(s in ("calendar", "events", "archive", "archives") for s in segments)
    ymd_path = bool(_CALENDAR_PATH_RE.search(parts.path))
    if not (date_query or (calendar_path and (query_keys or ymd_path)) or ymd_path):
        return None
    if ymd_path and segments and segments[-1].endswith((".html", ".htm", ".php", ".aspx")):
        return None
    shape = re.sub(r"\d+", "#", parts.path)
    return f"{(parts.hostname or '').lower()}{shape}?{'&'.join(query_keys)}"


# --- page classification -------------------------------------------------------------------------


@dataclass(frozen=True)
class PageEvidence:
    og_type: str | None
    schema_types: frozenset[str]
    canonical: str | None
    text_length: int
    link_density: float
    has_article_element: bool
    paragraphs: int


def schema_types(tree: lxml.html.HtmlElement) -> set[str]:
    """The schema.org types a page declares (JSON-LD, with its @graph and mainEntity, and microdata), lower-case."""
    types: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for n in node:
                walk(n)
        elif isinstance(node, dict):
            t = node.get("@type")
            for value in t if isinstance(t, list) else [t]:
                if isinstance(value, str):
                    types.add(value.rpartition("/")[2].lower())
            if "@graph" in node:
                walk(node["@graph"])
            if isinstance(node.get("mainEntity"), dict | list):
                walk(node["mainEntity"])

    for script in tree.getroottree().iter("script"):
        if script.get("type") != "application/ld+json":
            continue
        try:
            walk(json.loads(script.text_content() or "null"))
        except (ValueError, RecursionError):
            continue
    for value in _ITEMTYPES(tree):
        types.add(value.rstrip("/").rpartition("/")[2].lower())
    return types


# Element walks here are lxml iterators, not XPath: libxml2 tests every element against each step of a
# `//tag` expression (a union of seven `.//tag` walks cost seven times one iterator over the seven tags).
_NOT_CONTENT = ("script", "style", "noscript", "nav", "header", "footer", "aside")
_ITEMTYPES = lxml.etree.XPath("//@itemtype")  # the attribute axis alone: a third of `//*[@itemtype]/@itemtype`


def page_evidence(html: bytes | str | lxml.html.HtmlElement) -> PageEvidence:
    """Collect the page-level signals used to tell an article from a listing. A parsed tree is measured
    without its scripts, navigation, headers, footers and asides, and given back unchanged (they are set
    aside and put back: copying the whole tree cost more than everything else measured here)."""
    tree = html if isinstance(html, lxml.html.HtmlElement) else _parse_html(html)
    if tree is None:
        return PageEvidence(None, frozenset(), None, 0, 1.0, False, 0)
    og = _first_attribute(tree, "meta", "content", "property", "og:type").strip().lower() or None
    canonical = _first_attribute(tree, "link", "href", "rel", "canonical").strip() or None
    body = tree.find("body")
    scope = body if body is not None else tree
    set_aside: list[tuple[Any, Any]] = []
    try:
        # one inside another is set aside with it, and put back in turn
        for bad in list(scope.iterdescendants(*_NOT_CONTENT)):
            parent = bad.getparent()
            if parent is None:
                continue
            placeholder = lxml.etree.Comment("")  # no text: string() skips comments
            placeholder.tail = bad.tail  # the text after it still counts, as with drop_tree()
            parent.replace(bad, placeholder)
            set_aside.append((placeholder, bad))
        return _evidence(tree, scope, og, canonical)
    finally:
        for placeholder, bad in reversed(set_aside):
            placeholder.getparent().replace(placeholder, bad)


def _evidence(tree: Any, scope: Any, og: str | None, canonical: str | None) -> PageEvidence:
    paragraphs = [" ".join(p.text_content().split()) for p in scope.iterdescendants("p")]
    paragraphs = [p for p in paragraphs if len(p) >= 40]
    para_text = sum(len(p) for p in paragraphs)
    all_text = len(" ".join(scope.text_content().split())) or 1
    link_text = sum(len(" ".join(a.text_content().split())) for a in scope.iterdescendants("a"))
    return PageEvidence(
        og_type=og,
        schema_types=frozenset(schema_types(tree)),
        canonical=canonical,
        text_length=para_text,
        link_density=min(1.0, link_text / all_text),
        has_article_element=next(scope.iterdescendants("article"), None) is not None,
        paragraphs=len(paragraphs),
    )


def classify_page(
    html: bytes | str | lxml.html.HtmlElement,
    url: str,
    seed: Seed | None = None,
    *,
    min_text: int = 400,
    max_link_density: float = 0.4,
) -> str:
    """Return "article" or "listing" for a fetched HTML page.

    With a seed `article_pattern`, the URL decides alone. Otherwise, in order: listing-type URLs (home,
    tag, author, search, pagination) are listings; an explicit article type (og:type, JSON-LD or
    microdata) with some text is an article; an explicit collection type is a listing; else enough
    paragraph text at a low link density makes an article.
    """
    if seed is not None and seed.article_pattern is not None:
        return "article" if seed.article_pattern.search(url) else "listing"
    if looks_like_listing_url(url):
        return "listing"
    ev = page_evidence(html)
    declared_article = ev.og_type == "article" or bool(ev.schema_types & ARTICLE_TYPES)
    if declared_article and ev.text_length >= min_text // 4 and ev.link_density < 0.7:
        return "article"
    if ev.schema_types & LISTING_TYPES and not declared_article:
        return "listing"
    if ev.text_length >= min_text and ev.link_density <= max_link_density and ev.paragraphs >= 2:
        return "article"
    return "listing"
