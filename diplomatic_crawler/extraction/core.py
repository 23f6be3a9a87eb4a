"""`extract_article`: one page in, one clean `Article` out. Pure: no network, no global state."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from datetime import datetime
from importlib.metadata import version as _version

import trafilatura
from lxml.html import HtmlElement

from .. import __version__
from ..compat import install_speedups
from .article import Article
from .authors import find_authors, normalise_authors
from .body import (
    SHORT_BODY_CHARS,
    body_paragraphs,
    drop_empty_keeping_tails,
    join_split_body,
    joiners_to_keep,
    protect_joiners,
    remove_chrome,
    restore_joiners,
    run_trafilatura,
    structured_body,
    trim_edges,
    unwrap_layout_tables,
)
from .dates import DateReader
from .document import parse_html
from .errors import ExtractionError
from .hints import SiteHints
from .language_id import text_language
from .metadata import PageMeta, clean_text, first_value, read_meta
from .page_dates import DateFinder, dateline_place, dates_in, htmldate_guess, is_date_line, weigh
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

def _language_tag(meta: PageMeta, hints: SiteHints) -> tuple[str | None, str | None]:
    """The page's language tag as written ("en-GB", "de_CH") and where it was declared, from the first
    source with an ISO 639-1 one."""
    for value, source in (
        (first_value(meta.article_value("inLanguage")), "jsonld"),
        (meta.html_lang, "html"),
        (meta.get("og:locale"), "og"),
        (meta.get("content-language", "language", "dc.language"), "meta"),
        (hints.language, "seed"),
    ):
        if isinstance(value, dict):
            value = value.get("alternateName") or value.get("name")
        if isinstance(value, str) and LANG.match(value.strip()):
            return value.strip(), source
    return None, None


def _language(tag: str | None) -> str | None:
    match = LANG.match(tag) if tag else None
    return match.group(1).lower() if match else None


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
    site_stamps: frozenset[str] = frozenset(),
) -> Article:
    """`extract_article` on a page already parsed by `parse_html` (the crawl's workers parse each page
    once for its links and classification, then extract from the same tree). Consumes `tree`: the
    extraction prunes it, so read what else you need from it first. `site_stamps` are timestamps (as
    written) the crawl found on many pages of the site: the site's, not a page's publication date."""
    install_speedups()  # trafilatura's pruning at a fifth of the CPU, where its release is a tested one
    hints = SiteHints.from_seed(seed)
    meta = read_meta(tree, url)
    language_tag, language_source = _language_tag(meta, hints)
    reader = DateReader(hints, fetched_at, page_language=language_tag)

    title = select_text(tree, hints.selectors.get("title")) or choose_title(tree, meta)
    if title:
        title = strip_site_name(title, meta) if hints.selectors.get("title") else title
    author_override = select_texts(tree, hints.selectors.get("authors"))
    authors = normalise_authors(author_override, site_name=meta.site_name) if author_override \
        else find_authors(tree, meta)

    dates = DateFinder(tree, meta, reader, title, untrusted=site_stamps)
    date_override = select_text(tree, hints.selectors.get("date"))
    modified = dates.modified()
    # Dates that live in the markup are read before trafilatura prunes the tree.
    published = (date_override and reader.find(date_override, "selector")) or dates.from_markup()
    lead = None if published else dates.trusted(dates.headline_lead())
    standalone = None if published or lead else dates.trusted(dates.standalone_line())

    body_override = select_texts(tree, hints.selectors.get("body"))

    keep_joiners = joiners_to_keep(decoded)

    def prepared(page: HtmlElement) -> HtmlElement:
        if keep_joiners:
            protect_joiners(page)
        apply_remove(page, hints.selectors.get("remove"))
        remove_chrome(page)
        drop_empty_keeping_tails(page)
        unwrap_layout_tables(page)
        join_split_body(page)
        return page

    raw_text = "\n".join(body_override) if body_override else run_trafilatura(
        prepared(tree), url, lambda: prepared(parse_html(decoded)[1]))
    if keep_joiners:
        raw_text = restore_joiners(raw_text)
    if not body_override and len(raw_text) < SHORT_BODY_CHARS:
        # A page rendered in the browser: the article may be held only as data (the tree is pruned now).
        data_text = structured_body(parse_html(decoded)[1], meta.article_value("articleBody"))
        if len(data_text) > 2 * len(raw_text) + 200:
            raw_text = data_text
    untrimmed = body_paragraphs(raw_text)
    paragraphs = trim_edges(untrimmed, title=title, authors=authors,
                            is_date_line=lambda line: is_date_line(line, reader))
    url_date = reader.from_url(url)
    published = published or dates.trusted(dates.from_body(untrimmed, paragraphs)) or lead or url_date or standalone
    if published is None:
        guess = dates.trusted(htmldate_guess(decoded, reader, fetched_at, title))
        # htmldate falls back to "last modified" evidence; a modification date is never a publication date.
        if guess and not (modified and modified.value[:10] == guess.value[:10]):
            published = guess
    if published is not None and date_override is None:
        published = weigh(published, dates, reader, url, url_date, modified)
    text = "\n\n".join(paragraphs)
    language, detected = text_language(_language(language_tag), text)
    if detected:
        language_source = "detected"
        if published is None:  # the declared language hid a date line: read the page again in the text's
            published = dates.trusted(
                dates_in(decoded, meta, DateReader(hints, fetched_at, page_language=language), title))

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
        published_calendar=(published.calendar or "gregorian") if published else None,
        timezone_assumed=published.timezone_assumed if published else None,
        modified=modified.value if modified else None,
        modified_raw=modified.raw if modified else None,
        modified_source=modified.source if modified else None,
        modified_precision=modified.precision if modified else None,
        language=language,
        language_source=language_source if language else None,
        description=meta.get("description", "og:description", "twitter:description"),
        section=meta.get("article:section") or (clean_text(first_value(meta.article_value("articleSection")))
                                                 or None),
        tags=_tags(meta),
        image=_image(meta),
        dateline=dateline_place(paragraphs, reader),
        text=text,
        word_count=len(WORD.findall(text)),
        content_hash=_hash(text) if text else None,
        extractor_version=EXTRACTOR_VERSION,
    )
