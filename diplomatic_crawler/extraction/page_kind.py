"""Hub pages: tell an article from a page that presents other pages.

A home page, section front, country or topic dossier, tag, author or search page often passes for an
article: it has a title, paragraphs (an introduction, the teasers' summaries) and a low link density
overall, and a seed's `article_pattern` may match its URL. What gives it away is its shape, which is the
same in every language and CMS:

* **teaser cards** in its content: three or more sibling blocks of one template (same tag and classes),
  each a link to another page with its headline (a heading, or a link of several words) and little else;
* **no text of its own** beyond them: the extracted text, less the lines that repeat the cards, is an
  introduction at most;
* **no date or byline of its own**: the date and authors the extractor found are the first teaser's, or
  none (a declared date, in JSON-LD or meta tags, is the page's own);
* a **listing template**: the CMS's class on `<body>` (WordPress `archive`/`category`/`tag`/`author`/
  `search`/`home`/`blog`, Drupal `path-frontpage`/`path-taxonomy`/`page-views`, Joomla `view-category`),
  a declared collection type (schema.org `CollectionPage`, `SearchResultsPage`, `ProfilePage`), or,
  across the site, a card template the site's own listing pages use (`site_templates`, kept by the spider).

`hub_evidence(tree, url)` reads the tree (before the extractor prunes it); `hub_reason(evidence, article)`
weighs it against what the extractor found and gives why the page is a hub, or None for an article.
Pure: no I/O, no state; the crawl calls both in `workers.analyse_page`, the bench in `bench/hub_pages.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from ..discovery import ARTICLE_TYPES, schema_types
from .article import Article

__all__ = ["HubEvidence", "hub_evidence", "hub_reason"]

# Subtrees that are never a page's content.
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "select", "svg", "iframe"}
)
# Class or id words of boxes beside the content (an article's "related" teasers are not its shape).
_CHROME = re.compile(
    r"(?:^|[-_\s])(?:menu|nav|navbar|navigation|breadcrumbs?|footer|header|masthead|sidebar|side-bar|widgets?"
    r"|cookies?|share|sharing|social|related|recommend\w*|popular|most-?read|trending|comments?|newsletter"
    r"|promo|advert\w*|banner|ticker|carousel|slider|teaser-bar|see-also|read-also|more-stories|outbrain|taboola)"
    r"(?:$|[-_\s])",
    re.IGNORECASE,
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_VOLATILE_CLASS = re.compile(r"^(?:active|current|first|last|odd|even|clearfix|is-\w+|has-\w+)$|\d", re.IGNORECASE)
_MAX_CARD_CHARS = 1500  # a teaser: headline, date, summary; more is an article's section
_MAX_CARD_TARGETS = 3  # headline, image and "read more" links all go to one page (a category link may be a second)
_MAX_KEPT_CARDS = 400  # texts kept to tell the page's own text, date and byline from the cards'

# `<body class>` words CMSs give their listing templates, and their article templates.
_LISTING_BODY = frozenset(
    {
        "home", "blog", "archive", "category", "tag", "author", "search", "search-results", "paged",
        "post-type-archive", "front", "path-frontpage", "path-taxonomy", "page-taxonomy-term", "page-views",
        "view-category", "view-categories", "view-featured", "view-tag", "layout-blog", "term-page",
    }
)  # fmt: skip
_ARTICLE_BODY = re.compile(
    r"^(?:single|single-post|single-format-\w+|postid-\d+|view-article|node-type-(?:article|news|press\w*|story|blog\w*"
    r"|statement|post)|page-node-type-(?:article|news|press\w*|story|blog\w*|statement|post))$"
)
COLLECTION_TYPES = frozenset({"collectionpage", "searchresultspage", "profilepage"})
_PAGE_DATE_SOURCES = frozenset({"jsonld", "meta", "url"})  # microdata and <time> may be a card's
_GUESSED_DATE_SOURCES = frozenset({"htmldate"})  # a date found anywhere in the page: nobody's own
_OWN_TEXT_OF_A_HUB = 1500  # at most an introduction (characters)


@dataclass(frozen=True)
class HubEvidence:
    """What the page's markup says of its shape (see the module's docstring)."""

    cards: int = 0  # teaser cards in the content
    card_chars: int = 0  # their text
    card_text: str = ""  # their texts, whitespace-normalised, one a line (at most _MAX_KEPT_CARDS)
    templates: frozenset[str] = field(default_factory=frozenset)  # "parent-tag.class > card-tag.class"
    link_density: float = 0.0  # link text / all text of the content
    body_template: str | None = None  # "listing" or "article" from the CMS's <body> classes
    declared: str | None = None  # "article" or "collection" from JSON-LD / microdata / og:type

    def covers(self, text: str) -> bool:
        """True when `text` (a line of the extracted text, a date, a name) is part of a card's text."""
        norm = _norm(text)
        return bool(norm) and norm in self.card_text


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def _classes(el: HtmlElement) -> str:
    words = sorted({w for w in (el.get("class") or "").split() if not _VOLATILE_CLASS.search(w)})
    return ".".join(words)


