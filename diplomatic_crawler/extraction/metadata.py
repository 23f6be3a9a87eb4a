"""Page metadata from structured sources: JSON-LD, meta tags, link tags and the <html> element.

Structured data is read once into a `PageMeta`; every later step (title, authors, dates, language)
asks it instead of re-walking the tree.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement
from w3lib.url import url_query_cleaner

logger = logging.getLogger(__name__)

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "blogposting", "liveblogposting",
    "report", "scholarlyarticle", "techarticle", "socialmediaposting", "pressrelease",
}
PAGE_TYPES = {"webpage", "itempage", "collectionpage", "aboutpage"}
TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|yclid|_ga|igshid)$", re.I)
JSON_COMMENTS = re.compile(r"^\s*(<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(-->|//\s*\]\]>|\]\]>)\s*$")
# json.loads recurses once per nested array/object (RecursionError near 1,000 levels); no real JSON-LD
# comes near this many, a hostile page does, and such a block is skipped before it is parsed.
JSONLD_MAX_DEPTH = 200
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def clean_text(value: Any) -> str:
    """Collapse whitespace, unescape entities left in structured data, drop invisible characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    if "&" in value:
        value = html_lib.unescape(value)
    value = value.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")
    return " ".join(value.split())


def clean_url(url: str | None, base: str) -> str | None:
    """Resolve against the page URL, drop the fragment and tracking parameters."""
    if not url:
        return None
    url = url.strip()
    if url.startswith(("javascript:", "data:", "mailto:")):
        return None
    absolute = urljoin(base, url).split("#", 1)[0]
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    query = urlsplit(absolute).query
    if query:
        keys = [pair.split("=", 1)[0] for pair in query.split("&")]
        dropped = [k for k in keys if TRACKING_PARAMS.match(k)]
        if dropped:
            absolute = url_query_cleaner(absolute, dropped, remove=True)
    return absolute


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type") or []
    if isinstance(value, str):
        value = [value]
    return {str(v).rsplit("/", 1)[-1].lower() for v in value if v}


