"""`extract_article`: one page in, one clean `Article` out. Pure: no network, no global state."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from importlib.metadata import version as _version
from itertools import islice

import trafilatura
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement

from .. import __version__
from .article import Article
from .authors import find_authors, normalise_authors
from .body import body_paragraphs, remove_chrome, run_trafilatura, trim_edges, unwrap_layout_tables
from .dates import DateReader, FoundDate
from .document import parse_html
from .errors import ExtractionError
from .hints import SiteHints
from .metadata import PageMeta, clean_text, first_value, read_meta
from .selectors import apply_remove, select_text, select_texts
from .title import choose_title, strip_site_name

__all__ = ["EXTRACTOR_VERSION", "ExtractionError", "extract_article"]

logger = logging.getLogger(__name__)

# Provenance of every row: this project's, trafilatura's and dateparser's versions (dates depend on it).
EXTRACTOR_VERSION = (
    f"diplomatic-crawler/{__version__} trafilatura/{trafilatura.__version__} dateparser/{_version('dateparser')}"
)
WORD = re.compile(r"\w+")
LANG = re.compile(r"^([a-zA-Z]{2})(?:[-_].*)?$")  # ISO 639-1; a 3-letter code falls through to the next source

PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datepublished", "published_time", "pubdate",
    "publishdate", "publish-date", "publish_date", "article.published", "sailthru.date", "parsely-pub-date",
    "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created", "dc.date.created",
    "citation_publication_date", "citation_date", "date", "article_date_original", "original-publish-date",
    "cxenseparse:recs:publishtime",
)
MODIFIED_META = (
    "article:modified_time", "og:updated_time", "datemodified", "modified_time", "dc.date.modified",
    "dcterms.modified", "last-modified", "lastmod",
)
# Visible date elements near the headline: class names CMS templates use for the date line.
# `[@class or @id]` first: every later test reads one of the two, and most elements have neither (the
# expression costs a third of what it did with the tag tests first).
DATE_ELEMENT_XPATH = (
    ".//*[@class or @id][self::time or self::span or self::div or self::p or self::li or self::small][not(*[5])]"
    "[contains(@class, 'date') or contains(@class, 'time') or contains(@class, 'posted')"
    " or contains(@class, 'published') or contains(@class, 'meta') or contains(@class, 'dateline')"
    " or contains(@id, 'date')]"
)
_DATE_TAGS = ("time", "span", "div", "p", "li", "small")
_DATE_CLASSES = ("date", "time", "posted", "published", "meta", "dateline")


def date_line_nodes(tree: HtmlElement) -> Iterator[HtmlElement]:
    """The elements DATE_ELEMENT_XPATH selects, in document order, from one walk over the six tags (the
    XPath tests every element of the page in libxml2: about three times the cost)."""
    for el in tree.iterdescendants(*_DATE_TAGS):
        cls, ident = el.get("class"), el.get("id")
        if not ((cls is not None and any(c in cls for c in _DATE_CLASSES)) or (ident is not None and "date" in ident)):
            continue
        if len(el) >= 5 and sum(1 for _ in islice(el.iterchildren(etree.Element), 5)) >= 5:  # `not(*[5])`
            continue
        yield el


NUMERIC_DATE_LINE = re.compile(r"^\s*\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
NOT_PUBLISHED_HINT = re.compile(r"updated|modified|изменен|обновлен|mis à jour|actualizado|aktualisiert", re.I)
DATELINE = re.compile(
    r"^\s*(?P<place>[^\W\d_][^\W\d_'’.-]*(?:[ '’.-]{1,2}[^\W\d_][^\W\d_'’.-]*){0,3})\s*(?:,|\(|–|—|-)\s*"
)


def _language(meta: PageMeta, hints: SiteHints) -> str | None:
    for value in (
        first_value(meta.article_value("inLanguage")),
        meta.html_lang,
        meta.get("og:locale"),
        meta.get("content-language", "language", "dc.language"),
        hints.language,
    ):
        if isinstance(value, dict):
            value = value.get("alternateName") or value.get("name")
        if isinstance(value, str):
            match = LANG.match(value.strip())
            if match:
                return match.group(1).lower()
    return None


def _tags(meta: PageMeta) -> list[str]:
    raw = meta.all("article:tag")
    keywords = meta.article_value("keywords")
    if not raw and keywords:
        raw = keywords if isinstance(keywords, list) else str(keywords).split(",")
    if not raw:
        raw = ",".join(meta.all("keywords", "news_keywords")).split(",")
    tags: list[str] = []
    for tag in raw:
        tag = clean_text(tag)
        if tag and len(tag) <= 80 and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    return tags[:30]


def _image(meta: PageMeta) -> str | None:
    from .metadata import clean_url

    image = first_value(meta.article_value("image"))
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl")
    return clean_url(meta.get("og:image", "twitter:image") or (image if isinstance(image, str) else None), meta.url)


class _DateFinder:
    """The publication/modification date cascade, most structured source first."""

    def __init__(self, tree: HtmlElement, meta: PageMeta, reader: DateReader):
        self.tree, self.meta, self.reader = tree, meta, reader

    def _structured(self, keys: tuple[str, ...], ld_keys: tuple[str, ...]) -> FoundDate | None:
        for key in ld_keys:
            value = first_value(self.meta.article_value(key))
            if isinstance(value, str | int | float) and str(value).strip():
                found = self.reader.structured(str(value), "jsonld")
                if found:
                    return found
        for key in keys:
            for value in self.meta.meta.get(key, ()):
                if value.strip():
                    found = self.reader.structured(value, "meta")
                    if found:
                        return found
        return None

    def from_markup(self) -> FoundDate | None:
        """Structured data, microdata, <time> elements, then a visible date line near the headline."""
        found = self._structured(PUBLISHED_META, ("datePublished", "dateCreated"))
        if found:
            return found
        for node in self.tree.xpath('.//*[@itemprop="datePublished"]'):
            value = node.get("content") or node.get("datetime") or node.text_content()
            found = value and self.reader.structured(value, "microdata")
            if found:
                return found
        for node in self.tree.iter("time"):
            if self._in_chrome(node) or NOT_PUBLISHED_HINT.search(node.get("class") or ""):
                continue
            value = node.get("datetime")
            found = (value and self.reader.structured(value, "time")) or self.reader.find(
                clean_text(node.text_content()), "time")
            if found:
                return found
        return self.visible_line()

    def visible_line(self) -> FoundDate | None:
        """A date written on the page near the headline, in an element classed as a date line."""
        for node in islice(date_line_nodes(self.tree), 20):
            if self._in_chrome(node):
                continue
            text = clean_text(node.text_content())
            if not text or len(text) > 200 or NOT_PUBLISHED_HINT.search(text[:40]):
                continue
            found = self.reader.find(text, "text")
            if found:
                return found
        return None

    def from_body(self, paragraphs: list[str]) -> FoundDate | None:
        """The dateline of the body ("Baku, 7 December 2021 (TDI): ...")."""
        for paragraph in paragraphs[:3]:
            found = self.reader.find(paragraph[:200], "text")
            if found:
                return found
        return None

    def modified(self) -> FoundDate | None:
        return self._structured(MODIFIED_META, ("dateModified",))

    @staticmethod
    def _in_chrome(node: HtmlElement) -> bool:
        return any(anc.tag in ("footer", "nav", "aside") for anc in node.iterancestors())


def _htmldate(html: str, reader: DateReader, fetched_at: datetime | None) -> FoundDate | None:
    """Last resort: htmldate's markup-only search (no extensive guessing from stray numbers)."""
    try:
        value = find_date(html, extensive_search=False, original_date=True, outputformat="%Y-%m-%d",
                          max_date=fetched_at.strftime("%Y-%m-%d") if fetched_at else None)
    except Exception as exc:
        logger.debug("htmldate failed: %s", exc)
        return None
    return reader.structured(value, "htmldate") if value else None


