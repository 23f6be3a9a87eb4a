"""Author names: from JSON-LD, meta tags and visible bylines, normalised to one name per entry.

Raw bylines mix names with everything around them ("By Jane Doe and John Smith, Staff Writers",
"Capital Von Jemima Kelly", "You, Xiaoying", e-mail addresses, profile URLs). `normalise_authors`
turns any of those into clean names; the sources are tried from most to least structured.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from itertools import islice

from lxml import etree
from lxml.html import HtmlElement

from .metadata import PageMeta, clean_text, names_of

BYLINE_PREFIX = re.compile(
    r"^(?:.*?\b)?(?:written\s+by|posted\s+by|reported\s+by|words\s+by|story\s+by|text\s+by|by|von|par|por|"
    r"di|av|door|af|från|автор(?:ы)?|авторы|text|texte|autor(?:in|en)?|auteur|author(?:s)?|redacción|"
    r"escrito\s+por|publié\s+par|yazar|müəllif|from|na)\s*[:\-]?\s+",
    re.I,
)
SPLIT = re.compile(r"\s*(?:[;|/&\n]|,(?!\s*(?:jr|sr)\b)|\s(?:and|und|et|y|e|og|och|en|ve|и|і|та)\s)\s*", re.I)
ROLE_WORDS = {
    "staff", "writer", "writers", "correspondent", "correspondents", "editor", "editors", "reporter", "reporters",
    "contributor", "contributors", "photographer", "photographers", "columnist", "senior", "chief", "desk",
    "news", "newsroom", "bureau", "intern", "producer", "analyst", "associate", "special", "political",
    "deputy", "managing", "guest", "author", "authors", "redaktion", "redakteur", "redakteurin", "journalist",
    "journaliste", "correspondant", "envoyé", "envoyée", "rédaction", "updated", "published", "photo", "photos",
    "video", "source", "sources", "image", "images", "follow", "twitter", "email", "mail", "profile", "more",
    "articles", "view", "all", "posts", "read", "share", "comments", "min",
}
# Whole entries that are never a name on their own.
NOT_NAMES = {"admin", "administrator", "editor", "staff", "unknown", "anonymous", "guest", "webmaster", "null",
             "none", "n/a", "редакция", "redaktion", "red", "agenturen", "agencies", "wires"}
EMAIL = re.compile(r"\S+@\S+")
URL = re.compile(r"(?:https?://|www\.)\S+|\b\S+\.(?:com|org|net|gov|int|ru|az|fr|de|uk)\b(?:/\S*)?", re.I)
DIGITS = re.compile(r"\d")
PLACE_SUFFIX = re.compile(r"\s+(?:in|from|à|en|aus|в|из)\s+[A-ZА-Я][\w-]+(?:\s+[A-ZА-Я][\w-]+)?$")
MAX_NAME_WORDS = 6
MAX_AUTHORS = 12
# Every class pattern but "byline" contains "author": testing that first spares libxml2 eight `contains()`
# per element on most elements (the expression took ~2 ms a page, about a tenth of the extraction).
BYLINE_XPATH = (
    './/*[@rel="author" or @itemprop="author" or contains(@class, "byline") or (contains(@class, "author") and ('
    'contains(@class, "author-name") or contains(@class, "author__name") or contains(@class, "article-author")'
    ' or contains(@class, "post-author") or contains(@class, "entry-author") or contains(@class, "authors__")'
    ' or contains(@class, "__author")))]'
    ' | .//a[contains(@href, "/author/") or contains(@href, "/autoren/") or contains(@href, "/journalist/")]'
)
BYLINE_SKIP_ANCESTORS = {"footer", "nav", "aside"}
_BYLINE_CLASSES = ("author-name", "author__name", "article-author", "post-author", "entry-author", "authors__",
                   "__author")
_AUTHOR_HREFS = ("/author/", "/autoren/", "/journalist/")


def byline_nodes(tree: HtmlElement) -> Iterator[HtmlElement]:
    """The elements BYLINE_XPATH selects, in document order, from one walk over the tree: the XPath (two
    walks, a dozen substring tests an element in libxml2) cost about three times as much, 1-2 ms on a
    real page."""
    for el in tree.iterdescendants(etree.Element):
        get = el.get
        cls = get("class")
        if (
            get("rel") == "author"
            or get("itemprop") == "author"
            or (cls is not None and ("byline" in cls or ("author" in cls and any(c in cls for c in _BYLINE_CLASSES))))
            or (el.tag == "a" and any(h in (get("href") or "") for h in _AUTHOR_HREFS))
        ):
            yield el


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


def _strip_noise(value: str) -> str:
    """E-mails, URLs and bracketed notes ("(AFP)", "(Image: Getty)") go before any splitting."""
    value = EMAIL.sub(" ", value)
    value = URL.sub(" ", value)
    return re.sub(r"[\(\[][^)\]]*[\)\]]?", " ", value)


def _clean_one(entry: str) -> str | None:
    entry = entry.strip(" \t-–—:·•,.\"'“”‘’«»")
    entry = BYLINE_PREFIX.sub("", entry, count=1) if BYLINE_PREFIX.match(entry) else entry
    entry = PLACE_SUFFIX.sub("", entry).strip(" \t-–—:·•,.\"'“”‘’«»")
    if not entry or DIGITS.search(entry):
        return None
    tokens = entry.split()
    if len(tokens) > MAX_NAME_WORDS:
        return None
    folded = [_fold(t) for t in tokens]
    if entry.casefold() in NOT_NAMES or all(t in ROLE_WORDS for t in folded):
        return None
    return " ".join(tokens)


def _swap_inverted(values: list[str]) -> list[str]:
    """"You, Xiaoying" (citation style Last, First) -> "Xiaoying You"."""
    out = []
    for value in values:
        parts = [p.strip() for p in value.split(",")]
        if len(parts) == 2 and all(len(p.split()) == 1 and p[:1].isupper() for p in parts):
            value = f"{parts[1]} {parts[0]}"
        out.append(value)
    return out


def normalise_authors(raw: list[str], *, site_name: str | None = None) -> list[str]:
    """Split, clean and de-duplicate raw author strings (order kept)."""
    names: list[str] = []
    seen: set[str] = set()
    for value in _swap_inverted([_strip_noise(clean_text(v)) for v in raw if v]):
        for entry in SPLIT.split(value):
            name = _clean_one(entry)
            if not name:
                continue
            key = _fold(name)
            if key and key not in seen:
                seen.add(key)
                names.append(name)
    site_key = _fold(site_name) if site_name else None
    if site_key and len(names) > 1:  # the site itself listed beside its journalists
        names = [n for n in names if _fold(n) != site_key and _fold(n) not in site_key] or names
    return names[:MAX_AUTHORS]


def _visible_bylines(tree: HtmlElement) -> list[str]:
    """Byline elements of the article: the first one found and those beside it, not teaser cards below."""
    found: list[str] = []
    first_parent = None
    for node in islice(byline_nodes(tree), 12):
        if any(anc.tag in BYLINE_SKIP_ANCESTORS for anc in node.iterancestors()):
            continue
        parent = node.getparent()
        if first_parent is None:
            first_parent = parent
        elif parent is not first_parent and first_parent not in node.iterancestors():
            continue
        text = clean_text(" ".join(node.itertext()))
        if text and len(text) <= 120:
            found.append(text)
    return found


def _organisations(meta: PageMeta) -> set[str]:
    """Folded names that denote the publisher rather than a person."""
    orgs = {_fold(meta.site_name)} if meta.site_name else set()
    for key in ("author", "publisher", "creator"):
        value = meta.article_value(key)
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                continue
            kind = str(item.get("@type", "")).lower()
            account = f"{item.get('@id', '')} {item.get('url', '')}".lower()
            # An organisation, or a CMS account such as /author/admin/ that names no person.
            if "organization" in kind or "organisation" in kind or "/admin" in account:
                orgs.update(_fold(n) for n in names_of(item))
    host = meta.url.split("//", 1)[-1].split("/", 1)[0].removeprefix("www.")
    orgs.add(_fold(host.split(".")[0]))
    return orgs - {""}


def _is_organisation(name: str, orgs: set[str]) -> bool:
    key = _fold(name)
    compact = key.replace(" ", "")
    for org in orgs:
        org_compact = org.replace(" ", "")
        shorter, longer = sorted((compact, org_compact), key=len)
        if shorter and shorter in longer and len(shorter) >= 0.6 * len(longer):
            return True
    return False


BODY_CONTAINERS = (  # `@class and (...)`: elements without a class skip the seven tests
    './/*[@itemprop="articleBody" or (@class and (contains(@class, "entry-content") or contains(@class, "post-content")'
    ' or contains(@class, "post_content") or contains(@class, "article-body") or contains(@class, "article-content")'
    ' or contains(@class, "article__body") or contains(@class, "story-body")))]'
)
_BODY_CLASSES = ("entry-content", "post-content", "post_content", "article-body", "article-content",
                 "article__body", "story-body")


def body_containers(tree: HtmlElement) -> Iterator[HtmlElement]:
    """The elements BODY_CONTAINERS selects, in document order, from one walk (see `byline_nodes`)."""
    for el in tree.iterdescendants(etree.Element):
        cls = el.get("class")
        if el.get("itemprop") == "articleBody" or (cls is not None and any(c in cls for c in _BODY_CLASSES)):
            yield el


LEAD_BYLINE = re.compile(r"^[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){1,3}(?:\s*(?:/|,|&|\band\b)\s*"
                         r"[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){1,3})*$")


def _lead_byline(tree: HtmlElement) -> list[str]:
    """A byline written as the first, bold-only paragraph of the article body ("<p><strong>Jane Doe</strong></p>").

    Small CMS sites often type the reporter's name there instead of filling in the author field.
    """
    for container in islice(body_containers(tree), 4):
        for paragraph in container.xpath(".//p[position() <= 2]"):
            text = clean_text(paragraph.text_content())
            bold = clean_text(" ".join(" ".join(b.itertext()) for b in paragraph.xpath("./strong | ./b")))
            if text and text == bold and len(text) <= 80 and LEAD_BYLINE.match(text):
                return [text]
    return []


def find_authors(tree: HtmlElement, meta: PageMeta) -> list[str]:
    """Person bylines from the most structured source that has them; else an organisation byline."""
    site_name = meta.site_name
    orgs = _organisations(meta)
    structured = names_of(meta.article_value("author")) or names_of(meta.article_value("creator"))
    sources = (
        lambda: structured,
        lambda: meta.all("author", "article:author", "dc.creator", "citation_author", "parsely-author",
                         "sailthru.author"),
        lambda: _visible_bylines(tree),  # tree searches run only when structured data has no person
        lambda: _lead_byline(tree),
    )
    fallback: list[str] = []
    for source in sources:
        names = normalise_authors(source(), site_name=site_name)
        people = [n for n in names if not _is_organisation(n, orgs)]
        if people:
            return people
        fallback = fallback or names
    return fallback
