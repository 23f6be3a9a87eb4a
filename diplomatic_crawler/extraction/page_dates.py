"""The publication and modification dates of one page: the cascade of its evidence, read before and
after trafilatura prunes the tree (see docs/dates.md).

`DateFinder` reads the markup (JSON-LD, meta, microdata, `<time>`, date lines, standalone date texts)
outside chrome and teaser cards; `weigh` writes the chosen date in the publisher's zone and checks it
against the URL's (`date_evidence`); the body's datelines and closing lines, and htmldate's markup-only
guess, are the later steps `core.extract_parsed` runs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import chain, islice
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement

from .date_evidence import (
    agree_with_url,
    agree_with_url_month,
    is_utc_instant,
    localise,
    page_offset,
    publisher_zone,
    url_month,
    with_page_offset,
)
from .dates import DateReader, FoundDate
from .document import parse_html
from .metadata import PageMeta, clean_text

__all__ = ["DATE_ELEMENT_XPATH", "DateFinder", "date_line_nodes", "dateline_place", "dates_in", "htmldate_guess",
           "is_date_line", "weigh"]

logger = logging.getLogger(__name__)

WORD = re.compile(r"\w+")

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
_MICROFORMAT_XPATH = (
    ".//*[@title or @datetime][contains(concat(' ', normalize-space(@class), ' '), ' published ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' dt-published ')]"
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


_KEY_CHARS = re.compile(r"[\W_]+")
_HAS_DIGIT = re.compile(r"\d")
_DAY_ARCHIVE = re.compile(r"/(?:[\w-]+/)*(?:19|20)\d\d/\d{1,2}(?:/\d{1,2})?/?")
# Containers whose dates are not the article's: reader comments, widgets, sidebars, related and recent
# posts, footers, recognised by their class or id words as much as by their tag.
CHROME_TAGS = frozenset({"footer", "nav", "aside"})
CHROME_WORDS = frozenset({"comment", "comments", "commentlist", "respond", "replies", "widget", "widgets",
                          "sidebar", "related", "recent", "footer", "teaser", "teasers", "breadcrumb",
                          "breadcrumbs"})
_WORD_PARTS = re.compile(r"[-_]")


def _chrome_words(element: HtmlElement) -> bool:
    """Whether a class or id of the element begins with a chrome word ("comment-meta", "widget_recent")."""
    for attribute in ("class", "id"):
        value = element.get(attribute)
        if value:
            for token in value.lower().split():
                # "wm-ipp": the Wayback Machine's toolbar, with its capture date, on archived copies
                if _WORD_PARTS.split(token, 1)[0] in CHROME_WORDS or token.startswith("wm-ipp"):
                    return True
    return False


def _key(name: str) -> str:
    """A meta name with its separators dropped: "article:published:time" is "article_published_time"."""
    return _KEY_CHARS.sub("", name.lower())


_PUBLISHED_KEYS = tuple(dict.fromkeys(_key(k) for k in PUBLISHED_META))
_MODIFIED_KEYS = tuple(dict.fromkeys(_key(k) for k in MODIFIED_META))


class DateFinder:
    """The publication/modification date cascade, most structured source first."""

    def __init__(self, tree: HtmlElement, meta: PageMeta, reader: DateReader, title: str | None = None,
                 untrusted: frozenset[str] = frozenset()):
        self.tree, self.meta, self.reader, self.title = tree, meta, reader, title
        self.untrusted = untrusted  # raw timestamps the site writes on every page: not a publication date
        self._meta_by_key: dict[str, list[str]] = {}
        for name, values in meta.meta.items():
            self._meta_by_key.setdefault(_key(name), []).extend(values)

    def _structured(self, keys: tuple[str, ...], ld_keys: tuple[str, ...]) -> Iterator[FoundDate]:
        for key in ld_keys:
            value = self.meta.article_value(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str | int | float) and str(item).strip():
                    found = self.reader.structured(str(item), "jsonld")
                    if found:
                        yield found
        for key in keys:
            for value in self._meta_by_key.get(key, ()):
                if value.strip():
                    found = self.reader.structured(value, "meta")
                    if found:
                        yield found

    def candidates(self) -> Iterator[FoundDate]:
        """Every publication date the markup offers, most structured first: structured data, microdata,
        <time> elements, then visible date lines near the headline; none the site writes on every page."""
        for found in self._candidates():
            if found.raw not in self.untrusted:
                yield found

    def trusted(self, found: FoundDate | None) -> FoundDate | None:
        return None if found is None or found.raw in self.untrusted else found

    def _candidates(self) -> Iterator[FoundDate]:
        yield from self._structured(_PUBLISHED_KEYS, ("datePublished", "dateCreated"))
        for node in self.tree.xpath('.//*[@itemprop="datePublished"]'):
            value = node.get("content") or node.get("datetime") or node.text_content()
            found = value and self.reader.structured(value, "microdata")
            if found:
                yield found
        for node in self.tree.iter("time"):
            if self._in_chrome(node) or NOT_PUBLISHED_HINT.search(node.get("class") or "") or self._in_teaser(node):
                continue
            value = node.get("datetime")
            text = clean_text(node.text_content())
            found = value and self.reader.structured(value, "time")
            shown = self.reader.find(text, "time") if text else None
            if found and shown and shown.precision == "day" and _days_apart(found, shown) > 1:
                # The day written for readers ("Publié le 29 juin 2019") against a machine time days
                # away (datetime="2019-07-03T10:18:46Z", the time the CMS last saved it): the reader's day.
                found = shown
            found = found or shown
            if found:
                yield found
        # Microformats: hAtom's <abbr class="published" title="2017-09-09T10:52:00+02:00"> (Blogger, older
        # WordPress themes) and microformats2's class="dt-published" with its datetime or title.
        for node in self.tree.xpath(_MICROFORMAT_XPATH):
            if self._in_chrome(node) or self._in_teaser(node):
                continue
            value = node.get("datetime") or node.get("title")
            found = value and self.reader.structured(value, "microdata")
            if found:
                yield found
        yield from self.visible_lines()

    def from_markup(self) -> FoundDate | None:
        return next(self.candidates(), None)

    def visible_lines(self) -> Iterator[FoundDate]:
        """Dates written on the page near the headline, in elements classed as a date line."""
        for node in islice(date_line_nodes(self.tree), 20):
            if self._in_chrome(node) or self._in_teaser(node):
                continue
            text = clean_text(node.text_content())
            if not text or len(text) > 200 or NOT_PUBLISHED_HINT.search(text[:40]):
                continue
            found = self.reader.find(text, "text")
            if found:
                yield found

    def shown_days(self) -> set[str]:
        """The days the page writes out for readers: <time> texts and date lines."""
        days = set()
        for node in self.tree.iter("time"):
            found = self.reader.find(clean_text(node.text_content()), "time")
            if found:
                days.add(found.value[:10])
        days.update(found.value[:10] for found in self.visible_lines())
        return days

    def standalone_line(self) -> FoundDate | None:
        """The first text of the page that is a date and nothing else ("06.05.2018", "Apr 7, 2009"),
        outside chrome, when no element is classed as its date line."""
        for node in self.tree.iter(etree.Element):
            if node.tag in ("script", "style", "noscript", "option", "title"):
                continue
            for text, is_tail in ((node.text, False), (node.tail, True)):
                if not text or len(text) > 300 or not _HAS_DIGIT.search(text):
                    continue
                line = " ".join(text.split())
                if not line or len(line) > 60 or not is_date_line(line, self.reader):
                    continue
                label = node.text if is_tail else None  # "Aktualisiert:" in the element a tail follows
                if NOT_PUBLISHED_HINT.search(line) or (label and NOT_PUBLISHED_HINT.search(label)):
                    continue
                owner = node.getparent() if is_tail else node
                if owner is None or self._in_chrome(owner) or owner.tag in CHROME_TAGS or self._in_teaser(owner):
                    continue
                found = self.reader.find(line, "text")
                if found:
                    return found
        return None

    def headline_lead(self) -> FoundDate | None:
        """A dateline in the first paragraphs after the headline, read from the markup: the lead a CMS
        keeps in a teaser box that the body text leaves out ("Pressemitteilung vom 25. Januar 2022 |
        Berlin – ...")."""
        heading = next((h for h in self.tree.iter("h1") if not self._in_chrome(h)), None)
        if heading is None:
            return None
        for node in heading.xpath("following::p[position() <= 3]"):
            if self._in_chrome(node) or self._in_teaser(node):
                continue
            text = clean_text(node.text_content())[:200]
            found = text and self.reader.find(text, "text")
            if found and _opens_with_date(text, found.raw, self.reader) and not _updated_label(text, found):
                return found
        return None

    def from_body(self, top: list[str], closing: list[str]) -> FoundDate | None:
        """A date line of the body: a dateline at its top ("Baku, 7 December 2021 (TDI): ...", a date
        line above the first paragraph) or the "City, date" line a statement ends with."""
        for paragraph in top[:4]:
            found = self.reader.find(paragraph[:200], "text")
            if found and _opens_with_date(paragraph, found.raw, self.reader) and not _updated_label(paragraph, found):
                return found
        for paragraph in reversed(closing[-3:]):
            if is_date_line(paragraph, self.reader):
                found = self.reader.find(paragraph, "text")
                if found:
                    return found
        return None

    def modified(self) -> FoundDate | None:
        return next(self._structured(_MODIFIED_KEYS, ("dateModified",)), None)

    def timestamps(self) -> Iterator[FoundDate]:
        """The page's machine-written timestamps, published or modified (for its UTC offset)."""
        yield from self._structured(_PUBLISHED_KEYS + _MODIFIED_KEYS, ("datePublished", "dateCreated",
                                                                       "dateModified"))
        for node in self.tree.iter("time"):
            value = node.get("datetime")
            found = value and self.reader.structured(value, "time")
            if found:
                yield found

    def _in_teaser(self, node: HtmlElement) -> bool:
        """Inside a link to another page (a teaser card's date), or a heading that is not the page's own
        (a related article's title line). A permalink to the page itself or to a day archive
        (/2021/12/07/) is the article's own date line."""
        for anc in node.iterancestors():
            if anc.tag == "a":
                href = anc.get("href")
                if href and not self._links_here(href):
                    return True
            elif anc.tag in ("h2", "h3", "h4") and self.title:
                if WORD.findall(anc.text_content().casefold()) != WORD.findall(self.title.casefold()):
                    return True
            elif anc.tag in ("article", "main", "body"):
                return False
        return False

    def _links_here(self, href: str) -> bool:
        target = urlsplit(urljoin(self.meta.url, href.strip()))
        if _DAY_ARCHIVE.fullmatch(target.path or ""):
            return True
        if not target.path.strip("/") and not target.query:  # "#", "/", the home page: not another article
            return not target.netloc or target.netloc == urlsplit(self.meta.url).netloc
        for own in (self.meta.url, self.meta.canonical_url):
            if own:
                mine = urlsplit(own)
                if (mine.path.rstrip("/"), mine.query) == (target.path.rstrip("/"), target.query):
                    return True
        return False

    def _in_chrome(self, node: HtmlElement) -> bool:
        """Inside a footer, nav, aside, the site's header, or a container named as comments, widgets,
        sidebars or related posts (one that holds the headline is a layout wrapper, not chrome)."""
        for anc in node.iterancestors():
            if anc.tag in ("body", "html"):
                return False
            if _is_chrome(anc, self.title):
                return True
        return False


def _is_chrome(element: HtmlElement, title: str | None) -> bool:
    if element.tag in CHROME_TAGS:
        return True
    if element.tag == "header":
        return _is_page_header(element, title)
    return _chrome_words(element) and not _holds_headline(element, title) and not _holds_prose(element)


def _days_apart(a: FoundDate, b: FoundDate) -> int:
    try:
        return abs((datetime.fromisoformat(a.value[:10]) - datetime.fromisoformat(b.value[:10])).days)
    except ValueError:
        return 0


def _holds_prose(element: HtmlElement) -> bool:
    """Most of the page's paragraph text is inside: a layout wrapper named for the sidebar it sits beside
    ("mainwrap single-default sidebar", "sidebar_content"), not a sidebar. Asked only of elements with a
    chrome word in their class or id, so the page's paragraphs are counted on those pages alone."""
    inside = sum(len(p.text_content()) for p in element.iter("p"))
    if inside < 500:
        return False
    root = element.getroottree().getroot()
    return inside * 2 > sum(len(p.text_content()) for p in root.iter("p"))


def _is_page_header(header: HtmlElement, title: str | None) -> bool:
    """The site's header (logo, menu, today's date), not an article's: outside <article>/<main> and
    without the page's headline."""
    if any(anc.tag in ("article", "main") for anc in header.iterancestors()):
        return False
    return not _holds_headline(header, title)


# A headline styled as one without a heading tag (`<p class="h1">`, `itemprop="headline"`).
_STYLED_HEADLINES = etree.XPath(
    './/*[contains(concat(" ", normalize-space(@class), " "), " h1 ") or @itemprop="headline"]'
)


def _holds_headline(element: HtmlElement, title: str | None) -> bool:
    """An <h1>, or a heading that reads as the page's title (Blogger's posts are <h3>s in a "widget"; a
    `<p class="h1">` in a box named "sidebar")."""
    if next(element.iter("h1"), None) is not None:
        return True
    if not title:
        return False
    words = WORD.findall(title.casefold())
    return any(_reads_as_title(WORD.findall(heading.text_content().casefold()), words)
               for heading in chain(element.iter("h2", "h3"), _STYLED_HEADLINES(element)))


def _reads_as_title(heading: list[str], title: list[str]) -> bool:
    """The heading is the title, or the title's start where the title keeps a site name after it ("Fall in
    love with black – LDT – Blog"): at least three words and half the title."""
    if heading == title:
        return True
    return len(heading) >= 3 and 2 * len(heading) >= len(title) and title[: len(heading)] == heading


def weigh(published: FoundDate, dates: DateFinder, reader: DateReader, url: str,
           url_date: FoundDate | None, modified: FoundDate | None) -> FoundDate:
    """The chosen date written in the publisher's zone, then checked against the URL's date."""
    stamps = list(dates.timestamps())
    # The page's own offset stands in for a zone only where the seed names none.
    offset = page_offset(stamps) if reader.zone is UTC else None
    published = with_page_offset(published, offset)
    if is_utc_instant(published):
        local = localise(published, publisher_zone(published, reader.zone, stamps, url))
        # A day the page shows in words outranks the zone: many CMSs write local time marked "+00:00".
        if local.value[:10] == published.value[:10] or published.value[:10] not in dates.shown_days():
            published = local

    def alternatives() -> Iterator[FoundDate]:
        for found in dates.candidates():
            if modified is None or found.value != modified.value:
                yield localise(found, publisher_zone(found, reader.zone, stamps, url)) \
                    if is_utc_instant(found) else found

    if url_date is None:
        return agree_with_url_month(published, url_month(url), alternatives)
    return agree_with_url(published, url_date, alternatives)


def dates_in(decoded: str, meta: PageMeta, reader: DateReader, title: str | None) -> FoundDate | None:
    """The markup's date lines read again with another reader (a fresh tree: extraction consumed the first)."""
    dates = DateFinder(parse_html(decoded)[1], meta, reader, title)
    return dates.from_markup() or dates.standalone_line()


def htmldate_guess(html: str, reader: DateReader, fetched_at: datetime | None, title: str | None) -> FoundDate | None:
    """Last resort: htmldate's markup-only search (no extensive guessing from stray numbers), on the page
    without its chrome (htmldate would read a comment's or a widget's date as the article's)."""
    try:
        tree = parse_html(html)[1]
        for node in [node for node in tree.iter(etree.Element) if _is_chrome(node, title)]:
            if node.getparent() is not None:
                node.drop_tree()
        value = find_date(tree, extensive_search=False, original_date=True, outputformat="%Y-%m-%d",
                          max_date=fetched_at.strftime("%Y-%m-%d") if fetched_at else None)
    except Exception as exc:
        logger.debug("htmldate failed: %s", exc)
        return None
    return reader.structured(value, "htmldate") if value else None


def dateline_place(paragraphs: list[str], reader: DateReader) -> str | None:
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


# What may follow the date of a dateline: the end, a dash, colon or bracket, a time, or ", Place –".
_AFTER_DATELINE = re.compile(
    r"^(?:\s*(?:Uhr|h|hrs?|[A-Z]{2,4})\b)?\s*"
    r"(?:$|[—–\-:|(/•·)]|\.(?:\s|$)|,?\s*\d{1,2}[:.h]\d{2}|,\s*[^\W\d_][\w .'’-]{0,30}?\s*[—–\-:(])")


def _updated_label(text: str, found: FoundDate) -> bool:
    """The words before the date say it is an update ("Aktualisiert am 25. Januar 2022 – ...")."""
    index = text.find(found.raw)
    return index > 0 and bool(NOT_PUBLISHED_HINT.search(text[:index]))


def _opens_with_date(paragraph: str, raw: str, reader: DateReader) -> bool:
    """A paragraph that opens with its date, as datelines do ("Baku, 7 December 2021 (TDI): ...",
    "7 December 2021 – The Minister ..."), not prose that mentions one ("... was released on 5 May")."""
    if is_date_line(paragraph, reader):
        return True
    index = paragraph.find(raw)
    if index < 0 or index > 60 or len(WORD.findall(paragraph[:index])) > 5:
        return False
    return bool(_AFTER_DATELINE.match(paragraph[index + len(raw):]))


def is_date_line(line: str, reader: DateReader) -> bool:
    """A short line that is mostly a date ("Publié le 7 décembre 2021", "06 December 2021, 18:30")."""
    if len(line) > 80 or len(WORD.findall(line)) > 10:
        return False
    if NUMERIC_DATE_LINE.match(line):  # "01.12.2021" is a date line even when its order is ambiguous
        return True
    found = reader.find(line, "text")
    return bool(found) and len(found.raw) >= 0.4 * len(line.strip())