def _is_chrome(el: HtmlElement) -> bool:
    label = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('role') or ''}"
    return bool(label.strip()) and bool(_CHROME.search(label))


def _target(href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    return href.split("#", 1)[0]


def _card(el: HtmlElement, site: str | None) -> str | None:
    """The card's normalised text when `el` is a teaser card: a headline link to another page of the
    site (inside a heading, around one, a link of several words that is a good part of the card's text,
    or the whole card), a few targets at most, and the text of a teaser. A paragraph with a link in it, a
    listicle's entry linking elsewhere or a body section with a subheading is no card."""
    if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
        return None
    text = _SPACE.sub(" ", el.text_content()).strip()
    if not 12 <= len(text) <= _MAX_CARD_CHARS:
        return None
    anchors = [el] if el.tag == "a" else list(el.iter("a"))
    targets = {t for a in anchors if (t := _target(a.get("href")))}
    if not targets or len(targets) > _MAX_CARD_TARGETS:
        return None
    for a in anchors:
        if _target(a.get("href")) is None or not _same_site(a.get("href") or "", site):
            continue
        if a is el or _in_heading(a) or (_headline_link(a) and len(a.text_content().strip()) >= 0.25 * len(text)):
            return text
    return None


def _same_site(href: str, site: str | None) -> bool:
    """A relative link, or one to the page's host or a host of the same domain (www., a language host)."""
    host = urlsplit(href.strip()).hostname if "//" in href[:8] or href.startswith("//") else None
    if host is None or site is None:
        return True
    host = host.removeprefix("www.")
    return host == site or host.endswith("." + site) or site.endswith("." + host)


def _headline_link(a: HtmlElement) -> bool:
    """A link of three words or more (or a dozen characters of a script without spaces)."""
    text = _SPACE.sub(" ", a.text_content()).strip()
    words = _WORD.findall(text)
    return len(words) >= 3 or (len(words) >= 1 and len(text) >= 12 and not text.isascii())


def _in_heading(a: HtmlElement) -> bool:
    """A link inside a heading, or a heading inside the link: a headline."""
    if _SPACE.sub(" ", a.text_content()).strip() == "":
        return False
    if next(a.iter(*_HEADINGS), None) is not None:
        return True
    parent = a.getparent()
    for _ in range(3):
        if parent is None:
            return False
        if parent.tag in _HEADINGS:
            return True
        parent = parent.getparent()
    return False


def _body_template(tree: HtmlElement) -> str | None:
    body = tree.find("body") if tree.tag != "body" else tree
    words = set((body.get("class") or "").lower().split()) if body is not None else set()
    if any(_ARTICLE_BODY.match(w) for w in words):
        return "article"
    return "listing" if words & _LISTING_BODY else None


def _declared(tree: HtmlElement) -> str | None:
    types = schema_types(tree)
    og = next((m.get("content") for m in tree.iter("meta") if m.get("property") == "og:type"), None)
    if types & ARTICLE_TYPES or (og or "").strip().lower() == "article":
        return "article"
    return "collection" if types & COLLECTION_TYPES else None


def _machine_dates(card: HtmlElement) -> list[str]:
    """The dates a card gives machines (`<time datetime>`, microdata `content`): the extractor may have
    read one of them as the page's date."""
    out = []
    for el in card.iter():
        if not isinstance(el.tag, str):
            continue
        value = el.get("datetime")
        if value is None and "date" in (el.get("itemprop") or "").lower():
            value = el.get("content")
        if value:
            out.append(value.strip())
    return out


def hub_evidence(tree: HtmlElement | None, url: str = "") -> HubEvidence:
    """Read the page's shape: teaser cards in its content (outside navigation, headers, footers, asides
    and boxes named like sidebars or related links), the content's link density, the CMS template and the
    declared type. A card's headline links to the site of `url` (any site when it is empty). Reads the tree
    without changing it."""
    if tree is None:
        return HubEvidence()
    host = urlsplit(url).hostname if url else None
    site = host.removeprefix("www.") if host else None
    body = tree.find("body")
    scope = body if body is not None else tree
    cards = 0
    card_chars = 0
    kept: list[str] = []
    templates: set[str] = set()
    text_chars = link_chars = 0
    stack: list[tuple[HtmlElement, bool]] = [(scope, False)]
    while stack:
        el, in_link = stack.pop()
        in_link = in_link or el.tag == "a"
        own = len((el.text or "").strip())
        text_chars += own
        link_chars += own if in_link else 0
        groups: dict[tuple[str, str], list[HtmlElement]] = {}
        for child in el:
            if not isinstance(child.tag, str):
                continue
            tail = len((child.tail or "").strip())
            text_chars += tail
            link_chars += tail if in_link else 0
            if child.tag in _SKIP_TAGS or _is_chrome(child):
                continue
            groups.setdefault((child.tag, _classes(child)), []).append(child)
        found: set[int] = set()
        for (tag, cls), members in groups.items():
            if len(members) < 3:
                continue
            texts = [(m, t) for m in members if (t := _card(m, site)) is not None]
            if len(texts) < 3 or len(texts) * 2 < len(members):
                continue
            cards += len(texts)
            templates.add(f"{el.tag}.{_classes(el)} > {tag}.{cls}")
            for member, text in texts:
                found.add(id(member))
                card_chars += len(text)
                if len(kept) < _MAX_KEPT_CARDS:
                    kept.append(" ".join([text, *_machine_dates(member)]).casefold())
                for a in member.iter("a"):  # a card's text counts once, as links
                    n = len(_SPACE.sub(" ", a.text_content()).strip())
                    link_chars += n
                n = len(text)
                text_chars += n
        for child in reversed(el):
            wanted = isinstance(child.tag, str) and id(child) not in found and child.tag not in _SKIP_TAGS
            if wanted and not _is_chrome(child):
                stack.append((child, in_link))
    return HubEvidence(
        cards=cards,
        card_chars=card_chars,
        card_text="\n".join(kept),
        templates=frozenset(templates),
        link_density=min(1.0, link_chars / text_chars) if text_chars else 0.0,
        body_template=_body_template(tree),
        declared=_declared(tree),
    )


def own_text_chars(article: Article, evidence: HubEvidence) -> int:
    """Characters of the extracted text that are not a card's: lines the teasers do not repeat."""
    total = 0
    for line in article.text.splitlines():
        norm = _norm(line)
        if norm and not (evidence.cards and norm in evidence.card_text):
            total += len(norm)
    return total


def _own_date(article: Article, evidence: HubEvidence) -> bool:
    if not article.published or article.published_source in _GUESSED_DATE_SOURCES:
        return False
    if article.published_source in _PAGE_DATE_SOURCES:
        return True  # the page's metadata (a teaser list may still name the same minute)
    return not (article.published_raw and evidence.covers(article.published_raw))


def _own_byline(article: Article, evidence: HubEvidence) -> bool:
    site = _norm(article.site_name or "")
    return any(_norm(name) != site and not evidence.covers(name) for name in article.authors)


def hub_reason(evidence: HubEvidence, article: Article | None, *, site_templates: Iterable[str] = ()) -> str | None:
    """Why the page is a hub and not an article (None for an article). `article` is what the extractor
    made of the page (None when it gave nothing); `site_templates` are the card templates of the site's
    listing pages seen so far."""
    if evidence.declared == "collection" and evidence.body_template != "article":
        return "declared a collection page"
    if evidence.cards < 3:
        return None
    own = own_text_chars(article, evidence) if article is not None else 0
    dated = article is not None and _own_date(article, evidence)
    signed = article is not None and _own_byline(article, evidence)
    teasers = f"{evidence.cards} teaser cards"
    if evidence.body_template == "article":
        return None  # the CMS's article template
    if evidence.body_template == "listing" and own < _OWN_TEXT_OF_A_HUB:
        return f"{teasers} in the site's listing template"
    if evidence.declared == "article" and dated:
        return None  # a declared article with a date of its own
    if own < 200 or (own < 400 and not dated):
        return f"{teasers} and no text of its own ({own} characters)"
    if not dated and not signed and own < min(evidence.card_chars, _OWN_TEXT_OF_A_HUB):
        return f"{teasers} outweigh its text ({own} < {evidence.card_chars} characters), no date or byline of its own"
    shared = evidence.templates & set(site_templates)
    if shared and not dated and own < min(2 * evidence.card_chars, _OWN_TEXT_OF_A_HUB):
        return f"{teasers} of the template the site's listings use ({min(shared)}), no date of its own"
    return None