def _walk_jsonld(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for child in node:
            yield from _walk_jsonld(child)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in node and isinstance(node[key], list | dict):
                yield from _walk_jsonld(node[key])


def nested_deeper(raw: str, limit: int = JSONLD_MAX_DEPTH) -> bool:
    """Whether the JSON text `raw` nests arrays/objects deeper than `limit` (brackets inside strings do
    not count); one count settles nearly every block."""
    if raw.count("{") + raw.count("[") <= limit:
        return False
    depth = 0
    for char in NOT_A_BRACKET.sub("", JSON_STRING.sub("", raw)):
        depth += 1 if char in "[{" else -1
        if depth > limit:
            return True
    return False


_LENIENT = json.JSONDecoder(strict=False)


def parse_jsonld(tree: HtmlElement) -> list[dict[str, Any]]:
    """All JSON-LD objects of the page, flattened; a broken block is skipped with a debug log."""
    objects: list[dict[str, Any]] = []
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        raw = "\n".join(line for line in raw.splitlines() if not JSON_COMMENTS.fullmatch(line))
        if nested_deeper(raw, JSONLD_MAX_DEPTH):
            logger.debug("JSON-LD block nested deeper than %d levels skipped", JSONLD_MAX_DEPTH)
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            # Common publisher mistakes: a trailing semicolon or comma, or a complete object followed by
            # leftovers of the template (a closing brace too many): the first complete value is the block.
            try:
                data, _ = _LENIENT.raw_decode(raw.rstrip(";, \n"))
            except ValueError:
                logger.debug("unreadable JSON-LD block skipped")
                continue
        objects.extend(_walk_jsonld(data))
    return objects


def first_value(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def names_of(value: Any) -> list[str]:
    """Names from a JSON-LD person/organisation value: str, dict, or a list of them."""
    if value is None:
        return []
    if isinstance(value, list):
        return [name for item in value for name in names_of(item)]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = " ".join(str(n) for n in name)
        if not name and (value.get("givenName") or value.get("familyName")):
            name = f"{value.get('givenName') or ''} {value.get('familyName') or ''}"
        return [clean_text(name)] if name else []
    return [clean_text(value)]


@dataclass
class PageMeta:
    """Metadata of one page, gathered once."""

    url: str
    meta: dict[str, list[str]] = field(default_factory=dict)
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    article: dict[str, Any] = field(default_factory=dict)  # the main JSON-LD article object, if any
    canonical_url: str | None = None
    html_lang: str | None = None

    def get(self, *names: str) -> str | None:
        """First non-empty meta value among `names` (property, name or itemprop)."""
        for name in names:
            for value in self.meta.get(name, ()):
                if value.strip():
                    return clean_text(value)
        return None

    def all(self, *names: str) -> list[str]:
        return [clean_text(v) for name in names for v in self.meta.get(name, ()) if v.strip()]

    def article_value(self, key: str) -> Any:
        return self.article.get(key) if self.article else None

    @cached_property  # read a dozen times a page by the title and author code; the metadata is read once
    def site_name(self) -> str | None:
        name = self.get("og:site_name", "application-name", "twitter:site:name")
        if name:
            return name
        publisher = self.article_value("publisher")
        names = names_of(first_value(publisher))
        if names:
            return names[0]
        for obj in self.jsonld:
            if _types(obj) & {"website", "newsmediaorganization", "organization"} and obj.get("name"):
                return clean_text(first_value(obj["name"]))
        return None


def _main_article(objects: list[dict[str, Any]], canonical: str | None, url: str) -> dict[str, Any]:
    """Pick the JSON-LD object that describes this page's article (not a teaser, not the site)."""
    articles = [o for o in objects if _types(o) & ARTICLE_TYPES]
    if not articles:
        pages = [o for o in objects if _types(o) & PAGE_TYPES and (o.get("datePublished") or o.get("headline"))]
        return pages[0] if pages else {}
    if len(articles) == 1:
        return articles[0]
    wanted = {u.rstrip("/") for u in (canonical, url) if u}

    def score(obj: dict[str, Any]) -> int:
        ids = []
        for key in ("url", "@id", "mainEntityOfPage"):
            value = first_value(obj.get(key))
            if isinstance(value, dict):
                value = value.get("@id") or value.get("url")
            if isinstance(value, str):
                ids.append(value.split("#", 1)[0].rstrip("/"))
        return 2 * bool(wanted & set(ids)) + bool(obj.get("articleBody")) + bool(obj.get("headline"))

    return max(articles, key=score)


def _resolve_references(objects: list[dict[str, Any]]) -> None:
    """Replace {"@id": ...} stubs (Yoast-style @graph) by the objects they point to, one level deep."""
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str) and len(o) > 1}
    if not by_id:
        return
    for obj in objects:
        for key in ("author", "publisher", "creator"):
            value = obj.get(key)
            items = value if isinstance(value, list) else [value]
            resolved = [by_id.get(item["@id"], item) if isinstance(item, dict) and set(item) == {"@id"} else item
                        for item in items]
            if resolved != items:
                obj[key] = resolved if isinstance(value, list) else resolved[0]


def read_meta(tree: HtmlElement, url: str) -> PageMeta:
    page = PageMeta(url=url)
    for node in tree.iter("meta"):
        key = node.get("property") or node.get("name") or node.get("itemprop") or node.get("http-equiv")
        content = node.get("content")
        if key and content is not None:
            page.meta.setdefault(key.strip().lower(), []).append(content)
    for node in tree.iter("link"):
        if (node.get("rel") or "").strip().lower() == "canonical" and node.get("href"):
            page.canonical_url = clean_url(node.get("href"), url)
            break
    if not page.canonical_url:
        page.canonical_url = clean_url(page.get("og:url"), url)
    page.html_lang = tree.get("lang") or tree.get("xml:lang")
    page.jsonld = parse_jsonld(tree)
    _resolve_references(page.jsonld)
    page.article = _main_article(page.jsonld, page.canonical_url, url)
    return page
