"""The article body: trafilatura's main-content extraction, then a pass that removes what it keeps.

trafilatura finds the main content well, but at the edges of that content it keeps the repeated
headline, "By ..." bylines, date lines, share/follow bars and author bios that sit inside the article
container on many CMS templates. Those edges are trimmed here with the page's own metadata (its
title, its authors), which trafilatura does not use for this.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from copy import copy

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

from .prune import install as _install_fast_pruning

_install_fast_pruning()  # trafilatura's pruning XPaths -> equivalent selectors at a fifth of the CPU (see prune.py)

# Class names of blocks that are page chrome wherever they appear inside the article container.
# One regex over each element's class attribute is several times faster than the equivalent XPath.
CHROME_CLASS = re.compile(
    r"wp-caption-text|share|social|breadcrumb|cookie|author-box|author-bio|authorbox|about-author|td-author"
    r"|author-info|related",
    re.I,
)
KEEP_TAGS = {"html", "body", "main", "article"}
EDGE_NOISE = re.compile(
    r"^(?:follow us|share(?: this)?(?: article| post| story)?|most popular|most read|related(?: posts| articles"
    r"| news| stories)?|read (?:more|also)|see also|tags?|print|e-?mail|subscribe.*|advertisement|"
    r"comments?|leave a (?:reply|comment)|you may also like|recommended|more from .*|sign up.*|"
    r"suivez-nous|partager|lire aussi|à lire aussi|читайте также|поделиться|compartir|teilen|"
    r"image|photo|source|credit|copyright.*|©.*)\s*:?$",
    re.I,
)
# Headings after which nothing belongs to the article (teaser lists that trafilatura sometimes keeps).
STOP_HEADINGS = re.compile(
    r"^(?:other news|more news|latest news|related (?:news|posts|articles|stories|content)|most (?:popular|read)|"
    r"read (?:more|also|next)|see also|you (?:may|might) also like|more from .{1,40}|recommended(?: for you)?|"
    r"autres actualités|à lire aussi|lire aussi|другие новости|читайте также|последние новости|"
    r"otras noticias|noticias relacionadas|weitere nachrichten|mehr zum thema|das könnte sie auch interessieren|"
    r"diğer haberler|ilgili haberler|digər xəbərlər|أخبار ذات صلة)\s*:?$",
    re.I,
)
WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


LAYOUT_TABLE_XPATH = "//table[.//td//p or .//td//div or .//td//h1 or .//td//h2 or .//td//table]"


def unwrap_layout_tables(tree: HtmlElement) -> None:
    """Turn tables used for page layout (cells holding paragraphs, headings, other tables) into divs.

    Old government and news portals lay out whole pages with tables; extracted as tables, the article
    would come out as one "| cell | cell |" row. Data tables (cells holding only text) are kept.
    """
    for table in tree.xpath(LAYOUT_TABLE_XPATH):
        for node in table.iter("table", "tbody", "thead", "tfoot", "tr", "td", "th"):
            node.tag = "div"


def remove_chrome(tree: HtmlElement) -> None:
    """Drop captions, share bars, breadcrumbs, author boxes and related blocks before extraction."""
    doomed = [node for node in tree.iter("figcaption")]
    doomed += [node for node in tree.xpath("//*[@class]")
               if node.tag not in KEEP_TAGS and CHROME_CLASS.search(node.get("class", ""))]
    for node in doomed:
        if node.getparent() is None:
            continue
        if len(node.text_content()) > 5000:  # a wrapper that merely has a matching class name
            continue
        node.drop_tree()


SHORT_BODY_CHARS = 600
# trafilatura's fallback (a second opinion from readability and jusText) roughly doubles its cost per
# page. A first run without it that already keeps this much text is kept: on the shared eval sets the
# result is the same (aeb body F1 0.971, fundus-dev 0.949, with or without this shortcut) while the
# median page is ~25% faster; shorter results, where the fallback does help, get the full run.
FAST_TEXT_CHARS = 2000


def _trafilatura_text(tree: HtmlElement, url: str, *, precise: bool, fast: bool = False) -> str:
    result = trafilatura.bare_extraction(tree, options=_options(url, precise=precise, fast=fast))
    return (result.text or "") if result is not None else ""


@functools.cache
def _mode(precise: bool, fast: bool) -> Extractor:
    """trafilatura's options for one mode, built once: `Extractor()` reads nine settings through
    configparser, ~0.1 ms a call, i.e. a twentieth of the fast extraction it configures."""
    return Extractor(
        output_format="python", fast=fast, precision=precise, comments=False, tables=True, dedup=False,
        with_metadata=False,
    )


def _options(url: str, *, precise: bool, fast: bool) -> Extractor:
    """`bare_extraction(url=..., include_comments=False, favor_precision=..., fast=...)`'s options: the
    mode's, with this page's URL (trafilatura joins relative links with it and names it in its logs)."""
    options = copy(_mode(precise, fast))
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def run_trafilatura(tree: HtmlElement, url: str, fresh_tree: Callable[[], HtmlElement]) -> str:
    """Precision mode first (cleaner edges), without trafilatura's fallback unless the result is short
    (FAST_TEXT_CHARS); when it keeps little, a balanced run may find the body.

    Precision mode sometimes drops all but a teaser of long articles; the second run costs time only
    on those short results, so the median page pays for one run (trafilatura prunes the tree it is
    given, hence `fresh_tree` for the second run).
    """
    text = _trafilatura_text(tree, url, precise=True, fast=True)
    if len(text) < FAST_TEXT_CHARS:
        text = _trafilatura_text(fresh_tree(), url, precise=True)
    if len(text) < SHORT_BODY_CHARS:
        balanced = _trafilatura_text(fresh_tree(), url, precise=False)
        if len(balanced) > 2 * len(text) + 200:
            return balanced
    return text


def _is_byline(line: str, authors: list[str]) -> bool:
    words = _words(line)
    if not words or len(words) > 14:
        return False
    if words[0] in {"by", "von", "par", "por", "автор"}:
        return True
    author_words = {w for a in authors for w in _words(a)}
    return bool(author_words) and sum(w in author_words for w in words) >= max(2, len(words) // 2)


def trim_edges(
    paragraphs: list[str],
    *,
    title: str | None,
    authors: list[str],
    is_date_line: Callable[[str], bool] = lambda line: False,
) -> list[str]:
    """Remove the headline, bylines, date lines and chrome lines at the start and end of the body."""
    title_words = _words(title) if title else None
    start = 0
    # The headline repeated near the top: drop it and the short label/kicker/date lines above it.
    if title_words:
        for index, line in enumerate(paragraphs[:5]):
            if _words(line) == title_words:
                if all(len(_words(above)) <= 15 for above in paragraphs[:index]):
                    start = index + 1
                break
    while start < len(paragraphs) and start < 4:
        line = paragraphs[start]
        words = _words(line)
        if not words or (title_words and words == title_words) or _is_byline(line, authors) \
                or EDGE_NOISE.match(line.strip()) or is_date_line(line):
            start += 1
            continue
        break
    end = len(paragraphs)
    while end > start + 1:
        line = paragraphs[end - 1]
        if not _words(line) or EDGE_NOISE.match(line.strip()) or _is_byline(line, authors):
            end -= 1
            continue
        break
    kept = paragraphs[start:end]
    for index in range(1, len(kept)):
        if STOP_HEADINGS.match(kept[index].strip()):
            kept = kept[:index]
            break
    # An author box at the end: the author's name on its own line, then a short bio.
    if authors:
        author_keys = {" ".join(_words(a)) for a in authors}
        for i in range(max(0, len(kept) - 4), len(kept)):
            if " ".join(_words(kept[i])) in author_keys and i > 0:
                kept = kept[:i]
                break
    return kept


def body_paragraphs(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]