def _dateline(paragraphs: list[str], reader: DateReader) -> str | None:
    if not paragraphs:
        return None
    first = paragraphs[0]
    match = DATELINE.match(first)
    if not match:
        return None
    rest = first[match.end(): match.end() + 80]
    agency = re.match(r"^\s*\(?[A-Z][\w .]{1,20}\)\s*[:—–-]", rest)
    if agency or (reader.find(rest[:60], "text") and re.match(r"^\s*\w", rest)):
        place = match.group("place").strip()
        if len(place) <= 40:
            return place.title() if place.isupper() else place
    return None


def _is_date_line(line: str, reader: DateReader) -> bool:
    """A short line that is mostly a date ("Publié le 7 décembre 2021", "06 December 2021, 18:30")."""
    if len(line) > 80 or len(WORD.findall(line)) > 10:
        return False
    if NUMERIC_DATE_LINE.match(line):  # "01.12.2021" is a date line even when its order is ambiguous
        return True
    found = reader.find(line, "text")
    return bool(found) and len(found.raw) >= 0.4 * len(line.strip())


def _hash(text: str) -> str:
    normalised = " ".join(unicodedata.normalize("NFKC", text).split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def extract_article(
    html: str | bytes,
    url: str,
    *,
    seed: object | None = None,
    fetched_at: datetime | None = None,
) -> Article:
    """Extract one article page into a clean, dated record.

    `seed` carries per-site hints (a `Seed`, a mapping or `SiteHints`); `fetched_at` anchors relative
    dates ("2 hours ago") and bounds future dates. Raises `ExtractionError` for input that is not HTML.
    """
    decoded, tree = parse_html(html)
    return extract_parsed(decoded, tree, url, seed=seed, fetched_at=fetched_at)


def extract_parsed(
    decoded: str,
    tree: HtmlElement,
    url: str,
    *,
    seed: object | None = None,
    fetched_at: datetime | None = None,
) -> Article:
    """`extract_article` on a page already parsed by `parse_html` (the crawl's workers parse each page
    once for its links and classification, then extract from the same tree). Consumes `tree`: the
    extraction prunes it, so read what else you need from it first."""
    hints = SiteHints.from_seed(seed)
    meta = read_meta(tree, url)
    reader = DateReader(hints, fetched_at)

    title = select_text(tree, hints.selectors.get("title")) or choose_title(tree, meta)
    if title:
        title = strip_site_name(title, meta) if hints.selectors.get("title") else title
    author_override = select_texts(tree, hints.selectors.get("authors"))
    authors = normalise_authors(author_override, site_name=meta.site_name) if author_override \
        else find_authors(tree, meta)

    dates = _DateFinder(tree, meta, reader)
    date_override = select_text(tree, hints.selectors.get("date"))
    modified = dates.modified()
    # Dates that live in the markup are read before trafilatura prunes the tree.
    published = (date_override and reader.find(date_override, "selector")) or dates.from_markup()

    body_override = select_texts(tree, hints.selectors.get("body"))

    def prepared(page: HtmlElement) -> HtmlElement:
        apply_remove(page, hints.selectors.get("remove"))
        remove_chrome(page)
        unwrap_layout_tables(page)
        return page

    raw_text = "\n".join(body_override) if body_override else run_trafilatura(
        prepared(tree), url, lambda: prepared(parse_html(decoded)[1]))
    paragraphs = trim_edges(body_paragraphs(raw_text), title=title, authors=authors,
                            is_date_line=lambda line: _is_date_line(line, reader))
    published = published or dates.from_body(paragraphs) or reader.from_url(url)
    if published is None:
        guess = _htmldate(decoded, reader, fetched_at)
        # htmldate falls back to "last modified" evidence; a modification date is never a publication date.
        if guess and not (modified and modified.value[:10] == guess.value[:10]):
            published = guess
    text = "\n\n".join(paragraphs)

    return Article(
        url=url,
        canonical_url=meta.canonical_url,
        site_name=meta.site_name,
        title=title or None,
        authors=authors,
        published=published.value if published else None,
        published_raw=published.raw if published else None,
        published_source=published.source if published else None,
        published_precision=published.precision if published else None,
        timezone_assumed=published.timezone_assumed if published else None,
        modified=modified.value if modified else None,
        modified_raw=modified.raw if modified else None,
        modified_source=modified.source if modified else None,
        modified_precision=modified.precision if modified else None,
        language=_language(meta, hints),
        description=meta.get("description", "og:description", "twitter:description"),
        section=meta.get("article:section") or (clean_text(first_value(meta.article_value("articleSection")))
                                                 or None),
        tags=_tags(meta),
        image=_image(meta),
        dateline=_dateline(paragraphs, reader),
        text=text,
        word_count=len(WORD.findall(text)),
        content_hash=_hash(text) if text else None,
        extractor_version=EXTRACTOR_VERSION,
    )
